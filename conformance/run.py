#!/usr/bin/env python3
"""Run the aioptout conformance suite against any implementation of the format.

The implementation is a command that reads one JSON request on stdin and writes one JSON
response on stdout (the protocol is in README.md).  Standard library only, Python 3.10 or later.

Usage::

    python conformance/run.py --impl "./my-reader"
    python conformance/run.py --impl "aioptout conformance-adapter" --level must --format json
    python conformance/run.py --impl "node reader.js" --run "paths/*" --jobs 4

Exit status: 0 every selected case passed; 1 a case failed; 2 usage error, unreadable case
files, no case selected, or the command cannot be started.

Importable too: ``load_cases(dir)`` and ``check_case(case, handler)``, where ``handler`` is any
callable from a request object to a response object, run the suite without subprocesses.
"""

from __future__ import annotations

import argparse
import difflib
import fnmatch
import json
import shlex
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROTOCOL = 1
DEFAULT_NOW = "2026-06-01T00:00:00Z"
DEFAULT_TIMEOUT = 10.0
DEFAULT_CASES = Path(__file__).resolve().parent / "cases"
LEVELS = ("must", "should", "may")
SEVERITIES = ("error", "warning", "info")
VALUES = ("allowed", "disallowed", "unknown")
#: Input formats a case may be written in; "aioptout" when a case names none.
FORMATS = ("aioptout", "rsl")
DEFAULT_FORMAT = "aioptout"
#: Extra answers a format adds to VALUES (RSL: a use available only under licence).
FORMAT_VALUES = {"rsl": ("licence-required",)}
_SHOWN_OUTPUT = 300

Request = dict[str, Any]
Response = Any
Handler = Callable[[Request], Response]


class ImplError(Exception):
    """The implementation did not answer one request: crash, timeout, or not JSON."""


class StartError(Exception):
    """The implementation's command cannot be started at all."""


class CaseFileError(Exception):
    """A case file cannot be read; the suite itself is broken (run lint.py)."""


@dataclass
class Result:
    id: str
    area: str
    level: str
    spec: list[str]
    description: str
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "area": self.area,
            "level": self.level,
            "spec": self.spec,
            "description": self.description,
            "problems": self.problems,
        }


def load_cases(directory: Path | str = DEFAULT_CASES) -> list[dict[str, Any]]:
    """Every case under ``directory``, sorted by ID, each with its ``id`` and ``area`` added."""
    root = Path(directory)
    if not root.is_dir():
        raise CaseFileError(f"{root}: not a directory")
    cases = []
    broken = []
    for path in sorted(root.rglob("*.json")):
        cid = path.relative_to(root).with_suffix("").as_posix()
        try:
            case = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            broken.append(f"{cid}: {exc}")
            continue
        if not isinstance(case, dict) or "input" not in case or (
            "validate" not in case and "evaluate" not in case
        ):
            broken.append(f"{cid}: not a case object (run conformance/lint.py)")
            continue
        case["id"] = cid
        case["area"] = cid.split("/", 1)[0]
        cases.append(case)
    if broken:
        raise CaseFileError("; ".join(broken))
    return cases


def requests_for(case: dict[str, Any]) -> list[Request]:
    """The protocol requests a case makes: validate, evaluate, or both, in that order."""
    base = {"protocol": PROTOCOL, "input": case["input"], "now": case.get("now", DEFAULT_NOW)}
    if case.get("format", DEFAULT_FORMAT) != DEFAULT_FORMAT:
        base["format"] = case["format"]
    out = []
    if "validate" in case:
        out.append({**base, "mode": "validate"})
    if "evaluate" in case:
        queries = [
            {"agent": q["agent"], "target": q["target"], "usage": q["usage"]}
            for q in case["evaluate"]
        ]
        out.append({**base, "mode": "evaluate", "queries": queries})
    return out


def check_case(case: dict[str, Any], handler: Handler) -> Result:
    """Run one case through ``handler`` and compare with the expected results."""
    result = Result(
        id=case.get("id", "?"),
        area=case.get("area", "?"),
        level=case.get("level", "?"),
        spec=list(case.get("spec", [])),
        description=case.get("description", ""),
    )
    for request in requests_for(case):
        try:
            response = handler(request)
        except ImplError as exc:
            result.problems.append(f"{request['mode']}: {exc}")
            continue
        if request["mode"] == "validate":
            result.problems.extend(_compare_validate(case["validate"], response))
        else:
            values = VALUES + FORMAT_VALUES.get(case.get("format", DEFAULT_FORMAT), ())
            result.problems.extend(_compare_evaluate(case["evaluate"], response, values))
    return result


def _diff(expected: list[str], actual: list[str]) -> str:
    lines = difflib.unified_diff(expected, actual, "expected", "actual", lineterm="", n=2)
    return "\n".join(lines)


def _diag_lines(pairs: Counter[tuple[str, int]]) -> list[str]:
    return [f"{code} line {line}" for (code, line) in sorted(pairs.elements())]


def _compare_validate(expected: dict[str, Any], response: Response) -> list[str]:
    shape = "validate response is {\"valid\": bool, \"diagnostics\": [{code, severity, line}]}"
    if not isinstance(response, dict) or not isinstance(response.get("valid"), bool):
        return [f"{shape}; got {_clip(response)}"]
    diagnostics = response.get("diagnostics")
    if not isinstance(diagnostics, list):
        return [f"{shape}; got {_clip(response)}"]
    by_severity: dict[str, Counter[tuple[str, int]]] = {s: Counter() for s in SEVERITIES}
    for item in diagnostics:
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("code"), str)
            or item.get("severity") not in SEVERITIES
            or not isinstance(item.get("line"), int)
        ):
            return [f"{shape}; bad diagnostic {_clip(item)}"]
        by_severity[item["severity"]][(item["code"], item["line"])] += 1

    problems = []
    if response["valid"] != (not by_severity["error"]):
        problems.append("response is inconsistent: 'valid' disagrees with its error diagnostics")
    want = ["valid: " + json.dumps(expected["valid"])]
    got = ["valid: " + json.dumps(response["valid"])]
    want.append("errors:")
    expected_errors = Counter((d["code"], d["line"]) for d in expected["errors"])
    want += ["  " + s for s in _diag_lines(expected_errors)]
    got.append("errors:")
    got += ["  " + s for s in _diag_lines(by_severity["error"])]
    if "warnings" in expected:
        want.append("warnings:")
        want += [
            "  " + s
            for s in _diag_lines(Counter((d["code"], d["line"]) for d in expected["warnings"]))
        ]
        got.append("warnings:")
        got += ["  " + s for s in _diag_lines(by_severity["warning"])]
    if want != got:
        problems.append("validate differs:\n" + _diff(want, got))
    return problems


def _compare_evaluate(
    expected: list[dict[str, str]], response: Response, values: tuple[str, ...] = VALUES
) -> list[str]:
    results = response.get("results") if isinstance(response, dict) else None
    if (
        not isinstance(results, list)
        or len(results) != len(expected)
        or any(r not in values for r in results)
    ):
        return [
            f"evaluate response is {{\"results\": [...]}} with {len(expected)} of "
            f"{', '.join(values)}; got {_clip(response)}"
        ]
    want, got = [], []
    for query, actual in zip(expected, results, strict=True):
        head = f"{query['agent']} {query['target']} {query['usage']}: "
        want.append(head + query["expected"])
        got.append(head + actual)
    if want == got:
        return []
    return ["evaluate differs:\n" + _diff(want, got)]


def _clip(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= _SHOWN_OUTPUT else text[:_SHOWN_OUTPUT] + "…"


def command_handler(argv: list[str], timeout: float = DEFAULT_TIMEOUT) -> Handler:
    """A handler that runs ``argv`` once per request, as the protocol says."""

    def handle(request: Request) -> Response:
        try:
            done = subprocess.run(
                argv,
                input=json.dumps(request).encode("utf-8"),
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                timeout=timeout,
                check=False,
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as exc:
            raise StartError(f"cannot start {shlex.join(argv)}: {exc}") from exc
        except subprocess.TimeoutExpired as exc:
            raise ImplError(f"no answer within {timeout:g} s") from exc
        stdout = done.stdout.decode("utf-8", "replace")
        if done.returncode != 0:
            raise ImplError(f"exit status {done.returncode}; stdout: {_clip(stdout.strip())}")
        try:
            return json.loads(stdout)
        except json.JSONDecodeError as exc:
            raise ImplError(f"stdout is not one JSON value ({exc}): {_clip(stdout)}") from exc

    return handle


def select(
    cases: list[dict[str, Any]],
    levels: list[str] | None = None,
    globs: list[str] | None = None,
    formats: tuple[str, ...] = (DEFAULT_FORMAT,),
) -> list[dict[str, Any]]:
    """The cases of the given levels and input formats whose ID matches one of the globs."""
    return [
        case
        for case in cases
        if (not levels or case.get("level") in levels)
        and case.get("format", DEFAULT_FORMAT) in formats
        and (not globs or any(fnmatch.fnmatchcase(case["id"], g) for g in globs))
    ]


def probe_formats(handler: Handler) -> tuple[str, ...]:
    """The input formats an implementation reads: it answers ``{"mode": "formats"}`` with
    ``{"formats": [...]}``; one that does not (protocol rule 5) reads declarations only."""
    try:
        response = handler({"protocol": PROTOCOL, "mode": "formats"})
    except ImplError:
        return (DEFAULT_FORMAT,)
    claimed = response.get("formats") if isinstance(response, dict) else None
    if not isinstance(claimed, list):
        return (DEFAULT_FORMAT,)
    return tuple(f for f in FORMATS if f in claimed or f == DEFAULT_FORMAT)


def run_cases(cases: list[dict[str, Any]], handler: Handler, jobs: int = 2) -> list[Result]:
    """Check every case, ``jobs`` at a time; results keep the order of ``cases``."""
    if jobs <= 1:
        return [check_case(case, handler) for case in cases]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(check_case, case, handler) for case in cases]
        try:
            return [f.result() for f in futures]
        except StartError:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def summary(results: list[Result]) -> dict[str, Any]:
    """The ``--format json`` document."""

    def tally(key: Callable[[Result], str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for r in results:
            slot = out.setdefault(key(r), {"passed": 0, "failed": 0})
            slot["passed" if r.passed else "failed"] += 1
        return dict(sorted(out.items()))

    by_level = tally(lambda r: r.level)
    return {
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results),
        "by_level": {lvl: by_level[lvl] for lvl in LEVELS if lvl in by_level},
        "by_area": tally(lambda r: r.area),
        "failures": [r.to_dict() for r in results if not r.passed],
    }


def format_text(results: list[Result]) -> str:
    doc = summary(results)
    out = []
    for failure in doc["failures"]:
        out.append(f"FAIL {failure['id']} ({failure['level']}; {', '.join(failure['spec'])})")
        out.append(f"     {failure['description']}")
        for problem in failure["problems"]:
            out.extend("     " + line for line in problem.splitlines())
        out.append("")
    width = max([len(k) for k in doc["by_area"]] + [5])
    for title, table in (("level", doc["by_level"]), ("area", doc["by_area"])):
        out.append(f"{title:<{width}}  passed  failed")
        for key, counts in table.items():
            out.append(f"{key:<{width}}  {counts['passed']:>6}  {counts['failed']:>6}")
        out.append("")
    total = doc["passed"] + doc["failed"]
    out.append(f"{total} cases: {doc['passed']} passed, {doc['failed']} failed")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Run the aioptout conformance suite against an implementation command.",
        epilog="Exit status: 0 all passed, 1 failures, 2 usage error or command cannot start.",
    )
    parser.add_argument("--impl", required=True, help='the command, e.g. "./my-reader --json"')
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="cases directory")
    parser.add_argument(
        "--level", action="append", choices=LEVELS, help="run only this level (repeatable)"
    )
    parser.add_argument(
        "--run", action="append", metavar="GLOB", help="run only IDs matching GLOB (repeatable)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--jobs", type=int, default=2, help="parallel commands (default 2)")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per request (default 10)"
    )
    args = parser.parse_args(argv)
    try:
        command = shlex.split(args.impl)
    except ValueError as exc:
        parser.error(f"--impl: {exc}")
    if not command:
        parser.error("--impl is empty")
    if args.jobs < 1:
        parser.error("--jobs is at least 1")
    handler = command_handler(command, args.timeout)
    try:
        formats = probe_formats(handler)
    except StartError as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 2
    try:
        every = load_cases(args.cases)
    except CaseFileError as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 2
    cases = select(every, args.level, args.run, formats)
    unclaimed = len(select(every, args.level, args.run, FORMATS)) - len(cases)
    if unclaimed:
        print(f"run.py: {unclaimed} cases of input formats the implementation does not read "
              f"were not run (it reads: {', '.join(formats)})", file=sys.stderr)
    if not cases:
        print("run.py: no case matches the selection", file=sys.stderr)
        return 2
    try:
        results = run_cases(cases, handler, args.jobs)
    except StartError as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(summary(results), indent=2, ensure_ascii=False))
    else:
        print(format_text(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
