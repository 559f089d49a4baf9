"""Check sites: fetch every signal an origin publishes and say what it means for one agent.

One :class:`SiteReport` per origin, built from the well-known files (the aioptout declaration,
robots.txt, ai.txt, tdmrep.json) and the home page's headers and HTML metas.  Its JSON form is
the contract of ``aioptout crawl --format json`` (``spec/crawl.schema.json``); the report also
keeps the parsed objects so the survey engine can ask further questions without re-parsing.

A failure while analysing a site (a parser bug some hostile file triggers) is isolated per
mechanism: that mechanism's record says ``error`` with the ``RUN101`` diagnostic, the other
files are still read, and the report's status is ``error`` with every verdict ``unknown`` (a
verdict computed without one of the site's signals could be wrong).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeVar, cast
from urllib.parse import urlsplit

from . import usage as U
from ._isolation import Failure, guarded, isolated
from ._wellknown import AI_TXT_PATH, DECLARATION_PATH, ROBOTS_PATH, TDMREP_PATH
from .decide import Signal, decide
from .fetch import Fetcher, FetchResult, normalise_url
from .model import Decision, Declaration, Diagnostic, Severity, Statement, Value
from .parse import parse as parse_declaration
from .signals import aipref, aitxt, contentsignal, robotsmeta, rsl, tdmrep
from .signals.robots import RobotsTxt

__all__ = [
    "SCHEMA_VERSION",
    "SignalRecord",
    "SiteReport",
    "check_site",
    "check_sites",
    "site_origin",
]

SCHEMA_VERSION: Final = 1
DEFAULT_JOBS: Final = 8
_SIGNAL_HEADERS: Final = ("content-usage", "content-signal", "tdm-reservation", "tdm-policy")
_UTF8: Final = ("utf-8", "utf-8-sig")


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """One mechanism's presence on a site: where it was looked for and what was found."""

    mechanism: str
    url: str
    status: int | None
    outcome: str
    diagnostics: tuple[Diagnostic, ...] = ()
    error: str | None = None
    redirects: tuple[str, ...] = ()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.WARNING)

    def to_dict(self) -> dict[str, object]:
        return {
            "mechanism": self.mechanism,
            "url": self.url,
            "status": self.status,
            "outcome": self.outcome,
            "errors": [d.to_dict() for d in self.errors],
            "warnings": [d.to_dict() for d in self.warnings],
            "error": self.error,
            "redirects": list(self.redirects),
        }


@dataclass(frozen=True, slots=True)
class SiteReport:
    """What one origin publishes and what it means for ``agent`` at the site's root."""

    site: str
    agent: str
    signals: tuple[SignalRecord, ...]
    crawl: Value
    usage: Mapping[str, Value]
    compliant: bool
    decisions: Mapping[str, Decision] = field(default_factory=dict)
    declaration: Declaration | None = None
    robots: RobotsTxt | None = None
    robots_outcome: str = "unavailable"
    ai_txt: aitxt.AiTxt | None = None
    tdmrep: tdmrep.TdmRepFile | None = None
    page_signals: tuple[Signal, ...] = ()
    fetches: Mapping[str, FetchResult] = field(default_factory=dict)
    checked_at: float = 0.0
    elapsed: float = 0.0
    failures: tuple[Failure, ...] = ()

    @property
    def status(self) -> str:
        """``ok``, or ``error`` when some part of the analysis failed (see ``failures``)."""
        return "error" if self.failures else "ok"
    rsl: rsl.RslSite | None = None

    def site_signals(self) -> list[Signal | Declaration]:
        """The signals that speak for every URL of the site (not the home page's own)."""
        out: list[Signal | Declaration] = []
        if self.declaration is not None:
            out.append(self.declaration)
        else:
            fetched = self.fetches.get("aioptout")
            if fetched is not None and fetched.outcome == "unreachable":
                out.append(cast(Signal, UnreachableDeclaration(fetched.url)))
        robots = self.robots if self.robots is not None else self._robots_by_status()
        if robots is not None:
            out.append(cast(Signal, robots))
            out.append(aipref.from_robots(robots))
            out.append(contentsignal.from_robots(robots))
        if self.tdmrep is not None:
            out.append(cast(Signal, self.tdmrep))
        if self.ai_txt is not None:
            out.append(cast(Signal, self.ai_txt))
        if self.rsl is not None:
            out.append(cast(Signal, self.rsl))
        return out

    def _robots_by_status(self) -> RobotsTxt | None:
        """RFC 9309 §2.3.1 for a robots.txt that was not read: the verdict names the status."""
        got = self.fetches.get("robots")
        if got is None:
            if self.robots_outcome != "unreachable":
                return None
            return RobotsTxt.from_status(
                "unreachable", source=self.site + ROBOTS_PATH, detail="no response")
        if got.outcome == "present":
            return None
        detail = f"HTTP {got.status}" if got.status else (got.error or got.outcome)
        if got.status and got.error and got.error != detail:
            detail += f", {got.error}"
        return RobotsTxt.from_status(got.outcome, source=got.url, detail=detail)

    def decide(self, target: str, usage: str, agent: str | None = None) -> Decision:
        """A decision for any URL of this site or work identifier, from site-level signals."""
        return decide(self.site_signals(), agent or self.agent, target, usage)

    def to_dict(self) -> dict[str, object]:
        declaration = self.declaration
        reasons = {label: d.reason for label, d in self.decisions.items()}
        if self.failures:
            why = f"not decided: the analysis failed ({self.failures[0].summary})"
            reasons = {label: why for label in self.usage}
        return {
            "schema_version": SCHEMA_VERSION,
            "site": self.site,
            "agent": self.agent,
            "status": self.status,
            "failures": [f.to_dict() for f in self.failures],
            "signals": [s.to_dict() for s in self.signals],
            "crawl": self.crawl.value,
            "usage": {label: value.value for label, value in self.usage.items()},
            "compliant": self.compliant,
            "declaration": None if declaration is None else {
                "version": declaration.version,
                "rightsholder": declaration.rightsholder,
                "contact": declaration.contact,
                "licensing": declaration.licensing,
                "legal_basis": declaration.legal_basis,
                "expires": None if declaration.expires is None else declaration.expires.isoformat(),
            },
            "reasons": reasons,
            "checked_at": round(self.checked_at, 3),
            "elapsed": round(self.elapsed, 3),
        }


def site_origin(site: str) -> str | None:
    """``scheme://host[:port]`` of a site given as a name or URL; https when none is given."""
    text = site.strip()
    if "://" not in text:
        text = "https://" + text
    url = normalise_url(text)
    if url is None:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class _HasDiagnostics(Protocol):
    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]: ...


_Parsed = TypeVar("_Parsed", bound=_HasDiagnostics)


def _file_record(mechanism: str, result: FetchResult, parsed: tuple[Diagnostic, ...] = ()
                 ) -> SignalRecord:
    return SignalRecord(mechanism, result.url, result.status, result.outcome,
                        result.diagnostics + parsed, result.error, result.redirects)


def _data(result: FetchResult) -> bytes | str:
    """Bytes when they are UTF-8 (parsers report encoding problems with positions), else the
    text bridged from the charset found (RFC 9309 §2.3 allows bridging)."""
    return result.body if (result.charset or "utf-8") in _UTF8 else result.text


def _unknown_usage() -> dict[str, Value]:
    return {label: Value.UNKNOWN for label in U.LABELS}


def check_site(site: str, *, agent: str = "*", fetcher: Fetcher | None = None) -> SiteReport:
    """Fetch and read every signal of ``site``; never raises for what the site serves.

    A failure of the analysis itself comes back as a report with status ``error``.
    """
    started = time.monotonic()
    fetcher = fetcher or Fetcher()
    report, failure = guarded("site", _check_site, site, agent, fetcher, started)
    if report is not None:
        return report
    assert failure is not None
    return SiteReport(site, agent, (), Value.UNKNOWN, _unknown_usage(), False,
                      robots_outcome="error", checked_at=time.time(),
                      elapsed=time.monotonic() - started, failures=(failure,))


def _check_site(site: str, agent: str, fetcher: Fetcher, started: float) -> SiteReport:
    origin = site_origin(site)
    if origin is None:
        record = SignalRecord("robots", site, None, "unreachable", error="not a site or URL")
        return SiteReport(site, agent, (record,), Value.DISALLOWED, _unknown_usage(), False,
                          checked_at=time.time())
    fetches: dict[str, FetchResult] = {}
    records: list[SignalRecord] = []
    failures: list[Failure] = []

    def read(mechanism: str, path: str, reader: Callable[[FetchResult], _Parsed]) -> _Parsed | None:
        with isolated(mechanism) as step:
            got = fetches[mechanism] = fetcher.fetch(origin + path)
            if got.outcome != "present":
                records.append(_file_record(mechanism, got))
                return None
            parsed = reader(got)
            records.append(_file_record(mechanism, got, parsed.diagnostics))
            return parsed
        assert step.failure is not None
        failures.append(step.failure)
        fetched = fetches.get(mechanism)
        records.append(SignalRecord(
            mechanism, origin + path, None if fetched is None else fetched.status, "error",
            (step.failure.diagnostic(),), step.failure.summary,
            () if fetched is None else fetched.redirects))
        return None

    declaration = read("aioptout", DECLARATION_PATH,
                       lambda got: parse_declaration(got.body, source=got.url))
    robots = read("robots", ROBOTS_PATH, lambda got: RobotsTxt.parse(_data(got), source=got.url))
    tdm_file = read("tdmrep", TDMREP_PATH,
                    lambda got: tdmrep.parse_file(got.body, source=got.url))
    ai = read("ai-txt", AI_TXT_PATH, lambda got: aitxt.parse(_data(got), source=got.url))

    licences: rsl.RslSite | None = None
    if "robots" in fetches:
        with isolated("rsl") as rsl_step:
            licences = _robots_rsl(robots, fetches["robots"], fetcher, fetches, records)
        if rsl_step.failure is not None:
            failures.append(rsl_step.failure)

    page_signals: list[Signal] = []
    with isolated("home page") as step:
        home = fetches["home"] = fetcher.fetch(origin + "/")
        page_signals, header_record, meta_record = _page_signals(home, agent)
        records.extend((header_record, meta_record))
        page_rsl = _page_rsl(home, fetcher, fetches, records)
        if page_rsl is not None:
            page_signals.append(page_rsl)
    if step.failure is not None:
        failures.append(step.failure)
        records.extend(SignalRecord(mechanism, origin + "/", None, "error",
                                    (step.failure.diagnostic(),), step.failure.summary)
                       for mechanism in ("http-header", "html-meta"))

    robots_outcome = "error" if any(f.stage == "robots" for f in failures) else (
        fetches["robots"].outcome)
    report = SiteReport(
        site=origin, agent=agent, signals=tuple(records), crawl=Value.UNKNOWN, usage={},
        compliant=declaration is not None and not declaration.errors,
        declaration=declaration, robots=robots, robots_outcome=robots_outcome,
        ai_txt=ai, tdmrep=tdm_file, page_signals=tuple(page_signals), fetches=fetches,
        rsl=licences)
    if failures:
        return _failed(report, failures, started)
    root = origin + "/"
    signals: list[Signal | Declaration] = [*report.site_signals(), *page_signals]
    with isolated("decision") as step:
        decisions = {label: decide(signals, agent, root, label) for label in U.LABELS}
        crawl = _crawl(report, agent, root)
    if step.failure is not None:
        return _failed(report, [step.failure], started)
    return SiteReport(
        site=origin, agent=agent, signals=report.signals, crawl=crawl,
        usage={label: d.value for label, d in decisions.items()}, compliant=report.compliant,
        decisions=decisions, declaration=declaration, robots=robots,
        robots_outcome=report.robots_outcome, ai_txt=ai, tdmrep=tdm_file,
        page_signals=report.page_signals, fetches=fetches, checked_at=time.time(),
        elapsed=time.monotonic() - started, rsl=licences)


def _fetch_rsl(url: str, fetcher: Fetcher, fetches: dict[str, FetchResult],
               records: list[SignalRecord]) -> rsl.RslDocument | None:
    """One RSL document through the fetcher (its SSRF rules and deadlines apply)."""
    got = fetches["rsl " + url] = fetcher.fetch(url)
    if got.outcome != "present":
        note = rsl.UNAVAILABLE.at(1, 1)
        records.append(_file_record("rsl", got, (note,)))
        return None
    document = rsl.parse(got.body, source=got.final_url or url, media_type=got.content_type)
    records.append(_file_record("rsl", got, document.diagnostics))
    return document


def _robots_rsl(robots: RobotsTxt | None, got: FetchResult, fetcher: Fetcher,
                fetches: dict[str, FetchResult], records: list[SignalRecord]
                ) -> rsl.RslSite | None:
    """The RSL documents robots.txt License lines associate (global and in groups)."""
    if robots is None:
        return None
    global_links, diags = rsl.robots_license_lines(_data(got))
    diags += rsl.robots_group_diagnostics(robots)
    urls = rsl.all_robots_license_urls(robots, global_links)
    if not urls and not diags:
        return None
    documents: dict[str, rsl.RslDocument] = {}
    for url in urls[: rsl.MAX_DOCUMENTS_PER_SITE]:
        document = _fetch_rsl(url, fetcher, fetches, records)
        if document is not None:
            documents[url] = document
    return rsl.RslSite(robots, global_links, documents, diags, source=got.url)


def _page_rsl(home: FetchResult, fetcher: Fetcher, fetches: dict[str, FetchResult],
              records: list[SignalRecord]) -> rsl.PageRsl | None:
    """RSL documents the home page associates: Link header, HTML link and inline script."""
    if home.outcome != "present":
        return None
    url = home.final_url or home.url
    links = list(rsl.link_header_licenses(home.headers, base=url))
    inline: tuple[rsl.RslDocument, ...] = ()
    if "html" in home.content_type:
        html_links, inline = rsl.html_licenses(home.text, base=url)
        links += html_links
    documents = list(inline)
    for link in list(dict.fromkeys(link.url for link in links))[: rsl.MAX_DOCUMENTS_PER_SITE]:
        document = _fetch_rsl(link, fetcher, fetches, records)
        if document is not None:
            documents.append(document)
    return rsl.PageRsl(url, documents) if documents else None


def _failed(report: SiteReport, failures: list[Failure], started: float) -> SiteReport:
    """The report of a site whose analysis failed somewhere: what was read, no verdicts."""
    return SiteReport(
        site=report.site, agent=report.agent, signals=report.signals, crawl=Value.UNKNOWN,
        usage=_unknown_usage(), compliant=report.compliant, declaration=report.declaration,
        robots=report.robots, robots_outcome=report.robots_outcome, ai_txt=report.ai_txt,
        tdmrep=report.tdmrep, page_signals=report.page_signals, fetches=report.fetches,
        checked_at=time.time(), elapsed=time.monotonic() - started, failures=tuple(failures),
        rsl=report.rsl)


class UnreachableDeclaration:
    """A declaration that could not be fetched (5xx, 429, network): spec R-2-22 reads it as
    reserving every use of the origin's content, a statement of ``tdm=n`` that nothing can
    outvote, until a fetch succeeds.  Crawling stays robots.txt's business (R-2-5)."""

    mechanism: Final = "aioptout"
    diagnostics: Final[tuple[()]] = ()

    def __init__(self, source: str) -> None:
        self.source = source

    def statements(self, agent: str, target: str) -> list[Statement]:
        del agent
        if aipref.robots_target(target) is None:
            return []  # a work identifier is not the origin's content
        return [Statement(
            mechanism="aioptout", usage="tdm", value=Value.DISALLOWED,
            reason="the declaration is unreachable (HTTP 5xx, 429 or a network failure): "
                   "every use of the origin's content is reserved until a fetch succeeds",
            source=self.source, line=None, raw=None)]


def _crawl(report: SiteReport, agent: str, root: str) -> Value:
    """RFC 9309 §2.3.1: present → the rules; unavailable → allowed; unreachable → disallowed."""
    if report.robots_outcome == "unreachable":
        return Value.DISALLOWED
    if report.robots is None:
        return Value.ALLOWED
    return Value.ALLOWED if report.robots.decide(agent, root).allowed else Value.DISALLOWED


def _page_signals(home: FetchResult, agent: str
                  ) -> tuple[list[Signal], SignalRecord, SignalRecord]:
    """The home page's header and meta signals, and one record for each kind."""
    if home.outcome != "present":
        why = home.error or "home page not fetched"
        return ([], SignalRecord("http-header", home.url, home.status, "unavailable", error=why),
                SignalRecord("html-meta", home.url, home.status, "unavailable", error=why))
    url = home.final_url
    headers = home.headers
    header_signals: list[Any] = [
        aipref.from_headers(headers, source=url),
        contentsignal.from_headers(headers, source=url),
        robotsmeta.from_headers(headers, source=url),
    ]
    tdm_header = tdmrep.from_headers(headers, source=url)
    html = home.text if "html" in home.content_type or not home.content_type else ""
    meta_robots = robotsmeta.from_html(html, source=url)
    tdm_meta = tdmrep.from_html(html, source=url)
    tdm_layers = tdmrep.layer(tdm_header, tdm_meta, source=url)
    header_present = any(name.lower() in _SIGNAL_HEADERS for name in headers) or bool(
        header_signals[2].statements(agent, url))
    meta_present = (tdm_meta.reservation is not None or tdm_meta.policy is not None
                    or bool(meta_robots.statements(agent, url)))
    header_diags = tuple(d for s in (*header_signals, tdm_header) for d in s.diagnostics)
    meta_diags = tuple(meta_robots.diagnostics) + tuple(tdm_meta.diagnostics)
    header_record = SignalRecord("http-header", url, home.status,
                                 "present" if header_present else "unavailable", header_diags)
    meta_record = SignalRecord("html-meta", url, home.status,
                               "present" if meta_present else "unavailable", meta_diags)
    return [*header_signals, meta_robots, tdm_layers], header_record, meta_record


def check_sites(
    sites: Iterable[str],
    *,
    agent: str = "*",
    fetcher: Fetcher | None = None,
    jobs: int = DEFAULT_JOBS,
    on_done: Callable[[SiteReport], None] | None = None,
) -> Iterator[SiteReport]:
    """Check many sites with ``jobs`` threads; reports come back in the order of ``sites``.

    Politeness is per host inside the fetcher, so threads only overlap different sites.
    """
    fetcher = fetcher or Fetcher()

    def one(site: str) -> SiteReport:
        report = check_site(site, agent=agent, fetcher=fetcher)
        if on_done is not None:
            on_done(report)
        return report

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="aioptout-crawl") as pool:
        yield from pool.map(one, list(sites))
