from django.urls import path

from staff.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_start, name="start"),
    path("<slug:kind>/template.<str:file_format>", views.import_template, name="template"),
    path("<slug:kind>/export.<str:file_format>", views.import_export, name="export"),
    path("<slug:kind>/preview/", views.import_preview, name="preview"),
    path("<slug:kind>/confirm/", views.import_confirm, name="confirm"),
]
