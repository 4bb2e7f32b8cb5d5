"""The API gateway's hand-written reads (ramconsole/kernel/rows.py) give the same instances as the ORM."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from accesskeys import selectors as key_selectors
from accesskeys import services as key_services
from accesskeys.models import AccessKey
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, Principal, SystemPolicy
from accounts.services import users as user_services
from security.errors import EntityNotExist

pytestmark = pytest.mark.django_db


def fields_of(instance: Model) -> dict[str, object]:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_key_with_owner_and_account_as_the_orm_loads_them(root: Principal, admin_user: Principal) -> None:
    created = key_services.access_key_create(actor=Actor(principal=root), user=admin_user)
    used_at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    stored = AccessKey.objects.get(access_key_id=created.access_key.access_key_id)
    key_services.access_key_mark_used(access_key=stored, now=used_at)

    key = key_selectors.access_key_by_id(created.access_key.access_key_id)

    expected = AccessKey.objects.select_related("principal__account").get(
        access_key_id=created.access_key.access_key_id
    )
    assert fields_of(key) == fields_of(expected)
    assert fields_of(key.principal) == fields_of(expected.principal)
    assert fields_of(key.principal.account) == fields_of(expected.principal.account)
    assert key.last_used_at == used_at and key.last_used_at.tzinfo is not None  # converted like the ORM's
    assert key.principal.account.clock_offset == expected.principal.account.clock_offset
    assert key._state.adding is False  # a loaded instance: save() updates
    assert key_selectors.access_key_by_id("LTAI" + "x" * 20) is None


def test_user_by_name_ignores_case_and_stays_in_its_account(
    account: Account, account_factory: Callable[..., Account], ram_user_factory: Callable[..., Principal]
) -> None:
    mine = ram_user_factory(account, "Dana")
    other_account = account_factory(email="other-root@example.com")
    theirs = ram_user_factory(other_account, "dana")

    found = selectors.ram_user_get_by_name(account=account, name="dANA")

    assert fields_of(found) == fields_of(Principal.objects.get(pk=mine.pk))
    assert found.account is account  # the caller's account, not loaded again
    assert selectors.ram_user_get_by_name(account=other_account, name="DANA").pk == theirs.pk
    with pytest.raises(EntityNotExist):
        selectors.ram_user_get_by_name(account=account, name="nobody")


def test_user_by_name_finds_ram_users_only(account: Account, root: Principal) -> None:
    Principal.objects.filter(pk=root.pk).update(name="owner")
    with pytest.raises(EntityNotExist):
        selectors.ram_user_get_by_name(account=account, name="owner")


def test_session_principal_with_its_account_or_none(root: Principal) -> None:
    found = selectors.principal_with_account(root.pk)
    expected = Principal.objects.select_related("account").get(pk=root.pk)
    assert fields_of(found) == fields_of(expected)
    assert fields_of(found.account) == fields_of(expected.account)

    operator = Principal.objects.create_superuser("ops", "Operator-pass-2030")
    assert selectors.principal_with_account(operator.pk).account is None  # operators belong to no account
    assert selectors.principal_with_account(operator.pk + 1000) is None


def test_key_carries_its_owners_system_policies(root: Principal, admin_user: Principal, account: Account) -> None:
    """Read with the key, the owner's policies need no query of their own, and match the ORM's."""
    created = key_services.access_key_create(actor=Actor(principal=root), user=admin_user)
    user_services.policy_attach(actor=Actor(principal=root), user=admin_user, policy_name=SystemPolicy.READ_ONLY)
    owner = key_selectors.access_key_by_id(created.access_key.access_key_id).principal
    with CaptureQueriesContext(connection) as queries:
        policies = selectors.system_policies_of(owner)
    assert not queries.captured_queries
    assert (
        policies
        == {SystemPolicy.FULL_ACCESS, SystemPolicy.READ_ONLY}
        == set(admin_user.policy_attachments.values_list("policy_name", flat=True))
    )
    plain = user_services.ram_user_create(actor=Actor(principal=root), name="plain", display_name="Plain")
    plain_key = key_services.access_key_create(actor=Actor(principal=root), user=plain)
    assert (
        selectors.system_policies_of(key_selectors.access_key_by_id(plain_key.access_key.access_key_id).principal)
        == set()
    )


def test_key_list_as_the_orm_loads_it(root: Principal, admin_user: Principal) -> None:
    for _ in range(2):
        key_services.access_key_create(actor=Actor(principal=root), user=admin_user)
    listed = key_selectors.access_key_list(admin_user)
    expected = list(key_selectors.access_keys_of(admin_user))
    assert len(listed) == 2
    assert [fields_of(key) for key in listed] == [fields_of(key) for key in expected]
    assert key_selectors.access_key_list(root) == []


def test_key_with_the_user_a_call_names_in_the_owners_account_only(
    root: Principal,
    admin_user: Principal,
    account_factory: Callable[..., Account],
    ram_user_factory: Callable[..., Principal],
) -> None:
    """Read in one query with the signing key: the same user as ram_user_get_by_name (any case), a RAM
    user of the key owner's account only; the key comes back whether or not the user exists."""
    key_id = key_services.access_key_create(actor=Actor(principal=root), user=admin_user).access_key.access_key_id
    mine = ram_user_factory(admin_user.account, "Dana")
    ram_user_factory(account_factory(email="other-root@example.com"), "erin")

    key, user = key_selectors.access_key_and_named_user(key_id, "dANA")
    assert fields_of(key) == fields_of(key_selectors.access_key_by_id(key_id))
    assert fields_of(user) == fields_of(selectors.ram_user_get_by_name(account=admin_user.account, name="dana"))
    assert user.pk == mine.pk and user.account is key.principal.account
    for absent in ("erin", "nobody", root.name):  # another account's user; no such user; the root
        key, user = key_selectors.access_key_and_named_user(key_id, absent)
        assert key is not None and key.access_key_id == key_id and user is None
    assert key_selectors.access_key_and_named_user("LTAI" + "x" * 20, "dana") == (None, None)
