"""One self-contained HTML page with inline SVG charts: no script, no CDN, readable offline.

Every chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>``, followed by the same
numbers as a table, so screen readers and text browsers lose nothing.  Lines are told apart by
labels and marker shapes as well as colour.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from html import escape
from typing import Final

from .tables import MECHANISMS, Report, share

#: Colour-blind-safe palette (Okabe–Ito).
PALETTE: Final = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
MARKERS: Final = ("circle", "square", "diamond", "triangle", "cross", "circle", "square")
#: Agents drawn over time when the report names no others.
TIME_SERIES_AGENTS: Final = ("GPTBot", "CCBot", "Google-Extended", "ClaudeBot", "anthropic-ai")
TOP_AGENTS: Final = 15
_BAR_HEIGHT: Final = 22
_LEFT: Final = 170
_WIDTH: Final = 640


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
) -> str:
    """Shares (0–1) per label for several named series, one line and marker shape each."""
    width, height, left, right, top, bottom = 720, 320, 50, 150, 20, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([v for _, values in series for v in values] + [0.01])
    ymax = min(1.0, (int(peak * 10) + 1) / 10)
    n = len(x_labels)

    def px(i: int) -> float:
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
    svg = line_chart("time", "Share of sites where each agent may not fetch /, by label",
                     desc, labels, series)
    rows = [
        [s.label, str(s.sites), *(_count_share(s.blocked_root.get(a, 0), s.sites) for a in agents)]
        for s in report.labels
    ]
    return svg, _table("Sites where the agent may not fetch /", ["label", "sites", *agents], rows)


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
        mech_items = [
            (m, last.mechanisms[m]["present"], last.sites) for m in MECHANISMS
            if m in last.mechanisms
        ]
        desc = "; ".join(f"{m}: {c} of {t} sites" for m, c, t in mech_items)
        sections.append(
            f"<h2>Adoption by mechanism ({escape(last.label)})</h2><figure>"
            + bar_chart("mech", f"Sites with each mechanism present, {last.label}", desc,
                        mech_items)
            + "</figure>"
            + _table("Mechanisms", ["mechanism", "present", "valid", "sites"], [
                [m, str(c), str(last.mechanisms[m]["valid"]), str(t)] for m, c, t in mech_items
            ])
        )
        top = sorted(last.blocked_root.items(), key=lambda kv: (-kv[1], kv[0].lower()))
        agent_items = [(a, c, last.sites) for a, c in top[:TOP_AGENTS]]
        desc = "; ".join(f"{a}: {c} of {t} sites" for a, c, t in agent_items)
        sections.append(
            f"<h2>Adoption by agent ({escape(last.label)})</h2><figure>"
            + bar_chart("agents", f"Sites where the agent may not fetch /, {last.label}", desc,
                        agent_items)
            + "</figure>"
            + _table("Agents", ["agent", "sites blocking /", "share"],
                     [[a, str(c), share(c, t)] for a, c, t in agent_items])
        )
    if report.labels:
        svg, table = time_series(report)
        sections.append(f"<h2>Over time</h2><figure>{svg}</figure>{table}")
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
