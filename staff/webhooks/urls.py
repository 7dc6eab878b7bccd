from django.urls import path

from staff.webhooks import views

app_name = "integrations"

urlpatterns = [
    path("", views.endpoint_list, name="endpoint-list"),
    path("new/", views.endpoint_edit, name="endpoint-create"),
    path("<int:pk>/", views.endpoint_detail, name="endpoint-detail"),
    path("<int:pk>/edit/", views.endpoint_edit, name="endpoint-edit"),
    path("<int:pk>/<slug:action>/", views.endpoint_action, name="endpoint-action"),
]
