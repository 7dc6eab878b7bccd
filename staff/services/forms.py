from django import forms

from core.forms import BrowserFormMixin, DateInput, Textarea, keeping
from services.models import Agreement, Service, ServiceCategory, ServiceLevelTarget


class ServiceFilter(forms.Form):
    q = forms.CharField(required=False, label="Search name or code")
    lifecycle = forms.ChoiceField(choices=[("", "Any lifecycle"), *Service.Lifecycle.choices], required=False)
    category = forms.ModelChoiceField(
        queryset=ServiceCategory.objects.all(), required=False, empty_label="Any category"
    )


class AgreementFilter(forms.Form):
    q = forms.CharField(required=False, label="Search title, reference or unit")
    status = forms.ChoiceField(choices=[("", "Any status"), *Agreement.Status.choices], required=False)
    review = forms.ChoiceField(
        choices=[("", "Any review date"), ("due", "Review due within 60 days")], required=False
    )


class ServiceForm(BrowserFormMixin, forms.ModelForm):
    class Meta:
        model = Service
        fields = ["name", "code", "category", "lifecycle", "owner", "description"]
        widgets = {"description": Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = keeping(
            self.fields["owner"].queryset.filter(is_active=True).order_by("last_name"), self.instance.owner_id
        )


class TargetForm(BrowserFormMixin, forms.ModelForm):
    class Meta:
        model = ServiceLevelTarget
        fields = ["name", "metric", "direction", "target_value", "unit_of_measure"]
        labels = {"target_value": "Target", "unit_of_measure": "Unit (%, hours, ...)"}

    def clean(self):
        # Said at the field here; left to the database constraint it would be a general error.
        cleaned = super().clean()
        if cleaned.get("target_value") is not None and cleaned.get("metric"):
            probe = ServiceLevelTarget(metric=cleaned["metric"], target_value=cleaned["target_value"])
            if error := probe.value_error():
                self.add_error("target_value", error)
        return cleaned


class AgreementForm(BrowserFormMixin, forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "unit",
            "reference",
            "title",
            "valid_from",
            "valid_until",
            "review_interval_months",
            "next_review_on",
            "notes",
        ]
        widgets = {
            "valid_from": DateInput(),
            "valid_until": DateInput(),
            "next_review_on": DateInput(),
            "notes": Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "next_review_on": "Leave empty: signing plans the first review one interval after the start."
        }

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = keeping(units, self.instance.unit_id)


class _MarksInvalidFields:
    """A field with an error gets Bootstrap's is-invalid, so its message shows beside it."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


class OrderFulfilForm(_MarksInvalidFields, forms.Form):
    on = forms.DateField(
        required=False,
        label="In use from",
        help_text="Today when left empty.",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )


class OrderRefuseForm(_MarksInvalidFields, forms.Form):
    reason = forms.CharField(
        label="Why is it refused?",
        max_length=2000,
        help_text="The person who ordered it reads this in their e-mail and in the portal.",
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
