"""Every parameter the official SDKs can send for an action we register is declared by that action:
implemented, or refused with a documented error, never accepted and ignored (issue 21, item 3).

The wire names come from the SDKs themselves: each Tea client method is called with its
`<Action>Request` model filled in (every field set, lists with two items) and the query it would
send is caught before it leaves (`Tag.1.Key`, `Tag.2.Key` become `Tag.N.Key`; IMS
VerificationTypes goes as one JSON string); each legacy `aliyunsdkram` request has every setter
called. A few calls then go through the SDKs to the live server: a refused parameter gets its
error and changes nothing, the same call without it works.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from typing import Any

import pytest
from alibabacloud_ims20190815 import models as ims_models
from alibabacloud_ims20190815.client import Client as ImsClient
from alibabacloud_ram20150501 import models as ram_models
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi import models as open_api_models
from darabonba.model import DaraModel

from accounts.models import Account, PolicyAttachment, Principal
from ramconsole.gateway import actions
from security.models import PasswordPolicy
from tests.api.actions import params_of, registered_actions
from tests.api.conftest import IMS_VERSION, RAM_VERSION, REGION, Api, _tea_method

MODELS = {RAM_VERSION: ram_models, IMS_VERSION: ims_models}
CLIENTS = {RAM_VERSION: RamClient, IMS_VERSION: ImsClient}
LIST_INDEX = re.compile(r"\.\d+(?=\.|$)")
# AcsRequest's own setters (endpoint, method, headers, ...), not request parameters.
_LEGACY_PLUMBING = {
    name for name in dir(importlib.import_module("aliyunsdkcore.request").RpcRequest) if name.startswith("set_")
}


class _Caught(Exception):
    """Raised in place of sending: the call's query has been recorded."""


def _sample(hint: Any) -> Any:
    """A value of the field's type; lists get two items, so their wire names show the index."""
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        return [_sample(item), _sample(item)]
    if typing.get_origin(hint) is dict:
        return {"k": "v"}
    if isinstance(hint, type) and issubclass(hint, DaraModel):
        return _filled(hint)
    return {bool: True, int: 1, str: "x"}[hint]


def _filled(model: type[DaraModel]) -> DaraModel:
    hints = typing.get_type_hints(model.__init__)
    return model(**{name: _sample(hint) for name, hint in hints.items() if name != "return"})


def tea_wire_names(version: str, action: str) -> set[str]:
    """The parameter names the Tea client of `version` sends for `action`, lists as `Name.N[.field]`."""
    config = open_api_models.Config(
        access_key_id="LTAI", access_key_secret="secret", endpoint="127.0.0.1:9", protocol="http", region_id=REGION
    )
    client = CLIENTS[version](config)
    sent: dict[str, Any] = {}

    def call_api(params: Any, request: Any, runtime: Any) -> None:
        sent.update(request.query or {})
        sent.update(request.body if isinstance(request.body, dict) else {})
        raise _Caught

    client.call_api = call_api
    method = _tea_method(client, action)
    args = [_filled(getattr(MODELS[version], f"{action}Request"))] if inspect.signature(method).parameters else []
    with pytest.raises(_Caught):
        method(*args)
    return {LIST_INDEX.sub(".N", name) for name in sent}


def legacy_wire_names(action: str) -> set[str]:
    """The parameter names aliyunsdkram's request for `action` can send (every setter called)."""
    module = importlib.import_module(f"aliyunsdkram.request.v20150501.{action}Request")
    sdk_request = getattr(module, f"{action}Request")()
    for name in dir(sdk_request):
        if name.startswith("set_") and name not in _LEGACY_PLUMBING:
            getattr(sdk_request, name)("x")
    return {
        LIST_INDEX.sub(".N", name)
        for name in {**sdk_request.get_query_params(), **(sdk_request.get_body_params() or {})}
    }


@pytest.mark.parametrize(("version", "action"), registered_actions())
def test_every_parameter_the_sdks_send_is_declared(version: str, action: str) -> None:
    declared = actions.ACTIONS[(version, action)].wire_names
    sent = tea_wire_names(version, action)
    if version == RAM_VERSION:
        sent |= legacy_wire_names(action)
    assert sent <= declared, f"{version} {action} sends {sorted(sent - declared)}, which it does not declare"


@pytest.mark.parametrize(("version", "action"), registered_actions())
def test_every_declared_parameter_is_in_action_params(version: str, action: str) -> None:
    """test_fuzz.py sends what tests/api/actions.py lists: each declared parameter is among them
    (a list by its first items, `Tag.1.Key`)."""
    declared = {name.replace(".N", ".1") for name in actions.ACTIONS[(version, action)].wire_names}
    assert declared <= set(params_of(version, action)), sorted(declared - set(params_of(version, action)))


def test_declarations_name_their_own_parameters_once() -> None:
    for (version, action), declared in actions.ACTIONS.items():
        names = [name for param in declared.params for name in param.wire_names]
        assert len(names) == len(set(names)), (version, action, names)
        assert not set(names) & set(actions.USER_PARAMS[version]) or declared.target is None, (version, action)


# Through the SDKs, to the live server.


@pytest.fixture
def dave(account: Account, ram_user_factory: Any) -> Principal:
    return ram_user_factory(account, "dave", password=None)


def _attached(user: Principal) -> set[str]:
    return set(PolicyAttachment.objects.filter(principal=user).values_list("policy_name", flat=True))


def _minimum_length(account: Account) -> int | None:
    row = PasswordPolicy.objects.filter(account=account).first()
    return row.minimum_length if row else None


def test_a_resource_group_is_refused_and_nothing_is_attached(ram: Api, dave: Principal) -> None:
    params = {"PolicyType": "System", "PolicyName": "AliyunRAMReadOnlyAccess", "UserName": "dave"}
    refused = ram.error("AttachPolicyToUser", ResourceGroupId="rg-acfm2pz25js****", **params)
    assert (refused.code, refused.status) == ("InvalidParameter.ResourceGroupId.NotSupported", 400)
    assert "ResourceGroupId" in refused.message
    assert not _attached(dave)

    ram.call("AttachPolicyToUser", **params)
    assert _attached(dave) == {"AliyunRAMReadOnlyAccess"}
    refused = ram.error("DetachPolicyFromUser", ResourceGroupId="rg-acfm2pz25js****", **params)
    assert refused.code == "InvalidParameter.ResourceGroupId.NotSupported"
    ram.call("DetachPolicyFromUser", **params)
    assert not _attached(dave)


def test_settings_the_sandbox_does_not_model_are_refused_at_any_other_value(ims: Api, account: Account) -> None:
    refused = ims.error("SetPasswordPolicy", MinimumPasswordLength=12, InitialPasswordAge=14)
    assert (refused.code, refused.status) == ("InvalidParameter.InitialPasswordAge.NotSupported", 400)
    assert _minimum_length(account) in (None, 8)

    ims.call("SetPasswordPolicy", MinimumPasswordLength=12, InitialPasswordAge=0, InterceptRiskPasswordOnApi=False)
    assert _minimum_length(account) == 12

    refused = ims.error("SetSecurityPreference", VerificationTypes=["sms"])
    assert (refused.code, refused.status) == ("InvalidParameter.VerificationTypes.NotSupported", 400)
    preference = ims.call("SetSecurityPreference", VerificationTypes=[], LoginSessionDuration=8)["SecurityPreference"]
    assert preference["LoginProfilePreference"]["LoginSessionDuration"] == 8


def test_declared_types_and_ranges_through_the_sdk(ims: Api) -> None:
    """The gateway's typed reading, as an SDK caller meets it: enums, ranges, required values."""
    bad_type = ims.error("GetCredentialReport", MaxItems="many")
    assert (bad_type.code, bad_type.status) == ("InvalidParameter.MaxItems.Format", 400)
    out_of_range = ims.error("ListVirtualMFADevices", MaxItems=101)
    assert out_of_range.code == "InvalidParameter.MaxItems.Range"
    assert 'The parameter - "MaxItems" MUST be in the range of 1 and 100.' in out_of_range.message
    missing = ims.error("CreateVirtualMFADevice")
    assert (missing.code, missing.status) == ("MissingParameter", 400)
    assert ims.call("ListVirtualMFADevices", MaxItems=100)["IsTruncated"] is False
