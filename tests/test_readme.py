"""The README's example declaration says what the README claims it says."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from aioptout import parse, validate
from aioptout.model import Value

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def _example() -> str:
    section = README.split("## A declaration", 1)[1]
    match = re.search(r"```\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_readme_declaration_is_valid() -> None:
    assert validate(_example(), now=NOW) == []


def test_readme_claims() -> None:
    decl = parse(_example())
    d = decl.evaluate("GPTBot", "https://northwind.example/artists/", "train-ai", now=NOW)
    assert (d.value, d.line, d.reason) == (
        Value.DISALLOWED, 10, "Content-Usage rule on line 10 says train-ai=n"
    )
    assert decl.evaluate("GPTBot", "isrc:GBNWR2600001", "train-ai", now=NOW).reserved
    assert decl.evaluate("Googlebot", "/", "search", now=NOW).value is Value.ALLOWED
    assert decl.evaluate("x", "/press/kit.zip", "train-ai", now=NOW).value is Value.ALLOWED


def test_quickstart_has_exactly_two_commands() -> None:
    quick = README.split("## Quickstart", 1)[1].split("##", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quick, re.DOTALL)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["./scripts/demo", "./scripts/test"]
