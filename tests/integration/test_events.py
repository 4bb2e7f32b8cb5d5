"""The Events page: scoped to the account, filterable, exportable as formula-safe CSV, and listing
at most the newest EVENTS_LISTED matches."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.models import Account, Principal
from security import events, selectors
from security import views as security_views
from security.models import Event

EVENTS = reverse("security:event-list")
EXPORT = reverse("security:event-export")


def _export_rows(client: Client, **params: str) -> list[list[str]]:
    response = client.get(EXPORT, params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    assert content.count(b"\n") == content.count(b"\r\n")  # every line ends in CRLF
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_events_are_scoped_to_the_account(
    root_client: Client, account: Account, account_factory, ram_user_factory
) -> None:
    other = account_factory(alias="other")
    ram_user_factory(other, "secret-project-user")
    ram_user_factory(account, "mine")
    page = root_client.get(EVENTS).content.decode()
    assert "mine@acme.onaliyun.com" in page
    assert "secret-project-user" not in page
    assert all("secret-project-user" not in cell for row in _export_rows(root_client) for cell in row)


def test_filters_by_action_actor_result_and_date(root_client: Client, account: Account, root: Principal) -> None:
    with time_machine.travel(datetime(2030, 1, 1, 12, tzinfo=UTC), tick=False):
        events.record(action="CreateUser", account=account, actor=root, target="a@acme.onaliyun.com")
    with time_machine.travel(datetime(2030, 1, 5, 12, tzinfo=UTC), tick=False):
        events.record(action="DeleteUser", account=account, actor_name="LTAI-someone", result="NoPermission")
    by_action = root_client.get(EVENTS, {"action": "CreateUser"}).context["page"]
    assert [e.action for e in by_action] == ["CreateUser"]
    by_actor = root_client.get(EVENTS, {"actor": "ltai"}).context["page"]
    assert [e.action for e in by_actor] == ["DeleteUser"]
    failures = root_client.get(EVENTS, {"result": "failure"}).context["page"]
    assert [e.result for e in failures] == ["NoPermission"]
    one_day = root_client.get(EVENTS, {"since": "2030-01-01T00:00", "until": "2030-01-01T23:59"}).context["page"]
    assert [e.action for e in one_day] == ["CreateUser"]
    bad_range = root_client.get(EVENTS, {"since": "2030-01-05T00:00", "until": "2030-01-01T00:00"})
    assert bad_range.context["form"].has_error("until")


def test_export_escapes_formulas_and_keeps_filters(root_client: Client, account: Account) -> None:
    events.record(action="UpdateUser", account=account, actor_name='=HYPERLINK("x")', target="+danger")
    rows = _export_rows(root_client, action="UpdateUser")
    assert rows[0] == ["time_utc", "account_time_utc", "operator", "source_ip", "action", "target", "result"]
    assert rows[1][2] == '\'=HYPERLINK("x")'
    assert rows[1][5] == "'+danger"
    assert len(rows) == 2


def test_secrets_never_reach_event_detail(account: Account) -> None:
    event = events.record(action="CreateLoginProfile", account=account, detail={"Password": "hunter2", "UserName": "x"})
    assert event.detail == {"UserName": "x"}


def test_events_page_queries_are_constant(root_client: Client, account: Account, django_assert_num_queries) -> None:
    for i in range(5):
        events.record(action="CreateUser", account=account, target=f"u{i}")
    with django_assert_num_queries(5):  # session, principal, action menu, count, page
        root_client.get(EVENTS)
    for i in range(60):
        events.record(action=f"Action{i % 7}", account=account, target=f"v{i}")
    with django_assert_num_queries(5):
        root_client.get(EVENTS)


def test_read_only_user_sees_events(readonly_user: Principal, client_for) -> None:
    assert client_for(readonly_user).get(EVENTS).status_code == 200
    assert Event.objects.filter(account=readonly_user.account).exists()


@pytest.mark.parametrize(("recorded", "truncated"), [(4, False), (5, False), (6, True)])
def test_events_page_lists_the_newest_matches_only(
    root_client: Client, account: Account, monkeypatch: pytest.MonkeyPatch, recorded: int, truncated: bool
) -> None:
    """Counting an ever-growing table costs more with every API call: the page stops at a limit
    (here 5 events, 2 per page), says so, and the export still has every event."""
    monkeypatch.setattr(security_views, "EVENTS_LISTED", 5)
    monkeypatch.setattr(security_views, "EVENTS_PER_PAGE", 2)
    Event.objects.filter(account=account).delete()
    for i in range(recorded):
        events.record(action="CreateUser", account=account, target=f"user{i}")

    first = root_client.get(EVENTS).content.decode()
    last = root_client.get(EVENTS, {"page": 99}).content.decode()  # beyond the end: the last page

    assert f"Page 1 of {min(recorded, 5) // 2 + min(recorded, 5) % 2}" in first
    assert ("events-truncated" in first) is truncated
    assert "user" + str(recorded - 1) in first  # the newest come first
    assert ("user0<" in last) is not truncated  # the oldest is listed only while within the limit
    assert len(_export_rows(root_client)) == recorded + 1  # header + every event


def test_action_menu_lists_each_action_of_the_account_once_sorted(account_factory) -> None:
    mine, theirs = account_factory(email="menu-a@example.com"), account_factory(email="menu-b@example.com")
    Event.objects.filter(account__in=[mine, theirs]).delete()
    assert selectors.event_actions(account=mine) == []
    for action in ("UpdateUser", "CreateUser", "UpdateUser", "AttachPolicyToUser", "CreateUser"):
        events.record(action=action, account=mine)
    events.record(action="DeleteUser", account=theirs)

    assert selectors.event_actions(account=mine) == ["AttachPolicyToUser", "CreateUser", "UpdateUser"]
    assert selectors.event_actions(account=theirs) == ["DeleteUser"]


def _listed(client: Client, **params: str) -> list[str]:
    response = client.get(EVENTS, params)
    assert response.status_code == 200
    return [e.target for e in response.context["page"]]


def test_time_filter_edges_and_zone(root_client: Client, account: Account, root: Principal) -> None:
    """From includes its minute's first second; To includes its whole minute; both are read in the
    chosen zone (Asia/Shanghai is UTC+8), and the export applies the same bounds."""
    for second, target in (
        (datetime(2030, 1, 1, 11, 59, 59, tzinfo=UTC), "before"),
        (datetime(2030, 1, 1, 12, tzinfo=UTC), "first"),
    ):
        with time_machine.travel(second, tick=False):
            events.record(action="CreateUser", account=account, actor=root, target=target)
    for second, target in (
        (datetime(2030, 1, 1, 12, 30, 59, tzinfo=UTC), "last"),
        (datetime(2030, 1, 1, 12, 31, tzinfo=UTC), "after"),
    ):
        with time_machine.travel(second, tick=False):
            events.record(action="CreateUser", account=account, actor=root, target=target)
    utc = {"since": "2030-01-01T12:00", "until": "2030-01-01T12:30"}
    assert _listed(root_client, **utc) == ["last", "first"]
    assert _listed(root_client, **utc, zone="UTC") == ["last", "first"]
    shanghai = {"since": "2030-01-01T20:00", "until": "2030-01-01T20:30", "zone": "Asia/Shanghai"}
    assert _listed(root_client, **shanghai) == ["last", "first"]
    assert _listed(root_client, since="2030-01-01T12:00", zone="Asia/Shanghai") == ["after", "last", "first", "before"]
    exported = _export_rows(root_client, **shanghai)
    assert [row[5] for row in exported[1:]] == ["last", "first"]
    assert exported[1][0] == "2030-01-01T12:30:59Z"  # files keep ISO 8601 UTC


@pytest.mark.parametrize(
    "params",
    [
        {"since": "01/02/2030 10:00"},
        {"until": "2030-02-30T10:00"},
        {"zone": "Mars/Olympus_Mons"},
        {"zone": "Europe/Berlin\u0000"},
    ],
)
def test_bad_time_filter_is_a_field_error(root_client: Client, params: dict[str, str]) -> None:
    response = root_client.get(EVENTS, params)
    assert response.status_code == 200
    [field] = params
    assert response.context["form"].has_error(field)


def test_zone_choice_names_the_zone_and_offers_the_browsers(root_client: Client) -> None:
    page = root_client.get(EVENTS).content.decode()
    assert 'type="datetime-local"' in page and "Time zone" in page
    assert 'data-browser-zone="default"' in page  # static/js/times.js selects the browser's zone
    chosen = root_client.get(EVENTS, {"zone": "Europe/Berlin"}).content.decode()
    assert "data-browser-zone" not in chosen
    read_in_utc = root_client.get(EVENTS, {"since": "2030-01-01T00:00"}).content.decode()
    # No zone sent: the menu shows its first zone, UTC, which the times were read in.
    assert "data-browser-zone" not in read_in_utc and " selected>" not in read_in_utc.split('name="zone"')[1]
    assert read_in_utc.split('name="zone"')[1].split("<option")[1].startswith(' value="UTC">')
    assert '<option value="Europe/Berlin" selected>' in chosen
