"""The Notifications page in headless Chromium: reached from the staff user menu and from
the portal's navigation, a choice made with the radios is saved and shown again."""

import pytest
from django.contrib.auth.models import Group

from customers import roles
from notifications.models import NotificationPreference

from .conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _staff_groups(transactional_db):
    # The flush after a transactional test also drops the groups the data migration made.
    for name in (roles.RELATIONSHIP_MANAGERS, roles.IT_MANAGEMENT, roles.STEERING_GROUP):
        Group.objects.get_or_create(name=name)


def test_staff_choose_a_digest_from_the_user_menu(page, live_server, sign_in, screenshot, rm):
    sign_in("rm")
    page.get_by_role("button", name="Account menu of Rita Manager").click()
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("heading", name="Notifications").wait_for()
    page.get_by_role("group", name="Overdue follow-up actions").get_by_label("In a daily digest").check()
    page.get_by_role("group", name="Service reviews due").get_by_label("Off").check()
    page.get_by_role("button", name="Save my settings").click()
    page.get_by_text("Your notification settings are saved.").wait_for()
    screenshot("notifications-staff")
    assert (
        page.get_by_role("group", name="Overdue follow-up actions")
        .get_by_label("In a daily digest")
        .is_checked()
    )
    assert dict(NotificationPreference.objects.filter(user=rm).values_list("kind", "delivery")) == {
        "escalations": "immediate",
        "actions_overdue": "digest",
        "service_reviews": "off",
        "requirement_decisions": "immediate",
        "orders_waiting": "immediate",
    }
    # Escalations at your level cannot be switched off: no such radio.
    assert page.get_by_role("group", name="Escalations at your level").get_by_label("Off").count() == 0


def test_business_contacts_switch_surveys_off_in_the_portal(
    page, live_server, sign_in, screenshot, purchaser_a
):
    sign_in("piet")
    for width in (1200, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        assert_fits_width(page)
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("group", name="Satisfaction surveys").get_by_label("Off").check()
    page.get_by_role("button", name="Save my settings").click()
    page.get_by_text("Your notification settings are saved.").wait_for()
    screenshot("notifications-portal")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits_width(page)
    screenshot("notifications-portal-phone")
    assert NotificationPreference.objects.get(user=purchaser_a.user, kind="surveys").delivery == "off"
