from django.contrib import admin, messages

from core.admin import ReadOnlyAdmin, ReadOnlyInline
from core.domain import DomainError

from .models import BusinessObjective, BusinessUnit, Contact
from .services import contact_grant_portal_access, contact_revoke_portal_access


class ContactInline(ReadOnlyInline):
    model = Contact
    fields = ("first_name", "last_name", "email", "role", "user", "is_active")
    raw_id_fields = ("user",)


class ObjectiveInline(ReadOnlyInline):
    model = BusinessObjective
    fields = ("title", "target_date", "status")


@admin.register(BusinessUnit)
class BusinessUnitAdmin(ReadOnlyAdmin):
    list_display = ("indented_name", "code", "kind", "relationship_manager", "has_budget", "is_active")
    list_filter = ("kind", "has_budget", "is_active", "relationship_manager")
    search_fields = ("name", "code", "description")
    list_select_related = ("relationship_manager",)
    autocomplete_fields = ("parent",)
    readonly_fields = ("path", "depth", "created_at", "updated_at")
    inlines = [ContactInline, ObjectiveInline]

    @admin.display(description="Name", ordering="path")
    def indented_name(self, unit):
        return f"{'— ' * unit.depth}{unit.name}"


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "unit", "role", "email", "has_login", "is_active")
    list_filter = ("role", "is_active", "unit__kind")
    search_fields = ("first_name", "last_name", "email", "unit__name", "unit__code")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
    raw_id_fields = ("user",)

    actions = ["grant_portal_access", "revoke_portal_access"]

    @admin.display(boolean=True, description="Portal login")
    def has_login(self, contact):
        return contact.user_id is not None

    def _each(self, request, queryset, service, done: str):
        count = 0
        for contact in queryset.select_related("unit", "user"):
            try:
                service(contact=contact, by=request.user)
                count += 1
            except DomainError as error:
                self.message_user(request, f"{contact}: {error.message}", messages.WARNING)
        if count:
            self.message_user(request, f"{done} for {count} contact{'s' if count != 1 else ''}.")

    @admin.action(description="Give portal access (e-mails a link to set a password)")
    def grant_portal_access(self, request, queryset):
        self._each(request, queryset, contact_grant_portal_access, "Portal access given")

    @admin.action(description="Revoke portal access")
    def revoke_portal_access(self, request, queryset):
        self._each(request, queryset, contact_revoke_portal_access, "Portal access revoked")


@admin.register(BusinessObjective)
class BusinessObjectiveAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "target_date", "status")
    list_filter = ("status",)
    search_fields = ("title", "description", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("unit",)
