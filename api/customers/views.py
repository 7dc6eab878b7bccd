from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets

from api.customers import filters, serializers
from api.history import HistoryMixin
from api.mixins import ServiceWriteMixin
from api.permissions import StaffWritesOnly
from customers import services
from customers.models import BusinessObjective, BusinessUnit, Contact

WRITE_METHODS = ["get", "post", "patch", "head", "options"]


class _ReadWriteViewSet(
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Create and change through the resource's service in customers.services, which checks
    who may make the change: the same service, and so the same answer, as the staff pages."""

    permission_classes = [StaffWritesOnly]
    http_method_names = WRITE_METHODS

    def service_create(self, instance):
        raise NotImplementedError

    def service_update(self, instance):
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        instance = self.get_queryset().model(**self.validated())
        return self.respond(self.service_create(instance), status_code=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        for name, value in self.validated(instance=instance, partial=True).items():
            setattr(instance, name, value)
        return self.respond(self.service_update(instance))


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

    def service_create(self, instance):
        return services.unit_create(unit=instance, by=self.request.user)

    def service_update(self, instance):
        return services.unit_update(unit=instance, by=self.request.user)


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
        return self.queryset.visible_to(self.request.user)

    def service_create(self, instance):
        return services.contact_save(contact=instance, by=self.request.user)

    service_update = service_create


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
        return self.queryset.visible_to(self.request.user)

    def service_create(self, instance):
        return services.objective_save(objective=instance, by=self.request.user)

    service_update = service_create
