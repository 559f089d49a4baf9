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
