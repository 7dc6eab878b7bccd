"""Who may order a service, fulfil or refuse the order, end a subscription and record its
measured levels, answered alike through every door: the portal's order form and the API
(ordering), the staff page and the API (fulfilling, refusing), the API (ending), the API and
both imports (measurements).

The rules (services.services):
- subscription_order: business contacts of the unit (a customer of the division above it
  too; purchasers included) and staff who may edit the unit;
- subscription_fulfil / subscription_refuse (may_decide_order): the unit's relationship
  manager, who manages every unit (IT management, the steering group) or the service's
  owner; never the business;
- subscription_end and measurement_record: staff who may edit the unit.

Each door does the write as a person or a tool would and says whether it was accepted; the
test then checks the database agrees (a refusal wrote nothing).
"""

import datetime
import html
from decimal import Decimal

import pytest
from django.urls import reverse

from services.models import Measurement, Subscription
from tests.customers.factories import StaffFactory
from tests.doors.importing import through_import_api, through_import_page
from tests.services.factories import ServiceFactory, ServiceLevelTargetFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

STAFF = {"rm", "other_rm", "it_manager", "steering_member"}
BUSINESS = {"customer_a", "purchaser_a", "contact_b"}
REASON = "We retire this service next month."
# Accounts Payable is Rita's: she, IT management and the steering group may edit it.
EDITORS_OF_ACCOUNTS_PAYABLE = [
    ("rm", True),
    ("other_rm", False),
    ("it_manager", True),
    ("steering_member", True),
    ("customer_a", False),
    ("purchaser_a", False),
    ("contact_b", False),
    ("anonymous", False),
]


@pytest.fixture
def expenses(db):
    return ServiceFactory(name="Expense app", code="expenses", lifecycle="live")


# --- Ordering: the portal's form and the API --------------------------------------------------


def portal_form(client_as, api_as, actor, unit, service) -> bool:
    response = client_as(actor).post(
        reverse("portal:order"),
        {"unit": unit.pk, "service": service.pk, "quantity": 3, "notes": ""},
        follow=True,
    )
    return f"{service.name} is ordered for {unit.name}." in html.unescape(response.content.decode())


def order_api(client_as, api_as, actor, unit, service) -> bool:
    data = {"unit": unit.pk, "service": service.pk, "quantity": 3}
    return api_as(actor).post("/api/v1/subscriptions/", data, format="json").status_code == 201


ORDER_DOORS = {portal_form: BUSINESS, order_api: STAFF | BUSINESS}


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", True),  # staff who may edit the unit order for it
        ("other_rm", False),
        ("it_manager", True),
        ("steering_member", True),
        ("customer_a", True),  # the customer of Finance, and so of the units below it
        ("purchaser_a", True),  # a purchaser orders existing services
        ("contact_b", False),  # a contact of another unit
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("door", list(ORDER_DOORS))
def test_order_a_service_for_accounts_payable(client_as, api_as, unit_a, expenses, actor, allowed, door):
    accepted = door(client_as, api_as, actor, unit_a, expenses)

    expected = allowed and actor in ORDER_DOORS[door]
    assert accepted == expected
    orders = Subscription.objects.filter(unit=unit_a, service=expenses)
    assert list(orders.values_list("status", "quantity")) == ([("requested", 3)] if expected else [])


# --- Fulfilling and refusing: the staff page and the API -------------------------------------


def staff_page(client_as, api_as, actor, order, decision) -> bool:
    data = {"on": ""} if decision == "fulfil" else {"reason": REASON}
    response = client_as(actor).post(
        reverse(f"services:subscription-{decision}", args=[order.pk]), data, follow=True
    )
    done = "is fulfilled for" if decision == "fulfil" else "is refused; whoever ordered it is told why"
    return done in html.unescape(response.content.decode())


def decide_api(client_as, api_as, actor, order, decision) -> bool:
    data = {} if decision == "fulfil" else {"reason": REASON}
    return (
        api_as(actor).post(f"/api/v1/subscriptions/{order.pk}/{decision}/", data, format="json").status_code
        == 200
    )


DECIDE_DOORS = {staff_page: STAFF, decide_api: STAFF | BUSINESS}


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", True),  # the unit's relationship manager
        ("other_rm", "owner"),  # only as the service's owner
        ("it_manager", True),
        ("steering_member", True),  # manages every unit, as IT management
        ("customer_a", False),  # the business orders, IT decides
        ("purchaser_a", False),
        ("contact_b", False),
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("owner", ["other_rm", "someone else"])
@pytest.mark.parametrize("decision", ["fulfil", "refuse"])
@pytest.mark.parametrize("door", list(DECIDE_DOORS))
def test_decide_an_order_of_accounts_payable(
    request, client_as, api_as, unit_a, purchaser_a, actor, allowed, owner, decision, door
):
    service = ServiceFactory(
        name="Scanner app",
        owner=request.getfixturevalue("other_rm") if owner == "other_rm" else StaffFactory(),
    )
    order = SubscriptionFactory(
        unit=unit_a,
        service=service,
        status=Subscription.Status.REQUESTED,
        started_on=None,
        ordered_by=purchaser_a,
    )
    allowed = owner == "other_rm" if allowed == "owner" else allowed

    accepted = door(client_as, api_as, actor, order, decision)

    expected = allowed and actor in DECIDE_DOORS[door]
    assert accepted == expected
    order.refresh_from_db()
    if not expected:
        assert (order.status, order.decided_by, order.decided_at, order.refusal_reason) == (
            "requested",
            None,
            None,
            "",
        )
    else:
        assert order.status == ("active" if decision == "fulfil" else "refused")
        assert order.decided_by_id == request.getfixturevalue(actor).pk


def test_the_decision_refusal_says_the_same_on_the_staff_page_and_in_the_api(client_as, api_as, unit_a):
    order = SubscriptionFactory(unit=unit_a, status=Subscription.Status.REQUESTED, started_on=None)
    message = (
        f"Only the relationship manager of Accounts Payable (Rita Manager), IT management or the owner "
        f"of {order.service.name} may fulfil this order."
    )
    page = client_as("other_rm").post(reverse("services:subscription-fulfil", args=[order.pk]), {"on": ""})
    assert page.status_code == 403 and message in html.unescape(page.content.decode())
    response = api_as("other_rm").post(f"/api/v1/subscriptions/{order.pk}/fulfil/", {}, format="json")
    assert response.status_code == 403 and response.json()["detail"] == message
    order.refresh_from_db()
    assert order.status == Subscription.Status.REQUESTED


# --- Ending a subscription: the API -----------------------------------------------------------


@pytest.mark.parametrize("actor, allowed", EDITORS_OF_ACCOUNTS_PAYABLE)
def test_end_a_subscription_of_accounts_payable(api_as, unit_a, actor, allowed):
    subscription = SubscriptionFactory(unit=unit_a)

    response = api_as(actor).post(
        f"/api/v1/subscriptions/{subscription.pk}/end/", {"on": "2026-06-30"}, format="json"
    )

    assert (response.status_code == 200) == allowed
    subscription.refresh_from_db()
    assert (subscription.status, subscription.ended_on) == (
        ("ended", datetime.date(2026, 6, 30)) if allowed else ("active", None)
    )


# --- Recording a month's level: the API and both imports --------------------------------------


def _measurements_file(subscription, target, value) -> str:
    line = [subscription.unit.code, subscription.service.code, target.name, "2026-03", value]
    return "unit,service,target,period,value\n" + ",".join(line) + "\n"


def measurement_api(client_as, api_as, actor, subscription, target, value) -> bool:
    data = {
        "subscription": subscription.pk,
        "target": target.pk,
        "period_start": "2026-03-01",
        "value": value,
    }
    return api_as(actor).post("/api/v1/measurements/", data, format="json").status_code == 201


def import_page(client_as, api_as, actor, subscription, target, value) -> bool:
    return through_import_page(
        client_as(actor),
        kind="measurements",
        filename="levels.csv",
        text=_measurements_file(subscription, target, value),
    )


def import_api(client_as, api_as, actor, subscription, target, value) -> bool:
    return through_import_api(
        api_as(actor),
        kind="measurements",
        filename="levels.csv",
        text=_measurements_file(subscription, target, value),
    )


@pytest.mark.parametrize("actor, allowed", EDITORS_OF_ACCOUNTS_PAYABLE)
@pytest.mark.parametrize("door", [measurement_api, import_page, import_api])
def test_record_a_measurement_for_accounts_payable(client_as, api_as, unit_a, actor, allowed, door):
    subscription = SubscriptionFactory(unit=unit_a)
    target = ServiceLevelTargetFactory(service=subscription.service, name="Availability", target_value="99.5")

    accepted = door(client_as, api_as, actor, subscription, target, "99.1")

    assert accepted == allowed
    stored = Measurement.objects.filter(subscription=subscription).values_list("value", "is_met")
    assert list(stored) == ([(Decimal("99.100"), False)] if allowed else [])
