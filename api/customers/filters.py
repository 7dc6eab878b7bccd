from django.db.models import Subquery

from api.filters import BRMFilterSet, DateFilter, IdFilter
from customers.models import BusinessObjective, BusinessUnit, Contact


class BusinessUnitFilter(BRMFilterSet):
    within = IdFilter(method="filter_within", label="Only this unit and the units below it (a unit id).")
    parent = IdFilter(field_name="parent")
    relationship_manager = IdFilter(field_name="relationship_manager")

    class Meta:
        model = BusinessUnit
        fields = ["code", "kind", "parent", "is_active", "has_budget", "relationship_manager"]

    def filter_within(self, queryset, name, value):
        root = BusinessUnit.objects.filter(pk=value).values("path")[:1]
        # One query: the root's path as a subquery, then a prefix match on the tree.
        return queryset.filter(path__startswith=Subquery(root))


class ContactFilter(BRMFilterSet):
    unit = IdFilter(field_name="unit")

    class Meta:
        model = Contact
        fields = ["unit", "role", "is_active"]


class BusinessObjectiveFilter(BRMFilterSet):
    unit = IdFilter(field_name="unit")
    target_before = DateFilter(field_name="target_date", lookup_expr="lte")

    class Meta:
        model = BusinessObjective
        fields = ["unit", "status"]
