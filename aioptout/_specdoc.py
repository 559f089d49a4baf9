"""Keeps the generated parts of spec/aioptout.md equal to the code they describe.

Appendix A (diagnostics), §12.2 (signal mapping) and Appendix B (grammar) are rendered from the
registry, the mapping table and the grammar file, so the spec cannot drift from the code; a test
fails when the committed spec differs from a fresh rendering.
"""

from __future__ import annotations

import re
from typing import Final

from . import _grammar, diagnostics

_SECTIONS: Final = ("diagnostics-table", "mapping-table", "grammar", "aipref-revisions-table")


def diagnostics_table() -> str:
    rows = ["| code | severity | requirement | meaning | hint | position | multiplicity |",
            "|---|---|---|---|---|---|---|"]
    for code in diagnostics.all_codes().values():
        hint = (code.hint or "").replace("|", "\\|")
        title = code.title.replace("|", "\\|")
        spec = f"[{code.spec}](#{code.spec.lower()})" if code.spec.startswith("R-") else code.spec
        where, how_often = diagnostics.placement(code.code)
        rows.append(f"| `{code.code}` | {code.severity.value} | {spec} | {title} | {hint} "
                    f"| {where} | {how_often} |")
    return "\n".join(rows)


def mapping_table() -> str:
    from .signals import mapping

    return mapping.render_markdown_table()


def aipref_revisions_table() -> str:
    """Spec §8.1: every aipref revision's labels and their reading, from the data file."""
    from . import _revisions

    rows = ["| revision | date | label | category | within | overlaps |",
            "|---|---|---|---|---|---|"]
    for rev in _revisions.revisions():
        name = rev.name + ("" if rev.verified else " (unverified)")
        for label, reading in rev.labels.items():
            within = ", ".join(f"`{x}`" for x in reading.within) or "-"
            overlaps = ", ".join(f"`{x}`" for x in reading.overlaps) or "-"
            rows.append(f"| {name} | {rev.date} | `{label}` | {reading.category} | {within} "
                        f"| {overlaps} |")
    return "\n".join(rows)


def grammar_block() -> str:
    return "```lark\n" + _grammar.grammar_text() + "```"


def render(spec_text: str) -> str:
    parts = {
        "diagnostics-table": diagnostics_table,
        "mapping-table": mapping_table,
        "grammar": grammar_block,
        "aipref-revisions-table": aipref_revisions_table,
    }
    out = spec_text
    for name in _SECTIONS:
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
        match = pattern.search(out)
        if match is not None:
            body = parts[name]()
            out = (
                out[: match.start()]
                + match.group(1)
                + body
                + "\n"
                + match.group(2)
                + out[match.end() :]
            )
    return out


def embedded_grammar(spec_text: str) -> str | None:
    match = re.search(
        r"<!-- grammar:start -->\n```lark\n(.*?)```\n<!-- grammar:end -->", spec_text, re.DOTALL
    )
    return match.group(1) if match else None
