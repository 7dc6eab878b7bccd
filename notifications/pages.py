"""The notification settings page: which e-mails a person gets, and when. The staff
workspace and the business portal show the same form with their own kinds, always for the
signed-in person (no user in the URL, so nobody can reach another person's settings)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from core.domain import DomainError
from core.forms import BrowserFormMixin, form_error_from
from notifications.mail import notification_rules
from notifications.models import DigestItem


class NotificationPreferencesForm(BrowserFormMixin, forms.Form):
    """One radio choice per kind of e-mail of the person's audience (staff or business),
    offering only what the kind allows."""

    def __init__(self, *args, kinds, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for spec in kinds:
            self.fields[spec.kind.value] = forms.ChoiceField(
                label=spec.label,
                choices=spec.choices,
                initial=current.get(spec.kind.value),
                help_text=spec.description,
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Choose how you want these e-mails.",
                    "invalid_choice": "That is not one of the choices for these e-mails.",
                },
            )


def preferences_page(request, *, template: str, extra: dict | None = None):
    """GET shows the person's choices; POST saves them all at once, or nothing."""
    rules = notification_rules()
    user = request.user
    kinds = rules.kinds_for(rules.audience_of(user))
    current = rules.preferences_for(user=user)
    status = 200
    if request.method == "POST":
        form = NotificationPreferencesForm(request.POST, kinds=kinds, current=current)
        if form.is_valid():
            try:
                rules.notification_preferences_save(user=user, choices=form.cleaned_data)
            except DomainError as error:
                form_error_from(form, error)
            else:
                messages.success(request, "Your notification settings are saved.")
                return redirect(request.path)
        messages.error(request, "Nothing was saved: check the choices marked below.")
        status = 400
    else:
        form = NotificationPreferencesForm(kinds=kinds, current=current)
    context = {
        "form": form,
        "waiting": DigestItem.objects.waiting().filter(user=user).count(),
        **(extra or {}),
    }
    return render(request, template, context, status=status)
