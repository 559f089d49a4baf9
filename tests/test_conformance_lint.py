"""The conformance suite lints itself: schema, IDs, descriptions, anchors, traceability."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from _conformance_suite import SUITE, load

lint = load("lint")
SPEC = SUITE.parent / "spec" / "aioptout.md"
SCHEMA = json.loads((SUITE / "schema" / "case.schema.json").read_text(encoding="utf-8"))
CASE_FILES = sorted((SUITE / "cases").rglob("*.json"))


def test_suite_has_no_lint_problems() -> None:
    problems = lint.lint(SUITE / "cases", SPEC)
    assert not problems, "\n".join(f"{where}: {message}" for where, message in problems)


def test_every_must_and_should_requirement_has_a_vector() -> None:
    # Issue: "every requirement anchor in spec/aioptout.md that uses MUST or SHOULD has at
    # least one vector"; anchors the protocol cannot observe are listed with a reason in
    # conformance/outside-protocol.json instead.
    missing = lint.uncovered(SUITE / "cases", SPEC)
    assert not missing, "uncovered anchors:\n" + "\n".join(f"{a}: {s}" for a, s in missing)


def test_schema_is_valid_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "path", CASE_FILES, ids=[p.relative_to(SUITE / "cases").as_posix() for p in CASE_FILES]
)
def test_case_matches_schema(path: Path) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(path.read_text(encoding="utf-8")))


def _good() -> dict[str, Any]:
    return {
        "description": "An empty Disallow value matches no path",
        "spec": ["R-6-3"],
        "level": "must",
        "input": {"text": "AIOptOut-Version: 1\nUser-agent: *\nDisallow:\n"},
        "validate": {"valid": True, "errors": []},
        "evaluate": [{"agent": "A", "target": "/", "usage": "crawl", "expected": "allowed"}],
    }


BAD_CASES: dict[str, dict[str, Any]] = {
    "long description": {"description": "x" * 71},
    "should in description": {"description": "A reader Should ignore it"},
    "missing level": {"level": None},
    "unknown level": {"level": "extension"},
    "bad anchor": {"spec": ["3.1"]},
    "empty spec": {"spec": []},
    "no expectations": {"validate": None, "evaluate": None},
    "valid with errors": {"validate": {"valid": True, "errors": [{"code": "AOO201", "line": 1}]}},
    "invalid without errors": {"validate": {"valid": False, "errors": []}},
    "message text": {"validate": {"valid": False, "errors": [{"code": "AOO201", "line": 1,
                                                               "message": "x"}]}},
    "bad usage": {"evaluate": [{"agent": "A", "target": "/", "usage": "ai",
                                "expected": "allowed"}]},
    "bad expected": {"evaluate": [{"agent": "A", "target": "/", "usage": "crawl",
                                   "expected": "yes"}]},
    "bad base64": {"input": {"base64": "@@"}},
    "two inputs": {"input": {"text": "", "base64": ""}},
    "bad now": {"now": "June 2026"},
    "unknown key": {"expected": {}},
}


def _variant(changes: dict[str, Any]) -> dict[str, Any]:
    case = _good()
    for key, value in changes.items():
        if value is None:
            case.pop(key, None)
        else:
            case[key] = value
    return case


def test_good_case_passes_both_checks() -> None:
    assert lint.check_case(_good()) == []
    jsonschema.Draft202012Validator(SCHEMA).validate(_good())


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_lint_and_schema_reject_the_same_faults(name: str) -> None:
    case = _variant(BAD_CASES[name])
    assert lint.check_case(case), f"lint accepted: {name}"
    assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(case), f"schema accepted: {name}"


def _suite(tmp_path: Path, files: dict[str, dict[str, Any]]) -> Path:
    cases = tmp_path / "cases"
    for cid, case in files.items():
        path = cases / f"{cid}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(case), encoding="utf-8")
    return cases


def _spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.md"
    path.write_text(text, encoding="utf-8")
    return path


SMALL_SPEC = (
    "## 6 Groups\n\n"
    "- Every group MUST contain at least one `Allow` or `Disallow` record. [R-6-3]\n"
    "- A writer SHOULD name each agent in only one group. [R-6-4]\n"
    "- A reader MAY accept misspellings. [R-6-9]\n\n"
    "Anchors look like `[R-6-4]` in prose.\n"
)


def test_lint_finds_suite_level_problems(tmp_path: Path) -> None:
    cases = _suite(tmp_path, {
        "groups/fine": _good(),
        "groups/unknown-anchor": _variant({"spec": ["R-6-7"]}),
        "nowhere/fine": _good(),
        "groups/Bad_Slug": _good(),
        "groups/nested/deeper": _good(),
    })
    (cases / "groups" / "notes.txt").write_text("stray", encoding="utf-8")
    spec = _spec(tmp_path, SMALL_SPEC)
    found = lint.lint(cases, spec, tmp_path / "absent.json")
    by_id: dict[str, list[str]] = {}
    for where, message in found:
        by_id.setdefault(where, []).append(message)
    assert set(by_id) == {
        "groups/unknown-anchor", "nowhere/fine", "groups/Bad_Slug", "groups/nested/deeper",
        "groups/notes.txt",
    }
    assert any("R-6-7" in m for m in by_id["groups/unknown-anchor"])


def test_lint_rejects_duplicate_ids_ignoring_case(tmp_path: Path) -> None:
    cases = _suite(tmp_path, {"groups/fine": _good()})
    upper = cases / "GROUPS" / "fine.json"
    upper.parent.mkdir()
    upper.write_text(json.dumps(_good()), encoding="utf-8")
    found = lint.lint(cases, _spec(tmp_path, SMALL_SPEC), tmp_path / "absent.json")
    assert any("duplicate ID" in message for _, message in found)


def test_trace_lists_uncovered_must_and_should_anchors_only(tmp_path: Path) -> None:
    cases = _suite(tmp_path, {"groups/fine": _good()})
    spec = _spec(tmp_path, SMALL_SPEC)
    absent = tmp_path / "absent.json"
    # R-6-3 is covered, R-6-9 is only a MAY, the quoted `[R-6-4]` is not a definition.
    assert lint.uncovered(cases, spec, absent) == [
        ("R-6-4", "A writer SHOULD name each agent in only one group.")
    ]
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"anchors": {"R-6-4": "not observable"}}), encoding="utf-8")
    assert lint.uncovered(cases, spec, outside) == []


def test_outside_protocol_anchors_must_exist(tmp_path: Path) -> None:
    cases = _suite(tmp_path, {"groups/fine": _good()})
    outside = tmp_path / "outside.json"
    outside.write_text(json.dumps({"anchors": {"R-99-1": "gone"}}), encoding="utf-8")
    found = lint.lint(cases, _spec(tmp_path, SMALL_SPEC), outside)
    assert any("R-99-1" in message for _, message in found)


def test_requirement_sentence_is_the_text_before_its_anchor() -> None:
    text = (
        "Intro.\n\nReaders and input. A reader MUST go on reading (Section 7.1). [R-3-7] "
        "A reader MAY refuse binary input.\n"
        "- Matching uses `A-Z a-z 0-9 - . _ ~`; other escapes stay encoded. [R-7.1-6]\n"
    )
    sentences = lint.spec_sentences(text)
    assert sentences["R-3-7"] == "Readers and input. A reader MUST go on reading (Section 7.1)."
    assert sentences["R-7.1-6"].startswith("Matching uses")
    assert lint.normative_anchors(text) == ["R-3-7"]


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert lint.main(["--trace"]) == 0
    cases = _suite(tmp_path, {"groups/long": _variant({"description": "y" * 80})})
    assert lint.main(["--cases", str(cases), "--spec", str(_spec(tmp_path, SMALL_SPEC))]) == 1
    assert lint.main(["--cases", str(tmp_path / "none")]) == 2
    assert "groups/long:" in capsys.readouterr().out
