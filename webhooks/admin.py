from django import forms
from django.contrib import admin, messages

from core.admin import ReadOnlyAdmin
from core.domain import DomainError
from webhooks import services
from webhooks.models import SUBSCRIBABLE_EVENTS, WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointAdminForm(forms.ModelForm):
    """Checked by the same rule as the staff pages and the API (webhooks.services)."""

    url = forms.CharField(label="URL", max_length=500)  # which addresses: the service's rule
    events = forms.MultipleChoiceField(choices=SUBSCRIBABLE_EVENTS, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "owner"]

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                data["name"], data["url"], data["events"] = services.endpoint_fields_checked(
                    name=data["name"], url=data["url"], events=data["events"]
                )
            except DomainError as error:
                self.add_error(error.field, error.message)
        return data


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

    # Saved through the services like every other door: the secret is made there, and
    # switching an endpoint on or off goes through the actions (re-enabling resends what waited).
    def has_add_permission(self, request):
        return services.may_manage_webhooks(request.user)

    def has_change_permission(self, request, obj=None):
        return services.may_manage_webhooks(request.user)

    def get_fields(self, request, obj=None):
        fields = ["name", "url", "events", "owner", "is_active", *self.readonly_fields]
        return fields if obj else ["name", "url", "events"]

    def get_readonly_fields(self, request, obj=None):
        return ("is_active", *self.readonly_fields) if obj else ()

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {"name": data["name"], "url": data["url"], "events": data["events"]}
        if change:
            services.endpoint_update(endpoint=obj, by=request.user, owner=data.get("owner"), **fields)
        else:
            created = services.endpoint_create(by=request.user, **fields)
            obj.pk, obj.owner = created.pk, created.owner  # the admin logs and redirects to it

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
