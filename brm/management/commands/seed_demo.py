"""Demo data for BRM Portal: a company of divisions and departments, the people around it,
a service catalogue with six months of measurements, and a relationship in full swing.

Idempotent: every row is found by a natural key before it is created, so running it again
leaves the same rows, and writes nothing (no history either) when nothing changed. Who is
who (names, roles, portfolios: what README's table of logins describes) is restored on
every run; the story (dates, decisions, answers) is written once, relative to the day it
is first seeded, and then runs on like any other data.
"""

import datetime
import random
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from customers import roles
from customers.models import BusinessObjective, BusinessUnit, Contact
from relationships import rules
from relationships.models import (
    Escalation,
    EscalationEvent,
    FollowUpAction,
    Interaction,
    Opportunity,
    Requirement,
    ServiceRating,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
)
from services.models import Agreement, Measurement, Service, ServiceCategory, ServiceLevelTarget, Subscription

User = get_user_model()
DEMO_PASSWORD = "brm-demo-2026"  # noqa: S105  # nosec B105  # demo logins, documented in README

# username, first, last, group, is_superuser
STAFF = [
    ("admin", "Ada", "Admin", None, True),
    ("rita", "Rita", "Verhoeven", roles.RELATIONSHIP_MANAGERS, False),
    ("omar", "Omar", "Haddad", roles.RELATIONSHIP_MANAGERS, False),
    ("ivo", "Ivo", "de Graaf", roles.IT_MANAGEMENT, False),
    ("stella", "Stella", "Okafor", roles.STEERING_GROUP, False),
    ("sam", "Sam", "Lindqvist", None, False),  # service owner
]

# code, name, kind, parent code, relationship manager, has budget, budget
UNITS = [
    ("nw", "Northwind Group", "company", None, "rita", True, 4_800_000),
    ("fin", "Finance", "division", "nw", "rita", True, 900_000),
    ("fin-ap", "Accounts Payable", "department", "fin", "rita", False, None),
    ("fin-ctl", "Controlling", "department", "fin", "rita", False, None),
    ("fin-tre", "Treasury", "department", "fin", "rita", True, 150_000),
    ("ops", "Operations", "division", "nw", "omar", True, 1_600_000),
    ("ops-log", "Logistics", "department", "ops", "omar", False, None),
    ("ops-wh", "Warehousing", "department", "ops", "omar", False, None),
    ("ops-proc", "Procurement", "department", "ops", "omar", False, None),
    ("sales", "Sales & Marketing", "division", "nw", "rita", True, 700_000),
    ("sales-in", "Inside Sales", "department", "sales", "rita", False, None),
    ("sales-mkt", "Marketing", "department", "sales", "rita", True, 120_000),
    ("hr", "Human Resources", "division", "nw", "omar", True, 400_000),
    ("hr-pay", "Payroll", "department", "hr", "omar", False, None),
    ("hr-rec", "Recruitment", "department", "hr", "omar", False, None),
]

# unit, first, last, role, username (portal login) or None, job title
CONTACTS = [
    ("nw", "Hendrik", "Bakker", "stakeholder", None, "Chief Executive Officer"),
    ("fin", "Carla", "Jansen", "customer", "carla", "Chief Financial Officer"),
    ("fin-ap", "Piet", "Smit", "purchaser", "piet", "Team lead Accounts Payable"),
    ("fin-ap", "Anouk", "Visser", "stakeholder", None, "AP specialist"),
    ("fin-ctl", "Daan", "Mulder", "purchaser", None, "Head of Controlling"),
    ("fin-tre", "Lotte", "de Boer", "customer", None, "Treasurer"),
    ("ops", "Olivia", "Brennan", "customer", "olivia", "Chief Operating Officer"),
    ("ops-log", "Marco", "Rossi", "purchaser", None, "Logistics manager"),
    ("ops-wh", "Yusuf", "Demir", "purchaser", None, "Warehouse manager"),
    ("ops-wh", "Eva", "Kowalska", "stakeholder", None, "Shift supervisor"),
    ("ops-proc", "Niels", "Vos", "purchaser", None, "Procurement lead"),
    ("sales", "Sophie", "Martin", "purchaser", None, "Sales operations manager"),
    ("sales-in", "Tom", "Peters", "stakeholder", None, "Inside sales lead"),
    ("sales-mkt", "Mila", "Hoekstra", "purchaser", None, "Marketing manager"),
    ("hr", "Fatima", "El Amrani", "customer", None, "HR director"),
    ("hr-pay", "Bram", "Dekker", "purchaser", None, "Payroll coordinator"),
    ("hr-rec", "Iris", "Willems", "stakeholder", None, "Recruiter"),
]

# code, name, category, lifecycle, [(target name, metric, unit, value, direction)]
AVAIL, RESP, RESOL = "availability", "response_time", "resolution_time"
SERVICES = [
    (
        "workplace",
        "Workplace & laptops",
        "Workplace",
        "live",
        [("Availability", AVAIL, "%", "99.0", "higher"), ("Incident response", RESP, "hours", "4", "lower")],
    ),
    (
        "collab",
        "E-mail & collaboration",
        "Workplace",
        "live",
        [("Availability", AVAIL, "%", "99.9", "higher")],
    ),
    (
        "erp-fin",
        "ERP Finance",
        "Business applications",
        "live",
        [
            ("Availability", AVAIL, "%", "99.5", "higher"),
            ("Incident resolution", RESOL, "hours", "16", "lower"),
        ],
    ),
    (
        "payroll",
        "Payroll system",
        "Business applications",
        "live",
        [
            ("Availability", AVAIL, "%", "99.5", "higher"),
            ("Incident resolution", RESOL, "hours", "8", "lower"),
        ],
    ),
    ("crm", "CRM", "Business applications", "live", [("Availability", AVAIL, "%", "99.5", "higher")]),
    (
        "servicedesk",
        "Service desk",
        "Support",
        "live",
        [
            ("First response", RESP, "hours", "2", "lower"),
            ("Resolved within target", "other", "%", "90", "higher"),
        ],
    ),
    ("network", "Network & VPN", "Infrastructure", "live", [("Availability", AVAIL, "%", "99.95", "higher")]),
    (
        "bi",
        "Data warehouse & BI",
        "Data",
        "live",
        [("Availability", AVAIL, "%", "99.0", "higher"), ("Data freshness", "other", "hours", "24", "lower")],
    ),
    (
        "wms",
        "Warehouse management",
        "Business applications",
        "live",
        [("Availability", AVAIL, "%", "99.8", "higher")],
    ),
    (
        "hr-portal",
        "HR self-service portal",
        "Business applications",
        "live",
        [("Availability", AVAIL, "%", "99.0", "higher")],
    ),
    ("hosting", "Web hosting", "Infrastructure", "live", [("Availability", AVAIL, "%", "99.9", "higher")]),
    (
        "iam",
        "Identity & access",
        "Infrastructure",
        "pipeline",
        [("Availability", AVAIL, "%", "99.9", "higher")],
    ),
]

SUBSCRIPTIONS = {
    "fin-ap": ["workplace", "collab", "erp-fin", "servicedesk"],
    "fin-ctl": ["workplace", "collab", "erp-fin", "bi"],
    "fin-tre": ["workplace", "collab", "erp-fin", "network"],
    "ops-log": ["workplace", "collab", "wms", "network", "servicedesk"],
    "ops-wh": ["workplace", "wms", "network", "servicedesk"],
    "ops-proc": ["workplace", "collab", "erp-fin", "bi"],
    "sales-in": ["workplace", "collab", "crm", "servicedesk"],
    "sales-mkt": ["workplace", "collab", "crm", "hosting", "bi"],
    "hr-pay": ["workplace", "collab", "payroll", "hr-portal"],
    "hr-rec": ["workplace", "collab", "hr-portal"],
}
# Services that had a bad half year in some units: their measurements breach now and then.
TROUBLED = {("ops-wh", "wms"), ("ops-log", "network"), ("fin-ap", "erp-fin"), ("sales-mkt", "hosting")}


class Command(BaseCommand):
    help = "Create (or refresh) the demo organisation, its IT services and its relationship with IT."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing but errors.")

    @transaction.atomic
    def handle(self, *args, quiet=False, **options):
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.random = random.Random(2026)  # nosec B311  # demo data, not secrets: the same demo on every run
        self.users = self._staff()
        self.units = self._units()
        self.contacts = self._contacts()
        self.services, self.targets = self._services()
        self.agreements = self._agreements()
        self.subscriptions = self._subscriptions()
        self._measurements()
        self._objectives()
        self._interactions_and_actions()
        self._requirements()
        self._opportunities()
        self._escalations()
        self._survey()
        if not quiet:
            self._print_logins()

    # --- people -------------------------------------------------------------------------

    def _user(self, username, first, last, *, is_staff, is_superuser=False, email=None):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": email or f"{username}@northwind.example",
                "is_staff": is_staff,
                "is_superuser": is_superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def _staff(self):
        users, groups = {}, roles.ensure_groups()
        for username, first, last, group, is_superuser in STAFF:
            user = self._user(username, first, last, is_staff=True, is_superuser=is_superuser)
            if group:
                user.groups.add(groups[group])
            users[username] = user
        return users

    def _units(self):
        units = {}
        for code, name, kind, parent, manager, has_budget, budget in UNITS:
            units[code] = _upsert(
                BusinessUnit,
                lookup={"code": code},
                values={
                    "name": name,
                    "kind": kind,
                    "parent": units.get(parent),
                    "relationship_manager": self.users[manager],
                    "has_budget": has_budget,
                    "annual_it_budget": Decimal(budget) if budget else None,
                },
            )
        return units

    def _contacts(self):
        contacts = {}
        for unit_code, first, last, role, username, title in CONTACTS:
            email = f"{first}.{last}".lower().replace(" ", "") + "@northwind.example"
            user = self._user(username, first, last, is_staff=False, email=email) if username else None
            contacts[first.lower()] = _upsert(
                Contact,
                lookup={"unit": self.units[unit_code], "email": email},
                values={
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    "user": user,
                    "job_title": title,
                },
            )
        return contacts

    # --- services -----------------------------------------------------------------------

    def _services(self):
        services, targets = {}, {}
        for code, name, category, lifecycle, service_targets in SERVICES:
            service = _upsert(
                Service,
                lookup={"code": code},
                values={
                    "name": name,
                    "category": ServiceCategory.objects.get_or_create(name=category)[0],
                    "lifecycle": lifecycle,
                    "owner": self.users["sam"],
                    "description": f"{name}, run and supported by IT.",
                },
            )
            services[code] = service
            targets[code] = [
                _upsert(
                    ServiceLevelTarget,
                    lookup={"service": service, "name": target_name},
                    values={
                        "metric": metric,
                        "unit_of_measure": unit,
                        "target_value": Decimal(value),
                        "direction": direction,
                    },
                )
                for target_name, metric, unit, value, direction in service_targets
            ]
        return services, targets

    def _agreements(self):
        signed = {"fin": "carla", "ops": "olivia", "hr": "fatima"}
        review_in_days = {"fin": 12, "ops": 75, "hr": 150}
        agreements = {}
        for code in ("fin", "ops", "hr", "sales"):
            unit = self.units[code]
            valid_from = self.today.replace(day=1) - relativedelta(months=14)
            story = {  # dates and signature: once, as of the first seeding (a review moves them on)
                "valid_from": valid_from,
                "valid_until": valid_from + relativedelta(years=3),
                "review_interval_months": 6,
            }
            if code in signed:
                story |= {
                    "status": Agreement.Status.ACTIVE,
                    "signed_by": self.contacts[signed[code]],
                    "signed_at": timezone.make_aware(
                        datetime.datetime.combine(valid_from, datetime.time(10))
                    ),
                    "next_review_on": self.today + datetime.timedelta(days=review_in_days[code]),
                    "last_reviewed_on": self.today - datetime.timedelta(days=180 - review_in_days[code]),
                }
            agreements[code] = _upsert(
                Agreement,
                lookup={"reference": f"sla-{code}"},
                values={"title": f"IT services for {unit.name}", "unit": unit},
                create_only=story,
            )
        return agreements

    def _subscriptions(self):
        subscriptions = {}
        for unit_code, service_codes in SUBSCRIPTIONS.items():
            unit = self.units[unit_code]
            for service_code in service_codes:
                subscription = Subscription.objects.filter(
                    unit=unit, service=self.services[service_code]
                ).first()
                if subscription is None:
                    subscription = Subscription.objects.create(
                        unit=unit,
                        service=self.services[service_code],
                        agreement=self.agreements.get(unit.parent.code),
                        status=Subscription.Status.ACTIVE,
                        started_on=self.today.replace(day=1) - relativedelta(months=12),
                        quantity=self.random.randint(5, 120),
                    )
                subscriptions[(unit_code, service_code)] = subscription
        # An order waiting for IT: Marco asked for dashboards for Logistics, so Omar's queue
        # (and IT management's) has work the first time they sign in.
        Subscription.objects.get_or_create(
            unit=self.units["ops-log"],
            service=self.services["bi"],
            defaults={
                "status": Subscription.Status.REQUESTED,
                "ordered_by": self.contacts["marco"],
                "quantity": 4,
                "notes": "Delivery times per carrier, for the weekly logistics meeting.",
            },
        )
        return subscriptions

    def _measurements(self):
        first_month = self.today.replace(day=1) - relativedelta(months=5)
        rows = []
        for (unit_code, service_code), subscription in sorted(self.subscriptions.items()):
            troubled = (unit_code, service_code) in TROUBLED
            for target in self.targets[service_code]:
                for month in range(6):
                    period = first_month + relativedelta(months=month)
                    value = self._measured_value(target, breach=troubled and self.random.random() < 0.5)
                    rows.append((subscription, target, period, value))
        existing = set(
            Measurement.objects.filter(subscription__in=self.subscriptions.values()).values_list(
                "subscription_id", "target_id", "period_start"
            )
        )
        Measurement.objects.bulk_create(
            Measurement(
                subscription=subscription,
                target=target,
                period_start=period,
                value=value,
                target_value=target.target_value,
                is_met=target.is_met_by(value),
            )
            for subscription, target, period, value in rows
            if (subscription.pk, target.pk, period) not in existing
        )

    def _measured_value(self, target, *, breach: bool) -> Decimal:
        goal = target.target_value
        higher = target.direction == ServiceLevelTarget.Direction.HIGHER_IS_BETTER
        if target.unit_of_measure == "%":
            room = min(Decimal("100") - goal, Decimal("0.5")) if higher else goal
            if breach:
                value = goal - Decimal(self.random.uniform(0.2, 1.5)).quantize(Decimal("0.01"))
            else:
                value = goal + (room * Decimal(self.random.random())).quantize(Decimal("0.01"))
            return min(value, Decimal("100"))
        factor = Decimal(self.random.uniform(1.1, 1.8) if breach else self.random.uniform(0.4, 0.95))
        return (goal * factor).quantize(Decimal("0.1"))

    # --- the relationship ---------------------------------------------------------------

    def _objectives(self):
        for unit_code, title, months in [
            ("fin", "Close the books within 5 working days", 4),
            ("fin-ap", "Pay 98% of invoices on time", 6),
            ("ops", "Same-day dispatch for 95% of orders", 9),
            ("sales", "Grow online revenue by 20%", 12),
            ("hr", "Self-service for all payslips and leave", 5),
        ]:
            BusinessObjective.objects.get_or_create(
                unit=self.units[unit_code],
                title=title,
                defaults={"target_date": self.today + relativedelta(months=months)},
            )

    def _interactions_and_actions(self):
        # A service review is the record of an agreement's last review: held on that day.
        plan = [
            ("fin", "service_review", "Half-year service review Finance", None, "positive", True, ["carla"]),
            (
                "ops",
                "service_review",
                "Half-year service review Operations",
                None,
                "neutral",
                True,
                ["olivia"],
            ),
            (
                "hr",
                "service_review",
                "Half-year service review Human Resources",
                None,
                "positive",
                True,
                ["fatima"],
            ),
            ("fin-ap", "meeting", "Invoice scanning backlog", 9, "negative", False, ["piet", "anouk"]),
            ("fin-ctl", "workshop", "Self-service BI workshop", 21, "positive", True, ["daan"]),
            ("fin-tre", "call", "Bank connectivity renewal", 55, "neutral", False, ["lotte"]),
            ("ops", "steering", "Operations IT steering meeting", 14, "neutral", True, ["olivia"]),
            (
                "ops-wh",
                "meeting",
                "Scanner outages during night shift",
                5,
                "negative",
                True,
                ["yusuf", "eva"],
            ),
            ("ops-log", "email", "Carrier integration questions", 33, "neutral", False, ["marco"]),
            ("sales-mkt", "meeting", "Website performance before campaign", 70, "neutral", False, ["mila"]),
            ("hr", "meeting", "Payroll year-end planning", 100, "positive", True, ["fatima"]),
            ("hr-pay", "call", "Payslip portal feedback", 26, "positive", False, ["bram"]),
        ]
        for unit_code, kind, subject, days_ago, sentiment, shared, people in plan:
            unit = self.units[unit_code]
            agreement = self.agreements[unit_code] if kind == "service_review" else None
            if agreement is not None:
                occurred_at = timezone.make_aware(
                    datetime.datetime.combine(agreement.last_reviewed_on, datetime.time(10))
                )
            else:
                occurred_at = self.now - datetime.timedelta(days=days_ago, hours=3)
            interaction, created = Interaction.objects.get_or_create(
                unit=unit,
                subject=subject,
                defaults={
                    "kind": kind,
                    "agreement": agreement,
                    "occurred_at": occurred_at,
                    "sentiment": sentiment,
                    "is_shared_with_business": shared,
                    "notes": f"{subject}: discussed current service, open points and next steps with the business.",
                    "created_by": unit.relationship_manager,
                },
            )
            if created:
                interaction.contacts.set([self.contacts[name] for name in people])
                interaction.staff.set([unit.relationship_manager])
        for unit_code, title, due_in_days, status, subject in [
            ("fin-ap", "Plan extra scanning capacity", -4, "open", "Invoice scanning backlog"),
            (
                "ops-wh",
                "Replace night-shift scanners",
                -2,
                "in_progress",
                "Scanner outages during night shift",
            ),
            ("ops-wh", "Report scanner stock to Yusuf", 6, "open", "Scanner outages during night shift"),
            ("fin-ctl", "Send BI training dates", 10, "open", "Self-service BI workshop"),
            ("hr", "Confirm payroll freeze window", -20, "done", "Payroll year-end planning"),
            ("sales-mkt", "Load test the campaign site", -1, "open", "Website performance before campaign"),
        ]:
            unit = self.units[unit_code]
            FollowUpAction.objects.get_or_create(
                unit=unit,
                title=title,
                defaults={
                    "owner": unit.relationship_manager,
                    "due_on": self.today + datetime.timedelta(days=due_in_days),
                    "status": status,
                    "interaction": Interaction.objects.filter(unit=unit, subject=subject).first(),
                    "completed_at": self.now if status == "done" else None,
                },
            )

    def _requirements(self):
        carla, olivia = self.contacts["carla"], self.contacts["olivia"]
        plan = [
            ("fin-ap", "E-invoicing with suppliers", "new_service", None, "draft", "piet", None),
            ("fin-ap", "Approval workflow on mobile", "change", "erp-fin", "submitted", "piet", None),
            ("fin-ctl", "Monthly cost dashboards", "change", "bi", "approved", "daan", carla),
            ("fin-ctl", "Second ERP test environment", "change", "erp-fin", "rejected", "daan", carla),
            (
                "ops-wh",
                "Handheld scanners with offline mode",
                "change",
                "wms",
                "in_delivery",
                "yusuf",
                olivia,
            ),
            ("ops-log", "Track & trace for customers", "new_service", None, "delivered", "marco", olivia),
            ("ops-proc", "Supplier portal", "new_service", None, "submitted", "niels", None),
            ("hr-pay", "Payslips in the HR portal app", "change", "hr-portal", "submitted", "bram", None),
        ]
        for unit_code, title, kind, service, status, preparer, decider in plan:
            submitted = status != "draft"
            decided = status in ("approved", "rejected", "in_delivery", "delivered")
            Requirement.objects.get_or_create(
                unit=self.units[unit_code],
                title=title,
                defaults={
                    "description": f"{title}: requested by {self.contacts[preparer].full_name}.",
                    "kind": kind,
                    "service": self.services.get(service),
                    "status": status,
                    "prepared_by": self.contacts[preparer],
                    "submitted_at": self.now - datetime.timedelta(days=30) if submitted else None,
                    "decided_by": decider if decided else None,
                    "decided_at": self.now - datetime.timedelta(days=20) if decided else None,
                    "decision_reason": (
                        "Fits this year's budget."
                        if status != "rejected"
                        else "Not worth the licence cost now."
                    )
                    if decided
                    else "",
                    "delivery_started_at": self.now - datetime.timedelta(days=10)
                    if status in ("in_delivery", "delivered")
                    else None,
                    "delivered_at": self.now - datetime.timedelta(days=2) if status == "delivered" else None,
                    "priority": "high" if unit_code.startswith("ops") else "medium",
                },
            )

    def _opportunities(self):
        for unit_code, title, kind, status, value in [
            ("fin-ap", "Robotic matching of invoices", "efficiency", "assessing", 80_000),
            ("ops-log", "Route optimisation with live traffic", "new_technology", "proposed", 150_000),
            ("sales", "New webshop in two countries", "business_change", "identified", None),
            ("hr-rec", "Video interviews in the HR portal", "new_technology", "accepted", 20_000),
        ]:
            Opportunity.objects.get_or_create(
                unit=self.units[unit_code],
                title=title,
                defaults={
                    "kind": kind,
                    "status": status,
                    "estimated_annual_value": Decimal(value) if value else None,
                    "owner": self.units[unit_code].relationship_manager,
                },
            )

    def _escalations(self):
        plan = [
            # unit, subject, severity, level, status, hours ago raised, raised by, service
            ("ops-wh", "Scanners drop out every night", "high", 1, "open", 3, "yusuf", "wms"),
            ("fin-ap", "Invoices stuck in ERP queue", "critical", 2, "acknowledged", 7, "piet", "erp-fin"),
            ("sales-mkt", "Campaign website down twice this week", "high", 3, "open", 30, "mila", "hosting"),
            ("ops-log", "VPN too slow for carrier portal", "medium", 1, "resolved", 200, "marco", "network"),
            ("hr-pay", "Payslips late in the portal", "low", 1, "closed", 900, "bram", "payroll"),
        ]
        for unit_code, subject, severity, level, status, hours_ago, raiser, service in plan:
            if Escalation.objects.filter(unit=self.units[unit_code], subject=subject).exists():
                continue
            raised_at = self.now - datetime.timedelta(hours=hours_ago)
            level_since = raised_at + datetime.timedelta(hours=rules.response_hours(severity) * (level - 1))
            escalation = Escalation.objects.create(
                unit=self.units[unit_code],
                subject=subject,
                description=f"{subject}. This hurts our daily work; please act.",
                severity=severity,
                service=self.services[service],
                level=level,
                status=status,
                raised_by_contact=self.contacts[raiser],
                raised_by_user=self.contacts[raiser].user,
                raised_at=raised_at,
                respond_by=rules.respond_by(severity=severity, from_time=max(level_since, raised_at)),
                acknowledged_at=level_since + datetime.timedelta(hours=1) if status != "open" else None,
                resolved_at=raised_at + datetime.timedelta(hours=48)
                if status in ("resolved", "closed")
                else None,
                closed_at=raised_at + datetime.timedelta(hours=72) if status == "closed" else None,
                resolution="Capacity added and monitored for a week."
                if status in ("resolved", "closed")
                else "",
            )
            events = [(EscalationEvent.Kind.RAISED, None, 1, raised_at, "")]
            for to_level in range(2, level + 1):
                at = raised_at + datetime.timedelta(hours=rules.response_hours(severity) * (to_level - 1))
                events.append(
                    (EscalationEvent.Kind.AUTO_ESCALATED, to_level - 1, to_level, at, "Deadline passed.")
                )
            if escalation.acknowledged_at:
                events.append((EscalationEvent.Kind.ACKNOWLEDGED, None, None, escalation.acknowledged_at, ""))
            if escalation.resolved_at:
                events.append(
                    (EscalationEvent.Kind.RESOLVED, None, None, escalation.resolved_at, escalation.resolution)
                )
            if escalation.closed_at:
                events.append(
                    (EscalationEvent.Kind.CLOSED, None, None, escalation.closed_at, "Thanks, solved.")
                )
            EscalationEvent.objects.bulk_create(
                EscalationEvent(
                    escalation=escalation,
                    kind=kind,
                    from_level=from_level,
                    to_level=to_level,
                    created_at=at,
                    note=note,
                )
                for kind, from_level, to_level, at, note in events
            )

    def _survey(self):
        """Two closed quarterly campaigns with answers (a trend to show), and one running
        for two Operations units with answers still missing (reminders to send). Every
        other unit is due for its next survey, so the demo's beat has work at once."""
        self._closed_campaign(
            "Satisfaction survey, two quarters ago",
            days_ago=190,
            answers={
                "piet": (3, 6, "Month-end close is painful."),
                "daan": (3, 7, ""),
                "lotte": (4, 8, ""),
                "marco": (3, 6, "Carrier portal keeps timing out."),
                "yusuf": (3, 6, ""),
                "mila": (4, 8, ""),
                "bram": (4, 9, ""),
            },
        )
        self._closed_campaign(
            "Satisfaction survey, last quarter",
            days_ago=100,
            answers={
                "piet": (2, 5, "ERP is slow at month end and nobody tells us why."),
                "daan": (4, 8, "Good support on the BI workshop."),
                "lotte": (4, 9, ""),
                "marco": (3, 7, "VPN could be faster."),
                "yusuf": (2, 4, "Scanners keep failing at night."),
                "niels": (4, 8, ""),
                "mila": (3, 6, "Website outages hurt our campaigns."),
                "bram": (5, 10, "Very happy with the payroll team."),
            },
        )
        opens_at = self.now - datetime.timedelta(days=8)
        running, _ = SurveyCampaign.objects.get_or_create(
            name="Satisfaction survey, Operations (running)",
            defaults={
                "status": SurveyCampaign.Status.OPEN,
                "opens_at": opens_at,
                "closes_at": opens_at + datetime.timedelta(days=21),
            },
        )
        for name in ("marco", "yusuf"):
            contact = self.contacts[name]
            SurveyInvitation.objects.get_or_create(
                campaign=running,
                contact=contact,
                defaults={"unit": contact.unit, "status": SurveyInvitation.Status.SENT, "sent_at": opens_at},
            )

    def _closed_campaign(self, name: str, *, days_ago: int, answers: dict):
        opens_at = self.now - datetime.timedelta(days=days_ago)
        campaign, _ = SurveyCampaign.objects.get_or_create(
            name=name,
            defaults={
                "status": SurveyCampaign.Status.CLOSED,
                "opens_at": opens_at,
                "closes_at": opens_at + datetime.timedelta(days=21),
                "closed_at": opens_at + datetime.timedelta(days=21),
            },
        )
        for name, contact in self.contacts.items():
            if contact.role not in (Contact.Role.CUSTOMER, Contact.Role.PURCHASER):
                continue
            if not contact.unit.subscriptions.exists():
                continue
            invitation, created = SurveyInvitation.objects.get_or_create(
                campaign=campaign,
                contact=contact,
                defaults={
                    "unit": contact.unit,
                    "status": SurveyInvitation.Status.EXPIRED,
                    "sent_at": opens_at,
                },
            )
            if not created or name not in answers:
                continue
            satisfaction, recommend, comment = answers[name]
            invitation.status = SurveyInvitation.Status.RESPONDED
            invitation.responded_at = opens_at + datetime.timedelta(days=3)
            invitation.save(update_fields=["status", "responded_at"])
            response = SurveyResponse.objects.create(
                invitation=invitation,
                campaign=campaign,
                unit=contact.unit,
                overall_satisfaction=satisfaction,
                recommend_score=recommend,
                comment=comment,
            )
            ServiceRating.objects.bulk_create(
                ServiceRating(
                    response=response, subscription=sub, rating=max(1, min(5, satisfaction + delta))
                )
                for sub, delta in zip(contact.unit.subscriptions.all(), [0, 1, -1, 0, 1], strict=False)
            )
            if rules.is_poor_answer(overall_satisfaction=satisfaction, recommend_score=recommend):
                FollowUpAction.objects.get_or_create(
                    survey_response=response,
                    defaults={
                        "unit": contact.unit,
                        "title": f"Follow up the survey answer of {contact.full_name}",
                        "owner": contact.unit.relationship_manager,
                        "due_on": (opens_at + datetime.timedelta(days=10)).date(),
                        "status": FollowUpAction.Status.DONE,
                        "completed_at": opens_at + datetime.timedelta(days=8),
                    },
                )

    def _print_logins(self):
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/ with:"))
        for username, role in [
            ("rita", "relationship manager (Finance, Sales & Marketing)"),
            ("omar", "relationship manager (Operations, HR)"),
            ("ivo", "IT management (escalation level 2)"),
            ("stella", "IT steering group (escalation level 3)"),
            ("carla", "business customer, CFO of Finance (decides for Finance)"),
            ("olivia", "business customer, COO of Operations (decides for Operations)"),
            ("piet", "purchaser, Accounts Payable (prepares, never decides)"),
            ("admin", "administrator (/admin/)"),
        ]:
            self.stdout.write(f"  {username:<8} {DEMO_PASSWORD}   {role}")


def _upsert(model, *, lookup: dict, values: dict, create_only: dict | None = None):
    """The row found by `lookup`, holding `values`: created (with `create_only` too) when
    missing; an existing row is saved only when one of `values` differs, so a re-seed that
    changes nothing writes nothing, and records no change in the history."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values, **(create_only or {}))
    changed = False
    for name, value in values.items():
        field = model._meta.get_field(name)
        # Related rows are compared by id: reading `row.<relation>` would cost a query each.
        current, wanted = (
            (getattr(row, field.attname), value.pk if value is not None else None)
            if field.is_relation
            else (getattr(row, name), value)
        )
        if current != wanted:
            setattr(row, name, value)
            changed = True
    if changed:
        row.save()
    return row
