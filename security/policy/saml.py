"""What a verified SAML assertion must say to log a RAM user on (user-based SSO), and what user SSO
does to password logon. The signature itself is checked in security/saml.py.

RAM's references: the Response's elements (www.alibabacloud.com/help/en/ram/saml-response-for-user-based-sso,
help.aliyun.com/en/ram/saml-response-for-user-based-sso); NameID with or without the domain
(SsoLoginWithDomain, help.aliyun.com/zh/ram/developer-reference/api-ims-2019-08-15-setuserssosettings);
the auxiliary domain, used only while no domain alias is set, and "enabling user-based SSO ...
disables password-based logon for all RAM users", never the root's
(www.alibabacloud.com/help/en/ram/configure-alibaba-cloud-saml-settings-for-role-based-sso).
MFA: RAM's MFA is the second factor after a user name and password (SetSecurityPreference
MFAOperationForLogin: "when they log on ... by using usernames and passwords",
www.alibabacloud.com/help/en/ram/developer-reference/api-ims-2019-08-15-setsecuritypreference);
an SSO logon has no RAM password, the IdP authenticates, so no RAM MFA step follows it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from security.errors import LogonRefused

if TYPE_CHECKING:
    from accounts.models import Account, Principal
    from security.models import UserSsoSettings
    from security.saml import SignedAssertion

REASON_SSO_DISABLED = "SsoDisabled"
REASON_SIGNATURE_INVALID = "SamlSignatureInvalid"
REASON_ISSUER_MISMATCH = "SamlIssuerMismatch"
REASON_STATUS_NOT_SUCCESS = "SamlStatusNotSuccess"
REASON_AUDIENCE_MISMATCH = "SamlAudienceMismatch"
REASON_DESTINATION_MISMATCH = "SamlDestinationMismatch"
REASON_IN_RESPONSE_TO_MISMATCH = "SamlInResponseToMismatch"
REASON_EXPIRED = "SamlExpired"
REASON_REPLAYED = "SamlReplayed"
REASON_PASSWORD_LOGON_SSO_ONLY = "SsoLogonRequired"  # noqa: S105 - a reason code, not a password

# Clocks of the IdP and of the account may differ a little; more than this is an expired or early assertion.
CLOCK_SKEW = timedelta(minutes=2)


def account_id_of_audience(audience: str) -> str:
    """The account an SP entity ID (policy.sso.sp_entity_id) names; '' when it names none."""
    prefix, suffix = "https://signin.aliyun.com/", "/saml/SSO"
    if not (audience.startswith(prefix) and audience.endswith(suffix)):
        return ""
    account_id = audience[len(prefix) : -len(suffix)]
    return account_id if account_id.isdigit() else ""


def allows_sha1_signatures(settings: UserSsoSettings) -> bool:
    """RSA-SHA1 is accepted from the IdP only while the account's AuthnSignAlgo is rsa-sha1 (its default)."""
    return settings.authn_sign_algo == "rsa-sha1"


def check_sso_enabled(settings: UserSsoSettings) -> None:
    if not settings.enabled or not settings.idp_certificates:
        raise LogonRefused(code=REASON_SSO_DISABLED)


def check_assertion(
    assertion: SignedAssertion,
    *,
    settings: UserSsoSettings,
    sp_entity_id: str,
    acs_url: str,
    request_ids: tuple[str, ...],
    now: datetime,
) -> None:
    """Issuer, status, audience, destination, InResponseTo and the time window, on the account's clock."""
    if settings.idp_entity_id and assertion.issuer != settings.idp_entity_id:
        raise LogonRefused(code=REASON_ISSUER_MISMATCH)
    if not assertion.status_ok:
        raise LogonRefused(code=REASON_STATUS_NOT_SUCCESS)
    if sp_entity_id not in assertion.audiences:
        raise LogonRefused(code=REASON_AUDIENCE_MISMATCH)
    if assertion.destination != acs_url:
        raise LogonRefused(code=REASON_DESTINATION_MISMATCH)
    # IdP-initiated Responses answer no request; an SP-initiated one must answer this browser's.
    if assertion.in_response_to and assertion.in_response_to not in request_ids:
        raise LogonRefused(code=REASON_IN_RESPONSE_TO_MISMATCH)
    # Without NotOnOrAfter an assertion would be good forever, and the replay guard could never forget it.
    if assertion.not_on_or_after is None or now >= assertion.not_on_or_after + CLOCK_SKEW:
        raise LogonRefused(code=REASON_EXPIRED)
    if assertion.not_before is not None and now < assertion.not_before - CLOCK_SKEW:
        raise LogonRefused(code=REASON_EXPIRED)
    if not assertion.assertion_id:
        raise LogonRefused(code=REASON_SIGNATURE_INVALID)


def replay_guard_forgets_before(real_now: datetime) -> datetime:
    """Used assertion IDs older than this may be forgotten: expired on every account's clock, which
    never runs behind real time (the sandbox clock only moves forward, or back to real time)."""
    return real_now - CLOCK_SKEW


def sso_logon_domains(account: Account, settings: UserSsoSettings, *, verified_alias: str | None) -> tuple[str, ...]:
    """The domains a NameID may carry: the default domain, the verified domain alias, or else the auxiliary domain."""
    domains = [account.default_domain]
    if verified_alias:
        domains.append(verified_alias)
    elif settings.auxiliary_domain:
        domains.append(settings.auxiliary_domain)
    return tuple(d.lower() for d in domains)


def user_name_of_name_id(name_id: str, *, login_with_domain: bool, domains: tuple[str, ...]) -> str | None:
    """The RAM user name a NameID names, or None. SsoLoginWithDomain=true: `user@<domain>`, the domain
    one of `domains`; false: the bare `user`, no domain part at all."""
    if not name_id:
        return None
    name, at, domain = name_id.rpartition("@")
    if not login_with_domain:
        return None if "@" in name_id else name_id
    if not at or not name or domain.lower() not in domains:
        return None
    return name


def password_logon_refused_by_sso(principal: Principal, settings: UserSsoSettings) -> bool:
    """While user SSO is on, RAM users log on only through the IdP; the root keeps its password."""
    return principal.is_ram_user and settings.enabled
