"""The stack (see stack.py) once per test session, and the organisation each test loads:
two relationship managers, three business contacts, two API tokens."""

import os
import shutil
import uuid

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from . import stack as stack_module
from .traffic import PASSWORD, ApiClient, BusinessContact, ReadinessProbe, RelationshipManager


def _require(binary: str) -> str:
    path = stack_module.executable(binary)
    if path is None:
        message = f"{binary} is not installed; the load and fault tests need it."
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def load_stack(django_db_setup, tmp_path_factory):
    """Redis, the PostgreSQL relay, gunicorn and a Celery worker, on the test database.
    Stopped at the end of the session, before the test database is dropped."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        pytest.skip("the load and fault tests run on PostgreSQL (make test)")
    _require("redis-server")
    gunicorn = _require("gunicorn")
    started = stack_module.start_stack(db=db, workdir=tmp_path_factory.mktemp("stack"), gunicorn=gunicorn)
    try:
        yield started
    finally:
        stack_module.stop_stack(started)


@pytest.fixture
def stack(load_stack, transactional_db):
    """The stack, healthy, with an empty mail folder; healed again whatever the test broke."""
    for path in load_stack.mail_dir.iterdir():
        path.unlink() if path.is_file() else shutil.rmtree(path)
    load_stack.heal()
    try:
        yield load_stack
    finally:
        load_stack.heal()


@pytest.fixture(scope="session")
def server_password_hash():
    # The server checks passwords with Django's default hasher (the tests' fast MD5 one is
    # not among its hashers). Hashed once: each hash costs about half a second.
    hasher = PBKDF2PasswordHasher()
    return hasher.encode(PASSWORD, hasher.salt())


@pytest.fixture
def actors(stack, rm, other_rm, unit_a, unit_b, customer_a, purchaser_a, contact_b, server_password_hash):
    """One of each per role, on units where they may do what they do; call with a run id."""
    User.objects.filter(
        pk__in=[rm.pk, other_rm.pk, customer_a.user_id, purchaser_a.user_id, contact_b.user_id]
    ).update(password=server_password_hash)
    tokens = {user.pk: Token.objects.create(user=user).key for user in (rm, other_rm)}

    def make(run_id: str | None = None, *, probe: bool = False):
        run_id = run_id or uuid.uuid4().hex[:8]
        common = {"base_url": stack.base_url, "run_id": run_id, "record": None}
        team = [
            RelationshipManager(
                name="rita", username=rm.username, user_id=rm.pk, unit_id=unit_a.pk, **common
            ),
            RelationshipManager(
                name="otto", username=other_rm.username, user_id=other_rm.pk, unit_id=unit_b.pk, **common
            ),
            BusinessContact(name="carla", username="carla", unit_id=unit_a.pk, **common),
            BusinessContact(name="piet", username="piet", unit_id=unit_a.pk, **common),
            BusinessContact(name="bea", username="bea", unit_id=unit_b.pk, **common),
            ApiClient(name="api-rita", token=tokens[rm.pk], unit_id=unit_a.pk, **common),
            ApiClient(name="api-otto", token=tokens[other_rm.pk], unit_id=unit_b.pk, **common),
        ]
        if probe:
            team.append(ReadinessProbe(name="readyz", **common))
        return team

    return make
