"""Cached reads are never stale (core/freshness.py): every committed write to a domain
table moves the data generation, which retires every cached page and API answer; a write
that rolls back moves nothing; a cached answer never reaches another person."""

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import freshness
from customers.models import BusinessUnit, Contact
from notifications.models import OutgoingEmail

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("read_cache_on")]


@pytest.fixture
def token_client():
    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    return make


@pytest.mark.parametrize(
    ("sql", "is_write"),
    [
        ('INSERT INTO "customers_contact" ("unit_id") VALUES (%s)', True),
        ('UPDATE "relationships_escalation" SET "level" = %s', True),
        ('DELETE FROM "services_measurement" WHERE "id" = %s', True),
        ('  update "auth_user" SET "is_active" = false', True),
        ('DELETE FROM "authtoken_token" WHERE "key" = %s', True),
        ('SELECT "id" FROM "customers_contact"', False),
        ('INSERT INTO "relationships_outgoingemail" ("to") VALUES (%s)', False),
        ('UPDATE "relationships_digestitem" SET "digest_id" = %s', False),
        ('UPDATE "django_session" SET "session_data" = %s', False),
        ('INSERT INTO "auth_user_groups" ("user_id") VALUES (%s)', True),
        ('DELETE FROM "auth_group_permissions" WHERE "id" = %s', True),
        ('INSERT INTO "axes_accessattempt" ("username") VALUES (%s)', False),
    ],
)
def test_which_statements_are_domain_writes(sql, is_write):
    assert freshness._is_domain_write(sql) is is_write


def test_committed_writes_move_the_generation_whichever_way_they_are_made(unit_a):
    before = freshness.generation()
    unit_a.name = "Renamed"
    unit_a.save()
    after_save = freshness.generation()
    BusinessUnit.objects.filter(pk=unit_a.pk).update(description="bulk")
    after_update = freshness.generation()
    Contact.objects.bulk_create([Contact(unit=unit_a, first_name="A", last_name="B", email="a@b.example")])
    after_bulk = freshness.generation()
    assert before < after_save < after_update < after_bulk


def test_a_transaction_moves_it_once_at_commit_and_a_rollback_not_at_all(unit_a):
    before = freshness.generation()
    with transaction.atomic():
        for name in ("One", "Two", "Three"):
            BusinessUnit.objects.filter(pk=unit_a.pk).update(name=name)
        assert freshness.generation() == before  # nothing shows before the commit
    assert freshness.generation() == before + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        BusinessUnit.objects.filter(pk=unit_a.pk).update(name="Never")
        raise RuntimeError
    assert freshness.generation() == before + 1


def test_bookkeeping_writes_leave_the_cache_alone(unit_a):
    before = freshness.generation()
    OutgoingEmail.objects.create(key="k", to=["x@example.org"], subject="s", body_text="b")
    assert freshness.generation() == before


def test_an_api_answer_is_cached_until_a_write_commits(rm, unit_a, token_client, django_assert_num_queries):
    client = token_client(rm)
    assert client.get(f"/api/v1/units/{unit_a.pk}/").json()["name"] == "Accounts Payable"
    with django_assert_num_queries(0):  # token and answer both come from the cache
        assert client.get(f"/api/v1/units/{unit_a.pk}/").json()["name"] == "Accounts Payable"
    response = client.patch(f"/api/v1/units/{unit_a.pk}/", {"name": "Payables"}, format="json")
    assert response.status_code == 200
    assert client.get(f"/api/v1/units/{unit_a.pk}/").json()["name"] == "Payables"
    listed = client.get("/api/v1/units/?page_size=50").json()["results"]
    assert "Payables" in [unit["name"] for unit in listed]


def test_a_cached_list_never_reaches_another_person(rm, unit_a, unit_b, purchaser_a, contact_b, token_client):
    everything = {unit["name"] for unit in token_client(rm).get("/api/v1/units/").json()["results"]}
    assert {"Accounts Payable", "Sales Operations"} <= everything
    for contact, own in ((purchaser_a, "Accounts Payable"), (contact_b, "Sales Operations")):
        seen = {unit["name"] for unit in token_client(contact.user).get("/api/v1/units/").json()["results"]}
        assert own in seen
        assert seen < everything


def test_a_revoked_token_or_a_deactivated_user_is_refused_at_once(rm, other_rm, token_client):
    client = token_client(rm)
    assert client.get("/api/v1/units/").status_code == 200
    Token.objects.filter(user=rm).delete()
    assert client.get("/api/v1/units/").status_code == 401
    other = token_client(other_rm)
    assert other.get("/api/v1/units/").status_code == 200
    other_rm.is_active = False
    other_rm.save(update_fields=["is_active"])
    assert other.get("/api/v1/units/").status_code == 401


def test_an_unknown_token_is_refused_every_time(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert [client.get("/api/v1/units/").status_code for _ in range(2)] == [401, 401]


def test_errors_are_not_cached(rm, token_client):
    client = token_client(rm)
    assert client.get("/api/v1/units/999999/").status_code == 404
    assert client.get("/api/v1/units/?page_size=abc").status_code == 400
    assert client.get("/api/v1/units/?page_size=abc").status_code == 400


@pytest.mark.parametrize(("cache_url", "on"), [("", "False"), ("redis://127.0.0.1:6379/14", "True")])
def test_on_by_default_only_with_a_cache_every_process_shares(cache_url, on):
    # A per-process cache (the embedded default's): a worker's write could not retire a web
    # process's pages, so reads are not cached there. Settings are read once: a fresh process.
    import os
    import subprocess
    import sys

    env = {key: value for key, value in os.environ.items() if key not in ("CACHE_URL", "BRM_READ_CACHE")}
    if cache_url:
        env["CACHE_URL"] = cache_url
    code = "import django; django.setup(); from django.conf import settings; print(settings.BRM_READ_CACHE)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == on


def test_on_real_redis_web_and_other_processes_share_the_generation(settings, rm, unit_a, token_client):
    import subprocess
    import sys

    settings.CACHES = {
        "default": {"BACKEND": "brm.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:6379/14"}
    }
    from django.core.cache import cache

    cache.clear()
    client = token_client(rm)
    assert client.get(f"/api/v1/units/{unit_a.pk}/").json()["name"] == "Accounts Payable"
    # Another process (a Celery worker, an import command) writes: its commit moves the
    # generation in Redis, and this process's cached answer is retired.
    from django.db import connection

    code = (
        "import django; django.setup();"
        "from customers.models import BusinessUnit;"
        f"BusinessUnit.objects.filter(pk={unit_a.pk}).update(name='Changed elsewhere')"
    )
    env = {
        **__import__("os").environ,
        "CACHE_URL": "redis://127.0.0.1:6379/14",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict)
        if connection.vendor == "postgresql"
        else "sqlite:///" + str(connection.settings_dict["NAME"]),
    }
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert client.get(f"/api/v1/units/{unit_a.pk}/").json()["name"] == "Changed elsewhere"
    cache.clear()
