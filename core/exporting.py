"""Lists as spreadsheets: one function that turns rows into a CSV or Excel download.

Values that a spreadsheet would run as a formula (starting with =, +, - or @) are
prefixed with a quote, so an exported comment cannot execute in the reader's Excel (the
import takes that quote off again).

The lists that can be imported (units, contacts, services, subscriptions, measurements)
export with `export_for_import`: the import's own columns, so the file imports back as is.
"""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal

import tablib
from django.http import HttpResponse
from django.utils import timezone

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value
    if isinstance(value, (int, float, Decimal, datetime.date)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_rows(
    *, rows: Iterable, columns: list[tuple[str, Callable]], export_format: str, filename: str
) -> HttpResponse:
    """`columns` pairs a header with a function of a row. `export_format` is csv or xlsx
    (anything else falls back to csv)."""
    export_format = export_format if export_format in FORMATS else "csv"
    data = tablib.Dataset(headers=[header for header, _ in columns])
    for row in rows:
        data.append([_cell(value(row)) for _, value in columns])
    body = data.export(export_format)
    if export_format == "csv":
        body = "\ufeff" + body  # a BOM, so Excel reads the file as UTF-8
    response = HttpResponse(body, content_type=FORMATS[export_format])
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.{export_format}"'
    return response


def export_for_import(
    *,
    importer,
    objects: Iterable,
    export_format: str,
    filename: str,
    read_only: dict[str, Callable] | None = None,
) -> HttpResponse:
    """`objects` as the file `importer` (a brm.importing.Importer) reads: its columns, one
    or more lines per object, then the `read_only` columns ({column: function of an
    object}), which must be among the importer's read_only_columns so that the file
    imports back without an unknown column."""
    read_only = read_only or {}
    undeclared = set(read_only) - set(importer.read_only_columns)
    if undeclared:
        raise ValueError(f"{importer.kind} does not declare read-only columns {sorted(undeclared)}.")
    columns = [(column, lambda pair, column=column: pair[1][column]) for column in importer.columns]
    columns += [(column, lambda pair, value=value: value(pair[0])) for column, value in read_only.items()]
    rows = ((obj, line) for obj in objects for line in importer.export_lines(obj))
    return export_rows(rows=rows, columns=columns, export_format=export_format, filename=filename)
