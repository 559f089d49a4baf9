"""``aioptout check`` and ``aioptout robots`` over files of every kind and over the fixture web."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aioptout.cli import app
from aioptout.fixtureweb import FixtureWeb

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "spec" / "examples"
DATA = ROOT / "aioptout" / "data" / "fixtureweb"
runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin, env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def values(out: str) -> list[str]:
    return [json.loads(line)["value"] for line in out.splitlines()]


def test_check_declaration_targets_and_exit_code() -> None:
    code, out, _ = run("check", str(EXAMPLES / "record-label.txt"), "--agent", "GPTBot",
                       "--format", "jsonl", "--now", "2026-06-01T00:00:00Z",
                       "isrc:GBNWR2600001", "/press/kit.zip")
    assert code == 1
    assert values(out) == ["disallowed", "allowed"]
    code, out, _ = run("check", str(EXAMPLES / "record-label.txt"), "--agent", "GPTBot",
                       "--format", "jsonl", "--now", "2026-06-01T00:00:00Z", "/press/kit.zip")
    assert code == 0


def test_check_crawl_usage_uses_the_declaration_rules() -> None:
    code, out, _ = run("check", str(EXAMPLES / "newsroom.txt"), "--agent", "GPTBot",
                       "--usage", "crawl", "--format", "jsonl", "/world/x")
    assert code == 1 and values(out) == ["disallowed"]


def test_check_combines_files_of_several_kinds(tmp_path: Path) -> None:
    robots = tmp_path / "robots.txt"
    robots.write_text("User-agent: *\nAllow: /\nContent-Signal: search=yes, ai-train=no\n")
    tdm = tmp_path / "tdmrep.json"
    tdm.write_text('[{"location": "/news/", "tdm-reservation": 1}]')
    code, out, _ = run("check", str(robots), "--with", str(tdm), "--agent", "SomeBot",
                       "--usage", "search", "--format", "jsonl", "/news/a", "/other")
    # tdm=n reaches search at /news/ (any "no" wins); Content-Signal allows search elsewhere.
    assert values(out) == ["disallowed", "allowed"]
    assert code == 1
    code, out, _ = run("check", str(robots), "--agent", "SomeBot", "--usage", "train-ai",
                       "--format", "json", "/x", "--explain")
    decision = json.loads(out)["decisions"][0]
    assert decision["value"] == "disallowed" and decision["mechanism"] == "content-signal"


def test_check_rejects_an_unknown_usage() -> None:
    assert run("check", str(EXAMPLES / "minimal.txt"), "--usage", "bots", "/")[0] == 2


def test_check_needs_targets_for_a_policy_file() -> None:
    assert run("check", str(EXAMPLES / "minimal.txt"))[0] == 2


def test_check_a_site_over_the_fixture_web(fixture_web: FixtureWeb) -> None:
    resolve = [arg for line in fixture_web.resolve_lines() for arg in ("--resolve", line)]
    code, out, err = run("check", fixture_web.url("declared.test", "/news/a"), "--agent",
                         "GPTBot", "--usage", "train-ai", "--format", "jsonl", *resolve)
    assert code == 1, err
    assert values(out) == ["disallowed"]


def test_check_a_policy_url_over_the_fixture_web(fixture_web: FixtureWeb) -> None:
    resolve = [arg for line in fixture_web.resolve_lines() for arg in ("--resolve", line)]
    url = fixture_web.url("declared.test", "/.well-known/aioptout.txt")
    code, out, _ = run("check", url, "--agent", "CCBot", "--format", "jsonl", "/", "/press/x",
                       *resolve)
    # The fixture declaration: "Content-Usage: train-ai=n" and "/press/ train-ai=y" for *.
    assert values(out) == ["disallowed", "allowed"]
    assert code == 1


def test_robots_command_over_http_follows_rfc9309_status_rules(fixture_web: FixtureWeb) -> None:
    resolve = [arg for line in fixture_web.resolve_lines() for arg in ("--resolve", line)]
    # RFC 9309 §2.3.1.3: 4xx means "no restrictions"; §2.3.1.4: 5xx means complete disallow.
    code, out, err = run("robots", fixture_web.url("status-404.test", "/robots.txt"),
                         "--agent", "GPTBot", "--format", "jsonl", "/x", *resolve)
    assert code == 0 and json.loads(out)["allowed"] is True and "unavailable" in err
    code, out, err = run("robots", fixture_web.url("status-503.test", "/robots.txt"),
                         "--agent", "GPTBot", "--format", "jsonl", "/x", *resolve)
    assert code == 1 and json.loads(out)["allowed"] is False and "unreachable" in err


def test_robots_command_refuses_private_addresses_by_default() -> None:
    code, _, err = run("robots", "http://127.0.0.1:9/robots.txt", "--agent", "x", "/")
    assert code == 1 and "unreachable" in err and "refused" in err
