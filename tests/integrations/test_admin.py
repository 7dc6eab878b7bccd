import pytest
from django.core import mail
from django.urls import reverse

from tests.integrations.factories import WebhookEndpointFactory
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["webhookendpoint", "webhookevent", "webhookdelivery"])
def test_every_admin_list_opens_with_search(admin_client, model):
    WebhookEndpointFactory(name="Service desk")
    assert admin_client.get(f"/admin/integrations/{model}/?q=desk").status_code == 200


def test_an_endpoint_is_re_enabled_from_the_admin(admin_client, django_capture_on_commit_callbacks):
    endpoint = WebhookEndpointFactory(is_active=False, consecutive_failures=5, disabled_reason="5 failed")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:integrations_webhookendpoint_changelist"),
            {"action": "re_enable", "_selected_action": [endpoint.pk]},
            follow=True,
        )
    assert "1 endpoint(s) re-enabled." in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 0 and endpoint.disabled_reason == ""
    assert mail.outbox == []


def test_the_secret_is_not_typed_in_the_admin(admin_client):
    endpoint = WebhookEndpointFactory()
    page = admin_client.get(reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]))
    assert 'name="secret"' not in page.content.decode()
    assert endpoint.secret in page.content.decode()
    assert not WebhookDelivery.objects.exists()


def test_the_admin_form_refuses_other_schemes_and_unknown_events(admin_client, it_manager):
    endpoint = WebhookEndpointFactory()
    url = reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])
    form = {
        "name": "Desk",
        "url": "ftp://desk.example.org/",
        "events": ["escalation.raised"],
        "is_active": "on",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "Enter a full http:// or https:// address." in response.content.decode()
    response = admin_client.post(
        url, {**form, "url": "https://desk.example.org/", "events": ["webhook.test"]}
    )
    assert "Select a valid choice." in response.content.decode()
    response = admin_client.post(url, {**form, "url": "https://desk.example.org/", "owner": it_manager.pk})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == ("https://desk.example.org/", ["escalation.raised"])


def test_an_endpoint_added_in_the_admin_gets_a_secret_and_its_creator_as_owner(admin_client):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"name": "Desk", "url": " https://desk.example.org/hooks ", "events": ["escalation.raised"]},
    )
    assert response.status_code == 302, response.content.decode()
    endpoint = WebhookEndpoint.objects.get()
    signed_in = int(admin_client.session["_auth_user_id"])
    assert (endpoint.url, endpoint.owner_id, endpoint.is_active) == (
        "https://desk.example.org/hooks",
        signed_in,
        True,
    )
    assert len(endpoint.secret) >= 32


def test_the_admin_refuses_what_the_api_refuses(admin_client):
    response = admin_client.post(
        reverse("admin:integrations_webhookendpoint_add"),
        {"name": "Desk", "url": "javascript:alert(1)", "events": ["escalation.raised"]},
    )
    assert response.status_code == 200
    assert "Enter a full http:// or https:// address." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_staff_without_the_webhook_right_cannot_change_endpoints_in_the_admin(client, rm):
    rm.is_staff = True
    rm.save()
    client.force_login(rm)
    endpoint = WebhookEndpointFactory()
    url = reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk])
    assert (
        client.post(
            url, {"name": "Mine", "url": "https://x.example.org/", "events": ["escalation.raised"]}
        ).status_code
        == 403
    )
    endpoint.refresh_from_db()
    assert endpoint.name != "Mine"
