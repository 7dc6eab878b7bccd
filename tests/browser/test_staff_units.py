"""A relationship manager's day in the browser: the dashboard with its chart, a unit's
360° page, quick-logging a meeting with a follow-up action, escalating, finding a contact
and exporting a list. Each step asserts what the person sees."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import Contact
from relationships.models import Escalation, FollowUpAction, Interaction
from tests.browser.conftest import assert_fits_width
from tests.customers.factories import BusinessUnitFactory, ContactFactory
from tests.ui.unit_demo import Catalogue, populate_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portfolio(rm, company, division, unit_a, unit_b, customer_a, purchaser_a, contact_b):
    """Rita's portfolio: Accounts Payable fully populated, a healthy and a neglected
    department, and a budget holder nobody can decide for."""
    catalogue = Catalogue()
    populate_unit(unit_a, catalogue=catalogue, contact_names=("Sara", "Stakeholder"))
    populate_unit(unit_b, catalogue=catalogue, contact_names=("Olaf", "Observer"))
    treasury = BusinessUnitFactory(name="Treasury", code="fin-tr", parent=division, relationship_manager=rm)
    populate_unit(treasury, catalogue=catalogue, contact_names=("Tara", "Treasurer"))
    BusinessUnitFactory(
        name="Procurement", code="procurement", parent=company, relationship_manager=rm, has_budget=True
    )
    ContactFactory(unit=unit_a, first_name="Hugo", last_name="Helpdesk", role=Contact.Role.STAKEHOLDER)
    return {"unit_a": unit_a, "treasury": treasury}


def _chart_drawn(page, canvas_id: str) -> bool:
    return page.evaluate(
        "(id) => { const c = document.getElementById(id); const chart = c && Chart.getChart(c);"
        " return !!chart && chart.data.datasets.length > 0 && c.width > 0; }",
        canvas_id,
    )


def test_dashboard_unit_page_and_quick_log(page, live_server, sign_in, screenshot, portfolio, rm):
    sign_in("rm")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_role("heading", name="Portfolio health")).to_be_visible()
    expect(page.get_by_role("link", name="Accounts Payable").first).to_be_visible()
    page.wait_for_function(
        "() => { const c = document.getElementById('trend-chart'); return c && Chart.getChart(c); }"
    )
    assert _chart_drawn(page, "trend-chart")
    expect(page.get_by_text("Procurement").first).to_be_visible()  # budget without a customer
    screenshot("rm-dashboard")

    page.get_by_role("link", name="Accounts Payable", exact=True).first.click()
    expect(page.get_by_role("heading", level=1, name="Accounts Payable")).to_be_visible()
    expect(page.get_by_test_id("deciding-customer")).to_have_text("Carla Cfo")
    expect(page.get_by_role("navigation", name="breadcrumb")).to_contain_text("Finance")
    page.wait_for_function("() => Chart.getChart(document.getElementById('attainment-chart'))")
    assert _chart_drawn(page, "attainment-chart")
    assert _chart_drawn(page, "survey-chart")

    quick_log = page.locator("#quick-log")
    quick_log.get_by_label(re.compile("Subject")).fill("Budget talk with Carla")
    quick_log.get_by_label("Notes", exact=True).fill(
        "Carla wants the invoice scanning live before the year end."
    )
    quick_log.get_by_label("Action", exact=True).first.fill("Send the scanning proposal")
    due = timezone.localdate() + datetime.timedelta(days=7)
    quick_log.get_by_label("Due", exact=True).first.fill(due.isoformat())
    quick_log.get_by_role("button", name="Log interaction").click()

    expect(quick_log.get_by_role("status")).to_contain_text(
        "Logged “Budget talk with Carla” with 1 follow-up action."
    )
    expect(page.locator("#timeline")).to_contain_text("Budget talk with Carla")
    expect(page.locator("#timeline")).to_contain_text("Send the scanning proposal")
    interaction = Interaction.objects.get(subject="Budget talk with Carla")
    action = FollowUpAction.objects.get(interaction=interaction)
    assert (action.owner, action.due_on) == (rm, due)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("rm-unit")
    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet held upright
    expect(page.get_by_role("heading", level=1, name="Accounts Payable")).to_be_visible()
    assert_fits_width(page)
    screenshot("rm-unit-tablet")


def test_quick_log_bad_input_shows_the_message_at_the_field(page, live_server, sign_in, portfolio):
    sign_in("rm")
    page.goto(f"{live_server.url}/units/{portfolio['unit_a'].pk}/")
    quick_log = page.locator("#quick-log")
    quick_log.get_by_label(re.compile("Subject")).fill("")
    quick_log.get_by_label("Action", exact=True).first.fill("Call back")
    quick_log.get_by_role("button", name="Log interaction").click()
    expect(quick_log.locator("#id_subject")).to_have_class(re.compile("is-invalid"))
    expect(quick_log).to_contain_text("This field is required.")
    expect(quick_log).to_contain_text("Give the action a due date.")
    assert not Interaction.objects.filter(subject="").exists()
    assert not FollowUpAction.objects.filter(title="Call back").exists()


def test_escalate_from_the_board(page, live_server, sign_in, portfolio):
    sign_in("rm")
    page.get_by_role("link", name="Escalations").first.click()
    card = page.locator(".board-card", has_text="Laptops arrive late at Accounts Payable")
    expect(card).to_be_visible()
    card.get_by_role("link", name="Escalate…").click()
    page.get_by_label("Note").fill("Stuck for a week: IT management must decide.")
    page.get_by_role("button", name="Escalate to level 2").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("alert").first).to_be_visible()
    escalation = Escalation.objects.get(subject="Laptops arrive late at Accounts Payable")
    assert escalation.level == 2
    page.get_by_role("link", name="Escalations").first.click()
    expect(page.locator(".board-col", has_text="IT management").first).to_contain_text(
        "Laptops arrive late at Accounts Payable"
    )


def test_search_a_contact_and_export_the_list(page, live_server, sign_in, screenshot, portfolio, tmp_path):
    sign_in("rm")
    page.get_by_role("searchbox", name="Search").fill("Piet")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=re.compile("Piet Purchaser"))).to_be_visible()

    page.goto(f"{live_server.url}/units/contacts/")
    page.get_by_label("Find a contact").fill("help")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="Hugo Helpdesk")).to_be_visible()
    expect(page.get_by_role("link", name="Carla Cfo")).to_have_count(0)
    screenshot("rm-contacts")
    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    download = info.value
    assert download.suggested_filename.startswith("contacts-") and download.suggested_filename.endswith(
        ".csv"
    )
    body = tmp_path / "contacts.csv"
    download.save_as(body)
    text = body.read_text(encoding="utf-8-sig")
    assert "Hugo" in text and "Carla" not in text


def test_unit_list_and_a_form_with_bad_input(page, live_server, sign_in, screenshot, portfolio):
    sign_in("rm")
    page.goto(f"{live_server.url}/units/")
    expect(page.get_by_role("heading", level=1, name="Business units")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Treasury"))).to_be_visible()
    screenshot("rm-units")
    page.get_by_role("link", name="New unit").click()
    page.get_by_label(re.compile("Name")).fill("Tax")
    page.get_by_label(re.compile("Code")).fill("not a slug!")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_code")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#div_id_code")).to_contain_text("Enter a valid")
    screenshot("rm-unit-form-error")


def test_demo_division_rolls_up_its_departments(page, live_server, sign_in, screenshot):
    """On the seeded demo organisation: Rita opens her Finance division, whose page rolls
    up the activity of its departments."""
    from django.core.management import call_command

    from brm.management.commands.seed_demo import DEMO_PASSWORD
    from customers.models import BusinessUnit

    call_command("seed_demo", quiet=True)
    finance = BusinessUnit.objects.get(code="fin")
    sign_in("rita", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/units/{finance.pk}/")
    expect(page.get_by_role("heading", level=1, name="Finance")).to_be_visible()
    expect(page.get_by_role("note")).to_contain_text("include the")
    expect(page.get_by_role("heading", name="Sub-units")).to_be_visible()
    screenshot("rm-demo-division")
