"""The one JSON reader for untrusted documents (spec §13.1): bounded depth, numbers and size.

``json.loads`` alone fails on hostile input in ways no caller expects: 200,000 nested brackets
raise ``RecursionError`` (or, deep in a stack, at far smaller depths), a 6,000-digit integer
raises ``ValueError`` from Python's integer string limit, ``1e999`` silently becomes infinity
and ``NaN`` is accepted although RFC 8259 has no such literal.  :func:`loads` refuses all of
these with a coded :class:`JsonError` positioned like the ``json`` module's own errors.

The limits are checked in time linear in the document.  Depth is checked before parsing: C-speed
regular expression passes find whether it can exceed the limit at all, and only then a token scan
finds where.  Numbers and constants are checked by the ``json`` module's parse hooks as it reads
them; when one refuses, the same token scan, stopping at the first offending token, finds where.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any, Final

from . import diagnostics as D
from .model import Diagnostic

#: Deepest nesting of arrays and objects read; real tdmrep.json, JSON-LD and C2PA reports
#: stay below 20.
MAX_JSON_DEPTH: Final = 64
#: Longest number token read, in characters: far beyond any IEEE 754 double or identifier,
#: far below Python's 4,300-digit integer conversion limit.
MAX_JSON_NUMBER_CHARS: Final = 100
#: Largest document read, in characters (each caller also caps the octets it keeps).
MAX_JSON_CHARS: Final = 16 * 1024 * 1024

_SPEC: Final = "R-13.1-1"
TOO_DEEP = D.define(
    "JSN101", "MUST", _SPEC, f"JSON nested deeper than {MAX_JSON_DEPTH} levels; it is not read"
)
NUMBER_TOO_LONG = D.define(
    "JSN102",
    "MUST",
    _SPEC,
    f"JSON number longer than {MAX_JSON_NUMBER_CHARS} characters; the document is not read",
)
NUMBER_OUT_OF_RANGE = D.define(
    "JSN103",
    "MUST",
    "R-13.1-2",
    "JSON number outside the range of a double; the document is not read",
    "a number that overflows to infinity or underflows to zero has no faithful value",
)
NOT_A_NUMBER = D.define(
    "JSN104",
    "MUST",
    "R-13.1-3",
    "NaN and Infinity are not JSON; the document is not read",
    "RFC 8259 §6 has no literal for them",
)
TOO_LARGE = D.define(
    "JSN105",
    "MUST",
    _SPEC,
    f"JSON document longer than {MAX_JSON_CHARS} characters; it is not read",
)
LONE_SURROGATE = D.define(
    "JSN106",
    "MUST",
    "R-13.1-4",
    "JSON string escapes half of a surrogate pair; the document is not read",
    "RFC 8259 §8.2: such a string has no Unicode value",
)

#: Every code by which :func:`loads` refuses a document: for a caller, the document is absent.
REFUSALS: Final = frozenset(
    c.code for c in (TOO_DEEP, NUMBER_TOO_LONG, NUMBER_OUT_OF_RANGE, NOT_A_NUMBER, TOO_LARGE,
                     LONE_SURROGATE)
)

# A string, or an unterminated one up to the end: possessive, and never retried from a quote
# inside it, so that a hostile unterminated string costs one pass, not one per escaped quote.
_STRING: Final = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"?'
_STRINGS: Final = re.compile(_STRING, re.DOTALL)
_NOT_BRACKETS: Final = re.compile(r"[^\[\]{}]+")
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_TOKEN: Final = re.compile(
    rf"(?P<string>{_STRING})|(?P<open>[\[{{])|(?P<close>[\]}}])"
    r"|(?P<number>-?[0-9][-+.0-9eE]*)|(?P<constant>-?Infinity|NaN)",
    re.DOTALL,
)
# In a JSON string: an escaped backslash, or an escaped surrogate half with what follows it.
_ESCAPE: Final = re.compile(r"\\\\|\\u([dD][89abAB][0-9a-fA-F]{2})(\\u[dD][c-fC-F][0-9a-fA-F]{2})?"
                            r"|\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_DEPTH_STEP: Final = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonError(ValueError):
    """A document that is not read: ``code`` names the limit crossed, None for bad syntax.

    ``line`` and ``column`` are 1-based; the column counts characters from the last LF, as the
    ``json`` module's own ``colno`` does.
    """

    def __init__(self, code: D.Code | None, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.line = line
        self.column = column
        self.message = message

    def diagnostic(self, not_json: D.Code) -> Diagnostic:
        """The finding to report: the limit's code, or the caller's ``not_json`` for syntax."""
        if self.code is None:
            return not_json.at(self.line, self.column, message=f"{not_json.title}: {self.message}")
        return self.code.at(self.line, self.column)


class _Unfaithful(ValueError):
    """Raised inside ``json.loads`` by a number or constant hook; located afterwards."""


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _int(token: str) -> int:
    if len(token) > MAX_JSON_NUMBER_CHARS:
        raise _Unfaithful(token)
    return int(token)


def _float(token: str) -> float:
    if len(token) > MAX_JSON_NUMBER_CHARS:
        raise _Unfaithful(token)
    value = float(token)
    if math.isinf(value) or (value == 0.0 and _has_nonzero_mantissa(token)):
        raise _Unfaithful(token)
    return value


def _has_nonzero_mantissa(token: str) -> bool:
    mantissa = re.split("[eE]", token, maxsplit=1)[0]
    return any(ch in "123456789" for ch in mantissa)


def _constant(token: str) -> float:
    raise _Unfaithful(token)


def _may_cross_limits(text: str) -> bool:
    """Cheap and conservative: False only when neither depth nor surrogates can fail.

    Numbers and constants are checked by the parse hooks, which see every one of them.
    """
    if _SURROGATE_ESCAPE.search(text):
        return True
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0) > MAX_JSON_DEPTH


def _lone_surrogate(token: str) -> int | None:
    """Offset in ``token`` (a string literal) of an escaped surrogate half without its mate."""
    for found in _ESCAPE.finditer(token):
        text = found.group()
        if text == "\\\\":
            continue
        if found.group(1) is None or found.group(2) is None:
            return found.start()
    return None


def _first_crossing(text: str) -> JsonError | None:
    """The first token that crosses a limit, scanning outside strings; None if there is none."""
    depth = 0
    for found in _TOKEN.finditer(text):
        kind = found.lastgroup
        code: D.Code | None = None
        offset = found.start()
        if kind == "string":
            if "\\u" in found.group():
                inside = _lone_surrogate(found.group())
                if inside is not None:
                    code, offset = LONE_SURROGATE, offset + inside
        elif kind == "open":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                code = TOO_DEEP
        elif kind == "close":
            depth -= 1
        elif kind == "number":
            token = found.group()
            if len(token) > MAX_JSON_NUMBER_CHARS:
                code = NUMBER_TOO_LONG
            elif "." in token or "e" in token or "E" in token:
                try:
                    _float(token)
                except ValueError:
                    code = NUMBER_OUT_OF_RANGE
        else:
            code = NOT_A_NUMBER
        if code is not None:
            line, column = _position(text, offset)
            return JsonError(code, line, column, code.title)
    return None


def loads(document: str | bytes) -> Any:
    """Parse one untrusted JSON document within the limits, or raise :class:`JsonError`.

    Octets are decoded as the ``json`` module does (UTF-8, -16 or -32, detected), strictly.
    """
    if isinstance(document, str):
        text = document
    else:
        try:
            text = document.decode(json.detect_encoding(document))
        except UnicodeDecodeError as exc:
            before = document[: exc.start].decode("utf-8", "replace")
            line, column = _position(before, len(before))
            raise JsonError(None, line, column, "not valid Unicode") from None
    if len(text) > MAX_JSON_CHARS:
        line, column = _position(text, MAX_JSON_CHARS)
        raise JsonError(TOO_LARGE, line, column, TOO_LARGE.title)
    if _may_cross_limits(text):
        crossing = _first_crossing(text)
        if crossing is not None:
            raise crossing
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except _Unfaithful:
        crossing = _first_crossing(text)
        if crossing is None:  # pragma: no cover - the hooks and the scan see the same tokens
            raise JsonError(NOT_A_NUMBER, 1, 1, NOT_A_NUMBER.title) from None
        raise crossing from None
    except json.JSONDecodeError as exc:
        raise JsonError(None, exc.lineno, exc.colno, exc.msg) from None
    except RecursionError:  # pragma: no cover - depth is bounded above; a deep caller stack
        raise JsonError(TOO_DEEP, 1, 1, TOO_DEEP.title) from None
