from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    # The label keeps the tables, migrations and permission ("integrations.manage_webhooks")
    # of the installations that ran the app under its first name.
    name = "webhooks"
    label = "integrations"
    verbose_name = "Webhooks"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(remember_webhooks_access, dispatch_uid="integrations-nav")


def remember_webhooks_access(sender, request, user, **kwargs):
    """Whether the navbar links the webhooks pages, decided once at sign-in: asking on
    every page would cost every staff page two permission queries. The pages themselves
    check on each request."""
    from webhooks.services import may_manage_webhooks

    if request is not None and hasattr(request, "session"):
        request.session["may_manage_webhooks"] = may_manage_webhooks(user)
