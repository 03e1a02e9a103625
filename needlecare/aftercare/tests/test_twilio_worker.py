"""Exactly once through Twilio, for real: the Twilio stand-in on loopback (twilio_standin.py, which
answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` with 201 and a message sid), real
`manage.py db_worker` processes whose Twilio SDK is pointed at it (TWILIO_API_BASE_URL), and a real
SIGKILL in the middle of a batch, as test_worker.py does for e-mail.

Every due text message is sent; the only repeats are the requests on the wire at the moment of a kill.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import Counter

from needlecare.aftercare.tests.test_worker import (  # noqa: F401 - `database` is a fixture
    _daytime_zone,
    _shell,
    _start_worker,
    _stop,
    _wait,
    _worker_env,
    database,
)
from needlecare.aftercare.tests.twilio_standin import StandIn

SID, TOKEN = "AC" + "c3" * 16, "worker-token-0123456789abcdef"


def test_a_worker_killed_mid_batch_sends_every_text_once_but_what_was_in_flight(database, tmp_path):  # noqa: F811
    standin = StandIn({SID: TOKEN}, delay=0.02).start()
    total = 80
    try:
        _shell(database, f"seed_sms({total}, {_daytime_zone()!r}, 'smskill', {SID!r}, {TOKEN!r})")
        env = {**_worker_env(database, 1), "TWILIO_API_BASE_URL": standin.base_url}
        log = tmp_path / "worker.log"
        kills = 0
        worker = _start_worker(env, log)
        try:
            for arriving in (20, 50):
                in_flight = standin.kill_when_arriving(arriving)
                _wait(in_flight.is_set, 60, f"text {arriving}", log)
                os.kill(worker.pid, signal.SIGKILL)  # the request that set the event is on the wire
                worker.wait(timeout=10)
                standin.killed.set()
                kills += 1
                assert len(standin.counts()) < total, "the kill must come in the middle of the batch"
                worker = _start_worker(env, log)
            _wait(lambda: len(standin.counts()) == total, 90, f"all {total} texts", log)
            time.sleep(1.0)  # anything sent twice after the last one would show now
        finally:
            _stop(worker)
    finally:
        standin.stop()
    report = json.loads(_shell(database, "sms_states('smskill')"))
    assert report["states"] == {"sent": total}
    counts = standin.counts()
    assert set(counts) == set(report["sent"])  # every patient got their text
    by_sid = {m["sid"]: m["To"] for m in standin.received}
    assert all(by_sid[sid] == phone for phone, sid in report["sent"].items())  # the SID Twilio gave is kept
    on_the_wire = Counter(standin.on_the_wire_at_kill)
    assert sum(on_the_wire.values()) == kills
    repeats = {to: n for to, n in counts.items() if n > 1}
    assert all(n <= 1 + on_the_wire[to] for to, n in repeats.items()), (repeats, on_the_wire)
