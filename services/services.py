import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from brm.domain import DomainError, DomainPermissionError
from customers.models import BusinessUnit, Contact
from customers.selectors import contacts_of_user_for_unit, deciding_customer_for

from .models import Agreement, Measurement, Service, ServiceLevelTarget, Subscription


def ensure_deciding_customer(*, user, unit: BusinessUnit, what: str) -> Contact:
    """Decisions for a unit are taken by its deciding customer only; returns their contact.
    A purchaser may prepare but never decide, and staff never decide for the business."""
    decider = deciding_customer_for(unit=unit)
    if decider is None:
        raise DomainError(
            f"{unit.name} has no deciding customer yet: name a customer contact for it or a "
            f"unit above it before anyone can {what}."
        )
    if decider.user_id is None or decider.user_id != user.pk:
        raise DomainPermissionError(
            f"Only the deciding customer of {unit.name} ({decider.full_name}) may {what}."
        )
    return decider


@transaction.atomic
def agreement_sign(*, agreement: Agreement, by) -> Agreement:
    """Only the deciding customer signs; signing activates the agreement and plans its
    first review one interval after it starts."""
    if agreement.status != Agreement.Status.DRAFT:
        raise DomainError(
            f"Only a draft agreement can be signed; this one is {agreement.get_status_display().lower()}."
        )
    agreement.signed_by = ensure_deciding_customer(user=by, unit=agreement.unit, what="sign an agreement")
    agreement.signed_at = timezone.now()
    agreement.status = Agreement.Status.ACTIVE
    if agreement.next_review_on is None:
        agreement.next_review_on = agreement.valid_from + relativedelta(
            months=agreement.review_interval_months
        )
    agreement.save(update_fields=["signed_by", "signed_at", "status", "next_review_on", "updated_at"])
    return agreement


@transaction.atomic
def agreement_reviewed(*, agreement: Agreement, on: datetime.date) -> Agreement:
    """A review took place on `on`: the next one is one interval after the last review (a
    review held early or late sets the rhythm anew). Called by the service that records the
    review (relationships.services.agreement_review_record), so `last_reviewed_on` is always
    the day of the latest review logged; logging an older review leaves both dates alone."""
    if agreement.last_reviewed_on and on < agreement.last_reviewed_on:
        return agreement
    agreement.last_reviewed_on = on
    agreement.next_review_on = on + relativedelta(months=agreement.review_interval_months)
    agreement.save(update_fields=["last_reviewed_on", "next_review_on", "updated_at"])
    return agreement


@transaction.atomic
def subscription_order(
    *,
    unit: BusinessUnit,
    service: Service,
    by,
    agreement: Agreement | None = None,
    quantity: int = 1,
    notes: str = "",
) -> Subscription:
    """Order an existing live service for a unit. Business contacts of the unit (purchasers
    included) and staff may order; the service must be live and not already used."""
    ordered_by = None
    if not by.is_staff:
        contacts = contacts_of_user_for_unit(user=by, unit=unit)
        if not contacts:
            raise DomainPermissionError(f"You are not a contact of {unit.name}.")
        ordered_by = contacts[0]
    if service.lifecycle != Service.Lifecycle.LIVE:
        raise DomainError(f"{service.name} is not a live service and cannot be ordered.", field="service")
    if agreement is not None and agreement.unit_id != unit.pk:
        raise DomainError("The agreement belongs to another unit.", field="agreement")
    if (
        Subscription.objects.filter(unit=unit, service=service)
        .exclude(status=Subscription.Status.ENDED)
        .exists()
    ):
        raise DomainError(f"{unit.name} already uses or has ordered {service.name}.", field="service")
    if quantity < 1:
        raise DomainError("Quantity must be at least 1.", field="quantity")
    return Subscription.objects.create(
        unit=unit, service=service, agreement=agreement, ordered_by=ordered_by, quantity=quantity, notes=notes
    )


@transaction.atomic
def subscription_activate(*, subscription: Subscription, on: datetime.date) -> Subscription:
    if subscription.status != Subscription.Status.REQUESTED:
        raise DomainError("Only a requested subscription can be activated.")
    subscription.status = Subscription.Status.ACTIVE
    subscription.started_on = on
    subscription.save(update_fields=["status", "started_on", "updated_at"])
    return subscription


@transaction.atomic
def subscription_end(*, subscription: Subscription, on: datetime.date) -> Subscription:
    if subscription.status == Subscription.Status.ENDED:
        raise DomainError("This subscription has already ended.")
    if subscription.started_on and on < subscription.started_on:
        raise DomainError("A subscription cannot end before it started.", field="ended_on")
    subscription.status = Subscription.Status.ENDED
    subscription.ended_on = on
    subscription.save(update_fields=["status", "ended_on", "updated_at"])
    return subscription


@transaction.atomic
def measurement_record(
    *, subscription: Subscription, target: ServiceLevelTarget, period_start: datetime.date, value: Decimal
) -> Measurement:
    """Record (or correct) the level a subscription got for a target in a month, judged
    against the target in force now. Recording the same figure twice changes nothing."""
    if target.service_id != subscription.service_id:
        raise DomainError(
            f"The target {target.name} belongs to another service than {subscription.service.name}.",
            field="target",
        )
    if period_start.day != 1:
        raise DomainError("A measurement period starts on the first day of a month.", field="period_start")
    if period_start > timezone.localdate():
        raise DomainError("A measurement cannot be for a month that has not begun.", field="period_start")
    value = Decimal(value)
    measurement, _ = Measurement.objects.update_or_create(
        subscription=subscription,
        target=target,
        period_start=period_start,
        defaults={"value": value, "target_value": target.target_value, "is_met": target.is_met_by(value)},
    )
    return measurement


# --- The catalogue and agreements, edited by staff --------------------------------------


def _ensure_catalogue_rights(*, user, service: Service | None) -> None:
    """IT management changes the catalogue; a service's owner changes their own service."""
    if user.has_perm("customers.manage_all_units"):
        return
    if service is not None and service.pk and service.owner_id == user.pk:
        return
    raise DomainPermissionError("Only IT management or the service's owner may change the service catalogue.")


@transaction.atomic
def service_save(*, service: Service, by) -> Service:
    previous = Service.objects.filter(pk=service.pk).first() if service.pk else None
    _ensure_catalogue_rights(user=by, service=previous)
    for field, label in (("code", "code"), ("name", "name")):
        value = getattr(service, field)
        if Service.objects.filter(**{f"{field}__iexact": value}).exclude(pk=service.pk).exists():
            raise DomainError(f"Another service already has the {label} {value}.", field=field)
    service.save()
    return service


@transaction.atomic
def target_save(*, target: ServiceLevelTarget, by) -> ServiceLevelTarget:
    """A service level target: an availability is a percentage; names are unique per service."""
    _ensure_catalogue_rights(user=by, service=target.service)
    if error := target.value_error():
        raise DomainError(error, field="target_value")
    if (
        ServiceLevelTarget.objects.filter(service=target.service, name__iexact=target.name)
        .exclude(pk=target.pk)
        .exists()
    ):
        raise DomainError(f"{target.service.name} already has a target called {target.name}.", field="name")
    target.save()
    return target


@transaction.atomic
def agreement_save(*, agreement: Agreement, by) -> Agreement:
    """Staff of the unit's portfolio draft and maintain agreements. A signed agreement keeps
    its unit and start date: what was signed is not rewritten. The dates and interval must
    be possible (Agreement.rule_errors): it ends after it starts, the next review is not
    before the start, reviews come every 1 to 60 months."""
    from customers.services import ensure_can_edit_unit

    ensure_can_edit_unit(user=by, unit=agreement.unit)
    previous = Agreement.objects.filter(pk=agreement.pk).first() if agreement.pk else None
    if previous is not None:
        ensure_can_edit_unit(user=by, unit=previous.unit)
        if previous.status != Agreement.Status.DRAFT and (
            previous.unit_id != agreement.unit_id or previous.valid_from != agreement.valid_from
        ):
            raise DomainError("A signed agreement keeps its unit and start date; draft a new one instead.")
    else:
        agreement.status = Agreement.Status.DRAFT
    if errors := agreement.rule_errors():
        field, message = next(iter(errors.items()))
        raise DomainError(message, field=field)
    if Agreement.objects.filter(reference__iexact=agreement.reference).exclude(pk=agreement.pk).exists():
        raise DomainError(f"The reference {agreement.reference} is already used.", field="reference")
    agreement.save()
    return agreement
