"""The benchmark's writer: what the rest of the organisation does while the measured people
read. Run inside Django on the benchmark database (bench/run.py starts it for the *writer*
condition and stops it with SIGTERM), it writes at a steady rate through the project's own
services, taking turns:

- a relationship manager logs an interaction with a unit of their portfolio;
- a business contact answers a survey invitation (a link nobody else uses);
- a relationship manager records a month's measured level of a subscription of theirs.

The units are those of the people the benchmark reads as, so every page it measures has
data written under it while it is read. On exit it writes what it did to a JSON file.

    python -m bench.writer --rate 2 --out /tmp/writes.json
"""

import argparse
import datetime
import json
import os
import random
import signal
import time
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.fixtures import PEOPLE, WRITER_CAMPAIGN  # noqa: E402
from customers.models import BusinessUnit  # noqa: E402
from relationships import services as relationship_services  # noqa: E402
from relationships.models import SurveyInvitation  # noqa: E402
from services import services as service_services  # noqa: E402
from services.models import ServiceLevelTarget, Subscription  # noqa: E402

stopping = False


def _stop(signum, frame):
    global stopping
    stopping = True


def _portfolios(rng: random.Random) -> list[tuple]:
    """(manager, unit ids) of the managers the benchmark reads as."""
    User = get_user_model()
    managers = User.objects.filter(username__in=[f"rm{i}" for i in range(1, PEOPLE + 1)])
    found = []
    for manager in managers:
        units = list(BusinessUnit.objects.filter(relationship_manager=manager).values_list("pk", flat=True))
        if units:
            found.append((manager, units))
    rng.shuffle(found)
    return found


def log_interaction(rng, portfolios, now):
    manager, units = rng.choice(portfolios)
    unit = BusinessUnit.objects.get(pk=rng.choice(units))
    relationship_services.interaction_log(
        unit=unit,
        by=manager,
        kind="call",
        subject="Benchmark call",
        occurred_at=now,
        notes="Written while the benchmark reads.",
        sentiment=rng.choice(["positive", "neutral", "negative"]),
    )


def answer_survey(rng, invitations):
    invitation = SurveyInvitation.objects.select_related("campaign", "unit").get(pk=invitations.pop())
    relationship_services.survey_response_submit(
        invitation=invitation,
        overall_satisfaction=rng.randint(1, 5),
        recommend_score=rng.randint(0, 10),
        comment="Written while the benchmark reads.",
    )


def record_measurement(rng, portfolios, today):
    manager, units = rng.choice(portfolios)
    subscription = (
        Subscription.objects.filter(unit_id__in=units, status="active")
        .select_related("unit")
        .order_by("?")
        .first()
    )
    if subscription is None:
        return
    target = ServiceLevelTarget.objects.filter(service_id=subscription.service_id).order_by("?").first()
    if target is None:
        return
    month = (today.replace(day=1) - datetime.timedelta(days=rng.randint(0, 150))).replace(day=1)
    service_services.measurement_record(
        subscription=subscription,
        target=target,
        period_start=month,
        value=Decimal(str(round(rng.uniform(90, 100), 2))),
        by=manager,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=2.0, help="writes per second")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    rng = random.Random(2026)  # noqa: S311 - load, not secrets
    portfolios = _portfolios(rng)
    invitations = list(
        SurveyInvitation.objects.filter(campaign__name=WRITER_CAMPAIGN, status="sent").values_list(
            "pk", flat=True
        )
    )
    counts = {"interaction": 0, "survey answer": 0, "measurement": 0}
    errors: list[str] = []
    kinds = list(counts)
    started = time.monotonic()
    done = 0
    while not stopping:
        kind = kinds[done % len(kinds)]
        if kind == "survey answer" and not invitations:
            kind = "interaction"
        try:
            if kind == "interaction":
                log_interaction(rng, portfolios, timezone.now())
            elif kind == "survey answer":
                answer_survey(rng, invitations)
            else:
                record_measurement(rng, portfolios, timezone.localdate())
            counts[kind] += 1
        except Exception as exc:  # noqa: BLE001 - counted and reported, the load goes on
            errors.append(f"{kind}: {exc}"[:200])
        done += 1
        # A steady rate: the next write at its slot, however long this one took.
        next_at = started + done / args.rate
        while not stopping and time.monotonic() < next_at:
            time.sleep(min(0.05, max(0.0, next_at - time.monotonic())))
    seconds = time.monotonic() - started
    written = sum(counts.values())
    Path(args.out).write_text(
        json.dumps(
            {
                "writes": written,
                "seconds": round(seconds, 1),
                "per_second": round(written / seconds, 2) if seconds else 0,
                "counts": counts,
                "errors": len(errors),
                "first_errors": errors[:5],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
