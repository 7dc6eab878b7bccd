"""Whole-site guards, per demo login: every link a page shows opens for its viewer, and no
page of the crawl scrolls sideways at 390 px or 1366 px.

The crawl (tests/browser/crawl.py) starts at the landing page after sign-in and follows the
navigation and the pages it leads to, two levels deep, over HTTP with the browser's cookies;
only one page per URL pattern is rendered, for the width check.
"""

import time

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import DEMO_LOGINS, assert_fits_width
from tests.browser.crawl import crawl_site, local_url

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1366)


def _report(crawl, started):
    print(
        f"\n{crawl.viewer}: {crawl.opened} links opened, {crawl.skipped} skipped, "
        f"{len(crawl.pages)} page layouts, {len(crawl.downloads)} downloads, "
        f"{time.monotonic() - started:.1f}s"
    )


@pytest.mark.parametrize("viewer", DEMO_LOGINS)
def test_every_link_a_page_shows_opens_for_its_viewer(demo_sign_in, viewer):
    started = time.monotonic()
    page = demo_sign_in(viewer)
    crawl = crawl_site(page, viewer, is_superuser=viewer == "admin")
    _report(crawl, started)

    problems = [str(failure) for failure in crawl.failures]
    problems += [f"GET {url} writes to the database: {sql}" for url, sql in crawl.writes.items()]
    assert not problems, f"{viewer} meets {len(problems)} broken links:\n" + "\n".join(problems)


@pytest.mark.parametrize("viewer", DEMO_LOGINS)
def test_no_page_scrolls_sideways(demo_sign_in, viewer):
    started = time.monotonic()
    page = demo_sign_in(viewer)
    crawl = crawl_site(page, viewer, is_superuser=viewer == "admin")

    too_wide = []
    for url in crawl.pages:
        page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
        page.goto(url)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            try:
                assert_fits_width(page, timeout_ms=1500)
            except (AssertionError, PlaywrightError) as wide:
                too_wide.append(f"{local_url(url)} at {width}px: {wide}")
    _report(crawl, started)
    assert not too_wide, f"{viewer}: {len(too_wide)} pages scroll sideways:\n" + "\n".join(too_wide)
