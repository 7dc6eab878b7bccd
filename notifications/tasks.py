"""The outbox's Celery tasks. They keep the names they had when the outbox was part of the
relationship app: the periodic schedule in the database and tasks already queued use them."""

from celery import shared_task

from notifications.mail import email_flush_pending, email_send, email_send_many


@shared_task(name="relationships.tasks.email_send_task", ignore_result=True)
def email_send_task(email_id: int) -> None:
    email_send(email_id=email_id)


@shared_task(name="relationships.tasks.email_send_batch_task", ignore_result=True)
def email_send_batch_task(email_ids: list[int]) -> int:
    return email_send_many(email_ids=email_ids)


@shared_task(name="relationships.tasks.email_flush_pending_task", ignore_result=True)
def email_flush_pending_task() -> int:
    return email_flush_pending()
