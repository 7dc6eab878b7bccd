"""The admin shows the portal's data; it does not change it. Every change goes through the
domain services (the staff pages, the portal, the API, the imports and the admin actions
call them), where the rules and who may do what are checked: a form that saved models
directly would be one more door that forgets them."""

from django.contrib import admin


class _ShowsOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(_ShowsOnly, admin.ModelAdmin):
    pass


class ReadOnlyInline(_ShowsOnly, admin.TabularInline):
    extra = 0
    can_delete = False
