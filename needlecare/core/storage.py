"""Private files (clinical photos and their thumbnails, whatever else is kept beside them) go through one
named storage, `STORAGES["private"]`: this machine's disk by default, S3-compatible object storage when
configured (`needlecare/core/s3.py`, docs/operations.md). Neither has a public URL: files are served only
by the access-checked views, streamed through Django. Every failure to store or read is an OSError."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.functional import cached_property

PRIVATE = "private"


def private_storage() -> Storage:
    """The private storage (`STORAGES["private"]`), as configured; Django keeps one per process."""
    return storages[PRIVATE]


def stored_names(storage: Storage, directory: str = "") -> Iterator[str]:
    """Every file's name under `directory`, sorted, walking the storage's folders (S3: ListObjects)."""
    try:
        folders, files = storage.listdir(directory)
    except FileNotFoundError:  # a disk store nothing was written to yet
        return
    prefix = f"{directory.rstrip('/')}/" if directory else ""
    for name in sorted(files):
        yield prefix + name
    for folder in sorted(folders):
        yield from stored_names(storage, prefix + folder)


class PrivateFileSystemStorage(FileSystemStorage):
    """The disk store: PRIVATE_MEDIA_ROOT (read when used, so a changed setting takes effect), no URL."""

    @cached_property
    def base_location(self) -> Any:
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)  # type: ignore[attr-defined]

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        super()._clear_cached_properties(setting, **kwargs)  # type: ignore[arg-type]  # any setting is sent
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no URL: serve them through an access-checked view.")

    @property
    def root(self) -> Path:
        return Path(self.location)
