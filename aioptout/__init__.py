"""aioptout: the aioptout declaration standard, and a reader for every AI opt-out signal.

Parse once, decide many times::

    import aioptout
    declaration = aioptout.parse(open("aioptout.txt", "rb").read())
    decision = declaration.evaluate("GPTBot", "https://example.com/song", "train-ai")
    decision.value, decision.line, decision.reason

``aioptout.validate`` adds the strict profile's checks.  Readers for the other signals live in
``aioptout.signals``; ``aioptout.decide`` combines them; ``aioptout.Checker`` fetches and caches
every signal of an origin; ``aioptout.filter_rows`` keeps the rows of a dataset that no signal
reserves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .decide import decide
from .model import (
    Decision,
    Declaration,
    Diagnostic,
    Group,
    Record,
    Rule,
    RuleKind,
    Severity,
    Statement,
    Value,
)
from .parse import parse
from .validate import validate

if TYPE_CHECKING:
    from .checker import Checker
    from .filter import filter_rows

__version__ = "0.1.0"

__all__ = [
    "Checker",
    "Decision",
    "Declaration",
    "Diagnostic",
    "Group",
    "Record",
    "Rule",
    "RuleKind",
    "Severity",
    "Statement",
    "Value",
    "__version__",
    "decide",
    "filter_rows",
    "parse",
    "validate",
]


def __getattr__(name: str) -> Any:
    """``Checker`` and ``filter_rows`` load the fetch layer (urllib3, requests) only when used.

    ``decide`` is imported eagerly although it costs about 15 ms: a lazy attribute of the same
    name as the submodule ``aioptout.decide`` loses to the import system, which binds the
    submodule over it the first time anything imports ``aioptout.decide``.
    """
    if name == "Checker":
        from .checker import Checker

        return Checker
    if name == "filter_rows":
        from .filter import filter_rows

        return filter_rows
    raise AttributeError(f"module 'aioptout' has no attribute {name!r}")
