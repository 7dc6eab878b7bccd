"""Journey: an escalation across roles on the demo organisation of `make run`. Carla (the
business customer) raises it in the portal; Rita (level 1) acknowledges it and escalates it
by hand; Ivo (IT management, level 2) finds it waiting at his level and escalates it; Stella
(the IT steering group, level 3) resolves it; Carla, satisfied, closes it. Each step
asserts what the person sees; the end, the escalation's history and the mail sent."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from customers.models import BusinessUnit, Contact
from relationships.models import Escalation, EscalationEvent
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "Supplier payments stop halfway"
Kind = EscalationEvent.Kind


def _shots(page, screenshot, name):
    assert_fits_width(page)
    screenshot(f"{name}-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_fits_width(page)
    screenshot(f"{name}-390")
    page.set_viewport_size({"width": 1366, "height": 900})


def _open_from_the_board(page, live_server, level: int):
    """The escalation board filtered to one level: what waits there."""
    page.goto(f"{live_server.url}/escalations/?level={level}")
    column = page.get_by_role("region", name=f"Level {level} —")
    column.get_by_role("link", name=SUBJECT).click()
    expect(page.get_by_role("heading", name=SUBJECT, level=1)).to_be_visible()


def test_an_escalation_climbs_the_route_and_is_closed_by_the_business(
    page, live_server, demo_sign_in, screenshot
):
    accounts_payable = BusinessUnit.objects.get(name="Accounts Payable")
    carla = Contact.objects.get(user__username="carla")
    staff = {u.username: u for u in get_user_model().objects.filter(username__in=["rita", "ivo", "stella"])}
    mail.outbox.clear()

    # 1. Carla raises it in the portal, for Accounts Payable (below her Finance).
    demo_sign_in("carla")
    page.goto(f"{live_server.url}/portal/escalations/new/")
    page.get_by_label("For unit").select_option(label="Accounts Payable")
    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_role("group", name="How serious is it?").get_by_text("High").click()
    page.get_by_label("Description").fill(
        "Since the upgrade on Monday the payment run stops after 200 invoices."
    )
    page.get_by_role("button", name="Raise the escalation").click()
    expect(page.get_by_text("Your escalation is raised.")).to_be_visible()
    expect(page.get_by_text("Now at level 1, Relationship manager")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("Raised")
    escalation = Escalation.objects.get(subject=SUBJECT)
    assert (escalation.unit, escalation.level, escalation.raised_by_contact) == (accounts_payable, 1, carla)

    # 2. Rita, level 1, acknowledges it and escalates it by hand with a reason.
    demo_sign_in("rita")
    _open_from_the_board(page, live_server, level=1)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("alert")).to_contain_text(f"“{SUBJECT}” acknowledged.")
    expect(page.locator(".brm-page-head .badge")).to_have_text("Acknowledged")
    expect(page.locator("#history")).to_contain_text("Acknowledged")
    page.get_by_label("Note").fill("The fix needs the ERP vendor: IT management must decide on the budget.")
    page.get_by_role("button", name="Escalate to level 2").click()
    expect(page.get_by_role("alert")).to_contain_text("escalated to the next level")
    expect(page.locator(".brm-page-head .lead")).to_contain_text("level 2 — IT management")
    history = page.locator("#history")
    expect(history).to_contain_text("Escalated by hand: level 1 → 2")
    expect(history).to_contain_text("The fix needs the ERP vendor")
    # Level 2 is not hers: she may comment, no longer respond.
    expect(page.get_by_role("button", name="Escalate to level 3")).to_have_count(0)

    # 3. Ivo finds it waiting at level 2 and escalates it to the steering group.
    demo_sign_in("ivo")
    _open_from_the_board(page, live_server, level=2)
    expect(page.locator(".brm-page-head .badge")).to_have_text("Open")
    page.get_by_label("Note").fill("A vendor contract change: the steering group decides.")
    page.get_by_role("button", name="Escalate to level 3").click()
    expect(page.get_by_role("alert")).to_contain_text("escalated to the next level")
    expect(page.locator(".brm-page-head .lead")).to_contain_text("level 3 — IT steering group")
    expect(page.locator("#history")).to_contain_text("Escalated by hand: level 2 → 3")

    # 4. Stella, at the top of the route, resolves it; there is no level above to escalate to.
    demo_sign_in("stella")
    _open_from_the_board(page, live_server, level=3)
    expect(page.get_by_role("button", name="Escalate", exact=False)).to_have_count(0)
    page.get_by_label("Note").fill("Emergency change approved: the vendor patches the payment run tonight.")
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("alert")).to_contain_text(f"“{SUBJECT}” resolved.")
    expect(page.locator(".brm-page-head .badge")).to_have_text("Resolved")
    expect(page.locator("#history")).to_contain_text("Resolved")
    _shots(page, screenshot, "journey-escalation-staff")

    # 5. Carla reads the resolution and closes it.
    demo_sign_in("carla")
    page.goto(f"{live_server.url}/portal/escalations/")
    page.get_by_role("link", name=SUBJECT).click()
    head = page.locator(".card-body").first
    expect(head.locator(".badge").nth(1)).to_have_text("Resolved")
    expect(head.get_by_text("Resolution", exact=True)).to_be_visible()
    expect(head).to_contain_text("Emergency change approved: the vendor patches the payment run tonight.")
    portal_history = page.locator("#history")
    for line in ("Raised", "Acknowledged", "from level 1 to level 2", "from level 2 to level 3", "Resolved"):
        expect(portal_history).to_contain_text(line)
    page.get_by_role("button", name="I am satisfied: close it").click()
    expect(page.get_by_text("Thank you: the escalation is closed.")).to_be_visible()
    expect(head.locator(".badge").nth(1)).to_have_text("Closed")
    expect(page.get_by_role("button", name="I am satisfied: close it")).to_have_count(0)
    expect(page.locator('[aria-current="step"]')).to_have_count(0)  # no level must respond any more
    expect(portal_history).to_contain_text("Closed")
    _shots(page, screenshot, "journey-escalation-portal")

    # The escalation's history in the database.
    escalation.refresh_from_db()
    assert (escalation.status, escalation.level) == (Escalation.Status.CLOSED, 3)
    assert escalation.resolution.startswith("Emergency change approved")
    steps = [
        (e.kind, e.from_level, e.to_level, e.actor_user.username if e.actor_user else None, e.actor_contact)
        for e in escalation.events.order_by("created_at", "pk")
    ]
    assert steps == [
        (Kind.RAISED, None, 1, None, carla),
        (Kind.ACKNOWLEDGED, None, None, "rita", None),
        (Kind.ESCALATED, 1, 2, "rita", None),
        (Kind.ESCALATED, 2, 3, "ivo", None),
        (Kind.RESOLVED, None, None, "stella", None),
        (Kind.CLOSED, None, None, None, carla),
    ]
    audit = [(h.history_type, h.status, h.level) for h in escalation.history.order_by("history_date")]
    assert audit == [
        ("+", "open", 1),
        ("~", "acknowledged", 1),
        ("~", "open", 2),
        ("~", "open", 3),
        ("~", "resolved", 3),
        ("~", "closed", 3),
    ]

    # The mail: each level as the escalation reaches it, and the business at every step.
    sent = [(m.to, m.subject) for m in mail.outbox]
    rita, ivo, stella = (staff[name].email for name in ("rita", "ivo", "stella"))
    assert sent == [
        ([rita], f"[Escalation L1] {SUBJECT} — Accounts Payable"),
        ([carla.email], f"Your escalation “{SUBJECT}”: acknowledged"),
        ([ivo], f"[Escalation L2] {SUBJECT} — Accounts Payable"),
        ([carla.email], f"Your escalation “{SUBJECT}”: escalated"),
        ([stella], f"[Escalation L3] {SUBJECT} — Accounts Payable"),
        ([carla.email], f"Your escalation “{SUBJECT}”: escalated"),
        ([carla.email], f"Your escalation “{SUBJECT}”: resolved"),
    ]
