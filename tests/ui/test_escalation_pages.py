"""Escalation pages: one history (the steps of the route, with the audit rows folded in),
the top of the route asked of the model, and the board filtered by level."""

import re

import pytest
from django.urls import reverse

from relationships.models import Escalation
from relationships.selectors import escalation_history
from relationships.services import (
    escalation_acknowledge,
    escalation_comment,
    escalation_escalate,
    escalation_raise,
)
from tests.relationships.factories import EscalationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def climbed(unit_a, purchaser_a, rm, other_rm):
    """Raised by the business, acknowledged and escalated by hand by rm; between the two
    steps other_rm corrected its subject (a change no step explains)."""
    escalation = escalation_raise(
        unit=unit_a,
        by=purchaser_a.user,
        subject="Invoices stuck",
        description="Since Monday",
        severity="high",
    )
    escalation_acknowledge(escalation=escalation, by=rm)
    escalation.subject = "Invoices stuck in the ERP queue"
    escalation._history_user = other_rm
    escalation.save()
    escalation_escalate(escalation=escalation, by=rm, note="Needs a vendor fix")
    return escalation


def test_the_history_is_the_steps_with_only_the_changes_no_step_explains(climbed, rm):
    lines = escalation_history(escalation=climbed, viewer=rm)

    steps = [line.event.kind if line.event else "changed" for line in lines]
    assert steps == ["raised", "acknowledged", "changed", "escalated"]
    [change] = [line.change for line in lines if line.change]
    assert [(c.label, c.old, c.new) for c in change.changes] == [
        ("Subject", "Invoices stuck", "Invoices stuck in the ERP queue")
    ]
    assert change.actor == "Otto Other"


def test_the_history_costs_two_queries_however_long_it_is(climbed, rm, it_manager, django_assert_num_queries):
    for n in range(20):
        escalation_comment(escalation=climbed, by=it_manager, note=f"Update {n}")
        climbed.description = f"Since Monday, update {n}"
        climbed.save()
    # the steps with their actors, the audit rows with their users
    with django_assert_num_queries(2):
        lines = escalation_history(escalation=climbed, viewer=rm)
    assert len(lines) == 4 + 20 + 20


def test_a_level_set_without_a_step_shows_as_a_change(unit_a, rm):
    escalation = EscalationFactory(unit=unit_a)  # no events: made outside the services
    escalation.level = 2
    escalation.save()

    [created, changed] = [line.change for line in escalation_history(escalation=escalation, viewer=rm)]

    assert created.kind == "created"
    assert [(c.field, c.new) for c in changed.changes] == [("level", "2 — IT management")]


def _history_headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)]


def test_the_staff_page_shows_one_history(client, climbed, rm):
    client.force_login(rm)

    html = client.get(reverse("relationships:escalation-detail", args=[climbed.pk])).content.decode()

    headings = _history_headings(html)
    assert "History" in headings and "Changes" not in headings
    assert html.count('id="history"') == 1
    history = html[html.index('id="history"') : html.index("</ol>", html.index('id="history"'))]
    for text in (
        "Raised",
        "Acknowledged",
        "Escalated by hand: level 1 → 2",
        "Needs a vendor fix",
        "Otto Other",
    ):
        assert text in history
    assert history.count("bi-pencil") == 1  # the subject's correction; the steps' own saves are folded


def test_the_portal_page_shows_one_history(client, climbed, purchaser_a):
    client.force_login(purchaser_a.user)

    html = client.get(reverse("portal:escalation-detail", args=[climbed.pk])).content.decode()

    headings = _history_headings(html)
    assert "History" in headings and "Changes" not in headings
    history = html[html.index('id="history"') : html.index("</ul>", html.index('id="history"'))]
    assert "Escalated by hand" in history and "Invoices stuck in the ERP queue" in history
    assert "Otto Other (IT)" in history


@pytest.mark.parametrize(
    ("level", "status", "can_escalate", "next_level"),
    [
        (1, "open", True, 2),
        (2, "acknowledged", True, 3),
        (3, "open", False, None),
        (1, "resolved", False, 2),
        (2, "closed", False, 3),
    ],
)
def test_whether_an_escalation_can_climb_is_the_models(level, status, can_escalate, next_level):
    escalation = Escalation(level=level, status=status)
    assert (escalation.can_escalate, escalation.next_level) == (can_escalate, next_level)


def test_the_escalate_button_names_the_next_level_and_is_gone_at_the_top(client, unit_a, steering_member):
    at_two = EscalationFactory(unit=unit_a, level=2)
    at_top = EscalationFactory(unit=unit_a, level=3)
    client.force_login(steering_member)

    assert "Escalate to level 3" in client.get(f"/escalations/{at_two.pk}/").content.decode()
    assert 'value="escalate"' not in client.get(f"/escalations/{at_top.pk}/").content.decode()
    board = client.get(reverse("relationships:escalation-board")).content.decode()
    # The board links to the page, where the reason is written (escalating needs one).
    assert board.count("Escalate…") == 1


def test_the_board_shows_one_level_when_asked(client, unit_a, it_manager):
    EscalationFactory(unit=unit_a, subject="At level one", level=1)
    EscalationFactory(unit=unit_a, subject="Waiting for IT management", level=2)
    client.force_login(it_manager)
    url = reverse("relationships:escalation-board")

    response = client.get(url, {"level": 2})

    assert [(level, [e.subject for e in cards]) for level, _label, cards in response.context["board"]] == [
        (2, ["Waiting for IT management"])
    ]
    assert "At level one" not in response.content.decode()
    everything = client.get(url, {"level": "9"}).context["board"]  # not a level: the whole board
    assert [level for level, _label, _cards in everything] == [1, 2, 3]
