#!/usr/bin/env python3
"""Lint the aioptout conformance suite: the suite checks itself before it checks anyone else.

Standard library only, so that it runs wherever the suite is copied.  It checks every case file
against the constraints of ``schema/case.schema.json`` (by hand, mirroring the schema), and
the constraints a schema cannot express: IDs unique regardless of case, IDs well formed, every
cited anchor present in the spec.  ``--trace`` also lists the spec's MUST and SHOULD
requirements that no case checks.

Usage::

    python conformance/lint.py            # exit 0 clean, 1 problems, 2 usage error
    python conformance/lint.py --trace    # also fail on uncovered MUST/SHOULD anchors
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = HERE / "cases"
DEFAULT_SPEC = HERE.parent / "spec" / "aioptout.md"
DEFAULT_OUTSIDE = HERE / "outside-protocol.json"

AREAS = (
    "syntax", "fields", "groups", "paths", "usage", "catalogue",
    "combination", "encoding", "diagnostics", "examples", "rsl",
)
FORMATS = ("aioptout", "rsl")
#: Areas whose cases are written in another input format, and that format.
FORMAT_OF_AREA = {"rsl": "rsl"}
LEVELS = ("must", "should", "may")
USAGES = ("crawl", "train-ai", "train-any", "ai-input", "search", "tdm")
EXPECTED = ("allowed", "disallowed", "unknown")
EXPECTED_RSL = (*EXPECTED, "licence-required")
MAX_DESCRIPTION = 70

ANCHOR_RE = re.compile(r"\[(R-[0-9.]+-[0-9]+)\]")
# The requirement keywords that make an anchor need a vector (BCP 14; MAY is optional).
NORMATIVE_RE = re.compile(r"\b(MUST|SHOULD|SHALL|REQUIRED|RECOMMENDED)\b")
SHOULD_WORD_RE = re.compile(r"\bshould\b", re.IGNORECASE)
ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ANCHOR_VALUE_RE = re.compile(r"^R-[0-9.]+-[0-9]+$")
CODE_RE = re.compile(r"^[A-Z]{3}[0-9]{3}$")
SPEC_CODE_RE = re.compile(r"\b(AOO[0-9]{3})\b")
NOW_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
BASE64_RE = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")
# Where a requirement can begin: a blank line, a list item, a heading or a table row.  The spec
# writes each requirement as one sentence followed by its anchor (spec §1.2).
_BLOCK_START_RE = re.compile(r"\n[ \t]*(?=\n)|\n[ \t]*(?:[-*+]|[0-9]+\.)[ \t]|\n#|\n\|")


def check_case(obj: Any) -> list[str]:
    """Problems of one case object, by the rules of schema/case.schema.json."""
    if not isinstance(obj, dict):
        return ["a case is a JSON object"]
    problems: list[str] = []
    allowed = {"description", "comment", "spec", "level", "input", "now", "validate", "evaluate",
               "format"}
    for key in sorted(set(obj) - allowed):
        problems.append(f"unknown key {key!r}")
    for key in ("description", "spec", "level", "input"):
        if key not in obj:
            problems.append(f"missing {key!r}")
    if "validate" not in obj and "evaluate" not in obj:
        problems.append("a case needs 'validate', 'evaluate' or both")

    description = obj.get("description")
    if "description" in obj:
        if not isinstance(description, str) or not description:
            problems.append("'description' is a non-empty string")
        else:
            if len(description) > MAX_DESCRIPTION:
                problems.append(
                    f"description has {len(description)} characters; at most {MAX_DESCRIPTION}"
                )
            if SHOULD_WORD_RE.search(description):
                problems.append("description uses the word 'should'; state the fact")
    if "comment" in obj and not isinstance(obj["comment"], str):
        problems.append("'comment' is a string")

    if "spec" in obj:
        spec = obj["spec"]
        if not isinstance(spec, list) or not spec:
            problems.append("'spec' is a non-empty list of anchors")
        else:
            for anchor in spec:
                if not isinstance(anchor, str) or not ANCHOR_VALUE_RE.match(anchor):
                    problems.append(f"spec anchor {anchor!r} is not of the form R-<section>-<n>")
            if len({json.dumps(a) for a in spec}) != len(spec):
                problems.append("'spec' lists an anchor twice")

    if "level" in obj and obj["level"] not in LEVELS:
        problems.append(f"'level' is one of {', '.join(LEVELS)}")

    if "input" in obj:
        problems.extend(_check_input(obj["input"]))
    if "now" in obj and (not isinstance(obj["now"], str) or not NOW_RE.match(obj["now"])):
        problems.append("'now' is an RFC 3339 date-time such as 2026-06-01T00:00:00Z")
    if "validate" in obj:
        problems.extend(_check_validate(obj["validate"]))
    if "format" in obj and obj["format"] not in FORMATS:
        problems.append(f"'format' is one of {', '.join(FORMATS)}")
    if "evaluate" in obj:
        rsl = obj.get("format") == "rsl"
        problems.extend(_check_evaluate(obj["evaluate"], EXPECTED_RSL if rsl else EXPECTED))
    return problems


def _check_input(value: Any) -> list[str]:
    if not isinstance(value, dict) or len(value) != 1:
        return ["'input' is {\"text\": ...} or {\"base64\": ...}"]
    if "text" in value:
        return [] if isinstance(value["text"], str) else ["'input.text' is a string"]
    if "base64" in value:
        data = value["base64"]
        if not isinstance(data, str) or not BASE64_RE.match(data):
            return ["'input.base64' is standard base64"]
        try:
            base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return ["'input.base64' does not decode"]
        return []
    return ["'input' is {\"text\": ...} or {\"base64\": ...}"]


def _check_diagnostics(value: Any, key: str) -> list[str]:
    if not isinstance(value, list):
        return [f"'validate.{key}' is a list"]
    problems: list[str] = []
    for item in value:
        if (
            not isinstance(item, dict)
            or set(item) != {"code", "line"}
            or not isinstance(item["code"], str)
            or not CODE_RE.match(item["code"])
            or not isinstance(item["line"], int)
            or isinstance(item["line"], bool)
            or item["line"] < 1
        ):
            problems.append(f"'validate.{key}' items are {{\"code\": \"AOO301\", \"line\": 1}}")
    return problems


def _check_validate(value: Any) -> list[str]:
    if not isinstance(value, dict):
        return ["'validate' is an object"]
    problems: list[str] = []
    for key in sorted(set(value) - {"valid", "errors", "warnings"}):
        problems.append(f"unknown key 'validate.{key}'")
    if not isinstance(value.get("valid"), bool):
        problems.append("'validate.valid' is true or false")
    if "errors" not in value:
        problems.append("'validate.errors' is required (an empty list when valid)")
    else:
        problems.extend(_check_diagnostics(value["errors"], "errors"))
        errors = value["errors"]
        if isinstance(errors, list) and isinstance(value.get("valid"), bool):
            if value["valid"] and errors:
                problems.append("'validate.valid' is true but errors are expected")
            if not value["valid"] and not errors:
                problems.append("'validate.valid' is false but no error is expected")
    if "warnings" in value:
        problems.extend(_check_diagnostics(value["warnings"], "warnings"))
    return problems


def _check_evaluate(value: Any, expected: tuple[str, ...] = EXPECTED) -> list[str]:
    if not isinstance(value, list) or not value:
        return ["'evaluate' is a non-empty list of queries"]
    problems: list[str] = []
    for number, query in enumerate(value, 1):
        where = f"evaluate[{number}]"
        if not isinstance(query, dict):
            problems.append(f"{where} is an object")
            continue
        if set(query) != {"agent", "target", "usage", "expected"}:
            problems.append(f"{where} has exactly agent, target, usage, expected")
            continue
        for key in ("agent", "target"):
            if not isinstance(query[key], str) or not query[key]:
                problems.append(f"{where}.{key} is a non-empty string")
        if query["usage"] not in USAGES:
            problems.append(f"{where}.usage is one of {', '.join(USAGES)}")
        if query["expected"] not in expected:
            problems.append(f"{where}.expected is one of {', '.join(expected)}")
    return problems


def case_id(path: Path, cases_dir: Path) -> str:
    return path.relative_to(cases_dir).with_suffix("").as_posix()


def _check_id(cid: str) -> list[str]:
    parts = cid.split("/")
    if len(parts) != 2:
        return ["a case lives at cases/<area>/<slug>.json"]
    area, slug = parts
    problems = []
    if area not in AREAS:
        problems.append(f"unknown area {area!r}; areas: {', '.join(AREAS)}")
    if not ID_RE.match(slug):
        problems.append("slug is lower-case words joined by '-'")
    return problems


def spec_sentences(spec_text: str) -> dict[str, str]:
    """Each anchor of the spec → the requirement it labels: the text since the previous anchor
    or the start of the paragraph or list item, whichever is later."""
    out: dict[str, str] = {}
    previous_end = 0
    for match in ANCHOR_RE.finditer(spec_text):
        if spec_text[match.start() - 1 : match.start()] == "`":
            continue  # an anchor quoted as an example, not a label
        begin = previous_end
        for block in _BLOCK_START_RE.finditer(spec_text, previous_end, match.start()):
            begin = block.end()
        out.setdefault(match.group(1), " ".join(spec_text[begin : match.start()].split()))
        previous_end = match.end()
    return out


def normative_anchors(spec_text: str) -> list[str]:
    """Anchors whose sentence uses MUST, SHOULD, REQUIRED or RECOMMENDED (with or without NOT)."""
    return sorted(
        (a for a, s in spec_sentences(spec_text).items() if NORMATIVE_RE.search(s)),
        key=_anchor_key,
    )


def _anchor_key(anchor: str) -> tuple[int | str, ...]:
    parts = re.split(r"[-.]", anchor[2:])
    return tuple(int(p) if p.isdigit() else p for p in parts)


def load(cases_dir: Path) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Every readable case by ID, and the problems met reading them."""
    cases: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for path in sorted(cases_dir.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(cases_dir).as_posix()
        if path.suffix != ".json":
            problems.append((rel, "only <slug>.json case files belong under cases/"))
            continue
        cid = case_id(path, cases_dir)
        problems.extend((cid, p) for p in _check_id(cid))
        folded = cid.casefold()
        if folded in seen:
            problems.append((cid, f"duplicate ID (ignoring case) of {seen[folded]}"))
            continue
        seen[folded] = cid
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append((cid, f"not UTF-8 JSON: {exc}"))
            continue
        problems.extend((cid, p) for p in check_case(obj))
        if isinstance(obj, dict):
            area = cid.split("/", 1)[0]
            want = FORMAT_OF_AREA.get(area, "aioptout")
            if obj.get("format", "aioptout") != want:
                problems.append((cid, f"cases of area {area!r} have format {want!r}"))
        cases[cid] = obj
    return cases, problems


def load_outside(path: Path) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Anchors exempt from --trace (outside-protocol.json), and problems with that file."""
    if not path.is_file():
        return {}, []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [(path.name, f"not UTF-8 JSON: {exc}")]
    anchors = doc.get("anchors") if isinstance(doc, dict) else None
    if not isinstance(anchors, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in anchors.items()
    ):
        return {}, [(path.name, "'anchors' maps each anchor to the reason it has no case")]
    return dict(anchors), []


def lint(
    cases_dir: Path, spec_path: Path, outside_path: Path = DEFAULT_OUTSIDE
) -> list[tuple[str, str]]:
    """Every problem of the suite, as (case ID or file, message)."""
    cases, problems = load(cases_dir)
    outside, outside_problems = load_outside(outside_path)
    problems.extend(outside_problems)
    if not cases and not problems:
        problems.append((str(cases_dir), "no cases found"))
    try:
        spec_text = spec_path.read_text(encoding="utf-8")
    except OSError as exc:
        problems.append((str(spec_path), f"cannot read the spec: {exc.strerror or exc}"))
        return problems
    anchors = set(spec_sentences(spec_text))
    if not anchors:
        problems.append((str(spec_path), "the spec defines no [R-...] anchors"))
    for anchor in outside:
        if anchor not in anchors:
            problems.append((outside_path.name, f"anchor {anchor} does not appear in the spec"))
    codes = set(SPEC_CODE_RE.findall(spec_text))
    for cid, case in cases.items():
        if not isinstance(case, dict):
            continue
        for anchor in case.get("spec", []) if isinstance(case.get("spec"), list) else []:
            if isinstance(anchor, str) and anchor not in anchors:
                problems.append((cid, f"anchor {anchor} does not appear in {spec_path.name}"))
        validate = case.get("validate")
        if codes and isinstance(validate, dict):
            for key in ("errors", "warnings"):
                for item in validate.get(key, []) if isinstance(validate.get(key), list) else []:
                    code = item.get("code") if isinstance(item, dict) else None
                    if isinstance(code, str) and code.startswith("AOO") and code not in codes:
                        problems.append((cid, f"diagnostic code {code} is not in the spec"))
    return problems


def uncovered(
    cases_dir: Path, spec_path: Path, outside_path: Path = DEFAULT_OUTSIDE
) -> list[tuple[str, str]]:
    """MUST/SHOULD anchors of the spec that no case cites and that are not declared outside
    the protocol, each with its requirement sentence."""
    cases, _ = load(cases_dir)
    outside, _ = load_outside(outside_path)
    cited = {
        anchor
        for case in cases.values()
        if isinstance(case, dict) and isinstance(case.get("spec"), list)
        for anchor in case["spec"]
    }
    text = spec_path.read_text(encoding="utf-8")
    sentences = spec_sentences(text)
    return [
        (a, sentences[a]) for a in normative_anchors(text) if a not in cited and a not in outside
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Lint the aioptout conformance cases (exit 0 clean, 1 problems, 2 usage).",
    )
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="cases directory")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="spec/aioptout.md")
    parser.add_argument(
        "--outside", type=Path, default=DEFAULT_OUTSIDE,
        help="anchors the protocol cannot observe (default: outside-protocol.json)",
    )
    parser.add_argument(
        "--trace", action="store_true",
        help="also list MUST/SHOULD anchors of the spec that no case cites, and fail on them",
    )
    args = parser.parse_args(argv)
    if not args.cases.is_dir():
        print(f"lint: {args.cases}: not a directory", file=sys.stderr)
        return 2
    problems = lint(args.cases, args.spec, args.outside)
    for where, message in problems:
        print(f"{where}: {message}")
    missing: list[tuple[str, str]] = []
    if args.trace and args.spec.is_file():
        missing = uncovered(args.cases, args.spec, args.outside)
        for anchor, sentence in missing:
            print(f"uncovered {anchor}: {sentence}")
    total = len(load(args.cases)[0])
    print(
        f"{total} cases, {len(problems)} problems"
        + (f", {len(missing)} uncovered anchors" if args.trace else ""),
        file=sys.stderr,
    )
    return 1 if problems or missing else 0


if __name__ == "__main__":
    sys.exit(main())
