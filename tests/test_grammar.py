"""The grammar in spec/ is the grammar the parser uses, and the fast line path agrees with it."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Tree
from lark.exceptions import UnexpectedInput

from aioptout import _grammar, _specdoc
from aioptout.parse import split_line

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec" / "aioptout.md"
GRAMMAR = ROOT / "spec" / "aioptout.lark"


def test_loaded_grammar_is_byte_identical_to_spec_file() -> None:
    assert _grammar.grammar_text().encode("utf-8") == GRAMMAR.read_bytes()


def test_spec_appendix_embeds_the_grammar_verbatim() -> None:
    embedded = _specdoc.embedded_grammar(SPEC.read_text(encoding="utf-8"))
    assert embedded is not None
    assert embedded == GRAMMAR.read_text(encoding="utf-8")


def test_rules_quoted_inline_in_the_spec_are_in_the_grammar() -> None:
    spec = SPEC.read_text(encoding="utf-8")
    body = spec.split("<!-- grammar:start -->")[0]
    grammar = GRAMMAR.read_text(encoding="utf-8")
    quoted = re.findall(r"```lark\n(.*?)```", body, re.DOTALL)
    assert len(quoted) >= 8
    for block in quoted:
        for line in block.strip().splitlines():
            assert line in grammar, f"spec quotes a rule the grammar does not have: {line}"


def test_every_terminal_is_commented() -> None:
    lines = GRAMMAR.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[A-Z_]+:", line):
            assert lines[number - 1].startswith("//"), f"terminal without comment: {line}"


def _lark_split(text: str) -> tuple[int, str, int, str] | bool | None:
    """What the grammar says about one line, in the shape of ``split_line``."""
    try:
        tree = _grammar.parser().parse(text, start="line")
    except UnexpectedInput:
        return False
    records = [c for c in tree.children if isinstance(c, Tree)]
    if not records:
        return None
    tokens = {t.type: t for t in records[0].children if not isinstance(t, Tree)}
    name = tokens["FIELD"]
    value = tokens.get("VALUE")
    if value is None:
        return name.column - 1, str(name), -1, ""
    return name.column - 1, str(name), value.column - 1, str(value)


_LINE_CHARS = st.sampled_from([*list("aZ-_:/ \t#*$=,y"), "é", "\x00", "\u3000", "9"])


@settings(max_examples=600, deadline=None)
@given(st.text(_LINE_CHARS, max_size=24))
def test_fast_path_agrees_with_lark_on_arbitrary_lines(text: str) -> None:
    fast = split_line(text)
    slow = _lark_split(text)
    # An empty value has no VALUE token in the tree, so only compare its presence.
    if isinstance(fast, tuple) and isinstance(slow, tuple) and slow[2] == -1:
        assert fast[:2] == slow[:2] and fast[3] == ""
        return
    assert fast == slow


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["User-agent", "allow", "Content-Usage", "Work-Usage", "X-Foo", "a1_-"]),
    st.text(st.sampled_from(list(" \t")), max_size=2),
    st.text(st.sampled_from(list(" \t")), max_size=2),
    st.text(st.sampled_from(list("/ab*$ =,y-:")), max_size=12),
    st.sampled_from(["", "#", " # note", "\t#x"]),
)
def test_fast_path_agrees_with_lark_on_records(
    name: str, pre: str, post: str, value: str, comment: str
) -> None:
    text = f"{pre}{name}{post}:{post}{value}{comment}"
    fast = split_line(text)
    slow = _lark_split(text)
    if isinstance(slow, tuple) and slow[2] == -1:
        assert isinstance(fast, tuple) and fast[3] == "" and fast[:2] == slow[:2]
    else:
        assert fast == slow


def test_value_terminals_are_used_by_the_parser() -> None:
    for name in ("FIELD", "VERSION", "FULL_DATE", "DATE_TIME", "URI", "PRODUCT_TOKEN"):
        assert _grammar.terminal(name).pattern
