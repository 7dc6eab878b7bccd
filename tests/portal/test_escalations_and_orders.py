import pytest
from django.urls import reverse

from relationships.models import Escalation, EscalationEvent
from services.models import Service, Subscription
from tests.customers.factories import StaffFactory
from tests.portal.conftest import subscribe
from tests.relationships.factories import EscalationFactory
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

RAISE = reverse("portal:escalation-create")
ORDER = reverse("portal:order")


def test_contact_raises_an_escalation_about_a_service_they_use(client, purchaser_a, unit_a, rm):
    sub = subscribe(unit_a, name="Payments")
    client.force_login(purchaser_a.user)
    response = client.post(
        RAISE,
        {
            "unit": unit_a.pk,
            "subject": "Payments down",
            "description": "Since Monday.",
            "severity": "high",
            "service": sub.service.pk,
        },
    )
    escalation = Escalation.objects.get()
    assert response["Location"] == reverse("portal:escalation-detail", args=[escalation.pk])
    assert (escalation.level, escalation.raised_by_contact, escalation.service) == (
        1,
        purchaser_a,
        sub.service,
    )
    assert escalation.events.get().kind == EscalationEvent.Kind.RAISED


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject": ""}, "subject", "This field is required."),
        ({"description": ""}, "description", "This field is required."),
        ({"severity": "apocalyptic"}, "severity", "Select a valid choice."),
        ({"service": "999999"}, "service", "Select a valid choice."),
    ],
)
def test_bad_escalations_are_answered_by_the_field(client, purchaser_a, unit_a, overrides, field, message):
    client.force_login(purchaser_a.user)
    data = {
        "unit": unit_a.pk,
        "subject": "Down",
        "description": "Since Monday.",
        "severity": "high",
        "service": "",
    }
    response = client.post(RAISE, {**data, **overrides})
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Escalation.objects.exists()


def test_a_service_of_another_unit_cannot_be_named(client, purchaser_a, unit_a, unit_b):
    other = subscribe(unit_b, name="Sales CRM")
    client.force_login(purchaser_a.user)
    response = client.post(
        RAISE,
        {
            "unit": unit_a.pk,
            "subject": "x",
            "description": "y",
            "severity": "low",
            "service": other.service.pk,
        },
    )
    assert response.status_code == 400
    assert "service" in response.context["form"].errors
    assert not Escalation.objects.exists()


def test_the_route_shows_who_is_at_each_level_and_their_time(
    client, purchaser_a, unit_a, it_manager, steering_member
):
    escalation = EscalationFactory(unit=unit_a, severity="critical")
    client.force_login(purchaser_a.user)
    page = client.get(reverse("portal:escalation-detail", args=[escalation.pk])).content.decode()
    for name in ["Rita Manager", "Ivo Itman", "Stella Steer"]:
        assert name in page
    assert "each level has 4 hours to respond" in page
    form_page = client.get(RAISE).content.decode()
    assert "Rita Manager" in form_page and "72 hours" in form_page


def test_comment_escalate_and_close(client, purchaser_a, unit_a, rm):
    escalation = EscalationFactory(unit=unit_a)
    client.force_login(purchaser_a.user)
    client.post(reverse("portal:escalation-comment", args=[escalation.pk]), {"note": "Still down."})
    client.post(reverse("portal:escalation-escalate", args=[escalation.pk]), {"escalate-note": "No answer."})
    escalation.refresh_from_db()
    assert escalation.level == 2
    kinds = list(escalation.events.values_list("kind", flat=True))
    assert kinds == [EscalationEvent.Kind.COMMENTED, EscalationEvent.Kind.ESCALATED]
    Escalation.objects.filter(pk=escalation.pk).update(status=Escalation.Status.RESOLVED)
    client.post(reverse("portal:escalation-close", args=[escalation.pk]))
    escalation.refresh_from_db()
    assert escalation.status == Escalation.Status.CLOSED
    page = client.get(reverse("portal:escalation-detail", args=[escalation.pk])).content.decode()
    assert "Still down." in page and "No answer." in page


def test_an_empty_comment_is_answered_by_the_field(client, purchaser_a, unit_a):
    escalation = EscalationFactory(unit=unit_a)
    client.force_login(purchaser_a.user)
    response = client.post(reverse("portal:escalation-comment", args=[escalation.pk]), {"note": "   "})
    assert response.status_code == 400
    assert 'id="id_note_error"' in response.content.decode()
    assert not escalation.events.exists()


def test_escalating_past_the_top_says_so(client, purchaser_a, unit_a):
    escalation = EscalationFactory(unit=unit_a, level=3)
    client.force_login(purchaser_a.user)
    response = client.post(
        reverse("portal:escalation-escalate", args=[escalation.pk]), {"escalate-note": "more"}
    )
    assert response.status_code == 400
    assert "already with the IT steering group" in response.content.decode()
    assert not escalation.events.exists()


def test_order_a_live_service(client, purchaser_a, unit_a):
    service = ServiceFactory(name="Video meetings")
    client.force_login(purchaser_a.user)
    assert service.name in client.get(reverse("portal:catalogue")).content.decode()
    response = client.post(
        ORDER, {"service": service.pk, "unit": unit_a.pk, "quantity": "12", "notes": "For the team"}
    )
    assert response.status_code == 302
    sub = Subscription.objects.get()
    assert (sub.unit, sub.service, sub.status, sub.ordered_by, sub.quantity) == (
        unit_a,
        service,
        Subscription.Status.REQUESTED,
        purchaser_a,
        12,
    )


def test_the_orderer_follows_the_order_on_the_home_page(client, purchaser_a, unit_a, rm):
    from services.services import subscription_fulfil, subscription_refuse

    ready = subscription_order_for(unit_a, purchaser_a, "Video meetings")
    refused = subscription_order_for(unit_a, purchaser_a, "Fax")
    client.force_login(purchaser_a.user)
    html = client.get(reverse("portal:home")).content.decode()
    assert html.count("Waiting for IT to fulfil it.") == 2
    subscription_fulfil(subscription=ready, by=rm)
    subscription_refuse(subscription=refused, by=rm, reason="Faxes are retired; use e-mail.")
    html = client.get(reverse("portal:home")).content.decode()
    assert 'id="orders"' in html
    assert "Fulfilled" in html and "by Rita Manager" in html
    assert "Refused" in html and "Faxes are retired; use e-mail." in html
    assert "Waiting for IT to fulfil it." not in html
    # A refused order is not a service in use: its page is not there.
    assert client.get(reverse("portal:subscription-detail", args=[refused.pk])).status_code == 404
    assert client.get(reverse("portal:subscription-detail", args=[ready.pk])).status_code == 200


def subscription_order_for(unit, contact, name):
    from services.services import subscription_order

    return subscription_order(unit=unit, service=ServiceFactory(name=name), by=contact.user)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "greater than or equal to 1"),
        ({"quantity": "many"}, "quantity", "Enter a whole number."),
        ({"service": ""}, "service", "This field is required."),
        ({"service": "retired"}, "service", "Select a valid choice."),
        ({"service": "used"}, "service", "already uses or has ordered"),
    ],
)
def test_bad_orders_are_answered_by_the_field(client, purchaser_a, unit_a, overrides, field, message):
    live = ServiceFactory(name="Video meetings")
    retired = ServiceFactory(name="Fax", lifecycle=Service.Lifecycle.RETIRED)
    used = subscribe(unit_a, name="Payments").service
    client.force_login(purchaser_a.user)
    data = {"service": live.pk, "unit": unit_a.pk, "quantity": "1", "notes": ""}
    data.update(overrides)
    data["service"] = {"retired": retired.pk, "used": used.pk}.get(data["service"], data["service"])
    before = Subscription.objects.count()
    response = client.post(ORDER, data)
    assert response.status_code == 400
    assert any(message in e for e in response.context["form"].errors[field])
    assert f'id="id_{field}_error"' in response.content.decode()
    assert Subscription.objects.count() == before


def test_staff_cannot_use_portal_forms(client, unit_a):
    client.force_login(StaffFactory())
    assert client.post(ORDER, {}).status_code == 302
    assert not Subscription.objects.exists()


def test_escalating_without_saying_why_is_answered_by_the_field(client, purchaser_a, unit_a):
    escalation = EscalationFactory(unit=unit_a)
    client.force_login(purchaser_a.user)
    response = client.post(reverse("portal:escalation-escalate", args=[escalation.pk]), {"escalate-note": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_escalate-note_error"' in page and 'aria-describedby="id_escalate-note_error"' in page
    escalation.refresh_from_db()
    assert escalation.level == 1 and not escalation.events.exists()
