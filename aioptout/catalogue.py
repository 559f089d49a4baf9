"""Check a catalogue item by item: page signals, site rules, Work-Usage rules, and their conflicts.

A rightsholder's catalogue lives in sitemaps (a label's track pages, a publisher's book pages)
or in a list of identifiers.  For each item this module combines three levels: the page's own
headers and metas, the site's files (robots.txt, the aioptout declaration, tdmrep.json, ai.txt),
and the declaration's ``Work-Usage`` rules for the identifiers the page carries in its
schema.org JSON-LD.  Where the levels disagree (the site allows, the page reserves) the item
records the conflict; the combined value is aipref's "any no wins".

An item whose analysis fails (here or in its site's check) is answered ``unknown`` with outcome
``error`` and the ``RUN101`` diagnostic; the other items keep their answers.
"""

from __future__ import annotations

import csv
import io
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Final, cast
from urllib.parse import urljoin

from . import _json, _xml
from . import usage as U
from ._isolation import Failure, guarded
from .crawl import SiteReport, check_site, site_origin
from .decide import Signal, decide
from .diagnostics import define
from .fetch import Fetcher, FetchResult
from .identifiers import looks_like_work_id
from .model import Decision, Declaration, Diagnostic, Statement, Value
from .signals import aipref, contentsignal, robotsmeta, rsl, tdmrep

__all__ = [
    "Item",
    "ItemReport",
    "check_items",
    "items_from_file",
    "items_from_sitemap",
    "jsonld_identifiers",
    "parse_sitemap",
    "summarise",
]

SCHEMA_VERSION: Final = 1
#: sitemaps.org: a sitemap holds at most 50,000 URLs and 50 MB uncompressed.
MAX_SITEMAP_BYTES: Final = 50 * 1024 * 1024
MAX_SITEMAP_URLS: Final = 50_000
#: Sitemaps read through one index, and levels of index nesting followed.
MAX_SITEMAPS: Final = 100
MAX_INDEX_DEPTH: Final = 2
#: Element nesting and element count a sitemap may reach (urlset > url > loc is depth 3;
#: extensions such as image:image add two or three levels and a few elements per URL).
MAX_SITEMAP_XML_DEPTH: Final = 32
MAX_SITEMAP_ELEMENTS: Final = 1_000_000
#: Octets of one JSON-LD block that are parsed.
MAX_JSONLD_BYTES: Final = 256 * 1024
DEFAULT_JOBS: Final = 8
_SITEMAP_NS: Final = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
_ID_COLUMNS: Final = ("isrc", "iswc", "upc", "ean", "gtin", "isbn", "doi", "isni")
#: schema.org properties that carry work identifiers, and the scheme each one is.
JSONLD_PROPERTIES: Final[Mapping[str, str]] = {
    "isrccode": "isrc",
    "iswccode": "iswc",
    "isbn": "isbn",
    "gtin13": "gtin",
    "gtin12": "gtin",
    "gtin14": "gtin",
    "gtin8": "gtin",
    "gtin": "gtin",
}

SITEMAP_DOCTYPE = define(
    "FET131", "MUST NOT", "sitemaps.org protocol §XML",
    "Sitemap has a DOCTYPE or entity declaration; it is not read",
    "sitemaps are plain XML; entity declarations enable expansion and external-entity attacks")
SITEMAP_NOT_XML = define("FET132", "MUST", "sitemaps.org protocol §XML",
                         "Sitemap is not well-formed XML")
SITEMAP_TOO_BIG = define(
    "FET133", "MUST NOT", "sitemaps.org protocol §Sitemap index",
    "Sitemap exceeds 50,000 URLs or 50 MB uncompressed; the rest is ignored")
SITEMAP_NOT_SITEMAP = define("FET134", "MUST", "sitemaps.org protocol §XML",
                             "Document is neither a urlset nor a sitemapindex")
SITEMAP_UNREAD = define("FET135", "NOTE", "sitemaps.org protocol §Sitemap index",
                        "A sitemap could not be fetched; its items are missing")
BAD_ITEM = define("FET136", "MUST", "aioptout catalogue input",
                  "Item has neither a usable url nor an identifier; it is skipped")
SITEMAP_TOO_DEEP = define(
    "FET140", "MUST NOT", "sitemaps.org protocol §XML; aioptout spec §13",
    "Sitemap nests elements deeper than 32; the rest is not read",
    "a sitemap is urlset > url > loc; deep nesting is a parser attack")
SITEMAP_TOO_MANY_ELEMENTS = define(
    "FET141", "MUST NOT", "sitemaps.org protocol §XML; aioptout spec §13",
    "Sitemap has more than 1,000,000 elements; the rest is not read",
    "50,000 URLs need far fewer elements; split the sitemap")


@dataclass(frozen=True, slots=True)
class Item:
    """One catalogue entry: a page URL, identifiers written as ``scheme:value``, or both."""

    url: str | None = None
    identifiers: tuple[str, ...] = ()
    line: int | None = None
    #: The RSL of the RSS feed the item came from (RSL 1.0 §4.7), shared by its items; it
    #: answers for the items its ``rsl:content`` elements name.
    feed_rsl: rsl.RslDocument | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class ItemReport:
    """The answer for one item, by level and combined."""

    item: Item
    agent: str
    usage: str
    value: Value
    decision: Decision
    identifiers: tuple[str, ...]
    levels: Mapping[str, Value]
    conflicts: tuple[str, ...]
    status: int | None = None
    outcome: str | None = None
    diagnostics: tuple[Diagnostic, ...] = ()
    failures: tuple[Failure, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "url": self.item.url,
            "identifiers": list(self.identifiers),
            "agent": self.agent,
            "usage": self.usage,
            "value": self.value.value,
            "reason": self.decision.reason,
            "mechanism": self.decision.mechanism,
            "source": self.decision.source,
            "line": self.decision.line,
            "levels": {k: v.value for k, v in self.levels.items()},
            "conflicts": list(self.conflicts),
            "status": self.status,
            "outcome": self.outcome,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "failures": [f.to_dict() for f in self.failures],
        }


# --- reading items --------------------------------------------------------------------------------


def _bounded_gunzip(data: bytes, cap: int) -> tuple[bytes, bool]:
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decoder.decompress(data, cap + 1)
    except zlib.error:
        return b"", False
    return out[:cap], len(out) > cap


def parse_sitemap(data: bytes, *, source: str | None = None
                  ) -> tuple[str, list[str], list[Diagnostic]]:
    """``(kind, locations, diagnostics)`` with kind ``urlset``, ``sitemapindex``, ``rss`` or ``""``.

    An RSS 2.0 feed is read as a list of its items' ``<link>`` URLs, so a feed that carries RSL
    per item (RSL 1.0 §4.7) can be checked as a catalogue.

    Read by :func:`aioptout._xml.iterparse`: a DOCTYPE or entity declaration is refused in any
    encoding (UTF-16 included), so neither entity expansion nor external entities can happen;
    elements are dropped as they are read, so memory does not grow with the file.  gzip input
    is decompressed under a cap.  A sitemap cut short (by a cap or a refusal after its start)
    keeps the locations read before the cut.
    """
    diagnostics: list[Diagnostic] = []
    cut = False
    if data[:2] == b"\x1f\x8b":
        data, cut = _bounded_gunzip(data, MAX_SITEMAP_BYTES)
    elif len(data) > MAX_SITEMAP_BYTES:
        data, cut = data[:MAX_SITEMAP_BYTES], True
    if cut:
        diagnostics.append(SITEMAP_TOO_BIG.at(1, 1))
    kind = ""
    locations: list[str] = []
    count = 0
    loc_tag = _SITEMAP_NS + "loc"
    try:
        for path, element in _xml.iterparse(data, max_bytes=MAX_SITEMAP_BYTES,
                                            max_depth=MAX_SITEMAP_XML_DEPTH):
            count += 1
            if not kind:
                kind = (path[0] if path else element.tag).removeprefix(_SITEMAP_NS)
                if kind not in ("urlset", "sitemapindex", "rss"):
                    diagnostics.append(SITEMAP_NOT_SITEMAP.at(1, 1))
                    return "", [], diagnostics
            if count > MAX_SITEMAP_ELEMENTS:
                diagnostics.append(SITEMAP_TOO_MANY_ELEMENTS.at(1, 1))
                break
            if element.tag != loc_tag and not (
                    kind == "rss" and element.tag == "link" and path[-1:] == ("item",)):
                continue
            text = (element.text or "").strip()
            if not text:
                continue
            if len(locations) >= MAX_SITEMAP_URLS:
                diagnostics.append(SITEMAP_TOO_BIG.at(1, 1))
                break
            locations.append(urljoin(source or "", text))
    except _xml.XmlRefused as refused:
        if refused.reason == _xml.DTD:
            diagnostics.append(SITEMAP_DOCTYPE.at(refused.line, refused.column))
            return "", [], diagnostics
        if refused.reason == _xml.TOO_DEEP:
            diagnostics.append(SITEMAP_TOO_DEEP.at(refused.line, refused.column))
        elif not cut:  # a document we cut ourselves is not the server's malformation
            diagnostics.append(SITEMAP_NOT_XML.at(refused.line, refused.column,
                                                  message=refused.message))
        if not kind:
            return "", [], diagnostics
    return kind, locations, diagnostics


def items_from_sitemap(url: str, fetcher: Fetcher,
                       diagnostics: list[Diagnostic] | None = None) -> Iterator[Item]:
    """Every page URL of a sitemap, sitemap index (``.xml``, ``.xml.gz``) or RSS feed, in order."""
    found = diagnostics if diagnostics is not None else []
    queue: list[tuple[str, int]] = [(url, 0)]
    read = 0
    while queue and read < MAX_SITEMAPS:
        current, depth = queue.pop(0)
        read += 1
        result = fetcher.fetch(current, max_bytes=MAX_SITEMAP_BYTES)
        if result.outcome != "present":
            found.append(SITEMAP_UNREAD.at(1, 1, message=f"{current}: {result.error}"))
            continue
        parsed, failure = guarded("sitemap", parse_sitemap, result.body, source=result.final_url)
        if parsed is None:
            assert failure is not None
            found.append(replace(failure.diagnostic(), message=f"{current}: {failure.summary}"))
            continue
        kind, locations, problems = parsed
        found.extend(problems)
        if kind == "sitemapindex":
            if depth < MAX_INDEX_DEPTH:
                queue.extend((loc, depth + 1) for loc in locations)
            continue
        feed = None
        if kind == "rss":
            feed, _ = guarded("rsl", rsl.from_feed, result.body, source=result.final_url)
            if feed is not None:
                found.extend(feed.diagnostics)
                feed = feed if feed.contents else None
        for loc in locations:
            yield Item(url=loc, feed_rsl=feed)


def items_from_file(path: str | Path, diagnostics: list[Diagnostic] | None = None
                    ) -> Iterator[Item]:
    """Items of a CSV (with a header row) or JSONL file: ``url`` and/or identifier columns.

    Identifier columns are ``isrc``, ``iswc``, ``upc``, ``ean``, ``gtin``, ``isbn``, ``doi``,
    ``isni`` (bare values) or ``id`` (``scheme:value``).
    """
    found = diagnostics if diagnostics is not None else []
    source = Path(path)
    text = source.read_text("utf-8", errors="replace")
    rows: Iterable[tuple[int, Mapping[str, Any]]]
    if source.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        def _jsonl() -> Iterator[tuple[int, Mapping[str, Any]]]:
            for number, line in enumerate(text.splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = _json.loads(line)
                except _json.JsonError as exc:
                    if exc.code is None:
                        found.append(BAD_ITEM.at(number, 1, message="line is not JSON"))
                    else:
                        found.append(exc.code.at(number, exc.column))
                    continue
                if isinstance(row, dict):
                    yield number, row
                else:
                    found.append(BAD_ITEM.at(number, 1, message="line is not a JSON object"))
        rows = _jsonl()
    else:
        rows = _csv_rows(text, found)
    for number, row in rows:
        item = _item_of(row, number)
        if item is None:
            found.append(BAD_ITEM.at(number, 1))
            continue
        yield item


def _csv_rows(text: str, found: list[Diagnostic]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """CSV rows; a row the csv module refuses (a field over its size limit) is one BAD_ITEM."""
    reader = csv.DictReader(io.StringIO(text))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            found.append(BAD_ITEM.at(reader.line_num + 1, 1, message=f"not CSV: {exc}"))
            continue
        yield reader.line_num, row


def _item_of(row: Mapping[str, Any], line: int) -> Item | None:
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    url = str(lowered.get("url") or "").strip() or None
    identifiers: list[str] = []
    for column in _ID_COLUMNS:
        value = str(lowered.get(column) or "").strip()
        if value:
            identifiers.append(f"{column}:{value}")
    raw_id = str(lowered.get("id") or "").strip()
    if raw_id and looks_like_work_id(raw_id):
        identifiers.append(raw_id)
    if url is None and not identifiers:
        return None
    return Item(url, tuple(identifiers), line)


# --- page reading ---------------------------------------------------------------------------------


class _JsonLdCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._inside = False
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            kind = dict(attrs).get("type") or ""
            self._inside = kind.split(";")[0].strip().lower() == "application/ld+json"
            self._parts = []

    def handle_data(self, data: str) -> None:
        if self._inside:
            self._parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._inside:
            self.blocks.append("".join(self._parts)[:MAX_JSONLD_BYTES])
            self._inside = False


def jsonld_identifiers(html: str) -> tuple[str, ...]:
    """``scheme:value`` identifiers from schema.org JSON-LD blocks (``isrcCode``, ``isbn``…)."""
    collector = _JsonLdCollector()
    collector.feed(html)
    collector.close()
    found: dict[str, None] = {}  # ordered and deduplicated in constant time per identifier

    def walk(node: object, depth: int) -> None:
        if depth > 32:
            return
        if isinstance(node, list):
            for child in node:
                walk(child, depth + 1)
        elif isinstance(node, dict):
            for key, value in node.items():
                scheme = JSONLD_PROPERTIES.get(str(key).lower())
                if scheme is not None and isinstance(value, str | int) and str(value).strip():
                    found.setdefault(f"{scheme}:{str(value).strip()}")
                else:
                    walk(value, depth + 1)

    for block in collector.blocks:
        try:
            walk(_json.loads(block), 0)
        except _json.JsonError:  # a block that is not (bounded) JSON states no identifier
            continue
    return tuple(found)


def _page_signals(page: FetchResult) -> list[Signal]:
    url = page.final_url
    headers = page.headers
    html = page.text if "html" in page.content_type or not page.content_type else ""
    meta = tdmrep.from_html(html, source=url)
    header = tdmrep.from_headers(headers, source=url)
    out: list[Signal] = []
    if not html:
        # A media item's own XMP may carry an RSL block (RSL 1.0 §4.8) for its canonical URL.
        embedded = rsl.from_media(page.body, source=url)
        if embedded is not None:
            out.append(cast(Signal, rsl.PageRsl(url, (embedded,))))
    return [
        *out,
        cast(Signal, aipref.from_headers(headers, source=url)),
        cast(Signal, contentsignal.from_headers(headers, source=url)),
        cast(Signal, robotsmeta.from_headers(headers, source=url) + robotsmeta.from_html(
            html, source=url)),
        cast(Signal, tdmrep.layer(header, meta, source=url)),
    ]


def _page_rsl(page: FetchResult, sites: _Sites) -> rsl.PageRsl | None:
    """RSL the item's page associates: Link header, HTML ``<link>`` and inline script."""
    url = page.final_url or page.url
    links = list(rsl.link_header_licenses(page.headers, base=url))
    documents: list[rsl.RslDocument] = []
    if "html" in page.content_type or not page.content_type:
        html_links, inline = rsl.html_licenses(page.text, base=url)
        links += html_links
        documents += inline
    for link in list(dict.fromkeys(link.url for link in links))[: rsl.MAX_DOCUMENTS_PER_SITE]:
        document = sites.rsl_document(link)
        if document is not None:
            documents.append(document)
    return rsl.PageRsl(url, documents) if documents else None


# --- checking -------------------------------------------------------------------------------------


_LEVEL_NAMES: Final = {"site": "the site", "page": "the page", "catalogue": "the catalogue"}


def _conflicts(levels: Mapping[str, Value]) -> tuple[str, ...]:
    allows = [k for k, v in levels.items() if v is Value.ALLOWED]
    reserves = [k for k, v in levels.items() if v is Value.DISALLOWED]
    return tuple(f"{_LEVEL_NAMES[a]} allows, {_LEVEL_NAMES[r]} reserves"
                 for a in allows for r in reserves)


def _combined(decisions: list[Decision], usage: str, agent: str, target: str) -> Decision:
    for wanted in (Value.DISALLOWED, Value.ALLOWED):
        for decision in decisions:
            if decision.value is wanted:
                return decision
    return Decision(Value.UNKNOWN, usage, agent, target, "no signal states this usage",
                    mechanism="none")


class _Sites:
    """Each origin's site-level report, fetched once for the whole catalogue."""

    def __init__(self, fetcher: Fetcher, extra: Iterable[Declaration],
                 trusted: Iterable[str] = ()) -> None:
        import threading

        self.fetcher = fetcher
        self.extra = tuple(extra)
        #: Origins the user named as the rightsholder's: trusted for every identifier.
        self.trusted = frozenset(trusted)
        self._lock = threading.Lock()
        self._locks: dict[str, Any] = {}
        self._reports: dict[str, SiteReport] = {}
        self._rsl: dict[str, rsl.RslDocument | None] = {}

    def get(self, origin: str) -> SiteReport:
        import threading

        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._reports:
                self._reports[origin] = check_site(origin, fetcher=self.fetcher)
            return self._reports[origin]

    def rsl_document(self, url: str) -> rsl.RslDocument | None:
        """A linked RSL document, fetched once for every item that links it."""
        import threading

        with self._lock:
            lock = self._locks.setdefault("rsl " + url, threading.Lock())
        with lock:
            if url not in self._rsl:
                got = self.fetcher.fetch(url)
                self._rsl[url] = (
                    rsl.parse(got.body, source=got.final_url or url, media_type=got.content_type)
                    if got.outcome == "present" else None)
            return self._rsl[url]

    def declarations(self) -> list[Declaration]:
        with self._lock:
            known = [r.declaration for r in self._reports.values() if r.declaration is not None]
        return [*known, *self.extra]

    def catalogue_signals(self, item_origin: str | None
                          ) -> tuple[list[Signal | Declaration], list[tuple[str, Declaration]]]:
        """The declarations that answer for an item's identifiers (spec §10.8), and every
        fetched origin's declaration by origin, for naming disagreements.

        Trusted for the item: the item's own origin, the origins the user named, and the
        declarations handed over; any other origin's declaration counts only where it reserves
        (R-10.8-2), so that no site can grant what the rightsholder reserved elsewhere.
        """
        with self._lock:
            by_origin = [(o, r.declaration) for o, r in self._reports.items()
                         if r.declaration is not None]
        trusted = self.trusted | ({item_origin} if item_origin else set())
        signals: list[Signal | Declaration] = list(self.extra)
        for origin, declaration in by_origin:
            signals.append(declaration if origin in trusted else _ReservationsOnly(declaration))
        return signals, by_origin


class _ReservationsOnly:
    """A declaration of an origin not trusted for an identifier: only its reservations count
    (spec R-10.8-1, R-10.8-2)."""

    mechanism: Final = "aioptout"

    def __init__(self, declaration: Declaration) -> None:
        self.declaration = declaration
        self.source = declaration.source
        self.diagnostics: tuple[Diagnostic, ...] = ()

    def statements(self, agent: str, target: str) -> list[Statement]:
        from .evaluate import statements

        return [s for s in statements(self.declaration, agent, target)
                if s.value is Value.DISALLOWED]


def _origin_conflicts(by_origin: list[tuple[str, Declaration]], agent: str,
                      identifiers: list[str], usage: str) -> tuple[str, ...]:
    """Origins whose declarations disagree about one identifier, named (R-10.8-3)."""
    out: list[str] = []
    for ident in identifiers:
        said = [(origin, declaration.evaluate(agent, ident, usage).value)
                for origin, declaration in by_origin]
        allows = [o for o, v in said if v is Value.ALLOWED]
        reserves = [o for o, v in said if v is Value.DISALLOWED]
        out.extend(f"{a} allows {ident}, {r} reserves it" for a in allows for r in reserves)
    return tuple(out)


def _failed_item(item: Item, agent: str, usage: str, failure: Failure) -> ItemReport:
    """No answer for an item whose analysis failed: a partial one could be wrong."""
    target = item.url or (item.identifiers[0] if item.identifiers else "")
    why = f"not decided: the analysis failed ({failure.summary})"
    decision = Decision(Value.UNKNOWN, usage, agent, target, why, mechanism="none")
    return ItemReport(item, agent, usage, Value.UNKNOWN, decision, item.identifiers, {}, (),
                      None, "error", (failure.diagnostic(),), (failure,))


def _check_item(item: Item, agent: str, usage: str, sites: _Sites) -> ItemReport:
    diagnostics: list[Diagnostic] = []
    identifiers = list(item.identifiers)
    levels: dict[str, Value] = {}
    decisions: list[Decision] = []
    status = outcome = None
    target = item.url or (identifiers[0] if identifiers else "")
    origin = site_origin(item.url) if item.url else None
    if item.url and origin:
        site = sites.get(origin)
        if site.failures:
            failed = site.failures[0]
            return _failed_item(item, agent, usage, replace(failed, stage=f"site {failed.stage}"))
        site_decision = decide(site.site_signals(), agent, item.url, usage)
        levels["site"] = site_decision.value
        decisions.append(site_decision)
        page = sites.fetcher.fetch(item.url)
        status, outcome = page.status, page.outcome
        diagnostics.extend(page.diagnostics)
        if page.outcome == "present":
            known = set(identifiers)
            for ident in jsonld_identifiers(page.text):
                if ident not in known:
                    known.add(ident)
                    identifiers.append(ident)
            page_signals = _page_signals(page)
            linked = _page_rsl(page, sites)
            if linked is not None:
                page_signals.append(cast(Signal, linked))
            if item.feed_rsl is not None:
                page_signals.append(cast(Signal, item.feed_rsl))
            page_decision = decide(page_signals, agent, item.url, usage)
            levels["page"] = page_decision.value
            decisions.append(page_decision)
        elif item.feed_rsl is not None:
            page_decision = decide([cast(Signal, item.feed_rsl)], agent, item.url, usage)
            levels["page"] = page_decision.value
            decisions.append(page_decision)
    signals, by_origin = sites.catalogue_signals(origin)
    disagreements: tuple[str, ...] = ()
    if identifiers and signals:
        by_id = [decide(signals, agent, ident, usage) for ident in identifiers]
        levels["catalogue"] = U.combine(d.value for d in by_id)
        decisions.extend(by_id)
        disagreements = _origin_conflicts(by_origin, agent, identifiers, usage)
    decision = _combined(decisions, usage, agent, target)
    return ItemReport(item, agent, usage, decision.value, decision, tuple(identifiers), levels,
                      _conflicts(levels) + disagreements, status, outcome, tuple(diagnostics))


def check_items(
    items: Iterable[Item],
    *,
    agent: str = "*",
    usage: str = "train-ai",
    fetcher: Fetcher | None = None,
    origin: str | None = None,
    jobs: int = DEFAULT_JOBS,
    on_done: Callable[[ItemReport], None] | None = None,
) -> Iterator[ItemReport]:
    """Check every item with ``jobs`` threads, in input order.

    Identifier-only items are answered from the declarations of the origins seen so far and of
    ``origin`` when given (checked first).
    """
    fetcher = fetcher or Fetcher()
    key = site_origin(origin) if origin is not None else None
    sites = _Sites(fetcher, (), (key,) if key is not None else ())
    if key is not None:
        sites.get(key)

    def one(item: Item) -> ItemReport:
        report, failure = guarded("item", _check_item, item, agent, usage, sites)
        if report is None:
            assert failure is not None
            report = _failed_item(item, agent, usage, failure)
        if on_done is not None:
            on_done(report)
        return report

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="aioptout-cat") as pool:
        yield from pool.map(one, items)


def summarise(reports: Iterable[ItemReport]) -> dict[str, int]:
    """Counts for the summary table: items, each value, conflicts, pages not fetched, items
    whose analysis failed."""
    counts = {"items": 0, "disallowed": 0, "allowed": 0, "unknown": 0, "conflicts": 0,
              "not_fetched": 0, "with_identifiers": 0, "errors": 0}
    for report in reports:
        counts["items"] += 1
        counts[report.value.value] += 1
        counts["conflicts"] += bool(report.conflicts)
        counts["errors"] += bool(report.failures)
        counts["not_fetched"] += (report.item.url is not None and not report.failures
                                  and report.outcome != "present")
        counts["with_identifiers"] += bool(report.identifiers)
    return counts
