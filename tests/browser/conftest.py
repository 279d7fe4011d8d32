"""Browser tests: the real site in a real headless Chromium (Debian's ``/usr/bin/chromium``), driven by
Playwright's sync API against pytest-django's ``live_server``.

Without Chromium the tests are skipped locally (saying why) and fail when the environment variable ``CI`` is set:
CI must run them. Playwright's own browser download is never used; ``SPINEPATH_CHROMIUM`` names another Chromium
binary.

Every test gets a fresh browser context (no cookies, no session), at 1280x900 (``page``) or at a phone's
360x740 (``phone``). Screenshots of the main pages go to ``artifacts/screenshots/`` (gitignored), named
``<page>-<width>.png``. Every test here is marked ``browser`` (deselect them with ``-m "not browser"``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path(os.environ.get("SPINEPATH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
IN_CI = bool(os.environ.get("CI"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module: while it is open, Playwright's event loop is running in the test thread."""
    if not CHROMIUM.exists():
        reason = (f"the browser tests need Chromium at {CHROMIUM} (Debian package 'chromium'; "
                  ".ci/install-system-deps installs it)")
        if IN_CI:
            pytest.fail(f"CI is set, so the browser tests must run, but {reason}", pytrace=False)
        pytest.skip(reason)
    # Django refuses database access from a thread with a running event loop unless told that it is deliberate (the
    # test database flush runs in the test thread). Only while the browser is open: the variable must not leak into
    # other tests, and `manage.py check --deploy` (run by tests/web) rejects it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield launched
            launched.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Open a page in a fresh context (its own cookies) at ``viewport``; closed after the test."""
    contexts = []

    def open_page(viewport: dict[str, int] = DESKTOP, **options) -> Page:
        context = browser.new_context(viewport=viewport, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page(DESKTOP)


@pytest.fixture
def phone(new_page: Callable[..., Page]) -> Page:
    return new_page(PHONE)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def screenshot(artifacts: Path) -> Callable[[Page, str], Path]:
    """Save a full-page screenshot named for the page and the viewport width."""

    def save(page: Page, name: str) -> Path:
        width = page.viewport_size["width"] if page.viewport_size else 0
        path = artifacts / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True, animations="disabled")
        return path

    return save
