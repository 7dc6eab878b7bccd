"""Notification preferences: which e-mails a person gets, and whether at once, in a daily
digest, or not at all.

Every e-mail the portal sends goes through the outbox (mail.py), which asks this module
what each recipient wants: jobs and services know nothing of preferences. Which mail is
which kind is decided here, by the e-mail's template:

| template                      | sent by                                | kind                  |
|-------------------------------|----------------------------------------|-----------------------|
| escalation_level              | escalation raised / reminded / climbed | escalations (staff)   |
| action_overdue                | job 4, overdue follow-up actions       | actions_overdue       |
| agreement_review              | job 5, agreement reviews coming due    | service_reviews       |
| requirement_decided           | the business approved or rejected      | requirement_decisions |
| portal_requirement_submitted  | a request awaits the deciding customer | decisions_asked       |
| portal_requirement_decided    | the requester hears the decision       | request_outcomes      |
| order_waiting                 | an order awaits IT (fulfil or refuse)  | orders_waiting        |
| order_decided                 | the orderer hears: fulfilled / refused | request_outcomes      |
| escalation_business           | acknowledged / escalated / resolved    | escalation_progress   |
| survey_invitation, _reminder  | jobs 1 and 2, satisfaction surveys     | surveys               |
| portal_access                 | a contact is given a portal login      | none: always sent     |
| digest                        | the daily digest itself                | none: always sent     |

What may not be switched off, and why:
- Account and security mail (the set-password link of `portal_access`; Django's own
  password-reset mail, which does not use the outbox at all) is always sent at once: it
  is asked for by the person or needed to get in, and a link held for a digest may expire.
- Escalations at your level, requests awaiting your decision and orders waiting for you
  are duties in a formal route: the level must respond by a deadline, only the deciding
  customer may decide, an order waits until IT fulfils or refuses it. A person may batch
  them in the digest (and the ladder still climbs if nobody responds), but not switch
  them off.
- Satisfaction surveys may be switched off: answering is voluntary, and a person who
  says "no more surveys" should not keep getting them (the invitation is still recorded,
  so they count as not answering in the response rate).
- The other kinds are information about work visible in the portal anyway: any choice.

Recipients are matched to logins by e-mail address (a staff login's address, or the
address of the contact a portal login belongs to); an address without a login, such as a
contact asked to a survey who has no portal access, gets everything immediately, unless
they stopped the surveys from the link every survey e-mail carries (and its
List-Unsubscribe header): that choice is kept for their address, and a login they are given
later starts from it. A contact with a login who uses that link changes their login's
choice, the one their Notifications page shows.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import formats, timezone

from core.domain import DomainError
from customers.models import Contact
from notifications.models import KINDS_NEVER_OFF, NotificationKind, NotificationPreference

Delivery = NotificationPreference.Delivery
STAFF = "staff"
BUSINESS = "business"

# What wins when one address belongs to several logins: the most delivering choice.
_DELIVERY_RANK = {Delivery.OFF: 0, Delivery.DIGEST: 1, Delivery.IMMEDIATE: 2}


def _date(value: datetime.date) -> str:
    return formats.date_format(value)


def _datetime(value: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


# --- One line for the digest per template: (short text, link path or absolute URL) --------


def _action_overdue(ctx: dict) -> tuple[str, str]:
    action = ctx["action"]
    days = ctx["days_overdue"]
    return (
        f"{action.unit.name} · due {_date(action.due_on)}, {days} day{'s' if days != 1 else ''} overdue",
        reverse("relationships:action-detail", args=[action.pk]),
    )


def _agreement_review(ctx: dict) -> tuple[str, str]:
    agreement = ctx["agreement"]
    return (
        f"{agreement.unit.name} · {agreement.reference} · review on {_date(agreement.next_review_on)}",
        reverse("relationships:service-review", args=[agreement.pk]),
    )


_ESCALATION_REASONS = {
    "reminder": "Reminder",
    "escalated": "Reached your level",
    "raised": "New",
    "overdue": "Past its deadline",
}


def _escalation_level(ctx: dict) -> tuple[str, str]:
    escalation = ctx["escalation"]
    reason = _ESCALATION_REASONS.get(ctx.get("reason"), "Update")
    return (
        f"{reason} · {escalation.unit.name} · {escalation.get_severity_display()} · "
        f"respond by {_datetime(escalation.respond_by)}",
        reverse("relationships:escalation-detail", args=[escalation.pk]),
    )


def _escalation_business(ctx: dict) -> tuple[str, str]:
    escalation = ctx["escalation"]
    reason = str(ctx.get("reason", "updated")).replace("-", " ")
    return (
        f"{reason.capitalize()} · now at {escalation.get_level_display()}",
        reverse("portal:escalation-detail", args=[escalation.pk]),
    )


def _requirement_submitted(ctx: dict) -> tuple[str, str]:
    requirement = ctx["requirement"]
    return (
        f"{requirement.unit.name} · {requirement.get_kind_display()} · "
        f"{requirement.get_priority_display()} priority",
        reverse("portal:requirement-detail", args=[requirement.pk]),
    )


def _requirement_decided(ctx: dict) -> tuple[str, str]:
    requirement = ctx["requirement"]
    text = f"{requirement.unit.name} · {requirement.get_status_display()} by {ctx['decider'].full_name}"
    if requirement.decision_reason:
        text += f": {requirement.decision_reason}"
    return text, reverse("relationships:requirement-detail", args=[requirement.pk])


def _portal_requirement_decided(ctx: dict) -> tuple[str, str]:
    requirement = ctx["requirement"]
    text = f"{requirement.title} · {requirement.get_status_display()} by {ctx['decider'].full_name}"
    if requirement.decision_reason:
        text += f": {requirement.decision_reason}"
    return text, reverse("portal:requirement-detail", args=[requirement.pk])


def _order_waiting(ctx: dict) -> tuple[str, str]:
    subscription = ctx["subscription"]
    return (
        f"{subscription.unit.name} · {subscription.service.name} · ordered by {ctx['orderer_name']}",
        reverse("services:subscription-detail", args=[subscription.pk]),
    )


def _order_decided(ctx: dict) -> tuple[str, str]:
    subscription = ctx["subscription"]
    text = f"{subscription.service.name} for {subscription.unit.name} · {subscription.get_status_display()}"
    if subscription.refusal_reason:
        text += f": {subscription.refusal_reason}"
    return text, reverse("portal:home") + "#orders"


def _survey(ctx: dict) -> tuple[str, str]:
    invitation = ctx["invitation"]
    return (
        f"{invitation.unit.name} · two minutes, open until {_date(ctx['campaign'].closes_at)}",
        invitation.link,
    )


@dataclass(frozen=True)
class KindSpec:
    kind: NotificationKind
    audience: str  # who gets it: STAFF (workspace page) or BUSINESS (portal page)
    description: str

    @property
    def label(self) -> str:
        return self.kind.label

    @property
    def allows_off(self) -> bool:
        return self.kind not in KINDS_NEVER_OFF

    @property
    def choices(self) -> list[tuple[str, str]]:
        allowed = [Delivery.IMMEDIATE, Delivery.DIGEST] + ([Delivery.OFF] if self.allows_off else [])
        return [(choice.value, choice.label) for choice in allowed]


KINDS: dict[str, KindSpec] = {
    spec.kind.value: spec
    for spec in [
        KindSpec(
            NotificationKind.ESCALATIONS,
            STAFF,
            "A new escalation, a reminder before its deadline, or one that climbed to your level. "
            "Part of the formal route, so it cannot be switched off; in a digest a deadline may "
            "pass first, and the escalation then climbs by itself.",
        ),
        KindSpec(
            NotificationKind.ACTIONS_OVERDUE,
            STAFF,
            "Follow-up actions you own that are past their due date (at most once a day each).",
        ),
        KindSpec(
            NotificationKind.SERVICE_REVIEWS,
            STAFF,
            "Agreements coming due for review: the review action is opened for you either way.",
        ),
        KindSpec(
            NotificationKind.REQUIREMENT_DECISIONS,
            STAFF,
            "The business approved or rejected a requirement of a unit you manage.",
        ),
        KindSpec(
            NotificationKind.ORDERS_WAITING,
            STAFF,
            "The business ordered a service for a unit you manage: fulfil or refuse it. It cannot "
            "be switched off; it stays in your orders queue until you act.",
        ),
        KindSpec(
            NotificationKind.DECISIONS_ASKED,
            BUSINESS,
            "A request was submitted and only you can approve or reject it. It cannot be "
            "switched off; it stays on your Requests page until you decide.",
        ),
        KindSpec(
            NotificationKind.ESCALATION_PROGRESS,
            BUSINESS,
            "An escalation you raised was acknowledged, moved to a higher level, or resolved.",
        ),
        KindSpec(
            NotificationKind.REQUEST_OUTCOMES,
            BUSINESS,
            "A service you ordered is ready or was refused, or a request you prepared was "
            "approved or rejected: who decided and why.",
        ),
        KindSpec(
            NotificationKind.SURVEYS,
            BUSINESS,
            "Invitations to the satisfaction survey and the reminders that follow. Switched off, "
            "you are not asked; in a digest the survey link arrives with the next digest.",
        ),
    ]
}

# Every e-mail template and its kind; None: always sent at once (see the module docstring).
# A template missing here is refused by the outbox, so new mail is given a kind on purpose.
TEMPLATES: dict[str, tuple[NotificationKind | None, Callable[[dict], tuple[str, str]] | None]] = {
    "escalation_level": (NotificationKind.ESCALATIONS, _escalation_level),
    "action_overdue": (NotificationKind.ACTIONS_OVERDUE, _action_overdue),
    "agreement_review": (NotificationKind.SERVICE_REVIEWS, _agreement_review),
    "requirement_decided": (NotificationKind.REQUIREMENT_DECISIONS, _requirement_decided),
    "portal_requirement_submitted": (NotificationKind.DECISIONS_ASKED, _requirement_submitted),
    "portal_requirement_decided": (NotificationKind.REQUEST_OUTCOMES, _portal_requirement_decided),
    "order_waiting": (NotificationKind.ORDERS_WAITING, _order_waiting),
    "order_decided": (NotificationKind.REQUEST_OUTCOMES, _order_decided),
    "escalation_business": (NotificationKind.ESCALATION_PROGRESS, _escalation_business),
    "survey_invitation": (NotificationKind.SURVEYS, _survey),
    "survey_reminder": (NotificationKind.SURVEYS, _survey),
    "portal_access": (None, None),
    "digest": (None, None),
    # An integration stopped working: its owner must hear of it now, not tomorrow.
    "webhook_disabled": (None, None),
}


def kind_of_template(template: str) -> NotificationKind | None:
    try:
        return TEMPLATES[template][0]
    except KeyError:
        raise LookupError(
            f"E-mail template {template!r} has no notification kind: add it to relationships.notifications.TEMPLATES."
        ) from None


def digest_line(*, template: str, context: dict) -> tuple[str, str]:
    """The short text and the link the digest shows for one held e-mail."""
    summary, link = TEMPLATES[template][1](context)
    return summary[:500], link


def kinds_for(audience: str) -> list[KindSpec]:
    return [spec for spec in KINDS.values() if spec.audience == audience]


def audience_of(user) -> str:
    return STAFF if user.is_staff else BUSINESS


def settings_path_for(user) -> str:
    """The page where `user` changes their preferences (the digest links to it)."""
    if user.is_staff:
        return reverse("relationships:notification-settings")
    return reverse("portal:notification-settings")


# --- The outbox asks: what does each recipient want? ---------------------------------------


@dataclass(frozen=True)
class Recipient:
    delivery: str
    user_id: int | None = None  # the login whose digest holds it (delivery == DIGEST)


def deliveries_for_many(
    *, requests: list[tuple[NotificationKind | None, list[str]]]
) -> dict[tuple[NotificationKind | None, str], Recipient]:
    """What each recipient wants, for one e-mail or a job's whole batch, keyed by (kind,
    lower-cased address): a login's own choice where a login owns the address, else the
    choice kept for the address itself (made from a survey e-mail's link), else immediately.
    Two queries for the whole batch (none when no kind applies): the logins owning the
    addresses, then the choices of those logins and of the addresses."""
    result: dict[tuple[NotificationKind | None, str], Recipient] = {}
    asked: dict[NotificationKind, set[str]] = defaultdict(set)
    for kind, addresses in requests:
        for address in addresses:
            if not address:
                continue
            lowered = address.strip().lower()
            result[(kind, lowered)] = Recipient(Delivery.IMMEDIATE)
            if kind is not None:
                asked[kind].add(lowered)
    every_address = sorted(set().union(*asked.values())) if asked else []
    if not every_address:
        return result
    User = get_user_model()
    by_login = (
        User.objects.filter(is_active=True)
        .annotate(address=Lower("email"))
        .filter(address__in=every_address)
        .values_list("pk", "address")
        .order_by()  # SQLite refuses ORDER BY inside a UNION (Contact has a default ordering)
    )
    by_contact = (
        Contact.objects.filter(user__is_active=True)
        .annotate(address=Lower("email"))
        .filter(address__in=every_address)
        .values_list("user_id", "address")
        .order_by()
    )
    owners: dict[str, set[int]] = defaultdict(set)
    for user_id, address in by_login.union(by_contact):
        owners[address].add(user_id)
    of_login, of_address = {}, {}
    for user_id, address, kind, delivery in (
        NotificationPreference.objects.filter(kind__in=list(asked))
        .filter(
            Q(user_id__in={pk for ids in owners.values() for pk in ids})
            | Q(user__isnull=True, address__in=every_address)
        )
        .values_list("user_id", "address", "kind", "delivery")
    ):
        if user_id is None:
            of_address[(address, kind)] = delivery
        else:
            of_login[(user_id, kind)] = delivery
    for kind, addresses in asked.items():
        for address in addresses:
            kept = of_address.get((address, kind), Delivery.IMMEDIATE)  # never the digest
            if address not in owners:
                result[(kind, address)] = Recipient(kept)
                continue

            # An address shared by several logins gets what the most eager of them wants; a
            # digest goes to one of them only, so the address never gets two digests.
            def choice(pk, kind=kind, kept=kept):
                return of_login.get((pk, kind), kept)

            ranked = sorted(owners[address], key=lambda pk: (-_DELIVERY_RANK[choice(pk)], pk))
            best = choice(ranked[0])
            result[(kind, address)] = Recipient(best, ranked[0] if best == Delivery.DIGEST else None)
    return result


# --- Reading and saving a person's choices --------------------------------------------------


def preferences_for(*, user) -> dict[str, str]:
    """The person's choice for every kind of their audience: their own, else one kept for
    their address from before they had a login, else immediately. One query."""
    own_addresses = Contact.objects.filter(user=user).annotate(lowered=Lower("email")).values("lowered")
    rows = NotificationPreference.objects.filter(
        Q(user=user)
        | (
            Q(user__isnull=True)
            & (Q(address__in=own_addresses) | Q(address=(user.email or "").strip().lower()))
        )
    ).values_list("user_id", "kind", "delivery")
    stored = {}
    # Rows kept for the address first, the person's own after them: their own choice wins.
    for _, kind, delivery in sorted(rows, key=lambda row: row[0] is not None):
        stored[kind] = delivery
    return {
        spec.kind.value: stored.get(spec.kind.value, Delivery.IMMEDIATE)
        for spec in kinds_for(audience_of(user))
    }


@transaction.atomic
def notification_preferences_save(*, user, choices: dict[str, str]) -> None:
    """Save a person's own choices. Only kinds of their audience, only the choices a kind
    allows (escalations and decisions asked of you are never off)."""
    specs = {spec.kind.value: spec for spec in kinds_for(audience_of(user))}
    rows = []
    for kind, delivery in choices.items():
        spec = specs.get(kind)
        if spec is None:
            raise DomainError(f"There is no such kind of e-mail to choose for: {kind!r}.")
        if delivery not in dict(spec.choices):
            raise DomainError(f"“{spec.label}” cannot be set to {delivery!r}.", field=kind)
        rows.append(NotificationPreference(user=user, kind=kind, delivery=delivery))
    NotificationPreference.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["delivery", "updated_at"],
    )


# --- The link in every survey e-mail: stop (or resume) the surveys without signing in -----

_SURVEY_OPT_OUT_SALT = "brm-survey-opt-out"


def survey_opt_out_token(*, contact: Contact) -> str:
    """The secret of a contact's link to stop survey e-mails: their id signed with
    SECRET_KEY. It does not expire, so the link of an old e-mail still works."""
    return signing.Signer(salt=_SURVEY_OPT_OUT_SALT).sign(str(contact.pk))


def survey_opt_out_link(*, contact: Contact) -> str:
    return f"{settings.BRM_BASE_URL}{reverse('survey:opt-out', args=[survey_opt_out_token(contact=contact)])}"


def survey_settings_link(*, contact: Contact) -> str:
    """Where a survey e-mail sends its reader to choose their e-mails: their Notifications
    page in the portal if they have a login, else the page that stops the surveys."""
    if contact.user_id and contact.user.is_active:
        return f"{settings.BRM_BASE_URL}{reverse('portal:notification-settings')}"
    return survey_opt_out_link(contact=contact)


def survey_mail_headers(*, contact: Contact) -> dict[str, str]:
    """List-Unsubscribe with one click (RFC 8058): a mail program POSTs to the link."""
    return {
        "List-Unsubscribe": f"<{survey_opt_out_link(contact=contact)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def survey_opt_out_contact(*, token: str) -> Contact | None:
    """The contact a stop-the-surveys link belongs to, or None for a forged or mangled one."""
    try:
        contact_id = signing.Signer(salt=_SURVEY_OPT_OUT_SALT).unsign(token)
    except signing.BadSignature:
        return None
    return Contact.objects.select_related("user", "unit").filter(pk=contact_id).first()


def _active_login(contact: Contact):
    return contact.user if contact.user_id and contact.user.is_active else None


def survey_mail_delivery_for(*, contact: Contact) -> str:
    """How the contact gets survey e-mails: as their login chose (what their Notifications
    page shows), else as chosen for their address."""
    user = _active_login(contact)
    if user is not None:
        return preferences_for(user=user)[NotificationKind.SURVEYS.value]
    kept = NotificationPreference.objects.filter(
        user__isnull=True, address=contact.email.strip().lower(), kind=NotificationKind.SURVEYS
    ).values_list("delivery", flat=True)
    return next(iter(kept), Delivery.IMMEDIATE)


@transaction.atomic
def survey_mail_delivery_set(*, contact: Contact, delivery: str) -> None:
    """Stop (OFF) or resume (IMMEDIATE) survey e-mails from the link in one. A contact with
    a login changes their login's choice, the same their Notifications page saves; one
    without has it kept for their address."""
    if delivery not in (Delivery.IMMEDIATE, Delivery.OFF):
        raise DomainError("Survey e-mails can be stopped or resumed here.", field="delivery")
    user = _active_login(contact)
    if user is not None:
        notification_preferences_save(user=user, choices={NotificationKind.SURVEYS.value: delivery})
        return
    address = contact.email.strip().lower()
    if not address:
        raise DomainError("This contact has no e-mail address to stop survey e-mails for.")
    NotificationPreference.objects.update_or_create(
        user=None, address=address, kind=NotificationKind.SURVEYS, defaults={"delivery": delivery}
    )
