from rest_framework.permissions import SAFE_METHODS, BasePermission

from services.services import CATALOGUE_REFUSAL, may_change_catalogue


class IsStaff(BasePermission):
    """IT staff only: business contacts get a 403, anonymous callers a 401."""

    message = "Only IT staff may use this resource."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


class StaffWritesOnly(BasePermission):
    """Everyone signed in reads (the queryset limits what); only IT staff write, except the
    actions a viewset opens to the business (`business_actions`, e.g. approve, sign), where
    the domain service decides who may."""

    message = "Only IT staff may change this resource."

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS or request.user.is_staff:
            return True
        return getattr(view, "action", None) in getattr(view, "business_actions", ())


class CatalogueEditor(BasePermission):
    """The service catalogue is read by everyone signed in and kept by who has the catalogue
    right (services.services.may_change_catalogue: IT management, or a service's owner for
    their own service). Asked for the row before its input is read, so whoever may not
    change it gets a 403 rather than field errors; the catalogue's services ask again."""

    message = CATALOGUE_REFUSAL

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return user.is_staff

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return may_change_catalogue(user=request.user, service=view.service_of(obj))
