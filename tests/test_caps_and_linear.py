"""Issue 12.5: every diagnostic code capped per input (spec §11.3), every analysis linear."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest
from _linear import assert_linear
from typer.testing import CliRunner

from aioptout import diagnostics as D
from aioptout._limits import MAX_DIAGNOSTICS_PER_CODE as CAP
from aioptout._match import normalize_pattern
from aioptout.cli import app as cli_app
from aioptout.model import Diagnostic
from aioptout.parse import parse
from aioptout.signals import aipref, aitxt, contentsignal, robotsmeta, tdmrep
from aioptout.signals.robots import RobotsTxt
from aioptout.validate import validate

HEAD = "AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n"
SUMMARY = re.compile(r"\((\d+) more not shown\)$")


def assert_capped(diagnostics: Iterable[Diagnostic | dict[str, object]],
                  expected: dict[str, int]) -> None:
    """Each code in ``expected`` (code → violations) is reported per spec §11.3."""
    found = [d if isinstance(d, dict) else d.to_dict() for d in diagnostics]
    counts = Counter(str(d["code"]) for d in found)
    assert all(seen <= CAP + 1 for seen in counts.values()), counts
    for code, violations in expected.items():
        of_code = [d for d in found if d["code"] == code]
        summaries = [d for d in of_code if SUMMARY.search(str(d["message"]))]
        if violations <= CAP:
            assert len(of_code) == violations and not summaries
            continue
        # R-11.3-2: exactly one summary, at the 51st violation, counting the unreported ones.
        assert len(of_code) == CAP + 1 and len(summaries) == 1, (code, len(of_code))
        match = SUMMARY.search(str(summaries[0]["message"]))
        assert match is not None and int(match.group(1)) == violations - CAP
        positions = sorted((int(str(d["line"])), int(str(d["column"]))) for d in of_code)
        assert (summaries[0]["line"], summaries[0]["column"]) == positions[-1]


# --- the cap, in one place --------------------------------------------------------------------

def test_capped_keeps_the_first_by_position_and_summarises_at_the_next() -> None:
    code = D.BAD_PATH
    found = [code.at(line, 2) for line in range(200, 0, -1)]  # reverse order
    kept = D.capped(found)
    assert [d.line for d in kept] == list(range(CAP + 1, 0, -1))
    summary = kept[0]
    assert summary.line == CAP + 1 and summary.code == code.code
    assert summary.message == f"{code.title} ({200 - CAP} more not shown)"
    assert D.capped(found[:CAP]) == found[:CAP]


def test_declarations_with_120000_repeated_lines_give_bounded_json(tmp_path: Path) -> None:
    # Spec R-11.3-1 and R-11.3-2, through the command and its JSON output.
    # All within the 512,000 octets read (R-3-5): every line counts.
    n = 120_000
    path = tmp_path / "aioptout.txt"
    path.write_text(HEAD + "x\n" * n + "Disallow: /d\n" * 20_000)
    assert path.stat().st_size < 512_000
    result = CliRunner().invoke(cli_app, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1, result.output
    assert len(result.stdout) < 100_000  # 2.3 MB before the cap
    diagnostics = json.loads(result.stdout)["files"][0]["diagnostics"]
    # AOO201 not a record; AOO505 a rule repeating an earlier one (a cross-line check).
    assert_capped(diagnostics, {"AOO201": n, "AOO505": 20_000 - 1})
    summary = next(d for d in diagnostics if d["code"] == "AOO201" and SUMMARY.search(d["message"]))
    assert summary["line"] == 4 + CAP  # the 51st "x" line


def test_cross_line_checks_are_capped() -> None:
    n = 3_000
    text = "AIOptOut-Version: 1\n" + "User-agent: a\nContent-Usage: train-ai=n\n" * n
    found = validate(text)
    # AOO403: a group without Allow or Disallow; AOO404: agent in several groups.
    assert_capped(found, {"AOO403": n, "AOO404": n - 1})
    text = HEAD + "Content-Usage: /x train-ai=n\nContent-Usage: /x train-ai=y\n" * n
    assert_capped(validate(text), {"AOO515": 2 * n - 1})


def test_each_format_caps_its_codes() -> None:
    n = 5_000
    robots = RobotsTxt.parse("User-agent: *\n" + "Noindex: /x\n" * n)
    assert_capped(robots.diagnostics, {"ROB101": n})
    assert_capped(tdmrep.parse_file("[" + "1," * (n - 1) + "1]").diagnostics, {"TDM104": n})
    rules = ",".join('{"location": "/a", "tdm-reservation": 1}' for _ in range(n))
    assert_capped(tdmrep.parse_file(f"[{rules}]").diagnostics, {"TDM111": n - 1})
    html = '<meta name="tdm-reservation" content="1"><meta name="tdm-reservation" content="0">'
    assert_capped(tdmrep.from_html(html * n).diagnostics, {"TDM122": 2 * n - 1})
    assert_capped(aitxt.parse("User-agent: *\n" + "Disallow: x\n" * n).diagnostics,
                  {"AIT105": n})
    usage = RobotsTxt.parse("User-agent: *\nAllow: /\n" + "Content-Usage: train-ai=maybe\n" * n)
    assert_capped(aipref.from_robots(usage).diagnostics, {"APR105": n})
    signals = RobotsTxt.parse("User-agent: *\nAllow: /\n" + "Content-Signal: search=yes\n" * n)
    assert_capped(contentsignal.from_robots(signals).diagnostics, {"CSG104": n - 1})
    assert_capped(robotsmeta.from_html('<meta name="robots" content="noai,bogus">' * n)
                  .diagnostics, {})


def test_a_file_under_the_cap_is_unchanged() -> None:
    found = parse(HEAD + "Disallow: x\n" * CAP).diagnostics
    assert [d.line for d in found if d.code == "AOO501"] == list(range(4, 4 + CAP))
    assert not any(SUMMARY.search(d.message) for d in found)


# --- TDMRep shadowing ---------------------------------------------------------------------------

def _shadowing_reference(rules: list[tdmrep.TdmRule]) -> list[tuple[int, int | None]]:
    """The quadratic definition: each rule against every earlier plain prefix, in order."""
    out: list[tuple[int, int | None]] = []
    prefixes: list[tuple[str, tdmrep.TdmRule]] = []
    for rule in rules:
        literal, plain = tdmrep._literal_prefix(normalize_pattern(rule.location))
        earlier = next((r for p, r in prefixes if literal.startswith(p)), None)
        out.append((rule.line, None if earlier is None else earlier.line))
        if plain:
            prefixes.append((literal, rule))
    return out


def _file(locations: list[str]) -> str:
    return "[\n" + ",\n".join(
        json.dumps({"location": loc, "tdm-reservation": 1}) for loc in locations) + "\n]"


@pytest.mark.parametrize("seed", range(30))
def test_shadowing_agrees_with_the_quadratic_definition(seed: int) -> None:
    chooser = random.Random(seed)
    locations = ["/" + "".join(chooser.choice("ab*$") for _ in range(chooser.randint(0, 4)))
                 for _ in range(chooser.randint(1, 40))]
    parsed = tdmrep.parse_file(_file(locations))
    expected = [(line, by) for line, by in _shadowing_reference(list(parsed.rules))
                if by is not None]
    got = [(d.line, int(re.search(r"line (\d+)", d.message).group(1)))  # type: ignore[union-attr]
           for d in parsed.diagnostics if d.code == "TDM111"]
    assert got == expected[:CAP] + expected[CAP:CAP + 1]


def test_tdmrep_shadowing_is_linear() -> None:
    # 11,500 distinct plain prefixes: the old check compared each with every earlier one.
    assert_linear(lambda n: _file([f"/section/{i}/" for i in range(n)]), tdmrep.parse_file, 3_000)
    # 200 kept prefixes that nest (each shorter one later), then locations that all of them
    # are prefixes of: the earliest shadowing rule is still found in one pass per location.
    chain = ["/" + "a" * k for k in range(200, 0, -1)]
    assert_linear(lambda n: _file(chain + ["/" + "a" * 200 + f"b{i}" for i in range(n)]),
                  tdmrep.parse_file, 1_000)


# --- the other analyses -------------------------------------------------------------------------

def test_content_signal_repeats_are_linear_in_agents_and_lines() -> None:
    def robots(n: int) -> RobotsTxt:
        agents = "".join(f"User-agent: bot{chr(97 + i % 26)}{i // 26}x\n" for i in range(n))
        return RobotsTxt.parse(agents + "Allow: /\n" + "Content-Signal: search=yes\n" * n)

    # Every line but the first is a repeat (CSG103) for every agent of the group.
    assert_capped(contentsignal.from_robots(robots(300)).diagnostics, {"CSG104": 299})
    assert_linear(robots, contentsignal.from_robots, 1_000)


def test_validate_cross_line_checks_are_linear() -> None:
    def declaration(n: int) -> str:
        agents = "".join("User-agent: samebot\n" for _ in range(n))
        rules = "".join(f"Disallow: /d/{i}/\nContent-Usage: /c/{i}/ train-ai=n\n" for i in range(n))
        return "AIOptOut-Version: 1\n" + agents + rules + "User-agent: samebot\nAllow: /\n"

    assert_linear(lambda n: parse(declaration(n)), validate, 1_000)


@pytest.mark.parametrize("seed", range(40))
def test_validate_crawl_decisions_agree_with_evaluate(seed: int) -> None:
    from aioptout.evaluate import _crawl, _index_for
    from aioptout.validate import _Tables

    chooser = random.Random(seed)
    pieces = ["/a", "/b", "/ab", "*", "$", "/", "x"]
    lines = ["AIOptOut-Version: 1"]
    for _ in range(chooser.randint(1, 4)):
        lines.append(f"User-agent: {chooser.choice(['*', 'bot', 'other'])}")
        for _ in range(chooser.randint(1, 8)):
            kind = chooser.choice(["Allow", "Disallow"])
            pattern = "".join(chooser.choice(pieces) for _ in range(chooser.randint(1, 3)))
            lines.append(f"{kind}: /{pattern.lstrip('/')}")
    decl = parse("\n".join(lines) + "\n")
    tables = _Tables(decl)
    paths = ["/", "/a", "/ab", "/abx", "/b", "/a$", "/x/a", "/robots.txt", "/bab"]
    for agent in ("bot", "other", "*", "nobody"):
        for path in paths:
            expected = _crawl(_index_for(decl, agent), path)[1]
            assert tables.get(agent).decide(path) is expected, (agent, path, lines)


def test_validate_never_applies_is_linear_with_many_crawl_rules() -> None:
    def declaration(n: int) -> str:
        rules = "".join(f"Disallow: /c/{i}x/\nContent-Usage: /c/{i}/ train-ai=n\n"
                        for i in range(n))
        return "AIOptOut-Version: 1\nUser-agent: *\n" + rules

    assert_linear(lambda n: parse(declaration(n)), validate, 1_000)

    def groups(n: int) -> str:  # one group per agent: the groups of each agent found once
        return "AIOptOut-Version: 1\n" + "".join(
            f"User-agent: bot{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676)}\n"
            f"Disallow: /p/\nContent-Usage: /p/{i}/ train-ai=n\n" for i in range(n))

    found = validate(groups(60))
    assert_capped(found, {"AOO517": 60})
    assert_linear(lambda n: parse(groups(n)), validate, 500)
