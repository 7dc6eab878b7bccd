import pytest
from django.contrib.auth.models import AnonymousUser

from core.search import search
from tests.customers.factories import ContactFactory
from tests.relationships.factories import EscalationFactory, InteractionFactory, RequirementFactory
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db


def kinds_and_titles(hits):
    return [(hit.kind, hit.title) for hit in hits]


def test_staff_find_across_kinds_best_first(rm, unit_a, unit_b, purchaser_a):
    ServiceFactory(name="Invoice scanning", description="Scans paper invoices.")
    RequirementFactory(unit=unit_a, title="Faster approval", description="Invoice approval takes weeks.")
    EscalationFactory(unit=unit_b, subject="Invoice portal down")
    InteractionFactory(unit=unit_a, subject="Quarterly meeting", notes="Talked about invoice backlog.")

    hits = search(user=rm, query="invoice")

    assert {hit.kind for hit in hits} == {"service", "requirement", "escalation", "interaction"}
    # Titles that start with the words typed come first.
    assert hits[0].title in {"Invoice scanning", "Invoice portal down"}
    assert hits[-1].title in {"Faster approval", "Quarterly meeting"}


def test_a_few_letters_are_enough(rm, unit_a, purchaser_a):
    hits = search(user=rm, query="purch")
    assert ("contact", "Piet Purchaser") in kinds_and_titles(hits)
    assert kinds_and_titles(search(user=rm, query="Accounts Pay"))[0] == ("unit", "Accounts Payable")


def test_a_business_contact_finds_nothing_of_another_unit(unit_a, unit_b, purchaser_a, contact_b):
    EscalationFactory(unit=unit_a, subject="Shared word alpha")
    EscalationFactory(unit=unit_b, subject="Shared word beta")
    InteractionFactory(unit=unit_b, subject="Shared word internal", is_shared_with_business=False)
    InteractionFactory(unit=unit_b, subject="Shared word published", is_shared_with_business=True)

    titles = {hit.title for hit in search(user=contact_b.user, query="shared word")}

    assert titles == {"Shared word beta", "Shared word published"}
    assert not any("Purchaser" in hit.title for hit in search(user=contact_b.user, query="piet"))


def test_nothing_for_strangers_or_one_letter(unit_a, rm):
    assert search(user=AnonymousUser(), query="accounts") == []
    assert search(user=rm, query="a") == []


def test_one_query_per_kind_however_many_rows(rm, unit_a, django_assert_num_queries):
    for i in range(3):
        ContactFactory(unit=unit_a, last_name=f"Searchable{i}")
    with django_assert_num_queries(6):
        few = search(user=rm, query="searchable")
    for i in range(3, 20):
        ContactFactory(unit=unit_a, last_name=f"Searchable{i}")
    with django_assert_num_queries(6):
        many = search(user=rm, query="searchable")
    assert len(few) == 3 and len(many) == 8  # capped per kind
