"""Form plumbing shared by every app: the input rule every text field obeys, and turning a refused
service call into form errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from security import policy
from security.errors import RamError

T = TypeVar("T")


def validate_input_chars(value: str) -> None:
    """The characters no console input may hold (NUL and other controls, undecodable bytes)."""
    if policy.has_invalid_chars(value):
        raise ValidationError(
            _("Remove the control characters or undecodable bytes from this value."), code="invalid_chars"
        )


class InputRuleMixin(forms.BaseForm):
    """Every text field of the form (query-string forms too) refuses what the policy layer refuses
    in any input: its characters, and lengths beyond the general cap when the field sets none."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if not isinstance(field, forms.CharField):
                continue  # numbers, dates, choices and booleans only accept what they parse
            # validate_input_chars refuses NUL too; Django's own NUL check would say it twice.
            field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
            field.validators.append(validate_input_chars)
            if field.max_length is None:
                field.validators.append(MaxLengthValidator(policy.MAX_INPUT_LENGTH))


class ServiceFormMixin(InputRuleMixin):
    """`call_service` runs a service; each refusal becomes an error on the field it names (or the form)."""

    def policy_check(self, cleaned: dict[str, Any]) -> None:
        """The policy's pure checks of this form's values (no writes), for `_post_clean`."""

    def _post_clean(self) -> None:
        """When a field fails its shape (left empty, not a number), the service never runs; the
        policy's checks still judge the fields that passed, so every error shows at once."""
        super()._post_clean()
        if not self.errors:
            return  # the service judges everything when it runs
        try:
            self.policy_check(self.cleaned_data)
        except RamError as error:
            passed = [r for r in error.refusals if r.field in self.cleaned_data and r.field not in self.errors]
            self._add_refusals(passed)

    def _add_refusals(self, refusals: list[RamError]) -> None:
        for refusal in refusals:
            field = refusal.field if refusal.field in self.fields else None
            for message in refusal.messages:
                self.add_error(field, ValidationError(message, code=refusal.code))

    def call_service(self, service: Callable[..., T], **kwargs: Any) -> T | None:
        try:
            return service(**kwargs)
        except RamError as error:
            self._add_refusals(error.refusals)
        except ValidationError as error:
            self.add_error(None, error)
        return None


class ConfirmForm(ServiceFormMixin, forms.Form):
    """A one-button form (a confirmed action); its only input is the CSRF token."""


class PasswordFieldsMixin(ServiceFormMixin, forms.Form):
    """New password + confirmation, with the account's current rules as help text.

    `new_password_check` is the policy's check of a new password, given by the view: a confirmation
    that does not match stops the service, and the new password's rules are still judged at once."""

    new_password_check: Callable[[str], None] | None = None

    new_password = forms.CharField(
        label=_("New Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    confirm_password = forms.CharField(
        label=_("Confirm Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def set_rules(self, rules: list[str], check: Callable[[str], None] | None = None) -> None:
        self.fields["new_password"].help_text = format_html_join("", "<div>• {}</div>", ((rule,) for rule in rules))
        self.new_password_check = check

    def policy_check(self, cleaned: dict[str, Any]) -> None:
        if self.new_password_check is not None and cleaned.get("new_password"):
            self.new_password_check(cleaned["new_password"])

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("new_password") != cleaned.get("confirm_password"):
            self.add_error("confirm_password", ValidationError(_("The passwords do not match."), code="mismatch"))
        return cleaned


def flash_result(request: HttpRequest, form: forms.BaseForm, success: str) -> None:
    """For one-button forms posted from another page: report the outcome there, as messages."""
    errors = [error for field_errors in form.errors.values() for error in field_errors]
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, success)
