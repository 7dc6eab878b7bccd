"""What waits for each person (relationships.selectors_waiting): escalations at their level,
decisions, orders, their overdue actions; in a fixed number of queries."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Contact
from relationships.models import Escalation
from relationships.selectors_waiting import SHOWN, waiting_count_for, waiting_for
from services.models import Subscription
from tests.customers.factories import BusinessUnitFactory, ContactFactory, UserFactory
from tests.relationships.factories import EscalationFactory, FollowUpActionFactory, RequirementFactory
from tests.services.factories import SubscriptionFactory

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def route(unit_a, unit_b):
    """One open escalation per level in Rita's unit A, one at level 1 in Otto's unit B."""
    now = timezone.now()
    return {
        1: EscalationFactory(unit=unit_a, level=1, subject="L1 A", respond_by=now + HOUR),
        2: EscalationFactory(unit=unit_a, level=2, subject="L2 A", respond_by=now + HOUR),
        3: EscalationFactory(unit=unit_a, level=3, subject="L3 A past", respond_by=now - 5 * HOUR),
        "b": EscalationFactory(unit=unit_b, level=1, subject="L1 B", respond_by=now + HOUR),
        "closed": EscalationFactory(unit=unit_a, level=3, status=Escalation.Status.RESOLVED),
    }


def _subjects(waiting):
    return [e.subject for e in waiting.escalations]


def test_each_level_sees_its_own_escalations(route, rm, other_rm, it_manager, steering_member):
    assert _subjects(waiting_for(user=rm)) == ["L1 A"]
    assert _subjects(waiting_for(user=other_rm)) == ["L1 B"]
    assert _subjects(waiting_for(user=it_manager)) == ["L2 A"]
    steering = waiting_for(user=steering_member)
    assert _subjects(steering) == ["L3 A past"]
    # Past the top level's deadline: it climbs no further, and shows as overdue.
    assert steering.escalations[0].is_overdue
    assert steering.overdue == 1
    assert waiting_for(user=it_manager).escalations[0].is_overdue is False
    assert waiting_for(user=it_manager).levels == (1, 2)
    assert steering.levels == (1, 3)


def test_an_acknowledged_escalation_still_waits_but_is_not_overdue(unit_a, steering_member):
    EscalationFactory(
        unit=unit_a,
        level=3,
        status=Escalation.Status.ACKNOWLEDGED,
        respond_by=timezone.now() - HOUR,
        subject="Being handled",
    )
    EscalationFactory(unit=unit_a, level=3, respond_by=timezone.now() + HOUR, subject="New")
    waiting = waiting_for(user=steering_member)
    assert _subjects(waiting) == ["New", "Being handled"]  # the unanswered first
    assert [e.is_overdue for e in waiting.escalations] == [False, False]


def test_orders_wait_for_the_manager_the_service_owner_and_it_management(
    unit_a, unit_b, rm, other_rm, it_manager, steering_member
):
    order_a = SubscriptionFactory(unit=unit_a, status=Subscription.Status.REQUESTED, started_on=None)
    order_b = SubscriptionFactory(unit=unit_b, status=Subscription.Status.REQUESTED, started_on=None)
    SubscriptionFactory(unit=unit_a)  # in use: not an order
    assert waiting_for(user=rm).orders == [order_a]
    assert waiting_for(user=other_rm).orders == [order_b]
    assert waiting_for(user=order_b.service.owner).orders == [order_b]
    assert waiting_for(user=it_manager).orders == [order_a, order_b]
    # The steering group may decide an order, but orders are not its work.
    assert waiting_for(user=steering_member).orders == []


def test_only_my_overdue_actions(unit_a, rm, other_rm):
    late = FollowUpActionFactory(
        unit=unit_a, owner=rm, due_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    FollowUpActionFactory(unit=unit_a, owner=rm)  # not due yet
    FollowUpActionFactory(
        unit=unit_a, owner=other_rm, due_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    FollowUpActionFactory(
        unit=unit_a, owner=rm, due_on=timezone.localdate() - datetime.timedelta(days=2), status="done"
    )
    waiting = waiting_for(user=rm)
    assert waiting.actions == [late]
    assert waiting.overdue == 1


def test_the_deciding_customer_sees_what_awaits_their_decision(
    division, unit_a, customer_a, purchaser_a, contact_b, unit_b
):
    mine = RequirementFactory(unit=unit_a, status="submitted", submitted_at=timezone.now(), title="AP")
    RequirementFactory(unit=unit_a, status="draft")
    RequirementFactory(unit=unit_b, status="submitted", submitted_at=timezone.now())
    # A department below Finance with a customer of its own decides for itself.
    treasury = BusinessUnitFactory(name="Treasury", parent=division)
    ContactFactory(unit=treasury, role=Contact.Role.CUSTOMER, user=UserFactory())
    RequirementFactory(unit=treasury, status="submitted", submitted_at=timezone.now())
    below_treasury = BusinessUnitFactory(name="Cash", parent=treasury)
    RequirementFactory(unit=below_treasury, status="submitted", submitted_at=timezone.now())

    waiting = waiting_for(user=customer_a.user)
    assert waiting.decisions == [mine]
    assert waiting.count == 1
    # A purchaser prepares but never decides: nothing waits for him.
    assert waiting_for(user=purchaser_a.user).count == 0
    assert len(waiting_for(user=contact_b.user).decisions) == 1


def test_lists_show_the_first_and_count_them_all(unit_a, rm):
    SubscriptionFactory.create_batch(
        SHOWN + 3, unit=unit_a, status=Subscription.Status.REQUESTED, started_on=None
    )
    waiting = waiting_for(user=rm)
    assert len(waiting.orders) == SHOWN
    assert waiting.totals["orders"] == SHOWN + 3
    assert waiting.more["orders"] == 3
    assert waiting.count == SHOWN + 3


def _rows(unit, customer_unit, n):
    for i in range(n):
        EscalationFactory(unit=unit, level=1 + i % 3, respond_by=timezone.now() - HOUR)
        SubscriptionFactory(unit=unit, status=Subscription.Status.REQUESTED, started_on=None)
        FollowUpActionFactory(unit=unit, due_on=timezone.localdate() - datetime.timedelta(days=1))
        RequirementFactory(unit=customer_unit, status="submitted", submitted_at=timezone.now())


@pytest.mark.parametrize("n", [3, 30])
def test_waiting_reads_a_fixed_number_of_queries(
    n, unit_a, rm, it_manager, customer_a, purchaser_a, django_assert_num_queries
):
    _rows(unit_a, unit_a, n)
    # The person's groups; escalations at their levels: the unanswered and the acknowledged
    # first, all of them, the overdue ones; orders, overdue actions (each list with its
    # total in the same query).
    with django_assert_num_queries(7):
        at_level_one = len(range(0, n, 3))
        assert waiting_for(user=rm).count == at_level_one + n + n
    with django_assert_num_queries(7):
        assert waiting_for(user=it_manager).totals["orders"] == n
    # A customer: their customer contacts, the requests awaiting their decision.
    with django_assert_num_queries(2):
        assert waiting_for(user=customer_a.user).totals["decisions"] == n
    # A purchaser: no customer contact, so nothing more to read.
    with django_assert_num_queries(1):
        assert waiting_for(user=purchaser_a.user).count == 0


@pytest.mark.parametrize("n", [3, 30])
def test_the_navigation_count_is_the_lists_count_without_reading_the_rows(
    n,
    route,
    unit_a,
    unit_b,
    rm,
    other_rm,
    it_manager,
    steering_member,
    customer_a,
    purchaser_a,
    contact_b,
    django_assert_num_queries,
):
    _rows(unit_a, unit_a, n)
    _rows(unit_b, unit_b, 2)
    people = [rm, other_rm, it_manager, steering_member, customer_a.user, purchaser_a.user, contact_b.user]
    for person in people:
        assert waiting_count_for(user=person) == waiting_for(user=person).count, person
    # Staff: their groups, then escalations (summaries), orders and overdue actions counted.
    fresh = type(it_manager).objects.get(pk=it_manager.pk)  # its groups not read yet
    with django_assert_num_queries(4):
        waiting_count_for(user=fresh)
    with django_assert_num_queries(2):
        assert waiting_count_for(user=customer_a.user) == n
