"""Staff pages of the business side: units (list, 360° page, create, edit), contacts and
objectives. The unit page's quick-log form posts to relationships:interaction-log.

Views parse input, check access, call one selector or service and render. Every write goes
through customers.services or relationships.services, so the messages are the API's.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from core.domain import DomainError
from core.exporting import export_for_import
from core.history import history_section
from customers import services
from customers.imports import ContactImporter, UnitImporter
from customers.models import BusinessObjective, BusinessUnit, Contact
from customers.selectors import unit_is_editable_by
from relationships import selectors as relationship_selectors
from relationships.health import health_scores
from services.attainment import BAND_COLOURS, attainment_band, attainment_legend, attainment_percent
from staff.common import form_error_from, staff_required
from staff.customers.forms import ContactFilter, ContactForm, ObjectiveForm, UnitFilter, UnitForm
from staff.relationships.forms import InteractionForm

PAGE_SIZE = 25


def _export_format(request) -> str | None:
    """csv or xlsx when ?export= asks for the whole filtered list as a spreadsheet."""
    export_format = request.GET.get("export")
    return export_format if export_format in ("csv", "xlsx") else None


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return query.urlencode()


# --- Units ---------------------------------------------------------------------------------


@staff_required
def unit_list(request):
    """Every unit (staff see them all), with the health of the ones on the page.
    Queries: session, user, units count, units page, health scores (+ groups for 'mine')."""
    data = request.GET.copy()
    if "is_active" not in data:
        data["is_active"] = "true"
    units = (
        BusinessUnit.objects.visible_to(request.user)
        .select_related("parent", "relationship_manager")
        .annotate(contact_count=Count("contacts", filter=Q(contacts__is_active=True)))
        .order_by("path")
    )
    if request.GET.get("mine"):
        units = units.managed_by(request.user)
    unit_filter = UnitFilter(data, queryset=units)
    if export_format := _export_format(request):
        # The import's columns, so the file imports back as is; then, for reading, the
        # health of every exported unit (a few more queries, whatever the count).
        scores = health_scores(unit_filter.qs)
        return export_for_import(
            importer=UnitImporter,
            objects=unit_filter.qs,
            export_format=export_format,
            filename="units",
            read_only={
                "contacts": lambda u: u.contact_count,
                "health": lambda u: scores[u.pk].score if u.pk in scores else None,
                "health_band": lambda u: scores[u.pk].band if u.pk in scores else "",
                "health_reasons": lambda u: " ".join(scores[u.pk].reasons) if u.pk in scores else "",
            },
        )
    page = Paginator(unit_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    scores = health_scores(page.object_list)
    rows = [(unit, scores.get(unit.pk)) for unit in page.object_list]
    return render(
        request,
        "customers/unit_list.html",
        {
            "filter": unit_filter,
            "page": page,
            "rows": rows,
            "query_string": _query_without_page(request),
            "mine": bool(request.GET.get("mine")),
            # Unfiltered, the list is the tree in order: indent each unit by its depth.
            "as_tree": not any(
                request.GET.get(key) for key in ("q", "kind", "relationship_manager", "has_budget", "mine")
            ),
            "nav": "units",
        },
    )


def _unit_or_404(request, pk) -> BusinessUnit:
    return get_object_or_404(
        BusinessUnit.objects.visible_to(request.user).select_related("parent", "relationship_manager"), pk=pk
    )


@staff_required
def unit_detail(request, pk):
    """The 360° view. A constant number of queries, whatever the size of the subtree."""
    unit = _unit_or_404(request, pk)
    editable = unit_is_editable_by(user=request.user, unit=unit)
    overview = relationship_selectors.unit_overview(unit=unit)
    return render(
        request,
        "customers/unit_detail.html",
        {
            "o": overview,
            "unit": unit,
            "editable": editable,
            "attainment_chart": _attainment_chart(overview),
            "attainment_legend": attainment_legend(),
            "history": history_section(unit, viewer=request.user),
            "form": InteractionForm(unit=unit, user=request.user) if editable else None,
            "nav": "units",
        },
    )


@staff_required
def unit_print(request, pk):
    """The unit's relationship file on paper (or PDF): the 360° view for a service review
    meeting. `?copy=business` leaves out what is not shared with the business."""
    unit = _unit_or_404(request, pk)
    business_copy = request.GET.get("copy") == "business"
    context = relationship_selectors.unit_relationship_file(unit=unit, business_copy=business_copy)
    return render(request, "customers/unit_print.html", {**context, "unit": unit, "nav": "units"})


def _attainment_chart(overview) -> dict:
    """Share of all targets met per month, over every subscription on the page; each bar
    coloured by the month's band (services.attainment), so a month with a miss is not green."""
    data, colours = [], []
    for month in overview.months:
        cells = [
            row["months"][month]
            for s in overview.subscriptions
            for row in s.attainment
            if month in row["months"]
        ]
        met = sum(1 for m in cells if m.is_met)
        data.append(attainment_percent(met=met, measured=len(cells)))
        colours.append(BAND_COLOURS.get(attainment_band(met=met, measured=len(cells)), "#dde3ea"))
    return {
        "labels": [month.strftime("%b %Y") for month in overview.months],
        "datasets": [{"label": "Targets met (%)", "data": data, "colours": colours}],
    }


def _unit_save_from_form(request, form, *, create: bool) -> BusinessUnit | None:
    save = services.unit_create if create else services.unit_update
    try:
        return save(unit=form.instance, by=request.user)
    except ValidationError as error:
        form.add_error(None, error)
    except DomainError as error:
        form_error_from(form, error)
    return None


@staff_required
def unit_edit(request, pk=None):
    """Create a unit, or edit one of your portfolio (IT management: any unit). Others are
    sent to the unit's page, read-only; what a post may change is customers.services' rule."""
    unit = _unit_or_404(request, pk) if pk else None
    if (
        unit is not None
        and request.method != "POST"
        and not unit_is_editable_by(user=request.user, unit=unit)
    ):
        messages.warning(request, f"{unit.name} is not in your portfolio: you can read it, not change it.")
        return redirect("customers:unit-detail", unit.pk)
    if request.method == "POST":
        form = UnitForm(request.POST, instance=unit)
        if form.is_valid():
            if unit is None and not form.instance.relationship_manager_id:
                form.instance.relationship_manager = request.user
            saved = _unit_save_from_form(request, form, create=unit is None)
            if saved:
                messages.success(request, f"Saved {saved.name}.")
                return redirect("customers:unit-detail", saved.pk)
    else:
        initial = {}
        if unit is None:
            initial = {"relationship_manager": request.user.pk, "parent": request.GET.get("parent")}
        form = UnitForm(instance=unit, initial=initial)
    return render(
        request,
        "customers/form.html",
        {
            "form": form,
            "title": f"Edit {unit.name}" if unit else "New business unit",
            "cancel_url": reverse("customers:unit-detail", args=[unit.pk])
            if unit
            else reverse("customers:unit-list"),
            "unit": unit,
            "nav": "units",
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Contacts ------------------------------------------------------------------------------


@staff_required
def contact_list(request):
    """Queries: session, user, count, page (contacts with their unit)."""
    contacts = (
        Contact.objects.visible_to(request.user)
        .select_related("unit")
        .order_by("last_name", "first_name", "pk")
    )
    contact_filter = ContactFilter(request.GET, queryset=contacts)
    if export_format := _export_format(request):
        return export_for_import(
            importer=ContactImporter,
            objects=contact_filter.qs,
            export_format=export_format,
            filename="contacts",
            read_only={"unit_name": lambda c: c.unit.name, "portal_login": lambda c: bool(c.user_id)},
        )
    page = Paginator(contact_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/contact_list.html",
        {
            "filter": contact_filter,
            "page": page,
            "query_string": _query_without_page(request),
            "nav": "units",
        },
    )


@staff_required
def contact_detail(request, pk):
    contact = get_object_or_404(
        Contact.objects.visible_to(request.user).select_related("unit", "user"), pk=pk
    )
    interactions = contact.interactions.select_related("unit").order_by("-occurred_at")[:10]
    return render(
        request,
        "customers/contact_detail.html",
        {
            "contact": contact,
            "interactions": interactions,
            "editable": unit_is_editable_by(user=request.user, unit=contact.unit),
            "history": history_section(contact, viewer=request.user),
            "nav": "units",
        },
    )


@staff_required
def contact_edit(request, pk=None):
    contact = (
        get_object_or_404(Contact.objects.visible_to(request.user).select_related("unit"), pk=pk)
        if pk
        else None
    )
    if (
        contact is not None
        and request.method != "POST"
        and not unit_is_editable_by(user=request.user, unit=contact.unit)
    ):
        messages.warning(
            request,
            f"{contact.unit.name} is not in your portfolio: you can read this contact, not change it.",
        )
        return redirect("customers:contact-detail", contact.pk)
    units = BusinessUnit.objects.editable_by(request.user).filter(is_active=True).order_by("path")
    if request.method == "POST":
        form = ContactForm(request.POST, contact=contact, units=units)
        if form.is_valid():
            try:
                saved = services.contact_save(contact=form.contact(), by=request.user)
            except DomainError as error:
                form_error_from(form, error)
            else:
                messages.success(request, f"Saved {saved.full_name}.")
                return redirect("customers:unit-detail", saved.unit_id)
    else:
        form = ContactForm(contact=contact, units=units, initial={"unit": request.GET.get("unit")})
    return render(
        request,
        "customers/form.html",
        {
            "form": form,
            "title": f"Edit {contact.full_name}" if contact else "New contact",
            "cancel_url": reverse("customers:contact-detail", args=[contact.pk])
            if contact
            else reverse("customers:contact-list"),
            "nav": "units",
        },
        status=400 if request.method == "POST" else 200,
    )


# --- Objectives ----------------------------------------------------------------------------


@staff_required
def objective_edit(request, pk=None, unit_pk=None):
    objective = (
        get_object_or_404(BusinessObjective.objects.visible_to(request.user).select_related("unit"), pk=pk)
        if pk
        else None
    )
    unit = objective.unit if objective else _unit_or_404(request, unit_pk)
    if request.method != "POST" and not unit_is_editable_by(user=request.user, unit=unit):
        messages.warning(
            request, f"{unit.name} is not in your portfolio: you can read its objectives, not change them."
        )
        return redirect("customers:unit-detail", unit.pk)
    if request.method == "POST":
        form = ObjectiveForm(request.POST, instance=objective)
        if form.is_valid():
            form.instance.unit = unit
            try:
                saved = services.objective_save(objective=form.instance, by=request.user)
            except DomainError as error:
                form_error_from(form, error)
            else:
                messages.success(request, f"Saved the objective “{saved.title}”.")
                return redirect("customers:unit-detail", unit.pk)
    else:
        form = ObjectiveForm(instance=objective)
    return render(
        request,
        "customers/form.html",
        {
            "form": form,
            "title": f"Objective of {unit.name}",
            "cancel_url": reverse("customers:unit-detail", args=[unit.pk]),
            "nav": "units",
        },
        status=400 if request.method == "POST" else 200,
    )
