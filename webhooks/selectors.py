"""Reads of the webhooks pages."""

from django.db.models import Count, Max, Q

from webhooks.models import WebhookDelivery, WebhookEndpoint


def endpoint_list():
    """Every endpoint with its delivery counts, in one query."""
    return WebhookEndpoint.objects.select_related("owner").annotate(
        pending_count=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.PENDING)),
        failed_count=Count("deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.FAILED)),
        last_delivery_at=Max("deliveries__created_at"),
    )


def delivery_log(*, endpoint: WebhookEndpoint, status: str = ""):
    """An endpoint's deliveries, newest first, with their events."""
    deliveries = endpoint.deliveries.select_related("event").order_by("-created_at", "-pk")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries
