"""Outgoing e-mail through a database outbox (see `OutgoingEmail`).

`email_enqueue` is called inside the transaction that causes the mail; the row commits or
rolls back with it. After commit a Celery task sends it; if the broker is down the row
stays pending and `email_flush_pending` (a periodic job) sends it later. Sending claims the
row with a conditional UPDATE, so two workers never send the same row.

Recipients' notification preferences (relationships/notifications.py) are applied here, when a row is
written, so no job has to know them: an address that turned the kind off is left out, one
that chose the daily digest gets a `DigestItem` instead (the digest job sends those).
"""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import connection, transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.models import DigestItem, NotificationPreference, OutgoingEmail

Delivery = NotificationPreference.Delivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

# Which kind of notification each mail is, how its recipients want that kind and the line
# the digest shows for it are the relationship's rules (relationships/notifications.py).
# The relationship app hands them to the outbox at start-up (RelationshipsConfig.ready), so
# the outbox, which every domain app uses, depends on none of them.
_rules = None


def use_rules(rules) -> None:
    """`rules` answers kind_of_template(template), deliveries_for_many(requests=...),
    digest_line(template=..., context=...), and for the settings page kinds_for(audience),
    audience_of(user), preferences_for(user=...) and notification_preferences_save(...)."""
    global _rules
    _rules = rules


def notification_rules():
    if _rules is None:
        raise ImproperlyConfigured("The outbox has no notification rules: is 'relationships' installed?")
    return _rules


def email_render(*, template: str, context: dict) -> tuple[str, str]:
    """The text and HTML bodies of an e-mail (`emails/<template>.txt` and `.html`, the HTML
    part optional)."""
    context = {**context, "base_url": settings.BRM_BASE_URL}
    body_text = render_to_string(f"emails/{template}.txt", context)
    try:
        body_html = render_to_string(f"emails/{template}.html", context)
    except TemplateDoesNotExist:  # the HTML part is optional
        body_html = ""
    return body_text, body_html


def _prepare(
    *,
    key: str,
    to: list[str],
    subject: str,
    template: str,
    context: dict,
    wanted: dict | None = None,
    bodies: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[OutgoingEmail, list[DigestItem]] | None:
    """Render one e-mail and apply its recipients' notification preferences: the row keeps
    the addresses that want it now, records the others and why in `withheld`, and comes
    with a digest item (not yet saved) for each address that wants it in the digest. A row
    left with no address is SKIPPED: kept, so its key still makes a second run a no-op.
    `bodies`: the text and HTML rendered already (a batch renders a template once).
    `headers`: extra headers of the message (List-Unsubscribe, say)."""
    to = sorted({address for address in to if address})
    if not to:
        return None
    kind = notification_rules().kind_of_template(template)
    context = {**context, "base_url": settings.BRM_BASE_URL}
    body_text, body_html = bodies or email_render(template=template, context=context)
    if wanted is None:  # a batch passes what its recipients want, looked up once for all
        wanted = notification_rules().deliveries_for_many(requests=[(kind, to)])
    now_to, withheld, held = [], {}, []
    for address in to:
        recipient = wanted[(kind, address.strip().lower())]
        if recipient.delivery == Delivery.IMMEDIATE:
            now_to.append(address)
            continue
        withheld[address] = recipient.delivery
        if recipient.delivery == Delivery.DIGEST:
            held.append((address, recipient.user_id))
    email = OutgoingEmail(
        key=key[:200],
        to=now_to,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        headers=headers or {},
        kind=kind or "",
        withheld=withheld,
        status=OutgoingEmail.Status.PENDING if now_to else OutgoingEmail.Status.SKIPPED,
    )
    items = []
    if held:
        summary, link = notification_rules().digest_line(template=template, context=context)
        if link.startswith("/"):
            link = f"{settings.BRM_BASE_URL}{link}"
        now = timezone.now()
        items = [
            DigestItem(
                user_id=user_id, address=address, kind=kind, summary=summary, link=link, created_at=now
            )
            for address, user_id in held
        ]
    return email, items


def email_enqueue(
    *,
    key: str,
    to: list[str],
    subject: str,
    template: str,
    context: dict,
    send: bool = True,
    headers: dict[str, str] | None = None,
) -> OutgoingEmail | None:
    """Queue one e-mail under `key`. A key already queued queues nothing: returns None.

    `template` names `emails/<template>.txt` and, if present, `emails/<template>.html`;
    it also says which kind of notification this is (notifications.TEMPLATES), so each
    recipient's preference is honoured here, for every job and service alike: an address
    that chose "off" is left out, one that chose the digest gets it in tomorrow's digest.
    `send=False` leaves the sending to the caller (a batch sender sends many rows in one
    task instead of one task per row); the flush job still sends a row nobody sent.
    `headers`: extra headers of the message, kept with the row (List-Unsubscribe, say).
    """
    prepared = _prepare(key=key, to=to, subject=subject, template=template, context=context, headers=headers)
    if prepared is None:
        return None
    row, items = prepared
    email, created = OutgoingEmail.objects.get_or_create(
        key=row.key,
        defaults={
            field: getattr(row, field)
            for field in ("to", "subject", "body_text", "body_html", "headers", "kind", "withheld", "status")
        },
    )
    if not created:
        return None
    for item in items:
        item.email = email
    DigestItem.objects.bulk_create(items)
    if send and email.status == OutgoingEmail.Status.PENDING:
        transaction.on_commit(lambda: _enqueue_send(email.pk))
    return email


def email_enqueue_many(*, messages: list[dict]) -> int:
    """Queue many e-mails in few INSERTs (a campaign's invitations), each a dict of the
    arguments of `email_enqueue` (and optionally "bodies", its text and HTML rendered
    already: see `email_render`, and "headers"); keys already queued are skipped. Nothing is sent: the
    caller sends the rows (or the flush job does). Returns how many rows were new.
    Preferences are honoured as in `email_enqueue`."""
    keys = [message["key"][:200] for message in messages]
    existing = set(OutgoingEmail.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh = [message for message in messages if message["key"][:200] not in existing]
    wanted = notification_rules().deliveries_for_many(
        requests=[(notification_rules().kind_of_template(m["template"]), m["to"]) for m in fresh]
    )
    rows, held = [], {}
    for message in fresh:
        prepared = _prepare(
            **{name: message[name] for name in ("key", "to", "subject", "template", "context")},
            wanted=wanted,
            bodies=message.get("bodies"),
            headers=message.get("headers"),
        )
        if prepared is None:
            continue
        row, items = prepared
        rows.append(row)
        if items:
            held[row.key] = items
    before = len(existing)
    OutgoingEmail.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    if held:
        # ignore_conflicts leaves the new rows without ids: read them back by key.
        ids = dict(OutgoingEmail.objects.filter(key__in=list(held)).values_list("key", "pk"))
        items = []
        for row_key, row_items in held.items():
            for item in row_items:
                item.email_id = ids[row_key]
                items.append(item)
        DigestItem.objects.bulk_create(items, batch_size=500, ignore_conflicts=True)
    return OutgoingEmail.objects.filter(key__in=keys).count() - before


def email_send_later(*, keys: list[str]) -> None:
    """After commit: hand the rows under `keys` still pending to batch senders, a task per
    BRM_SURVEY_DISPATCH_CHUNK rows (the flush job sends them if the broker is down)."""
    from notifications.tasks import email_send_batch_task

    ids = list(
        OutgoingEmail.objects.filter(key__in=keys, status=OutgoingEmail.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = settings.BRM_SURVEY_DISPATCH_CHUNK
    for start in range(0, len(ids), size):
        try:
            email_send_batch_task.delay(ids[start : start + size])
        except Exception:  # noqa: BLE001 - broker down: the flush job sends them later
            log.warning(
                "Broker unavailable; %s e-mails wait for the next flush.", len(ids[start : start + size])
            )


def email_message_id(key: str) -> str:
    """The same Message-ID for every attempt at one outbox row: should a crash between the
    mail server's acceptance and our commit make us send a row again, the receiving side
    sees the same message twice and can drop the copy."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{digest}@brm-outbox>"


def _enqueue_send(email_id: int) -> None:
    from notifications.tasks import email_send_task

    try:
        email_send_task.delay(email_id)
    except Exception:  # noqa: BLE001 - broker down: the flush job sends it later
        log.warning("Broker unavailable; e-mail %s stays pending for the next flush.", email_id)


# What a sender reads of a row before claiming it: the content never changes once queued.
_CONTENT_FIELDS = ("pk", "key", "to", "subject", "body_text", "body_html", "headers")

# Rows claimed, handed over and committed together. A crash after the mail server took
# some of them and before the commit sends those again (same Message-IDs): at most this
# many, and the messages are generated beforehand, so that window is only the hand-over.
SEND_BATCH = 20


def email_send(*, email_id: int, mail_connection=None) -> bool:
    """Send one queued e-mail unless it is sent already or being sent. True if this call
    sent it. `mail_connection`: an open e-mail backend connection to reuse (one SMTP
    session for a batch); by default the message opens its own."""
    email = OutgoingEmail.objects.filter(pk=email_id, status=OutgoingEmail.Status.PENDING)
    emails = list(email.only(*_CONTENT_FIELDS))
    return bool(emails) and _email_send_batch(emails, mail_connection) == 1


def email_send_many(*, email_ids: list[int] | None = None, keys: list[str] | None = None) -> int:
    """Send the rows given by id or by key that are still pending, over one mail server
    connection. Their content is read in one query; they are claimed, handed over and
    marked sent SEND_BATCH at a time. Returns how many this call sent."""
    if not email_ids and not keys:
        return 0
    rows = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING)
    if email_ids:
        rows = rows.filter(pk__in=email_ids)
    if keys:
        rows = rows.filter(key__in=keys)
    emails = list(rows.order_by("pk").only(*_CONTENT_FIELDS))
    if not emails:
        return 0
    with get_connection() as mail_connection:
        return sum(
            _email_send_batch(emails[start : start + SEND_BATCH], mail_connection)
            for start in range(0, len(emails), SEND_BATCH)
        )


class _Generated:
    """A message's MIME object with its bytes generated once. The backends ask the e-mail
    for its MIME object (`message()`) and that for its bytes (`as_bytes()`); these are
    answered from what was generated before the row was claimed, so the claim lasts only as
    long as the hand-over, the one moment where a killed worker makes a message go twice."""

    def __init__(self, mime, linesep: str):
        self.mime, self.linesep = mime, linesep
        self.generated = mime.as_bytes(linesep=linesep)

    def as_bytes(self, unixfrom=False, linesep="\n"):
        if unixfrom or linesep != self.linesep:
            return self.mime.as_bytes(unixfrom=unixfrom, linesep=linesep)
        return self.generated

    def __getattr__(self, name):  # everything else a backend reads (charset, headers)
        if name.startswith("__") or "mime" not in vars(self):  # copying builds it bare
            raise AttributeError(name)
        return getattr(self.mime, name)


class _GeneratedEmail(EmailMultiAlternatives):
    """An EmailMultiAlternatives whose MIME text is generated before it is handed over."""

    def generate(self, linesep: str) -> None:
        self.generated = _Generated(super().message(), linesep)

    def message(self):
        return getattr(self, "generated", None) or super().message()


def _message(email: OutgoingEmail, mail_connection) -> _GeneratedEmail:
    message = _GeneratedEmail(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        headers={**email.headers, "Message-ID": email_message_id(email.key)},
        connection=mail_connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    # SMTP speaks CRLF; the other backends (files, console) write lines as Python does.
    message.generate("\r\n" if isinstance(mail_connection, SMTPBackend) else "\n")
    return message


def _email_send_batch(emails: list[OutgoingEmail], mail_connection) -> int:
    """Claim the rows (read beforehand: their content) still pending and hand them to the
    mail server, in one transaction. Returns how many were sent.

    The claimed rows stay locked while the mail server takes the messages: a parallel
    sender skips them, and a worker killed before the commit leaves them pending for the
    next try, so a message is never lost. The rows are marked sent *before* the hand-over,
    so that after the server has the messages only the commit remains, made without
    waiting for the disk (see below): a kill between the first acceptance and that commit
    is the one case where messages go out twice (at most the batch), with the same
    Message-IDs, which lets the receiver drop the copies. A message the server refuses
    is recorded on its row and retried later; the others of the batch are sent."""
    mail_connection = mail_connection or get_connection()  # opened by the first send if need be
    messages = {email.pk: _message(email, mail_connection) for email in emails}
    sent = 0
    with transaction.atomic():
        for pk, attempts in _email_claim([email.pk for email in emails]):
            try:
                messages[pk].send()
            except Exception as exc:  # noqa: BLE001 - the mail server's fault: recorded, retried
                failed = attempts >= MAX_ATTEMPTS
                OutgoingEmail.objects.filter(pk=pk).update(
                    status=OutgoingEmail.Status.FAILED if failed else OutgoingEmail.Status.PENDING,
                    sent_at=None,
                    last_error=str(exc)[:2000],
                )
                log.warning("Sending e-mail %s failed (attempt %s): %s", pk, attempts, exc)
                continue
            sent += 1
    return sent


# Lock the rows (skipping any another sender holds), check pending and mark sent in one
# round trip; the commit after the hand-over need not wait for the WAL flush: should the
# database itself crash in the next moments, the rows revert to pending and are sent again
# (duplicates, never a loss); a dead worker is covered either way.
# The table name comes from the model; the values are parameters.
_CLAIM_SQL = f"""
SET LOCAL synchronous_commit TO OFF;
UPDATE {OutgoingEmail._meta.db_table} SET status = %s, sent_at = %s, attempts = attempts + 1, last_error = ''
WHERE id IN (
    SELECT id FROM {OutgoingEmail._meta.db_table} WHERE id = ANY(%s) AND status = %s FOR UPDATE SKIP LOCKED
)
RETURNING id, attempts
"""  # noqa: S608  # nosec B608 - only the model's own table name is formatted in; values are parameters


def _email_claim(email_ids: list[int]) -> list[tuple[int, int]]:
    """Inside the caller's transaction: lock the rows still pending and mark them sent;
    returns (id, attempts with this one) of each, in id order."""
    sent, pending = OutgoingEmail.Status.SENT, OutgoingEmail.Status.PENDING
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_SQL, [sent, timezone.now(), list(email_ids), pending])
            return sorted(cursor.fetchall())
    claimed = list(
        OutgoingEmail.objects.select_for_update()
        .filter(pk__in=email_ids, status=pending)
        .order_by("pk")
        .values_list("pk", "attempts")
    )
    OutgoingEmail.objects.filter(pk__in=[pk for pk, _ in claimed]).update(
        status=sent, sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )
    return [(pk, attempts + 1) for pk, attempts in claimed]


def email_flush_pending(*, limit: int = 500) -> int:
    """Send what is still pending (after a broker outage, say). Returns how many were sent."""
    ids = list(
        OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return email_send_many(email_ids=ids)
