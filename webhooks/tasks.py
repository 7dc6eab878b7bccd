"""Celery tasks of the webhooks: take ids, call the service. Safe to run twice: a delivery
is claimed while pending and due, so a second run sends nothing. The tasks keep the names
of the app's first package (integrations): the periodic schedule and queued tasks use them."""

from celery import shared_task

from webhooks import services


@shared_task(name="integrations.tasks.webhook_deliver_task", bind=True, ignore_result=True, max_retries=None)
def webhook_deliver_task(self, delivery_id: int) -> str | None:
    attempt = services.delivery_attempt(delivery_id=delivery_id)
    if attempt is None:
        return None
    if attempt.retry_in is not None:
        # The row already says when (next_attempt_at); this is the prompt to come back then.
        # Should the publish fail, the periodic requeue finds the row due and sends it.
        raise self.retry(countdown=attempt.retry_in)
    return attempt.status


@shared_task(name="integrations.tasks.webhook_requeue_due_task", ignore_result=True)
def webhook_requeue_due_task() -> int:
    return services.deliveries_requeue_due()
