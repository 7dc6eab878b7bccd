"""Journey: order a service and fulfil it, in headless Chromium with the demo's logins.

Piet (purchaser, Accounts Payable) orders from the portal catalogue and sees the order
waiting; Rita (his unit's relationship manager) finds it in her "waiting for you" and the
navigation's count, opens it and fulfils it; Piet gets the e-mail and sees it active. A
second order Rita refuses with a reason: Piet's e-mail and portal say why."""

import pytest
from django.core import mail

from customers.models import Contact
from services.models import Service, Subscription
from tests.browser.conftest import both_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def order_from_the_catalogue(page, live_server, service_name, notes):
    page.goto(f"{live_server.url}/portal/catalogue/")
    page.get_by_role("link", name=f"Order {service_name}").click()
    page.get_by_label("Quantity").fill("6")
    page.get_by_label("Notes for IT").fill(notes)
    page.get_by_role("button", name="Place the order").click()
    page.get_by_text(f"{service_name} is ordered for Accounts Payable").wait_for()


def mails_to(address):
    return [message for message in mail.outbox if address in message.to]


def test_piet_orders_rita_fulfils_one_and_refuses_another(page, live_server, demo_sign_in, screenshot):
    piet = Contact.objects.get(user__username="piet")
    rita_email = piet.unit.relationship_manager.email

    # Piet orders two services his unit does not use yet.
    demo_sign_in("piet")
    order_from_the_catalogue(page, live_server, "CRM", "Customer contacts for supplier calls.")
    order_from_the_catalogue(page, live_server, "Data warehouse & BI", "Month-end dashboards.")
    orders = page.locator("#orders")
    assert orders.get_by_text("Waiting for IT to fulfil it.").count() == 2
    assert orders.locator(".badge", has_text="Requested").count() == 2
    crm = Subscription.objects.get(unit=piet.unit, service__code="crm")
    bi = Subscription.objects.get(unit=piet.unit, service__code="bi")
    assert (crm.status, crm.ordered_by, crm.quantity) == (Subscription.Status.REQUESTED, piet, 6)
    # Rita hears that an order waits for her.
    assert len(mails_to(rita_email)) == 2
    assert "Order to fulfil: CRM for Accounts Payable" in [m.subject for m in mails_to(rita_email)]
    both_widths(page, screenshot, "journey-orders-piet-home-requested")

    # Rita sees both in her waiting list and in the navigation's count, then fulfils CRM.
    demo_sign_in("rita")
    waiting = page.locator("#waiting")
    waiting.get_by_role("link", name="CRM for Accounts Payable").wait_for()
    count_before = int(page.locator(".brm-waiting .badge").inner_text())
    assert count_before >= 2
    assert waiting.get_by_role("link", name="Data warehouse & BI for Accounts Payable").is_visible()
    both_widths(page, screenshot, "journey-orders-rita-dashboard")

    page.goto(f"{live_server.url}/catalogue/orders/")
    page.get_by_role("heading", name="Orders waiting").wait_for()
    assert page.get_by_role("link", name="CRM").is_visible()
    both_widths(page, screenshot, "journey-orders-queue")

    page.get_by_role("link", name="CRM").click()
    page.get_by_role("heading", name="This order waits for IT").wait_for()
    both_widths(page, screenshot, "journey-orders-subscription-waiting")
    mail.outbox.clear()
    page.get_by_role("button", name="Fulfil the order").click()
    page.get_by_text("CRM is fulfilled for Accounts Payable").wait_for()
    assert page.locator(".brm-page-head .badge").inner_text() == "Active"
    assert int(page.locator(".brm-waiting .badge").inner_text()) == count_before - 1

    # Refusing needs a reason; with one, the order is refused.
    page.goto(f"{live_server.url}/catalogue/subscriptions/{bi.pk}/")
    page.get_by_role("button", name="Refuse the order").click()
    page.get_by_text("This field is required.").wait_for()
    bi.refresh_from_db()
    assert bi.status == Subscription.Status.REQUESTED
    page.get_by_label("Why is it refused?").fill("Finance gets BI through Controlling's licence; ask Daan.")
    page.get_by_role("button", name="Refuse the order").click()
    page.get_by_text("The order of Data warehouse & BI for Accounts Payable is refused").wait_for()
    screenshot("journey-orders-subscription-refused-1366")

    # What the database holds: who decided, when, why.
    crm.refresh_from_db()
    bi.refresh_from_db()
    assert (crm.status, crm.decided_by.username, crm.started_on is not None) == ("active", "rita", True)
    assert (bi.status, bi.decided_by.username) == ("refused", "rita")
    assert bi.refusal_reason == "Finance gets BI through Controlling's licence; ask Daan."
    assert crm.decided_at and bi.decided_at
    assert crm.history.filter(status="active", decided_by__username="rita").exists()
    assert Service.objects.get(code="bi").subscriptions.filter(unit=piet.unit).current().count() == 0

    # Piet's e-mails, as rendered.
    ready, refused = mails_to(piet.email)
    assert ready.subject == "Your order is ready: CRM for Accounts Payable"
    assert "is fulfilled: you can use it from" in ready.body and "Rita Verhoeven" in ready.body
    assert refused.subject == "Your order was refused: Data warehouse & BI for Accounts Payable"
    assert "Reason given: Finance gets BI through Controlling's licence; ask Daan." in refused.body
    assert "Finance gets BI through Controlling" in refused.alternatives[0][0]
    print("\n--- order fulfilled (text) ---\n" + ready.body)
    print("--- order refused (text) ---\n" + refused.body)

    # Piet's portal: CRM active, BI refused with the reason.
    demo_sign_in("piet")
    orders = page.locator("#orders")
    orders.get_by_text("Finance gets BI through Controlling's licence; ask Daan.").wait_for()
    assert orders.locator(".badge", has_text="Active").count() == 1
    assert orders.locator(".badge", has_text="Refused").count() == 1
    assert orders.get_by_text("Waiting for IT to fulfil it.").count() == 0
    both_widths(page, screenshot, "journey-orders-piet-home-decided")
    page.get_by_role("link", name="CRM").first.click()
    page.get_by_text("fulfilled").first.wait_for()
    assert "Active" in page.locator("main").inner_text()
