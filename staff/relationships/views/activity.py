"""Interactions (the quick-log of the unit page among them) and follow-up actions."""

from django import forms
from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.domain import DomainError, DomainPermissionError
from core.history import history_section
from customers.models import BusinessUnit
from customers.selectors import unit_is_editable_by
from relationships import selectors, services
from relationships.models import Escalation, FollowUpAction, Interaction
from staff.common import (
    Column,
    _editable_units,
    form_error_from,
    list_page,
    next_url,
    staff_required,
)
from staff.relationships.forms import ActionForm, InteractionForm

# --- Interactions ---------------------------------------------------------------------------


def _unit_or_404(pk):
    return get_object_or_404(BusinessUnit, pk=pk)


class InteractionFilter(forms.Form):
    q = forms.CharField(required=False, label="Search subject or notes")
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Interaction.Kind.choices], required=False)
    mine = forms.BooleanField(required=False, label="My portfolio")


@staff_required
def interaction_list(request):
    form = InteractionFilter(request.GET or None)
    interactions = (
        Interaction.objects.visible_to(request.user)
        .select_related("unit", "created_by")
        .order_by("-occurred_at")
    )
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            interactions = interactions.filter(Q(subject__icontains=q) | Q(notes__icontains=q))
        if form.cleaned_data["kind"]:
            interactions = interactions.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["mine"]:
            interactions = interactions.filter(unit__relationship_manager=request.user)
    return list_page(
        request,
        title="Interactions",
        lead="Meetings, calls, reviews and workshops with the business.",
        queryset=interactions,
        columns=[
            # A datetime: the page shows it as people read dates, the export as ISO.
            Column("When", lambda i: i.occurred_at),
            Column("Kind", lambda i: i.get_kind_display()),
            Column(
                "Subject",
                lambda i: i.subject,
                link=lambda i: reverse("relationships:interaction-detail", args=[i.pk]),
            ),
            Column(
                "Unit",
                lambda i: i.unit.name,
                link=lambda i: reverse("customers:unit-detail", args=[i.unit_id]),
            ),
            Column(
                "Sentiment",
                lambda i: i.get_sentiment_display(),
                badge=lambda i: {"positive": "success", "negative": "danger"}.get(i.sentiment, "light"),
            ),
            Column("Shared", lambda i: "yes" if i.is_shared_with_business else "no"),
            Column("Logged by", lambda i: i.created_by.get_full_name() if i.created_by else ""),
        ],
        filter_form=form,
        filename="interactions",
        nav="activity",
        empty="No interactions match. Log one from a unit's page: it takes a few seconds.",
    )


@staff_required
def interaction_detail(request, pk):
    interaction = get_object_or_404(
        Interaction.objects.visible_to(request.user)
        .select_related("unit", "agreement", "created_by")
        .prefetch_related(
            "contacts", "staff", Prefetch("actions", queryset=FollowUpAction.objects.select_related("owner"))
        ),
        pk=pk,
    )
    return render(
        request,
        "relationships/interaction_detail.html",
        {
            "interaction": interaction,
            "editable": unit_is_editable_by(user=request.user, unit=interaction.unit),
            "nav": "activity",
        },
    )


@staff_required
def interaction_edit(request, pk):
    """Correct a logged interaction (its follow-up actions are tracked on their own)."""
    interaction = get_object_or_404(
        Interaction.objects.visible_to(request.user).select_related("unit"), pk=pk
    )
    unit = interaction.unit
    if not unit_is_editable_by(user=request.user, unit=unit):
        messages.error(
            request, f"{unit.name} is not in your portfolio: its interactions are read-only for you."
        )
        return redirect("relationships:interaction-detail", interaction.pk)
    initial = {
        "kind": interaction.kind,
        "subject": interaction.subject,
        "occurred_at": interaction.occurred_at,  # shown to the minute; kept as stored if unchanged
        "sentiment": interaction.sentiment,
        "notes": interaction.notes,
        "is_shared_with_business": interaction.is_shared_with_business,
        "contacts": list(interaction.contacts.values_list("pk", flat=True)),
    }
    form = InteractionForm(
        request.POST or None, unit=unit, user=request.user, initial=initial, with_actions=False
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.interaction_update(
                interaction=interaction,
                by=request.user,
                kind=data["kind"],
                subject=data["subject"],
                occurred_at=data["occurred_at"],
                notes=data["notes"],
                sentiment=data["sentiment"],
                is_shared_with_business=data["is_shared_with_business"],
                contacts=list(data["contacts"]),
            )
        except DomainError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"“{interaction.subject}” saved.")
            return redirect("relationships:interaction-detail", interaction.pk)
    return render(
        request,
        "relationships/form.html",
        {
            "form": form,
            "title": f"Edit “{interaction.subject}”",
            "nav": "activity",
            "cancel_url": reverse("relationships:interaction-detail", args=[interaction.pk]),
        },
    )


@staff_required
def interaction_log(request, unit_pk):
    """The quick-log form of the unit page. With htmx it swaps itself and refreshes the
    timeline; without, it is an ordinary page."""
    unit = _unit_or_404(unit_pk)
    editable = unit_is_editable_by(user=request.user, unit=unit)
    htmx = request.headers.get("HX-Request") == "true"
    if request.method == "POST" and editable:
        form = InteractionForm(request.POST, unit=unit, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                interaction = services.interaction_log(
                    unit=unit,
                    by=request.user,
                    kind=data["kind"],
                    subject=data["subject"],
                    occurred_at=data["occurred_at"],
                    notes=data["notes"],
                    sentiment=data["sentiment"],
                    is_shared_with_business=data["is_shared_with_business"],
                    contacts=list(data["contacts"]),
                    actions=data["actions"],
                )
            except DomainError as error:
                form_error_from(form, error)
            else:
                text = f"Logged “{interaction.subject}”"
                if data["actions"]:
                    n = len(data["actions"])
                    text += f" with {n} follow-up action{'s' if n != 1 else ''}"
                if not htmx:
                    messages.success(request, text + ".")
                    return redirect("customers:unit-detail", unit.pk)
                return render(
                    request,
                    "relationships/_quick_log.html",
                    {
                        "unit": unit,
                        "form": InteractionForm(unit=unit, user=request.user),
                        "editable": True,
                        "logged": text + ".",
                        "interactions": selectors.unit_timeline(unit=unit),
                        "oob": True,
                    },
                )
    else:
        form = InteractionForm(unit=unit, user=request.user)
    template = "relationships/_quick_log.html" if htmx else "relationships/interaction_form.html"
    return render(request, template, {"unit": unit, "form": form, "editable": editable, "nav": "activity"})


# --- Follow-up actions --------------------------------------------------------------------


class ActionFilter(forms.Form):
    q = forms.CharField(required=False, label="Search")
    status = forms.ChoiceField(
        choices=[("", "Open"), ("all", "Any status"), *FollowUpAction.Status.choices], required=False
    )
    mine = forms.BooleanField(required=False, label="Mine only")
    overdue = forms.BooleanField(required=False, label="Overdue only")


@staff_required
def action_list(request):
    form = ActionFilter(request.GET or None)
    actions = (
        FollowUpAction.objects.visible_to(request.user)
        .select_related("unit", "owner")
        .order_by("due_on", "pk")
    )
    status = ""
    if form.is_valid():
        status = form.cleaned_data["status"]
        if form.cleaned_data["q"]:
            actions = actions.filter(title__icontains=form.cleaned_data["q"])
        if form.cleaned_data["mine"]:
            actions = actions.filter(owner=request.user)
        if form.cleaned_data["overdue"]:
            actions = actions.overdue(timezone.localdate())
    if status == "":
        actions = actions.open()
    elif status != "all":
        actions = actions.filter(status=status)
    today = timezone.localdate()
    return list_page(
        request,
        title="Follow-up actions",
        lead="Work that came out of meetings, surveys, escalations and reviews.",
        queryset=actions,
        columns=[
            Column("Action", lambda a: a.title),
            Column(
                "Unit",
                lambda a: a.unit.name,
                link=lambda a: reverse("customers:unit-detail", args=[a.unit_id]),
            ),
            Column("Owner", lambda a: a.owner.get_full_name() or a.owner.username),
            Column(
                "Due",
                lambda a: a.due_on,
                badge=lambda a: (
                    "danger" if a.due_on < today and a.status in FollowUpAction.OPEN_STATUSES else None
                ),
            ),
            Column("Status", lambda a: a.get_status_display()),
        ],
        filter_form=form,
        filename="actions",
        nav="activity",
        empty="No follow-up actions match. Actions are added when you log an interaction.",
        template="relationships/action_list.html",
        extra={"today": today},
    )


def _undo_tag(action: FollowUpAction) -> str:
    """A message that offers Undo carries the address the Undo button posts to
    (templates/base.html renders the button)."""
    return "undo:" + reverse("relationships:action-reopen", args=[action.pk])


@staff_required
def action_detail(request, pk):
    """One action: what it came from, who owns it, when it is due, its history, and the
    buttons to change it for whoever may."""
    action = get_object_or_404(selectors.action_list_with_source().visible_to(request.user), pk=pk)
    return render(
        request,
        "relationships/action_detail.html",
        {
            "action": action,
            "changeable": services.action_is_changeable_by(user=request.user, action=action),
            "today": timezone.localdate(),
            "history": history_section(action, viewer=request.user),
            "nav": "activity",
        },
    )


def _action_row(request, action, **extra):
    """The action list's row, swapped in by htmx after a change."""
    return render(
        request,
        "relationships/_action_row.html",
        {"action": action, "today": timezone.localdate(), **extra},
    )


@staff_required
@require_POST
def action_status(request, pk):
    """Move an action along. *Done* takes one click; the answer offers Undo."""
    action = get_object_or_404(
        FollowUpAction.objects.visible_to(request.user).select_related("unit", "owner"), pk=pk
    )
    htmx = request.headers.get("HX-Request") == "true"
    try:
        services.action_set_status(action=action, by=request.user, status=request.POST.get("status", ""))
    except DomainError as error:
        if htmx:
            return _action_row(request, action, error=error.message)
        messages.error(request, error.message)
    else:
        done = action.status == FollowUpAction.Status.DONE
        if htmx:
            return _action_row(request, action, undo=done)
        messages.success(
            request,
            f"“{action.title}” is now {action.get_status_display().lower()}.",
            extra_tags=_undo_tag(action) if done else "",
        )
    return redirect(next_url(request, reverse("relationships:action-list")))


@staff_required
@require_POST
def action_reopen(request, pk):
    """The Undo of *Done*, and the reopening of a done or cancelled action."""
    action = get_object_or_404(
        FollowUpAction.objects.visible_to(request.user).select_related("unit", "owner"), pk=pk
    )
    htmx = request.headers.get("HX-Request") == "true"
    try:
        services.action_reopen(action=action, by=request.user)
    except DomainError as error:
        if htmx:
            return _action_row(request, action, error=error.message)
        messages.error(request, error.message)
    else:
        if htmx:
            return _action_row(request, action)
        messages.success(request, f"“{action.title}” is {action.get_status_display().lower()} again.")
    return redirect(next_url(request, reverse("relationships:action-detail", args=[action.pk])))


def _source_or_404(queryset, pk):
    """What a new action is opened from (?interaction= or ?escalation=): none, or one the
    person sees (404 otherwise)."""
    if not pk:
        return None
    if not str(pk).isdigit():
        raise Http404
    return get_object_or_404(queryset.select_related("unit"), pk=pk)


@staff_required
def action_create(request):
    """A follow-up action for a unit; opened from an interaction or an escalation it is
    linked to it, so meeting notes and complaints become tracked work."""
    units = _editable_units(request.user)
    interaction = _source_or_404(
        Interaction.objects.visible_to(request.user),
        request.POST.get("interaction") or request.GET.get("interaction"),
    )
    escalation = _source_or_404(
        Escalation.objects.all(), request.POST.get("escalation") or request.GET.get("escalation")
    )
    source = interaction or escalation
    initial = {"owner": request.user.pk, "unit": source.unit_id if source else request.GET.get("unit")}
    form = ActionForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # What it comes from goes to the service as given: one of another unit is refused
        # there with its reason, never dropped without a word.
        try:
            action = services.action_create(
                unit=data["unit"],
                by=request.user,
                title=data["title"],
                description=data["description"],
                owner=data["owner"],
                due_on=data["due_on"],
                interaction=interaction,
                escalation=escalation,
            )
        except DomainError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Action “{action.title}” added.")
            if interaction is not None:
                return redirect("relationships:interaction-detail", interaction.pk)
            if escalation is not None:
                return redirect("relationships:escalation-detail", escalation.pk)
            return redirect("customers:unit-detail", action.unit_id)
    lead, hidden = "", {}
    if interaction:
        lead, hidden = f"Agreed in “{interaction.subject}”.", {"interaction": interaction.pk}
    elif escalation:
        lead, hidden = f"To settle the escalation “{escalation.subject}”.", {"escalation": escalation.pk}
    return render(
        request,
        "relationships/form.html",
        {"form": form, "title": "New follow-up action", "lead": lead, "hidden": hidden, "nav": "activity"},
    )


@staff_required
def action_edit(request, pk):
    action = get_object_or_404(
        FollowUpAction.objects.visible_to(request.user).select_related("unit", "owner"), pk=pk
    )
    form = ActionForm(
        request.POST or None,
        instance=action,
        units=BusinessUnit.objects.filter(pk=action.unit_id),
    )
    form.fields["unit"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_update(
                action=FollowUpAction.objects.select_related("unit").get(pk=action.pk),
                by=request.user,
                title=data["title"],
                owner=data["owner"],
                due_on=data["due_on"],
                description=data["description"],
            )
        except DomainPermissionError as error:
            messages.error(request, error.message)
            return redirect("relationships:action-detail", action.pk)
        except DomainError as error:
            form_error_from(form, error)
        else:
            messages.success(request, f"Action “{data['title']}” saved.")
            return redirect(next_url(request, reverse("relationships:action-detail", args=[action.pk])))
    return render(
        request,
        "relationships/form.html",
        {
            "form": form,
            "title": f"Edit “{action.title}”",
            "nav": "activity",
            "cancel_url": reverse("relationships:action-detail", args=[action.pk]),
            "history": history_section(action, viewer=request.user),
        },
    )
