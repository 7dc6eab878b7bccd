"""Staff pages of orders: the queue of orders waiting, and the subscription page where an
order is fulfilled or refused with a reason; the dashboard's "waiting for you" and the
navigation's count."""

import pytest
from django.core import mail
from django.urls import reverse

from services.models import Subscription
from tests.services.factories import ServiceFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("services:order-queue")


def _order(unit, **kwargs):
    return SubscriptionFactory(unit=unit, status=Subscription.Status.REQUESTED, started_on=None, **kwargs)


@pytest.fixture
def order(unit_a, purchaser_a):
    return _order(unit_a, service=ServiceFactory(name="Scanner app"), ordered_by=purchaser_a, quantity=3)


def _detail(order):
    return reverse("services:subscription-detail", args=[order.pk])


def test_the_queue_shows_each_manager_their_portfolios_orders(
    client, order, unit_b, rm, other_rm, it_manager
):
    other = _order(unit_b, service=ServiceFactory(name="Label printer"))
    client.force_login(rm)
    html = client.get(QUEUE).content.decode()
    assert "Scanner app" in html and "Piet Purchaser" in html and "Label printer" not in html
    assert _detail(order) in html
    client.force_login(other_rm)
    html = client.get(QUEUE).content.decode()
    assert "Label printer" in html and "Scanner app" not in html
    client.force_login(it_manager)
    html = client.get(QUEUE).content.decode()
    assert "Label printer" in html and "Scanner app" in html
    # Decided orders leave the queue.
    other.status = Subscription.Status.ACTIVE
    other.save()
    assert "Label printer" not in client.get(QUEUE).content.decode()


def test_the_queue_reads_the_same_queries_for_3_and_30_orders(client, unit_a, rm, django_assert_num_queries):
    client.force_login(rm)
    for n in (3, 27):
        for _ in range(n):
            _order(unit_a)
        # session, user, groups (is IT management?), count, page of orders with unit,
        # service and orderer; the navigation's count: escalations, orders and overdue
        # actions counted
        with django_assert_num_queries(8):
            response = client.get(QUEUE)
        assert response.status_code == 200
    assert "1–25 of 30" in response.content.decode()


def test_the_manager_fulfils_from_the_subscription_page(
    client, order, rm, purchaser_a, django_capture_on_commit_callbacks
):
    client.force_login(rm)
    html = client.get(_detail(order)).content.decode()
    assert "Fulfil the order" in html and "Refuse the order" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("services:subscription-fulfil", args=[order.pk]), {"on": ""})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.decided_by) == (Subscription.Status.ACTIVE, rm)
    assert [m.to for m in mail.outbox] == [[purchaser_a.email]]
    html = client.get(_detail(order)).content.decode()
    assert "Scanner app is fulfilled for Accounts Payable" in html
    assert "Fulfil the order" not in html
    assert "by Rita Manager" in html


def test_refusing_without_a_reason_says_so_next_to_the_field(client, order, rm):
    client.force_login(rm)
    response = client.post(reverse("services:subscription-refuse", args=[order.pk]), {"reason": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error_1_id_reason"' in html and "This field is required." in html
    order.refresh_from_db()
    assert order.status == Subscription.Status.REQUESTED

    response = client.post(
        reverse("services:subscription-refuse", args=[order.pk]), {"reason": "Use the shared scanner."}
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.refusal_reason) == (Subscription.Status.REFUSED, "Use the shared scanner.")
    html = client.get(_detail(order)).content.decode()
    assert "Use the shared scanner." in html and "Refused" in html


def test_a_date_before_the_order_is_refused_next_to_its_field(client, order, rm):
    client.force_login(rm)
    response = client.post(reverse("services:subscription-fulfil", args=[order.pk]), {"on": "2001-01-01"})
    assert response.status_code == 400
    assert "It cannot start before it was ordered" in response.content.decode()
    assert 'id="error_1_id_on"' in response.content.decode()


def test_a_colleague_sees_no_buttons_and_a_forged_post_changes_nothing(client, order, other_rm):
    client.force_login(other_rm)
    html = client.get(_detail(order)).content.decode()
    assert "Fulfil the order" not in html
    assert "Its relationship manager (Rita Manager), IT management or the service's owner" in html
    response = client.post(reverse("services:subscription-fulfil", args=[order.pk]), {})
    assert response.status_code == 403
    assert "Only the relationship manager of Accounts Payable" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.decided_by) == (Subscription.Status.REQUESTED, None)


def test_decision_pages_take_posts_only(client, order, rm):
    client.force_login(rm)
    assert client.get(reverse("services:subscription-fulfil", args=[order.pk])).status_code == 405
    assert (
        client.post(reverse("services:subscription-refuse", args=[987654]), {"reason": "x"}).status_code
        == 404
    )


def test_the_dashboard_and_the_navigation_show_what_waits(client, order, rm, other_rm):
    client.force_login(rm)
    html = client.get(reverse("relationships:dashboard")).content.decode()
    assert 'id="waiting"' in html
    assert "Scanner app for Accounts Payable" in html
    assert (
        '<span class="badge rounded-pill text-bg-warning">1</span><span class="visually-hidden"> waiting for you</span>'
        in html
    )
    # Every staff page carries the count, not only the dashboard.
    assert "> waiting for you</span>" in client.get(QUEUE).content.decode()
    client.force_login(other_rm)
    html = client.get(reverse("relationships:dashboard")).content.decode()
    assert "Scanner app for Accounts Payable" not in html
    assert "Nothing waits for you" in html
