"""The JSON documents the CLI prints and the web API returns, built in one place.

They are contracts (``schema_version``, schemas in ``spec/``), not formatting, so they live beside
the library rather than in ``report/``, which only lays out survey results.

``aioptout validate --format json``, ``explain --format json`` and ``check --format json`` each
have a documented shape; the web application promises the same shapes.  Building them here,
from a file's bytes, keeps the two front ends from drifting apart.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Any, Final

from . import usage as U
from .agents import default_registry
from .decide import decide
from .model import Decision, Declaration, Diagnostic, Severity
from .sources import Loaded, diagnostics_of, load
from .validate import validate

__all__ = [
    "REPRESENTATIVE_AGENTS",
    "SCHEMA_VERSION",
    "Loaded",
    "check_report",
    "decision_cell",
    "declaration_fields",
    "diagnostics",
    "explain_agents",
    "explain_report",
    "load",
    "validate_report",
]

SCHEMA_VERSION: Final = 1

#: One well-known agent per purpose class of the agent registry, so an explain table shows what
#: each kind of AI agent is told even when the file names none of them.
REPRESENTATIVE_AGENTS: Final[tuple[tuple[str, str], ...]] = (
    ("training", "GPTBot"),
    ("dataset", "CCBot"),
    ("search", "OAI-SearchBot"),
    ("user-fetch", "ChatGPT-User"),
    ("agent", "Google-Agent"),
    ("control", "Google-Extended"),
)


def _now(now: _dt.datetime | None) -> _dt.datetime:
    moment = now or _dt.datetime.now(_dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=_dt.UTC)


def diagnostics(loaded: Loaded, now: _dt.datetime | None = None) -> list[Diagnostic]:
    """Strict validation for a declaration; the reader's own diagnostics for other kinds."""
    return _diagnostics(loaded, _now(now))


def _diagnostics(loaded: Loaded, now: _dt.datetime) -> list[Diagnostic]:
    if loaded.declaration is not None:
        return validate(loaded.declaration, now=now)
    return diagnostics_of(loaded.signals)


def validate_report(
    loaded: Loaded,
    *,
    now: _dt.datetime | None = None,
    found: Sequence[Diagnostic] | None = None,
) -> dict[str, Any]:
    """One file entry of ``validate --format json``, with its kind and a severity summary.

    For a declaration the strict profile runs (``aioptout.validate``); for robots.txt,
    tdmrep.json and ai.txt the reader's own diagnostics are reported.
    """
    if found is None:
        found = _diagnostics(loaded, _now(now))
    counts = {s: sum(1 for d in found if d.severity is s) for s in Severity}
    return {
        "schema_version": SCHEMA_VERSION,
        "source": loaded.source,
        "kind": loaded.kind,
        "valid": counts[Severity.ERROR] == 0,
        "diagnostics": [d.to_dict() for d in found],
        "summary": {s.value + "s": n for s, n in counts.items()},
    }


def _named_agents(signals: Iterable[object]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for signal in signals:
        for group in getattr(signal, "groups", ()) or ():
            for agent in getattr(group, "agents", ()) or ():
                if not isinstance(agent, str):
                    continue
                key = agent.strip().lower()
                if key and key != "*" and key not in seen:
                    seen.add(key)
                    names.append(agent.strip())
    return names


def explain_agents(loaded: Loaded, *, representatives: bool = True) -> list[tuple[str, str]]:
    """Rows of an explain table as (agent, purpose): the agents the file names, ``*``, then
    one representative of each purpose class the file does not already name."""
    registry = default_registry()
    rows: list[tuple[str, str]] = []
    for name in _named_agents(loaded.signals):
        entry = registry.get(name)
        rows.append((name, entry.purpose if entry is not None else "named"))
    rows.append(("*", "any other agent"))
    if representatives:
        present = {name.lower() for name, _ in rows}
        for purpose, token in REPRESENTATIVE_AGENTS:
            if token.lower() not in present:
                rows.append((token, purpose))
    return rows


def decision_cell(decision: Decision) -> dict[str, Any]:
    """An explain cell: the value and the line that decided it, as ``explain --format json``;
    ``answer`` only when it says more than ``value`` (licence-required, spec §12.3)."""
    cell: dict[str, Any] = {"value": decision.value.value, "line": decision.line,
                            "reason": decision.reason}
    if decision.licence_required:
        cell["answer"] = decision.answer
    return cell


def _decide(loaded: Loaded, agent: str, target: str, usage: str, now: _dt.datetime) -> Decision:
    if loaded.declaration is not None:
        return loaded.declaration.evaluate(agent, target, usage, now=now)
    return decide(loaded.signals, agent, target, usage, now=now)


def declaration_fields(declaration: Declaration | None) -> dict[str, Any] | None:
    if declaration is None:
        return None
    return {
        "version": declaration.version,
        "rightsholder": declaration.rightsholder,
        "contact": declaration.contact,
        "licensing": declaration.licensing,
        "legal_basis": declaration.legal_basis,
        "issued": declaration.issued.isoformat() if declaration.issued else None,
        "expires": declaration.expires.isoformat() if declaration.expires else None,
    }


def explain_report(
    loaded: Loaded,
    *,
    targets: Sequence[str] = ("/",),
    agents: Sequence[tuple[str, str]] | None = None,
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The document of ``explain --format json``: agents × (crawl and usage labels).

    A declaration is evaluated by its own decision algorithm; the other kinds through
    ``decide`` with every signal the file carries.  Each agent entry also names its purpose
    class; ``declaration`` is null for files that are not declarations.
    """
    moment = _now(now)
    rows = list(agents) if agents is not None else explain_agents(loaded)
    usages = [U.CRAWL, *U.LABELS]
    errors = sum(1 for d in _diagnostics(loaded, moment) if d.severity is Severity.ERROR)
    return {
        "schema_version": SCHEMA_VERSION,
        "source": loaded.source,
        "kind": loaded.kind,
        "declaration": declaration_fields(loaded.declaration),
        "errors": errors,
        "usages": usages,
        "targets": [
            {
                "target": target,
                "agents": [
                    {
                        "agent": name,
                        "purpose": purpose,
                        "decisions": {
                            u: decision_cell(_decide(loaded, name, target, u, moment))
                            for u in usages
                        },
                    }
                    for name, purpose in rows
                ],
            }
            for target in targets
        ],
    }


def check_report(
    loaded: Loaded,
    *,
    agent: str,
    usage: str,
    targets: Sequence[str],
    now: _dt.datetime | None = None,
) -> dict[str, Any]:
    """The document of ``check --format json``: one decision per target, with provenance."""
    moment = _now(now)
    signals = loaded.signals
    decisions = [decide(signals, agent, t, usage, now=moment) for t in targets]
    return {"schema_version": SCHEMA_VERSION, "decisions": [d.to_dict() for d in decisions]}
