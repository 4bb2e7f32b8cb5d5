"""The clock, the source address, CSV escaping and the shell's text filters: small modules every rule relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory, override_settings

from accounts.models import Account
from ramconsole.kernel import clock
from ramconsole.kernel.net import client_ip
from ramconsole.kernel.spreadsheet import csv_lines, safe_cell
from ramconsole.web.templatetags.console import duration_text


@time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False)
def test_clock_adds_the_account_offset() -> None:
    account = Account(clock_offset=timedelta(days=90))
    assert clock.now(account) == datetime(2030, 4, 1, tzinfo=UTC)
    assert clock.now(Account()) == datetime(2030, 1, 1, tzinfo=UTC)
    assert clock.now(None) == datetime(2030, 1, 1, tzinfo=UTC)


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@override_settings(RAMCONSOLE_TRUSTED_PROXIES=[])
def test_forwarded_header_ignored_without_trusted_proxy() -> None:
    assert client_ip(_request("203.0.113.5", "10.0.0.1")) == "203.0.113.5"


@override_settings(RAMCONSOLE_TRUSTED_PROXIES=["127.0.0.1", "10.1.0.0/16"])
def test_forwarded_header_believed_only_from_trusted_proxies() -> None:
    # Spoofed left-most value is ignored: the first untrusted hop from the right is the client.
    assert client_ip(_request("127.0.0.1", "1.2.3.4, 198.51.100.7, 10.1.2.3")) == "198.51.100.7"
    # A direct client that is not a proxy cannot choose its address.
    assert client_ip(_request("198.51.100.9", "10.0.0.1")) == "198.51.100.9"
    # Garbage in the header stops the walk at the last trusted hop.
    assert client_ip(_request("127.0.0.1", "not-an-ip")) == "127.0.0.1"


def test_client_ip_ipv6_and_missing() -> None:
    assert client_ip(_request("2001:db8::1")) == "2001:db8::1"
    assert client_ip(_request("")) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("@x", "'@x"),
        ("-2", "'-2"),
        ("-", "-"),
        ("abc", "abc"),
        (None, ""),
        (True, "TRUE"),
        (False, "FALSE"),
    ],
)
def test_safe_cell_escapes_formulas(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_csv_lines_escape_every_row() -> None:
    lines = list(csv_lines(["a", "b"], [["=1+1", "ok"]]))
    assert lines == ["\ufeffa,b\r\n", "'=1+1,ok\r\n"]  # the BOM once, before the header


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (timedelta(), "0 minutes"),
        (timedelta(seconds=59), "0 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=2, minutes=30), "2 hours 30 minutes"),
        (timedelta(days=1, hours=1), "1 day 1 hour"),
        (timedelta(days=91), "91 days"),
    ],
)
def test_sandbox_clock_offset_reads_as_days_hours_and_minutes(offset: timedelta, text: str) -> None:
    assert duration_text(offset) == text
