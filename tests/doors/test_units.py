"""One rule per write of a business unit, answered alike through every door: the staff form,
the API, the import page and the import API.

- Editing a unit needs the right to edit it: its relationship manager, or who manages every
  unit (IT management, the steering group).
- Adding a unit under a parent needs the right to edit that parent; a unit at the top of
  the organisation only who manages every unit.
- Moving a unit needs the right to edit it and the right to add units under the new parent.

Each door does the write as a person or a tool would and says whether it was accepted; the
test then checks the database agrees (a refusal wrote nothing).
"""

import pytest
from django.urls import reverse

from customers.imports import UnitImporter
from customers.models import BusinessUnit
from tests.doors.importing import through_import_api, through_import_page

pytestmark = pytest.mark.django_db

BUSINESS_AND_ANONYMOUS = [
    ("customer_a", False),
    ("purchaser_a", False),
    ("contact_b", False),
    ("anonymous", False),
]


def _form_data(values: dict) -> dict:
    manager = values["relationship_manager"]
    parent = values["parent"]
    return {
        "name": values["name"],
        "code": values["code"],
        "kind": values["kind"],
        "parent": parent.pk if parent else "",
        "relationship_manager": manager.pk if manager else "",
        "description": values["description"],
        "survey_frequency_months": 3,
        "is_active": "on",
    }


def _api_data(values: dict) -> dict:
    data = _form_data(values)
    data["parent"] = data["parent"] or None
    data["relationship_manager"] = data["relationship_manager"] or None
    data["is_active"] = True
    return data


def _import_file(values: dict) -> str:
    manager = values["relationship_manager"]
    parent = values["parent"]
    line = [
        values["code"],
        values["name"],
        values["kind"],
        parent.code if parent else "",
        manager.username if manager else "",
        "no",
        "",
        values["description"],
    ]
    return ",".join(UnitImporter.columns) + "\n" + ",".join(line) + "\n"


# --- The doors: each does one write (a new unit when `unit` is None) -----------------------


def staff_form(client_as, api_as, actor, unit, values) -> bool:
    url = reverse("customers:unit-edit", args=[unit.pk]) if unit else reverse("customers:unit-create")
    response = client_as(actor).post(url, _form_data(values), follow=True)
    return f"Saved {values['name']}." in response.content.decode()


def api(client_as, api_as, actor, unit, values) -> bool:
    client = api_as(actor)
    if unit:
        response = client.patch(f"/api/v1/units/{unit.pk}/", _api_data(values), format="json")
        return response.status_code == 200
    return client.post("/api/v1/units/", _api_data(values), format="json").status_code == 201


def import_page(client_as, api_as, actor, unit, values) -> bool:
    return through_import_page(
        client_as(actor), kind="units", filename="units.csv", text=_import_file(values)
    )


def import_api(client_as, api_as, actor, unit, values) -> bool:
    return through_import_api(api_as(actor), kind="units", filename="units.csv", text=_import_file(values))


DOORS = [staff_form, api, import_page, import_api]
IMPORT_DOORS = (import_page, import_api)


def _expected(actor: str, allowed: bool, door) -> bool:
    """The unit tree is imported only by who manages every unit (the import page does not
    offer it to a relationship manager); every other door answers the rule itself."""
    return allowed and not (door in IMPORT_DOORS and actor in ("rm", "other_rm"))


def _values(unit: BusinessUnit, **changes) -> dict:
    return {
        "name": unit.name,
        "code": unit.code,
        "kind": unit.kind,
        "parent": unit.parent,
        "relationship_manager": unit.relationship_manager,
        "description": unit.description,
        **changes,
    }


def _stored(code: str) -> tuple | None:
    unit = BusinessUnit.objects.filter(code=code).select_related("parent").first()
    return (unit.parent.code if unit.parent else None, unit.description) if unit else None


# --- Edit a unit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", True),  # Accounts Payable is in Rita's portfolio
        ("other_rm", False),
        ("it_manager", True),
        ("steering_member", True),
        *BUSINESS_AND_ANONYMOUS,
    ],
)
@pytest.mark.parametrize("door", DOORS)
def test_edit_a_unit(client_as, api_as, unit_a, actor, allowed, door):
    allowed = _expected(actor, allowed, door)
    values = _values(unit_a, description="Pays the invoices")

    accepted = door(client_as, api_as, actor, unit_a, values)

    assert accepted == allowed
    assert _stored("fin-ap") == ("fin", "Pays the invoices" if allowed else "")


# --- Create a unit under a parent -----------------------------------------------------------


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", False),  # Sales Operations is Otto's: Rita may not add units under it
        ("other_rm", True),
        ("it_manager", True),
        ("steering_member", True),
        *BUSINESS_AND_ANONYMOUS,
    ],
)
@pytest.mark.parametrize("door", DOORS)
def test_create_a_unit_under_a_parent(client_as, api_as, actor_user, unit_b, actor, allowed, door):
    allowed = _expected(actor, allowed, door)
    # A manager adding a unit looks after it; for the others it goes to Otto's portfolio.
    manager = actor_user(actor) if actor in ("rm", "other_rm") else unit_b.relationship_manager
    values = {
        "name": "Key Accounts",
        "code": "sales-ka",
        "kind": "department",
        "parent": unit_b,
        "relationship_manager": manager,
        "description": "Big customers",
    }

    accepted = door(client_as, api_as, actor, None, values)

    assert accepted == allowed
    assert _stored("sales-ka") == (("sales-ops", "Big customers") if allowed else None)


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", False),
        ("other_rm", False),
        ("it_manager", True),
        ("steering_member", True),
        *BUSINESS_AND_ANONYMOUS,
    ],
)
@pytest.mark.parametrize("door", DOORS)
def test_create_a_unit_at_the_top(client_as, api_as, rm, actor, allowed, door):
    allowed = _expected(actor, allowed, door)
    values = {
        "name": "Subsidiary",
        "code": "sub",
        "kind": "company",
        "parent": None,
        "relationship_manager": rm,
        "description": "Bought last year",
    }

    accepted = door(client_as, api_as, actor, None, values)

    assert accepted == allowed
    assert _stored("sub") == ((None, "Bought last year") if allowed else None)


# --- Move a unit ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", False),  # Rita's own unit, but under Otto's unit: she may not add units there
        ("other_rm", False),  # Otto may add under his unit, but Accounts Payable is not his
        ("it_manager", True),
        ("steering_member", True),
        *BUSINESS_AND_ANONYMOUS,
    ],
)
@pytest.mark.parametrize("door", DOORS)
def test_move_a_unit_under_another_managers_unit(client_as, api_as, unit_a, unit_b, actor, allowed, door):
    allowed = _expected(actor, allowed, door)
    accepted = door(client_as, api_as, actor, unit_a, _values(unit_a, parent=unit_b))

    assert accepted == allowed
    assert _stored("fin-ap") == ("sales-ops" if allowed else "fin", "")


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", True),  # from Finance to Acme: both Rita's
        ("other_rm", False),
        ("it_manager", True),
        ("steering_member", True),
        *BUSINESS_AND_ANONYMOUS,
    ],
)
@pytest.mark.parametrize("door", DOORS)
def test_move_a_unit_within_the_portfolio(client_as, api_as, unit_a, company, actor, allowed, door):
    allowed = _expected(actor, allowed, door)
    accepted = door(client_as, api_as, actor, unit_a, _values(unit_a, parent=company))

    assert accepted == allowed
    assert _stored("fin-ap") == ("acme" if allowed else "fin", "")
