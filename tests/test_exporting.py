import datetime
import io

import openpyxl

from core.exporting import export_rows

COLUMNS = [("Name", lambda r: r["name"]), ("When", lambda r: r["when"]), ("Active", lambda r: r["active"])]
ROWS = [
    {"name": "Ünit Ä", "when": datetime.date(2026, 11, 1), "active": True},
    {"name": '=HYPERLINK("http://evil")', "when": None, "active": False},
]


def test_csv_export_is_excel_friendly_and_defuses_formulas():
    response = export_rows(rows=ROWS, columns=COLUMNS, export_format="csv", filename="units")
    text = response.content.decode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="units-')
    assert text.startswith("\ufeffName,When,Active")
    assert "Ünit Ä,2026-11-01,yes" in text
    assert "'=HYPERLINK" in text


def test_excel_export_opens_as_a_workbook():
    response = export_rows(rows=ROWS, columns=COLUMNS, export_format="xlsx", filename="units")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == ["Name", "When", "Active"]
    assert sheet["A2"].value == "Ünit Ä"
    assert sheet["A3"].value.startswith("'=")


def test_an_unknown_format_falls_back_to_csv():
    response = export_rows(rows=[], columns=COLUMNS, export_format="pdf", filename="x")
    assert response["Content-Type"].startswith("text/csv")
