"""``aioptout init`` writes files that mean what its options say, for every agent they name."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aioptout import parse, validate
from aioptout.cli import app
from aioptout.init import StarterOptions, render_starter
from aioptout.usage import LABELS

runner = CliRunner()
README_INIT = ["init", "--rightsholder", "Northwind Records", "--contact",
               "mailto:rights@northwind.example", "--catalogue", "isrc:GBNWR*", "--block", "GPTBot"]


def test_readme_example_reserves_the_catalogue_for_the_blocked_agent(tmp_path: Path) -> None:
    out = tmp_path / "aioptout.txt"
    made = runner.invoke(app, [*README_INIT, "--no-interactive", "-o", str(out)])
    assert made.exit_code == 0, made.stderr
    checked = runner.invoke(app, ["check", str(out), "isrc:GBNWR2600001", "--agent", "GPTBot",
                                  "--usage", "train-ai", "--format", "json"])
    assert checked.exit_code == 1, checked.stdout + checked.stderr
    document = json.loads(checked.stdout)
    # Decided by the Work-Usage line of GPTBot's own group, the file's last line.
    last = len(out.read_text(encoding="utf-8").splitlines())
    assert [(d["value"], d["line"]) for d in document["decisions"]] == [("disallowed", last)]
    assert runner.invoke(app, ["validate", str(out), "--fail-on", "warning"]).exit_code == 0


@pytest.mark.parametrize(
    ("catalogue", "block", "reserve_training", "allow_search", "reserve_ai_input"),
    [(c, b, t, s, a)
     for c, b in [((), ()), (("isrc:GBNWR*",), ()), (("isrc:GBNWR*",), ("GPTBot",)),
                  (("isrc:GBNWR*", "ean:5012345*"), ("GPTBot", "CCBot"))]
     for t, s, a in itertools.product((True, False), repeat=3)],
)
def test_every_agent_meets_every_catalogue_rule(
    catalogue: tuple[str, ...], block: tuple[str, ...], reserve_training: bool,
    allow_search: bool, reserve_ai_input: bool,
) -> None:
    text = render_starter(StarterOptions(
        catalogue=catalogue, block=block, reserve_training=reserve_training,
        allow_search=allow_search, reserve_ai_input=reserve_ai_input, issued="2026-01-01"))
    assert validate(text) == []
    decl = parse(text)
    works = ["isrc:GBNWR2600001", "ean:5012345678900"][: len(catalogue)]
    for agent, work, label in itertools.product(block, works, LABELS):
        assert (decl.evaluate(agent, work, label).value
                is decl.evaluate("OtherBot", work, label).value), (agent, work, label)
        assert decl.evaluate(agent, "/", "crawl").value.value == "disallowed"
    for work in works:
        expected = "disallowed" if reserve_training else "allowed"
        assert decl.evaluate("OtherBot", work, "train-ai").value.value == expected


# What init wrote before: GPTBot's own group had no Work-Usage rule.
OLD_OUTPUT = """AIOptOut-Version: 1
User-agent: *
Allow: /
Content-Usage: train-ai=n, search=y
Work-Usage: isrc:GBNWR* train-ai=n, search=y
Work-Usage: ean:5012345* train-ai=n, search=y

User-agent: GPTBot
User-agent: CCBot
Disallow: /
Work-Usage: isrc:GBNWR* train-ai=n, search=y
"""


def _aoo520(text: str) -> list[int]:
    return [d.line for d in validate(text) if d.code == "AOO520"]


def test_validate_warns_where_a_catalogue_rule_does_not_reach() -> None:
    # Both agents of the second group lack ean:5012345*: one warning per agent line.
    assert _aoo520(OLD_OUTPUT) == [8, 9]
    # A named group's catalogue that * lacks: every other agent misses it.
    only_named = ("AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n\nUser-agent: GPTBot\n"
                  "Allow: /\nContent-Usage: train-ai=n, search=y\n"
                  "Work-Usage: isrc:GBNWR* train-ai=n, search=y\n")
    assert _aoo520(only_named) == [2]
    # No Work-Usage anywhere, or the same everywhere: nothing to say.
    assert _aoo520("AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n"
                   "\nUser-agent: GPTBot\nDisallow: /\n") == []
    fixed = OLD_OUTPUT + "Work-Usage: ean:5012345* train-ai=n\n"
    assert _aoo520(fixed) == []


def test_an_agent_in_several_groups_is_judged_by_all_of_them() -> None:
    text = ("AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nWork-Usage: isrc:GBNWR* train-ai=n\n"
            "\nUser-agent: GPTBot\nDisallow: /\n"
            "\nUser-agent: GPTBot\nAllow: /x\nWork-Usage: isrc:GBNWR* train-ai=n\n")
    assert parse(text).evaluate("GPTBot", "isrc:GBNWR2600001", "train-ai").value.value == (
        "disallowed")
    assert _aoo520(text) == []
