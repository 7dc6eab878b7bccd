"""Staff pages of the webhooks: thin; the rules are in services.py."""

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.domain import DomainError
from staff.common import PAGE_SIZE, autosubmit, form_error_from
from staff.webhooks.forms import DeliveryFilter, EndpointForm
from webhooks import selectors, services
from webhooks.models import WebhookEndpoint


def webhooks_admin_required(view):
    """Signed-in people who may manage webhooks; anyone else signed in gets a 403."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not services.may_manage_webhooks(request.user):
            raise PermissionDenied(services.MAY_NOT_MANAGE)
        return view(request, *args, **kwargs)

    return wrapped


@webhooks_admin_required
def endpoint_list(request):
    return render(
        request,
        "integrations/endpoint_list.html",
        {"endpoints": selectors.endpoint_list(), "nav": "webhooks"},
    )


@webhooks_admin_required
def endpoint_edit(request, pk=None):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk) if pk else None
    initial = {"name": endpoint.name, "url": endpoint.url, "events": endpoint.events} if endpoint else None
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if endpoint is None:
                endpoint = services.endpoint_create(by=request.user, **form.cleaned_data)
                messages.success(
                    request, f"“{endpoint.name}” registered. Give its signing secret to the receiver."
                )
            else:
                services.endpoint_update(endpoint=endpoint, by=request.user, **form.cleaned_data)
                messages.success(request, f"“{endpoint.name}” saved.")
        except DomainError as error:
            form_error_from(form, error)
        else:
            return redirect("integrations:endpoint-detail", endpoint.pk)
    return render(
        request,
        "relationships/form.html",
        {
            "form": form,
            "title": f"Edit {endpoint.name}" if endpoint else "New webhook endpoint",
            "lead": "The portal POSTs the chosen events to this address, signed with the endpoint's secret.",
            "cancel_url": reverse("integrations:endpoint-detail", args=[endpoint.pk])
            if endpoint
            else reverse("integrations:endpoint-list"),
            "nav": "webhooks",
        },
    )


@webhooks_admin_required
def endpoint_detail(request, pk):
    endpoint = get_object_or_404(WebhookEndpoint.objects.select_related("owner"), pk=pk)
    filter_form = DeliveryFilter(request.GET or None)
    status = filter_form.cleaned_data["status"] if filter_form.is_valid() else ""
    page = Paginator(selectors.delivery_log(endpoint=endpoint, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "integrations/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "page": page,
            "filter_form": autosubmit(filter_form),
            "query_string": query.urlencode(),
            "nav": "webhooks",
        },
    )


# POSTed buttons of the detail page: the service each calls, and what to say when done.
ACTIONS = {
    "test": (
        services.endpoint_send_test,
        "Test event queued: its answer shows in the log below in a moment.",
    ),
    "rotate": (services.endpoint_rotate_secret, "New signing secret made: give it to the receiver now."),
    "enable": (services.endpoint_enable, "Endpoint enabled; deliveries that waited are being sent."),
    "disable": (services.endpoint_disable, "Endpoint disabled: new events are not sent to it."),
}


@require_POST
@webhooks_admin_required
def endpoint_action(request, pk, action):
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    if action not in ACTIONS:
        messages.error(request, "Unknown action.")
        return redirect("integrations:endpoint-detail", endpoint.pk)
    service, done = ACTIONS[action]
    try:
        service(endpoint=endpoint, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("integrations:endpoint-detail", endpoint.pk)
