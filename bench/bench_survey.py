"""Survey throughput and memory benchmark (not a test).

1. Throughput and CPU: the fixture web with 50 ms injected latency per response serves N
   synthetic sites; ``aioptout survey`` runs as a separate process at 64-way concurrency, with
   its default worker processes (one per core; ``--processes`` changes that).  Compared in the
   same run with (a) the reference, ``bench/_reference_survey.py``: asyncio + aiohttp + Protego
   fetching the same five files per site, deciding every registry agent and writing SQLite —
   CPU seconds of the whole process tree per site, and sites/s, both as ratios (goal ≤ 1.0 and
   ≥ 1.0); (b) a plain sequential ``requests`` loop, timed on a sample and extrapolated; (c) the
   latency-bound limit: concurrency ÷ per-site latency (fetches per site × 50 ms).  Peak memory
   is the sum of the resident sets of every process of the tree, sampled every 20 ms.
2. Memory: peak summed RSS of the survey's processes for a 100,000-site list vs a 10,000-site
   list of sites that fail fast (loopback addresses 127.x.y.z on a closed port).

Run:  .venv/bin/python bench/bench_survey.py [--sites 1000] [--memory-small 10000]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

from aioptout.fixtureweb import FixtureWeb

LATENCY_MS = 50
CONCURRENCY = 64
PATHS = ("/.well-known/aioptout.txt", "/robots.txt", "/.well-known/tdmrep.json", "/ai.txt", "/")

_APP = """
import typer
from aioptout._cli import survey
app = typer.Typer(pretty_exceptions_enable=False, rich_markup_mode=None)
survey.register(app)
@app.callback()
def _root() -> None:
    pass
if __name__ == "__main__":
    app()
"""


def _tree_rss_kib(pid: int) -> int:
    """Resident set of ``pid`` and all its descendants, in KiB (Linux /proc)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as kids:
                    stack.extend(int(k) for k in kids.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def _run_tree(command: list[str]) -> tuple[float, int, str, float]:
    """Wall time, peak summed RSS of the process tree (KiB), stderr, and CPU seconds of the
    tree (``wait4`` counts the children a process has reaped, so forked workers are in it)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kib(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{command[1]} failed ({proc.returncode}): {err}")
    return elapsed, peak[0], err, usage.ru_utime + usage.ru_stime


def _run(app: Path, args: list[str]) -> tuple[float, int, str, float]:
    return _run_tree([sys.executable, str(app), "survey", *args])


def throughput(n: int, sample: int, work: Path, app: Path, processes: int) -> None:
    with FixtureWeb(synthetic=n, latency_ms=LATENCY_MS) as web:
        hosts = [h for h in web.sites if h.startswith("site")][:n]
        listing = work / "sites.txt"
        listing.write_text("".join(f"{web.origin(h)}\n" for h in hosts))
        resolve = [a for line in web.resolve_lines() if line.startswith("site")
                   for a in ("--resolve", line)]
        elapsed, rss, err, cpu = _run(app, [
            str(listing), "--db", str(work / "tp.sqlite"), "--label", "bench",
            "--allow-private", "--delay", "0", "--concurrency", str(CONCURRENCY),
            "--per-host", "2", "--processes", str(processes), "--quiet", *resolve])
        fetches = sum(web.hits(h, p) for h in hosts for p in PATHS)
        per_site = fetches / n
        rate = n / elapsed
        reference = Path(__file__).resolve().parent / "_reference_survey.py"
        ref_elapsed, ref_rss, _, ref_cpu = _run_tree(
            [sys.executable, str(reference), str(listing), str(work / "ref.sqlite")])
        ref_rate = n / ref_elapsed

        session = requests.Session()
        session.trust_env = False
        started = time.perf_counter()
        for host in hosts[:sample]:
            for path in PATHS:
                # Same URLs, sent straight to the loopback server with the right Host header.
                url = f"http://127.0.0.1:{web.port}{path}"
                session.get(url, headers={"Host": f"{host}:{web.port}"}, timeout=10)
        seq_per_site = (time.perf_counter() - started) / sample
    seq_rate = 1 / seq_per_site
    bound = CONCURRENCY / (per_site * LATENCY_MS / 1000)
    print(f"sites: {n}, latency {LATENCY_MS} ms/response, concurrency {CONCURRENCY}, "
          f"{processes or 'one per core'} worker processes, {os.cpu_count()} CPUs")
    print(f"survey: {elapsed:.1f} s, {rate:.1f} sites/s; fetches/site {per_site:.2f} "
          f"(counted on the server); {err.strip().splitlines()[-1]}")
    print(f"survey CPU (all its processes): {cpu:.1f} s over {elapsed:.1f} s wall "
          f"({1000 * cpu / n:.1f} ms CPU per site, {100 * cpu / elapsed:.0f} % of one core); "
          f"peak memory, all processes: {rss / 1024:.1f} MiB")
    print(f"reference asyncio + aiohttp + Protego script: {ref_elapsed:.1f} s, "
          f"{ref_rate:.1f} sites/s, {1000 * ref_cpu / n:.1f} ms CPU per site, "
          f"peak memory {ref_rss / 1024:.1f} MiB")
    print(f"ratio survey / reference, CPU per site: {cpu / ref_cpu:.2f} (goal ≤ 1.0)")
    print(f"ratio survey / reference, sites/s: {rate / ref_rate:.2f} (goal ≥ 1.0)")
    cpu_bound = os.cpu_count() or 1
    print(f"CPU-bound limit at the reference's cost: {cpu_bound / (ref_cpu / n):.0f} sites/s "
          f"on {cpu_bound} cores; at the survey's: {cpu_bound / (cpu / n):.0f} sites/s")
    print(f"sequential requests loop: {seq_rate:.2f} sites/s (timed on {sample} sites, "
          f"extrapolated: {n * seq_per_site:.0f} s for {n})")
    print(f"latency-bound limit: {bound:.1f} sites/s "
          f"({CONCURRENCY} / ({per_site:.2f} × {LATENCY_MS} ms))")
    print(f"ratio survey / sequential: {rate / seq_rate:.1f}x")
    print(f"ratio survey / latency bound: {100 * rate / bound:.0f} % (goal ≥ 50 %)")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the socket closes


def memory(small: int, work: Path, app: Path) -> None:
    port = _closed_port()
    results: dict[int, tuple[float, int]] = {}
    for n in (small, small * 10):
        listing = work / f"fail-{n}.txt"
        with listing.open("w") as out:
            for i in range(1, n + 1):
                out.write(f"http://127.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}:{port}\n")
        elapsed, rss, _, _ = _run(app, [
            str(listing), "--db", str(work / f"mem-{n}.sqlite"), "--label", "mem",
            "--allow-private", "--delay", "0", "--timeout", "2", "--concurrency", "64",
            "--per-host", "0", "--quiet"])
        results[n] = (elapsed, rss)
        print(f"{n:>7} failing sites: {elapsed:.0f} s, {n / elapsed:.0f} sites/s, "
              f"peak RSS, all processes {rss / 1024:.1f} MiB")
    ratio = results[small * 10][1] / results[small][1]
    print(f"peak RSS ratio {small * 10} / {small} sites: {ratio:.2f} (goal ≤ 1.2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=40, help="sites timed sequentially")
    parser.add_argument("--memory-small", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=0,
                        help="survey worker processes (0: the default, one per core)")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        app = work / "app.py"
        app.write_text(_APP)
        if not args.skip_throughput:
            throughput(args.sites, args.sample, work, app, args.processes)
        if not args.skip_memory:
            memory(args.memory_small, work, app)


if __name__ == "__main__":
    main()
