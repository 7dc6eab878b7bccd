"""POST /api/v1/imports/<kind>/ and GET /api/v1/search/."""

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile

from customers.models import BusinessUnit, Contact
from tests.actors import token_client
from tests.customers.factories import ContactFactory
from tests.relationships.factories import EscalationFactory, InteractionFactory, RequirementFactory
from tests.services.factories import ServiceFactory

pytestmark = pytest.mark.django_db

HEADER = "unit,first_name,last_name,email,role,phone,job_title,is_active\n"
GOOD = HEADER + "fin-ap,Anna,Berg,anna@acme.example,purchaser,,Buyer,yes\n"
MIXED = GOOD + "sales-ops,Not,Mine,n@acme.example,purchaser,,,\n"


def post_file(client, kind, content, *, name="file.csv", **options):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        f"/api/v1/imports/{kind}/",
        {"file": SimpleUploadedFile(name, data), **{k: str(v).lower() for k, v in options.items()}},
        format="multipart",
    )


def test_dry_run_reports_each_line_and_writes_nothing(api_as, unit_a, unit_b):
    response = post_file(api_as("rm"), "contacts", MIXED, dry_run=True)
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] and not body["committed"] and not body["is_valid"]
    assert body["counts"] == {"create": 1, "update": 0, "unchanged": 0, "error": 1}
    assert body["lines"][1] == {
        "line": 3,
        "action": "error",
        "label": "Not Mine",
        "errors": ["unit: Sales Operations is not in your portfolio."],
        "changes": {},
    }
    assert not Contact.objects.filter(email="anna@acme.example").exists()


def test_a_file_with_errors_imports_nothing_unless_valid_only(api_as, unit_a, unit_b):
    client = api_as("rm")
    refused = post_file(client, "contacts", MIXED)
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("Nothing imported: 1 line with errors.")
    assert refused.json()["counts"]["error"] == 1
    assert not Contact.objects.filter(email__in=["anna@acme.example", "n@acme.example"]).exists()

    done = post_file(client, "contacts", MIXED, valid_only=True)
    assert done.status_code == 200 and done.json()["committed"]
    assert Contact.objects.filter(email="anna@acme.example").exists()
    assert not Contact.objects.filter(email="n@acme.example").exists()


def test_import_then_the_same_file_again_changes_nothing(api_as, unit_a, purchaser_a):
    client = api_as("rm")
    assert post_file(client, "contacts", GOOD).json()["counts"]["create"] == 1
    again = post_file(client, "contacts", GOOD).json()
    assert again["counts"] == {"create": 0, "update": 0, "unchanged": 1, "error": 0}
    changed = post_file(client, "contacts", GOOD.replace("Buyer", "Lead buyer")).json()
    assert changed["lines"][0]["changes"] == {"job_title": {"old": "Buyer", "new": "Lead buyer"}}
    assert Contact.objects.get(email="anna@acme.example").job_title == "Lead buyer"


def test_excel_files_work_too(api_as, unit_a):
    book = tablib.Dataset(headers=["unit", "first_name", "last_name", "email"])
    book.append(["fin-ap", "Xl", "Sheet", "xl@acme.example"])
    response = post_file(api_as("rm"), "contacts", book.export("xlsx"), name="people.xlsx")
    assert response.status_code == 200 and Contact.objects.filter(email="xl@acme.example").exists()


@pytest.mark.parametrize(
    ("actor", "kind", "expected"),
    [
        ("anonymous", "contacts", 401),
        ("purchaser_a", "contacts", 403),
        ("customer_a", "subscriptions", 403),
        ("rm", "units", 403),
        ("rm", "services", 403),
        ("it_manager", "units", 200),
        ("rm", "planets", 404),
    ],
)
def test_who_may_import_what(api_as, unit_a, customer_a, purchaser_a, actor, kind, expected):
    content = "code,name\nhr,Human Resources\n" if kind == "units" else GOOD
    response = post_file(api_as(actor), kind, content, dry_run=True)
    assert response.status_code == expected, response.json()
    assert BusinessUnit.objects.filter(code="hr").count() == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"unit,first_name\nfin-ap,A\n", "c.csv", "Missing columns: last_name, email"),
        (b"%PDF-1.7", "c.pdf", "Upload a .csv or .xlsx file"),
        (
            "unit,first_name,last_name,email\nfin-ap,J\xfcrgen,G,j@x.example\n".encode("latin-1"),
            "c.csv",
            "not UTF-8",
        ),
        (HEADER.encode(), "c.csv", "no lines to import"),
    ],
)
def test_unreadable_files_are_a_400_naming_the_file(api_as, unit_a, content, name, message):
    response = post_file(api_as("rm"), "contacts", content, name=name)
    assert response.status_code == 400
    assert message in response.json()["detail"] and response.json()["file"] == [response.json()["detail"]]


def test_missing_or_empty_files_and_json_bodies_are_refused(api_as, unit_a, settings):
    client = api_as("rm")
    assert "file" in client.post("/api/v1/imports/contacts/", {}, format="multipart").json()
    assert post_file(client, "contacts", b"").status_code == 400
    assert client.post("/api/v1/imports/contacts/", {"file": "x"}, format="json").status_code == 415
    settings.BRM_IMPORT_MAX_MEGABYTES = 1
    big = post_file(client, "contacts", HEADER + "fin-ap,A,B,a@x.example,,,,\n" * 40_000)
    assert big.status_code == 400 and "import at most 1 MB" in big.json()["detail"]


# --- search -------------------------------------------------------------------------------


def test_search_finds_best_first_across_kinds(api_as, unit_a, unit_b):
    ServiceFactory(name="Invoice scanning")
    RequirementFactory(unit=unit_a, title="Faster approval", description="Invoice approval takes weeks.")
    EscalationFactory(unit=unit_b, subject="Invoice portal down")
    response = api_as("rm").get("/api/v1/search/", {"q": "invoice"})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "invoice" and body["count"] == 3
    assert {hit["title"] for hit in body["results"][:2]} == {"Invoice scanning", "Invoice portal down"}
    assert body["results"][-1]["title"] == "Faster approval"
    ranks = [hit["rank"] for hit in body["results"]]
    assert ranks == sorted(ranks, reverse=True)
    requirement = body["results"][-1]
    assert requirement["kind"] == "requirement"
    assert requirement["url"].endswith(f"/api/v1/requirements/{requirement['id']}/")
    only = api_as("rm").get("/api/v1/search/", {"q": "invoice", "kind": "service"}).json()
    assert [hit["kind"] for hit in only["results"]] == ["service"]


def test_a_business_contacts_token_finds_nothing_of_another_unit(unit_a, unit_b, purchaser_a, contact_b):
    EscalationFactory(unit=unit_a, subject="Shared word alpha")
    EscalationFactory(unit=unit_b, subject="Shared word beta")
    InteractionFactory(unit=unit_b, subject="Shared word internal", is_shared_with_business=False)
    ContactFactory(unit=unit_a, first_name="Shared", last_name="Word")

    bea = token_client(contact_b.user).get("/api/v1/search/", {"q": "shared word"}).json()
    assert [hit["title"] for hit in bea["results"]] == ["Shared word beta"]
    assert token_client(contact_b.user).get("/api/v1/search/", {"q": "piet"}).json()["count"] == 0

    piet = token_client(purchaser_a.user).get("/api/v1/search/", {"q": "shared word"}).json()
    assert {hit["title"] for hit in piet["results"]} == {"Shared word alpha", "Shared Word"}


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "q"), ({"q": "a"}, "q"), ({"q": " a "}, "q"), ({"q": "ab", "kind": "planet"}, "kind")],
)
def test_search_refuses_what_it_cannot_search(api_as, params, field):
    response = api_as("rm").get("/api/v1/search/", params)
    assert response.status_code == 400 and field in response.json()


def test_search_needs_a_sign_in(api_as):
    assert api_as("anonymous").get("/api/v1/search/", {"q": "acme"}).status_code == 401


def test_search_takes_the_same_queries_however_many_rows(unit_a, contact_b, django_assert_num_queries):
    client = token_client(contact_b.user)
    for i in range(3):
        ContactFactory(unit=contact_b.unit, last_name=f"Searchable{i}")
    # token + user, the contacts behind the business contact's units, one per kind (6)
    with django_assert_num_queries(8):
        few = client.get("/api/v1/search/", {"q": "searchable"}).json()
    for i in range(3, 30):
        ContactFactory(unit=contact_b.unit, last_name=f"Searchable{i}")
    with django_assert_num_queries(8):
        many = client.get("/api/v1/search/", {"q": "searchable"}).json()
    assert few["count"] == 3 and many["count"] == 8  # bounded: at most 8 of each kind
