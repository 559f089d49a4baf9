"""The local survey engine: limits, error capture, resume, and online runs on the fixture web."""

from __future__ import annotations

import contextlib
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from aioptout.fixtureweb import FixtureWeb
from aioptout.survey.engine import OnlineAnalyzer, run_local, survey
from aioptout.survey.inputs import Job
from aioptout.survey.metrics import REPRODUCTION_AGENTS
from aioptout.survey.store import Store

AGENTS = tuple((a, "training") for a in REPRODUCTION_AGENTS)


class Tracker:
    """Counts sites in flight, overall and per host, from inside the probe."""

    def __init__(self, barrier: int = 0, pause: float = 0.0) -> None:
        self.pause = pause
        self.lock = threading.Lock()
        self.inflight = 0
        self.peak = 0
        self.per_host: Counter[str] = Counter()
        self.peak_host: Counter[str] = Counter()
        self.barrier = threading.Barrier(barrier) if barrier else None
        self.seen: list[str] = []

    def __call__(self, site: str) -> dict[str, Any]:
        host = site.split("://")[-1].split(":")[0]
        with self.lock:
            self.inflight += 1
            self.per_host[host] += 1
            self.peak = max(self.peak, self.inflight)
            self.peak_host[host] = max(self.peak_host[host], self.per_host[host])
            self.seen.append(site)
        if self.pause:
            threading.Event().wait(self.pause)
        if self.barrier is not None:
            with contextlib.suppress(threading.BrokenBarrierError):
                self.barrier.wait(timeout=10)
        with self.lock:
            self.inflight -= 1
            self.per_host[host] -= 1
        return {"site": site, "status": "ok", "blocked_root": []}


def collect(jobs: list[Job], analyzer: Any, **kw: Any) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    lock = threading.Lock()

    def sink(label: str, result: dict[str, Any]) -> None:
        with lock:
            out.append((label, result))

    run_local(jobs, analyzer, sink, **kw)
    return out


def test_concurrency_is_reached_and_never_exceeded() -> None:
    tracker = Tracker(barrier=8)  # the barrier only opens when 8 probes run at once
    jobs = [Job("L", f"s{i}.test") for i in range(64)]
    out = collect(jobs, OnlineAnalyzer(probe=tracker), concurrency=8, per_host=0)
    assert len(out) == 64
    assert tracker.peak == 8
    assert tracker.barrier is not None and not tracker.barrier.broken


def test_without_a_per_host_limit_one_host_gets_many_slots() -> None:
    # The control for the next test: the same jobs do overlap on one host when unlimited.
    tracker = Tracker(barrier=4)
    jobs = [Job("L", f"http://busy.test:{p}") for p in range(1, 9)]
    collect(jobs, OnlineAnalyzer(probe=tracker), concurrency=4, per_host=0)
    assert tracker.peak_host["busy.test"] == 4


def test_per_host_limit_holds_while_other_hosts_proceed() -> None:
    tracker = Tracker(pause=0.002)
    jobs = [Job("L", f"http://busy.test:{p}") for p in range(1, 31)]
    jobs += [Job("L", f"other{i}.test") for i in range(30)]
    out = collect(jobs, OnlineAnalyzer(probe=tracker), concurrency=16, per_host=2)
    assert len(out) == 60
    assert sorted(tracker.seen) == sorted(j.site for j in jobs)
    assert tracker.peak_host["busy.test"] <= 2


def test_a_probe_that_raises_is_recorded_as_an_error_result() -> None:
    def probe(site: str) -> dict[str, Any]:
        if site == "bad.test":
            raise RuntimeError("boom")
        return {"site": site, "status": "ok"}

    out = dict((r["site"], r) for _, r in collect(
        [Job("L", "good.test"), Job("L", "bad.test")], OnlineAnalyzer(probe=probe)))
    assert out["good.test"]["status"] == "ok"
    assert out["bad.test"]["status"] == "error"
    assert "RuntimeError" in out["bad.test"]["error"]


def test_survey_resumes_without_redoing_or_losing_sites(tmp_path: Path) -> None:
    sites = [f"s{i:04d}.test" for i in range(1200)]
    with Store(tmp_path / "s.sqlite") as store:
        first = Tracker()
        stats = survey((Job("L", s) for s in sites[:700]), OnlineAnalyzer(probe=first), store)
        assert stats.written == 700
        second = Tracker()
        stats = survey((Job("L", s) for s in sites), OnlineAnalyzer(probe=second), store)
        assert (stats.written, stats.skipped) == (500, 700)
        assert sorted(second.seen) == sites[700:]
        assert store.count("L") == 1200
        assert [r.site for r in store.results("L")] == sites


def test_unknown_engine_is_a_programmer_error(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store, pytest.raises(ValueError):
        survey([Job("L", "a.test")], OnlineAnalyzer(probe=Tracker()), store, engine="spark")


def test_online_survey_of_the_fixture_web(tmp_path: Path, fixture_web: FixtureWeb) -> None:
    hosts = ["declared.test", "status-503.test", "status-404.test", "real-stackoverflow.test",
             "real-davidguetta.test", "header-noai.test"]
    analyzer = OnlineAnalyzer(
        agents=AGENTS, allow_private=True, resolve=tuple(fixture_web.resolve_map().items()),
        politeness_delay=0.0, timeout=5.0)
    with Store(tmp_path / "s.sqlite") as store:
        stats = survey([Job("L", fixture_web.origin(h)) for h in hosts], analyzer, store)
        assert stats.written == len(hosts)
        rows = {r.site.split("://")[1].split(":")[0]: r.result for r in store.results("L")}
    # RFC 9309 §2.3.1.4: "If the server status code indicates that the server is unable to
    # handle the request ... the crawler MUST assume complete disallow."
    assert rows["status-503.test"]["status"] == "unreachable"
    assert rows["status-503.test"]["blocked_root"] == list(REPRODUCTION_AGENTS)
    # RFC 9309 §2.3.1.3: "If the server status code indicates that the robots.txt file is
    # unavailable to the crawler, then the crawler MAY access any resources on the server."
    assert rows["status-404.test"]["status"] == "absent"
    assert rows["status-404.test"]["blocked_root"] == []
    assert rows["declared.test"]["mechanisms"]["aioptout"]["present"] is True
    assert rows["real-davidguetta.test"]["mechanisms"]["content-signal"]["present"] is True
    assert rows["real-davidguetta.test"]["usage"]["train-ai"] == "disallowed"
    assert rows["header-noai.test"]["mechanisms"]["http-header"]["present"] is True
    assert rows["real-stackoverflow.test"]["provenance"]["semantics"] == "google"
    assert fixture_web.hits("status-503.test", "/robots.txt") >= 1


def _die_on_bad(site: str) -> dict[str, Any]:
    """A probe whose worker process dies on one site (module level: workers must reach it)."""
    if site == "bad.test":
        os._exit(3)
    return {"site": site, "status": "ok", "blocked_root": []}


def test_worker_processes_store_the_same_results_as_threads(tmp_path: Path,
                                                             fixture_web: FixtureWeb) -> None:
    hosts = [h for h in fixture_web.sites if not h.startswith(("drip", "slow"))][:40]
    analyzer = OnlineAnalyzer(
        agents=AGENTS, allow_private=True, resolve=tuple(fixture_web.resolve_map().items()),
        politeness_delay=0.0, timeout=5.0)
    stored: dict[int, dict[str, Any]] = {}
    for processes in (1, 2):
        with Store(tmp_path / f"p{processes}.sqlite") as store:
            stats = survey([Job("L", fixture_web.origin(h)) for h in hosts], analyzer, store,
                           processes=processes, concurrency=8)
            assert stats.written == len(hosts)
            stored[processes] = {r.site: r.result for r in store.results("L")}
    assert stored[1] == stored[2]
    assert len(stored[2]) == len(hosts)


def test_a_site_that_kills_its_worker_is_its_own_error_and_the_run_goes_on(
        tmp_path: Path) -> None:
    # The worker is replaced; the jobs in flight are rerun one at a time in quarantine, so
    # only the site that kills its process there is recorded as an error (RUN102).
    sites = [f"s{i:03d}.test" for i in range(12)] + ["bad.test"] + [
        f"t{i:03d}.test" for i in range(30)]
    with Store(tmp_path / "s.sqlite") as store:
        stats = survey((Job("L", s) for s in sites), OnlineAnalyzer(probe=_die_on_bad), store,
                       processes=2, concurrency=4)
        rows = {r.site: r for r in store.results("L")}
    assert stats.written == len(sites) and stats.statuses == {"ok": 42, "error": 1}
    assert {s for s, r in rows.items() if r.status == "error"} == {"bad.test"}
    failure = rows["bad.test"].result["failures"][0]
    assert (failure["code"], failure["stage"]) == ("RUN102", "worker process")
    assert "exit code 3" in failure["message"]
