"""The Content-Security-Policy in a real browser: the main staff, portal and survey pages
(charts, htmx search, Bootstrap menus, the request form's script, the API docs) load and
work without a single violation. Chromium reports each one on the console ("Refused to
...") and as a `securitypolicyviolation` event; both are collected."""

import pytest
from django.urls import reverse

from tests.api.conftest import make_rows
from tests.portal.conftest import subscribe
from tests.relationships.factories import (
    SurveyCampaignFactory,
    SurveyInvitationFactory,
    SurveyResponseFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def violations(page):
    seen = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda msg: (
            seen.append(msg.text)
            if "Content Security Policy" in msg.text or msg.text.startswith("Refused to")
            else None
        ),
    )

    def check(where):
        events = page.evaluate("window.__cspViolations || []")
        found = [*seen, *events]
        seen.clear()
        assert not found, f"{where}: {found}"

    return check


@pytest.fixture
def csp_world(unit_a, unit_b, customer_a, purchaser_a, contact_b, rm):
    campaign = SurveyCampaignFactory()
    rows = make_rows(unit_a, contact=purchaser_a, campaign=campaign)
    closed = SurveyCampaignFactory(status="closed")
    SurveyResponseFactory(invitation__campaign=closed, invitation__contact=customer_a, overall_satisfaction=2)
    subscribe(unit_a, name="Invoice scanning")
    rows["open_invitation"] = SurveyInvitationFactory(contact=purchaser_a)
    return rows


def _visit(page, url, violations):
    response = page.goto(url)
    assert response.status < 500, url
    page.wait_for_load_state("networkidle")
    violations(url)


def test_staff_pages_run_under_the_policy(page, live_server, sign_in, violations, csp_world):
    sign_in("rm")
    violations("sign-in")
    base = live_server.url
    for url in [
        reverse("relationships:dashboard"),
        reverse("customers:unit-list") + "?view=tree",
        reverse("customers:unit-detail", args=[csp_world["unit"].pk]),
        reverse("customers:contact-detail", args=[csp_world["contact"].pk]),
        reverse("services:service-detail", args=[csp_world["service"].pk]),
        reverse("services:agreement-detail", args=[csp_world["agreement"].pk]),
        reverse("relationships:interaction-list"),
        reverse("relationships:action-list"),
        reverse("relationships:requirement-board"),
        reverse("relationships:escalation-board"),
        reverse("relationships:escalation-detail", args=[csp_world["escalation"].pk]),
        reverse("relationships:campaign-list"),
        reverse("relationships:campaign-detail", args=[csp_world["campaign"].pk]),
        "/api/docs/",
        "/no-such-page/",
    ]:
        _visit(page, base + url, violations)
    # The charts drew (Chart.js under the policy) ...
    page.goto(base + reverse("customers:unit-detail", args=[csp_world["unit"].pk]))
    page.wait_for_function("() => Chart.getChart(document.getElementById('attainment-chart')) !== undefined")
    # ... htmx swaps the search suggestions in, and Bootstrap opens a menu.
    page.get_by_role("searchbox", name="Search").fill("Acc")
    page.locator("#search-suggest a").first.wait_for()
    page.get_by_role("button", name="Business").click()
    page.get_by_role("link", name="Contacts").wait_for()
    violations("search and menu")


def test_portal_and_survey_pages_run_under_the_policy(page, live_server, sign_in, violations, csp_world):
    sign_in("piet")
    violations("sign-in")
    base = live_server.url
    for url in [
        reverse("portal:home"),
        reverse("portal:requirement-list"),
        reverse("portal:requirement-detail", args=[csp_world["requirement"].pk]),
        reverse("portal:subscription-detail", args=[csp_world["subscription"].pk]),
        reverse("portal:catalogue"),
        reverse("portal:order"),
        reverse("portal:escalation-list"),
        reverse("portal:escalation-create"),
        reverse("portal:interaction-list"),
        reverse("portal:agreement-detail", args=[csp_world["agreement"].pk]),
    ]:
        _visit(page, base + url, violations)
    # The request form's script (a static file now) shows the service only for a change.
    _visit(page, base + reverse("portal:requirement-create"), violations)
    service = page.get_by_label("Service to change")
    assert not service.is_visible()
    page.get_by_text("Change to a service", exact=True).click()
    service.wait_for(state="visible")
    violations("request form")

    page.context.clear_cookies()
    _visit(page, base + reverse("survey:answer", args=[csp_world["open_invitation"].token]), violations)
    page.get_by_role("button", name="Send my answers").wait_for()
    _visit(page, base + reverse("survey:answer", args=["not-a-real-link-at-all-000"]), violations)


def test_the_admin_and_the_api_docs_run_under_the_policy(page, live_server, sign_in, violations, csp_world):
    from tests.customers.factories import StaffFactory

    StaffFactory(username="root", is_superuser=True)
    sign_in("root")
    base = live_server.url
    for url in [
        "/admin/",
        "/admin/customers/businessunit/",
        f"/admin/customers/businessunit/{csp_world['unit'].pk}/change/",
        "/admin/relationships/requirement/",
    ]:
        _visit(page, base + url, violations)
    # Swagger UI draws the operations from the schema (its script is a file, its style rules
    # carry the nonce).
    _visit(page, base + "/api/docs/", violations)
    page.get_by_text("BRM Portal API").first.wait_for()
    page.locator(".opblock").first.wait_for()
    violations("API docs")
