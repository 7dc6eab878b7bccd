"""Importing spreadsheets (CSV or Excel) into the portal, with a preview.

An importer reads every line, checks it against what is in the database and against the
lines before it, and says per line what it would do: create, update, leave unchanged, or
reject and why. `run(..., commit=False)` is the preview and writes nothing; with
`commit=True` it writes in one transaction, and only if no line is rejected, unless
`skip_invalid=True` asks for the valid lines alone. Importing the same file again finds
every line unchanged.

The export of an importable list writes the import's own columns (`Importer.export_line`,
core/exporting.py `export_for_import`), so a file exported from the portal imports back
unchanged, and an edited cell shows as one change in the preview.
"""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field

import tablib
from django.conf import settings
from django.db import transaction

from core.domain import DomainError
from core.exporting import FORMULA_STARTS

MAX_LINES = 50_000
# Each row read keeps its line number under this key (blank lines are skipped, not renumbered).
LINE = "_line"
# An .xlsx is a zip archive: refuse one that would unpack to more than this (a "zip bomb"
# of a few kilobytes can unpack to gigabytes). The sizes its directory declares bound what
# Python's zipfile will inflate, so checking them is enough.
MAX_XLSX_UNPACKED_BYTES = 100 * 1024 * 1024


class ImportFileError(DomainError):
    """The file as a whole cannot be read: wrong format, encoding or columns."""


@dataclass
class LineResult:
    line: int  # as the person sees it in a spreadsheet: the header is line 1
    action: str  # "create", "update", "unchanged" or "error"
    label: str
    errors: list[str] = field(default_factory=list)
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ImportReport:
    kind: str
    lines: list[LineResult]
    committed: bool = False
    # Columns of the file that an export adds for reading (a unit's health): left aside.
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        for line in self.lines:
            counts[line.action] += 1
        return counts

    @property
    def errors(self) -> list[LineResult]:
        return [line for line in self.lines if line.action == "error"]

    @property
    def is_valid(self) -> bool:
        return not self.errors


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file (a Django UploadedFile), refused when too large."""
    limit = settings.BRM_IMPORT_MAX_MEGABYTES * 1024 * 1024
    if upload.size > limit:
        raise ImportFileError(
            f"The file is {upload.size / 1024 / 1024:.1f} MB; import at most "
            f"{settings.BRM_IMPORT_MAX_MEGABYTES} MB at a time (split it into several files)."
        )
    if not upload.size:
        raise ImportFileError("The file is empty.")
    return upload.read()


def _unescaped(value: str) -> str:
    """A cell as the person meant it: the export writes '+31 20 … (a quote before what a
    spreadsheet would run as a formula); that quote is not part of the value."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value


def _workbook_cell(value) -> str:
    """An Excel cell as the text the CSV file would hold: a date without its midnight."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    return str(value).strip()


def read_rows(
    *,
    content: bytes,
    filename: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    read_only: tuple[str, ...] = (),
):
    """Rows of a CSV or Excel file as dicts keyed by lower-case column names, each with its
    line number under LINE. `read_only` columns (what an export adds for reading) are
    accepted; the importers never read them."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        _check_workbook_size(content)
        try:
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise ImportFileError("This is not an Excel workbook (.xlsx) that can be read.") from exc
        header = [str(h or "").strip().lower() for h in dataset.headers or []]
        rows = [
            (number, [_unescaped(_workbook_cell(value)) for value in row])
            for number, row in enumerate(dataset, start=2)
        ]
    elif name.endswith(".csv") or name.endswith(".txt"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                "The file is not UTF-8 text. In Excel choose 'Save as: CSV UTF-8', then try again."
            ) from exc
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(io.StringIO(text), dialect)
        try:
            # Numbered as a spreadsheet shows them: one row per record, blank ones included.
            all_rows = [
                (number, [_unescaped(value.strip()) for value in row])
                for number, row in enumerate(reader, start=1)
                if any(v.strip() for v in row)
            ]
        except csv.Error as exc:  # a runaway quote or a cell beyond the csv module's limit
            raise ImportFileError(f"The file is not a CSV file that can be read: {exc}.") from exc
        if not all_rows:
            raise ImportFileError("The file is empty.")
        header, rows = [h.lower() for h in all_rows[0][1]], all_rows[1:]
    else:
        raise ImportFileError("Upload a .csv or .xlsx file.")
    duplicated = sorted({column for column in header if column and header.count(column) > 1})
    if duplicated:
        raise ImportFileError(
            f"Column{'s' if len(duplicated) > 1 else ''} twice in the header: {', '.join(duplicated)}."
        )
    missing = [column for column in required if column not in header]
    if missing:
        raise ImportFileError(
            f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
            f"Expected columns: {', '.join(columns)}."
        )
    unknown = [column for column in header if column and column not in (*columns, *read_only)]
    if unknown:
        raise ImportFileError(f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}.")
    rows = [(number, row) for number, row in rows if any(row)]
    if not rows:
        raise ImportFileError("The file has a header but no lines to import.")
    if len(rows) > MAX_LINES:
        raise ImportFileError(f"The file has {len(rows)} lines; import at most {MAX_LINES} at a time.")
    return [
        {**dict(zip(header, row + [""] * (len(header) - len(row)), strict=False)), LINE: number}
        for number, row in rows
    ]


def numbered(rows: list[dict]):
    """(line number as the spreadsheet shows it, row) for each row read by read_rows."""
    return ((row[LINE], row) for row in rows)


def _check_workbook_size(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError("This is not an Excel workbook (.xlsx) that can be read.") from exc
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise ImportFileError("This workbook unpacks to more than 100 MB; split it into smaller files.")


def changes_between(obj, values: dict) -> dict[str, tuple[str, str]]:
    """What importing `values` onto `obj` would change: {field: (old, new)}, as text."""
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = ("" if old is None else str(old), "" if new is None else str(new))
    return changes


# The templates are the header alone: a line under it is always the person's own data, so
# a template filled in and imported never brings along an example record (the example of
# each kind is shown on the import page instead).


def template_csv(columns: tuple[str, ...]) -> str:
    """The header line: the template offered for download."""
    out = io.StringIO()
    csv.writer(out).writerow(columns)
    return out.getvalue()


def template_xlsx(columns: tuple[str, ...], *, title: str) -> bytes:
    """The same template as an Excel workbook."""
    return tablib.Dataset(headers=list(columns), title=title[:31]).export("xlsx")


class Importer:
    """Base of the importers: subclasses set `kind`, `columns`, `required` and implement
    `plan(rows)` (returns LineResults plus the writes to make) and `apply(writes)`."""

    do_not_call_in_templates = True  # templates show the class's title and columns

    kind = ""
    title = ""  # what the person picks: "Contacts"
    description = ""  # one sentence on what a line is and who may import it
    columns: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    # Columns an export adds for people to read (a unit's health); the import leaves them aside.
    read_only_columns: tuple[str, ...] = ()
    # A line as a person would fill it in, shown on the import page (never in the template).
    example: dict[str, str] = {}

    def __init__(self, *, by):
        self.by = by

    @classmethod
    def allowed_for(cls, user) -> bool:
        """Who may import this kind at all; each line is still checked by the domain's rules.
        Every importer says (customers.imports.PortfolioImporter: staff with units to change)."""
        raise NotImplementedError

    def plan(self, rows: list[dict]) -> tuple[list[LineResult], list]:
        raise NotImplementedError

    def apply(self, writes: list) -> None:
        raise NotImplementedError

    @classmethod
    def export_line(cls, obj) -> dict:
        """One object as a line of the file: a value per column of `columns`, written as
        the import reads it (codes, usernames, choice values, yes/no)."""
        raise NotImplementedError

    @classmethod
    def export_lines(cls, obj) -> Iterable[dict]:
        """The lines of one object (a service: one per target)."""
        return [cls.export_line(obj)]

    @classmethod
    def exportable(cls, user):
        """What the import page's "current data" download holds for `user`."""
        raise NotImplementedError

    @classmethod
    def _read(cls, *, content: bytes, filename: str) -> list[dict]:
        return read_rows(
            content=content,
            filename=filename,
            columns=cls.columns,
            required=cls.required,
            read_only=cls.read_only_columns,
        )

    def run(self, *, content: bytes, filename: str, commit: bool, skip_invalid: bool = False) -> ImportReport:
        rows = self._read(content=content, filename=filename)
        lines, writes = self.plan(rows)
        report = ImportReport(
            kind=self.kind,
            lines=lines,
            ignored_columns=[column for column in self.read_only_columns if column in rows[0]],
        )
        if commit and (report.is_valid or skip_invalid):
            valid_lines = {line.line for line in lines if line.action in ("create", "update")}
            with transaction.atomic():
                self.apply([write for write in writes if write[0] in valid_lines])
            report.committed = True
        return report

    @classmethod
    def template(cls) -> str:
        return template_csv(cls.columns)

    @classmethod
    def template_workbook(cls) -> bytes:
        return template_xlsx(cls.columns, title=cls.kind)

    @classmethod
    def example_line(cls) -> list[tuple[str, str]]:
        """(column, example value) for every column, for the import page."""
        return [(column, cls.example.get(column, "")) for column in cls.columns]

    @classmethod
    def check_file(cls, *, content: bytes, filename: str) -> int:
        """Reads the file as the import would, without planning: its number of lines, or an
        ImportFileError saying why it cannot be read."""
        return len(cls._read(content=content, filename=filename))


# Every importer by its kind, in the order a new installation fills the portal: each domain
# app registers its own at start-up (AppConfig.ready), in the order of INSTALLED_APPS.
_IMPORTERS: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    _IMPORTERS[importer.kind] = importer
    return importer


def importers() -> dict[str, type[Importer]]:
    return dict(_IMPORTERS)


def importers_for(user) -> dict[str, type[Importer]]:
    """The importers `user` may use, in the same order."""
    return {kind: importer for kind, importer in importers().items() if importer.allowed_for(user)}
