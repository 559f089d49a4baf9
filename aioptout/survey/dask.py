"""The Dask engine: batches of jobs analysed on a cluster, results gathered into the local store.

Workers only analyse; the client keeps the single store writer, so a distributed survey resumes
exactly like a local one.  Jobs travel with their saved bodies, so workers need no shared disk
for offline input; online jobs carry only the site name.  At most ``MAX_INFLIGHT_PER_WORKER``
batches per worker are outstanding, which bounds client memory on million-site inputs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any, Final

from .engine import Analyzer, Sink, run_analyzer
from .inputs import Job

MISSING_MESSAGE: Final = (
    "the dask engine needs the optional distributed package: pip install 'aioptout[dask]'"
)
#: Jobs analysed per Dask task; large enough to amortise task overhead (~1 ms per task).
BATCH_JOBS: Final = 64
#: Outstanding batches per worker.
MAX_INFLIGHT_PER_WORKER: Final = 4


class DaskUnavailable(Exception):
    """dask.distributed is not installed."""


def analyze_batch(analyzer: Analyzer, jobs: list[Job]) -> list[tuple[str, dict[str, Any]]]:
    """Run on a worker: one result per job, errors recorded as results."""
    return [(job.label, run_analyzer(analyzer, job)) for job in jobs]


def _batches(jobs: Iterable[Job], size: int) -> Iterator[list[Job]]:
    it = iter(jobs)
    while True:
        batch = list(islice(it, size))
        if not batch:
            return
        yield batch


def _distributed() -> Any:
    try:
        return importlib.import_module("distributed")
    except ImportError as exc:
        raise DaskUnavailable(MISSING_MESSAGE) from exc


def _client(scheduler: str | None) -> Any:
    if not scheduler:
        raise ValueError("the dask engine needs a scheduler address (--scheduler)")
    return _distributed().Client(scheduler)


def run_dask(
    jobs: Iterable[Job],
    analyzer: Analyzer,
    sink: Sink,
    *,
    scheduler: str | None,
    batch_jobs: int = BATCH_JOBS,
    client_factory: Callable[[str | None], Any] = _client,
) -> None:
    """Spread jobs over the cluster at ``scheduler`` and feed every result to ``sink``."""
    as_completed = _distributed().as_completed
    client = client_factory(scheduler)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        limit = workers * MAX_INFLIGHT_PER_WORKER
        remote = client.scatter(analyzer, broadcast=True)
        batches = _batches(jobs, batch_jobs)
        pending = as_completed()
        inflight = 0
        for batch in batches:
            pending.add(client.submit(analyze_batch, remote, batch, pure=False))
            inflight += 1
            if inflight >= limit:
                break
        for future in pending:
            inflight -= 1
            for label, result in future.result():
                sink(label, result)
            future.release()
            nxt = next(batches, None)
            if nxt is not None:
                pending.add(client.submit(analyze_batch, remote, nxt, pure=False))
                inflight += 1
    finally:
        client.close()
