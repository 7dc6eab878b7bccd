from rest_framework import serializers

from api.fields import ModelSerializer, StrictDecimalField, StrictIntegerField
from api.mixins import UnitRefSerializer, UserRefSerializer, staff_user_field, unit_field
from customers.models import BusinessObjective, BusinessUnit, Contact

# --- Output ------------------------------------------------------------------------------


class BusinessUnitSerializer(ModelSerializer):
    relationship_manager = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = BusinessUnit
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "parent",
            "depth",
            "relationship_manager",
            "description",
            "has_budget",
            "annual_it_budget",
            "survey_frequency_months",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ContactSerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)
    has_login = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "unit",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "phone",
            "job_title",
            "role",
            "is_active",
            "has_login",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_has_login(self, contact) -> bool:
        return contact.user_id is not None


class BusinessObjectiveSerializer(ModelSerializer):
    unit = UnitRefSerializer(read_only=True)

    class Meta:
        model = BusinessObjective
        fields = ["id", "unit", "title", "description", "target_date", "status", "created_at", "updated_at"]
        read_only_fields = fields


# --- Input -------------------------------------------------------------------------------


class BusinessUnitInputSerializer(ModelSerializer):
    parent = unit_field(required=False, allow_null=True)
    relationship_manager = staff_user_field(required=False, allow_null=True)
    annual_it_budget = StrictDecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    survey_frequency_months = StrictIntegerField(min_value=1, max_value=24, required=False)

    class Meta:
        model = BusinessUnit
        fields = [
            "name",
            "code",
            "kind",
            "parent",
            "relationship_manager",
            "description",
            "has_budget",
            "annual_it_budget",
            "survey_frequency_months",
            "is_active",
        ]


class ContactInputSerializer(ModelSerializer):
    unit = unit_field()

    class Meta:
        model = Contact
        fields = ["unit", "first_name", "last_name", "email", "phone", "job_title", "role", "is_active"]
        # contact_save() says which rule a duplicate breaks, in words.
        validators = []


class BusinessObjectiveInputSerializer(ModelSerializer):
    unit = unit_field()

    class Meta:
        model = BusinessObjective
        fields = ["unit", "title", "description", "target_date", "status"]
