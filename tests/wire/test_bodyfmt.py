"""Plain-text API bodies: key=value lines and JSON objects become observations, bounded."""

from __future__ import annotations

from camaudit.wire.bodyfmt import MAX_FIELDS, MAX_VALUE, json_observations, kv_observations
from camaudit.wire.http import body_observations

SYSTEM_INFO = "deviceType=IPC-HDW5831R-ZE\nhardwareVersion=1.00\nupdateSerial=IPC-HDW5830R-Z\n"


def test_key_value_lines_become_cgi_fields() -> None:
    obs = kv_observations(SYSTEM_INFO, "s")
    assert [o.value for o in obs] == ["deviceType=IPC-HDW5831R-ZE", "hardwareVersion=1.00",
                                      "updateSerial=IPC-HDW5830R-Z"]
    assert {o.key for o in obs} == {"cgi.field"}


def test_text_that_is_not_all_key_value_gives_nothing() -> None:
    assert kv_observations("Hello world\nkey=value", "s") == []
    assert kv_observations("", "s") == []
    assert kv_observations("<html>a=b</html>", "s") == []


def test_key_value_is_bounded() -> None:
    text = "\n".join(f"k{i}=" + "v" * 1000 for i in range(1000))
    obs = kv_observations(text, "s")
    assert len(obs) == MAX_FIELDS and all(len(o.value) <= MAX_VALUE for o in obs)


def test_json_object_gives_sorted_keys_and_leaves() -> None:
    body = ('{"result":false,"params":{"realm":"Login to 907F3C6C73FEDA77","encryption":'
            '"Default"},"error":{"code":268632079},"id":0,"session":2869194125}')
    obs = json_observations(body, "s")
    assert obs[0].key == "json.keys" and obs[0].value == "error,id,params,result,session"
    leaves = {o.value for o in obs if o.key == "json.field"}
    assert {"params.realm=Login to 907F3C6C73FEDA77", "error.code=268632079",
            "result=false", "session=2869194125"} <= leaves


def test_json_that_is_broken_deep_or_not_an_object_gives_nothing_or_bounded() -> None:
    assert json_observations('{"a": ', "s") == []
    assert json_observations("[1, 2]", "s") == []
    assert json_observations("{}", "s") == []
    deep = '{"a":' * 5000 + "1" + "}" * 5000
    assert json_observations(deep, "s") == []  # too deep for the parser: no crash, no leaves
    nested = '{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}'
    assert [o.value for o in json_observations(nested, "s") if o.key == "json.field"] == []


def test_http_bodies_route_to_the_right_reader() -> None:
    keys = {o.key for o in body_observations(SYSTEM_INFO.encode(), "s")}
    assert "cgi.field" in keys and "json.keys" not in keys
    keys = {o.key for o in body_observations(b'{"id":1,"result":true}', "s")}
    assert "json.keys" in keys and "cgi.field" not in keys
    keys = {o.key for o in body_observations(b"<html><title>x</title></html>", "s")}
    assert not keys & {"cgi.field", "json.keys"}
