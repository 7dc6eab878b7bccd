"""Staff pages of the business side: units (with the 360° view), contacts and objectives."""

from django.urls import path

from staff.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.unit_list, name="unit-list"),
    path("new/", views.unit_edit, name="unit-create"),
    path("<int:pk>/", views.unit_detail, name="unit-detail"),
    path("<int:pk>/edit/", views.unit_edit, name="unit-edit"),
    path("<int:pk>/print/", views.unit_print, name="unit-print"),
    path("<int:unit_pk>/objectives/new/", views.objective_edit, name="objective-create"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective-edit"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/new/", views.contact_edit, name="contact-create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
]
