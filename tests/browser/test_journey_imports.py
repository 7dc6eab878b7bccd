"""Journey: import, export and re-import, with the demo of `make run`.

Rita (relationship manager) exports her contact list and imports the very file back: every
line is unchanged and nothing is written. She edits one cell and adds a line: the preview
shows one change and one new contact, and the import writes exactly those. She fills the
empty template with a real person and imports it. The API takes the same exported file.
Ivo (IT management) does the same round trip with the units. Along the way: the 403 page
for staff and for a business contact, the branded admin, the attainment bars and the
satisfaction chart, each looked at in 1366 and 390 px."""

import csv
import io
import json

import pytest
from playwright.sync_api import expect

from core.importing import importers
from customers.models import BusinessUnit, Contact
from tests.browser.conftest import both_widths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def download(page, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    done = info.value
    with open(done.path(), "rb") as file:
        return done.suggested_filename, file.read()


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def contacts_snapshot():
    return sorted(
        Contact.objects.values_list(
            "unit__code", "first_name", "last_name", "email", "role", "phone", "job_title", "is_active"
        )
    )


def upload_and_preview(page, live_server, kind_label: str, name: str, content: bytes):
    page.goto(f"{live_server.url}/imports/")
    page.locator("label.stretched-link", has_text=kind_label).click()  # the row picks the kind
    expect(page.get_by_role("radio", name=kind_label)).to_be_checked()
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name=f"Preview: {kind_label}")).to_be_visible()


def expect_counts(page, *, create=0, update=0, unchanged=0, error=0):
    for key, value in (("create", create), ("update", update), ("unchanged", unchanged), ("error", error)):
        expect(page.get_by_test_id(f"count-{key}")).to_have_text(str(value))


def test_rita_exports_her_contacts_and_imports_them_back(
    page, live_server, demo_sign_in, screenshot, playwright
):
    demo_sign_in("rita")
    page.get_by_role("button", name="Business").click()
    page.get_by_role("link", name="Contacts").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Contacts")
    filename, exported = download(page, "Export CSV")
    assert filename.startswith("contacts-") and filename.endswith(".csv")
    rows = rows_of(exported)
    columns = importers()["contacts"].columns
    assert tuple(rows[0][: len(columns)]) == columns  # the import's own columns
    lines = len(rows) - 1
    assert lines == Contact.objects.count() > 10

    # 1. The file as downloaded: every line unchanged, nothing to confirm, nothing written.
    before = contacts_snapshot()
    history_before = Contact.history.count()
    page.get_by_role("button", name="Business").click()
    page.get_by_role("link", name="Import from a spreadsheet").click()
    upload_and_preview(page, live_server, "Contacts", filename, exported)
    expect_counts(page, unchanged=lines)
    expect(page.get_by_role("heading", name="Nothing to import")).to_be_visible()
    expect(page.get_by_text("importing this file would change nothing")).to_be_visible()
    expect(page.get_by_test_id("ignored-columns")).to_contain_text("unit_name")
    expect(page.get_by_role("button", name="Import all")).to_have_count(0)
    both_widths(page, screenshot, "journey-import-unchanged")
    assert contacts_snapshot() == before and Contact.history.count() == history_before

    # 2. One cell edited (a job title) and one line added: one change, one new contact.
    anouk = next(i for i, row in enumerate(rows) if row[3] == "anouk.visser@northwind.example")
    assert rows[anouk][6] == "AP specialist"
    rows[anouk][6] = "Senior AP specialist"
    rows.append(["fin-ap", "Noor", "Bakker", "noor.bakker@northwind.example", "stakeholder", "", "", "yes"])
    upload_and_preview(page, live_server, "Contacts", "contacts-edited.csv", as_csv(rows))
    expect_counts(page, create=1, update=1, unchanged=lines - 1)
    expect(page.get_by_role("heading", name="Every line is valid")).to_be_visible()
    changed = page.get_by_test_id("import-lines").locator("tr.import-update")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("job_title")
    expect(changed).to_contain_text("Senior AP specialist")
    page.get_by_role("link", name="Changed 1", exact=True).click()
    expect(page.get_by_test_id("import-lines").locator("tbody tr")).to_have_count(1)
    both_widths(page, screenshot, "journey-import-preview")

    page.get_by_role("button", name="Import all").click()
    expect(page.get_by_test_id("import-done")).to_contain_text(
        f"Imported: 1 created, 1 changed, {lines - 1} unchanged."
    )
    both_widths(page, screenshot, "journey-import-result")
    assert Contact.objects.get(email="anouk.visser@northwind.example").job_title == "Senior AP specialist"
    noor = Contact.objects.get(email="noor.bakker@northwind.example")
    assert (noor.unit.code, noor.role, noor.is_active) == ("fin-ap", "stakeholder", True)
    after = contacts_snapshot()
    assert len(after) == len(before) + 1
    assert set(before) - set(after) == {next(c for c in before if c[3] == "anouk.visser@northwind.example")}

    # 3. The template is the header alone: filled with one real person, it imports that person.
    page.goto(f"{live_server.url}/imports/")
    page.get_by_text("Example line").first.click()
    expect(page.locator(".import-example").first).to_contain_text("noor.bakker@example.org")
    filename, template = download(page, "CSV template for contacts")
    assert filename == "brm-contacts-template.csv"
    assert rows_of(template) == [list(columns)]
    filled = template + as_csv(
        [["fin-ap", "Daan", "Smits", "daan.smits@northwind.example", "purchaser", "", "", "yes"]]
    )
    upload_and_preview(page, live_server, "Contacts", "filled.csv", filled)
    expect_counts(page, create=1)
    page.get_by_role("button", name="Import all").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("Imported: 1 created, 0 changed, 0 unchanged.")
    assert Contact.objects.filter(first_name="Daan", last_name="Smits", unit__code="fin-ap").count() == 1
    assert not Contact.objects.filter(email__endswith="@example.org").exists()  # no sample person

    # 4. The API takes the same file: exported again now, it previews as all unchanged.
    page.goto(f"{live_server.url}/units/contacts/")
    _, again = download(page, "Export CSV")
    api = playwright.request.new_context()  # another tool: no browser session, a token
    token = api.post(
        f"{live_server.url}/api/v1/auth/token/", form={"username": "rita", "password": "brm-demo-2026"}
    ).json()["token"]
    answer = api.post(
        f"{live_server.url}/api/v1/imports/contacts/",
        headers={"Authorization": f"Token {token}"},
        multipart={
            "file": {"name": "contacts.csv", "mimeType": "text/csv", "buffer": again},
            "dry_run": "true",
        },
    )
    assert answer.status == 200, answer.text()
    body = json.loads(answer.text())
    api.dispose()
    assert body["counts"] == {"create": 0, "update": 0, "unchanged": lines + 2, "error": 0}


def test_ivo_exports_the_units_and_imports_them_back(page, live_server, demo_sign_in, screenshot):
    demo_sign_in("ivo")
    page.goto(f"{live_server.url}/units/")
    _, exported = download(page, "Export CSV")
    header = rows_of(exported)[0]
    assert header[:3] == ["code", "name", "kind"] and header[-3:] == [
        "health",
        "health_band",
        "health_reasons",
    ]
    before = sorted(
        BusinessUnit.objects.values_list("code", "name", "parent__code", "relationship_manager__username")
    )
    upload_and_preview(page, live_server, "Business units", "units.csv", exported)
    expect_counts(page, unchanged=BusinessUnit.objects.filter(is_active=True).count())
    expect(page.get_by_test_id("ignored-columns")).to_contain_text("health_reasons")
    assert (
        sorted(
            BusinessUnit.objects.values_list("code", "name", "parent__code", "relationship_manager__username")
        )
        == before
    )


def test_what_people_see_around_it(page, live_server, demo_sign_in, screenshot):
    # The 403 page says what to do, by who is refused.
    demo_sign_in("rita")
    page.goto(f"{live_server.url}/integrations/webhooks/")
    expect(page.get_by_test_id("advice")).to_contain_text("ask an administrator or IT management")
    expect(page).to_have_title("Not allowed · BRM Portal")
    both_widths(page, screenshot, "journey-403-staff")

    # The attainment bars: a month with a miss is not green; the satisfaction chart's labels.
    unit = BusinessUnit.objects.get(code="fin-ap")
    page.goto(f"{live_server.url}/units/{unit.pk}/")
    expect(page.locator(".att-legend")).to_contain_text("Some missed")
    chart = json.loads(page.locator("#attainment-data").text_content())
    bars = chart["datasets"][0]
    assert all(
        (colour == "#2f9e44") == (value == 100)
        for value, colour in zip(bars["data"], bars["colours"], strict=True)
    )
    assert "#2f9e44" in bars["colours"] and set(bars["colours"]) - {"#2f9e44"}
    page.locator("#att-h").scroll_into_view_if_needed()
    both_widths(
        page, screenshot, "journey-unit-attainment", fits=False
    )  # the unit page's width: another item
    page.goto(f"{live_server.url}/")
    trend = json.loads(page.locator("#trend-data").text_content())
    assert all(len(label) <= 8 for label in trend["labels"]) and trend["titles"]
    both_widths(page, screenshot, "journey-dashboard-satisfaction")

    demo_sign_in("piet")
    page.goto(f"{live_server.url}/integrations/webhooks/")
    expect(page.get_by_test_id("advice")).to_contain_text("ask your relationship manager")
    both_widths(page, screenshot, "journey-403-contact")
    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("link", name="Password").click()
    expect(page.get_by_role("heading", name="Change your password")).to_be_visible()

    demo_sign_in("admin")
    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_title("Administration | BRM Portal")
    expect(page.locator("#site-name")).to_contain_text("BRM Portal administration")
    both_widths(page, screenshot, "journey-admin-index", fits=False)  # Django's own admin layout
    assert page.request.get(f"{live_server.url}/favicon.ico").status == 200
