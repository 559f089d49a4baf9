"""Hostile JSON (spec §13.1): one bounded reader, coded diagnostics, never a crash or exit 4."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from _linear import assert_linear
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aioptout import _json
from aioptout.catalogue import jsonld_identifiers
from aioptout.cli import app as cli_app
from aioptout.fixtureweb import FixtureWeb
from aioptout.signals import media, tdmrep

DEEP_ARRAY = "[" * 200_000 + "]" * 200_000
DEEP_OBJECT = '{"a": ' * 200_000 + "1" + "}" * 200_000
LONG_INT = '[{"location": "/", "tdm-reservation": ' + "1" * 6000 + "}]"


def refusal(document: str | bytes) -> tuple[str | None, int, int]:
    with pytest.raises(_json.JsonError) as caught:
        _json.loads(document)
    return (caught.value.code and caught.value.code.code, caught.value.line, caught.value.column)


# --- the reader -------------------------------------------------------------------------------

def test_depth_is_refused_at_the_first_bracket_past_the_limit() -> None:
    # spec R-13.1-1: nested deeper than 64 arrays and objects is refused.
    limit = _json.MAX_JSON_DEPTH
    assert _json.loads("[" * limit + "]" * limit) is not None
    assert refusal("[" * (limit + 1) + "]" * (limit + 1)) == ("JSN101", 1, limit + 1)
    assert refusal(DEEP_ARRAY) == ("JSN101", 1, limit + 1)
    assert refusal(DEEP_OBJECT) == ("JSN101", 1, 1 + 6 * limit)
    # Brackets inside strings do not nest.
    assert _json.loads('["' + "[" * 500 + '"]') == ["[" * 500]
    assert refusal('{"k":\n  ' + "[" * 70) == ("JSN101", 2, 2 + limit)  # "{" is level 1


def test_long_numbers_are_refused_where_they_start() -> None:
    # spec R-13.1-1: a number token longer than 100 characters is refused.
    longest = "9" * _json.MAX_JSON_NUMBER_CHARS
    assert _json.loads(f"[{longest}]") == [int(longest)]
    assert refusal(LONG_INT) == ("JSN102", 1, 39)
    assert refusal("[0." + "1" * 6000 + "]") == ("JSN102", 1, 2)
    assert refusal('[1,\n -' + "2" * 200 + "]") == ("JSN102", 2, 2)
    # Digits in a string are text, not a number.
    assert _json.loads('["' + "1" * 6000 + '"]') == ["1" * 6000]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("[1e999]", ("JSN103", 1, 2)),
        ('{"x": -1e999}', ("JSN103", 1, 7)),
        ("[1, 1.5e-999]", ("JSN103", 1, 5)),
        ("[NaN]", ("JSN104", 1, 2)),
        ("[1, Infinity]", ("JSN104", 1, 5)),
        ('{"a":\n -Infinity}', ("JSN104", 2, 2)),
        ('["\\ud800"]', ("JSN106", 1, 3)),
        ('["ok", "x\\udc00"]', ("JSN106", 1, 10)),
        ("[1,", (None, 1, 4)),
    ],
)
def test_unfaithful_numbers_constants_and_surrogates(
    document: str, expected: tuple[str | None, int, int]
) -> None:
    # spec R-13.1-2, R-13.1-3, R-13.1-4.
    assert refusal(document) == expected


def test_faithful_values_are_read() -> None:
    assert _json.loads("[0e-999, 0.0, -0, 1e308, 2.5]") == [0.0, 0.0, 0, 1e308, 2.5]
    assert _json.loads('["\\ud83d\\ude00", "\\\\ud800"]') == ["\U0001f600", "\\ud800"]
    assert _json.loads(b'{"a": [1, 2]}') == {"a": [1, 2]}
    assert _json.loads('"NaN inside a string"') == "NaN inside a string"


def test_too_long_and_not_unicode() -> None:
    # spec R-13.1-1: longer than MAX_JSON_CHARS characters is refused, before any parsing.
    assert refusal(" " * (_json.MAX_JSON_CHARS + 1))[0] == "JSN105"
    assert refusal(b'["\xff"]') == (None, 1, 3)


def test_a_ten_megabyte_document_within_the_limits_is_read() -> None:
    document = "[" + ",".join(['{"location": "/a/b/c", "n": 12345}'] * 300_000) + "]"
    assert len(document) > 10_000_000
    assert len(_json.loads(document)) == 300_000


def _refused(text: str) -> None:
    with pytest.raises(_json.JsonError):
        _json.loads(text)


def test_the_limit_checks_are_linear() -> None:
    # A document just within the depth limit repeated many times makes the full scan run.
    unit = "[" * 60 + "1" + "]" * 60
    assert_linear(lambda n: "[" + ",".join([unit] * n) + "]", _json.loads, 2_000)
    # A late offending token: the scan crosses the whole document first.
    assert_linear(lambda n: "[" + "[1]," * n + "1e999]", _refused, 20_000)
    # An unterminated string full of escaped quotes: each quote inside is not a new start.
    assert_linear(lambda n: '["\\ud83d\\ude00' + '\\"' * n + "[" * 100, _refused, 200_000)


# --- tdmrep.json and the other formats --------------------------------------------------------

@pytest.mark.parametrize(
    ("document", "code"),
    [(DEEP_ARRAY, "JSN101"), (DEEP_OBJECT, "JSN101"), (LONG_INT, "JSN102"),
     ('[{"location": "/", "tdm-reservation": 1e999}]', "JSN103"),
     ('[{"location": "/", "tdm-reservation": NaN}]', "JSN104"),
     ('[{"location": "/\\ud800", "tdm-reservation": 1}]', "JSN106")],
)
def test_tdmrep_reports_the_limit_and_states_no_rule(document: str, code: str) -> None:
    parsed = tdmrep.parse_file(document)
    assert parsed.rules == ()
    assert [d.code for d in parsed.diagnostics] == [code]


def test_tdmrep_of_ten_megabytes_is_truncated_and_not_json() -> None:
    rule = '{"location": "/x", "tdm-reservation": 1},'
    data = ("[" + rule * (10_000_000 // len(rule)) + '{"location": "/", "tdm-reservation": 0}]')
    parsed = tdmrep.parse_file(data.encode())
    assert [d.code for d in parsed.diagnostics] == ["TDM116", "TDM102"]
    assert parsed.rules == ()


def test_tdm_policy_reports_limits() -> None:
    assert [d.code for d in tdmrep.check_policy(DEEP_OBJECT)] == ["JSN101"]
    # A trailing comma is repaired, but a limit past it still refuses the policy.
    assert [d.code for d in tdmrep.check_policy('{"a": [1,], "b": NaN}')] == ["JSN104"]


def test_media_manifest_and_jsonld_are_bounded() -> None:
    assert [d.code for d in media.from_manifest_json(DEEP_ARRAY).diagnostics] == ["JSN101"]
    assert [d.code for d in media.from_manifest_json(LONG_INT.encode()).diagnostics] == ["JSN102"]
    page = ('<script type="application/ld+json">' + DEEP_OBJECT[:100_000] + "</script>"
            '<script type="application/ld+json">{"isrcCode": "GBEMI0300013"}</script>')
    assert jsonld_identifiers(page) == ("isrc:GBEMI0300013",)


def test_jsonld_identifier_extraction_is_linear() -> None:
    def page(n: int) -> str:
        items = ",".join(f'{{"isbn": "978{i:010d}"}}' for i in range(n))
        return f'<script type="application/ld+json">[{items}]</script>'

    found = jsonld_identifiers(page(3))
    assert found == ("isbn:9780000000000", "isbn:9780000000001", "isbn:9780000000002")
    assert_linear(page, jsonld_identifiers, 3_000)


# --- the commands -----------------------------------------------------------------------------

@pytest.mark.parametrize("document", [DEEP_ARRAY, DEEP_OBJECT, LONG_INT, '[{"location": "/", '
                                      '"tdm-reservation": Infinity}]'])
def test_validate_and_convert_exit_cleanly(tmp_path: Path, document: str) -> None:
    path = tmp_path / "tdmrep.json"
    path.write_text(document)
    runner = CliRunner()
    checked = runner.invoke(cli_app, ["validate", str(path), "--format", "json"])
    assert checked.exit_code == 1, checked.output
    codes = [d["code"] for d in json.loads(checked.stdout)["files"][0]["diagnostics"]]
    # Past 512 KiB the file is also truncated (TDM116); the limit is what is reported.
    assert any(code.startswith("JSN") for code in codes)
    assert all(code.startswith("JSN") or code == "TDM116" for code in codes)
    converted = runner.invoke(cli_app, ["convert", str(path)])
    assert converted.exit_code in (1, 3), converted.output
    assert converted.exception is None or isinstance(converted.exception, SystemExit)


def test_a_huge_tdmrep_file_validates_with_exit_1(tmp_path: Path) -> None:
    path = tmp_path / "tdmrep.json"
    path.write_text("[" + '{"location": "/x", "tdm-reservation": 1},' * 250_000 + "1]")
    checked = CliRunner().invoke(cli_app, ["validate", str(path), "--format", "json"])
    assert checked.exit_code == 1, checked.output
    codes = [d["code"] for d in json.loads(checked.stdout)["files"][0]["diagnostics"]]
    assert "TDM116" in codes and "TDM102" in codes


def test_crawl_keeps_every_site_when_one_serves_hostile_json(fixture_web: FixtureWeb) -> None:
    sites = ["tdmrep-deep.test", "tdmrep-long-number.test", "tdmrep-itcop.test"]
    pins = [arg for site in sites for arg in ("--resolve", f"{site}:{fixture_web.port}:127.0.0.1")]
    result = CliRunner().invoke(cli_app, [
        "crawl", *(fixture_web.origin(site) for site in sites), "--format", "json",
        "--delay", "0", *pins])
    assert result.exit_code in (0, 1, 3), result.output
    records = json.loads(result.stdout)
    assert len(records) == 3

    def tdm_codes(record: dict[str, Any]) -> list[str]:
        found = [s for s in record["signals"] if s["mechanism"] == "tdmrep"]
        return [d["code"] for s in found for d in s.get("errors", []) + s.get("warnings", [])]

    assert "JSN101" in tdm_codes(records[0])
    assert "JSN102" in tdm_codes(records[1])
    assert records[2]["usage"]["tdm"] == "disallowed"  # the real file still counts


# --- the web API ------------------------------------------------------------------------------

def _post(body: bytes) -> httpx.Response:
    from aioptout.web.app import create_app

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://validator") as client:
            return await client.post("/api/validate", content=body,
                                     headers={"Content-Type": "application/json"})

    return asyncio.run(go())


@pytest.mark.parametrize(
    ("body", "code"),
    [(DEEP_ARRAY.encode(), "JSN101"), (b'{"text": ' + b"1" * 6000 + b"}", "JSN102"),
     (b'{"text": NaN}', "JSN104"), (b'{"text": 1e999}', "JSN103")],
)
def test_api_bodies_past_the_limits_get_400_with_the_code(body: bytes, code: str) -> None:
    got = _post(body)
    assert got.status_code == 400
    assert got.json()["code"] == code


@pytest.mark.parametrize("document", ["[" * 100_000 + "]" * 100_000,
                                      '{"a": ' * 50_000 + "1" + "}" * 50_000, LONG_INT])
def test_api_validates_hostile_tdmrep_json_with_diagnostics(document: str) -> None:
    got = _post(json.dumps({"text": document, "kind": "tdmrep"}).encode())
    assert got.status_code == 200, got.text
    assert got.json()["diagnostics"][0]["code"].startswith("JSN")


# --- any input ----------------------------------------------------------------------------------

_JSON_BITS = st.sampled_from(
    ["[", "]", "{", "}", '"', "\\", ",", ":", "1", "-", ".", "e", "9" * 120, "NaN", "Infinity",
     "true", "\\ud800", "\\udc00", " ", "\n", "a", '"k":']
)


@settings(max_examples=1500, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(_JSON_BITS, max_size=40).map("".join)))
def test_any_text_is_read_or_refused_with_a_position(text: str) -> None:
    try:
        value = _json.loads(text)
    except _json.JsonError as exc:
        assert exc.line >= 1 and exc.column >= 1
        assert exc.code is None or exc.code.code in _json.REFUSALS
        return
    # What is read is what the json module reads.
    assert json.dumps(value, sort_keys=True) == json.dumps(json.loads(text), sort_keys=True)


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=30,
))
def test_documents_within_the_limits_read_as_the_json_module_reads_them(value: Any) -> None:
    text = json.dumps(value)
    assert _json.loads(text) == json.loads(text)


# --- the other JSON inputs ----------------------------------------------------------------------

def test_item_lists_report_a_hostile_line_and_keep_the_others(tmp_path: Path) -> None:
    from aioptout.catalogue import items_from_file

    path = tmp_path / "items.jsonl"
    path.write_text('{"url": "https://a.test/1"}\n' + "[" * 1000 + "\n"
                    '{"isrc": "' + "1" * 10 + '", "n": ' + "9" * 6000 + '}\n{"url": "https://a.test/2"}\n')
    found: list[Any] = []
    items = list(items_from_file(path, found))
    assert [item.url for item in items] == ["https://a.test/1", "https://a.test/2"]
    assert [(d.code, d.line) for d in found] == [("JSN101", 2), ("JSN102", 3)]


def test_a_hostile_agent_registry_is_a_registry_error() -> None:
    from aioptout.agents import Registry, RegistryError

    with pytest.raises(RegistryError, match="JSN101"):
        Registry.from_bytes(DEEP_ARRAY.encode())


def test_the_conformance_adapter_answers_a_hostile_request_with_status_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io
    import sys

    from aioptout._cli.conformance import answer

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DEEP_OBJECT.encode())))
    assert answer() == 2
    assert "error" in json.loads(capsys.readouterr().out)
