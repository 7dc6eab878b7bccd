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
    path("api/", include("brm.api_urls")),
    path("portal/", include("customers.portal.urls")),
    path("s/", include("customers.portal.survey_urls")),
    path("units/", include("customers.urls")),
    path("catalogue/", include("services.urls")),
    path("imports/", include("brm.import_urls")),
    path("integrations/webhooks/", include("integrations.urls")),
    path("", include("relationships.urls")),
]

# A lost database connection outside a view is a 503 too; API paths answer in JSON.
handler500 = "brm.errors.server_error"
