"""The scan step of a virtual MFA enrolment, one component for the three pages that bind a device:
Enable MFA at logon, Enable the Virtual MFA Device (administrator or self-service) and Account Protection."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from mfa import selectors

if TYPE_CHECKING:
    from mfa.models import VirtualMFADevice

register = template.Library()


@register.inclusion_tag("mfa/_scan.html")
def mfa_scan(device: VirtualMFADevice, label: str) -> dict:
    """The QR code and, for Manual entry, the account name (`label`) and the key."""
    uri = selectors.provisioning_uri(device, label=label)
    return {
        "device": device,
        "qr_png": selectors.qr_png_base64(uri),
        "manual_account": label,
        "manual_key": selectors.seed_of(device),
    }
