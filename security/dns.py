"""The DNS TXT lookup behind Domain Ownership Verification: a real query with dnspython, against
the resolver named in settings (the system resolver by default, the sandbox DNS in sandbox mode)."""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.resolver
from django.conf import settings
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class TxtLookup:
    values: list[str]
    error: str | None = None


def _resolver() -> dns.resolver.Resolver:
    if not settings.RAMCONSOLE_DNS_RESOLVER:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [settings.RAMCONSOLE_DNS_RESOLVER]
        resolver.port = settings.RAMCONSOLE_DNS_PORT
    resolver.lifetime = settings.RAMCONSOLE_DNS_TIMEOUT
    resolver.timeout = settings.RAMCONSOLE_DNS_TIMEOUT
    return resolver


def lookup_txt(domain: str) -> TxtLookup:
    """TXT values of `domain`; an unanswered or failed query says why instead."""
    try:
        answer = _resolver().resolve(domain, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return TxtLookup(values=[])
    except dns.exception.Timeout:
        return TxtLookup(values=[], error=_("The DNS query timed out: no answer from the resolver."))
    except dns.exception.DNSException as error:
        return TxtLookup(values=[], error=_("The DNS query failed: %(e)s") % {"e": error.__class__.__name__})
    return TxtLookup(values=[b"".join(record.strings).decode(errors="replace") for record in answer])
