"""Screenshots of the seeded demo: docs/screenshot.png for the README, or every page for a look-over.

    .venv/bin/python scripts/screenshot.py                      # docs/screenshot.png, 1280x800
    .venv/bin/python scripts/screenshot.py --all artifacts/pages  # every page at 1280 and 768 px
    .venv/bin/python scripts/screenshot.py --url http://127.0.0.1:8000  # against a running demo

Without --url it seeds the demo into a throwaway SQLite file and serves it on a free port, so it never
touches var/needlecare.sqlite3. It drives Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) and
prints any console error or Content-Security-Policy violation it sees.
"""

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EMAIL, PASSWORD = "owner@demo.clinic", "needlecare-demo-2026"
TREATED = "DSC-0007"  # a demo patient mid-series, with a session booked today
SHOWCASE = "DSC-0009"  # a demo patient with two intake versions and answers that need attention
WIDTHS = {"desktop": (1280, 800), "tablet": (768, 1024)}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def demo_server() -> Iterator[str]:
    """Migrate and seed a throwaway demo database, serve it, and yield its base URL."""
    with tempfile.TemporaryDirectory(prefix="needlecare-shot-") as tmp:
        env = {**os.environ, "DEBUG": "true", "SQLITE_PATH": str(Path(tmp) / "demo.sqlite3")}
        env.pop("DATABASE_URL", None)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([*manage, "seed_demo"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        port = _free_port()
        server = subprocess.Popen(
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{base}/healthz", server)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


def _wait_for(url: str, server: subprocess.Popen) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the demo server stopped (exit code {server.returncode})")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=1):
                return
        time.sleep(0.2)
    raise SystemExit(f"the demo server did not answer at {url}")


def _sign_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", EMAIL)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    if "/accounts/login/" in page.url:
        raise SystemExit(f"could not sign in as {EMAIL}: is this the seeded demo?")


def _showcase_patient_url(page, base: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/patients/?q={SHOWCASE}")
    link = page.locator("#results tbody a").first
    link.wait_for()
    return base + link.get_attribute("href")


def _treated_patient_url(page, base: str) -> str | None:  # type: ignore[no-untyped-def]
    """A demo patient mid-series (sessions, plan, scores, photos and a booking)."""
    page.goto(f"{base}/patients/?q={TREATED}")
    link = page.locator("#results tbody a").first
    if link.count() == 0:
        return None
    return base + (link.get_attribute("href") or "")


def readme_shot(page, base: str, out: Path) -> None:  # type: ignore[no-untyped-def]
    """Today's calendar of the demo clinic: treatment sessions of patients mid-series, consultations and
    follow-ups, with the free slots to book."""
    _sign_in(page, base)
    page.goto(f"{base}/calendar/")
    page.screenshot(path=str(out))


def every_page(page, base: str, out_dir: Path, width: int, height: int, label: str) -> list[Path]:  # type: ignore[no-untyped-def]
    """One full-page screenshot of every page, at one width."""
    page.set_viewport_size({"width": width, "height": height})
    shots: list[Path] = []

    def shoot(name: str) -> None:
        path = out_dir / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)

    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    shoot("01-login")
    page.fill("#id_username", EMAIL)
    page.fill("#id_password", "not the password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    shoot("02-login-error")
    _sign_in(page, base)
    page.goto(f"{base}/patients/")
    shoot("03-patient-list")
    page.fill("#q", "okafor")
    page.wait_for_url("**q=okafor**")
    page.locator("#results").get_by_text("matching").wait_for()
    shoot("04-patient-search")
    page.goto(f"{base}/patients/new/")
    shoot("05-new-patient")
    page.fill("#id_email", "not-an-email")
    with page.expect_navigation():
        page.click("form.card button[type=submit]")
    shoot("06-new-patient-errors")
    patient_url = _showcase_patient_url(page, base)
    page.goto(patient_url)
    shoot("07-patient")
    page.goto(f"{patient_url}intake/new/")
    shoot("08-intake-form")
    page.goto(f"{patient_url}intake/1/")
    shoot("09-intake-version")
    page.goto(f"{base}/accounts/settings/")
    shoot("10-account-settings")
    # The clinical program, on the demo's own data.
    page.goto(f"{base}/calendar/")
    shoot("13-calendar-day")
    page.goto(f"{base}/calendar/?view=week")
    shoot("14-calendar-week")
    page.goto(f"{base}/aftercare/")
    shoot("15-aftercare-alerts")
    page.goto(f"{base}/outcomes/maintenance/")
    shoot("16-maintenance-worklist")
    page.goto(f"{base}/outcomes/clinic/")
    shoot("17-clinic-outcomes")
    page.goto(f"{base}/clinic/consent/")
    shoot("18-consent-form")
    page.goto(f"{base}/clinic/data/")
    shoot("19-clinic-data")
    treated = _treated_patient_url(page, base)
    if treated:
        page.goto(treated)
        shoot("20-treated-patient")
        for link, name in (
            ("plans/", "21-plans"),
            ("outcomes/", "22-outcomes"),
            ("consent/sign/", "23-consent"),
            ("timeline/", "24-timeline"),
        ):
            page.goto(treated + link)
            shoot(name)
    page.goto(f"{base}/clinic/settings/")
    shoot("11-clinic-settings")
    page.goto(f"{base}/audit/")
    shoot("12-audit-log")
    return shots


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="base URL of a running, seeded demo (default: start one)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"), help="the README image")
    parser.add_argument("--all", metavar="DIR", help="instead, shoot every page at 1280 and 768 px into DIR")
    args = parser.parse_args()
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"{CHROMIUM} is missing: run `make chromium` as root or `apt-get install chromium`.")

    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        base = args.url.rstrip("/") if args.url else stack.enter_context(demo_server())
        p = stack.enter_context(sync_playwright())
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        stack.callback(browser.close)
        page = browser.new_page(
            viewport={"width": 1280, "height": 800},
            device_scale_factor=1,
            locale="en-GB",
            timezone_id="Europe/London",
        )
        problems: list[str] = []
        # Pages answered 4xx on purpose (a form with errors, a 404) log their own status: only count
        # failed sub-resources (a stylesheet, a script) and everything else the console calls an error.
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and r.request.resource_type != "document"
                and problems.append(f"{r.status} {r.url}")
            ),
        )
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and "Failed to load resource" not in m.text
                and problems.append(f"{page.url}: {m.text}")
            ),
        )
        page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
        if args.all:
            out_dir = Path(args.all)
            out_dir.mkdir(parents=True, exist_ok=True)
            for label, (width, height) in WIDTHS.items():
                for path in every_page(page, base, out_dir, width, height, label):
                    print(path)
        else:
            out = Path(args.out)
            out.parent.mkdir(parents=True, exist_ok=True)
            readme_shot(page, base, out)
            print(out)
        for problem in problems:
            print("browser:", problem, file=sys.stderr)
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
