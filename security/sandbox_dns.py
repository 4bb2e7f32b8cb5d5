"""The sandbox DNS server: authoritative answers for the TXT records of the DNS records page.

Trainees own no domains and this machine has no internet, so Domain Ownership Verification
queries this server instead — through the same dnspython lookup as for real domains.
"""

from __future__ import annotations

from dnslib import QTYPE, RCODE, RR, TXT, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSServer

from security.models import SandboxDnsRecord


class SandboxResolver(BaseResolver):
    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = request.reply()
        reply.header.aa = 1  # authoritative for every sandbox name
        name = str(request.q.qname).rstrip(".").lower()
        values = list(SandboxDnsRecord.objects.filter(name=name).values_list("value", flat=True))
        if not values:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if request.q.qtype in (QTYPE.TXT, QTYPE.ANY):
            for value in values:
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=60))
        return reply


def start(*, address: str, port: int) -> list[DNSServer]:
    """UDP and TCP servers on `address:port`, each in its own daemon thread."""
    servers = [
        DNSServer(SandboxResolver(), address=address, port=port, tcp=tcp, logger=_QuietLogger())
        for tcp in (False, True)
    ]
    for server in servers:
        server.start_thread()
    return servers


class _QuietLogger:
    """dnslib's default logger prints every packet; the sandbox logs nothing per query."""

    def __getattr__(self, name: str) -> object:
        return lambda *args, **kwargs: None
