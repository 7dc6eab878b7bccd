"""Staff pages of the IT side: the service catalogue with its targets, and agreements."""

import datetime

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.domain import DomainError, DomainPermissionError
from core.exporting import export_for_import
from core.history import history_section
from customers.models import BusinessUnit
from relationships.selectors import REVIEW_HORIZON_DAYS
from services.attainment import attainment_band, attainment_percent
from services.imports import ServiceImporter
from services.models import Agreement, Measurement, Service, ServiceLevelTarget, Subscription
from services.selectors import order_queue_for, subscriptions_covered_by, with_covering_agreements
from services.services import (
    agreement_save,
    may_decide_order,
    service_save,
    subscription_fulfil,
    subscription_refuse,
    target_save,
)
from staff.common import Column, form_error_from, list_page, staff_required
from staff.services.forms import (
    AgreementFilter,
    AgreementForm,
    OrderFulfilForm,
    OrderRefuseForm,
    ServiceFilter,
    ServiceForm,
    TargetForm,
)


def _targets_text(service):
    return "; ".join(
        f"{t.name} {'≥' if t.direction == 'higher' else '≤'} {t.value_display} {t.unit_of_measure}"
        for t in service.targets.all()
    )


@staff_required
def service_list(request):
    form = ServiceFilter(request.GET or None)
    services = (
        Service.objects.select_related("category", "owner")
        .prefetch_related("targets")
        .annotate(users=Count("subscriptions", filter=Q(subscriptions__status=Subscription.Status.ACTIVE)))
        .order_by("name")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            services = services.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
        if data["lifecycle"]:
            services = services.filter(lifecycle=data["lifecycle"])
        if data["category"]:
            services = services.filter(category=data["category"])
    return list_page(
        request,
        title="Service catalogue",
        create_url=reverse("services:service-create"),
        create_label="New service",
        lead="IT services with their owners and service level targets.",
        queryset=services,
        columns=[
            Column(
                "Service", lambda s: s.name, link=lambda s: reverse("services:service-detail", args=[s.pk])
            ),
            Column("Category", lambda s: s.category.name if s.category else ""),
            Column(
                "Lifecycle",
                lambda s: s.get_lifecycle_display(),
                badge=lambda s: {"live": "success", "pipeline": "info"}.get(s.lifecycle, "secondary"),
            ),
            Column("Owner", lambda s: s.owner.get_full_name() if s.owner else ""),
            Column("Targets", _targets_text),
            Column("Units using it", lambda s: s.users),
        ],
        filter_form=form,
        filename="services",
        nav="services",
        empty="No services match. Clear the filters to see the whole catalogue.",
        # One line per target, in the import's columns: the catalogue imports back as is.
        export=lambda queryset, export_format: export_for_import(
            importer=ServiceImporter,
            objects=queryset,
            export_format=export_format,
            filename="services",
            read_only={"units_using_it": lambda s: s.users},
        ),
    )


@staff_required
def service_detail(request, pk):
    service = get_object_or_404(Service.objects.select_related("category", "owner"), pk=pk)
    targets = list(service.targets.all())
    since = timezone.localdate().replace(day=1) - datetime.timedelta(days=180)
    attainment = {
        row["target_id"]: row
        for row in Measurement.objects.filter(target__service=service, period_start__gte=since)
        .values("target_id")
        .annotate(measured=Count("pk"), met=Count("pk", filter=Q(is_met=True)))
    }
    for target in targets:
        row = attainment.get(target.pk)
        target.measured = row["measured"] if row else 0
        target.met = row["met"] if row else 0
        target.pct = attainment_percent(met=target.met, measured=target.measured)
        target.band = attainment_band(met=target.met, measured=target.measured)
    subscriptions = with_covering_agreements(
        service.subscriptions.current().select_related("unit", "ordered_by").order_by("unit__name")
    )
    return render(
        request,
        "services/service_detail.html",
        {"service": service, "targets": targets, "subscriptions": subscriptions, "nav": "services"},
    )


@staff_required
def agreement_list(request):
    form = AgreementFilter(request.GET or None)
    agreements = (
        Agreement.objects.visible_to(request.user)
        .select_related("unit", "signed_by")
        .order_by("next_review_on", "unit__name")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            q = data["q"]
            agreements = agreements.filter(
                Q(title__icontains=q) | Q(reference__icontains=q) | Q(unit__name__icontains=q)
            )
        if data["status"]:
            agreements = agreements.filter(status=data["status"])
        if data["review"] == "due":
            agreements = agreements.review_due_by(
                timezone.localdate() + datetime.timedelta(days=REVIEW_HORIZON_DAYS)
            )
    today = timezone.localdate()
    return list_page(
        request,
        title="Agreements",
        create_url=reverse("services:agreement-create"),
        create_label="New agreement",
        lead="Service level agreements with the business and when they are next reviewed.",
        queryset=agreements,
        columns=[
            Column("Reference", lambda a: a.reference),
            Column(
                "Agreement",
                lambda a: a.title,
                link=lambda a: reverse("services:agreement-detail", args=[a.pk]),
            ),
            Column(
                "Unit",
                lambda a: a.unit.name,
                link=lambda a: reverse("customers:unit-detail", args=[a.unit_id]),
            ),
            Column(
                "Status",
                lambda a: a.get_status_display(),
                badge=lambda a: {"active": "success", "draft": "info"}.get(a.status, "secondary"),
            ),
            Column("Signed by", lambda a: a.signed_by.full_name if a.signed_by else ""),
            Column("Valid until", lambda a: a.valid_until),
            Column(
                "Next review",
                lambda a: a.next_review_on,
                badge=lambda a: "danger" if a.next_review_on and a.next_review_on < today else None,
            ),
        ],
        filter_form=form,
        filename="agreements",
        nav="services",
        empty="No agreements match these filters.",
    )


@staff_required
def agreement_detail(request, pk):
    """An agreement with the services it covers (services.selectors: its own links and the
    services of the units below it that no agreement of their own covers), grouped by unit,
    and its reviews. The last review is `last_reviewed_on`, kept by the review's service."""
    agreement = get_object_or_404(
        Agreement.objects.visible_to(request.user).select_related("unit", "signed_by"), pk=pk
    )
    subscriptions = (
        subscriptions_covered_by(agreement=agreement)
        .select_related("service", "unit")
        .prefetch_related(Prefetch("service__targets", queryset=ServiceLevelTarget.objects.order_by("name")))
        .order_by("unit__path", "service__name")
    )
    reviews = agreement.reviews.select_related("created_by").order_by("-occurred_at")[:10]
    return render(
        request,
        "services/agreement_detail.html",
        {
            "agreement": agreement,
            "subscriptions": subscriptions,
            "reviews": reviews,
            "today": timezone.localdate(),
            "history": history_section(agreement, viewer=request.user),
            "nav": "services",
        },
    )


def _get_subscription(request, pk):
    """The subscription with `.covering_agreement` (services.selectors), or 404."""
    found = with_covering_agreements(
        Subscription.objects.visible_to(request.user)
        .select_related("unit__relationship_manager", "service", "agreement", "ordered_by", "decided_by")
        .filter(pk=pk)
    )
    if not found:
        raise Http404
    return found[0]


def _render_subscription(request, subscription, *, fulfil_form=None, refuse_form=None, error="", status=200):
    """One unit's use of one service: its terms, the agreement covering it, the decision on
    its order, and who changed them when. A waiting order carries the buttons to fulfil or
    refuse it, for those who may."""
    waiting = subscription.status == Subscription.Status.REQUESTED
    return render(
        request,
        "services/subscription_detail.html",
        {
            "subscription": subscription,
            "can_decide": waiting and may_decide_order(user=request.user, subscription=subscription),
            "fulfil_form": fulfil_form or OrderFulfilForm(initial={"on": timezone.localdate()}),
            "refuse_form": refuse_form or OrderRefuseForm(),
            "decision_error": error,
            "history": history_section(subscription, viewer=request.user),
            "nav": "services",
        },
        status=status,
    )


@staff_required
def subscription_detail(request, pk):
    return _render_subscription(request, _get_subscription(request, pk))


def _decide_order(request, pk, *, form_class, decide, done: str, form_name: str):
    """Fulfil or refuse: the form checks the input, the service who may and whether the order
    still waits; a broken rule is shown next to its field (400) or above the buttons (403)."""
    subscription = _get_subscription(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            decided = decide(subscription, form.cleaned_data)
        except DomainPermissionError as error:
            return _render_subscription(request, subscription, error=error.message, status=403)
        except DomainError as error:
            if error.field in form.fields:
                form_error_from(form, error)
            else:
                return _render_subscription(
                    request, _get_subscription(request, pk), error=error.message, status=400
                )
        else:
            messages.success(request, done.format(service=decided.service.name, unit=decided.unit.name))
            return redirect("services:subscription-detail", pk=pk)
    return _render_subscription(request, subscription, status=400, **{form_name: form})


@staff_required
@require_POST
def subscription_fulfil_view(request, pk):
    return _decide_order(
        request,
        pk,
        form_class=OrderFulfilForm,
        decide=lambda sub, data: subscription_fulfil(subscription=sub, by=request.user, on=data["on"]),
        done="{service} is fulfilled for {unit}; whoever ordered it is told by e-mail.",
        form_name="fulfil_form",
    )


@staff_required
@require_POST
def subscription_refuse_view(request, pk):
    return _decide_order(
        request,
        pk,
        form_class=OrderRefuseForm,
        decide=lambda sub, data: subscription_refuse(
            subscription=sub, by=request.user, reason=data["reason"]
        ),
        done="The order of {service} for {unit} is refused; whoever ordered it is told why.",
        form_name="refuse_form",
    )


@staff_required
def order_queue(request):
    """The orders waiting for the signed-in person: their portfolio's (and their services');
    IT management sees every order."""
    today = timezone.localdate()
    return list_page(
        request,
        title="Orders waiting",
        lead="Services the business ordered, oldest first: fulfil or refuse each, with a reason.",
        queryset=order_queue_for(user=request.user),
        columns=[
            Column(
                "Service",
                lambda s: s.service.name,
                link=lambda s: reverse("services:subscription-detail", args=[s.pk]),
            ),
            Column(
                "Unit",
                lambda s: s.unit.name,
                link=lambda s: reverse("customers:unit-detail", args=[s.unit_id]),
            ),
            Column("Ordered by", lambda s: s.ordered_by.full_name if s.ordered_by else "IT staff"),
            Column("Quantity", lambda s: s.quantity),
            Column("Ordered on", lambda s: timezone.localdate(s.created_at)),
            Column(
                "Waiting",
                lambda s: _days(today - timezone.localdate(s.created_at)),
                badge=lambda s: "warning" if (today - timezone.localdate(s.created_at)).days >= 3 else None,
            ),
        ],
        filename="orders-waiting",
        nav="services",
        empty="No order waits for you. Orders the business places for your units appear here.",
    )


def _days(delta: datetime.timedelta) -> str:
    return "today" if delta.days == 0 else f"{delta.days} day{'s' if delta.days != 1 else ''}"


# --- Editing the catalogue and agreements ----------------------------------------------


def _save_or_show(request, form, save, *, saved_message, redirect_to, title, cancel_url):
    """The form page of every catalogue edit: the service applies the rules, and a broken
    rule shows its message next to its field."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.instance)
        except DomainError as error:
            form_error_from(form, error)
        else:
            messages.success(request, saved_message(obj))
            return redirect(redirect_to(obj))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "relationships/form.html",
        {"form": form, "title": title, "cancel_url": cancel_url, "nav": "services"},
        status=status,
    )


@staff_required
def service_edit(request, pk=None):
    service = get_object_or_404(Service, pk=pk) if pk else None
    form = ServiceForm(request.POST or None, instance=service)
    return _save_or_show(
        request,
        form,
        lambda obj: service_save(service=obj, by=request.user),
        saved_message=lambda obj: f"Service “{obj.name}” saved.",
        redirect_to=lambda obj: reverse("services:service-detail", args=[obj.pk]),
        title=f"Edit {service.name}" if service else "New service",
        cancel_url=reverse("services:service-detail", args=[pk]) if pk else reverse("services:service-list"),
    )


@staff_required
def target_edit(request, service_pk, pk=None):
    service = get_object_or_404(Service, pk=service_pk)
    target = (
        get_object_or_404(ServiceLevelTarget, pk=pk, service=service)
        if pk
        else ServiceLevelTarget(service=service)
    )
    form = TargetForm(request.POST or None, instance=target)
    return _save_or_show(
        request,
        form,
        lambda obj: target_save(target=obj, by=request.user),
        saved_message=lambda obj: f"Target “{obj.name}” of {service.name} saved.",
        redirect_to=lambda obj: reverse("services:service-detail", args=[service.pk]),
        title=f"Edit target {target.name}" if pk else f"New target for {service.name}",
        cancel_url=reverse("services:service-detail", args=[service.pk]),
    )


@staff_required
def agreement_edit(request, pk=None):
    agreement = get_object_or_404(Agreement, pk=pk) if pk else None
    units = BusinessUnit.objects.editable_by(request.user).filter(is_active=True).order_by("name")
    form = AgreementForm(
        request.POST or None, instance=agreement, units=units, initial={"unit": request.GET.get("unit")}
    )
    return _save_or_show(
        request,
        form,
        lambda obj: agreement_save(agreement=obj, by=request.user),
        saved_message=lambda obj: f"Agreement {obj.reference} saved.",
        redirect_to=lambda obj: reverse("services:agreement-detail", args=[obj.pk]),
        title=f"Edit {agreement.reference}" if agreement else "New agreement",
        cancel_url=reverse("services:agreement-detail", args=[pk])
        if pk
        else reverse("services:agreement-list"),
    )
