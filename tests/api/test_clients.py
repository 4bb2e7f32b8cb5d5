"""The SDK clients themselves, configured as RAM-API.md §6 says: what each returns and raises."""

from __future__ import annotations

import json

import pytest
from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkram.request.v20150501.GetPasswordPolicyRequest import GetPasswordPolicyRequest
from aliyunsdkram.request.v20150501.GetUserRequest import GetUserRequest

from accounts.models import Principal
from tests.api.conftest import REQUEST_ID


def test_legacy_client_returns_json_bytes(legacy_client: AcsClient, plain_user: Principal) -> None:
    body = legacy_client.do_action_with_exception(GetPasswordPolicyRequest())
    assert isinstance(body, bytes)
    answer = json.loads(body)
    assert REQUEST_ID.fullmatch(answer["RequestId"])
    assert answer["PasswordPolicy"]["MinimumPasswordLength"] == 8

    request = GetUserRequest()
    request.set_UserName("carol")
    assert json.loads(legacy_client.do_action_with_exception(request))["User"]["UserId"] == plain_user.user_id


def test_legacy_client_raises_server_exception(legacy_client: AcsClient, root: Principal) -> None:
    request = GetUserRequest()
    request.set_UserName("ghost")
    with pytest.raises(ServerException) as caught:
        legacy_client.do_action_with_exception(request)
    assert caught.value.get_error_code() == "EntityNotExist.User"
    assert caught.value.get_http_status() == 404
    assert REQUEST_ID.fullmatch(caught.value.get_request_id())


@pytest.mark.parametrize("client_fixture", ["tea_ram_client", "tea_ram_v2_client"])
def test_tea_ram_clients_return_typed_models(
    request: pytest.FixtureRequest, client_fixture: str, plain_user: Principal
) -> None:
    client: RamClient = request.getfixturevalue(client_fixture)
    response = client.get_password_policy()
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.body.password_policy.minimum_password_length == 8
    assert REQUEST_ID.fullmatch(response.body.request_id)

    user = client.get_user(ram_models.GetUserRequest(user_name="carol")).body.user
    assert (user.user_name, user.user_id) == ("carol", plain_user.user_id)

    with pytest.raises(ClientException) as caught:
        client.get_user(ram_models.GetUserRequest(user_name="ghost"))
    assert (caught.value.code, caught.value.status_code) == ("EntityNotExist.User", 404)
    assert caught.value.data["statusCode"] == 404


def test_tea_ims_client_returns_typed_models(tea_ims_client: ImsClient, plain_user: Principal) -> None:
    assert tea_ims_client.get_account_mfainfo().body.is_mfaenable is False
    user = tea_ims_client.get_user(ims_models.GetUserRequest(user_principal_name="carol@acme.onaliyun.com")).body.user
    assert (user.user_principal_name, user.user_id) == ("carol@acme.onaliyun.com", plain_user.user_id)
    policy = tea_ims_client.get_password_policy().body.password_policy
    assert policy.hard_expire is False
    assert policy.minimum_password_length == 8
