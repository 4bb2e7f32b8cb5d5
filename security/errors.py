"""One error type for every RAM rule, rendered as a form error in the console and as the API envelope.

Codes, HTTP statuses and messages follow the RAM error catalogue (RAM-API.md §8).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext_lazy as _


class RamError(Exception):
    """A refused RAM operation, rendered twice: `code` and `message` are RAM's exact words for the
    API; `messages` is what the console shows next to `field`, in plain language (`console`) when
    RAM's wording is API jargon. `refusals` lists every refusal of the same request (this one first)."""

    http_status = 400
    default_code = "InvalidParameter"
    default_message = _("The parameter is invalid.")
    default_console: str | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        messages: list[str] | None = None,
        console: str | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = str(message or self.default_message)
        self.field = field
        # The plain default goes with the default (API) message only; a given message is its own.
        self.console_message = console or (message is None and self.default_console) or self.message
        self.messages = messages or [self.console_message]
        self.refusals: list[RamError] = [self]
        super().__init__(f"{self.code}: {self.message}")


def check_all(*checks: Callable[[], object]) -> None:
    """Run every check of one request; raise the first refusal carrying all of them, so the API
    answers the first (as RAM does) and the console shows each next to its field at once."""
    refusals = []
    for check in checks:
        try:
            check()
        except RamError as refusal:
            refusals.extend(refusal.refusals)
    raise_all(refusals)


def raise_all(refusals: list[RamError]) -> None:
    """Raise the first of `refusals` (if any) carrying all of them."""
    if refusals:
        refusals[0].refusals = refusals
        raise refusals[0]


class InvalidParameter(RamError):
    http_status = 400


class NoPermission(RamError):
    http_status = 403
    default_code = "NoPermission"
    default_message = _("You are not authorized to do this action.")


class EntityNotExist(RamError):
    http_status = 404
    default_code = "EntityNotExist"
    default_message = _("The entity does not exist.")


class EntityAlreadyExists(RamError):
    http_status = 409
    default_code = "EntityAlreadyExists"
    default_message = _("The entity does already EXIST.")


class DeleteConflict(RamError):
    http_status = 409
    default_code = "DeleteConflict"


class LimitExceeded(RamError):
    http_status = 409
    default_code = "LimitExceeded"


class LogonRefused(RamError):
    """A refused console logon. `code` is the internal reason; users only ever see the generic text."""

    http_status = 403
    default_code = "LogonRefused"
    default_message = _("The logon name or password is incorrect.")
