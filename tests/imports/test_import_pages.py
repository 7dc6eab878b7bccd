"""The staff import pages: upload, preview line by line, confirm all or the valid lines."""

import re

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Contact

pytestmark = pytest.mark.django_db

HEADER = "unit,first_name,last_name,email,role,phone,job_title,is_active\n"
GOOD = HEADER + (
    "fin-ap,Anna,Berg,anna@acme.example,purchaser,,Buyer,yes\n"
    "fin-ap,Bob,Claes,bob@acme.example,stakeholder,,,\n"
)
MIXED = GOOD + "nope,No,Unit,x@acme.example,purchaser,,,\n"


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def upload(client, content, *, kind="contacts", name="contacts.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        reverse("imports:start"), {"kind": kind, "file": SimpleUploadedFile(name, data)}, follow=False
    )


def preview_url(response) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def token_of(url: str) -> str:
    return re.search(r"upload=([^&]+)", url).group(1)


def confirm(client, url, mode):
    from urllib.parse import unquote

    kind = url.split("/")[2]
    return client.post(
        reverse("imports:confirm", args=[kind]), {"upload": unquote(token_of(url)), "mode": mode}
    )


def test_the_page_offers_what_the_person_may_import(rm_client, it_manager, client, unit_a):
    page = rm_client.get(reverse("imports:start")).content.decode()
    assert 'value="contacts"' in page and 'value="subscriptions"' in page and 'value="measurements"' in page
    assert 'value="units"' not in page and 'value="services"' not in page
    assert "imported by IT management" in page

    client.force_login(it_manager)
    page = client.get(reverse("imports:start")).content.decode()
    assert all(f'value="{kind}"' in page for kind in ("units", "contacts", "services", "subscriptions"))


def test_a_business_contact_cannot_reach_the_import(client, purchaser_a):
    client.force_login(purchaser_a.user)
    assert client.get(reverse("imports:start"))["Location"] == reverse("portal:home")
    response = client.post(reverse("imports:start"), {"kind": "contacts"})
    assert response.status_code == 302 and not Contact.objects.exclude(pk=purchaser_a.pk).exists()


def test_a_relationship_manager_cannot_import_units_even_by_hand(rm_client, unit_a):
    response = upload(rm_client, "code,name\nx1,One\n", kind="units", name="units.csv")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_preview_saves_nothing_then_import_all_then_the_same_file_changes_nothing(rm_client, unit_a):
    url = preview_url(upload(rm_client, GOOD))
    page = rm_client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Every line is valid" in text and "Import all" in text
    assert "Anna Berg &lt;anna@acme.example&gt; — Accounts Payable" in text
    assert not Contact.objects.exists()

    done = confirm(rm_client, url, "all")
    assert done.status_code == 200
    assert "Imported: 2 created, 0 changed, 0 unchanged." in done.content.decode()
    assert set(Contact.objects.values_list("email", flat=True)) == {"anna@acme.example", "bob@acme.example"}

    # The kept file is gone once imported: the confirmation cannot run twice.
    again = confirm(rm_client, url, "all")
    assert again.status_code == 302 and again["Location"] == reverse("imports:start")

    second = rm_client.get(preview_url(upload(rm_client, GOOD))).content.decode()
    assert "Nothing to import" in second and "Import all" not in second
    assert re.search(r'data-testid="count-unchanged">2<', second)
    assert Contact.objects.count() == 2


def test_a_file_with_errors_imports_only_its_valid_lines_when_asked(rm_client, unit_a):
    url = preview_url(upload(rm_client, MIXED))
    text = rm_client.get(url).content.decode()
    assert "1 line rejected" in text
    assert "unit: no unit with code &#x27;nope&#x27;." in text
    assert "Import all" not in text and "Import only the valid lines" in text

    # Asking for everything imports nothing and says why.
    refused = confirm(rm_client, url, "all")
    assert refused.status_code == 302 and "show=error" in refused["Location"]
    assert not Contact.objects.exists()

    done = confirm(rm_client, url, "valid")
    assert "1 rejected line left out" in done.content.decode()
    assert Contact.objects.count() == 2


def test_the_preview_filters_lines_by_result(rm_client, unit_a):
    url = preview_url(upload(rm_client, MIXED))
    only_errors = rm_client.get(url + "&show=error").content.decode()
    assert "No Unit" in only_errors and "Anna Berg" not in only_errors


def test_changes_are_shown_field_by_field(rm_client, unit_a, purchaser_a):
    text = HEADER + "fin-ap,Piet,Purchaser,piet@acme.example,purchaser,+31 6 1234,Lead,yes\n"
    page = rm_client.get(preview_url(upload(rm_client, text))).content.decode()
    assert re.search(r'data-testid="count-update">1<', page)
    assert "phone" in page and "+31 6 1234" in page


def test_excel_files_preview_and_import(rm_client, unit_a):
    book = tablib.Dataset(headers=["unit", "first_name", "last_name", "email"])
    book.append(["fin-ap", "Xl", "Sheet", "xl@acme.example"])
    url = preview_url(upload(rm_client, book.export("xlsx"), name="people.xlsx"))
    assert "people.xlsx" in rm_client.get(url).content.decode()
    confirm(rm_client, url, "all")
    assert Contact.objects.get().email == "xl@acme.example"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"unit,first_name,email\nfin-ap,A,a@x.example\n", "c.csv", "Missing column: last_name"),
        (HEADER.replace("is_active", "shoe_size").encode(), "c.csv", "Unknown column: shoe_size"),
        (
            "unit,first_name,last_name,email\nfin-ap,Jürgen,Groß,j@x.example\n".encode("latin-1"),
            "c.csv",
            "not UTF-8",
        ),
        (b"%PDF-1.7 not a spreadsheet", "c.pdf", "Upload a .csv or .xlsx file"),
        (b"PK\x03\x04 broken", "c.xlsx", "not an Excel workbook"),
        (HEADER.encode(), "c.csv", "no lines to import"),
        (b"\n\n", "c.csv", "The file is empty"),
        (b"unit,unit,first_name,last_name,email\n", "c.csv", "twice in the header: unit"),
        (b'unit,first_name,last_name,email\n"' + b"x" * 200_000 + b"\n", "c.csv", "not a CSV file"),
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_is_kept(
    rm_client, unit_a, settings, content, name, message
):
    response = upload(rm_client, content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not list((settings.VAR_DIR / "imports").glob("*"))


def test_an_empty_or_too_large_file_is_refused(rm_client, unit_a, settings):
    settings.BRM_IMPORT_MAX_MEGABYTES = 1
    big = HEADER + "fin-ap,A,B,a@x.example,,,,\n" * 40_000
    assert "import at most 1 MB" in upload(rm_client, big).content.decode()
    empty = rm_client.post(
        reverse("imports:start"), {"kind": "contacts", "file": SimpleUploadedFile("c.csv", b"")}
    )
    assert empty.status_code == 400 and "The submitted file is empty" in empty.content.decode()
    missing = rm_client.post(reverse("imports:start"), {"kind": "contacts"})
    assert missing.status_code == 400 and "This field is required" in missing.content.decode()


def test_the_confirmation_trusts_no_token_but_its_own(rm_client, other_rm, client, unit_a):
    url = preview_url(upload(rm_client, GOOD))
    forged = rm_client.post(
        reverse("imports:confirm", args=["contacts"]), {"upload": "abc:def", "mode": "all"}
    )
    assert forged.status_code == 302 and forged["Location"] == reverse("imports:start")
    # Another person's token does nothing for them.
    client.force_login(other_rm)
    assert confirm(client, url, "all")["Location"] == reverse("imports:start")
    # Nor does it serve for another kind of import.
    from urllib.parse import unquote

    other_kind = rm_client.post(
        reverse("imports:confirm", args=["subscriptions"]), {"upload": unquote(token_of(url)), "mode": "all"}
    )
    assert other_kind["Location"] == reverse("imports:start")
    assert not Contact.objects.exists()


def test_an_expired_upload_must_be_uploaded_again(rm_client, unit_a, settings):
    url = preview_url(upload(rm_client, GOOD))
    settings.BRM_IMPORT_UPLOAD_MAX_AGE_MINUTES = 0
    response = rm_client.get(url, follow=True)
    assert "upload the file again" in response.content.decode()


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["units", "contacts", "services", "subscriptions", "measurements"])
def test_templates_have_the_columns_and_no_example_record(rm_client, kind, file_format):
    from core.importing import importers

    response = rm_client.get(reverse("imports:template", args=[kind, file_format]))
    assert response.status_code == 200
    assert f"brm-{kind}-template.{file_format}" in response["Content-Disposition"]
    data = tablib.Dataset().load(
        response.content if file_format == "xlsx" else response.content.decode("utf-8-sig"),
        format=file_format,
    )
    importer = importers()[kind]
    assert tuple(data.headers) == importer.columns
    # The example is shown on the import page: a line in the file is always the person's own.
    assert len(data) == 0


def test_unknown_kinds_and_formats_are_not_found(rm_client):
    assert rm_client.get(reverse("imports:template", args=["planets", "csv"])).status_code == 404
    assert rm_client.get(reverse("imports:template", args=["units", "pdf"])).status_code == 404
    assert rm_client.get(reverse("imports:preview", args=["planets"]) + "?upload=x").status_code == 404


def test_the_staff_menu_links_to_the_import(rm_client, unit_a):
    assert reverse("imports:start") in rm_client.get(reverse("relationships:dashboard")).content.decode()


def test_a_clash_while_writing_imports_nothing_and_says_so(rm_client, unit_a, monkeypatch):
    from django.db import IntegrityError

    from customers.imports import ContactImporter

    url = preview_url(upload(rm_client, GOOD))
    original = ContactImporter.apply

    def clash(self, writes):
        original(self, writes)
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(ContactImporter, "apply", clash)
    response = confirm(rm_client, url, "all")
    assert response.status_code == 302 and "/preview/" in response["Location"]
    assert not Contact.objects.exists()  # the rows written before the clash were rolled back
    assert "nothing was imported" in rm_client.get(response["Location"]).content.decode()


def test_the_preview_takes_the_same_queries_however_long_the_file(rm_client, unit_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def preview_queries(lines: int) -> int:
        body = HEADER + "".join(f"fin-ap,First{i},Last{i},p{i}@acme.example,,,,\n" for i in range(lines))
        url = preview_url(upload(rm_client, body))
        with CaptureQueriesContext(connection) as ctx:
            assert rm_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    assert preview_queries(5) == preview_queries(600)
