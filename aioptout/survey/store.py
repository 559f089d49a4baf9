"""The survey store: one SQLite file holding every site result of every labelled snapshot.

A survey may be killed at any moment and run again.  That works because a result is durable only
once its batch is committed, the primary key is ``(label, site)``, and an insert only replaces a
stored result of a *worse rank*: a resumed run skips what is stored, redoes what was lost, and
counts nothing twice.  Ranks matter for WARC input only, where one host has several captures:
a final response beats a redirect, and then the earlier capture in input order wins, whatever
order the threads finish in.  Every other input has the empty rank, so the first result stays.
Only one thread writes (SQLite allows a single writer); readers use their own connections, which
WAL mode lets proceed while the writer commits.
"""

from __future__ import annotations

import datetime as _dt
import json
import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, cast

#: Version of the table layout; a store written by another layout is refused, not migrated.
STORE_SCHEMA_VERSION: Final = 1
#: Results committed together; one fsync per batch keeps writing far ahead of fetching.
BATCH_SIZE: Final = 256
#: Longest time a finished result waits uncommitted.
FLUSH_SECONDS: Final = 1.0
#: Results queued for the writer before producers block (bounded memory).
QUEUE_SIZE: Final = 4096
#: Sites looked up per "already stored?" query (SQLite's variable limit is 32766).
LOOKUP_CHUNK: Final = 500

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    label TEXT NOT NULL,
    site TEXT NOT NULL,
    status TEXT NOT NULL,
    semantics TEXT NOT NULL,
    aioptout_version TEXT NOT NULL,
    registry_id TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    rank TEXT NOT NULL,
    result TEXT NOT NULL,
    PRIMARY KEY (label, site)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agents (
    registry_id TEXT NOT NULL,
    token TEXT NOT NULL,
    purpose TEXT NOT NULL,
    PRIMARY KEY (registry_id, token)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (
    label TEXT NOT NULL,
    started_at TEXT NOT NULL,
    options TEXT NOT NULL
);
"""

_UPSERT: Final = """
INSERT INTO results
    (label, site, status, semantics, aioptout_version, registry_id, recorded_at, rank, result)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (label, site) DO UPDATE SET
    status = excluded.status, semantics = excluded.semantics,
    aioptout_version = excluded.aioptout_version, registry_id = excluded.registry_id,
    recorded_at = excluded.recorded_at, rank = excluded.rank, result = excluded.result
WHERE excluded.rank < results.rank
"""


class StoreError(Exception):
    """The file is not a survey store this version can use."""


@dataclass(frozen=True, slots=True)
class StoredResult:
    label: str
    site: str
    status: str
    semantics: str
    aioptout_version: str
    registry_id: str
    result: Mapping[str, Any]


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_SCHEMA)
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            conn.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)",
                (str(STORE_SCHEMA_VERSION),),
            )
            conn.commit()
        elif row[0] != str(STORE_SCHEMA_VERSION):
            conn.close()
            raise StoreError(f"{path}: store schema {row[0]}, expected {STORE_SCHEMA_VERSION}")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: not a survey store ({exc})") from exc
    return conn


class Store:
    """Read access to a survey store, and the factory of its single writer."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = _connect(self.path)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def writer(self) -> StoreWriter:
        return StoreWriter(self.path)

    def labels(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT label FROM results ORDER BY label"
            ).fetchall()
        return [r[0] for r in rows]

    def count(self, label: str | None = None) -> int:
        with self._lock:
            if label is None:
                return int(self._conn.execute("SELECT COUNT(*) FROM results").fetchone()[0])
            row = self._conn.execute("SELECT COUNT(*) FROM results WHERE label = ?", (label,))
            return int(row.fetchone()[0])

    def pending(self, label: str, sites: Sequence[str], ranks: Sequence[str] = ()) -> list[str]:
        """The sites with no result under ``label`` that their rank would keep, in input order.

        ``ranks`` parallels ``sites``; without ranks a site is pending when nothing is stored.
        """
        stored: dict[str, str] = {}
        for start in range(0, len(sites), LOOKUP_CHUNK):
            chunk = list(sites[start : start + LOOKUP_CHUNK])
            marks = ",".join("?" * len(chunk))
            query = f"SELECT site, rank FROM results WHERE label = ? AND site IN ({marks})"
            with self._lock:
                stored.update(self._conn.execute(query, [label, *chunk]).fetchall())
        out: list[str] = []
        for i, site in enumerate(sites):
            have = stored.get(site)
            if have is None or (ranks and ranks[i] < have):
                out.append(site)
        return out

    def results(self, label: str | None = None) -> Iterator[StoredResult]:
        """Stored results in (label, site) order, streamed from disk."""
        conn = _connect(self.path)
        try:
            sql = (
                "SELECT label, site, status, semantics, aioptout_version, registry_id, result "
                "FROM results"
            )
            args: tuple[str, ...] = ()
            if label is not None:
                sql += " WHERE label = ?"
                args = (label,)
            sql += " ORDER BY label, site"
            for row in conn.execute(sql, args):
                label_, site, status, semantics, version, registry, text = row
                yield StoredResult(
                    label_, site, status, semantics, version, registry, json.loads(text)
                )
        finally:
            conn.close()

    def agents(self, registry_id: str) -> dict[str, str]:
        """token → purpose of the agent registry snapshot a survey used."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT token, purpose FROM agents WHERE registry_id = ? ORDER BY token",
                (registry_id,),
            ).fetchall()
        return {r[0]: r[1] for r in rows}

    def record_agents(self, registry_id: str, agents: Iterable[tuple[str, str]]) -> None:
        with self._lock:
            self._conn.executemany(
                "INSERT OR IGNORE INTO agents VALUES (?, ?, ?)",
                [(registry_id, token, purpose) for token, purpose in agents],
            )
            self._conn.commit()

    def record_run(self, label: str, options: Mapping[str, Any]) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO runs VALUES (?, ?, ?)",
                (label, _now(), json.dumps(dict(options), sort_keys=True, default=str)),
            )
            self._conn.commit()

    def runs(self) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT label, started_at, options FROM runs ORDER BY rowid"
            ).fetchall()
        return [{"label": r[0], "started_at": r[1], "options": json.loads(r[2])} for r in rows]


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


_STOP: Final = object()


class StoreWriter:
    """The one thread that writes results, committing in batches.

    ``put`` may be called from any thread.  ``close`` commits what is queued and re-raises any
    error the writer thread met, so a failed write is never silent.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._queue: queue.Queue[object] = queue.Queue(maxsize=QUEUE_SIZE)
        self._error: BaseException | None = None
        self.written = 0
        self._thread = threading.Thread(target=self._run, name="aioptout-store-writer", daemon=True)
        self._thread.start()

    def put(self, label: str, result: Mapping[str, Any]) -> None:
        if self._error is not None:
            raise StoreError(f"store writer failed: {self._error}") from self._error
        self._queue.put((label, result))

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        if self._error is not None:
            raise StoreError(f"store writer failed: {self._error}") from self._error

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            conn = _connect(self._path)
            batch: list[tuple[str, ...]] = []
            stop = False
            while not stop:
                try:
                    item = self._queue.get(timeout=FLUSH_SECONDS)
                except queue.Empty:
                    item = None
                if item is _STOP:
                    stop = True
                elif item is not None:
                    label, result = cast(tuple[str, Mapping[str, Any]], item)
                    batch.append(_row(label, result))
                if batch and (stop or item is None or len(batch) >= BATCH_SIZE):
                    with conn:
                        conn.executemany(_UPSERT, batch)
                    self.written += len(batch)
                    batch = []
        except BaseException as exc:  # reported by close(); the thread must not die silently
            self._error = exc
            while True:  # unblock producers
                try:
                    if self._queue.get_nowait() is _STOP:
                        break
                except queue.Empty:
                    break
        finally:
            if conn is not None:
                conn.close()


def _row(label: str, result: Mapping[str, Any]) -> tuple[str, ...]:
    prov = result.get("provenance") or {}
    return (
        label,
        str(result["site"]),
        str(result.get("status", "error")),
        str(prov.get("semantics", "")),
        str(prov.get("aioptout", "")),
        str(prov.get("registry", "")),
        _now(),
        str(result.get("rank", "")),
        json.dumps(result, sort_keys=True, separators=(",", ":")),
    )
