"""Settings, read from the environment in this one file (docs/operations.md lists every variable).

Development defaults are safe: DEBUG is off unless asked for, and without DEBUG a real SECRET_KEY
and ALLOWED_HOSTS must be given.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

# A `.env` file (KEY=value lines) beside manage.py fills in what the environment leaves unset;
# ENV_FILE names another file, and an empty ENV_FILE reads none (the test suite).
_ENV_FILE = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if _ENV_FILE:
    load_dotenv(_ENV_FILE, override=False)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Tests and the demo run over plain http on 127.0.0.1; production runs behind TLS.
HTTPS = env_bool("HTTPS", not DEBUG)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for development).")
    SECRET_KEY = "insecure-development-key-only-for-debug-" + "x" * 20

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "ninja",
    "needlecare.accounts",
    "needlecare.clinics",
    "needlecare.audit",
    "needlecare.patients",
    "needlecare.protocols",
    "needlecare.screening",
    "needlecare.plans",
    "needlecare.consent",
    "needlecare.treatments",
    "needlecare.scheduling",
    "needlecare.aftercare",
    "needlecare.outcomes",
    "needlecare.forecasting",
    "needlecare.interop",
    "needlecare.portal",
    "needlecare.idempotency",
    "needlecare.demo",
    # After Needlecare's apps: aftercare's `db_worker` (the same worker, which also makes sure the
    # reminder sender is scheduled) takes precedence over django_tasks_db's.
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "needlecare.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "needlecare.refusals.SessionMiddleware",  # Django's; a busy database answers 503 (refusals.py)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "needlecare.clinics.middleware.CurrentClinicMiddleware",
    "needlecare.clinics.middleware.SecondFactorMiddleware",
    "axes.middleware.AxesMiddleware",
    # Django's request limits answer 400/413 and a busy database 503, never 500 (needlecare/refusals.py).
    "needlecare.refusals.RequestRefusalMiddleware",
    # Idempotency-Key on the API's creating POSTs (needlecare/idempotency/services.py).
    "needlecare.idempotency.services.IdempotencyMiddleware",
]

ROOT_URLCONF = "needlecare.urls"
WSGI_APPLICATION = "needlecare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "needlecare" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "needlecare.clinics.context_processors.clinic",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# SQLite keeps what it committed: WAL, synchronous=FULL, a busy timeout so writers queue, foreign keys,
# secure_delete so erased rows do not linger in free pages, and IMMEDIATE transactions so a writer
# takes the lock up front instead of failing half-way with "database is locked".
SQLITE_PATH = os.environ.get("SQLITE_PATH", str(BASE_DIR / "var" / "needlecare.sqlite3"))
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA busy_timeout=5000;"
            "PRAGMA foreign_keys=ON;PRAGMA secure_delete=ON"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 5,
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("SQLITE_TEST_PATH") or None}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "patients:list"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout after repeated failures (django-axes): per e-mail and address, so one attacker cannot lock
# a colleague out from elsewhere.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

OTP_TOTP_ISSUER = "Needlecare"

# Idle timeout: the session cookie is renewed on every request and dies after this many idle seconds.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS

# --- Transport security ---------------------------------------------------------------------------
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Needlecare <no-reply@localhost>")

# --- Background work and reminders ---------------------------------------------------------------
# `manage.py db_worker` runs queued tasks. Reminders are rows of our own (aftercare.Reminder), claimed
# under a row lock; the task framework only wakes the sender.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
SMS_BACKEND = os.environ.get("SMS_BACKEND", "needlecare.aftercare.sms.ConsoleBackend")
# SMS through Twilio, per clinic (docs/operations.md, "SMS with Twilio"): the Fernet key that encrypts each
# clinic's Twilio secrets at rest, and (for tests only) where the Twilio SDK sends its REST requests.
SMS_CREDENTIALS_KEY = os.environ.get("SMS_CREDENTIALS_KEY", "")
TWILIO_API_BASE_URL = os.environ.get("TWILIO_API_BASE_URL", "")
REMINDER_TICK_SECONDS = float(os.environ.get("REMINDER_TICK_SECONDS", "30"))
REMINDER_LEASE_SECONDS = float(os.environ.get("REMINDER_LEASE_SECONDS", "300"))
REMINDER_BATCH_SIZE = int(os.environ.get("REMINDER_BATCH_SIZE", "20"))
PORTAL_LINK_HOURS = int(os.environ.get("PORTAL_LINK_HOURS", "72"))
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# The right-hand side of reminders' Message-IDs: the sender's domain unless set.
REMINDER_MESSAGE_DOMAIN = os.environ.get("REMINDER_MESSAGE_DOMAIN") or (
    DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("<> ") or "localhost"
)

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"  # stored in UTC; each clinic shows its own time zone
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
# The project's own stylesheet, script and icon (needlecare/ itself is not an installed app).
STATICFILES_DIRS = [BASE_DIR / "needlecare" / "static"]
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False
# Private files (photos, exports) live outside any static or public root.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
# They go through STORAGES["private"] (needlecare/core/storage.py): that directory on this machine's disk
# (PRIVATE_STORAGE=disk), or S3-compatible object storage that every web machine shares (PRIVATE_STORAGE=s3;
# docs/operations.md, Photos on shared storage). Either way, served only through the access-checked views.
PRIVATE_STORAGE = os.environ.get("PRIVATE_STORAGE", "disk").strip().lower()
if PRIVATE_STORAGE == "s3":
    from botocore.config import Config as _S3Config

    _s3_options: dict[str, Any] = {
        "bucket_name": os.environ.get("S3_BUCKET", ""),
        "location": os.environ.get("S3_PREFIX", "").strip("/"),  # a folder of a shared bucket
        "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,  # unset: AWS itself
        "region_name": os.environ.get("S3_REGION") or None,
        # Unset: boto3's own chain (AWS_* variables, an instance role); never in the database.
        "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
        "default_acl": None,  # no ACL: objects are as private as the bucket (no public access)
        "querystring_auth": True,  # any URL made is signed...
        "querystring_expire": int(os.environ.get("S3_URL_SECONDS", "60")),  # ...and short-lived
        "file_overwrite": True,  # names are random; a restore writes the backup's names back
        "max_memory_size": 4 * 1024 * 1024,  # a file being served spools to disk above this
        # A store that does not answer fails an upload in seconds (503), not after minutes.
        "client_config": _S3Config(
            connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}
        ),
    }
    STORAGES["private"] = {"BACKEND": "needlecare.core.s3.PrivateS3Storage", "OPTIONS": _s3_options}
    if not _s3_options["bucket_name"]:
        raise ImproperlyConfigured("PRIVATE_STORAGE=s3 needs S3_BUCKET (docs/operations.md).")
elif PRIVATE_STORAGE == "disk":
    STORAGES["private"] = {"BACKEND": "needlecare.core.storage.PrivateFileSystemStorage"}
else:
    raise ImproperlyConfigured(f"PRIVATE_STORAGE is disk or s3, not {PRIVATE_STORAGE!r}.")
# Uploaded photos: refused above this size, and above this many pixels before they are decoded.
# 40 megapixels: above a phone's default output (12-24 MP) and a clinical DSLR's (24-36 MP), below
# Pillow's bomb warning (89 MP); decoded, it is 120 MB of RGB per upload in flight. Photos are stored
# at 4,096 px on the long side (17 MP at most) whatever the camera gave.
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(20 * 1024 * 1024)))
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(40_000_000)))

# --- Needlecare -----------------------------------------------------------------------------------
PATIENTS_PER_PAGE = 25
AUDIT_EVENTS_PER_PAGE = 50
# The audit chain's key (HMAC-SHA256): from the environment only, never in the database. Without it,
# a key derived from SECRET_KEY (docs/operations.md, Audit log). Retired keys, comma-separated, still
# verify the events they signed ("SECRET_KEY" stands for the key derived from it).
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")
AUDIT_HMAC_OLD_KEYS = [k.strip() for k in os.environ.get("AUDIT_HMAC_OLD_KEYS", "").split(",") if k.strip()]
# Signed heads of every clinic's chain, outside the database; the worker writes them this often.
AUDIT_ANCHOR_DIR = Path(os.environ.get("AUDIT_ANCHOR_DIR", str(BASE_DIR / "var" / "audit-anchors")))
AUDIT_ANCHOR_SECONDS = float(os.environ.get("AUDIT_ANCHOR_SECONDS", "900"))

# /readyz answers 503 when the reminder sender has not run for this long (it runs every
# REMINDER_TICK_SECONDS while a worker is up).
READY_SENDER_MAX_AGE_SECONDS = float(os.environ.get("READY_SENDER_MAX_AGE_SECONDS", "300"))

# One JSON line per request on the `needlecare.requests` logger (method, route name, status, time,
# clinic id; never the path, the query or anything about a patient). REQUEST_LOG=false turns it off.
REQUEST_LOG = env_bool("REQUEST_LOG", True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"bare": {"format": "%(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "requests": {"class": "logging.StreamHandler", "formatter": "bare"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        "needlecare.requests": {
            "handlers": ["requests"],
            "level": "INFO" if REQUEST_LOG else "WARNING",
            "propagate": False,
        }
    },
}
