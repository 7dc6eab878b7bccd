from django import forms

from core.forms import BrowserFormMixin
from webhooks.models import SUBSCRIBABLE_EVENTS


class EndpointForm(BrowserFormMixin, forms.Form):
    name = forms.CharField(max_length=120, help_text="What receives the events, e.g. “Service desk”.")
    # A CharField, not a URLField: a missing scheme is an error to show, not one to guess;
    # which addresses are accepted is the service's rule (webhooks.services).
    url = forms.CharField(
        label="URL",
        max_length=500,
        help_text="Where the portal POSTs each event: a full http:// or https:// address.",
        widget=forms.URLInput(attrs={"placeholder": "https://tools.example.org/hooks/brm"}),
    )
    events = forms.MultipleChoiceField(
        choices=SUBSCRIBABLE_EVENTS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )


class DeliveryFilter(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("", "All deliveries"),
            ("pending", "Pending"),
            ("delivered", "Delivered"),
            ("failed", "Failed"),
        ],
    )
