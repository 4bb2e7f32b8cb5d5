"""RAM users: create, update, delete, and the system policies attached to them."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accesskeys import selectors as access_key_selectors
from accesskeys import services as access_key_services
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, PolicyAttachment, Principal
from accounts.services.ids import unique_digits
from accounts.services.login_profiles import login_profile_delete
from mfa import services as mfa_services
from ramconsole.kernel import clock
from security import events, policy
from security.errors import EntityAlreadyExists, EntityNotExist, check_all


@events.audited("CreateUser")
def ram_user_create(
    *,
    actor: Actor,
    name: str,
    display_name: str,
    email: str = "",
    mobile_phone: str = "",
    comments: str = "",
    now: datetime | None = None,
) -> Principal:
    """CreateUser: a RAM user in the actor's account."""
    policy.check_allowed(actor.principal, "CreateUser")
    account = Account.objects.select_for_update().get(pk=actor.account.pk)  # serialises the user quota
    now = now or clock.now(account)
    check_all(
        lambda: policy.check_user_attributes(
            name=name, display_name=display_name, email=email, mobile_phone=mobile_phone, comments=comments
        ),
        lambda: policy.check_can_add_ram_user(existing_count=selectors.ram_user_count(account=account)),
        lambda: _check_user_name_free(account, name),
    )
    user_id = unique_digits(lambda c: Principal.objects.filter(user_id=c).exists())
    user = Principal(
        username=f"{account.account_id}/{user_id}",
        kind=Principal.Kind.RAM_USER,
        account=account,
        user_id=user_id,
        name=name,
        display_name=display_name,
        email=email,
        mobile_phone=mobile_phone,
        comments=comments,
        password=make_password(None),
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent CreateUser took the same name between the check and the insert.
        raise _user_exists() from None
    events.record_by(actor, "CreateUser", user.upn, now, detail={"UserName": name})
    return user


def _check_user_name_free(account: Account, name: str) -> None:
    if Principal.objects.filter(selectors.name_is(name), account=account, kind=Principal.Kind.RAM_USER).exists():
        raise _user_exists()


def _user_exists() -> EntityAlreadyExists:
    return EntityAlreadyExists(
        _("The user does already EXIST."),
        code="EntityAlreadyExists.User",
        field="name",
        console=_("A RAM user with this logon name already exists."),
    )


@events.audited("UpdateUser")
def ram_user_update(
    *,
    actor: Actor,
    user: Principal,
    display_name: str,
    email: str,
    mobile_phone: str,
    comments: str,
    now: datetime | None = None,
) -> Principal:
    """UpdateUser: the basic information of a RAM user."""
    policy.check_allowed(actor.principal, "UpdateUser", target=user)
    now = now or clock.now(user.account)
    policy.check_user_attributes(
        display_name=display_name, email=email, mobile_phone=mobile_phone, comments=comments, prefix="New"
    )
    changed = {
        name: value
        for name, value in {
            "display_name": display_name,
            "email": email,
            "mobile_phone": mobile_phone,
            "comments": comments,
        }.items()
        if getattr(user, name) != value
    }
    for name, value in changed.items():
        setattr(user, name, value)
    user.updated_at = now
    user.save(update_fields=[*changed, "updated_at"])
    events.record_by(actor, "UpdateUser", user.upn, now, detail={"changed": sorted(changed)})
    return user


@events.audited("DeleteUser")
def ram_user_delete(*, actor: Actor, user: Principal, force: bool = False, now: datetime | None = None) -> None:
    """DeleteUser. RAM refuses while the user has a logon profile or policies; the console's
    confirmed delete (`force`) removes them first, as the real console does."""
    policy.check_allowed(actor.principal, "DeleteUser", target=user)
    user = Principal.objects.select_for_update(of=("self",)).select_related("account").get(pk=user.pk)
    now = now or clock.now(user.account)
    if force:
        for key in access_key_selectors.access_keys_of(user):
            access_key_services.access_key_delete(actor=actor, user=user, access_key_id=key.access_key_id, now=now)
        if hasattr(user, "mfa_device"):
            mfa_services.mfa_device_unbind(actor=actor, user=user, now=now)
        if hasattr(user, "login_profile"):
            login_profile_delete(actor=actor, user=user, now=now)
        for attachment in selectors.policy_attachments_of(user):
            policy_detach(actor=actor, user=user, policy_name=attachment.policy_name, now=now)
        user = Principal.objects.select_related("account").get(pk=user.pk)
        user._system_policies = frozenset()
    policy.check_can_delete_user(user)
    upn = user.upn
    user.delete()
    events.record_by(actor, "DeleteUser", upn, now)


@events.audited("AttachPolicyToUser")
def policy_attach(*, actor: Actor, user: Principal, policy_name: str, now: datetime | None = None) -> None:
    """AttachPolicyToUser for the system policies the console knows."""
    policy.check_allowed(actor.principal, "AttachPolicyToUser", target=user)
    policy.check_system_policy_name(policy_name)
    now = now or clock.now(user.account)
    _attachment, created = PolicyAttachment.objects.get_or_create(
        principal=user, policy_name=policy_name, defaults={"attached_at": now}
    )
    if not created:
        raise EntityAlreadyExists(
            _("The user has already been attached this policy."),
            code="EntityAlreadyExists.User.Policy",
            field="policy_name",
            console=_("This policy is already attached to the user."),
        )
    events.record_by(actor, "AttachPolicyToUser", user.upn, now, detail={"PolicyName": policy_name})


@events.audited("DetachPolicyFromUser")
def policy_detach(*, actor: Actor, user: Principal, policy_name: str, now: datetime | None = None) -> None:
    """DetachPolicyFromUser."""
    policy.check_allowed(actor.principal, "DetachPolicyFromUser", target=user)
    now = now or clock.now(user.account)
    deleted, _per_model = PolicyAttachment.objects.filter(principal=user, policy_name=policy_name).delete()
    if not deleted:
        raise EntityNotExist(_("The indicate policy of the user does not exist."), code="EntityNotExist.User.Policy")
    events.record_by(actor, "DetachPolicyFromUser", user.upn, now, detail={"PolicyName": policy_name})
