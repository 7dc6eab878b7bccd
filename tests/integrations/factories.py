import factory
from factory.django import DjangoModelFactory

from tests.customers.factories import StaffFactory
from webhooks.models import SUBSCRIBABLE_EVENTS, WebhookEndpoint


class WebhookEndpointFactory(DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    name = factory.Sequence(lambda n: f"Receiver {n}")
    url = factory.Sequence(lambda n: f"https://tools{n}.example.org/hooks")
    events = factory.LazyFunction(lambda: [value for value, _label in SUBSCRIBABLE_EVENTS])
    owner = factory.SubFactory(StaffFactory)
