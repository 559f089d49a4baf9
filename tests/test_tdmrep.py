"""W3C TDMRep: tdmrep.json, headers, HTML meta, layering and TDM Policy shape checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aioptout.model import Severity, Value
from aioptout.signals import tdmrep
from aioptout.signals.tdmrep import from_headers, from_html, layer, parse_file


def _corpus() -> Path:
    override = os.environ.get("AIOPTOUT_CORPUS")
    base = Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    return base / "other" / "tdmrep"


def _codes(diagnostics: object) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in diagnostics]  # type: ignore[attr-defined]


# --- the real files -----------------------------------------------------------------------------

# (file, reservation for "/any/page", policy) read from each file by hand.
CORPUS = [
    ("FormosanBank.tdmrep.json", 1,
     "https://ai4commsci.gitbook.io/formosanbank/additional-resources/terms-of-use"),
    ("cofob.dev.tdmrep.json", 1, None),
    ("debats.co.tdmrep.json", 1, "https://debats.co/mentions-legales"),
    ("djibe-recommandations-medicales.tdmrep.json", 1, None),
    ("healsdata-ai-training-opt-out.tdmrep.json", 1, None),
    ("itcop.tdmrep.json", 1, "https://itcop.org/licence/0pn-mrt-1.0.json"),
    ("licence.thibaultsan.com.tdmrep.json", 1, "https://licence.thibaultsan.com/"),
    ("maxlamm.de.tdmrep.json", 1, "https://maxlamm.de/ki-vorbehalt/"),
    ("nineplus.sh.tdmrep.json", 1, "https://www.nineplus.sh/legal/tdm.json"),
    ("sebastien-riviere.github.io.tdmrep.json", 1,
     "https://sebastien-riviere.github.io/opt-out-ia/"),
    ("sourcelibrary.org.tdmrep.json", 1, "https://sourcelibrary.org/licensing"),
    ("thehonestbroker-scenarios.tdmrep.json", 1, "https://thehonestbroker.org/terms/"),
    ("xlr8harder.github.io.tdmrep.json", 0, None),
]


@pytest.mark.parametrize(("name", "reservation", "policy"), CORPUS)
def test_corpus_file(name: str, reservation: int, policy: str | None) -> None:
    parsed = parse_file((_corpus() / name).read_bytes(), source=name)
    assert parsed.diagnostics == ()
    assert len(parsed.rules) == 1
    rule = parsed.match("https://example.org/any/page?x=1")
    assert rule is not None
    assert (rule.reservation, rule.policy) == (reservation, policy)
    (statement,) = parsed.statements("GPTBot", "/any/page")
    assert statement.usage == "tdm"
    assert statement.value is (Value.DISALLOWED if reservation else Value.ALLOWED)
    assert statement.mechanism == "tdmrep" and statement.source == name
    if policy:
        assert policy in statement.reason


def test_every_corpus_file_is_covered() -> None:
    names = {p.name for p in _corpus().iterdir()}
    assert names == {name for name, _, _ in CORPUS} | {"INVALID-koji-blog.tdmrep.json"}


def test_invalid_koji_blog_object_with_underscored_members() -> None:
    # TDMRep §tdmrep.json: the file is "an array of JSON objects"; brackets are mandatory.
    parsed = parse_file((_corpus() / "INVALID-koji-blog.tdmrep.json").read_bytes())
    assert parsed.rules == ()
    assert _codes(parsed.diagnostics) == [("TDM103", 1, 1), ("TDM109", 2, 3), ("TDM109", 3, 3)]
    assert parsed.statements("GPTBot", "/") == []
    assert all(d.severity is Severity.ERROR for d in parsed.diagnostics)


# --- matching order -----------------------------------------------------------------------------

SPEC_EXAMPLE = """[
  {"location": "/directory-a/", "tdm-reservation": 1},
  {"location": "/directory-b/html/", "tdm-reservation": 1,
   "tdm-policy": "https://provider.com/policies/policy.json"},
  {"location": "/directory-b/images/*.jpg", "tdm-reservation": 0}
]"""


@pytest.mark.parametrize(
    ("target", "reservation", "line"),
    [
        ("/directory-a/x.html", 1, 2),
        ("https://h.example/directory-b/html/page", 1, 3),
        ("/directory-b/images/cat.jpg", 0, 5),
        ("/directory-b/other", None, None),
        ("/Directory-A/x", None, None),  # "The matching SHOULD be case sensitive"
    ],
)
def test_spec_example(target: str, reservation: int | None, line: int | None) -> None:
    parsed = parse_file(SPEC_EXAMPLE)
    assert parsed.diagnostics == ()
    rule = parsed.match(target)
    assert (rule.reservation if rule else None, rule.line if rule else None) == (reservation, line)


def test_first_match_wins_not_longest() -> None:
    # TDMRep §tdmrep.json: "The most specific match is the first in sequence."
    text = ('[{"location": "/", "tdm-reservation": 1},\n'
            ' {"location": "/open/", "tdm-reservation": 0}]')
    parsed = parse_file(text)
    assert parsed.match("/open/page").line == 1  # type: ignore[union-attr]
    # The broader rule precedes and shadows the narrower one: a warning on line 2.
    assert _codes(parsed.diagnostics) == [("TDM111", 2, 2)]
    assert parsed.diagnostics[0].severity is Severity.WARNING
    assert "line 1" in parsed.diagnostics[0].message


def test_specific_first_is_not_shadowed() -> None:
    text = ('[{"location": "/open/", "tdm-reservation": 0},\n'
            ' {"location": "/", "tdm-reservation": 1}]')
    parsed = parse_file(text)
    assert parsed.diagnostics == ()
    assert parsed.match("/open/x").reservation == 0  # type: ignore[union-attr]
    assert parsed.match("/closed").reservation == 1  # type: ignore[union-attr]


def test_wildcard_rule_does_not_shadow() -> None:
    # A glob earlier in the array is not a plain prefix; no (possibly wrong) warning.
    text = ('[{"location": "/*.jpg", "tdm-reservation": 0},'
            ' {"location": "/img/", "tdm-reservation": 1}]')
    assert parse_file(text).diagnostics == ()


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [('"1"', "TDM108"), ("true", "TDM108"), ("2", "TDM108"), ("null", "TDM108"), ("1.0", None),
     ("0", None)],
)
def test_reservation_must_be_number_1_or_0(value: str, code: str | None) -> None:
    # TDMRep: "Any other value is a protocol error; agents MUST treat it as unset."
    parsed = parse_file(f'[\n  {{"location": "/", "tdm-reservation": {value}}}\n]')
    if code is None:
        assert parsed.diagnostics == ()
        assert parsed.rules[0].reservation in (0, 1)
    else:
        assert _codes(parsed.diagnostics) == [(code, 2, 40)]
        assert parsed.rules[0].reservation is None
        assert parsed.statements("a", "/x") == []


def test_unset_rule_still_stops_later_rules() -> None:
    parsed = parse_file('[{"location": "/a/", "tdm-reservation": "1"},'
                        ' {"location": "/", "tdm-reservation": 1}]')
    assert parsed.statements("a", "/a/x") == []
    assert parsed.statements("a", "/b")[0].value is Value.DISALLOWED


def test_member_diagnostics_positions() -> None:
    text = ('[\n  {"location": "/", "tdm-reservation": 1, "note": "x",\n'
            '   "tdm-policy": "ftp://x", "location": "/y"}\n]')
    parsed = parse_file(text)
    assert _codes(parsed.diagnostics) == [("TDM110", 2, 43), ("TDM114", 3, 29),
                                          ("TDM112", 3, 18)]
    assert parsed.rules[0].location == "/y"  # JSON: the last duplicate wins
    assert parsed.rules[0].policy is None


def test_missing_members_and_bad_elements() -> None:
    text = '[1, {"tdm-reservation": 1}, {"location": "x", "tdm-reservation": 1}, {"location": "/"}]'
    parsed = parse_file(text)
    assert _codes(parsed.diagnostics) == [("TDM104", 1, 2), ("TDM105", 1, 5), ("TDM106", 1, 42),
                                          ("TDM107", 1, 70)]
    assert [r.location for r in parsed.rules] == ["/"]


def test_policy_with_reservation_zero_is_not_processed() -> None:
    parsed = parse_file('[{"location": "/", "tdm-reservation": 0, "tdm-policy": "https://p/"}]')
    assert [d.code for d in parsed.diagnostics] == ["TDM113"]
    assert parsed.diagnostics[0].severity is Severity.INFO
    assert parsed.rules[0].policy is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", [("TDM102", 1, 1)]),
        (b"[{\"location\": \"/\",}]", [("TDM102", 1, 19)]),
        (b"{}", [("TDM103", 1, 1)]),
        (b"[]", [("TDM115", 1, 1)]),
        (b"\xef\xbb\xbf[]", [("TDM117", 1, 1), ("TDM115", 1, 2)]),
        (b'[{"location": "/\xff", "tdm-reservation": 1}]', [("TDM101", 1, 1)]),
        (b"\x00\x01binary", [("TDM102", 1, 1)]),
    ],
)
def test_bad_files_never_raise(data: bytes, expected: list[tuple[str, int, int]]) -> None:
    assert _codes(parse_file(data).diagnostics) == expected


def test_size_limit() -> None:
    data = b"[" + b" " * tdmrep.MAX_TDMREP_BYTES + b"]"
    # The read limit cuts off the closing bracket: reported, then the rest is not JSON.
    assert [d.code for d in parse_file(data).diagnostics] == ["TDM116", "TDM102"]


# --- headers, meta, layering --------------------------------------------------------------------


def test_headers_case_insensitive() -> None:
    signal = from_headers({"Content-Type": "text/html", "TDM-Reservation": " 1 ",
                           "TDM-Policy": "https://p.example/policy.json"})
    assert (signal.reservation, signal.policy) == (1, "https://p.example/policy.json")
    (statement,) = signal.statements("x", "/")
    assert statement.value is Value.DISALLOWED
    assert "https://p.example/policy.json" in statement.reason


@pytest.mark.parametrize("value", ["yes", "1, 0", "", "01"])
def test_bad_header_value_is_unset(value: str) -> None:
    signal = from_headers([("tdm-reservation", value)])
    assert signal.reservation is None
    assert [(d.code, d.line) for d in signal.diagnostics] == [("TDM120", 1)]


def test_repeated_conflicting_header_is_invalid() -> None:
    signal = from_headers([("tdm-reservation", "1"), ("x", "y"), ("tdm-reservation", "0")])
    assert signal.reservation is None
    assert [d.code for d in signal.diagnostics] == ["TDM120"]
    same = from_headers([("tdm-reservation", "1"), ("tdm-reservation", "1")])
    assert same.reservation == 1 and [d.code for d in same.diagnostics] == ["TDM123"]


def test_html_meta() -> None:
    html = ("<!doctype html><html><head>\n<title>x</title>\n"
            '<META NAME="TDM-Reservation" content="1">\n'
            '<meta name="tdm-policy" content="https://p.example/p.json"/>\n'
            "</head><body><p>tdm-reservation 0</p></body></html>")
    signal = from_html(html)
    assert (signal.reservation, signal.policy, signal.line) == (1, "https://p.example/p.json", 3)
    assert signal.diagnostics == ()


def test_html_meta_bad_value_and_conflict() -> None:
    html = '<meta name="tdm-reservation" content="0">\n  <meta name="tdm-reservation" content="y">'
    signal = from_html(html)
    assert signal.reservation is None
    assert _codes(signal.diagnostics) == [("TDM122", 2, 3), ("TDM121", 2, 3)]


def test_layer_priority() -> None:
    # TDMRep §Processing: a header supersedes the file, HTML meta supersedes earlier values, and
    # "the absence of tdm-reservation and tdm-policy MUST not reset current values".
    file = parse_file('[{"location": "/", "tdm-reservation": 1, "tdm-policy": "https://f/"}]',
                      source="tdmrep.json")
    header = from_headers({"tdm-reservation": "0"}, source="header")
    meta_silent = from_html("<meta name='description' content='x'>", source="page")
    # Arguments in any order; the technique decides.
    layered = layer(meta_silent, header, file)
    (statement,) = layered.statements("a", "/doc")
    assert statement.value is Value.ALLOWED and statement.source == "header"
    meta = from_html('<meta name="tdm-reservation" content="1">', source="page")
    (statement,) = layer(file, header, meta).statements("a", "/doc")
    assert statement.value is Value.DISALLOWED and statement.source == "page"
    assert "https://f/" in statement.reason  # policy kept from the file: absence never resets


def test_layer_invalid_header_does_not_reset_file() -> None:
    file = parse_file('[{"location": "/", "tdm-reservation": 1}]')
    bad = from_headers({"tdm-reservation": "maybe"})
    (statement,) = layer(file, bad).statements("a", "/x")
    assert statement.value is Value.DISALLOWED
    assert [d.code for d in layer(file, bad).diagnostics] == ["TDM120"]


def test_layer_nothing_known() -> None:
    only_a = parse_file('[{"location": "/a/", "tdm-reservation": 1}]')
    assert layer(only_a).statements("a", "/b") == []


# --- TDM Policy ---------------------------------------------------------------------------------

MINIMAL_POLICY = {
    "@context": ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"],
    "@type": "Offer",
    "profile": "http://www.w3.org/ns/tdmrep",
    "uid": "https://provider.com/policies/1",
    "assigner": {"uid": "https://provider.com", "vcard:hasEmail": "mailto:contact@provider.com"},
    "permission": [{"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}],
}


def test_minimal_policy_is_clean() -> None:
    assert tdmrep.check_policy(json.dumps(MINIMAL_POLICY, indent=2)) == []


def test_policy_trailing_comma_is_reported_then_checked() -> None:
    # The spec's own example has a trailing comma after vcard:hasEmail.
    text = ('{"@context": ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"],\n'
            ' "@type": "Offer", "profile": "http://www.w3.org/ns/tdmrep", "uid": "https://p/1",\n'
            ' "assigner": {"vcard:hasEmail": "mailto:a@b.c", "x": "a,]",},\n'
            ' "permission": [{"action": "use"}]}')
    assert _codes(tdmrep.check_policy(text)) == [("TDM131", 3, 59), ("TDM138", 4, 28)]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"@context": "http://www.w3.org/ns/odrl.jsonld"}, "TDM132"),
        ({"@type": "Set"}, "TDM133"),
        ({"profile": "http://example.com"}, "TDM134"),
        ({"uid": "not a uri"}, "TDM135"),
        ({"assigner": [{"uid": "a"}, {"uid": "b"}]}, "TDM136"),
        ({"permission": []}, "TDM137"),
        ({"permission": [{"action": "odrl:use"}]}, "TDM138"),
        ({"prohibition": [{"action": "tdm:mine"}]}, "TDM139"),
    ],
)
def test_policy_shape(change: dict[str, object], code: str) -> None:
    assert [d.code for d in tdmrep.check_policy(json.dumps({**MINIMAL_POLICY, **change}))] == [code]


def test_policy_missing_member_and_not_json() -> None:
    missing = {k: v for k, v in MINIMAL_POLICY.items() if k != "uid"}
    assert _codes(tdmrep.check_policy(json.dumps(missing))) == [("TDM135", 1, 1)]
    assert [d.code for d in tdmrep.check_policy("{nope")] == ["TDM130"]
    assert [d.code for d in tdmrep.check_policy("[]")] == ["TDM140"]
