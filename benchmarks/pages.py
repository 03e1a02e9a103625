"""How the busiest staff pages cost as a clinic grows: queries and time per request.

    .venv/bin/python benchmarks/pages.py [--patients 50,500,2000] [--repeat 20]

Seeds a fresh SQLite database (in a temporary directory) with one clinic of N patients, each with an
intake, a screening, a signed consent and a session, then requests the patient list, a search, the
patient page, the session form and the lot trace through Django's test client (no network), and prints
the median and 95th percentile time and the query count of each. The query count must not grow with N;
the time should grow only slowly (indexes).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", default="50,500,2000", help="clinic sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page and size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # one size, in a process of its own
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="No directory at")
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            for row in run(args.one, args.repeat, Path(tmp)):
                print(f"{args.one:>8}  {row[0]:<16} {row[1]:>7}  {row[2]:>9.1f}  {row[3]:>7.1f}", flush=True)
        return
    print(f"{'patients':>8}  {'page':<16} {'queries':>7}  {'median ms':>9}  {'p95 ms':>7}", flush=True)
    for size in [int(n) for n in args.patients.split(",")]:
        # A fresh process (and database) per size, so nothing cached carries over.
        command = [sys.executable, __file__, "--one", str(size), "--repeat", str(args.repeat)]
        subprocess.run(command, check=True)


def run(size: int, repeat: int, tmp: Path) -> list[tuple[str, int, float, float]]:
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needlecare.test_settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    setup_test_environment()
    call_command("migrate", verbosity=0)
    patient, practitioner = seed(size)
    client = Client()
    client.force_login(practitioner)
    pages = {
        "patient list": "/patients/",
        "search": "/patients/?q=smith",
        "patient page": f"/patients/{patient.pk}/",
        "session form": f"/patients/{patient.pk}/sessions/new/",
        "lot trace": "/sessions/lots/?lot=LOT-BENCH",
    }
    rows = []
    for name, url in pages.items():
        client.get(url)  # warm caches and templates
        times = []
        queries = QueryLog()
        with connection.execute_wrapper(queries):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        rows.append((name, len(queries.statements), statistics.median(times), p95))
    return rows


class QueryLog:
    """An execute wrapper that keeps every statement the database was sent."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.statements.append(sql)
        return execute(sql, params, many, context)


def seed(size: int):  # type: ignore[no-untyped-def]
    from needlecare.clinics.models import Role
    from needlecare.consent.models import ConsentSignature
    from needlecare.consent.services import ensure_default_template
    from needlecare.core.clock import clinic_today
    from needlecare.factories import ClinicFactory, MembershipFactory, UserFactory, make_intake, make_patient
    from needlecare.screening.services import screen_patient
    from needlecare.treatments.services import SessionInput, ZoneEntry, record_treatment

    clinic = ClinicFactory(name="Benchmark Clinic")
    practitioner = UserFactory(email="bench@example.com")
    MembershipFactory(user=practitioner, clinic=clinic, role=Role.PRACTITIONER)
    template = ensure_default_template(clinic)
    today = clinic_today(clinic)
    first = None
    for index in range(size):
        family = "Smith" if index % 10 == 0 else f"Family{index}"
        patient = make_patient(clinic, by=practitioner, given_name=f"Given{index}", family_name=family)
        make_intake(patient, by=practitioner)
        screen_patient(patient=patient, by=practitioner, on=today - timedelta(days=2))
        ConsentSignature.objects.create(
            clinic=clinic,
            patient=patient,
            template=template,
            signed_text=template.body,
            signed_name=patient.full_name,
            signature_svg="M1 1L2 2",
            photo_use=False,
            signed_via="tablet",
        )
        record_treatment(
            patient=patient,
            by=practitioner,
            data=SessionInput(
                performed_on=today - timedelta(days=1),
                device="pen",
                device_model="Pen",
                device_serial="S1",
                cartridge_id=f"C{index}",
                cartridge_lot="LOT-BENCH",
                cartridge_expiry=date(2099, 1, 1),
                numbing_agent="none",
                numbing_minutes=0,
                end_point="erythema",
                duration_minutes=30,
                immediate_reaction="expected",
                zones=[ZoneEntry("cheeks", Decimal("1.0"), 2)],
            ),
        )
        first = first or patient
    return first, practitioner


if __name__ == "__main__":
    main()
