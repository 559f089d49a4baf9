"""Kill a real ``aioptout survey`` process with SIGKILL mid-run, run it again, lose nothing."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aioptout.fixtureweb import FixtureWeb

pytestmark = pytest.mark.slow

_APP = """
import typer
from aioptout._cli import survey
app = typer.Typer(pretty_exceptions_enable=False, rich_markup_mode=None)
survey.register(app)
@app.callback()
def _root() -> None:
    pass
if __name__ == "__main__":
    app()
"""


def stored(db: Path, label: str) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(conn.execute(
                "SELECT COUNT(*) FROM results WHERE label = ?", (label,)).fetchone()[0])
        finally:
            conn.close()
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def rows(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    try:
        return dict(conn.execute("SELECT site, result FROM results ORDER BY site").fetchall())
    finally:
        conn.close()


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is ``pid``, from /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigkill_then_resume_loses_no_site_and_counts_none_twice(tmp_path: Path) -> None:
    n = 400
    with FixtureWeb(synthetic=n, latency_ms=20) as web:
        hosts = [h for h in web.sites if h.startswith("site")][:n]
        listing = tmp_path / "sites.txt"
        listing.write_text("".join(f"{web.origin(h)}\n" for h in hosts))
        app = tmp_path / "app.py"
        app.write_text(_APP)
        resolve = [arg for line in web.resolve_lines() if line.startswith("site")
                   for arg in ("--resolve", line)]

        def command(db: Path) -> list[str]:
            return [sys.executable, str(app), "survey", str(listing), "--db", str(db),
                    "--label", "run", "--allow-private", "--delay", "0", "--timeout", "10",
                    "--concurrency", "8", "--processes", "2", "--quiet", *resolve]

        killed_db = tmp_path / "killed.sqlite"
        proc = subprocess.Popen(command(killed_db), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while stored(killed_db, "run") < 60 and proc.poll() is None:
            assert time.monotonic() < deadline, "survey made no progress"
            time.sleep(0.05)
        assert proc.poll() is None, "survey finished before it could be killed"
        workers = children(proc.pid) if sys.platform == "linux" else []
        assert len(workers) >= 2 or sys.platform != "linux"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        # Orphaned workers notice their parent is gone and stop fetching.
        while any(alive(w) for w in workers):
            assert time.monotonic() < deadline, f"workers {workers} outlived the survey"
            time.sleep(0.05)
        before = stored(killed_db, "run")
        assert 0 < before < n

        resumed = subprocess.run(command(killed_db), capture_output=True, text=True,
                                 timeout=300)
        assert resumed.returncode == 0, resumed.stderr
        assert f"{before} already stored" in resumed.stderr
        assert f"surveyed {n - before} sites" in resumed.stderr

        origins = sorted(web.origin(h) for h in hosts)
        clean_db = tmp_path / "clean.sqlite"
        clean = subprocess.run(command(clean_db), capture_output=True, text=True, timeout=300)
        assert clean.returncode == 0, clean.stderr

    after = rows(killed_db)
    assert len(after) == n
    assert sorted(after) == origins
    assert after == rows(clean_db)


def test_repeated_sigkills_at_random_points_then_resume_equal_an_uninterrupted_run(
        tmp_path: Path) -> None:
    """Six SIGKILLs at seeded random points (one during start-up, one near the end), each run
    resuming the store the previous one left: the final store equals an uninterrupted run's,
    row for row and in every report aggregate."""
    import random
    import re

    from aioptout.report import csvjson, tables
    from aioptout.survey.store import Store

    n = 300
    rng = random.Random(20261202)
    with FixtureWeb(synthetic=n, latency_ms=20) as web:
        hosts = [h for h in web.sites if h.startswith("site")][:n]
        listing = tmp_path / "sites.txt"
        listing.write_text("".join(f"{web.origin(h)}\n" for h in hosts))
        app = tmp_path / "app.py"
        app.write_text(_APP)
        resolve = [arg for line in web.resolve_lines() if line.startswith("site")
                   for arg in ("--resolve", line)]

        def command(db: Path) -> list[str]:
            return [sys.executable, str(app), "survey", str(listing), "--db", str(db),
                    "--label", "run", "--allow-private", "--delay", "0", "--timeout", "10",
                    "--concurrency", "8", "--processes", "2", "--quiet", *resolve]

        clean_db = tmp_path / "clean.sqlite"
        clean = subprocess.run(command(clean_db), capture_output=True, text=True, timeout=300)
        assert clean.returncode == 0, clean.stderr

        # Kill points: (stored results to wait for, then seconds to wait more).  The first
        # is in the first second (start-up, store creation); the last comes when all but
        # about one commit of work is stored; the others are random in between.
        targets = sorted(rng.sample(range(n // 10, n * 2 // 3), 4))
        plan = [(0, rng.uniform(0.05, 0.95))]
        plan += [(t, rng.uniform(0.0, 0.6)) for t in targets]
        plan += [(n - 90, 0.0)]
        db = tmp_path / "killed.sqlite"
        kills = 0
        progress = [0]
        for wait_for, extra in plan:
            proc = subprocess.Popen(command(db), stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 120
            while stored(db, "run") < wait_for and proc.poll() is None:
                assert time.monotonic() < deadline, "survey made no progress"
                time.sleep(0.02)
            time.sleep(extra)
            workers = children(proc.pid) if sys.platform == "linux" else []
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                kills += 1
            proc.wait()
            while any(alive(w) for w in workers):
                assert time.monotonic() < deadline, f"workers {workers} outlived the survey"
                time.sleep(0.05)
            now = stored(db, "run")
            assert now >= progress[-1], "a committed result was lost"
            progress.append(now)
        print("kill plan", plan, "stored after each kill", progress)
        assert kills >= 5, (kills, progress)

        final = subprocess.run(command(db), capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr
        counts = re.search(r"surveyed (\d+) sites .*; (\d+) already stored", final.stderr)
        assert counts is not None, final.stderr
        assert int(counts[2]) == progress[-1] and int(counts[1]) + int(counts[2]) == n
        origins = sorted(web.origin(h) for h in hosts)

    after = rows(db)
    assert len(after) == n and sorted(after) == origins
    assert after == rows(clean_db)
    with Store(db, create=False, readonly=True) as a, \
            Store(clean_db, create=False, readonly=True) as b:
        assert csvjson.to_json(tables.build(a)) == csvjson.to_json(tables.build(b))
        assert a.count() == b.count() == n
