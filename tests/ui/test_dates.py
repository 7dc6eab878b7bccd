"""One way to write a date for people across the staff pages, the portal and the e-mails:
"27 Nov 2026" and "27 Nov 2026, 14:05" (brm/formats/en_GB/formats.py). Exports stay ISO,
and what a form's date input takes is left to the forms."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats

from tests.relationships.factories import InteractionFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# The named formats, a machine-readable stamp (<time datetime>, or a day compared in a
# template), and the month labels of attainment tables; the webhook delivery log keeps its seconds (retries are seconds apart).
ALLOWED = {"DATE_FORMAT", "DATETIME_FORMAT", "c", "Y-m-d", "M", "M Y"}
WEBHOOK_LOG = {"j M Y, H:i:s", "H:i:s"}


def test_templates_use_the_named_date_formats_only():
    explicit = []
    for path in TEMPLATES.rglob("*.*"):
        if path.suffix not in (".html", ".txt"):
            continue
        for fmt in re.findall(r"""\|date:["']([^"']*)["']""", path.read_text()):
            allowed = ALLOWED | (WEBHOOK_LOG if path.parts[-2] == "integrations" else set())
            if fmt not in allowed:
                explicit.append(f"{path.relative_to(TEMPLATES)}: {fmt}")
    assert explicit == [], "write |date or |date:'DATETIME_FORMAT' instead"


def test_dates_read_day_month_year_and_a_24_hour_clock():
    moment = datetime.datetime(2026, 11, 27, 14, 5)
    assert formats.date_format(moment.date()) == "27 Nov 2026"
    assert formats.date_format(moment, "DATETIME_FORMAT") == "27 Nov 2026, 14:05"
    assert formats.localize(moment) == "27 Nov 2026, 14:05"
    # Date inputs are not this module's business (the forms render them ISO).
    assert formats.get_format("DATE_INPUT_FORMATS")[0] == "%d/%m/%Y"


def test_the_interaction_list_shows_dates_as_people_read_them_and_exports_iso(client, rm, unit_a):
    from django.utils import timezone

    when = timezone.make_aware(datetime.datetime(2026, 11, 27, 14, 5))
    InteractionFactory(unit=unit_a, subject="Quarterly check-in", occurred_at=when)
    client.force_login(rm)
    html = client.get(reverse("relationships:interaction-list")).content.decode()
    assert "27 Nov 2026, 14:05" in html and "2026-11-27" not in html
    csv = client.get(reverse("relationships:interaction-list"), {"export": "csv"}).content.decode("utf-8-sig")
    assert "2026-11-27 14:05" in csv
