"""Real-browser fixtures for the dashboard: one `smsc serve` and one headless Chromium for the
session, a fresh page per test that fails the test on any console error or uncaught page error,
and screenshots kept under var/screenshots/ for people to look at after the run."""

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.peers.browser import launch
from tests.smsc.conftest import running_smsc

SCREENSHOTS = Path(__file__).parents[2] / "var" / "screenshots"
_saved: list[Path] = []


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "allow_page_errors: the page's console errors and uncaught errors do not fail the test"
    )


def pytest_terminal_summary(terminalreporter):
    if _saved:
        terminalreporter.write_sep("-", "browser screenshots")
        for path in _saved:
            terminalreporter.write_line(str(path))


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """A running `smsc serve` (the loopback tests' config): .smpp is (host, port), .api the
    HTTP base URL the dashboard is served at."""
    with running_smsc(tmp_path_factory.mktemp("smsc-browser")) as served:
        yield served


@pytest.fixture(scope="package")
def browser():
    """Debian's headless Chromium driven by Playwright (installed on first use). For this
    package only: Playwright's sync API keeps an asyncio loop running in the main thread while
    it is open, and later tests call asyncio.run()."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page_errors():
    """What the page reported as wrong: console messages of type error and uncaught errors."""
    return []


@pytest.fixture
def page(request, browser, served, page_errors):
    """A fresh page in its own context, relative URLs resolved against the SMSC's HTTP address.
    Any console error or uncaught page error fails the test at teardown, listed, unless the
    test is marked allow_page_errors (it can then read them from the page_errors fixture)."""
    page = open_page(browser, served.api, page_errors)
    yield page
    page.context.close()
    if page_errors and request.node.get_closest_marker("allow_page_errors") is None:
        pytest.fail("the page reported errors:\n" + "\n".join(page_errors), pytrace=False)


def open_page(browser, base_url: str, errors: list, width: int = 1280, height: int = 800):
    """A page in a context of its own, relative URLs resolved against base_url, that notes
    its console errors and uncaught errors in `errors`."""
    context = browser.new_context(base_url=base_url, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda message: _record_console(message, errors))
    page.on("pageerror", lambda error: errors.append(f"uncaught {error.name}: {error.message}\n{error.stack}"))
    return page


def _record_console(message, errors: list) -> None:
    # Chromium asks every origin for /favicon.ico on its own; its 404 is not the page's doing
    where = message.location.get("url", "")
    if message.type == "error" and not (where.endswith("/favicon.ico") and where.count("/") == 3):
        errors.append(f"console.error at {where}:{message.location.get('lineNumber')}: {message.text}")


def save_screenshot(page, name: str) -> Path:
    """A full-page PNG at var/screenshots/<name>.png, kept after the run; returns its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    _saved.append(path)
    print(f"screenshot: {path}")
    return path


@pytest.fixture
def screenshot():
    """save_screenshot(page, name), listed at the end of the run."""
    return save_screenshot
