"""Longest-prefix lookups in time linear in the text asked about (issue 12.5).

Comparing a text with every stored literal is quadratic over a file: TDMRep shadowing with
11,500 rules, or the crawl decision of every Content-Usage path of a declaration.  Here each
stored literal is found by a polynomial hash of the text's prefixes, computed once per text; a
hash match is confirmed by comparing the strings, so a collision costs time, never a wrong answer.
"""

from __future__ import annotations

import random
from typing import Final, Generic, TypeVar

T = TypeVar("T")

#: A Mersenne prime modulus, and a base drawn per process so that nobody can prepare literals
#: whose hashes collide.
_MODULUS: Final = (1 << 61) - 1
_BASE: Final = random.randrange(1 << 20, _MODULUS - 1)


def _prefix_hashes(text: str) -> list[int]:
    hashes = [0]
    value = 0
    for char in text:
        value = (value * _BASE + ord(char)) % _MODULUS
        hashes.append(value)
    return hashes


class PrefixIndex(Generic[T]):
    """Literals with a payload each; the first payload added for a literal is the one kept."""

    __slots__ = ("_by_hash", "_lengths")

    def __init__(self) -> None:
        self._by_hash: dict[tuple[int, int], list[tuple[str, T]]] = {}
        self._lengths: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self._lengths)

    def add(self, literal: str, payload: T) -> None:
        key = (len(literal), _prefix_hashes(literal)[-1])
        entries = self._by_hash.setdefault(key, [])
        if all(stored != literal for stored, _ in entries):
            entries.append((literal, payload))
            self._lengths.add(len(literal))

    def longest(self, text: str) -> tuple[str, T] | None:
        """The longest stored literal that ``text`` starts with, and its payload."""
        if not self._lengths:
            return None
        hashes = _prefix_hashes(text)
        lengths = self._lengths
        for length in range(len(text), -1, -1):
            if length in lengths:
                for literal, payload in self._by_hash.get((length, hashes[length]), ()):
                    if text.startswith(literal):
                        return literal, payload
        return None
