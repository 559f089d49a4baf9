"""Report speed benchmark (not a test): aggregate a survey store and render tables and HTML.

Writes ``--sites`` results (default 100,000) of the survey's online shape, every mechanism
recorded, a fifth of the sites unreachable with the whole registry blocked, into a fresh store,
then times ``report.build`` + the terminal tables + the HTML page in CPU seconds (goal ≤ 3).

Run:  .venv/bin/python bench/bench_report.py [--sites 100000]
"""

from __future__ import annotations

import argparse
import io
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from aioptout import __version__
from aioptout.report import build, html, tables
from aioptout.survey.metrics import ONLINE_MECHANISMS, registry_agents, registry_id
from aioptout.survey.store import Store


def _result(i: int, agents: list[str], registry: str, rng: random.Random) -> dict[str, Any]:
    unreachable = i % 5 == 0
    blocked = agents if unreachable else rng.sample(agents, rng.randint(0, 6))
    mechanisms = {m: ({"present": True, "valid": rng.random() < 0.9} if rng.random() < 0.2
                      else {"present": False, "valid": None}) for m in ONLINE_MECHANISMS}
    return {
        "schema_version": 1, "site": f"https://site{i:06d}.test", "source": "online",
        "status": "unreachable" if unreachable else "ok", "error": None,
        "provenance": {"aioptout": __version__, "semantics": "google", "registry": registry},
        "blocked_root": sorted(blocked, key=str.lower), "mechanisms": mechanisms,
        "usage": {"train-ai": rng.choice(["allowed", "disallowed", "unknown"]),
                  "search": "unknown"},
        "diagnostics": {} if unreachable else {f"ROB10{rng.randint(0, 9)}": 1},
        "directives": {"user-agent": 2, "disallow": 3}, "http_status": 200,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=100_000)
    args = parser.parse_args()
    pairs = registry_agents()
    registry = registry_id(pairs)
    tokens = [t for t, _ in pairs]
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.sqlite"
        with Store(path) as store:
            store.record_agents(registry, pairs)
            store.record_run("2025-06", {"registry": registry, "sample": None})
            with store.writer() as writer:
                for i in range(args.sites):
                    writer.put("2025-06", _result(i, tokens, registry, rng))
        size = path.stat().st_size
        cpu, wall = time.process_time(), time.perf_counter()
        with Store(path, readonly=True) as store:
            report = build(store)
        console = Console(width=160, file=io.StringIO())
        for table in tables.render(report):
            console.print(table)
        page = html.render(report)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"store: {args.sites} sites, {size / args.sites:.0f} bytes per site on disk")
    print(f"report (build + tables + HTML of {len(page)} characters): {cpu:.2f} CPU-s, "
          f"{wall:.2f} s wall (goal ≤ 3 CPU-s for 100,000 sites)")


if __name__ == "__main__":
    main()
