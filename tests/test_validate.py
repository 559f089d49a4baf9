"""The strict validation profile (spec §11.2) on top of lenient parsing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from aioptout import parse, validate
from aioptout.model import Severity

HEAD = "AIOptOut-Version: 1\n"
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "spec" / "examples").glob("*.txt"))


def found(text: str) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in validate(HEAD + text, now=NOW)]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_spec_example_validates_clean(path: Path) -> None:
    assert validate(path.read_bytes(), now=NOW) == []


def test_group_without_allow_or_disallow() -> None:
    # [R-6-3] Every group MUST contain at least one Allow or Disallow record.
    assert found("User-agent: a\nContent-Usage: train-ai=n\nUser-agent: b\nDisallow: /\n") == [
        ("AOO403", 2)
    ]


def test_agent_in_several_groups() -> None:
    # [R-6-4] A writer SHOULD name each agent in only one group.
    assert found("User-agent: a\nDisallow: /x\n\nUser-agent: A\nDisallow: /y\n") == [("AOO404", 5)]


def test_named_group_does_not_inherit_usage_rules() -> None:
    # [R-6-5] named groups do not inherit the usage rules of the * group.
    text = "User-agent: *\nAllow: /\nContent-Usage: train-ai=n\n\nUser-agent: x\nAllow: /\n"
    assert found(text) == [("AOO405", 6)]


def test_group_that_may_fetch_nothing_needs_no_usage_rules() -> None:
    text = "User-agent: *\nAllow: /\nContent-Usage: train-ai=n\n\nUser-agent: x\nDisallow: /\n"
    assert found(text) == []


def test_duplicate_rule() -> None:
    # [R-7.1-5] A writer SHOULD NOT repeat a rule.
    assert found("User-agent: *\nDisallow: /x\nDisallow: /x\n") == [("AOO505", 4)]


def test_conflicting_usage_rules_with_same_pattern() -> None:
    # [R-7.2-5]
    text = "User-agent: *\nAllow: /\nContent-Usage: /a train-ai=y\nContent-Usage: /a train-ai=n\n"
    assert found(text) == [("AOO515", 5)]


def test_extension_labels_only() -> None:
    # [R-8-5] also state the core labels.
    assert found("User-agent: *\nAllow: /\nContent-Usage: tdm=n\n") == [("AOO516", 4)]


def test_usage_rule_on_disallowed_path_never_applies() -> None:
    # [R-7.2-6]
    text = "User-agent: *\nAllow: /\nDisallow: /p/\nContent-Usage: /p/x train-ai=y\n"
    assert found(text) == [("AOO517", 5)]


def test_dates() -> None:
    # [R-5.6-2] [R-5.6-3] [R-5.6-4]
    assert found("Issued: 2026-02-01\nExpires: 2026-01-01\n")[:2] == [("AOO311", 3), ("AOO313", 3)]
    assert found("Issued: 2027-01-01\n") == [("AOO312", 2)]
    assert found("Expires: 2026-06-01\n") == [("AOO313", 2)]
    assert found("Expires: 2026-06-02\n") == []


def test_severity_follows_the_keyword() -> None:
    # [R-11-3] MUST → error, SHOULD → warning.
    diags = validate(
        HEAD + "User-agent: a\nContent-Usage: tdm=n\nUser-agent: b\nDisallow: /\n", now=NOW
    )
    severities = {d.code: d.severity for d in diags}
    assert severities == {"AOO403": Severity.ERROR, "AOO516": Severity.WARNING}


def test_validate_accepts_a_parsed_declaration_and_text_alike() -> None:
    text = HEAD + "User-agent: *\nDisallow: /x\nDisallow: /x\n"
    assert validate(parse(text), now=NOW) == validate(text.encode(), now=NOW)


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _corpus_robots() -> list[Path]:
    import os

    root = Path(os.environ.get("AIOPTOUT_CORPUS", CORPUS)) / "robots"
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.skipif(not _corpus_robots(), reason="shared/corpus is not beside this checkout")
def test_validate_command_completes_on_every_corpus_robots_file() -> None:
    # Issue: "aioptout validate on every file under corpus/robots completes without a traceback".
    import subprocess
    import sys

    files = [str(p) for p in _corpus_robots()]
    proc = subprocess.run(
        [sys.executable, "-m", "aioptout", "validate", "--kind", "aioptout", "--format", "json",
         *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]  # robots.txt files lack a version line
    assert "Traceback" not in proc.stderr
    import json

    report = json.loads(proc.stdout)
    assert len(report["files"]) == len(files)
    for entry in report["files"]:
        assert any(d["code"] == "AOO301" for d in entry["diagnostics"])
