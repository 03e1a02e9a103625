"""Which protocol a clinic follows, and the parsed protocol behind a stored version."""

from functools import lru_cache

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from needlecare.clinics.models import Clinic
from needlecare.protocols import Protocol, load_protocol
from needlecare.protocols.models import ClinicProtocol, ProtocolVersion


def current_version(clinic: Clinic) -> ProtocolVersion:
    """The clinic's latest adoption, or the default protocol when it never adopted one."""
    adoption = ClinicProtocol.objects.filter(clinic=clinic).select_related("protocol").first()
    if adoption:
        return adoption.protocol
    from needlecare.protocols.services import default_version

    return default_version()


@lru_cache(maxsize=32)
def _parse(content_hash: str, text: str) -> Protocol:
    return load_protocol(text, filename=f"version {content_hash[:12]}")


def parsed(version: ProtocolVersion) -> Protocol:
    """The validated protocol of a stored version (parsed once per process)."""
    return _parse(version.content_hash, version.text)


def current_protocol(clinic: Clinic) -> tuple[ProtocolVersion, Protocol]:
    version = current_version(clinic)
    return version, parsed(version)


def adoptions_of(clinic: Clinic) -> QuerySet[ClinicProtocol]:
    return ClinicProtocol.objects.filter(clinic=clinic).select_related("protocol", "adopted_by")


def version_for(clinic: Clinic, version_id: int) -> ProtocolVersion:
    """A version this clinic adopted, or the default; any other clinic's version is 404."""
    from needlecare.protocols.services import default_version

    default = default_version()
    visible = ProtocolVersion.objects.filter(Q(adoptions__clinic=clinic) | Q(pk=default.pk)).distinct()
    return get_object_or_404(visible, pk=version_id)
