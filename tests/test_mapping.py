"""The mapping table from foreign signals to usage labels, and its copy in the spec."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aioptout import usage as U
from aioptout.agents import default_registry, usage_labels_for
from aioptout.model import Value
from aioptout.signals import mapping as M

N, Y = Value.DISALLOWED, Value.ALLOWED
SPEC = Path(__file__).resolve().parents[1] / "spec" / "aioptout.md"


def test_spec_table_equals_the_code_table() -> None:
    # spec §12 (R-12-2): "A reader that combines other signals with a declaration MUST map them
    # as Section 12.2 says" — so the spec's table must be exactly the implementation's.
    text = SPEC.read_text(encoding="utf-8")
    found = re.search(r"<!-- mapping-table:start -->\n(.*?)\n<!-- mapping-table:end -->", text,
                      re.S)
    assert found is not None, "spec/aioptout.md lacks the mapping-table markers"
    assert found.group(1).strip() == M.render_markdown_table().strip()


def test_every_row_uses_a_label_of_the_model() -> None:
    for row in M.ROWS:
        assert row.usage in U.PARENT or row.usage in (M.NO_LABEL, M.CONTROLLED), row
        assert (row.usage == M.NO_LABEL) == (row.value is Value.UNKNOWN), row


def test_rows_are_unique() -> None:
    keys = [(r.mechanism, r.signal_value, r.usage) for r in M.ROWS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("mechanism", "signal", "expected"),
    [
        # signals.md §3.1: tdm-reservation 1 reserves, 0 does not, anything else is unset.
        ("tdmrep", "tdm-reservation: 1", (("tdm", N),)),
        ("tdmrep", "tdm-reservation: 0", (("tdm", Y),)),
        ("tdmrep", "tdm-reservation: other", ()),
        # signals.md §5: ai-train is "training or fine-tuning AI models".
        ("content-signal", "ai-train=no", (("train-any", N),)),
        ("content-signal", "ai-input=yes", (("ai-input", Y),)),
        ("ai-txt", "Disallow matching the target", (("train-any", N),)),
        ("robots-meta", "noai", (("train-any", N),)),
        ("robots-meta", "noindex", ()),
        # signals.md §7.1: CAWG constrained "shall be treated as equivalent to notAllowed".
        ("media", "cawg.ai_generative_training=constrained", (("train-ai", N),)),
        # spec §12: "A reader MUST NOT map an `allowed` CAWG entry onto a label that contains
        # labels the entry does not cover (`train-any`, `tdm`)" [R-12-5].
        ("media", "c2pa.data_mining=allowed", ()),
        ("media", "cawg.ai_training=allowed", ()),
        ("media", "cawg.ai_generative_training=allowed", (("train-ai", Y),)),
        ("media", "cawg.ai_inference=notAllowed", (("ai-input", N),)),
        # signals.md §7.2: PLUS vocabulary.
        ("media", "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", (("tdm", N), ("search", Y))),
        ("media", "DMI-PROHIBITED-GENAIMLTRAINING", (("train-ai", N),)),
        ("media", "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR", (("tdm", N),)),
        ("media", "DMI-UNSPECIFIED", ()),
        ("aipref", "search=n", (("search", N),)),
    ],
)
def test_lookup(mechanism: str, signal: str, expected: tuple[tuple[str, Value], ...]) -> None:
    assert M.lookup(mechanism, signal) == expected
    assert M.is_mapped(mechanism, signal)


def test_unmapped_lookup_is_a_programming_error() -> None:
    assert not M.is_mapped("media", "DMI-NOT-A-VALUE")
    with pytest.raises(KeyError):
        M.lookup("media", "DMI-NOT-A-VALUE")


def test_agent_registry_purposes_agree_with_the_table() -> None:
    # The registry's purpose → labels mapping must be the robots rows of this table.
    registry = default_registry()
    checked = 0
    for agent in registry:
        if agent.purpose in ("control", "other"):
            continue
        assert usage_labels_for(agent) == M.labels_for_purpose(agent.purpose), agent.token
        checked += 1
    assert checked > 50
    assert M.labels_for_purpose("other") == ()


def test_table_renders_one_line_per_row() -> None:
    table = M.render_markdown_table()
    assert table.count("\n") == len(M.ROWS) + 2
    assert "| robots-meta | `noarchive` | train-ai | disallowed |" in table
