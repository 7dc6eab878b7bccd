"""Playwright on Debian's Chromium (the project cannot download a browser of its own).

Browser tests use `live_server` and `@pytest.mark.django_db(transaction=True)`; their
screenshots land in `test-results/screenshots/`.
"""

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

# live_server runs in a thread while sync Playwright owns an event loop in this one.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"CI=true but no Chromium at {CHROMIUM}: install Debian's chromium.")
    skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def screenshot(page):
    """screenshot("dashboard") saves a full-page PNG to test-results/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in(page, live_server):
    """sign_in(username) signs in through the login form (password demo-pass-123)."""

    def do(username: str, password: str = "demo-pass-123"):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")

    return do


WIDE = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


def both_widths(page, screenshot, name: str, *, fits: bool = True):
    """Saves the page at 1366 and at 390 px (name-1366.png, name-390.png), checking at each
    that nothing scrolls sideways (fits=False for Django's own admin), then goes back to 1366."""
    for label, size in (("1366", WIDE), ("390", PHONE)):
        page.set_viewport_size(size)
        if fits:
            assert_fits_width(page)
        screenshot(f"{name}-{label}")
    page.set_viewport_size(WIDE)


def assert_fits_width(page, timeout_ms: int = 3000):
    """The page does not scroll sideways at the current viewport width.

    Charts redraw a moment after a resize, so this waits for the layout to settle and, if it
    never fits, names the elements that stick out.
    """
    fits = "() => document.documentElement.scrollWidth <= window.innerWidth"
    try:
        page.wait_for_function(fits, timeout=timeout_ms)
    except PlaywrightTimeoutError as timed_out:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                 .slice(0, 5).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)"""
        )
        width = page.evaluate("document.documentElement.scrollWidth")
        raise AssertionError(
            f"page is {width}px wide at {page.viewport_size}; sticking out: {wide}"
        ) from timed_out


# --- The demo organisation of `make run`, for journeys and the whole-site guards -------------
# One copy for every browser test: journeys sign in with the README's demo logins.
DEMO_LOGINS = ("rita", "omar", "ivo", "stella", "carla", "olivia", "piet", "admin")


@pytest.fixture
def demo(transactional_db):
    """The demo organisation (`manage.py seed_demo`), as a newcomer's `make run` has it."""
    from django.core.management import call_command

    call_command("seed_demo", quiet=True)


@pytest.fixture
def demo_sign_in(page, live_server, demo):
    """demo_sign_in("rita") signs in with a demo login through the login form."""
    from brm.management.commands.seed_demo import DEMO_PASSWORD

    def do(username: str):
        page.context.clear_cookies()
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        return page

    return do
