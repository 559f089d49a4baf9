"""The decision algorithm of spec §10, rule by rule, on small declarations."""

from __future__ import annotations

import datetime as dt

import pytest

from aioptout import parse
from aioptout.evaluate import evaluate
from aioptout.model import Value
from aioptout.usage import LABELS

A = Value.ALLOWED
D = Value.DISALLOWED
U = Value.UNKNOWN
HEAD = "AIOptOut-Version: 1\n"
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def decide(text: str, agent: str, target: str, usage: str) -> Value:
    return parse(HEAD + text).evaluate(agent, target, usage, now=NOW).value


# [R-10.3-1] longest matching pattern in octets; Allow wins ties; no match means allowed.
@pytest.mark.parametrize(
    ("rules", "path", "expected"),
    [
        ("Disallow: /a\nAllow: /a/b", "/a/b/c", A),
        ("Disallow: /a/b\nAllow: /a", "/a/b/c", D),
        ("Disallow: /a\nAllow: /a", "/a", A),
        ("Disallow: /a*\nAllow: /a", "/a", D),
        ("Disallow: /", "/robots.txt", A),
        ("Disallow: /", "/.well-known/aioptout.txt", A),
        ("Disallow: /*.pdf$", "/x.pdf", D),
        ("Disallow: /*.pdf$", "/x.pdf?x=1", A),
        ("Disallow: /fish", "/Fish", A),
        ("Disallow: /%7Ejoe", "/~joe/x", D),
        ("Disallow: /~joe", "/%7ejoe/x", D),
        ("Disallow: /a%2Fb", "/a/b", A),
        ("Disallow: /ツ", "/%E3%83%84/x", D),
        ("Disallow:", "/anything", A),
        ("Disallow: /x?", "/x?", D),
        ("Disallow: /x", "https://h.example/x#frag", D),
    ],
)
def test_crawl_stage(rules: str, path: str, expected: Value) -> None:
    assert decide(f"User-agent: *\n{rules}\n", "bot", path, "crawl") is expected


# [R-6-6] [R-6-7] [R-6-8] group selection.
def test_named_group_hides_the_star_group_entirely() -> None:
    text = "User-agent: *\nDisallow: /\nContent-Usage: train-ai=n\n\nUser-agent: GPTBot\nAllow: /\n"
    assert decide(text, "GPTBot", "/x", "crawl") is A
    assert decide(text, "gptbot", "/x", "train-ai") is U
    assert decide(text, "OtherBot", "/x", "crawl") is D


def test_groups_naming_one_agent_are_merged() -> None:
    text = "User-agent: a\nDisallow: /x\n\nUser-agent: b\nAllow: /\n\nUser-agent: A\nAllow: /x/y\n"
    assert decide(text, "a", "/x/z", "crawl") is D
    assert decide(text, "a", "/x/y", "crawl") is A


def test_agent_with_version_uses_its_token() -> None:
    text = "User-agent: GPTBot\nDisallow: /\n"
    assert decide(text, "GPTBot/1.1", "/", "crawl") is D


def test_no_groups_means_no_rules() -> None:
    assert decide("", "x", "/", "crawl") is A
    assert decide("", "x", "/", "train-ai") is U


# [R-10.4-1] no preference is implied for disallowed paths.
def test_usage_is_unknown_where_crawling_is_disallowed() -> None:
    text = "User-agent: *\nDisallow: /never/\nContent-Usage: train-ai=n\n"
    assert decide(text, "x", "/never/a", "train-ai") is U
    assert decide(text, "x", "/ok", "train-ai") is D


def test_aipref_attach_example() -> None:
    # draft-ietf-aipref-attach §3 example and its stated results.
    text = (
        "User-Agent: *\nAllow: /\nDisallow: /never/\nContent-Usage: train-ai=n\n"
        "Content-Usage: /ai-ok/ train-ai=y\n\nUser-Agent: ExampleBot\nAllow: /\n"
        "Content-Usage: train-ai=y\n"
    )
    assert decide(text, "x", "/test", "train-ai") is D
    assert decide(text, "x", "/never/test", "train-ai") is U
    assert decide(text, "x", "/ai-ok/test", "train-ai") is A
    assert decide(text, "ExampleBot", "/never/test", "train-ai") is A


# [R-10.4-2] longest usage pattern; equally long ones combine most restrictively.
def test_equally_specific_usage_rules_combine_most_restrictively() -> None:
    text = "User-agent: *\nAllow: /\nContent-Usage: /a train-ai=y\nContent-Usage: /a train-ai=n\n"
    assert decide(text, "x", "/a/1", "train-ai") is D


def test_longest_usage_rule_wins_even_if_it_says_nothing() -> None:
    text = "User-agent: *\nAllow: /\nContent-Usage: train-ai=n\nContent-Usage: /x search=y\n"
    assert decide(text, "x", "/x/1", "train-ai") is U
    assert decide(text, "x", "/y", "train-ai") is D


def test_malformed_preference_makes_every_label_unknown() -> None:
    text = "User-agent: *\nAllow: /\nContent-Usage: train-ai=n\nContent-Usage: /x Train-AI=n\n"
    assert decide(text, "x", "/x", "train-ai") is U


# [R-8-2] label containment.
@pytest.mark.parametrize(
    ("pref", "usage", "expected"),
    [
        ("tdm=n", "train-ai", D),
        ("tdm=n", "search", D),
        ("tdm=n, search=y", "search", A),
        ("tdm=n, search=y", "ai-input", D),
        ("train-any=n", "train-ai", D),
        ("train-any=n", "search", U),
        ("train-ai=n", "train-any", U),
        ("train-ai=y, train-any=n", "train-ai", A),
        ("tdm=y, train-ai=n", "tdm", A),
        ("bots=n", "train-ai", D),  # vocab-03/-04 bots is all TDM (spec §8.1)
        ("foo=n", "train-ai", U),
    ],
)
def test_label_containment(pref: str, usage: str, expected: Value) -> None:
    text = f"User-agent: *\nAllow: /\nContent-Usage: {pref}\n"
    assert decide(text, "x", "/", usage) is expected


def test_unknown_usage_label_is_unknown() -> None:
    assert decide("User-agent: *\nAllow: /\nContent-Usage: tdm=n\n", "x", "/", "bots") is U


# [R-10.5-1] work identifiers.
CATALOGUE = (
    "User-agent: *\nAllow: /\nWork-Usage: isrc:GBEMI* train-ai=n\n"
    "Work-Usage: isrc:GBEMI0300013 train-ai=y\nWork-Usage: upc:036000* search=n\n"
    "Work-Usage: isbn:0-306* tdm=n\nWork-Usage: doi:10.1000/* train-ai=n\n"
)


@pytest.mark.parametrize(
    ("target", "usage", "expected"),
    [
        ("isrc:GBEMI0300014", "train-ai", D),
        ("isrc:GB-EMI-03-00013", "train-ai", A),
        ("isrc:USUM71703861", "train-ai", U),
        ("ean:0036000291452", "search", D),
        ("gtin:00036000291452", "search", D),
        ("isbn:978-0-306-40615-7", "train-ai", D),
        ("isbn:0-306-40615-2", "train-ai", D),
        ("doi:10.1000/ABC", "train-ai", D),
        ("isrc:GBEMI0300014", "crawl", U),
        ("isrc:not-valid", "train-ai", U),
    ],
)
def test_work_identifiers(target: str, usage: str, expected: Value) -> None:
    assert decide(CATALOGUE, "x", target, usage) is expected


def test_work_rules_do_not_apply_to_paths_and_path_rules_not_to_works() -> None:
    # [R-7.3-2]
    text = "User-agent: *\nAllow: /\nContent-Usage: train-ai=n\nWork-Usage: isrc:GB* search=n\n"
    assert decide(text, "x", "isrc:GBEMI0300013", "train-ai") is U
    assert decide(text, "x", "/isrc:GB", "search") is U


# [R-5.6-5] expiry.
def test_expired_declaration_has_unknown_preferences_but_keeps_crawl_rules() -> None:
    text = "Expires: 2026-05-01\nUser-agent: *\nDisallow: /x\nContent-Usage: train-ai=n\n"
    decl = parse(HEAD + text)
    assert decl.evaluate("b", "/", "train-ai", now=NOW).value is U
    assert decl.evaluate("b", "/", "train-ai", now=dt.datetime(2026, 4, 1)).value is D
    assert decl.evaluate("b", "/x", "crawl", now=NOW).value is D


def test_decision_carries_line_rule_and_reason() -> None:
    decl = parse(HEAD + "User-agent: *\nAllow: /\nContent-Usage: tdm=n\n", source="f.txt")
    decision = decl.evaluate("bot", "/a", "search", now=NOW)
    assert (decision.value, decision.line, decision.rule) == (D, 4, "tdm=n")
    assert "tdm" in decision.reason and decision.source == "f.txt"
    assert decision.to_dict()["value"] == "disallowed"


def test_statements_give_every_decided_label() -> None:
    decl = parse(HEAD + "User-agent: *\nAllow: /\nContent-Usage: train-ai=n, search=y\n")
    got = {(s.usage, s.value) for s in decl.statements("x", "/")}
    assert got == {("crawl", A), ("train-ai", D), ("search", A)}


# --- issue 13: one set of lines means one thing, in a declaration and in robots.txt ----------

_SAME_LINES = (
    "User-agent: Bytespider\nDisallow: /\n",
    "User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /private/\n\nUser-agent: *\nAllow: /\n",
    "User-agent: Google-Extended\nDisallow: /\n\nUser-agent: Googlebot\nAllow: /\n",
    "User-agent: *\nDisallow: /\n",
    "User-agent: ChatGPT-User\nDisallow: /a/\nAllow: /a/b\n",
)
_AGENTS = ("Bytespider", "GPTBot", "CCBot", "Googlebot", "Google-Extended", "ChatGPT-User",
           "ExampleBot")


@pytest.mark.parametrize("lines", _SAME_LINES)
def test_crawl_lines_mean_the_same_in_a_declaration_and_in_robots_txt(lines: str) -> None:
    from aioptout.decide import decide
    from aioptout.signals.robots import RobotsTxt

    declaration = parse("AIOptOut-Version: 1\n" + lines)
    robots = RobotsTxt.parse(lines)
    for agent in _AGENTS:
        for target in ("/", "/private/x", "/a/b", "/a/c"):
            for usage in ("crawl", *LABELS):
                ours = evaluate(declaration, agent, target, usage).value
                theirs = decide([robots], agent, target, usage).value
                assert ours is theirs, (agent, target, usage)


def test_bytespider_disallow_reserves_training_in_a_declaration() -> None:
    declaration = parse("AIOptOut-Version: 1\nUser-agent: Bytespider\nDisallow: /\n")
    result = evaluate(declaration, "Bytespider", "/x", "train-ai")
    assert result.value is Value.DISALLOWED
    assert result.line == 3
    assert evaluate(declaration, "Bytespider", "/x", "search").value is Value.UNKNOWN


def test_control_token_disallow_reserves_its_labels_for_the_crawler_it_governs() -> None:
    declaration = parse("AIOptOut-Version: 1\nUser-agent: Google-Extended\nDisallow: /p/\n\n"
                        "User-agent: *\nAllow: /\nContent-Usage: train-ai=y, ai-input=y\n")
    assert evaluate(declaration, "Googlebot", "/p/x", "train-ai").value is Value.DISALLOWED
    assert evaluate(declaration, "Googlebot", "/p/x", "ai-input").value is Value.DISALLOWED
    assert evaluate(declaration, "Googlebot", "/p/x", "crawl").value is Value.ALLOWED
    assert evaluate(declaration, "Googlebot", "/q", "train-ai").value is Value.ALLOWED


def test_purpose_reservation_ends_with_the_declaration() -> None:
    declaration = parse("AIOptOut-Version: 1\nExpires: 2026-01-01\nUser-agent: GPTBot\n"
                        "Disallow: /\n")
    late = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert evaluate(declaration, "GPTBot", "/x", "train-ai", now=late).value is Value.UNKNOWN
    early = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    assert evaluate(declaration, "GPTBot", "/x", "train-ai", now=early).value is Value.DISALLOWED


def test_content_usage_without_a_path_is_less_specific_than_root() -> None:
    declaration = parse("AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n"
                        "Content-Usage: train-ai=n\nContent-Usage: / train-ai=y\n")
    result = evaluate(declaration, "ExampleBot", "/x", "train-ai")
    assert result.value is Value.ALLOWED
    assert result.line == 5
