"""Catalogue checks: sitemaps (plain, gzip, index, hostile), item files, JSON-LD, levels."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from aioptout._cli import crawl as crawl_cli
from aioptout.catalogue import (
    Item,
    check_items,
    items_from_file,
    items_from_sitemap,
    jsonld_identifiers,
    parse_sitemap,
    summarise,
)
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import Diagnostic, Value

MakeFetcher = Callable[..., Fetcher]


def test_sitemap_index_with_gzip_sitemap(fixture_web: FixtureWeb, make_fetcher: MakeFetcher
                                         ) -> None:
    problems: list[Diagnostic] = []
    items = list(items_from_sitemap(fixture_web.url("music-label.test", "/sitemap_index.xml"),
                                    make_fetcher(), problems))
    assert problems == []
    assert len(items) == len(fixture_web.catalogue("music-label.test")) == 360
    assert items[0].url == fixture_web.url("music-label.test", "/tracks/1")


def test_plain_and_gzip_sitemaps_agree(fixture_web: FixtureWeb, make_fetcher: MakeFetcher
                                       ) -> None:
    fetcher = make_fetcher()
    plain = list(items_from_sitemap(fixture_web.url("books.test", "/sitemap.xml"), fetcher))
    packed = list(items_from_sitemap(fixture_web.url("books.test", "/sitemap.xml.gz"), fetcher))
    assert plain == packed and len(plain) == 200


def test_entity_declarations_are_refused(fixture_web: FixtureWeb, make_fetcher: MakeFetcher
                                         ) -> None:
    for path in ("/sitemap.xml", "/xxe.xml"):
        problems: list[Diagnostic] = []
        items = list(items_from_sitemap(fixture_web.url("sitemap-evil.test", path),
                                        make_fetcher(), problems))
        assert items == []
        assert [(d.code, d.line, d.column) for d in problems] == [("FET131", 2, 1)]


def test_parse_sitemap_rejects_non_sitemaps() -> None:
    kind, locations, problems = parse_sitemap(b"<html><body/></html>")
    assert (kind, locations, [d.code for d in problems]) == ("", [], ["FET134"])
    kind, _, problems = parse_sitemap(b"<urlset><url><loc>x</url>")
    assert kind == "" and problems[0].code == "FET132"


def test_gzip_sitemap_bomb_is_capped() -> None:
    import aioptout.catalogue as catalogue

    body = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + b" " * (
        catalogue.MAX_SITEMAP_BYTES + 10) + b"</urlset>"
    _, _, problems = parse_sitemap(gzip.compress(body))
    assert "FET133" in [d.code for d in problems]


def test_jsonld_identifiers() -> None:
    html = """<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [
      {"@type": "MusicRecording", "isrcCode": "GBAYE0601498"},
      {"@type": "Product", "gtin13": "4006381333931"},
      {"@type": "Book", "isbn": "9780306406157"}]}
    </script><script type="application/ld+json">{not json</script>
    <script>var isrcCode = "IGNORED";</script></head></html>"""
    assert jsonld_identifiers(html) == (
        "isrc:GBAYE0601498", "gtin:4006381333931", "isbn:9780306406157")
    assert jsonld_identifiers("<p>no scripts</p>") == ()


def test_items_from_csv_and_jsonl(tmp_path: Path) -> None:
    csv_file = tmp_path / "items.csv"
    csv_file.write_text("url,isrc,id\nhttp://a.test/1,QZFXT2600001,\n,,isbn:9780306406157\n,,\n")
    problems: list[Diagnostic] = []
    items = list(items_from_file(csv_file, problems))
    assert items == [Item("http://a.test/1", ("isrc:QZFXT2600001",), 2),
                     Item(None, ("isbn:9780306406157",), 3)]
    assert [(d.code, d.line) for d in problems] == [("FET136", 4)]
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text('{"ean": "4006381333931"}\n[1]\n{"url": "http://b.test/"}\n')
    problems = []
    items = list(items_from_file(jsonl, problems))
    assert [i.identifiers for i in items] == [("ean:4006381333931",), ()]
    assert [(d.code, d.line) for d in problems] == [("FET136", 2)]


def test_levels_and_conflicts(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    urls = [fixture_web.url("music-label.test", f"/tracks/{n}") for n in (1, 3, 10, 13, 25, 150)]
    reports = {r.item.url.rsplit("/", 1)[1]: r for r in check_items(  # type: ignore[union-attr]
        [Item(u) for u in urls], agent="ExampleBot", usage="train-ai", fetcher=make_fetcher())}
    # Track 1: QZFXT registrant, reserved by "Work-Usage: isrc:QZFXT* train-ai=n".
    assert reports["1"].levels["catalogue"] is Value.DISALLOWED
    assert reports["1"].identifiers == ("isrc:QZFXT2600001",)
    assert reports["1"].value is Value.DISALLOWED
    # Track 3: QZFXU registrant, no rule and no page signal: unknown.
    assert reports["3"].value is Value.UNKNOWN
    # Track 10 carries <meta name="robots" content="noai">.
    assert reports["10"].levels["page"] is Value.DISALLOWED
    # Track 13 is a dead sitemap entry.
    assert reports["13"].outcome == "unavailable" and reports["13"].status == 404
    # Track 25 sends "Content-Usage: train-ai=y" while its ISRC is reserved: a conflict.
    assert reports["25"].levels["page"] is Value.ALLOWED
    assert reports["25"].conflicts == ("the page allows, the catalogue reserves",)
    assert reports["25"].value is Value.DISALLOWED
    # Track 150: a train-ai=y header and a noai meta on the same page: within the page level
    # any no wins, and its QZFXU identifier has no rule, so no level conflicts with another.
    assert reports["150"].levels["page"] is Value.DISALLOWED
    assert reports["150"].conflicts == ()
    counts = summarise(reports.values())
    assert counts["items"] == 6 and counts["not_fetched"] == 1


def test_identifier_only_items_use_the_origin(fixture_web: FixtureWeb,
                                              make_fetcher: MakeFetcher) -> None:
    items = [Item(None, ("isbn:9780306000021",)), Item(None, ("isbn:9781840000011",))]
    reports = list(check_items(items, usage="train-ai", fetcher=make_fetcher(),
                               origin=fixture_web.origin("books.test")))
    assert [r.value for r in reports] == [Value.DISALLOWED, Value.UNKNOWN]
    record = reports[0].to_dict()
    assert record["levels"] == {"catalogue": "disallowed"} and record["url"] is None


def test_catalogue_command_jsonl(fixture_web: FixtureWeb, tmp_path: Path) -> None:
    app = typer.Typer()
    crawl_cli.register(app)
    result = CliRunner().invoke(app, [
        "catalogue", fixture_web.url("books.test", "/sitemap.xml"), "--format", "jsonl",
        "--delay", "0", "--resolve", f"books.test:{fixture_web.port}:127.0.0.1"])
    assert result.exit_code == 1  # some items are reserved
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 200
    reserved = {r["identifiers"][0] for r in records if r["value"] == "disallowed"}
    books = {item.path: f"isbn:{item.identifier}" for item in fixture_web.catalogue("books.test")}
    # "Work-Usage: isbn:9780306* train-ai=n": even-numbered books are in that range.
    assert books["/books/2"] in reserved and books["/books/1"] not in reserved
    assert "items: 200" in result.stderr


# --- catalogue trust (spec §10.8): a grant counts only from a trusted origin ----------------

def _site(origin: str, text: str) -> Any:
    from aioptout import parse
    from aioptout.crawl import SiteReport
    from aioptout.model import Value

    return SiteReport(site=origin, agent="*", signals=(), crawl=Value.ALLOWED, usage={},
                      compliant=True, declaration=parse(text, source=origin + "/.well-known/"))


def test_untrusted_origin_cannot_grant_but_can_reserve() -> None:
    from aioptout.catalogue import Item, _check_item, _Sites
    from aioptout.fetch import Fetcher
    from aioptout.model import Value

    head = "AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n"
    label = "https://label.test"
    other = "https://aggregator.test"
    sites = _Sites(Fetcher(politeness_delay=0.0), (), (label,))
    sites._reports[other] = _site(other, head + "Work-Usage: isrc:GBEMI* train-ai=y\n"
                                  "Work-Usage: isrc:USUM7* train-ai=n\n")
    item = Item(url=None, identifiers=("isrc:GBEMI0300013",), line=1)
    # Only the untrusted origin speaks, and it grants: the grant is dropped (R-10.8-2).
    assert _check_item(item, "GPTBot", "train-ai", sites).value is Value.UNKNOWN
    # Its reservation is kept (R-10.8-1).
    reserved = Item(url=None, identifiers=("isrc:USUM71703861",), line=2)
    assert _check_item(reserved, "GPTBot", "train-ai", sites).value is Value.DISALLOWED
    # The rightsholder's own (named) origin may grant; the aggregator's grant still adds nothing.
    sites._reports[label] = _site(label, head + "Work-Usage: isrc:GBEMI* train-ai=y\n")
    # spec §10.8: "An origin is trusted for an identifier ... when the user of the reader names
    # that origin ... as the rightsholder's" [R-10.8-3].
    assert _check_item(item, "GPTBot", "train-ai", sites).value is Value.ALLOWED


def test_origins_that_disagree_are_named() -> None:
    from aioptout.catalogue import Item, _check_item, _Sites
    from aioptout.fetch import Fetcher
    from aioptout.model import Value

    head = "AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n"
    sites = _Sites(Fetcher(politeness_delay=0.0), (), ("https://a.test",))
    for origin, token in (("https://a.test", "y"), ("https://b.test", "n")):
        sites._reports[origin] = _site(origin, head + f"Work-Usage: isrc:GBEMI* train-ai={token}\n")
    report = _check_item(Item(url=None, identifiers=("isrc:GBEMI0300013",), line=1), "GPTBot",
                         "train-ai", sites)
    assert report.value is Value.DISALLOWED
    # spec §10.8: "When two origins disagree about one identifier, the answer is `disallowed`
    # ..., and a reader that reports answers SHOULD name both origins" [R-10.8-3].
    assert report.conflicts == ("https://a.test allows isrc:GBEMI0300013, https://b.test "
                                "reserves it",)
