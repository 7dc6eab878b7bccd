from notifications.pages import preferences_page
from staff.common import staff_required


@staff_required
def notification_settings(request):
    return preferences_page(request, template="relationships/notification_settings.html")
