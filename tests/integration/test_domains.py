"""Default domain (account alias) and domain alias with a real DNS TXT query to the sandbox DNS server."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts import selectors
from accounts.actors import Actor
from accounts.models import Account, Principal
from security import policy
from security import services as security_services
from security.errors import EntityAlreadyExists, InvalidParameter
from security.models import DomainAlias, Event
from tests.conftest import USER_PASSWORD, free_port

LOGON = reverse("accounts:logon")
ADVANCED = "/settings/?tab=advanced"


def _logon(name: str, password: str = USER_PASSWORD):
    return Client().post(LOGON, {"logon_name": name, "password": password})


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("ab", "InvalidParameter.AccountAlias.Length"),
        ("a" * 33, "InvalidParameter.AccountAlias.Length"),
        ("Upper", "InvalidParameter.AccountAlias.Format"),
        ("-lead", "InvalidParameter.AccountAlias.Format"),
        ("trail-", "InvalidParameter.AccountAlias.Format"),
        ("dou--ble", "InvalidParameter.AccountAlias.Format"),
        ("under_score", "InvalidParameter.AccountAlias.Format"),
    ],
)
def test_alias_rules(alias: str, code: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        policy.check_account_alias(alias)
    assert refused.value.code == code


@pytest.mark.parametrize("alias", ["abc", "a" * 32, "my-company-2"])
def test_alias_bounds_accepted(alias: str) -> None:
    policy.check_account_alias(alias)


def test_update_domain_moves_every_upn(account: Account, root: Principal, ram_user_factory, client_for) -> None:
    ram_user_factory(account, "alice")
    client = client_for(root)
    taken = Account.objects.create(account_id="9999999999999999", alias="taken")
    assert taken.alias == "taken"
    refused = client.post(reverse("security:default-domain"), {"alias": "taken"})
    assert refused.context["form"].has_error("alias", code="EntityAlreadyExists.AccountAlias")
    bad = client.post(reverse("security:default-domain"), {"alias": "Bad--Alias"})
    assert len(bad.context["form"].errors["alias"]) == 2  # each violation named
    assert client.post(reverse("security:default-domain"), {"alias": "newco"})["Location"] == ADVANCED
    assert _logon("alice@newco.onaliyun.com").status_code == 302
    assert _logon("alice@acme.onaliyun.com").status_code == 200  # the old UPN stops working
    assert Event.objects.filter(action="SetAccountAlias", result="Success").get().detail == {
        "old": "acme",
        "new": "newco",
    }


def test_clear_alias_returns_to_account_id(account: Account, root: Principal) -> None:
    security_services.account_alias_clear(actor=Actor(root))
    account.refresh_from_db()
    assert account.alias == account.account_id


@pytest.mark.parametrize(
    ("domain", "code"),
    [
        ("localhost", "InvalidParameter.DomainName.Format"),
        ("exa mple.com", "InvalidParameter.DomainName.Format"),
        ("-bad.com", "InvalidParameter.DomainName.Format"),
        ("example.c0m", "InvalidParameter.DomainName.Format"),
        ("x.onaliyun.com", "InvalidParameter.DomainName.Reserved"),
    ],
)
def test_domain_alias_names(root: Principal, domain: str, code: str) -> None:
    with pytest.raises(InvalidParameter) as refused:
        security_services.domain_alias_create(actor=Actor(root), domain=domain)
    assert refused.value.code == code


def test_a_domain_belongs_to_one_account(root: Principal, account_factory) -> None:
    security_services.domain_alias_create(actor=Actor(root), domain="Example.COM.")
    assert DomainAlias.objects.get().domain == "example.com"
    other = selectors.root_of(account_factory(alias="other"))
    with pytest.raises(EntityAlreadyExists):
        security_services.domain_alias_create(actor=Actor(other), domain="example.com")


@pytest.mark.django_db(transaction=True)  # the DNS server thread reads committed records
def test_verification_through_a_real_dns_query(sandbox_dns_server, account, root, ram_user_factory, client_for):
    ram_user_factory(account, "alice")
    client = client_for(root)
    client.post(reverse("security:domain-alias-create"), {"domain": "corp.example"})
    alias = DomainAlias.objects.get()
    assert alias.verification_value.startswith("aliyun-site-verification=")
    assert alias.verification_value in client.get(ADVANCED).content.decode()

    def verify() -> str:
        response = client.post(reverse("security:domain-alias-verify"), follow=True)
        return [str(m) for m in response.context["messages"]][-1]

    assert verify() == "No TXT record was found on the domain."
    client.post(reverse("security:dns-record-create"), {"name": "corp.example", "value": "something-else"})
    assert "Found: something-else" in verify()
    assert _logon("alice@corp.example").status_code == 200  # not verified yet
    client.post(reverse("security:dns-record-create"), {"name": "corp.example", "value": alias.verification_value})
    assert verify() == "The domain ownership is verified."
    assert _logon("alice@corp.example").status_code == 302
    assert _logon("alice@acme.onaliyun.com").status_code == 302  # the default domain keeps working
    assert selectors.ram_user_get_by_name(account=account, name="alice").upn == "alice@corp.example"
    results = list(Event.objects.filter(action="VerifyDomainAlias").values_list("result", flat=True).order_by("id"))
    assert results == ["DomainVerification.NoRecord", "DomainVerification.WrongValue", "Success"]


@pytest.mark.django_db(transaction=True)
def test_unreachable_resolver_says_so(settings, root, client_for) -> None:
    settings.RAMCONSOLE_DNS_RESOLVER = "127.0.0.1"
    settings.RAMCONSOLE_DNS_PORT = free_port()  # nothing listens there
    settings.RAMCONSOLE_DNS_TIMEOUT = 0.5
    client = client_for(root)
    client.post(reverse("security:domain-alias-create"), {"domain": "nowhere.example"})
    response = client.post(reverse("security:domain-alias-verify"), follow=True)
    message = next(str(m) for m in response.context["messages"])
    assert message.startswith("The DNS query")
    assert not DomainAlias.objects.get().is_verified


def test_read_only_user_cannot_change_domains(readonly_user: Principal, client_for) -> None:
    client = client_for(readonly_user)
    assert client.post(reverse("security:default-domain"), {"alias": "hijack"}).status_code == 403
    assert client.post(reverse("security:domain-alias-create"), {"domain": "x.example"}).status_code == 403
    assert client.get(reverse("security:dns-records")).status_code == 200
    assert client.post(reverse("security:dns-record-create"), {"name": "x.example", "value": "v"}).status_code == 403
