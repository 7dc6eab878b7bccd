"""Journey: prepare, submit and decide a requirement, and the requester's mail, in headless
Chromium with the demo's logins.

Piet (purchaser, Accounts Payable) prepares two requests and submits them; Carla (CFO,
the deciding customer of Finance and the units below it) sees them waiting for her,
approves one and rejects the other with a reason; Piet is mailed each decision, who took
it and why. Piet himself cannot decide: no button, and a forged POST is refused with a
message and changes nothing."""

import re

import pytest
from django.core import mail

from customers.models import Contact
from relationships.models import Requirement
from tests.browser.conftest import both_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def prepare_and_submit(page, live_server, title, description):
    page.goto(f"{live_server.url}/portal/requests/new/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Submit for decision").click()
    page.get_by_text("Your request was sent to your deciding customer.").wait_for()
    page.get_by_text("Waiting for Carla Jansen to decide.").wait_for()
    return Requirement.objects.get(title=title)


def test_piet_prepares_carla_decides_piet_hears(page, live_server, demo_sign_in, screenshot):
    piet = Contact.objects.get(user__username="piet")
    carla = Contact.objects.get(user__username="carla")

    demo_sign_in("piet")
    scanning = prepare_and_submit(
        page, live_server, "Scan supplier invoices", "Read PDF invoices into ERP Finance."
    )
    fax = prepare_and_submit(page, live_server, "Fax gateway", "Receive supplier faxes as e-mail.")
    assert (scanning.status, scanning.prepared_by, scanning.submitted_at is not None) == (
        Requirement.Status.SUBMITTED,
        piet,
        True,
    )
    # Piet cannot decide: no decision on the page...
    page.goto(f"{live_server.url}/portal/requests/{scanning.pk}/")
    assert page.get_by_role("button", name="Approve").count() == 0
    # ...and a forged decision is refused with a message, changing nothing.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    forged = page.request.post(
        f"{live_server.url}/portal/requests/{scanning.pk}/decide/",
        form={"csrfmiddlewaretoken": token, "decision": "approve", "reason": "Looks fine to me"},
        headers={"Referer": page.url},
    )
    assert forged.status == 403
    assert "Only the deciding customer of Accounts Payable (Carla Jansen) may approve" in forged.text()
    scanning.refresh_from_db()
    assert (scanning.status, scanning.decided_by, scanning.decision_reason) == ("submitted", None, "")
    both_widths(page, screenshot, "journey-requirements-piet-home")

    # Carla sees what waits for her decision, on her home and in the navigation's count.
    mail.outbox.clear()
    demo_sign_in("carla")
    waiting = page.locator("#waiting")
    waiting.get_by_role("link", name="Scan supplier invoices").wait_for()
    assert waiting.get_by_role("link", name="Fax gateway").is_visible()
    count = int(page.locator(".portal-waiting .badge").inner_text())
    assert count >= 2  # and the demo's own "Approval workflow on mobile"
    both_widths(page, screenshot, "journey-requirements-carla-home")

    waiting.get_by_role("link", name="Scan supplier invoices").click()
    page.get_by_label("Reason").fill("Saves two days at every month-end.")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("You approved “Scan supplier invoices”.").wait_for()

    page.goto(f"{live_server.url}/portal/requests/{fax.pk}/")
    page.get_by_role("button", name="Reject").click()  # no reason: refused next to the field
    page.get_by_text("Say why the requirement is rejected.").wait_for()
    page.get_by_label("Reason").fill("Nobody faxes us any more; use the supplier portal.")
    page.get_by_role("button", name="Reject").click()
    page.get_by_text("You rejected “Fax gateway”.").wait_for()
    page.goto(f"{live_server.url}/portal/")
    assert int(page.locator(".portal-waiting .badge").inner_text()) == count - 2

    # What the database holds: who decided, when, why.
    scanning.refresh_from_db()
    fax.refresh_from_db()
    assert (scanning.status, scanning.decided_by, scanning.decision_reason) == (
        "approved",
        carla,
        "Saves two days at every month-end.",
    )
    assert (fax.status, fax.decided_by, fax.decision_reason) == (
        "rejected",
        carla,
        "Nobody faxes us any more; use the supplier portal.",
    )
    assert scanning.decided_at and fax.decided_at and fax.decided_at >= scanning.decided_at

    # Piet's mails: the outcome, who decided, the reason, a link to the portal page.
    to_piet = {m.subject: m for m in mail.outbox if piet.email in m.to}
    approved = to_piet["Your request “Scan supplier invoices” was approved"]
    rejected = to_piet["Your request “Fax gateway” was rejected"]
    assert "Carla Jansen approved your request" in approved.body
    assert "Reason given: Saves two days at every month-end." in approved.body
    assert re.search(rf"http://\S+/portal/requests/{scanning.pk}/", approved.body)
    assert "Carla Jansen rejected your request" in rejected.body
    assert "Nobody faxes us any more" in rejected.alternatives[0][0]
    print("\n--- requirement approved (text) ---\n" + approved.body)
    print("--- requirement rejected (text) ---\n" + rejected.body)

    # Piet's portal shows each decision.
    demo_sign_in("piet")
    page.goto(f"{live_server.url}/portal/requests/{fax.pk}/")
    page.get_by_text("Rejected by Carla Jansen").first.wait_for()
    assert "Nobody faxes us any more; use the supplier portal." in page.locator("main").inner_text()
