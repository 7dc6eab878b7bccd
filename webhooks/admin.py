from django import forms
from django.contrib import admin, messages
from django.core.validators import URLValidator

from webhooks import services
from webhooks.models import SUBSCRIBABLE_EVENTS, WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointAdminForm(forms.ModelForm):
    """The same rules as the staff pages: http(s) only, known events only."""

    url = forms.URLField(
        label="URL",
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    events = forms.MultipleChoiceField(choices=SUBSCRIBABLE_EVENTS, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "owner", "is_active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointAdminForm
    list_display = ("name", "url", "is_active", "consecutive_failures", "owner", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "url")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    # The secret is made and rotated by the portal, never typed in.
    readonly_fields = (
        "secret",
        "secret_rotated_at",
        "consecutive_failures",
        "disabled_at",
        "disabled_reason",
    )
    actions = ["re_enable", "send_test_event"]

    @admin.action(description="Re-enable the selected endpoints")
    def re_enable(self, request, queryset):
        enabled = 0
        for endpoint in queryset.filter(is_active=False):
            services.endpoint_enable(endpoint=endpoint, by=request.user)
            enabled += 1
        self.message_user(request, f"{enabled} endpoint(s) re-enabled.", messages.SUCCESS)

    @admin.action(description="Send a test event to the selected endpoints")
    def send_test_event(self, request, queryset):
        for endpoint in queryset:
            services.endpoint_send_test(endpoint=endpoint, by=request.user)
        self.message_user(request, f"Test event queued for {queryset.count()} endpoint(s).", messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The record of what was sent: written by the portal only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "event_type", "occurred_at")
    list_filter = ("event_type",)
    search_fields = ("id",)
    date_hierarchy = "occurred_at"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "event",
        "endpoint",
        "status",
        "attempts",
        "response_code",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "endpoint")
    search_fields = ("event__id", "endpoint__name", "last_error")
    list_select_related = ("event", "endpoint")
