"""conformance/run.py: the stdlib-only runner that any implementation plugs into."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _conformance_suite import SUITE, load

run = load("run")
MINIMAL = SUITE / "examples" / "minimal_reader.py"

# A fake implementation: validate says "valid, no diagnostics"; evaluate answers "unknown",
# except that it crashes on a target of "/crash" and hangs on "/hang".
FAKE = """
import json, sys, time
request = json.load(sys.stdin)
if request["mode"] == "validate":
    print(json.dumps({"valid": True, "diagnostics": []}))
else:
    targets = [q["target"] for q in request["queries"]]
    if "/crash" in targets:
        sys.exit(3)
    if "/hang" in targets:
        time.sleep(30)
    print(json.dumps({"results": ["unknown"] * len(targets)}))
"""


def _case(level: str, target: str, expected: str, **extra: Any) -> dict[str, Any]:
    case: dict[str, Any] = {
        "description": "A fact", "spec": ["R-6-3"], "level": level,
        "input": {"text": "AIOptOut-Version: 1\nUser-agent: *\nDisallow:\n"},
        "evaluate": [{"agent": "A", "target": target, "usage": "crawl", "expected": expected}],
    }
    case.update(extra)
    return case


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    cases = {
        "paths/passes": _case("must", "/x", "unknown"),
        "paths/fails": _case("must", "/x", "allowed"),
        "groups/passes-too": _case("should", "/y", "unknown",
                                   validate={"valid": True, "errors": []}),
    }
    root = tmp_path / "cases"
    for cid, case in cases.items():
        (root / cid).parent.mkdir(parents=True, exist_ok=True)
        (root / f"{cid}.json").write_text(json.dumps(case), encoding="utf-8")
    (tmp_path / "fake.py").write_text(FAKE, encoding="utf-8")
    return tmp_path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SUITE / "run.py"), *args],
        capture_output=True, text=True, timeout=300, check=False,
    )


def _fake(suite: Path) -> str:
    return f"{sys.executable} {suite / 'fake.py'}"


def test_one_failing_case_exits_1_with_a_diff(suite: Path) -> None:
    done = _run("--impl", _fake(suite), "--cases", str(suite / "cases"))
    assert done.returncode == 1
    assert "FAIL paths/fails" in done.stdout
    assert "-A /x crawl: allowed" in done.stdout and "+A /x crawl: unknown" in done.stdout
    assert "3 cases: 2 passed, 1 failed" in done.stdout


def test_json_output_shape(suite: Path) -> None:
    done = _run("--impl", _fake(suite), "--cases", str(suite / "cases"), "--format", "json")
    assert done.returncode == 1
    doc = json.loads(done.stdout)
    assert doc["passed"] == 2 and doc["failed"] == 1
    assert doc["by_level"] == {"must": {"passed": 1, "failed": 1},
                               "should": {"passed": 1, "failed": 0}}
    assert doc["by_area"]["paths"] == {"passed": 1, "failed": 1}
    [failure] = doc["failures"]
    assert failure["id"] == "paths/fails" and failure["level"] == "must"
    assert failure["spec"] == ["R-6-3"] and len(failure["problems"]) == 1


def test_level_and_glob_select_cases(suite: Path) -> None:
    assert _run("--impl", _fake(suite), "--cases", str(suite / "cases"),
                "--level", "should").returncode == 0
    assert _run("--impl", _fake(suite), "--cases", str(suite / "cases"),
                "--run", "paths/pass*").returncode == 0
    done = _run("--impl", _fake(suite), "--cases", str(suite / "cases"), "--run", "nothing/*")
    assert done.returncode == 2


def test_command_that_cannot_start_exits_2(suite: Path) -> None:
    done = _run("--impl", str(suite / "no-such-reader"), "--cases", str(suite / "cases"))
    assert done.returncode == 2
    assert "cannot start" in done.stderr


def test_usage_errors_exit_2(suite: Path) -> None:
    assert _run("--cases", str(suite / "cases")).returncode == 2
    assert _run("--impl", "x", "--level", "extension").returncode == 2
    assert _run("--impl", "x", "--jobs", "0").returncode == 2
    (suite / "cases" / "paths" / "broken.json").write_text("{", encoding="utf-8")
    assert _run("--impl", _fake(suite), "--cases", str(suite / "cases")).returncode == 2


def test_crash_and_timeout_are_failures(suite: Path) -> None:
    cases = [_case("must", "/crash", "unknown"), _case("must", "/hang", "unknown")]
    for number, case in enumerate(cases):
        case.update(id=f"paths/{number}", area="paths")
    handler = run.command_handler([sys.executable, str(suite / "fake.py")], timeout=1)
    crashed, hung = run.run_cases(cases, handler, jobs=2)
    assert not crashed.passed and "exit status 3" in crashed.problems[0]
    assert not hung.passed and "no answer within 1 s" in hung.problems[0]


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        ({"valid": "yes", "diagnostics": []}, "validate response is"),
        ({"valid": True, "diagnostics": [{"code": "AOO201", "severity": "error", "line": 1}]},
         "inconsistent"),
        ({"valid": False, "diagnostics": [{"code": "AOO201", "severity": "fatal", "line": 1}]},
         "bad diagnostic"),
    ],
)
def test_malformed_validate_responses_fail(response: dict[str, Any], fragment: str) -> None:
    case = _case("must", "/x", "unknown", validate={"valid": True, "errors": []})
    case.pop("evaluate")
    result = run.check_case(case, lambda request: response)
    assert not result.passed and fragment in result.problems[0]


def test_warnings_compared_only_when_expected() -> None:
    response = {"valid": True, "diagnostics": [
        {"code": "AOO202", "severity": "warning", "line": 4, "column": 1},
        {"code": "AOO999", "severity": "info", "line": 2, "column": 1},
    ]}
    case = _case("should", "/x", "unknown", validate={"valid": True, "errors": []})
    case.pop("evaluate")
    assert run.check_case(case, lambda request: response).passed
    case["validate"]["warnings"] = []
    assert not run.check_case(case, lambda request: response).passed
    case["validate"]["warnings"] = [{"code": "AOO202", "line": 4}]
    assert run.check_case(case, lambda request: response).passed


def test_errors_are_a_multiset() -> None:
    twice = {"valid": False, "diagnostics": [
        {"code": "AOO501", "severity": "error", "line": 4, "column": 1},
        {"code": "AOO501", "severity": "error", "line": 4, "column": 9},
    ]}
    case = _case("must", "/x", "unknown",
                 validate={"valid": False, "errors": [{"code": "AOO501", "line": 4}]})
    case.pop("evaluate")
    assert not run.check_case(case, lambda request: twice).passed


def test_requests_follow_the_protocol() -> None:
    case = _case("must", "/x", "unknown", validate={"valid": True, "errors": []},
                 now="2030-01-01T00:00:00Z")
    validate, evaluate = run.requests_for(case)
    assert validate == {"protocol": 1, "mode": "validate", "input": case["input"],
                        "now": "2030-01-01T00:00:00Z"}
    assert evaluate["queries"] == [{"agent": "A", "target": "/x", "usage": "crawl"}]
    case.pop("now")
    assert run.requests_for(case)[0]["now"] == "2026-06-01T00:00:00Z"


def test_minimal_reader_passes_must_cases_as_a_subprocess() -> None:
    # The second opinion (issue item 6) passes every must case; a subset of areas keeps this
    # test fast, and the full must run is the CI job's.
    done = _run("--impl", f"{sys.executable} {MINIMAL}", "--level", "must",
                "--run", "examples/*", "--run", "catalogue/*", "--run", "encoding/*",
                "--format", "json")
    assert done.returncode == 0, done.stdout
    doc = json.loads(done.stdout)
    assert doc["failed"] == 0 and doc["passed"] >= 20


def test_minimal_reader_passes_every_must_case_in_process() -> None:
    minimal = load("examples/minimal_reader")
    cases = run.select(run.load_cases(SUITE / "cases"), ["must"])
    failures = [r for r in (run.check_case(c, minimal.answer) for c in cases) if not r.passed]
    assert not failures, "\n".join(f"{r.id}: {r.problems}" for r in failures)

