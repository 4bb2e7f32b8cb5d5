"""API actions on virtual MFA devices (RAM-API.md §7.7)."""

from __future__ import annotations

from typing import Any

from accounts import selectors as account_selectors
from mfa import selectors, services
from ramconsole.gateway.actions import IMS, INTEGER, RAM, ApiCall, Param, Target, format_date, register
from security.errors import EntityNotExist
from security.ranges import MFA_DEVICES_MAX_ITEMS

_SERIAL_NUMBER = Param("SerialNumber", required=True)


@register("CreateVirtualMFADevice", params=(Param("VirtualMFADeviceName", required=True),), target=Target.CALLER)
def create_virtual_mfa_device(call: ApiCall) -> dict[str, Any]:
    enrolment = services.mfa_device_create(actor=call.actor, name=call.values["VirtualMFADeviceName"])
    device = enrolment.device
    uri = selectors.provisioning_uri(device, label=device.name)
    return {
        "VirtualMFADevice": {
            "SerialNumber": device.serial_number,
            "Base32StringSeed": enrolment.seed,
            "QRCodePNG": selectors.qr_png_base64(uri),
        }
    }


@register(
    "ListVirtualMFADevices",
    params=(
        Param(
            "MaxItems",
            INTEGER,
            default=MFA_DEVICES_MAX_ITEMS,
            range=(1, MFA_DEVICES_MAX_ITEMS),
            versions=(IMS,),
        ),
        Param("Marker", INTEGER, default=0, versions=(IMS,)),
    ),
)
def list_virtual_mfa_devices(call: ApiCall) -> dict[str, Any]:
    """RAM lists every device; IMS pages them (MaxItems, Marker)."""
    page = selectors.devices_of(call.account)
    truncated = False
    if call.is_ims:
        max_items = call.values["MaxItems"]
        page = list(page.filter(pk__gt=call.values["Marker"])[: max_items + 1])
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


@register("DeleteVirtualMFADevice", params=(_SERIAL_NUMBER,))
def delete_virtual_mfa_device(call: ApiCall) -> dict[str, Any]:
    device = selectors.device_by_serial(account=call.account, serial_number=call.values["SerialNumber"])
    services.mfa_device_delete(actor=call.actor, device=device)
    return {}


@register(
    "BindMFADevice",
    params=(_SERIAL_NUMBER, Param("AuthenticationCode1", required=True), Param("AuthenticationCode2", required=True)),
    target=Target.USER,
)
def bind_mfa_device(call: ApiCall) -> dict[str, Any]:
    device = selectors.device_by_serial(account=call.account, serial_number=call.values["SerialNumber"])
    services.mfa_device_bind(
        actor=call.actor,
        user=call.target,
        device=device,
        code1=call.values["AuthenticationCode1"],
        code2=call.values["AuthenticationCode2"],
    )
    return {}


@register("UnbindMFADevice", params=(), target=Target.USER)
def unbind_mfa_device(call: ApiCall) -> dict[str, Any]:
    device = services.mfa_device_unbind(actor=call.actor, user=call.target, delete=False)
    return {"MFADevice": {"SerialNumber": device.serial_number}}


# RAM names the user; IMS asks about the caller when it names none.
@register("GetUserMFAInfo", versions=(RAM,), params=(), target=Target.USER)
@register("GetUserMFAInfo", versions=(IMS,), params=(), target=Target.USER_OR_CALLER)
def get_user_mfa_info(call: ApiCall) -> dict[str, Any]:
    device = selectors.device_of(call.target)
    if device is None:
        if call.is_ims:
            return {"IsMFAEnable": False, "MFADevice": {}}
        raise EntityNotExist("The user has not bound any MFA device.", code="EntityNotExist.User.MFADevice")
    result: dict[str, Any] = {"MFADevice": {"SerialNumber": device.serial_number, "Type": "VMFA"}}
    if call.is_ims:
        result["IsMFAEnable"] = True
    return result


@register("GetAccountMFAInfo", versions=(IMS,), params=())
def get_account_mfa_info(call: ApiCall) -> dict[str, Any]:
    return {"IsMFAEnable": selectors.device_of(account_selectors.root_of(call.account)) is not None}


# Unbinding with the device deleted: the console's Disable, under UnbindMFADevice's permission.
@register("DisableVirtualMFA", versions=(IMS,), params=(), target=Target.USER, permission="UnbindMFADevice")
def disable_virtual_mfa(call: ApiCall) -> dict[str, Any]:
    services.mfa_device_unbind(actor=call.actor, user=call.target, delete=True)
    return {}
