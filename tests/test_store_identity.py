"""Stores we do not own are refused and left byte for byte as they were; ours are idempotent."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from aioptout import fixtureweb
from aioptout.cli import app as cli_app
from aioptout.report import csvjson, tables
from aioptout.survey import store as store_module
from aioptout.survey.engine import OnlineAnalyzer, survey
from aioptout.survey.inputs import Job
from aioptout.survey.store import APPLICATION_ID, STORE_SCHEMA_VERSION, Store, StoreError


def foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    conn.commit()
    conn.close()


def foreign_sqlite_with_our_table_names(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(store_module._SCHEMA)
    conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.commit()
    conn.close()


def not_sqlite(path: Path) -> None:
    path.write_bytes(b"rank,domain\n1,example.com\n" * 50)


def truncated_sqlite(path: Path) -> None:
    path.write_bytes(b"SQLite format 3\x00" + b"\x10")


def newer_store(path: Path) -> None:
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                 (str(STORE_SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()


def snapshot(path: Path) -> tuple[bytes, int, list[str]]:
    siblings = sorted(p.name for p in path.parent.iterdir())
    return path.read_bytes(), os.stat(path).st_mtime_ns, siblings


CASES: list[tuple[Callable[[Path], None], str]] = [
    (foreign_sqlite, "RUN112"),
    (foreign_sqlite_with_our_table_names, "RUN112"),
    (not_sqlite, "RUN111"),
    (truncated_sqlite, "RUN111"),
    (newer_store, "RUN113"),
]


@pytest.mark.parametrize(("make", "code"), CASES, ids=[m.__name__ for m, _ in CASES])
def test_survey_and_report_refuse_a_file_that_is_not_our_store(
        tmp_path: Path, make: Callable[[Path], None], code: str) -> None:
    db = tmp_path / "their.db"
    make(db)
    sites = tmp_path / "sites.txt"
    sites.write_text("a.test\n")
    before = snapshot(db)
    commands = [
        ["survey", str(sites), "--db", str(db), "--label", "L", "--quiet"],
        ["survey", "--dir", str(tmp_path), "--db", str(db), "--label", "L", "--quiet"],
        ["report", "--db", str(db)],
        ["report", "--db", str(db), "--format", "json"],
    ]
    for args in commands:
        result = CliRunner().invoke(cli_app, args)
        assert result.exit_code == 3, (args, result.output)
        assert code in result.stderr, (args, result.stderr)
        assert snapshot(db) == before, args


def test_report_refuses_a_missing_or_empty_store_without_creating_it(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"
    result = CliRunner().invoke(cli_app, ["report", "--db", str(missing)])
    assert result.exit_code == 3 and "RUN115" in result.stderr
    assert not missing.exists()
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    before = snapshot(empty)
    result = CliRunner().invoke(cli_app, ["report", "--db", str(empty)])
    assert result.exit_code == 3 and "RUN115" in result.stderr
    assert snapshot(empty) == before


def test_a_new_or_empty_file_becomes_a_marked_store(tmp_path: Path) -> None:
    for name in ("new.sqlite", "touched.sqlite"):
        db = tmp_path / name
        if name == "touched.sqlite":
            db.touch()
        with Store(db) as store:
            assert store.count() == 0
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
            assert conn.execute("SELECT value FROM meta").fetchone()[0] == str(
                STORE_SCHEMA_VERSION)
        finally:
            conn.close()
        # The header is readable without SQLite: the mark is in the main file, not the WAL.
        assert db.read_bytes()[68:72] == APPLICATION_ID.to_bytes(4, "big")
        Store(db).close()  # and it is accepted again
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".creating")]


def test_a_temporary_store_left_by_a_killed_creator_is_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".s.sqlite.{dead}.1.creating"
    stale.write_bytes(b"half a store")
    live = tmp_path / f".s.sqlite.{os.getpid()}.999.creating"
    live.write_bytes(b"another creator at work")
    Store(tmp_path / "s.sqlite").close()
    assert not stale.exists() and live.exists()


def test_a_store_missing_its_schema_row_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute("DELETE FROM meta")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as caught:
        Store(db)
    assert caught.value.code == "RUN114"


def test_a_directory_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["report", "--db", str(tmp_path)])
    assert result.exit_code == 3


# --- idempotent re-runs ---------------------------------------------------------------------

def _ok(site: str) -> dict[str, Any]:
    return {"site": site, "status": "ok", "blocked_root": []}


def test_two_demo_runs_on_different_ports_give_the_same_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ports: list[int] = []
    real = fixtureweb.FixtureWeb

    class Recording(real):  # type: ignore[misc, valid-type]
        def start(self) -> Any:
            started = super().start()
            ports.append(self.port)
            return started

    monkeypatch.setattr(fixtureweb, "FixtureWeb", Recording)
    out = tmp_path / "demo"
    summaries = []
    for _ in range(2):
        result = CliRunner().invoke(cli_app, ["demo", "--out", str(out)])
        assert result.exit_code == 0, result.output
        with Store(out / "survey.sqlite", create=False, readonly=True) as store:
            report = tables.build(store)
            summaries.append(csvjson.to_json(report))
            sites = [r.site for r in store.results("demo")]
            count = store.count()
    assert len(ports) == 2 and ports[0] != ports[1]
    assert len(sites) == count == len(real().sites)
    assert summaries[0] == summaries[1]
    # A site is its name: no ephemeral port in any key.
    assert all(site.count(":") == 1 for site in sites), sites[:3]
    assert "already stored" in result.stderr


def test_the_same_survey_twice_counts_each_site_once(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        for _ in range(2):
            survey([Job("L", f"s{i}.test") for i in range(20)], OnlineAnalyzer(probe=_ok), store)
        assert store.count("L") == 20
