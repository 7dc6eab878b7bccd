"""An order (a subscription in *Requested*) waits for IT: the unit's relationship manager,
IT management or the service's owner fulfils it or refuses it with a reason. Who decided,
when and why is kept; whoever must act hears of the order, and the orderer of the outcome."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from services.models import Subscription
from services.services import subscription_fulfil, subscription_order, subscription_refuse
from tests.customers.factories import BusinessUnitFactory
from tests.services.factories import ServiceFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return ServiceFactory(name="Expense app", code="expenses")


@pytest.fixture
def order(unit_a, purchaser_a, service, django_capture_on_commit_callbacks):
    """Piet orders the expense app for Accounts Payable (Rita's unit)."""
    with django_capture_on_commit_callbacks(execute=True):
        placed = subscription_order(
            unit=unit_a, service=service, by=purchaser_a.user, quantity=4, notes="For the team"
        )
    return placed


def _mails_to(address):
    return [message for message in mail.outbox if address in message.to]


def test_an_order_waits_and_its_relationship_manager_is_mailed(order, rm, purchaser_a):
    assert order.status == Subscription.Status.REQUESTED
    assert (order.decided_by, order.decided_at, order.refusal_reason) == (None, None, "")
    [waiting] = _mails_to(rm.email)
    assert waiting.subject == "Order to fulfil: Expense app for Accounts Payable"
    assert "Piet Purchaser ordered a service for Accounts Payable" in waiting.body
    assert reverse("services:subscription-detail", args=[order.pk]) in waiting.body
    assert reverse("services:order-queue") in waiting.body
    assert "Expense app" in waiting.alternatives[0][0]
    assert _mails_to(purchaser_a.email) == []


def test_an_order_of_a_unit_without_manager_goes_to_it_management(
    division, it_manager, service, django_capture_on_commit_callbacks
):
    from customers.models import Contact
    from tests.customers.factories import ContactFactory, UserFactory

    orphan = BusinessUnitFactory(name="Treasury", parent=division, relationship_manager=None)
    buyer = ContactFactory(unit=orphan, user=UserFactory(), role=Contact.Role.PURCHASER)
    with django_capture_on_commit_callbacks(execute=True):
        subscription_order(unit=orphan, service=service, by=buyer.user)
    assert [m.to for m in mail.outbox] == [[it_manager.email]]


def test_staff_ordering_for_their_own_unit_are_not_mailed_about_it(
    unit_a, rm, service, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        subscription_order(unit=unit_a, service=service, by=rm)
    assert mail.outbox == []


def test_staff_order_only_for_units_they_may_edit(unit_a, other_rm, service):
    with pytest.raises(DomainPermissionError, match="not in your portfolio"):
        subscription_order(unit=unit_a, service=service, by=other_rm)


def test_the_relationship_manager_fulfils_and_the_orderer_hears(
    order, rm, purchaser_a, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        fulfilled = subscription_fulfil(subscription=order, by=rm)
    order.refresh_from_db()
    assert order.status == Subscription.Status.ACTIVE
    assert order.started_on == timezone.localdate()
    assert order.decided_by == rm and order.decided_at >= before
    assert fulfilled.pk == order.pk
    # The audit history keeps the decision with the row.
    latest = order.history.order_by("-history_date").first()
    assert (latest.status, latest.decided_by_id) == ("active", rm.pk)
    [outcome] = mail.outbox
    assert outcome.to == [purchaser_a.email]
    assert outcome.subject == "Your order is ready: Expense app for Accounts Payable"
    assert "is fulfilled: you can use it from" in outcome.body
    assert "Decided by Rita Manager (IT)" in outcome.body
    assert "/portal/#orders" in outcome.body
    assert "Rita Manager" in outcome.alternatives[0][0]


def test_a_refusal_needs_a_reason_and_the_orderer_reads_it(
    order, rm, purchaser_a, service, unit_a, django_capture_on_commit_callbacks
):
    with pytest.raises(DomainError, match="Say why") as error:
        subscription_refuse(subscription=order, by=rm, reason="   ")
    assert error.value.field == "reason"
    order.refresh_from_db()
    assert order.status == Subscription.Status.REQUESTED

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        subscription_refuse(subscription=order, by=rm, reason="  Use the ERP's expense module.  ")
    order.refresh_from_db()
    assert (order.status, order.refusal_reason, order.decided_by) == (
        Subscription.Status.REFUSED,
        "Use the ERP's expense module.",
        rm,
    )
    [outcome] = mail.outbox
    assert outcome.to == [purchaser_a.email]
    assert outcome.subject == "Your order was refused: Expense app for Accounts Payable"
    assert "Reason given: Use the ERP's expense module." in outcome.body
    assert "refused" in outcome.alternatives[0][0]
    # Refused is not in use: the unit may order it again.
    again = subscription_order(unit=unit_a, service=service, by=purchaser_a.user)
    assert again.status == Subscription.Status.REQUESTED


@pytest.mark.parametrize("actor", ["rm", "it_manager", "steering_member", "owner"])
def test_who_may_fulfil(actor, order, request, service):
    by = service.owner if actor == "owner" else request.getfixturevalue(actor)
    assert subscription_fulfil(subscription=order, by=by).status == Subscription.Status.ACTIVE


@pytest.mark.parametrize("actor", ["other_rm", "purchaser_a", "customer_a"])
def test_who_may_not_decide_an_order(actor, order, request):
    person = request.getfixturevalue(actor)
    user = getattr(person, "user", person)
    with pytest.raises(DomainPermissionError, match="Only the relationship manager of Accounts Payable"):
        subscription_fulfil(subscription=order, by=user)
    with pytest.raises(DomainPermissionError):
        subscription_refuse(subscription=order, by=user, reason="No.")
    order.refresh_from_db()
    assert (order.status, order.decided_by) == (Subscription.Status.REQUESTED, None)


def test_an_order_is_decided_once(order, rm, it_manager):
    subscription_fulfil(subscription=order, by=rm)
    with pytest.raises(DomainError, match="no longer waiting: it is active"):
        subscription_refuse(subscription=order, by=it_manager, reason="Too late")
    with pytest.raises(DomainError, match="no longer waiting"):
        subscription_fulfil(subscription=order, by=it_manager)
    order.refresh_from_db()
    assert order.decided_by == rm


def test_a_service_cannot_start_before_it_was_ordered(order, rm):
    with pytest.raises(DomainError, match="cannot start before it was ordered") as error:
        subscription_fulfil(subscription=order, by=rm, on=timezone.localdate() - datetime.timedelta(days=1))
    assert error.value.field == "on"
    later = timezone.localdate() + datetime.timedelta(days=7)
    assert subscription_fulfil(subscription=order, by=rm, on=later).started_on == later


def test_a_subscription_in_use_is_not_an_order(unit_a, rm):
    in_use = SubscriptionFactory(unit=unit_a)
    with pytest.raises(DomainError, match="no longer waiting"):
        subscription_fulfil(subscription=in_use, by=rm)


def test_an_order_may_name_the_agreement_of_a_unit_above_but_not_of_another_branch(
    unit_a, division, unit_b, purchaser_a, service
):
    """A division's agreement covers its departments (services.selectors.covering_agreement),
    so a department orders under it; another branch's agreement is refused at its field."""
    from tests.services.factories import AgreementFactory

    under_division = subscription_order(
        unit=unit_a, service=service, by=purchaser_a.user, agreement=AgreementFactory(unit=division)
    )
    assert under_division.agreement.unit == division

    with pytest.raises(DomainError) as refused:
        subscription_order(
            unit=unit_a,
            service=ServiceFactory(code="other"),
            by=purchaser_a.user,
            agreement=AgreementFactory(unit=unit_b),
        )
    assert refused.value.field == "agreement"
