"""The Dask engine on a local two-process cluster stores what the local engine stores."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aioptout.fixtureweb import FixtureWeb
from aioptout.survey import inputs
from aioptout.survey.engine import OfflineAnalyzer, OnlineAnalyzer, survey
from aioptout.survey.metrics import REPRODUCTION_AGENTS, registry_agents
from aioptout.survey.store import Store

pytestmark = pytest.mark.slow

CORPUS = Path(os.environ.get("AIOPTOUT_CORPUS") or Path(__file__).resolve().parents[2] / "shared"
              / "corpus")
GGF = CORPUS / "robots" / "great-gpt-firewall"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as c:
        yield c


def results(db: Path) -> dict[tuple[str, str], dict[str, Any]]:
    with Store(db) as store:
        return {(r.label, r.site): dict(r.result) for r in store.results()}


def test_dask_and_local_engines_store_identical_results(tmp_path: Path, cluster: Any) -> None:
    months = inputs.dir_labels(GGF, label="", from_subdirs=True)[:2]
    analyzer = OfflineAnalyzer(agents=registry_agents(),
                               mention_tokens=tuple(t.lower() for t, _ in registry_agents()))

    def jobs() -> Iterator[inputs.Job]:
        for label, folder in months:
            yield from inputs.dir_jobs(folder, label, inputs.dir_sites(folder))

    local_db, dask_db = tmp_path / "local.sqlite", tmp_path / "dask.sqlite"
    with Store(local_db) as store:
        local = survey(jobs(), analyzer, store, engine="local")
    with Store(dask_db) as store:
        remote = survey(jobs(), analyzer, store, engine="dask", scheduler=cluster.scheduler_address)
    assert local.written == remote.written == sum(
        len(list(inputs.dir_sites(f))) for _, f in months)
    assert results(local_db) == results(dask_db)

    # Resuming on the cluster skips everything already stored.
    with Store(dask_db) as store:
        again = survey(jobs(), analyzer, store, engine="dask",
                       scheduler=cluster.scheduler_address)
    assert (again.written, again.skipped) == (0, local.written)


def test_dask_engine_surveys_the_fixture_web(tmp_path: Path, cluster: Any,
                                             fixture_web: FixtureWeb) -> None:
    hosts = ["declared.test", "status-503.test", "real-davidguetta.test", "status-404.test"]
    analyzer = OnlineAnalyzer(
        agents=tuple((a, "training") for a in REPRODUCTION_AGENTS), allow_private=True,
        resolve=tuple(fixture_web.resolve_map().items()), politeness_delay=0.0, timeout=5.0)
    jobs = [inputs.Job("L", fixture_web.origin(h)) for h in hosts]
    local_db, dask_db = tmp_path / "local.sqlite", tmp_path / "dask.sqlite"
    with Store(local_db) as store:
        survey(jobs, analyzer, store)
    with Store(dask_db) as store:
        survey(jobs, analyzer, store, engine="dask", scheduler=cluster.scheduler_address)
    remote = results(dask_db)
    assert remote == results(local_db)
    assert len(remote) == len(hosts)
    assert remote[("L", fixture_web.origin("status-503.test"))]["status"] == "unreachable"


def _raise_on_bad(site: str) -> dict[str, Any]:
    """Module level, so Dask workers can unpickle it."""
    if site == "bad.test":
        raise RecursionError("maximum recursion depth exceeded")
    return {"site": site, "status": "ok", "blocked_root": []}


def _die_on_bad(site: str) -> dict[str, Any]:
    if site == "bad.test":
        os._exit(3)
    return {"site": site, "status": "ok", "blocked_root": []}


def test_a_failing_analysis_on_the_cluster_is_that_sites_error(tmp_path: Path,
                                                                cluster: Any) -> None:
    sites = [f"s{i:03d}.test" for i in range(150)] + ["bad.test"]
    with Store(tmp_path / "d.sqlite") as store:
        stats = survey((inputs.Job("L", s) for s in sites), OnlineAnalyzer(probe=_raise_on_bad),
                       store, engine="dask", scheduler=cluster.scheduler_address)
        rows = {r.site: r for r in store.results("L")}
    assert stats.written == len(sites) and stats.statuses == {"ok": 150, "error": 1}
    assert rows["bad.test"].result["failures"][0]["code"] == "RUN101"
    assert rows["bad.test"].result["failures"][0]["exception"] == "RecursionError"


def test_a_site_that_kills_its_dask_worker_is_isolated_to_that_site(tmp_path: Path) -> None:
    # A batch whose task fails as a whole is retried one job per task: only the culprit
    # is recorded as an error, and the other 63 sites of its batch keep their results.
    distributed = pytest.importorskip("distributed")
    import dask

    sites = [f"s{i:03d}.test" for i in range(70)] + ["bad.test"]
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                     dashboard_address=None) as c, \
            Store(tmp_path / "d.sqlite") as store:
        stats = survey((inputs.Job("L", s) for s in sites), OnlineAnalyzer(probe=_die_on_bad),
                       store, engine="dask", scheduler=c.scheduler_address)
        rows = {r.site: r for r in store.results("L")}
    assert stats.written == len(sites)
    assert {s for s, r in rows.items() if r.status == "error"} == {"bad.test"}
    assert rows["bad.test"].result["failures"][0]["stage"] == "dask task"
