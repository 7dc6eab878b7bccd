"""Follow-up actions: who may change them, and taking a done one up again (the Undo of Done)."""

import pytest
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from relationships.models import FollowUpAction
from relationships.services import (
    action_is_changeable_by,
    action_reopen,
    action_set_status,
    action_update,
)
from tests.customers.factories import StaffFactory
from tests.relationships.factories import FollowUpActionFactory

pytestmark = pytest.mark.django_db

Status = FollowUpAction.Status


@pytest.fixture
def owner(db):
    """A colleague who owns an action on rm's unit without managing the unit."""
    return StaffFactory(username="owen", first_name="Owen", last_name="Owner")


@pytest.fixture
def action(unit_a, owner):
    return FollowUpActionFactory(unit=unit_a, owner=owner, title="Send the minutes")


def test_who_may_change_an_action(action, owner, rm, other_rm, it_manager, purchaser_a):
    # The owner, the unit's relationship manager, IT management (wider rights); not a
    # manager of another portfolio, nor the business.
    assert action_is_changeable_by(user=owner, action=action)
    assert action_is_changeable_by(user=rm, action=action)
    assert action_is_changeable_by(user=it_manager, action=action)
    assert not action_is_changeable_by(user=other_rm, action=action)
    assert not action_is_changeable_by(user=purchaser_a.user, action=action)


def test_undo_of_done_goes_back_to_open_and_is_a_history_row(action, owner):
    action_set_status(action=action, by=owner, status=Status.DONE)
    assert action.completed_at is not None

    action_reopen(action=action, by=owner)

    action.refresh_from_db()
    assert (action.status, action.completed_at) == (Status.OPEN, None)
    statuses = list(action.history.order_by("history_date", "history_id").values_list("status", flat=True))
    assert statuses == [Status.OPEN, Status.DONE, Status.OPEN]
    assert action.history.latest("history_date").history_user is None  # no request: the service alone


def test_undo_restores_in_progress_when_it_was_in_progress(action, owner):
    action_set_status(action=action, by=owner, status=Status.IN_PROGRESS)
    action_set_status(action=action, by=owner, status=Status.DONE)

    action_reopen(action=action, by=owner)

    assert action.status == Status.IN_PROGRESS
    action_set_status(action=action, by=owner, status=Status.CANCELLED)
    assert action_reopen(action=action, by=owner).status == Status.IN_PROGRESS


def test_an_open_action_cannot_be_reopened(action, owner):
    with pytest.raises(DomainError, match="open already"):
        action_reopen(action=action, by=owner)
    assert action.history.count() == 1


def test_reopening_follows_the_rule_of_changing(action, owner, other_rm, it_manager):
    action_set_status(action=action, by=owner, status=Status.DONE)
    with pytest.raises(DomainPermissionError, match="Only the owner of this action"):
        action_reopen(action=action, by=other_rm)
    action.refresh_from_db()
    assert action.status == Status.DONE

    action_reopen(action=action, by=it_manager)
    assert action.status == Status.OPEN


def test_status_and_content_changes_share_the_rule(action, other_rm):
    with pytest.raises(DomainPermissionError):
        action_set_status(action=action, by=other_rm, status=Status.DONE)
    with pytest.raises(DomainPermissionError):
        action_update(action=action, by=other_rm, title="x", owner=other_rm, due_on=timezone.localdate())


def test_the_api_reopens_through_the_same_service(action, owner, other_rm):
    from rest_framework.test import APIClient

    action_set_status(action=action, by=owner, status=Status.DONE)
    outsider, client = APIClient(), APIClient()
    outsider.force_authenticate(other_rm)
    client.force_authenticate(owner)
    url = f"/api/v1/actions/{action.pk}/reopen/"

    refused = outsider.post(url)
    assert refused.status_code == 403 and "Only the owner of this action" in str(refused.json())
    response = client.post(url)
    assert response.status_code == 200 and response.json()["status"] == Status.OPEN
    again = client.post(url)
    assert again.status_code == 400 and "open already" in str(again.json())
