"""Training scenarios (PRODUCT.md §12, the Training page): exercises drawn from the Security Check.
Each one is done when the account's real state satisfies it; nothing is ever ticked by hand."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from accounts.models import Principal
from security.errors import EntityAlreadyExists, InvalidParameter
from security.models import PasswordPolicy
from security.policy.domains import check_account_alias
from security.policy.network import parse_masks
from security.policy.report import AccountFacts

TRAINING_NETWORK = ipaddress.ip_network("10.0.0.0/8")
STRONG_MINIMUM_LENGTH = 12
STRONG_REQUIRED_ELEMENTS = 3


@dataclass(frozen=True)
class TrainingFacts:
    check: AccountFacts
    admins_without_mfa: int  # RAM users holding AliyunRAMFullAccess with no MFA device bound
    password_rule: PasswordPolicy
    login_network_masks: str  # RAM users' Logon Address Mask
    user_sso_configured: bool  # User SSO: SSO Status on, with an IdP's metadata uploaded
    sso_logon_succeeded: bool  # a RAM user has logged on through user SSO (a SAML logon event)


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    how: str  # where in the console it is done
    url_name: str
    done: bool


def _only_training_network(masks: str) -> bool:
    networks = parse_masks(masks)
    return bool(networks) and all(network.version == 4 and network.subnet_of(TRAINING_NETWORK) for network in networks)


def training_scenarios(facts: TrainingFacts) -> list[Scenario]:
    rule = facts.password_rule
    return [
        Scenario(
            "admins_mfa",
            _("Enable MFA for every administrator"),
            _("Users > an administrator > Authentication > Enable the Virtual MFA Device"),
            "accounts:user-list",
            facts.admins_without_mfa == 0,
        ),
        Scenario(
            "rotate_old_keys",
            _("Rotate AccessKeys older than 90 days"),
            _(
                "Users > the key's owner > User AccessKeys: disable and delete the old key (at two keys, first), "
                "then create its replacement"
            ),
            "accounts:user-list",
            facts.check.old_keys == 0,
        ),
        Scenario(
            "strong_password_rule",
            _("Require %(n)d characters and %(e)d elements in passwords")
            % {"n": STRONG_MINIMUM_LENGTH, "e": STRONG_REQUIRED_ELEMENTS},
            _("Settings > Security Settings > Edit Password Rule"),
            "security:password-policy",
            rule.minimum_length >= STRONG_MINIMUM_LENGTH and len(rule.required_elements) >= STRONG_REQUIRED_ELEMENTS,
        ),
        Scenario(
            "restrict_logon_network",
            _("Restrict RAM user logon to %(network)s") % {"network": TRAINING_NETWORK},
            _("Settings > Security Settings > Update RAM User Security Settings > Logon Address Mask"),
            "security:security-preference",
            _only_training_network(facts.login_network_masks),
        ),
        Scenario(
            "root_mfa",
            _("Turn on Account Protection for the Alibaba Cloud account"),
            _("Account > Security Settings > Account Protection"),
            "mfa:account-protection",
            facts.check.root_mfa,
        ),
        Scenario(
            "remove_unused_keys",
            _("Remove AccessKeys unused for 90 days"),
            _("Users > the key's owner > User AccessKeys > Delete"),
            "accounts:user-list",
            facts.check.unused_keys == 0,
        ),
        Scenario(
            "user_sso",
            _("Configure user-based SSO and sign in through it"),
            _(
                "Sandbox > Identity provider: download its metadata; Settings > SSO Management > User SSO: "
                "upload it and turn SSO Status on; then sign in as a RAM user through the identity provider"
            ),
            "accounts:sandbox-identity-provider",
            facts.user_sso_configured and facts.sso_logon_succeeded,
        ),
    ]


# Classes (issue 23): a class is N sandboxes named <class>-NN, so its name must make valid account
# aliases (3-32 characters with the "-NN" suffix, checked by the alias rule itself).
CLASS_MIN_SANDBOXES = 1
CLASS_MAX_SANDBOXES = 50


def check_training_class(*, name: str, count: int, name_taken: bool) -> None:
    """A new class: a free name and 1-50 sandboxes (each is a full seeded account; 50 is a classroom)."""
    if not CLASS_MIN_SANDBOXES <= count <= CLASS_MAX_SANDBOXES:
        raise InvalidParameter(
            _("A class has %(low)d to %(high)d sandboxes.") % {"low": CLASS_MIN_SANDBOXES, "high": CLASS_MAX_SANDBOXES},
            code="InvalidParameter.ClassSize",
            field="count",
        )
    check_account_alias(f"{name}-{count:02d}")  # its sandboxes' aliases, the longest one
    if name_taken:
        raise EntityAlreadyExists(
            _("The class %(name)s already exists.") % {"name": name}, code="EntityAlreadyExists.Class", field="name"
        )


def _is_operator(principal: Principal | AnonymousUser) -> bool:
    return getattr(principal, "kind", None) == Principal.Kind.OPERATOR  # the admin's sign-in page asks anonymously


def teaches_every_class(principal: Principal | AnonymousUser) -> bool:
    """A superuser operator sees and runs every class; another operator only those he is an instructor of."""
    return _is_operator(principal) and principal.is_superuser


def may_teach(principal: Principal | AnonymousUser) -> bool:
    """Who may open the Class pages at all (each one further scoped to the classes he teaches)."""
    return _is_operator(principal) and principal.is_staff and principal.is_active
