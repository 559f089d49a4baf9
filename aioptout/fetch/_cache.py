"""Politeness gates per host, and the conditional-request cache."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import OrderedDict
from pathlib import Path

from .. import _limits
from ..model import Diagnostic, Severity
from ._result import MAX_CONNECTIONS_PER_HOST, FetchResult, Headers

# --- politeness -----------------------------------------------------------------------------------


class _Gate:
    __slots__ = ("lock", "next_start", "slots")

    def __init__(self) -> None:
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS_PER_HOST)
        self.lock = threading.Lock()
        self.next_start = 0.0


# --- caching --------------------------------------------------------------------------------------


class _Cache:
    """RFC 9309 §2.4: a fetched file is reused for at most ``ttl`` seconds, here and on disk."""

    def __init__(self, directory: Path | None, ttl: float) -> None:
        self.directory = directory
        self.ttl = ttl
        self._lock = threading.Lock()
        # Bounded, least recently used first out: a survey of a million sites must not keep
        # every body it ever fetched.
        self._memory: OrderedDict[str, FetchResult] = OrderedDict()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def get(self, url: str) -> FetchResult | None:
        now = time.time()
        with self._lock:
            hit = self._memory.get(url)
            if hit is not None:
                self._memory.move_to_end(url)
        if hit is None and self.directory is not None:
            hit = self._load(url)
        if hit is None or now - hit.fetched_at > self.ttl:
            return None
        return hit

    def put(self, result: FetchResult) -> None:
        if result.outcome == "unreachable":
            return
        with self._lock:
            self._memory[result.url] = result
            self._memory.move_to_end(result.url)
            while len(self._memory) > _limits.MAX_CACHED_RESPONSES:
                self._memory.popitem(last=False)
        if self.directory is not None:
            self._store(result)

    def _path(self, url: str) -> Path:
        assert self.directory is not None
        return self.directory / (hashlib.sha256(url.encode()).hexdigest() + ".json")

    def _store(self, result: FetchResult) -> None:
        record = result.to_dict()
        record.update(headers=result.headers.to_dict(), fetched_at=result.fetched_at,
                      body=base64.b64encode(result.body).decode("ascii"), elapsed=result.elapsed)
        target = self._path(result.url)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(record), "utf-8")
        temporary.replace(target)

    def _load(self, url: str) -> FetchResult | None:
        try:
            record = json.loads(self._path(url).read_text("utf-8"))
            diagnostics = tuple(
                Diagnostic(**{**d, "severity": Severity(d["severity"])})
                for d in record["diagnostics"])
            return FetchResult(
                url=record["url"], final_url=record["final_url"], status=record["status"],
                outcome=record["outcome"], headers=Headers(record["headers"]),
                body=base64.b64decode(record["body"]), truncated=record["truncated"],
                redirects=tuple(record["redirects"]), error=record["error"],
                charset=record["charset"], elapsed=record["elapsed"], diagnostics=diagnostics,
                error_kind=record["error_kind"], bytes_read=record["bytes_read"],
                fetched_at=record["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
