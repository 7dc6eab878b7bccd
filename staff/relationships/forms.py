"""Forms of the staff workspace. They check the shape of the input; the rules (who may,
in which state) stay in relationships.services and come back as field errors."""

from django import forms
from django.contrib.auth import get_user_model
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from core.forms import BrowserFormMixin, DateInput, DateTimeInput, Textarea, keeping
from customers.models import BusinessUnit, Contact
from relationships import rules
from relationships.models import Escalation, FollowUpAction, Interaction, Opportunity, Requirement
from relationships.services import DUE_IN_THE_PAST

User = get_user_model()
ACTION_ROWS = 3


def staff_choices():
    return User.objects.filter(is_staff=True, is_active=True).order_by("first_name", "last_name")


class FastSelect(forms.Select):
    """A <select> written out in Python. Django renders every <option> through two
    templates, which for the quick-log's three lists of every staff member was most of
    the unit page's rendering time."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _ in widget["optgroups"]:
            rendered = format_html_join(
                "",
                "{}",
                (
                    (
                        format_html(
                            '<option value="{}" selected>{}</option>'
                            if option["selected"]
                            else '<option value="{}">{}</option>',
                            option["value"] if option["value"] is not None else "",
                            option["label"],
                        ),
                    )
                    for option in options
                ),
            )
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered)
                if group_name
                else rendered
            )
        return format_html(
            '<select name="{}"{}>{}</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            format_html_join("", "{}", ((part,) for part in parts)),
        )


class StaffChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class BootstrapWidgetsMixin:
    """Bootstrap's classes on the widgets themselves, for a form rendered field by field
    with relationships/_field.html instead of crispy (crispy keeps them when it renders
    the same form elsewhere). A field with an error is marked invalid."""

    def style_widgets(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"
            else:
                widget.attrs["class"] = "form-control"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


class ActionRowsMixin:
    """Up to ACTION_ROWS follow-up actions (title, owner, due date) in the same form as the
    meeting they came out of; cleaned into `cleaned_data["actions"]` for the service."""

    action_count = 0

    def add_action_rows(self, *, user, count: int = ACTION_ROWS) -> None:
        owners = staff_choices()
        self.action_count = count
        for n in range(count):
            self.fields[f"action_{n}_title"] = forms.CharField(max_length=200, required=False, label="Action")
            self.fields[f"action_{n}_owner"] = StaffChoiceField(
                queryset=owners, required=False, label="Owner", initial=user.pk
            )
            self.fields[f"action_{n}_due"] = forms.DateField(required=False, label="Due", widget=DateInput())
        if count:
            # The rows share one owner list: one query, not one per row.
            owner_choices = list(iter(self.fields["action_0_owner"].choices))  # iter: no COUNT
            for n in range(count):
                self.fields[f"action_{n}_owner"].choices = owner_choices

    def action_rows(self):
        return [
            (self[f"action_{n}_title"], self[f"action_{n}_owner"], self[f"action_{n}_due"])
            for n in range(self.action_count)
        ]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        actions = []
        for n in range(self.action_count):
            title = (data.get(f"action_{n}_title") or "").strip()
            owner, due = data.get(f"action_{n}_owner"), data.get(f"action_{n}_due")
            if not title:
                if due:
                    self.add_error(f"action_{n}_title", "Say what has to be done.")
                continue
            if owner is None:
                self.add_error(f"action_{n}_owner", "Choose who owns this action.")
            if due is None:
                self.add_error(f"action_{n}_due", "Give the action a due date.")
            elif rules.sets_a_past_date(value=due, today=today):
                # The service's rule, checked here too to put the message at its row.
                self.add_error(f"action_{n}_due", DUE_IN_THE_PAST)
            actions.append({"title": title, "owner": owner, "due_on": due})
        data["actions"] = actions
        return data


class InteractionForm(BrowserFormMixin, BootstrapWidgetsMixin, ActionRowsMixin, forms.Form):
    """Log a contact moment, with up to three follow-up actions agreed in it."""

    kind = forms.ChoiceField(
        choices=Interaction.Kind.choices, initial=Interaction.Kind.MEETING, widget=FastSelect
    )
    subject = forms.CharField(max_length=200)
    occurred_at = forms.DateTimeField(label="When", widget=DateTimeInput())
    sentiment = forms.ChoiceField(
        choices=Interaction.Sentiment.choices, initial=Interaction.Sentiment.NEUTRAL, widget=FastSelect
    )
    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who was there",
    )
    notes = forms.CharField(widget=Textarea(attrs={"rows": 4}), required=False)
    is_shared_with_business = forms.BooleanField(
        required=False, label="Share these notes with the business in the portal"
    )

    def __init__(self, *args, unit: BusinessUnit, user, with_actions: bool = True, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
        super().__init__(*args, **kwargs)
        self.unit = unit
        # Who was there stays there, if they have left the unit's active contacts since.
        present = self.initial.get("contacts") or []
        self.fields["contacts"].queryset = keeping(unit.contacts.filter(is_active=True), *present)
        self.fields["contacts"].label_from_instance = lambda c: (
            f"{c.full_name} ({c.get_role_display().split(' (')[0]})"
        )
        self.add_action_rows(user=user, count=ACTION_ROWS if with_actions else 0)
        self.style_widgets()


class ActionForm(BrowserFormMixin, forms.ModelForm):
    owner = StaffChoiceField(queryset=User.objects.none())

    class Meta:
        model = FollowUpAction
        fields = ["unit", "title", "description", "owner", "due_on"]
        widgets = {"due_on": DateInput(), "description": Textarea(attrs={"rows": 3})}

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = keeping(units, self.instance.unit_id)
        self.fields["owner"].queryset = keeping(staff_choices(), self.instance.owner_id)


class RequirementForm(BrowserFormMixin, forms.ModelForm):
    class Meta:
        model = Requirement
        fields = ["unit", "title", "description", "kind", "service", "priority", "desired_by"]
        widgets = {"desired_by": DateInput(), "description": Textarea(attrs={"rows": 4})}

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        if data.get("kind") == Requirement.Kind.CHANGE and not data.get("service"):
            self.add_error("service", "A change request must name the service to change.")
        return data


class OpportunityForm(BrowserFormMixin, forms.ModelForm):
    owner = StaffChoiceField(queryset=User.objects.none(), required=False)

    class Meta:
        model = Opportunity
        fields = ["unit", "title", "description", "kind", "status", "estimated_annual_value", "owner"]
        widgets = {"description": Textarea(attrs={"rows": 4})}
        labels = {"estimated_annual_value": "Estimated annual value (€)"}

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = keeping(units, self.instance.unit_id)
        self.fields["owner"].queryset = keeping(staff_choices(), self.instance.owner_id)


class EscalationRaiseForm(BrowserFormMixin, forms.Form):
    unit = forms.ModelChoiceField(queryset=BusinessUnit.objects.none())
    subject = forms.CharField(max_length=200)
    description = forms.CharField(widget=Textarea(attrs={"rows": 4}))
    severity = forms.ChoiceField(choices=Escalation.Severity.choices, initial=Escalation.Severity.MEDIUM)

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class EscalationStepForm(BrowserFormMixin, forms.Form):
    """A note for acknowledge / escalate / comment, the resolution for resolve."""

    note = forms.CharField(widget=Textarea(attrs={"rows": 2}), required=False, label="Note")


class ReviewForm(BrowserFormMixin, ActionRowsMixin, forms.Form):
    subject = forms.CharField(max_length=200)
    occurred_at = forms.DateTimeField(label="When", widget=DateTimeInput())
    notes = forms.CharField(widget=Textarea(attrs={"rows": 16}), label="Agenda and notes")
    sentiment = forms.ChoiceField(
        choices=Interaction.Sentiment.choices, initial=Interaction.Sentiment.NEUTRAL
    )
    is_shared_with_business = forms.BooleanField(required=False, label="Share the notes with the business")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_action_rows(user=user)

    def main_fields(self):
        return [field for field in self if not field.name.startswith("action_")]


class SearchFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
