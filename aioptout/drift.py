"""Does a site still say what its declaration says?  Channel by channel, agent by agent.

``publish`` writes channels that answer as the declaration does; over time someone edits
robots.txt by hand, a CDN drops a header, a plugin rewrites ai.txt.  ``drift`` reads the channels
as a crawler would (live over HTTP, or a build folder on disk), asks each one — alone, and all of
them together — the questions the declaration answers, and lists every disagreement with the
channel, URL, line and both answers.  Alone matters: a channel that contradicts the declaration
is drift even while another channel's "no" hides it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, cast

from . import _mechanisms as M
from . import diagnostics as D
from . import usage as U
from ._wellknown import AI_TXT_PATH, ROBOTS_PATH, TDMREP_PATH
from .agents import Registry, default_registry
from .decide import Signal, decide
from .model import Declaration, Diagnostic, Statement, Value
from .publish import PROBE_AGENT, probe_paths

__all__ = ["DriftReport", "Mismatch", "drift", "drift_folder", "drift_site"]

SCHEMA_VERSION: Final = 1
USAGES: Final = (U.CRAWL, *U.LABELS)
_AUDITED_PURPOSES: Final = frozenset({"training", "dataset", "control"})

CHANNEL_DISAGREES = D.define(
    "DRF101", "SHOULD", "R-16-1",
    "A published channel answers differently from the declaration",
    "publish the declaration again, or change the declaration to what the site now says",
)
CHANNEL_UNREADABLE = D.define(
    "DRF102", "NOTE", "R-16-1", "A channel could not be read; it was audited as absent"
)


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One disagreement, for every agent in ``agents`` alike."""

    channel: str
    url: str | None
    line: int | None
    rule: str | None
    path: str
    usage: str
    declared: Value
    found: Value
    agents: tuple[str, ...]
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {"channel": self.channel, "url": self.url, "line": self.line, "rule": self.rule,
                "path": self.path, "usage": self.usage, "declared": self.declared.value,
                "found": self.found.value, "agents": list(self.agents), "reason": self.reason}

    def diagnostic(self) -> Diagnostic:
        who = self.agents[0] if len(self.agents) == 1 else f"{len(self.agents)} agents"
        return CHANNEL_DISAGREES.at(
            self.line or 1,
            message=f"{self.channel}: {self.usage} at {self.path} for {who} is {self.found}; "
            f"the declaration says {self.declared}")


@dataclass(frozen=True, slots=True)
class DriftReport:
    site: str
    mismatches: tuple[Mismatch, ...]
    questions: int
    diagnostics: tuple[Diagnostic, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"schema_version": SCHEMA_VERSION, "site": self.site,
                "questions": self.questions,
                "mismatches": [m.to_dict() for m in self.mismatches],
                "diagnostics": [d.to_dict() for d in self.diagnostics]}


def audited_agents(declaration: Declaration, registry: Registry) -> list[str]:
    """The agents the declaration names, the registry's training, dataset and control tokens,
    and one agent nobody names."""
    out: dict[str, str] = {}
    for name in declaration.agents():
        if name != "*":
            out.setdefault(name.lower(), name)
    for agent in registry:
        if agent.purpose in _AUDITED_PURPOSES:
            token = agent.matched_token or agent.token  # the token its line selects
            out.setdefault(token.lower(), token)
    out.setdefault(PROBE_AGENT.lower(), PROBE_AGENT)
    return list(out.values())


_CHANNEL_NAMES: Final = {
    M.ROBOTS: "robots.txt", M.AIPREF: "Content-Usage", M.CONTENT_SIGNAL: "Content-Signal",
    M.TDMREP: "TDMRep", M.AI_TXT: "ai.txt", M.ROBOTS_META: "noai",
}


def _channel(statement: Statement | None) -> str:
    if statement is None:
        return "(no channel)"
    return _CHANNEL_NAMES.get(statement.mechanism, statement.mechanism)


def drift(declaration: Declaration, origin: str, site_signals: Sequence[Signal],
          page_signals: Callable[[str], Sequence[Signal]], *,
          agents: Sequence[str] | None = None, paths: Sequence[str] | None = None,
          registry: Registry | None = None) -> DriftReport:
    """Every disagreement between the declaration and the channels, alone and together."""
    registry = registry or default_registry()
    agents = list(agents) if agents is not None else audited_agents(declaration, registry)
    paths = list(paths) if paths is not None else probe_paths(declaration)
    found: dict[tuple[object, ...], tuple[Mismatch, list[str]]] = {}
    questions = 0
    for path in paths:
        url = origin + path
        every = [*site_signals, *page_signals(path)]
        for agent in agents:
            for usage in USAGES:
                declared = declaration.evaluate(agent, path, usage).value
                questions += 1
                checks: list[tuple[bool, list[Signal]]] = [(True, every)]
                checks += [(False, [signal]) for signal in every]
                for together, signals in checks:
                    decision = decide(signals, agent, url, usage, registry=registry)
                    if decision.value is declared or (
                            not together and decision.value is Value.UNKNOWN):
                        continue
                    deciding = next(
                        (s for s in decision.statements if s.mechanism == decision.mechanism
                         and s.line == decision.line and s.source == decision.source), None)
                    channel = _channel(deciding) if decision.value is not Value.UNKNOWN else (
                        "(no channel)")
                    key = (channel, decision.source, decision.line, path, usage, declared,
                           decision.value)
                    if key in found:
                        if agent not in found[key][1]:
                            found[key][1].append(agent)
                        continue
                    reason = decision.reason if together or decision.value is not Value.UNKNOWN \
                        else "no channel states it"
                    mismatch = Mismatch(channel, decision.source, decision.line, decision.rule,
                                        path, usage, declared, decision.value, (), reason)
                    found[key] = (mismatch, [agent])
    mismatches = []
    for mismatch, who in found.values():
        mismatches.append(Mismatch(
            mismatch.channel, mismatch.url, mismatch.line, mismatch.rule, mismatch.path,
            mismatch.usage, mismatch.declared, mismatch.found, tuple(who), mismatch.reason))
    mismatches.sort(key=lambda m: (m.channel, m.url or "", m.line or 0, m.path, m.usage))
    return DriftReport(origin, tuple(mismatches), questions)


def _page_signals_from(headers: Mapping[str, str] | Iterable[tuple[str, str]], html: str,
                       url: str) -> list[Signal]:
    from .signals import aipref, contentsignal, robotsmeta, tdmrep

    header_items = list(headers.items() if isinstance(headers, Mapping) else headers)
    tdm = tdmrep.layer(tdmrep.from_headers(header_items, source=url),
                       tdmrep.from_html(html, source=url), source=url)
    return [aipref.from_headers(header_items, source=url),
            contentsignal.from_headers(header_items, source=url),
            robotsmeta.from_headers(header_items, source=url),
            robotsmeta.from_html(html, source=url), tdm]


def drift_site(site: str, declaration: Declaration, *, fetcher: object | None = None,
               agents: Sequence[str] | None = None) -> DriftReport:
    """Audit a live site: its well-known files once, then each probe path's response headers."""
    from .crawl import check_site, site_origin
    from .fetch import Fetcher

    origin = site_origin(site) or site
    client = fetcher if isinstance(fetcher, Fetcher) else Fetcher()
    report = check_site(origin, fetcher=client)
    notes = [CHANNEL_UNREADABLE.at(1, message=f"{r.url}: {r.error or r.outcome}")
             for r in report.signals if r.outcome == "unreachable"]
    signals = [s for s in report.site_signals() if not isinstance(s, Declaration)]

    def page(path: str) -> list[Signal]:
        got = client.fetch(origin + path)
        if got.outcome != "present":
            return []
        html = got.text if "html" in got.content_type or not got.content_type else ""
        return _page_signals_from(got.headers, html, got.final_url)

    result = drift(declaration, origin, signals, page, agents=agents)
    return DriftReport(result.site, result.mismatches, result.questions, tuple(notes))


def drift_folder(folder: Path, declaration: Declaration, *, origin: str = "https://site.invalid",
                 agents: Sequence[str] | None = None) -> DriftReport:
    """Audit a build folder as a static host would serve it (``_headers`` applied)."""
    from . import _headersfile
    from .signals import aipref, aitxt, contentsignal, tdmrep
    from .signals.robots import RobotsTxt

    def read(name: str) -> bytes | None:
        path = folder / name
        return path.read_bytes() if path.is_file() else None

    signals: list[Signal] = []
    robots_bytes = read(ROBOTS_PATH[1:])
    if robots_bytes is not None:
        robots = RobotsTxt.parse(robots_bytes, source=origin + ROBOTS_PATH)
        signals += [cast(Signal, robots), aipref.from_robots(robots),
                    contentsignal.from_robots(robots)]
    tdm_bytes = read(TDMREP_PATH[1:])
    if tdm_bytes is not None:
        signals.append(tdmrep.parse_file(tdm_bytes, source=origin + TDMREP_PATH))
    ai_bytes = read(AI_TXT_PATH[1:])
    if ai_bytes is not None:
        signals.append(aitxt.parse(ai_bytes, source=origin + AI_TXT_PATH))
    headers_text = read("_headers")
    rules = _headersfile.parse(headers_text.decode("utf-8", "replace") if headers_text else "")

    def page(path: str) -> list[Signal]:
        html_file = folder / path.lstrip("/")
        html = ""
        if html_file.is_file() and html_file.suffix in (".html", ".htm"):
            html = html_file.read_text("utf-8", "replace")
        return _page_signals_from(_headersfile.headers_for(path, rules), html, origin + path)

    return drift(declaration, origin, signals, page, agents=agents)
