"""Journey: hold a service review from its agenda, then the business reads the agreement.

On the demo organisation of `make run`: rita (relationship manager) opens Finance's
agreement and its review agenda, sees each unit of the agreement's scope under its own
heading (Accounts Payable's critical escalation and open requirements among them) and
records the review; the agreement page then shows the new last and next review. Piet
(purchaser in Accounts Payable) follows the agreement link of his service and reads it;
Carla (Finance's customer) finds the same services under the agreement as on her home.
"""

import datetime
import re

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import BusinessUnit
from relationships.models import Escalation, FollowUpAction, Interaction, Requirement
from services.models import Agreement
from tests.browser.conftest import both_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def day(date: datetime.date) -> str:
    """A date as the pages write it: 2 Dec 2026."""
    return f"{date.day} {date:%b %Y}"


def test_hold_a_service_review_from_its_agenda_and_the_business_reads_the_agreement(
    page, live_server, demo_sign_in, screenshot
):
    sla = Agreement.objects.get(reference="sla-fin")
    ap = BusinessUnit.objects.get(code="fin-ap")
    ap_escalation = Escalation.objects.open().get(unit=ap, severity="critical")
    ap_requirements = list(
        Requirement.objects.filter(unit=ap)
        .exclude(status__in=["delivered", "rejected"])
        .values_list("title", flat=True)
    )
    assert ap_requirements  # the demo has open requirements in Accounts Payable
    review_action = FollowUpAction.objects.create(  # what the agreement-review job opens
        unit=sla.unit,
        owner=sla.unit.relationship_manager,
        title=f"Review agreement {sla.reference}: {sla.title}",
        due_on=sla.next_review_on,
        agreement=sla,
    )

    # --- Rita sees Finance's agreement on Accounts Payable's page, as a unit above's -------
    demo_sign_in("rita")
    page.goto(f"{live_server.url}/units/{ap.pk}/")
    agreements = page.locator("#agr-h").locator("xpath=ancestor::section")
    expect(agreements).to_contain_text("IT services for Finance")
    expect(agreements).to_contain_text("of Finance, a unit above")
    screenshot("journey-review-unit-page-1366")

    # --- She opens Finance's agreement and its review agenda --------------------------------
    page.goto(f"{live_server.url}/catalogue/agreements/")
    page.get_by_role("link", name="IT services for Finance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("IT services for Finance")
    page.get_by_role("link", name="Open the review agenda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Service review")

    ap_section = page.locator("section.review-unit").filter(
        has=page.get_by_role("heading", name=re.compile(r"^Accounts Payable"))
    )
    expect(ap_section).to_have_count(1)
    expect(ap_section).to_contain_text(ap_escalation.subject)
    expect(ap_section.locator(".badge", has_text="Critical")).to_be_visible()
    for title in ap_requirements:
        expect(ap_section).to_contain_text(title)
    # Each unit's service levels under its own unit: ERP Finance once per unit using it.
    for code in ("fin-ap", "fin-ctl", "fin-tre"):
        unit = BusinessUnit.objects.get(code=code)
        section = page.locator("section.review-unit").filter(
            has=page.get_by_role("heading", name=re.compile(rf"^{re.escape(unit.name)}"))
        )
        expect(section.locator(".review-service", has_text="ERP Finance")).to_have_count(1)
        expect(section.locator(".review-service", has_text="ERP Finance")).to_contain_text("met ")
    # The minutes start from the same agenda, Accounts Payable's part naming its escalation.
    minutes = page.get_by_label("Agenda and notes").input_value()
    assert minutes.index("Accounts Payable") < minutes.index(ap_escalation.subject)
    both_widths(page, screenshot, "journey-review-agenda")

    # --- She records the review ------------------------------------------------------------
    page.get_by_role("button", name="Record this review").click()
    today = timezone.localdate()
    next_review = today + relativedelta(months=sla.review_interval_months)
    expect(page.get_by_role("heading", level=1)).to_have_text("IT services for Finance")
    expect(page.locator(".brm-messages")).to_contain_text(f"is due {day(next_review)}")
    expect(page.locator(".brm-stat", has_text="Last review")).to_contain_text(day(today))
    expect(page.locator(".brm-stat", has_text="Next review")).to_contain_text(day(next_review))
    expect(page.get_by_role("link", name="Service review: IT services for Finance")).to_be_visible()
    expect(page.get_by_text("No review held yet")).to_have_count(0)
    both_widths(page, screenshot, "journey-review-staff-agreement")

    sla.refresh_from_db()
    review = Interaction.objects.get(
        agreement=sla, kind=Interaction.Kind.SERVICE_REVIEW, subject__startswith="Service review:"
    )
    assert timezone.localtime(review.occurred_at).date() == today
    assert (sla.last_reviewed_on, sla.next_review_on) == (today, next_review)
    review_action.refresh_from_db()
    assert review_action.status == FollowUpAction.Status.DONE

    # --- Piet follows the agreement link of his service and reads it -----------------------
    demo_sign_in("piet")
    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_text("No service level agreement yet")).to_have_count(0)
    page.get_by_role("link", name="ERP Finance").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ERP Finance")
    with page.expect_response(re.compile(r"/portal/agreements/\d+/$")) as opened:
        page.get_by_role("link", name="IT services for Finance").click()
    assert opened.value.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("IT services for Finance")
    expect(page.get_by_role("button", name="Sign this agreement")).to_have_count(0)
    expect(page.locator("dd", has_text=day(today))).to_be_visible()  # the review just held
    expect(page.locator("dd", has_text=day(next_review))).to_be_visible()
    covered = page.locator("#h-covered").locator("xpath=ancestor::section")
    expect(covered).to_contain_text("ERP Finance")
    expect(covered).not_to_contain_text("Controlling")  # only his own unit's services
    both_widths(page, screenshot, "journey-review-portal-agreement-piet")

    # --- Carla's agreement page lists the services of her home -----------------------------
    demo_sign_in("carla")
    page.goto(f"{live_server.url}/portal/")
    on_home = set(
        page.locator("#h-services")
        .locator("xpath=ancestor::section")
        .locator("a[href^='/portal/services/']")
        .evaluate_all("links => links.map(a => a.getAttribute('href'))")
    )
    assert len(on_home) == 12
    page.get_by_role("link", name="IT services for Finance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("IT services for Finance")
    expect(page.get_by_text("covers none of your services")).to_have_count(0)
    on_agreement = set(
        page.locator("#h-covered")
        .locator("xpath=ancestor::section")
        .locator("a[href^='/portal/services/']")
        .evaluate_all("links => links.map(a => a.getAttribute('href'))")
    )
    assert on_agreement == on_home
    for unit in ("Accounts Payable", "Controlling", "Treasury"):
        expect(page.get_by_role("heading", name=unit, level=3)).to_be_visible()
    both_widths(page, screenshot, "journey-review-portal-agreement-carla")
