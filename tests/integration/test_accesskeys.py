"""AccessKey pairs: once-shown secrets encrypted at rest, two at most, status, delete, rotation."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse

from accesskeys import services as key_services
from accesskeys.models import AccessKey
from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, Principal
from ramconsole.kernel import crypto
from security.errors import EntityNotExist, NoPermission
from security.models import Event, SecurityPreference

START = datetime(2030, 2, 1, tzinfo=UTC)
KEY_ID = re.compile(r"^LTAI[A-Za-z0-9]{20}$")
SECRET = re.compile(r"^[A-Za-z0-9]{30}$")


def _create(client: Client, user: Principal):
    return client.post(reverse("accesskeys:user-create", args=[user.user_id]))


def _every_page(client: Client, user: Principal) -> str:
    urls = [
        reverse("accounts:user-detail", args=[user.user_id]),
        reverse("accounts:user-list"),
        reverse("security:event-list"),
        reverse("security:event-export"),
        reverse("accounts:overview"),
    ]
    bodies = []
    for url in urls:
        response = client.get(url)
        bodies.append(b"".join(response.streaming_content) if response.streaming else response.content)
    return b"".join(bodies).decode()


def test_create_shows_the_secret_once_and_stores_it_encrypted(root_client: Client, account, ram_user_factory, caplog):
    user = ram_user_factory(account, "dev")
    with caplog.at_level(logging.DEBUG):
        response = _create(root_client, user)
    created = response.context["created"]
    key_id, secret = created.access_key.access_key_id, created.secret
    assert KEY_ID.match(key_id) and SECRET.match(secret)
    body = response.content.decode()
    assert secret in body and key_id in body
    assert "cannot be retrieved later" in body
    assert "no-store" in response["Cache-Control"]
    # The CSV download carries the pair without another request to the server.
    assert f"data:text/csv;charset=utf-8,AccessKey%20ID%2CAccessKey%20Secret%0D%0A{key_id}%2C{secret}" in body
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accesskeys_accesskey WHERE access_key_id = %s", [key_id])
        raw_row = str(cursor.fetchone())
    assert secret not in raw_row
    assert crypto.decrypt(AccessKey.objects.get(access_key_id=key_id).secret_encrypted) == secret
    assert secret not in _every_page(root_client, user)
    assert secret not in str(list(Event.objects.values()))
    assert secret not in caplog.text
    event = Event.objects.get(action="CreateAccessKey", result="Success")
    assert event.detail == {"AccessKeyId": key_id} and event.target == user.upn


def test_third_key_is_refused(root_client: Client, account, ram_user_factory) -> None:
    user = ram_user_factory(account, "two")
    _create(root_client, user)
    _create(root_client, user)
    response = _create(root_client, user)
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["A user can have at most 2 AccessKeys. Delete one before creating another."]
    assert AccessKey.objects.filter(principal=user).count() == 2
    assert Event.objects.filter(action="CreateAccessKey", result="LimitExceeded.User.AccessKey").count() == 1
    page = root_client.get(reverse("accounts:user-detail", args=[user.user_id])).content.decode()
    assert re.search(r"<button[^>]*disabled[^>]*>Create AccessKey</button>", page)


def test_disable_enable_and_delete(root_client: Client, account, ram_user_factory) -> None:
    user = ram_user_factory(account, "tog")
    key = key_services.access_key_create(actor=Actor(selectors.root_of(account)), user=user).access_key
    status_url = reverse("accesskeys:user-status", args=[user.user_id, key.access_key_id])
    root_client.post(status_url, {"status": "Inactive"})
    key.refresh_from_db()
    assert key.status == "Inactive"
    root_client.post(status_url, {"status": "Active"})
    key.refresh_from_db()
    assert key.status == "Active"
    assert root_client.post(status_url, {"status": "Broken"}).status_code == 302
    key.refresh_from_db()
    assert key.status == "Active"
    delete_url = reverse("accesskeys:user-delete", args=[user.user_id, key.access_key_id])
    page = root_client.get(delete_url).content.decode()
    assert "I am aware of the risk and confirm the deletion" in page and 'id="delete-last-used">-' in page
    unconfirmed = root_client.post(delete_url, {})
    assert unconfirmed.context["form"].has_error("confirm", code="required")
    assert AccessKey.objects.filter(pk=key.pk).exists()
    assert root_client.post(delete_url, {"confirm": "on"}).status_code == 302
    assert not AccessKey.objects.filter(pk=key.pk).exists()
    actions = list(Event.objects.filter(result="Success").values_list("action", flat=True).order_by("id"))
    assert actions[-4:] == ["CreateAccessKey", "UpdateAccessKey", "UpdateAccessKey", "DeleteAccessKey"]


def test_rotation_flags_keys_older_than_ninety_days(account, ram_user_factory, root, client_for) -> None:
    user = ram_user_factory(account, "old")
    with time_machine.travel(START, tick=False):
        key_services.access_key_create(actor=Actor(root), user=user)
    with time_machine.travel(START + timedelta(days=91), tick=False):
        page = client_for(root).get(reverse("accounts:user-detail", args=[user.user_id])).content.decode()
    assert "Rotate: older than 90 days" in page


def test_rotation_wizard_asks_again_when_the_old_key_was_used_recently(account, ram_user_factory, root, client_for):
    user = ram_user_factory(account, "rot")
    old = key_services.access_key_create(actor=Actor(root), user=user).access_key
    wizard = reverse("accesskeys:user-rotate", args=[user.user_id, old.access_key_id])
    status_url = reverse("accesskeys:user-status", args=[user.user_id, old.access_key_id])
    with time_machine.travel(START, tick=False) as traveller:
        client = client_for(root)
        assert "Create the new AccessKey" in client.get(wizard).content.decode()
        created = client.post(reverse("accesskeys:user-create", args=[user.user_id]), {"next": wizard})
        assert created.context["close_url"] == wizard
        key_services.access_key_mark_used(access_key=old)
        page = client.get(wizard).content.decode()
        assert "used in the last hour" in page
        client.post(status_url, {"status": "Inactive", "next": wizard, "from_wizard": "True"})
        old.refresh_from_db()
        assert old.status == "Active"
        assert Event.objects.filter(result="RecentUseConfirmationRequired").count() == 1
        client.post(
            status_url, {"status": "Inactive", "next": wizard, "from_wizard": "True", "confirm_recent_use": "on"}
        )
        old.refresh_from_db()
        assert old.status == "Inactive"
        traveller.shift(timedelta(minutes=1))
        assert "Delete the old AccessKey" in client.get(wizard).content.decode()


def test_last_used_is_written_at_most_once_a_minute(account, ram_user_factory, root) -> None:
    user = ram_user_factory(account, "busy")
    key = key_services.access_key_create(actor=Actor(root), user=user).access_key
    with time_machine.travel(START, tick=False) as traveller:
        assert key_services.access_key_mark_used(access_key=key)
        traveller.shift(timedelta(seconds=30))
        assert not key_services.access_key_mark_used(access_key=key)
        traveller.shift(timedelta(seconds=30))
        assert key_services.access_key_mark_used(access_key=key)
    key.refresh_from_db()
    assert key.last_used_at == START + timedelta(minutes=1)


def test_root_keys_only_by_the_root(account, root, admin_user, client_for) -> None:
    with pytest.raises(NoPermission):
        key_services.access_key_create(actor=Actor(admin_user), user=root)
    page = client_for(root).get(reverse("security:root-security-settings")).content.decode()
    assert "not recommended" in page
    response = client_for(root).post(reverse("accesskeys:own-create"))
    assert response.context["owner"] == root and "not recommended" in response.content.decode()


def test_self_service_keys_follow_manage_accesskey(account, plain_user, client_for) -> None:
    client = client_for(plain_user)
    assert client.post(reverse("accesskeys:own-create")).status_code == 403
    assert "Create AccessKey" not in client.get(reverse("security:self-service")).content.decode()
    SecurityPreference.objects.create(account=account, allow_user_to_manage_access_keys=True)
    client = client_for(plain_user)
    assert "Create AccessKey" in client.get(reverse("security:self-service")).content.decode()
    created = client.post(reverse("accesskeys:own-create"))
    assert created.context["created"].access_key.principal == plain_user
    key_id = created.context["created"].access_key.access_key_id
    client.post(reverse("accesskeys:own-status", args=[key_id]), {"status": "Inactive"})
    assert AccessKey.objects.get(access_key_id=key_id).status == "Inactive"


def test_keys_of_another_user_are_not_reachable_through_own_pages(account, ram_user_factory, plain_user, client_for):
    SecurityPreference.objects.create(account=account, allow_user_to_manage_access_keys=True)
    other = ram_user_factory(account, "other")
    key = key_services.access_key_create(actor=Actor(selectors.root_of(account)), user=other).access_key
    client = client_for(plain_user)
    assert client.post(reverse("accesskeys:own-delete", args=[key.access_key_id]), {"confirm": "on"}).status_code == 404
    assert (
        client.post(reverse("accesskeys:own-status", args=[key.access_key_id]), {"status": "Inactive"}).status_code
        == 404
    )
    assert AccessKey.objects.get(pk=key.pk).status == "Active"
    with pytest.raises(EntityNotExist):
        key_services.access_key_delete(actor=Actor(plain_user), user=plain_user, access_key_id=key.access_key_id)


def test_delete_user_with_keys(account, ram_user_factory, root, client_for) -> None:
    user = ram_user_factory(account, "gone", password=None)
    key_services.access_key_create(actor=Actor(root), user=user)
    url = reverse("accounts:user-delete", args=[user.user_id])
    assert "<li>AccessKeys</li>" in client_for(root).get(url).content.decode()
    client_for(root).post(url, {"confirm": "on"})
    assert not Principal.objects.filter(pk=user.pk).exists() and not AccessKey.objects.exists()


def test_users_list_shows_key_count(account, ram_user_factory, root, root_client: Client) -> None:
    user = ram_user_factory(account, "counted")
    key_services.access_key_create(actor=Actor(root), user=user)
    key_services.access_key_create(actor=Actor(root), user=user)
    page = root_client.get(reverse("accounts:user-list"))
    assert [u.access_key_count for u in page.context["page"]] == [2]


def test_create_accesskey_command(account: Account, ram_user_factory, capsys) -> None:
    ram_user_factory(account, "bot", password=None)
    call_command("create_accesskey", "bot@acme.onaliyun.com", "--json")
    made = json.loads(capsys.readouterr().out)
    assert KEY_ID.match(made["access_key_id"]) and SECRET.match(made["access_key_secret"])
    call_command("create_accesskey", "bot@acme.onaliyun.com", "--json")
    with pytest.raises(CommandError, match=r"LimitExceeded\.User\.AccessKey"):
        call_command("create_accesskey", "bot@acme.onaliyun.com")
    with pytest.raises(CommandError, match="No RAM user"):
        call_command("create_accesskey", "nobody@acme.onaliyun.com")
