from django.urls import path

from staff.services import views

app_name = "services"

urlpatterns = [
    path("", views.service_list, name="service-list"),
    path("new/", views.service_edit, name="service-create"),
    path("<int:pk>/", views.service_detail, name="service-detail"),
    path("<int:pk>/edit/", views.service_edit, name="service-edit"),
    path("<int:service_pk>/targets/new/", views.target_edit, name="target-create"),
    path("<int:service_pk>/targets/<int:pk>/edit/", views.target_edit, name="target-edit"),
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/new/", views.agreement_edit, name="agreement-create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement-edit"),
    path("orders/", views.order_queue, name="order-queue"),
    path("subscriptions/<int:pk>/", views.subscription_detail, name="subscription-detail"),
    path("subscriptions/<int:pk>/fulfil/", views.subscription_fulfil_view, name="subscription-fulfil"),
    path("subscriptions/<int:pk>/refuse/", views.subscription_refuse_view, name="subscription-refuse"),
]
