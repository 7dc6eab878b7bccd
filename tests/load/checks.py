"""What the load and fault tests check after a run, in the database and the mail folder."""

import collections
import re
import time
from pathlib import Path

from notifications.mail import email_message_id
from notifications.models import OutgoingEmail
from relationships.models import Escalation, FollowUpAction, Interaction, Requirement

from .traffic import MARKER_PREFIX, Load, describe

# What each kind of write creates, and the field its marker is in.
WRITTEN = {
    "interaction": (Interaction, "subject"),
    "action": (FollowUpAction, "title"),
    "requirement": (Requirement, "title"),
    "escalation": (Escalation, "subject"),
}


def stored_markers(run_id: str) -> collections.Counter:
    """(kind, marker) of every row of this run, counted."""
    found = collections.Counter()
    for kind, (model, field) in WRITTEN.items():
        values = model.objects.filter(**{f"{field}__startswith": f"{MARKER_PREFIX}{run_id}-"})
        found.update((kind, value) for value in values.values_list(field, flat=True))
    return found


def assert_writes_stored(load: Load, run_id: str) -> None:
    """Every write answered as done is in the database once; a write answered otherwise
    (a 503) left nothing behind; and nothing is there that no request wrote."""
    stored = stored_markers(run_id)
    done = [o for o in load.writes(ok=True)]
    missing = [o for o in done if stored[(o.write, o.marker)] != 1]
    assert not missing, f"{len(missing)} writes answered as done are missing or doubled:\n" + describe(
        missing
    )
    refused = [o for o in load.writes(ok=False) if stored[(o.write, o.marker)]]
    assert not refused, "writes answered with an error were saved anyway:\n" + describe(refused)
    made = {(o.write, o.marker) for o in load.writes()}
    assert set(stored) <= made, f"rows nobody wrote: {sorted(set(stored) - made)[:5]}"


def assert_notified(load: Load) -> None:
    """Each requirement submitted and each escalation raised put its e-mail in the outbox."""
    keys = set(OutgoingEmail.objects.values_list("key", flat=True))
    titles = {o.marker for o in load.writes(ok=True) if o.write == "requirement"}
    for pk in Requirement.objects.filter(title__in=titles).values_list("pk", flat=True):
        assert f"requirement-submitted:{pk}" in keys
    subjects = {o.marker for o in load.writes(ok=True) if o.write == "escalation"}
    for pk in Escalation.objects.filter(subject__in=subjects).values_list("pk", flat=True):
        assert f"escalation:{pk}:raised:level-1" in keys


def message_ids(mail_dir: Path) -> collections.Counter:
    """Message-IDs in the file backend's files (a file may hold several messages)."""
    found = collections.Counter()
    for path in mail_dir.iterdir():
        found.update(re.findall(r"^Message-ID: (\S+)$", path.read_text(), flags=re.MULTILINE))
    return found


def wait_until_sent(seconds: float, *, nudge=None, every: float = 5) -> int:
    """Wait for the outbox to empty; `nudge()` (publishing the flush job, as beat does every
    few minutes) is called at once and then every `every` seconds. Returns what is left."""
    deadline = time.monotonic() + seconds
    nudged = 0.0
    while True:
        pending = OutgoingEmail.objects.filter(status=OutgoingEmail.Status.PENDING).count()
        if pending == 0 or time.monotonic() > deadline:
            return pending
        if nudge is not None and time.monotonic() - nudged >= every:
            nudge()
            nudged = time.monotonic()
        time.sleep(0.25)


def assert_each_mail_sent_once(mail_dir: Path) -> int:
    """Every outbox row meant to go out was handed to the mail backend exactly once (a row
    its recipients' preferences left without an address is SKIPPED). Returns how many."""
    rows = list(
        OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SKIPPED).values_list("key", "status")
    )
    unsent = [key for key, status in rows if status != OutgoingEmail.Status.SENT]
    assert not unsent, f"{len(unsent)} e-mails never sent: {unsent[:5]}"
    expected = {email_message_id(key) for key, _ in rows}
    sent = message_ids(mail_dir)
    assert set(sent) == expected, (
        f"lost: {len(expected - set(sent))}, unknown: {len(set(sent) - expected)} of {len(expected)}"
    )
    doubled = [mid for mid, n in sent.items() if n > 1]
    assert not doubled, f"sent more than once: {doubled}"
    return len(expected)
