"""conformance/tools/generate.py reproduces the case files it owns, byte for byte.

The JSON files are the source of truth; the generator only writes families of cases from tables.
If someone edits a generated file by hand, or changes a table without regenerating, these tests
say which case drifted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _conformance_suite import SUITE, load

generate = load("tools/generate")
lint = load("lint")
CASES_DIR = SUITE / "cases"


def test_every_generated_case_matches_its_file() -> None:
    drifted = []
    for cid, case in generate.build().items():
        path = CASES_DIR / f"{cid}.json"
        if not path.is_file():
            drifted.append(f"{cid}: missing")
        elif path.read_text(encoding="utf-8") != generate.render(case):
            drifted.append(f"{cid}: differs")
    assert not drifted, "run conformance/tools/generate.py:\n" + "\n".join(drifted)


def test_generation_is_deterministic() -> None:
    first = {cid: generate.render(case) for cid, case in generate.build().items()}
    second = {cid: generate.render(case) for cid, case in generate.build().items()}
    assert first == second
    assert list(first) == list(second)


def test_generated_cases_pass_the_case_lint() -> None:
    problems = {
        cid: found for cid, case in generate.build().items() if (found := lint.check_case(case))
    }
    assert not problems


def test_generated_files_look_like_hand_written_ones() -> None:
    # Same serialisation as the hand-written cases: two-space indent, UTF-8, final newline.
    case = generate.build()["usage/tree-tdm-n-alone"]
    text = generate.render(case)
    assert text.endswith("}\n")
    assert json.loads(text) == case
    assert text == json.dumps(case, indent=2, ensure_ascii=False) + "\n"


def test_check_mode_reports_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = tmp_path / "cases"
    assert generate.main(["--cases", str(cases)]) == 0
    assert generate.main(["--cases", str(cases), "--check"]) == 0
    edited = cases / "usage" / "tree-tdm-n-alone.json"
    edited.write_text(edited.read_text(encoding="utf-8").replace("disallowed", "allowed"),
                      encoding="utf-8")
    (cases / "paths" / "root-dollar-matches-only-root.json").unlink()
    capsys.readouterr()
    assert generate.main(["--cases", str(cases), "--check"]) == 1
    out = capsys.readouterr().out
    assert "usage/tree-tdm-n-alone: differs" in out
    assert "paths/root-dollar-matches-only-root: missing" in out


def test_write_refuses_to_replace_an_edited_file_without_force(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    assert generate.main(["--cases", str(cases)]) == 0
    edited = cases / "usage" / "tree-tdm-n-alone.json"
    edited.write_text("{}\n", encoding="utf-8")
    assert generate.main(["--cases", str(cases)]) == 1
    assert edited.read_text(encoding="utf-8") == "{}\n"
    assert generate.main(["--cases", str(cases), "--force"]) == 0
    assert json.loads(edited.read_text(encoding="utf-8"))["level"] == "must"


def test_duplicate_ids_and_long_descriptions_are_refused() -> None:
    suite = generate.Suite()
    suite.add("syntax/x", "A fact", ["R-4-1"], "must", text="", errors=[generate.d("AOO301", 1)])
    with pytest.raises(ValueError, match="listed twice"):
        suite.add("syntax/x", "A fact", ["R-4-1"], "must", text="",
                  errors=[generate.d("AOO301", 1)])
    with pytest.raises(ValueError, match="longer than"):
        suite.add("syntax/y", "x" * 71, ["R-4-1"], "must", text="",
                  errors=[generate.d("AOO301", 1)])
