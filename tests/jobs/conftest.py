"""Fixtures of the periodic-job tests: a unit that uses a live service, and a way to run a
job with its after-commit work (publishing tasks, which run eagerly here) done."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import OutgoingEmail
from tests.services.factories import ServiceFactory, SubscriptionFactory

# A fixed Monday morning the tests start from (time_machine moves it forward).
START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def live_service(db):
    return ServiceFactory(name="ERP", code="erp")


@pytest.fixture
def subscribe(live_service):
    def _subscribe(unit, service=None, **kwargs):
        return SubscriptionFactory(unit=unit, service=service or live_service, **kwargs)

    return _subscribe


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a job as the worker would: its transaction commits, then what it queued runs."""

    def _run(function, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(**kwargs)

    return _run


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def outbox_keys(prefix: str = "") -> list[str]:
    return sorted(OutgoingEmail.objects.filter(key__startswith=prefix).values_list("key", flat=True))


def now():
    return timezone.now()
