"""Status at a glance (issue 17, item 3): the Users table's tags, status filter and sortable columns,
the same tags on the user's page, and a bounded number of queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accesskeys import services as key_services
from accounts.actors import Actor
from accounts.models import Account, LoginProfile, Principal
from security import services as security_services
from tests.conftest import bind_device

NOW = datetime(2030, 6, 1, 12, 0, 5, tzinfo=UTC)
LIST = reverse("accounts:user-list")
AGE_DAYS = 30


def listed(client: Client, **query: str) -> list[str]:
    return [user.name for user, _status in client.get(LIST, query).context["rows"]]


def tags_of(client: Client, name: str) -> str:
    """The status cell's text of `name`'s row, whitespace collapsed."""
    page = client.get(LIST).content.decode()
    row = page[page.index(f">{name}@") :]
    cell = row[row.index('class="list-inline mb-0 user-status"') : row.index("</ul>")]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split()).split('"> ', 1)[-1]


@pytest.fixture(autouse=True)
def _at_now() -> Iterator[None]:
    """Every request of these tests at NOW (the console session too, so it has not expired)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people(account: Account, root: Principal, ram_user_factory) -> dict[str, Principal]:
    """At NOW: a lock ending exactly now and one a second later; a password expiring exactly now
    and one a second later; a user with MFA and two keys; a user without console logon."""
    with time_machine.travel(NOW - timedelta(days=AGE_DAYS), tick=False):
        security_services.password_policy_update(actor=Actor(root), max_password_age_days=AGE_DAYS)
        users = {name: ram_user_factory(account, name) for name in ("lock-ends", "locked", "expired", "fresh")}
        users["nologon"] = ram_user_factory(account, "nologon", password=None)
    LoginProfile.objects.filter(principal=users["lock-ends"]).update(locked_until=NOW)
    LoginProfile.objects.filter(principal=users["locked"]).update(locked_until=NOW + timedelta(seconds=1))
    LoginProfile.objects.filter(principal=users["expired"]).update(password_changed_at=NOW - timedelta(days=AGE_DAYS))
    LoginProfile.objects.filter(principal=users["fresh"]).update(
        password_changed_at=NOW - timedelta(days=AGE_DAYS) + timedelta(seconds=1)
    )
    LoginProfile.objects.exclude(principal__in=[users["expired"], users["fresh"]]).update(password_changed_at=NOW)
    bind_device(users["fresh"], NOW)
    for _ in range(2):
        key_services.access_key_create(actor=Actor(root), user=users["fresh"])
    return users


def test_tags_carry_text_and_meet_their_edges(root_client: Client, people: dict[str, Principal]) -> None:
    with time_machine.travel(NOW, tick=False):
        assert tags_of(root_client, "lock-ends") == "Console logon on No MFA 0 AccessKeys"  # lock ended at now
        assert tags_of(root_client, "locked").startswith("Console logon on Locked until 2030-06-01 12:00:06")
        assert tags_of(root_client, "expired") == "Console logon on Password expired No MFA 0 AccessKeys"
        assert tags_of(root_client, "fresh") == "Console logon on MFA 2 AccessKeys"  # expires a second later
        assert tags_of(root_client, "nologon") == "Console logon off No MFA 0 AccessKeys"


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("console-on", {"lock-ends", "locked", "expired", "fresh"}),
        ("console-off", {"nologon"}),
        ("locked", {"locked"}),
        ("expired", {"expired"}),
        ("mfa", {"fresh"}),
        ("no-mfa", {"lock-ends", "locked", "expired", "nologon"}),
        ("access-keys", {"fresh"}),
        ("no-access-keys", {"lock-ends", "locked", "expired", "nologon"}),
        ("", {"lock-ends", "locked", "expired", "fresh", "nologon"}),
        ("bogus", {"lock-ends", "locked", "expired", "fresh", "nologon"}),  # an unknown filter shows everyone
    ],
)
def test_filters_find_exactly_the_tagged_users(
    root_client: Client, people: dict[str, Principal], status: str, names: set[str]
) -> None:
    assert set(listed(root_client, status=status)) == names


def test_expired_filter_follows_the_clock_and_the_rule(
    root_client: Client, root: Principal, people: dict[str, Principal]
) -> None:
    with time_machine.travel(NOW + timedelta(seconds=1), tick=False):
        assert set(listed(root_client, status="expired")) == {"expired", "fresh"}
        security_services.password_policy_update(actor=Actor(root), max_password_age_days=0)  # never expires
        assert listed(root_client, status="expired") == []
        assert not any(status.password_expired for _user, status in root_client.get(LIST).context["rows"])


def test_columns_sort_both_ways(root_client: Client, people: dict[str, Principal]) -> None:
    with time_machine.travel(NOW, tick=False):
        by_name = sorted(people)
        assert listed(root_client, sort="name") == by_name
        assert listed(root_client, sort="-name") == by_name[::-1]
        assert listed(root_client, sort="-access_keys")[0] == "fresh"
        assert listed(root_client, sort="access_keys")[-1] == "fresh"
        assert listed(root_client, sort="created") == ["lock-ends", "locked", "expired", "fresh", "nologon"]
        assert listed(root_client, sort="-created") == listed(root_client)  # the default: newest first
        assert listed(root_client, sort="nonsense") == listed(root_client)
        assert listed(root_client, sort="name", status="console-on") == ["expired", "fresh", "lock-ends", "locked"]


def test_headers_link_to_the_other_direction_and_keep_the_filter(
    root_client: Client, people: dict[str, Principal]
) -> None:
    page = root_client.get(LIST, {"sort": "name", "status": "mfa"}).content.decode()
    assert '<th aria-sort="ascending"><a class="sort-link" href="?sort=-name&amp;status=mfa">' in page or (
        '<th aria-sort="ascending"><a class="sort-link" href="?status=mfa&amp;sort=-name">' in page
    )
    assert page.count('aria-sort="none"') == 3


def test_filters_and_sorts_keep_the_query_count(
    root_client: Client, account: Account, people: dict[str, Principal], ram_user_factory, django_assert_num_queries
) -> None:
    for i in range(25):
        ram_user_factory(account, f"more{i}")
    for query in ({}, {"status": "locked"}, {"status": "no-access-keys", "sort": "name"}, {"sort": "-last_logon"}):
        with django_assert_num_queries(5):  # session, principal, password policy, count, page
            root_client.get(LIST, query)


def test_the_user_page_shows_the_same_tags(root_client: Client, people: dict[str, Principal]) -> None:
    with time_machine.travel(NOW, tick=False):
        fresh = root_client.get(reverse("accounts:user-detail", args=[people["fresh"].user_id])).content.decode()
        expired = root_client.get(reverse("accounts:user-detail", args=[people["expired"].user_id])).content.decode()
    assert "Console logon on" in fresh and ">MFA<" in fresh and "2 AccessKeys" in fresh
    assert "Password expired" in expired and "No MFA" in expired
