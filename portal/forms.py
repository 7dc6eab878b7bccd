"""Forms of the portal and the survey page: they parse input; the services decide.

A `DomainError` a service raises lands on the field it names (`add_domain_error`), so
every message appears by the input it is about.
"""

from django import forms

from core.domain import DomainError
from core.forms import BrowserFormMixin, DateInput, Textarea
from relationships.models import Escalation, Requirement
from services.models import Service, Subscription

SATISFACTION_CHOICES = [
    (1, "1 — Very poor"),
    (2, "2 — Poor"),
    (3, "3 — Fair"),
    (4, "4 — Good"),
    (5, "5 — Excellent"),
]
RECOMMEND_CHOICES = [(n, str(n)) for n in range(11)]
RATING_CHOICES = SATISFACTION_CHOICES


class PortalForm(BrowserFormMixin, forms.Form):
    """Bootstrap classes and ARIA on every widget: `is-invalid` and `aria-describedby`
    pointing at the message when a field has an error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, fld in self.fields.items():
            widget = fld.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
            if fld.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}_helptext"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self._mark_invalid(name)

    def _mark_invalid(self, name):
        widget = self.fields[name].widget
        if "is-invalid" not in widget.attrs.get("class", ""):
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()
        widget.attrs["aria-invalid"] = "true"
        described = f"id_{self.add_prefix(name)}_error"
        if described not in widget.attrs.get("aria-describedby", ""):
            widget.attrs["aria-describedby"] = (
                f"{described} {widget.attrs.get('aria-describedby', '')}".strip()
            )

    def add_domain_error(self, error: DomainError) -> None:
        """Put a service's message by the field it names, or above the form."""
        name = error.field if error.field in self.fields else None
        self.add_error(name, error.message)
        if name:
            self._mark_invalid(name)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class RequirementForm(PortalForm):
    unit = UnitChoiceField(queryset=None, label="For unit", empty_label=None)
    title = forms.CharField(max_length=200, help_text="In a few words: what do you need?")
    kind = forms.ChoiceField(
        choices=Requirement.Kind.choices,
        initial=Requirement.Kind.NEW_SERVICE,
        widget=forms.RadioSelect,
        label="What kind of request is it?",
    )
    service = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Service to change",
        help_text="Needed for a change to a service you use.",
        empty_label="— none —",
    )
    description = forms.CharField(
        widget=Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text="What should it do, for whom, and what result do you expect?",
    )
    priority = forms.ChoiceField(choices=Requirement.Priority.choices, initial=Requirement.Priority.MEDIUM)
    desired_by = forms.DateField(
        required=False,
        label="Wanted by",
        widget=DateInput(),
        help_text="Optional. The date you would like it by.",
    )

    def __init__(self, *args, units, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["service"].queryset = services
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk
            self.fields["unit"].widget = forms.HiddenInput()


class DecisionForm(PortalForm):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = forms.CharField(
        required=False,
        max_length=5000,
        widget=Textarea(attrs={"rows": 3}),
        label="Reason",
        help_text="Required when you reject; shared with IT.",
    )


class OrderForm(PortalForm):
    service = forms.ModelChoiceField(queryset=None, empty_label="— choose a service —")
    unit = UnitChoiceField(queryset=None, label="For unit", empty_label=None)
    quantity = forms.IntegerField(
        min_value=1, max_value=100000, initial=1, help_text="Users, seats or instances."
    )
    notes = forms.CharField(
        required=False,
        max_length=2000,
        widget=Textarea(attrs={"rows": 3}),
        label="Notes for IT",
        help_text="Optional: when you need it, who will use it.",
    )

    def __init__(self, *args, units, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["service"].queryset = services
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk
            self.fields["unit"].widget = forms.HiddenInput()


class EscalationForm(PortalForm):
    unit = UnitChoiceField(queryset=None, label="For unit", empty_label=None)
    subject = forms.CharField(max_length=200, help_text="In one line: what is wrong?")
    severity = forms.ChoiceField(
        choices=Escalation.Severity.choices,
        initial=Escalation.Severity.MEDIUM,
        widget=forms.RadioSelect,
        label="How serious is it?",
    )
    service = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Affected service",
        empty_label="— not about one service —",
    )
    description = forms.CharField(
        widget=Textarea(attrs={"rows": 6}),
        max_length=5000,
        help_text="What happened, since when, what it costs your unit, what you tried.",
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["service"].queryset = (
            Service.objects.filter(
                subscriptions__unit__in=units, subscriptions__status=Subscription.Status.ACTIVE
            )
            .distinct()
            .order_by("name")
        )
        if len(units) == 1:
            self.fields["unit"].initial = units[0].pk
            self.fields["unit"].widget = forms.HiddenInput()


class CommentForm(PortalForm):
    note = forms.CharField(
        label="Your comment",
        max_length=5000,
        widget=Textarea(attrs={"rows": 3}),
    )


class EscalateForm(PortalForm):
    """Shares its page with the comment form: the prefix keeps their ids apart."""

    prefix = "escalate"

    note = forms.CharField(
        label="Why escalate further?",
        max_length=5000,
        widget=Textarea(attrs={"rows": 2}),
    )


class SurveyForm(PortalForm):
    """Overall satisfaction, likelihood to recommend, one optional rating per service the
    unit uses, a comment."""

    overall_satisfaction = forms.TypedChoiceField(
        choices=SATISFACTION_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        label="Overall, how satisfied are you with IT's services?",
        error_messages={"required": "Choose how satisfied you are, from 1 to 5."},
    )
    recommend_score = forms.TypedChoiceField(
        choices=RECOMMEND_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        label="How likely are you to recommend IT to a colleague?",
        error_messages={"required": "Choose a number from 0 (not at all likely) to 10 (extremely likely)."},
    )
    comment = forms.CharField(
        required=False,
        max_length=5000,
        widget=Textarea(attrs={"rows": 4}),
        label="Anything you would like to tell us?",
        help_text="Optional. Your relationship manager reads every comment.",
    )

    def __init__(self, *args, subscriptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.subscriptions = list(subscriptions)
        for sub in self.subscriptions:
            self.fields[f"rating_{sub.pk}"] = forms.TypedChoiceField(
                choices=[("", "No opinion"), *RATING_CHOICES],
                coerce=int,
                empty_value=None,
                initial="",
                widget=forms.RadioSelect,
                required=False,
                label=sub.service.name,
            )

    def rating_fields(self):
        return [self[f"rating_{sub.pk}"] for sub in self.subscriptions]

    def ratings(self) -> dict[int, int]:
        return {
            sub.pk: self.cleaned_data[f"rating_{sub.pk}"]
            for sub in self.subscriptions
            if self.cleaned_data.get(f"rating_{sub.pk}") not in (None, "")
        }

    def add_domain_error(self, error: DomainError) -> None:
        if error.field == "ratings":
            self.add_error(None, error.message)
            return
        super().add_domain_error(error)
