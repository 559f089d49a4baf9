"""``aioptout convert``: the generated declaration parses, and decides as the source did."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from aioptout._cli.convert import register
from aioptout.convert import convert, detect_kind, format_preferences, may_overlap
from aioptout.model import Value
from aioptout.parse import parse
from aioptout.signals import aipref, aitxt, tdmrep
from aioptout.signals import robots as R
from aioptout.usage import resolve

N = Value.DISALLOWED
Y = Value.ALLOWED


def _corpus() -> Path:
    override = os.environ.get("AIOPTOUT_CORPUS")
    return Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _clean(text: str) -> None:
    declaration = parse(text)
    assert declaration.errors == (), declaration.errors
    assert [d.code for d in declaration.diagnostics] == []


def _tdmrep_files() -> list[Path]:
    return sorted(p for p in (_corpus() / "other" / "tdmrep").iterdir()
                  if not p.name.startswith("INVALID"))


TARGETS = ["/", "/a/b.html", "/img/x.jpg", "/img/x.jpg?w=2", "/doc.pdf", "/press/release",
           "/open/page", "/x.JPG", "/page.html?f=1"]


@pytest.mark.parametrize("path", _tdmrep_files(), ids=lambda p: p.name)
def test_tdmrep_corpus_round_trip(path: Path) -> None:
    data = path.read_bytes()
    result = convert(data, source=path.name)
    assert result.kind == "tdmrep" and result.readable and result.losses == ()
    _clean(result.declaration)
    source = tdmrep.parse_file(data)
    declaration = parse(result.declaration)
    for target in TARGETS:
        expected = source.statements("a", target)
        got = declaration.evaluate("AnyBot", target, "tdm")
        assert got.value is (expected[0].value if expected else Value.UNKNOWN), target
        assert declaration.evaluate("AnyBot", target, "train-ai").value is got.value


def test_tdmrep_single_policy_becomes_licensing() -> None:
    result = convert((_corpus() / "other/tdmrep/itcop.tdmrep.json").read_bytes())
    assert parse(result.declaration).licensing == "https://itcop.org/licence/0pn-mrt-1.0.json"
    # Core labels are explicit for aipref-only readers (spec §8).
    assert "Content-Usage: / train-ai=n, search=n, tdm=n" in result.declaration.splitlines()


def test_tdmrep_invalid_is_unreadable() -> None:
    result = convert((_corpus() / "other/tdmrep/INVALID-koji-blog.tdmrep.json").read_bytes())
    assert not result.readable and result.declaration == ""
    assert [d.code for d in result.diagnostics][:1] == ["TDM103"]


SPEC_EXAMPLE = """[
  {"location": "/directory-a/", "tdm-reservation": 1},
  {"location": "/directory-b/html/", "tdm-reservation": 1,
   "tdm-policy": "https://provider.com/policies/policy.json"},
  {"location": "/directory-b/images/*.jpg", "tdm-reservation": 0}
]"""


def test_tdmrep_spec_example_same_decisions_and_partial_policy_loss() -> None:
    result = convert(SPEC_EXAMPLE, kind="tdmrep")
    _clean(result.declaration)
    declaration = parse(result.declaration)
    source = tdmrep.parse_file(SPEC_EXAMPLE)
    for target in ("/directory-a/x", "/directory-b/html/y", "/directory-b/images/a.jpg",
                   "/directory-b/other", "/elsewhere"):
        expected = source.statements("a", target)
        value = expected[0].value if expected else Value.UNKNOWN
        assert declaration.evaluate("a", target, "tdm").value is value, target
    # One policy for two reservations: carried as Licensing, with a loss for the other rule.
    assert declaration.licensing == "https://provider.com/policies/policy.json"
    assert [(loss.code, loss.line) for loss in result.losses] == [("CNV107", 2)]


def test_tdmrep_order_conflict_is_a_loss() -> None:
    text = ('[{"location": "/*.jpg", "tdm-reservation": 0},\n'
            ' {"location": "/img/photos/", "tdm-reservation": 1}]')
    result = convert(text, kind="tdmrep")
    _clean(result.declaration)
    # tdmrep.json: /img/photos/a.jpg → first rule, 0.  Declaration: longest, /img/photos/ → n.
    assert [(loss.code, loss.line) for loss in result.losses] == [("CNV106", 2)]
    assert parse(result.declaration).evaluate("a", "/img/photos/a.jpg", "tdm").value is N


def test_tdmrep_shadowed_rule_left_out_without_loss() -> None:
    text = ('[{"location": "/", "tdm-reservation": 1},\n'
            ' {"location": "/open/", "tdm-reservation": 0}]')
    result = convert(text, kind="tdmrep")
    assert result.losses == ()
    assert "/open/" not in "\n".join(
        line for line in result.declaration.splitlines() if not line.startswith("#"))
    assert parse(result.declaration).evaluate("a", "/open/x", "tdm").value is N


def test_tdmrep_several_policies_are_losses() -> None:
    text = ('[{"location": "/a/", "tdm-reservation": 1, "tdm-policy": "https://p/1"},\n'
            ' {"location": "/b/", "tdm-reservation": 1, "tdm-policy": "https://p/2"}]')
    result = convert(text, kind="tdmrep")
    assert parse(result.declaration).licensing is None
    assert [(loss.code, loss.line) for loss in result.losses] == [("CNV108", 1), ("CNV108", 2)]


# --- ai.txt -------------------------------------------------------------------------------------

AI_TARGETS = ["/", "/a.jpg", "/r/b.jpg?w=2", "/page.html", "/notes", "/a.jpg.zip", "/X.PNG",
              "/code/main.py", "/video.mp4"]


@pytest.mark.parametrize("name", ["mltshp.com.ai.txt", "hacdias.com.ai.txt", "arne.me.ai.txt",
                                  "taricorp.net.ai.txt"])
def test_ai_txt_corpus_same_decisions(name: str) -> None:
    data = (_corpus() / "other" / "ai.txt" / name).read_bytes()
    result = convert(data, source=name)
    assert result.kind == "ai-txt"
    _clean(result.declaration)
    source = aitxt.parse(data)
    declaration = parse(result.declaration)
    for target in AI_TARGETS:
        (statement,) = source.statements("a", target)
        assert declaration.evaluate("a", target, "train-any").value is statement.value, target
        assert declaration.evaluate("a", target, "train-ai").value is statement.value, target
        assert declaration.evaluate("a", target, "crawl").value is Y


def test_ai_txt_globs_become_anchored_patterns() -> None:
    result = convert("User-agent: *\nDisallow: *.jpg\nAllow: /\n", kind="ai-txt")
    lines = result.declaration.splitlines()
    assert "Content-Usage: /*.jpg$ train-ai=n, train-any=n" in lines
    assert "Content-Usage: /*.jpg? train-ai=n, train-any=n" in lines
    assert "Content-Usage: / train-ai=y, train-any=y" in lines
    # The query-string difference is stated once, at the first glob.
    assert [(loss.code, loss.line) for loss in result.losses] == [("CNV110", 2)]


def test_ai_txt_without_globs_is_lossless_and_tie_keeps_allow() -> None:
    text = "User-agent: *\nDisallow: /private/\nAllow: /private/\nDisallow: /\n"
    result = convert(text, kind="ai-txt")
    assert result.losses == ()
    declaration = parse(result.declaration)
    source = aitxt.parse(text)
    for target in ("/private/x", "/other"):
        assert (declaration.evaluate("a", target, "train-any").value
                is source.statements("a", target)[0].value)


def test_ai_txt_equal_length_tie_is_a_loss() -> None:
    # /a/x.svgz matches /a/*.svg (8 octets) and *.svgz ≡ /*.svgz$ (8): ai.txt lets the Allow win,
    # the declaration the more restrictive rule.
    text = "User-agent: *\nAllow: /a/*.svg\nDisallow: *.svgz\n"
    result = convert(text, kind="ai-txt")
    # Both anchored forms of *.svgz tie with /a/*.svg; the glob's query difference is stated too.
    assert [(loss.code, loss.line) for loss in result.losses] == [
        ("CNV109", 3), ("CNV109", 3), ("CNV110", 3)]


# --- robots.txt ---------------------------------------------------------------------------------


def test_robots_content_signal_and_sitemap() -> None:
    path = _corpus() / "other" / "content-signal" / "2025-12_lobste.rs.txt"
    data = path.read_bytes()
    result = convert(data, source=path.name)
    assert result.kind == "robots"
    _clean(result.declaration)
    declaration = parse(result.declaration)
    # Sitemap lines are carried; Crawl-delay has no counterpart and is reported.
    source = R.RobotsTxt.parse(data)
    assert source.sitemaps and declaration.sitemaps == source.sitemaps
    crawl_delays = [line.line for group in source.groups for line in group.lines
                    if line.field == R.CRAWL_DELAY]
    assert crawl_delays
    assert [(loss.code, loss.line) for loss in result.losses] == [
        ("CNV101", line) for line in crawl_delays]
    assert declaration.evaluate("googlebot", "/s/abc", "train-ai").value is N
    assert declaration.evaluate("googlebot", "/s/abc", "search").value is Y
    assert declaration.evaluate("googlebot", "/search", "crawl").value is N
    assert declaration.evaluate("GPTBot", "/", "crawl").value is N


def test_robots_groups_keep_their_meaning() -> None:
    text = ("User-agent: GPTBot\nDisallow: /\n\nUser-agent: Google-Extended\nUser-agent: CCBot\n"
            "Disallow: /\n\nUser-agent: *\nDissallow: /tmp/\nContent-Usage: train-ai=n\n"
            "Crawl-delay: 5\n\nUser-agent: Applebot\n")
    result = convert(text, kind="robots")
    _clean(result.declaration)
    declaration = parse(result.declaration)
    assert declaration.evaluate("GPTBot", "/a", "crawl").value is N
    assert declaration.evaluate("CCBot", "/a", "crawl").value is N
    assert declaration.evaluate("Other", "/tmp/x", "crawl").value is N
    assert declaration.evaluate("Other", "/a", "train-ai").value is N
    assert declaration.evaluate("Applebot", "/tmp/x", "crawl").value is Y
    assert [(loss.code, loss.line) for loss in result.losses] == [("CNV101", 11)]


def test_robots_group_without_crawl_rule() -> None:
    # Content-Usage ends a group but is no crawl rule; spec R-6-3 needs one in every group.
    alone = convert("User-agent: Bot\nContent-Usage: train-ai=n\n", kind="robots")
    _clean(alone.declaration)
    assert "Allow: /" in alone.declaration.splitlines()
    # When the agent has a Disallow in another group, "Allow: /" would win the merged tie
    # (R-10.3-1), so a rule that changes nothing is written instead.
    text = "User-agent: Bot\nContent-Usage: train-ai=n\n\nUser-agent: Bot\nDisallow: /\n"
    merged = convert(text, kind="robots")
    _clean_except(merged.declaration, {"AOO404"})
    assert "Allow: /robots.txt$" in merged.declaration.splitlines()
    assert parse(merged.declaration).evaluate("Bot", "/a", "crawl").value is N


def _clean_except(text: str, allowed: set[str]) -> None:
    declaration = parse(text)
    assert declaration.errors == ()
    assert {d.code for d in declaration.diagnostics} <= allowed


def test_robots_invalid_token_is_a_loss() -> None:
    result = convert("User-agent: ChatGPT Agent\nDisallow: /\n", kind="robots")
    _clean(result.declaration)
    assert "User-agent: ChatGPT" in result.declaration.splitlines()
    assert [(loss.code, loss.line) for loss in result.losses] == [("CNV102", 1)]


def test_binary_is_unreadable() -> None:
    assert not convert(b"\x89PNG\r\n\x1a\n\x00\x00", kind="robots").readable
    assert not convert(b"<html>oops</html>", kind="robots").readable


# --- helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("x/tdmrep.json", "", "tdmrep"),
        ("site.ai.txt", "", "ai-txt"),
        ("robots.txt", "[", "robots"),
        (None, '  [{"location": "/"}]', "tdmrep"),
        (None, "# Spawning AI\nUser-agent: *\nDisallow: /\n", "ai-txt"),
        (None, "User-agent: *\nDisallow: *.jpg\nDisallow: /\n", "ai-txt"),
        (None, "User-agent: *\nDisallow: /admin/\nDisallow: *.jpg\n", "robots"),
    ],
)
def test_detect_kind(name: str | None, data: str, kind: str) -> None:
    assert detect_kind(data, name) == kind


def test_format_preferences_core_labels_first() -> None:
    assert format_preferences({"tdm": N}) == "train-ai=n, search=n, tdm=n"
    assert format_preferences({"ai-input": N, "search": Y}) == "search=y, ai-input=n"


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [("/a/", "/a/b", True), ("/a/", "/b/", False), ("/*.jpg$", "/*.png$", False),
     ("/*.jpg$", "/x/*.jpg$", True), ("/*.jpg?", "/*.png$", True)],
)
def test_may_overlap(a: str, b: str, overlap: bool) -> None:
    assert may_overlap(a, b) is overlap


# --- CLI ----------------------------------------------------------------------------------------


@pytest.fixture
def app() -> typer.Typer:
    application = typer.Typer()
    register(application)

    @application.callback()
    def _root() -> None:
        """Test root so that 'convert' is a subcommand."""

    return application


def test_cli_exit_codes(app: typer.Typer, tmp_path: Path) -> None:
    runner = CliRunner()
    clean = runner.invoke(app, ["convert", str(_corpus() / "other/tdmrep/itcop.tdmrep.json")])
    assert clean.exit_code == 0 and clean.stdout.startswith("AIOptOut-Version: 1\n")
    lossy = runner.invoke(app, ["convert", str(_corpus() / "other/ai.txt/mltshp.com.ai.txt")])
    assert lossy.exit_code == 1 and ":5: CNV110 " in lossy.stderr
    bad = runner.invoke(app, ["convert",
                              str(_corpus() / "other/tdmrep/INVALID-koji-blog.tdmrep.json")])
    assert bad.exit_code == 3 and bad.stdout == ""
    assert runner.invoke(app, ["convert", str(tmp_path / "missing.txt")]).exit_code == 3
    assert runner.invoke(app, ["convert", "x", "--kind", "nope"]).exit_code == 2


def test_cli_json_and_output_file(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "aioptout.txt"
    source = _corpus() / "other/content-signal/2025-12_lobste.rs.txt"
    result = CliRunner().invoke(app, ["convert", str(source), "--kind", "robots",
                                      "--format", "json", "--output", str(out)])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["declaration"] == out.read_text(encoding="utf-8")
    assert document["kind"] == "robots" and document["schema_version"] == 1
    assert document["target"] == "aioptout"
    assert [(loss["code"], loss["noted"]) for loss in document["losses"]] == [("CNV101", False)]
    assert all(isinstance(loss["line"], int) for loss in document["losses"])


def test_cli_stdin(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["convert", "-", "--kind", "ai-txt"],
                                input="User-agent: *\nDisallow: /\n")
    assert result.exit_code == 0
    assert "Content-Usage: / train-ai=n, train-any=n" in result.stdout


# --- aioptout declaration as the source ---------------------------------------------------------

DECLARATION = """\
AIOptOut-Version: 1
Rightsholder: Northwind Records
Contact: mailto:rights@northwind.example
Licensing: https://northwind.example/licence
Legal-Basis: eu-dsm-art4
Issued: 2026-01-01
Expires: 2027-01-01T12:30:00+02:00
Sitemap: https://northwind.example/sitemap.xml

# comments carry no meaning
User-agent: *
Allow: /
Disallow: /private/
Content-Usage: train-ai=n, search=y
Content-Usage: /open/ train-ai=y
Content-Usage: /feeds/ tdm=n
Work-Usage: isrc:GBNWR* train-ai=n, search=y

User-agent: GPTBot
User-agent: CCBot
Disallow: /
"""
QUERIES = [(agent, target, usage)
           for agent in ("AnyBot", "GPTBot", "CCBot")
           for target in ("/", "/private/x", "/open/a", "/feeds/rss", "/other")
           for usage in ("crawl", "train-ai", "search", "tdm", "ai-input")]


def _semantics(text: str) -> tuple[object, ...]:
    decl = parse(text)
    groups = tuple((g.agents, tuple((r.kind, r.pattern, dict(r.preferences)) for r in g.rules),
                    bool(g.crawl_lines)) for g in decl.groups)
    return (decl.version, decl.rightsholder, decl.contact, decl.licensing, decl.legal_basis,
            decl.issued, decl.expires, decl.sitemaps, groups)


def test_declaration_is_detected() -> None:
    assert convert(DECLARATION).kind == "aioptout"
    assert convert("AIOptOut-Version: 1\n", source="x/aioptout.txt").kind == "aioptout"
    assert convert("\ufeff# x\naioptout-version: 1\n").kind == "aioptout"
    # A declaration that lost its version line is still one.
    assert convert("User-agent: *\nAllow: /\nWork-Usage: isrc:GBNWR* train-ai=n\n").kind == (
        "aioptout")


def test_declaration_to_declaration_is_lossless() -> None:
    result = convert(DECLARATION)
    assert (result.kind, result.target, result.losses, result.check) == (
        "aioptout", "aioptout", (), ())
    assert _semantics(result.declaration) == _semantics(DECLARATION)
    _clean(result.declaration)
    assert "Expires: 2027-01-01T10:30:00Z" in result.declaration.splitlines()


def test_declaration_to_robots_reports_every_field_and_work_rule() -> None:
    result = convert(DECLARATION, target="robots")
    assert result.target == "robots" and result.check == ()
    assert [(loss.code, loss.line, loss.noted) for loss in result.losses] == [
        ("CNV111", 2, True), ("CNV111", 3, True), ("CNV111", 4, True), ("CNV111", 5, True),
        ("CNV111", 6, True), ("CNV112", 7, True), ("CNV113", 17, True)]
    lines = result.declaration.splitlines()
    assert "# not carried: Work-Usage: isrc:GBNWR* train-ai=n, search=y" in lines
    assert "# not carried: Rightsholder: Northwind Records" in lines
    # What robots.txt can say it says the same: crawl rules, Content-Usage, Sitemap.
    robots = R.RobotsTxt.parse(result.declaration)
    assert robots.sitemaps == ("https://northwind.example/sitemap.xml",)
    assert [d.code for d in robots.diagnostics] == []
    usage = aipref.from_robots(robots)
    declaration = parse(DECLARATION)
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    for agent, target, label in QUERIES:
        expected = declaration.evaluate(agent, target, label, now=now).value
        if label == "crawl":
            (statement,) = robots.statements(agent, target)
            assert statement.value is expected, (agent, target)
        elif declaration.evaluate(agent, target, "crawl", now=now).value is Y:
            stated = {s.usage: s.value for s in usage.statements(agent, target)}
            assert resolve(stated, label)[0] is expected, (agent, target, label)


def test_declaration_without_fields_converts_to_robots_without_loss() -> None:
    text = "AIOptOut-Version: 1\n\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=n\n"
    result = convert(text, target="robots")
    assert result.losses == ()
    assert "Content-Usage: train-ai=n" in result.declaration.splitlines()


def test_unsupported_pair_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="cannot convert robots to robots"):
        convert("User-agent: *\nDisallow: /\n", kind="robots", target="robots")


def test_binary_declaration_is_unreadable() -> None:
    result = convert(b"AIOptOut-Version: 1\n\x00\x01\x02\xff", kind="aioptout")
    assert not result.readable
    assert [loss.code for loss in result.losses] == ["CNV119"]


def test_cli_declaration_to_robots(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "aioptout.txt"
    path.write_text(DECLARATION, encoding="utf-8")
    runner = CliRunner()
    same = runner.invoke(app, ["convert", str(path)])
    assert same.exit_code == 0 and same.stderr == ""
    robots = runner.invoke(app, ["convert", str(path), "--to", "robots", "--format", "json"])
    assert robots.exit_code == 1
    document = json.loads(robots.stdout)
    assert (document["kind"], document["target"]) == ("aioptout", "robots")
    assert [(loss["code"], loss["line"], loss["noted"]) for loss in document["losses"]][-2:] == [
        ("CNV112", 7, True), ("CNV113", 17, True)]
    assert f"{path}:17: CNV113 " in robots.stderr
    unsupported = runner.invoke(app, ["convert", str(path), "--kind", "robots", "--to", "robots"])
    assert unsupported.exit_code == 2


@pytest.mark.parametrize(
    ("text", "kind", "losses"),
    [
        ("User-agent: /bot\nUser-agent: Good\nDisallow: /\n", "robots", [("CNV103", 1)]),
        ("User-agent: *\nAllow: /\nContent-Signal: ai-train=maybe, search=yes\n", "robots",
         [("CNV104", 3)]),
        ('[{"location": "/a/", "tdm-reservation": 5}]', "tdmrep", [("CNV105", 1)]),
    ],
)
def test_rare_losses_are_coded(text: str, kind: str, losses: list[tuple[str, int]]) -> None:
    result = convert(text, kind=kind)
    assert [(loss.code, loss.line) for loss in result.losses] == losses
    _clean(result.declaration)


def test_ai_txt_group_without_any_token_is_left_out() -> None:
    # Found by tests/test_properties.py: the rules of such a group were written with no
    # User-agent line before them (AOO402 in the output, exit 4 from the CLI).
    result = convert("useragent: \nDisallow: /\n\nUser-agent: Good\nDisallow: *.jpg\n",
                     kind="ai-txt")
    assert result.check == ()
    assert [loss.code for loss in result.losses][:1] == ["CNV103"]
    _clean(result.declaration)


def test_result_over_a_size_limit_is_a_loss() -> None:
    # The declaration keeps a line of 16664 octets; robots.txt readers keep 16663 (ROB108).
    data = b"AIOptOut-Version: 1\nUser-agent: *\nDisallow: /" + b"a" * 100_000 + b"\n"
    result = convert(data, kind="aioptout", target="robots")
    assert result.check == ()
    assert [(loss.code, loss.line) for loss in result.losses] == [("CNV114", 1)]


def test_control_characters_from_robots_txt() -> None:
    # robots.txt tolerates them, a declaration does not (R-3-2): paths are percent-encoded
    # (the same octets to a matcher), other values are dropped and reported.
    text = "User-agent: *\nDisallow: /a\x0bb\nContent-Usage: train-ai=n\x01\n"
    result = convert(text, kind="robots")
    _clean(result.declaration)
    assert "Disallow: /a%0Bb" in result.declaration.splitlines()
    assert [(loss.code, loss.line) for loss in result.losses] == [("CNV115", 3)]
    assert parse(result.declaration).evaluate("x", "/a\x0bb", "crawl").value is N


def test_robots_pattern_that_never_matches_stays_a_crawl_rule() -> None:
    text = "User-agent: *\nDisallow: private\n\nUser-agent: Bot\nAllow: x\nDisallow: /\n"
    result = convert(text, kind="robots")
    _clean(result.declaration)
    source = R.RobotsTxt.parse(text)
    declaration = parse(result.declaration)
    for agent, target in [("a", "/private"), ("a", "/x"), ("Bot", "/x"), ("Bot", "x")]:
        assert (declaration.evaluate(agent, target, "crawl").value
                is source.statements(agent, target)[0].value), (agent, target)


@pytest.mark.parametrize("kind", ["ai-txt", "tdmrep"])
def test_pairwise_checks_stay_linear_and_say_when_they_stop(kind: str) -> None:
    # 64 pairs per rule at most (1000 rules have 499,500 pairs): the stop is a stated loss.
    def rules(n: int) -> str:
        if kind == "ai-txt":
            return "User-agent: *\n" + "".join(
                f"{'Allow' if i % 2 else 'Disallow'}: /d{i:05d}/\n" for i in range(n))
        return "[" + ",".join(f'{{"location": "/d{i:05d}/", "tdm-reservation": {i % 2}}}'
                              for i in range(n)) + "]"

    assert [loss.code for loss in convert(rules(20), kind=kind).losses] == []
    big = convert(rules(1000), kind=kind)
    assert [loss.code for loss in big.losses] == ["CNV109" if kind == "ai-txt" else "CNV106"]
