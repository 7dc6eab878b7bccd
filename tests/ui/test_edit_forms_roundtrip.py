"""Every edit form, saved unchanged, changes nothing.

The demo organisation (`seed_demo`) is loaded once; for every edit page of the staff
workspace and the portal, each demo object is opened by someone allowed to edit it, its
form is read from the HTML as rendered and posted back exactly as a browser would send it
(tests/ui/browser_form.py), and the row must come back as it was: a redirect, no error, no
field changed. Dates a browser cannot read, a select that shows no choice, seconds cut
off a time or line breaks turned into CRLF would each change a row or refuse the save.

The edit pages are found in the URL configuration: a new one fails this test until it is
walked here too.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from customers.models import BusinessObjective, BusinessUnit, Contact
from relationships.models import FollowUpAction, Interaction, Opportunity, Requirement
from relationships.notifications import preferences_for
from services.models import Agreement, Service, ServiceLevelTarget
from tests.ui.browser_form import error_messages, main_form
from webhooks import services as integration_services
from webhooks.models import WebhookEndpoint

User = get_user_model()

# Names of edit pages: a form that changes something that already exists.
EDIT_NAME_ENDINGS = ("-edit", "-update", "notification-settings")
NOT_PAGES = ("admin",)  # Django's admin is not part of the staff workspace


def url_names(resolver=None, namespace: str = "") -> set[str]:
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in NOT_PAGES:
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def user(username: str):
    return User.objects.get(username=username)


def manager_of(unit: BusinessUnit):
    return unit.relationship_manager or user("ivo")


def row_snapshot(obj: models.Model) -> dict:
    """Every stored value of the row, many-to-many ids included, except the timestamps a
    save renews by itself (auto_now)."""
    fresh = type(obj).objects.get(pk=obj.pk)
    values = {
        f.attname: getattr(fresh, f.attname)
        for f in fresh._meta.concrete_fields
        if not getattr(f, "auto_now", False)
    }
    for m2m in fresh._meta.many_to_many:
        values[m2m.name] = sorted(getattr(fresh, m2m.name).values_list("pk", flat=True))
    return values


@dataclass
class EditPage:
    objects: Callable[[], Iterable]
    kwargs: Callable[[object], dict]
    editor: Callable[[object], object]
    snapshot: Callable[[object], dict] = row_snapshot


def _endpoints():
    if not WebhookEndpoint.objects.exists():  # the demo registers none
        integration_services.endpoint_create(
            by=user("admin"),
            name="Service desk",
            url="https://desk.example.org/hooks/brm",
            events=["escalation.raised", "requirement.decided"],
        )
    return WebhookEndpoint.objects.all()


def _preferences(person) -> dict:
    return preferences_for(user=person)


EDIT_PAGES = {
    "customers:unit-edit": EditPage(
        objects=lambda: BusinessUnit.objects.all(),
        kwargs=lambda unit: {"pk": unit.pk},
        editor=manager_of,
    ),
    "customers:contact-edit": EditPage(
        objects=lambda: Contact.objects.select_related("unit"),
        kwargs=lambda contact: {"pk": contact.pk},
        editor=lambda contact: manager_of(contact.unit),
    ),
    "customers:objective-edit": EditPage(
        objects=lambda: BusinessObjective.objects.select_related("unit"),
        kwargs=lambda objective: {"pk": objective.pk},
        editor=lambda objective: manager_of(objective.unit),
    ),
    "services:service-edit": EditPage(
        objects=lambda: Service.objects.all(),
        kwargs=lambda service: {"pk": service.pk},
        editor=lambda service: user("ivo"),
    ),
    "services:target-edit": EditPage(
        objects=lambda: ServiceLevelTarget.objects.all(),
        kwargs=lambda target: {"service_pk": target.service_id, "pk": target.pk},
        editor=lambda target: user("ivo"),
    ),
    "services:agreement-edit": EditPage(
        objects=lambda: Agreement.objects.select_related("unit"),
        kwargs=lambda agreement: {"pk": agreement.pk},
        editor=lambda agreement: manager_of(agreement.unit),
    ),
    "relationships:interaction-edit": EditPage(
        objects=lambda: Interaction.objects.select_related("unit"),
        kwargs=lambda interaction: {"pk": interaction.pk},
        editor=lambda interaction: manager_of(interaction.unit),
    ),
    "relationships:action-edit": EditPage(
        objects=lambda: FollowUpAction.objects.select_related("unit"),
        kwargs=lambda action: {"pk": action.pk},
        editor=lambda action: manager_of(action.unit),
    ),
    "relationships:requirement-edit": EditPage(
        # Only a requirement being prepared can be changed; the others show no form.
        objects=lambda: Requirement.objects.filter(status=Requirement.Status.DRAFT).select_related("unit"),
        kwargs=lambda requirement: {"pk": requirement.pk},
        editor=lambda requirement: manager_of(requirement.unit),
    ),
    "relationships:opportunity-edit": EditPage(
        objects=lambda: Opportunity.objects.select_related("unit"),
        kwargs=lambda opportunity: {"pk": opportunity.pk},
        editor=lambda opportunity: manager_of(opportunity.unit),
    ),
    "integrations:endpoint-edit": EditPage(
        objects=_endpoints,
        kwargs=lambda endpoint: {"pk": endpoint.pk},
        editor=lambda endpoint: user("admin"),
    ),
    "relationships:notification-settings": EditPage(
        objects=lambda: User.objects.filter(username__in=["rita", "omar", "ivo", "stella"]),
        kwargs=lambda person: {},
        editor=lambda person: person,
        snapshot=_preferences,
    ),
    "portal:notification-settings": EditPage(
        objects=lambda: User.objects.filter(username__in=["carla", "olivia", "piet"]),
        kwargs=lambda person: {},
        editor=lambda person: person,
        snapshot=_preferences,
    ),
}


@pytest.fixture(scope="module")
def demo_organisation(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module and rolled back after it (each test runs in
    a savepoint inside this transaction, so one test's saves do not reach the next)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", quiet=True)
        # Text of several lines, as the API stores it ("\n"; a browser sends "\r\n").
        Interaction.objects.filter(pk=Interaction.objects.order_by("pk")[0].pk).update(
            notes="Agreed:\n- more scanning capacity\n- a weekly check"
        )
        Agreement.objects.filter(pk=Agreement.objects.order_by("pk")[0].pk).update(
            notes="Reviewed yearly.\n\nPenalties do not apply."
        )
        # People leave and units close; what a row has stays: the service owner, who was
        # at a meeting, a contact's unit.
        User.objects.filter(username="sam").update(is_active=False)
        Contact.objects.filter(email="anouk.visser@northwind.example").update(is_active=False)
        BusinessUnit.objects.filter(code="fin-tre").update(is_active=False)
        yield
        transaction.set_rollback(True)


def test_every_edit_page_is_walked():
    edit_pages = {name for name in url_names() if name.endswith(EDIT_NAME_ENDINGS)}
    assert edit_pages - set(EDIT_PAGES) == set(), "walk the new edit page in EDIT_PAGES"
    assert set(EDIT_PAGES) - edit_pages == set(), "an edit page walked here no longer exists"


def _differences(before: dict, after: dict) -> list[str]:
    return [
        f"{name}: {before.get(name)!r} → {after.get(name)!r}"
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


@pytest.mark.parametrize("url_name", sorted(EDIT_PAGES))
def test_an_edit_form_saved_unchanged_changes_nothing(demo_organisation, db, url_name):
    page = EDIT_PAGES[url_name]
    objects = list(page.objects())
    assert objects, f"the demo has nothing to edit on {url_name}"
    problems = []
    for obj in objects:
        client = Client()
        client.force_login(page.editor(obj))
        path = reverse(url_name, kwargs=page.kwargs(obj))
        shown = client.get(path)
        assert shown.status_code == 200, f"{path} answers {shown.status_code} to its editor"
        html = shown.content.decode()
        data = main_form(html, path=path).data()
        before = page.snapshot(obj)
        saved = client.post(path, data)
        if saved.status_code != 302:
            form = (saved.context or {}).get("form")
            errors = (
                form.errors.get_json_data() if form is not None else error_messages(saved.content.decode())
            )
            problems.append(f"{path} ({obj}): not saved ({saved.status_code}): {errors}")
            continue
        if changed := _differences(before, page.snapshot(obj)):
            problems.append(f"{path} ({obj}): changed {'; '.join(changed)}")
    assert not problems, "\n".join(problems)


def test_the_browser_rules_of_the_guard():
    """The form reader itself: what a browser sends for the controls our pages use."""
    from tests.ui.browser_form import forms_in

    html = """
    <form method="post">
      <input type="date" name="iso" value="2026-11-28">
      <input type="date" name="local" value="28/11/2026">
      <input type="datetime-local" name="at" value="2026-11-23T15:14:00">
      <select name="one"><option value="">---</option><option value="2">Two</option></select>
      <select name="many" multiple><option value="1" selected>1</option><option value="2" selected>2</option></select>
      <input type="checkbox" name="yes" checked><input type="checkbox" name="no" value="x">
      <input type="text" name="off" value="v" disabled>
      <textarea name="notes">
line one
line two</textarea>
    </form>"""
    assert forms_in(html)[0].data() == {
        "iso": ["2026-11-28"],
        "local": [""],
        "at": ["2026-11-23T15:14"],
        "one": [""],
        "many": ["1", "2"],
        "yes": ["on"],
        "notes": ["line one\r\nline two"],
    }
    assert datetime.date.fromisoformat(forms_in(html)[0].data()["iso"][0]).day == 28
