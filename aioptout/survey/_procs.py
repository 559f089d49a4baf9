"""Worker processes for the local engine: the analyses of one survey spread over the CPU's cores.

A survey is CPU-bound in one process long before it is network-bound: at 64 sites in flight a
single interpreter spends its time waiting for its own lock.  The scheduler (concurrency and
per-host limits) and the store writer stay in the parent; each worker runs a share of the
concurrency as threads and sends every result back as soon as it is ready.

Workers are forked on Linux (instant, nothing re-imported) before the parent starts any thread
of its own; elsewhere they are spawned.  A worker that finds its parent gone exits, so killing a
survey never leaves orphans fetching on.

A worker that dies (a crash in C code, the out-of-memory killer) is replaced, and every job
that was in flight becomes a *suspect*: suspects run one at a time in a quarantine worker of
their own, so the one that kills it is certainly the culprit and is answered with a RUN102
error result, while the others get their real results.  One site never costs another its
result, even by taking its process down.
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
from collections import deque
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


def _died(job: Job, analyzer: Any, exitcode: int | None) -> dict[str, Any]:
    """The error result of the suspect that killed the quarantine worker: the culprit."""
    from .._isolation import WORKER_DIED, Failure
    from .engine import error_result

    failure = Failure("worker process", "WorkerDied",
                      f"the process analysing this site alone ended with exit code {exitcode}",
                      code=WORKER_DIED.code)
    return error_result(job, failure, analyzer)


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
    with its result (a RUN102 error result for a job that killed its worker, see above).
    """

    def __init__(self, analyzer: Any, *, processes: int, concurrency: int) -> None:
        self._ctx = ctx = _context()
        self._analyzer = analyzer
        self._results = ctx.Queue()
        self._quarantine_tasks = ctx.Queue()
        self._threads = max(1, -(-concurrency // processes))
        # One task queue per worker: a worker killed while it waits in get() takes that
        # queue's cross-process read lock with it, and a shared queue would then starve every
        # other worker; its own queue is simply abandoned with it.
        self._queues = [ctx.Queue() for _ in range(processes)]
        self._procs = [self._start(f"aioptout-survey-{i}", self._queues[i], self._threads)
                       for i in range(processes)]
        self._load = [0] * processes
        self._owner: dict[int, int] = {}
        self._quarantine: Any = None
        self._suspects: deque[tuple[Job, Done]] = deque()
        self._trial: tuple[int, Job, Done] | None = None
        self._seq = count()
        self._lock = threading.Lock()
        self._pending: dict[int, tuple[Job, Done]] = {}
        self._closing = threading.Event()
        self._collector = threading.Thread(target=self._collect, name="aioptout-collector",
                                           daemon=True)
        self._collector.start()

    def _start(self, name: str, tasks: Any, threads: int) -> Any:
        """A worker process.  Replacements are forked while the parent has threads; that is
        safe here because the child only touches its queues, whose state multiprocessing
        resets after a fork, and its own imports."""
        proc = self._ctx.Process(target=_serve, name=name, daemon=True,
                                 args=(self._analyzer, tasks, self._results, threads,
                                       os.getpid()))
        proc.start()
        return proc

    def submit(self, job: Job, done: Done) -> None:
        seq = next(self._seq)
        with self._lock:
            self._pending[seq] = (job, done)
            index = min(range(len(self._load)), key=self._load.__getitem__)
            self._load[index] += 1
            self._owner[seq] = index
            tasks = self._queues[index]
        tasks.put((seq, job))

    def _collect(self) -> None:
        checked = time.monotonic()
        while not (self._closing.is_set() and not self._pending):
            try:
                item = self._results.get(timeout=_WORKER_CHECK)
            except queue.Empty:
                item = None
            if time.monotonic() - checked >= _WORKER_CHECK:
                self._check_workers()
                checked = time.monotonic()
            if item is None:  # a timeout, or close() waking us to look at the condition
                continue
            seq, payload = item
            with self._lock:
                entry = self._pending.pop(seq, None)
                owner = self._owner.pop(seq, None)
                if owner is not None:
                    self._load[owner] -= 1
            if entry is not None:  # None: a suspect now, answered from quarantine instead
                entry[1](entry[0], pickle.loads(payload))
            if self._trial is not None and self._trial[0] == seq:
                self._trial = None
                self._next_trial()

    def _check_workers(self) -> None:
        if self._closing.is_set():
            return
        for index, proc in enumerate(self._procs):
            if proc.is_alive():
                continue
            self._queues[index] = self._ctx.Queue()
            self._procs[index] = self._start(proc.name, self._queues[index], self._threads)
            trial = None if self._trial is None else self._trial[0]
            with self._lock:
                lost = [seq for seq in self._pending if seq != trial]
                suspects = [self._pending.pop(seq) for seq in lost]
                for seq in lost:
                    owner = self._owner.pop(seq, None)
                    if owner is not None:
                        self._load[owner] -= 1
            self._suspects.extend(suspects)
        quarantine = self._quarantine
        if quarantine is not None and not quarantine.is_alive():
            self._quarantine = None
            if self._trial is not None:
                seq, job, done = self._trial
                self._trial = None
                with self._lock:
                    entry = self._pending.pop(seq, None)
                if entry is not None:
                    done(job, _died(job, self._analyzer, quarantine.exitcode))
        self._next_trial()

    def _next_trial(self) -> None:
        """Run the next suspect alone in the quarantine worker (started when first needed)."""
        if self._trial is not None or not self._suspects:
            return
        if self._quarantine is None:
            self._quarantine = self._start("aioptout-survey-quarantine",
                                           self._quarantine_tasks, 1)
        job, done = self._suspects.popleft()
        seq = next(self._seq)
        with self._lock:
            self._pending[seq] = (job, done)
        self._trial = (seq, job, done)
        self._quarantine_tasks.put((seq, job))

    def close(self) -> None:
        """Stop the workers once their jobs are done (the scheduler waits for that first)."""
        self._closing.set()
        for tasks in self._queues:
            tasks.put(None)
        procs = list(self._procs)
        if self._quarantine is not None:
            self._quarantine_tasks.put(None)
            procs.append(self._quarantine)
        for proc in procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        self._results.put(None)
        self._collector.join(timeout=10)
        for tasks in self._queues:
            tasks.close()
        self._quarantine_tasks.close()
        self._results.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
