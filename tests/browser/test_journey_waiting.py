"""Journey: each level of the escalation route sees what waits for it, in headless Chromium
with the demo's logins. Stella (IT steering group, level 3) finds the demo's level-3
escalation, past its deadline, at the top of her dashboard; Ivo (IT management, level 2)
finds the level-2 one instead; Rita (relationship manager) neither. The steering group's
reminder for the overdue one comes from the ladder, once."""

import pytest
from django.core import mail

from relationships import jobs
from relationships.models import Escalation
from tests.browser.conftest import both_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def waiting_escalations(page):
    section = page.locator("#waiting")
    section.wait_for()
    return section.locator("a[href^='/escalations/']").all_inner_texts()


def test_levels_two_and_three_each_see_their_own(page, demo_sign_in, screenshot):
    level_3 = Escalation.objects.get(level=3, status=Escalation.Status.OPEN)
    level_2 = Escalation.objects.open().get(level=2)

    demo_sign_in("stella")
    stella_sees = waiting_escalations(page)
    assert stella_sees == [level_3.subject]
    item = page.locator("#waiting li", has_text=level_3.subject)
    assert "overdue" in item.inner_text()
    assert "1 overdue" in page.locator("#waiting .card-header").inner_text()
    assert int(page.locator(".brm-waiting .badge").inner_text()) >= 1
    both_widths(page, screenshot, "journey-waiting-stella-dashboard")

    demo_sign_in("ivo")
    ivo_sees = waiting_escalations(page)
    assert ivo_sees == [level_2.subject]
    assert ivo_sees != stella_sees
    both_widths(page, screenshot, "journey-waiting-ivo-dashboard")

    demo_sign_in("rita")
    assert waiting_escalations(page) == []
    assert page.locator("#waiting").get_by_text("No open escalation at your level.").is_visible()

    # The ladder reminds the steering group of the overdue one, once.
    mail.outbox.clear()
    assert jobs.escalation_ladder()["overdue_at_top"] == 1
    assert jobs.escalation_ladder()["overdue_at_top"] == 0
    [reminder] = [m for m in mail.outbox if "stella" in m.to[0]]
    assert level_3.subject in reminder.subject
    assert "There is no level above yours" in reminder.body
    print("\n--- steering group, past the deadline (text) ---\n" + reminder.body)
