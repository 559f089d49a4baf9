"""Survey aggregates: per-label counts computed from the store, and their terminal tables.

Aggregation streams the store label by label; only the previous label's per-site blocked sets
are held, to count which sites started or stopped blocking an agent between snapshots.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from rich import box
from rich.table import Table

from ..survey.metrics import MECHANISMS as _ALL_MECHANISMS
from ..survey.metrics import mechanism_order
from ..survey.store import Store, StoredResult

#: Version of the report JSON (``aioptout report --format json``).
REPORT_SCHEMA_VERSION: Final = 2
#: Rows shown in the terminal for agents and diagnostics.
TOP_ROWS: Final = 15
#: Report order of the known mechanisms; a store's other names follow (see mechanism_order).
MECHANISMS: Final = _ALL_MECHANISMS
USAGE_LABELS: Final = ("train-ai", "search")


@dataclass
class LabelSummary:
    """Counts for one labelled snapshot; shares are counts divided by ``sites``."""

    label: str
    sites: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    mechanisms: dict[str, Counter[str]] = field(default_factory=dict)
    usage: dict[str, Counter[str]] = field(default_factory=dict)
    blocked_root: Counter[str] = field(default_factory=Counter)
    purposes_any: Counter[str] = field(default_factory=Counter)
    purposes_all: Counter[str] = field(default_factory=Counter)
    purpose_sizes: dict[str, int] = field(default_factory=dict)
    diagnostics: Counter[str] = field(default_factory=Counter)
    diagnostic_sites: Counter[str] = field(default_factory=Counter)
    mentions: Counter[str] = field(default_factory=Counter)
    directives: Counter[str] = field(default_factory=Counter)
    directive_sites: Counter[str] = field(default_factory=Counter)
    naive_directives: Counter[str] = field(default_factory=Counter)
    naive_directive_sites: Counter[str] = field(default_factory=Counter)
    naive_excluded: int = 0
    semantics: set[str] = field(default_factory=set)
    versions: set[str] = field(default_factory=set)
    registries: set[str] = field(default_factory=set)
    #: The ``--sample`` size the label was surveyed from, if any (its shares are estimates).
    sample: int | None = None
    #: Sites that block every agent of a registry, by registry (added to blocked_root in build).
    all_blocked: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "sites": self.sites,
            "sample": self.sample,
            "statuses": dict(sorted(self.statuses.items())),
            "mechanisms": {
                m: {"present": c["present"], "valid": c["valid"]}
                for m, c in sorted(self.mechanisms.items())
            },
            "usage": {u: dict(sorted(c.items())) for u, c in sorted(self.usage.items())},
            "blocked_root": dict(sorted(self.blocked_root.items(), key=lambda kv: kv[0].lower())),
            "purposes": {
                p: {"agents": n, "any": self.purposes_any[p], "all": self.purposes_all[p]}
                for p, n in sorted(self.purpose_sizes.items())
            },
            "diagnostics": {
                c: {"occurrences": n, "sites": self.diagnostic_sites[c]}
                for c, n in sorted(self.diagnostics.items())
            },
            "mentions": dict(sorted(self.mentions.items())),
            "directives": {
                "occurrences": dict(sorted(self.directives.items())),
                "sites": dict(sorted(self.directive_sites.items())),
            },
            "naive_directives": {
                "occurrences": dict(sorted(self.naive_directives.items())),
                "sites": dict(sorted(self.naive_directive_sites.items())),
                "excluded_files": self.naive_excluded,
            },
            "provenance": {
                "semantics": sorted(self.semantics),
                "aioptout": sorted(self.versions),
                "registry": sorted(self.registries),
            },
        }


@dataclass
class Change:
    """Sites present in both labels that started or stopped blocking an agent from ``/``."""

    before: str
    after: str
    common_sites: int = 0
    started: Counter[str] = field(default_factory=Counter)
    stopped: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.before,
            "to": self.after,
            "common_sites": self.common_sites,
            "started_blocking": dict(sorted(self.started.items())),
            "stopped_blocking": dict(sorted(self.stopped.items())),
        }


@dataclass
class Report:
    labels: list[LabelSummary]
    changes: list[Change]
    #: The store's survey runs (label, start time, options such as ``sample`` and ``seed``).
    runs: list[dict[str, Any]] = field(default_factory=list)

    def mechanisms(self) -> list[str]:
        """Every mechanism any label recorded, in report order."""
        return mechanism_order(m for s in self.labels for m in s.mechanisms)

    def sample_size(self, label: str) -> int | None:
        """The ``--sample`` a label was surveyed from, when it was (then shares are estimates)."""
        return next((s.sample for s in self.labels if s.label == label), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "labels": {s.label: s.to_dict() for s in self.labels},
            "changes": [c.to_dict() for c in self.changes],
        }


def _purpose_sizes(purposes: Mapping[str, str]) -> dict[str, int]:
    return dict(Counter(purposes.values()))


def _add(summary: LabelSummary, row: StoredResult, purposes: Mapping[str, str],
         sizes: Mapping[str, int] | None = None) -> None:
    """One site into the label's counts; linear in what the site blocks, not in the registry."""
    r = row.result
    summary.sites += 1
    summary.statuses[row.status] += 1
    summary.semantics.add(row.semantics)
    summary.versions.add(row.aioptout_version)
    summary.registries.add(row.registry_id)
    mechanisms = summary.mechanisms
    for mech, info in (r.get("mechanisms") or {}).items():
        c = mechanisms.get(mech)
        if c is None:
            c = mechanisms[mech] = Counter()
        c["present"] += bool(info.get("present"))
        c["valid"] += bool(info.get("valid"))
    for label, value in (r.get("usage") or {}).items():
        summary.usage.setdefault(label, Counter())[str(value)] += 1
    if sizes is None:
        sizes = _purpose_sizes(purposes)
    if row.blocks_all and purposes:
        # Every agent of the registry: counted once here, spread over its tokens in build().
        summary.all_blocked[row.registry_id] += 1
        for purpose, size in sizes.items():
            summary.purpose_sizes[purpose] = size
            summary.purposes_any[purpose] += size > 0
            summary.purposes_all[purpose] += 1
    else:
        blocked = set(r.get("blocked_root") or ())
        summary.blocked_root.update(blocked)
        hits = Counter(purposes[t] for t in blocked if t in purposes)
        for purpose, size in sizes.items():
            summary.purpose_sizes[purpose] = size
            got = hits[purpose]
            summary.purposes_any[purpose] += got > 0
            summary.purposes_all[purpose] += got == size
    for code, n in (r.get("diagnostics") or {}).items():
        summary.diagnostics[code] += int(n)
        summary.diagnostic_sites[code] += 1
    summary.mentions.update(r.get("mentions") or ())
    directives = r.get("directives") or {}
    summary.directives.update(directives)
    summary.directive_sites.update(k for k, n in directives.items() if n)
    if r.get("status") == "ok":
        naive = r.get("naive_directives")
        if naive is None:
            summary.naive_excluded += 1
        else:
            summary.naive_directives.update(naive)
            summary.naive_directive_sites.update(k for k, n in naive.items() if n)


def build(store: Store, labels: Sequence[str] | None = None) -> Report:
    """Aggregate the chosen labels (all, by default) in label order."""
    chosen = list(labels) if labels else store.labels()
    summaries: list[LabelSummary] = []
    changes: list[Change] = []
    previous: dict[str, frozenset[str]] | None = None
    previous_label = ""
    purposes_cache: dict[str, dict[str, str]] = {}
    sizes_cache: dict[str, dict[str, int]] = {}
    everyone: dict[str, frozenset[str]] = {}
    for label in chosen:
        summary = LabelSummary(label)
        current: dict[str, frozenset[str]] = {}
        change = Change(previous_label, label) if previous is not None else None
        for row in store.results(label):
            if row.registry_id not in purposes_cache:
                purposes_cache[row.registry_id] = store.agents(row.registry_id)
                sizes_cache[row.registry_id] = _purpose_sizes(purposes_cache[row.registry_id])
            _add(summary, row, purposes_cache[row.registry_id], sizes_cache[row.registry_id])
            if row.blocks_all:
                if row.registry_id not in everyone:
                    everyone[row.registry_id] = frozenset(purposes_cache[row.registry_id])
                blocked = everyone[row.registry_id]
            else:
                blocked = frozenset(row.result.get("blocked_root") or ())
            current[row.site] = blocked
            if change is not None and previous is not None and row.site in previous:
                before = previous[row.site]
                change.common_sites += 1
                change.started.update(blocked - before)
                change.stopped.update(before - blocked)
        for registry, n in summary.all_blocked.items():
            for token in purposes_cache.get(registry, {}):
                summary.blocked_root[token] += n
        for purpose_map in purposes_cache.values():
            for token in purpose_map:
                summary.blocked_root.setdefault(token, 0)
        summaries.append(summary)
        if change is not None:
            changes.append(change)
        previous, previous_label = current, label
    runs = [r for r in store.runs() if r["label"] in set(chosen)]
    for summary in summaries:
        sizes = [r["options"].get("sample") for r in runs if r["label"] == summary.label]
        found = [n for n in sizes if isinstance(n, int) and not isinstance(n, bool)]
        summary.sample = max(found) if found else None
    return Report(summaries, changes, runs)


def share(n: int, total: int) -> str:
    return "–" if total == 0 else f"{100.0 * n / total:.1f}%"


def _table(title: str, columns: Iterable[str]) -> Table:
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for i, col in enumerate(columns):
        if i == 0:
            table.add_column(col, justify="left", no_wrap=True)
        else:
            table.add_column(col, justify="right", no_wrap=True)
    return table


def render(report: Report) -> list[Table]:
    """Terminal tables: mechanisms, usage, agents, purposes, diagnostics, changes."""
    labels = report.labels
    names = [s.label for s in labels]
    tables: list[Table] = []
    t = _table("Sites", ["", *names])
    t.add_row("sites", *(str(s.sites) for s in labels))
    for status in sorted({k for s in labels for k in s.statuses}):
        t.add_row(f"status {status}", *(str(s.statuses[status]) for s in labels))
    tables.append(t)

    t = _table("Mechanisms present and valid, share of sites", ["mechanism", *names])
    for mech in report.mechanisms():
        for kind in ("present", "valid"):
            t.add_row(f"{mech} {kind}", *(
                share(s.mechanisms.get(mech, Counter())[kind], s.sites) for s in labels
            ))
    tables.append(t)

    t = _table("Usage reserved (disallowed) for agent *, share of sites", ["usage", *names])
    for label in USAGE_LABELS:
        t.add_row(label, *(
            share(s.usage.get(label, Counter())["disallowed"], s.sites) for s in labels
        ))
    tables.append(t)

    last = labels[-1] if labels else LabelSummary("")
    top = sorted(last.blocked_root.items(), key=lambda kv: (-kv[1], kv[0].lower()))[:TOP_ROWS]
    t = _table("Agents that may not fetch /, share of sites", ["agent", *names])
    for token, _ in top:
        t.add_row(token, *(share(s.blocked_root[token], s.sites) for s in labels))
    tables.append(t)

    t = _table("Purpose classes blocked from /: some agent, every agent", ["purpose", *names])
    for purpose in sorted({p for s in labels for p in s.purpose_sizes}):
        t.add_row(f"{purpose} some", *(share(s.purposes_any[purpose], s.sites) for s in labels))
        t.add_row(f"{purpose} every", *(share(s.purposes_all[purpose], s.sites) for s in labels))
    tables.append(t)

    t = _table(f"Most common diagnostics ({last.label})", ["code", "sites", "occurrences"])
    for code, n in last.diagnostic_sites.most_common(TOP_ROWS):
        t.add_row(code, str(n), str(last.diagnostics[code]))
    tables.append(t)

    if report.changes:
        t = _table("Changes between labels (sites in both)", ["agent", *(
            f"{c.before}→{c.after}" for c in report.changes)])
        moved = Counter[str]()
        for c in report.changes:
            moved.update(c.started)
            moved.update(c.stopped)
        for token, _ in moved.most_common(TOP_ROWS):
            t.add_row(token, *(f"+{c.started[token]} −{c.stopped[token]}" for c in report.changes))
        tables.append(t)
    return tables
