import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from core.domain import DomainError, DomainPermissionError
from customers.models import BusinessUnit, Contact
from customers.selectors import deciding_customer_for, deciding_customers_for, units_decided_by
from customers.services import contact_save, ensure_can_edit_unit, unit_move
from tests.customers.factories import BusinessUnitFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_the_path_follows_the_tree(company, division, unit_a):
    assert unit_a.path == f"/{company.pk}/{division.pk}/{unit_a.pk}/"
    assert unit_a.depth == 2
    assert unit_a.ancestor_ids == [company.pk, division.pk]
    assert list(BusinessUnit.objects.subtree_of(division)) == [division, unit_a]


def test_moving_a_unit_moves_its_subtree(company, division, unit_a, unit_b, it_manager):
    unit_move(unit=division, parent=unit_b, by=it_manager)

    unit_a.refresh_from_db()
    assert unit_a.path == f"/{company.pk}/{unit_b.pk}/{division.pk}/{unit_a.pk}/"
    assert unit_a.depth == 3


def test_a_unit_cannot_be_its_own_parent(division, rm):
    with pytest.raises(DomainError, match="cannot be its own parent"):
        unit_move(unit=division, parent=division, by=rm)


def test_a_unit_cannot_move_below_its_own_sub_unit(division, unit_a, rm):
    with pytest.raises(DomainError, match="one of its own sub-units") as error:
        unit_move(unit=division, parent=unit_a, by=rm)
    assert error.value.field == "parent"
    division.refresh_from_db()
    assert division.parent.name == "Acme"


def test_the_model_refuses_a_cycle_even_outside_the_services(division, unit_a):
    division.parent = unit_a
    with pytest.raises(ValidationError):
        division.save()


def test_the_database_refuses_a_self_parent(division):
    with pytest.raises(IntegrityError):
        BusinessUnit.objects.filter(pk=division.pk).update(parent=division)


def test_deciding_customer_is_the_nearest_customer_at_or_above(company, division, unit_a, customer_a):
    assert deciding_customer_for(unit=unit_a) == customer_a
    assert deciding_customer_for(unit=division) == customer_a
    assert deciding_customer_for(unit=company) is None

    own = ContactFactory(unit=unit_a, role=Contact.Role.CUSTOMER)
    assert deciding_customer_for(unit=unit_a) == own
    assert deciding_customer_for(unit=division) == customer_a


def test_deciding_customer_is_one_query_whatever_the_depth(django_assert_num_queries, customer_a, rm):
    deep = customer_a.unit
    for _ in range(6):
        deep = BusinessUnitFactory(parent=deep, relationship_manager=rm)
    with django_assert_num_queries(1):
        assert deciding_customer_for(unit=deep) == customer_a


def test_an_inactive_customer_decides_nothing(unit_a, customer_a):
    customer_a.is_active = False
    customer_a.save()
    assert deciding_customer_for(unit=unit_a) is None


def test_deciding_customers_for_many_units_in_one_query(
    django_assert_num_queries, division, unit_a, unit_b, customer_a, contact_b
):
    deeper = BusinessUnitFactory(parent=unit_a)
    with django_assert_num_queries(1):
        result = deciding_customers_for(units=[division, unit_a, deeper, unit_b])
    assert result == {
        division.pk: customer_a,
        unit_a.pk: customer_a,
        deeper.pk: customer_a,
        unit_b.pk: contact_b,
    }


def test_units_decided_by(customer_a, purchaser_a, division, unit_a, unit_b):
    assert units_decided_by(user=customer_a.user, units=[division, unit_a, unit_b]) == {
        division.pk,
        unit_a.pk,
    }
    assert units_decided_by(user=purchaser_a.user, units=[unit_a]) == set()


def test_the_sql_form_of_the_rule_agrees_with_the_python_one(
    company, division, unit_a, unit_b, customer_a, purchaser_a, contact_b
):
    deeper = BusinessUnitFactory(parent=unit_a)
    own = ContactFactory(unit=deeper, role=Contact.Role.CUSTOMER)  # decides for `deeper` instead
    units = [company, division, unit_a, deeper, unit_b]
    deciders = deciding_customers_for(units=units)

    for contact in (customer_a, own, contact_b, purchaser_a):
        decided = set(BusinessUnit.objects.decided_by([contact]).values_list("pk", flat=True))
        assert decided == {pk for pk, decider in deciders.items() if decider == contact}, contact
    assert set(BusinessUnit.objects.decided_by([customer_a, contact_b])) == {division, unit_a, unit_b}
    BusinessUnit.objects.update(has_budget=True)
    undecided = {unit for unit in units if deciders[unit.pk] is None}
    assert undecided == {company}
    assert set(BusinessUnit.objects.holding_budget_without_customer()) == undecided


def test_a_unit_has_one_active_customer_at_most(division, customer_a, rm):
    second = Contact(
        unit=division, first_name="Two", last_name="Second", email="two@x.example", role="customer"
    )
    with pytest.raises(DomainError, match="already has an active customer") as error:
        contact_save(contact=second, by=rm)
    assert error.value.field == "role"
    assert not Contact.objects.filter(email="two@x.example").exists()


def test_the_database_backs_the_one_customer_rule(division, customer_a):
    with pytest.raises(IntegrityError):
        Contact.objects.create(
            unit=division, first_name="X", last_name="Y", email="xy@x.example", role="customer"
        )


def test_an_email_is_unique_within_a_unit(unit_a, purchaser_a, rm):
    twin = Contact(unit=unit_a, first_name="P", last_name="Twin", email=purchaser_a.email.upper())
    with pytest.raises(DomainError, match="already a contact"):
        contact_save(contact=twin, by=rm)


def test_budget_holders_without_a_customer_are_a_gap(
    company, division, unit_a, unit_b, customer_a, contact_b
):
    lonely = BusinessUnitFactory(parent=company, has_budget=True)
    covered = BusinessUnitFactory(parent=division, has_budget=True)

    gaps = set(BusinessUnit.objects.holding_budget_without_customer())

    assert lonely in gaps
    assert covered not in gaps  # Finance's customer decides for it
    assert division not in gaps


def test_portfolio_rights(rm, other_rm, it_manager, unit_a):
    ensure_can_edit_unit(user=rm, unit=unit_a)
    ensure_can_edit_unit(user=it_manager, unit=unit_a)  # IT management has the wider right
    with pytest.raises(DomainPermissionError, match="not in your portfolio"):
        ensure_can_edit_unit(user=other_rm, unit=unit_a)


def test_what_a_business_contact_sees(company, division, unit_a, unit_b, customer_a, purchaser_a, contact_b):
    assert set(BusinessUnit.objects.visible_to(customer_a.user)) == {division, unit_a}
    assert set(BusinessUnit.objects.visible_to(purchaser_a.user)) == {unit_a}
    assert set(BusinessUnit.objects.visible_to(contact_b.user)) == {unit_b}
