"""RFC 9309 matching: agent tokens, percent-encoding normalisation, ``*``/``$`` patterns.

Both robots.txt and the aioptout declaration select groups by agent token and compare a rule's
path pattern with a URL's path the same way, so both go through this module.  Paths and
patterns are first brought to one canonical form (RFC 9309 §2.2.2): every octet outside the
URI-safe set is percent-encoded as UTF-8 with upper-case hex, escapes of unreserved characters
are decoded, every other escape stays encoded.  In that form a literal ``*`` or ``$`` is always
``%2A``/``%24``, so the only special characters left in a pattern are ``*`` and a final ``$``
(RFC 9309 §2.2.3).

Matching never backtracks: a pattern is split on ``*`` and its pieces are found left to right
with ``str.find``, which is O(len(path) × len(pattern)) in the worst case.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Generic, TypeVar

_HEX: Final = "0123456789ABCDEF"
_HEXDIGITS: Final = frozenset("0123456789abcdefABCDEF")
#: RFC 3986 §2.3 unreserved characters: their escapes are decoded.
_UNRESERVED: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)
#: Characters kept as written: unreserved, and the reserved characters that may appear in a
#: path or query.  ``*`` and ``$`` are absent (they become ``%2A``/``%24`` in a path), as are
#: ``[``/``]`` (only legal in a host) and ``%`` (handled as an escape).
_SAFE: Final = _UNRESERVED | frozenset("!&'()+,;=:@/?")
_NEEDS_WORK: Final = re.compile(r"[^A-Za-z0-9\-._~!&'()+,;=:@/?]")
_PATH_START: Final = re.compile(r"[/?;]")
#: The common target shapes that need no work: ``http(s)://host/path`` or ``/path`` (not
#: ``//``) with only safe characters, up to an optional fragment.  Group 1 is the normalised
#: path; anything else takes the general route.  Possessive, so it never backtracks.
_ALREADY_NORMAL: Final = re.compile(
    r"(?:https?://[^/?;#]*+|(?=/(?!/)))(/[A-Za-z0-9\-._~!&'()+,;=:@/?]*+)(?:#|\Z)"
)

#: Characters of an agent token: RFC 9309's product-token characters and digits, which real
#: tokens carry (AI2Bot, MJ12bot, 360Spider): the grammar's ``PRODUCT_TOKEN`` (spec §6).
AGENT_TOKEN_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
)
_AGENT_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]*")
#: What a caller may pass as its agent: a token, optionally with an HTTP product version.
_CALLER_AGENT: Final = re.compile(r"([A-Za-z0-9_-]+)(?:/[^\s]*)?")
_BLANKS: Final = " \t\v\f"


def agent_token(value: str) -> str:
    """The token a ``User-agent`` value names: its leading run of agent-token characters.

    ``"Googlebot-Image/1.0"`` → ``"Googlebot-Image"``, ``"Foo Bar"`` → ``"Foo"``, ``"AI2Bot"``
    → ``"AI2Bot"`` (Google's parser stops at digits: ``"AI"``; docs/robots.md).
    """
    found = _AGENT_TOKEN.match(value)
    return found.group() if found is not None else ""


def caller_key(agent: str) -> str:
    """The lower-cased token a caller's agent string selects groups by, or ``""`` for none.

    The caller names itself by its token, optionally with a version (``GPTBot/1.1``).  Any
    other string (``Foo Bar``, a whole User-Agent header) is not a token: it selects no named
    group, so only ``*`` groups apply, as in Google's parser.  Nothing is guessed out of a
    header: ``aioptout.decide`` maps headers to registry tokens.
    """
    found = _CALLER_AGENT.fullmatch(agent.strip(_BLANKS))
    return found.group(1).lower() if found is not None else ""


#: Pattern kinds, fastest first.
_PREFIX: Final = 0  # no wildcard: startswith
_EXACT: Final = 1  # only a final "$": equality
_GLOB: Final = 2  # general case: pieces found left to right


def _escape_char(char: str) -> str:
    try:
        octets = char.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that no decoder produced
        octets = char.encode("utf-8", "surrogatepass")
    return "".join(f"%{_HEX[b >> 4]}{_HEX[b & 15]}" for b in octets)


def _canonical(text: str, keep: frozenset[str]) -> str:
    """The slow path of normalisation: one pass over the characters."""
    out: list[str] = []
    append = out.append
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char in _SAFE or char in keep:
            append(char)
        elif char == "%" and i + 2 < n and text[i + 1] in _HEXDIGITS and text[i + 2] in _HEXDIGITS:
            decoded = chr(int(text[i + 1 : i + 3], 16))
            append(decoded if decoded in _UNRESERVED else "%" + text[i + 1 : i + 3].upper())
            i += 3
            continue
        else:
            append(_escape_char(char))
        i += 1
    return "".join(out)


def _extract_path(target: str) -> str:
    """Path, params and query of a URL, or of a path; the fragment dropped.

    Follows Google's ``GetPathParamsQuery``: an authority is whatever precedes the first
    ``/``, ``?`` or ``;`` after an optional ``scheme://`` or ``//``.
    """
    if target[:1] == "/" and target[1:2] != "/":
        path = target
    else:
        start = 2 if target.startswith("//") else 0
        early = _PATH_START.search(target, start)
        scheme_end = target.find("://", start)
        if scheme_end < 0 or (early is not None and early.start() < scheme_end):
            scheme_end = start
        else:
            scheme_end += 3
        found = _PATH_START.search(target, scheme_end)
        if found is None:
            return "/"
        hash_pos = target.find("#", start)
        if 0 <= hash_pos < found.start():
            return "/"
        path = target[found.start() :]
        if path[0] != "/":
            path = "/" + path
    hash_pos = path.find("#")
    if hash_pos >= 0:
        path = path[:hash_pos]
    return path or "/"


def normalize_path(target: str) -> str:
    """A URL or path in RFC 9309 comparison form (see the module docstring)."""
    fast = _ALREADY_NORMAL.match(target)
    if fast is not None:
        return fast.group(1)
    return _normalize_path_general(target)


def _normalize_path_general(target: str) -> str:
    """``normalize_path`` without its fast path: the reference the fast path is tested against."""
    path = _extract_path(target)
    if _NEEDS_WORK.search(path) is None:
        return path
    return _canonical(path, frozenset())


_PATTERN_KEEP: Final = frozenset("*")
#: A pattern of safe characters and ``*``, with at most a final ``$``: already normal.
_PATTERN_ALREADY_NORMAL: Final = re.compile(r"[A-Za-z0-9\-._~!&'()+,;=:@/?*]*+\$?")


def normalize_pattern(pattern: str) -> str:
    """A rule's path pattern in comparison form; ``*`` and a final ``$`` stay special.

    A ``$`` anywhere else matches a literal ``$`` (Google's reading), so it becomes ``%24``.
    """
    if _PATTERN_ALREADY_NORMAL.fullmatch(pattern) is not None:
        return pattern
    if pattern.endswith("$"):
        return _canonical(pattern[:-1], _PATTERN_KEEP) + "$"
    return _canonical(pattern, _PATTERN_KEEP)


def _match_glob(
    pieces: tuple[str, ...],
    anchored: bool,
    path: str,
    find: Callable[[str, str, int], int] = str.find,
) -> bool:
    """Greedy left-to-right search of the ``*``-separated pieces; never backtracks.

    Taking the leftmost occurrence of each piece is always safe because a ``*`` follows it:
    an earlier end leaves more room for the rest.  ``find`` is replaceable only so that tests
    can count the characters scanned.
    """
    first = pieces[0]
    if not path.startswith(first):
        return False
    pos = len(first)
    last = len(pieces) - 1
    for index in range(1, last):
        piece = pieces[index]
        found = find(path, piece, pos)
        if found < 0:
            return False
        pos = found + len(piece)
    tail = pieces[last]
    if anchored:
        return len(path) - len(tail) >= pos and path.endswith(tail)
    return find(path, tail, pos) >= 0


@dataclass(frozen=True, slots=True)
class Pattern:
    """A normalised path pattern ready to match normalised paths.

    ``length`` counts the octets of ``text``: what RFC 9309 §2.2.2 "most specific match"
    compares.  Normalised text is ASCII, so characters and octets coincide.
    """

    text: str
    length: int
    _kind: int = field(default=_PREFIX, repr=False, compare=False)
    _pieces: tuple[str, ...] = field(default=(), repr=False, compare=False)
    _anchored: bool = field(default=False, repr=False, compare=False)

    def matches(self, path: str) -> bool:
        """Whether the pattern matches ``path``, which must already be normalised."""
        kind = self._kind
        if kind == _PREFIX:
            return path.startswith(self.text)
        if kind == _EXACT:
            return path == self._pieces[0]
        return _match_glob(self._pieces, self._anchored, path)


@lru_cache(maxsize=65536)
def compile_pattern(text: str) -> Pattern:
    """Normalise ``text`` and choose the fastest matcher for it; cached."""
    norm = normalize_pattern(text)
    anchored = norm.endswith("$")
    body = norm[:-1] if anchored else norm
    if "*" not in body:
        if anchored:
            return Pattern(norm, len(norm), _EXACT, (body,), True)
        return Pattern(norm, len(norm), _PREFIX, (body,), False)
    return Pattern(norm, len(norm), _GLOB, tuple(body.split("*")), anchored)


def _matches_positions(pattern: str, path: str, steps: list[int] | None = None) -> bool:
    """Reference matcher: Google's position-set method over a normalised pattern.

    Keeps the set of path positions reachable after each pattern character; O(len(path) ×
    len(pattern)) by construction.  ``steps[0]`` is incremented once per position examined.
    """
    count = 0
    pathlen = len(path)
    positions = [0]
    last = len(pattern) - 1
    for index, char in enumerate(pattern):
        if char == "$" and index == last:
            if steps is not None:
                steps[0] += count + 1
            return positions[-1] == pathlen
        if char == "*":
            positions = list(range(positions[0], pathlen + 1))
            count += len(positions)
        else:
            survivors = []
            for pos in positions:
                count += 1
                if pos < pathlen and path[pos] == char:
                    survivors.append(pos + 1)
            positions = survivors
            if not positions:
                if steps is not None:
                    steps[0] += count
                return False
    if steps is not None:
        steps[0] += count
    return True


T = TypeVar("T")

# One entry of a RuleSet: (probe, kind, pieces, anchored, length, payload).  The probe is the
# text a prefix rule starts with, the whole path of an exact rule, or the longest literal piece
# of a wildcard rule: a C-speed ``in`` test that rejects most wildcard rules before matching.
_Entry = tuple[str, int, tuple[str, ...], bool, int, T]


class RuleSet(Generic[T]):
    """Path patterns in priority order, each with a payload, for longest-match decisions.

    Robots.txt and the declaration both ask "which rule is the most specific match?" of a list
    sorted by decreasing pattern length (RFC 9309 §2.2.2); this answers it without trying every
    rule.  Rules are bucketed by the two characters every path they match starts with; a rule
    that does not fix them (``/``, ``/$``, ``*…``, ``/*…``) is in every bucket, so each bucket
    keeps the global order and the first match in a bucket is the first match overall.

    With ``prune``, ``first`` also skips the leading rules of a long bucket that all need a
    longer path than the one asked about: their shortest matching paths are known, and a
    running minimum of them, being monotonic, is searched by bisection.
    """

    __slots__ = ("_bounded", "_bounded_universal", "_buckets", "_index", "_universal")

    def __init__(self, rules: Iterable[tuple[Pattern, T]], *, prune: bool = False) -> None:
        """``rules`` most specific first: the order in which they would be tried one by one."""
        entries: list[_Entry[T]] = []
        keys: list[str | None] = []
        for pattern, payload in rules:
            probe = pattern.text if pattern._kind == _PREFIX else max(pattern._pieces, key=len)
            entries.append(
                (probe, pattern._kind, pattern._pieces, pattern._anchored, pattern.length, payload)
            )
            keys.append(_bucket_key(pattern))
        buckets: dict[str, list[_Entry[T]]] = {key: [] for key in keys if key is not None}
        universal: list[_Entry[T]] = []
        for key, entry in zip(keys, entries, strict=True):
            if key is None:
                universal.append(entry)
                for bucket in buckets.values():
                    bucket.append(entry)
            else:
                buckets[key].append(entry)
        self._universal: tuple[_Entry[T], ...] = tuple(universal)
        self._buckets = {key: tuple(bucket) for key, bucket in buckets.items()}
        self._bounded: dict[str, _Bounded[T]] | None = None
        self._bounded_universal: _Bounded[T] = (self._universal, None)
        self._index = _LongestIndex(entries) if len(entries) >= _INDEX_MIN else None
        if prune:
            self._bounded = {key: _with_bounds(bucket) for key, bucket in self._buckets.items()}
            self._bounded_universal = _with_bounds(self._universal)

    def first(self, path: str) -> T | None:
        """The payload of the first rule matching ``path`` (normalised), or None."""
        if self._bounded is None:
            entries = self._buckets.get(path[:2], self._universal)
        else:
            entries, bounds = self._bounded.get(path[:2], self._bounded_universal)
            if bounds is not None:
                start = bisect_left(bounds, -len(path))
                if start:
                    entries = entries[start:]
        for probe, kind, pieces, anchored, _length, payload in entries:
            if kind == _PREFIX:
                if path.startswith(probe):
                    return payload
            elif kind == _EXACT:
                if path == probe:
                    return payload
            elif probe in path and _match_glob(pieces, anchored, path):
                return payload
        return None

    def longest(self, path: str) -> list[T]:
        """Payloads of every matching rule of the greatest matching length, in order.

        Only meaningful when the rules were given in order of decreasing length.  Large sets
        answer from an index (see :class:`_LongestIndex`) instead of trying rule by rule.
        """
        if self._index is not None:
            return self._index.longest(path)
        found: list[T] = []
        best = -1
        for probe, kind, pieces, anchored, length, payload in self._buckets.get(
            path[:2], self._universal
        ):
            if length < best:
                break
            if kind == _PREFIX:
                hit = path.startswith(probe)
            elif kind == _EXACT:
                hit = path == probe
            else:
                hit = probe in path and _match_glob(pieces, anchored, path)
            if hit:
                best = length
                found.append(payload)
        return found


#: Rule sets smaller than this answer ``longest`` by scanning; the index costs more there.
_INDEX_MIN: Final = 16


class _LongestIndex(Generic[T]):
    """``longest`` in time independent of the number of prefix and exact rules.

    A declaration with thousands of ``Content-Usage: /section…/`` rules puts them all in one
    bucket, so a scan is linear in the rules and a pass that asks about every rule's path is
    quadratic.  Prefix rules are looked up by the path's own prefixes, one per distinct rule
    length, and exact rules by the path; only wildcard rules are still tried one by one.
    """

    __slots__ = ("_exact", "_globs", "_lengths", "_prefix")

    def __init__(self, entries: list[_Entry[T]]) -> None:
        self._prefix: dict[str, list[tuple[int, T]]] = {}
        self._exact: dict[str, list[tuple[int, T]]] = {}
        self._globs: list[tuple[int, _Entry[T]]] = []
        for order, entry in enumerate(entries):
            probe, kind, _pieces, _anchored, _length, payload = entry
            if kind == _PREFIX:
                self._prefix.setdefault(probe, []).append((order, payload))
            elif kind == _EXACT:
                self._exact.setdefault(probe, []).append((order, payload))
            else:
                self._globs.append((order, entry))
        self._lengths = sorted({len(text) for text in self._prefix}, reverse=True)

    def longest(self, path: str) -> list[T]:
        best = -1
        found: list[tuple[int, T]] = []
        exact = self._exact.get(path)
        if exact is not None:
            best, found = len(path) + 1, list(exact)  # the pattern is the path and its "$"
        for size in self._lengths:
            if size < best:
                break
            if size <= len(path):
                hits = self._prefix.get(path[:size])
                if hits is not None:
                    if size > best:
                        best, found = size, []
                    found += hits
                    break
        for order, (probe, _kind, pieces, anchored, length, payload) in self._globs:
            if length < best:
                break
            if probe in path and _match_glob(pieces, anchored, path):
                if length > best:
                    best, found = length, []
                found.append((order, payload))
        found.sort(key=lambda hit: hit[0])
        return [payload for _, payload in found]


#: Buckets shorter than this are not pruned: the bisection would cost more than it saves.
_PRUNE_MIN: Final = 8
#: A bucket and, if pruned, the negated running minimum of its rules' shortest matching paths.
_Bounded = tuple[tuple[_Entry[T], ...], tuple[int, ...] | None]


def _with_bounds(bucket: tuple[_Entry[T], ...]) -> _Bounded[T]:
    if len(bucket) < _PRUNE_MIN:
        return bucket, None
    bounds = []
    shortest = None
    for probe, kind, pieces, _anchored, _length, _payload in bucket:
        # The shortest path a rule matches: its prefix, its whole path, or its pieces in turn.
        need = len(probe) if kind != _GLOB else sum(map(len, pieces))
        shortest = need if shortest is None else min(shortest, need)
        bounds.append(-shortest)
    return bucket, tuple(bounds)


def _bucket_key(pattern: Pattern) -> str | None:
    """The two leading characters every matching path starts with, if the pattern fixes them."""
    head = pattern.text[:2]
    if len(head) < 2 or "*" in head or (head[1] == "$" and len(pattern.text) == 2):
        return None
    return head
