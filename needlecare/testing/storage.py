"""The private storage in tests, on both of its stores: this machine's disk and S3-compatible object
storage, the latter a real S3 server (moto's standalone server) that the suite starts on 127.0.0.1. No
request leaves the machine.

Requests the stand-in answers for Needlecare: CreateBucket (the fixtures), PutObject (an upload, a
restore), HeadObject (exists, and before every read), GetObject (serving a photo, the export's ZIP, a
backup), DeleteObject (a refused upload, a deleted photo, an erasure, a restore), ListObjects (a backup,
a restore's "is the store empty"; django-storages lists with ListObjects and a delimiter).

`private_files` is parametrised: a test that takes it runs once on each store."""

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile

from needlecare.core.storage import private_storage, stored_names

REGION = "eu-west-2"
ACCESS_KEY = "needlecare-test-access-key"
SECRET_KEY = "needlecare-test-secret-key"  # noqa: S105 - the stand-in accepts any key


@dataclass
class S3Server:
    """The stand-in S3 server's address, and what it takes to use a bucket of it."""

    endpoint: str

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        name = f"needlecare-{uuid.uuid4().hex[:16]}"
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        return name

    def environment(self, bucket: str) -> dict[str, str]:
        """The settings (as docs/operations.md gives them) of an installation storing into `bucket`."""
        return {
            "PRIVATE_STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def storage_setting(self, bucket: str) -> dict[str, Any]:
        """STORAGES["private"] for `bucket`, as settings.py makes it from environment()."""
        from botocore.config import Config

        return {
            "BACKEND": "needlecare.core.s3.PrivateS3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": self.endpoint,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "default_acl": None,
                "querystring_auth": True,
                "querystring_expire": 60,
                "client_config": Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 1}),
            },
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server in a thread of this process, on 127.0.0.1 and a free port."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield S3Server(f"http://{host}:{port}")
    finally:
        server.stop()


@dataclass
class PrivateFiles:
    """What a test needs of the private storage, whichever store it is (`kind`: disk or s3)."""

    kind: str

    def names(self) -> list[str]:
        return list(stored_names(private_storage()))

    def exists(self, name: str) -> bool:
        return bool(private_storage().exists(name))

    def read(self, name: str) -> bytes:
        with private_storage().open(name, "rb") as handle:
            return bytes(handle.read())

    def write(self, name: str, data: bytes) -> str:
        return private_storage().save(name, ContentFile(data))


def use_private_store(kind: str, *, settings: Any, tmp_path: Any, request: Any) -> PrivateFiles:
    """Point STORAGES["private"] at an empty store: a new directory, or a new bucket of the S3 server."""
    if kind == "disk":
        settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    else:
        server = request.getfixturevalue("s3_server")
        # Django forgets the storages it made when STORAGES changes (django.test.signals), and again
        # when the test's settings are put back.
        settings.STORAGES = {**settings.STORAGES, "private": server.storage_setting(server.new_bucket())}
    return PrivateFiles(kind)


@pytest.fixture(params=["disk", "s3"])
def private_files(request, settings, tmp_path) -> PrivateFiles:  # type: ignore[no-untyped-def]
    """An empty private store, once on the disk and once on the S3 server."""
    return use_private_store(request.param, settings=settings, tmp_path=tmp_path, request=request)
