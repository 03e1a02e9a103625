"""How booking holds up: free-slot search and calendar pages as the diary fills, and bookings under
contention (threads on their own connections, as several web processes would be).

    .venv/bin/python benchmarks/booking.py [--appointments 200,2000] [--database-url postgres://...]

Each size gets a fresh database (SQLite in a temporary directory unless --database-url names another;
that database is dropped and recreated, so never point it at real data). Prints, per size: the time to
list a month of free treatment slots for everybody, the day and week pages (queries and median time), then
bookings per second with 8 threads booking different slots, and 50 threads racing for one slot (exactly
one must win).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appointments", default="200,2000", help="diary sizes, comma-separated")
    parser.add_argument("--database-url", default="", help="a throwaway database (default: SQLite in /tmp)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message="No directory at")
    if args.one:
        with tempfile.TemporaryDirectory() as tmp:
            run(args.one, args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        return
    for size in [int(n) for n in args.appointments.split(",")]:
        command = [sys.executable, __file__, "--one", str(size), "--database-url", args.database_url]
        subprocess.run(command, check=True)


def run(size: int, url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "needlecare.test_settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, connections
    from django.test import Client
    from django.test.utils import setup_test_environment

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS.append("testserver")
    setup_test_environment()
    call_command("migrate", verbosity=0)
    world = seed(size)
    from needlecare.scheduling import selectors
    from needlecare.scheduling.services.booking import Booking, BookingRefused, SlotTaken, book_appointment

    clinic, practitioners, patients, treatment = world
    first = date.today() + timedelta(days=1)

    start = time.perf_counter()
    slots = selectors.free_slots(
        clinic,
        type=treatment,
        first=first,
        last=first + timedelta(days=30),
        practitioners=practitioners,
        limit=5000,
    )
    print(
        f"{size:>6} appointments: a month of free treatment slots ({len(slots)}) in "
        f"{(time.perf_counter() - start) * 1000:.0f} ms",
        flush=True,
    )

    client = Client()
    client.force_login(practitioners[0])
    for view in ("day", "week"):
        page = f"/calendar/?view={view}&date={first.isoformat()}"
        client.get(page)
        statements = QueryLog()
        with connection.execute_wrapper(statements):
            assert client.get(page).status_code == 200
        times = []
        for _ in range(10):
            began = time.perf_counter()
            client.get(page)
            times.append((time.perf_counter() - began) * 1000)
        print(
            f"{'':>6} {view} view: {len(statements.sql)} queries, median {statistics.median(times):.0f} ms",
            flush=True,
        )

    # Throughput: 8 threads, each books its own practitioner's free consultation slots.
    consultation = selectors.type_by_code(clinic, "consultation")
    targets = [
        [
            s
            for s in selectors.free_slots(
                clinic,
                type=consultation,
                first=first + timedelta(days=31),
                last=first + timedelta(days=45),
                practitioners=[p],
                limit=400,
            )
            if s.starts_at.minute in (0, 30)
        ][:25]
        for p in practitioners
    ]
    booked = [0]
    lock = threading.Lock()

    def book_many(index: int) -> None:
        for n, slot in enumerate(targets[index % len(targets)][index // len(targets) :: 2]):
            try:
                book_appointment(
                    clinic=clinic,
                    booking=Booking(
                        patient=patients[(index * 50 + n) % len(patients)],
                        practitioner=slot.practitioner,
                        type=consultation,
                        starts_at=slot.starts_at,
                    ),
                    by=practitioners[0],
                )
                with lock:
                    booked[0] += 1
            except (SlotTaken, BookingRefused):
                pass
        connections.close_all()

    threads = [threading.Thread(target=book_many, args=(i,)) for i in range(8)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    print(
        f"{'':>6} 8 threads: {booked[0]} bookings in {elapsed:.1f} s ({booked[0] / elapsed:.0f}/s)",
        flush=True,
    )

    # Contention: 50 threads, one slot (on a day nobody has booked yet).
    far = first + timedelta(days=50)
    slot = selectors.free_slots(
        clinic,
        type=consultation,
        first=far,
        last=far + timedelta(days=7),
        practitioners=practitioners[:1],
        limit=1,
    )[0]
    answers: list[str] = []
    barrier = threading.Barrier(50)

    def race(index: int) -> None:
        barrier.wait()
        try:
            book_appointment(
                clinic=clinic,
                booking=Booking(
                    patient=patients[-1 - index],
                    practitioner=slot.practitioner,
                    type=consultation,
                    starts_at=slot.starts_at + timedelta(minutes=15),
                ),
                by=practitioners[0],
            )
            answers.append("booked")
        except SlotTaken:
            answers.append("taken")
        except Exception as error:  # noqa: BLE001 - counted and shown
            answers.append(type(error).__name__)
        connections.close_all()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(50)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = {a: answers.count(a) for a in sorted(set(answers))}
    print(f"{'':>6} 50 threads on one slot: {counts} in {time.perf_counter() - began:.1f} s", flush=True)
    assert counts.get("booked") == 1, counts


class QueryLog:
    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.sql.append(sql)
        return execute(sql, params, many, context)


def seed(size: int):  # type: ignore[no-untyped-def]
    from datetime import time as clock

    from needlecare.clinics.models import Role
    from needlecare.factories import ClinicFactory, MembershipFactory, UserFactory, make_patient
    from needlecare.scheduling.models import Appointment, Device, Room, WorkingHours
    from needlecare.scheduling.selectors import at_local, type_by_code

    clinic = ClinicFactory(name="Benchmark Clinic")
    practitioners = []
    for index in range(6):
        user = UserFactory(email=f"bench{index}@example.com")
        MembershipFactory(user=user, clinic=clinic, role=Role.PRACTITIONER)
        for weekday in range(6):
            WorkingHours.objects.create(
                clinic=clinic, practitioner=user, weekday=weekday, starts=clock(9), ends=clock(18)
            )
        practitioners.append(user)
    rooms = [Room.objects.create(clinic=clinic, name=f"Room {n}") for n in range(4)]
    devices = [Device.objects.create(clinic=clinic, name=f"Pen {n}") for n in range(4)]
    patients = [make_patient(clinic, by=practitioners[0]) for _ in range(120)]
    treatment = type_by_code(clinic, "treatment")
    rows = []
    day, hour, who = date.today() + timedelta(days=1), 9, 0
    while len(rows) < size:
        if day.weekday() < 6:
            starts = at_local(clinic, day, clock(hour))
            slot = len(rows) % 4
            rows.append(
                Appointment(
                    clinic=clinic,
                    patient=patients[len(rows) % len(patients)],
                    practitioner=practitioners[who],
                    type=treatment,
                    room=rooms[slot],
                    device=devices[slot],
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=60),
                )
            )
        who += 1
        if who == 4:  # four treatments at a time: one per room and device
            who, hour = 0, hour + 2
        if hour >= 17:
            hour, day = 9, day + timedelta(days=1)
    Appointment.objects.bulk_create(rows)
    return clinic, practitioners, patients, treatment


if __name__ == "__main__":
    main()
