"""Dates that cannot be: a follow-up action due in the past, a requirement wanted by a day
gone by. Each rule is in one service; the staff pages, the portal and the API show its
message next to the field, and nothing is saved."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.domain import DomainError
from relationships import services
from relationships.models import FollowUpAction, Interaction, Requirement
from tests.relationships.factories import FollowUpActionFactory, RequirementFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.date(2001, 3, 1)


def today():
    return timezone.localdate()


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- Follow-up actions -----------------------------------------------------------------


def test_a_new_action_is_not_due_in_the_past(rm, unit_a):
    with pytest.raises(DomainError, match="cannot be in the past") as error:
        services.action_create(unit=unit_a, by=rm, title="Call back", owner=rm, due_on=LONG_AGO)
    assert error.value.field == "due_on"
    yesterday = today() - datetime.timedelta(days=1)
    with pytest.raises(DomainError, match="cannot be in the past"):
        services.action_create(unit=unit_a, by=rm, title="Call back", owner=rm, due_on=yesterday)
    assert not FollowUpAction.objects.exists()
    assert services.action_create(unit=unit_a, by=rm, title="Call back", owner=rm, due_on=today())


def test_an_overdue_action_keeps_its_date_but_cannot_be_moved_into_the_past(rm, unit_a):
    overdue = FollowUpActionFactory(unit=unit_a, owner=rm, due_on=today() - datetime.timedelta(days=4))
    services.action_update(action=overdue, by=rm, title="Renamed", owner=rm, due_on=overdue.due_on)
    assert FollowUpAction.objects.get(pk=overdue.pk).title == "Renamed"

    with pytest.raises(DomainError, match="cannot be in the past") as error:
        services.action_update(action=overdue, by=rm, title="Renamed", owner=rm, due_on=LONG_AGO)
    assert error.value.field == "due_on"
    assert FollowUpAction.objects.get(pk=overdue.pk).due_on == today() - datetime.timedelta(days=4)


def test_a_job_may_open_an_action_for_a_review_already_due(rm, unit_a):
    # The portal itself (by=None) records when the review was due, even if that has passed.
    last_week = today() - datetime.timedelta(days=7)
    action = services.action_create(unit=unit_a, by=None, title="Review", owner=rm, due_on=last_week)
    assert action.due_on == last_week


def test_the_staff_form_says_it_at_the_due_date(client, rm, unit_a):
    client.force_login(rm)
    response = client.post(
        reverse("relationships:action-create"),
        {"unit": unit_a.pk, "title": "Call back", "owner": rm.pk, "due_on": "2001-03-01", "description": ""},
    )
    assert response.context["form"].errors["due_on"] == ["A due date cannot be in the past."]
    assert not FollowUpAction.objects.exists()


def test_the_staff_edit_form_refuses_moving_it_into_the_past(client, rm, unit_a):
    action = FollowUpActionFactory(unit=unit_a, owner=rm)
    client.force_login(rm)
    response = client.post(
        reverse("relationships:action-edit", args=[action.pk]),
        {"title": action.title, "owner": rm.pk, "due_on": "2001-03-01", "description": ""},
    )
    assert response.context["form"].errors["due_on"] == ["A due date cannot be in the past."]
    assert FollowUpAction.objects.get(pk=action.pk).due_on == action.due_on


def test_the_quick_log_says_it_at_the_row(client, rm, unit_a):
    client.force_login(rm)
    response = client.post(
        reverse("relationships:interaction-log", args=[unit_a.pk]),
        {
            "kind": "meeting",
            "subject": "Backlog",
            "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "sentiment": "neutral",
            "action_0_title": "Call back",
            "action_0_owner": rm.pk,
            "action_0_due": "2001-03-01",
        },
    )
    assert response.context["form"].errors["action_0_due"] == ["A due date cannot be in the past."]
    assert not Interaction.objects.exists()


def test_the_api_answers_400_at_the_field(rm, unit_a):
    response = api(rm).post(
        "/api/v1/actions/",
        {"unit": unit_a.pk, "title": "Call back", "owner": rm.pk, "due_on": "2001-03-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["due_on"] == ["A due date cannot be in the past."]
    response = api(rm).post(
        "/api/v1/interactions/",
        {
            "unit": unit_a.pk,
            "kind": "call",
            "subject": "Backlog",
            "occurred_at": timezone.now().isoformat(),
            "actions": [{"title": "Call back", "owner": rm.pk, "due_on": "2001-03-01"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["actions"] == ["Action 1: A due date cannot be in the past."]
    assert not FollowUpAction.objects.exists() and not Interaction.objects.exists()


def test_patching_an_action_with_its_own_status_changes_nothing(rm, unit_a):
    done = FollowUpActionFactory(
        unit=unit_a, owner=rm, status=FollowUpAction.Status.DONE, completed_at=timezone.now()
    )
    completed_at = FollowUpAction.objects.get(pk=done.pk).completed_at
    response = api(rm).patch(f"/api/v1/actions/{done.pk}/", {"status": "done"}, format="json")
    assert response.status_code == 200
    assert FollowUpAction.objects.get(pk=done.pk).completed_at == completed_at


# --- Requirements ----------------------------------------------------------------------


def test_a_requirement_is_not_wanted_by_a_past_date(rm, unit_a):
    with pytest.raises(DomainError, match="cannot be in the past") as error:
        services.requirement_prepare(unit=unit_a, by=rm, title="X", description="Y", desired_by=LONG_AGO)
    assert error.value.field == "desired_by"
    assert not Requirement.objects.exists()


def test_a_draft_whose_wanted_by_date_passed_can_still_be_changed(rm, unit_a):
    passed = today() - datetime.timedelta(days=3)
    draft = RequirementFactory(unit=unit_a, desired_by=passed)
    services.requirement_update(
        requirement=draft, by=rm, title="Clearer title", description="Y", desired_by=passed
    )
    assert Requirement.objects.get(pk=draft.pk).title == "Clearer title"
    with pytest.raises(DomainError, match="cannot be in the past"):
        services.requirement_update(requirement=draft, by=rm, title="X", description="Y", desired_by=LONG_AGO)


def test_the_portal_form_says_it_at_the_field(client, purchaser_a):
    client.force_login(purchaser_a.user)
    response = client.post(
        reverse("portal:requirement-create"),
        {
            "unit": purchaser_a.unit_id,
            "title": "Mobile approvals",
            "kind": "new_service",
            "description": "Approve invoices on the phone.",
            "priority": "medium",
            "desired_by": "2001-03-01",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["desired_by"] == ["The desired date cannot be in the past."]
    assert not Requirement.objects.exists()


def test_the_staff_form_and_the_api_say_it_at_the_field(client, rm, unit_a):
    client.force_login(rm)
    response = client.post(
        reverse("relationships:requirement-create"),
        {
            "unit": unit_a.pk,
            "title": "Mobile approvals",
            "description": "Approve invoices on the phone.",
            "kind": "new_service",
            "priority": "medium",
            "desired_by": "2001-03-01",
        },
    )
    assert response.context["form"].errors["desired_by"] == ["The desired date cannot be in the past."]
    response = api(rm).post(
        "/api/v1/requirements/",
        {"unit": unit_a.pk, "title": "X", "description": "Y", "desired_by": "2001-03-01"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["desired_by"] == ["The desired date cannot be in the past."]
    assert not Requirement.objects.exists()
