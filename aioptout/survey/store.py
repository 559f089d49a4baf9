"""The survey store: one SQLite file holding every site result of every labelled snapshot.

A survey may be killed at any moment and run again.  That works because a result is durable only
once its batch is committed, the primary key is ``(label, site)``, and an insert only replaces a
stored result of a *worse rank*: a resumed run skips what is stored, redoes what was lost, and
counts nothing twice.  Ranks matter for WARC input only, where one host has several captures:
a final response beats a redirect, and then the earlier capture in input order wins, whatever
order the threads finish in.  Every other input has the empty rank, so the first result stays.
Only one thread writes (SQLite allows a single writer); readers use their own connections, which
WAL mode lets proceed while the writer commits.

A store is recognised before anything is written to it: the SQLite header carries our
``application_id`` (read from the file's first 100 octets, without opening it as a database)
and the ``meta`` table our schema version.  A missing or empty file becomes a new store,
created under a temporary name and renamed into place, so a kill during creation leaves no
half-made store.  Any other file (not SQLite, someone else's database, a newer layout) is
refused with a coded error and left exactly as it was.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, cast

from ..diagnostics import Code, define

#: Version of the table layout.  2: results stored packed (see :func:`pack`); a version-1 store
#: is read as it is and migrated in place when opened for writing; a newer one is refused.
STORE_SCHEMA_VERSION: Final = 2
#: Older layouts this version reads (and migrates when it may write).
_MIGRATABLE: Final = frozenset({"1"})
#: SQLite ``PRAGMA application_id`` of an aioptout survey store: "AOOS" in ASCII.
APPLICATION_ID: Final = 0x414F4F53
_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
#: Offset of the application id in the SQLite database header (big-endian, 4 octets).
_APPLICATION_ID_AT: Final = 68
_DOC: Final = "docs/fault-isolation.md#survey-stores"

NOT_SQLITE = define("RUN111", "MUST NOT", _DOC,
                    "The --db file is not a SQLite database; it is left untouched",
                    "give a new file name, or the path of an existing aioptout survey store")
FOREIGN_DB = define("RUN112", "MUST NOT", _DOC,
                    "The --db file is a SQLite database that is not an aioptout survey store; "
                    "it is left untouched",
                    "aioptout writes only to stores it created (one written before stores "
                    "were marked counts as foreign too); give a new file name")
NEWER_STORE = define("RUN113", "MUST NOT", _DOC,
                     "The survey store was written by a newer aioptout (a later schema "
                     "version); it is left untouched", "upgrade aioptout to read this store")
DAMAGED_STORE = define("RUN114", "MUST NOT", _DOC,
                       "The survey store's schema is missing, older or unreadable; it is left "
                       "untouched")
NO_STORE = define("RUN115", "MUST", _DOC,
                  "No survey store at this path (missing or empty file)",
                  "run aioptout survey --db PATH first")
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
    """The file is not a survey store this version can use; ``code`` says why."""

    def __init__(self, message: str, code: Code | None = None) -> None:
        super().__init__(f"{code.code} {message}" if code is not None else message)
        self.code = None if code is None else code.code


def _refuse(path: Path, code: Code, detail: str = "") -> StoreError:
    return StoreError(f"{path}: {code.title}{detail}", code)


@dataclass(frozen=True, slots=True)
class StoredResult:
    label: str
    site: str
    status: str
    semantics: str
    aioptout_version: str
    registry_id: str
    result: Mapping[str, Any]
    #: The site blocks every agent of its registry (stored once): lets a report count it
    #: without walking the whole agent list.
    blocks_all: bool = False


def _header(path: Path) -> bytes | None:
    """The file's first 100 octets, or None when there is no file or it is empty."""
    try:
        with path.open("rb") as handle:
            head = handle.read(100)
    except FileNotFoundError:
        return None
    except IsADirectoryError as exc:
        raise StoreError(f"{path}: is a directory") from exc
    except OSError as exc:
        raise StoreError(f"{path}: {exc.strerror or exc}") from exc
    return head or None


def _identify(path: Path, *, create: bool) -> str:
    """Refuse anything but our own store, reading the file only; create it when allowed.
    Returns the store's schema version (an older one is migrated by the caller)."""
    head = _header(path)
    if head is None:
        if not create:
            raise _refuse(path, NO_STORE)
        _create(path)
        return str(STORE_SCHEMA_VERSION)
    if not head.startswith(_SQLITE_MAGIC) or len(head) < 100:
        raise _refuse(path, NOT_SQLITE)
    app_id = int.from_bytes(head[_APPLICATION_ID_AT:_APPLICATION_ID_AT + 4], "big")
    if app_id != APPLICATION_ID:
        raise _refuse(path, FOREIGN_DB, f" (application_id {app_id:#x})")
    try:
        # immutable: no lock and no -wal/-shm files beside a store we may yet refuse; the
        # schema row is written before WAL mode is switched on, so the main file holds it.
        conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro&immutable=1", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise _refuse(path, DAMAGED_STORE, f" ({exc})") from exc
    version = row[0] if row else None
    if version == str(STORE_SCHEMA_VERSION) or version in _MIGRATABLE:
        return str(version)
    if version is not None and version.isdigit() and int(version) > STORE_SCHEMA_VERSION:
        raise _refuse(path, NEWER_STORE, f" (schema {version}; this version reads "
                      f"{STORE_SCHEMA_VERSION})")
    raise _refuse(path, DAMAGED_STORE, f" (schema {version})")


def _create(path: Path) -> None:
    """A complete new store at ``path``, or none: built aside, then renamed into place.

    The application id and schema are written in rollback-journal mode, so they are in the
    main file's header before WAL mode (persistent) is switched on.
    """
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.creating")
    _remove_stale_temps(path)
    try:
        temp.unlink(missing_ok=True)
        conn = sqlite3.connect(str(temp))
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {STORE_SCHEMA_VERSION}")
            conn.executescript(_SCHEMA)
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)",
                         (str(STORE_SCHEMA_VERSION),))
            conn.execute("INSERT INTO meta VALUES ('mechanisms', ?)", (_MECHANISM_KEYS,))
            conn.commit()
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
        if _header(path) is not None:  # another process created it meanwhile: use theirs
            return
        os.replace(temp, path)
    except (OSError, sqlite3.DatabaseError) as exc:
        raise StoreError(f"{path}: cannot create the survey store ({exc})") from exc
    finally:
        temp.unlink(missing_ok=True)


def _remove_stale_temps(path: Path) -> None:
    """Temporary stores left by a survey killed while creating ``path`` (its pid is gone)."""
    for temp in path.parent.glob(f".{path.name}.*.*.creating"):
        pid = temp.name[len(path.name) + 2:].split(".", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            temp.unlink(missing_ok=True)
        except OSError:  # alive but not ours to signal
            continue


def _connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection to a store :func:`_identify` has accepted."""
    try:
        if readonly:
            return sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True,
                                   timeout=30.0, check_same_thread=False)
        conn = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn
    except sqlite3.DatabaseError as exc:
        raise _refuse(path, DAMAGED_STORE, f" ({exc})") from exc


class Store:
    """Read access to a survey store, and the factory of its single writer.

    ``create`` makes a missing or empty file a new store; without it (``report``) such a path
    is refused.  ``readonly`` never writes to the file at all.
    """

    def __init__(self, path: str | Path, *, create: bool = True, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if create and not readonly and self.path.parent and not self.path.parent.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path.parent}: {exc.strerror or exc}") from exc
        version = _identify(self.path, create=create and not readonly)
        self._conn = _connect(self.path, readonly=readonly)
        self._lock = threading.Lock()
        if version != str(STORE_SCHEMA_VERSION) and not readonly:
            try:
                _migrate(self._conn)
            except sqlite3.DatabaseError as exc:
                self._conn.close()
                raise _refuse(self.path, DAMAGED_STORE, f" (migration: {exc})") from exc

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def writer(self) -> StoreWriter:
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
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
        conn = _connect(self.path, readonly=True)
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
            codec = _Codec(conn)
            for row in conn.execute(sql, args):
                label_, site, status, semantics, version, registry, text = row
                packed = json.loads(text)
                blocks_all = packed.get("blocked_root") == _ALL_AGENTS
                yield StoredResult(
                    label_, site, status, semantics, version, registry,
                    codec.unpack(packed, site, status, semantics, version, registry),
                    blocks_all,
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
            codec = _Codec(conn)
            batch: list[tuple[str, ...]] = []
            stop = False
            # A steady trickle of results must not wait for a full batch: the oldest
            # uncommitted one is committed FLUSH_SECONDS after it arrived, at the latest.
            due = 0.0
            while not stop:
                wait = FLUSH_SECONDS if not batch else max(0.0, due - time.monotonic())
                try:
                    item = self._queue.get(timeout=wait)
                except queue.Empty:
                    item = None
                if item is _STOP:
                    stop = True
                elif item is not None:
                    label, result = cast(tuple[str, Mapping[str, Any]], item)
                    if not batch:
                        due = time.monotonic() + FLUSH_SECONDS
                    batch.append(_row(label, result, codec))
                if batch and (stop or len(batch) >= BATCH_SIZE or time.monotonic() >= due):
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


def _row(label: str, result: Mapping[str, Any], codec: _Codec | None = None
         ) -> tuple[str, ...]:
    original = result
    try:
        packed = result if codec is None else codec.pack(result)
        text = json.dumps(packed, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError) as exc:  # one site's odd result must not stop the writer
        from .._isolation import Failure
        from .engine import failure_result

        prov = result.get("provenance") or {}
        result = failure_result(str(result["site"]), str(result.get("source", "")),
                                (Failure.of("store", exc),), str(prov.get("semantics", "")), ())
        result["provenance"] = prov
        if "rank" in original:
            result["rank"] = original["rank"]
        text = json.dumps(result, sort_keys=True, separators=(",", ":"), default=str)
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
        text,
    )


#: Mechanism names in the order a packed ``mechanisms`` string lists them (kept in ``meta``, so
#: a later version with more mechanisms still reads this store's strings).
_MECHANISM_KEYS: Final = json.dumps([
    "aioptout", "robots", "aipref", "content-signal", "tdmrep", "ai-txt", "rsl",
    "aipref-header", "content-signal-header", "tdmrep-header", "noai-header", "tdmrep-meta",
    "noai-meta", "http-header", "html-meta",
])
_CODE_STATE: Final[dict[str, dict[str, bool | None]]] = {
    "-": {"present": False, "valid": None}, "v": {"present": True, "valid": True},
    "x": {"present": True, "valid": False}}
#: The agent list of a result that blocks every agent of its registry (stored once, in agents).
_ALL_AGENTS: Final = "*"


class _Codec:
    """Packs a result for storage and unpacks it exactly: what every site repeats is kept once.

    Packed results drop ``site``, ``status`` and ``provenance`` (the row's columns hold them;
    ``~`` lists which were dropped), store an agent list equal to the whole registry (every
    unreachable site's) as ``"*"`` and the usual mechanism map as one character per mechanism.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._agents: dict[str, list[str] | None] = {}
        row = conn.execute("SELECT value FROM meta WHERE key = 'mechanisms'").fetchone()
        self._keys: list[str] = json.loads(row[0]) if row else []

    def _all(self, registry: str) -> list[str] | None:
        if registry not in self._agents:
            tokens = [r[0] for r in self._conn.execute(
                "SELECT token FROM agents WHERE registry_id = ?", (registry,))]
            self._agents[registry] = sorted(tokens, key=lambda t: (t.lower(), t)) or None
        return self._agents[registry]

    def pack(self, result: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(result)
        prov = out.get("provenance")
        dropped = ""
        if isinstance(out.get("site"), str):
            del out["site"]
            dropped += "s"
        if isinstance(out.get("status"), str):
            del out["status"]
            dropped += "t"
        if isinstance(prov, dict) and set(prov) == {"aioptout", "semantics", "registry"} and all(
                isinstance(v, str) for v in prov.values()):
            del out["provenance"]
            dropped += "p"
            everyone = self._all(prov["registry"])
            blocked = out.get("blocked_root")
            if everyone is not None and isinstance(blocked, list) and blocked == everyone:
                out["blocked_root"] = _ALL_AGENTS
        mechanisms = out.get("mechanisms")
        if isinstance(mechanisms, dict) and self._keys and set(mechanisms) == set(self._keys):
            codes = [_code(mechanisms[k]) for k in self._keys]
            if all(codes):
                out["mechanisms"] = "".join(c for c in codes if c)
        if dropped:
            out["~"] = dropped
        return out

    def unpack(self, packed: dict[str, Any], site: str, status: str, semantics: str,
               version: str, registry: str) -> dict[str, Any]:
        dropped = packed.pop("~", "")
        if not isinstance(dropped, str):
            return packed
        if "s" in dropped:
            packed["site"] = site
        if "t" in dropped:
            packed["status"] = status
        if "p" in dropped:
            packed["provenance"] = {"aioptout": version, "semantics": semantics,
                                    "registry": registry}
        if packed.get("blocked_root") == _ALL_AGENTS:
            packed["blocked_root"] = list(self._all(registry) or ())
        mechanisms = packed.get("mechanisms")
        if isinstance(mechanisms, str) and len(mechanisms) == len(self._keys):
            packed["mechanisms"] = {k: dict(_CODE_STATE[c])
                                    for k, c in zip(self._keys, mechanisms, strict=True)}
        return dict(sorted(packed.items()))


def _code(value: Any) -> str | None:
    """The one-character code of a mechanism state, or None when it has none (kept as is)."""
    if isinstance(value, dict) and set(value) == {"present", "valid"}:
        present, valid = value["present"], value["valid"]
        if present is False and valid is None:
            return "-"
        if present is True and isinstance(valid, bool):
            return "v" if valid else "x"
    return None


def _migrate(conn: sqlite3.Connection) -> None:
    """Rewrite a version-1 store's results packed, in one transaction: all or nothing."""
    with conn:
        conn.execute("INSERT OR IGNORE INTO meta VALUES ('mechanisms', ?)", (_MECHANISM_KEYS,))
        codec = _Codec(conn)
        after = ("", "")
        while True:
            rows = conn.execute(
                "SELECT label, site, result FROM results WHERE (label, site) > (?, ?) "
                "ORDER BY label, site LIMIT ?", (*after, BATCH_SIZE)).fetchall()
            if not rows:
                break
            batch = [(json.dumps(codec.pack(json.loads(text)), sort_keys=True,
                                 separators=(",", ":")), label, site)
                     for label, site, text in rows]
            conn.executemany("UPDATE results SET result = ? WHERE label = ? AND site = ?",
                             batch)
            after = (rows[-1][0], rows[-1][1])
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                     (str(STORE_SCHEMA_VERSION),))
        conn.execute(f"PRAGMA user_version = {STORE_SCHEMA_VERSION}")
