import factory
from factory.django import DjangoModelFactory

from integrations.models import SUBSCRIBABLE_EVENTS, WebhookEndpoint
from tests.customers.factories import StaffFactory


class WebhookEndpointFactory(DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    name = factory.Sequence(lambda n: f"Receiver {n}")
    url = factory.Sequence(lambda n: f"https://tools{n}.example.org/hooks")
    events = factory.LazyFunction(lambda: [value for value, _label in SUBSCRIBABLE_EVENTS])
    owner = factory.SubFactory(StaffFactory)
