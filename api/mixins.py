"""What every API viewset shares: who sees which units, ids limited to what the caller may
see, and writes that go through the domain services."""

from django.contrib.auth import get_user_model
from rest_framework import serializers, status
from rest_framework.response import Response

from api.fields import StrictPrimaryKeyRelatedField
from customers.models import BusinessUnit

User = get_user_model()


def visible_units(user):
    """The units `user` may see; for staff every unit (no filter at all)."""
    return BusinessUnit.objects.visible_to(user)


def scope_to_visible_units(queryset, user, *, field: str = "unit"):
    """Rows of units the caller may see. Staff see every unit, so no subquery for them; a
    business contact's visible units are one subquery (their contacts are read once)."""
    if user.is_authenticated and user.is_staff:
        return queryset
    return queryset.filter(**{f"{field}__in": visible_units(user)})


class ScopedPrimaryKeyRelatedField(StrictPrimaryKeyRelatedField):
    """An id among the objects the caller may see. The id of an object they may not see is
    answered exactly like one that does not exist, so ids of other units cannot be probed."""

    def __init__(self, *, scope=None, **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if self.scope is None or request is None:
            return queryset
        return self.scope(queryset, request.user)


def unit_field(**kwargs):
    return ScopedPrimaryKeyRelatedField(
        queryset=BusinessUnit.objects.all(), scope=lambda qs, user: qs & visible_units(user), **kwargs
    )


def staff_user_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_staff=True, is_active=True), **kwargs
    )


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


def with_changes(instance, changes: dict):
    """The object with the changes of a PATCH applied, not saved: its domain service checks
    the right on the stored row and saves it."""
    for name, value in changes.items():
        setattr(instance, name, value)
    return instance


class ServiceWriteMixin:
    """Writes of a viewset: the input serializer of the action (`input_serializers`) checks
    types and ids, a domain service applies the rules, and the answer is the object read
    back through `get_queryset()` with the output serializer (`serializer_class`). The write
    and its read-back are one transaction, as every write request is
    (core.transactions.OneTransactionPerWriteMiddleware)."""

    input_serializers: dict = {}

    def validated(self, action: str | None = None, **kwargs) -> dict:
        serializer_class = self.input_serializers[action or self.action]
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def respond(self, instance, *, status_code=status.HTTP_200_OK):
        instance = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(instance).data, status=status_code)
