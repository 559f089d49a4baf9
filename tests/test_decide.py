"""One decision from several signals: aipref's "any no wins", with robots.txt read through
the agent registry."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import aioptout
from aioptout.decide import Signal, decide, explain
from aioptout.model import Value
from aioptout.signals import aipref, contentsignal, robotsmeta
from aioptout.signals.robots import RobotsTxt

N, Y, UNK = Value.DISALLOWED, Value.ALLOWED, Value.UNKNOWN
CORPUS = Path(os.environ.get("AIOPTOUT_CORPUS",
                             Path(__file__).resolve().parents[2] / "shared" / "corpus"))
GPTBOT_UA = ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; "
             "+https://openai.com/gptbot)")


def corpus_file(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    return path


@pytest.fixture(scope="module")
def cnn() -> RobotsTxt:
    # One group lists gptbot, google-extended, applebot-extended, ccbot, chatgpt-user … and
    # ends with "disallow: /" (line 73); the * group allows news pages.
    path = corpus_file("robots", "great-gpt-firewall", "2025-12", "cnn.com.txt")
    return RobotsTxt.parse(path.read_bytes(), source="https://www.cnn.com/robots.txt")


PAGE = "https://www.cnn.com/2025/12/01/politics/story.html"


@pytest.mark.parametrize(
    ("agent", "usage", "value", "crawl", "via"),
    [
        # A training crawler that may not fetch the page: its purpose maps to train-any
        # (mapping "robots" rows), which train-ai inherits (spec §7.3).
        ("GPTBot", "train-ai", N, N, "GPTBot (its purpose is training)"),
        (GPTBOT_UA, "train-ai", N, N, "GPTBot (its purpose is training)"),
        # signals.md §6.3: Google-Extended "Disallow means content crawled by Google may not be
        # used for training ... and for grounding"; it does not affect Search.
        ("Googlebot", "train-ai", N, Y, "Google-Extended (control token for Googlebot)"),
        ("Googlebot", "ai-input", N, Y, "Google-Extended (control token for Googlebot)"),
        ("Googlebot", "search", UNK, Y, None),
        # Applebot-Extended "controls whether data crawled by Applebot may train" models.
        ("Applebot", "train-ai", N, Y, "Applebot-Extended (control token for Applebot)"),
        ("Applebot", "search", UNK, Y, None),
        # A crawler the registry does not know: crawl verdict only, no usage statement.
        ("UnknownBot", "train-ai", UNK, Y, None),
    ],
)
def test_robots_through_the_registry(cnn: RobotsTxt, agent: str, usage: str, value: Value,
                                     crawl: Value, via: str | None) -> None:
    decision = decide([cnn], agent, PAGE, usage)
    assert (decision.value, decision.crawl) == (value, crawl)
    if via is None:
        assert decision.mechanism == "none" and decision.line is None
    else:
        assert decision.mechanism == "robots" and decision.line == 73
        assert decision.rule == "Disallow: /"
        assert via in decision.reason
        assert decision.source == "https://www.cnn.com/robots.txt"


def test_crawl_usage_is_the_robots_verdict(cnn: RobotsTxt) -> None:
    assert decide([cnn], "GPTBot", PAGE, "crawl").value is N
    assert decide([cnn], "Googlebot", PAGE, "crawl").value is Y
    # "usage=crawl returns the robots verdict (unknown when no robots signal)".
    header = aipref.from_headers({"Content-Usage": "train-ai=n"})
    assert decide([header], "GPTBot", PAGE, "crawl").value is UNK
    assert decide([cnn], "GPTBot", "isrc:GBEMI0300013", "crawl").value is UNK


def test_cloudflare_managed_file() -> None:
    # Managed robots.txt: "User-agent: * / Content-Signal: search=yes,ai-train=no / Allow: /",
    # then Disallow: / groups for GPTBot, Google-Extended, CCBot ...
    path = corpus_file("other", "content-signal", "2025-12_davidguetta.com.txt")
    robots = RobotsTxt.parse(path.read_bytes(), source="https://davidguetta.com/robots.txt")
    signals: list[Signal] = [robots, contentsignal.from_robots(robots),
                             aipref.from_robots(robots)]
    other = decide(signals, "SomeBot", "https://davidguetta.com/tour", "train-ai")
    assert (other.value, other.mechanism, other.line) == (N, "content-signal", 29)
    assert decide(signals, "SomeBot", "/tour", "search").value is Y
    assert decide(signals, "SomeBot", "/tour", "ai-input").value is UNK
    # The wp-admin group merged into * (RFC 9309 §2.2.1): crawling is disallowed there, yet
    # the Content-Signal line still covers it (contentsignal.py's documented choice).
    admin = decide(signals, "SomeBot", "/wp-admin/x", "train-ai")
    assert (admin.value, admin.crawl) == (N, N)
    gpt = decide(signals, "GPTBot", "/tour", "train-ai")
    assert (gpt.value, gpt.mechanism) == (N, "robots")


def test_pre_ai_file_is_a_negative_control() -> None:
    # robots/pre-ai-2019 predates GPTBot: nothing may reserve AI use by name.
    path = corpus_file("robots", "pre-ai-2019", "wikipedia.org.txt")
    robots = RobotsTxt.parse(path.read_bytes())
    decision = decide([robots], "GPTBot", "https://en.wikipedia.org/wiki/Robot", "train-ai")
    assert (decision.value, decision.crawl) == (UNK, Y)


# --- hand-made combinations -----------------------------------------------------------------

ROBOTS = RobotsTxt.parse(
    "User-agent: *\nAllow: /\nDisallow: /private/\nContent-Usage: train-ai=y, search=y\n",
    source="https://e.com/robots.txt")


def test_any_no_wins_across_mechanisms() -> None:
    # vocab §5.1: "If any statement says n, the result is disallowed".
    header = aipref.from_headers({"Content-Usage": "train-ai=n"}, source="https://e.com/a")
    signals: list[Signal] = [ROBOTS, aipref.from_robots(ROBOTS), header]
    decision = decide(signals, "SomeBot", "https://e.com/a", "train-ai")
    assert decision.value is N
    assert (decision.mechanism, decision.source, decision.line) == ("aipref", "https://e.com/a",
                                                                    None)
    assert {(s.mechanism, s.usage, s.value) for s in decision.statements} >= {
        ("robots", "crawl", Y), ("aipref", "train-ai", Y), ("aipref", "train-ai", N)}


def test_yes_when_no_statement_says_no() -> None:
    # vocab §5.1: "Otherwise, if any says y, it is allowed".
    decision = decide([ROBOTS, aipref.from_robots(ROBOTS)], "SomeBot", "/a", "search")
    assert (decision.value, decision.line, decision.rule) == (
        Y, 4, "Content-Usage: train-ai=y, search=y")


def test_unknown_when_nothing_is_said() -> None:
    # vocab §5.1: "Otherwise it is unknown"; attach §3: nothing implied for disallowed paths.
    decision = decide([ROBOTS, aipref.from_robots(ROBOTS)], "SomeBot", "/private/x", "train-ai")
    assert (decision.value, decision.crawl) == (UNK, N)
    assert "disallows crawling" in decision.reason


def test_parent_label_in_one_statement_beats_child_in_another() -> None:
    # spec §7.3: a label without a value in a statement takes its parent's value.  The header
    # says tdm=n (so train-ai=n there); robots.txt says train-ai=y: any no wins.
    header = aipref.from_headers({"Content-Usage": "tdm=n"})
    decision = decide([ROBOTS, aipref.from_robots(ROBOTS), header], "SomeBot", "/a", "train-ai")
    assert decision.value is N and "through tdm" in decision.reason


def test_child_label_in_the_same_statement_is_more_specific() -> None:
    header = aipref.from_headers({"Content-Usage": "tdm=n, search=y"})
    assert decide([header], "SomeBot", "/a", "search").value is Y
    assert decide([header], "SomeBot", "/a", "train-ai").value is N


def test_noai_meta_combines_with_robots() -> None:
    meta = robotsmeta.from_html('<meta name="robots" content="noai">', source="https://e.com/a")
    decision = decide([ROBOTS, aipref.from_robots(ROBOTS), meta], "SomeBot", "/a", "train-ai")
    assert (decision.value, decision.mechanism) == (N, "robots-meta")


def test_declaration_is_a_signal_too() -> None:
    declaration = aioptout.parse(
        "AIOptOut-Version: 1\n\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=n\n"
        "Work-Usage: isrc:GBEMI* train-ai=n\n")
    decision = decide([declaration, ROBOTS, aipref.from_robots(ROBOTS)], "SomeBot", "/a",
                      "train-ai")
    assert (decision.value, decision.mechanism, decision.line) == (N, "aioptout", 5)
    work = decide([declaration, ROBOTS], "SomeBot", "isrc:GBEMI0300013", "train-ai")
    assert (work.value, work.mechanism, work.crawl) == (N, "aioptout", None)


def test_unknown_usage_label() -> None:
    decision = decide([ROBOTS], "SomeBot", "/a", "train-genai")
    assert decision.value is UNK and decision.mechanism == "none"


def test_explain_lists_every_statement() -> None:
    header = aipref.from_headers({"Content-Usage": "train-ai=n"})
    decision = decide([ROBOTS, aipref.from_robots(ROBOTS), header], "SomeBot", "/a", "train-ai")
    lines = explain(decision)
    assert lines[0] == "train-ai for SomeBot at /a: disallowed"
    assert lines[2] == "  crawl: allowed"
    marked = [line for line in lines if line.startswith("   * ")]
    assert marked == ["   * aipref: train-ai=n (Content-Usage header says train-ai=n)"]
    assert len([line for line in lines if line.startswith("   ")]) == len(decision.statements)


def test_readers_satisfy_the_protocol() -> None:
    for signal in (ROBOTS, aipref.from_robots(ROBOTS), aipref.from_headers({}),
                   contentsignal.from_robots(ROBOTS), contentsignal.from_headers({}),
                   robotsmeta.from_html("")):
        assert isinstance(signal, Signal)
