from rest_framework.permissions import SAFE_METHODS, BasePermission

from customers import roles


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
    """The service catalogue is read by everyone signed in and kept by IT management (or
    whoever holds the model permission); a service's owner may change their own service."""

    message = "Only IT management or the service's owner may change the service catalogue."

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
        return is_catalogue_manager(request.user) or view.owner_of(obj) == request.user.pk


def is_catalogue_manager(user) -> bool:
    # Who manages every unit keeps the catalogue (services.services.may_change_catalogue).
    return user.is_staff and (roles.manages_every_unit(user) or user.has_perm("services.change_service"))
