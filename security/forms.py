"""Forms of the security app: input shape only."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ramconsole.web.forms import InputRuleMixin, PasswordFieldsMixin, ServiceFormMixin
from security import policy
from security.models import PasswordPolicy, SecurityPreference, UserSsoSettings
from security.ranges import PASSWORD_POLICY_RANGES
from security.selectors import RESULT_FILTER_FAILURE, RESULT_FILTER_SUCCESS
from security.services import PREFERENCE_FLAGS

FILTER_TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _filter_time_widget() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=FILTER_TIME_FORMAT)


def _zone_choices() -> list[tuple[str, str]]:
    # The IANA zones of the system's (or the tzdata package's) database; UTC even without one.
    return [("UTC", "UTC"), *((zone, zone) for zone in sorted(zoneinfo.available_timezones() - {"UTC"}))]


class EventFilterForm(InputRuleMixin, forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("Operator"), required=False, max_length=255)
    result = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[
            ("", _("All")),
            (RESULT_FILTER_SUCCESS, _("Success")),
            (RESULT_FILTER_FAILURE, _("Failure")),
        ],
    )
    # Date and time to the minute (the list shows seconds), read in the chosen time zone: the
    # browser's, which static/js/times.js preselects, else UTC. The value a picker sends is always
    # `YYYY-MM-DDTHH:MM`, whatever date format the browser displays.
    # ISO 8601 only: Django would also read the locale's ambiguous `01/02/2030 10:00`.
    since = forms.DateTimeField(
        label=_("From"), required=False, input_formats=[FILTER_TIME_FORMAT], widget=_filter_time_widget()
    )
    until = forms.DateTimeField(
        label=_("To"),
        required=False,
        input_formats=[FILTER_TIME_FORMAT],
        widget=_filter_time_widget(),
        help_text=_("Includes that whole minute."),
    )
    zone = forms.ChoiceField(label=_("Time zone"), required=False, choices=_zone_choices)

    def __init__(self, *args: object, actions: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All")), *((a, a) for a in actions)]
        # No zone chosen and no time read in one yet: the script offers the browser's. (Times sent
        # without a zone were read in UTC, and the menu says so.)
        if not any(self.data.get(name) for name in ("zone", "since", "until")):
            self.fields["zone"].widget.attrs["data-browser-zone"] = "default"
        self.helper = FormHelper(self)
        self.helper.form_method = "get"
        self.helper.form_id = "event-filter-form"
        self.helper.layout = Layout(
            Row(
                Column("action", css_class="col-md-3"),
                Column("actor", css_class="col-md-3"),
                Column("result", css_class="col-md-2"),
            ),
            Row(
                Column("since", css_class="col-md-3"),
                Column("until", css_class="col-md-3"),
                Column("zone", css_class="col-md-3"),
            ),
        )
        self.helper.add_input(Submit("filter", _("Search"), css_class="btn-sm"))

    def clean(self) -> dict:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end must not be before the start."))
        return cleaned

    def filters(self) -> dict:
        """Selector arguments, in UTC; `until` includes its whole minute."""
        data = self.cleaned_data if self.is_valid() else {}
        zone = zoneinfo.ZoneInfo(data.get("zone") or "UTC")

        def in_zone(moment: datetime | None) -> datetime | None:
            # Django read the wall-clock time in the server's zone (UTC); it is the chosen zone's.
            return moment.replace(tzinfo=zone).astimezone(UTC) if moment else None

        until = in_zone(data.get("until"))
        return {
            "action": data.get("action", ""),
            "actor": data.get("actor", ""),
            "result": data.get("result", ""),
            "since": in_zone(data.get("since")),
            "until": until + timedelta(minutes=1) if until else None,
        }


ELEMENT_CHOICES = [
    ("lowercase", _("Lowercase letters")),
    ("uppercase", _("Uppercase letters")),
    ("digits", _("Digits")),
    ("symbols", _("Special characters")),
]


def _range_widget(name: str) -> forms.NumberInput:
    minimum, maximum, _parameter = PASSWORD_POLICY_RANGES[name]
    return forms.NumberInput(attrs={"min": minimum, "max": maximum})


def _range_help(name: str, extra: str = "") -> str:
    """Lazy: the help text is read in each viewer's language."""
    minimum, maximum, _parameter = PASSWORD_POLICY_RANGES[name]
    return format_lazy(_("{minimum}-{maximum}{extra}"), minimum=minimum, maximum=maximum, extra=extra)


class PasswordPolicyForm(ServiceFormMixin, forms.Form):
    """Edit Password Rule (PRODUCT.md §3.2). Ranges are checked by the policy layer."""

    minimum_length = forms.IntegerField(
        label=_("Password Length"), widget=_range_widget("minimum_length"), help_text=_range_help("minimum_length")
    )
    required_elements = forms.MultipleChoiceField(
        label=_("Required Elements in Password"),
        choices=ELEMENT_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    minimum_different_characters = forms.IntegerField(
        label=_("Minimum Different Characters in Password"),
        widget=_range_widget("minimum_different_characters"),
        help_text=_range_help("minimum_different_characters", _("; 0 = no limit")),
    )
    allow_user_name_in_password = forms.TypedChoiceField(
        label=_("Include Username in Password"),
        choices=[("true", _("Allow")), ("false", _("Do Not Allow"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    max_password_age_days = forms.IntegerField(
        label=_("Password Validity Period"),
        widget=_range_widget("max_password_age_days"),
        help_text=_range_help("max_password_age_days", _(" days; 0 = never expires")),
    )
    hard_expiry = forms.TypedChoiceField(
        label=_("Action After Password Expires"),
        choices=[("true", _("Deny Logon")), ("false", _("Allow Logon"))],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
    )
    reuse_prevention = forms.IntegerField(
        label=_("Password History Check Policy"),
        widget=_range_widget("reuse_prevention"),
        help_text=_range_help("reuse_prevention", _("; the new password may not equal any of the previous N; 0 = off")),
    )
    max_login_attempts = forms.IntegerField(
        label=_("Password Retry Constraint Policy"),
        widget=_range_widget("max_login_attempts"),
        help_text=_range_help(
            "max_login_attempts", _("; after N consecutive wrong passwords logon is refused for one hour; 0 = off")
        ),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "password-policy-form"
        self.helper.add_input(Submit("save", _("OK")))
        self.helper.add_input(Submit("preview", _("Preview Impact"), css_class="btn-outline-secondary"))

    def policy_check(self, cleaned: dict) -> None:
        policy.check_password_policy_values(cleaned)

    @staticmethod
    def initial_from(policy: PasswordPolicy) -> dict:
        return {
            "minimum_length": policy.minimum_length,
            "required_elements": policy.required_elements,
            "minimum_different_characters": policy.minimum_different_characters,
            "allow_user_name_in_password": "true" if policy.allow_user_name_in_password else "false",
            "max_password_age_days": policy.max_password_age_days,
            "hard_expiry": "true" if policy.hard_expiry else "false",
            "reuse_prevention": policy.reuse_prevention,
            "max_login_attempts": policy.max_login_attempts,
        }

    def service_arguments(self) -> dict:
        data = dict(self.cleaned_data)
        elements = data.pop("required_elements")
        return {
            **data,
            "require_lowercase": "lowercase" in elements,
            "require_uppercase": "uppercase" in elements,
            "require_numbers": "digits" in elements,
            "require_symbols": "symbols" in elements,
        }


class VerifyIdentityForm(ServiceFormMixin, forms.Form):
    """Verify Identity: an MFA code when the account has MFA, a code sent by email in the sandbox
    (it lands on the Outbox page), or the current password."""

    method = forms.ChoiceField(label=_("Verification Method"), widget=forms.RadioSelect)
    password = forms.CharField(
        label=_("Current Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("MFA Code"),
        required=False,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    email_code = forms.CharField(
        label=_("Email Verification Code"),
        required=False,
        max_length=6,
        help_text=_(
            "Send Code mails a six-digit code to the account's email; in the sandbox it is on the Outbox page."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    FIELD_OF_METHOD = {"mfa": "code", "email": "email_code", "password": "password"}

    def __init__(self, *args: object, mfa_available: bool, email_available: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choices = [("mfa", _("MFA Code"))] if mfa_available else []
        choices += [("password", _("Login Password"))]
        choices += [("email", _("Email Verification Code"))] if email_available else []
        self.fields["method"].choices = choices
        self.fields["method"].initial = choices[0][0]
        if not mfa_available:
            del self.fields["code"]
        if not email_available:
            del self.fields["email_code"]
        self.helper = FormHelper(self)
        self.helper.form_id = "verify-identity-form"
        if email_available:
            self.helper.add_input(Submit("send_code", _("Send Code"), css_class="btn-outline-secondary"))
        self.helper.add_input(Submit("verify", _("Verify now")))

    def clean(self) -> dict:
        cleaned = super().clean()
        needed = self.FIELD_OF_METHOD.get(cleaned.get("method", ""), "password")
        if not cleaned.get(needed):
            self.add_error(needed, ValidationError(_("This field is required."), code="required"))
        return cleaned

    def service_arguments(self) -> dict:
        field = self.FIELD_OF_METHOD[self.cleaned_data["method"]]
        return {field: self.cleaned_data[field]}


class RootPasswordForm(PasswordFieldsMixin):
    def __init__(self, *args: object, rules: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.set_rules(rules, policy.check_root_password)
        self.helper = FormHelper(self)
        self.helper.form_id = "root-password-form"
        self.helper.add_input(Submit("save", _("OK")))


ALLOWED_CHOICES = [("true", _("Allowed")), ("false", _("Not Allowed"))]


def _allowed_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=ALLOWED_CHOICES, coerce=lambda value: value == "true", widget=forms.RadioSelect
    )


class LockoutConfirmationMixin(forms.Form):
    confirm_lockout = forms.BooleanField(
        label=_("I understand that logons from my current address will be refused"), required=False
    )


class SecurityPreferenceForm(ServiceFormMixin, LockoutConfirmationMixin):
    """Update RAM User Security Settings (PRODUCT.md §5.1)."""

    enable_save_mfa_ticket = _allowed_field(_("Save MFA Logon Status for 7 Days"))
    allow_user_to_change_password = _allowed_field(_("Manage Passwords"))
    allow_user_to_manage_access_keys = _allowed_field(_("Manage AccessKey"))
    allow_user_to_manage_mfa_devices = _allowed_field(_("Manage MFA Devices"))
    login_session_duration_hours = forms.IntegerField(
        label=_("Logon Session Valid For"),
        widget=forms.NumberInput(attrs={"min": 1, "max": 24}),
        help_text=_("1-24 hours; a RAM user's console session ends this long after logon."),
    )
    login_network_masks = forms.CharField(
        label=_("Logon Address Mask"),
        required=False,
        max_length=1024,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "192.168.0.0/16;10.0.0.0/8"}),
        help_text=_(
            "IPv4/IPv6 CIDR blocks separated by semicolons (;), at most 40 and 512 characters. Empty: any address. "
            "AccessKey-signed API calls are not restricted."
        ),
    )
    field_order = [
        "enable_save_mfa_ticket",
        "allow_user_to_change_password",
        "allow_user_to_manage_access_keys",
        "allow_user_to_manage_mfa_devices",
        "login_session_duration_hours",
        "login_network_masks",
        "confirm_lockout",
    ]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "security-preference-form"
        self.helper.add_input(Submit("save", _("OK")))

    def policy_check(self, cleaned: dict) -> None:
        policy.check_security_preference_values(cleaned)

    @staticmethod
    def initial_from(preference: SecurityPreference) -> dict:
        initial = {name: "true" if getattr(preference, name) else "false" for name in PREFERENCE_FLAGS}
        initial["login_session_duration_hours"] = preference.login_session_duration_hours
        initial["login_network_masks"] = preference.login_network_masks
        return initial

    def service_arguments(self) -> dict:
        values = dict(self.cleaned_data)
        return {"lockout_confirmed": values.pop("confirm_lockout"), **values}


class LoginMaskForm(ServiceFormMixin, LockoutConfirmationMixin):
    """Root Security Settings > Login Mask > Set (PRODUCT.md §5.2)."""

    login_mask = forms.CharField(
        label=_("Login Mask"),
        required=False,
        max_length=1024,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "192.168.0.0/16;10.0.0.0/8"}),
        help_text=_("CIDR blocks separated by semicolons (;). Empty: the account may log on from any address."),
    )
    field_order = ["login_mask", "confirm_lockout"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "login-mask-form"
        self.helper.add_input(Submit("save", _("Save")))


class AddressTestForm(InputRuleMixin, forms.Form):
    """IP tester: would this address be allowed by the saved masks, and by which block?"""

    test_address = forms.GenericIPAddressField(label=_("Test an address"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_method = "get"
        self.helper.form_id = "address-test-form"
        self.helper.add_input(Submit("test", _("Test"), css_class="btn-outline-secondary btn-sm"))


class AccountAliasForm(ServiceFormMixin, forms.Form):
    """Default Domain > Update > Update Domain: the account alias before `.onaliyun.com`."""

    alias = forms.CharField(
        label=_("Default Domain"),
        max_length=64,
        help_text=_("3-32 lowercase letters, digits and hyphens; the domain becomes <alias>.onaliyun.com."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "account-alias-form"
        self.helper.add_input(Submit("save", _("OK")))


class DomainAliasForm(ServiceFormMixin, forms.Form):
    domain = forms.CharField(label=_("Domain Name"), max_length=253, help_text=_("For example example.com"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "domain-alias-form"
        self.helper.add_input(Submit("create", _("OK")))


class SandboxDnsRecordForm(ServiceFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=253, help_text=_("The domain, for example example.com"))
    value = forms.CharField(label=_("TXT value"), max_length=255)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "dns-record-form"
        self.helper.form_action = "security:dns-record-create"
        self.helper.add_input(Submit("add", _("Add Record")))

    def policy_check(self, cleaned: dict) -> None:
        policy.check_domain_name(policy.normalise_domain_name(cleaned.get("name", "")), field="name")


def _yes_no_field(label: str, yes: str, no: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("true", yes), ("false", no)],
        coerce=lambda value: value == "true",
        widget=forms.RadioSelect,
        help_text=help_text,
    )


class UserSsoSettingsForm(ServiceFormMixin, forms.Form):
    """SSO Management > User SSO > Edit (the SSO Settings dialog). The metadata is uploaded as a file
    or pasted; neither keeps the current one."""

    enabled = _yes_no_field(
        _("SSO Status"),
        _("Enabled"),
        _("Disabled"),
        _("While enabled, RAM users cannot log on with their passwords: they log on through the IdP."),
    )
    metadata_document = forms.FileField(
        label=_("Metadata File"),
        required=False,
        help_text=_("The SAML 2.0 metadata XML of your identity provider. Leave empty to keep the current one."),
    )
    metadata_text = forms.CharField(
        label=_("Or paste the metadata XML"),
        required=False,
        max_length=policy.sso.MAX_METADATA_DOCUMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    auxiliary_domain = forms.CharField(
        label=_("Auxiliary Domain"),
        required=False,
        max_length=253,
        help_text=_("Optional. NameID may then end with @ this domain. Ignored while a domain alias is set."),
    )
    login_with_domain = _yes_no_field(
        _("NameID Carries the Domain (SsoLoginWithDomain)"),
        _("Yes: username@domain"),
        _("No: username only"),
    )
    authn_sign_algo = forms.ChoiceField(
        label=_("Signature Algorithm (AuthnSignAlgo)"),
        choices=[(algo, algo) for algo in policy.sso.AUTHN_SIGN_ALGOS],
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_id = "user-sso-form"
        self.helper.form_tag = True
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("save", _("OK")))

    @staticmethod
    def initial_from(row: UserSsoSettings) -> dict[str, object]:
        return {
            "enabled": "true" if row.enabled else "false",
            "auxiliary_domain": row.auxiliary_domain,
            "login_with_domain": "true" if row.login_with_domain else "false",
            "authn_sign_algo": row.authn_sign_algo,
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("metadata_document")
        pasted = cleaned.get("metadata_text", "")
        if upload and pasted:
            self.add_error("metadata_text", _("Upload a file or paste the XML, not both."))
        elif upload and upload.size > policy.sso.MAX_METADATA_DOCUMENT_LENGTH:
            self.add_error("metadata_document", _("The metadata document is too large."))
        elif upload:
            cleaned["metadata_xml"] = upload.read()
        elif pasted:
            cleaned["metadata_xml"] = pasted.strip().encode()
        return cleaned

    def policy_check(self, cleaned: dict) -> None:
        if "auxiliary_domain" in cleaned:
            policy.sso.check_auxiliary_domain(policy.sso.normalise_auxiliary_domain(cleaned["auxiliary_domain"]))
