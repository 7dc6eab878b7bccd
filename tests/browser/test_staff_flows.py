"""The relationship manager's day in a real browser: dashboard, unit page, quick-log,
escalation, search and export. Each step asserts what the person sees."""

import datetime
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from relationships.models import Escalation, Interaction, SurveyCampaign
from tests.browser.conftest import assert_fits_width
from tests.customers.factories import ContactFactory
from tests.relationships.factories import (
    EscalationEventFactory,
    EscalationFactory,
    FollowUpActionFactory,
    InteractionFactory,
    RequirementFactory,
    SurveyCampaignFactory,
    SurveyResponseFactory,
)
from tests.services.factories import (
    AgreementFactory,
    MeasurementFactory,
    ServiceFactory,
    ServiceLevelTargetFactory,
    SubscriptionFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOOK_AT = os.environ.get("BRM_SCREENSHOT_COPY")  # a folder to copy the shots to, to look at them


@pytest.fixture
def screenshot(screenshot):
    """The shared fixture, plus a copy where BRM_SCREENSHOT_COPY points (other test runs
    clear test-results/ while we look)."""

    def take(name: str):
        path = screenshot(name)
        if LOOK_AT:
            Path(LOOK_AT).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(LOOK_AT) / path.name)
        return path

    return take


@pytest.fixture
def workday(rm, unit_a, unit_b, customer_a, purchaser_a, division):
    """A small but lived-in portfolio: surveys over three closed campaigns, measured
    services, an open escalation, an overdue action, a review coming due."""
    now = timezone.now()
    for months_ago, scores in ((9, [4, 3]), (6, [3, 2]), (3, [4, 5])):
        campaign = SurveyCampaignFactory(
            name=f"Survey {(now - datetime.timedelta(days=30 * months_ago)):%b %Y}",
            status=SurveyCampaign.Status.CLOSED,
            opens_at=now - datetime.timedelta(days=30 * months_ago),
            closes_at=now - datetime.timedelta(days=30 * months_ago - 14),
        )
        for score in scores:
            SurveyResponseFactory(
                invitation__campaign=campaign,
                invitation__contact=ContactFactory(unit=unit_a),
                overall_satisfaction=score,
            )
    service = ServiceFactory(name="Payroll processing")
    target = ServiceLevelTargetFactory(service=service, name="Availability", target_value=Decimal("99.5"))
    agreement = AgreementFactory(
        unit=unit_a,
        title="Finance services SLA",
        status="active",
        signed_by=customer_a,
        signed_at=timezone.now(),
        next_review_on=timezone.localdate() + datetime.timedelta(days=10),
    )
    subscription = SubscriptionFactory(unit=unit_a, service=service, agreement=agreement)
    first = timezone.localdate().replace(day=1)
    for n, value in enumerate(["99.9", "99.1", "99.7", "99.8", "98.9", "99.9"]):
        month = (first - datetime.timedelta(days=28 * n)).replace(day=1)
        MeasurementFactory(subscription=subscription, target=target, period_start=month, value=Decimal(value))
    escalation = EscalationFactory(unit=unit_a, subject="Invoices stuck in the workflow", severity="high")
    EscalationEventFactory(escalation=escalation, kind="raised", to_level=1)
    FollowUpActionFactory(
        unit=unit_a,
        owner=rm,
        title="Send the capacity plan",
        due_on=timezone.localdate() - datetime.timedelta(days=4),
    )
    InteractionFactory(unit=unit_a, subject="Quarterly check-in", notes="Budget for next year discussed.")
    return {"escalation": escalation, "agreement": agreement}


def test_dashboard_draws_the_satisfaction_chart_and_the_unit_page_opens(
    page, live_server, sign_in, screenshot, workday
):
    sign_in("rm")
    expect(page.get_by_role("heading", name="Good day, Rita")).to_be_visible()
    expect(page.get_by_role("heading", name="Portfolio health")).to_be_visible()
    chart_drawn = page.evaluate("() => !!Chart.getChart(document.getElementById('trend-chart'))")
    assert chart_drawn
    points = page.evaluate(
        "() => Chart.getChart(document.getElementById('trend-chart')).data.datasets[0].data"
    )
    assert points == [3.5, 2.5, 4.5]
    # Each shows twice: under "Waiting for you" and in its own card.
    expect(page.get_by_text("Invoices stuck in the workflow").first).to_be_visible()
    expect(page.get_by_text("Send the capacity plan").first).to_be_visible()
    screenshot("staff-dashboard")
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    assert_fits_width(page)
    screenshot("staff-dashboard-tablet")
    page.set_viewport_size({"width": 1366, "height": 900})

    page.locator(".portfolio").get_by_role("link", name="Accounts Payable").click()
    expect(page.get_by_role("heading", name="Accounts Payable", level=1)).to_be_visible()
    expect(page.get_by_text("Quarterly check-in")).to_be_visible()
    screenshot("staff-unit-page")


def test_quick_log_an_interaction_with_a_follow_up_action(page, live_server, sign_in, workday, unit_a):
    sign_in("rm")
    page.goto(f"{live_server.url}/units/{unit_a.pk}/")
    quick_log = page.locator("#quick-log")
    quick_log.get_by_label("Subject").fill("Call about the invoice backlog")
    quick_log.get_by_label("Notes", exact=True).fill("Carla wants weekly updates.")
    quick_log.get_by_label("Action", exact=True).first.fill("Send weekly backlog report")
    quick_log.get_by_label("Due", exact=True).first.fill(
        (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    )
    quick_log.get_by_role("button", name="Log interaction").click()
    expect(page.locator("#quick-log").get_by_role("status")).to_contain_text(
        "Logged “Call about the invoice backlog” with 1 follow-up action."
    )
    expect(page.locator("#timeline")).to_contain_text("Call about the invoice backlog")
    expect(page.locator("#timeline")).to_contain_text("Send weekly backlog report")
    assert Interaction.objects.filter(subject="Call about the invoice backlog", unit=unit_a).exists()


def test_quick_log_with_bad_input_shows_the_message_at_the_field(page, live_server, sign_in, workday, unit_a):
    sign_in("rm")
    page.goto(f"{live_server.url}/units/{unit_a.pk}/")
    quick_log = page.locator("#quick-log")
    quick_log.get_by_label("Action", exact=True).first.fill("Something without a date")
    quick_log.get_by_role("button", name="Log interaction").click()
    expect(page.locator("#quick-log")).to_contain_text("This field is required.")
    expect(page.locator("#quick-log")).to_contain_text("Give the action a due date.")
    assert not Interaction.objects.filter(unit=unit_a).exclude(subject="Quarterly check-in").exists()


def test_escalate_an_escalation_from_the_board(page, live_server, sign_in, workday):
    sign_in("rm")
    page.get_by_role("link", name="Escalations").first.click()
    level_1 = page.get_by_role("region", name="Level 1 — Relationship manager")
    card = level_1.locator(".board-card", has_text="Invoices stuck in the workflow")
    expect(card).to_contain_text("left to respond")
    card.get_by_role("link", name="Escalate…").click()
    page.get_by_label("Note").fill("Stuck for a week: IT management must decide.")
    page.get_by_role("button", name="Escalate to level 2").click()
    expect(page.get_by_role("alert")).to_contain_text("escalated to the next level")
    page.get_by_role("link", name="Escalations").first.click()
    level_2 = page.get_by_role("region", name="Level 2 — IT management")
    expect(level_2).to_contain_text("Invoices stuck in the workflow")
    assert Escalation.objects.get(pk=workday["escalation"].pk).level == 2


def test_search_a_contact_and_open_it(page, live_server, sign_in, screenshot, workday):
    sign_in("rm")
    page.get_by_role("searchbox", name="Search").press_sequentially("Carl", delay=50)
    suggestion = page.get_by_role("option", name="Carla Cfo")
    expect(suggestion).to_be_visible()
    screenshot("staff-search-suggestions")
    page.keyboard.press("ArrowDown")  # the keyboard reaches the suggestions too
    expect(page.get_by_role("option").first).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("searchbox", name="Search")).to_be_focused()
    page.keyboard.press("Escape")
    expect(suggestion).to_be_hidden()
    page.get_by_role("searchbox", name="Search").fill("")
    page.get_by_role("searchbox", name="Search").fill("Carla")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    results = page.locator(".search-results")
    expect(results).to_contain_text("Carla Cfo")
    expect(results).to_contain_text("Contact")
    results.get_by_role("link", name="Carla Cfo").click()
    expect(page.get_by_role("heading", name="Carla Cfo")).to_be_visible()


def test_export_the_interactions_list_to_csv(page, live_server, sign_in, workday):
    sign_in("rm")
    page.goto(f"{live_server.url}/interactions/")
    expect(page.get_by_role("link", name="Quarterly check-in")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("interactions-") and download.suggested_filename.endswith(
        ".csv"
    )
    content = open(download.path(), encoding="utf-8-sig").read()
    assert content.splitlines()[0].startswith("When,Kind,Subject,Unit")
    assert "Quarterly check-in" in content


def test_boards_lists_and_review_pages_read_well(
    page, live_server, sign_in, screenshot, workday, unit_a, unit_b
):
    for title, status in (
        ("Expense app", "draft"),
        ("Payroll change", "submitted"),
        ("Travel booking", "draft"),
    ):
        RequirementFactory(unit=unit_a, title=title, status=status)
    EscalationFactory(unit=unit_b, subject="VPN drops every hour", level=2, severity="critical")
    sign_in("rm")
    page.goto(f"{live_server.url}/requirements/")
    expect(page.get_by_role("region", name="Being prepared")).to_contain_text("Expense app")
    screenshot("staff-requirements-board")
    page.goto(f"{live_server.url}/escalations/")
    expect(page.get_by_role("region", name="Level 2 — IT management")).to_contain_text("VPN drops every hour")
    screenshot("staff-escalation-board")
    page.goto(f"{live_server.url}/interactions/")
    expect(page.get_by_role("heading", name="Interactions")).to_be_visible()
    screenshot("staff-interactions")
    page.goto(f"{live_server.url}/actions/")
    row = page.locator("tr", has_text="Send the capacity plan")
    row.get_by_role("button", name="Done").click()
    expect(page.locator("tr", has_text="Send the capacity plan")).to_contain_text("Done")
    screenshot("staff-actions")
    page.goto(f"{live_server.url}/catalogue/")
    expect(page.get_by_role("link", name="Payroll processing")).to_be_visible()
    screenshot("staff-catalogue")
    page.goto(f"{live_server.url}/surveys/")
    assert page.evaluate("() => !!Chart.getChart(document.getElementById('campaign-trend'))")
    screenshot("staff-surveys")
    page.goto(f"{live_server.url}/reviews/{workday['agreement'].pk}/")
    expect(page.get_by_label("Agenda and notes")).to_contain_text("Payroll processing / Availability: met")
    screenshot("staff-service-review")


def test_sign_in_page_escalation_and_survey_pages(page, live_server, sign_in, screenshot, workday):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("rm")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password")
    screenshot("staff-sign-in-error")
    sign_in("rm")
    page.goto(f"{live_server.url}/escalations/{workday['escalation'].pk}/")
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    screenshot("staff-escalation-detail")
    campaign = SurveyCampaign.objects.order_by("-opens_at").first()
    page.goto(f"{live_server.url}/surveys/{campaign.pk}/")
    assert page.evaluate("() => !!Chart.getChart(document.getElementById('spread'))")
    screenshot("staff-campaign")
    page.get_by_role("button", name="Account menu of Rita Manager").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{live_server.url}/dashboard/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/dashboard/")


def test_it_manager_sees_the_organisation_and_filters_by_manager(
    page, live_server, sign_in, screenshot, workday, it_manager, other_rm, unit_b, contact_b
):
    for n in range(3):
        EscalationFactory(unit=unit_b, subject=f"Sales outage {n}", level=3)
    FollowUpActionFactory(
        unit=unit_b,
        owner=other_rm,
        title="Fix CRM sync",
        due_on=timezone.localdate() - datetime.timedelta(days=9),
    )
    sign_in("it_manager")
    expect(page.get_by_role("heading", name="Organisation overview")).to_be_visible()
    portfolio = page.locator(".portfolio")
    expect(portfolio).to_contain_text("Sales Operations")
    expect(portfolio).to_contain_text("Accounts Payable")
    expect(portfolio.locator(".health-poor")).to_have_count(
        1
    )  # Sales Operations, three escalations at the top
    screenshot("staff-dashboard-it-manager")
    page.get_by_label("Relationship manager").select_option(label="Otto Other")
    expect(page).to_have_url(f"{live_server.url}/dashboard/?rm={other_rm.pk}")
    expect(portfolio).to_contain_text("Sales Operations")
    expect(portfolio).not_to_contain_text("Accounts Payable")
