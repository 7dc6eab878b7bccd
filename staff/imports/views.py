"""Staff pages to import spreadsheets: pick a kind, upload, preview line by line, confirm.

The upload is read once to check its format, then kept on the server (core/uploads.py);
the preview and the confirmation both re-read that copy. The preview writes nothing; the
confirmation runs the import in one transaction, all lines or only the valid ones.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from core.domain import DomainError, DomainPermissionError
from core.exporting import export_for_import
from core.importing import Importer, ImportFileError, importers, importers_for, read_upload
from core.uploads import pending_upload_delete, pending_upload_get, pending_upload_save
from staff.common import staff_required

# The preview lists this many lines per filter; the counts always cover the whole file.
LINES_SHOWN = 500
ACCEPTED = ".csv,.xlsx,.txt,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILTERS = [
    ("all", "All lines", "list"),
    ("error", "Rejected", "x-octagon"),
    ("create", "New", "plus-circle"),
    ("update", "Changed", "pencil"),
    ("unchanged", "Unchanged", "dash-circle"),
]
# Where to look at what was imported.
AFTERWARDS = {
    "units": "customers:unit-list",
    "contacts": "customers:contact-list",
    "services": "services:service-list",
    "subscriptions": "customers:unit-list",
    "measurements": "customers:unit-list",
}


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What to import", widget=forms.RadioSelect)
    file = forms.FileField(
        label="File",
        help_text="CSV (UTF-8, comma or semicolon separated) or Excel (.xlsx), with a header line.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED}),
    )

    def __init__(self, *args, kinds: dict[str, type[Importer]], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        self.fields["kind"].choices = [(kind, importer.title) for kind, importer in kinds.items()]

    def clean(self):
        data = super().clean()
        importer = self.kinds.get(data.get("kind"))
        upload = data.get("file")
        if importer and upload:
            try:
                data["content"] = read_upload(upload)
                importer.check_file(content=data["content"], filename=upload.name)
            except ImportFileError as error:
                self.add_error("file", error.message)
        return data


def _importer_or_404(request, kind: str) -> type[Importer]:
    importer = importers().get(kind)
    if importer is None:
        raise Http404("No such import.")
    if not importer.allowed_for(request.user):
        raise DomainPermissionError(f"You may not import {importer.title.lower()}.")
    return importer


def _preview_url(kind: str, token: str, **params) -> str:
    return f"{reverse('imports:preview', args=[kind])}?{urlencode({'upload': token, **params})}"


def _refused(request, error: DomainError):
    messages.error(request, error.message)
    return redirect("imports:start")


@staff_required
def import_start(request):
    """Pick what to import and upload the file."""
    kinds = importers_for(request.user)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, kinds=kinds)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            token = pending_upload_save(
                content=form.cleaned_data["content"],
                filename=form.cleaned_data["file"].name,
                kind=kind,
                user=request.user,
            )
            return redirect(_preview_url(kind, token))
    else:
        initial_kind = request.GET.get("kind")
        form = ImportForm(kinds=kinds, initial={"kind": initial_kind if initial_kind in kinds else None})
    return render(
        request,
        "imports/start.html",
        {
            "form": form,
            "kinds": kinds,
            "all_kinds": importers(),
            "max_megabytes": settings.BRM_IMPORT_MAX_MEGABYTES,
            "nav": "imports",
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
def import_template(request, kind: str, file_format: str):
    """An empty file with the right header, as CSV or Excel."""
    importer = importers().get(kind)
    if importer is None or file_format not in ("csv", "xlsx"):
        raise Http404("No such template.")
    if file_format == "xlsx":
        response = HttpResponse(
            importer.template_workbook(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        # A BOM, so Excel opens the template as UTF-8.
        response = HttpResponse("\ufeff" + importer.template(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="brm-{kind}-template.{file_format}"'
    return response


@staff_required
def import_export(request, kind: str, file_format: str):
    """What the portal holds now, in the import's columns: edit it and import it back."""
    importer = importers().get(kind)
    if importer is None or file_format not in ("csv", "xlsx"):
        raise Http404("No such export.")
    if not importer.allowed_for(request.user):
        return _refused(request, DomainPermissionError(f"You may not import {importer.title.lower()}."))
    return export_for_import(
        importer=importer,
        objects=importer.exportable(request.user).iterator(chunk_size=2000),
        export_format=file_format,
        filename=f"brm-{kind}",
    )


def _run(request, kind: str, token: str, *, commit: bool, skip_invalid: bool = False):
    importer = _importer_or_404(request, kind)
    upload = pending_upload_get(token=token, kind=kind, user=request.user)
    report = importer(by=request.user).run(
        content=upload.content, filename=upload.filename, commit=commit, skip_invalid=skip_invalid
    )
    return importer, upload, report


def _context(importer, upload, report, show: str) -> dict:
    counts = report.counts
    lines = report.lines if show == "all" else [line for line in report.lines if line.action == show]
    return {
        "importer": importer,
        "upload": upload,
        "report": report,
        "counts": counts,
        "filters": [
            (key, label, icon, len(report.lines) if key == "all" else counts[key])
            for key, label, icon in FILTERS
        ],
        "show": show,
        "lines": lines[:LINES_SHOWN],
        "hidden_lines": max(0, len(lines) - LINES_SHOWN),
        "valid_changes": counts["create"] + counts["update"],
        "afterwards": reverse(AFTERWARDS[importer.kind]),
        "nav": "imports",
    }


@staff_required
def import_preview(request, kind: str):
    """What each line would do. Writes nothing."""
    show = request.GET.get("show", "all")
    if show not in dict((key, label) for key, label, _ in FILTERS):
        show = "all"
    try:
        importer, upload, report = _run(request, kind, request.GET.get("upload", ""), commit=False)
    except DomainError as error:
        return _refused(request, error)
    return render(request, "imports/preview.html", _context(importer, upload, report, show))


@staff_required
@require_POST
def import_confirm(request, kind: str):
    """Imports the kept file: every line (only when all are valid) or the valid lines."""
    token = request.POST.get("upload", "")
    valid_only = request.POST.get("mode") == "valid"
    try:
        importer, upload, report = _run(request, kind, token, commit=True, skip_invalid=valid_only)
    except DomainError as error:
        return _refused(request, error)
    except IntegrityError:
        # Someone saved the same rows between this import's checks and its writes (the same
        # file confirmed twice at once); the transaction rolled back, so nothing is half-saved.
        messages.error(
            request,
            "These rows were changed at the same moment; nothing was imported. Check the preview again.",
        )
        return redirect(_preview_url(kind, token))
    if not report.committed:
        messages.error(
            request,
            "Nothing was imported: the file has lines with errors. Fix them and upload the file again, "
            "or import only the valid lines.",
        )
        return redirect(_preview_url(kind, token, show="error"))
    pending_upload_delete(token=token)
    return render(request, "imports/result.html", _context(importer, upload, report, "all"))
