"""How the gateway reads an action's declared parameters (ramconsole/gateway/dispatcher.py), without
a server: types, blanks, lists, refused settings and ranges, with RAM's codes."""

from __future__ import annotations

from typing import Any

import pytest

from ramconsole.gateway.actions import BOOLEAN, ENUM, INTEGER, LIST, Param, refused
from ramconsole.gateway.dispatcher import _read_declared
from security.errors import InvalidParameter


def code_of(declared: tuple[Param, ...], params: dict[str, str]) -> str:
    with pytest.raises(InvalidParameter) as refusal:
        _read_declared(declared, params)
    return refusal.value.code


@pytest.mark.parametrize(
    ("param", "sent", "expected"),
    [
        (Param("Name"), {}, ""),
        (Param("Name"), {"Name": ""}, ""),
        (Param("Flag", BOOLEAN), {"Flag": "True"}, True),
        (Param("Flag", BOOLEAN), {"Flag": "false"}, False),
        (Param("Flag", BOOLEAN, default=False), {}, False),
        (Param("Count", INTEGER, default=7), {"Count": ""}, 7),
        (Param("Count", INTEGER), {"Count": "12"}, 12),
        (Param("Status", ENUM, choices=("Active", "Inactive")), {"Status": ""}, None),
        (Param("Status", ENUM, choices=("Active", "Inactive")), {"Status": "Inactive"}, "Inactive"),
    ],
)
def test_values_are_typed(param: Param, sent: dict[str, str], expected: Any) -> None:
    assert _read_declared((param,), sent) == {param.name: expected}


@pytest.mark.parametrize(
    ("param", "sent", "code"),
    [
        (Param("Name", required=True), {}, "MissingParameter"),
        (Param("Name", required=True), {"Name": ""}, "MissingParameter"),
        (Param("Flag", BOOLEAN), {"Flag": ""}, "InvalidParameter.Flag.Format"),
        (Param("Flag", BOOLEAN), {"Flag": "yes"}, "InvalidParameter.Flag.Format"),
        (Param("Count", INTEGER), {"Count": "1.5"}, "InvalidParameter.Count.Format"),
        (Param("Count", INTEGER), {"Count": "9" * 5000}, "InvalidParameter.Count.Format"),
        (Param("Status", ENUM, choices=("Active",)), {"Status": "active"}, "InvalidParameter.Status"),
        (Param("Count", INTEGER, range=(1, 100)), {"Count": "0"}, "InvalidParameter.Count.Range"),
        (Param("Count", INTEGER, range=(1, 100)), {"Count": "101"}, "InvalidParameter.Count.Range"),
    ],
)
def test_refusals_carry_rams_codes(param: Param, sent: dict[str, str], code: str) -> None:
    assert code_of((param,), sent) == code


def test_a_range_names_its_bounds() -> None:
    with pytest.raises(InvalidParameter) as refusal:
        _read_declared((Param("MaxItems", INTEGER, range=(1, 100)),), {"MaxItems": "101"})
    assert refusal.value.message == 'The parameter - "MaxItems" MUST be in the range of 1 and 100.'


def test_every_value_is_read_before_any_is_judged() -> None:
    declared = (Param("Count", INTEGER, range=(1, 2)), Param("Flag", BOOLEAN))
    assert code_of(declared, {"Count": "5", "Flag": "maybe"}) == "InvalidParameter.Flag.Format"


def test_lists_are_read_in_index_order() -> None:
    tags = Param("Tag", LIST, fields=("Key", "Value"))
    keys = Param("TagKey", LIST)
    sent = {"Tag.2.Key": "b", "Tag.1.Key": "a", "Tag.1.Value": "1", "Tag.10.Key": "c", "TagKey.3": "z", "TagKey.1": "y"}
    sent |= {"Tag.0.Key": "not an index", "Tag.1.Other": "not a field", "Tag.x.Key": "no"}
    assert _read_declared((tags, keys), sent) == {
        "Tag": [{"Key": "a", "Value": "1"}, {"Key": "b"}, {"Key": "c"}],
        "TagKey": ["y", "z"],
    }
    assert tags.wire_names == ("Tag.N.Key", "Tag.N.Value") and keys.wire_names == ("TagKey.N",)


@pytest.mark.parametrize(
    ("param", "sent", "accepted"),
    [
        (refused("ResourceGroupId"), {}, True),
        (refused("ResourceGroupId"), {"ResourceGroupId": ""}, True),
        (refused("ResourceGroupId"), {"ResourceGroupId": "rg-1"}, False),
        (refused("Age", INTEGER, only="0"), {"Age": "0"}, True),
        (refused("Age", INTEGER, only="0"), {"Age": "14"}, False),
        (refused("Risk", BOOLEAN, only="false"), {"Risk": "False"}, True),
        (refused("Risk", BOOLEAN, only="false"), {"Risk": "true"}, False),
        (refused("Mode", only="independent"), {"Mode": "Independent"}, True),
        (refused("Types", only="[]"), {"Types": "[ ]"}, True),
        (refused("Types", only="[]"), {"Types": '["sms"]'}, False),
    ],
)
def test_refused_settings_pass_only_at_the_sandboxs_value(param: Param, sent: dict[str, str], accepted: bool) -> None:
    if accepted:
        _read_declared((param,), sent)
    else:
        assert code_of((param,), sent) == f"InvalidParameter.{param.name}.NotSupported"
