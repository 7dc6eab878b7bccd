"""The actors every test shares: a small organisation and the people around it.

Acme (company, rm)
├── Finance (division, rm)          customer: Carla Cfo (login)  → decides for Finance and below
│   └── Accounts Payable (dept, rm) purchaser: Piet Purchaser (login), no customer of its own
└── Sales Operations (dept, other_rm) customer: Bea Buyer (login)

Besides them: IT management (it_manager), the steering group (steering_member) and anonymous.
`client_as(actor)` and `api_as(actor)` sign a page client or an API client in as one of them by
name, so a test can run the same request for every actor with `pytest.mark.parametrize`.
"""

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from customers import roles
from customers.models import Contact
from tests.customers.factories import BusinessUnitFactory, ContactFactory, StaffFactory, UserFactory

ACTORS = (
    "rm",
    "other_rm",
    "it_manager",
    "steering_member",
    "customer_a",
    "purchaser_a",
    "contact_b",
    "anonymous",
)


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
def actor_user(request):
    """The login of an actor by name (None for anonymous); contacts give their user."""

    def user_of(actor: str):
        if actor == "anonymous":
            return None
        person = request.getfixturevalue(actor)
        return person.user if isinstance(person, Contact) else person

    return user_of


@pytest.fixture
def client_as(actor_user):
    """A page client signed in as the named actor."""

    def make(actor: str) -> Client:
        client = Client()
        user = actor_user(actor)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_as(actor_user):
    """An API client authenticated as the named actor."""

    def make(actor: str) -> APIClient:
        client = APIClient()
        user = actor_user(actor)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def rm_client(client_as):
    return client_as("rm")


@pytest.fixture
def it_client(client_as):
    return client_as("it_manager")


@pytest.fixture
def admin_client(it_manager):
    """IT management with the superuser flag: the admin site's own tests."""
    it_manager.is_superuser = True
    it_manager.save()
    client = Client()
    client.force_login(it_manager)
    return client


def token_client(user) -> APIClient:
    """An API client that signs every request with the user's token, as other tools do."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client
