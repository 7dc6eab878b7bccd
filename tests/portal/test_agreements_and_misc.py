import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from services.models import Agreement
from tests.customers.factories import ContactFactory
from tests.portal.conftest import subscribe
from tests.relationships.factories import SurveyInvitationFactory
from tests.services.factories import AgreementFactory

pytestmark = pytest.mark.django_db


def test_deciding_customer_signs_a_draft_agreement(client, customer_a, unit_a):
    agreement = AgreementFactory(unit=unit_a)
    client.force_login(customer_a.user)
    page = client.get(reverse("portal:agreement-detail", args=[agreement.pk])).content.decode()
    assert "Sign this agreement" in page
    client.post(reverse("portal:agreement-sign", args=[agreement.pk]))
    agreement.refresh_from_db()
    assert (agreement.status, agreement.signed_by) == (Agreement.Status.ACTIVE, customer_a)


def test_a_purchaser_is_not_offered_to_sign_and_a_forged_post_is_refused(
    client, customer_a, purchaser_a, unit_a
):
    agreement = AgreementFactory(unit=unit_a)
    client.force_login(purchaser_a.user)
    url = reverse("portal:agreement-detail", args=[agreement.pk])
    assert "Sign this agreement" not in client.get(url).content.decode()
    response = client.post(reverse("portal:agreement-sign", args=[agreement.pk]), follow=True)
    assert "Only the deciding customer of Accounts Payable (Carla Cfo) may sign an agreement." in (
        response.content.decode()
    )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT


def test_agreement_page_shows_covered_services_and_their_levels(client, purchaser_a, unit_a):
    agreement = AgreementFactory(unit=unit_a, title="Finance SLA")
    subscribe(unit_a, name="Payments", months=3, agreement=agreement)
    client.force_login(purchaser_a.user)
    page = client.get(reverse("portal:agreement-detail", args=[agreement.pk])).content.decode()
    assert "Payments" in page and "Availability ≥ 99.5 %" in page and "met 2 of 3 months" in page


def test_the_access_link_of_a_staff_login_does_not_work(client, rm):
    path = reverse(
        "portal:access-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(rm.pk)),
            "token": default_token_generator.make_token(rm),
        },
    )
    assert "This link no longer works" in client.get(path, follow=True).content.decode()


def test_a_person_contact_of_two_units_sees_both(client, purchaser_a, unit_a, unit_b):
    ContactFactory(unit=unit_b, user=purchaser_a.user, email="piet@acme.example", role="stakeholder")
    subscribe(unit_a, name="Payments")
    subscribe(unit_b, name="Sales CRM")
    client.force_login(purchaser_a.user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Payments" in page and "Sales CRM" in page
    assert 'Accounts Payable</strong> and <strong class="text-body">Sales Operations' in page


def test_an_inactive_contact_loses_the_portal(client, purchaser_a):
    purchaser_a.is_active = False
    purchaser_a.save()
    client.force_login(purchaser_a.user)
    assert client.get(reverse("portal:home")).status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/portal/order/?service=abc",
        "/portal/order/?service=999999",
        "/portal/requests/?status=%3Cscript%3E&page=abc",
        "/portal/escalations/?page=-1",
        "/portal/notes/?page=99999",
    ],
)
def test_odd_query_strings_are_harmless(client, purchaser_a, url):
    client.force_login(purchaser_a.user)
    response = client.get(url)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_home_offers_the_pending_survey_only_while_open(client, purchaser_a):
    invitation = SurveyInvitationFactory(contact=purchaser_a, status="responded")
    client.force_login(purchaser_a.user)
    assert (
        reverse("portal:survey-answer", args=[invitation.pk])
        not in client.get(reverse("portal:home")).content.decode()
    )


def test_a_brand_new_unit_gets_friendly_empty_states(client, db):
    from tests.customers.factories import BusinessUnitFactory, UserFactory

    unit = BusinessUnitFactory(name="Legal", relationship_manager=None)
    ContactFactory(unit=unit, user=UserFactory(), role="customer")
    client.force_login(unit.contacts.get().user)
    page = client.get(reverse("portal:home")).content.decode()
    for text in [
        "Your unit uses no IT services yet.",
        "No requests in progress.",
        "Nothing escalated right now.",
        "No relationship manager is assigned yet.",
        "No service level agreement yet.",
        "No notes shared with you yet.",
    ]:
        assert text in page
    assert client.get(reverse("portal:escalation-create")).status_code == 200


def test_a_service_page_shows_each_month_and_404s_for_others(client, purchaser_a, contact_b, unit_a):
    sub = subscribe(unit_a, name="Payments", months=3)
    client.force_login(purchaser_a.user)
    url = reverse("portal:subscription-detail", args=[sub.pk])
    assert url in client.get(reverse("portal:home")).content.decode()
    page = client.get(url).content.decode()
    assert "Availability ≥ 99.5 %" in page and "98 %" in page and "99.9 %" in page and "67% met" in page
    client.force_login(contact_b.user)
    assert client.get(url).status_code == 404
