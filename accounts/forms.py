"""Forms of the logon page and the Users pages: input shape only; rules live in security.policy."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import SystemPolicy
from ramconsole.forms import ServiceFormMixin
from security import policy


class LogonForm(forms.Form):
    logon_name = forms.CharField(label=_("Logon name"), max_length=254)
    password = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput, max_length=128)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logon_name"].widget.attrs.update(
            autocomplete="username", autofocus=True, placeholder="username@company-alias.onaliyun.com"
        )
        self.fields["password"].widget.attrs.update(autocomplete="current-password")
        self.helper = FormHelper(self)
        self.helper.form_id = "logon-form"
        self.helper.add_input(Submit("logon", _("Log On"), css_class="btn-primary w-100"))


class RamUserForm(ServiceFormMixin, forms.Form):
    display_name = forms.CharField(label=_("Display Name"), max_length=policy.DISPLAY_NAME_MAX_LENGTH)
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    mobile_phone = forms.CharField(
        label=_("Mobile Phone"), required=False, max_length=32, help_text="86-18600008888"
    )
    comments = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=policy.COMMENTS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RamUserCreateForm(RamUserForm):
    name = forms.CharField(label=_("Logon Name"), max_length=policy.USER_NAME_MAX_LENGTH)
    field_order = ["name", "display_name", "email", "mobile_phone", "comments"]

    def __init__(self, *args: object, default_domain: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = _(
            "1-64 characters: letters, digits, periods (.), underscores (_) and hyphens (-). "
            "The user logs on as <name>@%(domain)s."
        ) % {"domain": default_domain}
        self.helper = FormHelper(self)
        self.helper.form_id = "user-create-form"
        self.helper.add_input(Submit("save", _("OK")))


class RamUserUpdateForm(RamUserForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "user-update-form"
        self.helper.add_input(Submit("save", _("OK")))


class RamUserDeleteForm(ServiceFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("Also remove the logon settings and permissions listed above"), required=False
    )

    def __init__(self, *args: object, has_conflicts: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if has_conflicts:
            self.fields["confirm"].required = True
        else:
            del self.fields["confirm"]
        self.helper = FormHelper(self)
        self.helper.form_id = "user-delete-form"
        self.helper.add_input(Submit("delete", _("Delete"), css_class="btn-danger"))


class PolicyAttachForm(ServiceFormMixin, forms.Form):
    policy_name = forms.ChoiceField(label=_("Policy"), choices=SystemPolicy.choices)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["policy_name"].choices = [(value, value) for value in SystemPolicy.values]
        self.helper = FormHelper(self)
        self.helper.form_id = "policy-attach-form"
        self.helper.form_class = "d-flex gap-2 align-items-end"
        self.helper.layout = Layout(Field("policy_name", wrapper_class="mb-0"))
        self.helper.add_input(Submit("attach", _("Add Permissions")))
