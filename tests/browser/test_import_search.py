"""A relationship manager imports contacts from a spreadsheet through the preview, finds a
new contact by search, and prints a unit's relationship file."""

import pytest
from playwright.sync_api import expect

from customers.models import Contact
from tests.browser.conftest import assert_fits_width
from tests.ui.unit_demo import Catalogue, populate_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTACTS = (
    "unit,first_name,last_name,email,role,phone,job_title,is_active\n"
    "fin-ap,Wilhelmina,Oosterhout,w.oosterhout@acme.example,stakeholder,+31 20 555 0101,Controller,yes\n"
    "fin-ap,Jasper,Kramer,j.kramer@acme.example,purchaser,,Buyer,yes\n"
    "fin-ap,Piet,Purchaser,piet@acme.example,purchaser,+31 6 1234 5678,Team lead,yes\n"
    "sales-ops,Someone,Else,someone@acme.example,stakeholder,,,yes\n"
    "fin-ap,No,Mail,not-an-address,stakeholder,,,yes\n"
)


def test_import_contacts_through_the_preview_then_find_one(
    page, live_server, sign_in, screenshot, rm, unit_a, unit_b, purchaser_a
):
    sign_in("rm")
    page.get_by_role("button", name="Business").click()
    page.get_by_role("link", name="Import from a spreadsheet").click()
    expect(page.get_by_role("heading", name="Import from a spreadsheet")).to_be_visible()
    # Units and services are for IT management: a relationship manager is not offered them.
    expect(page.get_by_role("radio", name="Contacts")).to_be_visible()
    expect(page.get_by_role("radio", name="Business units")).to_have_count(0)

    with page.expect_download() as template:
        page.get_by_role("link", name="CSV template for contacts").click()
    assert template.value.suggested_filename == "brm-contacts-template.csv"
    screenshot("import-start")

    page.locator(".import-kind", has_text="One line per person").click()  # the whole row picks it
    expect(page.get_by_role("radio", name="Contacts")).to_be_checked()
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": "new-contacts.csv", "mimeType": "text/csv", "buffer": CONTACTS.encode()}]
    )
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="Preview: Contacts")).to_be_visible()
    expect(page.get_by_test_id("count-create")).to_have_text("2")
    expect(page.get_by_test_id("count-update")).to_have_text("1")
    expect(page.get_by_test_id("count-error")).to_have_text("2")
    lines = page.get_by_test_id("import-lines")
    expect(lines).to_contain_text("Sales Operations is not in your portfolio.")
    expect(lines).to_contain_text("'not-an-address' is not an e-mail address.")
    expect(lines).to_contain_text("+31 6 1234 5678")
    expect(page.get_by_role("button", name="Import all")).to_have_count(0)
    assert not Contact.objects.filter(email="w.oosterhout@acme.example").exists()
    assert_fits_width(page)
    screenshot("import-preview")

    page.get_by_role("link", name="Rejected").click()
    expect(lines.locator("tbody tr")).to_have_count(2)

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Import only the valid lines").click()
    expect(page.get_by_test_id("import-done")).to_contain_text(
        "Imported: 2 created, 1 changed, 0 unchanged. 2 rejected lines left out."
    )
    screenshot("import-done")
    assert (
        Contact.objects.filter(
            unit=unit_a, email__in=["w.oosterhout@acme.example", "j.kramer@acme.example"]
        ).count()
        == 2
    )
    assert not Contact.objects.filter(email="someone@acme.example").exists()

    search = page.get_by_role("searchbox", name="Search")
    search.fill("Oosterh")
    search.press("Enter")
    results = page.locator(".search-results")
    expect(results).to_contain_text("Wilhelmina Oosterhout")
    screenshot("import-then-search")
    results.get_by_role("link", name="Wilhelmina Oosterhout").click()
    expect(page.get_by_role("heading", name="Wilhelmina Oosterhout")).to_be_visible()
    expect(page.locator("main")).to_contain_text("+31 20 555 0101")


def test_a_bad_file_is_explained_on_the_form(page, live_server, sign_in, rm, unit_a):
    sign_in("rm")
    page.goto(f"{live_server.url}/imports/?kind=contacts")
    page.get_by_label("CSV or Excel file").set_input_files(
        files=[{"name": "wrong.csv", "mimeType": "text/csv", "buffer": b"name,shoe_size\nA,42\n"}]
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("file-error")).to_contain_text(
        "Missing columns: unit, first_name, last_name, email."
    )
    expect(page.get_by_role("radio", name="Contacts")).to_be_checked()


def test_print_the_relationship_file(page, live_server, sign_in, screenshot, rm, unit_a, customer_a):
    populate_unit(unit_a, catalogue=Catalogue(), contact_names=("Sam", "Stakeholder"))
    sign_in("rm")
    page.goto(f"{live_server.url}/units/{unit_a.pk}/")
    page.get_by_role("link", name="Relationship file").click()
    expect(page.get_by_role("heading", name="Accounts Payable", level=1)).to_be_visible()
    # The button opens the print dialog (a static script, so it works under a strict CSP).
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="Print / save as PDF").click()
    assert page.evaluate("window.__printed") == 1
    screenshot("unit-print-screen")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print / save as PDF")).to_be_hidden()
    screenshot("unit-print-paper")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
