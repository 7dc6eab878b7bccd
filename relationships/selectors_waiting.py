"""What waits for one person: the "waiting for you" of the staff dashboard and the portal
home, and the count in the navigation of both. One selector for all three, so the count
never disagrees with the list.

- Escalations at your level: level 1 those of the units you manage, level 2 every one if
  you are in IT management, level 3 every one if you are in the IT steering group. An
  unacknowledged one past its deadline is overdue (at the top of the route it can climb
  no further, so it stays on the steering group's list, overdue, until someone responds).
- Decisions you must take: submitted requirements of the units you are the deciding
  customer of (business customers only; a purchaser never decides).
- Orders you must act on: orders of the units you manage and of the services you own;
  IT management acts on every order.
- Your follow-up actions past their due date.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q, Window
from django.utils import timezone

from customers import roles
from customers.models import BusinessUnit, Contact
from services.selectors import order_queue_for

from . import summaries
from .models import Escalation, FollowUpAction, Requirement

# Each list shows the first few; `totals` counts all of them.
SHOWN = 8


@dataclass
class WaitingList:
    escalations: list = field(default_factory=list)  # soonest deadline first, unacknowledged first
    decisions: list = field(default_factory=list)  # oldest submitted first
    orders: list = field(default_factory=list)  # oldest first
    actions: list = field(default_factory=list)  # most overdue first
    totals: dict = field(default_factory=dict)  # {"escalations": n, ...}: all of them, not only shown
    overdue: int = 0  # escalations past their deadline and actions past their due date
    levels: tuple = ()  # the escalation levels that are this person's

    @property
    def count(self) -> int:
        return sum(self.totals.values())

    @property
    def level_labels(self) -> list[str]:
        """Labels of the levels, such as "L1: your portfolio" (level 1 is a portfolio's) and "L2"."""
        return [f"L{level}: your portfolio" if level == 1 else f"L{level}" for level in self.levels]

    @property
    def more(self) -> dict:
        """How many of each kind are not in its list: {"orders": 3, ...}."""
        return {kind: total - len(getattr(self, kind)) for kind, total in self.totals.items()}


def _first_with_total(queryset) -> tuple[list, int]:
    """The first SHOWN rows with the count of all of them: a window over the whole result,
    counted before the LIMIT, so one query per list."""
    rows = list(queryset.annotate(total=Window(Count("pk")))[:SHOWN])
    return rows, rows[0].total if rows else 0


def escalation_levels_of(user) -> tuple:
    """The levels of the route a staff member answers at (roles.level_members, turned
    around): 1 for everyone with a portfolio, 2 IT management, 3 the steering group."""
    levels = [1]
    if roles.is_it_manager(user):
        levels.append(2)
    if roles.is_steering_member(user):
        levels.append(3)
    return tuple(levels)


def _at_my_level(user) -> tuple[tuple, Q]:
    """The levels that are `user`'s and the condition on an escalation for them."""
    levels = escalation_levels_of(user)
    at_my_level = Q(level=1, unit__relationship_manager=user)
    for level in levels[1:]:
        at_my_level |= Q(level=level)
    return levels, at_my_level


def _overdue_actions_of(user, today: datetime.date):
    return FollowUpAction.objects.overdue(today).filter(owner=user)


def _decisions_for(customers):
    return Requirement.objects.filter(status=Requirement.Status.SUBMITTED).filter(
        unit__in=BusinessUnit.objects.decided_by(customers)
    )


def _customer_contacts_of(user) -> list:
    return list(
        Contact.objects.filter(user=user, is_active=True, role=Contact.Role.CUSTOMER).select_related("unit")
    )


def _staff_waiting(*, user, today: datetime.date, now: datetime.datetime) -> WaitingList:
    # 1 the groups (roles, once per request); 2-5 escalations: the unanswered and the
    # acknowledged soonest due first (each an ordered range of the open ones' index,
    # stopped at SHOWN), all of them from the summaries, the overdue ones counted;
    # 6 orders; 7 overdue actions. IT management's level holds thousands: none of these
    # reads them all but the overdue count, which reads only the late ones.
    levels, at_my_level = _at_my_level(user)
    mine = Escalation.objects.open().filter(at_my_level).select_related("unit", "service")
    unanswered = mine.filter(status=Escalation.Status.OPEN)
    acknowledged = mine.filter(status=Escalation.Status.ACKNOWLEDGED)
    escalations = (
        list(unanswered.order_by("respond_by", "pk")[:SHOWN])
        + list(acknowledged.order_by("respond_by", "pk")[:SHOWN])
    )[:SHOWN]
    escalation_total = summaries.open_escalations_count(at_my_level)
    late_escalations = unanswered.filter(respond_by__lt=now).count()
    for escalation in escalations:
        escalation.is_overdue = escalation.status == Escalation.Status.OPEN and escalation.respond_by < now

    orders, order_total = _first_with_total(order_queue_for(user=user))

    actions, action_total = _first_with_total(
        _overdue_actions_of(user, today).select_related("unit").order_by("due_on", "pk")
    )
    return WaitingList(
        escalations=escalations,
        orders=orders,
        actions=actions,
        totals={"escalations": escalation_total, "orders": order_total, "actions": action_total},
        overdue=late_escalations + action_total,
        levels=levels,
    )


def _business_waiting(*, user) -> WaitingList:
    # 1 the person's customer contacts; 2 the requests they must decide (customers only).
    customers = _customer_contacts_of(user)
    if not customers:
        return WaitingList(totals={"decisions": 0})
    decisions, total = _first_with_total(
        _decisions_for(customers)
        .select_related("unit", "service", "prepared_by")
        .order_by("submitted_at", "pk")
    )
    return WaitingList(decisions=decisions, totals={"decisions": total})


def waiting_for(
    *, user, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> WaitingList:
    """Everything that waits for `user`, in a fixed number of queries whatever the number of
    rows: seven for staff (their groups, four for escalations, orders, overdue actions), one
    or two for a business contact (their customer contacts, the requests to decide)."""
    if not user.is_authenticated:
        return WaitingList()
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    if user.is_staff:
        return _staff_waiting(user=user, today=today, now=now)
    return _business_waiting(user=user)


def waiting_count_for(*, user, today: datetime.date | None = None) -> int:
    """How many things wait for `user`: the `count` of waiting_for(), counted without reading
    the rows it shows, for the navigation of the pages that do not show the list. Four
    queries for staff (their groups; escalations from the summaries, orders and overdue
    actions counted), one or two for a business contact."""
    if not user.is_authenticated:
        return 0
    today = today or timezone.localdate()
    if user.is_staff:
        _, at_my_level = _at_my_level(user)
        return (
            summaries.open_escalations_count(at_my_level)
            + order_queue_for(user=user).count()
            + _overdue_actions_of(user, today).count()
        )
    customers = _customer_contacts_of(user)
    return _decisions_for(customers).count() if customers else 0
