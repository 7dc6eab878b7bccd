import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_every_page_renders_for_a_purchaser(client, purchaser_a, world_a):
    client.force_login(purchaser_a.user)
    urls = [
        reverse("portal:home"),
        reverse("portal:requirement-list"),
        reverse("portal:requirement-create"),
        reverse("portal:requirement-detail", args=[world_a["requirement"].pk]),
        reverse("portal:catalogue"),
        reverse("portal:order"),
        reverse("portal:escalation-list"),
        reverse("portal:escalation-create"),
        reverse("portal:escalation-detail", args=[world_a["escalation"].pk]),
        reverse("portal:interaction-list"),
        reverse("portal:interaction-detail", args=[world_a["shared"].pk]),
        reverse("portal:agreement-detail", args=[world_a["agreement"].pk]),
        reverse("portal:survey-answer", args=[world_a["invitation"].pk]),
        reverse("survey:answer", args=[world_a["invitation"].token]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
