"""Reads of MFA devices."""

from __future__ import annotations

import base64
import io

import pyotp
import qrcode

from accounts.models import Principal
from mfa.models import VirtualMFADevice
from ramconsole import crypto

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
