"""User-based SSO logon at the ACS: a Response signed by the account's IdP logs its RAM user on through
the console's logon pipeline; every refusal is the one generic page and an event with its reason.
Responses are built and signed here (tests/saml_responses.py), forgeries with a second key pair."""

from __future__ import annotations

import base64
import copy
import re
import zlib
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import etree
from signxml.exceptions import SignXMLException

from accounts import sandbox_idp
from accounts.models import Account, Principal
from security import policy
from security.models import DomainAlias, Event, SamlAssertionSeen, SecurityPreference, UserSsoSettings
from tests import saml_responses as idp
from tests.conftest import ROOT_PASSWORD, USER_PASSWORD, bind_device

ACS = reverse("accounts:saml-acs")
REFUSED = "The SSO logon failed."


@pytest.fixture
def sso(account: Account) -> UserSsoSettings:
    return UserSsoSettings.objects.create(
        account=account,
        enabled=True,
        idp_entity_id=idp.IDP_ENTITY_ID,
        idp_sso_url=idp.IDP_SSO_URL,
        idp_certificates=[idp.trusted().certificate_pem],
        authn_sign_algo="rsa-sha256",
    )


@pytest.fixture
def response_for(account: Account) -> Callable[..., etree._Element]:
    """A Response for `account`'s SP with the given NameID (and overrides), not yet signed."""

    def make(name_id: str = "alice@acme.onaliyun.com", **overrides: object) -> etree._Element:
        overrides.setdefault("audience", policy.sso.sp_entity_id(account))
        return idp.response_xml(name_id=name_id, **overrides)

    return make


def _post(client: Client, response: etree._Element | str, **data: str):
    encoded = response if isinstance(response, str) else idp.encode(response)
    return client.post(ACS, {"SAMLResponse": encoded, **data})


def _last_logon() -> Event:
    return Event.objects.filter(action="ConsoleLogon").latest("pk")


def _assert_refused(answer, reason: str) -> Event:
    assert answer.status_code == 403
    assert REFUSED in answer.content.decode()
    assert "_auth_user_id" not in answer.wsgi_request.session
    event = _last_logon()
    assert event.result == reason
    assert event.detail["method"] == "SAML"
    return event


def test_idp_initiated_logon_lands_on_the_console(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    client = Client()
    answer = _post(client, idp.sign_response(response_for(), idp.trusted()))
    assert answer.status_code == 302
    assert answer["Location"] == reverse("accounts:overview")
    assert client.get(reverse("accounts:overview")).status_code == 200
    assert client.get(reverse("accounts:user-list")).status_code == 200
    event = _last_logon()
    assert event.succeeded and event.actor == admin_user and event.detail["method"] == "SAML"
    admin_user.refresh_from_db()
    assert admin_user.last_login is not None


def test_a_signed_assertion_in_an_unsigned_response_is_enough(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    client = Client()
    answer = _post(client, idp.sign_assertion(response_for(), idp.trusted()))
    assert answer.status_code == 302
    assert client.get(reverse("accounts:overview")).status_code == 200


def test_relay_state_path_is_followed_and_other_hosts_are_not(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    answer = _post(Client(), idp.sign_response(response_for(), idp.trusted()), RelayState="/users/")
    assert answer["Location"] == "/users/"
    answer = _post(Client(), idp.sign_response(response_for(), idp.trusted()), RelayState="https://evil.example/")
    assert answer["Location"] == reverse("accounts:overview")


def test_rsa_sha1_is_accepted_only_while_authn_sign_algo_is_rsa_sha1(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    answer = _post(Client(), idp.sign_response(response_for(), idp.trusted(), algorithm="rsa-sha1"))
    _assert_refused(answer, "SamlSignatureInvalid")
    UserSsoSettings.objects.filter(pk=sso.pk).update(authn_sign_algo="rsa-sha1")
    answer = _post(Client(), idp.sign_response(response_for(), idp.trusted(), algorithm="rsa-sha1"))
    assert answer.status_code == 302


def test_unsigned_response_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    event = _assert_refused(_post(Client(), response_for()), "SamlSignatureInvalid")
    assert event.detail["saml_error"] == "unsigned"
    assert event.account_id == sso.account_id


@pytest.mark.parametrize("sign", [idp.sign_response, idp.sign_assertion])
def test_signed_by_another_key_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element], sign: Callable
) -> None:
    event = _assert_refused(_post(Client(), sign(response_for(), idp.forger())), "SamlSignatureInvalid")
    assert event.detail["saml_error"] == "bad_signature"


def test_a_changed_signed_response_is_refused(
    sso: UserSsoSettings, admin_user: Principal, plain_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    signed = idp.sign_response(response_for(), idp.trusted())
    name_id = signed.find(f".//{{{idp.ASSERTION_NS}}}NameID")
    name_id.text = "carol@acme.onaliyun.com"
    _assert_refused(_post(Client(), signed), "SamlSignatureInvalid")


def _evil_assertion(response_for: Callable[..., etree._Element]) -> etree._Element:
    """An unsigned Assertion naming another user: what a wrapping attacker injects."""
    return idp.assertion_of(response_for("carol@acme.onaliyun.com"))


def test_wrapping_an_unsigned_assertion_beside_the_signed_one_is_refused(
    sso: UserSsoSettings, admin_user: Principal, plain_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    response = idp.sign_assertion(response_for(), idp.trusted())
    signed = idp.assertion_of(response)
    signed.addprevious(_evil_assertion(response_for))  # the evil one first, where a naive reader looks
    event = _assert_refused(_post(Client(), response), "SamlSignatureInvalid")
    assert event.detail["saml_error"] == "wrapped"
    assert event.actor is None


def test_wrapping_the_signed_assertion_inside_an_unsigned_one_is_refused(
    sso: UserSsoSettings, admin_user: Principal, plain_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    response = idp.sign_assertion(response_for(), idp.trusted())
    signed = idp.assertion_of(response)
    evil = _evil_assertion(response_for)
    extensions = etree.SubElement(evil.find(f"{{{idp.ASSERTION_NS}}}Subject"), f"{{{idp.ASSERTION_NS}}}Advice")
    response.replace(signed, evil)
    extensions.append(signed)
    _assert_refused(_post(Client(), response), "SamlSignatureInvalid")


def test_wrapping_a_signed_response_in_an_unsigned_one_is_refused(
    sso: UserSsoSettings, admin_user: Principal, plain_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    signed = idp.sign_response(response_for(), idp.trusted())
    outer = response_for("carol@acme.onaliyun.com")
    extensions = etree.Element(f"{{{idp.PROTOCOL_NS}}}Extensions")
    extensions.append(copy.deepcopy(signed))
    outer.insert(1, extensions)
    _assert_refused(_post(Client(), outer), "SamlSignatureInvalid")
    assert not Event.objects.filter(action="ConsoleLogon", result="Success").exists()


def test_audience_of_no_account_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    response = response_for(audience="https://signin.aliyun.com/saml/SSO")
    event = _assert_refused(_post(Client(), idp.sign_response(response, idp.trusted())), "SamlAudienceMismatch")
    assert event.account_id is None


def test_audience_of_another_account_is_judged_by_that_account(
    sso: UserSsoSettings,
    admin_user: Principal,
    response_for: Callable[..., etree._Element],
    account_factory: Callable[..., Account],
) -> None:
    other = account_factory(alias="other")
    response = response_for(audience=policy.sso.sp_entity_id(other))
    event = _assert_refused(_post(Client(), idp.sign_response(response, idp.trusted())), "SsoDisabled")
    assert event.account_id == other.pk


def test_wrong_destination_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    response = response_for(destination="https://elsewhere.example/saml/acs/")
    for sign in (idp.sign_response, idp.sign_assertion):
        answer = _post(Client(), sign(copy.deepcopy(response), idp.trusted()))
        _assert_refused(answer, "SamlDestinationMismatch")


def test_wrong_issuer_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    response = response_for(issuer="https://another-idp.example/")
    _assert_refused(_post(Client(), idp.sign_response(response, idp.trusted())), "SamlIssuerMismatch")


@pytest.mark.parametrize(
    ("clock_offset", "refused"),
    [
        (timedelta(minutes=-10), True),  # before NotBefore (beyond the skew)
        (timedelta(minutes=-1), False),  # within the skew
        (timedelta(minutes=6), False),  # after NotOnOrAfter, within the skew
        (timedelta(minutes=8), True),  # after NotOnOrAfter
    ],
)
def test_time_window_is_judged_on_the_account_clock(
    sso: UserSsoSettings,
    admin_user: Principal,
    response_for: Callable[..., etree._Element],
    clock_offset: timedelta,
    refused: bool,
) -> None:
    response = idp.sign_response(response_for(), idp.trusted())  # valid from now-30s to now+5min, real time
    Account.objects.filter(pk=sso.account_id).update(clock_offset=clock_offset)
    answer = _post(Client(), response)
    if refused:
        _assert_refused(answer, "SamlExpired")
    else:
        assert answer.status_code == 302


def test_replayed_assertion_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    encoded = idp.encode(idp.sign_response(response_for(), idp.trusted()))
    assert _post(Client(), encoded).status_code == 302
    _assert_refused(_post(Client(), encoded), "SamlReplayed")
    assert SamlAssertionSeen.objects.filter(account=sso.account).count() == 1


def test_the_replay_guard_forgets_only_assertions_expired_on_every_clock(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    now = timezone.now()
    SamlAssertionSeen.objects.create(account=sso.account, assertion_id="_old", not_on_or_after=now - timedelta(hours=1))
    SamlAssertionSeen.objects.create(account=sso.account, assertion_id="_recent", not_on_or_after=now)
    assert _post(Client(), idp.sign_response(response_for(), idp.trusted())).status_code == 302
    kept = set(SamlAssertionSeen.objects.filter(account=sso.account).values_list("assertion_id", flat=True))
    assert "_old" not in kept and "_recent" in kept and len(kept) == 2


def test_unknown_user_is_refused(sso: UserSsoSettings, response_for: Callable[..., etree._Element]) -> None:
    response = response_for("nobody@acme.onaliyun.com")
    event = _assert_refused(_post(Client(), idp.sign_response(response, idp.trusted())), "InvalidLogonName")
    assert event.actor_name == "nobody@acme.onaliyun.com"


def test_user_without_console_logon_is_refused(
    sso: UserSsoSettings,
    account: Account,
    ram_user_factory: Callable[..., Principal],
    response_for: Callable[..., etree._Element],
) -> None:
    program = ram_user_factory(account, "robot", password=None)
    response = response_for("robot@acme.onaliyun.com")
    event = _assert_refused(_post(Client(), idp.sign_response(response, idp.trusted())), "ConsoleLogonDisabled")
    assert event.actor == program


def test_sso_off_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    UserSsoSettings.objects.filter(pk=sso.pk).update(enabled=False)
    _assert_refused(_post(Client(), idp.sign_response(response_for(), idp.trusted())), "SsoDisabled")


def test_logon_address_mask_excluding_the_client_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    SecurityPreference.objects.update_or_create(account=sso.account, defaults={"login_network_masks": "10.0.0.0/8"})
    event = _assert_refused(_post(Client(), idp.sign_response(response_for(), idp.trusted())), "LoginMaskRefused")
    assert event.actor == admin_user and event.source_ip == "127.0.0.1"
    answer = _post(Client(REMOTE_ADDR="10.1.2.3"), idp.sign_response(response_for(), idp.trusted()))
    assert answer.status_code == 302


def test_empty_or_garbage_response_is_the_same_refusal(sso: UserSsoSettings) -> None:
    assert Client().post(ACS, {}).status_code == 403
    _assert_refused(_post(Client(), "not base64!"), "SamlSignatureInvalid")
    _assert_refused(_post(Client(), base64.b64encode(b"<x/>").decode()), "SamlSignatureInvalid")
    entity = base64.b64encode(b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>').decode()
    _assert_refused(_post(Client(), entity), "SamlSignatureInvalid")


@pytest.mark.parametrize("stamp", ["2026-13-45T00:00:00Z", "yesterday", "2026-01-01T00:00:00"])
def test_a_signed_response_with_a_bad_time_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element], stamp: str
) -> None:
    response = response_for()
    idp.assertion_of(response).find(f"{{{idp.ASSERTION_NS}}}Conditions").set("NotOnOrAfter", stamp)
    event = _assert_refused(_post(Client(), idp.sign_response(response, idp.trusted())), "SamlSignatureInvalid")
    assert event.detail["saml_error"] == "malformed"


@pytest.mark.parametrize("sign", [idp.sign_response, idp.sign_assertion])
def test_any_element_or_attribute_missing_is_a_refusal_never_an_error(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element], sign: Callable
) -> None:
    """Each element (but the root) removed, each attribute emptied, signed afterwards: 403 or a logon, never a 500."""
    template = response_for()
    elements = len(list(template.iter()))
    attributes = [(i, name) for i, e in enumerate(template.iter()) for name in e.attrib]
    statuses = set()
    for index in range(1, elements):
        response = copy.deepcopy(template)
        element = list(response.iter())[index]
        element.getparent().remove(element)
        statuses.add(_post(Client(), _signed_or_not(sign, response)).status_code)
    for index, name in attributes:
        response = copy.deepcopy(template)
        list(response.iter())[index].set(name, "")
        statuses.add(_post(Client(), _signed_or_not(sign, response)).status_code)
    assert statuses <= {302, 403}


def _signed_or_not(sign: Callable, response: etree._Element) -> etree._Element:
    """Signed when there is still something to sign (an assertion with an ID)."""
    try:
        return sign(response, idp.trusted())
    except (SignXMLException, AttributeError, TypeError, ValueError):  # nothing left to sign: post it unsigned
        return response


def test_acs_is_post_only(sso: UserSsoSettings) -> None:
    assert Client().get(ACS).status_code == 405


@pytest.mark.parametrize(
    ("login_with_domain", "name_id", "logs_on"),
    [
        (True, "alice@acme.onaliyun.com", True),
        (True, "ALICE@ACME.onaliyun.com", True),
        (True, "alice@corp.example", True),  # the verified domain alias
        (True, "alice@aux.example", False),  # the auxiliary domain is ignored while a domain alias is set
        (True, "alice", False),
        (True, "alice@other.onaliyun.com", False),
        (False, "alice", True),
        (False, "alice@acme.onaliyun.com", False),
    ],
)
def test_name_id_maps_to_the_ram_user_by_sso_login_with_domain(
    sso: UserSsoSettings,
    admin_user: Principal,
    response_for: Callable[..., etree._Element],
    login_with_domain: bool,
    name_id: str,
    logs_on: bool,
) -> None:
    DomainAlias.objects.create(account=sso.account, domain="corp.example", verified_at=timezone.now())
    UserSsoSettings.objects.filter(pk=sso.pk).update(
        login_with_domain=login_with_domain, auxiliary_domain="aux.example"
    )
    answer = _post(Client(), idp.sign_response(response_for(name_id), idp.trusted()))
    if logs_on:
        assert answer.status_code == 302
        assert _last_logon().actor == admin_user
    else:
        _assert_refused(answer, "InvalidLogonName")


def test_auxiliary_domain_maps_while_no_domain_alias_is_verified(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    DomainAlias.objects.create(account=sso.account, domain="corp.example")  # not verified
    UserSsoSettings.objects.filter(pk=sso.pk).update(auxiliary_domain="aux.example")
    assert _post(Client(), idp.sign_response(response_for("alice@aux.example"), idp.trusted())).status_code == 302
    answer = _post(Client(), idp.sign_response(response_for("alice@corp.example"), idp.trusted()))
    _assert_refused(answer, "InvalidLogonName")


def test_no_ram_mfa_step_after_an_sso_logon(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    bind_device(admin_user, timezone.now())
    client = Client()
    answer = _post(client, idp.sign_response(response_for(), idp.trusted()))
    assert answer["Location"] == reverse("accounts:overview")
    assert client.get(reverse("accounts:overview")).status_code == 200


def test_logon_session_valid_for_ends_an_sso_session(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    client = Client()
    assert _post(client, idp.sign_response(response_for(), idp.trusted())).status_code == 302
    hours = SecurityPreference.objects.get_or_create(account=sso.account)[0].login_session_duration_hours
    Account.objects.filter(pk=sso.account_id).update(clock_offset=timedelta(hours=hours, minutes=1))
    answer = client.get(reverse("accounts:overview"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("accounts:logon"))
    assert Event.objects.filter(action="ConsoleLogout", result="SessionExpired", actor=admin_user).exists()


def test_password_logon_of_ram_users_is_refused_while_sso_is_on(
    sso: UserSsoSettings, admin_user: Principal, root: Principal
) -> None:
    logon = reverse("accounts:logon")
    answer = Client().post(logon, {"logon_name": "alice@acme.onaliyun.com", "password": USER_PASSWORD})
    assert answer.status_code == 200
    assert _last_logon().result == "SsoLogonRequired"
    assert Client().post(logon, {"logon_name": root.email, "password": ROOT_PASSWORD}).status_code == 302
    UserSsoSettings.objects.filter(pk=sso.pk).update(enabled=False)
    answer = Client().post(logon, {"logon_name": "alice@acme.onaliyun.com", "password": USER_PASSWORD})
    assert answer.status_code == 302


def _redirect_request(location: str) -> tuple[etree._Element, dict[str, list[str]]]:
    query = parse_qs(urlsplit(location).query)
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), wbits=-15)
    return etree.fromstring(xml), query


def test_sp_initiated_logon_sends_a_signed_request_and_accepts_its_answer(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    client = Client()
    start = client.get(reverse("accounts:saml-login"), {"account": "acme", "next": "/users/"})
    assert start.status_code == 302 and start["Location"].startswith(idp.IDP_SSO_URL + "?")
    request, query = _redirect_request(start["Location"])
    assert request.get("AssertionConsumerServiceURL") == idp.ACS_URL
    assert request.get("Destination") == idp.IDP_SSO_URL
    assert request.findtext(f"{{{idp.ASSERTION_NS}}}Issuer") == policy.sso.sp_entity_id(sso.account)
    assert query["RelayState"] == ["/users/"]
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
    # The signature covers SAMLRequest, RelayState and SigAlg as sent; the SP's certificate verifies it.
    sso.refresh_from_db()
    public_key = x509.load_pem_x509_certificate(sso.sp_certificate.encode()).public_key()
    signed = urlencode([(name, query[name][0]) for name in ("SAMLRequest", "RelayState", "SigAlg")]).encode()
    public_key.verify(base64.b64decode(query["Signature"][0]), signed, padding.PKCS1v15(), hashes.SHA256())

    answer = _post(
        client,
        idp.sign_response(response_for(in_response_to=request.get("ID")), idp.trusted()),
        RelayState="/users/",
    )
    assert answer.status_code == 302 and answer["Location"] == "/users/"


def test_an_answer_to_another_browsers_request_is_refused(
    sso: UserSsoSettings, admin_user: Principal, response_for: Callable[..., etree._Element]
) -> None:
    start = Client().get(reverse("accounts:saml-login"), {"account": sso.account.account_id})
    request, _query = _redirect_request(start["Location"])
    response = idp.sign_response(response_for(in_response_to=request.get("ID")), idp.trusted())
    _assert_refused(_post(Client(), response), "SamlInResponseToMismatch")


def test_sp_initiated_start_needs_sso_on(sso: UserSsoSettings) -> None:
    answers = [Client().get(reverse("accounts:saml-login"), {"account": "nobody"})]
    UserSsoSettings.objects.filter(pk=sso.pk).update(enabled=False)
    answers.append(Client().get(reverse("accounts:saml-login"), {"account": "acme"}))
    for answer in answers:
        assert answer.status_code == 302 and answer["Location"] == reverse("accounts:logon")


def test_round_trip_through_the_sandbox_identity_provider(account: Account, admin_user: Principal, settings) -> None:
    """SP-initiated, end to end: our signed AuthnRequest, the sandbox IdP's picker, its signed Response, the ACS."""
    settings.RAMCONSOLE_DEMO_MODE = True
    provider = sandbox_idp.identity_provider_of(account)
    sso_url = "http://testserver" + reverse("accounts:sandbox-idp-sso", args=[provider.token])
    metadata = policy.sso.parse_idp_metadata(sandbox_idp.metadata_xml(provider, sso_url=sso_url))
    UserSsoSettings.objects.create(
        account=account,
        enabled=True,
        idp_entity_id=metadata.entity_id,
        idp_sso_url=metadata.sso_url,
        idp_certificates=list(metadata.certificates),
        login_with_domain=False,
    )
    client = Client()
    start = client.get(reverse("accounts:saml-login"), {"account": "acme", "next": "/users/"})
    assert start["Location"].startswith(sso_url)
    assert client.get(start["Location"]).status_code == 200  # the IdP accepted our request
    saml_request = parse_qs(urlsplit(start["Location"]).query)["SAMLRequest"][0]
    picked = client.post(
        reverse("accounts:sandbox-idp", args=[provider.token]),
        {"name_id": "alice", "saml_request": saml_request, "binding": "redirect", "relay_state": "/users/"},
    )
    posted = re.search(r'name="SAMLResponse" value="([^"]+)"', picked.content.decode())
    assert posted, picked.content.decode()
    answer = client.post(ACS, {"SAMLResponse": posted.group(1), "RelayState": "/users/"})
    assert answer.status_code == 302 and answer["Location"] == "/users/"
    assert client.get("/users/").status_code == 200
    assert _last_logon().actor == admin_user
