"""Check a catalogue item by item: page signals, site rules, Work-Usage rules, and their conflicts.

A rightsholder's catalogue lives in sitemaps (a label's track pages, a publisher's book pages)
or in a list of identifiers.  For each item this module combines three levels: the page's own
headers and metas, the site's files (robots.txt, the aioptout declaration, tdmrep.json, ai.txt),
and the declaration's ``Work-Usage`` rules for the identifiers the page carries in its
schema.org JSON-LD.  Where the levels disagree (the site allows, the page reserves) the item
records the conflict; the combined value is aipref's "any no wins".
"""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Final, cast
from urllib.parse import urljoin

from . import usage as U
from .crawl import SiteReport, check_site, site_origin
from .decide import Signal, decide
from .diagnostics import define
from .fetch import Fetcher, FetchResult
from .identifiers import looks_like_work_id
from .model import Decision, Declaration, Diagnostic, Statement, Value
from .signals import aipref, contentsignal, robotsmeta, tdmrep

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


@dataclass(frozen=True, slots=True)
class Item:
    """One catalogue entry: a page URL, identifiers written as ``scheme:value``, or both."""

    url: str | None = None
    identifiers: tuple[str, ...] = ()
    line: int | None = None


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
    """``(kind, locations, diagnostics)`` with kind ``urlset``, ``sitemapindex`` or ``""``.

    Documents declaring a DOCTYPE or entities are refused before parsing, so neither entity
    expansion nor external entities can happen; gzip input is decompressed under a cap.
    """
    diagnostics: list[Diagnostic] = []
    if data[:2] == b"\x1f\x8b":
        data, too_big = _bounded_gunzip(data, MAX_SITEMAP_BYTES)
        if too_big:
            diagnostics.append(SITEMAP_TOO_BIG.at(1, 1))
    lowered = data[:MAX_SITEMAP_BYTES].lower()
    for marker in (b"<!doctype", b"<!entity"):
        at = lowered.find(marker)
        if at >= 0:
            line = data.count(b"\n", 0, at) + 1
            column = at - (data.rfind(b"\n", 0, at) + 1) + 1
            diagnostics.append(SITEMAP_DOCTYPE.at(line, column, column + len(marker)))
            return "", [], diagnostics
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line, column = exc.position
        diagnostics.append(SITEMAP_NOT_XML.at(line, column + 1, message=f"not XML: {exc}"))
        return "", [], diagnostics
    kind = root.tag.removeprefix(_SITEMAP_NS)
    if kind not in ("urlset", "sitemapindex"):
        diagnostics.append(SITEMAP_NOT_SITEMAP.at(1, 1))
        return "", [], diagnostics
    locations: list[str] = []
    for loc in root.iter(_SITEMAP_NS + "loc"):
        text = (loc.text or "").strip()
        if not text:
            continue
        if len(locations) >= MAX_SITEMAP_URLS:
            diagnostics.append(SITEMAP_TOO_BIG.at(1, 1))
            break
        locations.append(urljoin(source or "", text))
    return kind, locations, diagnostics


def items_from_sitemap(url: str, fetcher: Fetcher,
                       diagnostics: list[Diagnostic] | None = None) -> Iterator[Item]:
    """Every page URL of a sitemap or sitemap index (``.xml`` or ``.xml.gz``), in order."""
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
        kind, locations, problems = parse_sitemap(result.body, source=result.final_url)
        found.extend(problems)
        if kind == "sitemapindex":
            if depth < MAX_INDEX_DEPTH:
                queue.extend((loc, depth + 1) for loc in locations)
            continue
        for loc in locations:
            yield Item(url=loc)


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
                    row = json.loads(line)
                except ValueError:
                    found.append(BAD_ITEM.at(number, 1, message="line is not JSON"))
                    continue
                if isinstance(row, dict):
                    yield number, row
                else:
                    found.append(BAD_ITEM.at(number, 1, message="line is not a JSON object"))
        rows = _jsonl()
    else:
        reader = csv.DictReader(io.StringIO(text))
        rows = ((reader.line_num, row) for row in reader)
    for number, row in rows:
        item = _item_of(row, number)
        if item is None:
            found.append(BAD_ITEM.at(number, 1))
            continue
        yield item


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
    try:
        collector.feed(html)
        collector.close()
    except Exception:  # html.parser is tolerant; a failure here must not lose the item
        pass
    found: list[str] = []

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
                    ident = f"{scheme}:{str(value).strip()}"
                    if ident not in found:
                        found.append(ident)
                else:
                    walk(value, depth + 1)

    for block in collector.blocks:
        try:
            walk(json.loads(block), 0)
        except (ValueError, RecursionError):
            continue
    return tuple(found)


def _page_signals(page: FetchResult) -> list[Signal]:
    url = page.final_url
    headers = page.headers
    html = page.text if "html" in page.content_type or not page.content_type else ""
    meta = tdmrep.from_html(html, source=url)
    header = tdmrep.from_headers(headers, source=url)
    return [
        cast(Signal, aipref.from_headers(headers, source=url)),
        cast(Signal, contentsignal.from_headers(headers, source=url)),
        cast(Signal, robotsmeta.from_headers(headers, source=url) + robotsmeta.from_html(
            html, source=url)),
        cast(Signal, tdmrep.layer(header, meta, source=url)),
    ]


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

    def get(self, origin: str) -> SiteReport:
        import threading

        with self._lock:
            lock = self._locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._reports:
                self._reports[origin] = check_site(origin, fetcher=self.fetcher)
            return self._reports[origin]

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
        site_decision = decide(site.site_signals(), agent, item.url, usage)
        levels["site"] = site_decision.value
        decisions.append(site_decision)
        page = sites.fetcher.fetch(item.url)
        status, outcome = page.status, page.outcome
        diagnostics.extend(page.diagnostics)
        if page.outcome == "present":
            for ident in jsonld_identifiers(page.text):
                if ident not in identifiers:
                    identifiers.append(ident)
            page_decision = decide(_page_signals(page), agent, item.url, usage)
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
        report = _check_item(item, agent, usage, sites)
        if on_done is not None:
            on_done(report)
        return report

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="aioptout-cat") as pool:
        yield from pool.map(one, items)


def summarise(reports: Iterable[ItemReport]) -> dict[str, int]:
    """Counts for the summary table: items, each value, conflicts, pages not fetched."""
    counts = {"items": 0, "disallowed": 0, "allowed": 0, "unknown": 0, "conflicts": 0,
              "not_fetched": 0, "with_identifiers": 0}
    for report in reports:
        counts["items"] += 1
        counts[report.value.value] += 1
        counts["conflicts"] += bool(report.conflicts)
        counts["not_fetched"] += report.item.url is not None and report.outcome != "present"
        counts["with_identifiers"] += bool(report.identifiers)
    return counts
