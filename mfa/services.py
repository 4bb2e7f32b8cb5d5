"""Writes of MFA devices: enrolment, binding, unbinding, and code verification (replay-safe)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime

import pyotp
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import Principal
from mfa import selectors
from mfa.models import VirtualMFADevice
from ramconsole.kernel import clock, crypto
from security import events, policy
from security.errors import DeleteConflict, EntityAlreadyExists, EntityNotExist


@dataclass(frozen=True)
class Enrolment:
    """An unbound device and its seed, shown while the user scans it."""

    device: VirtualMFADevice
    seed: str = field(repr=False)


def _device_name_for(principal: Principal) -> str:
    """Device names allow `[A-Za-z0-9.-]`; the console names a user's device after the user."""
    return "root" if principal.is_root else re.sub(r"[^A-Za-z0-9.-]", "-", principal.name)[:64]


def _who(principal: Principal) -> str:
    return principal.upn if principal.is_ram_user else principal.email


def _check_manage(actor: Actor, action: str, user: Principal) -> None:
    policy.check_allowed(actor.principal, action, target=user)
    # The account's own MFA is the root's alone, like its keys.
    policy.check_can_manage_credentials_of(actor.principal, user)


def _new_device(*, account_id: int, name: str, now: datetime, seed: str | None = None) -> Enrolment:
    seed = seed or pyotp.random_base32()
    device = VirtualMFADevice.objects.create(
        account_id=account_id, name=name, seed_encrypted=crypto.encrypt(seed), created_at=now
    )
    return Enrolment(device=device, seed=seed)


@events.audited("CreateVirtualMFADevice")
def mfa_device_create(*, actor: Actor, name: str, now: datetime | None = None) -> Enrolment:
    """CreateVirtualMFADevice: an unbound device named `name` (API). An abandoned enrolment of the
    same name is replaced; a live one is EntityAlreadyExists."""
    policy.check_allowed(actor.principal, "CreateVirtualMFADevice", target=actor.principal)
    policy.check_device_name(name)
    now = now or clock.now(actor.account)
    existing = VirtualMFADevice.objects.filter(account=actor.account, name=name).first()
    if existing is not None:
        if not policy.is_enrolment_abandoned(existing, now=now):
            raise EntityAlreadyExists(
                _("The virtual mfa device does already EXIST."),
                code="EntityAlreadyExists.VirtualMFADevice",
                field="name",
            )
        existing.delete()
    enrolment = _new_device(account_id=actor.account.pk, name=name, now=now)
    events.record_by(actor, "CreateVirtualMFADevice", enrolment.device.serial_number, now)
    return enrolment


def _start_enrolment(*, actor: Actor, user: Principal, now: datetime, seed: str | None = None) -> Enrolment:
    if selectors.device_of(user) is not None:
        raise EntityAlreadyExists(
            _("The user has already bound a MFA device."), code="EntityAlreadyExists.User.MFADevice"
        )
    name = _device_name_for(user)
    taken = VirtualMFADevice.objects.filter(account=user.account, name=name).first()
    if taken is not None and not taken.is_bound:
        taken.delete()  # a half-finished enrolment never blocks a new one
    elif taken is not None:
        name = f"{name[:59]}-{secrets.token_hex(2)}"
    enrolment = _new_device(account_id=user.account_id, name=name, now=now, seed=seed)
    events.record_by(actor, "CreateVirtualMFADevice", enrolment.device.serial_number, now, {"for": _who(user)})
    return enrolment


@events.audited("CreateVirtualMFADevice")
def mfa_enrolment_start(
    *, actor: Actor, user: Principal, now: datetime | None = None, seed: str | None = None
) -> Enrolment:
    """Console: Enable the Virtual MFA Device / Enable MFA Device / Account Protection — a device to scan.
    `seed` is for sandbox seeding only: a reset re-enrols with the key the trainee already has."""
    _check_manage(actor, "CreateVirtualMFADevice", user)
    return _start_enrolment(actor=actor, user=user, now=now or clock.now(user.account), seed=seed)


def _bind(
    *, actor: Actor, user: Principal, device: VirtualMFADevice, codes: tuple[str, ...], now: datetime
) -> VirtualMFADevice:
    device = VirtualMFADevice.objects.select_for_update().select_related("account").get(pk=device.pk)
    if device.is_bound:
        raise EntityAlreadyExists(
            _("The virtual mfa device does already been bound to a user."),
            code="EntityAlreadyExists.VirtualMFADevice.User",
        )
    if VirtualMFADevice.objects.filter(principal=user).exists():
        raise EntityAlreadyExists(
            _("The user has already bound a MFA device."), code="EntityAlreadyExists.User.MFADevice"
        )
    seed = selectors.seed_of(device)
    phone_now = clock.phone_now()
    if len(codes) == 2:
        step = policy.accepted_consecutive_steps(device, seed, codes[0], codes[1], now=phone_now)
    else:
        step = policy.accepted_step(device, seed, codes[0], now=phone_now)
    device.principal = user
    device.bound_at = now
    device.last_accepted_step = step
    device.failed_attempts = 0
    device.throttled_until = None
    device.save()
    events.record_by(actor, "BindMFADevice", _who(user), now, {"SerialNumber": device.serial_number})
    return device


@events.audited("BindMFADevice")
def mfa_device_bind(
    *, actor: Actor, user: Principal, device: VirtualMFADevice, code1: str, code2: str, now: datetime | None = None
) -> VirtualMFADevice:
    """BindMFADevice: two consecutive codes prove the user's app holds the seed."""
    _check_manage(actor, "BindMFADevice", user)
    return _bind(actor=actor, user=user, device=device, codes=(code1, code2), now=now or clock.now(user.account))


@events.audited("BindMFADevice")
def mfa_root_enable(*, actor: Actor, device: VirtualMFADevice, code: str, now: datetime | None = None) -> None:
    """Account Protection > Enable the MFA: the root binds its device with one code."""
    policy.check_allowed(actor.principal, "EnableRootMFA")
    _bind(actor=actor, user=actor.principal, device=device, codes=(code,), now=now or clock.now(actor.account))


def _unbind(*, actor: Actor, user: Principal, delete: bool, now: datetime) -> VirtualMFADevice:
    device = VirtualMFADevice.objects.select_for_update().select_related("account").filter(principal=user).first()
    if device is None:
        raise EntityNotExist(_("The user has not bound any MFA device."), code="EntityNotExist.User.MFADevice")
    serial = device.serial_number
    if delete:
        device.delete()
    else:
        device.principal = None
        device.bound_at = None
        device.save(update_fields=["principal", "bound_at"])
    events.record_by(actor, "UnbindMFADevice", _who(user), now, {"SerialNumber": serial, "deleted": delete})
    return device


@events.audited("UnbindMFADevice")
def mfa_device_unbind(
    *, actor: Actor, user: Principal, delete: bool = True, now: datetime | None = None
) -> VirtualMFADevice:
    """Disable the Virtual MFA Device (console: unbind and delete, like IMS DisableVirtualMFA);
    `delete=False` is RAM's UnbindMFADevice, which keeps the device."""
    _check_manage(actor, "UnbindMFADevice", user)
    return _unbind(actor=actor, user=user, delete=delete, now=now or clock.now(user.account))


def mfa_root_disable(*, actor: Actor, code: str, now: datetime | None = None) -> None:
    """Turn off (Account Protect): only with a current code from the device."""
    policy.check_allowed(actor.principal, "DisableRootMFA")
    # Outside the unbind's transaction, so a wrong code's failure count is kept.
    mfa_code_verify(principal=actor.principal, code=code, source_ip=actor.source_ip)
    _root_unbind(actor=actor, now=now or clock.now(actor.account))


@events.audited("UnbindMFADevice")
def _root_unbind(*, actor: Actor, now: datetime) -> None:
    _unbind(actor=actor, user=actor.principal, delete=True, now=now)


def mfa_code_verify(*, principal: Principal, code: str, source_ip: str | None, field: str = "code") -> None:
    """Check a code of `principal`'s device: ±1 step, never a step accepted before, throttled.

    The device row is locked, so two requests with the same code cannot both pass. A refusal still
    commits its failure count (and event) before it is raised.
    """
    refusal: policy.MfaCodeRefused | None = None
    with transaction.atomic():
        device = (
            VirtualMFADevice.objects.select_for_update().select_related("account").filter(principal=principal).first()
        )
        if device is None:
            raise EntityNotExist(_("The user has not bound any MFA device."), code="EntityNotExist.User.MFADevice")
        phone_now = clock.phone_now()
        try:
            step = policy.accepted_step(device, selectors.seed_of(device), code, now=phone_now, field=field)
        except policy.MfaCodeRefused as refused:
            refusal = refused
            if refused.code != policy.REASON_THROTTLED:
                failed = policy.after_wrong_code(device, now=phone_now)
                device.failed_attempts = failed.failed_attempts
                device.throttled_until = failed.throttled_until
                device.save(update_fields=["failed_attempts", "throttled_until"])
            events.record(
                action="VerifyMFACode",
                account=principal.account,
                actor=principal,
                source_ip=source_ip,
                target=device.serial_number,
                result=refused.code,
                account_time=clock.now(principal.account),
            )
        else:
            device.last_accepted_step = step
            device.failed_attempts = 0
            device.throttled_until = None
            device.save(update_fields=["last_accepted_step", "failed_attempts", "throttled_until"])
    if refusal is not None:
        raise refusal


def logon_mfa_enrolment_start(*, principal: Principal, source_ip: str | None) -> Enrolment:
    """Enable MFA: Required at logon — the user enrols its own device before anything else,
    whatever Manage MFA Devices says (RAM requires it)."""
    actor = Actor(principal=principal, source_ip=source_ip)
    with transaction.atomic():
        return _start_enrolment(actor=actor, user=principal, now=clock.now(principal.account))


@events.audited("BindMFADevice")
def logon_mfa_bind(*, actor: Actor, device: VirtualMFADevice, code1: str, code2: str) -> VirtualMFADevice:
    return _bind(actor=actor, user=actor.principal, device=device, codes=(code1, code2), now=clock.now(actor.account))


@events.audited("DeleteVirtualMFADevice")
def mfa_device_delete(*, actor: Actor, device: VirtualMFADevice, now: datetime | None = None) -> None:
    """DeleteVirtualMFADevice: only an unbound device."""
    policy.check_allowed(actor.principal, "DeleteVirtualMFADevice")
    if VirtualMFADevice.objects.filter(pk=device.pk, principal__isnull=False).exists():
        raise DeleteConflict(
            _("The virtual mfa device CAN NOT been bound to any user while deleting it."),
            code="DeleteConflict.VirtualMFADevice.User",
        )
    now = now or clock.now(actor.account)
    serial = device.serial_number
    device.delete()
    events.record_by(actor, "DeleteVirtualMFADevice", serial, now)
