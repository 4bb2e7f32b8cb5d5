"""Error pages (400, 403, 404, 500, CSRF failure) are the shell's, with DEBUG on (`make run`) and
off: never Django's debug pages (the URL pattern list, a traceback), while the traceback of a 500
still reaches the log."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from accounts.models import Principal
from tests.integration.error_page_urls import TRACEBACK_MARKER

pytestmark = pytest.mark.urls("tests.integration.error_page_urls")

# What Django's debug pages show and the shell's never do.
DEBUG_PAGE_SIGNS = ("URLconf", "urlpatterns", "Traceback", "Request Method", "DEBUG = True", "admin/", TRACEBACK_MARKER)


@pytest.fixture(params=[True, False], ids=["debug-on", "debug-off"])
def debug(request: pytest.FixtureRequest, settings) -> bool:
    settings.DEBUG = request.param
    return request.param


def _assert_shell_page(response, status: int) -> str:
    assert response.status_code == status
    body = response.content.decode()
    assert 'class="topbar' in body  # inside the console shell
    assert f'data-status="{status}"' in body
    for sign in DEBUG_PAGE_SIGNS:
        assert sign not in body, sign
    return body


def _client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_unknown_address_is_the_shells_404(debug: bool) -> None:
    body = _assert_shell_page(_client().get("/no-such-page/"), 404)
    assert "The page or object does not exist." in body
    assert 'id="topbar-logon"' in body  # a visitor is offered logon, not an empty profile menu


def test_object_that_does_not_exist_is_the_shells_404(debug: bool, root: Principal, client_for) -> None:
    client = client_for(root)
    client.raise_request_exception = False
    body = _assert_shell_page(client.get("/users/no-such-user/"), 404)
    assert root.logon_name in body  # the signed-in shell: profile menu and navigation
    assert 'id="console-nav"' in body


@pytest.mark.django_db
def test_missing_slash_still_redirects(debug: bool) -> None:
    response = _client().get("/users")
    assert response.status_code == 301
    assert response["Location"] == "/users/"


def test_refused_action_is_the_shells_403(debug: bool, readonly_user: Principal, client_for) -> None:
    client = client_for(readonly_user)
    client.raise_request_exception = False
    body = _assert_shell_page(client.get("/users/new/"), 403)
    assert "You are not authorized to do this action." in body
    assert readonly_user.logon_name in body


def test_csrf_failure_is_the_shells_403(debug: bool, root: Principal) -> None:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(root, backend="accounts.backends.LogonNameBackend")
    body = _assert_shell_page(client.post("/logout/"), 403)
    assert "The form could not be sent." in body


@pytest.mark.django_db
def test_failure_is_the_shells_500_and_its_traceback_is_logged(debug: bool, caplog) -> None:
    with caplog.at_level(logging.ERROR, logger="django.request"):
        body = _assert_shell_page(_client().get("/test-fails/"), 500)
    assert "An internal error occurred." in body
    [record] = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert TRACEBACK_MARKER in logging.Formatter().formatException(record.exc_info)


@pytest.mark.django_db
def test_suspicious_request_is_the_shells_400(debug: bool) -> None:
    _assert_shell_page(_client().get("/test-suspicious/"), 400)


@pytest.mark.django_db
def test_non_html_client_gets_no_traceback(debug: bool) -> None:
    # Django's debug 500 answers a client that does not accept HTML in plain text.
    response = _client().get("/test-fails/", headers={"Accept": "application/json"})
    assert response.status_code == 500
    assert TRACEBACK_MARKER not in response.content.decode()


@pytest.mark.django_db
def test_an_action_parameter_does_not_bring_the_debug_page_back(debug: bool) -> None:
    """Only the API endpoint's own answers are left alone, not any request that names an Action."""
    _assert_shell_page(_client().get("/no-such-page/?Action=GetUser"), 404)


@pytest.mark.django_db
def test_a_bad_host_header_is_the_shells_400(debug: bool) -> None:
    """DisallowedHost is raised by the middleware, outside any view: the page replaces it too."""
    _assert_shell_page(_client().get("/login/", HTTP_HOST="evil.example"), 400)


@pytest.mark.django_db
def test_the_api_keeps_its_own_error_answers(debug: bool) -> None:
    response = _client().get("/?Action=GetUser&Version=bad")
    assert response.status_code == 400
    assert response.json()["Code"] == "InvalidVersion"
