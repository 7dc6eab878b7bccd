"""On a phone (390 px) the tables people read there fit: the service levels of the portal
home and of a unit page show their "Met" column without scrolling the table, and the
contact list shows each contact's e-mail address. Screenshots at 390 and 1366 px."""

import pytest

from customers.models import BusinessUnit
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WITHIN_VIEWPORT = "(el) => el.getBoundingClientRect().right <= window.innerWidth"
# A table wrapper that needs a sideways swipe to show all its columns.
SCROLLS = "(el) => el.scrollWidth > el.clientWidth + 1"


def _look(page, screenshot, name):
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        assert_fits_width(page)
        screenshot(f"mobile-{name}-{width}")


def test_portal_home_shows_met_on_a_phone(demo_sign_in, screenshot):
    page = demo_sign_in("carla")
    _look(page, screenshot, "portal-home")
    levels = page.locator("section[aria-labelledby=h-services]")
    assert not levels.locator(".table-responsive").evaluate(SCROLLS)
    met = levels.get_by_role("columnheader", name="Met")
    assert met.evaluate(WITHIN_VIEWPORT)
    assert levels.get_by_role("cell", name="83%").first.evaluate(WITHIN_VIEWPORT)


def test_unit_page_service_levels_fit_a_phone(demo_sign_in, live_server, screenshot):
    page = demo_sign_in("rita")
    finance = BusinessUnit.objects.get(code="fin")
    page.goto(f"{live_server.url}/units/{finance.pk}/")
    _look(page, screenshot, "unit-page")
    levels = page.locator("section[aria-labelledby=subs-h]")
    assert not levels.locator(".table-responsive").evaluate(SCROLLS)
    assert levels.get_by_role("columnheader", name="Met").evaluate(WITHIN_VIEWPORT)


def test_contact_list_shows_addresses_on_a_phone(demo_sign_in, live_server, screenshot):
    page = demo_sign_in("rita")
    page.goto(f"{live_server.url}/units/contacts/")
    _look(page, screenshot, "contact-list")
    addresses = page.locator("table a[href^='mailto:']")
    assert addresses.count() > 10
    outside = [a.text_content() for a in addresses.all() if not a.evaluate(WITHIN_VIEWPORT)]
    assert not outside, f"e-mail addresses beyond the right edge at 390 px: {outside}"
