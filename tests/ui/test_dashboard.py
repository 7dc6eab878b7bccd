"""The relationship manager's dashboard: what it shows, to whom, and at what cost."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from relationships.models import FollowUpAction, SurveyCampaign
from tests.customers.factories import BusinessUnitFactory, ContactFactory
from tests.relationships.factories import (
    EscalationFactory,
    FollowUpActionFactory,
    InteractionFactory,
    SurveyResponseFactory,
)
from tests.services.factories import AgreementFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


def test_dashboard_is_named_and_at_its_address():
    assert reverse("relationships:dashboard") == URL


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_business_contact_is_sent_to_the_portal(client, purchaser_a):
    client.force_login(purchaser_a.user)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_overdue_actions_count_her_portfolio_and_her_own_elsewhere_once(client, rm, other_rm, unit_a, unit_b):
    late = timezone.localdate() - datetime.timedelta(days=2)
    FollowUpActionFactory(unit=unit_a, owner=rm, due_on=late)  # hers, in her portfolio
    FollowUpActionFactory(unit=unit_a, owner=other_rm, due_on=late)  # a colleague's, in her portfolio
    FollowUpActionFactory(unit=unit_b, owner=rm, due_on=late)  # hers, in a colleague's unit
    FollowUpActionFactory(unit=unit_b, owner=other_rm, due_on=late)  # neither
    FollowUpActionFactory(unit=unit_a, owner=rm, due_on=late, status="done")
    FollowUpActionFactory(unit=unit_a, owner=rm, due_on=timezone.localdate())  # due today: not late
    client.force_login(rm)
    assert client.get(URL).context["overdue_count"] == 3


def test_rm_sees_own_portfolio_with_health_and_reasons(client, rm, unit_a, unit_b):
    client.force_login(rm)
    response = client.get(URL)
    assert response.status_code == 200
    names = [unit.name for unit in response.context["portfolio_shown"]]
    assert "Accounts Payable" in names
    assert "Sales Operations" not in names  # other_rm's unit
    html = response.content.decode()
    assert "health-" in html
    assert "No interaction logged yet." in html


def test_dashboard_shows_escalations_overdue_actions_reviews_and_budget_gaps(client, rm, unit_a, division):
    EscalationFactory(unit=unit_a, subject="Printers down", level=2)
    FollowUpActionFactory(
        unit=unit_a,
        owner=rm,
        title="Call back Carla",
        due_on=timezone.localdate() - datetime.timedelta(days=3),
    )
    # An action just agreed shows too, after the overdue one; a done one does not.
    FollowUpActionFactory(unit=unit_a, owner=rm, title="Send the minutes")
    FollowUpActionFactory(unit=unit_a, owner=rm, title="Book the room", status="done")
    AgreementFactory(unit=unit_a, title="Finance SLA", status="draft", next_review_on=timezone.localdate())
    client.force_login(rm)
    response = client.get(URL)
    ctx = response.context
    assert ctx["open_escalation_count"] == 1
    assert [count for _level, _label, count in ctx["escalations_by_level"]] == [0, 1, 0]
    assert [a.title for a in ctx["open_actions"]] == ["Call back Carla", "Send the minutes"]
    assert ctx["overdue_count"] == 1
    # Finance holds a budget and nobody decides for it (customer_a not created here).
    assert division in ctx["gaps"]
    html = response.content.decode()
    assert "Printers down" in html and "Call back Carla" in html
    action = FollowUpAction.objects.get(title="Send the minutes")
    assert f'href="{reverse("relationships:action-detail", args=[action.pk])}"' in html


def test_satisfaction_trend_uses_closed_campaigns_only(client, rm, unit_a):
    closed = SurveyResponseFactory(
        invitation__contact=ContactFactory(unit=unit_a),
        overall_satisfaction=4,
        invitation__campaign__name="Spring",
    ).campaign
    SurveyCampaign.objects.filter(pk=closed.pk).update(status=SurveyCampaign.Status.CLOSED)
    SurveyResponseFactory(
        invitation__contact=ContactFactory(unit=unit_a), invitation__campaign__name="Open round"
    )
    client.force_login(rm)
    trend = client.get(URL).context["trend"]
    # The axis says when (short, so labels do not overlap); the tooltip says which campaign.
    assert trend["titles"] == ["Spring"]
    assert trend["labels"] == [timezone.localtime(closed.opens_at).strftime("%b %Y")]
    assert trend["datasets"][0]["data"] == [4.0]


def test_it_manager_sees_everyone_and_filters_by_rm(client, it_manager, rm, other_rm, unit_a, unit_b):
    client.force_login(it_manager)
    everyone = {u.name for u in client.get(URL).context["portfolio_shown"]}
    assert {"Accounts Payable", "Sales Operations"} <= everyone
    only_other = {u.name for u in client.get(URL, {"rm": other_rm.pk}).context["portfolio_shown"]}
    assert only_other == {"Sales Operations"}
    assert client.get(URL, {"rm": "nonsense"}).status_code == 200


def _portfolio(rm, n):
    root = BusinessUnitFactory(relationship_manager=rm, kind="division", has_budget=True)
    for i in range(n - 1):
        unit = BusinessUnitFactory(parent=root, relationship_manager=rm)
        InteractionFactory(unit=unit)
        EscalationFactory(unit=unit, level=1 + i % 3)
        FollowUpActionFactory(unit=unit, owner=rm, due_on=timezone.localdate() - datetime.timedelta(days=1))
        AgreementFactory(unit=unit, next_review_on=timezone.localdate(), status="draft")


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in ctx.captured_queries]


def test_dashboard_queries_do_not_grow_with_the_portfolio(client, rm, django_assert_num_queries):
    client.force_login(rm)
    _portfolio(rm, 10)
    small = _queries(client, URL)
    _portfolio(rm, 90)
    # session, user, groups, user permissions, group permissions (roles); the portfolio
    # (names and paths), the units below it, its five summaries, the shown units in full;
    # escalations per level, first open escalations, overdue count (the portfolio's and her
    # own elsewhere), open actions due first, agreement reviews, budget gaps, satisfaction
    # trend; what waits for her (for the page and the navigation's count alike):
    # escalations (four), orders, overdue actions.
    with django_assert_num_queries(27):
        response = client.get(URL)
    assert len(response.context["portfolio"]) == 100
    assert len(response.context["portfolio_shown"]) == 25
    assert "75 healthier units not shown" in response.content.decode()
    assert len(small) == 27


def test_new_relationship_manager_gets_helpful_empty_states(client, rm):
    client.force_login(rm)
    html = client.get(URL).content.decode()
    assert "No business units in this portfolio yet." in html
    assert "No closed survey campaigns yet." in html
    assert "No open follow-up actions." in html
    assert "No agreement needs a review in the next 60 days." in html
