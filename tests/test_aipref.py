"""IETF aipref: the preference parser, the robots.txt Content-Usage rule, the HTTP header."""

from __future__ import annotations

from typing import Any

import http_sf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioptout import _prefs, _revisions
from aioptout._prefs import Problem, parse_preferences, parse_usage_rule
from aioptout.model import Value
from aioptout.signals import aipref
from aioptout.signals.robots import RobotsTxt
from aioptout.usage import PARENT

N, Y = Value.DISALLOWED, Value.ALLOWED


def kinds(problems: list[Problem]) -> list[tuple[str, int, int]]:
    return [(p.kind, p.offset, p.length) for p in problems]


# --- parse_preferences: draft-ietf-aipref-vocab §6 -------------------------------------------

@pytest.mark.parametrize(
    ("value", "prefs", "problems"),
    [
        # vocab §6: "train-ai=y, search=n" — the exemplary serialisation.
        ("train-ai=y, search=n", {"train-ai": Y, "search": N}, []),
        # RFC 9651 allows no space after the comma.
        ("train-ai=n,search=y", {"train-ai": N, "search": Y}, []),
        # vocab §6: "train-ai=y, train-ai, search=n, search="n"" leaves everything unknown:
        # the bare key is boolean true and "n" is a string.
        ('train-ai=y, train-ai, search=n, search="n"', {},
         [("value", 12, 8), ("value", 39, 3)]),
        # vocab §6: parameters are ignored; in "train-ai;allow=n, train-ai=y" the last wins.
        ("train-ai;allow=n, train-ai=y", {"train-ai": Y}, []),
        ("train-ai=n;foo", {"train-ai": N}, []),
        # vocab §6: "Any other value ... is unknown" — tokens yes/no are not y/n.
        ("train-ai=no, search=yes", {}, [("value", 9, 2), ("value", 20, 3)]),
        ("search=?0", {}, [("value", 7, 2)]),
        ("search=1", {}, [("value", 7, 1)]),
        ("search=(y n)", {}, [("value", 7, 5)]),
        # vocab §6: "Unknown labels MUST be ignored".
        ("foo=n, train-ai=n", {"train-ai": N}, [("unknown-label", 0, 3)]),
        # Labels of earlier revisions are read by spec §8.1 (vocab-03 has both).
        ("bots=n, train-genai=n", {"tdm": N, "train-ai": N},
         [("revision-label", 0, 4), ("revision-label", 8, 11)]),
        # Extension labels of this project are known labels.
        ("tdm=n, ai-input=y, train-any=n", {"tdm": N, "ai-input": Y, "train-any": N}, []),
        # vocab §6: "If parsing fails, all preferences are unknown".
        ("Train-AI=n", {}, [("dictionary", 0, 1)]),
        ("train-ai = n", {}, [("dictionary", 9, 1)]),
        ("train-ai=n,", {}, [("dictionary", 11, 0)]),
        ("train-ai=n, search=y extra", {}, [("dictionary", 21, 1)]),
        ("train-ai=ñ", {}, [("dictionary", 9, 1)]),
        ("", {}, []),
    ],
)
def test_parse_preferences(value: str, prefs: dict[str, Value],
                           problems: list[tuple[str, int, int]]) -> None:
    got_prefs, got_problems = parse_preferences(value)
    assert got_prefs == prefs
    assert kinds(got_problems) == problems


def test_problem_labels_name_the_member() -> None:
    _, problems = parse_preferences('bots=n, train-ai="n"')
    assert [(p.kind, p.label) for p in problems] == [("revision-label", "bots"),
                                                     ("value", "train-ai")]


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("train-ai = n", "space-around-equals"),
        ("train-ai= n", "space-around-equals"),
        ("Train-AI=n", "uppercase"),
        ("search=y, Train-AI=n", "uppercase"),
        ("train-ai=n,", "trailing-comma"),
        ("train-ai=n,,search=y", "empty-member"),
        ("train-ai=n search=y", "syntax"),
    ],
)
def test_dictionary_fault_names_the_cause(value: str, fault: str) -> None:
    _, problems = parse_preferences(value)
    assert [p.kind for p in problems] == ["dictionary"]
    assert _prefs.dictionary_fault(value) == fault


def test_results_are_fresh_copies() -> None:
    first, _ = parse_preferences("train-ai=n")
    first["search"] = Y
    again, _ = parse_preferences("train-ai=n")
    assert again == {"train-ai": N}


@pytest.mark.parametrize(
    ("value", "path", "prefs", "problems"),
    [
        # attach §3: without a leading "/" the whole value is the preference.
        ("train-ai=n", None, {"train-ai": N}, []),
        # attach §3: "the path runs up to the first SP or HTAB".
        ("/ai-ok/ train-ai=y", "/ai-ok/", {"train-ai": Y}, []),
        ("/a\t\tsearch=y, bots=n", "/a", {"search": Y, "tdm": N}, [("revision-label", 14, 4)]),
        ("/only-a-path", "/only-a-path", {}, []),
        ("/p train-ai = n", "/p", {}, [("dictionary", 12, 1)]),
    ],
)
def test_parse_usage_rule(value: str, path: str | None, prefs: dict[str, Value],
                          problems: list[tuple[str, int, int]]) -> None:
    got_path, got_prefs, got_problems = parse_usage_rule(value)
    assert (got_path, got_prefs, kinds(got_problems)) == (path, prefs, problems)


# --- the fast path agrees with http_sf ------------------------------------------------------

_LABELS = st.sampled_from(["train-ai", "search", "tdm", "ai-input", "train-any", "bots", "foo",
                           "a.b", "x*", "*"])
_TOKENS = st.sampled_from(["y", "n", "yes", "no", "Y", "N", "n:x", "y/1", "*"])
_SEP = st.sampled_from([",", ", ", " ,", "\t,\t", ",  "])
_MEMBERS = st.lists(st.tuples(_LABELS, _TOKENS), max_size=6)


def _render(members: list[tuple[str, str]], seps: list[str], lead: str, trail: str) -> str:
    out = lead
    for index, (key, token) in enumerate(members):
        if index:
            out += seps[index % len(seps)]
        out += f"{key}={token}"
    return out + (trail if members else "")


def _reference(value: str) -> tuple[dict[str, Value], list[tuple[str, str | None, int]]]:
    """The aipref reading computed from http_sf's parse alone, for comparison."""
    try:
        parsed = http_sf.parse(value.encode(), tltype="dictionary")
    except http_sf.StructuredFieldError:
        return {}, [("dictionary", None, -1)]
    assert isinstance(parsed, dict)
    prefs: dict[str, Value] = {}
    problems: list[tuple[str, str | None, int]] = []
    for key, member in parsed.items():
        item = member[0] if isinstance(member, tuple) else member
        if key not in PARENT and not _revisions.is_revision_label(key):
            problems.append(("unknown-label", key, -1))
        elif isinstance(item, http_sf.Token) and str(item) in ("y", "n"):
            prefs[key] = Y if str(item) == "y" else N
        else:
            problems.append(("value", key, -1))
    # Earlier revisions' labels (spec §8.1), tested on their own in test_revisions.py.
    translated, readings = _revisions.translate(prefs)
    said = {r.key: "revision-sense" if r.key in PARENT else "revision-label" for r in readings
            if not (r.key in PARENT and r.targets == (r.key,))}
    out = [p for p in problems]
    for key in parsed:
        if key in said:
            out.append((said[key], key, -1))
    order = list(parsed)
    out.sort(key=lambda p: order.index(p[1]) if p[1] in order else -1)
    return translated, out


@settings(max_examples=400, deadline=None)
@given(_MEMBERS, st.lists(_SEP, min_size=1, max_size=3), st.sampled_from(["", " ", "  "]),
       st.sampled_from(["", " ", "\t", " \t"]))
def test_fast_path_equals_http_sf(members: list[tuple[str, str]], seps: list[str], lead: str,
                                  trail: str) -> None:
    value = _render(members, seps, lead, trail)
    assert _prefs._SIMPLE.fullmatch(value), value  # every generated value takes the fast path
    fast_prefs, fast_problems = _prefs._parse_simple(value)
    slow_prefs, slow_problems = _prefs._parse_general(value)
    assert fast_prefs == slow_prefs
    assert fast_problems == slow_problems
    ref_prefs, ref_problems = _reference(value)
    assert fast_prefs == ref_prefs
    assert [(p.kind, p.label) for p in fast_problems] == [(k, lab) for k, lab, _ in ref_problems]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='abcdefnyYN-=,;" \t*?0189()tri', max_size=24))
def test_any_text_agrees_with_http_sf(value: str) -> None:
    # Whatever path a value takes, the labels read are those http_sf's parse implies.
    prefs, problems = parse_preferences(value)
    ref_prefs, ref_problems = _reference(value)
    assert prefs == ref_prefs
    assert [(p.kind, p.label) for p in problems] == [(k, lab) for k, lab, _ in ref_problems]
    for problem in problems:
        assert 0 <= problem.offset <= len(value)
        assert problem.offset + problem.length <= len(value)


def test_fast_path_is_taken_for_the_common_form() -> None:
    for value in ("train-ai=n", "train-ai=n, search=y", "search=y,train-ai=n"):
        assert _prefs._SIMPLE.fullmatch(value)
    for value in ('train-ai="n"', "train-ai=n;p", "train-ai", "Train-AI=n", "train-ai=n,"):
        assert not _prefs._SIMPLE.fullmatch(value)


# --- HTTP Content-Usage header: attach §2 ---------------------------------------------------

def test_header_statements_cover_every_label() -> None:
    # attach §2: "Content-Usage: train-ai=n" — a Dictionary field.
    signal = aipref.from_headers({"Content-Usage": "train-ai=n, search=y"}, source="https://e/x")
    assert signal.mechanism == "aipref"
    got = [(s.usage, s.value, s.source) for s in signal.statements("GPTBot", "/x")]
    assert got == [("train-ai", N, "https://e/x"), ("search", Y, "https://e/x")]
    assert signal.diagnostics == ()


def test_header_instances_combine_last_duplicate_wins() -> None:
    # RFC 9651 §4.2: field lines are combined with commas before parsing; the later duplicate
    # key wins (vocab §6).
    signal = aipref.from_headers([("content-usage", "train-ai=n"), ("Other", "x"),
                                  ("CONTENT-USAGE", "train-ai=y, search=n")])
    assert signal.preferences == {"train-ai": Y, "search": N}


def test_header_diagnostics_point_into_their_field() -> None:
    signal = aipref.from_headers([("Content-Usage", "train-ai=n"),
                                  ("Content-Usage", "bots=n, search=yes")])
    got = [(d.code, d.line, d.column, d.end_column) for d in signal.diagnostics]
    assert got == [("APR112", 1, 1, 9), ("APR111", 2, 1, 5), ("APR105", 2, 16, 19)]
    # vocab-03/-04 have train-ai and bots: an n on train-ai takes the wider reading, train-any.
    assert signal.preferences == {"train-any": N, "tdm": N}


@pytest.mark.parametrize(
    ("value", "code", "column"),
    [
        ("train-ai = n", "APR102", 10),
        ("Train-AI=n", "APR103", 1),
        ("train-ai=n,", "APR104", 12),
        ("train-ai=n search=y", "APR101", 12),
        ('train-ai="n"', "APR105", 10),
        ("foo=n", "APR106", 1),
    ],
)
def test_header_diagnostic_codes(value: str, code: str, column: int) -> None:
    signal = aipref.from_headers({"Content-Usage": value})
    assert [(d.code, d.line, d.column) for d in signal.diagnostics] == [(code, 1, column)]


def test_malformed_header_states_nothing() -> None:
    # vocab §6: "If parsing fails, all preferences are unknown".
    signal = aipref.from_headers({"Content-Usage": "train-ai = n"})
    assert signal.statements("GPTBot", "/") == []


def test_no_header_no_statements() -> None:
    signal = aipref.from_headers({"Content-Type": "text/html"})
    assert signal.statements("GPTBot", "/") == [] and signal.diagnostics == ()


def test_empty_header_is_noted() -> None:
    signal = aipref.from_headers([("Content-Usage", " "), ("Content-Usage", "search=n")])
    assert [(d.code, d.line) for d in signal.diagnostics] == [("APR110", 1)]
    assert signal.preferences == {"search": N}


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/a", "/a"), ("https://e.com/a", "https://e.com/a"), ("isrc:GBEMI0300013", None),
     ("doi:10.1000/182", None)],
)
def test_robots_target(target: str, expected: str | None) -> None:
    assert aipref.robots_target(target) == expected


# --- robots.txt Content-Usage rule: attach §3 -----------------------------------------------

# The example of draft-ietf-aipref-attach §3 (verbatim rules).
ATTACH_EXAMPLE = """\
User-Agent: *
Allow: /
Disallow: /never/
Content-Usage: train-ai=n
Content-Usage: /ai-ok/ train-ai=y

User-Agent: ExampleBot
Allow: /
Content-Usage: train-ai=y
"""


def usages(signal: aipref.AiprefRobots, agent: str, target: str) -> list[tuple[str, Value, int]]:
    return [(s.usage, s.value, s.line or 0) for s in signal.statements(agent, target)]


@pytest.mark.parametrize(
    ("agent", "target", "expected"),
    [
        # attach §3 example: "/test" gives train-ai=n.
        ("SomeBot", "/test", [("train-ai", N, 4)]),
        # "/never/test is not crawled, so no preference applies" — "No preferences are implied
        # for resources that are disallowed".
        ("SomeBot", "/never/test", []),
        # "/ai-ok/test gives train-ai=y": the longest matching path wins.
        ("SomeBot", "https://example.com/ai-ok/test", [("train-ai", Y, 5)]),
        # "ExampleBot gets train-ai=y everywhere": its own group, no inheritance from *.
        ("ExampleBot", "/never/test", [("train-ai", Y, 9)]),
        ("examplebot", "/ai-ok/x", [("train-ai", Y, 9)]),
        # A work identifier is not a path: robots.txt says nothing about it.
        ("SomeBot", "isrc:GBEMI0300013", []),
    ],
)
def test_attach_example(agent: str, target: str, expected: list[tuple[str, Value, int]]) -> None:
    signal = aipref.from_robots(RobotsTxt.parse(ATTACH_EXAMPLE, source="https://example.com/robots.txt"))
    assert signal.diagnostics == ()
    assert usages(signal, agent, target) == expected
    for statement in signal.statements(agent, target):
        assert statement.mechanism == "aipref"
        assert statement.source == "https://example.com/robots.txt"
        assert statement.raw is not None and statement.raw.startswith("Content-Usage:")


def test_identical_paths_combine_most_restrictively() -> None:
    # attach §3: conflicting rules with identical paths are combined with the vocab "combine"
    # process, unlike Allow/Disallow ties.
    text = ("User-agent: *\nAllow: /\nContent-Usage: /a train-ai=y, search=y\n"
            "Content-Usage: /a train-ai=n\n")
    signal = aipref.from_robots(RobotsTxt.parse(text))
    assert usages(signal, "Bot", "/a/b") == [("train-ai", N, 4), ("search", Y, 3)]
    assert [(d.code, d.line) for d in signal.diagnostics] == [("APR109", 4)]


def test_parent_label_in_a_tied_rule_reaches_the_child() -> None:
    # Each rule is one statement: tdm=n in one rule means search=n there, which wins.
    text = "User-agent: *\nAllow: /\nContent-Usage: /a tdm=n\nContent-Usage: /a search=y\n"
    signal = aipref.from_robots(RobotsTxt.parse(text))
    assert usages(signal, "Bot", "/a") == [("search", N, 3), ("tdm", N, 3)]


def test_longest_match_uses_octets_and_wildcards() -> None:
    # attach §3: "the same longest-prefix matching as Allow/Disallow", with * and $.
    text = ("User-agent: *\nAllow: /\nContent-Usage: train-ai=n\n"
            "Content-Usage: /*.pdf$ train-ai=y\nContent-Usage: /documents/ search=n\n")
    signal = aipref.from_robots(RobotsTxt.parse(text))
    assert usages(signal, "Bot", "/x/a.pdf") == [("train-ai", Y, 4)]
    assert usages(signal, "Bot", "/x/a.pdf?v=1") == [("train-ai", N, 3)]
    # "/*.pdf$" is 7 octets: it beats "/docs/"-like shorter paths but not "/documents/" (11).
    assert usages(signal, "Bot", "/documents/a.pdf") == [("search", N, 5)]


def test_rule_diagnostics_are_positioned_in_the_line() -> None:
    text = ("User-agent: *\nAllow: /\nContent-Usage: train-ai = n\n"
            "Content-Usage: /p bots=n, search=no\nContent-Usage: /only-path\n")
    signal = aipref.from_robots(RobotsTxt.parse(text))
    got = [(d.code, d.line, d.column, d.end_column) for d in signal.diagnostics]
    assert got == [("APR102", 3, 25, 26), ("APR111", 4, 19, 23), ("APR105", 4, 34, 36),
                   ("APR108", 5, 16, 26)]
    # The malformed rule covers / but says nothing (vocab §6: all preferences unknown).
    assert usages(signal, "Bot", "/x") == []


def test_google_extended_group_is_separate() -> None:
    text = ("User-agent: *\nAllow: /\nContent-Usage: train-ai=y\n\n"
            "User-agent: Google-Extended\nAllow: /\nContent-Usage: train-ai=n\n")
    signal = aipref.from_robots(RobotsTxt.parse(text))
    assert usages(signal, "Google-Extended", "/") == [("train-ai", N, 7)]
    assert usages(signal, "Googlebot", "/") == [("train-ai", Y, 3)]


def test_no_content_usage_no_statements() -> None:
    signal = aipref.from_robots(RobotsTxt.parse("User-agent: *\nDisallow: /private\n"))
    assert signal.rules == () and usages(signal, "Bot", "/") == []


# --- Content-Usage on requests (attach-05 §2: representation metadata; spec R-12-22) --------

@pytest.mark.parametrize("headers", [
    {"Content-Usage": "train-ai=n, search=y"},
    [(b"content-type", b"text/plain"), (b"content-usage", b"train-ai=n, search=y")],
    {"REQUEST_METHOD": "PUT", "HTTP_CONTENT_USAGE": "train-ai=n, search=y"},
    [("Content-Usage", "train-ai=n"), ("content-usage", "search=y")],
])
def test_request_headers_in_every_shape(headers: Any) -> None:
    signal = aipref.from_request(headers, source="PUT /upload")
    assert signal.preferences == {"train-ai": N, "search": Y}
    assert signal.diagnostics == ()
    assert [(s.usage, s.value) for s in signal.statements("AnyBot", "/upload")] == [
        ("train-ai", N), ("search", Y)]


def test_request_header_diagnostics_are_those_of_a_response() -> None:
    request = aipref.from_request([(b"Content-Usage", b"train-ai=no")])
    response = aipref.from_headers({"Content-Usage": "train-ai=no"})
    assert [(d.code, d.line, d.column) for d in request.diagnostics] == [("APR105", 1, 10)]
    assert request.diagnostics == response.diagnostics


def test_robots_rule_without_a_path_is_the_least_specific() -> None:
    # attach-05 §3: the path may be absent; such a rule covers the group with length 0.
    text = ("User-agent: *\nAllow: /\nContent-Usage: train-ai=n\n"
            "Content-Usage: / train-ai=y\n")
    signal = aipref.from_robots(RobotsTxt.parse(text))
    assert signal.diagnostics == ()
    assert [(s.usage, s.value, s.line) for s in signal.statements("Bot", "/x")] == [
        ("train-ai", Y, 4)]
    two = aipref.from_robots(RobotsTxt.parse("User-agent: *\nAllow: /\nContent-Usage: train-ai=y"
                                             "\nContent-Usage: search=y, train-ai=n\n"))
    assert [(s.usage, s.value) for s in two.statements("Bot", "/x")] == [
        ("train-ai", N), ("search", Y)]
