"""Labels of earlier aipref revisions, read as their authors meant where that is defined (§8.1).

The data is ``data/aipref_revisions.json``: every revision of draft-ietf-aipref-vocab with its
labels, and for each label the labels of spec §8 it covers wholly (``within``) or for the most
part (``overlaps``).  A preference is read against the revisions whose label sets contain all of
its aipref labels; the reading that reserves more wins (spec R-8-23 to R-8-26), because a reader
that cannot tell which revision an author followed must not grant what the author may have
reserved.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .model import Value
from .usage import EXTENSION_LABELS, PARENT


@dataclass(frozen=True, slots=True)
class LabelReading:
    """How one label of one revision reads in spec §8 labels."""

    category: str
    within: tuple[str, ...]
    overlaps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Revision:
    name: str
    date: str
    verified: bool
    labels: Mapping[str, LabelReading]

    @property
    def short(self) -> str:
        """``-02`` for draft-ietf-aipref-vocab-02."""
        return "-" + self.name.rsplit("-", 1)[-1]


@dataclass(frozen=True, slots=True)
class Reading:
    """What one key of a preference means once its revision is taken into account.

    ``revisions`` are those the preference may have been written against (oldest first);
    ``targets`` the labels of spec §8 the key's value applies to; ``older`` is True when the
    key is read in a sense other than the current revision's.
    """

    key: str
    revisions: tuple[Revision, ...]
    targets: tuple[str, ...]
    older: bool


@functools.cache
def revisions() -> tuple[Revision, ...]:
    """Every recorded revision, oldest first."""
    ref = resources.files("aioptout").joinpath("data/aipref_revisions.json")
    doc: dict[str, Any] = json.loads(ref.read_text(encoding="utf-8"))
    out = []
    for entry in doc["revisions"]:
        labels = {
            label: LabelReading(item["category"], tuple(item["within"]), tuple(item["overlaps"]))
            for label, item in entry["labels"].items()
        }
        out.append(Revision(entry["name"], entry["date"], entry.get("verified", True), labels))
    return tuple(out)


@functools.cache
def current() -> Revision:
    ref = resources.files("aioptout").joinpath("data/aipref_revisions.json")
    name = json.loads(ref.read_text(encoding="utf-8"))["current"]
    return next(r for r in revisions() if r.name == name)


@functools.cache
def all_labels() -> frozenset[str]:
    """Every label any recorded revision defines."""
    return frozenset(label for rev in revisions() for label in rev.labels)


def is_revision_label(key: str) -> bool:
    """A label of some aipref revision that the current revision no longer has."""
    return key in all_labels() and key not in current().labels and key not in PARENT


def _covered(labels: Iterable[str]) -> frozenset[str]:
    """The labels and every label they contain (spec §8 tree)."""
    out: set[str] = set()
    for label in PARENT:
        current_label: str | None = label
        while current_label is not None:
            if current_label in labels:
                out.add(label)
                break
            current_label = PARENT[current_label]
    return frozenset(out)


def _maximal(labels: frozenset[str]) -> tuple[str, ...]:
    """The labels of a covered set not contained in another label of the set, in §8 order."""
    return tuple(label for label in PARENT
                 if label in labels and PARENT[label] not in labels)


def _span(revs: tuple[Revision, ...]) -> str:
    if len(revs) == 1:
        return revs[0].name
    return f"{revs[0].name} to {revs[-1].short}"


def read(keys: Mapping[str, Value]) -> list[Reading]:
    """How each aipref key of one preference reads (keys the current revision has, or our
    extensions, read as themselves and are not listed unless the preference is older).

    ``keys`` maps each key with a token value ``y``/``n`` to its value; other keys do not
    constrain the revision.
    """
    constraining = [k for k in keys if k in all_labels() and k not in EXTENSION_LABELS]
    now = current()
    if all(k in now.labels for k in constraining):
        return []
    consistent = tuple(r for r in revisions() if all(k in r.labels for k in constraining))
    out: list[Reading] = []
    for key in constraining:
        revs = consistent or tuple(r for r in revisions() if key in r.labels)[-1:]
        if not consistent and key in now.labels:
            continue  # a mixed preference: a current label keeps its current meaning
        value = keys[key]
        covered = [
            _covered(r.labels[key].within + (r.labels[key].overlaps
                                             if value is Value.DISALLOWED else ()))
            for r in revs
        ]
        if value is Value.DISALLOWED:
            merged = frozenset().union(*covered)
        else:
            merged = covered[0].intersection(*covered[1:])
        out.append(Reading(key, revs, _maximal(merged), True))
    return out


def describe(reading: Reading) -> str:
    """The diagnostic text naming the revision a label comes from and how it is read."""
    revs = reading.revisions
    categories = sorted({r.labels[reading.key].category for r in revs})
    read_as = ", ".join(reading.targets) if reading.targets else "nothing (unknown)"
    if reading.key in current().labels:
        return (f"{reading.key} is read as in {_span(revs)} ({'; '.join(categories)}), whose "
                f"labels this preference uses: {read_as}")
    last = revs[-1]
    later = [r for r in revisions() if r.name > last.name and reading.key not in r.labels]
    removed = f", removed in {later[0].short}" if later else ""
    return (f"{reading.key} is a label of {_span(revs)} ({'; '.join(categories)}{removed}); "
            f"read as {read_as}")


def translate(prefs: Mapping[str, Value]) -> tuple[dict[str, Value], list[Reading]]:
    """The preference in spec §8 labels: older keys replaced by their readings.

    Values given to one label by several keys combine as spec §10.6 does (any n wins).
    """
    readings = read(prefs)
    if not readings:
        return {k: v for k, v in prefs.items() if k in PARENT}, []
    older = {r.key for r in readings}
    out: dict[str, Value] = {}

    def put(label: str, value: Value) -> None:
        if out.get(label) is not Value.DISALLOWED:
            out[label] = value

    for key, value in prefs.items():
        if key in PARENT and key not in older:
            put(key, value)
    for reading in readings:
        for label in reading.targets:
            put(label, prefs[reading.key])
    return out, readings

