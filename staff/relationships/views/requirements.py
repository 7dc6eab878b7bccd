"""Requirements (a pipeline board by status) and opportunities."""

from functools import partial

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.domain import DomainError
from core.exporting import export_rows
from core.history import history_section
from customers.models import BusinessUnit
from customers.selectors import deciding_customer_for, unit_is_editable_by
from relationships import services
from relationships.models import Opportunity, Requirement
from staff.common import (
    Column,
    UnitScopeFilter,
    _editable_units,
    autosubmit,
    form_error_from,
    list_page,
    next_url,
    staff_required,
)
from staff.relationships.forms import OpportunityForm, RequirementForm

# --- Requirements ---------------------------------------------------------------------------

BOARD_STATUSES = [
    Requirement.Status.DRAFT,
    Requirement.Status.SUBMITTED,
    Requirement.Status.APPROVED,
    Requirement.Status.IN_DELIVERY,
    Requirement.Status.DELIVERED,
    Requirement.Status.REJECTED,
]


# The step IT takes next on a card of the board (the business decides in the portal).
NEXT_STEPS = {
    Requirement.Status.DRAFT: ("submit", "Submit for decision"),
    Requirement.Status.APPROVED: ("start", "Start delivery"),
    Requirement.Status.IN_DELIVERY: ("deliver", "Mark delivered"),
}


@staff_required
def requirement_board(request):
    form = UnitScopeFilter(request.GET or None)
    requirements = (
        Requirement.objects.visible_to(request.user)
        .select_related("unit", "service", "prepared_by")
        .order_by("-created_at")
    )
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            requirements = requirements.filter(Q(title__icontains=q) | Q(unit__name__icontains=q))
        if form.cleaned_data["mine"]:
            requirements = requirements.filter(unit__relationship_manager=request.user)
    if request.GET.get("export") in ("csv", "xlsx"):
        return export_rows(
            rows=requirements,
            columns=[
                ("Title", lambda r: r.title),
                ("Unit", lambda r: r.unit.name),
                ("Kind", lambda r: r.get_kind_display()),
                ("Service", lambda r: r.service.name if r.service else ""),
                ("Priority", lambda r: r.get_priority_display()),
                ("Status", lambda r: r.get_status_display()),
                ("Desired by", lambda r: r.desired_by),
                ("Created", lambda r: r.created_at),
            ],
            export_format=request.GET["export"],
            filename="requirements",
        )
    # A board shows the most recent 50 cards per column; the export has them all.
    columns = {status: [] for status in BOARD_STATUSES}
    counts = dict(requirements.order_by().values_list("status").annotate(n=Count("pk")))
    for requirement in requirements[:300]:
        if len(columns[requirement.status]) < 50:
            requirement.next_step = NEXT_STEPS.get(requirement.status)
            columns[requirement.status].append(requirement)
    board = [
        (status, Requirement.Status(status).label, columns[status], counts.get(status, 0))
        for status in BOARD_STATUSES
    ]
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "relationships/requirement_board.html",
        {
            "board": board,
            "filter_form": autosubmit(form),
            "nav": "requirements",
            "query_string": query.urlencode(),
            "editable_ids": set(_editable_units(request.user).values_list("pk", flat=True)),
        },
    )


@staff_required
def requirement_detail(request, pk):
    requirement = get_object_or_404(
        Requirement.objects.visible_to(request.user).select_related(
            "unit", "service", "prepared_by", "decided_by", "created_by"
        ),
        pk=pk,
    )
    editable = unit_is_editable_by(user=request.user, unit=requirement.unit)
    if request.method == "POST":
        step = request.POST.get("step")
        reason = request.POST.get("reason", "")[:5000]
        step_services = {
            "submit": (services.requirement_submit, "submitted to the deciding customer"),
            "start": (services.requirement_start_delivery, "taken into delivery"),
            "deliver": (services.requirement_deliver, "marked delivered"),
            # The business decides; asked here, the service answers who may (never staff).
            "approve": (partial(services.requirement_decide, decision="approve", reason=reason), "approved"),
            "reject": (partial(services.requirement_decide, decision="reject", reason=reason), "rejected"),
        }
        if step not in step_services:
            messages.error(request, "Unknown step.")
        else:
            service, done = step_services[step]
            try:
                service(requirement=requirement, by=request.user)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, f"“{requirement.title}” {done}.")
        return redirect(next_url(request, reverse("relationships:requirement-detail", args=[requirement.pk])))
    return render(
        request,
        "relationships/requirement_detail.html",
        {
            "requirement": requirement,
            "editable": editable,
            "nav": "requirements",
            "deciding": deciding_customer_for(unit=requirement.unit),
            "history": history_section(requirement, viewer=request.user),
        },
    )


@staff_required
def requirement_create(request):
    units = _editable_units(request.user)
    form = RequirementForm(request.POST or None, units=units, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            requirement = services.requirement_prepare(
                unit=data["unit"],
                by=request.user,
                title=data["title"],
                description=data["description"],
                kind=data["kind"],
                service=data["service"],
                priority=data["priority"],
                desired_by=data["desired_by"],
            )
        except DomainError as error:
            form_error_from(form, error)
        else:
            messages.success(
                request, f"Requirement “{requirement.title}” prepared. Submit it when it is complete."
            )
            return redirect("relationships:requirement-detail", requirement.pk)
    return render(
        request, "relationships/form.html", {"form": form, "title": "New requirement", "nav": "requirements"}
    )


@staff_required
def requirement_edit(request, pk):
    requirement = get_object_or_404(
        Requirement.objects.visible_to(request.user).select_related("unit", "service"), pk=pk
    )
    if requirement.status != Requirement.Status.DRAFT or not unit_is_editable_by(
        user=request.user, unit=requirement.unit
    ):
        messages.error(request, "Only a requirement being prepared, in your portfolio, can be changed.")
        return redirect("relationships:requirement-detail", requirement.pk)
    form = RequirementForm(
        request.POST or None, instance=requirement, units=BusinessUnit.objects.filter(pk=requirement.unit_id)
    )
    form.fields["unit"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.requirement_update(
                requirement=Requirement.objects.select_related("unit").get(pk=requirement.pk),
                by=request.user,
                title=data["title"],
                description=data["description"],
                kind=data["kind"],
                service=data["service"],
                priority=data["priority"],
                desired_by=data["desired_by"],
            )
        except DomainError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"“{data['title']}” saved.")
            return redirect("relationships:requirement-detail", requirement.pk)
    return render(
        request,
        "relationships/form.html",
        {
            "form": form,
            "title": f"Edit “{requirement.title}”",
            "nav": "requirements",
            "cancel_url": reverse("relationships:requirement-detail", args=[requirement.pk]),
        },
    )


# --- Opportunities -------------------------------------------------------------------------


class OpportunityFilter(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(choices=[("", "Any status"), *Opportunity.Status.choices], required=False)
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Opportunity.Kind.choices], required=False)


@staff_required
def opportunity_list(request):
    form = OpportunityFilter(request.GET or None)
    opportunities = (
        Opportunity.objects.visible_to(request.user).select_related("unit", "owner").order_by("-created_at")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            opportunities = opportunities.filter(
                Q(title__icontains=data["q"]) | Q(unit__name__icontains=data["q"])
            )
        if data["status"]:
            opportunities = opportunities.filter(status=data["status"])
        if data["kind"]:
            opportunities = opportunities.filter(kind=data["kind"])
    return list_page(
        request,
        title="Opportunities",
        lead="Changes in the business, new technology and efficiencies worth pursuing.",
        queryset=opportunities,
        columns=[
            Column(
                "Opportunity",
                lambda o: o.title,
                link=lambda o: reverse("relationships:opportunity-edit", args=[o.pk]),
            ),
            Column(
                "Unit",
                lambda o: o.unit.name,
                link=lambda o: reverse("customers:unit-detail", args=[o.unit_id]),
            ),
            Column("Kind", lambda o: o.get_kind_display()),
            Column("Status", lambda o: o.get_status_display(), badge=lambda o: "light"),
            Column("Annual value (€)", lambda o: o.estimated_annual_value),
            Column("Owner", lambda o: o.owner.get_full_name() if o.owner else ""),
        ],
        filter_form=form,
        filename="opportunities",
        nav="units",
        create_url=reverse("relationships:opportunity-create"),
        create_label="New opportunity",
        empty="No opportunities match. Note one when the business mentions a change that affects IT.",
    )


@staff_required
def opportunity_edit(request, pk=None):
    opportunity = get_object_or_404(Opportunity.objects.visible_to(request.user), pk=pk) if pk else None
    units = _editable_units(request.user)
    if opportunity and not unit_is_editable_by(user=request.user, unit=opportunity.unit):
        messages.info(
            request, f"{opportunity.unit.name} is not in your portfolio: this opportunity is read-only."
        )
        return render(
            request, "relationships/opportunity_detail.html", {"opportunity": opportunity, "nav": "units"}
        )
    form = OpportunityForm(
        request.POST or None,
        instance=opportunity,
        units=units,
        initial={"unit": request.GET.get("unit"), "owner": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.opportunity_save(opportunity=form.instance, by=request.user)
        except DomainError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Opportunity “{saved.title}” saved.")
            return redirect("customers:unit-detail", saved.unit_id)
    title = f"Edit “{opportunity.title}”" if opportunity else "New opportunity"
    return render(request, "relationships/form.html", {"form": form, "title": title, "nav": "units"})
