"""The pytest fixtures every app shares (a plugin, registered by the root conftest.py): two clinics with
staff of every role, so every test can check isolation; API tokens; a signed-in client; a frozen clock."""

from dataclasses import dataclass

import pytest
import time_machine


@dataclass
class ClinicWorld:
    clinic: object
    owner: object
    practitioner: object
    front_desk: object
    patient: object
    intake: object

    def member(self, role: str):  # type: ignore[no-untyped-def]
        return {"owner": self.owner, "practitioner": self.practitioner, "front_desk": self.front_desk}[role]


def make_world(name: str) -> ClinicWorld:
    """A clinic called `name` with an owner, a practitioner, a front desk, and a patient with an intake."""
    from needlecare.clinics.models import Role
    from needlecare.testing.factories import ClinicFactory, MembershipFactory, make_intake, make_patient

    clinic = ClinicFactory(name=name)
    owner = MembershipFactory(clinic=clinic, role=Role.OWNER).user
    practitioner = MembershipFactory(clinic=clinic, role=Role.PRACTITIONER).user
    front_desk = MembershipFactory(clinic=clinic, role=Role.FRONT_DESK).user
    patient = make_patient(clinic, by=owner)
    intake = make_intake(patient, by=owner)
    return ClinicWorld(clinic, owner, practitioner, front_desk, patient, intake)


@pytest.fixture
def world_a(db) -> ClinicWorld:
    return make_world("Clinic A")


@pytest.fixture
def world_b(db) -> ClinicWorld:
    return make_world("Clinic B")


@pytest.fixture
def token_for():
    """token_for(user) -> the Authorization header value of a fresh API token in the user's clinic."""
    from needlecare.accounts.services import issue_token
    from needlecare.clinics.models import Membership

    def make(user) -> str:  # type: ignore[no-untyped-def]
        _, raw = issue_token(membership=Membership.objects.get(user=user), name="test")
        return f"Bearer {raw}"

    return make


@pytest.fixture
def signed_in(client):
    """signed_in(user) -> the test client, signed in as that user."""

    def make(user):  # type: ignore[no-untyped-def]
        client.force_login(user)
        return client

    return make


@pytest.fixture
def frozen():
    """10:00 UTC on TODAY (a Wednesday; 10:00 in London too), the clock standing still."""
    with time_machine.travel("2026-11-25 10:00Z", tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def audit_anchor_dir(settings, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Each test anchors audit chains into a directory of its own (clinic ids repeat between tests)."""
    settings.AUDIT_ANCHOR_DIR = tmp_path_factory.mktemp("audit-anchors")
    return settings.AUDIT_ANCHOR_DIR
