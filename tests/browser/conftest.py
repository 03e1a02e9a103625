"""The browser tests' one set-up: Debian's Chromium for the test, pages that record every error into
`problems`, closed (with the database connections Playwright's loop holds) when the test ends."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.support import chromium, watched_page


@pytest.fixture
def problems() -> list[str]:
    """Console errors, page errors, CSP violations and failed loads of every page the test opens."""
    return []


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium through Playwright, headless; fails the test with advice when it is missing."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def open_page(browser: Browser, problems: list[str]) -> Callable[..., Page]:
    """open_page(width=1280, height=800) -> a new page of that size, recording into `problems`."""

    def make(width: int = 1280, height: int = 800) -> Page:
        return watched_page(browser, problems, width=width, height=height)

    return make
