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

from .._isolation import Failure
from .engine import Analyzer, Sink, error_result, run_analyzer
from .inputs import Job

MISSING_MESSAGE: Final = (
    "the dask engine needs the optional distributed package: pip install 'aioptout[dask]'"
)
#: Jobs analysed per Dask task; large enough to amortise task overhead (~1 ms per task).
BATCH_JOBS: Final = 64
#: Outstanding batches per worker.
MAX_INFLIGHT_PER_WORKER: Final = 4
#: Tasks one job may fail alone before its failure is recorded: a job queued on a worker that
#: another job killed fails with it, innocently.
SINGLE_JOB_TRIES: Final = 3


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
    """Spread jobs over the cluster at ``scheduler`` and feed every result to ``sink``.

    A batch whose task fails as a whole (a worker killed by one site, a result that cannot
    travel) is run again one job per task, so the failure is recorded for its own site only
    (after ``SINGLE_JOB_TRIES`` tasks, since a worker's death also fails the tasks queued on it).
    """
    as_completed = _distributed().as_completed
    client = client_factory(scheduler)
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        limit = workers * MAX_INFLIGHT_PER_WORKER
        batches = _batches(jobs, batch_jobs)
        pending = as_completed()
        sent: dict[Any, tuple[list[Job], int]] = {}

        def send(batch: list[Job], tries: int = 0) -> None:
            # The analyzer travels with each task (it is small): a scattered copy would be lost
            # once the workers holding it died, and every task after that with it.
            future = client.submit(analyze_batch, analyzer, batch, pure=False)
            sent[future] = (batch, tries)
            pending.add(future)

        for batch in islice(batches, limit):
            send(batch)
        for future in pending:
            batch, tries = sent.pop(future)
            try:
                results = future.result()
            except Exception as exc:
                if future.status != "error":  # cancelled or lost: the cluster's fault, not a site's
                    raise
                future.release()  # the task raised (a worker killed by one site …): isolate
                if len(batch) > 1:
                    for job in batch:
                        send([job])
                    continue
                if tries + 1 < SINGLE_JOB_TRIES:
                    send(batch, tries + 1)
                    continue
                failure = Failure.of("dask task", exc)
                results = [(batch[0].label, error_result(batch[0], failure, analyzer))]
            else:
                future.release()
            for label, result in results:
                sink(label, result)
            nxt = next(batches, None)
            if nxt is not None:
                send(nxt)
    finally:
        client.close()
