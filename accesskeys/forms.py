"""AccessKey forms: confirmations only; every rule is in security.policy."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ramconsole.web.forms import ServiceFormMixin


class AccessKeyStatusForm(ServiceFormMixin, forms.Form):
    status = forms.ChoiceField(choices=[("Active", _("Enable")), ("Inactive", _("Disable"))])
    confirm_recent_use = forms.BooleanField(
        label=_("I understand that a client may still use this key"), required=False
    )
    from_wizard = forms.BooleanField(required=False, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=200)


class AccessKeyDeleteForm(ServiceFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("I am aware of the risk and confirm the deletion"),
        error_messages={"required": _("Tick this box to confirm that the key may be deleted.")},
    )
    next = forms.CharField(required=False, max_length=200)
