"""The survey engine: jobs in, one result per (label, site) out, written to the store as they come.

The engine knows nothing of robots.txt or HTTP: it runs an *analyzer* (``Job -> result dict``)
over a stream of jobs, with at most ``concurrency`` jobs in flight and at most ``per_host`` on
one host, and hands every result to the store's writer thread.  Analyzers are picklable frozen
dataclasses so the Dask engine can ship them to workers unchanged.
"""

from __future__ import annotations

import datetime as _dt
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

from .._isolation import Failure, guarded
from .._mechanisms import RECORDED
from .._wellknown import ROBOTS_PATH
from ._procs import Done, WorkerPool, default_processes
from .inputs import Job
from .metrics import (
    DEFAULT_SEMANTICS,
    ONLINE_MECHANISMS,
    PAGE_MECHANISMS,
    RESULT_SCHEMA_VERSION,
    SURVEY_LABELS,
    analyze_robots,
    body_kind,
    file_entry,
    naive_directive_counts,
    parse_robots,
    provenance,
    robots_findings,
    robots_outcome,
)
from .store import LOOKUP_CHUNK, Store

#: Default number of sites surveyed at once.
DEFAULT_CONCURRENCY: Final = 64
#: Default number of sites of one host surveyed at once.
DEFAULT_PER_HOST: Final = 2
#: Jobs held back because their host is busy, before reading more input waits.
MAX_DEFERRED: Final = 10_000

Analyzer = Callable[[Job], dict[str, Any]]
Sink = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class OfflineAnalyzer:
    """Saved robots.txt bodies (``--dir``, ``--warc``) → site results."""

    semantics: str = DEFAULT_SEMANTICS
    agents: tuple[tuple[str, str], ...] = ()
    mention_tokens: tuple[str, ...] = ()
    #: Keep the robots.txt body in the result, for ``aioptout filter --from-survey``.
    keep_files: bool = False

    def __call__(self, job: Job) -> dict[str, Any]:
        result = analyze_robots(
            job.site,
            job.body,
            status=job.status,
            semantics=self.semantics,
            agents=self.agents,
            mention_tokens=self.mention_tokens,
            source=job.source,
        )
        if self.keep_files:
            status = 200 if job.status is None and job.body is not None else job.status
            outcome = robots_outcome(status, self.semantics)
            site = job.site if "://" in job.site else f"https://{job.site}"
            result["files"] = [file_entry("robots", site + ROBOTS_PATH, status, outcome,
                                          job.body if outcome == "present" else None)]
        return result


@dataclass(frozen=True, slots=True)
class OnlineAnalyzer:
    """Live sites → site results, through the crawler's ``check_site``.

    ``probe`` replaces the crawler (tests of the engine itself); it must be picklable for Dask.
    """

    semantics: str = DEFAULT_SEMANTICS
    agents: tuple[tuple[str, str], ...] = ()
    allow_private: bool = False
    resolve: tuple[tuple[str, str], ...] = ()
    politeness_delay: float | None = None
    timeout: float | None = None
    max_crawl_delay: float | None = None
    probe: Callable[[str], Mapping[str, Any]] | None = None
    #: Keep every signal file in the result, for ``aioptout filter --from-survey``.
    keep_files: bool = False

    def __call__(self, job: Job) -> dict[str, Any]:
        if self.probe is not None:
            result = dict(self.probe(job.fetch_origin or job.site))
            result.setdefault("site", job.site)
            result.setdefault("provenance", provenance(self.semantics, self.agents))
            return result
        result = probe_site(
            job.fetch_origin or job.site,
            semantics=self.semantics,
            agents=self.agents,
            allow_private=self.allow_private,
            resolve=dict(self.resolve),
            politeness_delay=self.politeness_delay,
            timeout=self.timeout,
            max_crawl_delay=self.max_crawl_delay,
            keep_files=self.keep_files,
        )
        result["site"] = job.site
        return result


def _fetcher(
    allow_private: bool, resolve: Mapping[str, str], delay: float | None, timeout: float | None,
    max_crawl_delay: float | None = None,
) -> Any:
    """A fresh fetcher for one site.

    A fetcher keeps per-host state (politeness gates, its own robots.txt verdicts) for every
    host it has seen, right for one crawl but growing with a million-site list (measured: a
    shared fetcher took peak RSS from 100 MiB at 10,000 sites to 284 MiB at 100,000), so a
    survey gives each site its own and drops it afterwards; memory then stays flat.  Politeness
    between the fetches of one site still applies, and the engine's per-host limit bounds load
    across sites.
    """
    from ..fetch import Fetcher

    extra: dict[str, Any] = {} if delay is None else {"politeness_delay": delay}
    if timeout is not None:
        extra.update(total_timeout=timeout, timeout=(min(5.0, timeout), timeout))
    if max_crawl_delay is not None:
        extra["max_crawl_delay"] = max_crawl_delay
    return Fetcher(allow_private=allow_private, resolve=dict(resolve), **extra)


#: Mechanisms the crawler records as files or page signals, beside robots.txt's own lines.
_RECORDED: Final = RECORDED


def probe_site(
    site: str,
    *,
    semantics: str,
    agents: tuple[tuple[str, str], ...],
    allow_private: bool = False,
    resolve: Mapping[str, str] | None = None,
    politeness_delay: float | None = None,
    timeout: float | None = None,
    max_crawl_delay: float | None = None,
    keep_files: bool = False,
) -> dict[str, Any]:
    """Check one live site with the crawler and reduce its report to a stored site result.

    RFC 9309 §2.3.1 through the crawler's outcome: robots.txt ``present`` is parsed (again,
    with the survey's semantics), ``unavailable`` allows everything, ``unreachable`` disallows
    everything.
    """
    from ..crawl import check_site

    fetcher = _fetcher(allow_private, resolve or {}, politeness_delay, timeout, max_crawl_delay)
    try:
        report = check_site(site, agent="*", fetcher=fetcher)
    finally:
        fetcher.close()
    if report.failures:
        return failure_result(site, "online", report.failures, semantics, agents)
    tokens = [t for t, _ in agents]
    result: dict[str, Any] = {
        "schema_version": RESULT_SCHEMA_VERSION,
        "site": site,
        "source": "online",
        "provenance": provenance(semantics, agents),
        "error": None,
    }
    mechanisms: dict[str, dict[str, bool | None]] = {}
    extra_diagnostics: Counter[str] = Counter()
    for record in report.signals:
        if record.mechanism in _RECORDED:
            present = record.outcome == "present"
            mechanisms[record.mechanism] = {
                "present": present, "valid": (not record.errors) if present else None
            }
        if record.mechanism != "robots":
            extra_diagnostics.update(str(d.code) for d in record.diagnostics)
    mechanisms["rsl"] = rsl_mechanism(report)
    mechanisms.update(page_mechanisms(report))
    robots_fetch = report.fetches.get("robots")
    http_status = None if robots_fetch is None else robots_fetch.status
    if report.robots is not None and robots_fetch is not None:
        body = (robots_fetch.body if (robots_fetch.charset or "utf-8") in ("utf-8", "utf-8-sig")
                else robots_fetch.text)
        # The crawler parsed this very body with Google semantics: parse again only for others.
        robots = (report.robots if semantics == "google"
                  else parse_robots(body, site, semantics))
        findings = robots_findings(robots, body, site, tokens)
        mechanisms.update(findings.pop("mechanisms"))
        findings.pop("usage")
        result.update(status="ok", body_kind=body_kind(robots_fetch.body), **findings)
        result["naive_directives"] = naive_directive_counts(robots_fetch.body)
    elif report.robots_outcome == "unreachable":
        result.update(status="unreachable", blocked_root=tokens, diagnostics={})
    else:
        result.update(status="absent", blocked_root=[], diagnostics={})
    for name in ONLINE_MECHANISMS:
        mechanisms.setdefault(name, {"present": False, "valid": None})
    if extra_diagnostics:
        merged = Counter(result.get("diagnostics") or {})
        merged.update(extra_diagnostics)
        result["diagnostics"] = dict(merged)
    usage = {label: value.value for label, value in report.usage.items()}
    result.update(
        http_status=http_status,
        robots_outcome=report.robots_outcome,
        mechanisms=mechanisms,
        usage={label: str(usage.get(label, "unknown")) for label in SURVEY_LABELS},
        compliant=report.compliant,
    )
    if keep_files:
        result["files"] = [
            file_entry(name, got.url, got.status, got.outcome,
                       got.body if got.outcome == "present" else None,
                       _dt.datetime.fromtimestamp(got.fetched_at, _dt.UTC).isoformat()
                       if got.fetched_at else None)
            for name, got in report.fetches.items() if name != "home"]
    return result


def _state(present: bool, diagnostics: Iterable[Any]) -> dict[str, bool | None]:
    if not present:
        return {"present": False, "valid": None}
    return {"present": True, "valid": not any(str(d.severity) == "error" for d in diagnostics)}


def rsl_mechanism(report: Any) -> dict[str, bool | None]:
    """RSL is present when some licence document the site associates (robots.txt ``License``,
    ``Link`` header, HTML link or inline script) was read; valid when none has an error."""
    records = [r for r in report.signals if r.mechanism == "rsl" and r.outcome == "present"]
    inline = [s for s in report.page_signals if getattr(s, "mechanism", "") == "rsl"]
    present = bool(records) or bool(inline) or report.rsl is not None
    diagnostics = [d for r in records for d in r.diagnostics]
    for signal in inline:
        diagnostics.extend(getattr(signal, "diagnostics", ()))
    return _state(present, diagnostics)


def page_mechanisms(report: Any) -> dict[str, dict[str, bool | None]]:
    """The home page's signals one mechanism at a time (the crawler records them as two kinds,
    ``http-header`` and ``html-meta``): aipref ``Content-Usage`` and ``Content-Signal`` headers,
    TDMRep header and meta, and the noai family in ``X-Robots-Tag`` and ``<meta name=robots>``.
    Every one is recorded, absent ones too, so shares have the same denominator."""
    from ..signals import robotsmeta
    from ..signals.aipref import AiprefHeader
    from ..signals.contentsignal import ContentSignalHeader
    from ..signals.tdmrep import TdmRepLayers, TdmRepValues

    out: dict[str, dict[str, bool | None]] = {
        m: {"present": False, "valid": None} for m in PAGE_MECHANISMS
    }
    home = report.fetches.get("home")
    if home is None or home.outcome != "present":
        return out
    names = {str(k).lower() for k in home.headers}
    metas: list[Any] = []
    for signal in report.page_signals:
        if isinstance(signal, AiprefHeader):
            out["aipref-header"] = _state("content-usage" in names, signal.diagnostics)
        elif isinstance(signal, ContentSignalHeader):
            out["content-signal-header"] = _state("content-signal" in names, signal.diagnostics)
        elif isinstance(signal, robotsmeta.RobotsMeta):
            metas.append(signal)
        elif isinstance(signal, TdmRepLayers):
            for layer in signal.layers:
                if isinstance(layer, TdmRepValues) and layer.technique in ("header", "meta"):
                    stated = layer.reservation is not None or layer.policy is not None
                    if layer.technique == "header":
                        stated = stated or bool(names & {"tdm-reservation", "tdm-policy"})
                    out[f"tdmrep-{layer.technique}"] = _state(stated, layer.diagnostics)
    # The crawler lists the header directives before the page's metas (crawl._page_signals).
    for name, meta in zip(("noai-header", "noai-meta"), metas, strict=False):
        ai = any(d.token in robotsmeta._AI_DIRECTIVES for d in meta.directives)
        out[name] = _state(ai, meta.diagnostics)
    return out


def failure_result(site: str, source: str, failures: Iterable[Failure], semantics: str,
                   agents: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """The stored result of a site whose analysis failed: status ``error``, the RUN101
    diagnostics under ``failures``, and no findings (partial ones could be wrong)."""
    found = list(failures)
    return {
        "schema_version": RESULT_SCHEMA_VERSION,
        "site": site,
        "source": source,
        "status": "error",
        "error": found[0].summary if found else "analysis failed",
        "failures": [f.to_dict() for f in found],
        "provenance": provenance(semantics, agents),
        "blocked_root": [],
        "mechanisms": {},
        "usage": {},
        "diagnostics": {},
    }


def error_result(job: Job, failure: Failure | BaseException, analyzer: Any) -> dict[str, Any]:
    """A result for a job whose analysis raised: recorded, counted, never silently lost."""
    if isinstance(failure, BaseException):
        failure = Failure.of("analysis", failure)
    result = failure_result(job.site, job.source, (failure,),
                            getattr(analyzer, "semantics", DEFAULT_SEMANTICS),
                            getattr(analyzer, "agents", ()))
    if job.rank:
        result["rank"] = job.rank
    return result


def run_analyzer(analyzer: Analyzer, job: Job) -> dict[str, Any]:
    """One job's result; an :class:`Exception` of the analysis becomes its error result (one
    broken site must not stop a million-site survey), while KeyboardInterrupt still stops."""
    result, failure = guarded("analysis", analyzer, job)
    if result is None:
        assert failure is not None
        return error_result(job, failure, analyzer)
    if job.rank:
        result["rank"] = job.rank
    return result


def host_of(site: str) -> str:
    return site.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()


def skip_stored(
    jobs: Iterable[Job],
    store: Store,
    skipped: Counter[str],
    on_skip: Callable[[], None] | None = None,
) -> Iterator[Job]:
    """The jobs whose (label, site) has no final result yet; looked up a chunk at a time."""
    chunk: list[Job] = []

    def flush() -> Iterator[Job]:
        by_label: dict[str, list[Job]] = {}
        for job in chunk:
            by_label.setdefault(job.label, []).append(job)
        keep: set[tuple[str, str]] = set()
        for label, items in by_label.items():
            ranks = [j.rank for j in items] if any(j.rank for j in items) else []
            pending = store.pending(label, [j.site for j in items], ranks)
            keep.update((label, s) for s in pending)
        for job in chunk:
            if (job.label, job.site) in keep:
                yield job
            else:
                skipped["stored"] += 1
                if on_skip is not None:
                    on_skip()

    for job in jobs:
        chunk.append(job)
        if len(chunk) >= LOOKUP_CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def run_local(
    jobs: Iterable[Job],
    analyzer: Analyzer,
    sink: Sink,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    per_host: int = DEFAULT_PER_HOST,
    pool: WorkerPool | None = None,
) -> None:
    """Analyze jobs on a thread pool, or on ``pool``'s worker processes; ``per_host <= 0``
    means no per-host limit."""
    if pool is not None:
        _schedule(jobs, pool.submit, sink, concurrency, per_host)
        return
    workers = max(1, concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="survey") as threads:

        def submit(job: Job, done: Done) -> None:
            def finished(fut: Future[dict[str, Any]]) -> None:
                try:
                    result: dict[str, Any] | BaseException = fut.result()
                except BaseException as exc:
                    result = exc
                done(job, result)

            threads.submit(run_analyzer, analyzer, job).add_done_callback(finished)

        _schedule(jobs, submit, sink, concurrency, per_host)


def _schedule(
    jobs: Iterable[Job],
    submit: Callable[[Job, Done], None],
    sink: Sink,
    concurrency: int,
    per_host: int,
) -> None:
    """Keep at most ``concurrency`` jobs in flight, ``per_host`` of one host, until all are done."""
    cond = threading.Condition()
    state = {"inflight": 0, "deferred": 0}
    busy: Counter[str] = Counter()
    waiting: dict[str, deque[Job]] = {}
    failures: list[BaseException] = []

    def finished(job: Job, result: dict[str, Any] | BaseException) -> None:
        try:
            if isinstance(result, BaseException):
                raise result
            sink(job.label, result)
        except BaseException as exc:
            failures.append(exc)
        host = host_of(job.site)
        nxt: Job | None = None
        with cond:
            busy[host] -= 1
            queue_ = waiting.get(host)
            if queue_:
                nxt = queue_.popleft()
                state["deferred"] -= 1
                busy[host] += 1
                if not queue_:
                    del waiting[host]
            else:
                if busy[host] <= 0:
                    del busy[host]
                state["inflight"] -= 1
            cond.notify_all()
        if nxt is not None:
            submit(nxt, finished)

    for job in jobs:
        if failures:
            break
        host = host_of(job.site)
        with cond:
            cond.wait_for(
                lambda: state["inflight"] < concurrency and state["deferred"] < MAX_DEFERRED
            )
            if per_host > 0 and busy[host] >= per_host:
                waiting.setdefault(host, deque()).append(job)
                state["deferred"] += 1
                continue
            busy[host] += 1
            state["inflight"] += 1
        submit(job, finished)
    with cond:
        cond.wait_for(lambda: state["inflight"] == 0 or bool(failures))
    if failures:
        raise failures[0]


@dataclass
class SurveyStats:
    """What one run did: results written, jobs skipped because already stored, by status."""

    written: int = 0
    skipped: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


def survey(
    jobs: Iterable[Job],
    analyzer: Analyzer,
    store: Store,
    *,
    engine: str = "local",
    concurrency: int = DEFAULT_CONCURRENCY,
    per_host: int = DEFAULT_PER_HOST,
    scheduler: str | None = None,
    processes: int = 1,
    progress: Callable[[dict[str, Any] | None], None] | None = None,
) -> SurveyStats:
    """Survey every job not yet stored and write each result as it arrives; resumable.

    ``processes > 1`` spreads the local engine's analyses over worker processes (0: one per
    core); they start before any thread of the survey's own, so they can be forked safely.
    """
    if processes <= 0:
        processes = default_processes()
    stats = SurveyStats()
    skipped: Counter[str] = Counter()
    pending = skip_stored(
        jobs, store, skipped, None if progress is None else (lambda: progress(None))
    )
    lock = threading.Lock()
    pool = (WorkerPool(analyzer, processes=min(processes, concurrency), concurrency=concurrency)
            if engine == "local" and min(processes, concurrency) > 1 else None)
    try:
        writer = store.writer()
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    try:

        def sink(label: str, result: dict[str, Any]) -> None:
            writer.put(label, result)
            with lock:
                stats.written += 1
                stats.statuses[str(result.get("status"))] += 1
            if progress is not None:
                progress(result)

        if engine == "local":
            run_local(pending, analyzer, sink, concurrency=concurrency, per_host=per_host,
                      pool=pool)
        elif engine == "dask":
            from .dask import run_dask

            run_dask(pending, analyzer, sink, scheduler=scheduler)
        else:
            raise ValueError(f"unknown engine {engine!r}")
    finally:
        if pool is not None:
            pool.close()
        writer.close()
        stats.skipped = skipped["stored"]
    return stats
