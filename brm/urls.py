from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("api.urls")),
    path("portal/", include("portal.urls")),
    path("s/", include("portal.survey_urls")),
    path("units/", include("staff.customers.urls")),
    path("catalogue/", include("staff.services.urls")),
    path("imports/", include("staff.imports.urls")),
    path("integrations/webhooks/", include("staff.webhooks.urls")),
    path("", include("staff.relationships.urls")),
]

# A lost database connection outside a view is a 503 too; API paths answer in JSON.
handler500 = "core.errors.server_error"
