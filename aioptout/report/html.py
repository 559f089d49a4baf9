"""One self-contained HTML page with inline SVG charts: no script, no CDN, readable offline.

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>``, followed by the same
numbers as a table, so screen readers and text browsers lose nothing.  Lines are told apart by
labels and marker shapes as well as colour.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from html import escape
from typing import Final

from .tables import TOP_ROWS, LabelSummary, Report, share

#: Colour-blind-safe palette (Okabe–Ito).
PALETTE: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS: Final = ("circle", "square", "diamond", "triangle", "cross", "circle", "square")
#: Agents drawn over time when the report names no others.
TIME_SERIES_AGENTS: Final = ("GPTBot", "CCBot", "Google-Extended", "ClaudeBot", "anthropic-ai")
TOP_AGENTS: Final = 15
_BAR_HEIGHT: Final = 22
_LEFT: Final = 170
_WIDTH: Final = 640


#: z for a two-sided 95 % interval.
_Z95: Final = 1.959963984540054
_DATE_LABEL: Final = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def wilson(count: int, n: int, z: float = _Z95) -> tuple[float, float]:
    """Wilson score interval of a share ``count / n`` (Wilson 1927), right even near 0 and 1."""
    if n <= 0:
        return 0.0, 1.0
    p = count / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    lo = 0.0 if count <= 0 else max(0.0, centre - half)
    hi = 1.0 if count >= n else min(1.0, centre + half)
    return lo, hi


def label_date(label: str) -> _dt.date | None:
    """The date a label names (``2025``, ``2025-06``, ``2025-06-01``), else None."""
    m = _DATE_LABEL.fullmatch(label)
    if m is None:
        return None
    try:
        return _dt.date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return None


def time_positions(labels: Sequence[str]) -> list[float] | None:
    """Positions 0–1 proportional to time when every label is a date, else None (even spacing)."""
    dates = [label_date(lab) for lab in labels]
    if len(dates) < 2 or any(d is None for d in dates):
        return None
    days = [d.toordinal() for d in dates if d is not None]
    first, span = min(days), max(days) - min(days)
    if span <= 0 or days != sorted(days):
        return None
    return [(d - first) / span for d in days]


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f} %"


def bar_chart(chart_id: str, title: str, desc: str, items: Sequence[tuple[str, int, int]]) -> str:
    """Horizontal bars of ``count / total`` per row; ``items`` are (name, count, total)."""
    plot = _WIDTH - _LEFT - 70
    height = 30 + _BAR_HEIGHT * len(items) + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" font-family="sans-serif" '
        f'width="{_WIDTH}" height="{height}" viewBox="0 0 {_WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = _LEFT + tick * plot
        parts.append(
            f'<line x1="{x:.1f}" y1="20" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>'
            f'<text x="{x:.1f}" y="14" font-size="11" text-anchor="middle">'
            f"{int(tick * 100)} %</text>"
        )
    for i, (name, count, total) in enumerate(items):
        frac = count / total if total else 0.0
        y = 24 + i * _BAR_HEIGHT
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y + 14}" font-size="12" text-anchor="end">'
            f"{escape(name)}</text>"
            f'<rect x="{_LEFT}" y="{y + 2}" width="{frac * plot:.1f}" height="{_BAR_HEIGHT - 6}" '
            f'fill="{PALETTE[0]}"><title>{escape(name)}: {count} of {total}</title></rect>'
            f'<text x="{_LEFT + frac * plot + 4:.1f}" y="{y + 14}" font-size="11">'
            f"{_pct(frac)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == "diamond":
        return (f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} '
                f'{x - 5:.1f},{y:.1f}" fill="{colour}"/>')
    if kind == "triangle":
        return (f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} '
                f'{x - 5:.1f},{y + 4:.1f}" fill="{colour}"/>')
    if kind == "cross":
        return (f'<path d="M{x - 4:.1f},{y - 4:.1f}L{x + 4:.1f},{y + 4:.1f}M{x - 4:.1f},'
                f'{y + 4:.1f}L{x + 4:.1f},{y - 4:.1f}" stroke="{colour}" stroke-width="2"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>'


def _spread(ys: Sequence[float], gap: float) -> list[float]:
    """End-of-line label positions moved apart so that no two overlap."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    for prev, cur in itertools.pairwise(order):
        out[cur] = max(out[cur], out[prev] + gap)
    return out


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    positions: Sequence[float] | None = None,
) -> str:
    """Shares (0–1) per label for several named series, one line and marker shape each;
    ``positions`` (0–1 per label) place labels on a real time axis instead of evenly."""
    width, height, left, right, top, bottom = 720, 320, 50, 150, 20, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for _, values in series for v in values] + [0.01])
    ymax = min(1.0, (int(peak * 10) + 1) / 10)
    n = len(x_labels)

    def px(i: int) -> float:
        if positions is not None:
            return left + plot_w * positions[i]
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h * (1 - v / ymax)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" font-family="sans-serif" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]
    for k in range(6):
        v = ymax * k / 5
        parts.append(
            f'<line x1="{left}" y1="{py(v):.1f}" x2="{left + plot_w}" y2="{py(v):.1f}" '
            f'stroke="#ddd"/><text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="11" '
            f'text-anchor="end">{round(100 * v)} %</text>'
        )
    for i, label in enumerate(x_labels):
        parts.append(
            f'<text x="{px(i):.1f}" y="{height - bottom + 16}" font-size="11" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    label_y = _spread([py(values[-1]) + 4 if values else 0.0 for _, values in series], 12.0)
    for s, (name, values) in enumerate(series):
        colour, marker = PALETTE[s % len(PALETTE)], MARKERS[s % len(MARKERS)]
        points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<g><title>{escape(name)}</title>')
        if len(values) > 1:
            parts.append(
                f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for i, v in enumerate(values):
            parts.append(_marker(marker, px(i), py(v), colour))
        if values:
            parts.append(
                f'<text x="{px(len(values) - 1) + 8:.1f}" y="{label_y[s]:.1f}" '
                f'font-size="11" fill="{colour}">{escape(name)} {_pct(values[-1])}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


def _table(caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + f'<th scope="row">{escape(r[0])}</th>'
        + "".join(f"<td>{escape(c)}</td>" for c in r[1:]) + "</tr>"
        for r in rows
    )
    return (f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _count_share(n: int, total: int) -> str:
    return f"{n} ({share(n, total)})"


def time_series(report: Report, agents: Sequence[str] = TIME_SERIES_AGENTS) -> tuple[str, str]:
    """The "over time" chart and its table: share of sites where each agent may not fetch /."""
    labels = [s.label for s in report.labels]
    series = [
        (a, [s.blocked_root.get(a, 0) / s.sites if s.sites else 0.0 for s in report.labels])
        for a in agents
    ]
    desc = "; ".join(
        f"{a}: " + ", ".join(f"{lab} {_pct(v)}" for lab, v in zip(labels, vals, strict=True))
        for a, vals in series
    )
    positions = time_positions(labels)
    title = "Share of sites where each agent may not fetch /, by " + (
        "date (time to scale)" if positions is not None else "label")
    svg = line_chart("time", title, desc, labels, series, positions)
    rows = [
        [s.label, str(s.sites), *(_estimate(report, s, s.blocked_root.get(a, 0)) for a in agents)]
        for s in report.labels
    ]
    return svg, _table("Sites where the agent may not fetch /", ["label", "sites", *agents], rows)


def _estimate(report: Report, summary: LabelSummary, count: int) -> str:
    """Count and share; for a label surveyed from a ``--sample``, its Wilson 95 % interval."""
    text = _count_share(count, summary.sites)
    if report.sample_size(summary.label) is not None and summary.sites:
        lo, hi = wilson(count, summary.sites)
        text += f" [95 % CI {_pct(lo)}–{_pct(hi)}]"
    return text


def methodology(report: Report) -> str:
    """How the numbers were made: inputs, dates, semantics, versions, registries, sample sizes."""
    rows = []
    for s in report.labels:
        runs = [r for r in report.runs if r["label"] == s.label]
        started = sorted(str(r["started_at"]) for r in runs)
        options = sorted({json.dumps({k: v for k, v in r["options"].items() if v is not None},
                                     sort_keys=True) for r in runs})
        sample = report.sample_size(s.label)
        rows.append([
            s.label, str(s.sites),
            "all listed sites" if sample is None else f"random sample of {sample}",
            f"{started[0]} – {started[-1]}" if started else "not recorded",
            ", ".join(sorted(s.semantics)), ", ".join(sorted(s.versions)),
            ", ".join(sorted(s.registries)), "; ".join(options) or "not recorded",
        ])
    notes = (
        "<p>Each site's robots.txt, /.well-known/aioptout.txt, /.well-known/tdmrep.json, "
        "/ai.txt and home page were fetched once per label; RFC 9309 §2.3.1 decides what a "
        "missing (4xx: allow) or unreachable (5xx, no answer: disallow) robots.txt means. "
        "A mechanism is <em>present</em> when the site states it and <em>valid</em> when its "
        "reader reports no error. Shares are of all sites of the label, whatever their status. "
        "For a label surveyed from a random sample, shares carry Wilson 95 % score intervals.</p>"
    )
    return "<h2>Methodology</h2>" + notes + _table(
        "Inputs and provenance per label",
        ["label", "sites", "selection", "run started (UTC)", "robots.txt semantics",
         "aioptout", "agent registry", "options"], rows)


def statuses(report: Report) -> str:
    names = sorted({k for s in report.labels for k in s.statuses})
    rows = [[f"status {n}", *(_estimate(report, s, s.statuses[n]) for s in report.labels)]
            for n in names]
    return "<h2>Site status</h2>" + _table(
        "Sites by status", ["status", *(s.label for s in report.labels)], rows)


def diagnostics(report: Report) -> str:
    last = report.labels[-1]
    codes = [c for c, _ in last.diagnostic_sites.most_common(TOP_ROWS)]
    codes += sorted({c for s in report.labels for c in s.diagnostic_sites} - set(codes))[
        : max(0, TOP_ROWS - len(codes))]
    rows = [[c, *(f"{s.diagnostic_sites[c]} sites, {s.diagnostics[c]} times"
                  for s in report.labels)] for c in codes]
    return "<h2>Diagnostics</h2>" + _table(
        "Most common diagnostic codes: sites that have them, occurrences",
        ["code", *(s.label for s in report.labels)], rows)


_CSS: Final = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.2rem .5rem}
td{text-align:right}caption{text-align:left;font-weight:600;padding:.3rem 0}
figure{margin:1rem 0}svg{max-width:100%;height:auto}details{margin-bottom:1.5rem}
"""


def render(report: Report, *, title: str = "aioptout survey report") -> str:
    """The whole page as one string."""
    last = report.labels[-1] if report.labels else None
    sections: list[str] = []
    if last is not None:
        mechs = report.mechanisms()
        mech_items = [(m, last.mechanisms.get(m, Counter())["present"], last.sites)
                      for m in mechs]
        desc = "; ".join(f"{m}: {c} of {t} sites" for m, c, t in mech_items)
        sections.append(
            f"<h2>Adoption by mechanism ({escape(last.label)})</h2><figure>"
            + bar_chart("mech", f"Sites with each mechanism present, {last.label}", desc,
                        mech_items)
            + "</figure>"
            + _table("Mechanisms present, per label", ["mechanism", *(
                s.label for s in report.labels)], [
                [m, *(_estimate(report, s, s.mechanisms.get(m, Counter())["present"])
                      for s in report.labels)] for m in mechs])
            + _table("Mechanisms valid (present, no error), per label", ["mechanism", *(
                s.label for s in report.labels)], [
                [m, *(_estimate(report, s, s.mechanisms.get(m, Counter())["valid"])
                      for s in report.labels)] for m in mechs])
        )
        usage_rows = [[u, *(_estimate(report, s, s.usage.get(u, Counter())["disallowed"])
                            for s in report.labels)]
                      for u in sorted({u for s in report.labels for u in s.usage})]
        sections.append("<h2>Usage reserved for agent *</h2>" + _table(
            "Sites where the combined signals disallow the usage",
            ["usage", *(s.label for s in report.labels)], usage_rows))
        top = sorted(last.blocked_root.items(), key=lambda kv: (-kv[1], kv[0].lower()))
        agent_items = [(a, c, last.sites) for a, c in top[:TOP_AGENTS]]
        desc = "; ".join(f"{a}: {c} of {t} sites" for a, c, t in agent_items)
        sections.append(
            f"<h2>Adoption by agent ({escape(last.label)})</h2><figure>"
            + bar_chart("agents", f"Sites where the agent may not fetch /, {last.label}", desc,
                        agent_items)
            + "</figure>"
            + _table("Agents", ["agent", "sites blocking /"],
                     [[a, _estimate(report, last, c)] for a, c, _ in agent_items])
        )
        sections.append(statuses(report))
        sections.append(diagnostics(report))
    if report.labels:
        svg, table = time_series(report)
        sections.append(f"<h2>Over time</h2><figure>{svg}</figure>{table}")
        sections.append(methodology(report))
    prov = sorted({v for s in report.labels for v in s.semantics})
    versions = sorted({v for s in report.labels for v in s.versions})
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p>Labels: {escape(', '.join(s.label for s in report.labels) or 'none')}. "
        f"Robots.txt semantics: {escape(', '.join(prov) or 'n/a')}; "
        f"aioptout {escape(', '.join(versions) or 'n/a')}.</p>"
        + "".join(sections)
        + "</body></html>\n"
    )
