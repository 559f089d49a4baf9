"""Total deadlines: a watchdog that shuts a socket at its fetch's deadline, and bounded DNS."""

from __future__ import annotations

import heapq
import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as _FutureTimeout
from contextlib import contextmanager, suppress
from typing import Any, Final

# --- deadlines ------------------------------------------------------------------------------------


class _Deadline:
    """The end of one fetch, and the sockets to shut down when it passes.

    A per-read timeout never fires on a server that sends one octet every half second, and
    http.client reads the status line and headers with such reads; so at the deadline the
    watchdog shuts the sockets down, which ends any read at once, TLS handshakes included.
    The watchdog holds duplicates of the descriptors: shutdown acts on the connection itself,
    and a duplicate stays valid however the pool or the TLS layer rewraps the original.
    """

    __slots__ = ("_lock", "_socks", "at", "fired")

    def __init__(self, at: float) -> None:
        self.at = at
        self.fired = False
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self.at

    def watch(self, sock: socket.socket) -> None:
        try:  # fromfd, not dup(): ssl.SSLSocket refuses dup(), its descriptor does not
            dup = socket.fromfd(sock.fileno(), sock.family, sock.type, sock.proto)
        except (OSError, ValueError):
            return
        with self._lock:
            self._socks.append(dup)
            fired = self.fired
        if fired:
            _shut(dup)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            socks = list(self._socks)
        for sock in socks:
            _shut(sock)

    def release(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            sock.close()


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # already closed by the peer or by us
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that fires deadlines in order; started on first use."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._count = 0
        self._thread: threading.Thread | None = None

    def add(self, deadline: _Deadline) -> None:
        with self._cond:
            self._count += 1
            heapq.heappush(self._heap, (deadline.at, self._count, deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="aioptout-deadlines",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                at, _, deadline = self._heap[0]
                wait = at - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            deadline.fire()


    def reset(self) -> None:
        """In a forked child: the parent's thread and lock state did not come along."""
        self._cond = threading.Condition()
        self._heap = []
        self._thread = None


_WATCHDOG: Final = _Watchdog()
#: The deadline of the fetch running on this thread, if any; the connection classes below read it.
_current = threading.local()


def _active_deadline() -> _Deadline | None:
    deadline: _Deadline | None = getattr(_current, "deadline", None)
    return deadline


@contextmanager
def _within(deadline: _Deadline) -> Iterator[None]:
    previous = _active_deadline()
    _current.deadline = deadline
    _WATCHDOG.add(deadline)
    try:
        yield
    finally:
        _current.deadline = previous
        deadline.release()


_dns_lock = threading.Lock()
_dns_pool: ThreadPoolExecutor | None = None


def _after_fork() -> None:
    global _dns_lock, _dns_pool
    _WATCHDOG.reset()
    _dns_lock = threading.Lock()
    _dns_pool = None


os.register_at_fork(after_in_child=_after_fork)


def _getaddrinfo(host: str, port: int) -> list[Any]:
    """``getaddrinfo`` bounded by the current deadline: a resolver that never answers must not
    hold a fetch (the lookup itself cannot be cancelled; its thread finishes on its own)."""
    deadline = _active_deadline()
    if deadline is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    global _dns_pool
    with _dns_lock:
        if _dns_pool is None:
            _dns_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="aioptout-dns")
        pool = _dns_pool
    future = pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return future.result(timeout=max(0.0, deadline.remaining()))
    except _FutureTimeout:
        future.cancel()
        raise TimeoutError(f"name resolution of {host} timed out") from None
