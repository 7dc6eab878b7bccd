"""Errors raised by the domain services of every app.

Views and API views turn them into messages: a `DomainError` is a request that breaks a
rule (400), a `DomainPermissionError` one that the person may not make (403). The message
is written for the person who sees it.
"""


class DomainError(Exception):
    """A request that breaks a domain rule; `field` names the input at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class DomainPermissionError(DomainError):
    """The rule is about who acts: this person may not do this."""
