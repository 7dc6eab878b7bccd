from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from core.forms import BrowserFormMixin
from webhooks.models import SUBSCRIBABLE_EVENTS


class EndpointForm(BrowserFormMixin, forms.Form):
    name = forms.CharField(max_length=120, help_text="What receives the events, e.g. “Service desk”.")
    # A CharField, not a URLField: a missing scheme is an error to show, not one to guess.
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

    def clean_url(self):
        url = self.cleaned_data["url"].strip()
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ValidationError(
                "Enter a full http:// or https:// address, such as https://tools.example.org/hooks/brm."
            ) from None
        return url


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
