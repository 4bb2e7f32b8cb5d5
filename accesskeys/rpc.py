"""API actions on AccessKeys (RAM-API.md §7.6). The secret is in CreateAccessKey's answer only."""

from __future__ import annotations

from typing import Any

from accesskeys import selectors, services
from ramconsole.gateway.actions import ApiCall, Param, Target, format_date, register

# The key a call acts on (UserName / UserPrincipalName name its owner; none: the caller's own key).
_KEY_ID = Param("UserAccessKeyId", required=True)


@register("CreateAccessKey", params=(), target=Target.USER_OR_CALLER)
def create_access_key(call: ApiCall) -> dict[str, Any]:
    created = services.access_key_create(actor=call.actor, user=call.target)
    key = created.access_key
    return {
        "AccessKey": {
            "AccessKeyId": key.access_key_id,
            "AccessKeySecret": created.secret,
            "Status": key.status,
            "CreateDate": format_date(key.created_at),
        }
    }


# Status (Active or Inactive) is the service's rule, which the console shares.
@register("UpdateAccessKey", params=(_KEY_ID, Param("Status", required=True)), target=Target.USER_OR_CALLER)
def update_access_key(call: ApiCall) -> dict[str, Any]:
    services.access_key_update_status(
        actor=call.actor,
        user=call.target,
        access_key_id=call.values["UserAccessKeyId"],
        status=call.values["Status"],
    )
    return {}


@register("DeleteAccessKey", params=(_KEY_ID,), target=Target.USER_OR_CALLER)
def delete_access_key(call: ApiCall) -> dict[str, Any]:
    services.access_key_delete(actor=call.actor, user=call.target, access_key_id=call.values["UserAccessKeyId"])
    return {}


@register("ListAccessKeys", params=(), target=Target.USER_OR_CALLER)
def list_access_keys(call: ApiCall) -> dict[str, Any]:
    keys = []
    for key in selectors.access_key_list(call.target):
        view = {"AccessKeyId": key.access_key_id, "Status": key.status, "CreateDate": format_date(key.created_at)}
        if call.is_ims:
            view["UpdateDate"] = format_date(key.updated_at)
        keys.append(view)
    return {"AccessKeys": {"AccessKey": keys}}


@register("GetAccessKeyLastUsed", params=(_KEY_ID,), target=Target.USER_OR_CALLER)
def get_access_key_last_used(call: ApiCall) -> dict[str, Any]:
    key = selectors.access_key_get(call.target, call.values["UserAccessKeyId"])
    view = {"LastUsedDate": format_date(key.last_used_at)}
    if call.is_ims:
        view["ServiceName"] = "ram" if key.last_used_at else ""
    return {"AccessKeyLastUsed": view}
