"""Serve the sandbox DNS records (UDP and TCP) until interrupted."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from security import sandbox_dns


class Command(BaseCommand):
    help = "Run the sandbox DNS server that answers with the TXT records of the DNS records page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--address", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.RAMCONSOLE_DNS_PORT)

    def handle(self, *args: Any, **options: Any) -> None:
        servers = sandbox_dns.start(address=options["address"], port=options["port"])
        self.stdout.write(f"sandbox DNS on {options['address']}:{options['port']} (UDP and TCP); Ctrl-C stops")
        try:
            while all(server.isAlive() for server in servers):
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            for server in servers:
                server.stop()
