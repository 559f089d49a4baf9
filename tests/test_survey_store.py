"""The survey store: batched single-writer commits, (label, site) keys, resume lookups."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from aioptout.survey import store as store_mod
from aioptout.survey.store import Store, StoreError


def result(site: str, status: str = "ok", **extra: Any) -> dict[str, Any]:
    return {
        "site": site,
        "status": status,
        "provenance": {"aioptout": "0.1.0", "semantics": "google", "registry": "abc"},
        **extra,
    }


def test_results_are_written_and_read_back(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    with Store(db) as store:
        writer = store.writer()
        for i in range(600):  # more than two batches
            writer.put("2025-01", result(f"site{i:03d}.test", n=i))
        writer.close()
        assert writer.written == 600
        assert store.count("2025-01") == 600
        rows = list(store.results("2025-01"))
    assert [r.site for r in rows] == sorted(f"site{i:03d}.test" for i in range(600))
    assert rows[5].result["n"] == 5
    assert (rows[0].semantics, rows[0].aioptout_version, rows[0].registry_id) == (
        "google", "0.1.0", "abc")


def test_store_uses_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    Store(db).close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_same_site_twice_is_stored_once_first_result_kept(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        with store.writer() as writer:
            writer.put("L", result("a.test", n=1))
            writer.put("L", result("a.test", n=2))
            writer.put("M", result("a.test", n=3))
        assert store.count("L") == 1
        assert store.count() == 2
        assert next(store.results("L")).result["n"] == 1


def test_a_better_ranked_capture_replaces_a_stored_one_whatever_the_write_order(
    tmp_path: Path,
) -> None:
    # Ranks as warc.capture_rank builds them: final before redirect, then input order.
    redirect = "1:000000:000000000000"
    late, early = "0:000001:000000000000", "0:000000:000000000500"
    with Store(tmp_path / "s.sqlite") as store:
        with store.writer() as writer:
            writer.put("L", result("a.test", status="redirect", rank=redirect))
            writer.put("L", result("a.test", n=2, rank=late))
            writer.put("L", result("a.test", n=1, rank=early))
            writer.put("L", result("a.test", n=3, rank=late))
            writer.put("L", result("a.test", status="redirect", rank=redirect))
        [row] = list(store.results("L"))
        assert (row.status, row.result["n"]) == ("ok", 1)


def test_pending_skips_stored_sites_unless_the_rank_is_better(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        with store.writer() as writer:
            writer.put("L", result("done.test"))
            writer.put("L", result("moved.test", status="redirect", rank="1:a"))
            writer.put("other", result("new.test"))
        sites = ["new.test", "done.test", "moved.test", "zzz.test"]
        assert store.pending("L", sites) == ["new.test", "zzz.test"]
        assert store.pending("L", sites, ["0:a", "0:a", "0:b", "0:a"]) == [
            "new.test", "moved.test", "zzz.test"]
        assert store.pending("L", ["moved.test"], ["1:b"]) == []


def test_pending_handles_more_sites_than_one_lookup(tmp_path: Path) -> None:
    n = store_mod.LOOKUP_CHUNK * 2 + 7
    with Store(tmp_path / "s.sqlite") as store:
        with store.writer() as writer:
            for i in range(0, n, 2):
                writer.put("L", result(f"s{i}.test"))
        pending = store.pending("L", [f"s{i}.test" for i in range(n)])
        assert pending == [f"s{i}.test" for i in range(1, n, 2)]


def test_labels_agents_and_runs(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        with store.writer() as writer:
            writer.put("2025-06", result("a.test"))
            writer.put("2025-01", result("a.test"))
        store.record_agents("abc", [("GPTBot", "training"), ("OAI-SearchBot", "search")])
        store.record_run("2025-06", {"semantics": "google"})
        assert store.labels() == ["2025-01", "2025-06"]
        assert store.agents("abc") == {"GPTBot": "training", "OAI-SearchBot": "search"}
        assert store.runs()[0]["options"] == {"semantics": "google"}


def test_not_a_store_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        Store(bad)


def test_other_schema_version_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError):
        Store(db)


def test_writer_failure_is_raised_on_close(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        writer = store.writer()
        writer.put("L", {"status": "ok"})  # no "site": the row cannot be built
        with pytest.raises(StoreError):
            writer.close()
