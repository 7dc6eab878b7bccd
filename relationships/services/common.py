"""What the relationship's services share."""

from core.domain import DomainPermissionError
from customers.models import BusinessUnit, Contact
from customers.selectors import contacts_of_user_for_unit


def acting_contact(*, user, unit: BusinessUnit, what: str) -> Contact | None:
    """The contact a business user acts as for `unit`; None for staff who may act on it."""
    if user.is_staff:
        return None
    contacts = contacts_of_user_for_unit(user=user, unit=unit)
    if not contacts:
        raise DomainPermissionError(f"You are not a contact of {unit.name}, so you cannot {what}.")
    return contacts[0]
