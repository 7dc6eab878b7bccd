"""Journey: the relationship manager logs interactions with follow-up actions and works
them off, on the demo organisation of `make run`. Each step asserts what Rita sees; the
end, what the database holds."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import BusinessUnit
from relationships.models import FollowUpAction, Interaction
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Status = FollowUpAction.Status


def _fill_action(form, row: int, *, title: str, owner: str, due: datetime.date):
    form.get_by_label("Action", exact=True).nth(row).fill(title)
    form.get_by_label("Owner", exact=True).nth(row).select_option(label=owner)
    form.get_by_label("Due", exact=True).nth(row).fill(due.isoformat())


def test_rita_logs_interactions_with_actions_and_works_one_off(page, live_server, demo_sign_in, screenshot):
    from django.contrib.auth import get_user_model

    users = {u.username: u for u in get_user_model().objects.filter(username__in=["rita", "ivo"])}
    rita, ivo = users["rita"], users["ivo"]
    controlling = BusinessUnit.objects.get(name="Controlling")
    today = timezone.localdate()
    due = {n: today + datetime.timedelta(days=n) for n in (2, 3, 4, 5)}
    demo_sign_in("rita")

    # 1. The quick-log of the unit page: a call with two actions, one for Ivo.
    page.goto(f"{live_server.url}/units/{controlling.pk}/")
    quick_log = page.locator("#quick-log")
    quick_log.get_by_label("Kind").select_option(label="Call")
    quick_log.get_by_label("Subject").fill("Call about the month-end close")
    quick_log.get_by_label("Notes", exact=True).fill("The close takes nine days; they want five.")
    _fill_action(quick_log, 0, title="Map the month-end close steps", owner="Rita Verhoeven", due=due[2])
    quick_log.get_by_role("button", name="Another action").click()
    _fill_action(quick_log, 1, title="Check ERP batch capacity", owner="Ivo de Graaf", due=due[4])
    quick_log.get_by_role("button", name="Log interaction").click()
    expect(page.locator("#quick-log").get_by_role("status")).to_contain_text(
        "Logged “Call about the month-end close” with 2 follow-up actions."
    )
    timeline = page.locator("#timeline")
    expect(timeline.get_by_role("link", name="Map the month-end close steps")).to_be_visible()
    expect(timeline.get_by_role("link", name="Check ERP batch capacity")).to_be_visible()

    # 2. The full form, opened from the quick-log: a meeting with two more actions.
    page.locator("#quick-log").get_by_role("link", name="Full form").click()
    expect(page.get_by_role("heading", name="Log an interaction")).to_be_visible()
    form = page.locator("#quick-log")
    form.get_by_label("Subject").fill("Budget meeting 2027")
    form.get_by_label("Sentiment").select_option(label="Positive")
    _fill_action(
        form, 0, title="Draft the 2027 IT budget for Controlling", owner="Rita Verhoeven", due=due[3]
    )
    form.get_by_role("button", name="Another action").click()
    _fill_action(form, 1, title="Send the licence overview", owner="Rita Verhoeven", due=due[5])
    form.get_by_role("button", name="Log interaction").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Logged “Budget meeting 2027” with 2 follow-up actions."
    )
    expect(page.get_by_role("heading", name="Controlling", level=1)).to_be_visible()
    expect(page.locator("#timeline").get_by_role("link", name="Send the licence overview")).to_be_visible()

    # 3. The dashboard lists them among her open actions, soonest due first.
    page.get_by_role("link", name="Dashboard").first.click()
    card = page.get_by_role("region", name="Follow-up actions")
    for title in (
        "Map the month-end close steps",
        "Draft the 2027 IT budget for Controlling",
        "Check ERP batch capacity",
        "Send the licence overview",
    ):
        expect(card.get_by_role("link", name=title)).to_be_visible()

    # 4. Her action opens from its title: where it came from, owner, due date, status.
    card.get_by_role("link", name="Map the month-end close steps").click()
    expect(page.get_by_role("heading", name="Map the month-end close steps", level=1)).to_be_visible()
    source = page.get_by_test_id("action-source")
    expect(source).to_contain_text("Agreed in the call of")
    expect(source.get_by_role("link", name="Call about the month-end close")).to_be_visible()
    expect(page.get_by_test_id("action-status")).to_have_text("Open")
    expect(page.locator(".brm-page-head .lead")).to_contain_text(f"Rita Verhoeven · due {due[2].day} ")
    assert_fits_width(page)
    screenshot("journey-action-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits_width(page)
    screenshot("journey-action-390")
    page.set_viewport_size({"width": 1366, "height": 900})

    # 5. Done in one click; the message offers Undo; Undo reopens; Done again.
    page.get_by_role("button", name="Done").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("“Map the month-end close steps” is now done.")
    expect(page.get_by_test_id("action-status")).to_have_text("Done")
    screenshot("journey-action-done-undo-1366")
    alert.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("alert")).to_contain_text("“Map the month-end close steps” is open again.")
    expect(page.get_by_test_id("action-status")).to_have_text("Open")
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_test_id("action-status")).to_have_text("Done")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    history = page.locator("#history")
    expect(history.get_by_role("heading", name="History")).to_be_visible()
    expect(history.get_by_text("Changed", exact=True)).to_have_count(3)

    # 6. The action list: titles are links; the one left open is there, the done one is not.
    page.goto(f"{live_server.url}/actions/")
    table = page.locator("table")
    expect(table.get_by_role("link", name="Check ERP batch capacity")).to_be_visible()
    expect(table.get_by_role("link", name="Map the month-end close steps")).to_have_count(0)
    assert_fits_width(page)
    screenshot("journey-action-list-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits_width(page)
    screenshot("journey-action-list-390")

    # What the database holds.
    call = Interaction.objects.get(subject="Call about the month-end close")
    meeting = Interaction.objects.get(subject="Budget meeting 2027")
    assert (call.unit, call.kind, call.created_by) == (controlling, Interaction.Kind.CALL, rita)
    assert (meeting.unit, meeting.kind, meeting.sentiment) == (controlling, "meeting", "positive")
    rows = {
        a.title: (a.interaction, a.owner, a.due_on, a.status)
        for a in FollowUpAction.objects.filter(interaction__in=[call, meeting])
    }
    assert rows == {
        "Map the month-end close steps": (call, rita, due[2], Status.DONE),
        "Check ERP batch capacity": (call, ivo, due[4], Status.OPEN),
        "Draft the 2027 IT budget for Controlling": (meeting, rita, due[3], Status.OPEN),
        "Send the licence overview": (meeting, rita, due[5], Status.OPEN),
    }
    worked = FollowUpAction.objects.get(title="Map the month-end close steps")
    steps = list(worked.history.order_by("history_date", "history_id"))
    assert [(h.history_type, h.status) for h in steps] == [
        ("+", Status.OPEN),
        ("~", Status.DONE),
        ("~", Status.OPEN),
        ("~", Status.DONE),
    ]
    assert {h.history_user for h in steps} == {rita}
    assert worked.completed_at is not None
