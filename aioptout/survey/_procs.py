"""Worker processes for the local engine: the analyses of one survey spread over the CPU's cores.

A survey is CPU-bound in one process long before it is network-bound: at 64 sites in flight a
single interpreter spends its time waiting for its own lock.  The scheduler (concurrency and
per-host limits) and the store writer stay in the parent; each worker runs a share of the
concurrency as threads and sends every result back as soon as it is ready.

Workers are forked on Linux (instant, nothing re-imported) before the parent starts any thread
of its own; elsewhere they are spawned.  A worker that finds its parent gone exits, so killing a
survey never leaves orphans fetching on.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from itertools import count
from typing import Any, Final

from .inputs import Job

#: Seconds between a worker's checks that its parent is still alive.
_PARENT_CHECK: Final = 1.0
#: Seconds the parent waits for a result before checking that every worker is alive.
_WORKER_CHECK: Final = 0.5

Done = Callable[[Job, "dict[str, Any] | BaseException"], None]


class WorkerDied(RuntimeError):
    """A worker process ended while analyses were in flight; rerun the survey to resume."""


def default_processes() -> int:
    """One worker per core, at most eight (past that, SQLite writes in the parent dominate)."""
    return max(1, min(8, os.cpu_count() or 1))


def _context() -> Any:
    method = "fork" if sys.platform == "linux" else "spawn"
    return multiprocessing.get_context(method)


def _serve(analyzer: Any, tasks: Any, results: Any, threads: int, parent: int) -> None:
    """A worker's main loop: take a job only when one of its threads is free."""
    from .._isolation import Failure
    from .engine import error_result, run_analyzer

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    threading.Thread(target=_watch, args=(parent,), name="aioptout-watchdog", daemon=True).start()
    free = threading.BoundedSemaphore(threads)

    def reply(seq: int, job: Job, fut: Future[dict[str, Any]]) -> None:
        try:
            payload = pickle.dumps(fut.result(), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an untransferable result is that job's failure, no other's
            payload = pickle.dumps(error_result(job, Failure.of("transfer", exc), analyzer))
        except BaseException as exc:  # SystemExit and the like: the parent stops the run
            payload = pickle.dumps(RuntimeError(f"survey worker stopped: {exc!r}"))
        results.put((seq, payload))
        free.release()

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="survey") as pool:
        while True:
            free.acquire()
            item: tuple[int, Job] | None = tasks.get()
            if item is None:
                break
            seq, job = item
            pool.submit(run_analyzer, analyzer, job).add_done_callback(partial(reply, seq, job))


def _watch(parent: int) -> None:
    """End this worker at once when its parent is gone (killed): its results have no reader."""
    while os.getppid() == parent:
        time.sleep(_PARENT_CHECK)
    os._exit(1)


class WorkerPool:
    """``processes`` workers sharing ``concurrency`` threads; ``submit`` never blocks.

    The caller bounds how many jobs are in flight (the engine's scheduler does); every job
    submitted gets exactly one call of its ``done`` callback, from the pool's collector thread,
    with the result or with :class:`WorkerDied`.
    """

    def __init__(self, analyzer: Any, *, processes: int, concurrency: int) -> None:
        ctx = _context()
        self._tasks = ctx.Queue()
        self._results = ctx.Queue()
        threads = max(1, -(-concurrency // processes))
        self._procs = [
            ctx.Process(target=_serve, name=f"aioptout-survey-{i}", daemon=True,
                        args=(analyzer, self._tasks, self._results, threads, os.getpid()))
            for i in range(processes)
        ]
        for proc in self._procs:
            proc.start()
        self._seq = count()
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[Job, Done]] = {}
        self._closing = threading.Event()
        self._collector = threading.Thread(target=self._collect, name="aioptout-collector",
                                           daemon=True)
        self._collector.start()

    def submit(self, job: Job, done: Done) -> None:
        seq = next(self._seq)
        with self._lock:
            self._pending[seq] = (job, done)
        self._tasks.put((seq, job))

    def _collect(self) -> None:
        while not (self._closing.is_set() and not self._pending):
            try:
                item = self._results.get(timeout=_WORKER_CHECK)
            except queue.Empty:
                self._check_workers()
                continue
            if item is None:  # close() waking us to look at the condition again
                continue
            seq, payload = item
            with self._lock:
                entry = self._pending.pop(seq, None)
            if entry is not None:  # None: already answered as lost with a dead worker
                entry[1](entry[0], pickle.loads(payload))

    def _check_workers(self) -> None:
        dead = [p for p in self._procs if not p.is_alive()]
        if not dead or self._closing.is_set():
            return
        with self._lock:
            lost = list(self._pending.values())
            self._pending.clear()
        error = WorkerDied(f"survey worker {dead[0].name} ended with exit code "
                           f"{dead[0].exitcode}; run the survey again to resume")
        for job, done in lost:
            done(job, error)

    def close(self) -> None:
        """Stop the workers once their jobs are done (the scheduler waits for that first)."""
        self._closing.set()
        for _ in self._procs:
            self._tasks.put(None)
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        self._results.put(None)
        self._collector.join(timeout=10)
        self._tasks.close()
        self._results.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
