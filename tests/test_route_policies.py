"""Every route declares who may use it; a route without a policy fails here."""

from needlecare.clinics.models import ALL_ROLES, CLINICAL_ROLES, OWNER_ONLY
from needlecare.clinics.policies import Category
from tests.routes import api_operations, api_view_functions, page_routes

# The few API operations anyone may call without a token.
PUBLIC_API = {("get", "/api/v1/openapi.json"), ("get", "/api/v1/docs")}


def test_every_page_route_declares_an_access_policy():
    missing = [r.route for r in page_routes() if not hasattr(r.callback, "access_policy")]
    assert missing == [], f"routes without @public, @signed_in or @staff(...): {missing}"


def test_page_policies_are_known_kinds():
    for route in page_routes():
        policy = route.callback.access_policy
        if isinstance(policy, tuple):
            kind, roles = policy
            assert kind == "staff" and roles in (ALL_ROLES, CLINICAL_ROLES, OWNER_ONLY) or roles <= ALL_ROLES
        else:
            assert policy in {"public", "signed_in", "patient"}, route.route


def test_public_pages_are_only_the_expected_ones():
    public = sorted(r.route for r in page_routes() if r.callback.access_policy == "public")
    assert public == [
        "",
        "accounts/login/",
        "accounts/logout/",
        "calendar/feed/<str:feed_token>.ics",  # the secret address is the credential (calendar apps)
        "healthz",
        "portal/link/",
        "portal/sign-in/",
        "readyz",
        "sms/twilio/inbound/",  # Twilio's webhooks: its signature (X-Twilio-Signature) is the credential
        "sms/twilio/status/",
    ]


def test_every_api_operation_requires_a_token(client, db):
    unsecured = [
        (method, path)
        for method, path, operation in api_operations(client)
        if not operation.get("security") and (method, path) not in PUBLIC_API
    ]
    assert unsecured == []


def test_every_api_operation_declares_a_role_policy(client, db):
    # @api_policy(Category.X, write=...), @api_owner_only or @api_any_role (clinics/policies.py), as
    # pages declare @staff(...); the served document and the routers must list the same operations.
    operations = api_view_functions()
    missing = [(m, path) for m, path, view in operations if not hasattr(view, "api_policy")]
    assert missing == [], f"API operations without @api_policy, @api_owner_only or @api_any_role: {missing}"
    documented = {(m, path) for m, path, _ in api_operations(client)} - PUBLIC_API
    assert {(m, path) for m, path, _ in operations} == documented


def test_api_policies_are_known_kinds():
    for method, path, view in api_view_functions():
        policy = view.api_policy
        assert policy in {("owner",), ("any",)} or (
            policy[0] == "category" and isinstance(policy[1], Category) and isinstance(policy[2], bool)
        ), (method, path, policy)


def test_patient_pages_are_only_under_the_portal():
    patient = [r.route for r in page_routes() if r.callback.access_policy == "patient"]
    assert patient and all(route.startswith("portal/") for route in patient)


def test_api_operations_answer_401_without_a_token(client, db, world_a):
    for method, path, _ in api_operations(client):
        url = path.replace("{patient_id}", str(world_a.patient.pk)).replace("{version}", "1")
        response = getattr(client, method)(url, content_type="application/json", data={})
        assert response.status_code == 401, (method, path, response.status_code)
