"""User tags through the SDKs (IMS CreateUser / GetUser / ListUsers, RAM-API.md §7.5): the Tea IMS
client (ACS3) and the legacy SDK's CommonRequest (signature v1), with the limits at their edges."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.request import CommonRequest

from accounts.models import Account, Principal, UserTag
from security import policy
from tests.api.conftest import IMS_VERSION, Api, Key, SdkFactory, assert_request_id

DOMAIN = "acme.onaliyun.com"


def _tags(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in pairs]


def _create(ims: Api, name: str, tags: list[dict[str, str]]) -> dict[str, Any]:
    return ims.call("CreateUser", UserPrincipalName=f"{name}@{DOMAIN}", DisplayName=name.title(), Tag=tags)


def _wire_tags(user: dict[str, Any]) -> list[tuple[str, str]]:
    return [(tag["TagKey"], tag["TagValue"]) for tag in user["Tags"]["Tag"]]


def test_tags_are_created_read_and_listed(ims: Api, ram: Api, account: Account) -> None:
    created = _create(ims, "dave", _tags(("team", "ops"), ("env", "")))
    assert_request_id(created)
    assert _wire_tags(created["User"]) == [("env", ""), ("team", "ops")]  # by key; an empty value is kept

    got = ims.call("GetUser", UserPrincipalName=f"dave@{DOMAIN}")["User"]
    assert _wire_tags(got) == [("env", ""), ("team", "ops")]
    (listed,) = ims.call("ListUsers")["Users"]["User"]
    assert _wire_tags(listed) == [("env", ""), ("team", "ops")]
    assert "Tags" not in ram.call("GetUser", UserName="dave")["User"]  # RAM's User has no tags

    untagged = _create(ims, "erin", [])["User"]
    assert untagged["Tags"] == {"Tag": []}


def _refusal(ims: Api, name: str, tags: list[dict[str, str]]) -> tuple[str, int | None]:
    error = ims.error("CreateUser", UserPrincipalName=f"{name}@{DOMAIN}", DisplayName="X", Tag=tags)
    return error.code, error.status


@pytest.mark.parametrize(
    ("tags", "code"),
    [
        (_tags(*((f"k{i}", "v") for i in range(policy.MAX_TAGS_PER_USER + 1))), "InvalidParameter.Tag.Count"),
        (_tags(("k" * (policy.TAG_KEY_MAX_LENGTH + 1), "v")), "InvalidParameter.Tag.Key.Length"),
        (_tags(("", "v")), "InvalidParameter.Tag.Key.Length"),
        (_tags(("k", "v" * (policy.TAG_VALUE_MAX_LENGTH + 1))), "InvalidParameter.Tag.Value.Length"),
        (_tags(("aliyun-team", "v")), "InvalidParameter.Tag.Key.Format"),
        (_tags(("Aliyun", "v")), "InvalidParameter.Tag.Key.Format"),
        (_tags(("acs:team", "v")), "InvalidParameter.Tag.Key.Format"),
        (_tags(("see-https://x", "v")), "InvalidParameter.Tag.Key.Format"),
        (_tags(("team", "acs:ops")), "InvalidParameter.Tag.Value.Format"),
        (_tags(("team", "at http://x")), "InvalidParameter.Tag.Value.Format"),
        (_tags(("team", "a"), ("team", "b")), "InvalidParameter.Tag.Key.Duplicate"),
    ],
    ids=[
        "21 tags",
        "key 129",
        "key empty",
        "value 129",
        "key aliyun-",
        "key Aliyun",
        "key acs:",
        "key https://",
        "value acs:",
        "value http://",
        "key twice",
    ],
)
def test_tags_beyond_the_limits_are_refused(ims: Api, account: Account, tags: list[dict[str, str]], code: str) -> None:
    assert _refusal(ims, "dave", tags) == (code, 400)
    assert ims.error("GetUser", UserPrincipalName=f"dave@{DOMAIN}").code == "EntityNotExist.User"  # nothing written


def test_tags_at_the_limits_are_taken(ims: Api, account: Account) -> None:
    most = _tags(*((f"k{i:02}", "v") for i in range(policy.MAX_TAGS_PER_USER)))
    assert len(_wire_tags(_create(ims, "many", most)["User"])) == policy.MAX_TAGS_PER_USER
    longest = _tags(("k" * policy.TAG_KEY_MAX_LENGTH, "v" * policy.TAG_VALUE_MAX_LENGTH))
    assert _wire_tags(_create(ims, "long", longest)["User"]) == [
        ("k" * policy.TAG_KEY_MAX_LENGTH, "v" * policy.TAG_VALUE_MAX_LENGTH)
    ]
    # Reserved only at the start; a value may start with "aliyun".
    inside = _tags(("my-aliyun", "aliyun"), ("x-acs:y", "v-acs:"))
    assert len(_wire_tags(_create(ims, "inside", inside)["User"])) == 2
    assert UserTag.objects.filter(principal__account=account).count() == policy.MAX_TAGS_PER_USER + 3


def test_list_users_filters_by_tags_and_status(ims: Api, account: Account) -> None:
    _create(ims, "ann", _tags(("team", "ops"), ("env", "prod")))
    _create(ims, "ben", _tags(("team", "ops"), ("env", "dev")))
    _create(ims, "cat", _tags(("team", "web")))
    _create(ims, "dan", [])

    def names(**params: Any) -> list[str]:
        users = ims.call("ListUsers", **params)["Users"]["User"]
        return [user["UserPrincipalName"].removesuffix(f"@{DOMAIN}") for user in users]

    assert names() == ["ann", "ben", "cat", "dan"]
    assert names(Tag=_tags(("team", "ops"))) == ["ann", "ben"]
    assert names(Tag=[{"Key": "team"}]) == ["ann", "ben", "cat"]  # a key alone: any value
    assert names(Tag=_tags(("team", "ops"), ("env", "dev"))) == ["ben"]  # every tag must match
    assert names(Tag=_tags(("team", "none"))) == []
    assert names(Tag=[{"Key": "team"}], MaxItems=1) == ["ann"]
    assert names(Status="active,freeze") == names(Status="active") == ["ann", "ben", "cat", "dan"]
    assert names(Status="freeze") == []  # no user of the sandbox is frozen
    error = ims.error("ListUsers", Status="frozen")
    assert (error.code, error.status) == ("InvalidParameter.Status", 400)
    error = ims.error("ListUsers", Tag=_tags(("acs:team", "ops")))
    assert (error.code, error.status) == ("InvalidParameter.Tag.Key.Format", 400)


def _legacy_ims(sdk: SdkFactory, key: Key, action: str, **params: str) -> dict[str, Any]:
    """An IMS call through the legacy SDK's CommonRequest: signature v1, parameters flattened by hand."""
    client = sdk.legacy(key)
    sdk_request = CommonRequest(domain=sdk.endpoint, version=IMS_VERSION, action_name=action)
    sdk_request.set_protocol_type("http")
    sdk_request.set_method("POST")
    for name, value in params.items():
        sdk_request.add_query_param(name, value)
    return json.loads(client.do_action_with_exception(sdk_request))


def test_tags_through_signature_v1(
    sdk: SdkFactory, root_key: Key, ims: Api, account: Account, ram_user_factory: Callable[..., Principal]
) -> None:
    params = {"UserPrincipalName": f"vic@{DOMAIN}", "DisplayName": "Vic"}
    created = _legacy_ims(sdk, root_key, "CreateUser", **params, **{"Tag.1.Key": "team", "Tag.1.Value": "ops"})
    assert _wire_tags(created["User"]) == [("team", "ops")]
    got = _legacy_ims(sdk, root_key, "GetUser", UserPrincipalName=f"vic@{DOMAIN}")["User"]
    assert _wire_tags(got) == [("team", "ops")]
    with pytest.raises(ServerException) as refused:
        _legacy_ims(
            sdk,
            root_key,
            "CreateUser",
            UserPrincipalName=f"wes@{DOMAIN}",
            DisplayName="Wes",
            **{"Tag.1.Key": "aliyun:x"},
        )
    assert (refused.value.get_error_code(), refused.value.get_http_status()) == ("InvalidParameter.Tag.Key.Format", 400)
    assert _wire_tags(ims.call("GetUser", UserPrincipalName=f"vic@{DOMAIN}")["User"]) == [("team", "ops")]


def test_tag_resources_updates_and_untag_resources_removes(ims: Api, account: Account) -> None:
    ann = _create(ims, "ann", _tags(("team", "ops")))["User"]
    _create(ims, "ben", [])
    assert_request_id(
        ims.call(
            "TagResources",
            ResourceType="user",
            ResourcePrincipalName=[f"ann@{DOMAIN}", f"ben@{DOMAIN}"],
            Tag=_tags(("team", "web"), ("env", "prod")),
        )
    )
    assert _wire_tags(ims.call("GetUser", UserPrincipalName=f"ann@{DOMAIN}")["User"]) == [
        ("env", "prod"),
        ("team", "web"),  # the key it had takes the new value
    ]
    ims.call("UntagResources", ResourceType="user", ResourceId=[ann["UserId"]], TagKey=["team", "absent"])
    assert _wire_tags(ims.call("GetUser", UserPrincipalName=f"ann@{DOMAIN}")["User"]) == [("env", "prod")]
    ims.call("UntagResources", ResourceType="user", ResourcePrincipalName=[f"ben@{DOMAIN}"], All=True)
    assert _wire_tags(ims.call("GetUser", UserPrincipalName=f"ben@{DOMAIN}")["User"]) == []


def test_untag_resources_takes_twenty_keys_at_most(ims: Api, account: Account) -> None:
    user = _create(ims, "ann", _tags(*((f"k{i:02}", "v") for i in range(policy.MAX_TAGS_PER_USER))))["User"]
    one = {"ResourceType": "user", "ResourceId": [user["UserId"]]}
    keys = [f"k{i:02}" for i in range(policy.MAX_TAGS_PER_USER + 1)]  # k20: a key the user does not have
    error = ims.error("UntagResources", **one, TagKey=keys)
    assert (error.code, error.status) == ("InvalidParameter.TagKey.Count", 400)
    error = ims.error("UntagResources", **one, TagKey=["k" * (policy.TAG_KEY_MAX_LENGTH + 1)])
    assert (error.code, error.status) == ("InvalidParameter.TagKey.Length", 400)
    assert len(_wire_tags(ims.call("GetUser", UserId=user["UserId"])["User"])) == policy.MAX_TAGS_PER_USER

    ims.call("UntagResources", **one, TagKey=keys[: policy.MAX_TAGS_PER_USER])  # 20: at the limit
    assert _wire_tags(ims.call("GetUser", UserId=user["UserId"])["User"]) == []


def test_tag_resources_keeps_twenty_tags_a_user(ims: Api, account: Account) -> None:
    user = _create(ims, "ann", _tags(*((f"k{i:02}", "v") for i in range(policy.MAX_TAGS_PER_USER - 1))))["User"]

    def tag(*pairs: tuple[str, str]) -> None:
        ims.call("TagResources", ResourceType="user", ResourceId=[user["UserId"]], Tag=_tags(*pairs))

    tag(("k00", "new"), ("k19", "v"))  # one key overwritten, one added: 20, at the limit
    error = ims.error("TagResources", ResourceType="user", ResourceId=[user["UserId"]], Tag=_tags(("k20", "v")))
    assert (error.code, error.status) == ("LimitExceeded.User.Tag", 409)
    tags = dict(_wire_tags(ims.call("GetUser", UserId=user["UserId"])["User"]))
    assert len(tags) == policy.MAX_TAGS_PER_USER and tags["k00"] == "new" and "k20" not in tags


def test_tag_resources_refusals(ims: Api, account: Account) -> None:
    user = _create(ims, "ann", [])["User"]
    one = {"ResourceType": "user", "ResourceId": [user["UserId"]]}
    cases = [
        ({"ResourceId": [user["UserId"]], "Tag": _tags(("a", "b"))}, "MissingParameter"),  # ResourceType
        ({**one, "ResourceType": "role", "Tag": _tags(("a", "b"))}, "InvalidParameter.ResourceType"),
        ({"ResourceType": "user", "Tag": _tags(("a", "b"))}, "MissingParameter"),  # no user named
        ({**one, "ResourcePrincipalName": [f"ann@{DOMAIN}"], "Tag": _tags(("a", "b"))}, "InvalidParameter.ResourceId"),
        (
            {**one, "ResourceId": [str(n) for n in range(51)], "Tag": _tags(("a", "b"))},
            "InvalidParameter.ResourceId.Count",
        ),
        ({**one}, "MissingParameter"),  # no tag
        ({**one, "Tag": _tags(("acs:a", "b"))}, "InvalidParameter.Tag.Key.Format"),
        ({**one, "ResourceId": ["1234567890123456"], "Tag": _tags(("a", "b"))}, "EntityNotExist.User"),
    ]
    for params, code in cases:
        assert ims.error("TagResources", **params).code == code, params
    assert _wire_tags(ims.call("GetUser", UserId=user["UserId"])["User"]) == []
