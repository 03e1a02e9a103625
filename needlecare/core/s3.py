"""The private store on S3-compatible object storage (AWS S3, MinIO, Ceph, a cloud's own), through
django-storages. Objects are private (no ACL, so the bucket's own policy: no public read) and any URL is
signed and short-lived; Needlecare itself never hands one out, it streams files through its views.
Imported only when `PRIVATE_STORAGE=s3` (settings), so the disk store needs no boto3 at start-up."""

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

# Error codes S3-compatible servers give for a store that is full or over its quota: shown as a full disk
# (507, "the photo store is full"), not as a passing failure (503).
FULL = {"QuotaExceeded", "XMinioStorageFull", "XMinioAdminBucketQuotaExceeded", "StorageFull"}


def as_os_error(error: Exception) -> OSError:
    """A boto error as the OSError a disk would have raised (the callers handle those already)."""
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if status == 404 and code in {"NoSuchKey", "404", "NotFound"}:
            return FileNotFoundError(errno.ENOENT, f"No such object ({code}).")
        if code in FULL:
            return OSError(errno.ENOSPC, f"The object store is full ({code}).")
        if code == "EntityTooLarge":
            return OSError(errno.EFBIG, f"The object store refused the file's size ({code}).")
        return OSError(errno.EIO, f"The object store refused the request ({code or status}).")
    return OSError(errno.EIO, f"The object store cannot be reached ({type(error).__name__}).")


@contextmanager
def _storage_errors() -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise as_os_error(error) from error


class PrivateS3Storage(S3Storage):  # type: ignore[misc]  # django-storages ships no types
    """S3Storage whose failures are OSErrors (as on disk) and which never makes an unsigned URL."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("default_acl", None)  # no ACL header: objects stay as private as the bucket
        options.setdefault("querystring_auth", True)
        options.setdefault("querystring_expire", 60)
        options.setdefault("custom_domain", None)  # a custom domain would mean unsigned URLs
        super().__init__(**options)
        if not self.querystring_auth:
            raise ValueError("The private store signs every URL: querystring_auth must stay on.")

    def _open(self, name: str, mode: str = "rb") -> Any:
        with _storage_errors():
            return super()._open(name, mode)

    def _save(self, name: str, content: Any) -> str:
        with _storage_errors():
            return str(super()._save(name, content))

    def delete(self, name: str) -> None:
        with _storage_errors():
            super().delete(name)

    def exists(self, name: str) -> bool:
        with _storage_errors():
            return bool(super().exists(name))

    def listdir(self, name: str) -> tuple[list[str], list[str]]:
        with _storage_errors():
            folders, files = super().listdir(name)
            return list(folders), list(files)

    def size(self, name: str) -> int:
        with _storage_errors():
            return int(super().size(name))
