"""Reads of MFA devices."""

from __future__ import annotations

import base64
import io

import pyotp
import qrcode
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import Account, Principal
from mfa.models import VirtualMFADevice
from ramconsole.kernel import crypto
from security.errors import EntityNotExist

ISSUER = "ramconsole"


def device_of(principal: Principal) -> VirtualMFADevice | None:
    """The device bound to `principal`, read afresh."""
    return VirtualMFADevice.objects.select_related("account").filter(principal=principal).first()


def enrolment_device(*, principal: Principal, device_id: int | None) -> VirtualMFADevice | None:
    """The unfinished enrolment the session points at, if it is still an unbound device of that account."""
    if device_id is None:
        return None
    return (
        VirtualMFADevice.objects.select_related("account")
        .filter(pk=device_id, account=principal.account, principal__isnull=True)
        .first()
    )


def seed_of(device: VirtualMFADevice) -> str:
    return crypto.decrypt(device.seed_encrypted)


def provisioning_uri(device: VirtualMFADevice, *, label: str) -> str:
    return pyotp.TOTP(seed_of(device)).provisioning_uri(name=label, issuer_name=ISSUER)


def qr_png_base64(uri: str) -> str:
    """The QR code of an otpauth:// URI as a base64 PNG (shown inline; no external request)."""
    buffer = io.BytesIO()
    qrcode.make(uri, box_size=6, border=2).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def device_by_serial(*, account: Account, serial_number: str) -> VirtualMFADevice:
    """`acs:ram::<account id>:mfa/<name>` of this account, or EntityNotExist.VirtualMFADevice."""
    prefix = f"acs:ram::{account.account_id}:mfa/"
    name = serial_number.removeprefix(prefix) if serial_number.startswith(prefix) else None
    device = (
        VirtualMFADevice.objects.select_related("account", "principal").filter(account=account, name=name).first()
        if name
        else None
    )
    if device is None:
        raise EntityNotExist(_("The virtual mfa device does not exist."), code="EntityNotExist.VirtualMFADevice")
    return device


def devices_of(account: Account) -> QuerySet[VirtualMFADevice]:
    return (
        VirtualMFADevice.objects.filter(account=account)
        .select_related("account", "principal__account__domain_alias")
        .order_by("pk")
    )
