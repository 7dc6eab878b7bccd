from django.contrib import admin

from core.admin import ReadOnlyAdmin, ReadOnlyInline

from .models import Agreement, Measurement, Service, ServiceCategory, ServiceLevelTarget, Subscription


class TargetInline(ReadOnlyInline):
    model = ServiceLevelTarget


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "category", "owner", "lifecycle")
    list_filter = ("lifecycle", "category")
    search_fields = ("name", "code", "description")
    list_select_related = ("category", "owner")
    inlines = [TargetInline]


@admin.register(ServiceLevelTarget)
class ServiceLevelTargetAdmin(ReadOnlyAdmin):
    list_display = ("name", "service", "metric", "direction", "target_value", "unit_of_measure")
    list_filter = ("metric", "direction")
    search_fields = ("name", "service__name")
    list_select_related = ("service",)


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "title",
        "unit",
        "status",
        "valid_from",
        "valid_until",
        "next_review_on",
        "signed_by",
    )
    list_filter = ("status",)
    search_fields = ("reference", "title", "unit__name")
    list_select_related = ("unit", "signed_by")
    autocomplete_fields = ("unit",)
    raw_id_fields = ("signed_by",)
    date_hierarchy = "next_review_on"


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "service", "status", "agreement", "ordered_by", "started_on")
    list_filter = ("status", "service")
    search_fields = ("unit__name", "service__name")
    list_select_related = ("unit", "service", "agreement", "ordered_by")
    autocomplete_fields = ("unit",)
    raw_id_fields = ("agreement", "ordered_by")


@admin.register(Measurement)
class MeasurementAdmin(ReadOnlyAdmin):
    list_display = ("subscription", "target", "period_start", "value", "target_value", "is_met")
    list_filter = ("is_met", "period_start")
    search_fields = ("subscription__unit__name", "target__service__name")
    list_select_related = ("subscription__unit", "subscription__service", "target__service")
    raw_id_fields = ("subscription", "target")
    date_hierarchy = "period_start"
