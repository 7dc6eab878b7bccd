"""Fixtures of the notification preference tests: the job-test fixtures (a live service,
subscribing a unit, running a job with its after-commit work) and setting a preference."""

import pytest

from notifications.models import NotificationPreference
from tests.jobs.conftest import live_service, run, subscribe  # noqa: F401 - shared fixtures

IMMEDIATE = NotificationPreference.Delivery.IMMEDIATE
DIGEST = NotificationPreference.Delivery.DIGEST
OFF = NotificationPreference.Delivery.OFF


@pytest.fixture
def prefer(db):
    """prefer(user, kind, delivery): what a person chose on the settings page."""

    def _prefer(user, kind, delivery):
        NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})

    return _prefer
