"""The count of what waits for the signed-in person, in the navigation of every page."""

from django.utils.functional import SimpleLazyObject

from .selectors_waiting import WaitingList, waiting_count_for, waiting_for


def waiting_for_request(request) -> WaitingList:
    """What waits for the person making the request, read once per request: the page and
    the navigation's count show the same list."""
    if not hasattr(request, "_waiting_for"):
        request._waiting_for = waiting_for(user=request.user)
    return request._waiting_for


def waiting_count(request) -> int:
    """The navigation's count: that of the list the page shows, when it shows one (read
    once); else counted alone, without reading the rows the list would show."""
    if not request.user.is_authenticated:
        return 0
    if hasattr(request, "_waiting_for"):
        return request._waiting_for.count
    return waiting_count_for(user=request.user)


def waiting(request) -> dict:
    # Lazy: read only by a page whose navigation shows it (not by errors, e-mails, the API).
    return {"waiting_count": SimpleLazyObject(lambda: waiting_count(request))}
