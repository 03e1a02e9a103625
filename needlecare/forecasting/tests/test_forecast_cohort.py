"""manage.py forecast_cohort: good lines are forecast in order, bad lines are reported and skipped."""

import io
import json
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from needlecare.forecasting import durability, synthetic
from needlecare.protocols import DEFAULT_PATH, load_default

PRIOR = durability.Prior.from_protocol(load_default().durability)
OUTPUT_KEYS = {"id", "fade_median", "fade_low", "fade_high", "maintenance_due", "basis"}


def good_line(**changes: object) -> dict:
    line = {
        "id": "anna",
        "date_of_birth": "1985-06-01",
        "fitzpatrick": 3,
        "indication": "fine_lines",
        "sun_exposure": "medium",
        "smoker": False,
        "sessions": ["2024-01-05", "2024-02-02", "2024-03-01"],
        "assessments": [
            {"date": "2024-01-05", "scale": "wrinkle_severity", "value": 4},
            {"date": "2024-06-01", "scale": "wrinkle_severity", "value": 2},
        ],
    }
    line.update(changes)
    return line


def run(tmp_path: Path, lines: list[object], *args: str) -> tuple[list[dict], str]:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(
        b"".join(
            (
                line
                if isinstance(line, bytes)
                else (line if isinstance(line, str) else json.dumps(line)).encode()
            )
            + b"\n"
            for line in lines
        )
    )
    err = io.StringIO()
    call_command("forecast_cohort", str(source), str(target), *args, stderr=err)
    return [json.loads(text) for text in target.read_text().splitlines()], err.getvalue()


def test_every_good_line_is_forecast_in_order_with_iso_dates(tmp_path):
    patients = synthetic.cohort(60, PRIOR, seed=2)
    out, err = run(tmp_path, [p.as_input() for p in patients])
    assert [row["id"] for row in out] == [p.id for p in patients]
    for row in out:
        assert set(row) == OUTPUT_KEYS
        low, middle, high, due = (
            date.fromisoformat(row[key])
            for key in ("fade_low", "fade_median", "fade_high", "maintenance_due")
        )
        assert low <= middle <= high and due < middle
        assert row["basis"] == "clinic"
    assert "forecast 60 patients" in err and "skipped 0 bad lines" in err


def test_the_forecast_matches_the_model_it_wraps(tmp_path):
    patients = synthetic.cohort(40, PRIOR, seed=6)
    out, _ = run(tmp_path, [p.as_input() for p in patients])
    _, expected = durability.forecast_cohort([p.history for p in patients], PRIOR)
    assert [row["fade_median"] for row in out] == [f.fade_median.isoformat() for f in expected]


def test_without_follow_up_the_basis_is_the_published_evidence(tmp_path):
    line = good_line(assessments=[], sun_exposure="medium", smoker=False, date_of_birth="1990-01-01")
    [row], err = run(tmp_path, [line])
    assert row["basis"] == "evidence"
    # Peak 6 months after the last session (2024-03-01) [Aust 2008; Alam 2014], half of it 12 months
    # later (CLINICAL.md 8); the model's months are 365.25 / 12 days.
    assert row["fade_median"] == "2025-08-31"
    assert "published evidence alone" in err


def test_bad_lines_are_reported_by_number_and_the_rest_still_run(tmp_path):
    lines: list[object] = [
        good_line(id="first"),
        "this is not JSON",
        [1, 2, 3],
        good_line(id="no-indication", indication=None),
        good_line(id="tattoo", indication="tattoo_removal"),
        good_line(id="late-date", sessions=["1 March 2024"]),
        good_line(id="no-sessions", sessions=[]),
        good_line(id="skin", fitzpatrick=7),
        good_line(id="sun", sun_exposure="sometimes"),
        good_line(id="smoker-text", smoker="yes"),
        good_line(id="scale", assessments=[{"date": "2024-06-01", "scale": "shine", "value": 1}]),
        good_line(id="range", assessments=[{"date": "2024-06-01", "scale": "gais", "value": 6}]),
        good_line(id="nan", assessments=[{"date": "2024-06-01", "scale": "gais", "value": float("nan")}]),
        good_line(id="born-later", date_of_birth="2024-02-01"),
        good_line(id="first"),  # the same id again
        b'{"id": "latin", "note": "caf\xe9"}',
        "",  # blank lines are not patients
        good_line(id="last", fitzpatrick=5.0, smoker=None, sun_exposure=None),
    ]
    out, err = run(tmp_path, lines)
    assert [row["id"] for row in out] == ["first", "last"]
    reported = {
        int(text.split(":")[0].removeprefix("line ")) for text in err.splitlines() if text.startswith("line ")
    }
    assert reported == set(range(2, 17))
    assert "line 2: not JSON" in err
    assert "line 5: indication: unknown 'tattoo_removal'" in err
    assert "line 6: sessions.0:" in err and "YYYY-MM-DD" in err
    assert "line 11: assessments.0.scale: unknown 'shine'" in err
    assert "line 12: assessments.0.value: 6 is outside 1-5" in err
    assert "line 15: id: 'first' appears on an earlier line" in err
    assert "line 16: not UTF-8 text" in err
    assert "skipped 15 bad lines" in err


def test_dates_off_any_clinics_calendar_are_bad_lines(tmp_path):
    lines = [good_line(id="far", sessions=["9999-12-31"]), good_line(id="old", date_of_birth="1066-10-14")]
    out, err = run(tmp_path, lines)
    assert out == []
    assert "line 1: sessions.0:" in err and "line 2: date_of_birth:" in err


def test_only_bad_lines_give_an_empty_output(tmp_path):
    out, err = run(tmp_path, ["{", "[]"])
    assert out == []
    assert "forecast 0 patients" in err and "skipped 2 bad lines" in err


def test_a_missing_input_file_is_a_command_error(tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("forecast_cohort", str(tmp_path / "nowhere.jsonl"), str(tmp_path / "out.jsonl"))


def test_an_unwritable_output_is_a_command_error(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(good_line()) + "\n")
    with pytest.raises(CommandError, match="cannot write"):
        call_command("forecast_cohort", str(source), str(tmp_path / "no-dir" / "out.jsonl"))


def test_another_protocols_prior_is_used_when_given(tmp_path):
    text = DEFAULT_PATH.read_text().replace("fine_lines = 12\n", "fine_lines = 24\n", 1)
    protocol = tmp_path / "slow.toml"
    protocol.write_text(text)
    line = good_line(assessments=[], date_of_birth="1990-01-01")
    [row], _ = run(tmp_path, [line], "--protocol", str(protocol))
    assert row["fade_median"] == "2026-09-01"  # 6 + 24 months after 2024-03-01
    broken = tmp_path / "broken.toml"
    broken.write_text("[protocol\n")
    with pytest.raises(CommandError, match="cannot load the protocol"):
        run(tmp_path, [line], "--protocol", str(broken))


def test_dash_reads_stdin_and_writes_stdout(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(good_line()).encode() + b"\n")))
    out, err = io.StringIO(), io.StringIO()
    call_command("forecast_cohort", "-", "-", stdout=out, stderr=err)
    [row] = [json.loads(text) for text in out.getvalue().splitlines()]
    assert row["id"] == "anna" and set(row) == OUTPUT_KEYS
