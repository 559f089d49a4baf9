#!/usr/bin/env python3
"""Expand the data files in ``tools/families/`` into conformance cases under ``cases/``.

The case files stay the source of truth; the families are the same vectors written once as data,
so that a family of similar cases (every label pair of the containment tree, every malformed
dictionary form ...) is a template plus one row per case.  Hand-written cases are not listed
there and never touched.  Standard library only, deterministic.

Usage::

    python conformance/tools/generate.py            # write missing or changed generated cases
    python conformance/tools/generate.py --check    # exit 1 if a generated file differs or is gone
    python conformance/tools/generate.py --list     # print the IDs this script owns

Writing refuses to replace a file whose content differs unless ``--force`` is given, so that a
hand edit of a generated case is noticed rather than silently lost: change the data, not the
file.

A family file is ``{"family": NAME, "entries": [...]}``; each entry is either
``{"case": {"id": ..., <case fields>}}`` or ``{"templates": [T, ...], "rows": [R, ...]}``, which
gives one case per template per row, row by row.  In a template every ``{{name}}`` inside a
string is replaced by the row's value for ``name`` (a string); a string that is exactly
``{{name}}`` is replaced by the value itself, whatever its JSON type.  An input given as
``{"octets": S}`` (one character per byte, U+0000 to U+00FF) is written as the case files'
``{"base64": ...}``, so that byte-level vectors stay readable in the data.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = HERE.parent / "cases"
FAMILIES_DIR = HERE / "families"
FAMILIES = ("syntax", "fields", "groups", "paths", "usage", "catalogue", "combination",
            "encoding", "diagnostics", "agent_tokens", "caps", "aipref_precision")
MAX_DESCRIPTION = 70
# The order in which a case's fields are written, so that every file reads alike.
FIELD_ORDER = ("description", "comment", "spec", "level", "input", "now", "validate", "evaluate")
_PLACEHOLDER = re.compile(r"\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}")


class FamilyError(ValueError):
    """A family file that cannot be expanded; the message names the file and the case."""


def _fill(value: Any, row: dict[str, Any], used: set[str], where: str) -> Any:
    if isinstance(value, dict):
        return {key: _fill(item, row, used, where) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, row, used, where) for item in value]
    if not isinstance(value, str):
        return value
    whole = _PLACEHOLDER.fullmatch(value)
    if whole:
        used.add(whole.group(1))
        return _lookup(row, whole.group(1), where)

    def one(match: re.Match[str]) -> str:
        used.add(match.group(1))
        found = _lookup(row, match.group(1), where)
        if not isinstance(found, str):
            raise FamilyError(f"{where}: {{{{{match.group(1)}}}}} inside a string needs a string")
        return found

    return _PLACEHOLDER.sub(one, value)


def _lookup(row: dict[str, Any], name: str, where: str) -> Any:
    if name not in row:
        raise FamilyError(f"{where}: the row has no value for {{{{{name}}}}}")
    return row[name]


def _octets(case: dict[str, Any], where: str) -> None:
    given = case.get("input", {})
    if "octets" not in given:
        return
    try:
        raw = given["octets"].encode("latin-1")
    except UnicodeEncodeError as error:
        raise FamilyError(f"{where}: octets take one character per byte (U+0000-U+00FF)") from error
    case["input"] = {"base64": base64.b64encode(raw).decode("ascii")}


def _check(cid: str, case: dict[str, Any], where: str) -> None:
    if list(case) != [key for key in FIELD_ORDER if key in case]:
        raise FamilyError(f"{where}: {cid}: fields must be {', '.join(FIELD_ORDER)}, in that order")
    if len(case.get("description", "")) > MAX_DESCRIPTION:
        raise FamilyError(f"{where}: {cid}: description longer than {MAX_DESCRIPTION} characters")
    validate = case.get("validate")
    if validate is None and "evaluate" not in case:
        raise FamilyError(f"{where}: {cid}: neither validate nor evaluate")
    if validate is not None and validate.get("valid") != (not validate.get("errors")):
        raise FamilyError(f"{where}: {cid}: 'valid' disagrees with the errors listed")


def expand(family: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The cases of one family file, each with its ``id``, in file order."""
    out: list[dict[str, Any]] = []
    for number, entry in enumerate(family["entries"], 1):
        here = f"{where} entry {number}"
        if "case" in entry:
            out.append(dict(entry["case"]))
            continue
        for index, row in enumerate(entry["rows"], 1):
            used: set[str] = set()
            for template in entry["templates"]:
                out.append(_fill(template, row, used, f"{here} row {index}"))
            if unused := sorted(set(row) - used):
                raise FamilyError(f"{here} row {index}: unused values {', '.join(unused)}")
    return out


def _split_anchors(cases: dict[str, dict[str, Any]], families_dir: Path) -> None:
    """Cite each split-off reader requirement next to the one it came from (see the data file)."""
    rule = json.loads((families_dir / "_split_anchors.json").read_text(encoding="utf-8"))
    needs_semicolon = set(rule["only_if_text_has_semicolon"])
    for case in cases.values():
        if case["level"] != "must" or "evaluate" not in case:
            continue
        for old, new in rule["pairs"]:
            if old not in case["spec"] or new in case["spec"]:
                continue
            if new in needs_semicolon and ";" not in case["input"].get("text", ""):
                continue
            case["spec"].insert(case["spec"].index(old) + 1, new)


def build(families_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every generated case by ID, in a fixed order."""
    families_dir = families_dir or FAMILIES_DIR
    cases: dict[str, dict[str, Any]] = {}
    for name in FAMILIES:
        path = families_dir / f"{name}.json"
        family = json.loads(path.read_text(encoding="utf-8"))
        if family.get("family") != name:
            raise FamilyError(f"{path.name}: 'family' must be {name!r}")
        for case in expand(family, path.name):
            cid = case.pop("id")
            if cid in cases:
                raise FamilyError(f"{path.name}: {cid}: listed twice")
            _octets(case, f"{path.name}: {cid}")
            _check(cid, case, path.name)
            cases[cid] = case
    _split_anchors(cases, families_dir)
    return cases


def render(case: dict[str, Any]) -> str:
    return json.dumps(case, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="cases directory")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare instead of writing")
    mode.add_argument("--list", action="store_true", help="print the generated IDs")
    parser.add_argument("--force", action="store_true", help="replace differing files")
    args = parser.parse_args(argv)
    try:
        cases = build()
    except (FamilyError, OSError, json.JSONDecodeError, KeyError, TypeError) as error:
        print(f"generate.py: {error}", file=sys.stderr)
        return 2
    if args.list:
        for cid in cases:
            print(cid)
        return 0
    problems = 0
    written = 0
    for cid, case in cases.items():
        path = args.cases / f"{cid}.json"
        text = render(case)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if args.check:
            print(f"{cid}: {'missing' if current is None else 'differs from the generator'}")
            problems += 1
        elif current is not None and not args.force:
            print(f"{cid}: exists with other content; edit the family data or use --force")
            problems += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written += 1
    print(f"{len(cases)} generated cases, {written} written, {problems} problems",
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
