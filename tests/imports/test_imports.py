import io

import pytest
import tablib
from django.core.management import CommandError, call_command

from core.importing import ImportFileError
from customers.imports import ContactImporter, UnitImporter
from customers.models import BusinessUnit, Contact

pytestmark = pytest.mark.django_db

CONTACT_HEADER = "unit,first_name,last_name,email,role,phone,job_title,is_active\n"


def run_contacts(text, by, *, commit=False, skip_invalid=False, filename="contacts.csv"):
    content = text.encode() if isinstance(text, str) else text
    return ContactImporter(by=by).run(
        content=content, filename=filename, commit=commit, skip_invalid=skip_invalid
    )


def test_a_good_contact_file_previews_then_imports_then_changes_nothing(rm, unit_a):
    text = CONTACT_HEADER + (
        "fin-ap,Anna,Berg,anna@acme.example,purchaser,,Buyer,yes\nfin-ap,Bob,Claes,bob@acme.example,stakeholder,,,\n"
    )

    preview = run_contacts(text, rm)
    assert preview.counts == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    assert not Contact.objects.exists()

    done = run_contacts(text, rm, commit=True)
    assert done.committed
    assert set(Contact.objects.values_list("email", "role")) == {
        ("anna@acme.example", "purchaser"),
        ("bob@acme.example", "stakeholder"),
    }

    again = run_contacts(text, rm, commit=True)
    assert again.counts["unchanged"] == 2
    assert Contact.objects.count() == 2


def test_a_changed_line_is_an_update_with_its_changes(rm, unit_a, purchaser_a):
    text = CONTACT_HEADER + "fin-ap,Piet,Purchaser,PIET@acme.example,purchaser,+31 6 1234,Lead,yes\n"
    report = run_contacts(text, rm, commit=True)
    assert report.counts["update"] == 1
    assert report.lines[0].changes["phone"] == ("", "+31 6 1234")
    purchaser_a.refresh_from_db()
    assert purchaser_a.phone == "+31 6 1234"


def test_bad_lines_are_explained_and_nothing_is_saved(rm, unit_a, unit_b, customer_a):
    text = CONTACT_HEADER + (
        "fin-ap,Good,Line,good@acme.example,purchaser,,,\n"
        "nope,No,Unit,x@acme.example,purchaser,,,\n"
        "fin-ap,Bad,Mail,not-an-email,purchaser,,,\n"
        "fin-ap,Odd,Role,odd@acme.example,boss,,,\n"
        "sales-ops,Other,Portfolio,o@acme.example,purchaser,,,\n"
        "fin,Second,Customer,second@acme.example,customer,,,\n"
        "fin-ap,Good,Twice,GOOD@acme.example,purchaser,,,\n"
    )

    report = run_contacts(text, rm, commit=True)

    assert not report.committed
    assert not Contact.objects.filter(email="good@acme.example").exists()
    messages = {line.line: " ".join(line.errors) for line in report.errors}
    assert messages == {
        3: "unit: no unit with code 'nope'.",
        4: "email: 'not-an-email' is not an e-mail address.",
        5: "role: one of customer, purchaser, stakeholder, not 'boss'.",
        6: "unit: Sales Operations is not in your portfolio.",
        7: "role: Finance already has an active customer (Carla Cfo).",
        8: "email: good@acme.example is already on line 2 for this unit.",
    }


def test_only_the_valid_lines_when_asked(rm, unit_a):
    text = (
        CONTACT_HEADER + "fin-ap,Good,Line,good@acme.example,purchaser,,,\nnope,No,Unit,x@acme.example,,,,\n"
    )
    report = run_contacts(text, rm, commit=True, skip_invalid=True)
    assert report.committed
    assert list(Contact.objects.values_list("email", flat=True)) == ["good@acme.example"]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"unit,first_name,email\nfin-ap,A,a@x.example\n", "c.csv", "Missing column: last_name"),
        (CONTACT_HEADER.replace("is_active", "shoe_size").encode(), "c.csv", "Unknown column: shoe_size"),
        (
            "unit,first_name,last_name,email\nfin-ap,Jürgen,Groß,j@x.example\n".encode("latin-1"),
            "c.csv",
            "not UTF-8",
        ),
        (b"", "c.csv", "The file is empty"),
        (b"PK\x03\x04 broken", "c.xlsx", "not an Excel workbook"),
        (b"whatever", "c.pdf", "Upload a .csv or .xlsx file"),
    ],
)
def test_unreadable_files_get_one_clear_message(rm, unit_a, content, filename, message):
    with pytest.raises(ImportFileError, match=message):
        run_contacts(content, rm, filename=filename)


def test_excel_files_and_semicolons_work(rm, unit_a):
    book = tablib.Dataset(headers=["unit", "first_name", "last_name", "email"])
    book.append(["fin-ap", "Xl", "Sheet", "xl@acme.example"])
    assert run_contacts(book.export("xlsx"), rm, filename="c.xlsx", commit=True).committed
    semicolons = "unit;first_name;last_name;email\nfin-ap;Semi;Colon;semi@acme.example\n"
    assert run_contacts(semicolons, rm, commit=True).committed
    assert Contact.objects.count() == 2


def test_a_large_file_takes_a_constant_number_of_queries(rm, unit_a, django_assert_max_num_queries):
    lines = "".join(f"fin-ap,First{i},Last{i},person{i}@acme.example,stakeholder,,,\n" for i in range(2000))
    # Whether Rita manages every unit reads her rights and her groups (customers.roles): 3 of them.
    with django_assert_max_num_queries(13):
        report = run_contacts(CONTACT_HEADER + lines, rm, commit=True)
    assert report.counts["create"] == 2000
    assert Contact.objects.count() == 2000


# --- units ----------------------------------------------------------------------------

UNIT_HEADER = "code,name,kind,parent,relationship_manager,has_budget,annual_it_budget,description\n"


def test_units_with_parents_in_any_order(it_manager, rm, company):
    text = UNIT_HEADER + (
        "hr-pay,Payroll,department,hr,rm,no,,\n"
        "hr,Human Resources,division,Acme,rm,yes,400000,People\n"  # parent by name
    )
    report = UnitImporter(by=it_manager).run(content=text.encode(), filename="u.csv", commit=True)
    assert report.committed
    payroll = BusinessUnit.objects.get(code="hr-pay")
    assert payroll.parent.code == "hr"
    assert payroll.path == f"/{company.pk}/{payroll.parent.pk}/{payroll.pk}/"
    again = UnitImporter(by=it_manager).run(content=text.encode(), filename="u.csv", commit=True)
    assert again.counts["unchanged"] == 2


def test_unit_file_errors(it_manager, company, division):
    text = UNIT_HEADER + (
        "x1,One,department,nowhere,,,,\n"
        "x2,Two,planet,acme,,,,\n"
        "x2,Two again,department,acme,,,,\n"
        "x3,Three,department,acme,nobody,maybe,-5,\n"
        "fin,Finance,division,fin-sub,,,,\n"
        "fin-sub,Finance sub,department,fin,,,,\n"
    )
    report = UnitImporter(by=it_manager).run(content=text.encode(), filename="u.csv", commit=True)
    assert not report.committed
    messages = {line.line: " ".join(line.errors) for line in report.errors}
    assert messages[2] == "parent: no unit with code or name 'nowhere'."
    assert messages[3] == "kind: one of company, division, department, not 'planet'."
    assert messages[4] == "code: x2 appears twice in this file."
    assert "relationship_manager: no staff user 'nobody'." in messages[5]
    assert "has_budget: write yes or no, not 'maybe'." in messages[5]
    assert "annual_it_budget: a positive amount, not '-5'." in messages[5]
    assert messages[6] == "parent: this would put the unit below itself."
    assert BusinessUnit.objects.count() == 2


def test_a_relationship_manager_imports_units_into_their_portfolio_only(rm, unit_a, unit_b):
    text = UNIT_HEADER + (
        "fin-ap,Accounts Payable,department,fin,rm,no,,Pays the invoices\n"
        "fin-ar,Accounts Receivable,department,fin,rm,no,,\n"
        "x1,One,department,,rm,no,,\n"
        "sales-ka,Key Accounts,department,sales-ops,rm,no,,\n"
        "sales-ops,Sales Operations,department,acme,other_rm,no,,Renamed\n"
        "fin-ar-x,Below a new unit,department,fin-ar,rm,no,,\n"
    )
    report = UnitImporter(by=rm).run(content=text.encode(), filename="u.csv", commit=True, skip_invalid=True)
    assert report.committed
    assert {line.line: (line.action, line.errors) for line in report.lines} == {
        2: ("update", []),
        3: ("create", []),
        4: (
            "error",
            [
                "parent: Only IT management or the steering group may add a unit at the top of the organisation."
            ],
        ),
        5: (
            "error",
            [
                "parent: Sales Operations is not in your portfolio: only its relationship manager or IT "
                "management may add units under it."
            ],
        ),
        6: (
            "error",
            [
                "code: Sales Operations is not in your portfolio: only its relationship manager or IT "
                "management may change it."
            ],
        ),
        7: ("create", []),
    }
    assert BusinessUnit.objects.get(code="fin-ap").description == "Pays the invoices"
    assert BusinessUnit.objects.get(code="fin-ar-x").parent.code == "fin-ar"
    assert not BusinessUnit.objects.filter(code__in=["x1", "sales-ka"]).exists()
    assert BusinessUnit.objects.get(code="sales-ops").description == ""


def test_a_new_unit_under_a_rejected_new_unit_is_rejected_too(rm, unit_a):
    text = UNIT_HEADER + ("top,Top,company,,rm,no,,\ntop-sub,Below it,department,top,rm,no,,\n")
    report = UnitImporter(by=rm).run(content=text.encode(), filename="u.csv", commit=True, skip_invalid=True)
    assert [line.action for line in report.lines] == ["error", "error"]
    assert report.lines[1].errors == ["parent: the line of top is rejected."]
    assert not BusinessUnit.objects.filter(code__in=["top", "top-sub"]).exists()


def test_the_command_previews_by_default_and_reports_errors(rm, unit_a, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text(CONTACT_HEADER + "fin-ap,Cmd,Line,cmd@acme.example,purchaser,,,\n")
    out = io.StringIO()
    call_command("import_data", "contacts", str(path), user="rm", stdout=out)
    assert "Preview (nothing written): 1 create" in out.getvalue()
    assert not Contact.objects.exists()
    call_command("import_data", "contacts", str(path), user="rm", commit=True, stdout=out)
    assert Contact.objects.count() == 1

    path.write_text(CONTACT_HEADER + "nope,Bad,Line,bad@acme.example,,,,\n")
    with pytest.raises(CommandError, match="Nothing imported, the file has errors"):
        call_command("import_data", "contacts", str(path), user="rm", commit=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="No file at"):
        call_command("import_data", "contacts", "/nonexistent.csv", user="rm")
    with pytest.raises(CommandError, match="Name an existing staff user"):
        call_command("import_data", "contacts", str(path), user="piet")


def test_the_template_is_importable(rm, unit_a, tmp_path):
    out = io.StringIO()
    call_command("import_data", "contacts", template=True, stdout=out)
    assert out.getvalue().startswith("unit,first_name,last_name,email,role")


def test_line_numbers_are_the_spreadsheets_even_after_blank_lines(rm, unit_a):
    text = (
        CONTACT_HEADER
        + "\nfin-ap,Good,Line,good@acme.example,,,,\n\n,,,,,,,\nnope,No,Unit,x@acme.example,,,,\n"
    )
    report = run_contacts(text, rm)
    assert [(line.line, line.action) for line in report.lines] == [(3, "create"), (6, "error")]
    book = tablib.Dataset(headers=["unit", "first_name", "last_name", "email"])
    book.append(["fin-ap", "Xl", "Sheet", "xl@acme.example"])
    book.append(["", "", "", ""])
    book.append(["nope", "No", "Unit", "y@acme.example"])
    report = run_contacts(book.export("xlsx"), rm, filename="c.xlsx")
    assert [(line.line, line.action) for line in report.lines] == [(2, "create"), (4, "error")]
