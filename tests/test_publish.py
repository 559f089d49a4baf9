"""``aioptout publish``: the channels, served together over HTTP, answer as the declaration does."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import aioptout
from aioptout import crawl
from aioptout._match import compile_pattern
from aioptout.agents import default_registry
from aioptout.cli import app
from aioptout.decide import decide
from aioptout.drift import drift_folder, drift_site
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.publish import (
    PROBE_AGENT,
    pattern_regex,
    probe_agents,
    probe_paths,
    publish,
)
from aioptout.signals import rsl as rsl_signal

EXAMPLES = Path(__file__).resolve().parent.parent / "spec" / "examples"
USAGES = ("crawl", "train-ai", "train-any", "ai-input", "search", "tdm")

SYNTHETIC = {
    "named-blocks": (
        "AIOptOut-Version: 1\n"
        "User-agent: *\nAllow: /\nContent-Usage: train-ai=n, train-any=n, ai-input=y, search=y\n"
        "\nUser-agent: GPTBot\nUser-agent: CCBot\nDisallow: /\n"
    ),
    "stricter-subpath": (
        "AIOptOut-Version: 1\n"
        "User-agent: *\nAllow: /\nDisallow: /private/\n"
        "Content-Usage: train-ai=y, train-any=y, ai-input=y, search=y, tdm=y\n"
        "Content-Usage: /members/ train-ai=n, train-any=n, ai-input=n, search=n, tdm=n\n"
    ),
    "everything-reserved": (
        "AIOptOut-Version: 1\nLicensing: https://example.com/licence\n"
        "User-agent: *\nAllow: /\nContent-Usage: tdm=n\n"
    ),
    "agent-specific-usage": (
        "AIOptOut-Version: 1\n"
        "User-agent: *\nAllow: /\nContent-Usage: train-ai=n, search=y\n"
        "\nUser-agent: Googlebot\nAllow: /\nContent-Usage: train-ai=n, search=y, ai-input=n\n"
    ),
    "reserved-open-folder": (
        "AIOptOut-Version: 1\n"
        "User-agent: *\nAllow: /\nContent-Usage: tdm=n\nContent-Usage: /open/ tdm=y\n"
    ),
    "wildcards": (
        "AIOptOut-Version: 1\n"
        "User-agent: *\nAllow: /\nContent-Usage: train-ai=n, train-any=n, search=y\n"
        "Content-Usage: /*.pdf$ train-ai=y, train-any=y, search=y\n"
        "Disallow: /drafts/*/edit\n"
    ),
}
CASES = {p.stem: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES.glob("*.txt"))}
CASES.update(SYNTHETIC)
EXTRA_PATHS = ("/press/2026/launch.html", "/report.pdf", "/a/b/c", "/drafts/x/edit", "/photo.jpg")


def _serve(tmp_path: Path, text: str, *, rsl: bool = False
           ) -> tuple[FixtureWeb, Path, list[str]]:
    """The published folder as a static host serves it; with ``rsl``, published for the fixture
    web's own origin (so license.xml can be written), which starts the web to learn its port."""
    declaration = aioptout.parse(text)
    web = FixtureWeb()
    site_url = web.start().origin("published.test") if rsl else None
    publication = publish(declaration, text, site_url=site_url)
    folder = tmp_path / "site"
    for channel in publication.channels:
        if channel.kind in ("declaration", "nginx", "apache", "caddy", "meta"):
            continue  # served without the declaration; server configs are not served files
        target = folder / channel.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(channel.text, encoding="utf-8")
    paths = list(dict.fromkeys([*probe_paths(declaration), *EXTRA_PATHS]))
    web.add_folder("published.test", folder, pages=paths)
    return web, folder, paths


# spec §16: "Served together without the declaration, the channels a publisher generates from
# it MUST give the same decision as the declaration for every agent, usage and path." [R-16-1]
# Every case is served with the RSL channel asked for; where license.xml is written it is read
# through the robots.txt License line (and the home page's Link header) like any crawler would.
RSL_CARRIED = {"everything-reserved", "reserved-open-folder"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_channels_served_together_answer_as_the_declaration(tmp_path: Path, name: str) -> None:
    text = CASES[name]
    declaration = aioptout.parse(text)
    web, folder, paths = _serve(tmp_path, text, rsl=True)
    agents = probe_agents(declaration, default_registry())
    with web:
        origin = web.origin("published.test")
        licence = f"License: {origin}/license.xml"
        robots_text = (folder / "robots.txt").read_text("utf-8")
        assert (folder / "license.xml").is_file() is (name in RSL_CARRIED)
        assert (licence in robots_text.splitlines()) is (name in RSL_CARRIED)
        fetcher = Fetcher(allow_private=True, resolve=web.resolve_map())
        # Pages robots.txt disallows are read too: their headers must not say too much either.
        pages = Fetcher(allow_private=True, resolve=web.resolve_map(), respect_robots=False)
        report = crawl.check_site(origin, fetcher=fetcher)
        assert report.declaration is None and report.robots is not None
        if name in RSL_CARRIED:
            assert report.rsl is not None and f"{origin}/license.xml" in report.rsl.documents
        mismatches = []
        for path in paths:
            url = web.url("published.test", path)
            page = pages.fetch(url)
            assert page.status == 200, path
            page_signals, _, _ = crawl._page_signals(page, PROBE_AGENT)
            signals = [*report.site_signals(), *page_signals]
            for agent in agents:
                for usage in USAGES:
                    want = declaration.evaluate(agent, path, usage).value
                    got = decide(signals, agent, url, usage).value
                    if want is not got:
                        mismatches.append((agent, path, usage, str(want), str(got)))
    assert mismatches == []


def test_record_label_channels_and_what_they_cannot_carry() -> None:
    text = CASES["record-label"]
    publication = publish(aioptout.parse(text), text)
    kinds = {c.kind for c in publication.channels}
    assert {"declaration", "robots", "ai-txt", "meta", "nginx", "apache", "caddy",
            "headers-file"} <= kinds
    robots = publication.channel("robots")
    assert robots is not None
    # Work-Usage rules stay in the declaration; robots.txt says so in a comment.
    assert "# Not carried by robots.txt (see the declaration): Work-Usage: isrc:GBNWR*" in (
        robots.text)
    codes = [(d.code, d.line) for d in publication.diagnostics]
    work_lines = [n for n, line in enumerate(text.splitlines(), 1)
                  if line.startswith("Work-Usage")]
    assert [("PUB101", n) for n in work_lines] == [c for c in codes if c[0] == "PUB101"]
    # TDMRep reserves all mining, search included; this declaration allows search.
    assert "tdmrep" not in kinds and ("PUB103", 1) in codes
    # R-16-5: fields and catalogue rules left out are reported.
    assert ("PUB105", 1) in codes


def test_a_preference_that_would_say_too_much_is_left_out_and_reported() -> None:
    # R-16-2: tdm-reservation 0 at "/" would also allow /private/, which the declaration
    # leaves unknown (crawling it is disallowed), and tdmrep.json has no neutral entry.
    text = SYNTHETIC["stricter-subpath"]
    publication = publish(aioptout.parse(text), text)
    messages = [d.message for d in publication.diagnostics if d.code == "PUB102"]
    assert any(m.startswith("tdmrep.json cannot say tdm=y at /") for m in messages)
    tdm = publication.channel("tdmrep")
    assert tdm is None or '"location": "/",' not in tdm.text


def test_tdmrep_carries_a_full_reservation_with_its_policy() -> None:
    text = SYNTHETIC["everything-reserved"]
    publication = publish(aioptout.parse(text), text)
    tdm = publication.channel("tdmrep")
    assert tdm is not None
    assert '"tdm-reservation": 1' in tdm.text and "https://example.com/licence" in tdm.text


def test_rsl_needs_the_site_url_and_is_left_out_where_it_would_say_too_much() -> None:
    text = SYNTHETIC["named-blocks"]
    without = publish(aioptout.parse(text), text)
    assert without.channel("rsl") is None
    assert any(d.code == "PUB103" and "license.xml" in d.message for d in without.diagnostics)
    # Named agents have no RSL form: a document for * would license GPTBot's blocked site.
    refused = publish(aioptout.parse(text), text, site_url="https://example.com/")
    assert refused.channel("rsl") is None
    robots = refused.channel("robots")
    assert robots is not None and "License:" not in robots.text
    notes = [d for d in refused.diagnostics if d.code == "PUB103" and "license.xml" in d.message]
    assert len(notes) == 1 and "GPTBot" in notes[0].message
    headers = refused.channel("headers-file")
    assert headers is None or "Link:" not in headers.text


def test_rsl_channel_names_its_document_everywhere() -> None:
    text = SYNTHETIC["everything-reserved"]
    publication = publish(aioptout.parse(text), text, site_url="https://example.com/")
    rsl = publication.channel("rsl")
    assert rsl is not None and rsl.path == "license.xml"
    parsed = rsl_signal.parse(rsl.text)
    assert parsed.valid and parsed.contents
    robots = publication.channel("robots")
    assert robots is not None
    lines = robots.text.splitlines()
    at = lines.index("License: https://example.com/license.xml")
    assert at < min(i for i, line in enumerate(lines) if line.startswith("User-agent"))
    link = '<https://example.com/license.xml>; rel="license"; type="application/rsl+xml"'
    for kind in ("nginx", "apache", "caddy", "headers-file"):
        channel = publication.channel(kind)
        assert channel is not None
        assert link in channel.text.replace('\\"', '"'), kind
    with pytest.raises(ValueError):
        publish(aioptout.parse(text), text, site_url="example.com")
    # Merged after an existing group, robots.txt cannot name it for every agent.
    merged = publish(aioptout.parse(text), text, site_url="https://example.com",
                     existing_robots="User-agent: Foo\nDisallow: /x\n")
    merged_robots = merged.channel("robots")
    assert merged_robots is not None and "License:" not in merged_robots.text
    assert merged.channel("rsl") is not None
    assert any(d.code == "PUB102" and "license.xml" in d.message for d in merged.diagnostics)


def test_declaration_with_errors_publishes_nothing() -> None:  # R-16-4
    text = "User-agent: *\nDisallow: /\n"  # no version line (AOO301, an error)
    publication = publish(aioptout.parse(text), text)
    assert publication.channels == ()
    assert [d.code for d in publication.diagnostics] == ["PUB106"]


EXISTING = (
    b"# our old robots.txt\r\nUser-agent: Googlebot\r\nDisallow: /tmp/\r\n\r\n"
    b"User-agent: GPTBot\r\nDisallow: /old/\r\nSitemap: https://example.com/s.xml\r\n"
    b"# caf\xc3\xa9 \xff\r\n"
)


# R-16-3 (every other line kept) and R-16-6 (merged groups reported).
def test_merge_keeps_every_other_byte_and_replaces_an_earlier_section() -> None:
    text = SYNTHETIC["named-blocks"]
    declaration = aioptout.parse(text)
    existing = EXISTING.decode("utf-8", "surrogateescape")
    first = publish(declaration, text, existing_robots=existing)
    robots = first.channel("robots")
    assert robots is not None
    merged = robots.text.encode("utf-8", "surrogateescape")
    assert merged.startswith(EXISTING)
    # The existing GPTBot group merges with the generated one (RFC 9309 §2.2.1).
    assert [(d.code, d.line) for d in first.diagnostics if d.code == "PUB104"] == [("PUB104", 5)]
    again = publish(declaration, text, existing_robots=robots.text).channel("robots")
    assert again is not None and again.text == robots.text


@pytest.mark.parametrize("pattern", ["/", "/press/", "/*.pdf$", "/a*b*c", "/x$", "/%C3%A9/",
                                     "/a.b+c(d)/", "/drafts/*/edit"])
def test_server_regexes_match_what_the_pattern_matches(pattern: str) -> None:
    rng = random.Random(pattern)
    alphabet = "ab/c.pdfxedit-%"
    regex = re.compile(pattern_regex(pattern))
    compiled = compile_pattern(pattern)
    samples = ["/", "/press/", "/press/x", "/a.pdf", "/a.pdf/x", "/abc", "/x", "/xy",
               "/drafts/1/edit", "/drafts/edit"]
    samples += ["/" + "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
                for _ in range(300)]
    for path in samples:
        assert bool(regex.search(path)) is compiled.matches(path), path


def test_cli_writes_every_channel(tmp_path: Path) -> None:
    source = tmp_path / "aioptout.txt"
    source.write_text(CASES["record-label"], encoding="utf-8")
    out = tmp_path / "public"
    result = CliRunner().invoke(app, ["publish", str(source), "--out", str(out),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    for name in ("robots.txt", "ai.txt", ".well-known/aioptout.txt", "_headers",
                 "server/nginx.conf", "server/htaccess", "server/Caddyfile", "meta.html"):
        assert (out / name).is_file(), name
    assert (out / ".well-known/aioptout.txt").read_bytes() == source.read_bytes()


def test_cli_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["publish", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and not (tmp_path / "o").exists()
    missing = CliRunner().invoke(app, ["publish", str(tmp_path / "nope"), "--out", "x"])
    assert missing.exit_code == 3


# --- drift -------------------------------------------------------------------------------



def _published_folder(tmp_path: Path, name: str) -> tuple[Path, str]:
    text = CASES[name]
    folder = tmp_path / name
    for channel in publish(aioptout.parse(text), text).channels:
        target = folder / channel.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(channel.text, encoding="utf-8")
    return folder, text


def test_drift_of_a_fresh_publication_is_nothing(tmp_path: Path) -> None:
    folder, text = _published_folder(tmp_path, "record-label")
    report = drift_folder(folder, aioptout.parse(text))
    assert report.questions > 0 and report.mismatches == ()


def test_drift_names_the_channel_line_and_both_answers(tmp_path: Path) -> None:
    folder, text = _published_folder(tmp_path, "record-label")
    robots = folder / "robots.txt"
    lines = robots.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1)
                  if line.startswith("Content-Usage: train-ai=n"))
    lines[number - 1] = "Content-Usage: train-ai=y, train-any=y, search=y"
    robots.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "ai.txt").unlink()  # ai.txt's "Disallow: /" would still reserve training
    (folder / "_headers").unlink()
    report = drift_folder(folder, aioptout.parse(text))
    hits = [m for m in report.mismatches if m.channel == "Content-Usage" and m.path == "/"
            and m.usage == "train-ai"]
    assert hits and hits[0].line == number and hits[0].url is not None
    assert hits[0].url.endswith("/robots.txt")
    assert (hits[0].declared, hits[0].found) == (aioptout.Value.DISALLOWED,
                                                  aioptout.Value.ALLOWED)


def test_drift_sees_a_channel_another_channel_hides(tmp_path: Path) -> None:
    folder, text = _published_folder(tmp_path, "record-label")
    (folder / "ai.txt").write_text("User-Agent: *\nAllow: /\n", encoding="utf-8")
    report = drift_folder(folder, aioptout.parse(text))
    hits = [m for m in report.mismatches if m.channel == "ai.txt"]
    assert hits and all(m.line == 2 for m in hits)


def test_drift_notes_a_channel_it_could_not_read(fixture_web: FixtureWeb) -> None:
    # A 503 robots.txt is "unreachable" (RFC 9309 §2.3.1.4): noted, and audited as such.
    fetcher = Fetcher(allow_private=True, resolve=fixture_web.resolve_map())
    report = drift_site(fixture_web.origin("status-503.test"),
                        aioptout.parse(CASES["record-label"]), fetcher=fetcher)
    assert "DRF102" in [d.code for d in report.diagnostics]
    assert report.mismatches  # complete disallow is not what the declaration says


def test_drift_of_a_live_site_and_its_exit_codes(tmp_path: Path) -> None:
    web, _, _ = _serve(tmp_path, CASES["record-label"])
    source = tmp_path / "aioptout.txt"
    source.write_text(CASES["record-label"], encoding="utf-8")
    with web:
        fetcher = Fetcher(allow_private=True, resolve=web.resolve_map())
        report = drift_site(web.origin("published.test"), aioptout.parse(CASES["record-label"]),
                            fetcher=fetcher)
        assert report.mismatches == ()
        args = ["drift", web.origin("published.test"), "--declaration", str(source),
                "--allow-private", *[a for line in web.resolve_lines()
                                     for a in ("--resolve", line)]]
        assert CliRunner().invoke(app, args).exit_code == 0
        # Another declaration: the site has drifted from it.
        other = tmp_path / "other.txt"
        other.write_text(CASES["everything-reserved"], encoding="utf-8")
        args[3] = str(other)
        result = CliRunner().invoke(app, [*args, "--format", "sarif"])
        assert result.exit_code == 1
        log = __import__("json").loads(result.stdout)
        assert log["runs"][0]["results"] and all(
            r["ruleId"] == "DRF101" for r in log["runs"][0]["results"])


def _schema(name: str) -> dict[str, object]:
    import json

    return json.loads((EXAMPLES.parent / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_json_outputs_follow_their_schemas(tmp_path: Path) -> None:
    import json

    import jsonschema

    folder, text = _published_folder(tmp_path, "named-blocks")
    source = tmp_path / "decl.txt"
    source.write_text(text, encoding="utf-8")
    published = CliRunner().invoke(app, ["publish", str(source), "--out", str(tmp_path / "o"),
                                         "--format", "json"])
    jsonschema.validate(json.loads(published.stdout), _schema("publish.schema.json"))
    reserved = tmp_path / "reserved.txt"
    reserved.write_text(SYNTHETIC["everything-reserved"], encoding="utf-8")
    with_rsl = CliRunner().invoke(app, ["publish", str(reserved), "--out", str(tmp_path / "r"),
                                        "--site-url", "https://example.com", "--format", "json"])
    doc = json.loads(with_rsl.stdout)
    assert "rsl" in [c["kind"] for c in doc["channels"]]
    jsonschema.validate(doc, _schema("publish.schema.json"))
    (folder / "ai.txt").write_text("User-Agent: *\nAllow: /\n", encoding="utf-8")
    drifted = CliRunner().invoke(app, ["drift", str(folder), "--offline", "--declaration",
                                       str(source), "--format", "json"])
    assert drifted.exit_code == 1
    document = json.loads(drifted.stdout)
    assert document["mismatches"]
    jsonschema.validate(document, _schema("drift.schema.json"))


def _many_sections(n: int) -> str:
    lines = ["AIOptOut-Version: 1", "User-agent: *", "Allow: /",
             "Content-Usage: train-ai=n, search=y"]
    lines += [f"Content-Usage: /s{i}/ train-ai={'y' if i % 2 else 'n'}, search=y"
              for i in range(n)]
    lines += [f"Disallow: /s{i}/private/" for i in range(0, n, 7)]
    return "\n".join(lines) + "\n"


def _lines_run(function: object, *args: object) -> int:
    """Python lines executed by ``function(*args)``: an operation count no machine load moves."""
    import sys

    count = 0

    def tracer(frame: object, event: str, arg: object) -> object:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)  # type: ignore[arg-type]
    try:
        function(*args)  # type: ignore[operator]
    finally:
        sys.settrace(None)
    return count


def test_publishing_is_linear_in_the_number_of_rules() -> None:
    # Doubling the rules may double the work, not quadruple it (a pass over every pair of
    # rules, as before the index, gives a ratio near 4).
    def work(n: int) -> int:
        text = _many_sections(n)
        return _lines_run(publish, aioptout.parse(text), text)

    small, large = work(150), work(300)
    assert large / small < 2.5


def test_cli_site_url_writes_license_xml_and_refuses_a_bad_url(tmp_path: Path) -> None:
    source = tmp_path / "aioptout.txt"
    source.write_text(SYNTHETIC["everything-reserved"], encoding="utf-8")
    out = tmp_path / "public"
    runner = CliRunner()
    result = runner.invoke(app, ["publish", str(source), "--out", str(out),
                                 "--site-url", "https://example.com"])
    assert result.exit_code == 0, result.output
    assert (out / "license.xml").is_file()
    assert "License: https://example.com/license.xml" in (out / "robots.txt").read_text("utf-8")
    bad = runner.invoke(app, ["publish", str(source), "--out", str(tmp_path / "x"),
                              "--site-url", "example.com"])
    assert bad.exit_code == 2 and not (tmp_path / "x").exists()
