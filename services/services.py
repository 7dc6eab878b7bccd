import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.domain import DomainError, DomainPermissionError
from customers import roles
from customers.models import BusinessUnit
from customers.selectors import contacts_of_user_for_unit, unit_is_editable_by
from customers.services import ensure_can_edit_unit, ensure_deciding_customer
from notifications.mail import email_enqueue

from .models import Agreement, Measurement, Service, ServiceLevelTarget, Subscription


@transaction.atomic
def agreement_sign(*, agreement: Agreement, by) -> Agreement:
    """Only the deciding customer signs; signing activates the agreement and plans its
    first review one interval after it starts. Read again and locked: the unit and status
    checked are the stored ones, and two signatures at once cannot both pass."""
    agreement = Agreement.objects.select_for_update(of=("self",)).select_related("unit").get(pk=agreement.pk)
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
    included) and staff who may edit the unit may order; the service must be live and not
    already used. The order waits for IT (`subscription_fulfil` / `subscription_refuse`),
    and whoever must act on it is told."""
    ordered_by = None
    if by.is_staff:
        ensure_can_edit_unit(user=by, unit=unit)
    else:
        contacts = contacts_of_user_for_unit(user=by, unit=unit)
        if not contacts:
            raise DomainPermissionError(f"You are not a contact of {unit.name}.")
        ordered_by = contacts[0]
    if service.lifecycle != Service.Lifecycle.LIVE:
        raise DomainError(f"{service.name} is not a live service and cannot be ordered.", field="service")
    # An agreement covers its unit and the units below it (services.selectors.covering_agreement).
    if agreement is not None and agreement.unit_id not in (*unit.ancestor_ids, unit.pk):
        raise DomainError(
            "The agreement belongs to a unit that is not this one or above it.", field="agreement"
        )
    if Subscription.objects.current().filter(unit=unit, service=service).exists():
        raise DomainError(f"{unit.name} already uses or has ordered {service.name}.", field="service")
    if quantity < 1:
        raise DomainError("Quantity must be at least 1.", field="quantity")
    subscription = Subscription.objects.create(
        unit=unit, service=service, agreement=agreement, ordered_by=ordered_by, quantity=quantity, notes=notes
    )
    _order_waiting_notify(subscription=subscription, by=by)
    return subscription


def order_deciders(*, subscription: Subscription) -> list:
    """Who is asked to act on an order: the unit's relationship manager; IT management
    when the unit has none (it may act on every order)."""
    if subscription.unit.relationship_manager_id:
        return [subscription.unit.relationship_manager]
    return roles.level_members(level=2, unit=subscription.unit)


def _order_waiting_notify(*, subscription: Subscription, by) -> None:
    deciders = [person for person in order_deciders(subscription=subscription) if person.pk != by.pk]
    orderer = subscription.ordered_by
    email_enqueue(
        key=f"order-waiting:{subscription.pk}",
        to=[person.email for person in deciders],
        subject=f"Order to fulfil: {subscription.service.name} for {subscription.unit.name}",
        template="order_waiting",
        context={
            "subscription": subscription,
            "orderer_name": orderer.full_name if orderer else (by.get_full_name() or by.username),
        },
    )


def may_decide_order(*, user, subscription: Subscription) -> bool:
    """Who may fulfil or refuse an order: the unit's relationship manager (or anyone who
    may edit every unit, as IT management), or whoever keeps the service in the catalogue
    (its owner). The same rights as changing the unit or the service."""
    if not (user.is_authenticated and user.is_staff):
        return False
    return unit_is_editable_by(user=user, unit=subscription.unit) or may_change_catalogue(
        user=user, service=subscription.service
    )


def _lock_waiting_order(*, subscription: Subscription, by, verb: str) -> Subscription:
    """The order, locked, after checking who acts and that it still waits: two people
    deciding at once cannot both win."""
    if not may_decide_order(user=by, subscription=subscription):
        manager = subscription.unit.relationship_manager
        named = f" ({manager.get_full_name() or manager.username})" if manager else ""
        raise DomainPermissionError(
            f"Only the relationship manager of {subscription.unit.name}{named}, IT management or "
            f"the owner of {subscription.service.name} may {verb} this order."
        )
    locked = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("unit", "service", "ordered_by")
        .get(pk=subscription.pk)
    )
    if locked.status != Subscription.Status.REQUESTED:
        raise DomainError(
            f"This order is no longer waiting: it is {locked.get_status_display().lower()}, so it "
            f"cannot be {verb}ed now."
        )
    return locked


def _order_decided_notify(*, subscription: Subscription) -> None:
    orderer = subscription.ordered_by
    if orderer is None or not orderer.email:
        return  # ordered by IT staff, who know the outcome
    outcome = "is ready" if subscription.status == Subscription.Status.ACTIVE else "was refused"
    email_enqueue(
        key=f"order-decided:{subscription.pk}",
        to=[orderer.email],
        subject=f"Your order {outcome}: {subscription.service.name} for {subscription.unit.name}",
        template="order_decided",
        context={"subscription": subscription, "orderer": orderer, "decider": subscription.decided_by},
    )


@transaction.atomic
def subscription_fulfil(*, subscription: Subscription, by, on: datetime.date | None = None) -> Subscription:
    """Fulfil a waiting order: the service is in use from `on` (today by default, never
    before it was ordered). Who decided and when is kept; the orderer is told."""
    subscription = _lock_waiting_order(subscription=subscription, by=by, verb="fulfil")
    on = on or timezone.localdate()
    ordered_on = timezone.localdate(subscription.created_at)
    if on < ordered_on:
        raise DomainError(f"It cannot start before it was ordered ({ordered_on:%d %b %Y}).", field="on")
    subscription.status = Subscription.Status.ACTIVE
    subscription.started_on = on
    subscription.decided_by = by
    subscription.decided_at = timezone.now()
    subscription.save(update_fields=["status", "started_on", "decided_by", "decided_at", "updated_at"])
    _order_decided_notify(subscription=subscription)
    return subscription


@transaction.atomic
def subscription_refuse(*, subscription: Subscription, by, reason: str) -> Subscription:
    """Refuse a waiting order, saying why; the orderer is told, and the unit may order
    the service again later."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "Say why the order is refused: the person who ordered it reads this.", field="reason"
        )
    subscription = _lock_waiting_order(subscription=subscription, by=by, verb="refuse")
    subscription.status = Subscription.Status.REFUSED
    subscription.refusal_reason = reason
    subscription.decided_by = by
    subscription.decided_at = timezone.now()
    subscription.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at", "updated_at"])
    _order_decided_notify(subscription=subscription)
    return subscription


def _stored_subscription(subscription: Subscription, *, lock: bool = False) -> Subscription:
    """The subscription as stored, with its unit and service: rights are checked on that,
    never on what a caller holds."""
    rows = Subscription.objects.select_related("unit", "service")
    if lock:
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=subscription.pk)


@transaction.atomic
def subscription_end(*, subscription: Subscription, on: datetime.date, by) -> Subscription:
    """End a subscription in use or ordered: by staff who may edit its unit
    (customers.services.ensure_can_edit_unit), never before it started."""
    subscription = _stored_subscription(subscription, lock=True)
    ensure_can_edit_unit(user=by, unit=subscription.unit)
    if subscription.status not in Subscription.CURRENT_STATUSES:
        raise DomainError(f"This subscription is {subscription.get_status_display().lower()} already.")
    if subscription.started_on and on < subscription.started_on:
        raise DomainError("A subscription cannot end before it started.", field="ended_on")
    subscription.status = Subscription.Status.ENDED
    subscription.ended_on = on
    subscription.save(update_fields=["status", "ended_on", "updated_at"])
    return subscription


@transaction.atomic
def subscription_record(*, subscription: Subscription, by) -> Subscription:
    """Record a unit's use of a service as it stands, new or changed (the subscription
    import: services in use before the portal, their dates, quantity and agreement). By
    staff who may edit the unit, as stored and as it would be; the model's checks answer
    bad values. Ordering through the business is subscription_order."""
    if subscription.pk:
        ensure_can_edit_unit(user=by, unit=_stored_subscription(subscription).unit)
    ensure_can_edit_unit(user=by, unit=BusinessUnit.objects.get(pk=subscription.unit_id))
    if subscription.status == Subscription.Status.REFUSED:
        raise DomainError("A refusal is a decision on an order, with its reason.", field="status")
    _full_clean(subscription)
    subscription.save()
    return subscription


def _judged(*, target: ServiceLevelTarget, value: Decimal) -> dict:
    """A measurement's judgement against the target in force now: recorded with it, so a
    later change of the target does not rewrite history."""
    return {"value": value, "target_value": target.target_value, "is_met": target.is_met_by(value)}


def _check_measurement(*, subscription: Subscription, target: ServiceLevelTarget, period_start) -> None:
    if target.service_id != subscription.service_id:
        raise DomainError(
            f"The target {target.name} belongs to another service than {subscription.service.name}.",
            field="target",
        )
    if period_start.day != 1:
        raise DomainError("A measurement period starts on the first day of a month.", field="period_start")
    if period_start > timezone.localdate():
        raise DomainError("A measurement cannot be for a month that has not begun.", field="period_start")


@transaction.atomic
def measurement_record(
    *,
    subscription: Subscription,
    target: ServiceLevelTarget,
    period_start: datetime.date,
    value: Decimal,
    by,
) -> Measurement:
    """Record (or correct) the level a subscription got for a target in a month, judged
    against the target in force now: by staff who may edit the subscription's unit.
    Recording the same figure twice changes nothing."""
    subscription = _stored_subscription(subscription)
    ensure_can_edit_unit(user=by, unit=subscription.unit)
    _check_measurement(subscription=subscription, target=target, period_start=period_start)
    measurement, _ = Measurement.objects.update_or_create(
        subscription=subscription,
        target=target,
        period_start=period_start,
        defaults=_judged(target=target, value=Decimal(value)),
    )
    return measurement


@transaction.atomic
def measurements_record(*, rows: list[tuple], by) -> None:
    """measurement_record for many rows at once (the measurement import: a file may hold
    thousands): `rows` are (subscription, target, period_start, value), their subscriptions
    read with their units. The same right, once per unit, and the same checks; bulk writes."""
    for unit in {subscription.unit_id: subscription.unit for subscription, *_ in rows}.values():
        ensure_can_edit_unit(user=by, unit=unit)
    for subscription, target, period_start, _ in rows:
        _check_measurement(subscription=subscription, target=target, period_start=period_start)
    stored = {
        (m.subscription_id, m.target_id, m.period_start): m
        for m in Measurement.objects.filter(
            subscription__in={row[0].pk for row in rows}, period_start__in={row[2] for row in rows}
        )
    }
    new, changed = [], []
    for subscription, target, period_start, value in rows:
        values = _judged(target=target, value=Decimal(value))
        current = stored.get((subscription.pk, target.pk, period_start))
        if current is None:
            new.append(
                Measurement(subscription=subscription, target=target, period_start=period_start, **values)
            )
        else:
            for name, field_value in values.items():
                setattr(current, name, field_value)
            changed.append(current)
    Measurement.objects.bulk_create(new, batch_size=1000)
    Measurement.objects.bulk_update(changed, ["value", "target_value", "is_met"], batch_size=1000)


# --- The catalogue and agreements, edited by staff --------------------------------------


CATALOGUE_REFUSAL = "Only IT management or the service's owner may change the service catalogue."


def may_change_catalogue(*, user, service: Service | None = None) -> bool:
    """The one catalogue right: who manages every unit (IT management,
    customers.roles.manages_every_unit) changes the whole catalogue; a service's owner
    changes their own service and its targets. A new service (`service` None) only the
    former. Asked by the staff pages, the API, the import and may_decide_order."""
    if not (user.is_authenticated and user.is_staff):
        return False
    if roles.manages_every_unit(user):
        return True
    return service is not None and service.pk is not None and service.owner_id == user.pk


def may_change_any_service(*, user) -> bool:
    """Whether some of the catalogue is `user`'s to change (the import page offers the
    catalogue to them): IT management, or the owner of a service."""
    if not (user.is_authenticated and user.is_staff):
        return False
    return roles.manages_every_unit(user) or Service.objects.filter(owner=user).exists()


def ensure_may_change_catalogue(*, user, service: Service | None = None) -> None:
    if not may_change_catalogue(user=user, service=service):
        raise DomainPermissionError(CATALOGUE_REFUSAL)


def _full_clean(instance) -> None:
    """The model's own checks (choices, lengths, slugs, constraints) as a DomainError at
    the first field at fault, so every door shows one clear message and nothing is saved."""
    try:
        instance.full_clean()
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise DomainError(" ".join(error.messages)) from error
        field, errors = next(iter(error.message_dict.items()))
        raise DomainError(" ".join(errors), field=None if field == "__all__" else field) from error


@transaction.atomic
def service_save(*, service: Service, by) -> Service:
    """Add or change a service of the catalogue. The right is checked on the service as
    stored (its owner may hand it to another owner; a new one is IT management's); code
    and name are unique whatever their case."""
    stored = Service.objects.filter(pk=service.pk).first() if service.pk else None
    ensure_may_change_catalogue(user=by, service=stored)
    for field, label in (("code", "code"), ("name", "name")):
        value = getattr(service, field)
        if Service.objects.filter(**{f"{field}__iexact": value}).exclude(pk=service.pk).exists():
            raise DomainError(f"Another service already has the {label} {value}.", field=field)
    _full_clean(service)
    service.save()
    return service


@transaction.atomic
def target_save(*, target: ServiceLevelTarget, by) -> ServiceLevelTarget:
    """Add or change a service level target: by who may change its service, read from the
    database (both services, when a change moves the target to another). An availability
    is a percentage; names are unique per service whatever their case."""
    if target.pk:
        stored = ServiceLevelTarget.objects.select_related("service").get(pk=target.pk)
        ensure_may_change_catalogue(user=by, service=stored.service)
    if target.service_id is None:
        raise DomainError("A target belongs to a service.", field="service")
    ensure_may_change_catalogue(user=by, service=Service.objects.get(pk=target.service_id))
    if error := target.value_error():
        raise DomainError(error, field="target_value")
    if (
        ServiceLevelTarget.objects.filter(service=target.service_id, name__iexact=target.name)
        .exclude(pk=target.pk)
        .exists()
    ):
        raise DomainError(f"{target.service.name} already has a target called {target.name}.", field="name")
    _full_clean(target)
    target.save()
    return target


@transaction.atomic
def agreement_save(*, agreement: Agreement, by) -> Agreement:
    """Staff of the unit's portfolio draft and maintain agreements. A signed agreement keeps
    its unit and start date: what was signed is not rewritten. The dates and interval must
    be possible (Agreement.rule_errors): it ends after it starts, the next review is not
    before the start, reviews come every 1 to 60 months."""
    # Both units read from the database: the right is the stored one, not the caller's copy.
    ensure_can_edit_unit(user=by, unit=BusinessUnit.objects.get(pk=agreement.unit_id))
    previous = (
        Agreement.objects.select_related("unit").filter(pk=agreement.pk).first() if agreement.pk else None
    )
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
    _full_clean(agreement)
    agreement.save()
    return agreement
