"""Seed a large organisation into the benchmark database, fast: rows are generated in
Python with their ids and streamed with PostgreSQL's COPY, table by table.

At scale 1: about 2,000 units, 20,000 contacts, 200 services with targets, 20,000
subscriptions, 500,000 measurements, 100,000 interactions, 20,000 requirements, 5,000
open escalations and 50,000 survey responses. At scale N (a fraction too) the big tables hold N times
their rows (units and the catalogue stay the same size: an enterprise does not grow its
org chart tenfold, it accumulates history).

Run through `make bench` (or `python -m bench.seed --scale 1`); DATABASE_URL names the
benchmark database, which is dropped and created anew.
"""

import argparse
import csv
import datetime
import hashlib
import io
import os
import random
import time
from decimal import Decimal

PASSWORD = "bench-pass-123"  # noqa: S105 - throwaway benchmark logins


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brm.settings")
    import django

    django.setup()


class Copier:
    """COPY rows into a model's table; columns the generator leaves out take the field's
    default, so the seed keeps working as models gain fields."""

    def __init__(self, connection):
        self.connection = connection
        self.counts: dict[str, int] = {}

    def copy(self, model, rows, *, batch: int = 100_000) -> int:
        from django.utils import timezone

        fields = model._meta.concrete_fields
        now = timezone.now()

        def fill(row):
            out = []
            for field in fields:
                name = field.attname
                if name in row:
                    value = row[name]
                elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                    value = now
                else:
                    value = field.get_default()  # "" for text, None for nullable
                    if value is None and not field.null:
                        raise KeyError(f"{model.__name__}.{name} needs a value")
                out.append(_csv_value(value))
            return out

        columns = ", ".join(f'"{field.column}"' for field in fields)
        sql = f"COPY \"{model._meta.db_table}\" ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        total = 0
        buffer, writer, pending = io.StringIO(), None, 0
        writer = csv.writer(buffer)
        with self.connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg2 cursor under Django's wrapper
            for row in rows:
                writer.writerow(fill(row))
                pending += 1
                if pending >= batch:
                    buffer.seek(0)
                    raw.copy_expert(sql, buffer)
                    total += pending
                    buffer, pending = io.StringIO(), 0
                    writer = csv.writer(buffer)
            if pending:
                buffer.seek(0)
                raw.copy_expert(sql, buffer)
                total += pending
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{model._meta.db_table}\"', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{model._meta.db_table}"), 1))'
            )
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + total
        return total


def _csv_value(value):
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value)
    return value


def seed(*, scale: float, seed_value: int = 2026) -> dict:
    """Fill the (empty, migrated) database. Returns the row counts and the timing."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.db import connection, transaction
    from django.utils import timezone

    from customers import roles
    from customers.models import BusinessUnit, Contact
    from relationships import rules
    from relationships.models import (
        AttainmentSummary,
        Escalation,
        FollowUpAction,
        Interaction,
        OpenActionsSummary,
        Requirement,
        SurveyCampaign,
        SurveyInvitation,
        SurveyResponse,
        SurveySummary,
        UnitActivitySummary,
    )
    from services.models import (
        Agreement,
        Measurement,
        Service,
        ServiceCategory,
        ServiceLevelTarget,
        Subscription,
    )

    def times(n: int) -> int:
        # Rows of a history table at this scale (a fraction makes the quick CI figures).
        return max(1, round(n * scale))

    rng = random.Random(seed_value)
    copier = Copier(connection)
    started = time.perf_counter()
    now = timezone.now()
    today = timezone.localdate()
    password = make_password(PASSWORD)

    with transaction.atomic():
        # --- staff: 50 relationship managers, IT management, steering group -------------
        staff = [
            {
                "id": i,
                "username": f"rm{i}",
                "first_name": "Manager",
                "last_name": str(i),
                "email": f"rm{i}@it.example",
                "password": password,
                "is_staff": True,
                "is_superuser": False,
                "is_active": True,
                "date_joined": now,
            }
            for i in range(1, 51)
        ]
        staff += [
            {
                "id": 51,
                "username": "itm",
                "first_name": "IT",
                "last_name": "Manager",
                "email": "itm@it.example",
                "password": password,
                "is_staff": True,
                "is_superuser": False,
                "is_active": True,
                "date_joined": now,
            },
            {
                "id": 52,
                "username": "steer",
                "first_name": "Steering",
                "last_name": "Member",
                "email": "steer@it.example",
                "password": password,
                "is_staff": True,
                "is_superuser": False,
                "is_active": True,
                "date_joined": now,
            },
        ]
        copier.copy(User, staff)
        groups = {group.name: group for group in Group.objects.all()}
        membership = User.groups.through
        copier.copy(
            membership,
            [
                {"id": i, "user_id": i, "group_id": groups[roles.RELATIONSHIP_MANAGERS].pk}
                for i in range(1, 51)
            ]
            + [
                {"id": 51, "user_id": 51, "group_id": groups[roles.IT_MANAGEMENT].pk},
                {"id": 52, "user_id": 52, "group_id": groups[roles.STEERING_GROUP].pk},
            ],
        )

        # --- units: 1 company, 40 divisions, 49 departments each -> 2,001 units ----------
        units, departments, divisions = [], [], []
        units.append(
            {
                "id": 1,
                "name": "Enterprise",
                "code": "ent",
                "kind": "company",
                "parent_id": None,
                "path": "/1/",
                "depth": 0,
                "relationship_manager_id": 51,
                "has_budget": True,
            }
        )
        next_id = 2
        for d in range(40):
            division_id = next_id
            next_id += 1
            manager = 1 + d % 50
            divisions.append(division_id)
            units.append(
                {
                    "id": division_id,
                    "name": f"Division {d + 1}",
                    "code": f"div-{d + 1}",
                    "kind": "division",
                    "parent_id": 1,
                    "path": f"/1/{division_id}/",
                    "depth": 1,
                    "relationship_manager_id": manager,
                    "has_budget": True,
                }
            )
            for e in range(49):
                unit_id = next_id
                next_id += 1
                departments.append((unit_id, division_id, 1 + (d * 49 + e) % 50))
                units.append(
                    {
                        "id": unit_id,
                        "name": f"Department {d + 1}.{e + 1}",
                        "code": f"dep-{d + 1}-{e + 1}",
                        "kind": "department",
                        "parent_id": division_id,
                        "path": f"/1/{division_id}/{unit_id}/",
                        "depth": 2,
                        "relationship_manager_id": 1 + (d * 49 + e) % 50,
                        "has_budget": e % 7 == 0,
                    }
                )
        copier.copy(BusinessUnit, units)

        # --- contacts: 10 per department (1 customer for a third, 3 purchasers) + 1 customer per division
        contacts, contact_id, user_id = [], 1, 100
        portal_users = []
        for division_id in divisions:
            contacts.append(
                {
                    "id": contact_id,
                    "unit_id": division_id,
                    "first_name": "Chief",
                    "last_name": f"D{division_id}",
                    "email": f"chief{division_id}@biz.example",
                    "role": "customer",
                }
            )
            contact_id += 1
        dept_contacts: dict[int, list[int]] = {}
        for unit_id, _, _ in departments:
            for k in range(10):
                role = (
                    "customer" if (k == 0 and unit_id % 3 == 0) else "purchaser" if k < 4 else "stakeholder"
                )
                user = None
                if k == 1:  # one purchaser per department has a portal login
                    user = user_id
                    portal_users.append(
                        {
                            "id": user_id,
                            "username": f"p{unit_id}",
                            "first_name": "Purchaser",
                            "last_name": str(unit_id),
                            "email": f"p{unit_id}@biz.example",
                            "password": password,
                            "is_staff": False,
                            "is_superuser": False,
                            "is_active": True,
                            "date_joined": now,
                        }
                    )
                    user_id += 1
                contacts.append(
                    {
                        "id": contact_id,
                        "unit_id": unit_id,
                        "user_id": user,
                        "first_name": f"Person{k}",
                        "last_name": f"U{unit_id}",
                        "email": f"p{k}.u{unit_id}@biz.example",
                        "role": role,
                    }
                )
                dept_contacts.setdefault(unit_id, []).append(contact_id)
                contact_id += 1
        copier.copy(User, portal_users)
        copier.copy(Contact, contacts)

        # --- catalogue: 200 services, 2 targets each ------------------------------------------
        copier.copy(
            ServiceCategory, [{"id": i, "name": f"Category {i}", "description": ""} for i in range(1, 11)]
        )
        services, targets = [], []
        for s in range(1, 201):
            services.append(
                {
                    "id": s,
                    "name": f"Service {s}",
                    "code": f"svc-{s}",
                    "description": f"IT service {s}",
                    "category_id": 1 + s % 10,
                    "owner_id": 51,
                    "lifecycle": "live" if s % 20 else "pipeline",
                }
            )
            targets.append(
                {
                    "id": 2 * s - 1,
                    "service_id": s,
                    "name": "Availability",
                    "metric": "availability",
                    "unit_of_measure": "%",
                    "target_value": Decimal("99.5"),
                    "direction": "higher",
                }
            )
            targets.append(
                {
                    "id": 2 * s,
                    "service_id": s,
                    "name": "Resolution",
                    "metric": "resolution_time",
                    "unit_of_measure": "hours",
                    "target_value": Decimal("8"),
                    "direction": "lower",
                }
            )
        copier.copy(Service, services)
        copier.copy(ServiceLevelTarget, targets)
        copier.copy(
            Agreement,
            [
                {
                    "id": i + 1,
                    "reference": f"sla-{division_id}",
                    "title": f"SLA division {division_id}",
                    "unit_id": division_id,
                    "status": "active",
                    "valid_from": today - datetime.timedelta(days=400),
                    "review_interval_months": 12,
                    "next_review_on": today + datetime.timedelta(days=(i * 9) % 365),
                    "signed_by_id": i + 1,
                    "signed_at": now - datetime.timedelta(days=400),
                    "notes": "",
                }
                for i, division_id in enumerate(divisions)
            ],
        )

        # --- subscriptions: ~10 per department, scale times as many history rows -------------
        subscriptions = []
        for unit_id, division_id, _ in departments:
            for s in rng.sample(range(1, 201), 10):
                subscriptions.append(
                    {
                        "id": len(subscriptions) + 1,
                        "unit_id": unit_id,
                        "service_id": s,
                        "agreement_id": divisions.index(division_id) + 1,
                        "status": "active",
                        "started_on": today - datetime.timedelta(days=800),
                        "quantity": 10,
                        "notes": "",
                    }
                )
        subscriptions = subscriptions[:20_000]
        copier.copy(Subscription, subscriptions)

        # --- measurements: 25 months x 1 target per subscription (x scale targets history) ----
        first_month = today.replace(day=1)
        months = []
        for m in range(times(25)):
            year, month = divmod(first_month.year * 12 + first_month.month - 1 - m, 12)
            months.append(datetime.date(year, month + 1, 1))

        def measurements():
            n = 0
            for sub in subscriptions:
                target = 2 * sub["service_id"] - 1
                for period in months:
                    n += 1
                    value = Decimal("99.9") if rng.random() > 0.1 else Decimal("98.7")
                    yield {
                        "id": n,
                        "subscription_id": sub["id"],
                        "target_id": target,
                        "period_start": period,
                        "value": value,
                        "target_value": Decimal("99.5"),
                        "is_met": value >= Decimal("99.5"),
                    }

        copier.copy(Measurement, measurements())

        # --- interactions: 50 per department x scale -----------------------------------------------
        kinds = [k for k, _ in Interaction.Kind.choices]

        def interactions():
            n = 0
            for unit_id, _, manager in departments:
                for _ in range(times(50)):
                    n += 1
                    yield {
                        "id": n,
                        "unit_id": unit_id,
                        "kind": kinds[n % len(kinds)],
                        "subject": f"Contact moment {n}",
                        "occurred_at": now - datetime.timedelta(hours=rng.randint(1, 24 * 700)),
                        "notes": "Discussed service levels, plans and open points.",
                        "sentiment": "neutral",
                        "is_shared_with_business": n % 3 == 0,
                        "created_by_id": manager,
                    }

        copier.copy(Interaction, interactions())

        # --- requirements: 10 per department x scale ------------------------------------------------
        statuses = [s for s, _ in Requirement.Status.choices]

        def requirements():
            n = 0
            for unit_id, division_id, _ in departments:
                for _ in range(times(10)):
                    n += 1
                    status = statuses[n % len(statuses)]
                    decided = status in ("approved", "rejected", "in_delivery", "delivered")
                    yield {
                        "id": n,
                        "unit_id": unit_id,
                        "title": f"Requirement {n}",
                        "description": "Needed.",
                        "kind": "new_service",
                        "priority": "medium",
                        "status": status,
                        "prepared_by_id": dept_contacts[unit_id][1],
                        "created_by_id": None,
                        "submitted_at": now if status != "draft" else None,
                        "decided_by_id": divisions.index(division_id) + 1 if decided else None,
                        "decided_at": now if decided else None,
                        "decision_reason": "",
                    }

        copier.copy(Requirement, requirements())

        # --- escalations: 5,000 open (x scale), spread over levels and deadlines ----------------------
        severities = [s for s, _ in Escalation.Severity.choices]

        def escalations():
            for n in range(1, times(5_000) + 1):
                unit_id, _, _ = departments[(n - 1) % len(departments)]  # the first unit has some
                severity = severities[n % 4]
                raised = now - datetime.timedelta(hours=rng.randint(1, 200))
                yield {
                    "id": n,
                    "unit_id": unit_id,
                    "subject": f"Escalation {n}",
                    "description": "Service hurts.",
                    "severity": severity,
                    "level": 1 + n % 3,
                    "status": "open" if n % 5 else "acknowledged",
                    "raised_by_contact_id": dept_contacts[unit_id][1],
                    "raised_at": raised,
                    "respond_by": rules.respond_by(severity=severity, from_time=raised),
                    "resolution": "",
                }

        copier.copy(Escalation, escalations())

        copier.copy(
            FollowUpAction,
            (
                {
                    "id": n,
                    "unit_id": departments[n % len(departments)][0],
                    "title": f"Action {n}",
                    "description": "",
                    "owner_id": departments[n % len(departments)][2],
                    "due_on": today + datetime.timedelta(days=rng.randint(-30, 30)),
                    "status": "open",
                }
                for n in range(1, times(10_000) + 1)
            ),
        )

        # --- surveys: campaigns of past quarters, 50,000 responses x scale ------------------------------
        campaigns = times(8)
        copier.copy(
            SurveyCampaign,
            [
                {
                    "id": c,
                    "name": f"Survey {c}",
                    "status": "closed",
                    "opens_at": now - datetime.timedelta(days=90 * c + 21),
                    "closes_at": now - datetime.timedelta(days=90 * c),
                    "closed_at": now - datetime.timedelta(days=90 * c),
                }
                for c in range(1, campaigns + 1)
            ],
        )
        surveyed = [
            (cid, unit_id) for unit_id, cids in dept_contacts.items() for cid in cids[:4]
        ]  # customers+purchasers

        def invitations():
            n = 0
            for c in range(1, campaigns + 1):
                for contact, unit_id in surveyed:
                    n += 1
                    salt = f"{n:032x}"
                    yield {
                        "id": n,
                        "campaign_id": c,
                        "contact_id": contact,
                        "unit_id": unit_id,
                        "token_salt": salt,
                        "token_hash": hashlib.sha256(salt.encode()).hexdigest(),
                        "status": "responded" if n % 8 < 7 else "expired",
                        "sent_at": now,
                    }

        copier.copy(SurveyInvitation, invitations())
        per_campaign = len(surveyed)

        def responses():
            n = 0
            for c in range(1, campaigns + 1):
                for i, (_, unit_id) in enumerate(surveyed):
                    invitation = (c - 1) * per_campaign + i + 1
                    if invitation % 8 >= 7 or n >= times(50_000):
                        continue
                    n += 1
                    yield {
                        "id": n,
                        "invitation_id": invitation,
                        "campaign_id": c,
                        "unit_id": unit_id,
                        "overall_satisfaction": rng.randint(2, 5),
                        "recommend_score": rng.randint(3, 10),
                        "comment": "",
                        "submitted_at": now,
                    }

        copier.copy(SurveyResponse, responses())

    with connection.cursor() as cursor:
        # The triggers updated a summary row for every row copied: the summaries are left
        # mostly dead rows (the attainment one 280 MB for 40,000 live rows at scale 10), which
        # is compacted once after a bulk load, as a DBA would.
        for model in (UnitActivitySummary, SurveySummary, AttainmentSummary, OpenActionsSummary):
            cursor.execute(f"VACUUM FULL {model._meta.db_table}")
        # What autovacuum does soon after a bulk load: statistics for the planner, and the
        # visibility map that lets index-only scans skip the table.
        cursor.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    rows = sum(copier.counts.values())
    return {
        "scale": scale,
        "seconds": round(seconds, 1),
        "rows": rows,
        "rows_per_second": round(rows / seconds),
        "tables": copier.counts,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    result = seed(scale=args.scale)
    print(
        f"seeded scale {result['scale']}: {result['rows']:,} rows in {result['seconds']} s "
        f"({result['rows_per_second']:,} rows/s)"
    )
    for table, count in result["tables"].items():
        print(f"  {table:<36} {count:>10,}")


if __name__ == "__main__":
    main()
