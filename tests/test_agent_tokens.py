"""Agent tokens exactly: digits belong to tokens, both sides compare whole tokens (spec §6).

A group written for one bot never applies to another, in robots.txt (both readings) and in the
declaration; a caller string that is not a token gets only the ``*`` groups; a NUL ends its
line; a robots.txt that could not be read never gets a reason naming a line.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aioptout._match import agent_token, caller_key
from aioptout.agents import default_registry
from aioptout.checker import Checker
from aioptout.cli import app
from aioptout.crawl import check_site
from aioptout.decide import decide
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import Value
from aioptout.parse import parse
from aioptout.signals import aitxt
from aioptout.signals.robots import RobotsTxt, _Parser
from aioptout.signals.robotsmeta import from_headers, from_html
from aioptout.survey.metrics import blocked_root

SEMANTICS = ("google", "rfc9309")


def _file(token: str) -> bytes:
    return f"User-agent: *\nAllow: /\n\nUser-agent: {token}\nDisallow: /\n".encode()


def _declaration(token: str) -> bytes:
    return b"AIOptOut-Version: 1\n" + _file(token)


# (token a file names, callers its group applies to, callers it must not apply to)
CASES = [
    ("Rule1TestBot", ("Rule1TestBot", "rule1testbot", "RULE1TESTBOT"),
     ("Rule2TestBot", "Rule", "RuleTestBot", "Rule1")),
    ("Ai2Bot-Dolma", ("Ai2Bot-Dolma", "AI2BOT-DOLMA"), ("AI2Bot", "Ai", "Ai2Bot-Dolma2")),
    ("AI2Bot", ("AI2Bot", "ai2bot"), ("Ai2Bot-Dolma", "AI", "AI2")),
    ("Bot360", ("Bot360", "bot360"), ("Bot", "Bot36", "Bot3600")),
    ("360Spider", ("360Spider", "360spider"), ("Spider", "360")),
    ("MJ12bot", ("MJ12bot", "mj12BOT"), ("MJ", "MJbot", "MJ1bot")),
    ("GPTBot", ("GPTBot", "gptbot", "GPTBot/1.1", " GPTBot "), ("GPTBot1", "GPT", "GPTBot-x")),
]


@pytest.mark.parametrize("semantics", SEMANTICS)
@pytest.mark.parametrize(("token", "hits", "misses"), CASES)
def test_robots_group_applies_to_its_token_only(
    semantics: str, token: str, hits: tuple[str, ...], misses: tuple[str, ...]
) -> None:
    robots = RobotsTxt.parse(_file(token), semantics=semantics)  # type: ignore[arg-type]
    for agent in hits:
        assert robots.decide(agent, "/x").line == 5, agent
        assert robots.mentions(agent), agent
    for agent in misses:
        verdict = robots.decide(agent, "/x")
        assert verdict.allowed and verdict.line == 2, agent
        assert not robots.mentions(agent), agent


@pytest.mark.parametrize(("token", "hits", "misses"), CASES)
def test_declaration_group_applies_to_its_token_only(
    token: str, hits: tuple[str, ...], misses: tuple[str, ...]
) -> None:
    declaration = parse(_declaration(token))
    assert [d.code for d in declaration.diagnostics if d.code == "AOO401"] == []
    for agent in hits:
        assert declaration.evaluate(agent, "/x", "crawl").value is Value.DISALLOWED, agent
    for agent in misses:
        assert declaration.evaluate(agent, "/x", "crawl").value is Value.ALLOWED, agent


def test_digit_in_a_file_token_is_a_note_at_the_digit() -> None:
    robots = RobotsTxt.parse(b"User-agent: MJ12bot\nUser-agent: 360Spider\nDisallow: /\n")
    found = [(d.code, d.line, d.column, d.end_column) for d in robots.diagnostics]
    assert found == [("ROB117", 1, 15, 20), ("ROB117", 2, 13, 22)]
    assert all(d.severity == "info" for d in robots.diagnostics)


def test_google_accept_user_agent_up_to_first_space() -> None:
    # google/robotstxt robots_test.cc GoogleOnly_AcceptUserAgentUpToFirstSpace: the file's
    # "Foo Bar" is the token Foo; the caller "Foo Bar" is not a token and gets the * group.
    body = b"User-Agent: *\nDisallow: /\nUser-Agent: Foo Bar\nAllow: /x/\nDisallow: /\n"
    robots = RobotsTxt.parse(body)
    assert robots.allowed("Foo", "http://foo.bar/x/y") is True
    assert robots.allowed("Foo Bar", "http://foo.bar/x/y") is False
    assert [(d.code, d.line, d.column) for d in robots.diagnostics] == [("ROB104", 3, 16)]
    declaration = parse(b"AIOptOut-Version: 1\n" + body)
    assert declaration.evaluate("Foo", "/x/y", "crawl").value is Value.ALLOWED
    assert declaration.evaluate("Foo Bar", "/x/y", "crawl").value is Value.DISALLOWED
    assert decide([robots], "Foo Bar", "http://foo.bar/x/y", "crawl").value is Value.DISALLOWED


def test_caller_strings_with_spaces_or_comments_select_no_named_group() -> None:
    robots = RobotsTxt.parse(_file("GPTBot") + b"\nUser-agent: Mozilla\nDisallow: /m\n")
    header = "Mozilla/5.0 (compatible; GPTBot/1.1; +https://openai.com/gptbot)"
    # The library reads only tokens (with an optional /version); it never guesses one out of
    # a header, which would pick "Mozilla".
    assert caller_key(header) == ""
    assert robots.decide(header, "/m").line == 2
    assert robots.decide("GPTBot/1.1", "/x").line == 5
    # aioptout.decide maps a header to the registry token it names.
    assert decide([robots], header, "https://e.com/x", "crawl").line == 5


def test_token_helpers() -> None:
    assert agent_token("Googlebot-Image/1.0") == "Googlebot-Image"
    assert agent_token("AI2Bot") == "AI2Bot"
    assert agent_token("Foo Bar") == "Foo"
    assert agent_token("*") == ""
    assert caller_key("GPTBot/1.1") == "gptbot"
    assert caller_key("\tBot360 ") == "bot360"
    assert caller_key("Foo Bar") == caller_key("*") == caller_key("ツ") == caller_key("") == ""


def test_star_group_for_callers_no_group_names() -> None:
    robots = RobotsTxt.parse(_file("AI2Bot"))
    assert robots.mentions("*")
    assert robots.decide("*", "/x").line == 2
    assert robots.decide("OtherBot", "/x").line == 2


def test_no_registry_token_gets_another_registry_tokens_group() -> None:
    agents = list(default_registry())
    keys = {agent.token: agent.matched_token.lower() for agent in agents}
    same_key: set[frozenset[str]] = set()
    for named in agents:
        robots = RobotsTxt.parse(_file(named.token))
        for asked in agents:
            hit = decide([robots], asked.token, "https://e.com/x", "crawl")
            applies = hit.value is Value.DISALLOWED
            if asked is named:
                assert applies, named.token  # every token maps to its own group
            elif applies:
                # Only when a reader reads the file's line as this very token ("Brightbot 1.0"
                # names Brightbot), and then it is the same crawler.
                assert keys[named.token] == keys[asked.token], (named.token, asked.token)
                same_key.add(frozenset((named.token, asked.token)))
    # Each is one crawler listed twice by ai.robots.txt, once with a version or domain.
    assert same_key == {
        frozenset(pair) for pair in (
            ("Brightbot", "Brightbot 1.0"), ("iaskspider", "iaskspider/2.0"),
            ("MistralAI-User", "MistralAI-User/1.0"), ("Panscient", "panscient.com"),
            ("QuillBot", "quillbot.com"),
        )
    }


def test_registry_matched_tokens_keep_digits() -> None:
    registry = default_registry()
    for token in ("AI2Bot", "Ai2Bot-Dolma", "img2dataset", "Crawl4AI", "Channel3Bot"):
        agent = registry.get(token)
        assert agent is not None and agent.valid_token and agent.matched_token == token


# --- NUL ends a line --------------------------------------------------------------------------
@pytest.mark.parametrize("semantics", SEMANTICS)
def test_nul_ends_the_robots_line(semantics: str) -> None:
    body = b"User-agent: *\nDisallow: /private\x00junk\nAllow: /ok\x00\x00\n"
    robots = RobotsTxt.parse(body, semantics=semantics)  # type: ignore[arg-type]
    assert robots.decide("Bot", "/private").line == 2
    assert robots.decide("Bot", "/privatex").allowed is False
    assert robots.decide("Bot", "/ok").line == 3
    found = [(d.code, d.line, d.column, d.end_column) for d in robots.diagnostics]
    assert found == [("ROB118", 2, 19, 24), ("ROB118", 3, 11, 13)]
    reference = _Parser(semantics == "google", plain_path=False).run(body, None, semantics)
    assert reference.groups == robots.groups and reference.diagnostics == robots.diagnostics


def test_nul_position_counts_a_bom_on_line_one() -> None:
    robots = RobotsTxt.parse(b"\xef\xbb\xbfUser-agent: A\x00B\nDisallow: /\n")
    assert [(d.code, d.line, d.column) for d in robots.diagnostics] == [
        ("ROB109", 1, 1), ("ROB118", 1, 15)]
    assert robots.decide("A", "/x").line == 2


def test_nul_ends_the_declaration_line() -> None:
    declaration = parse(b"AIOptOut-Version: 1\nUser-agent: *\nDisallow: /private\x00junk\n")
    assert [(d.code, d.line, d.column) for d in declaration.diagnostics] == [("AOO102", 3, 19)]
    assert declaration.evaluate("Bot", "/private", "crawl").value is Value.DISALLOWED
    assert declaration.groups[0].rules[0].pattern == "/private"


# --- Provenance of a robots.txt that was not read --------------------------------------------
@pytest.mark.parametrize(
    ("site", "status", "value", "rule"),
    [("status-503.test", 503, Value.DISALLOWED, "2.3.1.4"),
     ("status-500.test", 500, Value.DISALLOWED, "2.3.1.4"),
     ("status-404.test", 404, Value.ALLOWED, "2.3.1.3")],
)
def test_unread_robots_txt_names_status_not_a_line(
    fixture_web: FixtureWeb, make_fetcher: object, site: str, status: int, value: Value,
    rule: str,
) -> None:
    fetcher: Fetcher = make_fetcher()  # type: ignore[operator]
    origin = fixture_web.origin(site)
    report = check_site(origin, agent="GPTBot", fetcher=fetcher)
    assert report.crawl is value
    decisions = [report.decide(origin + "/a", usage) for usage in ("crawl", "train-ai")]
    decisions.append(Checker(fetcher=fetcher).check(origin + "/a", "GPTBot", "crawl"))
    for decision in decisions:
        for statement in decision.statements:
            if statement.mechanism == "robots":
                assert statement.line is None and statement.raw is None
                assert statement.source == origin + "/robots.txt"
                assert f"HTTP {status}" in statement.reason and rule in statement.reason
                assert "line" not in statement.reason
        assert decision.line is None and decision.rule is None
    crawl = decisions[0]
    assert crawl.value is value and crawl.mechanism == "robots"


def test_robots_command_names_the_status_not_a_line(fixture_web: FixtureWeb) -> None:
    resolve = [arg for line in fixture_web.resolve_lines() for arg in ("--resolve", line)]
    runner = CliRunner()
    for site, code in (("status-503.test", 1), ("status-404.test", 0)):
        url = fixture_web.url(site, "/robots.txt")
        result = runner.invoke(app, ["robots", url, "--agent", "GPTBot", "/x", *resolve],
                               env={"COLUMNS": "200"})
        assert result.exit_code == code
        assert "line" not in result.stdout and "RFC 9309" in result.stdout
        result = runner.invoke(
            app, ["robots", url, "--agent", "GPTBot", "--format", "jsonl", "/x", *resolve])
        assert json.loads(result.stdout)["line"] is None


def test_from_status_verdicts() -> None:
    down = RobotsTxt.from_status("unreachable", source="https://e.com/robots.txt",
                                 detail="HTTP 503")
    assert down.outcome == "unreachable" and down.groups == () and down.diagnostics == ()
    assert [down.allowed(agent, "/x") for agent in ("GPTBot", "Foo Bar", "*")] == [False] * 3
    assert down.decide("GPTBot", "/robots.txt").allowed  # RFC 9309 §2.2.2
    gone = RobotsTxt.from_status("unavailable", source=None, detail="HTTP 404")
    assert gone.allowed("GPTBot", "/x") and gone.decide("GPTBot", "/x").line is None
    with pytest.raises(ValueError):
        RobotsTxt.from_status("present", source=None, detail="")  # type: ignore[arg-type]


def test_survey_blocked_root_asks_registry_tokens_as_their_lines_read() -> None:
    robots = RobotsTxt.parse(_file("ChatGPT Agent") + b"\nUser-agent: AI2Bot\nDisallow: /\n")
    tokens = ["ChatGPT Agent", "AI2Bot", "Ai2Bot-Dolma", "GPTBot"]
    assert blocked_root(robots, tokens, "https://e.com/") == ["ChatGPT Agent", "AI2Bot"]


def test_robots_meta_scopes_compare_whole_tokens() -> None:
    meta = from_headers({"X-Robots-Tag": "MJ12bot: noai"})
    assert [d.scope for d in meta.directives] == ["mj12bot"]
    assert [s.value for s in meta.statements("MJ12bot", "/")] == [Value.DISALLOWED]
    assert [s.value for s in meta.statements("mj12bot/1.7", "/")] == [Value.DISALLOWED]
    assert meta.statements("MJ", "/") == meta.statements("MJ13bot", "/") == []
    page = from_html('<meta name="AI2Bot" content="noai"><meta name="Ai2Bot-Dolma" content="all">')
    assert [s.value for s in page.statements("AI2Bot", "/")] == [Value.DISALLOWED]
    assert page.statements("Ai2Bot-Dolma", "/") == []


def test_ai_txt_groups_compare_whole_tokens() -> None:
    parsed = aitxt.parse(
        "User-agent: *\nAllow: /\n\nUser-agent: Rule1TestBot\nDisallow: /\n", source=None)
    assert parsed.rules_for("Rule1TestBot")[0].line == 5
    assert parsed.rules_for("Rule1TestBot/2")[0].line == 5
    for other in ("Rule2TestBot", "Rule", "Rule1TestBot x"):
        assert parsed.rules_for(other)[0].line == 2, other


_TOKENS = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(_TOKENS, _TOKENS, st.sampled_from(["", "/1.1", "/x"]))
def test_a_group_for_one_token_never_applies_to_another(named: str, asked: str, version: str
                                                        ) -> None:
    robots = RobotsTxt.parse(_file(named))
    declaration = parse(_declaration(named))
    same = named.lower() == asked.lower()
    assert (robots.decide(asked + version, "/x").line == 5) is same
    expected = Value.DISALLOWED if same else Value.ALLOWED
    assert declaration.evaluate(asked + version, "/x", "crawl").value is expected
