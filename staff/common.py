"""Shared pieces of the staff pages: access, form errors from the services, safe
redirects, and lists whose columns serve both the table and the export."""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from core.exporting import export_rows
from core.forms import form_error_from  # noqa: F401 - the staff pages take their helpers from here
from customers.models import BusinessUnit

PAGE_SIZE = 25
DUE_SOON = datetime.timedelta(hours=4)


def staff_required(view):
    """Only IT staff reach the workspace; a business contact is sent to the portal."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            return redirect("portal:home")
        return view(request, *args, **kwargs)

    return wrapped


def next_url(request, default: str) -> str:
    """Where to go back to after a POST: the page it came from when that is on this site."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


# --- Lists: one definition of columns serves the table and the CSV export --------------


def autosubmit(form):
    """Filter choices apply as soon as they change (static/js/brm.js); text waits for Enter."""
    if form is not None:
        for field in form.fields.values():
            if isinstance(field.widget, (forms.Select, forms.CheckboxInput)):
                field.widget.attrs["data-autosubmit"] = ""
    return form


@dataclass
class Column:
    header: str
    value: Callable
    link: Callable | None = None
    badge: Callable | None = None


def list_page(
    request,
    *,
    title: str,
    queryset,
    columns: list[Column],
    filename: str,
    nav: str,
    filter_form=None,
    lead: str = "",
    create_url: str | None = None,
    create_label: str = "",
    empty: str = "Nothing here yet.",
    template: str = "relationships/list.html",
    extra: dict | None = None,
    export: Callable | None = None,
):
    """A filtered, paginated table that also exports to CSV or Excel (?export=csv): its
    columns, or `export(queryset, export_format)` for a list that can be imported (the
    import's columns, brm.exporting.export_for_import)."""
    export_format = request.GET.get("export")
    if export_format in ("csv", "xlsx") and export is not None:
        return export(queryset, export_format)
    if export_format in ("csv", "xlsx"):
        return export_rows(
            # Streamed in chunks (prefetches included, per chunk): a long list is not held at once.
            rows=queryset.iterator(chunk_size=2000),
            columns=[(column.header, column.value) for column in columns],
            export_format=export_format,
            filename=filename,
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        [
            {
                "text": column.value(obj),
                "link": column.link(obj) if column.link else None,
                "badge": column.badge(obj) if column.badge else None,
            }
            for column in columns
        ]
        for obj in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    context = {
        "title": title,
        "lead": lead,
        "nav": nav,
        "columns": columns,
        "rows": rows,
        "page": page,
        "filter_form": autosubmit(filter_form),
        "query_string": query.urlencode(),
        "create_url": create_url,
        "create_label": create_label,
        "empty": empty,
        **(extra or {}),
    }
    return render(request, template, context)


def _editable_units(user):
    return BusinessUnit.objects.editable_by(user).filter(is_active=True).order_by("name")


class UnitScopeFilter(forms.Form):
    q = forms.CharField(required=False, label="Search")
    mine = forms.BooleanField(required=False, label="My portfolio")
