"""Users through the SDKs (RAM-API.md §7.5): create, read, page, update, delete, and their errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import Account, Principal
from tests.api.conftest import Api, assert_date, assert_request_id


def test_user_lifecycle(ram: Api, account: Account) -> None:
    created = ram.call(
        "CreateUser",
        UserName="dave",
        DisplayName="Dave Smith",
        Email="dave@example.com",
        MobilePhone="86-18600008888",
        Comments="on call",
    )
    assert_request_id(created)
    user = created["User"]
    assert user["UserName"] == "dave"
    assert user["DisplayName"] == "Dave Smith"
    assert user["Email"] == "dave@example.com"
    assert user["MobilePhone"] == "86-18600008888"
    assert user["Comments"] == "on call"
    assert user["UserId"].isdigit() and len(user["UserId"]) == 16
    assert_date(user["CreateDate"])

    got = ram.call("GetUser", UserName="dave")["User"]
    assert got["UserId"] == user["UserId"]
    assert got["DisplayName"] == "Dave Smith"
    assert got["LastLoginDate"] == ""  # never logged on
    assert_date(got["UpdateDate"])

    updated = ram.call("UpdateUser", UserName="dave", NewDisplayName="David", NewComments="moved")["User"]
    assert updated["DisplayName"] == "David"
    assert updated["Comments"] == "moved"
    assert updated["Email"] == "dave@example.com"  # omitted settings stay
    assert ram.call("GetUser", UserName="dave")["User"]["DisplayName"] == "David"

    deleted = ram.call("DeleteUser", UserName="dave")
    assert set(deleted) == {"RequestId"}
    error = ram.error("GetUser", UserName="dave")
    assert (error.code, error.status) == ("EntityNotExist.User", 404)


def test_create_user_without_display_name(ram: Api, account: Account) -> None:
    user = ram.call("CreateUser", UserName="dave")["User"]
    assert user["UserName"] == "dave"


def test_list_users_pages_with_max_items_and_marker(
    ram: Api, account: Account, ram_user_factory: Callable[..., Principal]
) -> None:
    names = [f"user{i}" for i in range(5)]
    for name in names:
        ram_user_factory(account, name, password=None)

    first = ram.call("ListUsers", MaxItems=2)
    assert_request_id(first)
    assert first["IsTruncated"] is True
    assert first["Marker"]
    second = ram.call("ListUsers", MaxItems=2, Marker=first["Marker"])
    assert second["IsTruncated"] is True
    third = ram.call("ListUsers", MaxItems=2, Marker=second["Marker"])
    assert third["IsTruncated"] is False
    assert "Marker" not in third

    pages = [first, second, third]
    assert [len(page["Users"]["User"]) for page in pages] == [2, 2, 1]
    listed = [user["UserName"] for page in pages for user in page["Users"]["User"]]
    assert listed == names

    everything = ram.call("ListUsers")
    assert everything["IsTruncated"] is False
    assert [user["UserName"] for user in everything["Users"]["User"]] == names


def test_unknown_user_is_entity_not_exist(ram: Api, account: Account) -> None:
    for action, params in [
        ("GetUser", {}),
        ("UpdateUser", {"NewDisplayName": "Ghost"}),
        ("DeleteUser", {}),
    ]:
        error = ram.error(action, UserName="ghost", **params)
        assert (error.code, error.status) == ("EntityNotExist.User", 404), action


def test_duplicate_user_is_entity_already_exists(ram: Api, account: Account) -> None:
    ram.call("CreateUser", UserName="dave", DisplayName="Dave")
    error = ram.error("CreateUser", UserName="dave", DisplayName="Dave again")
    assert (error.code, error.status) == ("EntityAlreadyExists.User", 409)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("bad name!", "InvalidParameter.UserName.InvalidChars"),
        ("dave/ops", "InvalidParameter.UserName.InvalidChars"),
        ("d" * 65, "InvalidParameter.UserName.Length"),
    ],
)
def test_invalid_user_names(ram: Api, account: Account, name: str, code: str) -> None:
    error = ram.error("CreateUser", UserName=name, DisplayName="Dave")
    assert (error.code, error.status) == (code, 400)


def test_longest_user_name_is_accepted(ram: Api, account: Account) -> None:
    name = "a.b_c-" + "d" * 58
    assert ram.call("CreateUser", UserName=name, DisplayName="Long")["User"]["UserName"] == name


def test_user_with_login_profile_cannot_be_deleted(
    ram: Api, account: Account, ram_user_factory: Callable[..., Principal]
) -> None:
    ram_user_factory(account, "dave")  # with a logon password
    error = ram.error("DeleteUser", UserName="dave")
    assert (error.code, error.status) == ("DeleteConflict.User.LoginProfile", 409)
    ram.call("DeleteLoginProfile", UserName="dave")
    ram.call("DeleteUser", UserName="dave")
    assert ram.error("GetUser", UserName="dave").code == "EntityNotExist.User"


def test_awkward_characters_survive_every_signature(ram: Api, account: Account) -> None:
    """Spaces, `*`, `~`, `+`, `&`, `%` and non-ASCII are encoded differently by each SDK (RAM-API.md §3)."""
    display = "Bob Smith *~/+=&%é中 'q' \"dq\" #?!"
    user = ram.call("CreateUser", UserName="bob.smith", DisplayName=display, Comments="a+b c")["User"]
    assert user["DisplayName"] == display
    assert ram.call("GetUser", UserName="bob.smith")["User"]["Comments"] == "a+b c"


class TestIms:
    """IMS keys users by UserPrincipalName (`name@<alias>.onaliyun.com`) or UserId."""

    def test_create_get_update_delete_by_upn(self, ims: Api, account: Account) -> None:
        upn = "dave@acme.onaliyun.com"
        created = ims.call("CreateUser", UserPrincipalName=upn, DisplayName="Dave", Email="dave@example.com")
        assert_request_id(created)
        user = created["User"]
        assert user["UserPrincipalName"] == upn
        assert user["DisplayName"] == "Dave"
        assert user["UserId"].isdigit()

        got = ims.call("GetUser", UserPrincipalName=upn)["User"]
        assert got["UserId"] == user["UserId"]
        assert got["UserName"] == "dave"
        by_id = ims.call("GetUser", UserId=user["UserId"])["User"]
        assert by_id["UserPrincipalName"] == upn

        listed = ims.call("ListUsers")["Users"]["User"]
        assert [(item["UserPrincipalName"], item["Status"]) for item in listed] == [(upn, "active")]

        assert ims.call("UpdateUser", UserPrincipalName=upn, NewDisplayName="David")["User"]["DisplayName"] == "David"
        ims.call("DeleteUser", UserPrincipalName=upn)
        error = ims.error("GetUser", UserPrincipalName=upn)
        assert (error.code, error.status) == ("EntityNotExist.User", 404)

    @pytest.mark.parametrize("upn", ["dave@other.onaliyun.com", "dave@acme.example.com", "dave"])
    def test_upn_outside_the_default_domain(self, ims: Api, account: Account, upn: str) -> None:
        error = ims.error("CreateUser", UserPrincipalName=upn, DisplayName="Dave")
        assert (error.code, error.status) == ("InvalidParameter.UserPrincipalName.Format", 400)

    def test_user_of_the_same_name_in_the_domain_already_exists(
        self, ims: Api, account: Account, ram_user_factory: Callable[..., Principal]
    ) -> None:
        ram_user_factory(account, "dave", password=None)
        error = ims.error("CreateUser", UserPrincipalName="dave@acme.onaliyun.com", DisplayName="Dave")
        assert (error.code, error.status) == ("EntityAlreadyExists.User", 409)

    def test_ims_display_name_is_at_most_24_characters(self, ims: Api, account: Account) -> None:
        upn = "erin@acme.onaliyun.com"
        assert ims.call("CreateUser", UserPrincipalName=upn, DisplayName="E" * 24)["User"]["DisplayName"] == "E" * 24
        error = ims.error("CreateUser", UserPrincipalName="fred@acme.onaliyun.com", DisplayName="F" * 25)
        assert (error.code, error.status) == ("InvalidParameter.DisplayName.Length", 400)

    def test_get_user_by_access_key_id(
        self, ims: Api, account: Account, ram_user_factory: Callable[..., Principal], make_key
    ) -> None:
        dave = ram_user_factory(account, "dave", password=None)
        key = make_key(dave)
        user = ims.call("GetUser", UserAccessKeyId=key.access_key_id)["User"]
        assert user["UserPrincipalName"] == "dave@acme.onaliyun.com"
