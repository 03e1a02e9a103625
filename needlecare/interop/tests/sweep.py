"""The interop part of the isolation sweep: valid bodies for its API operations."""

BODIES = {
    ("post", "/api/v1/patients/{patient_id}/erase"): {"confirm": True},
    ("post", "/api/v1/import/patients/check"): {
        "csv": "given_name,family_name,date_of_birth\nA,B,1990-01-01\n"
    },
    ("post", "/api/v1/import/patients"): {
        "csv": "given_name,family_name,date_of_birth\nA,B,1990-01-01\n",
        "confirmed_lines": [2],
    },
}


def ids(world) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {}
