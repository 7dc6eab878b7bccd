"""Acceptance 2: the tenant isolation matrix.

Every endpoint × {rm, other_rm, it_manager, customer_a, purchaser_a, contact_b, anonymous}
× {list, retrieve, create, update, delete, each action}: the expected status, and no
object of a unit the caller may not see in any body. One test per endpoint walks every
actor and operation on one set of rows, and reports every mismatch at once.

The actors (tests/conftest.py): rm manages Acme, Finance and Accounts Payable (unit A);
other_rm manages Sales Operations (unit B); it_manager may edit every unit; customer_a is
the deciding customer of Finance and so of unit A; purchaser_a a purchaser of unit A;
contact_b the customer of unit B.
"""

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from customers.models import BusinessUnit
from relationships.models import Escalation, Requirement, SurveyResponse
from services.models import Agreement, Subscription
from tests.customers.factories import ContactFactory
from tests.relationships.factories import EscalationFactory, RequirementFactory
from tests.services.factories import AgreementFactory, ServiceFactory, SubscriptionFactory

from .conftest import ACTORS

pytestmark = pytest.mark.django_db

STAFF = {"rm", "other_rm", "it_manager"}
CONTACTS = {"customer_a", "purchaser_a", "contact_b"}
seq = itertools.count(1)


def statuses(default, **by_actor):
    """Expected status per actor: anonymous 401 always; `default` unless named."""
    return {"anonymous": 401, **{actor: default for actor in STAFF | CONTACTS}, **by_actor}


# Who may write to unit A through a staff-only write: its manager and IT management.
A_EDITORS = dict(rm=201, it_manager=201, other_rm=403, customer_a=403, purchaser_a=403, contact_b=403)
A_EDITORS_200 = {actor: (200 if code == 201 else code) for actor, code in A_EDITORS.items()}
# A business create: contacts of unit A may; contact_b names a unit they cannot see (400).
BUSINESS_CREATE = dict(A_EDITORS, customer_a=201, purchaser_a=201, contact_b=400)
STAFF_ONLY = statuses(403, rm=200, other_rm=200, it_manager=200)
NOT_ALLOWED = statuses(405, customer_a=403, purchaser_a=403, contact_b=403)
# The audit history of unit A's row: whoever may read the row (contact_b may not: 404).
HISTORY = statuses(200, contact_b=404)


@dataclass
class Action:
    name: str
    expected: dict
    setup: Callable | None = None  # fresh object in the right state; default: unit A's row
    payload: Callable = lambda w: {}
    method: str = "post"


@dataclass
class Endpoint:
    name: str
    key: str  # which row of make_rows() the detail operations use
    read: str = "scoped"  # scoped | staff | all | own
    create: Callable | None = None
    create_expected: dict | None = None
    update: Callable | None = None
    update_expected: dict | None = None
    actions: list[Action] = field(default_factory=list)


def _today(days=0):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _requirement(status, **extra):
    def make(w):
        unit = w["a"]["unit"]
        if status in (Requirement.Status.APPROVED, Requirement.Status.IN_DELIVERY):
            extra.update(decided_by=w["customer_a"], decided_at=timezone.now())
        return RequirementFactory(unit=unit, status=status, **extra)

    return make


def _escalation(status=Escalation.Status.OPEN):
    return lambda w: EscalationFactory(unit=w["a"]["unit"], status=status)


ENDPOINTS = [
    Endpoint(
        "units",
        "unit",
        create=lambda w: {
            "name": f"New unit {next(seq)}",
            "code": f"new-{next(seq)}",
            "parent": w["a"]["unit"].pk,
        },
        create_expected=dict(A_EDITORS, contact_b=403),
        update=lambda w: {"description": "Changed"},
        update_expected=A_EDITORS_200,
        actions=[Action("history", HISTORY, method="get")],
    ),
    Endpoint(
        "contacts",
        "contact",
        create=lambda w: {
            "unit": w["a"]["unit"].pk,
            "first_name": "New",
            "last_name": "Person",
            "email": f"new{next(seq)}@acme.example",
        },
        create_expected=A_EDITORS,
        update=lambda w: {"job_title": "Controller"},
        update_expected=A_EDITORS_200,
        actions=[Action("history", HISTORY, method="get")],
    ),
    Endpoint(
        "objectives",
        "objective",
        create=lambda w: {"unit": w["a"]["unit"].pk, "title": "Faster closing", "target_date": _today(90)},
        create_expected=A_EDITORS,
        update=lambda w: {"status": "achieved"},
        update_expected=A_EDITORS_200,
    ),
    Endpoint(
        "services",
        "service",
        read="all",
        create=lambda w: {
            "name": f"Service new {next(seq)}",
            "code": f"svc-new-{next(seq)}",
            "lifecycle": "live",
        },
        # The catalogue is IT management's; rm owns unit A's service and may change it.
        create_expected=dict(A_EDITORS, rm=403),
        update=lambda w: {"description": "Changed"},
        update_expected=A_EDITORS_200,
    ),
    Endpoint(
        "targets",
        "target",
        read="all",
        create=lambda w: {
            "service": w["a"]["service"].pk,
            "name": f"Response {next(seq)}",
            "metric": "response_time",
            "unit_of_measure": "hours",
            "target_value": "4",
            "direction": "lower",
        },
        create_expected=A_EDITORS,
        update=lambda w: {"target_value": "99.9"},
        update_expected=A_EDITORS_200,
    ),
    Endpoint(
        "agreements",
        "agreement",
        create=lambda w: {
            "unit": w["a"]["unit"].pk,
            "reference": f"sla-new-{next(seq)}",
            "title": "New SLA",
            "valid_from": "2026-01-01",
            "valid_until": "2027-01-01",
        },
        create_expected=A_EDITORS,
        update=lambda w: {"notes": "Changed"},
        update_expected=A_EDITORS_200,
        actions=[
            Action(
                "sign",
                dict(rm=403, other_rm=403, it_manager=403, customer_a=200, purchaser_a=403, contact_b=404),
                setup=lambda w: AgreementFactory(unit=w["a"]["unit"], status=Agreement.Status.DRAFT),
            ),
            Action("history", HISTORY, method="get"),
        ],
    ),
    Endpoint(
        "subscriptions",
        "subscription",
        create=lambda w: {"unit": w["a"]["unit"].pk, "service": ServiceFactory().pk, "quantity": 3},
        create_expected=BUSINESS_CREATE,
        actions=[
            Action(
                "fulfil",
                A_EDITORS_200,
                setup=lambda w: SubscriptionFactory(
                    unit=w["a"]["unit"], status=Subscription.Status.REQUESTED
                ),
                payload=lambda w: {"on": _today()},
            ),
            Action(
                "refuse",
                A_EDITORS_200,
                setup=lambda w: SubscriptionFactory(
                    unit=w["a"]["unit"], status=Subscription.Status.REQUESTED
                ),
                payload=lambda w: {"reason": "No licences left this year."},
            ),
            Action(
                "end",
                A_EDITORS_200,
                setup=lambda w: SubscriptionFactory(unit=w["a"]["unit"]),
                payload=lambda w: {"on": _today()},
            ),
            Action("history", HISTORY, method="get"),
        ],
    ),
    Endpoint(
        "measurements",
        "measurement",
        create=lambda w: {
            "subscription": w["a"]["subscription"].pk,
            "target": w["a"]["target"].pk,
            "period_start": timezone.localdate().replace(day=1).isoformat(),
            "value": "99.1",
        },
        create_expected=dict(A_EDITORS, contact_b=403),
    ),
    Endpoint(
        "interactions",
        "interaction",
        create=lambda w: {
            "unit": w["a"]["unit"].pk,
            "kind": "call",
            "subject": "Quarter close",
            "occurred_at": timezone.now().isoformat(),
            "contacts": [w["purchaser_a"].pk],
            "actions": [{"title": "Send figures", "owner": w["rm"].pk, "due_on": _today(7)}],
        },
        create_expected=A_EDITORS,
    ),
    Endpoint(
        "actions",
        "action",
        read="staff",
        create=lambda w: {
            "unit": w["a"]["unit"].pk,
            "title": "Call back",
            "owner": w["rm"].pk,
            "due_on": _today(3),
        },
        create_expected=A_EDITORS,
        update=lambda w: {"status": "done"},
        update_expected=A_EDITORS_200,
        actions=[Action("history", STAFF_ONLY, method="get")],
    ),
    Endpoint(
        "requirements",
        "requirement",
        create=lambda w: {
            "unit": w["a"]["unit"].pk,
            "title": "E-invoicing",
            "description": "Receive e-invoices.",
        },
        create_expected=BUSINESS_CREATE,
        actions=[
            Action(
                "submit",
                dict(A_EDITORS_200, customer_a=200, purchaser_a=200, contact_b=404),
                setup=_requirement(Requirement.Status.DRAFT),
            ),
            Action(
                "approve",
                dict(rm=403, other_rm=403, it_manager=403, customer_a=200, purchaser_a=403, contact_b=404),
                setup=_requirement(Requirement.Status.SUBMITTED),
            ),
            Action(
                "reject",
                dict(rm=403, other_rm=403, it_manager=403, customer_a=200, purchaser_a=403, contact_b=404),
                setup=_requirement(Requirement.Status.SUBMITTED),
                payload=lambda w: {"reason": "No budget this year."},
            ),
            Action("start-delivery", A_EDITORS_200, setup=_requirement(Requirement.Status.APPROVED)),
            Action("deliver", A_EDITORS_200, setup=_requirement(Requirement.Status.IN_DELIVERY)),
            Action("history", HISTORY, method="get"),
        ],
    ),
    Endpoint(
        "opportunities",
        "opportunity",
        read="staff",
        create=lambda w: {"unit": w["a"]["unit"].pk, "title": "Robotic matching", "kind": "new_technology"},
        create_expected=A_EDITORS,
        update=lambda w: {"status": "assessing"},
        update_expected=A_EDITORS_200,
    ),
    Endpoint(
        "survey-campaigns",
        "campaign",
        read="staff",
        create=lambda w: {
            "name": "Spring",
            "opens_at": timezone.now().isoformat(),
            "closes_at": (timezone.now() + datetime.timedelta(days=14)).isoformat(),
        },
        create_expected=dict(A_EDITORS, other_rm=201),
        update=lambda w: {"name": "Renamed"},
        update_expected=dict(A_EDITORS_200, other_rm=200),
        actions=[Action("results", STAFF_ONLY, method="get")],
    ),
    Endpoint(
        "survey-invitations",
        "invitation",
        read="staff",
        create=lambda w: {
            "campaign": w["a"]["campaign"].pk,
            "contact": ContactFactory(unit=w["a"]["unit"]).pk,
        },
        create_expected=dict(A_EDITORS, other_rm=201),
    ),
    Endpoint("survey-responses", "own_response", read="own"),
    Endpoint(
        "escalations",
        "escalation",
        create=lambda w: {
            "unit": w["a"]["unit"].pk,
            "subject": "Payments stuck",
            "description": "Since Monday.",
            "severity": "high",
        },
        create_expected=BUSINESS_CREATE,
        actions=[
            Action("acknowledge", A_EDITORS_200, setup=_escalation()),
            Action(
                "escalate",
                dict(A_EDITORS_200, customer_a=200, purchaser_a=200, contact_b=404),
                setup=_escalation(),
                payload=lambda w: {"note": "No answer for a week."},
            ),
            Action("resolve", A_EDITORS_200, setup=_escalation(), payload=lambda w: {"resolution": "Fixed."}),
            Action(
                "close",
                dict(A_EDITORS_200, customer_a=200, purchaser_a=200, contact_b=404),
                setup=_escalation(Escalation.Status.RESOLVED),
            ),
            Action(
                "comment",
                dict(A_EDITORS, customer_a=201, purchaser_a=201, contact_b=404),
                payload=lambda w: {"note": "Any news?"},
            ),
            Action("events", statuses(200, contact_b=404), method="get"),
            Action("history", HISTORY, method="get"),
        ],
    ),
    Endpoint("health", "unit", read="staff"),
]


def _expected_read(endpoint, actor, *, own: bool):
    """Status of list (own=None) or of retrieving unit A's row."""
    if actor == "anonymous":
        return 401
    if endpoint.read == "staff":
        return 200 if actor in STAFF else 403
    if endpoint.read == "all" or actor in STAFF or not own:
        return 200
    if endpoint.read == "own":  # a contact reads only the answers they gave
        return 200 if actor == "purchaser_a" else 404
    return 200 if actor in ("customer_a", "purchaser_a") else 404


def _strings(body):
    if isinstance(body, dict):
        for value in body.values():
            yield from _strings(value)
    elif isinstance(body, list):
        for value in body:
            yield from _strings(value)
    elif isinstance(body, str):
        yield body


def _unit_ids(body, key=None):
    """Ids of every unit a body mentions: `unit` references and the rows of /units/."""
    if isinstance(body, dict):
        if key == "unit" and "id" in body:
            yield body["id"]
        for name, value in body.items():
            yield from _unit_ids(value, name)
    elif isinstance(body, list):
        for value in body:
            yield from _unit_ids(value, key)


@dataclass
class Checker:
    """Records a wrong status, and any unit the caller may not see that a body mentions."""

    failures: list
    actor: str
    endpoint: str
    forbidden_units: set
    forbidden_strings: set

    def __call__(self, label, response, expected):
        if response.status_code != expected:
            self.failures.append(
                f"{self.actor} {label}: {response.status_code} != {expected} {response.content[:200]!r}"
            )
        if (
            not self.forbidden_units
            or not response.content
            or response.get("Content-Type") != "application/json"
        ):
            return
        body = response.json()
        leaked = set(_unit_ids(body)) & self.forbidden_units
        leaked_text = set(_strings(body)) & self.forbidden_strings
        # The rows of /units/ are units; those of an action (its history) are not.
        if self.endpoint == "units" and isinstance(body, dict) and label.startswith(("list", "retrieve")):
            rows = body.get("results", [body])
            leaked |= {row.get("id") for row in rows if isinstance(row, dict)} & self.forbidden_units
        if leaked or leaked_text:
            self.failures.append(f"{self.actor} {label}: leaks units {leaked} / {leaked_text}")


@pytest.fixture
def everything(world, rm, other_rm, it_manager, customer_a, purchaser_a, contact_b):
    return {**world, "rm": rm, "customer_a": customer_a, "purchaser_a": purchaser_a}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_isolation_matrix(endpoint, everything, api_as):
    w = everything
    base = f"/api/v1/{endpoint.name}/"
    own_row, other_row = w["a"][endpoint.key], w["b"][endpoint.key]
    if endpoint.read == "own":
        own_row, other_row = w["a"]["own_response"], w["b"]["other_response"]
    internal_subjects = {w[u]["internal_interaction"].subject for u in "ab"}
    private_answers = set(SurveyResponse.objects.exclude(comment="").values_list("comment", flat=True))
    failures = []

    for actor in ACTORS:
        client = api_as(actor)
        user = getattr(client.handler, "_force_user", None)
        forbidden_units, forbidden_strings = set(), set()
        if user is not None and not user.is_staff:
            hidden = BusinessUnit.objects.exclude(pk__in=BusinessUnit.objects.visible_to(user))
            forbidden_units = set(hidden.values_list("pk", flat=True))
            forbidden_strings = {
                *hidden.values_list("name", flat=True),
                *hidden.values_list("code", flat=True),
            }
            forbidden_strings |= internal_subjects | private_answers

        check = Checker(failures, actor, endpoint.name, forbidden_units, forbidden_strings)

        check("list", client.get(base), _expected_read(endpoint, actor, own=False))
        check(
            "retrieve own unit's",
            client.get(f"{base}{own_row.pk}/"),
            _expected_read(endpoint, actor, own=True),
        )
        if actor in ("customer_a", "purchaser_a"):
            expected = {"all": 200, "staff": 403}.get(endpoint.read, 404)
            check("retrieve other unit's", client.get(f"{base}{other_row.pk}/"), expected)
        if endpoint.name == "interactions" and actor in CONTACTS:
            check("retrieve internal", client.get(f"{base}{w['a']['internal_interaction'].pk}/"), 404)

        if endpoint.create:
            check(
                "create",
                client.post(base, endpoint.create(w), format="json"),
                endpoint.create_expected[actor] if actor != "anonymous" else 401,
            )
        else:
            check(
                "create",
                client.post(base, {}, format="json"),
                NOT_ALLOWED[actor] if endpoint.read != "own" else statuses(405)[actor],
            )
        if endpoint.update:
            check(
                "update",
                client.patch(f"{base}{own_row.pk}/", endpoint.update(w), format="json"),
                endpoint.update_expected[actor] if actor != "anonymous" else 401,
            )
        else:
            expected = statuses(405)[actor] if endpoint.read == "own" else NOT_ALLOWED[actor]
            check("update", client.patch(f"{base}{own_row.pk}/", {}, format="json"), expected)
        expected = statuses(405)[actor] if endpoint.read == "own" else NOT_ALLOWED[actor]
        check("delete", client.delete(f"{base}{own_row.pk}/"), expected)

        for action in endpoint.actions:
            target = action.setup(w) if action.setup else own_row
            url = f"{base}{target.pk}/{action.name}/"
            response = (
                client.get(url)
                if action.method == "get"
                else client.post(url, action.payload(w), format="json")
            )
            check(action.name, response, action.expected.get(actor, 401))

    assert not failures, "\n".join(failures)
