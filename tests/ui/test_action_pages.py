"""The action page: where an action came from, its history and the buttons to change it;
titles that lead to it; Done in one click, with Undo."""

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from relationships.models import FollowUpAction
from tests.customers.factories import ContactFactory
from tests.relationships.factories import (
    EscalationFactory,
    FollowUpActionFactory,
    InteractionFactory,
    SurveyResponseFactory,
)
from tests.services.factories import AgreementFactory

pytestmark = pytest.mark.django_db

Status = FollowUpAction.Status


def detail(action):
    return reverse("relationships:action-detail", args=[action.pk])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            lambda u: {"interaction": InteractionFactory(unit=u, subject="Budget talk", kind="call")},
            ["Agreed in the call of", "Budget talk", "/interactions/"],
        ),
        (
            lambda u: {
                "survey_response": SurveyResponseFactory(
                    invitation__contact=ContactFactory(unit=u, first_name="Mila", last_name="Hoek"),
                    invitation__campaign__name="Autumn survey",
                    overall_satisfaction=2,
                    recommend_score=3,
                    comment="Too slow",
                )
            },
            ["A poor survey answer", "Mila Hoek", "2/5", "3/10", "Autumn survey", "Too slow", "/surveys/"],
        ),
        (
            lambda u: {"escalation": EscalationFactory(unit=u, subject="Payments stuck", level=2)},
            ["To settle an escalation", "at level 2", "Payments stuck", "/escalations/"],
        ),
        (
            lambda u: {"agreement": AgreementFactory(unit=u, title="Finance SLA")},
            ["From the review of an agreement", "Finance SLA", "/catalogue/agreements/"],
        ),
        (lambda u: {}, ["Added on its own"]),
    ],
    ids=["interaction", "survey-answer", "escalation", "review", "none"],
)
def test_the_action_page_says_where_it_came_from(rm_client, rm, unit_a, source, expected):
    action = FollowUpActionFactory(unit=unit_a, owner=rm, title="Call Carla back", **source(unit_a))

    response = rm_client.get(detail(action))

    assert response.status_code == 200
    html = response.content.decode()
    source_html = html[html.index('data-testid="action-source"') :]
    for text in expected:
        assert text in source_html
    for text in ("Call Carla back", "Accounts Payable", "Rita Manager", 'id="history"'):
        assert text in html
    assert reverse("relationships:action-edit", args=[action.pk]) in html
    assert 'value="done"' in html


def test_the_action_page_costs_the_same_whatever_its_source(rm_client, rm, unit_a, django_assert_num_queries):
    response = SurveyResponseFactory(invitation__contact=ContactFactory(unit=unit_a))
    action = FollowUpActionFactory(
        unit=unit_a,
        owner=rm,
        interaction=InteractionFactory(unit=unit_a),
        escalation=EscalationFactory(unit=unit_a),
        agreement=AgreementFactory(unit=unit_a),
        survey_response=response,
    )
    # session, user, the action with its unit, owner and every source joined in, the
    # history rows with their users; what waits for the viewer (the navigation's count): their
    # groups, then escalations at their levels, orders and overdue actions counted.
    with django_assert_num_queries(8):
        assert rm_client.get(detail(action)).status_code == 200


def test_others_read_the_action_but_get_no_buttons(client, other_rm, rm, unit_a):
    action = FollowUpActionFactory(unit=unit_a, owner=rm)
    client.force_login(other_rm)

    html = client.get(detail(action)).content.decode()

    assert "Only its owner or the relationship manager of Accounts Payable may change" in html
    assert 'value="done"' not in html
    assert reverse("relationships:action-edit", args=[action.pk]) not in html


def test_an_unknown_action_is_a_404_and_business_users_go_to_the_portal(client, rm, unit_a, purchaser_a):
    client.force_login(rm)
    assert client.get(reverse("relationships:action-detail", args=[999999])).status_code == 404
    client.force_login(purchaser_a.user)
    action = FollowUpActionFactory(unit=unit_a, owner=rm)
    assert client.get(detail(action))["Location"] == reverse("portal:home")


def test_titles_lead_to_the_action_page(rm_client, rm, unit_a):
    interaction = InteractionFactory(unit=unit_a)
    action = FollowUpActionFactory(unit=unit_a, owner=rm, interaction=interaction)
    link = f'href="{detail(action)}"'

    for url in (
        reverse("relationships:action-list"),
        reverse("relationships:dashboard"),
        reverse("customers:unit-detail", args=[unit_a.pk]),
        reverse("relationships:interaction-detail", args=[interaction.pk]),
    ):
        assert link in rm_client.get(url).content.decode(), url


def test_done_from_the_page_offers_undo_and_undo_reopens(rm_client, rm, unit_a):
    action = FollowUpActionFactory(unit=unit_a, owner=rm, title="Send the minutes")

    response = rm_client.post(
        reverse("relationships:action-status", args=[action.pk]), {"status": "done", "next": detail(action)}
    )

    assert response["Location"] == detail(action)
    action.refresh_from_db()
    assert action.status == Status.DONE
    page = rm_client.get(detail(action)).content.decode()
    assert "“Send the minutes” is now done." in page
    undo = reverse("relationships:action-reopen", args=[action.pk])
    assert re.search(rf'<form method="post" action="{undo}"[^>]*>.*?Undo</button>', page, re.S)
    assert "Reopen" in page  # a done action can be reopened from its page, later too

    response = rm_client.post(undo, {"next": detail(action)})

    assert response["Location"] == detail(action)
    action.refresh_from_db()
    assert (action.status, action.completed_at) == (Status.OPEN, None)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["“Send the minutes” is open again."]
    assert [h.history_user for h in action.history.order_by("history_date")][1:] == [rm, rm]


def test_done_in_the_list_swaps_the_row_for_one_with_undo(rm_client, rm, unit_a):
    action = FollowUpActionFactory(unit=unit_a, owner=rm)
    status_url = reverse("relationships:action-status", args=[action.pk])
    reopen_url = reverse("relationships:action-reopen", args=[action.pk])

    row = rm_client.post(status_url, {"status": "done"}, HTTP_HX_REQUEST="true").content.decode()

    assert f'hx-post="{reopen_url}"' in row and "Undo" in row
    row = rm_client.post(reopen_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Open" in row and 'value="done"' in row
    action.refresh_from_db()
    assert action.status == Status.OPEN


def test_someone_else_cannot_undo(client, other_rm, rm, unit_a):
    action = FollowUpActionFactory(unit=unit_a, owner=rm, status=Status.DONE)
    client.force_login(other_rm)

    response = client.post(reverse("relationships:action-reopen", args=[action.pk]), follow=True)

    assert "Only the owner of this action" in response.content.decode()
    action.refresh_from_db()
    assert action.status == Status.DONE


def test_reopen_is_a_post(rm_client, rm, unit_a):
    action = FollowUpActionFactory(unit=unit_a, owner=rm, status=Status.DONE)
    assert rm_client.get(reverse("relationships:action-reopen", args=[action.pk])).status_code == 405


def test_the_edit_page_history_is_titled_by_the_action_and_saving_returns_to_it(rm_client, rm, unit_a):
    action = FollowUpActionFactory(unit=unit_a, owner=rm, title="Call Carla back")
    url = reverse("relationships:action-edit", args=[action.pk])

    html = rm_client.get(url).content.decode()

    heading = re.search(r'<h2 id="history-h"[^>]*>(.*?)</h2>', html, re.S).group(1)
    assert "History of Call Carla back" in heading and "Edit" not in heading
    response = rm_client.post(
        url, {"title": "Call Carla twice", "owner": rm.pk, "due_on": action.due_on.isoformat()}
    )
    assert response["Location"] == detail(action)
