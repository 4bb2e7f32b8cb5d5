"""API actions on AccessKeys (RAM-API.md §7.6). The secret is in CreateAccessKey's answer only."""

from __future__ import annotations

from typing import Any

from accesskeys import selectors, services
from ramconsole.gateway.actions import ApiCall, format_date, register
from security import policy


@register("CreateAccessKey")
def create_access_key(call: ApiCall) -> dict[str, Any]:
    created = services.access_key_create(actor=call.actor, user=call.user(required=False))
    key = created.access_key
    return {
        "AccessKey": {
            "AccessKeyId": key.access_key_id,
            "AccessKeySecret": created.secret,
            "Status": key.status,
            "CreateDate": format_date(key.created_at),
        }
    }


@register("UpdateAccessKey")
def update_access_key(call: ApiCall) -> dict[str, Any]:
    services.access_key_update_status(
        actor=call.actor,
        user=call.user(required=False),
        access_key_id=call.text("UserAccessKeyId", required=True),
        status=call.text("Status", required=True),
    )
    return {}


@register("DeleteAccessKey")
def delete_access_key(call: ApiCall) -> dict[str, Any]:
    services.access_key_delete(
        actor=call.actor, user=call.user(required=False), access_key_id=call.text("UserAccessKeyId", required=True)
    )
    return {}


@register("ListAccessKeys")
def list_access_keys(call: ApiCall) -> dict[str, Any]:
    owner = call.user(required=False)
    policy.check_allowed(call.actor.principal, "ListAccessKeys", target=owner)
    keys = []
    for key in selectors.access_keys_of(owner):
        view = {"AccessKeyId": key.access_key_id, "Status": key.status, "CreateDate": format_date(key.created_at)}
        if call.is_ims:
            view["UpdateDate"] = format_date(key.updated_at)
        keys.append(view)
    return {"AccessKeys": {"AccessKey": keys}}


@register("GetAccessKeyLastUsed")
def get_access_key_last_used(call: ApiCall) -> dict[str, Any]:
    owner = call.user(required=False)
    policy.check_allowed(call.actor.principal, "GetAccessKeyLastUsed", target=owner)
    key = selectors.access_key_get(owner, call.text("UserAccessKeyId", required=True))
    view = {"LastUsedDate": format_date(key.last_used_at)}
    if call.is_ims:
        view["ServiceName"] = "ram" if key.last_used_at else ""
    return {"AccessKeyLastUsed": view}
