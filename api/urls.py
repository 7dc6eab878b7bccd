"""The REST API: /api/v1/ (resources), /api/schema/ (OpenAPI 3), /api/docs/ (Swagger UI)."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api.auth import TokenView
from api.customers import views as customers
from api.imports import ImportView
from api.relationships import views as relationships
from api.search import SearchView
from api.services import views as services
from api.webhooks import views as webhooks

router = SimpleRouter()
router.register("units", customers.BusinessUnitViewSet, basename="unit")
router.register("contacts", customers.ContactViewSet, basename="contact")
router.register("objectives", customers.BusinessObjectiveViewSet, basename="objective")
router.register("services", services.ServiceViewSet, basename="service")
router.register("targets", services.ServiceLevelTargetViewSet, basename="target")
router.register("agreements", services.AgreementViewSet, basename="agreement")
router.register("subscriptions", services.SubscriptionViewSet, basename="subscription")
router.register("measurements", services.MeasurementViewSet, basename="measurement")
router.register("interactions", relationships.InteractionViewSet, basename="interaction")
router.register("actions", relationships.FollowUpActionViewSet, basename="action")
router.register("requirements", relationships.RequirementViewSet, basename="requirement")
router.register("opportunities", relationships.OpportunityViewSet, basename="opportunity")
router.register("survey-campaigns", relationships.SurveyCampaignViewSet, basename="survey-campaign")
router.register("survey-invitations", relationships.SurveyInvitationViewSet, basename="survey-invitation")
router.register("survey-responses", relationships.SurveyResponseViewSet, basename="survey-response")
router.register("escalations", relationships.EscalationViewSet, basename="escalation")
router.register("health", relationships.HealthViewSet, basename="health")
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")


@csrf_exempt  # no state changes here; a write to a wrong address is a 404, not a CSRF 403
def not_found(request, path=""):
    """Any other address under /api/ (`/units/abc/` too: ids are whole numbers) answers in
    JSON like the rest of the API, not with the site's HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="api-token"),
    # Spreadsheet import and search (api/imports.py, api/search.py).
    path("v1/imports/<slug:kind>/", ImportView.as_view(), name="api-import"),
    path("v1/search/", SearchView.as_view(), name="api-search"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # [\s\S]: a generated path may hold a newline, which "." would not match.
    re_path(r"^(?P<path>[\s\S]*)$", not_found),
]
