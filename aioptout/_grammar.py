"""Loads the normative grammar, ``spec/aioptout.lark``, exactly as the spec ships it.

The parser's fast line path is built from this grammar's own terminal patterns, and every line
the fast path cannot settle is parsed by Lark with this grammar, so the grammar stays the single
source of truth for syntax.
"""

from __future__ import annotations

import functools
import os
import re
from importlib import resources
from pathlib import Path
from typing import Final

from lark import Lark

START_SYMBOLS: Final = (
    "declaration",
    "line",
    "version_value",
    "date_value",
    "uri_value",
    "agent_value",
    "path_value",
    "usage_value",
    "work_value",
)


class GrammarNotFoundError(RuntimeError):
    """The package was installed without its grammar: a packaging bug, not bad input."""


def grammar_path() -> Path:
    """Where the grammar is read from: the wheel's copy, else the checkout's ``spec/``."""
    packaged = resources.files("aioptout").joinpath("_spec", "aioptout.lark")
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / "spec" / "aioptout.lark"
    if checkout.is_file():
        return checkout
    raise GrammarNotFoundError("spec/aioptout.lark is missing from this installation")


@functools.cache
def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


@functools.cache
def parser() -> Lark:
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        start=list(START_SYMBOLS),
        propagate_positions=True,
        maybe_placeholders=False,
        cache=_cache_path(),
    )


def _cache_path() -> str | bool:
    """Where Lark keeps the built LALR tables, so each short-lived process skips building them.

    The cache is a pickle, so it lives in the user's own cache directory (mode 0700), never in
    a shared temporary directory; Lark checks the grammar's hash before using it.  Any problem
    with the directory only costs the cache.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    directory = Path(base) / "aioptout"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if directory.stat().st_uid != os.getuid() or not os.access(directory, os.W_OK):
            return False
    except OSError:
        return False
    return str(directory / "grammar.lark-cache")


@functools.cache
def terminal(name: str) -> re.Pattern[str]:
    """A terminal of the grammar compiled for a full match of one whole string."""
    definition = parser().get_terminal(name)
    return re.compile(definition.pattern.to_regexp())
