from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from api.caching import CachedReadMixin
from api.customers import filters, serializers
from api.history import HistoryMixin
from api.mixins import ModelWriteMixin, scope_to_visible_units
from api.permissions import StaffWritesOnly
from core.domain import DomainPermissionError
from customers.models import BusinessObjective, BusinessUnit, Contact
from customers.services import contact_save, ensure_can_edit_unit, unit_save

WRITE_METHODS = ["get", "post", "patch", "head", "options"]


class _ReadWriteViewSet(
    ModelWriteMixin,
    CachedReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    permission_classes = [StaffWritesOnly]
    http_method_names = WRITE_METHODS


@extend_schema_view(
    list=extend_schema(summary="List the business units you may see"),
    create=extend_schema(summary="Add a business unit (IT staff; under a unit of your portfolio)"),
    partial_update=extend_schema(summary="Change a business unit of your portfolio"),
)
class BusinessUnitViewSet(HistoryMixin, _ReadWriteViewSet):
    """Business units: a business contact sees their own unit (a customer also the units
    below it); IT staff see all and change those of their portfolio."""

    queryset = BusinessUnit.objects.select_related("relationship_manager")
    serializer_class = serializers.BusinessUnitSerializer
    input_serializers = {
        "create": serializers.BusinessUnitInputSerializer,
        "partial_update": serializers.BusinessUnitInputSerializer,
    }
    filterset_class = filters.BusinessUnitFilter
    search_fields = ["name", "code", "description"]
    ordering_fields = ["name", "code", "path", "kind", "created_at"]
    ordering = ["path"]

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user)

    def check_can_save(self, unit):
        user = self.request.user
        if unit.pk:
            return  # unit_save() checks the unit itself
        if unit.parent_id:
            ensure_can_edit_unit(user=user, unit=unit.parent)
        elif not user.has_perm("customers.manage_all_units"):
            raise DomainPermissionError("Only IT management may add a unit at the top of the organisation.")

    def save_instance(self, instance, data):
        if instance.pk:
            ensure_can_edit_unit(user=self.request.user, unit=instance)
        for name, value in data.items():
            setattr(instance, name, value)
        self.check_can_save(instance)
        return unit_save(unit=instance, by=self.request.user)


class ContactViewSet(HistoryMixin, _ReadWriteViewSet):
    """Contacts of the business units you may see; IT staff add and change those of the units
    of their portfolio. A unit has at most one active customer: the one who decides."""

    queryset = Contact.objects.select_related("unit")
    serializer_class = serializers.ContactSerializer
    input_serializers = {
        "create": serializers.ContactInputSerializer,
        "partial_update": serializers.ContactInputSerializer,
    }
    filterset_class = filters.ContactFilter
    search_fields = ["first_name", "last_name", "email", "job_title"]
    ordering_fields = ["last_name", "first_name", "email", "role", "created_at"]
    ordering = ["last_name", "first_name", "id"]

    def get_queryset(self):
        return scope_to_visible_units(self.queryset, self.request.user)

    def save_instance(self, instance, data):
        if instance.pk:
            ensure_can_edit_unit(user=self.request.user, unit=instance.unit)
        for name, value in data.items():
            setattr(instance, name, value)
        return contact_save(contact=instance, by=self.request.user)


class BusinessObjectiveViewSet(_ReadWriteViewSet):
    """What each unit wants to achieve; IT delivery is judged against these."""

    queryset = BusinessObjective.objects.select_related("unit")
    serializer_class = serializers.BusinessObjectiveSerializer
    input_serializers = {
        "create": serializers.BusinessObjectiveInputSerializer,
        "partial_update": serializers.BusinessObjectiveInputSerializer,
    }
    filterset_class = filters.BusinessObjectiveFilter
    search_fields = ["title", "description"]
    ordering_fields = ["target_date", "title", "status", "created_at"]
    ordering = ["target_date", "title", "id"]

    def get_queryset(self):
        return scope_to_visible_units(self.queryset, self.request.user)
