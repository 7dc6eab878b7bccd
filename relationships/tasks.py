"""Celery tasks: take ids (or nothing), load fresh, call the job or the outbox. Each is safe
to run twice (acks late: a task whose worker died is delivered again)."""

from celery import shared_task

from . import jobs


@shared_task(ignore_result=True)
def survey_schedule_task() -> int | None:
    campaign = jobs.survey_schedule()
    return campaign.pk if campaign else None


@shared_task(ignore_result=True)
def survey_dispatch_task(campaign_id: int) -> int:
    return jobs.survey_dispatch(campaign_id=campaign_id)


@shared_task(ignore_result=True)
def survey_send_chunk_task(campaign_id: int, invitation_ids: list[int]) -> int:
    return jobs.survey_send_chunk(campaign_id=campaign_id, invitation_ids=invitation_ids)


@shared_task(ignore_result=True)
def survey_remind_and_close_task() -> dict:
    return jobs.survey_remind_and_close()


@shared_task(ignore_result=True)
def escalation_ladder_task() -> dict:
    return jobs.escalation_ladder()


@shared_task(ignore_result=True)
def actions_overdue_task() -> int:
    return jobs.actions_overdue_remind()


@shared_task(ignore_result=True)
def agreement_reviews_task() -> int:
    return jobs.agreement_reviews_due()


@shared_task(ignore_result=True)
def notification_digest_task() -> int:
    return jobs.notification_digest()
