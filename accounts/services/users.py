"""RAM users: create, update, delete, and the system policies attached to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from accesskeys import selectors as access_key_selectors
from accesskeys import services as access_key_services
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, PolicyAttachment, Principal, UserTag
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
    tags: Sequence[tuple[str, str]] = (),
    now: datetime | None = None,
) -> Principal:
    """CreateUser: a RAM user in the actor's account, with its tags (IMS)."""
    policy.check_allowed(actor.principal, "CreateUser")
    account = Account.objects.select_for_update().get(pk=actor.account.pk)  # serialises the user quota
    now = now or clock.now(account)
    check_all(
        lambda: policy.check_user_attributes(
            name=name, display_name=display_name, email=email, mobile_phone=mobile_phone, comments=comments
        ),
        lambda: policy.check_tags(list(tags)),
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
    UserTag.objects.bulk_create(UserTag(principal=user, key=key, value=value, created_at=now) for key, value in tags)
    detail: dict[str, object] = {"UserName": name}
    if tags:
        detail["Tags"] = dict(tags)
    events.record_by(actor, "CreateUser", user.upn, now, detail=detail)
    return user


def _check_user_name_free(account: Account, name: str, *, other_than: Principal | None = None) -> None:
    others = Principal.objects.filter(selectors.name_is(name), account=account, kind=Principal.Kind.RAM_USER)
    if other_than is not None:
        others = others.exclude(pk=other_than.pk)
    if others.exists():
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
    new_name: str | None = None,
    now: datetime | None = None,
) -> Principal:
    """UpdateUser: the basic information of a RAM user, and with `new_name` its name: the UPN and the
    logon follow the new name at once, and the event records both names."""
    policy.check_allowed(actor.principal, "UpdateUser", target=user)
    now = now or clock.now(user.account)
    old_name = user.name
    renamed = new_name is not None and new_name != old_name
    rename_checks = (
        [
            lambda: policy.check_user_name(new_name, parameter="NewUserName"),
            lambda: _check_user_name_free(user.account, new_name, other_than=user),
        ]
        if renamed
        else []
    )
    check_all(
        *rename_checks,
        lambda: policy.check_user_attributes(
            display_name=display_name, email=email, mobile_phone=mobile_phone, comments=comments, prefix="New"
        ),
    )
    changed = {
        name: value
        for name, value in {
            "display_name": display_name,
            "email": email,
            "mobile_phone": mobile_phone,
            "comments": comments,
            "name": new_name if renamed else old_name,
        }.items()
        if getattr(user, name) != value
    }
    for name, value in changed.items():
        setattr(user, name, value)
    user.updated_at = now
    try:
        with transaction.atomic():
            user.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        # A concurrent CreateUser or rename took the name between the check and the write.
        raise _user_exists() from None
    detail: dict[str, object] = {"changed": sorted(changed)}
    if renamed:
        detail.update(UserName=old_name, NewUserName=new_name)
    events.record_by(actor, "UpdateUser", user.upn, now, detail=detail)
    return user


@events.audited("TagResources")
def user_tags_set(
    *, actor: Actor, users: Sequence[Principal], tags: Sequence[tuple[str, str]], now: datetime | None = None
) -> None:
    """TagResources: the tags on each user; a key a user has already takes the new value. Every user
    stays within the tag limit, or none is tagged."""
    policy.check_tags(list(tags), required=True)
    for user in users:
        policy.check_allowed(actor.principal, "TagResources", target=user)
    now = now or clock.now(actor.account)
    # Locks the users, so two calls cannot both pass the limit check.
    list(Principal.objects.select_for_update().filter(pk__in=[user.pk for user in users]).order_by("pk"))
    keys = {key for key, value in tags}
    for user in users:
        existing = set(UserTag.objects.filter(principal=user).values_list("key", flat=True))
        policy.check_can_tag_user(existing_keys=existing, new_keys=keys)
    for user in users:
        for key, value in tags:
            UserTag.objects.update_or_create(principal=user, key=key, defaults={"value": value})
        events.record_by(actor, "TagResources", user.upn, now, detail={"Tags": dict(tags)})


@events.audited("UntagResources")
def user_tags_remove(
    *,
    actor: Actor,
    users: Sequence[Principal],
    keys: Sequence[str],
    remove_all: bool = False,
    now: datetime | None = None,
) -> None:
    """UntagResources: the keys named off each user (a key it does not have is passed over); with no
    key named, every tag when `remove_all`, else none."""
    policy.check_untag_keys(keys)
    for user in users:
        policy.check_allowed(actor.principal, "UntagResources", target=user)
    now = now or clock.now(actor.account)
    for user in users:
        tags = UserTag.objects.filter(principal=user)
        if keys:
            tags = tags.filter(key__in=keys)
        elif not remove_all:
            tags = tags.none()
        removed = sorted(tags.values_list("key", flat=True))
        tags.delete()
        events.record_by(actor, "UntagResources", user.upn, now, detail={"TagKeys": removed})


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
