"""RSL 1.0: the validator's codes and positions, the decision semantics, and discovery.

Documents are written here from the RSL 1.0 vocabulary (RSL-SPEC-1.0 as digested in
ScaleDockHQ/scaledock-skills skills/rsl/references/document.md); none is copied.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aioptout.checker import Checker
from aioptout.cli import app
from aioptout.decide import decide
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import LICENCE_REQUIRED, Value
from aioptout.signals import rsl
from aioptout.signals.robots import RobotsTxt
from aioptout.sources import detect_kind

MakeFetcher = Callable[..., Fetcher]
NS = 'xmlns="https://rslstandard.org/rsl"'


def doc(body: str, *, root: str = f"<rsl {NS}>") -> str:
    return f"{root}\n{body}\n</rsl>\n"


def codes(text: str | bytes, **options: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in rsl.parse(text, **options).diagnostics]


def one(license_body: str, content: str = '<content url="/">') -> str:
    return doc(f"{content}\n<license>\n{license_body}\n</license>\n</content>")


# --- validation: every code with its position -----------------------------------------

def test_a_complete_1_0_document_is_valid() -> None:
    text = doc("""<content url="/" server="https://licensing.example.com" encrypted="false"
         lastmod="2026-10-01T00:00:00Z">
  <license>
    <permits type="usage">search ai-input</permits>
    <prohibits type="usage">ai-train</prohibits>
    <permits type="user">commercial education</permits>
    <prohibits type="geo">CN EU</prohibits>
    <payment type="attribution">
      <standard>https://creativecommons.org/licenses/by/4.0/</standard>
      <custom>https://example.com/licensing</custom>
      <amount currency="USD">0.015</amount>
      <accepts type="application/x402+json"><![CDATA[{"x402": 1}]]></accepts>
    </payment>
    <reporting type="telemetry" profile="https://profiles.example/telemetry"
               endpoint="https://example.com/report"/>
    <legal type="warranty">ownership authority</legal>
    <legal type="disclaimer">as-is no-liability</legal>
    <legal type="attestation">true</legal>
    <legal type="contact">mailto:legal@example.com</legal>
    <legal type="proof">https://example.com/proof/1 https://example.com/proof/2</legal>
  </license>
  <alternate type="text/markdown">/index.md</alternate>
  <schema>/site.jsonld</schema>
  <copyright type="organization" contactEmail="rights@example.com"
             contactUrl="https://example.com/contact">Example Media</copyright>
  <terms>https://example.com/legal/ai-terms</terms>
  <ext:note xmlns:ext="https://example.com/ns">extensions of other namespaces are ignored</ext:note>
</content>""", root=f'<rsl {NS} max-age="7">')
    document = rsl.parse(text)
    assert document.diagnostics == ()
    assert document.max_age == 7 and document.valid


def test_max_age_defaults_to_30_days() -> None:
    assert rsl.parse(one('<permits type="usage">all</permits>')).max_age == 30


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<rsl", [("RSL101", 1, 1)]),
        ('<!DOCTYPE rsl [<!ENTITY a "b">]><rsl/>', [("RSL102", 1, 1)]),
        ("<html/>", [("RSL103", 1, 1)]),
        ("<rsl><content url='/'><license/></content></rsl>", [("RSL103", 1, 1)]),
        ("<rsl:rsl xmlns:rsl='https://rslstandard.org/rsl'><rsl:content url='/'>"
         "<rsl:license/></rsl:content></rsl:rsl>", [("RSL104", 1, 1)]),
        (doc('<content url="/"><license/><permit type="usage">all</permit></content>'),
         [("RSL105", 2, 28)]),
        (doc('<license/><content url="/"><license/></content>'), [("RSL106", 2, 1)]),
        (doc('<content url="/" colour="red"><license/></content>'), [("RSL107", 2, 1)]),
        (doc('<content url="/"><license/><terms>https://a.example/</terms>'
             '<terms>https://b.example/</terms></content>'), [("RSL108", 2, 61)]),
        (doc(""), [("RSL109", 1, 1)]),
        (one("", content='<content url="/">').replace("<rsl ", '<rsl max-age="0" '),
         [("RSL110", 1, 1)]),
        (doc("<content><license/></content>"), [("RSL111", 2, 1)]),
        (doc('<content url="articles"><license/></content>'), [("RSL112", 2, 1)]),
        (doc('<content url="/" server="https://l.example" encrypted="TRUE"><license/>'
             "</content>"), [("RSL113", 2, 1)]),
        (doc('<content url="/" encrypted="true"><license/></content>'), [("RSL114", 2, 1)]),
        (doc('<content url="/" lastmod="2026-13-01"><license/></content>'), [("RSL115", 2, 1)]),
        (doc('<content url="/" server="licensing"><license/></content>'), [("RSL116", 2, 1)]),
        (doc('<content url="/"></content>'), [("RSL117", 2, 1)]),
        (one('<permits type="usages">all</permits>'), [("RSL119", 4, 1)]),
        (one('<permits type="usage">all</permits>\n<permits type="usage">search</permits>'),
         [("RSL120", 5, 1)]),
        (one('<permits type="usage">ai-everything</permits>'), [("RSL121", 4, 1)]),
        (one('<prohibits type="usage">train-ai</prohibits>'), [("RSL122", 4, 1)]),
        (one('<permits type="user">students</permits>'), [("RSL123", 4, 1)]),
        (one('<permits type="geo">us EUR</permits>'), [("RSL124", 4, 1), ("RSL124", 4, 1)]),
        (one('<permits type="usage"> </permits>'), [("RSL125", 4, 1)]),
        (one('<payment type="per-view"/>'), [("RSL126", 4, 1)]),
        (one('<payment><amount currency="USD">1,50</amount></payment>'), [("RSL127", 4, 10)]),
        (one("<payment><amount>1.50</amount></payment>"), [("RSL128", 4, 10)]),
        (one('<payment><amount currency="usd">1.50</amount></payment>'), [("RSL129", 4, 10)]),
        (one("<payment><standard>cc by</standard></payment>"), [("RSL130", 4, 10)]),
        (one("<payment><custom/></payment>"), [("RSL131", 4, 10)]),
        (one("<payment><accepts>x402</accepts></payment>"), [("RSL132", 4, 10)]),
        (one('<reporting type="metrics" profile="https://p.example/t"/>'), [("RSL133", 4, 1)]),
        (one('<reporting type="audit"/>'), [("RSL134", 4, 1)]),
        (one('<reporting type="audit" profile="https://p.example/a" '
             'endpoint="http://e.example/r"/>'), [("RSL135", 4, 1)]),
        (one('<legal type="warranties">ownership</legal>'), [("RSL136", 4, 1)]),
        (one('<legal type="warranty">ownership guaranteed</legal>'), [("RSL137", 4, 1)]),
        (one('<legal type="warranty">ownership</legal>\n<legal type="warranty">authority</legal>'),
         [("RSL138", 5, 1)]),
        (one('<legal type="contact">call us</legal>'), [("RSL139", 4, 1)]),
        (one('<legal type="attestation">yes</legal>'), [("RSL113", 4, 1)]),
        (doc('<content url="/"><license/><copyright type="company">X</copyright></content>'),
         [("RSL140", 2, 28)]),
        (doc('<content url="/" server="http://l.example"><license/></content>'),
         [("RSL141", 2, 1)]),
    ],
)
def test_each_fault_has_its_code_and_position(text: str, expected: list[tuple[str, int, int]]
                                              ) -> None:
    assert codes(text) == expected


def test_rsl_0_9_draft_forms_are_named_with_the_1_0_equivalent() -> None:
    text = one('<permits type="usage">ai-train,search</permits>\n'
               '<payment type="inference"><amount currency="XBT">0.0001</amount></payment>')
    found = rsl.parse(text)
    assert [(d.code, d.line) for d in found.diagnostics] == [
        ("RSL153", 1), ("RSL150", 4), ("RSL151", 5), ("RSL152", 5)]
    assert found.draft
    assert all("0.9" in d.message and d.hint for d in found.diagnostics)


def test_train_ai_is_named_as_the_aipref_label() -> None:
    (diag,) = rsl.parse(one('<permits type="usage">train-ai</permits>')).diagnostics
    assert diag.code == "RSL122" and diag.hint == "write ai-train"


def test_inline_and_embedded_documents_hold_exactly_one_content() -> None:
    two = doc('<content url=""><license/></content><content url="/a"><license/></content>')
    # spec §12.3: "An inline ... or embedded RSL document MUST hold exactly one `content`"
    # [R-12.3-35].
    assert [c for c, _, _ in codes(two, context="inline")] == ["RSL118"]
    assert codes(doc('<content url=""><license/></content>'), context="inline") == []


def test_the_media_type_is_checked_but_never_refuses_the_document() -> None:
    text = one('<permits type="usage">search</permits>')
    found = rsl.parse(text, media_type="text/xml; charset=utf-8")
    # spec §12.3: "A server SHOULD serve an RSL document as `application/rsl+xml`" [R-12.3-34]
    # (reported), and "A reader MUST NOT refuse an RSL document for the media type it was served
    # with" [R-12.3-36] (its statements are read).
    assert [d.code for d in found.diagnostics] == ["RSL160"]
    assert [s.usage for s in found.statements("*", "/x")] == [
        "train-ai", "train-any", "ai-input", "search", "tdm"]
    assert rsl.parse(text, media_type="application/rsl+xml").diagnostics == ()


def test_diagnostics_are_capped_per_code() -> None:
    body = "\n".join(f'<content url="/{i}" colour="x"><license/></content>' for i in range(80))
    found = rsl.parse(doc(body))
    assert sum(d.code == "RSL107" for d in found.diagnostics) == 50


def test_validation_is_linear() -> None:
    def steps(n: int) -> int:
        body = "".join(f'<content url="/{i}/"><license><permits type="usage">search</permits>'
                       "</license></content>" for i in range(n))
        document = rsl.parse(doc(body))
        return len(document.contents)

    # Linear: doubling the input doubles the contents read and nothing blows up.
    assert steps(2000) == 2 * steps(1000)


# --- semantics -------------------------------------------------------------------------

SITE = doc("""<content url="/">
  <license><permits type="usage">all</permits></license>
</content>
<content url="/articles/">
  <license><prohibits type="usage">ai-train</prohibits></license>
</content>
<content url="/premium/*" server="https://licensing.example.com">
  <license>
    <permits type="usage">ai-all</permits>
    <payment type="subscription"><amount currency="EUR">9.99</amount></payment>
  </license>
  <terms>https://example.com/terms</terms>
</content>
<content url="/members/">
  <license>
    <permits type="usage">ai-input</permits>
    <permits type="user">non-commercial</permits>
  </license>
  <license><permits type="usage">search</permits></license>
</content>
<content url="/conflict/">
  <license>
    <permits type="usage">ai-all</permits><prohibits type="usage">ai-all</prohibits>
  </license>
</content>""")


def values(target: str) -> dict[str, str]:
    document = rsl.parse(SITE)
    return {label: decide([document], "GPTBot", target, label).answer
            for label in ("train-ai", "train-any", "ai-input", "search", "tdm")}


def test_the_narrower_scope_wins() -> None:
    # RSL §3.1.2: site-wide all, ai-train prohibited under /articles/.
    assert values("https://example.com/about") == dict.fromkeys(
        ("train-ai", "train-any", "ai-input", "search", "tdm"), "allowed")
    assert values("/articles/1") == {"train-ai": "disallowed", "train-any": "disallowed",
                                      "ai-input": "allowed", "search": "allowed",
                                      "tdm": "disallowed"}


def test_server_or_payment_means_licence_required_with_its_route() -> None:
    got = values("/premium/report")
    assert got == {"train-ai": LICENCE_REQUIRED, "train-any": LICENCE_REQUIRED,
                   "ai-input": LICENCE_REQUIRED, "search": "disallowed", "tdm": "disallowed"}
    decision = decide([rsl.parse(SITE, source="https://example.com/license.xml")], "GPTBot",
                      "/premium/report", "train-ai")
    assert decision.reserved and decision.value is Value.DISALLOWED  # old callers stay correct
    (route,) = decision.licence
    assert (route.server, route.payment, route.amount, route.currency, route.terms) == (
        "https://licensing.example.com", "subscription", "9.99", "EUR",
        "https://example.com/terms")
    assert decision.to_dict()["answer"] == LICENCE_REQUIRED


def test_only_permitted_values_are_allowed_and_user_classes_are_conditions() -> None:
    got = values("/members/page")
    assert got["search"] == "allowed"  # the second license: free, anyone
    assert got["ai-input"] == LICENCE_REQUIRED  # non-commercial users only
    assert got["train-ai"] == "disallowed"  # neither license permits it
    decision = decide([rsl.parse(SITE)], "GPTBot", "/members/page", "ai-input")
    assert decision.licence[0].users == ("non-commercial",)


def test_permitted_and_prohibited_is_not_licensed() -> None:
    assert values("/conflict/x")["ai-input"] == "disallowed"


def test_a_bare_no_of_another_signal_outranks_a_licence_route() -> None:
    robots = RobotsTxt.parse("User-agent: GPTBot\nDisallow: /\n", source="robots.txt")
    document = rsl.parse(SITE)
    decision = decide([robots, document], "GPTBot", "https://example.com/premium/x",
                      "train-ai")
    # spec §12.3: a reader combining RSL with other signals "MUST rank the answers as plain
    # `disallowed`, then licence-required ..., then `allowed`, then `unknown`" [R-12.3-45].
    assert decision.answer == "disallowed" and decision.licence == ()
    alone = decide([document], "GPTBot", "https://example.com/premium/x", "train-ai")
    assert alone.answer == LICENCE_REQUIRED


def test_a_licence_route_outranks_an_allow_of_another_signal() -> None:
    from aioptout.signals import aipref

    header = aipref.from_headers({"Content-Usage": "train-ai=y"}, source="h")
    # Licence-required outranks `allowed` [R-12.3-45].
    decision = decide([header, rsl.parse(SITE)], "GPTBot", "/premium/x", "train-ai")
    assert decision.answer == LICENCE_REQUIRED


def test_an_invalid_document_grants_nothing_but_its_prohibitions_stand() -> None:
    text = one('<permits type="usage">all</permits>\n<prohibits type="usage">train-ai</prohibits>'
               "\n<bogus/>")
    document = rsl.parse(text)
    assert not document.valid
    statements = {s.usage: s.value for s in document.statements("*", "/x")}
    # ai-train is prohibited (read as meant); all is not itself prohibited, so tdm is silent.
    assert statements == {"train-ai": Value.DISALLOWED, "train-any": Value.DISALLOWED}


def test_no_matching_scope_says_nothing() -> None:
    document = rsl.parse(doc('<content url="/only/"><license/></content>'))
    assert document.statements("*", "/elsewhere") == []
    assert decide([document], "GPTBot", "/elsewhere", "train-ai").value is Value.UNKNOWN


def test_an_absolute_content_url_needs_the_host_too() -> None:
    document = rsl.parse(doc('<content url="https://example.com/a/"><license>'
                             '<prohibits type="usage">all</prohibits></license></content>'))
    assert document.statements("*", "https://example.com/a/b")
    assert document.statements("*", "https://other.example/a/b") == []


# --- discovery -------------------------------------------------------------------------

def test_robots_license_lines_group_lines_replace_global_ones() -> None:
    text = ("License: https://example.com/all.xml\nLicense: relative.xml\n\n"
            "User-agent: *\nAllow: /\n\nUser-agent: GPTBot\nAllow: /\n"
            "License: https://example.com/gptbot.xml\nLicense: also-relative\n")
    robots = RobotsTxt.parse(text)
    global_links, diags = rsl.robots_license_lines(text)
    # spec §12.3: "A reader MUST read robots.txt `License: <absolute-URI>` lines: those before
    # the first `User-agent` line are global, the others belong to the group they appear in"
    # [R-12.3-37].
    assert [(link.url, link.line) for link in global_links] == [
        ("https://example.com/all.xml", 1)]
    assert [(d.code, d.line, d.column) for d in diags] == [("RSL161", 2, 10)]
    assert [(d.code, d.line) for d in rsl.robots_group_diagnostics(robots)] == [("RSL161", 10)]
    site = rsl.RslSite(robots, global_links, {})
    # spec §12.3: "When the group selected for an agent has `License` lines, a reader MUST use
    # them instead of the global ones" [R-12.3-38].
    assert [link.url for link in site.links_for("GPTBot/1.2")] == [
        "https://example.com/gptbot.xml"]
    assert [link.url for link in site.links_for("CCBot")] == ["https://example.com/all.xml"]
    # spec §12.3: "A reader MUST NOT let a `License` line change what `Allow` and `Disallow`
    # say" [R-12.3-39].
    # License never changes Allow/Disallow.
    assert robots.decide("GPTBot", "/x").allowed


def test_link_header_and_html_associations() -> None:
    headers = {"Link": '<https://example.com/style.css>; rel="stylesheet", '
                       '</license.xml>; rel="license"; type="application/rsl+xml", '
                       '<https://example.com/cc>; rel="license"'}
    links = rsl.link_header_licenses(headers, base="https://example.com/page")
    assert [(link.url, link.via) for link in links] == [
        ("https://example.com/license.xml", "link-header")]
    html = ('<html><head><link rel="license" type="application/rsl+xml" href="/l.xml">'
            f'<script type="application/rsl+xml"><rsl {NS}><content url="">'
            '<license><prohibits type="usage">ai-all</prohibits></license></content></rsl>'
            "</script></head></html>")
    found, inline = rsl.html_licenses(html, base="https://example.com/page")
    assert [link.url for link in found] == ["https://example.com/l.xml"]
    (document,) = inline
    assert document.diagnostics == ()
    assert {s.usage: s.value for s in document.statements("*", "/page")}["ai-input"] is (
        Value.DISALLOWED)


def test_checker_reads_robots_license_documents(fixture_web: FixtureWeb,
                                                make_fetcher: MakeFetcher) -> None:
    checker = Checker(fetcher=make_fetcher(allow_private=True))
    page = fixture_web.url("rsl-site.test", "/news/1")
    ccbot = checker.check(page, "CCBot", "ai-input")  # the global License line
    assert ccbot.answer == LICENCE_REQUIRED
    assert ccbot.licence[0].standard == "https://rsl-site.test/pay-per-crawl"
    assert ccbot.licence[0].amount == "0.015" and ccbot.licence[0].currency == "USD"
    assert checker.check(page, "CCBot", "train-ai").answer == "disallowed"
    assert checker.check(fixture_web.url("rsl-site.test", "/open/x"), "CCBot",
                         "train-ai").answer == "allowed"
    gptbot = checker.check(page, "GPTBot", "train-ai")  # its group's License replaces it
    assert gptbot.answer == LICENCE_REQUIRED
    assert gptbot.licence[0].custom == "https://rsl-site.test/ai-license-request"
    report = checker.site(page)
    records = [r for r in report.signals if r.mechanism == "rsl"]
    assert len(records) == 2
    # Served as text/xml: read anyway, with a warning.
    # Fetched as text/xml and still read: [R-12.3-34] reported, [R-12.3-36] not refused.
    assert [d.code for r in records for d in r.diagnostics] == ["RSL160"]


def test_link_header_on_the_home_page(fixture_web: FixtureWeb, make_fetcher: MakeFetcher
                                      ) -> None:
    from aioptout.crawl import check_site

    report = check_site(fixture_web.origin("rsl-link.test"),
                        fetcher=make_fetcher(allow_private=True))
    assert report.usage["ai-input"] is Value.DISALLOWED
    assert report.decisions["ai-input"].mechanism == "rsl"
    assert report.usage["search"] is Value.ALLOWED  # no permits: all but ai-all, free


# --- command line ----------------------------------------------------------------------

def test_validate_detects_rsl_and_reports_json_and_sarif(tmp_path: Path) -> None:
    path = tmp_path / "license.xml"
    path.write_text(one('<permits type="usage">train-ai</permits>'), encoding="utf-8")
    assert detect_kind(path.read_bytes(), str(path)) == "rsl"
    runner = CliRunner()
    text = runner.invoke(app, ["validate", str(path)])
    assert text.exit_code == 1 and "RSL122" in text.stdout
    result = runner.invoke(app, ["validate", str(path), "--format", "json"])
    entry = json.loads(result.stdout)["files"][0]
    assert entry["kind"] == "rsl"
    assert [(d["code"], d["line"], d["column"]) for d in entry["diagnostics"]] == [
        ("RSL122", 4, 1)]
    sarif = json.loads(runner.invoke(app, ["validate", str(path), "--format", "sarif"]).stdout)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "RSL122"


def test_check_prints_the_licence_route_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "license.xml"
    path.write_text(SITE, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["check", str(path), "/premium/a", "/about", "--agent",
                                 "GPTBot"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(LICENCE_REQUIRED)
    assert "https://licensing.example.com" in lines[1] and "9.99 EUR" in lines[1]
    assert lines[2].startswith("allowed")
    data = json.loads(runner.invoke(app, ["check", str(path), "/premium/a", "--format",
                                          "json"]).stdout)
    import jsonschema

    schema = json.loads((Path(__file__).parents[1] / "spec" / "check.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    decision = data["decisions"][0]
    assert decision["answer"] == LICENCE_REQUIRED and decision["value"] == "disallowed"
    assert decision["licence"][0]["currency"] == "EUR"


def test_a_missing_licence_document_licenses_nothing(fixture_web: FixtureWeb,
                                                     make_fetcher: MakeFetcher) -> None:
    from aioptout.crawl import check_site

    report = check_site(fixture_web.origin("rsl-missing.test"),
                        fetcher=make_fetcher(allow_private=True))
    (record,) = [r for r in report.signals if r.mechanism == "rsl"]
    assert record.outcome == "unavailable" and record.status == 404
    assert ("RSL162", 1) in [(d.code, d.line) for d in record.diagnostics]
    assert report.usage["train-ai"] is Value.UNKNOWN
    assert "rsl" in json.dumps(report.to_dict()["signals"])


# --- convert ---------------------------------------------------------------------------

def test_rsl_converts_to_a_declaration_with_its_losses() -> None:
    from aioptout.convert import convert
    from aioptout.parse import parse

    conversion = convert(SITE, source="license.xml")
    assert conversion.kind == "rsl" and conversion.readable and conversion.check == ()
    declaration = parse(conversion.declaration)
    for target in ("/about", "/articles/1", "/premium/x", "/members/a"):
        for label in ("train-ai", "train-any", "ai-input", "search", "tdm"):
            rsl_value = decide([rsl.parse(SITE)], "GPTBot", target, label).value
            assert declaration.evaluate("GPTBot", target, label).value is rsl_value, (
                target, label)
    # One licensing URL (the premium terms) becomes Licensing; the rest of the terms are lost.
    assert declaration.licensing == "https://example.com/terms"
    assert {loss.line for loss in conversion.losses} == {9, 16}  # their license lines
    assert {loss.code for loss in conversion.losses} == {"CNV116"}


def test_a_declaration_converts_to_rsl_and_back() -> None:
    from aioptout._convert_rsl import to_rsl
    from aioptout.convert import convert
    from aioptout.parse import parse

    source = ("AIOptOut-Version: 1\nLicensing: https://example.com/licensing\n\n"
              "User-agent: *\nAllow: /\nContent-Usage: / train-ai=n, search=y, ai-input=y\n"
              "Content-Usage: /open/ tdm=y\nContent-Usage: /closed/ tdm=n\n"
              "Work-Usage: isrc:GBAYE* train-ai=n\n")
    result = to_rsl(parse(source))
    assert result.check == ()
    document = rsl.parse(result.document)
    assert document.valid
    answers = {(t, label): decide([document], "*", t, label).answer
               for t in ("/a", "/open/a", "/closed/a")
               for label in ("train-ai", "search", "ai-input", "tdm")}
    assert answers[("/a", "train-ai")] == LICENCE_REQUIRED
    assert answers[("/a", "search")] == "allowed" and answers[("/a", "ai-input")] == "allowed"
    assert answers[("/open/a", "train-ai")] == "allowed"
    assert answers[("/closed/a", "search")] == LICENCE_REQUIRED
    # train-ai without train-any; unknown labels; Work-Usage.
    assert [line for line, _ in result.losses] == [6, 6, 9]
    back = convert(result.document, kind="rsl")
    assert parse(back.declaration).licensing == "https://example.com/licensing"
    assert back.losses == ()
    assert parse(back.declaration).evaluate("*", "/a", "train-ai").value is Value.DISALLOWED


def test_convert_command_both_ways(tmp_path: Path) -> None:
    declaration = tmp_path / "aioptout.txt"
    declaration.write_text("AIOptOut-Version: 1\n\nUser-agent: *\nAllow: /\n"
                           "Content-Usage: tdm=n, search=y\n", encoding="utf-8")
    runner = CliRunner()
    out = tmp_path / "license.xml"
    result = runner.invoke(app, ["convert", str(declaration), "--to", "rsl", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert rsl.parse(out.read_bytes()).valid
    back = runner.invoke(app, ["convert", str(out), "--format", "json"])
    assert back.exit_code == 0
    assert "search=y" in json.loads(back.stdout)["declaration"]
    assert runner.invoke(app, ["convert", str(out), "--to", "rsl"]).exit_code == 2


# --- RSS items and embedded metadata ----------------------------------------------------

FEED = """<?xml version="1.0"?>
<rss version="2.0" xmlns:rsl="https://rslstandard.org/rsl">
  <channel>
    <title>News</title>
    <item>
      <link>https://news.example/a/1</link>
      <rsl:content url="https://news.example/a/1">
        <rsl:license><rsl:prohibits type="usage">ai-train</rsl:prohibits></rsl:license>
      </rsl:content>
    </item>
    <item>
      <rsl:content url="https://elsewhere.example/b">
        <rsl:license><rsl:permits type="usage">all</rsl:permits></rsl:license>
      </rsl:content>
    </item>
    <item>
      <rsl:content url="">
        <rsl:license/>
      </rsl:content>
    </item>
  </channel>
</rss>
"""


def test_rss_items_carry_their_own_terms() -> None:
    document = rsl.from_feed(FEED, source="https://news.example/feed.xml")
    # spec §12.3: "In an RSS feed, the `url` of an item's `<rsl:content>` MUST be on the feed's
    # own origin" [R-12.3-40]: the other item is reported (RSL142) and ignored.
    assert [(d.code, d.line) for d in document.diagnostics] == [("RSL142", 12), ("RSL143", 17)]
    assert [c.url for c in document.contents] == ["https://news.example/a/1"]
    train = decide([document], "GPTBot", "https://news.example/a/1", "train-ai")
    assert train.value is Value.DISALLOWED
    assert decide([document], "GPTBot", "https://news.example/other", "train-ai").value is (
        Value.UNKNOWN)


def test_xmp_packet_carries_one_rsl_block() -> None:
    packet = ('<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
              '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
              '<rsl:rsl xmlns:rsl="https://rslstandard.org/rsl">\n'
              '<rsl:content url="https://photos.example/p/7.jpg">\n'
              '<rsl:license><rsl:permits type="usage">search</rsl:permits>'
              '<rsl:payment type="attribution"/></rsl:license>\n'
              "</rsl:content>\n</rsl:rsl>\n</x:xmpmeta>\n"
              '<?xpacket end="w"?>')
    data = b"\xff\xd8\xff\xe1" + packet.encode() + b"\xff\xd9"
    document = rsl.from_media(data, source="7.jpg")
    assert document is not None and document.diagnostics == ()
    search = decide([document], "*", "https://photos.example/p/7.jpg", "search")
    assert search.answer == LICENCE_REQUIRED and search.licence[0].payment == "attribution"
    assert rsl.from_media(b"\xff\xd8no xmp\xff\xd9") is None
    two = packet.replace("</rsl:rsl>", '<rsl:content url=""><rsl:license/></rsl:content>'
                                       "</rsl:rsl>")
    again = rsl.from_media(two.encode())
    assert again is not None
    # Embedded: exactly one `content`, "with a non-empty `url` when embedded in a media file"
    # [R-12.3-35].
    assert sorted(d.code for d in again.diagnostics) == ["RSL118", "RSL143"]


def test_explain_marks_licence_required_cells(tmp_path: Path) -> None:
    path = tmp_path / "license.xml"
    path.write_text(SITE, encoding="utf-8")
    result = CliRunner().invoke(app, ["explain", str(path), "--target", "/premium/x",
                                      "--format", "json"])
    report = json.loads(result.stdout)
    assert report["kind"] == "rsl"
    cells = report["targets"][0]["agents"][0]["decisions"]
    assert cells["train-ai"] == {**cells["train-ai"], "value": "disallowed",
                                 "answer": LICENCE_REQUIRED}
    assert "answer" not in cells["search"]


def test_web_api_checks_an_rsl_document() -> None:
    import asyncio

    import httpx
    import jsonschema

    from aioptout.web import create_app
    from aioptout.web.openapi import document

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://validator") as client:
            return await client.post("/api/check", json={
                "text": SITE, "kind": "rsl", "agent": "GPTBot", "usage": "train-ai",
                "targets": ["/premium/x"]})

    response = asyncio.run(go())
    assert response.status_code == 200, response.text
    schema = {"$ref": "#/components/schemas/CheckResponse",
              "components": document()["components"]}
    jsonschema.Draft202012Validator(schema).validate(response.json())
    decision = response.json()["decisions"][0]
    assert decision["answer"] == LICENCE_REQUIRED
    assert decision["licence"][0]["server"] == "https://licensing.example.com"


def test_crawl_and_check_commands_show_licence_required(fixture_web: FixtureWeb) -> None:
    pins: list[str] = []
    for key, address in fixture_web.resolve_map().items():
        pins += ["--resolve", f"{key}:{address}"]
    runner = CliRunner()
    crawl = runner.invoke(app, ["crawl", fixture_web.origin("rsl-site.test"), "--allow-private",
                                *pins])
    assert crawl.exit_code == 0, crawl.output
    assert "ai-input licence-required" in " ".join(crawl.stdout.split())
    check = runner.invoke(app, ["check", fixture_web.url("rsl-site.test", "/news/1"),
                                "--agent", "GPTBot", "--allow-private", *pins])
    assert check.exit_code == 1
    first, *rest = check.stdout.splitlines()
    assert first.startswith(LICENCE_REQUIRED)
    routes = [line for line in rest if line.strip().startswith("licence:")]
    assert routes and "https://rsl-site.test/ai-license-request" in routes[0]
