"""Every API call is an event, named by its action and attributed to the AccessKey ID; logon masks
govern console logons only, never AccessKey-signed calls (PRODUCT.md §5, §11)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from django.test import Client
from django.urls import reverse

from accounts.models import Account, Principal
from security.models import Event
from tests.api.conftest import Api, ApiError, Key, SdkFactory
from tests.conftest import USER_PASSWORD


def events_since(mark: int) -> list[Event]:
    return list(Event.objects.filter(id__gt=mark).order_by("id"))


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_each_call_leaves_one_event_with_the_key_as_actor(ram: Api, account: Account) -> None:
    calls = [
        ("CreateUser", {"UserName": "dave", "DisplayName": "Dave"}, "Success"),
        ("GetUser", {"UserName": "dave"}, "Success"),
        ("ListUsers", {}, "Success"),
        ("SetPasswordPolicy", {"MinimumPasswordLength": 10}, "Success"),
        ("GetUser", {"UserName": "ghost"}, "EntityNotExist.User"),
        ("CreateUser", {"UserName": "bad name!", "DisplayName": "Bad"}, "InvalidParameter.UserName.InvalidChars"),
    ]
    for action, params, result in calls:
        mark = last_event_id()
        with contextlib.suppress(ApiError):  # refusals are part of the scenario: the event is what is checked
            ram.call(action, **params)
        [event] = events_since(mark)
        assert event.action == action
        assert event.actor_name == ram.key.access_key_id
        assert event.result == result
        assert event.account_id == account.pk
        assert event.source_ip == "127.0.0.1"


def test_events_of_a_ram_users_key(
    sdk: SdkFactory, ram_kind: str, make_key: Callable[[Principal], Key], plain_user: Principal
) -> None:
    key = make_key(plain_user)
    carol = sdk.api(ram_kind, key)
    mark = last_event_id()
    carol.call("GetUser", UserName="carol")
    carol.error("ListUsers")
    events = events_since(mark)
    assert [(event.action, event.result) for event in events] == [("GetUser", "Success"), ("ListUsers", "NoPermission")]
    assert {event.actor_name for event in events} == {key.access_key_id}
    assert {event.actor_id for event in events} == {plain_user.pk}


def test_no_secret_or_password_in_events(ram: Api, account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "dave", password=None)
    secret = ram.call("CreateAccessKey", UserName="dave")["AccessKey"]["AccessKeySecret"]
    ram.call("CreateLoginProfile", UserName="dave", Password="Very-secret-2027")
    dump = str(list(Event.objects.values()))
    assert secret not in dump
    assert "Very-secret-2027" not in dump


def test_logon_masks_do_not_apply_to_signed_calls(
    ram: Api, sdk: SdkFactory, make_key: Callable[[Principal], Key], admin_user: Principal
) -> None:
    answer = ram.call("SetSecurityPreference", LoginNetworkMasks="10.0.0.0/8")
    assert answer["SecurityPreference"]["LoginProfilePreference"]["LoginNetworkMasks"] == "10.0.0.0/8"

    # The mask is in force for console logons from 127.0.0.1 ...
    client = Client()
    client.post(reverse("accounts:logon"), {"logon_name": "alice@acme.onaliyun.com", "password": USER_PASSWORD})
    assert "_auth_user_id" not in client.session
    # ... but keys still sign calls from there, the root's and the RAM user's alike.
    assert ram.call("GetUser", UserName="alice")["User"]["UserName"] == "alice"
    alice = sdk.api(ram.kind, make_key(admin_user))
    assert alice.call("ListUsers")["Users"]["User"][0]["UserName"] == "alice"
    assert alice.call("CreateUser", UserName="dave", DisplayName="Dave")["User"]["UserName"] == "dave"
