"""Password changes: a RAM user's own (ChangePassword), the forced change at logon, and the root's
(Login Password > Change)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from accounts.actors import Actor
from accounts.models import Principal
from accounts.services.hashing import hashed_ahead
from accounts.services.login_profiles import locked_profile, password_of, password_store
from ramconsole.kernel import clock
from security import events, policy
from security.errors import NoPermission, RamError, check_all
from security.selectors import password_policy_of


@hashed_ahead(new="new_password", old="old_password", action="ChangePassword")
@events.audited("ChangePassword")
@sensitive_variables("old_password", "new_password")
def password_change(*, actor: Actor, old_password: str, new_password: str, now: datetime | None = None) -> None:
    """ChangePassword: a RAM user changes its own password (when Manage Passwords is allowed)."""
    user = actor.principal
    if user.is_root:
        raise RamError(
            _("This method can be only invoked by sub user."), code="NotSupport.Account", field="old_password"
        )
    policy.check_allowed(user, "ChangePassword", target=user)
    now = now or clock.now(user.account)
    profile = locked_profile(user)
    if not user.check_password(old_password):
        # The new password's rules are judged too, so the console shows both at once; not its
        # history, which holds the current password: "must differ" would confirm a guess of it.
        check_all(
            _refuse_old_password,
            lambda: policy.ram_user_new_password_check(user, password_policy_of(user.account))(new_password),
        )
    new_password = password_of(user=user, password=new_password, generate=False, parameter="NewPassword")
    password_store(user=user, profile=profile, password=new_password, now=now)
    profile.password_reset_required = False
    profile.save()
    events.record_by(actor, "ChangePassword", user.upn, now)


def _refuse_old_password() -> None:
    raise RamError(
        _("The old password is incorrect."), code="InvalidParameter.OldPassword.Incorrect", field="old_password"
    )


@sensitive_variables("new_password")
def logon_password_change(*, principal: Principal, new_password: str, source_ip: str | None) -> None:
    """The forced change at logon (Password Reset, or expired with Allow Logon). The credentials
    were checked moments ago by the logon pipeline, so no old password is asked again, and
    Manage Passwords does not apply: RAM requires this change whatever that setting says."""
    actor = Actor(principal=principal, source_ip=source_ip)
    _logon_password_change(actor=actor, new_password=new_password)


@hashed_ahead(new="new_password")
@events.audited("ChangePassword")
@sensitive_variables("new_password")
def _logon_password_change(*, actor: Actor, new_password: str) -> None:
    user = actor.principal
    now = clock.now(user.account)
    profile = locked_profile(user)
    new_password = password_of(user=user, password=new_password, generate=False, parameter="NewPassword")
    password_store(user=user, profile=profile, password=new_password, now=now)
    profile.password_reset_required = False
    profile.save()
    events.record_by(actor, "ChangePassword", user.upn, now, detail={"at_logon": True})


@hashed_ahead(new="new_password")
@events.audited("ChangeAccountPassword")
@sensitive_variables("new_password")
def root_password_change(*, actor: Actor, new_password: str, verified_at: datetime | None) -> None:
    """Login Password > Change: the root sets a new password within minutes of Verify Identity."""
    policy.check_allowed(actor.principal, "ChangeAccountPassword")
    now = clock.now(actor.account)
    if not policy.is_identity_verification_fresh(verified_at, now=now):
        raise NoPermission(_("Verify your identity again."), code="IdentityVerificationRequired")
    policy.check_root_password(new_password)
    root = actor.principal
    root.set_password(new_password)
    root.updated_at = now
    root.save(update_fields=["password", "updated_at"])
    events.record_by(actor, "ChangeAccountPassword", root.email, now)
