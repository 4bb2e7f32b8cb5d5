"""API actions on virtual MFA devices (RAM-API.md §7.7)."""

from __future__ import annotations

from typing import Any

from accounts import selectors as account_selectors
from mfa import selectors, services
from ramconsole.gateway.actions import IMS, ApiCall, format_date, register
from security import policy
from security.errors import EntityNotExist


@register("CreateVirtualMFADevice")
def create_virtual_mfa_device(call: ApiCall) -> dict[str, Any]:
    enrolment = services.mfa_device_create(actor=call.actor, name=call.text("VirtualMFADeviceName", required=True))
    device = enrolment.device
    uri = selectors.provisioning_uri(device, label=device.name)
    return {
        "VirtualMFADevice": {
            "SerialNumber": device.serial_number,
            "Base32StringSeed": enrolment.seed,
            "QRCodePNG": selectors.qr_png_base64(uri),
        }
    }


@register("ListVirtualMFADevices")
def list_virtual_mfa_devices(call: ApiCall) -> dict[str, Any]:
    """RAM lists every device; IMS pages them (MaxItems 1-100, Marker)."""
    policy.check_allowed(call.actor.principal, "ListVirtualMFADevices")
    page = selectors.devices_of(call.account)
    truncated = False
    if call.is_ims:
        max_items = call.max_items(default=100, maximum=100)
        after = call.integer("Marker", default=0)
        page = list(page.filter(pk__gt=after)[: max_items + 1])
        truncated = len(page) > max_items
        page = page[:max_items]
    devices = []
    for device in page:
        view: dict[str, Any] = {"SerialNumber": device.serial_number}
        if device.is_bound:
            user = device.principal
            view["ActivateDate"] = format_date(device.bound_at)
            who = {"UserPrincipalName": user.upn} if call.is_ims else {"UserName": user.name}
            view["User"] = {"UserId": user.user_id or "", "DisplayName": user.display_name, **who}
        devices.append(view)
    result: dict[str, Any] = {"VirtualMFADevices": {"VirtualMFADevice": devices}}
    if call.is_ims:
        result["IsTruncated"] = truncated
        if truncated:
            result["Marker"] = str(page[-1].pk)
    return result


@register("DeleteVirtualMFADevice")
def delete_virtual_mfa_device(call: ApiCall) -> dict[str, Any]:
    device = selectors.device_by_serial(account=call.account, serial_number=call.text("SerialNumber", required=True))
    services.mfa_device_delete(actor=call.actor, device=device)
    return {}


@register("BindMFADevice")
def bind_mfa_device(call: ApiCall) -> dict[str, Any]:
    device = selectors.device_by_serial(account=call.account, serial_number=call.text("SerialNumber", required=True))
    services.mfa_device_bind(
        actor=call.actor,
        user=call.user(),
        device=device,
        code1=call.text("AuthenticationCode1", required=True),
        code2=call.text("AuthenticationCode2", required=True),
    )
    return {}


@register("UnbindMFADevice")
def unbind_mfa_device(call: ApiCall) -> dict[str, Any]:
    device = services.mfa_device_unbind(actor=call.actor, user=call.user(), delete=False)
    return {"MFADevice": {"SerialNumber": device.serial_number}}


@register("GetUserMFAInfo")
def get_user_mfa_info(call: ApiCall) -> dict[str, Any]:
    user = call.user(required=not call.is_ims)
    policy.check_allowed(call.actor.principal, "GetUserMFAInfo", target=user)
    device = selectors.device_of(user)
    if device is None:
        if call.is_ims:
            return {"IsMFAEnable": False, "MFADevice": {}}
        raise EntityNotExist("The user has not bound any MFA device.", code="EntityNotExist.User.MFADevice")
    result: dict[str, Any] = {"MFADevice": {"SerialNumber": device.serial_number, "Type": "VMFA"}}
    if call.is_ims:
        result["IsMFAEnable"] = True
    return result


@register("GetAccountMFAInfo", versions=(IMS,))
def get_account_mfa_info(call: ApiCall) -> dict[str, Any]:
    policy.check_allowed(call.actor.principal, "GetAccountMFAInfo")
    return {"IsMFAEnable": selectors.device_of(account_selectors.root_of(call.account)) is not None}


@register("DisableVirtualMFA", versions=(IMS,))
def disable_virtual_mfa(call: ApiCall) -> dict[str, Any]:
    services.mfa_device_unbind(actor=call.actor, user=call.user(), delete=True)
    return {}
