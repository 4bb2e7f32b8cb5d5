"""Account alias (default domain) and domain alias rules (PRODUCT.md §6)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.models import DEFAULT_DOMAIN_SUFFIX
from security.errors import InvalidParameter

ALIAS_PATTERN = re.compile(r"^[a-z0-9-]+$")
LABEL_PATTERN = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def check_account_alias(alias: str) -> None:
    """3-32 lowercase letters, digits and `-`; no leading, trailing or doubled `-`."""
    if not 3 <= len(alias) <= 32:
        raise InvalidParameter(
            _('The parameter - "AccountAlias" MUST be 3 to 32 characters long.'),
            code="InvalidParameter.AccountAlias.Length",
            field="alias",
            console=_("Enter 3 to 32 characters."),
        )
    problems = []
    if not ALIAS_PATTERN.match(alias):
        problems.append(_("Use only lowercase letters, digits and hyphens (-)."))
    if alias.startswith("-") or alias.endswith("-"):
        problems.append(_("It must not start or end with a hyphen."))
    if "--" in alias:
        problems.append(_("It must not contain two hyphens in a row."))
    if problems:
        raise InvalidParameter(
            problems[0], code="InvalidParameter.AccountAlias.Format", field="alias", messages=problems
        )


def alias_of_default_domain(domain: str) -> str:
    """IMS SetDefaultDomain names `<alias>.onaliyun.com`; the alias is the part before the suffix."""
    suffix = f".{DEFAULT_DOMAIN_SUFFIX}"
    if not domain.lower().endswith(suffix) or len(domain) > 64:
        raise InvalidParameter(
            _('The parameter - "DefaultDomainName" must be <alias>.onaliyun.com (at most 64 characters).'),
            code="InvalidParameter.DefaultDomainName.Format",
            field="alias",
        )
    return domain[: -len(suffix)]


def normalise_domain_name(domain: str) -> str:
    return domain.strip().rstrip(".").lower()


def check_domain_name(domain: str, *, field: str = "domain") -> None:
    """A syntactically valid public domain name, and not one of the console's own onaliyun.com names;
    `field` names the form field it is typed in."""
    labels = domain.split(".")
    valid = (
        1 <= len(domain) <= 253
        and len(labels) >= 2
        and all(LABEL_PATTERN.match(label) for label in labels)
        and labels[-1].isalpha()
        and len(labels[-1]) >= 2
    )
    if not valid:
        raise InvalidParameter(
            _('"%(d)s" is not a valid domain name (for example example.com).') % {"d": domain},
            code="InvalidParameter.DomainName.Format",
            field=field,
        )
    if domain == DEFAULT_DOMAIN_SUFFIX or domain.endswith(f".{DEFAULT_DOMAIN_SUFFIX}"):
        raise InvalidParameter(
            _("An onaliyun.com name is a default domain, not a domain alias."),
            code="InvalidParameter.DomainName.Reserved",
            field=field,
        )


@dataclass(frozen=True)
class TxtVerdict:
    verified: bool
    reason: str  # a RAM-style code for the event
    message: str


def judge_txt(expected: str, found: list[str] | None, error: str | None) -> TxtVerdict:
    """What the TXT lookup proves: the expected value published, or what was found instead."""
    if error:
        return TxtVerdict(False, "DomainVerification.LookupFailed", error)
    if not found:
        return TxtVerdict(False, "DomainVerification.NoRecord", _("No TXT record was found on the domain."))
    if expected in found:
        return TxtVerdict(True, "Success", _("The domain ownership is verified."))
    return TxtVerdict(
        False,
        "DomainVerification.WrongValue",
        _("TXT records were found, but none is %(e)s. Found: %(f)s") % {"e": expected, "f": "; ".join(found)},
    )
