from django.contrib import admin

from core.admin import ReadOnlyAdmin
from notifications.models import DigestItem, NotificationPreference, OutgoingEmail


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    list_display = ("subject", "status", "kind", "attempts", "created_at", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("key", "subject")
    readonly_fields = (
        "key",
        "to",
        "kind",
        "withheld",
        "subject",
        "body_text",
        "body_html",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "address", "kind", "delivery", "updated_at")
    list_filter = ("kind", "delivery")
    search_fields = ("user__username", "user__email", "address")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(DigestItem)
class DigestItemAdmin(ReadOnlyAdmin):
    """Read only: what was held for whose digest, and which digest carried it."""

    list_display = ("email", "user", "kind", "created_at", "digest")
    list_filter = ("kind",)
    search_fields = ("user__username", "address", "email__subject")
    list_select_related = ("email", "user", "digest")
    readonly_fields = ("user", "email", "address", "kind", "summary", "link", "created_at", "digest")
