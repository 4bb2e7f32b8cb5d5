"""The console side of the input rule (security/policy/inputs.py): every form field and every
query string refuses NUL, other control characters and undecodable bytes with a field error,
never a 500 (on PostgreSQL `GET /users/?q=%00` answered 500)."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms
from django.test import Client

from accounts.forms import RamUserUpdateForm, UserSearchForm
from accounts.models import Account, Principal
from ramconsole.web.forms import InputRuleMixin
from security import policy
from security.models import DomainAlias, Event, SandboxDnsRecord

# Raw query-string values: NUL, a control character, an undecodable byte, a UTF-8-encoded surrogate.
BAD_QUERY_VALUES = ["%00", "a%01b", "%1B", "%7F", "a%C2%85b", "%FF", "%ED%A0%80", "%EF%BF%BD"]
REFUSED_MESSAGE = "Remove the control characters or undecodable bytes from this value."
FORM_MODULES = ("accounts.forms", "security.forms", "accesskeys.forms", "mfa.forms", "ramconsole.web.forms")


@pytest.fixture
def users(account: Account, ram_user_factory) -> None:
    ram_user_factory(account, "alice", password=None)
    ram_user_factory(account, "bob", password=None)


@pytest.mark.parametrize("value", BAD_QUERY_VALUES)
def test_user_search_refuses_bad_characters(root_client: Client, users: None, value: str) -> None:
    response = root_client.get(f"/users/?q={value}")
    assert response.status_code == 200
    assert response.context["search_form"].errors["q"] == [REFUSED_MESSAGE]
    assert 'class="form-control form-control-sm is-invalid"' in response.text
    assert {user.name for user in response.context["page"]} == {"alice", "bob"}  # no filter applied


def test_user_search_length_and_valid_search(root_client: Client, users: None) -> None:
    assert {u.name for u in root_client.get("/users/", {"q": "ali"}).context["page"]} == {"alice"}
    assert {u.name for u in root_client.get("/users/", {"q": "a\tli"}).context["page"]} == set()  # tab: allowed
    at_limit = root_client.get("/users/", {"q": "a" * 128})
    assert at_limit.status_code == 200 and not at_limit.context["search_form"].errors
    beyond = root_client.get("/users/", {"q": "a" * 129})
    assert beyond.status_code == 200 and "q" in beyond.context["search_form"].errors


@pytest.mark.parametrize("page", ["%00", "%01", "%FF", "-1", "0", "9" * 30, "9" * 5000, "1e309", "nan"])
@pytest.mark.parametrize("path", ["/users/", "/events/", "/settings/dns-records/"])
def test_page_numbers_never_fail(root_client: Client, users: None, path: str, page: str) -> None:
    """Django's Paginator.get_page takes any text: not a page number, the first page; past the end, the last."""
    assert root_client.get(f"{path}?page={page}").status_code == 200


@pytest.mark.parametrize("value", BAD_QUERY_VALUES)
def test_event_filters_refuse_bad_characters(root_client: Client, account: Account, value: str) -> None:
    response = root_client.get(f"/events/?actor={value}")
    assert response.status_code == 200
    assert response.context["form"].errors["actor"] == [REFUSED_MESSAGE]
    for name in ("action", "result", "since", "until"):
        assert root_client.get(f"/events/?{name}={value}").status_code == 200
    assert root_client.get(f"/events/export.csv?actor={value}").status_code == 200


@pytest.mark.parametrize("path", ["/settings/user-security/", "/security-settings/login-mask/"])
@pytest.mark.parametrize("value", ["%00", "10.0.0.1%01", "%FF"])
def test_address_tester_refuses_bad_input(root_client: Client, path: str, value: str) -> None:
    response = root_client.get(f"{path}?test_address={value}")
    assert response.status_code == 200
    assert response.context["tester"].errors["test_address"]


def test_user_forms_refuse_control_characters(root_client: Client, account: Account) -> None:
    fields = {"name": "dave", "display_name": "Dave", "email": "", "mobile_phone": "", "comments": ""}
    for field, value in [("display_name", "Da\x01ve"), ("comments", "c\x00"), ("email", "d\x1b@x.com")]:
        response = root_client.post("/users/new/", {**fields, field: value})
        assert response.status_code == 200
        assert response.context["form"].errors[field] == [REFUSED_MESSAGE], field  # once, NUL too
    assert not Principal.objects.filter(account=account, name="dave").exists()
    response = root_client.post("/users/new/", {**fields, "comments": "one\r\ntwo\tthree"})
    assert response.status_code == 302
    assert Principal.objects.get(account=account, name="dave").comments == "one\r\ntwo\tthree"


def test_domain_forms_refuse_control_characters(root_client: Client, account: Account) -> None:
    response = root_client.post("/settings/domain-alias/", {"domain": "exa\x01mple.com"})
    assert response.status_code == 200 and response.context["form"].errors["domain"] == [REFUSED_MESSAGE]
    assert not DomainAlias.objects.filter(account=account).exists()
    response = root_client.post("/settings/dns-records/new/", {"name": "example.com", "value": "v\x00"})
    assert response.status_code == 200 and response.context["form"].errors["value"] == [REFUSED_MESSAGE]
    assert not SandboxDnsRecord.objects.filter(account=account).exists()
    response = root_client.post("/settings/default-domain/", {"alias": "ac\x7fme"})
    assert response.status_code == 200 and response.context["form"].errors["alias"] == [REFUSED_MESSAGE]


def test_logon_form_refuses_control_characters(client: Client, account: Account) -> None:
    for name in ("owner\x00@example.com", "owner\x01@example.com"):
        response = client.post("/login/", {"logon_name": name, "password": "x"})
        assert response.status_code == 200
        assert response.context["form"].errors["logon_name"] == [REFUSED_MESSAGE]
    assert not Event.objects.filter(action="ConsoleLogon").exists()  # refused before any logon attempt


def test_forms_refuse_surrogates_and_overlong_free_text() -> None:
    """Not from a browser (HTTP carries bytes), but from any caller that builds a form in Python."""
    form = RamUserUpdateForm(data={"display_name": "a\ud800", "comments": ""})
    assert form.errors["display_name"] == [REFUSED_MESSAGE]
    free_text = UserSearchForm.base_fields["q"].max_length  # a field with its own limit keeps it
    assert UserSearchForm(data={"q": "a" * (free_text + 1)}).errors["q"]

    class Unbounded(InputRuleMixin, forms.Form):
        text = forms.CharField()

    assert Unbounded(data={"text": "x" * policy.MAX_INPUT_LENGTH}).is_valid()
    assert "text" in Unbounded(data={"text": "x" * (policy.MAX_INPUT_LENGTH + 1)}).errors


def test_every_console_form_applies_the_input_rule() -> None:
    forms_found = [
        cls
        for module in map(importlib.import_module, FORM_MODULES)
        for _name, cls in inspect.getmembers(module, inspect.isclass)
        # Mixins of fields (PasswordFieldsMixin, ...) are only ever used with ServiceFormMixin.
        if issubclass(cls, forms.Form) and cls.__module__ == module.__name__ and not cls.__name__.endswith("Mixin")
    ]
    assert len(forms_found) > 15
    assert [cls.__qualname__ for cls in forms_found if not issubclass(cls, InputRuleMixin)] == []


@pytest.mark.parametrize(
    "path",
    [
        "/users/%00/",
        "/users/%00/edit/",
        "/users/1%01/delete/",
        "/users/%00/accesskeys/new/",
        "/users/%00/login-profile/new/",
        "/users/%00/mfa/enable/",
        "/accesskeys/LTAI%00/delete/",
        "/users/%FF/",
    ],
)
def test_path_segments_with_refused_characters_are_not_found(root_client: Client, path: str) -> None:
    """They named no row; on PostgreSQL the lookup itself failed with a 500."""
    assert root_client.get(path).status_code == 404
    assert root_client.post(path).status_code in (404, 405)
