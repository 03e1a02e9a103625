"""Idempotency-Key for the API's creating POSTs, and one-time form tokens for pages.

The key is claimed by inserting its row in the same transaction as the work, so the database decides
between concurrent identical requests: on PostgreSQL the second insert waits for the first to commit and
then fails on the unique constraint; on SQLite the immediate transaction queues the second behind the
first. The loser reads the stored answer and replays it. A 5xx is never kept (the transaction is rolled
back, so a retry does the work); a refusal (4xx) is kept like a success, so the answer to a key never
changes within its 24 hours.
"""

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import get_resolver
from django.utils import timezone

from needlecare.accounts.selectors import membership_for_token
from needlecare.idempotency.models import IdempotencyRecord
from needlecare.refusals import busy_response, is_busy

HEADER = "Idempotency-Key"
LIFETIME = timedelta(hours=24)
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces
OPENAPI_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 200, "pattern": r"^[\x21-\x7e]{1,200}$"},
    "description": "Send the same key to retry safely: within 24 hours the same key and body return the "
    "first answer (status and body) without doing the work again; the same key with another body answers "
    "422. Keys are scoped to the clinic and the API token.",
}
# POSTs that create something without answering 201.
CREATING_WITHOUT_201 = {"/api/v1/import/patients"}


# The API's OpenAPI document, as needlecare/api.py declares it (the API is above this app).
_API_SCHEMA: list[Callable[[], dict[str, Any]]] = []


def declare_api(schema: Callable[[], dict[str, Any]]) -> None:
    """Called by needlecare/api.py when it is imported: where to read the API's operations."""
    _API_SCHEMA[:] = [schema]
    creating_posts.cache_clear()


@cache
def creating_posts() -> tuple[re.Pattern[str], ...]:
    """The API's creating POSTs (a 201 answer, or listed above), as patterns over request paths."""
    if not _API_SCHEMA:
        get_resolver().url_patterns  # noqa: B018  # loading the URLconf imports needlecare/api.py
    if not _API_SCHEMA:
        raise RuntimeError("No API declared its operations: needlecare/api.py calls declare_api().")
    schema = _API_SCHEMA[0]()
    patterns = []
    for path, operations in schema["paths"].items():
        post = operations.get("post")
        if post is None or not (
            "201" in post["responses"] or 201 in post["responses"] or path in CREATING_WITHOUT_201
        ):
            continue
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path))
        patterns.append(re.compile(f"^{pattern}$"))
    return tuple(patterns)


def is_creating_post(request: HttpRequest) -> bool:
    return request.method == "POST" and any(p.match(request.path) for p in creating_posts())


def request_hash(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}?{request.META.get('QUERY_STRING', '')}\n".encode())
    content_type = request.META.get("CONTENT_TYPE", "")
    if content_type.startswith("multipart/form-data"):
        # Parsed already (needlecare.refusals): the fields and each file's name and content.
        for name, values in sorted(request.POST.lists()):
            for value in values:
                digest.update(f"field {name}={value}\n".encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                upload.seek(0)
                content = hashlib.sha256(upload.read()).hexdigest()
                upload.seek(0)
                digest.update(f"file {name} {upload.name} {content}\n".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _token_scope(request: HttpRequest) -> str:
    credential = request.META.get("HTTP_AUTHORIZATION", "")
    return "token:" + hashlib.sha256(credential.encode()).hexdigest()[:64]


def _replay(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _refuse(detail: str) -> HttpResponse:
    return JsonResponse({"detail": detail}, status=422)


class IdempotencyMiddleware:
    """Applies Idempotency-Key to every creating POST of the API, once, for all of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or not request.path.startswith("/api/") or not is_creating_post(request):
            return self.get_response(request)
        if not KEY_PATTERN.match(key):
            return _refuse(f"The {HEADER} header is 1 to 200 printable characters without spaces.")
        try:
            return self._once(request, key)
        except Exception as error:
            if is_busy(error):
                return busy_response(request)
            raise

    def _once(self, request: HttpRequest, key: str) -> HttpResponse:
        authorization = request.META.get("HTTP_AUTHORIZATION", "")
        token = authorization[7:].strip() if authorization[:7].lower() == "bearer " else ""
        membership = membership_for_token(token) if token else None
        if membership is None:
            return self.get_response(request)  # the API answers 401
        scope, digest, now = _token_scope(request), request_hash(request), timezone.now()
        where = {"clinic_id": membership.clinic_id, "scope": scope, "key": key}
        with transaction.atomic():
            # The claim comes first: a concurrent request with this key waits here (PostgreSQL: on the
            # unique index; SQLite: for the write lock) until this one has committed or rolled back.
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        **where,
                        method=request.method or "POST",
                        path=request.path[:500],
                        request_hash=digest,
                        status=0,
                        content_type="",
                        body=b"",
                        expires_at=now + LIFETIME,
                    )
            except IntegrityError:
                earlier = IdempotencyRecord.objects.get(**where)
                if earlier.expires_at > now:
                    if earlier.request_hash != digest:
                        return _refuse(
                            f"This {HEADER} was used within the last 24 hours for another request: "
                            "send a new key for a new request."
                        )
                    return _replay(earlier)
                earlier.delete()
                record = IdempotencyRecord.objects.create(
                    **where,
                    method=request.method or "POST",
                    path=request.path[:500],
                    request_hash=digest,
                    status=0,
                    content_type="",
                    body=b"",
                    expires_at=now + LIFETIME,
                )
            response: HttpResponse = self.get_response(request)
            if response.status_code >= 500:
                # Nothing kept: the work and the claim are rolled back, a retry with this key does it.
                transaction.set_rollback(True)
                return response
            record.status = response.status_code
            record.content_type = response.get("Content-Type", "application/json")
            record.body = response.content
            record.save(update_fields=["status", "content_type", "body"])
        return response


def purge_expired(now: Any = None) -> int:
    """Delete the answers past their 24 hours; `manage.py expire_idempotency_keys` calls it."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


# ------------------------------------------------------------------------------------------------------
# One-time form tokens: a page form that must not be submitted twice (the session form) carries one.
# ------------------------------------------------------------------------------------------------------

FORM_TOKEN_FIELD = "form_token"
FORM_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def valid_form_token(token: str | None) -> bool:
    return bool(token) and bool(FORM_TOKEN_PATTERN.match(token or ""))


def submit_once(
    *, clinic: Any, user: Any, form: str, token: str, work: Callable[[], Any]
) -> tuple[str, bool]:
    """Run `work` (it returns what it made) once per form token: (the id it made, True); for a token
    already used, (the id the first submission made, False) and nothing is done. A submission that is
    refused (an exception in `work`) leaves the token unused, so the corrected form can be sent."""
    where = {"clinic_id": clinic.pk, "scope": f"user:{user.pk}", "key": f"form:{form}:{token}"}
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    **where,
                    method="POST",
                    path=form,
                    request_hash="",
                    status=0,
                    content_type="",
                    body=b"",
                    expires_at=timezone.now() + LIFETIME,
                )
        except IntegrityError:
            # The first submission with this token committed (a concurrent one waited for it here).
            return IdempotencyRecord.objects.get(**where).object_id, False
        made = str(getattr(work(), "pk", ""))
        record.object_id, record.status = made, 201
        record.save(update_fields=["object_id", "status"])
    return made, True
