"""MFA forms: codes and confirmations only; every rule is in security.policy."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from ramconsole.web.forms import ServiceFormMixin


class LogonMfaForm(ServiceFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Verification Code"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
    remember = forms.BooleanField(label=_("Remember this browser for 7 days"), required=False)

    def __init__(self, *args: object, may_remember: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not may_remember:
            del self.fields["remember"]
        self.helper = FormHelper(self)
        self.helper.form_id = "logon-mfa-form"
        self.helper.add_input(Submit("verify", _("Submit"), css_class="w-100"))


class MfaBindForm(ServiceFormMixin, forms.Form):
    """Enable the Virtual MFA Device: two consecutive codes from the app."""

    code1 = forms.CharField(
        label=_("First Security Code"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    code2 = forms.CharField(
        label=_("Second Security Code"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("Wait until the app shows the next code, then enter it here."),
    )

    def __init__(self, *args: object, submit_label: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "mfa-bind-form"
        self.helper.add_input(Submit("enable", submit_label or _("Enable")))


class MfaCodeForm(ServiceFormMixin, forms.Form):
    """One current code: Enable the MFA (root), Turn off, Verify Identity by MFA."""

    code = forms.CharField(
        label=_("Security Code"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args: object, submit_label: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "mfa-code-form"
        self.helper.add_input(Submit("submit", submit_label))
