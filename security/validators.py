"""Password rules as Django password validators (`validate(password, user)`, `get_help_text()`).

The account's password policy is data: security.policy builds the list of validators from it, and
the same list gives the help text shown next to every password field.
"""

from __future__ import annotations

import string

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext, pgettext

SYMBOLS = frozenset(string.punctuation)


def _list(items: list[str]) -> str:
    return pgettext("list separator", ", ").join(items)


class MinimumLengthValidator:
    def __init__(self, min_length: int) -> None:
        self.min_length = min_length

    def validate(self, password: str, user: object = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(self.get_help_text(), code="password_too_short")

    def get_help_text(self) -> str:
        return ngettext("At least %(n)d character.", "At least %(n)d characters.", self.min_length) % {
            "n": self.min_length
        }


class RequiredElementsValidator:
    """Each selected element (lowercase, uppercase, digits, special characters) must occur."""

    ELEMENTS = {
        "lowercase": (str.islower, gettext_noop("a lowercase letter")),
        "uppercase": (str.isupper, gettext_noop("an uppercase letter")),
        "digits": (str.isdigit, gettext_noop("a digit")),
        "symbols": (SYMBOLS.__contains__, gettext_noop("a special character")),
    }

    def __init__(self, elements: list[str]) -> None:
        self.elements = elements

    def validate(self, password: str, user: object = None) -> None:
        missing = [
            _(label)
            for name, (test, label) in self.ELEMENTS.items()
            if name in self.elements and not any(test(c) and c.isascii() for c in password)
        ]
        if missing:
            raise ValidationError(
                _("The password must contain %(elements)s.") % {"elements": _list(missing)},
                code="password_missing_elements",
            )

    def get_help_text(self) -> str:
        labels = [_(label) for name, (_test, label) in self.ELEMENTS.items() if name in self.elements]
        return _("Contains %(elements)s.") % {"elements": _list(labels)}


class DistinctCharactersValidator:
    def __init__(self, minimum: int) -> None:
        self.minimum = minimum

    def validate(self, password: str, user: object = None) -> None:
        if len(set(password)) < self.minimum:
            raise ValidationError(self.get_help_text(), code="password_too_few_distinct")

    def get_help_text(self) -> str:
        return _("At least %(n)d different characters.") % {"n": self.minimum}


class UserNameNotIncludedValidator:
    """Refuses passwords that contain the user name, ignoring case."""

    def validate(self, password: str, user: object = None) -> None:
        name = getattr(user, "name", "")
        if name and name.lower() in password.lower():
            raise ValidationError(self.get_help_text(), code="password_contains_user_name")

    def get_help_text(self) -> str:
        return _("Does not contain the user name.")


class NotCommonValidator(CommonPasswordValidator):
    """Django's list of 20,000 common passwords (beyond the RAM rules)."""

    def get_help_text(self) -> str:
        return _("Is not a commonly used password.")
