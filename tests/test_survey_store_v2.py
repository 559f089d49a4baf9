"""Store schema 2: packed results (≤ 1 KB for a failing site), exact round trip, migration."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
from pathlib import Path
from typing import Any

from aioptout.fixtureweb import FixtureWeb
from aioptout.survey.engine import OnlineAnalyzer, survey
from aioptout.survey.inputs import Job
from aioptout.survey.metrics import registry_agents, registry_id
from aioptout.survey.store import STORE_SCHEMA_VERSION, Store

DATA = Path(__file__).parent / "data"


def _rows(store: Store) -> list[dict[str, Any]]:
    return [{"label": r.label, "site": r.site, "status": r.status, "semantics": r.semantics,
             "aioptout_version": r.aioptout_version, "registry_id": r.registry_id,
             "result": dict(r.result)} for r in store.results()]


def _version(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute(
            "SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0])
    finally:
        conn.close()


def test_a_version_1_store_is_read_as_is_and_migrated_when_written(tmp_path: Path) -> None:
    # survey-store-v1.sqlite and its rows as JSON were written by the version-1 store code
    # (commit 5714bd7): the whole 165-agent registry, a refused connection, 503, 404, signals.
    expected = json.loads((DATA / "survey-store-v1.json").read_text())
    db = tmp_path / "old.sqlite"
    shutil.copy(DATA / "survey-store-v1.sqlite", db)
    with Store(db, readonly=True) as store:
        assert _rows(store) == expected
    assert _version(db) == "1"
    before = db.stat().st_size
    with Store(db) as store:
        assert _rows(store) == expected
    assert _version(db) == str(STORE_SCHEMA_VERSION) == "2"
    conn = sqlite3.connect(db)
    sizes = dict(conn.execute("SELECT site, length(result) FROM results").fetchall())
    conn.close()
    assert max(sizes.values()) < 1024
    with Store(db) as store:  # opened again: already migrated, same results
        assert _rows(store) == expected
    assert before > 0


def test_a_failing_site_takes_under_one_kilobyte(tmp_path: Path, fixture_web: FixtureWeb
                                                 ) -> None:
    agents = registry_agents()
    assert len(agents) > 100
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    refused = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    analyzer = OnlineAnalyzer(agents=agents, allow_private=True,
                              resolve=tuple(fixture_web.resolve_map().items()),
                              politeness_delay=0.0, timeout=5.0)
    db = tmp_path / "s.sqlite"
    with Store(db) as store:
        store.record_agents(registry_id(agents), agents)
        survey([Job("L", refused), Job("L", fixture_web.origin("status-503.test"))],
               analyzer, store)
        rows = {r.site: dict(r.result) for r in store.results()}
    conn = sqlite3.connect(db)
    sizes = dict(conn.execute("SELECT site, length(result) FROM results").fetchall())
    conn.close()
    for site, result in rows.items():
        assert result["status"] == "unreachable"
        assert result["blocked_root"] == [t for t, _ in agents]  # unpacked in full
        assert result["provenance"]["registry"] == registry_id(agents)
        assert sizes[site] <= 1024, (site, sizes[site])


def test_reports_of_packed_and_unpacked_stores_are_equal(tmp_path: Path) -> None:
    from aioptout.report import build, html

    db = tmp_path / "old.sqlite"
    shutil.copy(DATA / "survey-store-v1.sqlite", db)
    with Store(db, readonly=True) as store:  # version 1: nothing packed
        assert not any(r.blocks_all for r in store.results())
        before = build(store)
    with Store(db) as store:  # migrated: unreachable sites block the registry, stored once
        assert sum(r.blocks_all for r in store.results()) == 2
        after = build(store)
    assert after.to_dict() == before.to_dict()
    assert html.render(after) == html.render(before)
