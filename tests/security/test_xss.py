"""Stored XSS: script and attribute payloads in every free-text field of every row (unit
and contact names, interaction notes, requirement texts and decisions, escalation notes,
survey comments, service names, agreement notes, action titles, ...), then every staff
page, every portal page and every e-mail the jobs and services send: the payload only ever
appears escaped."""

import csv
import datetime
import http.server
import io
import threading
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from core.importing import importers
from customers.services import contact_grant_portal_access
from notifications.models import NotificationPreference, OutgoingEmail
from relationships import jobs, notifications
from relationships.models import Requirement
from relationships.services import requirement_decide, requirement_submit
from services.services import subscription_order, subscription_refuse
from tests.api.conftest import make_rows
from tests.customers.factories import ContactFactory
from tests.integrations.factories import WebhookEndpointFactory
from tests.relationships.factories import RequirementFactory, SurveyCampaignFactory
from tests.services.factories import ServiceFactory
from webhooks.models import EventType, WebhookEndpoint
from webhooks.services import event_record

from .world import fill_free_text, project_models, url_args, url_patterns, webhook_rows

pytestmark = pytest.mark.django_db

LONG = """<script>alert(1)</script>"><img src=x onerror=alert(2)>"""
SHORT = """'"><svg onload=alert(3)>"""
RAW = ("<script>alert(1)", "<img src=x", "<svg onload")


def _poison(obj):
    # Long payload where it fits, the short one in the shorter fields.
    fill_free_text(obj, SHORT)
    fill_free_text(obj, LONG)


def _assert_escaped(where, text):
    for raw in RAW:
        assert raw not in text, f"{where}: unescaped {raw!r}"


@pytest.fixture
def poisoned(unit_a, unit_b, customer_a, purchaser_a, contact_b, rm, other_rm, it_manager):
    campaign = SurveyCampaignFactory()
    rows = make_rows(unit_a, contact=purchaser_a, campaign=campaign)
    make_rows(unit_b, contact=contact_b, campaign=campaign)
    rows.update(webhook_rows(owner=it_manager))
    for model in [*project_models(), get_user_model()]:
        for obj in model.objects.all():
            _poison(obj)
    rows["requirement"].refresh_from_db()
    assert rows["requirement"].title == LONG and rows["requirement"].description == LONG
    rows["webhook_delivery"].refresh_from_db()
    assert rows["webhook_delivery"].last_error == LONG
    return rows


def _own_urls(rows, *, portal: bool):
    from .test_url_walk import ROW_OF

    urls = []
    for route, name, params in url_patterns():
        if route.startswith(("admin/", "api/")) or name is None:
            continue
        if portal != route.startswith(("portal/", "s/")):
            continue
        if not params:
            urls.append(reverse(name))
        elif name == "survey:answer":
            urls.append(reverse(name, args=[rows["invitation"].token]))
        elif name in ROW_OF and ROW_OF[name]:
            urls.extend(reverse(name, args=args) for args in url_args(ROW_OF[name], rows))
    return urls


WEBHOOK_PAGES = "/integrations/"  # for those who manage the webhooks only


def test_staff_pages_escape_stored_payloads(client, poisoned, rm, it_manager):
    client.force_login(rm)
    opened = 0
    webhook_pages = []
    for url in _own_urls(poisoned, portal=False):
        response = client.get(url)
        if url.startswith(WEBHOOK_PAGES):
            # A relationship manager may not manage the webhooks: walked below by IT management.
            assert response.status_code in (403, 405), (
                f"GET {url} as a relationship manager: {response.status_code}"
            )
            webhook_pages.append(url)
            continue
        assert response.status_code in (200, 302, 405), f"GET {url}: {response.status_code}"
        if response.get("Content-Disposition", "").startswith("attachment"):
            # A download of current data holds the data as it is (a spreadsheet, never shown
            # as a page); formulas are neutralised there (tests/test_exporting.py).
            assert not response["Content-Type"].startswith("text/html"), url
            continue
        if response.status_code == 200:
            opened += 1
            _assert_escaped(url, response.content.decode(errors="replace"))
    # The search with a payload as the query, and its htmx suggestions.
    for url in (
        f"{reverse('relationships:search')}?q=%3Cscript%3E",
        f"{reverse('relationships:search')}?q=alert",
    ):
        _assert_escaped(url, client.get(url, HTTP_HX_REQUEST="true").content.decode())
        _assert_escaped(url, client.get(url).content.decode())
    assert opened > 30

    # The webhooks pages, as IT management (signing in puts their navbar link in the session).
    client.force_login(it_manager)
    opened = 0
    for url in webhook_pages:
        response = client.get(url)
        assert response.status_code in (200, 405), f"GET {url}: {response.status_code}"
        if response.status_code == 200:
            opened += 1
            _assert_escaped(url, response.content.decode())
    endpoint = poisoned["webhook_endpoint"]
    page = client.get(reverse("integrations:endpoint-detail", args=[endpoint.pk])).content.decode()
    assert reverse("integrations:endpoint-list") in page  # the navbar link
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the name and the delivery's last error
    assert opened >= 4  # list, new, detail, edit


def _csv(lines) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return out.getvalue().encode()


def _upload(client, kind, content, filename="rows.csv"):
    return client.post(
        reverse("imports:start"),
        {"kind": kind, "file": SimpleUploadedFile(filename, content, content_type="text/csv")},
    )


@pytest.mark.parametrize("kind", list(importers()))
def test_the_import_preview_escapes_the_files_cells(client, poisoned, it_manager, rm, unit_a, kind):
    """The preview (and the result page) shows cell values back: in labels, in the errors
    and as the old and new values of a change. A payload in any cell stays escaped."""
    importer = importers()[kind]
    # An example line that finds real rows (so it changes them, their stored payloads as the
    # old values), then the same line with each cell in turn a payload, then only payloads.
    known = {
        "unit": unit_a.code,
        "parent": unit_a.parent.code,
        "relationship_manager": rm.username,
        "owner": rm.username,
        "service": poisoned["service"].code,
        "code": unit_a.code if kind == "units" else poisoned["service"].code,
        "email": poisoned["contact"].email,
        "target": poisoned["target"].name,
    }
    example = [known.get(column, importer.example.get(column, "")) for column in importer.columns]
    lines = [importer.columns, example]
    for i in range(len(importer.columns)):
        lines.append([LONG if j == i else value for j, value in enumerate(example)])
    lines.append([LONG] * len(importer.columns))
    client.force_login(it_manager)

    uploaded = _upload(client, kind, _csv(lines), filename="<svg onload=alert(3)>.csv")
    assert uploaded.status_code == 302, uploaded.content.decode()[-2000:]
    preview = client.get(uploaded["Location"])
    assert preview.status_code == 200
    body = preview.content.decode()
    _assert_escaped(f"{kind} preview", body)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # the cells are shown back
    assert "import-error" in body
    for show in ("error", "create", "update"):
        _assert_escaped(f"{kind} preview", client.get(uploaded["Location"], {"show": show}).content.decode())

    token = parse_qs(urlparse(uploaded["Location"]).query)["upload"][0]
    result = client.post(reverse("imports:confirm", args=[kind]), {"upload": token, "mode": "valid"})
    assert result.status_code in (200, 302)
    _assert_escaped(f"{kind} result", result.content.decode())

    # A file refused whole names the unknown column it found: escaped too.
    refused = _upload(client, kind, _csv([[*importer.columns, LONG], example]))
    assert refused.status_code == 400
    _assert_escaped(f"{kind} unknown column", refused.content.decode())
    assert "&lt;script&gt;alert(1)" in refused.content.decode()


@pytest.mark.parametrize("who", ["customer_a", "purchaser_a"])
def test_portal_pages_escape_stored_payloads(client, poisoned, request, who):
    client.force_login(request.getfixturevalue(who).user)
    opened = 0
    for url in _own_urls(poisoned, portal=True):
        response = client.get(url)
        if response.status_code == 200:
            opened += 1
            _assert_escaped(url, response.content.decode())
    assert opened > 10


@pytest.fixture
def failing_receiver():
    """A webhook receiver on 127.0.0.1 that answers every POST with a 500 and a payload as
    its body: the body becomes the delivery's last error, shown on pages and in e-mails."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            reply = LONG.encode()
            self.send_response(500)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    server.shutdown()
    server.server_close()


def test_every_email_escapes_stored_payloads(
    poisoned,
    rm,
    customer_a,
    purchaser_a,
    unit_a,
    it_manager,
    settings,
    failing_receiver,
    django_capture_on_commit_callbacks,
):
    # Two people take everything they may in the daily digest: what is held for them is
    # summed up there (unit names, decision reasons ...).
    for user in (rm, customer_a.user):
        for spec in notifications.kinds_for(notifications.audience_of(user)):
            if NotificationPreference.Delivery.DIGEST in dict(spec.choices):
                NotificationPreference.objects.create(
                    user=user, kind=spec.kind, delivery=NotificationPreference.Delivery.DIGEST
                )
    rendered = set()

    def record(sender, template, context, **kwargs):
        rendered.add(template.name)

    template_rendered.connect(record)
    try:
        now = timezone.now()
        later = now + datetime.timedelta(days=400)
        with django_capture_on_commit_callbacks(execute=True):  # the invitations go out after commit
            jobs.survey_schedule(now=later)
        jobs.survey_remind_and_close(now=later + datetime.timedelta(days=8))
        jobs.escalation_ladder(now=now + datetime.timedelta(days=2))
        jobs.actions_overdue_remind(today=timezone.localdate() + datetime.timedelta(days=30))
        review_on = timezone.localdate() + datetime.timedelta(days=10)
        type(poisoned["agreement"]).objects.filter(pk=poisoned["agreement"].pk).update(
            next_review_on=review_on, status="active", signed_by=customer_a, signed_at=timezone.now()
        )
        jobs.agreement_reviews_due(today=timezone.localdate())
        newcomer = ContactFactory(unit=unit_a, email="new@acme.example")
        _poison(newcomer)
        newcomer.refresh_from_db()
        contact_grant_portal_access(contact=newcomer, by=rm)
        draft = RequirementFactory(unit=unit_a, prepared_by=purchaser_a, status=Requirement.Status.DRAFT)
        _poison(draft)
        draft.refresh_from_db()
        requirement_submit(requirement=draft, by=purchaser_a.user)
        requirement_decide(requirement=draft, by=customer_a.user, decision="approve", reason=LONG)
        # An order of a poisoned service, refused with a poisoned reason.
        offered = ServiceFactory()
        _poison(offered)
        offered.refresh_from_db()
        order = subscription_order(unit=unit_a, service=offered, by=purchaser_a.user, notes=LONG)
        subscription_refuse(subscription=order, by=rm, reason=LONG)
        # A webhook endpoint whose receiver keeps failing is disabled and its owner told,
        # with the receiver's answer.
        settings.BRM_WEBHOOK_MAX_ATTEMPTS = 1
        settings.BRM_WEBHOOK_DISABLE_AFTER_FAILURES = 1
        endpoint = WebhookEndpointFactory(owner=it_manager)
        _poison(endpoint)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=failing_receiver)
        endpoint.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            event_record(event_type=EventType.ESCALATION_RAISED, build_data=dict, endpoints=[endpoint])
        endpoint.refresh_from_db()
        assert not endpoint.is_active
        settings.BRM_DIGEST_HOUR = 0  # the day's digest is due whatever the hour the test runs
        assert jobs.notification_digest() == 2
    finally:
        template_rendered.disconnect(record)

    emails = list(OutgoingEmail.objects.all())
    for email in emails:
        assert email.body_html, f"{email.subject}: no HTML part"
        _assert_escaped(f"e-mail {email.key}", email.body_html)
    # The payloads did reach the new e-mails (escaped), so the check above means something.
    for key in ("digest:", "webhook-disabled:"):
        [*found] = (email for email in emails if email.key.startswith(key))
        assert found, f"no {key} e-mail"
        for email in found:
            assert "&lt;script&gt;alert(1)" in email.body_html, f"{email.key}: no payload shown"
    from pathlib import Path

    from django.conf import settings

    every_template = {
        f"emails/{path.name}"
        for path in (Path(settings.BASE_DIR) / "templates" / "emails").glob("*.html")
        if not path.name.startswith("_")
    }
    assert every_template <= rendered, f"not sent by this test: {sorted(every_template - rendered)}"
