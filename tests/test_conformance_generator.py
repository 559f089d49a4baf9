"""conformance/tools/generate.py reproduces the case files it owns, byte for byte.

The JSON files are the source of truth; the generator only expands families of cases written as
data in conformance/tools/families/. If someone edits a generated file by hand, or changes the
data without regenerating, these tests say which case drifted.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

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


def _families(tmp_path: Path, caps: list[dict[str, Any]]) -> Path:
    """A families directory with every family empty except caps."""
    families = tmp_path / "families"
    families.mkdir(parents=True)
    for name in generate.FAMILIES:
        entries = caps if name == "caps" else []
        (families / f"{name}.json").write_text(
            json.dumps({"family": name, "entries": entries}), encoding="utf-8")
    (families / "_split_anchors.json").write_text(
        json.dumps({"pairs": [], "only_if_text_has_semicolon": []}), encoding="utf-8")
    return families


def test_duplicate_ids_and_long_descriptions_are_refused(tmp_path: Path) -> None:
    case = {"id": "syntax/x", "description": "A fact", "spec": ["R-4-1"], "level": "must",
            "input": {"text": ""}, "validate": {"valid": False,
                                                "errors": [{"code": "AOO301", "line": 1}]}}
    assert list(generate.build(_families(tmp_path / "one", [{"case": case}]))) == ["syntax/x"]
    with pytest.raises(generate.FamilyError, match="listed twice"):
        generate.build(_families(tmp_path / "two", [{"case": case}, {"case": case}]))
    with pytest.raises(generate.FamilyError, match="longer than"):
        generate.build(_families(tmp_path / "long", [{"case": dict(case, description="x" * 71)}]))


# The generated output of the last table-driven generator (Python tables, before the families
# became data; `git show 2c331ec:conformance/tools/generate.py`), digested the same way: the move
# to data changed no byte, no ID and no order. A deliberate change to a family changes this
# digest too; update it in the same commit as the data.
FROZEN_COUNT = 543
FROZEN_DIGEST = "e41c273fa1b35b67d2f14ba7ca0b13a7092a61185853f773607797ae40b1bee6"


def test_generated_output_matches_the_frozen_digest() -> None:
    cases = generate.build()
    digest = hashlib.sha256()
    for cid, case in cases.items():
        digest.update(cid.encode() + b"\n" + generate.render(case).encode("utf-8"))
    assert len(cases) == FROZEN_COUNT
    assert digest.hexdigest() == FROZEN_DIGEST


def _family(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"family": "t", "entries": entries}


TEMPLATE: dict[str, Any] = {
    "id": "syntax/{{slug}}",
    "description": "A {{field}} line",
    "spec": ["R-4-1"],
    "level": "must",
    "input": {"text": "AIOptOut-Version: 1\n{{field}}: x\n"},
    "validate": {"valid": False, "errors": "{{errors}}"},
}


def test_a_template_gives_one_case_per_row_with_values_of_any_type() -> None:
    rows = [{"slug": "a", "field": "Foo", "errors": [{"code": "AOO201", "line": 2}]},
            {"slug": "b", "field": "Bar", "errors": [{"code": "AOO204", "line": 2}]}]
    cases = generate.expand(_family([{"templates": [TEMPLATE], "rows": rows}]), "t.json")
    assert [c["id"] for c in cases] == ["syntax/a", "syntax/b"]
    assert cases[1]["input"]["text"] == "AIOptOut-Version: 1\nBar: x\n"
    assert cases[1]["validate"]["errors"] == [{"code": "AOO204", "line": 2}]
    assert "{{" in TEMPLATE["id"]  # the template itself is left as it was


def test_several_templates_expand_row_by_row() -> None:
    second = dict(TEMPLATE, id="syntax/{{slug}}-too")
    rows = [{"slug": "a", "field": "F", "errors": []}, {"slug": "b", "field": "G", "errors": []}]
    cases = generate.expand(_family([{"templates": [TEMPLATE, second], "rows": rows}]), "t.json")
    assert [c["id"] for c in cases] == ["syntax/a", "syntax/a-too", "syntax/b", "syntax/b-too"]


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ({"slug": "a", "errors": []}, "{{field}}"),
        ({"slug": "a", "field": "F", "errors": [], "extra": "x"}, "unused values extra"),
        ({"slug": "a", "field": ["F"], "errors": []}, "needs a string"),
    ],
)
def test_a_bad_row_is_named(row: dict[str, Any], needle: str) -> None:
    with pytest.raises(generate.FamilyError) as caught:
        generate.expand(_family([{"templates": [TEMPLATE], "rows": [row]}]), "t.json")
    assert "t.json entry 1 row 1" in str(caught.value)
    assert needle in str(caught.value)


def test_octets_become_base64_and_only_bytes_are_accepted() -> None:
    case = {"description": "x", "spec": ["R-4-1"], "level": "must",
            "input": {"octets": "\u00ef\u00bb\u00bfA\u0000"},
            "validate": {"valid": True, "errors": []}}
    generate._octets(case, "t")
    assert case["input"] == {"base64": "77u/QQA="}
    with pytest.raises(generate.FamilyError):
        generate._octets({"input": {"octets": "\u20ac"}}, "t")


def test_fields_out_of_order_or_inconsistent_are_refused() -> None:
    good = {"description": "x", "spec": ["R-4-1"], "level": "must", "input": {"text": ""},
            "validate": {"valid": True, "errors": []}}
    generate._check("a/b", copy.deepcopy(good), "t")
    reordered = {"spec": good["spec"], **{k: v for k, v in good.items() if k != "spec"}}
    with pytest.raises(generate.FamilyError, match="in that order"):
        generate._check("a/b", reordered, "t")
    with pytest.raises(generate.FamilyError, match="disagrees"):
        generate._check("a/b", dict(good, validate={"valid": True, "errors": [{"code": "X"}]}), "t")


def test_a_broken_family_file_is_a_clear_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    families = _families(tmp_path, [])
    (families / "caps.json").write_text("{not json", encoding="utf-8")
    monkeypatch.setattr(generate, "FAMILIES_DIR", families)
    assert generate.main(["--cases", str(tmp_path / "cases"), "--check"]) == 2
    assert "generate.py:" in capsys.readouterr().err
