"""The delivery log says in words what went wrong, per kind of failure, with what to check;
never a Python exception, class name or traceback (those go to the server log)."""

import re

import pytest
import requests
from django.urls import reverse

from webhooks import failures, services
from webhooks.models import EventType, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db

PYTHON_TEXT = re.compile(
    r"Error\b|Exception|Traceback|HTTPConnectionPool|urllib3|object at 0x|Errno|\bMax retries"
)


def record(endpoint):
    return services.event_record(
        event_type=EventType.ESCALATION_RAISED,
        build_data=lambda: {"escalation": {"id": 7}},
        endpoints=[endpoint],
    )


def failed_with(run, endpoint) -> str:
    run(record, endpoint=endpoint)
    [delivery] = WebhookDelivery.objects.all()
    assert not PYTHON_TEXT.search(delivery.last_error), delivery.last_error
    return delivery.last_error


def test_a_tls_failure_says_the_secure_connection_failed(run, endpoint, receiver):
    # The receiver speaks plain HTTP: an https:// address cannot shake hands with it.
    endpoint.url = receiver.url.replace("http://", "https://")
    endpoint.save()
    assert failed_with(run, endpoint) == (
        "The secure connection (TLS) to 127.0.0.1 failed: the address does not answer with TLS "
        "(is it http://, or another port?)."
    )


def test_an_http_error_gives_its_status_what_to_check_and_an_excerpt_of_the_answer(run, endpoint, receiver):
    receiver.answers = [404]
    assert failed_with(run, endpoint) == (
        "HTTP 404 Not Found: the receiver has no page at this address: check the URL. "
        "It answered: “receiver says no”"
    )


def test_a_refused_signature_points_at_the_secret(run, endpoint, receiver):
    receiver.secret = "another secret"  # the receiver answers 401 to a signature it cannot check
    assert failed_with(run, endpoint).startswith(
        "HTTP 401 Unauthorized: the receiver refused the signature: check that it uses this endpoint's current secret."
    )


def test_a_redirect_says_it_is_not_followed_and_where_it_leads(run, endpoint, receiver):
    receiver.redirect_to = "https://hooks.example.org/brm"
    assert failed_with(run, endpoint).startswith(
        "HTTP 307 Temporary Redirect: the receiver redirects to https://hooks.example.org/brm; "
        "redirects are not followed, so register the final address."
    )


def test_the_failures_without_an_answer_read_as_sentences():
    url = "https://hooks.example.org/brm"

    def said(exc):
        return failures.request_failure(exc, url=url, timeout=5)

    assert said(requests.exceptions.ConnectTimeout("HTTPSConnectionPool(...): Max retries")) == (
        "No connection to hooks.example.org within 5 s: the receiver did not answer. "
        "Check that it runs and that this server may reach it."
    )
    assert (
        said(
            requests.exceptions.ConnectionError(
                "HTTPSConnectionPool(host='hooks.example.org', port=443): Max retries exceeded "
                '(Caused by NameResolutionError("<urllib3.connection.HTTPSConnection object at 0x7f>: '
                "Failed to resolve 'hooks.example.org' ([Errno -2] Name or service not known)\"))"
            )
        )
        == "The host name hooks.example.org could not be found (DNS)."
    )
    assert said(
        requests.exceptions.SSLError(
            "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:992)"
        )
    ) == (
        "The secure connection (TLS) to hooks.example.org failed: its certificate is not trusted "
        "(self-signed certificate)."
    )
    assert said(requests.exceptions.ConnectionError("('Connection aborted.', RemoteDisconnected(...))")) == (
        "hooks.example.org closed the connection before answering."
    )
    for exc in (requests.exceptions.ConnectionError("odd"), requests.exceptions.ChunkedEncodingError("x")):
        assert not PYTHON_TEXT.search(said(exc))


def test_a_long_html_answer_is_cut_to_a_short_excerpt():
    body = "<html><head><title>Oops</title></head><body><h1>Bad gateway</h1>" + "x" * 400 + "</body></html>"
    message = failures.http_failure(status=502, reason="Bad Gateway", body=body)
    assert message.startswith(
        "HTTP 502 Bad Gateway: the receiver had an error of its own; it is tried again later."
    )
    assert "<" not in message and "It answered: “Oops Bad gateway xxx" in message
    assert len(message) < 300 and message.endswith("…”")


def test_the_delivery_log_shows_the_whole_message(client, it_manager, endpoint):
    message = failures.http_failure(status=503, reason="Service Unavailable", body="maintenance until 14:00")
    event = WebhookEvent.objects.create(
        event_type=EventType.ESCALATION_RAISED, occurred_at="2026-03-02T09:00:00Z", data={}
    )
    WebhookDelivery.objects.create(event=event, endpoint=endpoint, response_code=503, last_error=message)
    client.force_login(it_manager)
    html = client.get(reverse("integrations:endpoint-detail", args=[endpoint.pk])).content.decode()
    assert (
        "the receiver had an error of its own; it is tried again later. It answered: “maintenance until 14:00”"
        in html
    )
