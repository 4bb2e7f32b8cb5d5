"""Forms of the logon page and the Users pages: input shape only; rules live in security.policy."""

from __future__ import annotations

from collections.abc import Callable

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.models import SystemPolicy
from ramconsole.web.forms import InputRuleMixin, PasswordFieldsMixin, ServiceFormMixin
from security import policy


class LogonForm(InputRuleMixin, forms.Form):
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


class UserSearchForm(InputRuleMixin, forms.Form):
    """The Users page's search box (`?q=`: a logon name, user name or display name), status filter
    (`?status=`) and sort order (`?sort=`)."""

    q = forms.CharField(required=False, max_length=128)  # the longest thing searched: a logon name
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All users")),
            (policy.STATUS_CONSOLE_ON, _("Console logon on")),
            (policy.STATUS_CONSOLE_OFF, _("Console logon off")),
            (policy.STATUS_LOCKED, _("Locked")),
            (policy.STATUS_EXPIRED, _("Password expired")),
            (policy.STATUS_MFA, _("MFA")),
            (policy.STATUS_NO_MFA, _("No MFA")),
            (policy.STATUS_ACCESS_KEYS, _("Has AccessKeys")),
            (policy.STATUS_NO_ACCESS_KEYS, _("No AccessKeys")),
        ],
    )
    sort = forms.ChoiceField(required=False, choices=[(key, key) for key in selectors.USER_SORTS])


def _max_length_hint(limit: int, widget: type[forms.Widget] = forms.TextInput, **attrs: object) -> forms.Widget:
    """A length the policy enforces (reporting it with the other fields' refusals, at once): the
    browser only gets `maxlength` as a hint, so the form itself does not stop at it first."""
    return widget(attrs={"maxlength": limit, **attrs})


class RamUserForm(ServiceFormMixin, forms.Form):
    display_name = forms.CharField(
        label=_("Display Name"),
        widget=_max_length_hint(policy.DISPLAY_NAME_MAX_LENGTH),
        help_text=_("1-128 characters."),
    )
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    mobile_phone = forms.CharField(label=_("Mobile Phone"), required=False, max_length=32, help_text="86-18600008888")
    comments = forms.CharField(
        label=_("Note"),
        required=False,
        widget=_max_length_hint(policy.COMMENTS_MAX_LENGTH, forms.Textarea, rows=2),
        help_text=_("At most 128 characters."),
    )


def _user_attributes(cleaned: dict) -> dict:
    return {name: cleaned.get(name, "") for name in ("display_name", "email", "mobile_phone", "comments")}


class RamUserCreateForm(RamUserForm):
    name = forms.CharField(label=_("Logon Name"), widget=_max_length_hint(policy.USER_NAME_MAX_LENGTH))
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

    def policy_check(self, cleaned: dict) -> None:
        policy.check_user_attributes(name=cleaned.get("name", ""), **_user_attributes(cleaned))


class RamUserUpdateForm(RamUserForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "user-update-form"
        self.helper.add_input(Submit("save", _("OK")))

    def policy_check(self, cleaned: dict) -> None:
        policy.check_user_attributes(**_user_attributes(cleaned), prefix="New")


class RamUserDeleteForm(ServiceFormMixin, forms.Form):
    confirm = forms.BooleanField(
        label=_("Also remove the logon settings and permissions listed above"),
        required=False,
        error_messages={"required": _("Tick this box to delete the user together with what it still has.")},
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


class LogonPasswordChangeForm(PasswordFieldsMixin):
    """The forced change at logon: new password and confirmation."""

    def __init__(self, *args: object, rules: list[str], check: Callable[[str], None], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.set_rules(rules, check)
        self.helper = FormHelper(self)
        self.helper.form_id = "logon-password-form"
        self.helper.add_input(Submit("save", _("OK"), css_class="w-100"))


class SelfPasswordChangeForm(PasswordFieldsMixin):
    """A RAM user's own change: old password, new password, confirmation."""

    old_password = forms.CharField(
        label=_("Old Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    field_order = ["old_password", "new_password", "confirm_password"]

    def __init__(self, *args: object, rules: list[str], check: Callable[[str], None], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.set_rules(rules, check)
        self.helper = FormHelper(self)
        self.helper.form_id = "self-password-form"
        self.helper.add_input(Submit("save", _("OK")))


MODE_GENERATE = "generate"
MODE_CUSTOM = "custom"
MODE_KEEP = "keep"


class LoginProfileForm(ServiceFormMixin, forms.Form):
    """Enable Console Logon / Modify Logon Settings (PRODUCT.md §4)."""

    console_password_enabled = forms.TypedChoiceField(
        label=_("Console Password Logon"),
        choices=[("true", _("Enabled")), ("false", _("Disabled"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
        initial="true",
    )
    password_mode = forms.ChoiceField(
        label=_("Set Logon Password"),
        choices=[
            (MODE_GENERATE, _("Automatically Regenerate Default Password")),
            (MODE_CUSTOM, _("Reset Custom Password")),
        ],
        widget=forms.RadioSelect,
        initial=MODE_GENERATE,
    )
    password = forms.CharField(
        label=_("Custom Password"),
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_reset_required = forms.BooleanField(
        label=_("Required"), required=False, help_text=_("The user must reset the password at the next logon.")
    )
    mfa_required = forms.BooleanField(
        label=_("Required"), required=False, help_text=_("The user must bind an MFA device at the next logon.")
    )

    def __init__(self, *args: object, rules: list[str], modify: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if modify:
            self.fields["password_mode"].choices = [
                (MODE_KEEP, _("Keep Current Password")),
                *self.fields["password_mode"].choices,
            ]
            self.fields["password_mode"].initial = MODE_KEEP
        self.fields["password"].help_text = format_html_join("", "<div>• {}</div>", ((rule,) for rule in rules))
        self.helper = FormHelper(self)
        self.helper.form_id = "login-profile-form"
        self.helper.layout = Layout(
            "console_password_enabled",
            "password_mode",
            "password",
            Fieldset(_("Password Reset"), "password_reset_required"),
            Fieldset(_("Enable MFA"), "mfa_required"),
        )
        self.helper.add_input(Submit("save", _("OK")))

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("password_mode") == MODE_CUSTOM and not cleaned.get("password"):
            self.add_error("password", ValidationError(_("Enter the custom password."), code="required"))
        return cleaned

    def service_arguments(self) -> dict:
        """The form's answers as the login profile service's keyword arguments."""
        data = self.cleaned_data
        mode = data["password_mode"]
        return {
            "console_password_enabled": data["console_password_enabled"],
            "password_reset_required": data["password_reset_required"],
            "mfa_required": data["mfa_required"],
            "generate_password": mode == MODE_GENERATE,
            "password": data["password"] if mode == MODE_CUSTOM else None,
        }
