"""Usage-preference values: the RFC 9651 Dictionary of draft-ietf-aipref-vocab §6.

Shared by the declaration parser (Content-Usage and Work-Usage values) and by the aipref signal
reader (robots.txt rule and HTTP header), so the two can never disagree on what a value means.

Almost every real value is the simple form ``label=y, label=n``.  That form is recognised by one
regular expression and read directly; anything else goes to ``http_sf``, the RFC 9651 parser.  A
hypothesis test checks that both paths give the same answer on the simple form.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import http_sf
from http_sf.types import Token

from . import _revisions
from .model import Value
from .usage import PARENT

#: Distinct preference strings whose parse is remembered; real files repeat a handful of values.
_CACHE_SIZE: Final = 4096

#: RFC 9651 §3.2 key and §3.3.4 token, as regular-expression character classes.
_KEY: Final = r"[a-z*][a-z0-9_.*-]*"
_TOKEN: Final = r"[A-Za-z*][A-Za-z0-9:/!#$%&'*+.^_`|~-]*"
_MEMBER: Final = re.compile(rf"({_KEY})=({_TOKEN})")
# Leading SP only (RFC 9651 §4.2 step 2); SP or HTAB around commas and at the end (§4.2.2).
_SIMPLE: Final = re.compile(rf" *(?:{_KEY}={_TOKEN}(?:[ \t]*,[ \t]*{_KEY}={_TOKEN})*[ \t]*)?")

_GAP: Final = re.compile(r"[ \t]+")

_TOKEN_VALUES: Final = {"y": Value.ALLOWED, "n": Value.DISALLOWED}


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in a preference value that a reader ignored.

    ``kind`` is ``"dictionary"`` (the value is not an RFC 9651 Dictionary: every label is
    unknown), ``"value"`` (a known label whose value is not the token ``y`` or ``n``),
    ``"unknown-label"``, ``"revision-label"`` (a label of an earlier aipref revision, read by
    spec §8.1) or ``"revision-sense"`` (a current label read in an earlier revision's sense,
    because the preference uses that revision's labels).
    ``offset`` and ``length`` are 0-based code-point positions in the value given, so a caller
    can place a diagnostic at ``value_column + offset``.
    """

    kind: str
    message: str
    offset: int
    length: int
    label: str | None


def parse_preferences(value: str) -> tuple[dict[str, Value], list[Problem]]:
    """Read a usage preference the way draft-ietf-aipref-vocab §6 asks.

    Returns the known labels whose value is the token ``y`` or ``n``; every other label is
    absent, which means unknown.  Never raises: a malformed value gives an empty mapping and a
    ``"dictionary"`` problem ("If parsing fails, all preferences are unknown").
    """
    prefs, problems = _parse_cached(value)
    return dict(prefs), list(problems)


def parse_usage_rule(value: str) -> tuple[str | None, dict[str, Value], list[Problem]]:
    """Split a robots.txt ``Content-Usage`` value into its optional path and its preference.

    draft-ietf-aipref-attach §3: when the value starts with ``/`` the path runs to the first SP
    or HTAB and the rest is the preference; otherwise the whole value is the preference.
    Problem offsets stay relative to ``value``.
    """
    if not value.startswith("/"):
        prefs, problems = parse_preferences(value)
        return None, prefs, problems
    gap = _GAP.search(value)
    end = gap.start() if gap else len(value)
    start = gap.end() if gap else len(value)
    path = value[:end]
    prefs, problems = parse_preferences(value[start:])
    if start:
        problems = [_shift(problem, start) for problem in problems]
    return path, prefs, problems


def dictionary_fault(value: str) -> str:
    """Name the usual cause of a Dictionary parse failure, for a more helpful diagnostic.

    One of ``"space-around-equals"``, ``"uppercase"``, ``"trailing-comma"``, ``"empty-member"``
    or ``"syntax"``.  The faults are those aipref lists as common mistakes (vocab §6).
    """
    if re.search(rf"{_KEY}[ \t]+=|=[ \t]+", value):
        return "space-around-equals"
    if re.search(r"(?:^|,)[ \t]*[A-Za-z0-9_.*-]*[A-Z][A-Za-z0-9_.*-]*(?:=|;|[ \t]*(?:,|$))",
                 value):
        return "uppercase"
    stripped = value.rstrip(" \t")
    if stripped.endswith(","):
        return "trailing-comma"
    if re.search(r",[ \t]*,", value) or stripped.startswith(","):
        return "empty-member"
    return "syntax"


_FAULT_MESSAGES: Final = {
    "space-around-equals": "spaces around '=' are not allowed",
    "uppercase": "labels must be lower case",
    "trailing-comma": "trailing comma",
    "empty-member": "empty list member",
    "syntax": "not a structured-field dictionary",
}


def _shift(problem: Problem, by: int) -> Problem:
    return Problem(problem.kind, problem.message, problem.offset + by, problem.length,
                   problem.label)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _parse_cached(value: str) -> tuple[tuple[tuple[str, Value], ...], tuple[Problem, ...]]:
    if _SIMPLE.fullmatch(value):
        prefs, problems = _parse_simple(value)
    else:
        prefs, problems = _parse_general(value)
    return tuple(prefs.items()), tuple(problems)


def _parse_simple(value: str) -> tuple[dict[str, Value], list[Problem]]:
    """The simple form, already checked by ``_SIMPLE``: members ``key=token`` only."""
    members: dict[str, tuple[str, int, int]] = {}
    for match in _MEMBER.finditer(value):
        key = match.group(1)
        # RFC 9651 §4.2.2: a later duplicate overwrites the value and keeps the place.
        members[key] = (match.group(2), match.start(1), match.start(2))
    prefs: dict[str, Value] = {}
    problems: list[Problem] = []
    places: dict[str, int] = {}
    for key, (token, key_at, value_at) in members.items():
        if _known(key, key_at, problems):
            result = _TOKEN_VALUES.get(token)
            if result is None:
                problems.append(_value_problem(key, value_at, len(token), f"token {token}"))
            else:
                prefs[key] = result
                places[key] = key_at
    return _by_revision(prefs, places, problems, list(members))


def _by_revision(prefs: dict[str, Value], places: dict[str, int], problems: list[Problem],
                 order: list[str]) -> tuple[dict[str, Value], list[Problem]]:
    """Read labels of earlier aipref revisions as spec §8.1 says, naming each revision.

    Problems stay in the order of the members they concern (``order``: keys as parsed).
    """
    translated, readings = _revisions.translate(prefs)
    for reading in readings:
        if reading.key in PARENT and reading.targets == (reading.key,):
            continue  # read the same in every revision: nothing to say
        kind = "revision-sense" if reading.key in PARENT else "revision-label"
        problems.append(Problem(kind, _revisions.describe(reading), places[reading.key],
                                len(reading.key), reading.key))
    if readings:
        rank = {key: index for index, key in enumerate(order)}
        problems.sort(key=lambda problem: rank.get(problem.label or "", -1))
    return translated, problems


def _parse_general(value: str) -> tuple[dict[str, Value], list[Problem]]:
    """Anything the simple form does not cover, parsed by ``http_sf``."""
    try:
        parsed = http_sf.parse(value.encode("utf-8"), tltype="dictionary")
    except http_sf.StructuredFieldError as exc:
        # A failure is reported at or before the first non-ASCII octet, so octet and
        # code-point offsets agree here.
        offset = min(exc.position if exc.position is not None else 0, len(value))
        fault = dictionary_fault(value)
        return {}, [Problem("dictionary", _FAULT_MESSAGES[fault], offset,
                            1 if offset < len(value) else 0, None)]
    assert isinstance(parsed, dict)
    positions = _member_positions(value)
    prefs: dict[str, Value] = {}
    problems: list[Problem] = []
    places: dict[str, int] = {}
    for key, member in parsed.items():
        key_at, value_at, value_len = positions.get(key, (0, 0, len(key)))
        if not _known(key, key_at, problems):
            continue
        item = member[0] if isinstance(member, tuple) else member
        if isinstance(item, Token) and str(item) in _TOKEN_VALUES:
            prefs[key] = _TOKEN_VALUES[str(item)]
            places[key] = key_at
        else:
            problems.append(_value_problem(key, value_at, value_len, _describe(item)))
    return _by_revision(prefs, places, problems, list(parsed))


def _known(key: str, key_at: int, problems: list[Problem]) -> bool:
    if key in PARENT or _revisions.is_revision_label(key):
        return True
    problems.append(Problem("unknown-label", f"unknown label {key} is ignored", key_at,
                            len(key), key))
    return False


def _value_problem(key: str, offset: int, length: int, what: str) -> Problem:
    return Problem("value", f"{key} has {what}, not the token y or n; it is unknown", offset,
                   length, key)


def _describe(item: object) -> str:
    if isinstance(item, bool):
        return "a boolean"
    if isinstance(item, Token):
        return f"token {item}"
    if isinstance(item, str):
        return "a string"
    if isinstance(item, int | float):
        return "a number"
    if isinstance(item, list):
        return "an inner list"
    return "a non-token value"


def _member_positions(value: str) -> dict[str, tuple[int, int, int]]:
    """key → (key offset, value offset, value length) of the last member with that key.

    Only called on text that parsed as a Dictionary, where a comma outside a string always
    separates members.  A bare key (boolean true) reports the key itself as its value.
    """
    out: dict[str, tuple[int, int, int]] = {}
    start = 0
    bounds: list[tuple[int, int]] = []
    for index, char in _outside_strings(value, 0, len(value)):
        if char == ",":
            bounds.append((start, index))
            start = index + 1
    bounds.append((start, len(value)))
    for begin, end in bounds:
        while begin < end and value[begin] in " \t":
            begin += 1
        key_end = begin
        while key_end < end and (value[key_end].isalnum() or value[key_end] in "_.*-"):
            key_end += 1
        key = value[begin:key_end]
        if key_end < end and value[key_end] == "=":
            item_end = end
            while item_end > key_end + 1 and value[item_end - 1] in " \t":
                item_end -= 1
            semicolon = _top_level_semicolon(value, key_end + 1, item_end)
            out[key] = (begin, key_end + 1, semicolon - key_end - 1)
        else:
            out[key] = (begin, begin, len(key))
    return out


def _top_level_semicolon(value: str, begin: int, end: int) -> int:
    """Where a member's parameters start (or ``end``), skipping strings and inner lists."""
    depth = 0
    for index, char in _outside_strings(value, begin, end):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == ";" and depth == 0:
            return index
    return end


def _outside_strings(value: str, begin: int, end: int) -> Iterator[tuple[int, str]]:
    """Each (index, character) of ``value[begin:end]`` that is not inside an sf-string."""
    in_string = False
    escaped = False
    for index in range(begin, end):
        char = value[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        else:
            yield index, char
