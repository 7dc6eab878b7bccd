"""Importers for business units and contacts (see core/importing.py for the flow)."""

from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.domain import DomainPermissionError
from core.importing import Importer, LineResult, changes_between, numbered

from . import roles
from .models import BusinessUnit, Contact
from .services import (
    address_taken_message,
    ensure_can_create_unit_under,
    ensure_can_edit_unit,
    is_same_person,
    unit_create,
    unit_update,
)

TRUE_WORDS = {"yes", "y", "true", "1", "ja", "x"}
FALSE_WORDS = {"no", "n", "false", "0", "nee", ""}


def _parse_bool(value: str, errors: list[str], column: str) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    errors.append(f"{column}: write yes or no, not {value!r}.")
    return None


class PortfolioImporter(Importer):
    """An import by staff with at least one unit they may change (a relationship manager's
    portfolio, or every unit for IT management); each line is checked against those units."""

    @classmethod
    def allowed_for(cls, user) -> bool:
        return bool(
            user.is_authenticated and user.is_staff and BusinessUnit.objects.editable_by(user).exists()
        )


class UnitImporter(PortfolioImporter):
    kind = "units"
    title = "Business units"
    description = (
        "One line per unit, with its parent by code or name. Lines that would change units outside "
        "your portfolio, or add units under them, are rejected."
    )
    columns = (
        "code",
        "name",
        "kind",
        "parent",
        "relationship_manager",
        "has_budget",
        "annual_it_budget",
        "description",
    )
    required = ("code", "name")
    read_only_columns = ("contacts", "health", "health_band", "health_reasons")
    example = {
        "code": "fin-tax",
        "name": "Tax",
        "kind": "department",
        "parent": "fin",
        "relationship_manager": "rita",
        "has_budget": "no",
    }

    @classmethod
    def allowed_for(cls, user) -> bool:
        # The unit tree from a spreadsheet is IT management's tool: whoever manages every
        # unit. A relationship manager changes their own units on the page or through the API.
        return roles.manages_every_unit(user)

    @classmethod
    def export_line(cls, unit) -> dict:
        """Reads unit.parent and unit.relationship_manager: select_related them."""
        return {
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "parent": unit.parent.code if unit.parent_id else "",
            "relationship_manager": unit.relationship_manager.username
            if unit.relationship_manager_id
            else "",
            "has_budget": unit.has_budget,
            "annual_it_budget": unit.annual_it_budget,
            "description": unit.description,
        }

    @classmethod
    def exportable(cls, user):
        return (
            BusinessUnit.objects.visible_to(user)
            .select_related("parent", "relationship_manager")
            .order_by("path")
        )

    def plan(self, rows):
        existing = {unit.code: unit for unit in BusinessUnit.objects.all()}
        by_name: dict[str, list[str]] = {}
        for unit in existing.values():
            by_name.setdefault(unit.name.lower(), []).append(unit.code)
        file_codes = {slugify(row.get("code", "")) for row in rows}
        for row in rows:
            by_name.setdefault(row.get("name", "").lower(), []).append(slugify(row.get("code", "")))
        managers = {
            key.lower(): user
            for user in get_user_model().objects.filter(is_staff=True)
            for key in (user.username, user.email)
            if key
        }
        lines, writes, seen = [], [], set()
        for number, row in numbered(rows):
            errors: list[str] = []
            code = slugify(row.get("code", ""))
            name = row.get("name", "").strip()
            if not code:
                errors.append("code: required (letters, digits and dashes).")
            elif code in seen:
                errors.append(f"code: {code} appears twice in this file.")
            seen.add(code)
            if not name:
                errors.append("name: required.")
            kind = (row.get("kind") or "department").strip().lower()
            if kind not in BusinessUnit.Kind.values:
                errors.append(f"kind: one of {', '.join(BusinessUnit.Kind.values)}, not {kind!r}.")
            parent_ref = row.get("parent", "").strip()
            parent_code = None
            if parent_ref:
                if slugify(parent_ref) in existing or slugify(parent_ref) in file_codes:
                    parent_code = slugify(parent_ref)
                else:
                    matches = set(by_name.get(parent_ref.lower(), []))
                    if len(matches) == 1:
                        parent_code = matches.pop()
                    elif matches:
                        errors.append(f"parent: several units are called {parent_ref!r}; use the code.")
                    else:
                        errors.append(f"parent: no unit with code or name {parent_ref!r}.")
                if parent_code == code:
                    errors.append("parent: a unit cannot be its own parent.")
            manager = None
            if row.get("relationship_manager", "").strip():
                manager = managers.get(row["relationship_manager"].strip().lower())
                if manager is None:
                    errors.append(f"relationship_manager: no staff user {row['relationship_manager']!r}.")
            has_budget = _parse_bool(row.get("has_budget", ""), errors, "has_budget")
            budget = None
            if row.get("annual_it_budget", "").strip():
                try:
                    budget = Decimal(row["annual_it_budget"].replace(",", "").strip())
                    if budget < 0:
                        raise InvalidOperation
                except InvalidOperation:
                    errors.append(f"annual_it_budget: a positive amount, not {row['annual_it_budget']!r}.")
            if errors:
                lines.append(LineResult(number, "error", code or name or "?", errors))
                continue
            values = {
                "name": name,
                "kind": kind,
                "relationship_manager": manager,
                "has_budget": has_budget,
                "annual_it_budget": budget,
                "description": row.get("description", "").strip(),
            }
            unit = existing.get(code)
            if unit is None:
                lines.append(LineResult(number, "create", f"{code} — {name}"))
            else:
                changes = changes_between(unit, values)
                if (unit.parent.code if unit.parent_id else None) != parent_code:
                    changes["parent"] = (unit.parent.code if unit.parent_id else "", parent_code or "")
                action = "update" if changes else "unchanged"
                lines.append(LineResult(number, action, f"{code} — {name}", changes=changes))
            writes.append((number, code, parent_code, values))
        self._check_cycles(lines, writes, existing)
        self._check_rights(lines, writes, existing)
        return lines, writes

    @staticmethod
    def _check_cycles(lines, writes, existing):
        parent_of = {code: (unit.parent.code if unit.parent_id else None) for code, unit in existing.items()}
        parent_of.update({code: parent for _, code, parent, _ in writes})
        for line, (_, code, _, _) in zip([ln for ln in lines if ln.action != "error"], writes, strict=False):
            walk, steps = parent_of.get(code), 0
            while walk and steps <= len(parent_of):
                if walk == code:
                    line.action, line.errors = "error", ["parent: this would put the unit below itself."]
                    break
                walk, steps = parent_of.get(walk), steps + 1

    def _check_rights(self, lines, writes, existing):
        """Each line that writes asks the services' own checks, so the import answers as the
        staff form and the API do: a new unit needs the right to add units under its parent,
        a changed one the right to edit it, and a new parent the right to add units there. A
        parent is judged as the file leaves it, since the import writes parents first."""
        by_number = {line.line: line for line in lines}
        after = dict(existing)
        for _, code, _, values in writes:
            unit = existing.get(code)
            after[code] = BusinessUnit(
                pk=unit.pk if unit else None,
                code=code,
                name=values["name"],
                path=unit.path if unit else "",
                relationship_manager=values["relationship_manager"],
            )
        rejected = set()
        for number, code, parent_code, _ in writes:
            line, unit = by_number[number], existing.get(code)
            if line.action == "error":
                rejected.add(code)
                continue
            parent = after[parent_code] if parent_code else None
            try:
                if unit is None:
                    ensure_can_create_unit_under(user=self.by, parent=parent)
                elif line.action == "update":
                    ensure_can_edit_unit(user=self.by, unit=unit)
                    if (unit.parent.code if unit.parent_id else None) != parent_code:
                        ensure_can_create_unit_under(user=self.by, parent=parent)
            except DomainPermissionError as error:
                line.action, line.errors = "error", [f"{'code' if unit else 'parent'}: {error.message}"]
                rejected.add(code)
        # A new unit waits for its parent: under a rejected new parent it cannot be made.
        progressed = True
        while progressed:
            progressed = False
            for number, code, parent_code, _ in writes:
                line = by_number[number]
                if line.action != "error" and parent_code in rejected and parent_code not in existing:
                    line.action, line.errors = "error", [f"parent: the line of {parent_code} is rejected."]
                    rejected.add(code)
                    progressed = True

    def apply(self, writes):
        units = {unit.code: unit for unit in BusinessUnit.objects.all()}
        pending = list(writes)
        # Parents first: a unit waits until its parent exists.
        while pending:
            progressed = False
            for write in list(pending):
                _, code, parent_code, values = write
                if parent_code and parent_code not in units:
                    continue
                unit = units.get(code) or BusinessUnit(code=code)
                for name, value in values.items():
                    setattr(unit, name, value)
                if parent_code:
                    # Read again: a move earlier in the file rewrote the paths below it.
                    units[parent_code].refresh_from_db(fields=["path", "depth"])
                unit.parent = units.get(parent_code) if parent_code else None
                # The importing user, also when the import runs as a management command.
                unit._history_user = self.by
                save = unit_update if unit.pk else unit_create
                units[code] = save(unit=unit, by=self.by)
                pending.remove(write)
                progressed = True
            if not progressed:  # only possible with a cycle, which plan() rejects
                raise ValidationError("The units of this file form a cycle.")


class ContactImporter(PortfolioImporter):
    kind = "contacts"
    title = "Contacts"
    description = (
        "One line per person of a unit, with their role. Lines that would change units outside your "
        "portfolio are rejected."
    )
    columns = ("unit", "first_name", "last_name", "email", "role", "phone", "job_title", "is_active")
    required = ("unit", "first_name", "last_name", "email")
    read_only_columns = ("unit_name", "portal_login")
    example = {
        "unit": "fin-ap",
        "first_name": "Noor",
        "last_name": "Bakker",
        "email": "noor.bakker@example.org",
        "role": "stakeholder",
        "phone": "+31 20 555 0199",
        "job_title": "Accountant",
        "is_active": "yes",
    }

    @classmethod
    def export_line(cls, contact) -> dict:
        """Reads contact.unit: select_related it."""
        return {
            "unit": contact.unit.code,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "role": contact.role,
            "phone": contact.phone,
            "job_title": contact.job_title,
            "is_active": contact.is_active,
        }

    @classmethod
    def exportable(cls, user):
        return (
            Contact.objects.filter(unit__in=BusinessUnit.objects.editable_by(user))
            .select_related("unit")
            .order_by("unit__path", "last_name", "first_name", "pk")
        )

    def plan(self, rows):
        editable = BusinessUnit.objects.editable_by(self.by)
        units = {unit.code: unit for unit in BusinessUnit.objects.all()}
        editable_ids = set(editable.values_list("pk", flat=True))
        codes_in_file = {slugify(row.get("unit", "")) for row in rows}
        unit_ids = [units[code].pk for code in codes_in_file if code in units]
        existing = {
            (contact.unit_id, contact.email.lower()): contact
            for contact in Contact.objects.filter(unit_id__in=unit_ids)
        }
        customers = {
            contact.unit_id: contact
            for contact in existing.values()
            if contact.role == Contact.Role.CUSTOMER and contact.is_active
        }
        # Who already has each address of the file, in any unit (one query): an address is
        # one person's (customers.services._check_address).
        addresses = {row.get("email", "").strip().lower() for row in rows}
        owners: dict[str, list] = {}
        for owner in (
            Contact.objects.annotate(address=Lower("email"))
            .filter(address__in=addresses)
            .select_related("unit")
        ):
            owners.setdefault(owner.address, []).append((owner, owner.unit.name))
        lines, writes, seen = [], [], {}
        for number, row in numbered(rows):
            errors: list[str] = []
            code = slugify(row.get("unit", ""))
            unit = units.get(code)
            if unit is None:
                errors.append(f"unit: no unit with code {row.get('unit', '')!r}.")
            email = row.get("email", "").strip().lower()
            try:
                validate_email(email)
            except ValidationError:
                errors.append(f"email: {row.get('email', '')!r} is not an e-mail address.")
            first, last = row.get("first_name", "").strip(), row.get("last_name", "").strip()
            if not first or not last:
                errors.append("first_name and last_name: both required.")
            role = (row.get("role") or "stakeholder").strip().lower()
            if role not in Contact.Role.values:
                errors.append(f"role: one of {', '.join(Contact.Role.values)}, not {role!r}.")
            is_active = _parse_bool(row.get("is_active") or "yes", errors, "is_active")
            key = (unit.pk if unit else None, email)
            if unit and key in seen:
                errors.append(f"email: {email} is already on line {seen[key]} for this unit.")
            elif unit and key not in existing and not errors:
                for owner, where in owners.get(email, []):
                    if not is_same_person(first, last, owner):
                        errors.append(
                            "email: " + address_taken_message(email, owner=owner.full_name, where=where)
                        )
                        break
            if errors:
                lines.append(LineResult(number, "error", f"{first} {last}".strip() or email or "?", errors))
                continue
            seen[key] = number
            contact = existing.get(key)
            values = {
                "first_name": first,
                "last_name": last,
                "role": role,
                "phone": row.get("phone", "").strip(),
                "job_title": row.get("job_title", "").strip(),
                "is_active": is_active,
            }
            label = f"{first} {last} <{email}> — {unit.name}"
            changes = changes_between(contact, values) if contact is not None else {}
            if unit.pk not in editable_ids and (contact is None or changes):
                # Only a line that writes needs the right: an exported list re-imports cleanly.
                lines.append(
                    LineResult(
                        number, "error", f"{first} {last}", [f"unit: {unit.name} is not in your portfolio."]
                    )
                )
                continue
            if contact is None:
                owners.setdefault(email, []).append(
                    (Contact(first_name=first, last_name=last), f"line {number}")
                )
            if role == Contact.Role.CUSTOMER and is_active:
                current = customers.get(unit.pk)
                if current is not None and current is not contact:
                    name = current.full_name if current.pk else f"line {current.line}"
                    lines.append(
                        LineResult(
                            number,
                            "error",
                            f"{first} {last}",
                            [f"role: {unit.name} already has an active customer ({name})."],
                        )
                    )
                    continue
                customers[unit.pk] = contact or _FileContact(number)
            if contact is None:
                lines.append(LineResult(number, "create", label))
                writes.append((number, None, {"unit": unit, "email": email, **values}))
            else:
                lines.append(LineResult(number, "update" if changes else "unchanged", label, changes=changes))
                if changes:
                    writes.append((number, contact, values))
        return lines, writes

    def apply(self, writes):
        new = [Contact(**values) for _, contact, values in writes if contact is None]
        changed = []
        for _, contact, values in writes:
            if contact is not None:
                for name, value in values.items():
                    setattr(contact, name, value)
                changed.append(contact)
        # A contact who stops being the customer must give way before the new one is written.
        # A file may hold thousands of rows: bulk writes, with their history rows written in
        # bulk too (plain bulk_update/bulk_create would leave no trace in the history).
        history = {"batch_size": 1000, "default_user": self.by}
        bulk_update_with_history(
            [c for c in changed if c.role != Contact.Role.CUSTOMER], Contact, _FIELDS, **history
        )
        bulk_update_with_history(
            [c for c in changed if c.role == Contact.Role.CUSTOMER], Contact, _FIELDS, **history
        )
        bulk_create_with_history(new, Contact, **history)


_FIELDS = ["first_name", "last_name", "role", "phone", "job_title", "is_active"]


class _FileContact:
    """A customer that an earlier line of the same file creates."""

    pk = None

    def __init__(self, line: int):
        self.line = line
