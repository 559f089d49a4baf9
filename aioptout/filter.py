"""Keep the rows of a dataset that no signal reserves for an agent and a usage.

Dataset builders hold rows (documents with a URL, or works with an identifier) and must drop
what is reserved for their use, with evidence of what they honoured.  This module decides rows
one at a time against each origin's signals, which a *source* supplies: live fetches through a
:class:`~aioptout.checker.Checker`, a survey store kept with ``--keep-files``, or a folder of saved
files.  An origin's signals are read and compiled once (:class:`OriginView`) and answer all of
its rows; nothing of the rows is kept, so a filter runs in memory bounded by the number of
origins, not of rows.

Defaults for signals that could not be read, as the spec and RFC 9309 require:

* robots.txt unreachable (5xx, 429, network failure) → crawling is disallowed (RFC 9309
  §2.3.1.4); for usage that reserves what the agent's declared purpose covers (a training
  crawler that may not fetch cannot train), and says nothing for other agents.
* declaration unreachable → every usage disallowed until a fetch succeeds (spec R-2-9).
* a file unavailable (4xx, absent) → no signal from it.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol, cast
from urllib.parse import urlsplit

from . import usage as U
from ._rfc3339 import parse_date_time
from ._wellknown import PATHS
from .decide import Signal, _identify, decide
from .identifiers import looks_like_work_id
from .model import Declaration, Value

if TYPE_CHECKING:
    from .agents import Registry
    from .checker import Checker
    from .crawl import SiteReport

__all__ = [
    "FIELD_PREFIX",
    "FilterStats",
    "LiveSource",
    "OriginView",
    "PolicyDirSource",
    "RowFilter",
    "RowVerdict",
    "SignalFile",
    "SurveySource",
    "batch_predicate",
    "filter_rows",
]

SCHEMA_VERSION: Final = 1
#: Prefix of the fields a rejected row gains.
FIELD_PREFIX: Final = "aioptout_"
#: Files of an origin, by mechanism, as saved under ``--policies DIR/<host>/``.
POLICY_FILES: Final[Mapping[str, str]] = {
    mechanism: path.lstrip("/") for path, mechanism in PATHS.items()}
#: Decisions remembered per origin: rows repeating a path or a rule match hit them.
MEMO_SIZE: Final = 4096
#: Rows read ahead of the one being written, so origins are fetched concurrently.
READ_AHEAD: Final = 1024
DEFAULT_JOBS: Final = 8

Unknown = Literal["keep", "drop"]
Status = Literal["allowed", "disallowed", "unknown", "error", "no-target"]


@dataclass(frozen=True, slots=True)
class SignalFile:
    """One signal file consulted for an origin: what a receipt cites."""

    mechanism: str
    url: str
    status: int | None
    outcome: str
    fetched_at: float | None
    sha256: str | None
    size: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "mechanism": self.mechanism,
            "url": self.url,
            "status": self.status,
            "outcome": self.outcome,
            "fetched_at": None if self.fetched_at is None else _rfc3339(self.fetched_at),
            "sha256": self.sha256,
            "bytes": self.size,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class RowVerdict:
    """Why a row is kept or rejected; ``status`` is the value, or ``error``/``no-target``."""

    status: Status
    reason: str
    mechanism: str = "none"
    source: str | None = None
    line: int | None = None
    rule: str | None = None
    origin: str | None = None

    @property
    def value(self) -> Value:
        if self.status == "allowed":
            return Value.ALLOWED
        if self.status == "disallowed":
            return Value.DISALLOWED
        return Value.UNKNOWN

    def fields(self) -> dict[str, object]:
        """The fields a rejected row gains."""
        p = FIELD_PREFIX
        return {f"{p}status": self.status, f"{p}mechanism": self.mechanism,
                f"{p}source": self.source, f"{p}line": self.line, f"{p}rule": self.rule,
                f"{p}reason": self.reason}


FIELD_NAMES: Final = tuple(RowVerdict("unknown", "").fields())


def _robots_only(signals: Sequence[object]) -> bool:
    from .signals.aipref import AiprefRobots
    from .signals.contentsignal import ContentSignals
    from .signals.robots import RobotsTxt

    kinds = (RobotsTxt, AiprefRobots, ContentSignals)
    return bool(signals) and all(type(s) in kinds for s in signals)


class OriginView:
    """One origin's signals, compiled once, answering every row of the origin.

    Decisions are remembered by what they depend on: for an origin whose only signals come from
    its robots.txt, the matching rules (so rows of different paths that match the same rules
    share one decision); otherwise the target itself.
    """

    def __init__(self, origin: str, *, signals: Sequence[Signal | Declaration] = (),
                 files: Sequence[SignalFile] = (), status: str = "ok",
                 error: str | None = None) -> None:
        self.origin = origin
        self.signals: tuple[Signal | Declaration, ...] = tuple(signals)
        self.files = tuple(files)
        self.status = status
        self.error = error
        self.declarations = tuple(s for s in self.signals if isinstance(s, Declaration))
        self._fast = _robots_only(self.signals)
        self._memo: dict[object, RowVerdict] = {}
        self._per_agent: dict[str, tuple[Any, tuple[str, ...], tuple[Any, ...]]] = {}
        self._lock = threading.Lock()

    @classmethod
    def failed(cls, origin: str, error: str, status: str = "error") -> OriginView:
        return cls(origin, status=status, error=error)

    def decide(self, target: str, agent: str, usage: str, registry: Registry) -> RowVerdict:
        if self.status != "ok":
            return RowVerdict("error" if self.status == "error" else "unknown",
                              self.error or self.status, origin=self.origin)
        key = (agent, usage, self._key(target, agent, registry))
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        decision = decide(self.signals, agent, target, usage, registry=registry)
        verdict = RowVerdict(decision.value.value, decision.reason,
                             decision.mechanism, decision.source, decision.line, decision.rule,
                             self.origin)
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()  # bounded; cheaper than keeping an LRU order per row
        self._memo[key] = verdict
        return verdict

    def _key(self, target: str, agent: str, registry: Registry) -> object:
        if not self._fast or not target.startswith(("http://", "https://")):
            return target
        robots, tokens, rules = self._agent(agent, registry)
        # The robots verdicts themselves, by identity: the parsed file keeps one verdict object
        # per rule (and one for /robots.txt itself) for as long as this view holds it, so the
        # same object means the same verdict, and hashing an int is cheap.
        verdicts = tuple([id(robots.decide(token, target)) for token in tokens])
        if not rules:
            return verdicts
        from ._match import normalize_path

        path = normalize_path(target)
        return verdicts, tuple([i for i, rule in enumerate(rules) if rule.pattern.matches(path)])

    def _agent(self, agent: str, registry: Registry
               ) -> tuple[Any, tuple[str, ...], tuple[Any, ...]]:
        """The robots.txt, the tokens ``decide`` consults for ``agent``, its Content-Usage rules."""
        known = self._per_agent.get(agent)
        if known is not None:
            return known
        from .signals.aipref import AiprefRobots
        from .signals.robots import RobotsTxt

        robots = next(s for s in self.signals if isinstance(s, RobotsTxt))
        who = _identify(agent, registry)
        tokens = [who.token]
        if who.agent is not None:
            tokens.append(who.agent.token)
        tokens += [c.token for c in registry.control_tokens_for(who.token)]
        rules: tuple[Any, ...] = ()
        for s in self.signals:
            if isinstance(s, AiprefRobots):
                rules += s.rules_for(who.token)
        # Tokens that select the same groups get the same verdict: one is asked for all.
        distinct: dict[tuple[int, ...], str] = {}
        for token in tokens:
            groups = tuple(id(g) for g in robots.matching_groups(token))
            distinct.setdefault(groups, token)
        known = (robots, tuple(distinct.values()), rules)
        self._per_agent[agent] = known
        return known

    def to_dict(self) -> dict[str, object]:
        return {"origin": self.origin, "status": self.status, "error": self.error,
                "files": [f.to_dict() for f in self.files]}


class SignalSource(Protocol):
    """Where an origin's signals come from; ``view`` is called once per origin, from threads."""

    kind: str
    concurrent: bool

    def view(self, origin: str) -> OriginView: ...

    def describe(self) -> dict[str, object]: ...


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _view_from_report(report: SiteReport, files: Sequence[SignalFile]) -> OriginView:
    from .crawl import UnreachableDeclaration

    signals: list[Signal | Declaration] = list(report.site_signals())
    declaration = next((f for f in files if f.mechanism == "aioptout"), None)
    if (declaration is not None and declaration.outcome == "unreachable"
            and not any(isinstance(s, UnreachableDeclaration) for s in signals)):
        signals.append(cast(Signal, UnreachableDeclaration(declaration.url)))
    return OriginView(report.site, signals=signals, files=files)


class LiveSource:
    """Signals fetched from the origins themselves, once each, through a :class:`Checker`
    (its fetcher's politeness, SSRF rules and pins apply)."""

    kind = "live"
    concurrent = True

    def __init__(self, checker: Checker | None = None) -> None:
        if checker is None:
            from .checker import Checker

            checker = Checker()
        self.checker = checker

    def view(self, origin: str) -> OriginView:
        report = self.checker.site(origin)
        files = [SignalFile(name, got.url, got.status, got.outcome, got.fetched_at or None,
                            _sha256(got.body) if got.outcome == "present" else None,
                            len(got.body) if got.outcome == "present" else None, got.error)
                 for name, got in report.fetches.items() if name != "home"]
        return _view_from_report(report, files)

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind}


def _report_from_bodies(origin: str, bodies: Mapping[str, tuple[str, str, bytes | None]],
                        semantics: str = "google") -> SiteReport:
    """A report built from saved files (mechanism → (outcome, url, body)), parsed as the crawler
    parses fetched ones, so offline and live filters compose signals the same way."""
    from .crawl import SiteReport
    from .parse import parse as parse_declaration
    from .signals import aitxt, tdmrep
    from .signals.robots import RobotsTxt

    def body(mechanism: str) -> tuple[str, bytes] | None:
        got = bodies.get(mechanism)
        if got is None or got[0] != "present" or got[2] is None:
            return None
        return got[1], got[2]

    got = body("aioptout")
    declaration = None if got is None else parse_declaration(got[1], source=got[0])
    got = body("robots")
    sem: Literal["google", "rfc9309"] = "rfc9309" if semantics == "rfc9309" else "google"
    robots = None if got is None else RobotsTxt.parse(got[1], source=got[0], semantics=sem)
    got = body("tdmrep")
    tdm = None if got is None else tdmrep.parse_file(got[1], source=got[0])
    got = body("ai-txt")
    ai = None if got is None else aitxt.parse(got[1], source=got[0])
    robots_outcome = bodies.get("robots", ("unavailable", "", None))[0]
    return SiteReport(site=origin, agent="*", signals=(), crawl=Value.UNKNOWN, usage={},
                      compliant=False, declaration=declaration, robots=robots,
                      robots_outcome=robots_outcome, ai_txt=ai, tdmrep=tdm)


def _host_key(origin: str) -> tuple[str, str, int | None]:
    parts = urlsplit(origin)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


class PolicyDirSource:
    """Saved files: ``DIR/<host>/robots.txt``, ``DIR/<host>/.well-known/aioptout.txt``,
    ``DIR/<host>/.well-known/tdmrep.json``, ``DIR/<host>/ai.txt``.

    A non-default port is written ``DIR/<host>_<port>/`` (looked up first).  A missing file
    counts as unavailable (a 404); a missing ``<host>`` folder means the origin's signals are
    not known, and its rows are ``unknown``.
    """

    kind = "policies"
    concurrent = False

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def view(self, origin: str) -> OriginView:
        _, host, port = _host_key(origin)
        folders = ([self.directory / f"{host}_{port}"] if port else []) + [self.directory / host]
        folder = next((f for f in folders if host and f.is_dir()), None)
        if folder is None:
            return OriginView.failed(origin, f"no saved files for {host or origin} in "
                                     f"{self.directory}", status="missing")
        bodies: dict[str, tuple[str, str, bytes | None]] = {}
        files: list[SignalFile] = []
        for mechanism, relative in POLICY_FILES.items():
            path = folder / relative
            url = f"{origin}/{relative}"
            try:
                data = path.read_bytes()
                mtime = path.stat().st_mtime
            except FileNotFoundError:
                bodies[mechanism] = ("unavailable", url, None)
                files.append(SignalFile(mechanism, url, None, "unavailable", None, None))
                continue
            except OSError as exc:
                bodies[mechanism] = ("unreachable", url, None)
                files.append(SignalFile(mechanism, url, None, "unreachable", None, None,
                                        error=exc.strerror or str(exc)))
                continue
            bodies[mechanism] = ("present", url, data)
            files.append(SignalFile(mechanism, url, 200, "present", mtime, _sha256(data),
                                    len(data)))
        return _view_from_report(_report_from_bodies(origin, bodies), files)

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "path": str(self.directory)}


class SurveyUnusable(Exception):
    """The store holds no signal files to decide from (surveyed without ``--keep-files``)."""


class SurveySource:
    """The signal files a survey kept (``aioptout survey --keep-files``), by site, read once.

    A survey stores one result per (label, site); ``label`` picks the snapshot (default: the
    latest label).  An origin the survey did not visit has ``unknown`` rows.
    """

    kind = "survey"
    concurrent = False

    def __init__(self, path: str | Path, label: str | None = None) -> None:
        from .survey.store import Store

        self.path = Path(path)
        with Store(self.path) as store:  # refuses what is not a store of this layout
            labels = store.labels()
        if label is None and labels:
            label = labels[-1]
        if label is None or label not in labels:
            raise SurveyUnusable(f"{self.path}: no results under label {label!r}")
        self.label: str = label
        # One read-only connection, one query per origin: the store is never loaded whole.
        self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                     check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            kept = self._conn.execute(
                "SELECT 1 FROM results WHERE label = ? AND result LIKE '%\"files\":%' LIMIT 1",
                (self.label,)).fetchone()
        if kept is None:
            self._conn.close()
            raise SurveyUnusable(f"{self.path}: the survey kept no signal files; run it again "
                                 "with aioptout survey --keep-files")

    def _result(self, *sites: str) -> Mapping[str, Any] | None:
        with self._lock:
            for site in sites:
                row = self._conn.execute(
                    "SELECT result FROM results WHERE label = ? AND site = ?",
                    (self.label, site)).fetchone()
                if row is not None:
                    value: Mapping[str, Any] = json.loads(row[0])
                    return value
        return None

    def view(self, origin: str) -> OriginView:
        scheme, host, port = _host_key(origin)
        netloc = host if port is None else f"{host}:{port}"
        result = self._result(f"{scheme}://{netloc}", netloc, host)
        if result is None:
            return OriginView.failed(origin, f"{host or origin} is not in the survey "
                                     f"{self.path} (label {self.label})", status="missing")
        if result.get("status") == "error":
            return OriginView.failed(origin, f"the survey failed on this site: "
                                     f"{result.get('error')}")
        bodies: dict[str, tuple[str, str, bytes | None]] = {}
        files: list[SignalFile] = []
        for entry in result.get("files") or ():
            from .survey.metrics import file_body

            mechanism = str(entry.get("mechanism"))
            url = str(entry.get("url"))
            data = file_body(entry)
            outcome = str(entry.get("outcome"))
            bodies[mechanism] = (outcome, url, data)
            fetched = entry.get("fetched_at")
            files.append(SignalFile(
                mechanism, url, entry.get("status"), outcome,
                _instant(fetched),
                entry.get("sha256"), None if data is None else len(data)))
        semantics = str((result.get("provenance") or {}).get("semantics", "google"))
        return _view_from_report(_report_from_bodies(origin, bodies, semantics), files)

    def describe(self) -> dict[str, object]:
        return {"kind": self.kind, "path": str(self.path), "label": self.label}


# --- rows ----------------------------------------------------------------------------------

_PLAIN_ORIGIN: Final = re.compile(r"(https?)://([a-z0-9.-]+)(?=[/?#]|\Z)")


def origin_of(target: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL, lower-cased; None for anything else."""
    plain = _PLAIN_ORIGIN.match(target)
    if plain is not None:  # the common shape, without urlsplit's cost
        return plain.group(0)
    if not target[:8].lower().startswith(("http://", "https://")):
        return None
    try:
        parts = urlsplit(target)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if not host:
        return None
    scheme = parts.scheme.lower()
    default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    netloc = host if port is None or default else f"{host}:{port}"
    return f"{scheme}://{netloc}"


@dataclass
class FilterStats:
    """Counters of one filter run; ``origins`` maps an origin to its view once read."""

    rows: int = 0
    kept: int = 0
    rejected: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_mechanism: dict[str, int] = field(default_factory=dict)
    origins: dict[str, OriginView] = field(default_factory=dict)
    origin_rows: dict[str, list[int]] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    finished: float | None = None

    def count(self, verdict: RowVerdict, kept: bool) -> None:
        self.rows += 1
        self.by_status[verdict.status] = self.by_status.get(verdict.status, 0) + 1
        if kept:
            self.kept += 1
        else:
            self.rejected += 1
            self.by_mechanism[verdict.mechanism] = self.by_mechanism.get(verdict.mechanism, 0) + 1
        if verdict.origin is not None:
            counts = self.origin_rows.setdefault(verdict.origin, [0, 0])
            counts[0 if kept else 1] += 1

    def summary(self, agent: str, usage: str, unknown: str) -> dict[str, object]:
        end = self.finished if self.finished is not None else time.time()
        elapsed = max(end - self.started, 1e-9)
        origins: dict[str, int] = {}
        for view in self.origins.values():
            origins[view.status] = origins.get(view.status, 0) + 1
        return {
            "schema_version": SCHEMA_VERSION,
            "agent": agent,
            "usage": usage,
            "unknown": unknown,
            "rows": self.rows,
            "kept": self.kept,
            "rejected": self.rejected,
            "by_status": {k: self.by_status.get(k, 0) for k in
                          ("allowed", "disallowed", "unknown", "error", "no-target")},
            "rejected_by_mechanism": dict(sorted(self.by_mechanism.items())),
            "origins": len(self.origins),
            "origins_by_status": dict(sorted(origins.items())),
            "elapsed": round(elapsed, 3),
            "rows_per_second": round(self.rows / elapsed, 1),
        }


class RowFilter:
    """Decides targets (URLs or work identifiers) for one agent and usage, origin by origin.

    ``origin`` names the site whose declaration answers work identifiers.  A failure reading one
    origin is recorded for its rows (status ``error``) and never stops the others: a small,
    local isolation; the survey and crawl have their own.
    """

    def __init__(self, source: SignalSource, *, agent: str, usage: str = "train-ai",
                 unknown: Unknown = "keep", origin: str | None = None,
                 registry: Registry | None = None, jobs: int = DEFAULT_JOBS) -> None:
        if usage != U.CRAWL and not U.is_label(usage):
            raise ValueError(f"{usage!r} is not a usage label")
        if unknown not in ("keep", "drop"):
            raise ValueError("unknown must be 'keep' or 'drop'")
        from .agents import default_registry

        self.source = source
        self.agent = agent
        self.usage = usage
        self.unknown = unknown
        self.origin = None if origin is None else origin_of(origin) or origin
        self.registry = registry or default_registry()
        self.jobs = jobs
        self.stats = FilterStats()
        self._lock = threading.Lock()
        self._futures: dict[str, Future[OriginView]] = {}
        self._pool: ThreadPoolExecutor | None = None

    # origins ---------------------------------------------------------------------------------
    def _load(self, origin: str) -> OriginView:
        try:
            view = self.source.view(origin)
        except Exception as exc:  # one origin's failure is its rows' status, never the run's
            view = OriginView.failed(origin, f"{type(exc).__name__}: {exc}")
        with self._lock:
            self.stats.origins[origin] = view
        return view

    def prefetch(self, origin: str) -> None:
        """Start reading ``origin`` in the background (live sources), at most once."""
        if not self.source.concurrent or self.jobs <= 1:
            return
        with self._lock:
            if origin in self._futures:
                return
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.jobs,
                                                thread_name_prefix="aioptout-filter")
            self._futures[origin] = self._pool.submit(self._load, origin)

    def view(self, origin: str) -> OriginView:
        with self._lock:
            known = self.stats.origins.get(origin)
            future = self._futures.get(origin)
        if known is not None:
            return known
        if future is not None:
            return future.result()
        return self._load(origin)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self.stats.finished = time.time()

    # rows ------------------------------------------------------------------------------------
    def decide(self, target: object) -> RowVerdict:
        if not isinstance(target, str):
            return RowVerdict("no-target", "the row has no URL or work identifier")
        origin = origin_of(target)
        text = target
        if origin is None:
            text = target.strip()
            if looks_like_work_id(text):
                return self._decide_work(text)
            origin = origin_of(text)
            if origin is None:
                why = "not an http(s) URL or a work identifier" if text else \
                    "the row has no URL or work identifier"
                return RowVerdict("no-target", why)
        view = self.stats.origins.get(origin) or self.view(origin)
        return view.decide(text, self.agent, self.usage, self.registry)

    def _decide_work(self, work: str) -> RowVerdict:
        if self.origin is None:
            return RowVerdict("unknown", "a work identifier needs --origin: the site whose "
                              "declaration lists works")
        return self.view(self.origin).decide(work, self.agent, self.usage, self.registry)

    def keeps(self, verdict: RowVerdict) -> bool:
        if verdict.status == "disallowed":
            return False
        if verdict.status == "allowed":
            return True
        return self.unknown == "keep"

    def judge(self, target: object) -> tuple[bool, RowVerdict]:
        verdict = self.decide(target)
        kept = self.keeps(verdict)
        self.stats.count(verdict, kept)
        return kept, verdict

    def run(self, items: Iterable[Any], target: Callable[[Any], object]
            ) -> Iterator[tuple[Any, bool, RowVerdict]]:
        """Each item with its verdict, in input order; up to ``READ_AHEAD`` items are read ahead
        so that the origins they name are fetched concurrently."""
        if not self.source.concurrent or self.jobs <= 1:
            for item in items:
                kept, verdict = self.judge(target(item))
                yield item, kept, verdict
            return
        ahead: list[tuple[Any, object]] = []
        iterator = iter(items)
        index = 0
        done = False
        while True:
            while not done and len(ahead) - index < READ_AHEAD:
                try:
                    item = next(iterator)
                except StopIteration:
                    done = True
                    break
                value = target(item)
                if isinstance(value, str):
                    origin = origin_of(value.strip())
                    if origin is not None:
                        self.prefetch(origin)
                ahead.append((item, value))
            if index >= len(ahead):
                return
            item, value = ahead[index]
            ahead[index] = (None, None)
            index += 1
            if index >= READ_AHEAD:
                del ahead[:index]
                index = 0
            kept, verdict = self.judge(value)
            yield item, kept, verdict

    def receipt_origins(self) -> list[dict[str, object]]:
        out = []
        for origin in sorted(self.stats.origins):
            entry = self.stats.origins[origin].to_dict()
            kept, rejected = self.stats.origin_rows.get(origin, [0, 0])
            entry.update(kept=kept, rejected=rejected)
            out.append(entry)
        return out


def _instant(stamp: object) -> float | None:
    """A kept file's ``fetched_at`` as a timestamp; one the store did not write reads as unknown."""
    moment = parse_date_time(stamp) if isinstance(stamp, str) else None
    return None if moment is None else moment.timestamp()


def _rfc3339(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def _field(row: Mapping[str, Any], name: str) -> object:
    return row.get(name) if isinstance(row, Mapping) else None


def filter_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    agent: str,
    usage: str = "train-ai",
    url_field: str = "url",
    source: SignalSource | None = None,
    checker: Checker | None = None,
    unknown: Unknown = "keep",
    origin: str | None = None,
    on_rejected: Callable[[Mapping[str, Any], RowVerdict], None] | None = None,
) -> Iterator[Mapping[str, Any]]:
    """The rows no signal reserves for ``agent`` and ``usage``, lazily and in order.

    ``source`` says where signals come from (default: fetched live through ``checker`` or a new
    :class:`Checker`); rejected rows go to ``on_rejected`` with the verdict.
    """
    chosen = source or LiveSource(checker)
    judge = RowFilter(chosen, agent=agent, usage=usage, unknown=unknown, origin=origin)
    try:
        for row, kept, verdict in judge.run(rows, lambda r: _field(r, url_field)):
            if kept:
                yield row
            elif on_rejected is not None:
                on_rejected(row, verdict)
    finally:
        judge.close()


def batch_predicate(
    *,
    agent: str,
    usage: str = "train-ai",
    url_field: str = "url",
    source: SignalSource | None = None,
    checker: Checker | None = None,
    unknown: Unknown = "keep",
    origin: str | None = None,
) -> Callable[[Mapping[str, Sequence[Any]]], list[bool]]:
    """A function for ``datasets.Dataset.filter(fn, batched=True)``: a batch (dict of columns)
    in, one keep flag per row out.  Each origin is read once for all batches."""
    judge = RowFilter(source or LiveSource(checker), agent=agent, usage=usage,
                      unknown=unknown, origin=origin, jobs=1)

    def predicate(batch: Mapping[str, Sequence[Any]]) -> list[bool]:
        return [judge.judge(value)[0] for value in batch[url_field]]

    predicate.stats = judge.stats  # type: ignore[attr-defined]
    return predicate
