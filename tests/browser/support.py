"""What every browser test shares: Debian's Chromium, a page that records every error, signing in,
screenshots. The fixtures built on them are in conftest.py."""

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Browser, Page, sync_playwright

from needlecare.testing.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing, so the browser tests cannot run. Run `make test` as root (it installs "
            "Debian's chromium) or `apt-get install chromium`.",
            pytrace=False,
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's event loop runs, Django keeps the test's database connection in a
            # context variable instead of the thread (asgiref treats the thread as async). Close it
            # here, while it is still reachable, or it stays open after the test and PostgreSQL
            # refuses to drop the test database ("being accessed by other users").
            connections.close_all()


def watched_page(browser: Browser, problems: list[str], width: int = 1280, height: int = 800) -> Page:
    """A page (desktop-sized unless told) recording console errors, page errors, CSP violations and
    failed loads."""
    page = browser.new_page(viewport={"width": width, "height": height}, locale="en-GB")
    page.set_default_timeout(10_000)
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text} ({page.url})"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e} ({page.url})"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    # Chromium also logs CSP violations to the console; the event catches the ones it does not.
    page.expose_function("reportCspViolation", lambda v: problems.append(f"CSP violation: {v}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => window.reportCspViolation("
        "e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')"
        " + ' at ' + e.sourceFile + ':' + e.lineNumber));"
    )
    return page


def sign_in(page: Page, live_server, email: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Sign in on the login page as `email` (with the factories' password unless told)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def no_horizontal_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))
