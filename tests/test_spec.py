"""The spec, its generated sections and the diagnostics registry agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

from aioptout import _specdoc, diagnostics

ROOT = Path(__file__).resolve().parents[1]
SPEC = (ROOT / "spec" / "aioptout.md").read_text(encoding="utf-8")


def test_generated_sections_are_up_to_date() -> None:
    # Run scripts/render_spec.py when this fails.
    assert _specdoc.render(SPEC) == SPEC


def test_every_code_is_in_the_appendix() -> None:
    appendix = SPEC.split("## Appendix A", 1)[1]
    for code in diagnostics.all_codes():
        assert f"`{code}`" in appendix, code


def test_every_standard_code_cites_an_anchor_of_the_spec() -> None:
    anchors = set(re.findall(r"\[(R-[0-9.]+-[0-9]+)\]", SPEC))
    for code in diagnostics.all_codes().values():
        if code.code.startswith("AOO"):
            assert code.spec in anchors, (code.code, code.spec)


def test_severity_matches_the_keyword_of_the_cited_requirement() -> None:
    # [R-11-3] MUST/MUST NOT → error, SHOULD/SHOULD NOT → warning.
    for code in diagnostics.all_codes().values():
        if not code.code.startswith("AOO"):
            continue
        sentence = next(
            line
            for line in SPEC.splitlines()
            if re.search(rf"\[{re.escape(code.spec)}\](\s|$)", line) and "such as `[R-" not in line
        )
        keywords = set(re.findall(r"\b(MUST NOT|MUST|SHOULD NOT|SHOULD|MAY)\b", sentence))
        assert code.keyword in keywords, (code.code, code.keyword, sentence)


def test_every_code_is_exercised_by_a_test_or_a_vector() -> None:
    corpus = "".join(
        p.read_text(encoding="utf-8", errors="replace")
        for p in [
            *(ROOT / "tests").rglob("*.py"),
            *(ROOT / "conformance" / "cases").rglob("*.json"),
        ]
        if p.name != "test_spec.py"
    )
    missing = [code for code in diagnostics.all_codes() if code not in corpus]
    assert not missing, f"codes no test or vector mentions: {missing}"


def test_every_standard_code_has_a_position_and_multiplicity() -> None:
    # [R-11-4] Appendix A's position and multiplicity columns come from diagnostics.PLACEMENT.
    for code in diagnostics.all_codes():
        if code.startswith("AOO"):
            assert code in diagnostics.PLACEMENT, code
    assert set(diagnostics.PLACEMENT) <= set(diagnostics.all_codes())
