"""Shared benchmark helpers: corpus loading, repeated timing, ratio tables.

Benchmarks are scripts, not tests: they print numbers and never assert on time.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: ``AIOPTOUT_BENCH_CLOCK=cpu`` times with this process's CPU time instead of wall time: on a
#: shared, loaded machine it is far less disturbed by other processes (all tools here are
#: single-threaded, so it measures the same work).
CLOCK_NAME = "cpu" if os.environ.get("AIOPTOUT_BENCH_CLOCK") == "cpu" else "wall"
_CLOCK = time.process_time if CLOCK_NAME == "cpu" else time.perf_counter

CORPUS = Path(
    os.environ.get("AIOPTOUT_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)


def corpus_files(*subdirs: str) -> list[Path]:
    """Every file under the given corpus subdirectories, sorted, so runs are comparable."""
    files: list[Path] = []
    for sub in subdirs:
        root = CORPUS / sub
        if not root.exists():
            sys.exit(f"corpus directory {root} not found (set AIOPTOUT_CORPUS)")
        files.extend(p for p in root.rglob("*") if p.is_file())
    return sorted(files)


def load(files: Iterable[Path]) -> list[bytes]:
    return [p.read_bytes() for p in files]


def _timed(run: Callable[[], object]) -> float:
    """One call of ``run``, garbage collector off (as ``timeit``).

    With the collector on, whichever tool runs after a large heap was built pays for scanning
    it, which measures the run order rather than the tool.
    """
    gc.collect()
    gc.disable()
    try:
        start = _CLOCK()
        run()
        return _CLOCK() - start
    finally:
        gc.enable()


def median_seconds(run: Callable[[], object], repeats: int = 3) -> float:
    """Median time of ``repeats`` calls of ``run``."""
    return statistics.median(_timed(run) for _ in range(repeats))


def interleaved_medians(runs: Sequence[Callable[[], object]], repeats: int = 3) -> list[float]:
    """Median time of each of ``runs``, the tools taking turns within every repetition.

    Timing one tool's repetitions and then the next's lets a change of machine load between
    them decide the ratio; taking turns (starting with a different tool each round) exposes
    every tool to the same load.
    """
    times: list[list[float]] = [[] for _ in runs]
    for round_ in range(repeats):
        for offset in range(len(runs)):
            index = (round_ + offset) % len(runs)
            times[index].append(_timed(runs[index]))
    return [statistics.median(t) for t in times]


@dataclass
class Row:
    tool: str
    values: dict[str, float]
    note: str = ""


def print_table(
    title: str,
    rows: Sequence[Row],
    columns: Sequence[str],
    *,
    baseline: str,
    higher_is_better: bool = True,
) -> None:
    """A Markdown table: each column's value and its ratio to the baseline tool's value."""
    base = next((r for r in rows if r.tool == baseline), None)
    header = ["tool"]
    for column in columns:
        header += [column, f"× {baseline}"]
    header.append("note")
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    aligns = ["---" if i in (0, len(header) - 1) else "---:" for i in range(len(header))]
    print("|" + "|".join(aligns) + "|")
    for row in rows:
        cells = [row.tool]
        for column in columns:
            value = row.values.get(column)
            if value is None:
                cells += ["-", "-"]
                continue
            cells.append(_fmt(value))
            ref = base.values.get(column) if base else None
            if ref:
                ratio = value / ref if higher_is_better else ref / value
                cells.append(f"{ratio:.2f}")
            else:
                cells.append("-")
        cells.append(row.note)
        print("| " + " | ".join(cells) + " |")


def _fmt(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def machine() -> str:
    python = f"{platform.python_implementation()} {platform.python_version()}"
    return f"{python} on {platform.machine()}, {os.cpu_count()} CPUs, {CLOCK_NAME} clock"
