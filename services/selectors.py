"""Reads of the IT side that depend on who asks."""

from django.db.models import Q

from customers import roles

from .models import Subscription


def order_queue_for(*, user):
    """The orders waiting for `user` to fulfil or refuse them, oldest first: those of the
    units they manage and of the services they own; IT management acts on every order.
    (Whoever may edit every unit *may* decide any order, services.may_decide_order; this is
    whose work it is.)"""
    orders = Subscription.objects.waiting().select_related("unit", "service", "ordered_by")
    if roles.is_it_manager(user):
        return orders
    return orders.filter(Q(unit__relationship_manager=user) | Q(service__owner=user))
