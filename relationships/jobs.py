"""The periodic work of the portal (brm-spec.md, "Periodic work"): one function per job.

Every job is safe to run twice, or twice at once: each piece of work is claimed with a
conditional UPDATE or `select_for_update(skip_locked=True)` inside the transaction that
does it, and every e-mail goes through the outbox under a key naming its reason, so a
second run finds nothing left to claim and a second enqueue of a key queues nothing.
A worker killed halfway leaves either untouched work (claimed again by the next run) or
outbox rows still pending (sent by the next flush or by the redelivered task).

Celery tasks (tasks.py) and `manage.py run_job <name>` call these; `now` is for tests.
"""

import datetime
import logging
import re
import secrets
from collections.abc import Iterable
from types import SimpleNamespace

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape

from customers.models import BusinessUnit, Contact
from notifications.mail import email_enqueue, email_enqueue_many, email_render, email_send_many
from notifications.models import DigestItem, NotificationKind
from services.models import Agreement, Service, Subscription
from services.selectors import subscriptions_covered_by
from webhooks.events import EventType, emit

from . import notifications, rules, services
from .models import (
    Escalation,
    FollowUpAction,
    SurveyCampaign,
    SurveyInvitation,
    SurveyResponse,
    hash_survey_token,
    survey_token_for,
)
from .selectors_survey import invitation_email_key, survey_rated_subscriptions

log = logging.getLogger(__name__)


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- 1. Survey scheduling and dispatch ----------------------------------------------------


def _units_with_live_subscriptions():
    live = Subscription.objects.filter(
        unit=OuterRef("pk"), status=Subscription.Status.ACTIVE, service__lifecycle=Service.Lifecycle.LIVE
    )
    return BusinessUnit.objects.filter(is_active=True).filter(Exists(live))


def survey_due_units(*, now: datetime.datetime, unit_ids: Iterable[int] | None = None) -> list[BusinessUnit]:
    """Units with a live subscription whose contacts are due a survey: never surveyed, or
    their last campaign opened longer ago than the unit's frequency (months)."""
    units = _units_with_live_subscriptions().annotate(last_surveyed=Max("invitations__campaign__opens_at"))
    if unit_ids is not None:
        units = units.filter(pk__in=list(unit_ids))
    return [
        unit
        for unit in units.order_by("path")
        if unit.last_surveyed is None
        or unit.last_surveyed <= now - relativedelta(months=unit.survey_frequency_months)
    ]


def survey_contacts_to_invite(*, units: list[BusinessUnit], now: datetime.datetime) -> list[Contact]:
    """The active customers and purchasers of `units`, less anyone (by e-mail address,
    across all their units) invited within the fatigue cap; one contact per address."""
    since = now - datetime.timedelta(days=settings.BRM_SURVEY_FATIGUE_DAYS)
    recently_asked = set(
        SurveyInvitation.objects.filter(campaign__opens_at__gt=since)
        .annotate(address=Lower("contact__email"))
        .values_list("address", flat=True)
    )
    chosen: dict[str, Contact] = {}
    contacts = (
        Contact.objects.filter(
            unit__in=units, is_active=True, role__in=[Contact.Role.CUSTOMER, Contact.Role.PURCHASER]
        )
        .select_related("unit")
        .order_by("unit__path", "pk")
    )
    for contact in contacts:
        address = contact.email.strip().lower()
        if address and address not in recently_asked and address not in chosen:
            chosen[address] = contact
    return list(chosen.values())


def survey_schedule(*, now: datetime.datetime | None = None) -> SurveyCampaign | None:
    """Job 1: open a campaign for the units that are due, with an invitation for each of
    their contacts, and e-mail the invitations (after commit, in chunks). Also resumes the
    dispatch of a campaign a crash left half sent. Returns the new campaign, if any."""
    now = now or timezone.now()
    campaign = _survey_campaign_open(now=now)
    for campaign_id in SurveyCampaign.objects.filter(status=SurveyCampaign.Status.SENDING).values_list(
        "pk", flat=True
    ):
        if campaign is None or campaign_id != campaign.pk:
            survey_dispatch(campaign_id=campaign_id)
    return campaign


@transaction.atomic
def _survey_campaign_open(*, now: datetime.datetime) -> SurveyCampaign | None:
    # Lock the candidate units first, then decide which are due with a fresh query: a
    # parallel run either skips the units locked here, or (once this commits) sees their
    # new invitations and finds them not due.
    candidate_ids = list(
        BusinessUnit.objects.select_for_update(skip_locked=True)
        .filter(pk__in=_units_with_live_subscriptions().values("pk"))
        .values_list("pk", flat=True)
    )
    if not candidate_ids:
        return None
    units = survey_due_units(now=now, unit_ids=candidate_ids)
    contacts = survey_contacts_to_invite(units=units, now=now)
    if not contacts:
        return None
    local = timezone.localtime(now)
    campaign = SurveyCampaign.objects.create(
        name=f"Satisfaction survey, {local.day} {local:%B %Y}",
        status=SurveyCampaign.Status.SENDING,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=settings.BRM_SURVEY_CAMPAIGN_DAYS),
    )
    invitations = []
    for contact in contacts:
        salt = secrets.token_hex(16)
        invitations.append(
            SurveyInvitation(
                campaign=campaign,
                contact=contact,
                unit=contact.unit,
                token_salt=salt,
                token_hash=hash_survey_token(survey_token_for(salt)),
            )
        )
    SurveyInvitation.objects.bulk_create(invitations, batch_size=500)
    log.info("Survey campaign %s opened with %s invitations.", campaign.pk, len(invitations))
    transaction.on_commit(lambda: _publish_dispatch(campaign.pk))
    return campaign


def _publish_dispatch(campaign_id: int) -> None:
    from .tasks import survey_dispatch_task

    try:
        survey_dispatch_task.delay(campaign_id)
    except Exception:  # noqa: BLE001 - broker down: the next scheduling run resumes it
        log.warning("Broker unavailable; campaign %s is dispatched by the next run.", campaign_id)


def survey_dispatch(*, campaign_id: int) -> int:
    """Hand the campaign's invitations not yet e-mailed to the chunk senders (a task per
    BRM_SURVEY_DISPATCH_CHUNK invitations). Returns how many chunks were published.
    Publishing a chunk twice is harmless: the sender claims each invitation once."""
    from .tasks import survey_send_chunk_task

    pending = list(
        SurveyInvitation.objects.filter(campaign_id=campaign_id, status=SurveyInvitation.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not pending:
        _survey_campaign_mark_open(campaign_id)
        return 0
    chunks = list(_chunks(pending, settings.BRM_SURVEY_DISPATCH_CHUNK))
    for chunk in chunks:
        survey_send_chunk_task.delay(campaign_id, chunk)
    return len(chunks)


def _survey_campaign_mark_open(campaign_id: int) -> None:
    """SENDING -> OPEN once no invitation waits; a conditional UPDATE, so it happens once."""
    SurveyCampaign.objects.filter(pk=campaign_id, status=SurveyCampaign.Status.SENDING).exclude(
        Exists(
            SurveyInvitation.objects.filter(campaign=OuterRef("pk"), status=SurveyInvitation.Status.PENDING)
        )
    ).update(status=SurveyCampaign.Status.OPEN)


def survey_send_chunk(*, campaign_id: int, invitation_ids: list[int]) -> int:
    """E-mail a chunk of invitations. First, in one transaction, claim those still pending
    (locked, skipping any a parallel sender holds) and write their e-mails to the outbox;
    then send this chunk's outbox rows that are still pending, a commit per batch of
    mail.SEND_BATCH. Run again after a crash it sends what the first run left pending.
    Returns e-mails sent."""
    with transaction.atomic():
        invitations = list(
            SurveyInvitation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=invitation_ids, campaign_id=campaign_id, status=SurveyInvitation.Status.PENDING)
            .select_related("contact__user", "unit", "campaign")
            .annotate(services_rated=_services_rated(OuterRef("unit")))
        )
        now = timezone.now()
        bodies = _survey_invitation_bodies(invitations)
        email_enqueue_many(
            messages=[
                {
                    "key": invitation_email_key(campaign_id=campaign_id, invitation_id=invitation.pk),
                    "to": [invitation.contact.email],
                    "subject": f"How is IT doing for {invitation.unit.name}? Two minutes of your time",
                    "template": "survey_invitation",
                    "context": _survey_invitation_context(invitation),
                    "bodies": bodies.get(invitation.pk),
                    "headers": notifications.survey_mail_headers(contact=invitation.contact),
                }
                for invitation in invitations
            ]
        )
        SurveyInvitation.objects.filter(pk__in=[i.pk for i in invitations]).update(
            status=SurveyInvitation.Status.SENT, sent_at=now
        )
    keys = [invitation_email_key(campaign_id=campaign_id, invitation_id=pk) for pk in invitation_ids]
    sent = email_send_many(keys=keys)
    _survey_campaign_mark_open(campaign_id)
    return sent


def _services_rated(unit):
    """How many services a unit's answer rates, as a subquery (one question each)."""
    counted = survey_rated_subscriptions(unit).order_by().values("unit").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _survey_invitation_context(invitation: SurveyInvitation) -> dict:
    """What an invitation e-mail and its reminders show. `invitation.services_rated` is
    annotated by the callers (`_services_rated`), else counted here (a query)."""
    services_rated = getattr(invitation, "services_rated", None)
    if services_rated is None:
        services_rated = survey_rated_subscriptions(invitation.unit_id).count()
    return {
        "invitation": invitation,
        "contact": invitation.contact,
        "campaign": invitation.campaign,
        "question_count": rules.survey_question_count(services_rated=services_rated),
        "settings_link": notifications.survey_settings_link(contact=invitation.contact),
    }


# Stand-ins for what differs between the invitations of a campaign: letters and digits
# only, so that HTML escaping leaves them as they are.
_SLOTS = {
    "name": "BRMSLOTNAMEq7",
    "unit": "BRMSLOTUNITq7",
    "link": "BRMSLOTLINKq7",
    "questions": "BRMSLOTQUESTIONSq7",
    "settings": "BRMSLOTSETTINGSq7",
}
_SLOT_PATTERN = re.compile("|".join(_SLOTS.values()))


def _survey_invitation_bodies(invitations: list[SurveyInvitation]) -> dict[int, tuple[str, str]]:
    """The invitation e-mail of a chunk rendered once, with stand-ins for the greeting name,
    the unit and the link, filled in per invitation (escaped in the HTML part): rendering
    the templates for each was a third of a dispatch's time. Checked against a full
    rendering of the first invitation: if the templates come to use anything else, the
    result differs and each invitation is rendered in full (an empty answer)."""
    if not invitations:
        return {}
    first = invitations[0]
    stand_in = {
        "invitation": SimpleNamespace(unit=SimpleNamespace(name=_SLOTS["unit"]), link=_SLOTS["link"]),
        "contact": SimpleNamespace(first_name=_SLOTS["name"], full_name=_SLOTS["name"]),
        "campaign": first.campaign,
        "question_count": _SLOTS["questions"],
        "settings_link": _SLOTS["settings"],
    }
    text, html = email_render(template="survey_invitation", context=stand_in)

    def filled(invitation: SurveyInvitation) -> tuple[str, str]:
        contact = invitation.contact
        context = _survey_invitation_context(invitation)
        values = {  # `name`: the templates' `first_name|default:full_name`
            _SLOTS["name"]: contact.first_name or contact.full_name,
            _SLOTS["unit"]: invitation.unit.name,
            _SLOTS["link"]: invitation.link,
            _SLOTS["questions"]: str(context["question_count"]),
            _SLOTS["settings"]: context["settings_link"],
        }
        return (
            _SLOT_PATTERN.sub(lambda match: values[match.group()], text),
            _SLOT_PATTERN.sub(lambda match: escape(values[match.group()]), html),
        )

    if filled(first) != email_render(template="survey_invitation", context=_survey_invitation_context(first)):
        log.warning("The survey invitation templates use more than the stand-ins: rendered in full.")
        return {}
    return {invitation.pk: filled(invitation) for invitation in invitations}


# --- 2. Survey reminders and closing ------------------------------------------------------


def survey_remind_and_close(*, now: datetime.datetime | None = None) -> dict:
    """Job 2: remind non-respondents, then close campaigns past their end."""
    now = now or timezone.now()
    reminded = survey_remind(now=now)
    closed = [survey_campaign_close(campaign_id=pk, now=now) for pk in _campaigns_to_close(now)]
    return {"reminded": reminded, "closed": sum(1 for c in closed if c)}


def survey_remind(*, now: datetime.datetime) -> int:
    """Remind who has not answered BRM_SURVEY_REMINDER_AFTER_DAYS after the invitation (or
    the last reminder), at most BRM_SURVEY_MAX_REMINDERS times, while the campaign is open.
    Each reminder is claimed by bumping `reminder_count` on a locked row."""
    cutoff = now - datetime.timedelta(days=settings.BRM_SURVEY_REMINDER_AFTER_DAYS)
    due = (
        SurveyInvitation.objects.filter(
            status=SurveyInvitation.Status.SENT,
            reminder_count__lt=settings.BRM_SURVEY_MAX_REMINDERS,
            campaign__status__in=[SurveyCampaign.Status.SENDING, SurveyCampaign.Status.OPEN],
            campaign__closes_at__gt=now,
        )
        .filter(Q(last_reminded_at__lte=cutoff) | Q(last_reminded_at__isnull=True, sent_at__lte=cutoff))
        .order_by("pk")
    )
    ids = list(due.values_list("pk", flat=True))
    reminded = 0
    for chunk in _chunks(ids, 200):
        email_ids = []
        with transaction.atomic():
            invitations = list(
                due.filter(pk__in=chunk)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("contact__user", "unit", "campaign")
                .annotate(services_rated=_services_rated(OuterRef("unit")))
            )
            for invitation in invitations:
                number = invitation.reminder_count + 1
                email = email_enqueue(
                    key=f"survey-reminder:{invitation.pk}:{number}",
                    to=[invitation.contact.email],
                    subject=f"Reminder: how is IT doing for {invitation.unit.name}?",
                    template="survey_reminder",
                    context=_survey_invitation_context(invitation),
                    send=False,
                    headers=notifications.survey_mail_headers(contact=invitation.contact),
                )
                if email is not None:
                    email_ids.append(email.pk)
                invitation.reminder_count = number
                invitation.last_reminded_at = now
            SurveyInvitation.objects.bulk_update(invitations, ["reminder_count", "last_reminded_at"])
            transaction.on_commit(lambda ids=email_ids: _publish_send(ids))
        reminded += len(invitations)
    return reminded


def _publish_send(email_ids: list[int]) -> None:
    from notifications.tasks import email_send_batch_task

    for chunk in _chunks(email_ids, settings.BRM_SURVEY_DISPATCH_CHUNK):
        try:
            email_send_batch_task.delay(chunk)
        except Exception:  # noqa: BLE001 - broker down: the flush job sends them later
            log.warning("Broker unavailable; %s e-mails wait for the next flush.", len(chunk))


def _campaigns_to_close(now: datetime.datetime) -> list[int]:
    return list(
        SurveyCampaign.objects.filter(
            status__in=[SurveyCampaign.Status.SENDING, SurveyCampaign.Status.OPEN], closes_at__lte=now
        ).values_list("pk", flat=True)
    )


def is_very_poor_answer(response: SurveyResponse) -> bool:
    """An answer bad enough to escalate, not only to follow up (BRM_SURVEY_ESCALATE_AT_SATISFACTION)."""
    return response.overall_satisfaction <= settings.BRM_SURVEY_ESCALATE_AT_SATISFACTION


@transaction.atomic
def survey_campaign_close(*, campaign_id: int, now: datetime.datetime | None = None) -> bool:
    """Close one campaign past its end: the claim is the conditional UPDATE of its status,
    so only one run closes it. Unanswered invitations expire; every poor answer (a
    detractor, a poor score) gets its follow-up action, a very poor one an escalation at
    level 1. Results are read by `selectors_survey.campaign_results`. False if another run
    closed it (or it is not due)."""
    now = now or timezone.now()
    claimed = SurveyCampaign.objects.filter(
        pk=campaign_id,
        status__in=[SurveyCampaign.Status.SENDING, SurveyCampaign.Status.OPEN],
        closes_at__lte=now,
    ).update(status=SurveyCampaign.Status.CLOSED, closed_at=now)
    if not claimed:
        return False
    SurveyInvitation.objects.filter(campaign_id=campaign_id).exclude(
        status=SurveyInvitation.Status.RESPONDED
    ).update(status=SurveyInvitation.Status.EXPIRED)
    responses = (
        SurveyResponse.objects.filter(campaign_id=campaign_id)
        .select_related("unit__relationship_manager", "invitation__contact", "campaign")
        .prefetch_related("ratings")
    )
    for response in responses:
        ratings = [rating.rating for rating in response.ratings.all()]
        if not rules.is_poor_answer(
            overall_satisfaction=response.overall_satisfaction,
            recommend_score=response.recommend_score,
            ratings=ratings,
        ):
            continue
        services.survey_response_follow_up(response=response)
        if is_very_poor_answer(response):
            services.escalation_raise_for_survey(response=response)
    log.info("Survey campaign %s closed.", campaign_id)
    return True


# --- 3. Escalation ladder -----------------------------------------------------------------

LADDER_CHUNK = 200  # escalations climbed per transaction


def escalation_ladder(*, now: datetime.datetime | None = None) -> dict:
    """Job 3: an open (unacknowledged) escalation past its deadline climbs one level (up to
    the IT steering group); one nearing it reminds the current level, once per level; one
    past the steering group's deadline reminds the steering group, once."""
    now = now or timezone.now()
    escalated = 0
    overdue = Escalation.objects.filter(
        status=Escalation.Status.OPEN, respond_by__lte=now, level__lt=rules.TOP_LEVEL
    )
    # In chunks, each its own transaction: the lock re-checks the rows, so a parallel run
    # skips those held here, and once this commits finds their deadlines moved forward.
    for chunk in _chunks(list(overdue.values_list("pk", flat=True)), LADDER_CHUNK):
        with transaction.atomic():
            locked = list(
                overdue.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=chunk)
                .select_related("unit__relationship_manager", "raised_by_contact")
                .order_by("pk")
            )
            escalated += services.escalation_escalate_overdue(escalations=locked, now=now)
    lead = datetime.timedelta(hours=settings.BRM_ESCALATION_REMIND_BEFORE_HOURS)
    nearing = Escalation.objects.filter(
        status=Escalation.Status.OPEN,
        level_reminded_at__isnull=True,
        respond_by__gt=now,
        respond_by__lte=now + lead,
    ).select_related("unit")
    reminded = sum(services.escalation_remind(escalation=escalation) for escalation in nearing)
    overdue_at_top = Escalation.objects.filter(
        status=Escalation.Status.OPEN, respond_by__lte=now, level=rules.TOP_LEVEL
    )
    reminded_at_top = 0
    for chunk in _chunks(list(overdue_at_top.values_list("pk", flat=True)), LADDER_CHUNK):
        with transaction.atomic():
            locked = list(
                overdue_at_top.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=chunk)
                .select_related("unit")
                .order_by("pk")
            )
            reminded_at_top += services.escalation_remind_overdue_at_top(escalations=locked, now=now)
    return {"escalated": escalated, "reminded": reminded, "overdue_at_top": reminded_at_top}


# --- 4. Overdue follow-up actions ---------------------------------------------------------


def actions_overdue_remind(*, today: datetime.date | None = None) -> int:
    """Job 4: remind the owner of each open action past its due date, at most once a day:
    the claim is the conditional UPDATE of `last_reminded_on`."""
    today = today or timezone.localdate()
    overdue = FollowUpAction.objects.overdue(today).filter(
        Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today)
    )
    reminded = 0
    for action in overdue.select_related("owner", "unit"):
        with transaction.atomic():
            # An UPDATE that history does not see: `last_reminded_on` is left out of it.
            claimed = overdue.filter(pk=action.pk).update(last_reminded_on=today)
            if not claimed:
                continue
            email_enqueue(
                key=f"action-overdue:{action.pk}:{today.isoformat()}",
                to=[action.owner.email],
                subject=f"Overdue since {date_format(action.due_on)}: {action.title} ({action.unit.name})",
                template="action_overdue",
                context={"action": action, "days_overdue": (today - action.due_on).days},
            )
            reminded += 1
    return reminded


# --- 5. Agreement reviews coming due ------------------------------------------------------


def agreement_reviews_due(*, today: datetime.date | None = None) -> int:
    """Job 5: for each active agreement whose next review falls within
    BRM_AGREEMENT_REVIEW_HORIZON_DAYS, open a review action for the relationship manager
    (once per review date: the action is the record) with an agenda, and remind them."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.BRM_AGREEMENT_REVIEW_HORIZON_DAYS)
    due = Agreement.objects.review_due_by(horizon).filter(unit__relationship_manager__isnull=False)
    opened = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            agreement = (
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related("unit__relationship_manager")
                .filter(pk=pk)
                .first()
            )
            if (
                agreement is None
                or FollowUpAction.objects.filter(
                    agreement=agreement, due_on=agreement.next_review_on
                ).exists()
            ):
                continue
            manager = agreement.unit.relationship_manager
            action = services.action_create(
                unit=agreement.unit,
                by=None,
                title=f"Review agreement {agreement.reference}: {agreement.title}",
                description=_review_agenda(agreement),
                owner=manager,
                due_on=agreement.next_review_on,
                agreement=agreement,
            )
            email_enqueue(
                key=f"agreement-review:{agreement.pk}:{agreement.next_review_on.isoformat()}",
                to=[manager.email],
                subject=f"Agreement review due {date_format(agreement.next_review_on)}: {agreement.title}",
                template="agreement_review",
                context={"agreement": agreement, "action": action, "manager": manager},
            )
            emit(EventType.AGREEMENT_REVIEW_DUE, agreement)
            opened += 1
    return opened


def _review_agenda(agreement: Agreement) -> str:
    """The service review meeting's agenda: what is covered (services.selectors), and what
    to talk about over the agreement's scope (its unit and the units below it)."""
    subscriptions = (
        subscriptions_covered_by(agreement=agreement)
        .filter(status=Subscription.Status.ACTIVE)
        .select_related("service", "unit")
        .order_by("unit__path", "service__name")
    )
    unit = agreement.unit
    in_scope = {"unit__path__startswith": unit.path}
    open_escalations = Escalation.objects.open().filter(**in_scope).count()
    open_actions = FollowUpAction.objects.open().filter(**in_scope).count()
    lines = ["Agenda for the service review:", "1. Services under this agreement:"]
    lines += [f"   - {sub.unit.name}: {sub.service.name}" for sub in subscriptions] or ["   - (none active)"]
    lines += [
        "2. Service level attainment since the last review.",
        f"3. Open escalations of {unit.name} and the units below it: {open_escalations}.",
        f"4. Open follow-up actions: {open_actions}.",
        "5. Changes the business expects; review interval and next review date.",
    ]
    return "\n".join(lines)


# --- 6. The daily digest of notifications -------------------------------------------------


def notification_digest(*, now: datetime.datetime | None = None) -> int:
    """Job 6: send each person who chose a daily digest one e-mail listing the messages held
    for them (notifications.py), and mark those as sent in it. Returns how many digests.

    The day's digest is due from BRM_DIGEST_HOUR (TIME_ZONE): beat runs this every few
    minutes, so the first run at or after that hour sends it, also when beat was down at
    the hour itself; before it, nothing is sent.

    One transaction per person: their waiting items are locked (a parallel run skips
    them), the digest is written to the outbox under a key naming the person and the day,
    and the items point at it. A crash rolls back one person's digest and leaves their
    items waiting for the next run; a second run the same day finds the key taken, so
    sends no second digest (what arrived since waits for tomorrow's)."""
    now = now or timezone.now()
    if timezone.localtime(now).hour < settings.BRM_DIGEST_HOUR:
        return 0
    day = timezone.localdate(now)
    user_ids = list(
        DigestItem.objects.waiting()
        .filter(created_at__lte=now)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in user_ids:
        with transaction.atomic():
            items = list(
                DigestItem.objects.waiting()
                .filter(user_id=user_id, created_at__lte=now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("email", "user")
                .order_by("created_at", "pk")
            )
            if not items:
                continue
            user = items[0].user
            email = email_enqueue(
                key=f"digest:{user_id}:{day.isoformat()}",
                to=sorted({item.address for item in items}),
                subject=f"Your daily digest: {len(items)} notification{'s' if len(items) != 1 else ''} "
                "from BRM Portal",
                template="digest",
                context={
                    "user": user,
                    "day": day,
                    "groups": _digest_groups(items),
                    "count": len(items),
                    "settings_path": notifications.settings_path_for(user),
                },
            )
            if email is None:
                continue
            DigestItem.objects.filter(pk__in=[item.pk for item in items]).update(digest=email)
            sent += 1
    return sent


def _digest_groups(items: list[DigestItem]) -> list[dict]:
    """The held messages by kind, in the order of the settings page."""
    by_kind: dict[str, list[DigestItem]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    order = list(notifications.KINDS)
    return [
        {"label": NotificationKind(kind).label, "items": kind_items}
        for kind, kind_items in sorted(by_kind.items(), key=lambda pair: order.index(pair[0]))
    ]


# --- The registry: `manage.py run_job <name>` and the beat schedules use these names -------

JOBS = {
    "survey_schedule": (survey_schedule, "Open survey campaigns for due units and e-mail the invitations."),
    "survey_remind_and_close": (
        survey_remind_and_close,
        "Remind non-respondents; close campaigns past their end, follow up poor answers.",
    ),
    "escalation_ladder": (
        escalation_ladder,
        "Remind escalations nearing their deadline; escalate overdue ones.",
    ),
    "actions_overdue": (actions_overdue_remind, "Remind owners of overdue follow-up actions (once a day)."),
    "agreement_reviews": (agreement_reviews_due, "Open review actions for agreements coming due."),
    "notification_digest": (notification_digest, "Send each person their daily digest of held e-mails."),
}
