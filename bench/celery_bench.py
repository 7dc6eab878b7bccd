"""The Celery part of the benchmark, run inside Django on a seeded benchmark database:

1. Survey dispatch: a campaign of INVITATIONS pending invitations is handed to the
   project's dispatch job (`survey_dispatch_task`, which publishes one chunk task per
   BRM_SURVEY_DISPATCH_CHUNK invitations) and sent by a real worker (`celery -A brm worker`,
   prefork, two processes, the project's reliability settings: acks late, reject on worker
   lost, prefetch 1) on Redis, e-mails to Django's file backend. Invitations per second
   from the publish to the last e-mail marked sent.
2. Escalation ladder: the job (`escalation_ladder`) over every open escalation of the
   seed, timed in one run.

Called by bench/run.py after the web figures (both jobs change the data).
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

INVITATIONS = 10_000
ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def _start_worker(mail_dir: Path, log_path: Path, concurrency: int) -> tuple[subprocess.Popen, str]:
    from brm.celery import app

    name = f"bench-{uuid.uuid4().hex[:8]}@%h"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "LOG_LEVEL": "WARNING",
    }
    log = open(log_path, "wb")  # noqa: SIM115 - the worker writes to it until stopped
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "brm", "worker", "-P", "prefork", "-c", str(concurrency)]
        + ["-n", name, "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    import socket

    destination = name.replace("%h", socket.gethostname())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited: {log_path.read_text()}")
        if app.control.ping(destination=[destination], timeout=0.5):
            return process, destination
    _stop_worker(process)
    raise RuntimeError("the worker did not answer a ping within 60 s")


def _stop_worker(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _group_cpu_seconds(group: int) -> float:
    """User + system CPU of the live processes of a process group (the worker and its pool):
    a figure the other load on a shared machine does not change, unlike the rate."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == group:  # fields after the name: state, ppid, pgrp, ...
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _campaign_with_pending_invitations(count: int):
    from django.utils import timezone

    from customers.models import Contact
    from relationships.models import SurveyCampaign, SurveyInvitation, hash_survey_token, survey_token_for

    now = timezone.now()
    campaign = SurveyCampaign.objects.create(
        name=f"Benchmark dispatch {uuid.uuid4().hex[:6]}",
        status=SurveyCampaign.Status.SENDING,
        opens_at=now,
        closes_at=now + timezone.timedelta(days=21),
    )
    contacts = Contact.objects.filter(is_active=True).exclude(email="").order_by("pk")[:count]
    invitations = []
    for contact in contacts.values("pk", "unit_id"):
        salt = secrets.token_hex(16)
        invitations.append(
            SurveyInvitation(
                campaign=campaign,
                contact_id=contact["pk"],
                unit_id=contact["unit_id"],
                token_salt=salt,
                token_hash=hash_survey_token(survey_token_for(salt)),
            )
        )
    SurveyInvitation.objects.bulk_create(invitations, batch_size=2000)
    return campaign, len(invitations)


def dispatch(*, invitations: int = INVITATIONS, concurrency: int = 2, timeout: int = 600) -> dict:
    from django.conf import settings

    from brm.celery import app
    from relationships.models import SurveyInvitation
    from relationships.tasks import survey_dispatch_task

    conf = app.conf
    reliability = {
        "acks_late": conf.task_acks_late,
        "reject_on_worker_lost": conf.task_reject_on_worker_lost,
        "prefetch_multiplier": conf.worker_prefetch_multiplier,
    }
    app.connection_for_write().default_channel.client.flushdb()  # our Redis database only
    campaign, total = _campaign_with_pending_invitations(invitations)
    work = Path(tempfile.mkdtemp(prefix="brm-bench-mail-"))
    mail_dir = work / "mail"
    mail_dir.mkdir()
    process, _ = _start_worker(mail_dir, work / "worker.log", concurrency)
    try:
        cpu_before = _group_cpu_seconds(process.pid)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        survey_dispatch_task.delay(campaign.pk)
        pending = SurveyInvitation.objects.filter(campaign=campaign).exclude(
            status=SurveyInvitation.Status.SENT
        )
        sent_emails = campaign_emails_sent(campaign.pk)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pending.exists() and sent_emails() >= total:
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        done = sent_emails()
        worker_cpu = _group_cpu_seconds(process.pid) - cpu_before
    finally:
        _stop_worker(process)
        files = len(list(mail_dir.iterdir()))
        shutil.rmtree(work, ignore_errors=True)
    return {
        "invitations": total,
        "sent": done,
        "seconds": round(seconds, 2),
        "per_second": round(done / seconds, 1),
        "mail_files": files,
        "worker_cpu_ms_per_invitation": round(worker_cpu * 1000 / max(done, 1), 2),
        "load_before": round(load_before, 2),
        "worker": f"prefork -c {concurrency}",
        "chunk": settings.BRM_SURVEY_DISPATCH_CHUNK,
        **reliability,
    }


def campaign_emails_sent(campaign_id: int):
    from notifications.models import OutgoingEmail

    prefix = f"survey-invitation:{campaign_id}:"

    def count() -> int:
        return OutgoingEmail.objects.filter(key__startswith=prefix, status=OutgoingEmail.Status.SENT).count()

    return count


def ladder() -> dict:
    from relationships import jobs
    from relationships.models import Escalation

    open_before = Escalation.objects.filter(status=Escalation.Status.OPEN).count()
    open_or_acknowledged = Escalation.objects.open().count()
    started = time.perf_counter()
    result = jobs.escalation_ladder()
    seconds = time.perf_counter() - started
    return {
        "open_escalations": open_or_acknowledged,
        "unacknowledged": open_before,
        "escalated": result["escalated"],
        "reminded": result["reminded"],
        "seconds": round(seconds, 2),
    }


def run() -> dict:
    return {"dispatch": dispatch(), "ladder": ladder()}
