"""UpdateUser renames a user (RAM NewUserName, IMS NewUserPrincipalName): the UPN and the logon follow
the new name, the old one is gone, and the event records both names."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Account, Principal
from security import policy
from security.models import Event
from tests.api.conftest import Api
from tests.conftest import USER_PASSWORD

DOMAIN = "acme.onaliyun.com"


def _logs_on(logon_name: str) -> bool:
    response = Client().post(reverse("accounts:logon"), {"logon_name": logon_name, "password": USER_PASSWORD})
    return response.status_code == 302


def _rename_event() -> Event:
    return Event.objects.filter(action="UpdateUser", result="Success").latest("id")


def test_ram_renames_a_user(ram: Api, account: Account, ram_user_factory: Callable[..., Principal]) -> None:
    bob = ram_user_factory(account, "bob")
    renamed = ram.call("UpdateUser", UserName="bob", NewUserName="robert", NewComments="renamed")["User"]
    assert (renamed["UserName"], renamed["UserId"], renamed["Comments"]) == ("robert", bob.user_id, "renamed")
    assert ram.call("GetUser", UserName="robert")["User"]["UserId"] == bob.user_id
    error = ram.error("GetUser", UserName="bob")
    assert (error.code, error.status) == ("EntityNotExist.User", 404)
    assert _logs_on(f"robert@{DOMAIN}")
    assert not _logs_on(f"bob@{DOMAIN}")
    event = _rename_event()
    assert event.target == f"robert@{DOMAIN}"
    assert (event.detail["UserName"], event.detail["NewUserName"]) == ("bob", "robert")
    assert event.detail["changed"] == ["comments", "name"]


def test_ims_renames_a_user_by_its_upn(ims: Api, account: Account, ram_user_factory: Callable[..., Principal]) -> None:
    bob = ram_user_factory(account, "bob")
    renamed = ims.call("UpdateUser", UserPrincipalName=f"bob@{DOMAIN}", NewUserPrincipalName=f"robert@{DOMAIN}")
    assert renamed["User"]["UserPrincipalName"] == f"robert@{DOMAIN}"
    got = ims.call("GetUser", UserPrincipalName=f"robert@{DOMAIN}")["User"]
    assert (got["UserId"], got["UserName"]) == (bob.user_id, "robert")
    assert ims.error("GetUser", UserPrincipalName=f"bob@{DOMAIN}").code == "EntityNotExist.User"
    by_id = ims.call("UpdateUser", UserId=bob.user_id, NewUserPrincipalName=f"rob@{DOMAIN}")["User"]
    assert by_id["UserPrincipalName"] == f"rob@{DOMAIN}"
    assert _logs_on(f"rob@{DOMAIN}")
    assert not _logs_on(f"robert@{DOMAIN}")
    assert (_rename_event().detail["UserName"], _rename_event().detail["NewUserName"]) == ("robert", "rob")
    error = ims.error("UpdateUser", UserId=bob.user_id, NewUserPrincipalName="rob2@other.onaliyun.com")
    assert (error.code, error.status) == ("InvalidParameter.NewUserPrincipalName.Format", 400)


def test_rename_keeps_the_tags(ims: Api, account: Account) -> None:
    ims.call(
        "CreateUser",
        UserPrincipalName=f"tia@{DOMAIN}",
        DisplayName="Tia",
        Tag=[{"Key": "team", "Value": "ops"}],
    )
    ims.call("UpdateUser", UserPrincipalName=f"tia@{DOMAIN}", NewUserPrincipalName=f"tina@{DOMAIN}")
    tags = ims.call("GetUser", UserPrincipalName=f"tina@{DOMAIN}")["User"]["Tags"]["Tag"]
    assert tags == [{"TagKey": "team", "TagValue": "ops"}]


@pytest.mark.parametrize(
    ("new_name", "code", "status"),
    [
        ("Carol", "EntityAlreadyExists.User", 409),  # names are unique regardless of case
        ("x" * (policy.USER_NAME_MAX_LENGTH + 1), "InvalidParameter.NewUserName.Length", 400),
        ("bad name", "InvalidParameter.NewUserName.InvalidChars", 400),
        ("bad/name", "InvalidParameter.NewUserName.InvalidChars", 400),
    ],
)
def test_rename_refusals(
    ram: Api, account: Account, ram_user_factory: Callable[..., Principal], new_name: str, code: str, status: int
) -> None:
    ram_user_factory(account, "bob")
    ram_user_factory(account, "carol")
    error = ram.error("UpdateUser", UserName="bob", NewUserName=new_name, NewDisplayName="Kept?")
    assert (error.code, error.status) == (code, status)
    assert ram.call("GetUser", UserName="bob")["User"]["DisplayName"] == "Bob"  # nothing changed
    assert Event.objects.filter(action="UpdateUser", result=code).exists()


def test_rename_at_the_edges(ram: Api, account: Account, ram_user_factory: Callable[..., Principal]) -> None:
    ram_user_factory(account, "bob")
    longest = "x" * policy.USER_NAME_MAX_LENGTH
    assert ram.call("UpdateUser", UserName="bob", NewUserName=longest)["User"]["UserName"] == longest
    assert ram.call("UpdateUser", UserName=longest, NewUserName="Bob")["User"]["UserName"] == "Bob"
    assert ram.call("UpdateUser", UserName="Bob", NewUserName="bob")["User"]["UserName"] == "bob"  # case only
    assert ram.call("UpdateUser", UserName="bob", NewUserName="bob")["User"]["UserName"] == "bob"  # the same name
    assert _logs_on(f"bob@{DOMAIN}")
