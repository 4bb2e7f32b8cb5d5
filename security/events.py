"""The one way to write an event. Services call it inside their own transaction."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Principal
from ramconsole.kernel import clock
from security.errors import RamError
from security.models import RESULT_SUCCESS, Event

if TYPE_CHECKING:
    from accounts.actors import Actor

T = TypeVar("T")

# Keys that may never be written into an event's detail, whatever a caller passes.
_SECRET_KEYS = frozenset({"password", "new_password", "old_password", "secret", "access_key_secret", "seed"})

# The ids of the events recorded inside an open `recorded_during()` block of this thread/task.
_recorded_ids: ContextVar[list[int] | None] = ContextVar("recorded_event_ids", default=None)


@contextmanager
def recorded_during() -> Iterator[list[int]]:
    """Collect the ids of the events this thread records inside the block (some may be rolled back
    later: check that they still exist). Other requests' events are never in it."""
    ids: list[int] = []
    token = _recorded_ids.set(ids)
    try:
        yield ids
    finally:
        _recorded_ids.reset(token)


def record(**fields: Any) -> Event:
    """Record `action` (a RAM/IMS API action name, or `ConsoleLogon`/`ConsoleLogout`); the fields
    are `unsaved`'s."""
    event = unsaved(**fields)
    event.save(force_insert=True)
    collecting = _recorded_ids.get()
    if collecting is not None:
        collecting.append(event.pk)
    return event


def unsaved(
    *,
    action: str,
    account: Account | None,
    actor: Principal | None = None,
    actor_name: str = "",
    source_ip: str | None = None,
    target: str = "",
    result: str = RESULT_SUCCESS,
    detail: dict[str, Any] | None = None,
    account_time: datetime | None = None,
) -> Event:
    """The event `record` would write, not yet written: for a caller that writes it in one statement
    with something else (the API gateway, with a read call's nonce)."""
    detail = {key: value for key, value in (detail or {}).items() if key.lower() not in _SECRET_KEYS}
    real_now = timezone.now()
    return Event(
        occurred_at=real_now,
        account_time=account_time or real_now,
        account=account,
        actor=actor,
        actor_name=actor_name or (actor.logon_name if actor else ""),
        source_ip=source_ip or None,
        action=action,
        target=target[:255],
        result=result[:128],
        detail=detail,
    )


def audited(action: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Run a service atomically; when it is refused, roll its writes back and record the refusal.

    The refusal event is written after the rollback, so a refused change leaves exactly one trace.
    """

    def decorate(service: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(service)
        def run(*, actor: Actor, **kwargs: Any) -> T:
            try:
                with transaction.atomic():
                    return service(actor=actor, **kwargs)
            except RamError as refusal:
                user = kwargs.get("user")
                record(
                    action=action,
                    account=actor.account,
                    actor=actor.principal,
                    actor_name=actor.display_name,
                    source_ip=actor.source_ip,
                    target=user.upn if user is not None and user.is_ram_user else "",
                    result=refusal.code,
                    account_time=clock.now(actor.account),
                )
                raise

        return run

    return decorate


def record_by(actor: Actor, action: str, target: str, now: datetime, detail: dict[str, Any] | None = None) -> Event:
    """Record a successful change made by `actor` (the usual last line of a service)."""
    return record(
        action=action,
        account=actor.account,
        actor=actor.principal,
        actor_name=actor.display_name,
        source_ip=actor.source_ip,
        target=target,
        detail=detail,
        account_time=now,
    )
