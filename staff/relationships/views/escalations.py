"""Escalations: a board by level with the time left, and the steps of the route."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from core.domain import DomainError
from core.exporting import export_rows
from customers.models import BusinessUnit
from customers.selectors import unit_is_editable_by
from relationships import selectors, services
from relationships.models import Escalation
from staff.common import (
    DUE_SOON,
    UnitScopeFilter,
    autosubmit,
    form_error_from,
    next_url,
    staff_required,
)
from staff.relationships.forms import EscalationRaiseForm, EscalationStepForm

# --- Escalations ---------------------------------------------------------------------------


class EscalationBoardFilter(UnitScopeFilter):
    level = forms.TypedChoiceField(
        choices=[("", "Every level"), *Escalation.Level.choices], coerce=int, empty_value=None, required=False
    )


@staff_required
def escalation_board(request):
    """Open escalations in a column per level; `level` shows one level's column only (what
    waits for IT management, say)."""
    form = EscalationBoardFilter(request.GET or None)
    shown_levels = [level for level, _label in Escalation.Level.choices]
    escalations = (
        Escalation.objects.open()
        .select_related("unit", "unit__relationship_manager", "service", "raised_by_contact")
        .order_by("respond_by")
    )
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            escalations = escalations.filter(Q(subject__icontains=q) | Q(unit__name__icontains=q))
        if form.cleaned_data["mine"]:
            escalations = escalations.filter(unit__relationship_manager=request.user)
        if form.cleaned_data["level"]:
            shown_levels = [form.cleaned_data["level"]]
            escalations = escalations.filter(level__in=shown_levels)
    if request.GET.get("export") in ("csv", "xlsx"):
        return export_rows(
            rows=escalations,
            columns=[
                ("Subject", lambda e: e.subject),
                ("Unit", lambda e: e.unit.name),
                ("Severity", lambda e: e.get_severity_display()),
                ("Level", lambda e: e.get_level_display()),
                ("Status", lambda e: e.get_status_display()),
                ("Raised", lambda e: e.raised_at),
                ("Respond by", lambda e: e.respond_by),
            ],
            export_format=request.GET["export"],
            filename="escalations",
        )
    now = timezone.now()
    levels = {level: [] for level, _label in Escalation.Level.choices}
    for escalation in escalations:
        escalation.overdue = escalation.respond_by < now
        escalation.due_soon = not escalation.overdue and escalation.respond_by - now < DUE_SOON
        escalation.may_respond = services.may_respond_at_level(user=request.user, escalation=escalation)
        levels[escalation.level].append(escalation)
    board = [
        (level, label, levels[level]) for level, label in Escalation.Level.choices if level in shown_levels
    ]
    recently_resolved = list(
        Escalation.objects.filter(status__in=[Escalation.Status.RESOLVED, Escalation.Status.CLOSED])
        .select_related("unit")
        .order_by("-resolved_at")[:5]
    )
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "relationships/escalation_board.html",
        {
            "board": board,
            "filter_form": autosubmit(form),
            "nav": "escalations",
            "now": now,
            "recently_resolved": recently_resolved,
            "query_string": query.urlencode(),
        },
    )


ESCALATION_STEPS = {
    "acknowledge": "acknowledged",
    "escalate": "escalated to the next level",
    "resolve": "resolved",
    "close": "closed",
    "comment": "commented on",
}


def _escalation_step(request, escalation, step: str, note: str):
    if step == "acknowledge":
        return services.escalation_acknowledge(escalation=escalation, by=request.user, note=note)
    if step == "escalate":
        return services.escalation_escalate(escalation=escalation, by=request.user, note=note)
    if step == "resolve":
        return services.escalation_resolve(escalation=escalation, by=request.user, resolution=note)
    if step == "close":
        return services.escalation_close(escalation=escalation, by=request.user, note=note)
    return services.escalation_comment(escalation=escalation, by=request.user, note=note)


@staff_required
def escalation_detail(request, pk):
    escalation = get_object_or_404(
        Escalation.objects.select_related(
            "unit", "unit__relationship_manager", "service", "raised_by_contact", "raised_by_user"
        ),
        pk=pk,
    )
    form = EscalationStepForm(request.POST or None)
    if request.method == "POST":
        step = request.POST.get("step", "")
        if step not in ESCALATION_STEPS:
            messages.error(request, "Unknown step.")
            return redirect("relationships:escalation-detail", escalation.pk)
        if form.is_valid():
            try:
                _escalation_step(request, escalation, step, form.cleaned_data["note"])
            except DomainError as error:
                if error.field in ("note", "resolution"):
                    form.add_error("note", error.message)
                else:
                    messages.error(request, error.message)
                    return redirect("relationships:escalation-detail", escalation.pk)
            else:
                messages.success(request, f"“{escalation.subject}” {ESCALATION_STEPS[step]}.")
                return redirect(
                    next_url(request, reverse("relationships:escalation-detail", args=[escalation.pk]))
                )
    actions = escalation.actions.select_related("owner").order_by("due_on")
    return render(
        request,
        "relationships/escalation_detail.html",
        {
            "escalation": escalation,
            "history_lines": selectors.escalation_history(escalation=escalation, viewer=request.user),
            "actions": actions,
            "editable": unit_is_editable_by(user=request.user, unit=escalation.unit),
            "form": form,
            "may_respond": services.may_respond_at_level(user=request.user, escalation=escalation),
            "is_open": escalation.is_open,
            "now": timezone.now(),
            "nav": "escalations",
        },
    )


@staff_required
def escalation_raise(request):
    # Every unit the person sees; whether they may raise for it is the service's answer.
    units = BusinessUnit.objects.visible_to(request.user).filter(is_active=True).order_by("name")
    form = EscalationRaiseForm(request.POST or None, units=units, initial={"unit": request.GET.get("unit")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            escalation = services.escalation_raise(
                unit=data["unit"],
                by=request.user,
                subject=data["subject"],
                description=data["description"],
                severity=data["severity"],
            )
        except DomainError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Escalation “{escalation.subject}” raised at level 1.")
            return redirect("relationships:escalation-detail", escalation.pk)
    return render(
        request,
        "relationships/form.html",
        {"form": form, "title": "Raise an escalation", "nav": "escalations"},
    )
