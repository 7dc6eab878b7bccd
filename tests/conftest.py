"""Shared actors of the tests: a small organisation and the people around it.

Acme (company, rm)
├── Finance (division, rm)          customer: Carla Cfo (login)  → decides for Finance and below
│   └── Accounts Payable (dept, rm) purchaser: Piet Purchaser (login), no customer of its own
└── Sales Operations (dept, other_rm) customer: Bea Buyer (login)
"""

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from brm.celery import app as celery_app
from customers import roles
from customers.models import Contact
from tests.customers.factories import BusinessUnitFactory, ContactFactory, StaffFactory, UserFactory

# Real Celery workers on the test broker, for any test folder that needs one.
pytest_plugins = ["tests.celery_workers"]


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


@pytest.fixture
def rm(db):
    return StaffFactory(
        username="rm", first_name="Rita", last_name="Manager", groups=[roles.RELATIONSHIP_MANAGERS]
    )


@pytest.fixture
def other_rm(db):
    return StaffFactory(
        username="other_rm", first_name="Otto", last_name="Other", groups=[roles.RELATIONSHIP_MANAGERS]
    )


@pytest.fixture
def it_manager(db):
    return StaffFactory(
        username="it_manager", first_name="Ivo", last_name="Itman", groups=[roles.IT_MANAGEMENT]
    )


@pytest.fixture
def steering_member(db):
    return StaffFactory(
        username="steering", first_name="Stella", last_name="Steer", groups=[roles.STEERING_GROUP]
    )


@pytest.fixture
def company(rm):
    return BusinessUnitFactory(name="Acme", code="acme", kind="company", relationship_manager=rm)


@pytest.fixture
def division(company, rm):
    return BusinessUnitFactory(
        name="Finance", code="fin", kind="division", parent=company, relationship_manager=rm, has_budget=True
    )


@pytest.fixture
def unit_a(division, rm):
    return BusinessUnitFactory(
        name="Accounts Payable", code="fin-ap", parent=division, relationship_manager=rm
    )


@pytest.fixture
def unit_b(company, other_rm):
    return BusinessUnitFactory(
        name="Sales Operations", code="sales-ops", parent=company, relationship_manager=other_rm
    )


@pytest.fixture
def customer_a(division):
    """The deciding customer of Finance, and so of Accounts Payable."""
    user = UserFactory(username="carla", first_name="Carla", last_name="Cfo")
    return ContactFactory(
        unit=division,
        user=user,
        first_name="Carla",
        last_name="Cfo",
        email="carla@acme.example",
        role=Contact.Role.CUSTOMER,
    )


@pytest.fixture
def purchaser_a(unit_a):
    user = UserFactory(username="piet", first_name="Piet", last_name="Purchaser")
    return ContactFactory(
        unit=unit_a,
        user=user,
        first_name="Piet",
        last_name="Purchaser",
        email="piet@acme.example",
        role=Contact.Role.PURCHASER,
    )


@pytest.fixture
def contact_b(unit_b):
    user = UserFactory(username="bea", first_name="Bea", last_name="Buyer")
    return ContactFactory(
        unit=unit_b,
        user=user,
        first_name="Bea",
        last_name="Buyer",
        email="bea@acme.example",
        role=Contact.Role.CUSTOMER,
    )


@pytest.fixture
def read_cache_on(settings, monkeypatch):
    """Cached reads on (brm/freshness.py), as in production with Redis. A test using it
    needs transaction=True: the data generation moves when a write commits."""
    settings.BRM_READ_CACHE = True
    # Page fragments are also keyed by the minute: a test must not straddle two.
    monkeypatch.setattr("relationships.views.common.current_minute", lambda: 0)
