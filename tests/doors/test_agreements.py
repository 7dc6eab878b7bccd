"""Who may draft, amend and sign an agreement, answered alike through every door: the staff
form and the API (drafting, amending), the portal and the API (signing).

The rules (services.services.agreement_save and agreement_sign):
- IT staff who may edit the unit (its relationship manager, or who manages every unit:
  customers.services.ensure_can_edit_unit) draft and amend its agreements;
- a signed agreement keeps its unit and start date, whoever asks and through whichever door;
- only the unit's deciding customer signs (customers.selectors.deciding_customer_for): a
  purchaser reads but never signs, and staff never sign for the business.

Each door does the write as a person or a tool would and says whether it was accepted; the
test then checks the database agrees (a refusal wrote nothing).
"""

import datetime
import html

import pytest
from django.urls import reverse

from services.models import Agreement
from tests.services.factories import AgreementFactory

pytestmark = pytest.mark.django_db

STAFF = {"rm", "other_rm", "it_manager", "steering_member"}
BUSINESS = {"customer_a", "purchaser_a", "contact_b"}
KEEPS = "A signed agreement keeps its unit and start date; draft a new one instead."
# Accounts Payable is Rita's: she, IT management and the steering group may change it.
EDITORS_OF_ACCOUNTS_PAYABLE = [
    ("rm", True),
    ("other_rm", False),
    ("it_manager", True),
    ("steering_member", True),
    ("customer_a", False),  # decides and signs, but does not draft
    ("purchaser_a", False),
    ("contact_b", False),
    ("anonymous", False),
]


def _draft(unit, **fields) -> Agreement:
    return AgreementFactory(
        unit=unit, reference="sla-ap", title="AP services", valid_from=datetime.date(2026, 1, 1), **fields
    )


def _signed(unit, customer) -> Agreement:
    return _draft(unit, status=Agreement.Status.ACTIVE, signed_by=customer)


def _values(agreement: Agreement | None = None, **changes) -> dict:
    values = (
        {
            "unit": agreement.unit,
            "reference": agreement.reference,
            "title": agreement.title,
            "valid_from": agreement.valid_from,
            "review_interval_months": agreement.review_interval_months,
        }
        if agreement
        else {}
    )
    return {**values, **changes}


# --- The doors that draft and amend: each saves `values` (`agreement` None: a new one) -------


def staff_form(client_as, api_as, actor, agreement, values) -> bool:
    url = (
        reverse("services:agreement-edit", args=[agreement.pk])
        if agreement
        else reverse("services:agreement-create")
    )
    data = {
        **values,
        "unit": values["unit"].pk,
        "valid_from": values["valid_from"].isoformat(),
        "valid_until": "",
        "next_review_on": "",
        "notes": "",
    }
    response = client_as(actor).post(url, data, follow=True)
    return f"Agreement {values['reference']} saved." in response.content.decode()


def api(client_as, api_as, actor, agreement, values) -> bool:
    data = {**values, "unit": values["unit"].pk, "valid_from": values["valid_from"].isoformat()}
    client = api_as(actor)
    if agreement:
        return client.patch(f"/api/v1/agreements/{agreement.pk}/", data, format="json").status_code == 200
    return client.post("/api/v1/agreements/", data, format="json").status_code == 201


WRITE_DOORS = [staff_form, api]


def _stored(reference: str) -> tuple | None:
    agreement = Agreement.objects.filter(reference=reference).select_related("unit").first()
    return (agreement.unit.code, agreement.title, agreement.valid_from) if agreement else None


@pytest.mark.parametrize("actor, allowed", EDITORS_OF_ACCOUNTS_PAYABLE)
@pytest.mark.parametrize("door", WRITE_DOORS)
def test_draft_an_agreement(client_as, api_as, unit_a, actor, allowed, door):
    values = {
        "unit": unit_a,
        "reference": "sla-new",
        "title": "Scanning",
        "valid_from": datetime.date(2026, 7, 1),
        "review_interval_months": 6,
    }

    accepted = door(client_as, api_as, actor, None, values)

    assert accepted == allowed
    assert _stored("sla-new") == (("fin-ap", "Scanning", datetime.date(2026, 7, 1)) if allowed else None)
    if allowed:
        assert Agreement.objects.get(reference="sla-new").status == Agreement.Status.DRAFT


@pytest.mark.parametrize("actor, allowed", EDITORS_OF_ACCOUNTS_PAYABLE)
@pytest.mark.parametrize("signed", [False, True], ids=["draft", "signed"])
@pytest.mark.parametrize("door", WRITE_DOORS)
def test_amend_an_agreement(client_as, api_as, unit_a, customer_a, actor, allowed, signed, door):
    agreement = _signed(unit_a, customer_a) if signed else _draft(unit_a)

    accepted = door(client_as, api_as, actor, agreement, _values(agreement, title="AP and scanning"))

    assert accepted == allowed
    assert _stored("sla-ap") == (
        "fin-ap",
        "AP and scanning" if allowed else "AP services",
        agreement.valid_from,
    )


@pytest.mark.parametrize(
    "changes",
    [{"valid_from": datetime.date(2026, 2, 1)}, {"unit": "division"}],
    ids=["start date", "unit"],
)
@pytest.mark.parametrize("actor", sorted(STAFF | BUSINESS | {"anonymous"}))
@pytest.mark.parametrize("door", WRITE_DOORS)
def test_a_signed_agreement_keeps_its_unit_and_start_date(
    request, client_as, api_as, unit_a, customer_a, actor, changes, door
):
    agreement = _signed(unit_a, customer_a)
    changes = {
        name: request.getfixturevalue(value) if name == "unit" else value for name, value in changes.items()
    }

    accepted = door(client_as, api_as, actor, agreement, _values(agreement, **changes))

    assert not accepted
    assert _stored("sla-ap") == ("fin-ap", "AP services", datetime.date(2026, 1, 1))


@pytest.mark.parametrize(
    "changes", [{"valid_from": "2026-02-01"}, {"unit": "division"}], ids=["start", "unit"]
)
def test_the_signed_agreement_refusal_says_the_same_on_the_form_and_in_the_api(
    request, client_as, api_as, unit_a, customer_a, changes
):
    agreement = _signed(unit_a, customer_a)
    unit = request.getfixturevalue(changes.get("unit", "unit_a"))
    valid_from = changes.get("valid_from", "2026-01-01")
    form = {
        "unit": unit.pk,
        "reference": agreement.reference,
        "title": agreement.title,
        "valid_from": valid_from,
        "review_interval_months": 12,
    }
    page = client_as("rm").post(reverse("services:agreement-edit", args=[agreement.pk]), form)
    assert page.status_code == 400 and KEEPS in html.unescape(page.content.decode())
    response = api_as("rm").patch(
        f"/api/v1/agreements/{agreement.pk}/", {"unit": unit.pk, "valid_from": valid_from}, format="json"
    )
    assert response.status_code == 400 and response.json()["detail"] == KEEPS
    assert _stored("sla-ap") == ("fin-ap", "AP services", datetime.date(2026, 1, 1))


# --- Signing: the portal's button and the API ------------------------------------------------


def portal_form(client_as, api_as, actor, agreement) -> bool:
    response = client_as(actor).post(reverse("portal:agreement-sign", args=[agreement.pk]), follow=True)
    return f"You signed {agreement.title}. It is now active." in html.unescape(response.content.decode())


def sign_api(client_as, api_as, actor, agreement) -> bool:
    return api_as(actor).post(f"/api/v1/agreements/{agreement.pk}/sign/").status_code == 200


SIGN_DOORS = {portal_form: BUSINESS, sign_api: STAFF | BUSINESS}


def _signed_by(agreement: Agreement):
    agreement.refresh_from_db()
    if agreement.status == Agreement.Status.DRAFT:
        assert (agreement.signed_by, agreement.signed_at) == (None, None)
        return None
    assert agreement.status == Agreement.Status.ACTIVE
    return agreement.signed_by


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", False),  # drafts it, never signs for the business
        ("other_rm", False),
        ("it_manager", False),
        ("steering_member", False),
        ("customer_a", True),  # the customer of Finance decides for Accounts Payable
        ("purchaser_a", False),  # reads it, never signs
        ("contact_b", False),  # the customer of another unit
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("door", list(SIGN_DOORS))
def test_sign_an_agreement_of_accounts_payable(client_as, api_as, unit_a, customer_a, actor, allowed, door):
    agreement = _draft(unit_a)

    accepted = door(client_as, api_as, actor, agreement)

    expected = allowed and actor in SIGN_DOORS[door]
    assert accepted == expected
    assert _signed_by(agreement) == (customer_a if expected else None)


@pytest.mark.parametrize(
    "actor, allowed",
    [
        ("rm", False),
        ("other_rm", False),
        ("it_manager", False),
        ("steering_member", False),
        ("customer_a", False),
        ("purchaser_a", False),
        ("contact_b", True),  # the customer of Sales Operations
        ("anonymous", False),
    ],
)
@pytest.mark.parametrize("door", list(SIGN_DOORS))
def test_sign_an_agreement_of_sales_operations(client_as, api_as, unit_b, contact_b, actor, allowed, door):
    agreement = _draft(unit_b)

    accepted = door(client_as, api_as, actor, agreement)

    expected = allowed and actor in SIGN_DOORS[door]
    assert accepted == expected
    assert _signed_by(agreement) == (contact_b if expected else None)


def test_the_signing_refusal_says_the_same_in_the_portal_and_in_the_api(client_as, api_as, unit_a):
    agreement = _draft(unit_a)
    message = "Only the deciding customer of Accounts Payable (Carla Cfo) may sign an agreement."

    page = client_as("purchaser_a").post(reverse("portal:agreement-sign", args=[agreement.pk]), follow=True)
    assert message in html.unescape(page.content.decode())
    response = api_as("purchaser_a").post(f"/api/v1/agreements/{agreement.pk}/sign/")
    assert response.status_code == 403 and response.json()["detail"] == message
    assert _signed_by(agreement) is None
