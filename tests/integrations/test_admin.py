import pytest
from django.core import mail
from django.urls import reverse

from tests.integrations.factories import WebhookEndpointFactory
from webhooks.models import WebhookDelivery

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
    assert "Enter a valid URL." in response.content.decode()
    response = admin_client.post(
        url, {**form, "url": "https://desk.example.org/", "events": ["webhook.test"]}
    )
    assert "Select a valid choice." in response.content.decode()
    response = admin_client.post(url, {**form, "url": "https://desk.example.org/", "owner": it_manager.pk})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events) == ("https://desk.example.org/", ["escalation.raised"])
