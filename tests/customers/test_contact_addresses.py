"""One e-mail address is one person. Logins, survey invitations and notification settings
are matched by address, whatever its case; so a second contact under an address that is
already someone else's (in another case, in another unit) would be taken for them. The
same person may be a contact of several units under one address. The rule is in
customers.services (contact_save and the import call it); the staff form, the API and the
import show it at the e-mail field."""

import pytest
from django.db import IntegrityError
from django.urls import reverse
from rest_framework.test import APIClient

from core.domain import DomainError
from customers.imports import ContactImporter
from customers.models import Contact
from customers.services import contact_save
from tests.customers.factories import ContactFactory

pytestmark = pytest.mark.django_db

HEADER = "unit,first_name,last_name,email,role,phone,job_title,is_active\n"
TAKEN = "PIET@Acme.example is the address of Piet Purchaser (Accounts Payable): one address is one person."


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_another_persons_address_in_another_case_is_refused(rm, purchaser_a, division):
    impostor = Contact(unit=division, first_name="Paul", last_name="Other", email="PIET@Acme.example")
    with pytest.raises(DomainError) as error:
        contact_save(contact=impostor, by=rm)
    assert (error.value.field, error.value.message) == ("email", TAKEN)
    assert not Contact.objects.filter(first_name="Paul").exists()


def test_the_same_person_may_be_a_contact_of_another_unit(rm, purchaser_a, division):
    again = Contact(unit=division, first_name="piet", last_name="PURCHASER", email="Piet@acme.example")
    assert contact_save(contact=again, by=rm).pk
    # Renaming one of the two is a change of that contact, not a new address: allowed.
    again.last_name = "Smit"
    contact_save(contact=again, by=rm)


def test_one_address_once_per_unit_in_the_database(unit_a, purchaser_a):
    with pytest.raises(IntegrityError):
        ContactFactory(unit=unit_a, email=purchaser_a.email.upper())


def test_the_staff_form_says_it_at_the_email(client, rm, purchaser_a, division):
    client.force_login(rm)
    response = client.post(
        reverse("customers:contact-create"),
        {
            "unit": division.pk,
            "first_name": "Paul",
            "last_name": "Other",
            "email": "PIET@Acme.example",
            "role": "stakeholder",
            "is_active": "on",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == [TAKEN]


def test_the_api_answers_400_at_the_email(rm, purchaser_a, division):
    response = api(rm).post(
        "/api/v1/contacts/",
        {"unit": division.pk, "first_name": "Paul", "last_name": "Other", "email": "PIET@Acme.example"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["email"] == [TAKEN]
    assert Contact.objects.filter(email__iexact="piet@acme.example").count() == 1


def test_the_import_refuses_the_line(rm, purchaser_a, division):
    text = HEADER + (
        "fin,Paul,Other,PIET@Acme.example,stakeholder,,,\n"
        "fin,Piet,Purchaser,piet@acme.example,stakeholder,,,\n"
        "fin,Anna,Berg,anna@acme.example,stakeholder,,,\n"
        "fin-ap,Anne,Berg,ANNA@acme.example,stakeholder,,,\n"
    )
    report = ContactImporter(by=rm).run(content=text.encode(), filename="c.csv", commit=False)
    messages = {line.line: " ".join(line.errors) for line in report.errors}
    assert messages == {
        2: "email: piet@acme.example is the address of Piet Purchaser (Accounts Payable): one address is one person.",
        5: "email: anna@acme.example is the address of Anna Berg (line 4): one address is one person.",
    }


def test_moving_a_contact_to_a_unit_that_has_the_address_is_refused(rm, purchaser_a, division):
    twin = ContactFactory(unit=division, first_name="Piet", last_name="Purchaser", email="piet@acme.example")
    twin.unit = purchaser_a.unit
    with pytest.raises(DomainError, match="already a contact of Accounts Payable") as error:
        contact_save(contact=twin, by=rm)
    assert error.value.field == "email"
