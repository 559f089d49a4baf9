"""robots.txt parsing and decisions (RFC 9309, with Google's documented leniencies)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aioptout._cli import robots as robots_cli
from aioptout._limits import MAX_FILE_BYTES
from aioptout.model import Severity, Value
from aioptout.signals.robots import RobotsTxt, product_token

CORPUS = Path(
    os.environ.get("AIOPTOUT_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)


def allowed(text: str | bytes, url: str, agent: str = "FooBot", **kw: str) -> bool:
    return RobotsTxt.parse(text, **kw).allowed(agent, url)  # type: ignore[arg-type]


def codes(text: str | bytes, **kw: str) -> list[tuple[str, int, int, int]]:
    parsed = RobotsTxt.parse(text, **kw)  # type: ignore[arg-type]
    return [(d.code, d.line, d.column, d.end_column) for d in parsed.diagnostics]


# --- RFC 9309 ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("robots_txt", "agent", "url", "expected"),
    [
        # §2.2.1 "crawlers MUST use case-insensitive matching to find the group that matches the
        # product token"
        ("User-agent: foobot\nDisallow: /\n", "FOOBOT", "/x", False),
        # §2.2.1 "If there is more than one group matching the user-agent, the matching groups'
        # rules MUST be combined into one group"
        ("User-agent: FooBot\nDisallow: /a\n\nUser-agent: *\nAllow: /\n"
         "User-agent: FooBot\nDisallow: /b\n", "FooBot", "/b", False),
        # §2.2.1 "If no group matched ... crawlers MUST obey the group with a user-agent line
        # with the "*" value"
        ("User-agent: *\nDisallow: /x\n", "BarBot", "/x", False),
        # §2.2.1 "If no group satisfies either condition ... no rules apply"
        ("User-agent: OtherBot\nDisallow: /\n", "FooBot", "/x", True),
        # a matching group hides "*" entirely
        ("User-agent: FooBot\nAllow: /\n\nUser-agent: *\nDisallow: /\n", "FooBot", "/x", True),
        # §2.2.2 "the most specific match found MUST be used ... the match that has the most
        # octets"
        ("User-agent: *\nDisallow: /a\nAllow: /a/b\n", "FooBot", "/a/b/c", True),
        ("User-agent: *\nAllow: /a\nDisallow: /a/b\n", "FooBot", "/a/b/c", False),
        # §2.2.2 "If an allow rule and a disallow rule are equivalent, then the allow rule
        # SHOULD be used"
        ("User-agent: *\nDisallow: /a\nAllow: /a\n", "FooBot", "/a", True),
        ("User-agent: *\nDisallow: /fish*\nAllow: /fish/\n", "FooBot", "/fish/", True),
        # §2.2.2 "If no match is found amongst the rules in a group ... the URI is allowed"
        ("User-agent: *\nDisallow: /a\n", "FooBot", "/b", True),
        # §2.2.2 an empty Disallow disallows nothing
        ("User-agent: *\nDisallow:\n", "FooBot", "/", True),
        # §2.2.2 "The /robots.txt URI is implicitly allowed."
        ("User-agent: *\nDisallow: /\n", "FooBot", "/robots.txt", True),
        # §2.2.3 special characters
        ("User-agent: *\nDisallow: /*.php$\n", "FooBot", "/x.php", False),
        ("User-agent: *\nDisallow: /*.php$\n", "FooBot", "/x.php?y", True),
        ("User-agent: *\nDisallow: /a # comment\n", "FooBot", "/a", False),
        # §2.2 CR, LF and CRLF all end lines
        ("User-agent: *\rDisallow: /a\r", "FooBot", "/a", False),
        ("User-agent: *\r\nDisallow: /a\r\n", "FooBot", "/a", False),
        # §2.2.4 other records do not end a group
        ("User-agent: FooBot\nSitemap: https://e.com/s.xml\nUser-agent: BarBot\nDisallow: /\n",
         "FooBot", "/x", False),
        ("User-agent: FooBot\nCrawl-delay: 5\nUser-agent: BarBot\nDisallow: /\n",
         "FooBot", "/x", False),
        ("User-agent: FooBot\nContent-Signal: ai-train=no\nUser-agent: BarBot\nDisallow: /\n",
         "FooBot", "/x", False),
        # draft-ietf-aipref-attach §3 makes Content-Usage a group rule, so it ends the group
        ("User-agent: FooBot\nContent-Usage: train-ai=n\nUser-agent: BarBot\nDisallow: /\n",
         "FooBot", "/x", True),
        # a blank line does not end a group
        ("User-agent: FooBot\n\nDisallow: /\n", "FooBot", "/x", False),
    ],
)
def test_rfc9309(robots_txt: str, agent: str, url: str, expected: bool) -> None:
    for semantics in ("google", "rfc9309"):
        assert allowed(robots_txt, url, agent, semantics=semantics) is expected, semantics


# --- Google's leniencies: accepted in "google", not in "rfc9309" --------------------------------
@pytest.mark.parametrize(
    ("robots_txt", "url", "google", "rfc9309"),
    [
        ("useragent: *\nDisallow: /x\n", "/x", False, True),
        ("user agent: *\nDisallow: /x\n", "/x", False, True),
        *[(f"User-agent: *\n{typo}: /x\n", "/x", False, True)
          for typo in ("dissallow", "dissalow", "disalow", "diasllow", "disallaw")],
        ("User-agent: *\nDisallowed: /x\n", "/x", False, True),  # Google matches name prefixes
        ("User-agent: *\nDisallow /x\n", "/x", False, True),  # missing colon, two tokens
        ("User-agent: *\nDisallow /x y\n", "/x", True, True),  # three tokens: ignored by both
        ("User-agent: * everybody\nDisallow: /x\n", "/x", False, True),
        ("User-agent: *\nAllow: /d/index.html\nDisallow: /d/\n", "/d/", True, False),
        ("User-agent: *\nAllow: /d/index.html\nDisallow: /d/\n", "/d/?q", False, False),
        ("User-agent: FooBot/1.0\nDisallow: /x\n", "/x", False, True),  # leading token run
    ],
)
def test_google_leniency(robots_txt: str, url: str, google: bool, rfc9309: bool) -> None:
    assert allowed(robots_txt, url, semantics="google") is google
    assert allowed(robots_txt, url, semantics="rfc9309") is rfc9309


def test_long_lines_are_truncated_like_google() -> None:
    # Google keeps 16,663 octets of a line (robots.cc kMaxLineLen = 2083 * 8, with a NUL).
    rule = "/" + "a" * 20_000
    text = f"User-agent: *\nDisallow: {rule}\n"
    kept = 16_663 - len("Disallow: ")
    assert not allowed(text, "/" + "a" * (kept - 1), semantics="google")
    assert allowed(text, "/" + "a" * (kept - 2), semantics="google")
    assert allowed(text, "/" + "a" * (kept - 1), semantics="rfc9309")
    assert ("ROB108", 2, 16_664, 16_665) in codes(text)


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b"\xef\xbb", b"\xef"])
def test_bom_full_or_partial_is_skipped(bom: bytes) -> None:
    data = bom + b"User-agent: *\nDisallow: /x\n"
    parsed = RobotsTxt.parse(data)
    assert not parsed.allowed("FooBot", "/x")
    assert parsed.diagnostics[0].code == "ROB109"


def test_size_limit() -> None:
    body = b"User-agent: *\n" + b"Disallow: /filler\n" * (MAX_FILE_BYTES // 18 + 10)
    parsed = RobotsTxt.parse(body + b"Disallow: /late\n")
    assert parsed.truncated and parsed.size > MAX_FILE_BYTES
    assert parsed.allowed("FooBot", "/late")
    assert "ROB107" in {d.code for d in parsed.diagnostics}


def test_invalid_utf8_keeps_byte_identity() -> None:
    parsed = RobotsTxt.parse(b"User-agent: *\nDisallow: /caf\xe9\n")
    assert not parsed.allowed("FooBot", "/caf%E9")
    assert parsed.allowed("FooBot", "/caf%C3%A9")
    assert [(d.code, d.line, d.column, d.end_column) for d in parsed.diagnostics] == [
        ("ROB112", 2, 15, 16)
    ]


def test_specific_empty_group_hides_star() -> None:
    text = "User-agent: FooBot\n\nUser-agent: BarBot\nDisallow:\n\nUser-agent: *\nDisallow: /\n"
    parsed = RobotsTxt.parse(text)
    assert parsed.allowed("FooBot", "/x") and parsed.allowed("BarBot", "/x")
    assert not parsed.allowed("OtherBot", "/x")


def test_empty_user_agent_names_nobody() -> None:
    text = "User-agent:\nDisallow: /x\n\nUser-agent: *\nDisallow: /y\n"
    parsed = RobotsTxt.parse(text)
    assert parsed.allowed("FooBot", "/x") and not parsed.allowed("FooBot", "/y")
    assert parsed.allowed("", "/x")


# --- Diagnostics: codes and positions -------------------------------------------------------
@pytest.mark.parametrize(
    ("robots_txt", "expected"),
    [
        ("User-agent: *\nNoindex: /x\n", [("ROB101", 2, 1, 8)]),
        ("User-agent: *\ndissallow: /x\n", [("ROB102", 2, 1, 10)]),
        ("User-agent: *\nDisallow /x\n", [("ROB103", 2, 9, 10)]),
        ("User-agent: Foo Bot\nDisallow: /\n", [("ROB104", 1, 16, 20)]),
        ("Disallow: /x\nUser-agent: *\nAllow: /\n", [("ROB105", 1, 1, 13)]),
        ("User-agent: *\nDisallow: x\n", [("ROB106", 2, 11, 12)]),
        ("Sitemap: /sitemap.xml\n", [("ROB110", 1, 10, 22)]),
        ("User-agent: *\nCrawl-delay: soon\nDisallow: /\n", [("ROB111", 2, 14, 18)]),
        ("User-agent: A\nContent-Signal: ai-train=no\nUser-agent: B\nDisallow: /\n",
         [("ROB113", 2, 1, 2)]),
        ("User-agent: A\nContent-Usage: train-ai=n\nUser-agent: B\nDisallow: /\n",
         [("ROB113", 2, 1, 2)]),
        ("User-agent: A\nContent-Usage: train-ai=n\nAllow: /\nUser-agent: B\nDisallow: /\n", []),
        ("User-agent: *\nAllow: /index.html\n", [("ROB114", 2, 8, 19)]),
        ("User-agent: * all\nDisallow: /\n", [("ROB115", 1, 14, 18)]),
        ("User-agent: *\n<html><body>oops</body>\n", [("ROB116", 2, 1, 24)]),
        ("User-agent: *\nDisallow: /ok\n", []),
    ],
)
def test_diagnostic_codes_and_positions(
    robots_txt: str, expected: list[tuple[str, int, int, int]]
) -> None:
    assert codes(robots_txt) == expected


def test_severity_follows_keyword() -> None:
    by_code = {d.code: d.severity for d in RobotsTxt.parse(
        "Disallow: /\nUser-agent: *\ndissallow: /x\nNoindex: /y\n").diagnostics}
    assert by_code == {
        "ROB105": Severity.ERROR, "ROB102": Severity.WARNING, "ROB101": Severity.INFO
    }


def test_strict_semantics_reports_instead_of_accepting() -> None:
    assert codes("User-agent: *\nDisallow /x\n", semantics="rfc9309") == [("ROB116", 2, 1, 12)]
    assert codes("User-agent: *\ndissallow: /x\n", semantics="rfc9309") == [("ROB101", 2, 1, 10)]


def test_diagnostics_per_code_are_capped() -> None:
    parsed = RobotsTxt.parse("User-agent: *\n" + "Noindex: /x\n" * 80)
    found = [d for d in parsed.diagnostics if d.code == "ROB101"]
    assert len(found) == 51  # 50 plus one summary


# --- API --------------------------------------------------------------------------------------
def test_groups_lines_and_sitemaps() -> None:
    parsed = RobotsTxt.parse(
        "Sitemap: https://e.com/a.xml\nUser-agent: GPTBot\nUser-agent: CCBot\n"
        "Content-Usage: train-ai=n\nDisallow: /x\nCrawl-delay: 2.5\n\nUser-agent: *\nAllow: /\n"
    )
    assert parsed.sitemaps == ("https://e.com/a.xml",)
    first = parsed.groups[0]
    assert first.agents == ("GPTBot", "CCBot") and first.line == 2
    assert [(line.field, line.value, line.line, line.column) for line in first.lines] == [
        ("content-usage", "train-ai=n", 4, 16),
        ("disallow", "/x", 5, 11),
        ("crawl-delay", "2.5", 6, 14),
    ]
    assert parsed.matching_groups("ccbot/2.0") == (first,)
    assert parsed.matching_groups("Other") == (parsed.groups[1],)
    assert parsed.crawl_delay("GPTBot") == 2.5 and parsed.crawl_delay("Other") is None
    assert parsed.mentions("gptbot") and parsed.mentions("*") and not parsed.mentions("ClaudeBot")


def test_decide_reports_the_deciding_line() -> None:
    parsed = RobotsTxt.parse("User-agent: *\nAllow: /a/b\nDisallow: /a\n")
    verdict = parsed.decide("FooBot", "https://e.com/a/x")
    assert (verdict.allowed, verdict.line, verdict.pattern) == (False, 3, "/a")
    assert parsed.decide("FooBot", "/z").line is None


def test_statements() -> None:
    parsed = RobotsTxt.parse("User-agent: GPTBot\nDisallow: /\n", source="https://e.com/robots.txt")
    [statement] = parsed.statements("GPTBot", "https://e.com/page")
    assert (statement.mechanism, statement.usage, statement.value, statement.line) == (
        "robots", "crawl", Value.DISALLOWED, 2)
    assert statement.source == "https://e.com/robots.txt"
    assert parsed.statements("GPTBot", "isrc:GBEMI0300013") == []


@pytest.mark.parametrize(
    ("agent", "token"),
    [("GPTBot/1.1", "GPTBot"), ("Google-Extended", "Google-Extended"), ("MJ12bot", "MJ12bot"),
     ("360Spider", "360Spider"), (".bot", ""), ("  anthropic-ai ", "anthropic-ai")],
)
def test_product_token(agent: str, token: str) -> None:
    assert product_token(agent) == token


def test_decisions_are_cached_per_agent() -> None:
    parsed = RobotsTxt.parse("User-agent: *\nDisallow: /x\nUser-agent: CCBot\nAllow: /\n")
    parsed.allowed("GPTBot/1.0", "/x")
    parsed.allowed("OtherBot", "/y")
    parsed.allowed("ccbot", "/y")
    assert len(parsed._group_cache) == 2  # GPTBot and OtherBot share the * rules
    assert parsed._rules("GPTBot/1.0") is parsed._rules("OtherBot")


# --- Robustness ---------------------------------------------------------------------------------
def _corpus_files() -> list[Path]:
    root = CORPUS / "robots"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _lines_of(data: bytes) -> list[str]:
    text = data.decode("utf-8", "surrogateescape")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _assert_positions_inside(data: bytes, parsed: RobotsTxt) -> None:
    lines = _lines_of(data[:MAX_FILE_BYTES])
    for diag in parsed.diagnostics:
        assert 1 <= diag.line <= len(lines), diag
        width = len(lines[diag.line - 1])
        assert 1 <= diag.column <= width + 1, (diag, width)
        assert diag.column < diag.end_column <= width + 2, (diag, width)


def test_every_corpus_file_parses() -> None:
    files = _corpus_files()
    if not files:
        pytest.skip(f"no corpus under {CORPUS}")
    for path in files:
        data = path.read_bytes()
        parsed = RobotsTxt.parse(data, source=str(path))
        _assert_positions_inside(data, parsed)
        parsed.allowed("GPTBot", "/")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    first = RobotsTxt.parse(data)
    second = RobotsTxt.parse(data)
    assert first.groups == second.groups and first.diagnostics == second.diagnostics
    _assert_positions_inside(data, first)
    assert first.allowed("FooBot", "/a") == second.allowed("FooBot", "/a")


_LINES = st.sampled_from([
    "User-agent: *", "User-agent: FooBot", "useragent: FooBot", "Disallow: /a", "Allow: /a/",
    "Disallow: /*b$", "Disallow /c", "Content-Usage: train-ai=n", "Crawl-delay: x", "", "# c",
    "Sitemap: /s", "\ufeff", "\udce9",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(_LINES, max_size=12), st.sampled_from(["\n", "\r\n", "\r"]))
def test_structured_input_never_raises(lines: list[str], eol: str) -> None:
    data = eol.join(lines).encode("utf-8", "surrogateescape")
    parsed = RobotsTxt.parse(data, semantics="google")
    _assert_positions_inside(data, parsed)
    for semantics in ("google", "rfc9309"):
        parsed = RobotsTxt.parse(data, semantics=semantics)  # type: ignore[arg-type]
        parsed.decide("FooBot", "/a/b")


# --- CLI ----------------------------------------------------------------------------------------
@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    robots_cli.register(app)

    @app.command("other")
    def _other() -> None:  # a second command keeps typer from collapsing the group
        """Unused."""

    return app


def test_cli_jsonl_and_exit_codes(app: typer.Typer, tmp_path: Path) -> None:
    robots_file = tmp_path / "robots.txt"
    robots_file.write_text("User-agent: GPTBot\nDisallow: /private/\n")
    runner = CliRunner()
    result = runner.invoke(
        app, ["robots", str(robots_file), "--agent", "GPTBot", "--format", "jsonl",
              "https://e.com/private/x", "https://e.com/public"])
    assert result.exit_code == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [
        {"url": "https://e.com/private/x", "agent": "GPTBot", "allowed": False, "line": 2},
        {"url": "https://e.com/public", "agent": "GPTBot", "allowed": True, "line": None},
    ]
    result = runner.invoke(app, ["robots", str(robots_file), "--agent", "GPTBot"],
                           input="/a\n/b\n")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 2


def test_cli_errors(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["robots", str(tmp_path / "nope"), "--agent", "X", "/"])
    assert missing.exit_code == 3
    both = runner.invoke(app, ["robots", "-", "--agent", "X"], input="/a\n")
    assert both.exit_code == 2
