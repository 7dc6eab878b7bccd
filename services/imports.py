"""Importers for the service catalogue, subscriptions and measurements."""

import datetime
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from core.importing import LineResult, changes_between, numbered
from customers.imports import PortfolioImporter
from customers.models import BusinessUnit

from .models import (
    Agreement,
    Measurement,
    Service,
    ServiceCategory,
    ServiceLevelTarget,
    Subscription,
    plain_number,
)
from .services import (
    CATALOGUE_REFUSAL,
    may_change_any_service,
    may_change_catalogue,
    measurements_record,
    service_save,
    subscription_record,
    target_save,
)


def _decimal(value: str, column: str, errors: list[str]) -> Decimal | None:
    try:
        return Decimal(value.replace(",", ".").strip())
    except InvalidOperation:
        errors.append(f"{column}: a number, not {value!r}.")
        return None


def _date(value: str, column: str, errors: list[str]) -> datetime.date | None:
    if not value.strip():
        return None
    try:
        return datetime.date.fromisoformat(value.strip()[:10])
    except ValueError:
        errors.append(f"{column}: a date as YYYY-MM-DD, not {value!r}.")
        return None


class ServiceImporter(PortfolioImporter):
    """One line per service level target; a service without targets takes one line with
    the target columns empty."""

    kind = "services"
    title = "Services with their targets"
    description = (
        "One line per service level target (a service without targets: one line, target columns "
        "empty). IT management changes the whole catalogue; a service's owner the lines of their own "
        "service."
    )
    columns = (
        "code",
        "name",
        "category",
        "lifecycle",
        "owner",
        "description",
        "target",
        "metric",
        "unit_of_measure",
        "target_value",
        "direction",
    )
    required = ("code", "name")
    example = {
        "code": "erp-fin",
        "name": "ERP Finance",
        "category": "Business applications",
        "lifecycle": "live",
        "owner": "sam",
        "target": "Availability",
        "metric": "availability",
        "unit_of_measure": "%",
        "target_value": "99.5",
        "direction": "higher",
    }

    read_only_columns = ("units_using_it",)

    @classmethod
    def allowed_for(cls, user) -> bool:
        return may_change_any_service(user=user)

    @classmethod
    def export_lines(cls, service) -> list[dict]:
        """One line per target (or one with the target columns empty). Reads the service's
        category, owner and targets: select_related / prefetch_related them."""
        line = {
            "code": service.code,
            "name": service.name,
            "category": service.category.name if service.category_id else "",
            "lifecycle": service.lifecycle,
            "owner": service.owner.username if service.owner_id else "",
            "description": service.description,
        }
        no_target = {"target": "", "metric": "", "unit_of_measure": "", "target_value": "", "direction": ""}
        targets = sorted(service.targets.all(), key=lambda target: target.name)
        return [
            {
                **line,
                "target": target.name,
                "metric": target.metric,
                "unit_of_measure": target.unit_of_measure,
                "target_value": plain_number(target.target_value),
                "direction": target.direction,
            }
            for target in targets
        ] or [{**line, **no_target}]

    @classmethod
    def exportable(cls, user):
        return (
            Service.objects.select_related("category", "owner").prefetch_related("targets").order_by("name")
        )

    def plan(self, rows):
        services = {service.code: service for service in Service.objects.select_related("category", "owner")}
        targets = {
            (t.service.code, t.name.lower()): t for t in ServiceLevelTarget.objects.select_related("service")
        }
        owners = {
            key.lower(): user
            for user in get_user_model().objects.filter(is_staff=True)
            for key in (user.username, user.email)
            if key
        }
        lines, writes, seen_services, seen_targets = [], [], {}, set()
        for number, row in numbered(rows):
            errors: list[str] = []
            code, name = slugify(row.get("code", "")), row.get("name", "").strip()
            if not code or not name:
                errors.append("code and name: both required.")
            lifecycle = (row.get("lifecycle") or "live").strip().lower()
            if lifecycle not in Service.Lifecycle.values:
                errors.append(f"lifecycle: one of {', '.join(Service.Lifecycle.values)}, not {lifecycle!r}.")
            owner = None
            if row.get("owner", "").strip():
                owner = owners.get(row["owner"].strip().lower())
                if owner is None:
                    errors.append(f"owner: no staff user {row['owner']!r}.")
            service_values = {
                "name": name,
                "lifecycle": lifecycle,
                "owner": owner,
                "description": row.get("description", "").strip(),
            }
            if code in seen_services and seen_services[code] != (
                service_values,
                row.get("category", "").strip(),
            ):
                errors.append(f"code: {code} appears with other service details on an earlier line.")
            target_name = row.get("target", "").strip()
            target_values = None
            if target_name:
                metric = (row.get("metric") or "other").strip().lower()
                direction = (row.get("direction") or "").strip().lower()
                if metric not in ServiceLevelTarget.Metric.values:
                    errors.append(
                        f"metric: one of {', '.join(ServiceLevelTarget.Metric.values)}, not {metric!r}."
                    )
                if direction not in ServiceLevelTarget.Direction.values:
                    errors.append("direction: higher (at least) or lower (at most).")
                value = _decimal(row.get("target_value", ""), "target_value", errors)
                if metric == "availability" and value is not None and not 0 <= value <= 100:
                    errors.append("target_value: an availability is a percentage from 0 to 100.")
                if (code, target_name.lower()) in seen_targets:
                    errors.append(f"target: {target_name} appears twice for {code}.")
                seen_targets.add((code, target_name.lower()))
                target_values = {
                    "metric": metric,
                    "unit_of_measure": row.get("unit_of_measure", "").strip(),
                    "target_value": value,
                    "direction": direction,
                }
            if errors:
                lines.append(LineResult(number, "error", name or code or "?", errors))
                continue
            seen_services[code] = (service_values, row.get("category", "").strip())
            service = services.get(code)
            changes = {}
            if service is not None:
                changes = changes_between(service, service_values)
                if (service.category.name if service.category_id else "") != row.get("category", "").strip():
                    changes["category"] = (
                        service.category.name if service.category_id else "",
                        row.get("category", ""),
                    )
            target = targets.get((code, target_name.lower())) if target_name else None
            if target is not None:
                changes |= {
                    f"{target_name} {k}": v for k, v in changes_between(target, target_values).items()
                }
            label = f"{name}{' — ' + target_name if target_name else ''}"
            if service is None or (target_name and target is None):
                action = "create"
            else:
                action = "update" if changes else "unchanged"
            if action != "unchanged" and not may_change_catalogue(user=self.by, service=service):
                # The staff form's right, per line: an exported catalogue re-imports cleanly.
                lines.append(LineResult(number, "error", label, [CATALOGUE_REFUSAL]))
                continue
            lines.append(LineResult(number, action, label, changes=changes))
            writes.append(
                (number, code, service_values, row.get("category", "").strip(), target_name, target_values)
            )
        return lines, writes

    def apply(self, writes):
        # Through the catalogue's services, as the staff form and the API: the same right and
        # checks per row (a catalogue is a few hundred rows, so one save each is cheap).
        saved: dict[str, Service] = {}
        for _, code, service_values, category, target_name, target_values in writes:
            service = saved.get(code)
            if service is None:
                service = Service.objects.filter(code=code).first() or Service(code=code)
                values = {
                    **service_values,
                    "category": ServiceCategory.objects.get_or_create(name=category)[0] if category else None,
                }
                saved[code] = service = service_save(service=_with(service, values), by=self.by)
            if target_name:
                target = ServiceLevelTarget.objects.filter(
                    service=service, name__iexact=target_name
                ).first() or ServiceLevelTarget(service=service, name=target_name)
                target_save(target=_with(target, target_values), by=self.by)


def _with(instance, values: dict):
    for name, value in values.items():
        setattr(instance, name, value)
    return instance


# A refusal is a decision on an order, with its reason (services.subscription_refuse): not imported.
IMPORTABLE_STATUSES = [
    status.value
    for status in (Subscription.Status.REQUESTED, Subscription.Status.ACTIVE, Subscription.Status.ENDED)
]


class SubscriptionImporter(PortfolioImporter):
    kind = "subscriptions"
    title = "Subscriptions"
    description = (
        "One line per service a unit uses. Lines that would change units outside your portfolio are rejected."
    )
    columns = ("unit", "service", "status", "started_on", "ended_on", "quantity", "agreement")
    required = ("unit", "service")
    example = {
        "unit": "fin-ap",
        "service": "erp-fin",
        "status": "active",
        "started_on": "2026-01-01",
        "quantity": "25",
    }

    @classmethod
    def export_line(cls, subscription) -> dict:
        """Reads the subscription's unit, service and agreement: select_related them."""
        return {
            "unit": subscription.unit.code,
            "service": subscription.service.code,
            "status": subscription.status,
            "started_on": subscription.started_on,
            "ended_on": subscription.ended_on,
            "quantity": subscription.quantity,
            "agreement": subscription.agreement.reference if subscription.agreement_id else "",
        }

    @classmethod
    def exportable(cls, user):
        # Ended subscriptions are history: the import would start them again.
        return (
            Subscription.objects.current()
            .filter(unit__in=BusinessUnit.objects.editable_by(user))
            .select_related("unit", "service", "agreement")
            .order_by("unit__path", "service__name")
        )

    def plan(self, rows):
        units = {unit.code: unit for unit in BusinessUnit.objects.all()}
        editable = set(BusinessUnit.objects.editable_by(self.by).values_list("pk", flat=True))
        services = {service.code: service for service in Service.objects.all()}
        agreements = {agreement.reference: agreement for agreement in Agreement.objects.all()}
        current = {(sub.unit_id, sub.service_id): sub for sub in Subscription.objects.current()}
        lines, writes, seen = [], [], {}
        for number, row in numbered(rows):
            errors: list[str] = []
            unit = units.get(slugify(row.get("unit", "")))
            service = services.get(slugify(row.get("service", "")))
            if unit is None:
                errors.append(f"unit: no unit with code {row.get('unit', '')!r}.")
            if service is None:
                errors.append(f"service: no service with code {row.get('service', '')!r}.")
            status = (row.get("status") or "active").strip().lower()
            if status not in IMPORTABLE_STATUSES:
                errors.append(f"status: one of {', '.join(IMPORTABLE_STATUSES)}, not {status!r}.")
            started = _date(row.get("started_on", ""), "started_on", errors)
            ended = _date(row.get("ended_on", ""), "ended_on", errors)
            if started and ended and ended < started:
                errors.append("ended_on: before started_on.")
            quantity = row.get("quantity", "").strip() or "1"
            if not quantity.isdigit() or int(quantity) < 1:
                errors.append(f"quantity: a whole number of at least 1, not {quantity!r}.")
            agreement = None
            if row.get("agreement", "").strip():
                agreement = agreements.get(slugify(row["agreement"]))
                if agreement is None:
                    errors.append(f"agreement: no agreement {row['agreement']!r}.")
                elif unit is not None and agreement.unit_id not in (unit.pk, *unit.ancestor_ids):
                    errors.append("agreement: it belongs to another unit.")
            if unit and service and (unit.pk, service.pk) in seen:
                errors.append(
                    f"{service.code} for {unit.code} is already on line {seen[(unit.pk, service.pk)]}."
                )
            if errors:
                lines.append(
                    LineResult(number, "error", f"{row.get('unit', '')} / {row.get('service', '')}", errors)
                )
                continue
            seen[(unit.pk, service.pk)] = number
            values = {
                "status": status,
                "started_on": started,
                "ended_on": ended,
                "quantity": int(quantity),
                "agreement": agreement,
            }
            existing = current.get((unit.pk, service.pk))
            label = f"{unit.name} uses {service.name}"
            changes = changes_between(existing, values) if existing is not None else {}
            if unit.pk not in editable and (existing is None or changes):
                # Only a line that writes needs the right: an exported list re-imports cleanly.
                lines.append(
                    LineResult(
                        number,
                        "error",
                        f"{row.get('unit', '')} / {row.get('service', '')}",
                        [f"unit: {unit.name} is not in your portfolio."],
                    )
                )
            elif existing is None:
                lines.append(LineResult(number, "create", label))
                writes.append((number, None, {"unit": unit, "service": service, **values}))
            else:
                lines.append(LineResult(number, "update" if changes else "unchanged", label, changes=changes))
                if changes:
                    writes.append((number, existing, values))
        return lines, writes

    def apply(self, writes):
        for _, existing, values in writes:
            subscription_record(subscription=_with(existing or Subscription(), values), by=self.by)


class MeasurementImporter(PortfolioImporter):
    """Monthly levels: one line per unit, service, target and month (YYYY-MM)."""

    kind = "measurements"
    title = "Measurements"
    description = (
        "One line per unit, service, target and month: the level delivered. Lines that would change "
        "units outside your portfolio are rejected."
    )
    columns = ("unit", "service", "target", "period", "value")
    required = columns
    example = {
        "unit": "fin-ap",
        "service": "erp-fin",
        "target": "Availability",
        "period": "2026-10",
        "value": "99.7",
    }
    # The import page's download of current data covers this many months, this one included.
    EXPORT_MONTHS = 12

    @classmethod
    def export_line(cls, measurement) -> dict:
        """Reads the measurement's subscription (with unit and service) and target:
        select_related them."""
        return {
            "unit": measurement.subscription.unit.code,
            "service": measurement.subscription.service.code,
            "target": measurement.target.name,
            "period": f"{measurement.period_start:%Y-%m}",
            "value": plain_number(measurement.value),
        }

    @classmethod
    def exportable(cls, user):
        this_month = timezone.localdate().replace(day=1)
        since = this_month - relativedelta(months=cls.EXPORT_MONTHS - 1)
        return (
            Measurement.objects.exclude(subscription__status=Subscription.Status.ENDED)
            .filter(subscription__unit__in=BusinessUnit.objects.editable_by(user), period_start__gte=since)
            .select_related("subscription__unit", "subscription__service", "target")
            .order_by(
                "subscription__unit__path", "subscription__service__name", "target__name", "period_start"
            )
        )

    def plan(self, rows):
        editable = set(BusinessUnit.objects.editable_by(self.by).values_list("pk", flat=True))
        subscriptions = {
            (sub.unit.code, sub.service.code): sub
            for sub in Subscription.objects.current().select_related("unit", "service")
        }
        targets = {
            (t.service.code, t.name.lower()): t for t in ServiceLevelTarget.objects.select_related("service")
        }
        existing = {
            (m.subscription_id, m.target_id, m.period_start): m
            for m in Measurement.objects.filter(subscription__in=[s.pk for s in subscriptions.values()])
        }
        this_month = timezone.localdate().replace(day=1)
        lines, writes, seen = [], [], {}
        for number, row in numbered(rows):
            errors: list[str] = []
            unit_code, service_code = slugify(row.get("unit", "")), slugify(row.get("service", ""))
            subscription = subscriptions.get((unit_code, service_code))
            if subscription is None:
                errors.append(f"{row.get('unit', '')!r} does not use service {row.get('service', '')!r}.")
            target = targets.get((service_code, row.get("target", "").strip().lower()))
            if target is None:
                errors.append(f"target: {row.get('service', '')!r} has no target {row.get('target', '')!r}.")
            period = None
            try:
                period = datetime.date.fromisoformat(row.get("period", "").strip()[:7] + "-01")
                if period > this_month:
                    errors.append("period: a month that has not begun.")
            except ValueError:
                errors.append(f"period: a month as YYYY-MM, not {row.get('period', '')!r}.")
            value = _decimal(row.get("value", ""), "value", errors)
            key = (subscription.pk if subscription else None, target.pk if target else None, period)
            if subscription and target and period and key in seen:
                errors.append(f"this month is already on line {seen[key]}.")
            if errors:
                lines.append(LineResult(number, "error", f"{unit_code} / {service_code}", errors))
                continue
            seen[key] = number
            label = f"{subscription.unit.name} — {target.service.name} {target.name} {period:%Y-%m}"
            current = existing.get(key)
            if subscription.unit_id not in editable and (current is None or current.value != value):
                # Only a line that writes needs the right: an exported list re-imports cleanly.
                lines.append(
                    LineResult(
                        number,
                        "error",
                        f"{unit_code} / {service_code}",
                        [f"unit: {subscription.unit.name} is not in your portfolio."],
                    )
                )
            elif current is None:
                lines.append(LineResult(number, "create", label))
                writes.append((number, None, subscription, target, period, value))
            elif current.value != value:
                lines.append(
                    LineResult(number, "update", label, changes={"value": (str(current.value), str(value))})
                )
                writes.append((number, current, subscription, target, period, value))
            else:
                lines.append(LineResult(number, "unchanged", label))
        return lines, writes

    def apply(self, writes):
        # The same right and checks as recording one (measurement_record), in bulk.
        measurements_record(
            rows=[
                (subscription, target, period, value) for _, _, subscription, target, period, value in writes
            ],
            by=self.by,
        )
