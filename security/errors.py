"""One error type for every RAM rule, rendered as a form error in the console and as the API envelope.

Codes, HTTP statuses and messages follow the RAM error catalogue (RAM-API.md §8).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class RamError(Exception):
    """A refused RAM operation: `code` is the API error code, `field` the form field it concerns."""

    http_status = 400
    default_code = "InvalidParameter"
    default_message = _("The parameter is invalid.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        messages: list[str] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = str(message or self.default_message)
        self.field = field
        self.messages = messages or [self.message]
        super().__init__(f"{self.code}: {self.message}")


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
