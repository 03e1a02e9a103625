"""Races for tests: attempts released at once, each on its own connection. On SQLite the in-memory test
database is copied to a file first (its shared cache locks per table and fails at once instead of
queueing, which no deployment has), and the threads open that file with production's settings."""

import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, connections


def file_copy(tmp_path) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    """On SQLite: a file with the test database's content, and settings to open it; None elsewhere."""
    if connection.vendor != "sqlite":
        return None
    path = tmp_path / "booking.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    return {**connection.settings_dict, "NAME": str(path), "WRAPPER": connections["default"].__class__}


def fire(
    attempts: Sequence[Callable[[], object]],
    file_settings: dict[str, Any] | None,
    *,
    refused: type[Exception] | tuple[type[Exception], ...] = (),
    declined: type[Exception] | tuple[type[Exception], ...] = (),
) -> list[str]:
    """Run each attempt in its own thread, all released at once; their answers, in order of finishing:
    "booked", "taken: <message>" for a `refused` exception, "refused: <messages>" for a `declined` one
    (a ValidationError's messages joined), or "error: <repr>" for any other."""
    barrier = threading.Barrier(len(attempts))
    answers: list[str] = []
    lock = threading.Lock()

    def run(attempt) -> None:  # type: ignore[no-untyped-def]
        if file_settings is not None:
            wrapper = file_settings["WRAPPER"]
            connections["default"] = wrapper(file_settings, "default")  # in this thread only
        try:
            barrier.wait()
            attempt()
            answer = "booked"
        except refused as taken:
            answer = "taken: " + str(getattr(taken, "message", taken))
        except declined as refusal:
            answer = "refused: " + " ".join(getattr(refusal, "messages", [str(refusal)]))
        except Exception as error:  # noqa: BLE001 - any other answer fails the test, with its text
            answer = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
