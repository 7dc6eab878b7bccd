"""What every test runs with; the actors themselves are in tests/actors.py."""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from brm.celery import app as celery_app

# Real Celery workers on the test broker, for any test folder that needs one.
pytest_plugins = ["tests.actors", "tests.celery_workers"]


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_in_process():
    # Unit tests run tasks in the test's own process; the worker tests start real workers.
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Every factory user gets a password; PBKDF2 at full strength costs ~0.3 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the cache: each test starts with none, so no test trips a
    # rate limit because of the requests of the tests before it.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _client_login_passes_a_request(monkeypatch):
    # django-axes counts failed sign-ins per request; the test client's login() passes none.
    original = Client.login

    def login(self, **credentials):
        credentials.setdefault("request", RequestFactory().post("/accounts/login/"))
        return original(self, **credentials)

    monkeypatch.setattr(Client, "login", login)
