"""One signed SAML Response posted at once to several gunicorn workers logs on exactly once: the
replay guard is the database's unique constraint (security.models.SamlAssertionSeen), not memory."""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
import requests

from accounts.models import Account
from security import policy
from security.models import Event, UserSsoSettings
from tests import saml_responses as idp
from tests.multiworker.conftest import Server

pytestmark = pytest.mark.django_db(transaction=True)
COPIES = 8


def test_one_response_posted_to_several_workers_logs_on_once(
    gunicorn_server: Server, account: Account, ram_user_factory
) -> None:
    ram_user_factory(account, "alice")
    UserSsoSettings.objects.create(
        account=account,
        enabled=True,
        idp_entity_id=idp.IDP_ENTITY_ID,
        idp_sso_url=idp.IDP_SSO_URL,
        idp_certificates=[idp.trusted().certificate_pem],
    )
    acs = f"{gunicorn_server.url}/saml/acs/"
    response = idp.response_xml(
        name_id="alice@acme.onaliyun.com", audience=policy.sso.sp_entity_id(account), destination=acs
    )
    encoded = idp.encode(idp.sign_response(response, idp.trusted()))
    barrier = threading.Barrier(COPIES, timeout=30)
    outcomes: list[int] = []
    request_ids: set[str] = set()
    lock = threading.Lock()

    def post() -> None:
        request_id = uuid.uuid4().hex
        with requests.Session() as session:
            session.trust_env = False  # no proxy: the server is on loopback
            barrier.wait()
            answer = session.post(
                acs,
                data={"SAMLResponse": encoded},
                headers={"X-Request-ID": request_id},
                allow_redirects=False,
                timeout=20,
            )
        with lock:
            outcomes.append(answer.status_code)
            request_ids.add(request_id)

    threads = [threading.Thread(target=post) for _ in range(COPIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(outcomes) == Counter({302: 1, 403: COPIES - 1})
    results = Counter(Event.objects.filter(account=account, action="ConsoleLogon").values_list("result", flat=True))
    assert results == Counter({"Success": 1, "SamlReplayed": COPIES - 1})
    pids = gunicorn_server.pids_serving(request_ids)
    assert len(pids) >= 2, f"one worker served the whole race ({pids}): it proves nothing across processes"
