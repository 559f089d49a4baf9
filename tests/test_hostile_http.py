"""Hostile servers end to end: the crawler, the Checker and the CLI against the real fixture web.

Each test would hang, crash or answer wrongly before issue 12: a header drip held ``crawl
--timeout`` for minutes, ``Crawl-delay: 100000`` stalled ``catalogue`` for days and a 400-digit one
crashed it, a ``Disallow: /`` behind ``103 Early Hints`` read as "allow all".  Elapsed times are
bounded loosely (several times the deadline), never tightly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import requests
from typer.testing import CliRunner

from aioptout.checker import Checker
from aioptout.cli import app
from aioptout.crawl import check_site
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import Value

ROOT = Path(__file__).resolve().parents[1]
MakeFetcher = Callable[..., Fetcher]


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The real command in its own process, so a hang fails the test instead of the run."""
    return subprocess.run([sys.executable, "-m", "aioptout", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT,
                          env={**os.environ, "COLUMNS": "200"})


def pin(web: FixtureWeb, host: str) -> list[str]:
    return ["--resolve", f"{host}:{web.port}:127.0.0.1"]


# --- 1xx through the Checker and the crawler ------------------------------------------------------


@pytest.mark.parametrize("host", ["early-hints.test", "interim-many.test"])
@pytest.mark.parametrize("shared_session", [False, True])
def test_disallow_behind_interim_responses_is_obeyed(fixture_web: FixtureWeb,
                                                     make_fetcher: MakeFetcher, host: str,
                                                     shared_session: bool) -> None:
    fetcher = make_fetcher(session=requests.Session() if shared_session else None)
    checker = Checker(fetcher=fetcher)
    decision = checker.check(fixture_web.url(host, "/any/page"), "GPTBot", "crawl")
    assert decision.value is Value.DISALLOWED
    assert decision.source == fixture_web.url(host, "/robots.txt") and decision.line == 2
    report = check_site(fixture_web.origin(host), agent="GPTBot", fetcher=make_fetcher())
    assert report.crawl is Value.DISALLOWED and report.robots_outcome == "present"


def test_switching_protocols_makes_robots_unreachable(fixture_web: FixtureWeb,
                                                      make_fetcher: MakeFetcher) -> None:
    report = check_site(fixture_web.origin("switching.test"), agent="GPTBot",
                        fetcher=make_fetcher())
    robots = next(s for s in report.signals if s.mechanism == "robots")
    assert robots.outcome == "unreachable" and [d.code for d in robots.errors] == ["FET117"]
    assert report.crawl is Value.DISALLOWED  # RFC 9309 §2.3.1.4: complete disallow


# --- deadlines through the crawler and the CLI ----------------------------------------------------


def test_crawl_of_a_header_drip_keeps_its_deadline(fixture_web: FixtureWeb,
                                                   make_fetcher: MakeFetcher) -> None:
    before = fixture_web.hits("slow-headers.test", "/robots.txt")
    started = time.monotonic()
    report = check_site(fixture_web.origin("slow-headers.test"), agent="GPTBot",
                        fetcher=make_fetcher(total_timeout=1.0))
    robots = report.fetches["robots"]
    assert (robots.outcome, robots.error_kind) == ("unreachable", "timeout")
    assert report.fetches["home"].error_kind == "blocked"
    # robots.txt is asked once: the home page reuses the verdict instead of waiting again.
    assert fixture_web.hits("slow-headers.test", "/robots.txt") - before == 1
    assert time.monotonic() - started < 6.0


def test_cli_crawl_timeout_is_total(fixture_web: FixtureWeb) -> None:
    started = time.monotonic()
    done = cli("crawl", fixture_web.origin("slow-headers.test"), "--timeout", "2",
               "--delay", "0", "--format", "json", *pin(fixture_web, "slow-headers.test"))
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    [record] = json.loads(done.stdout)
    robots = next(s for s in record["signals"] if s["mechanism"] == "robots")
    assert robots["outcome"] == "unreachable"
    assert [e["code"] for e in robots["errors"]] == ["FET105"]
    # Before: over 100 s.  Now one 2 s deadline plus interpreter start-up, with room for load.
    assert elapsed < 20.0


def test_cli_crawl_redirect_chain_shares_the_timeout(fixture_web: FixtureWeb) -> None:
    done = cli("crawl", fixture_web.origin("slow-redirects.test"), "--timeout", "1.5",
               "--delay", "0", "--format", "json", *pin(fixture_web, "slow-redirects.test"))
    [record] = json.loads(done.stdout)
    robots = next(s for s in record["signals"] if s["mechanism"] == "robots")
    assert robots["outcome"] == "unreachable"
    assert [e["code"] for e in robots["errors"]] == ["FET105"]


# --- Crawl-delay capped ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["crawl-delay-long.test", "crawl-delay-digits.test"])
def test_catalogue_caps_crawl_delay(fixture_web: FixtureWeb, tmp_path: Path, host: str) -> None:
    items = tmp_path / "items.csv"
    items.write_text("url\n" + "".join(fixture_web.url(host, f"/page/{p}") + "\n"
                                       for p in "abc"), "utf-8")
    started = time.monotonic()
    done = cli("catalogue", str(items), "--format", "jsonl", "--delay", "0", "--jobs", "1",
               "--max-crawl-delay", "0.5", *pin(fixture_web, host))
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["status"] for r in records] == [200, 200, 200]
    assert "Traceback" not in done.stderr
    # Three pages, two waits of the 0.5 s cap: seconds, not days (or a crash for 400 digits).
    assert time.monotonic() - started < 30.0


def test_crawl_delay_over_the_cap_is_diagnosed(fixture_web: FixtureWeb,
                                               make_fetcher: MakeFetcher) -> None:
    report = check_site(fixture_web.origin("crawl-delay-digits.test"), fetcher=make_fetcher())
    robots = next(s for s in report.signals if s.mechanism == "robots")
    # spec §2: a reader honouring Crawl-delay SHOULD "report a value above the cap" [R-2-13].
    assert [(d.code, d.line, d.column) for d in robots.warnings] == [("ROB120", 2, 14)]


@pytest.mark.parametrize("command", ["crawl", "catalogue", "survey"])
def test_max_crawl_delay_is_offered_where_crawl_delay_is_honoured(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})
    assert "--max-crawl-delay" in result.stdout


def test_max_crawl_delay_must_be_a_sane_number(fixture_web: FixtureWeb) -> None:
    result = CliRunner().invoke(app, ["crawl", "x.test", "--max-crawl-delay", "1e400"])
    assert result.exit_code == 2


# --- a bare host says what was fetched (issue 12.9) -----------------------------------------------


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_check_bare_host_names_the_urls_fetched(fixture_web: FixtureWeb) -> None:
    host = f"declared.test:{fixture_web.port}"
    code, out, err = run("check", host, "/x", "--agent", "GPTBot", "--format", "jsonl",
                         "--timeout", "2", *pin(fixture_web, "declared.test"))
    assert code in (0, 1), err
    first, second = (json.loads(line) for line in out.splitlines())
    schema = json.loads((ROOT / "spec" / "check.schema.json").read_text("utf-8"))
    jsonschema.validate({"schema_version": 1, "decisions": [first, second]}, schema)
    # spec §13: "A reader SHOULD fetch it over https" [R-13-1]: a bare host is read as https;
    # spec §2: the declaration is read "at `/.well-known/aioptout.txt` of that origin" [R-2-1].
    assert first["target"] == f"https://{host}/" and second["target"] == f"https://{host}/x"
    fetched = {f["mechanism"]: f["url"] for f in first["fetched"]}
    assert fetched["robots"] == f"https://{host}/robots.txt"
    assert fetched["aioptout"] == f"https://{host}/.well-known/aioptout.txt"
    assert f"https://{host}/" in err  # the note says how the argument was read
    _, text, _ = run("check", host, "--agent", "GPTBot", "--timeout", "2",
                     *pin(fixture_web, "declared.test"))
    assert f"fetched https://{host}/robots.txt" in text


def test_crawl_bare_host_names_the_urls_fetched(fixture_web: FixtureWeb) -> None:
    host = f"declared.test:{fixture_web.port}"
    _, out, _ = run("crawl", host, "--format", "json", "--timeout", "2", "--delay", "0",
                    *pin(fixture_web, "declared.test"))
    [record] = json.loads(out)
    assert record["site"] == f"https://{host}"
    robots = next(s for s in record["signals"] if s["mechanism"] == "robots")
    assert robots["url"] == f"https://{host}/robots.txt"
    _, text, _ = run("crawl", host, "--timeout", "2", "--delay", "0",
                     *pin(fixture_web, "declared.test"))
    assert f"https://{host}/robots.txt" in text


def test_an_existing_file_is_never_taken_for_a_host(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("robots.txt").write_text("User-agent: *\nDisallow: /\n", "utf-8")
    result = CliRunner().invoke(app, ["check", "robots.txt", "/x", "--usage", "crawl"])
    assert result.exit_code == 1 and "checking the site" not in result.stderr


def test_a_missing_file_is_still_a_missing_file(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("robots.txt", "tdmrep.json", "sub/aioptout.txt"):
        result = CliRunner().invoke(app, ["check", name, "/x"])
        assert result.exit_code == 3 and "checking the site" not in result.stderr
