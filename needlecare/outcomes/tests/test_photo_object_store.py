"""A photo store on S3 that fails, for real (the suite's S3 server, needlecare/testing/storage.py): a
bucket that is not there answers 503 "cannot be written just now" and keeps no row; a store over its
quota is a full disk (507), as test_photo_disk.py shows for the disk."""

import errno

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from django.core.files.uploadedfile import SimpleUploadedFile

from needlecare.core.s3 import as_os_error
from needlecare.outcomes.models import Photo
from needlecare.testing.clock import TODAY
from needlecare.testing.outcomes import jpeg_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_today")]


def test_a_missing_bucket_answers_503_and_keeps_no_row(client, world_a, token_for, s3_server, settings):
    settings.STORAGES = {**settings.STORAGES, "private": s3_server.storage_setting("no-such-bucket-here")}
    response = client.post(
        f"/api/v1/patients/{world_a.patient.pk}/photos",
        {
            "image": SimpleUploadedFile("face.jpg", jpeg_bytes(), content_type="image/jpeg"),
            "view": "front",
            "zone": "cheeks",
            "taken_on": TODAY.isoformat(),
        },
        HTTP_AUTHORIZATION=token_for(world_a.practitioner),
    )
    assert response.status_code == 503, response.content
    assert "cannot be written just now" in response.json()["detail"]
    assert not Photo.objects.exists()


def test_store_errors_are_the_os_errors_a_disk_would_give():
    def refused(code: str, status: int) -> ClientError:
        return ClientError(
            {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject"
        )

    assert as_os_error(refused("QuotaExceeded", 403)).errno == errno.ENOSPC
    assert as_os_error(refused("XMinioStorageFull", 507)).errno == errno.ENOSPC
    assert isinstance(as_os_error(refused("NoSuchKey", 404)), FileNotFoundError)
    assert as_os_error(refused("AccessDenied", 403)).errno == errno.EIO
    assert as_os_error(EndpointConnectionError(endpoint_url="http://127.0.0.1:9")).errno == errno.EIO
