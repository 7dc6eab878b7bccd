"""The notification settings page: which e-mails a person gets, and when. The staff
workspace and the business portal show the same form with their own kinds, always for the
signed-in person (no user in the URL, so nobody can reach another person's settings)."""

from django.contrib import messages
from django.shortcuts import redirect, render

from brm.domain import DomainError

from .. import notifications
from ..forms import NotificationPreferencesForm
from ..models import DigestItem
from .common import form_error_from, staff_required


def preferences_page(request, *, template: str, extra: dict | None = None):
    """GET shows the person's choices; POST saves them all at once, or nothing."""
    user = request.user
    kinds = notifications.kinds_for(notifications.audience_of(user))
    current = notifications.preferences_for(user=user)
    status = 200
    if request.method == "POST":
        form = NotificationPreferencesForm(request.POST, kinds=kinds, current=current)
        if form.is_valid():
            try:
                notifications.notification_preferences_save(user=user, choices=form.cleaned_data)
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


@staff_required
def notification_settings(request):
    return preferences_page(request, template="relationships/notification_settings.html")
