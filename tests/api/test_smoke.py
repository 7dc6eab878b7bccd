import pytest

pytestmark = pytest.mark.django_db

LISTS = [
    "units",
    "contacts",
    "objectives",
    "services",
    "targets",
    "agreements",
    "subscriptions",
    "measurements",
    "interactions",
    "actions",
    "requirements",
    "opportunities",
    "survey-campaigns",
    "survey-invitations",
    "survey-responses",
    "escalations",
    "health",
]


@pytest.mark.parametrize("name", LISTS)
def test_every_list_answers_staff(world, api_as, name):
    response = api_as("rm").get(f"/api/v1/{name}/")
    assert response.status_code == 200, response.content
    assert response.json()["count"] >= 1


@pytest.mark.parametrize("page", ["", "abc", "0", "-1", "١"])
def test_a_page_that_is_not_a_number_is_a_400(api_as, page):
    response = api_as("rm").get(f"/api/v1/targets/?page={page}")
    assert response.status_code == 400
    assert response.json()["page"] == ["A page number is a whole number from 1 up."]


@pytest.mark.parametrize("path", ["/api/v1/units/%C3%A8%0Ac./", "/api/v1/nowhere/", "/api/v1/units/1.5/"])
def test_unknown_api_paths_answer_json_404(api_as, path):
    response = api_as("rm").get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
