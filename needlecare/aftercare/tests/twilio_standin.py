"""A stand-in for Twilio's REST API on loopback, started by the SMS tests; no test reaches the internet.

It covers the one request Needlecare makes: ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` (form
fields To, Body, From or MessagingServiceSid, StatusCallback; HTTP basic auth as the account SID and auth
token, or an API key SID and secret), answered ``201`` with the message's JSON (a new ``sid``, status
``queued``). A wrong credential is answered 401 and any other path 404, as Twilio does. It can hold the
Nth request on the wire until the test has killed the worker that sent it (``kill_when_arriving``).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/Messages\.json$")


class StandIn:
    """The server's state: the credentials it accepts and every message it took."""

    def __init__(self, credentials: dict[str, str], delay: float = 0.0) -> None:
        self.credentials = credentials  # username -> password (account SID or API key SID -> secret)
        self.delay = delay
        self.lock = threading.Lock()
        self.received: list[dict[str, str]] = []
        self.arriving = 0
        self.in_flight_at: int | None = None
        self.in_flight = threading.Event()
        self.killed = threading.Event()
        self.on_the_wire_at_kill: list[str] = []
        self.server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def kill_when_arriving(self, count: int) -> threading.Event:
        with self.lock:
            self.in_flight.clear()
            self.killed.clear()
            self.in_flight_at = count
        return self.in_flight

    def counts(self, field: str = "To") -> Counter[str]:
        with self.lock:
            return Counter(m[field] for m in self.received)

    def handle(self, path: str, authorization: str, body: bytes) -> tuple[int, dict[str, object]]:
        match = MESSAGES.match(path)
        if not match:
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        user, _, password = base64.b64decode(authorization.removeprefix("Basic ")).decode().partition(":")
        if self.credentials.get(user) != password:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if "To" not in form or "Body" not in form or not ({"From", "MessagingServiceSid"} & form.keys()):
            return 400, {
                "code": 21604,
                "message": "A 'To' and a 'From' (or service) are required",
                "status": 400,
            }
        hold = False
        with self.lock:
            self.arriving += 1
            if self.in_flight_at is not None and self.arriving >= self.in_flight_at:
                self.in_flight_at = None
                self.on_the_wire_at_kill.append(form["To"])
                hold = True
                self.in_flight.set()
            # Twilio sends a message once it has the request, whether or not the sender sees the answer.
            sid = "SM" + uuid.uuid4().hex
            self.received.append({**form, "sid": sid, "account": match.group(1)})
        if hold:
            self.killed.wait(30)
        time.sleep(self.delay)
        return 201, {
            "sid": sid,
            "account_sid": match.group(1),
            "to": form["To"],
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form["Body"],
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "uri": f"/2010-04-01/Accounts/{match.group(1)}/Messages/{sid}.json",
        }

    def start(self) -> StandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = standin.handle(self.path, self.headers.get("Authorization", ""), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.killed.set()  # a failed test must not leave a request held
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
