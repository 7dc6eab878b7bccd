"""Stored XSS: script and attribute payloads in every free-text field of every row (unit
and contact names, interaction notes, requirement texts and decisions, escalation notes,
survey comments, service names, agreement notes, action titles, ...), then every staff
page, every portal page and every e-mail the jobs and services send: the payload only ever
appears escaped."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import timezone

from customers.services import contact_grant_portal_access
from relationships import jobs
from relationships.models import OutgoingEmail, Requirement
from relationships.services import requirement_approve, requirement_submit
from tests.api.conftest import make_rows
from tests.customers.factories import ContactFactory
from tests.relationships.factories import RequirementFactory, SurveyCampaignFactory

from .world import fill_free_text, project_models, url_patterns

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
    for model in [*project_models(), get_user_model()]:
        for obj in model.objects.all():
            _poison(obj)
    rows["requirement"].refresh_from_db()
    assert rows["requirement"].title == LONG and rows["requirement"].description == LONG
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
            keys = ROW_OF[name] if isinstance(ROW_OF[name], tuple) else (ROW_OF[name],)
            urls.append(reverse(name, args=[rows[k].pk for k in keys]))
    return urls


def test_staff_pages_escape_stored_payloads(client, poisoned, rm):
    client.force_login(rm)
    opened = 0
    for url in _own_urls(poisoned, portal=False):
        response = client.get(url)
        assert response.status_code in (200, 302, 405), f"GET {url}: {response.status_code}"
        if response.status_code == 200:
            opened += 1
            _assert_escaped(url, response.content.decode())
    # The search with a payload as the query, and its htmx suggestions.
    for url in (
        f"{reverse('relationships:search')}?q=%3Cscript%3E",
        f"{reverse('relationships:search')}?q=alert",
    ):
        _assert_escaped(url, client.get(url, HTTP_HX_REQUEST="true").content.decode())
        _assert_escaped(url, client.get(url).content.decode())
    assert opened > 30


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


def test_every_email_escapes_stored_payloads(
    poisoned, rm, customer_a, purchaser_a, unit_a, django_capture_on_commit_callbacks
):
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
        requirement_approve(requirement=draft, by=customer_a.user, reason=LONG)
    finally:
        template_rendered.disconnect(record)

    emails = list(OutgoingEmail.objects.all())
    for email in emails:
        assert email.body_html, f"{email.subject}: no HTML part"
        _assert_escaped(f"e-mail {email.key}", email.body_html)
    from pathlib import Path

    from django.conf import settings

    every_template = {
        f"emails/{path.name}"
        for path in (Path(settings.BASE_DIR) / "templates" / "emails").glob("*.html")
        if not path.name.startswith("_")
    }
    assert every_template <= rendered, f"not sent by this test: {sorted(every_template - rendered)}"
