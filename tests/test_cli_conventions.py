"""One set of conventions across every command: help text, option defaults, piped output."""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from aioptout.cli import app

runner = CliRunner()

#: Options whose default differs on purpose, with the reason.
DEFAULT_EXCEPTIONS: dict[tuple[str, str], str] = {
    # The web validator answers a browser's request: its fetch must end well before the
    # browser gives up, so it keeps a shorter deadline than the command-line fetches.
    ("serve", "--timeout"): "web request budget",
    # explain without --agent explains every agent of the file; the others decide for one.
    ("explain", "--agent"): "absent means every agent",
    # the web validator serves a fixed port; the fixture web picks a free one for tests.
    ("fixtures serve", "--port"): "ephemeral port for tests",
    # publish --out is required; demo writes to its own folder.
    ("demo", "--out"): "demo folder",
}

# Typer's raw type names: <list[str]>, <str>, <int range>, <float>, <path>, <text|json>...
RAW_METAVAR = re.compile(r"<(?:list\[|str>|int|float|path>|Path>|bool>|[a-z0-9-]+\|)")


def _commands(command: Any = None, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    command = command if command is not None else typer.main.get_command(app)
    found = [(path, command)]
    for name, sub in (getattr(command, "commands", None) or {}).items():
        found += _commands(sub, (*path, name))
    return found


def _normal(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def test_every_command_is_seen() -> None:
    names = {" ".join(path) for path, _ in _commands()}
    assert {"crawl", "catalogue", "survey", "report", "explain", "filter",
            "fixtures serve"} <= names


@pytest.mark.parametrize("path", [p for p, _ in _commands()], ids=lambda p: " ".join(p) or "root")
def test_help_shows_no_raw_type_names(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], terminal_width=300)
    assert result.exit_code == 0
    assert RAW_METAVAR.findall(result.output) == []


def test_resolve_is_host_port_addr_everywhere() -> None:
    seen = 0
    for path, command in _commands():
        for param in getattr(command, "params", []):
            if param.param_type_name == "option" and param.opts[0] == "--resolve":
                seen += 1
                help_text = runner.invoke(app, [*path, "--help"], terminal_width=300).output
                assert "--resolve HOST:PORT:ADDR" in help_text, path
    assert seen >= 8


def test_one_default_per_option_name() -> None:
    defaults: dict[str, dict[Any, list[str]]] = {}
    for path, command in _commands():
        name = " ".join(path)
        for param in getattr(command, "params", []):
            if param.param_type_name != "option" or param.required:
                continue
            if (name, param.opts[0]) in DEFAULT_EXCEPTIONS:
                continue
            value = _normal(param.default)
            defaults.setdefault(param.opts[0], {}).setdefault(repr(value), []).append(name)
    split = {opt: by for opt, by in defaults.items() if len(by) > 1}
    assert split == {}
    for opt in ("--timeout", "--delay", "--max-crawl-delay", "--allow-private", "--resolve",
                "--format", "--jobs", "--agent", "--usage"):
        assert opt in defaults


def test_shared_options_have_one_spelling() -> None:
    """``--allow-private`` is a flag everywhere, never ``--allow-private/--no-allow-private``."""
    for _, command in _commands():
        for param in getattr(command, "params", []):
            if param.param_type_name == "option" and param.opts[0] == "--allow-private":
                assert param.secondary_opts == []


def test_default_timeout_is_the_fetchers() -> None:
    from aioptout._cli._sources import DEFAULT_TIMEOUT
    from aioptout.fetch import Fetcher

    assert Fetcher().total_timeout == DEFAULT_TIMEOUT


def test_piped_tables_are_not_cut(tmp_path: Path, fixture_web: Any) -> None:
    """stdout is not a TTY under CliRunner: a long agent name and URL come out whole."""
    agent = "Averyveryverylongagentnamethatwouldnotfitineightycolumns" * 2
    url = fixture_web.url("books.test", "/" + "deep/" * 30 + "page.html")
    rows = tmp_path / "items.csv"
    rows.write_text(f"url\n{url}\n", encoding="utf-8")
    result = runner.invoke(app, [
        "catalogue", str(rows), "--agent", agent, "--allow-private", "--delay", "0",
        "--resolve", f"books.test:{fixture_web.port}:127.0.0.1"])
    assert result.exit_code in (0, 1)
    assert url in result.stdout
    assert "…" not in result.stdout
    decl = tmp_path / "aioptout.txt"
    decl.write_text(f"Spec-Version: 1.0\nUser-Agent: {agent}\nDisallow-Usage: train-ai\n",
                    encoding="utf-8")
    explained = runner.invoke(app, ["explain", str(decl)])
    assert "…" not in explained.stdout
    assert agent in explained.stdout


def test_progress_bar_only_on_a_terminal(fixture_web: Any) -> None:
    from io import StringIO

    from rich.console import Console

    from aioptout._cli.crawl import _progress

    sites = [fixture_web.url(h) for h in list(fixture_web.sites)[:7]]
    result = runner.invoke(app, [
        "crawl", *sites, "--allow-private", "--delay", "0", "--format", "json",
        *[x for line in fixture_web.resolve_lines() for x in ("--resolve", line)]])
    assert "checking sites" not in result.stderr
    assert "\x1b[" not in result.stderr
    piped = Console(file=StringIO(), force_terminal=False)
    with _progress(10, "checking sites", console=piped) as tick:
        assert tick is None
    terminal = StringIO()
    with _progress(10, "checking sites", console=Console(file=terminal, force_terminal=True,
                                                         width=100)) as tick:
        assert tick is not None
        for _ in range(10):
            tick(None)
    assert "checking sites" in terminal.getvalue()
    assert "10/10" in terminal.getvalue()


def test_survey_runs_from_the_library_without_the_cli(tmp_path: Path) -> None:
    """aioptout.survey.run plans and runs what ``aioptout survey`` does; the CLI only wraps it."""
    from aioptout.survey import run
    from aioptout.survey.store import Store

    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "a.test.txt").write_bytes(b"User-agent: GPTBot\nDisallow: /\n")
    (saved / "b.test.txt").write_bytes(b"User-agent: *\nAllow: /\n")
    plan = run.plan(run.SurveyOptions(directory=saved, label="2025-01"))
    assert plan.total == 2
    stats = run.execute(plan, tmp_path / "s.sqlite", processes=1)
    assert stats.written == 2
    with Store(tmp_path / "s.sqlite", create=False, readonly=True) as store:
        assert store.labels() == ["2025-01"]
    again = run.execute(run.plan(run.SurveyOptions(directory=saved, label="2025-01")),
                        tmp_path / "s.sqlite", processes=1)
    assert (again.written, again.skipped) == (0, 2)
    with pytest.raises(run.SurveyUsage):
        run.plan(run.SurveyOptions())
    with pytest.raises(run.SurveyUsage):
        run.plan(run.SurveyOptions(directory=saved, label="bad label"))
    with pytest.raises(run.SurveyInput):
        run.plan(run.SurveyOptions(warc=(tmp_path / "missing.warc.gz",)))
