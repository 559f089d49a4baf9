"""The fast paths give exactly what the straightforward algorithms give.

Each hot path (URL and pattern normalisation, the bucketed rule set, the robots.txt line loop,
the slot-setting constructors, the declaration decision) is compared with a plain reference,
on generated inputs and, for robots.txt, on the real-file corpus.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import os
import pickle
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioptout import _decode, _match, parse
from aioptout import diagnostics as D
from aioptout import evaluate as E
from aioptout._match import (
    _NEEDS_WORK,
    _PATTERN_KEEP,
    RuleSet,
    _canonical,
    _normalize_path_general,
    compile_pattern,
    normalize_path,
    normalize_pattern,
)
from aioptout.agents import default_registry, usage_labels_for
from aioptout.evaluate import _decision
from aioptout.model import Decision, Diagnostic, Group, Record, Rule, RuleKind, Value
from aioptout.parse import (
    _BLANK,
    _REJECTED,
    FIELDS,
    _group,
    _record,
    _rule,
    _split,
    split_line,
)
from aioptout.signals import robots as R

P = importlib.import_module("aioptout.parse")  # the module: the package exports ``parse``
CORPUS = Path(
    os.environ.get("AIOPTOUT_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)

# --- Normalisation ---------------------------------------------------------------------------
_URL_PARTS = st.sampled_from(
    ["https://", "http://", "HTTP://", "//", "/", "h.example", "a", "?", ";", "#", "%", "%41",
     "%e3", "*", "$", "é", " ", ":", "@", "~", "\x01", "\udce9", "."]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_URL_PARTS, max_size=10).map("".join))
def test_normalize_path_fast_path_agrees_with_the_general_one(target: str) -> None:
    assert normalize_path(target) == _normalize_path_general(target)


def _pattern_reference(pattern: str) -> str:
    """``normalize_pattern`` as first written: the general pass unless nothing needs work."""
    if _NEEDS_WORK.search(pattern) is None:
        return pattern
    if pattern.endswith("$"):
        return _canonical(pattern[:-1], _PATTERN_KEEP) + "$"
    return _canonical(pattern, _PATTERN_KEEP)


@settings(max_examples=1000, deadline=None)
@given(st.text(st.sampled_from(list("/ab*$%2A?é ~")), max_size=12))
def test_normalize_pattern_fast_path_agrees_with_the_general_one(pattern: str) -> None:
    assert normalize_pattern(pattern) == _pattern_reference(pattern)


# --- Decoding: the whole-text scan that skips the per-line checks -----------------------------
@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(["Allow: /", "\x00", "\x0b", "\x7f", "\r", "\n", "\r\n", "é", "\udce9",
                         "x" * 4200, "y" * 17000, "\u2028", " "]),
        max_size=8,
    ).map("".join)
)
def test_decode_skips_per_line_checks_only_when_they_find_nothing(text: str) -> None:
    data = text.encode("utf-8", "surrogateescape")
    fast = _decode.decode(data)
    with mock.patch.object(_decode, "_NOT_REPORTED_OCTETS", b""):  # always check every line
        reference = _decode.decode(data)
    assert fast.lines == reference.lines
    assert fast.report.finish() == reference.report.finish()


# --- The bucketed rule set -------------------------------------------------------------------
_PATTERNS = st.text(st.sampled_from(list("/ab*$")), max_size=11).map(lambda p: "/a" + p)
_PATHS = st.text(st.sampled_from(list("/ab")), max_size=12).map(lambda p: "/" + p)


def _ordered(texts: list[str]) -> list[tuple[int, int]]:
    """Rule indices, most specific first, ties in order (how both callers sort)."""
    compiled = [compile_pattern(t) for t in texts]
    return sorted(((-p.length, i) for i, p in enumerate(compiled)))


@settings(max_examples=800, deadline=None)
@given(st.lists(_PATTERNS, max_size=12), _PATHS)
def test_rule_set_first_is_the_first_match_of_a_linear_scan(texts: list[str], path: str) -> None:
    order = [i for _, i in _ordered(texts)]
    rules = RuleSet((compile_pattern(texts[i]), i) for i in order)
    linear = next((i for i in order if compile_pattern(texts[i]).matches(path)), None)
    assert rules.first(path) == linear
    # Pruning the rules that need a longer path changes nothing, whatever the bucket size.
    with mock.patch.object(_match, "_PRUNE_MIN", 1):
        pruned = RuleSet(((compile_pattern(texts[i]), i) for i in order), prune=True)
    assert pruned.first(path) == linear


@settings(max_examples=800, deadline=None)
@given(st.lists(_PATTERNS, max_size=12), _PATHS)
def test_rule_set_longest_is_every_match_of_the_greatest_length(
    texts: list[str], path: str
) -> None:
    order = [i for _, i in _ordered(texts)]
    rules = RuleSet((compile_pattern(texts[i]), i) for i in order)
    hits = [i for i in order if compile_pattern(texts[i]).matches(path)]
    best = max((compile_pattern(texts[i]).length for i in hits), default=None)
    expected = [i for i in hits if compile_pattern(texts[i]).length == best]
    assert rules.longest(path) == expected
    # The index that large sets answer from gives the same answer, whatever the set's size.
    with mock.patch.object(_match, "_INDEX_MIN", 0):
        indexed = RuleSet((compile_pattern(texts[i]), i) for i in order)
    assert indexed._index is not None and indexed.longest(path) == expected


@pytest.mark.parametrize("texts", [
    ["/a", "/a$", "/a*"],            # exact, prefix and glob of one path
    ["/a$", "/ab", "/a"],            # the exact rule is longer than the path's prefix rule
    ["/a*$", "/a$", "/a"],           # glob and exact of equal length
    ["/", "/a", "/a/", "/a/b", "/a/b$", "/*b", "/a*b$"],
])
@pytest.mark.parametrize("path", ["/", "/a", "/a/", "/ab", "/a/b", "/a/bb", "/b"])
def test_rule_set_longest_index_on_ties_and_kinds(texts: list[str], path: str) -> None:
    order = [i for _, i in _ordered(texts)]
    hits = [i for i in order if compile_pattern(texts[i]).matches(path)]
    best = max((compile_pattern(texts[i]).length for i in hits), default=None)
    with mock.patch.object(_match, "_INDEX_MIN", 0):
        indexed = RuleSet((compile_pattern(texts[i]), i) for i in order)
    assert indexed.longest(path) == [i for i in hits if compile_pattern(texts[i]).length == best]


# --- robots.txt: the plain-line loop against the general reading ------------------------------
def _snapshot(parsed: R.RobotsTxt) -> tuple[object, ...]:
    return (parsed.groups, parsed._group_keys, parsed.sitemaps, parsed.diagnostics)


def _both(data: str | bytes, semantics: R.Semantics) -> tuple[R.RobotsTxt, R.RobotsTxt]:
    fast = R.RobotsTxt.parse(data, semantics=semantics)
    reference = R._Parser(semantics == "google", plain_path=False).run(data, None, semantics)
    return fast, reference


_LINES = st.sampled_from(
    [
        "User-agent: *", "User-Agent: GPTBot", "user-agent:CCBot", "USER-AGENT: * x",
        "User-agent: bad token", "useragent: x", "Disallow: /", "Disallow:/a*b$",
        "disallow:  /x  ", "Disallow: /p # note", "Disallow:", "Disallow: x", "Allow: /",
        "Allow: /d/index.html", "allow:\t/t", "Sitemap: https://e.com/s.xml", "Sitemap: /rel",
        "Crawl-delay: 5", "Crawl-delay: soon", "Content-Usage: train-ai=n",
        "Content-Signal: search=yes", "Host: e.com", "  --x: y", "# comment", "   ", "\t# c",
        "<p>not a record</p>", "Disallow /missing-colon", "disalow: /typo", ": empty key",
        "Disallow: /\x0b", "\x0cDisallow: /f", "Disallow: /a:b", "", "x" * 4200,
        "Disallow: /" + "y" * 4200, "#" + "z" * 17000,
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_LINES, max_size=14),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["", "\ufeff"]),
    st.sampled_from(["google", "rfc9309"]),
)
def test_plain_line_loop_agrees_with_the_general_reading(
    lines: list[str], eol: str, bom: str, semantics: R.Semantics
) -> None:
    data = (bom + eol.join(lines)).encode("utf-8")
    fast, reference = _both(data, semantics)
    assert _snapshot(fast) == _snapshot(reference)


def _corpus_robots() -> list[Path]:
    root = CORPUS / "robots"
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return files[::7]  # every seventh file keeps the run short and still spans every source


@pytest.mark.skipif(not (CORPUS / "robots").exists(), reason="corpus not present")
def test_plain_line_loop_agrees_with_the_general_reading_on_the_corpus() -> None:
    files = _corpus_robots()
    assert files
    for path in files:
        data = path.read_bytes()
        for semantics in ("google", "rfc9309"):
            fast, reference = _both(data, semantics)
            assert _snapshot(fast) == _snapshot(reference), (path, semantics)


def _robots_reference(parsed: R.RobotsTxt, agent: str, url: str) -> bool:
    """RFC 9309 §2.2.2 by brute force: the longest matching rule; Allow wins a tie."""
    path = normalize_path(url)
    if path == "/robots.txt":
        return True
    best: tuple[int, bool] | None = None
    for group in parsed.matching_groups(agent):
        for line in group.lines:
            if line.field not in ("allow", "disallow") or not line.value:
                continue
            candidates = [line.value]
            slash = line.value.rfind("/")
            if line.field == "allow" and slash >= 0 and line.value.startswith("/index.htm", slash):
                candidates.append(line.value[: slash + 1] + "$")  # Google's index.html rule
            for text in candidates:
                pattern = compile_pattern(text)
                if pattern.matches(path):
                    key = (pattern.length, line.field == "allow")
                    best = key if best is None or key > best else best
    return best is None or best[1]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["User-agent: *", "User-agent: a", "Disallow: /a", "Disallow: /a*b", "Allow: /a/b",
             "Disallow: /*.x$", "Allow: /", "Disallow: /", "Allow: /a/index.html",
             "Disallow: /b$", "Allow: /*b"]
        ),
        max_size=10,
    ),
    st.sampled_from(["a", "b/1.0", "*"]),
    _PATHS,
)
def test_robots_decisions_agree_with_brute_force(lines: list[str], agent: str, path: str) -> None:
    parsed = R.RobotsTxt.parse("\n".join(lines))
    expected = _robots_reference(parsed, agent, path)
    assert parsed.allowed(agent, path) is expected
    assert parsed.decide(agent, path).allowed is expected


# --- Constructors that set slots directly -----------------------------------------------------
def test_fast_constructors_build_equal_objects() -> None:
    rule = Rule(RuleKind.CONTENT_USAGE, "/p", 3, "/p train-ai=n", {"train-ai": Value.DISALLOWED})
    assert _rule(rule.kind, rule.pattern, rule.line, rule.raw, dict(rule.preferences)) == rule
    assert _rule(RuleKind.ALLOW, "/", 2, "/", None) == Rule(RuleKind.ALLOW, "/", 2, "/")
    assert _record(4, "Allow", "/", 1, 8) == Record(4, "Allow", "/", 1, 8)
    made = _decision(Value.ALLOWED, "crawl", "a", "/x", "why", rule, "src", Value.ALLOWED)
    assert made == Decision(Value.ALLOWED, "crawl", "a", "/x", "why", 3, "/p train-ai=n",
                            "aioptout", "src", Value.ALLOWED, ())
    group = _group(("a",), (rule,), 2, (4,))
    assert group == Group(("a",), (rule,), 2, (4,))
    objects = [made, group, _record(1, "a", "b", 1, 2), _rule(RuleKind.ALLOW, "/", 1, "/", None)]
    for code in D.all_codes().values():
        for end, message in ((None, None), (9, "Refined")):
            made_diagnostic = code.at(3, 4, end, message=message)
            assert made_diagnostic == Diagnostic(
                code.code, code.severity, message or code.title, 3, 4, 3,
                5 if end is None else end, code.spec, code.hint)
            objects.append(made_diagnostic)
    for obj in objects:
        assert type(obj).__module__ == "aioptout.model"
        for item in dataclasses.fields(obj):  # every slot is set
            getattr(obj, item.name)


# --- Declaration lines: parse's memoised split against split_line ----------------------------
@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from([*list("aZ-_:/ \t#*$=,y"), "é", "\x00", "9", "Allow"]),
               max_size=24).map("".join))
def test_split_is_split_line_with_parse_columns(text: str) -> None:
    plain = split_line(text)
    split = _split(text)
    if plain is None:
        assert split is _BLANK
    elif not isinstance(plain, tuple):
        assert split is _REJECTED
    else:
        name_col, name, value_col, value = plain
        col = value_col + 1 if value_col >= 0 else len(text.split("#", 1)[0].rstrip(" \t")) + 1
        assert split == (name_col + 1, name, value, col, FIELDS.get(name.lower()))


# --- Declaration lines: parse's per-line plans against the general reading --------------------
_DECLARATION_LINES = st.sampled_from(
    [
        "AIOptOut-Version: 1", "AIOptOut-Version: 2", "aioptout-version:1.0", "Expires: 2030-01-01",
        "Rightsholder: R", "User-agent: *", "User-Agent: GPTBot", "user-agent:CCBot",
        "USER-AGENT: * x", "User-agent: bad token", "User-agent:", "useragent: x",
        "Disallow: /", "Disallow:", "disallow:  /x  ", "Disallow: /a*b$", "Disallow: /a$b",
        "Disallow: /p # note", "Disallow: *x", "Disallow: x", "Allow: /", "Allow: /a b",
        "allow:\t/t", "Allow: /%7e/é", "dissallow: /typo", "Content-Usage: train-ai=n",
        "Content-Usage: /p train-ai=y, search=n", "Content-Usage: /p", "Content-Usage: /p$x tdm=n",
        "Content-Usage: train-ai=maybe", "Content-Usage: bots=n", "Content-Usage:",
        "content-usage: /%41 search=y ", "Work-Usage: isrc:USUM71703861 train-ai=n",
        "Work-Usage: isrc:USUM71703862 train-ai=n", "Work-Usage: isrc:US* train-ai=n",
        "Work-Usage: isrc:USUM71703861", "Work-Usage: foo:bar train-ai=n",
        "Work-Usage: isrc:USUM71703861\ttdm=x", "Sitemap: https://e.com/s.xml", "Sitemap:",
        "Crawl-delay: 5", "Content-Signal: search=yes", "X-Foo: bar", "# comment", "   ", "",
        "<p>not a record</p>", "Disallow /missing-colon", "Disallow", "  Disallow : /x # c",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_DECLARATION_LINES, max_size=16), st.sampled_from(["\n", "\r\n"]))
def test_parse_plans_agree_with_the_general_reading(lines: list[str], eol: str) -> None:
    data = eol.join(lines).encode("utf-8")
    fast = P._parse(data, None, P._plan)
    reference = P._parse(data, None, P._general_plan)
    assert fast == reference  # every field, groups with their rules, records, diagnostics


@pytest.mark.skipif(not (CORPUS / "robots").exists(), reason="corpus not present")
def test_parse_plans_agree_with_the_general_reading_on_the_corpus() -> None:
    files = _corpus_robots()
    assert files
    for path in files:
        data = path.read_bytes()
        assert P._parse(data, None, P._plan) == P._parse(data, None, P._general_plan), path


@settings(max_examples=300, deadline=None)
@given(st.lists(_DECLARATION_LINES, max_size=12))
def test_records_are_every_record_line_as_written(lines: list[str]) -> None:
    decl = parse("\n".join(lines))
    expected = []
    for number, text in enumerate(_decode.decode("\n".join(lines)).lines, start=1):
        split = split_line(text)
        if isinstance(split, tuple):
            name_col, name, value_col, value = split
            col = value_col + 1 if value_col >= 0 else len(text.split("#", 1)[0].rstrip(" \t")) + 1
            expected.append(Record(number, name, value, name_col + 1, col))
    assert decl.records == tuple(expected)
    assert decl.records is decl.records  # built once


def test_deferred_fields_behave_like_plain_fields() -> None:
    text = "AIOptOut-Version: 1\nUser-agent: *\nDisallow: /a\nContent-Usage: train-ai=n\n"
    decl = parse(text)
    group = decl.groups[0]
    assert group.rules is group.rules
    assert all(type(rule) is Rule for rule in group.rules)
    assert isinstance(decl.records, tuple)
    again = parse(text)
    assert again == decl
    assert dataclasses.replace(again) == decl
    assert copy.deepcopy(parse(text)) == decl
    assert pickle.loads(pickle.dumps(parse(text))) == decl
    assert repr(parse(text)) == repr(decl)


@settings(max_examples=600, deadline=None)
@given(st.text(st.sampled_from([*list("aZ-_:/ \t#*<"), "é", "\x00", "9"]), max_size=16))
def test_error_column_agrees_with_lark(text: str) -> None:
    if P._line_re().fullmatch(text) is not None:
        return  # only rejected lines get an error column
    assert P._error_column(text) == P._lark_error_column(text)


# --- Declaration decisions against the straightforward algorithm ------------------------------
def _declaration_reference(text: str, agent: str, path: str, usage: str) -> Value:
    """Spec §10 read literally: one linear pass per stage over the agent's merged groups."""
    from aioptout import usage as U

    decl = parse(text)
    token = agent.split("/")[0].lower()
    named = [g for g in decl.groups if any(a.lower() == token for a in g.agents)]
    groups = named or [g for g in decl.groups if "*" in g.agents]
    rules = [r for g in groups for r in g.rules]
    norm = normalize_path(path)
    crawl = [r for r in rules if r.kind in (RuleKind.ALLOW, RuleKind.DISALLOW)
             and compile_pattern(r.pattern).matches(norm)]
    if norm not in ("/robots.txt", "/.well-known/aioptout.txt") and crawl:
        top = max(crawl, key=lambda r: (compile_pattern(r.pattern).length,
                                        r.kind is RuleKind.ALLOW))
        if top.kind is RuleKind.DISALLOW:
            if usage == "crawl":
                return Value.DISALLOWED
            # R-10.4-3: the Disallow reserves the labels of the agent's registry purpose.
            entry = default_registry().get(token)
            labels = usage_labels_for(entry) if entry is not None else ()
            return Value.DISALLOWED if set(U.chain(usage)) & set(labels) else Value.UNKNOWN
    if usage == "crawl":
        return Value.ALLOWED
    usage_rules = [r for r in rules if r.kind is RuleKind.CONTENT_USAGE
                   and compile_pattern(r.pattern).matches(norm)]
    if not usage_rules:
        return Value.UNKNOWN
    longest = max(compile_pattern(r.pattern).length for r in usage_rules)
    return U.combine(U.resolve(r.preferences, usage)[0] for r in usage_rules
                     if compile_pattern(r.pattern).length == longest)


_DECL_LINES = st.sampled_from(
    ["User-agent: *", "User-agent: GPTBot", "Allow: /", "Disallow: /a", "Allow: /a/b",
     "Disallow: /*.x$", "Content-Usage: train-ai=n", "Content-Usage: /a train-ai=y, search=n",
     "Content-Usage: /a tdm=n", "Content-Usage: /b/ search=y", "Content-Usage: /a/ train-any=n"]
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_DECL_LINES, max_size=10),
    st.sampled_from(["GPTBot/1.1", "OtherBot", "*"]),
    st.sampled_from(["/", "/a", "/a/b", "/a/x.x", "/b/c", "https://e.example/a/b?q#f"]),
    st.sampled_from(["crawl", "train-ai", "train-any", "ai-input", "search", "tdm"]),
)
def test_declaration_decisions_agree_with_the_straightforward_algorithm(
    lines: list[str], agent: str, path: str, usage: str
) -> None:
    text = "AIOptOut-Version: 1\n" + "\n".join(lines) + "\n"
    decl = parse(text)
    first = decl.evaluate(agent, path, usage)
    assert first.value is _declaration_reference(text, agent, path, usage)
    assert decl.evaluate(agent, path, usage) == first  # cached indexes change nothing
    # The answer kept for declarations whose Content-Usage rules name no path is the answer the
    # per-path scan gives.
    with mock.patch.object(E, "_build_index", _index_without_site_usage):
        assert parse(text).evaluate(agent, path, usage) == first


def _index_without_site_usage(groups: list[Group], named: bool, token: str = "") -> E._Index:
    return dataclasses.replace(_BUILD_INDEX(groups, named, token), site_usage=None)


_BUILD_INDEX = E._build_index
