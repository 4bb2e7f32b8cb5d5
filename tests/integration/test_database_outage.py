"""The database goes away under a running console (issue 19, item 5): every query finds its
connection refused, as when the server is down. The console answers its 503 page inside
the shell, the API `ServiceUnavailable`, and neither a 500. (tests/multiworker/test_outages.py does
the same against a real gunicorn whose PostgreSQL port is closed.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client

from accesskeys.services import access_key_create
from accounts.actors import Actor
from accounts.models import Principal
from ramconsole.gateway import dispatcher
from tests.api.conftest import Key, signed_v1_query

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query finds no connection, as Django reports a refused connect (a closed connection
    would not do: Django keeps the in-memory SQLite test database open)."""

    def refuse() -> None:
        raise OperationalError('connection to server at "db.internal", port 5432 failed: Connection refused')

    monkeypatch.setattr(connection, "ensure_connection", refuse)


def _assert_console_503(response: Any) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert 'class="topbar navbar' in page and "The console is temporarily unavailable." in page
    assert "db.internal" not in page


def test_a_signed_in_page_answers_503_inside_the_shell(root_client: Client, database_down: None) -> None:
    _assert_console_503(root_client.get("/users/"))


def test_a_logon_answers_503(database_down: None) -> None:
    client = Client()
    assert client.get("/login/").status_code == 200  # the form needs no database
    _assert_console_503(client.post("/login/", {"logon_name": "root@example.com", "password": "x"}))


@pytest.mark.parametrize("with_console_cookie", [False, True])
def test_the_api_answers_service_unavailable(
    root: Principal, client_for: Any, with_console_cookie: bool, request: pytest.FixtureRequest
) -> None:
    created = access_key_create(actor=Actor(root), user=root)
    root_key = Key(created.access_key.access_key_id, created.secret)
    client = client_for(root) if with_console_cookie else Client()  # a cookie means nothing to the API
    request.getfixturevalue("database_down")
    response = client.post(f"/?{signed_v1_query(root_key, 'GetUser', UserName='alice')}")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json;charset=utf-8"
    body = response.json()
    assert (body["Code"], body["Message"]) == (
        "ServiceUnavailable",
        "The request has failed due to a temporary failure of the server.",
    )
    assert body["RequestId"] and body["Recommend"].endswith(f"requestId={body['RequestId']}")


def test_a_read_is_not_answered_when_its_nonce_and_event_cannot_be_stored(
    root: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away after a read's handler ran, before its nonce and event were stored
    (one commit, after the handler): the read answers ServiceUnavailable, not its result."""
    created = access_key_create(actor=Actor(root), user=root)
    root_key = Key(created.access_key.access_key_id, created.secret)
    stored = dispatcher.remember_nonce

    def refuse_the_read_commit(*args: Any, event: Any = None) -> None:
        if event is not None:
            raise OperationalError("server closed the connection unexpectedly")
        stored(*args)

    monkeypatch.setattr(dispatcher, "remember_nonce", refuse_the_read_commit)
    response = Client().post(f"/?{signed_v1_query(root_key, 'GetPasswordPolicy')}")
    assert response.status_code == 503
    assert response.json()["Code"] == "ServiceUnavailable"
    assert "PasswordPolicy" not in response.json()
