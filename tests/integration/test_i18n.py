"""The console in 简体中文 (issue 16): the catalogue is complete and compiled, every page reads in
Chinese, the language choice follows the browser and the identity, and the API stays English.

The page walk reuses the isolation test's URL walker, so a new page is checked the moment it is
routed: each page is rendered in zh-hans and its visible text (and the attributes people read:
title, aria-label, placeholder, alt, button values) must hold no English word outside ALLOWED_WORDS
(product names, protocols and codes that the real Chinese console also writes in Latin letters).
Identifiers (names with digits, dots, @, CamelCase) and the test's own data are taken out first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.db import OperationalError, connection
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone, translation

from accesskeys import services as access_key_services
from accounts import notices, selectors
from accounts.actors import Actor
from accounts.models import Account, OutboxMessage, Principal
from accounts.services import login_profiles as login_profile_services
from accounts.services import verification as verification_services
from ramconsole.kernel import clock
from ramconsole.web import errors
from reports.models import CredentialReport
from tests.api.conftest import Key, signed_v1_query
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, bind_device, skip_or_fail
from tests.integration.test_isolation import (
    OWN_ONLY,
    PUBLIC,
    World,
    all_routes,
    allow_list_reason,
    url_of,
    world,  # noqa: F401  (the isolation walker's fixture: two accounts and their personas)
)

ZH = "zh-hans"
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PO_FILE = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")

# Latin-letter words the real Chinese console writes as they are (with where the Chinese RAM
# documentation does so: see ramconsole/locale/GLOSSARY.md).
ALLOWED_WORDS = frozenset(
    {
        "RAM",
        "AccessKey",
        "Secret",  # "AccessKey Secret"
        "ID",
        "UID",
        "MFA",
        "TOTP",
        "App",  # 阿里云App
        "Google",
        "Microsoft",
        "Authenticator",
        "CSV",
        "JSON",
        "DNS",
        "TXT",
        "IP",
        "CIDR",
        "UTC",
        "API",
        "GET",
        "POST",
        "SDK",
        # User SSO's protocol words, which the Chinese console writes in Latin letters (SSO管理, SAML 2.0,
        # SP/ACS, XML), and MITRE ATT&CK, the drills' technique catalogue.
        "SSO",
        "SAML",
        "SP",
        "ACS",
        "XML",
        "MITRE",
        "N",  # "前 N 次的历史密码", as the SetPasswordPolicy page writes it
        "Cookie",
        "English",  # the language menu names each language in itself
        "ramconsole",  # the product's own name, in the window title
    }
)
# A token that is an identifier, not prose: account IDs, UPNs, domains, key IDs, policy and event
# action names (CamelCase), codes, addresses, CIDR blocks, file names.
IDENTIFIER = re.compile(r"[\d@._/:=<>#%&+\\]|[a-z][A-Z]|^[A-Z]{2,}[a-z]")
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
SKIPPED_ELEMENTS = frozenset({"script", "style", "code", "pre"})
READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


class VisibleText(HTMLParser):
    """The text a person reads on the page, attribute texts included."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []
        self._option_value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.parts += [values[name] or "" for name in READ_ATTRIBUTES if name in values]
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")
        if tag in SKIPPED_ELEMENTS:
            self._skipping.append(tag)
        self._option_value = values.get("value") if tag == "option" else None

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        # An option showing its own value is an identifier (a time zone such as "Japan"), not prose.
        if not self._skipping and data.strip() != self._option_value:
            self.parts.append(data)


def english_words(html: str, *, data: list[str]) -> list[str]:
    """The English words left on a page once identifiers, allowed words and `data` are removed."""
    parser = VisibleText()
    parser.feed(html)
    text = "\n".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):
        text = text.replace(value, " ")
    found = []
    for token in text.split():
        if IDENTIFIER.search(token):
            continue
        found += [word for word in WORD.findall(token) if word not in ALLOWED_WORDS]
    return found


def test_english_words_finds_an_untranslated_label_and_ignores_identifiers() -> None:
    page = (
        "<html><head><title>概览 · ramconsole</title><script>var Untranslated = 1;</script></head><body>"
        '<button aria-label="Close">关闭</button><p>用户 vera.victim@acme.onaliyun.com 的AccessKey '
        "LTAI5tAbc123 · AliyunRAMFullAccess · CreateUser · 10.0.0.0/8</p><code>Not checked</code>"
        '<select><option value="Japan">Japan</option><option value="">All</option></select>'
        "<p>Vera Victim</p><td>Delete</td></body></html>"
    )
    assert english_words(page, data=["Vera Victim"]) == ["Close", "All", "Delete"]


# --- The catalogue -------------------------------------------------------------------------------


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_FILE))


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def test_every_msgid_is_translated_and_none_is_fuzzy() -> None:
    catalogue = _catalogue()
    assert len(catalogue) > 400, "the catalogue lost its entries"
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    obsolete = [entry.msgid for entry in catalogue.obsolete_entries()]
    assert not untranslated, f"untranslated in {PO_FILE}: {untranslated}"
    assert not fuzzy, f"fuzzy in {PO_FILE} (check the translation, then drop the flag): {fuzzy}"
    assert not obsolete, f"obsolete in {PO_FILE} (run makemessages with --no-obsolete): {obsolete}"
    assert not catalogue.metadata_is_fuzzy


def test_translations_keep_the_placeholders_of_their_msgid() -> None:
    wrong = []
    for entry in _catalogue().translated_entries():
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        wrong += [(entry.msgid, t) for t in translations if sorted(PLACEHOLDER.findall(t)) != expected]
    assert not wrong


def test_compiled_catalogue_is_up_to_date_with_the_po_file() -> None:
    """The .mo is committed (a machine with only Python has no msgfmt), so it must say what the .po says.
    Compile with `make messages` (or `manage.py compilemessages` where GNU gettext is installed)."""

    def entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
        return {
            (entry.msgctxt, entry.msgid): (dict(entry.msgstr_plural) if entry.msgid_plural else entry.msgstr)
            for entry in catalogue
            if entry.msgid and (entry.msgstr or any(entry.msgstr_plural.values())) and "fuzzy" not in entry.flags
        }

    compiled = polib.mofile(str(MO_FILE))
    assert entries(compiled) == entries(_catalogue()), f"{MO_FILE} is out of date: run `make messages`"


def test_every_marked_string_is_in_the_catalogue(tmp_path: Path) -> None:
    """makemessages over a copy of the project finds no msgid the committed catalogue lacks (a string
    marked since the last `make messages`). A copy: makemessages writes into every locale directory
    it finds under its working directory."""
    if shutil.which("xgettext") is None:
        skip_or_fail("GNU gettext (xgettext) is not installed: apt-get install gettext")
    project = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    for name in (*CATALOGUE_SOURCES, "manage.py"):
        source = project / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("locale", "__pycache__"))
        else:
            shutil.copy(source, copy / name)
    (copy / "ramconsole" / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--verbosity", "0"],
        cwd=copy,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "ramconsole.settings"},
    )
    fresh = polib.pofile(str(copy / "ramconsole" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed = {(entry.msgctxt, entry.msgid) for entry in _catalogue()}
    missing = sorted(entry.msgid for entry in fresh if (entry.msgctxt, entry.msgid) not in committed)
    assert len(fresh) > 400, "makemessages found too few strings to judge"
    assert not missing, f"marked but not in {PO_FILE} (run `make messages` and translate): {missing}"


# What `make messages` reads: the apps and the templates (not tests, benchmarks, scripts or .venv).
CATALOGUE_SOURCES = ("ramconsole", "accounts", "security", "accesskeys", "mfa", "reports", "templates")


# --- Every page in Chinese -----------------------------------------------------------------------

NOT_PAGES = frozenset({"health", "accounts:home", "accounts:logout"})  # JSON probe, redirect, POST only


def _in_chinese(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    return client


def _world_data(walked: World) -> list[str]:
    data = list(walked.a_markers())
    for principal in Principal.objects.filter(account=walked.account_b):
        data += [principal.email, principal.name, principal.display_name]
    return [value for value in data if value]


def _chinese_mail_in_outbox(walked: World) -> None:
    """The Outbox lists mail in its recipients' last choice: here everyone of account A chose Chinese."""
    OutboxMessage.objects.all().delete()
    Principal.objects.filter(account=walked.account_a).update(language=ZH)
    with TestCase.captureOnCommitCallbacks(execute=True):  # as when the service's change commits
        notices.access_key_created(
            owner=Principal.objects.get(pk=walked.victim.pk),
            access_key_id="LTAI5tTESTKEY",
            created_by="root",
            at=timezone.now(),
        )


@pytest.fixture
def pages(world: World) -> list[tuple[str, str, Client]]:  # noqa: F811
    """(label, url, client) of every console page, each requested by a persona allowed to see it."""
    _chinese_mail_in_outbox(world)
    root = _in_chinese(Client())
    root.force_login(selectors.root_of(world.account_a), backend="accounts.backends.LogonNameBackend")
    own = _in_chinese(world.clients["self_service"])
    readonly = _in_chinese(world.clients["readonly"])
    anonymous = _in_chinese(Client())
    found = []
    for route in all_routes():
        if allow_list_reason(route) is not None or route.name in NOT_PAGES:
            continue
        client = anonymous if route.name in PUBLIC else own if route.name in OWN_ONLY else root
        found.append((route.label, url_of(route, world), client))
        if client is root:  # what a read-only user is shown instead of the actions
            found.append((f"{route.label} as read-only", url_of(route, world), readonly))
    # Error pages: another account's object (404) and an administrator's page for a self-service user (403).
    found.append(("404", reverse("accounts:user-detail", kwargs={"user_id": "999999999"}), root))
    found.append(("403 or redirect", reverse("security:settings"), own))
    return found


def test_every_console_page_reads_in_chinese(pages: list[tuple[str, str, Client]], world: World) -> None:  # noqa: F811
    data = _world_data(world)
    checked, english = [], {}
    for label, url, client in pages:
        response = client.get(url)
        if response.status_code in (301, 302, 405) or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        assert f'<html lang="{ZH}"' in html, label
        checked.append(label)
        words = english_words(html, data=data)
        if words:
            english[f"{label} {url}"] = sorted(set(words))
    assert len(checked) >= 25, f"too few pages rendered to judge: {checked}"
    assert not english, "English left on pages shown in 简体中文 (mark and translate it):\n" + "\n".join(
        f"  {page}: {words}" for page, words in english.items()
    )


@pytest.mark.parametrize(
    ("setting", "step"),
    [
        ({"mfa_required": True}, "accounts:logon-mfa-enrol"),
        ({"password_reset_required": True}, "accounts:logon-password"),
        ("bound device", "accounts:logon-mfa"),
    ],
)
def test_the_logon_steps_read_in_chinese(
    setting: dict[str, bool] | str,
    step: str,
    account: Account,
    plain_user: Principal,
    world: World,  # noqa: F811
) -> None:
    """The pages between password and session, which the page walk cannot reach without a pending logon."""
    if setting == "bound device":
        bind_device(plain_user, timezone.now())
    else:
        login_profile_services.login_profile_update(actor=Actor(selectors.root_of(account)), user=plain_user, **setting)
    browser = _in_chinese(Client())
    response = browser.post(reverse("accounts:logon"), {"logon_name": plain_user.upn, "password": USER_PASSWORD})
    assert response["Location"] == reverse(step)
    page = browser.get(reverse(step))
    if step == "accounts:logon-mfa-enrol":  # the scan step comes after Next
        page = browser.get(browser.post(reverse(step), {"start": "1"})["Location"])
    assert page.status_code == 200
    assert english_words(page.content.decode(), data=[*_world_data(world), plain_user.upn]) == []


FORMS_WITH_ERRORS = (
    "accounts:user-create",
    "security:password-policy",
    "security:security-preference",
    "security:default-domain",
    "security:domain-alias-create",
    "security:root-login-mask",
    "security:root-password-verify",
)


@pytest.mark.parametrize("name", FORMS_WITH_ERRORS)
def test_forms_sent_with_bad_values_answer_in_chinese(name: str, root_client: Client, world: World) -> None:  # noqa: F811
    """A form sent with every field empty or malformed comes back with its errors, all in Chinese."""
    bad = {"name": "-", "minimum_length": "x", "login_session_hours": "99", "alias": "--", "domain": "bad..domain"}
    masks = {"login_network_masks": "300.1.1.1", "login_mask": "300.1.1.1"}
    response = _in_chinese(root_client).post(reverse(name), {**bad, **masks})
    assert response.status_code == 200, response.get("Location")
    html = response.content.decode()
    assert "is-invalid" in html or 'role="alert"' in html, "the form was not refused"
    assert english_words(html, data=_world_data(world)) == []


def test_the_form_expired_page_reads_in_chinese(root: Principal, world: World) -> None:  # noqa: F811
    """The CSRF failure page (a form sent without its token), which no GET reaches."""
    browser = _in_chinese(Client(enforce_csrf_checks=True))
    browser.force_login(root, backend="accounts.backends.LogonNameBackend")
    response = browser.post(reverse("security:password-policy"), {"minimum_length": "12"})
    assert response.status_code == 403
    assert english_words(response.content.decode(), data=_world_data(world)) == []


@pytest.mark.django_db(transaction=True)
def test_the_database_outage_page_reads_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 503 page (PostgreSQL unreachable), rendered without a request by the outage middleware."""

    def refuse() -> None:
        raise OperationalError("connection refused")

    browser = _in_chinese(Client())
    monkeypatch.setattr(connection, "ensure_connection", refuse)
    response = browser.post(reverse("accounts:logon"), {"logon_name": "root@example.com", "password": "x"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "控制台暂时不可用。" in html and f'<html lang="{ZH}"' in html
    assert english_words(html, data=[]) == []


@pytest.mark.parametrize("handler", [errors.server_error, errors.bad_request])
def test_the_error_pages_no_url_reaches_read_in_chinese(handler: Callable[..., Any], rf: Any) -> None:
    """500 and 400: Django's handlers, built in the visitor's language like every page."""
    with translation.override(ZH):
        response = handler(rf.get("/users/"))
    html = response.content.decode()
    assert f'<html lang="{ZH}"' in html
    assert english_words(html, data=[]) == []


def test_a_refused_form_value_is_explained_in_chinese(root_client: Client) -> None:
    """Edit Password Rule with a length below RAM's range (8-32): the refusal, with the range, in Chinese."""
    form = {
        "minimum_length": "7",
        "minimum_different_characters": "0",
        "allow_user_name_in_password": "true",
        "max_password_age_days": "0",
        "hard_expiry": "false",
        "reuse_prevention": "0",
        "max_login_attempts": "0",
        "save": "OK",
    }
    response = _in_chinese(root_client).post(reverse("security:password-policy"), form)
    assert response.status_code == 200
    errors = " ".join(str(e) for e in response.context["form"].errors.get("minimum_length", []))
    assert "8" in errors and "32" in errors and re.search(r"[\u4e00-\u9fff]", errors), errors
    assert not re.search(r"[A-Za-z]{3,}", errors), errors


# --- Choosing the language -----------------------------------------------------------------------


def _language_of(response: Any) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_accept_language_decides_a_first_visit(db: None) -> None:
    assert _language_of(Client(headers={"accept-language": "zh-CN,zh;q=0.9"}).get(reverse("accounts:logon"))) == ZH
    assert _language_of(Client(headers={"accept-language": "en-US,en;q=0.9"}).get(reverse("accounts:logon"))) == "en"
    assert _language_of(Client().get(reverse("accounts:logon"))) == "en"


def test_the_cookie_choice_beats_accept_language(db: None) -> None:
    browser = Client(headers={"accept-language": "zh-CN"})
    response = browser.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:logon")})
    assert response.status_code == 302 and response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert _language_of(browser.get(reverse("accounts:logon"))) == "en"


def test_a_language_chosen_on_the_logon_page_becomes_the_identity_choice(
    account: Account, plain_user: Principal
) -> None:
    browser = Client()
    browser.post(reverse("set_language"), {"language": ZH, "next": reverse("accounts:logon")})
    response = browser.post(reverse("accounts:logon"), {"logon_name": plain_user.upn, "password": USER_PASSWORD})
    assert response.status_code == 302
    plain_user.refresh_from_db()
    assert plain_user.language == ZH


def test_a_choice_on_the_logon_page_replaces_an_older_identity_choice(account: Account, plain_user: Principal) -> None:
    Principal.objects.filter(pk=plain_user.pk).update(language="en")
    browser = Client()
    browser.post(reverse("set_language"), {"language": ZH, "next": reverse("accounts:logon")})
    response = browser.post(reverse("accounts:logon"), {"logon_name": plain_user.upn, "password": USER_PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ZH
    plain_user.refresh_from_db()
    assert plain_user.language == ZH


def test_the_identity_choice_follows_it_to_another_browser(account: Account, plain_user: Principal) -> None:
    first = Client()
    first.force_login(plain_user, backend="accounts.backends.LogonNameBackend")
    first.post(reverse("set_language"), {"language": ZH, "next": "/"})
    plain_user.refresh_from_db()
    assert plain_user.language == ZH

    other_browser = Client(headers={"accept-language": "en"})
    response = other_browser.post(reverse("accounts:logon"), {"logon_name": plain_user.upn, "password": USER_PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ZH
    assert _language_of(other_browser.get(reverse("security:self-service"))) == ZH


def test_an_unknown_language_is_not_stored(account: Account, root: Principal) -> None:
    browser = Client()
    browser.force_login(root, backend="accounts.backends.LogonNameBackend")
    response = browser.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    root.refresh_from_db()
    assert root.language == ""


# --- Mail in the recipient's language ------------------------------------------------------------


def test_mail_is_written_in_each_recipient_language(account: Account, plain_user: Principal) -> None:
    root = selectors.root_of(account)
    Principal.objects.filter(pk=root.pk).update(language=ZH)
    Principal.objects.filter(pk=plain_user.pk).update(language="en", email="carol@example.com")
    OutboxMessage.objects.all().delete()
    with TestCase.captureOnCommitCallbacks(execute=True):  # as when the service's change commits
        notices.access_key_created(
            owner=Principal.objects.get(pk=plain_user.pk), access_key_id="LTAI5tX", created_by="root", at=timezone.now()
        )
    by_recipient = {message.recipients: message for message in OutboxMessage.objects.all()}
    assert by_recipient[root.email].subject == "【阿里云】已创建新的AccessKey"
    assert "AccessKey ID：LTAI5tX" in by_recipient[root.email].body  # noqa: RUF001  (Chinese punctuation)
    assert by_recipient["carol@example.com"].subject == "[Alibaba Cloud] A new AccessKey was created"
    assert len(mail.outbox) == 0  # the Outbox backend kept them


@pytest.mark.django_db(transaction=True)  # mail is sent when a change commits
def test_the_verification_code_mail_names_its_purpose_in_the_recipient_language(account: Account) -> None:
    root = selectors.root_of(account)
    Principal.objects.filter(pk=root.pk).update(language=ZH)
    OutboxMessage.objects.all().delete()
    verification_services.verification_code_send(actor=Actor(Principal.objects.get(pk=root.pk)))
    message = OutboxMessage.objects.get()
    assert message.subject == "【阿里云】您的验证码"
    assert "您用于身份验证的验证码为" in message.body and not re.search(r"[A-Za-z]{3,}", message.body), message.body


# --- The API stays English -----------------------------------------------------------------------


def test_api_answers_in_english_whatever_the_language(account: Account, root: Principal) -> None:
    """RAM's codes and messages are English; a Chinese cookie or Accept-Language changes nothing."""
    browser = Client(headers={"accept-language": "zh-CN,zh;q=0.9"})
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    cases = {
        ("InvalidVersion", "Specified parameter Version is not valid."): {"Action": "GetUser", "Version": "2000-01-01"},
        ("InvalidAction.NotFound", "Specified api is not found, please check your url and method."): {
            "Action": "NoSuchAction",
            "Version": "2015-05-01",
        },
    }
    for (code, message), params in cases.items():
        response = browser.get("/", params)
        body = response.json()
        assert (body["Code"], body["Message"]) == (code, message)
        assert "Content-Language" not in response
    # A signed call refused by a policy rule: the same rule the console words in Chinese.
    response = browser.get("/", {"Action": "GetUser", "Version": "2015-05-01", "AccessKeyId": "LTAI5tNOSUCHKEY"})
    assert not re.search(r"[\u4e00-\u9fff]", response.content.decode())


def test_a_policy_refusal_through_the_api_is_rams_english_in_any_language(account: Account, root: Principal) -> None:
    """The same rule the console words in Chinese (Password Length 8-32) answers in RAM's English."""
    created = access_key_services.access_key_create(actor=Actor(root), user=root)
    key = Key(created.access_key.access_key_id, created.secret)
    answers = []
    for language in ("en", ZH):
        browser = Client(headers={"accept-language": "zh-CN" if language == ZH else "en"})
        browser.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        query = signed_v1_query(key, "SetPasswordPolicy", MinimumPasswordLength="7")
        response = browser.post(f"/?{query}")
        answers.append((response.status_code, response.json()["Code"], response.json()["Message"]))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400 and "MinimumPasswordLength" in answers[0][2]
    assert not re.search(r"[\u4e00-\u9fff]", answers[1][2])


def test_logon_with_a_wrong_password_says_so_in_chinese(account: Account, root: Principal) -> None:
    response = _in_chinese(Client()).post(
        reverse("accounts:logon"), {"logon_name": root.email, "password": ROOT_PASSWORD + "x"}
    )
    assert "登录名称或密码错误。" in response.content.decode()


def test_a_page_in_english_is_unchanged(root_client: Client) -> None:
    response = root_client.get(reverse("accounts:overview"))
    assert _language_of(response) == "en" and "Security Check" in response.content.decode()


@pytest.mark.parametrize("state", ["STARTED", "INPROGRESS", "COMPLETED", "FAILED"])
def test_the_credential_report_page_reads_in_chinese_in_every_state(
    state: str,
    root: Principal,
    world: World,  # noqa: F811
) -> None:
    """The page walk sees no report; here one exists, in each of RAM's states."""
    CredentialReport.objects.create(
        account=root.account, state=state, requested_at=clock.now(root.account), users_total=20, users_done=10
    )
    browser = _in_chinese(Client())
    browser.force_login(root, backend="accounts.backends.LogonNameBackend")
    page = browser.get(reverse("reports:credential")).content.decode()
    assert english_words(page, data=_world_data(world)) == []
    progress = browser.get(reverse("reports:credential-progress")).json()
    assert progress["state"] == state  # RAM's code stays for scripts; the label is for people
    assert english_words(f"<p>{progress['label']} {progress['text']}</p>", data=[]) == []
