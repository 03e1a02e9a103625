"""Encryption at rest for the clinics' SMS gateway secrets: Fernet, with the key in SMS_CREDENTIALS_KEY."""

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _fernet() -> Fernet:
    key = settings.SMS_CREDENTIALS_KEY
    if not key:
        raise ImproperlyConfigured("SMS_CREDENTIALS_KEY is not set: clinics' SMS secrets cannot be stored")
    try:
        return Fernet(key.encode())
    except ValueError as error:
        raise ImproperlyConfigured(
            "SMS_CREDENTIALS_KEY is not a Fernet key (32 url-safe base64 bytes)"
        ) from error


def can_store() -> bool:
    return bool(settings.SMS_CREDENTIALS_KEY)


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    """The secret, or ImproperlyConfigured if the key changed since it was stored."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured("SMS_CREDENTIALS_KEY does not open this clinic's stored secret") from error
