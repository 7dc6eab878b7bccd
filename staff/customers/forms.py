"""Forms and list filters of the staff pages of units and contacts. They check the shape
of the input; the rules (who may edit, one customer per unit, the tree stays a tree) stay
in customers.services and come back as field errors."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.forms.models import model_to_dict

from core.forms import BrowserFormMixin, DateInput, Textarea, keeping
from customers.models import BusinessObjective, BusinessUnit, Contact

User = get_user_model()


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


def _staff():
    return User.objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name", "username")


class UnitForm(BrowserFormMixin, forms.ModelForm):
    relationship_manager = StaffChoiceField(queryset=User.objects.none(), required=False)

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
        widgets = {"description": Textarea(attrs={"rows": 3})}
        labels = {
            "annual_it_budget": "Annual IT budget (€)",
            "has_budget": "Holds its own IT budget",
            "survey_frequency_months": "Survey every (months)",
            "is_active": "Active",
        }
        help_texts = {
            "has_budget": "Follow the money: the dashboard flags a budget holder nobody can decide for.",
            "is_active": "Inactive units leave the dashboard and the surveys but keep their history.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relationship_manager"].queryset = keeping(
            _staff(), self.instance.relationship_manager_id
        )
        parents = BusinessUnit.objects.filter(is_active=True).order_by("path")
        if self.instance.pk:
            parents = parents.exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = keeping(parents, self.instance.parent_id)
        self.fields["parent"].label_from_instance = lambda unit: f"{'— ' * unit.depth}{unit.name}"

    def clean(self):
        data = super().clean()
        if data.get("annual_it_budget") and not data.get("has_budget"):
            self.add_error(
                "has_budget", "A unit with an IT budget holds a budget: tick this, or clear the amount."
            )
        return data


class ContactForm(BrowserFormMixin, forms.Form):
    """A plain form over the contact's fields: which contacts a unit may have (one address
    per person, one active customer) is customers.services.contact_save's rule, said once,
    in its words, at the field it concerns."""

    FIELDS = ["unit", "first_name", "last_name", "email", "phone", "job_title", "role", "is_active"]

    unit = forms.ModelChoiceField(queryset=BusinessUnit.objects.none())
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField()
    phone = forms.CharField(max_length=50, required=False)
    job_title = forms.CharField(max_length=200, required=False)
    role = forms.ChoiceField(choices=Contact.Role.choices, initial=Contact.Role.STAKEHOLDER)
    is_active = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, contact=None, units=None, initial=None, **kwargs):
        self.editing = contact or Contact()
        stored = model_to_dict(self.editing, fields=self.FIELDS) if contact else {}
        super().__init__(*args, initial={**(initial or {}), **stored}, **kwargs)
        self.fields["unit"].queryset = keeping(
            units if units is not None else BusinessUnit.objects.filter(is_active=True), self.editing.unit_id
        )
        self.fields["unit"].label_from_instance = lambda unit: f"{'— ' * unit.depth}{unit.name}"

    def contact(self) -> Contact:
        """The contact with the form's values, not saved (contact_save checks and saves it)."""
        for name in self.FIELDS:
            setattr(self.editing, name, self.cleaned_data[name])
        return self.editing


class ObjectiveForm(BrowserFormMixin, forms.ModelForm):
    class Meta:
        model = BusinessObjective
        fields = ["title", "description", "target_date", "status"]
        widgets = {
            "description": Textarea(attrs={"rows": 3}),
            "target_date": DateInput(),
        }


class UnitFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Find a unit")
    kind = django_filters.ChoiceFilter(choices=BusinessUnit.Kind.choices, empty_label="Any kind")
    relationship_manager = django_filters.ModelChoiceFilter(
        queryset=_staff(), empty_label="Any relationship manager", label="Relationship manager"
    )
    has_budget = django_filters.BooleanFilter(
        label="Budget",
        widget=forms.Select(
            choices=[("", "Budget or not"), ("true", "Holds a budget"), ("false", "No budget")]
        ),
    )
    is_active = django_filters.BooleanFilter(
        label="Status",
        widget=forms.Select(choices=[("", "Active and inactive"), ("true", "Active"), ("false", "Inactive")]),
    )

    class Meta:
        model = BusinessUnit
        fields = ["q", "kind", "relationship_manager", "has_budget", "is_active"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value)) if value else queryset


class ContactFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Find a contact")
    role = django_filters.ChoiceFilter(choices=Contact.Role.choices, empty_label="Any role")
    unit = django_filters.ModelChoiceFilter(
        queryset=BusinessUnit.objects.order_by("path"), empty_label="Any unit"
    )
    has_login = django_filters.BooleanFilter(
        field_name="user",
        lookup_expr="isnull",
        exclude=True,
        label="Portal login",
        widget=forms.Select(
            choices=[("", "Login or not"), ("true", "Has a portal login"), ("false", "No login")]
        ),
    )

    class Meta:
        model = Contact
        fields = ["q", "role", "unit", "has_login"]

    def search(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(email__icontains=word)
                | Q(job_title__icontains=word)
            )
        return queryset
