"""The usage vocabulary (spec §8) and the two ways values are put together.

aipref defines two categories, ``train-ai`` and ``search``.  aioptout adds three extension labels
so that TDMRep, Content-Signal, CAWG and PLUS statements can be carried without loss.  Labels form
a small tree: a label with no explicit value in a statement takes its parent's value
(spec §8, R-8-2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from .model import Value

CRAWL: Final = "crawl"

#: label → parent label (None for the root).  Order is the order used in tables.
PARENT: Final[Mapping[str, str | None]] = {
    "tdm": None,
    "train-any": "tdm",
    "train-ai": "train-any",
    "ai-input": "tdm",
    "search": "tdm",
}
LABELS: Final[tuple[str, ...]] = ("train-ai", "train-any", "ai-input", "search", "tdm")
CORE_LABELS: Final[frozenset[str]] = frozenset({"train-ai", "search"})
EXTENSION_LABELS: Final[frozenset[str]] = frozenset({"train-any", "ai-input", "tdm"})

#: Labels of earlier aipref revisions are data: ``data/aipref_revisions.json``, read by
#: ``aioptout._revisions`` as spec §8.1 says.

DESCRIPTIONS: Final[Mapping[str, str]] = {
    "train-ai": "training AI models that generate content (aipref)",
    "train-any": "training or fine-tuning any AI model",
    "ai-input": "input to AI models at inference time: RAG, grounding, answers",
    "search": "search indexing and results that link back (aipref)",
    "tdm": "all text and data mining (EU DSM Directive Art. 4)",
}


def chain(label: str) -> tuple[str, ...]:
    """The label followed by its ancestors: the order in which a statement is consulted."""
    out: list[str] = []
    current: str | None = label
    while current is not None:
        out.append(current)
        current = PARENT.get(current)
    return tuple(out)


def resolve(preferences: Mapping[str, Value], label: str) -> tuple[Value, str | None]:
    """The value one statement gives ``label``, and the label that supplied it (spec §8, R-8-2)."""
    for candidate in chain(label):
        value = preferences.get(candidate)
        if value is Value.ALLOWED or value is Value.DISALLOWED:
            return value, candidate
    return Value.UNKNOWN, None


def combine(values: Iterable[Value]) -> Value:
    """aipref's combination of several statements: any "no" wins, else any "yes", else unknown."""
    seen_yes = False
    for value in values:
        if value is Value.DISALLOWED:
            return Value.DISALLOWED
        if value is Value.ALLOWED:
            seen_yes = True
    return Value.ALLOWED if seen_yes else Value.UNKNOWN


def is_label(label: str) -> bool:
    return label in PARENT
