"""Work identifiers: the keys of catalogue rules (spec §9).

A catalogue rule names works rather than URLs, so two spellings of one identifier must compare
equal.  Every identifier is therefore reduced to one canonical form: upper case, presentation
separators (hyphen, space, dot) removed, and one width per scheme:

* ``gtin`` is always the 14-digit GTIN-14.  A UPC-A (12 digits), an EAN-13 and an EAN-8 are
  padded with leading zeros, so ``upc:036000291452`` and ``ean:0036000291452`` are one work.
  In a prefix pattern the digits count from the left of the form the alias names: ``upc:`` of
  the 12-digit UPC-A, ``ean:`` of the EAN-13, ``gtin:`` of the GTIN-14.  ``upc:036000*`` is
  therefore ``gtin:00036000*``.  EAN-8 numbers can be named exactly but not by prefix.
* ``isbn`` is always the ISBN-13.  An ISBN-10 becomes ``978`` + its nine data digits + a
  recomputed check digit.  A prefix pattern starting ``978``/``979`` (or a prefix of those) is
  read as ISBN-13, any other as ISBN-10; ``isbn10:`` and ``isbn13:`` force the reading (ISBN-10
  group 978 was Nigeria's).
* ``doi`` keeps its characters but lower-cases ASCII letters: DOIs are case-insensitive for
  ASCII only (ISO 26324).

Problems are reported, not raised: a wrong check digit still yields the identifier, so a lenient
reader keeps the rule; a syntax error yields ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

__all__ = [
    "ALIASES",
    "SCHEMES",
    "IdProblem",
    "WorkId",
    "WorkPattern",
    "check_digit",
    "has_valid_check_digit",
    "is_crossref_doi",
    "looks_like_work_id",
    "parse_work_id",
    "parse_work_pattern",
]

SCHEMES: Final[frozenset[str]] = frozenset({"isrc", "iswc", "gtin", "isni", "doi", "isbn"})

#: Alternative scheme names accepted on input; output always uses the canonical name.
ALIASES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "upc": "gtin",
        "ean": "gtin",
        "ean13": "gtin",
        "gtin13": "gtin",
        "gtin14": "gtin",
        "isbn10": "isbn",
        "isbn13": "isbn",
    }
)

#: Characters that only present an identifier and are dropped (not for DOI).
SEPARATORS: Final = frozenset("- .\u00a0")

#: Shortest prefix that still names one registrant: canonical characters, except GTIN, which
#: counts digits of the EAN-13 (the GTIN-14 without its indicator digit) whatever the alias.
REGISTRANT_PREFIX: Final[Mapping[str, int]] = MappingProxyType(
    {"isrc": 5, "isbn": 5, "gtin": 6, "iswc": 4, "isni": 8}
)

#: Width of the written digits of each GTIN alias in a prefix pattern.
_GTIN_PATTERN_WIDTH: Final[Mapping[str, int]] = MappingProxyType(
    {"upc": 12, "ean": 13, "ean13": 13, "gtin13": 13, "gtin": 14, "gtin14": 14}
)
_GTIN_WIDTH: Final = 14
_GTIN_EXACT_WIDTHS: Final[Mapping[str, frozenset[int]]] = MappingProxyType(
    {
        "upc": frozenset({12}),
        "ean": frozenset({8, 12, 13}),
        "ean13": frozenset({13}),
        "gtin13": frozenset({13}),
        "gtin14": frozenset({14}),
        "gtin": frozenset({8, 12, 13, 14}),
    }
)

_DOI_LOOSE: Final = re.compile(r"10\.[^/\s]+/\S+")
_DOI_CROSSREF: Final = re.compile(r"10\.\d{4,9}/[-._;()/:a-z0-9]+")
_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER: Final = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS: Final = frozenset("0123456789")
_LETTERS: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")

ProblemKind = Literal["unknown-scheme", "syntax", "check-digit", "wildcard", "broad-prefix"]


@dataclass(frozen=True, slots=True)
class WorkId:
    """One work, in canonical form; equal identifiers compare and hash equal."""

    scheme: str
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


@dataclass(frozen=True, slots=True)
class IdProblem:
    """What is wrong with an identifier; ``offset`` is 0-based into the text given."""

    kind: ProblemKind
    message: str
    offset: int


@dataclass(frozen=True, slots=True)
class WorkPattern:
    """An exact identifier or a canonical prefix (written with a trailing ``*``)."""

    scheme: str
    prefix: str
    exact: bool

    def matches(self, work: WorkId) -> bool:
        if work.scheme != self.scheme:
            return False
        if self.exact:
            return work.value == self.prefix
        return work.value.startswith(self.prefix)

    @property
    def specificity(self) -> tuple[int, int]:
        """Orders patterns like path rules: longer canonical prefix first, exact before prefix."""
        return (len(self.prefix), 1 if self.exact else 0)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.prefix}{'' if self.exact else '*'}"


# --- check digits -----------------------------------------------------------------------


def _digits(text: str) -> list[int]:
    if not text or any(c not in _DIGITS for c in text):
        raise ValueError(f"expected decimal digits, got {text!r}")
    return [ord(c) - 48 for c in text]


def _gtin_check(data: str) -> str:
    # Weights 3,1,3,… from the right of the data digits (GS1 General Specifications §7.9).
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(_digits(data))))
    return str((10 - total % 10) % 10)


def _isbn10_check(data: str) -> str:
    if len(data) != 9:
        raise ValueError("an ISBN-10 check digit needs 9 data digits")
    total = sum(d * w for d, w in zip(_digits(data), range(10, 1, -1), strict=True))
    r = (11 - total % 11) % 11
    return "X" if r == 10 else str(r)


def _iswc_check(data: str) -> str:
    data = data[1:] if data[:1] in ("T", "t") else data
    if len(data) != 9:
        raise ValueError("an ISWC check digit needs 9 data digits")
    total = 1 + sum(i * d for i, d in enumerate(_digits(data), start=1))
    return str((10 - total % 10) % 10)


def _isni_check(data: str) -> str:
    # ISO 7064 MOD 11-2.
    if len(data) != 15:
        raise ValueError("an ISNI check character needs 15 data digits")
    p = 0
    for d in _digits(data):
        p = (p + d) * 2
    r = (12 - p % 11) % 11
    return "X" if r == 10 else str(r)


def _isbn_check(data: str) -> str:
    if len(data) == 12:
        return _gtin_check(data)
    if len(data) == 9:
        return _isbn10_check(data)
    raise ValueError("an ISBN check digit needs 12 (ISBN-13) or 9 (ISBN-10) data digits")


_CHECKERS: Final[Mapping[str, Callable[[str], str]]] = MappingProxyType(
    {
        "gtin": _gtin_check,
        "upc": _gtin_check,
        "ean": _gtin_check,
        "ean13": _gtin_check,
        "gtin13": _gtin_check,
        "gtin14": _gtin_check,
        "isbn": _isbn_check,
        "isbn13": _gtin_check,
        "isbn10": _isbn10_check,
        "iswc": _iswc_check,
        "isni": _isni_check,
    }
)


def check_digit(scheme: str, digits: str) -> str:
    """The check character for the data digits of ``scheme`` (without the check character).

    ``isbn`` takes 12 digits (ISBN-13) or 9 (ISBN-10); ``iswc`` takes 9 digits with or without
    the leading ``T``.  Raises ``ValueError`` for schemes without a check digit (ISRC, DOI) and
    for malformed digits: this is a programmer-facing helper, not a parser.
    """
    checker = _CHECKERS.get(scheme.lower())
    if checker is None:
        raise ValueError(f"scheme {scheme!r} has no check digit")
    return checker(digits)


def has_valid_check_digit(work: WorkId) -> bool:
    """True when the canonical identifier's check character is right, or it has none."""
    if work.scheme in ("isrc", "doi"):
        return True
    return check_digit(work.scheme, work.value[:-1]) == work.value[-1]


def is_crossref_doi(value: str) -> bool:
    """Whether a DOI also fits Crossref's strict pattern; others are legal but unusual."""
    return _DOI_CROSSREF.fullmatch(value.translate(_ASCII_LOWER)) is not None


# --- parsing ----------------------------------------------------------------------------


def looks_like_work_id(text: str) -> bool:
    """Whether ``text`` is meant as a work identifier (``scheme:…``) rather than a URL or path."""
    scheme, sep, _ = text.strip().partition(":")
    return bool(sep) and _canonical_scheme(scheme.lower()) is not None


def _canonical_scheme(name: str) -> str | None:
    if name in SCHEMES:
        return name
    return ALIASES.get(name)


@dataclass(slots=True)
class _Split:
    alias: str  # the scheme as written, lower case
    scheme: str
    body: str  # value text, presentation separators removed, upper-cased (DOI: as written)
    offsets: list[int]  # offset in the input of each body character
    star: int | None  # offset of a trailing '*', when written


def _split(text: str, *, pattern: bool) -> tuple[_Split | None, list[IdProblem]]:
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    colon = text.find(":", start, end)
    if colon < 0:
        return None, [IdProblem("syntax", "expected scheme:identifier", start)]
    alias = text[start:colon].lower()
    scheme = _canonical_scheme(alias)
    if scheme is None:
        return None, [IdProblem("unknown-scheme", f"unknown identifier scheme {alias!r}", start)]
    body: list[str] = []
    offsets: list[int] = []
    star: int | None = None
    for i in range(colon + 1, end):
        c = text[i]
        if c == "*" and (pattern or scheme != "doi"):
            if not pattern:
                return None, [IdProblem("wildcard", "'*' is only allowed in patterns", i)]
            if i != end - 1:
                return None, [IdProblem("wildcard", "'*' may only end a pattern", i)]
            star = i
        elif scheme == "doi":
            body.append(c)
            offsets.append(i)
        elif c in SEPARATORS:
            continue
        else:
            body.append(c.translate(_ASCII_UPPER))
            offsets.append(i)
    if not body and star is None:
        return None, [IdProblem("syntax", "identifier is empty", colon + 1)]
    return _Split(alias, scheme, "".join(body), offsets, star), []


def _at(split: _Split, index: int) -> int:
    """Input offset of body character ``index``, or just past the body."""
    if index < len(split.offsets):
        return split.offsets[index]
    if split.star is not None:
        return split.star
    return split.offsets[-1] + 1 if split.offsets else 0


def _check_classes(split: _Split, classes: str, what: str) -> IdProblem | None:
    """Each body character against a position class: L letter, A alphanumeric, D digit, X check."""
    body = split.body
    if len(body) > len(classes):
        return IdProblem("syntax", f"{what} is too long", _at(split, len(classes)))
    for i, c in enumerate(body):
        cls = classes[i]
        ok = (
            (cls == "L" and c in _LETTERS)
            or (cls == "A" and (c in _LETTERS or c in _DIGITS))
            or (cls == "D" and c in _DIGITS)
            or (cls == "X" and (c in _DIGITS or c == "X"))
            or (cls == "T" and c == "T")
        )
        if not ok:
            return IdProblem("syntax", f"unexpected {c!r} in {what}", _at(split, i))
    return None


def _check_problem(split: _Split, value: str, scheme: str) -> IdProblem | None:
    expected = check_digit(scheme, value[:-1])
    if expected == value[-1]:
        return None
    return IdProblem(
        "check-digit",
        f"check character is {value[-1]}, expected {expected}",
        _at(split, len(split.body) - 1),
    )


def _broad(scheme: str, canonical: str, split: _Split) -> IdProblem | None:
    if scheme == "doi":
        if "/" in canonical:
            return None
        return IdProblem(
            "broad-prefix",
            "DOI prefix does not name a whole registrant",
            _at(split, len(split.body)),
        )
    minimum = REGISTRANT_PREFIX[scheme]
    size = len(canonical)
    if scheme == "gtin":
        size = len(canonical) - 1  # digits of the EAN-13 after the GTIN-14 indicator digit
    if size >= minimum:
        return None
    return IdProblem(
        "broad-prefix", "prefix is shorter than a registrant prefix", _at(split, len(split.body))
    )


# Catalogue files hold thousands of canonical ISRCs; those need no separator handling.
_CANONICAL_ISRC: Final = re.compile(r"isrc:([A-Z]{2}[A-Z0-9]{3}[0-9]{7})")


def _parse(text: str, *, pattern: bool) -> tuple[WorkPattern | None, list[IdProblem]]:
    fast = _CANONICAL_ISRC.fullmatch(text)
    if fast is not None:
        return WorkPattern("isrc", fast.group(1), True), []
    split, problems = _split(text, pattern=pattern)
    if split is None:
        return None, problems
    exact = split.star is None
    parser = _SCHEME_PARSERS[split.scheme]
    canonical, problems = parser(split, exact)
    if canonical is None:
        return None, problems
    if not exact:
        broad = _broad(split.scheme, canonical, split)
        if broad is not None:
            problems.append(broad)
    return WorkPattern(split.scheme, canonical, exact), problems


def _parse_isrc(split: _Split, exact: bool) -> tuple[str | None, list[IdProblem]]:
    # ISO 3901: CC (letters) + XXX (alphanumeric) + YY + NNNNN; no check digit.
    problem = _check_classes(split, "LLAAADDDDDDD", "ISRC")
    if problem is None and exact and len(split.body) != 12:
        problem = IdProblem("syntax", "an ISRC has 12 characters", _at(split, len(split.body)))
    return (None, [problem]) if problem else (split.body, [])


def _parse_iswc(split: _Split, exact: bool) -> tuple[str | None, list[IdProblem]]:
    problem = _check_classes(split, "TDDDDDDDDDD", "ISWC")
    if problem is None and exact and len(split.body) != 11:
        problem = IdProblem("syntax", "an ISWC is T and 10 digits", _at(split, len(split.body)))
    if problem:
        return None, [problem]
    if len(split.body) == 11:
        check = _check_problem(split, split.body, "iswc")
        return split.body, [check] if check else []
    return split.body, []


def _parse_isni(split: _Split, exact: bool) -> tuple[str | None, list[IdProblem]]:
    problem = _check_classes(split, "DDDDDDDDDDDDDDDX", "ISNI")
    if problem is None and exact and len(split.body) != 16:
        problem = IdProblem("syntax", "an ISNI has 16 characters", _at(split, len(split.body)))
    if problem:
        return None, [problem]
    if len(split.body) == 16:
        check = _check_problem(split, split.body, "isni")
        return split.body, [check] if check else []
    return split.body, []


def _parse_gtin(split: _Split, exact: bool) -> tuple[str | None, list[IdProblem]]:
    body = split.body
    bad = next((i for i, c in enumerate(body) if c not in _DIGITS), None)
    if bad is not None:
        return None, [IdProblem("syntax", "a GTIN has digits only", _at(split, bad))]
    if exact:
        widths = _GTIN_EXACT_WIDTHS[split.alias]
        if len(body) not in widths:
            allowed = " or ".join(str(w) for w in sorted(widths))
            return None, [IdProblem("syntax", f"expected {allowed} digits", _at(split, len(body)))]
        check = _check_problem(split, body, "gtin")
        return body.rjust(_GTIN_WIDTH, "0"), [check] if check else []
    width = _GTIN_PATTERN_WIDTH[split.alias]
    if len(body) > width:
        return None, [
            IdProblem("syntax", f"prefix is longer than {width} digits", _at(split, width))
        ]
    canonical = "0" * (_GTIN_WIDTH - width) + body
    if len(body) == width:
        check = _check_problem(split, body, "gtin")
        return canonical, [check] if check else []
    return canonical, []


def _parse_isbn(split: _Split, exact: bool) -> tuple[str | None, list[IdProblem]]:
    body = split.body
    if split.alias == "isbn13":
        ten = False
    elif split.alias == "isbn10":
        ten = True
    elif exact:
        ten = len(body) == 10
    else:
        ten = not (body[:3] in ("978", "979") or "978".startswith(body) or "979".startswith(body))
    if ten:
        return _parse_isbn10(split, exact)
    problem = _check_classes(split, "DDDDDDDDDDDDD", "ISBN-13")
    if (
        problem is None
        and body[:3] not in ("978", "979")
        and not (not exact and ("978".startswith(body) or "979".startswith(body)))
    ):
        problem = IdProblem("syntax", "an ISBN-13 starts with 978 or 979", _at(split, 0))
    if problem is None and exact and len(body) != 13:
        problem = IdProblem("syntax", "an ISBN has 10 or 13 characters", _at(split, len(body)))
    if problem:
        return None, [problem]
    if len(body) == 13:
        check = _check_problem(split, body, "isbn13")
        return body, [check] if check else []
    return body, []


def _parse_isbn10(split: _Split, exact: bool) -> tuple[str | None, list[IdProblem]]:
    body = split.body
    problem = _check_classes(split, "DDDDDDDDDX", "ISBN-10")
    if problem is None and exact and len(body) != 10:
        problem = IdProblem("syntax", "an ISBN-10 has 10 characters", _at(split, len(body)))
    if problem:
        return None, [problem]
    if len(body) < 10:
        # A prefix of the nine data digits maps onto the ISBN-13 after 978; the check
        # character differs between the forms, so it cannot be part of a shorter prefix.
        return "978" + body, []
    check = _check_problem(split, body, "isbn10")
    data = "978" + body[:9]
    return data + _gtin_check(data), [check] if check else []


def _parse_doi(split: _Split, exact: bool) -> tuple[str | None, list[IdProblem]]:
    value = split.body.translate(_ASCII_LOWER)
    if exact:
        if _DOI_LOOSE.fullmatch(value) is None:
            return None, [IdProblem("syntax", "expected 10.<registrant>/<suffix>", _at(split, 0))]
        return value, []
    if len(value) < 3:
        if not "10.".startswith(value):
            return None, [IdProblem("syntax", "a DOI starts with 10.", _at(split, 0))]
        return value, []
    if not value.startswith("10."):
        return None, [IdProblem("syntax", "a DOI starts with 10.", _at(split, 0))]
    space = next((i for i, c in enumerate(value) if c.isspace()), None)
    if space is not None:
        return None, [IdProblem("syntax", "whitespace in a DOI", _at(split, space))]
    slash = value.find("/")
    if slash == 3:
        return None, [IdProblem("syntax", "DOI registrant is empty", _at(split, slash))]
    return value, []


_SCHEME_PARSERS: Final[
    Mapping[str, Callable[[_Split, bool], tuple[str | None, list[IdProblem]]]]
] = MappingProxyType(
    {
        "isrc": _parse_isrc,
        "iswc": _parse_iswc,
        "isni": _parse_isni,
        "gtin": _parse_gtin,
        "isbn": _parse_isbn,
        "doi": _parse_doi,
    }
)


def parse_work_id(text: str) -> tuple[WorkId | None, list[IdProblem]]:
    """Parse ``scheme:value`` into its canonical form.

    A wrong check digit is reported as a problem but the identifier is still returned, so a
    lenient reader can keep the rule; a syntax error or an unknown scheme returns ``None``.
    """
    pattern, problems = _parse(text, pattern=False)
    if pattern is None:
        return None, problems
    return WorkId(pattern.scheme, pattern.prefix), problems


def parse_work_pattern(text: str) -> tuple[WorkPattern | None, list[IdProblem]]:
    """Parse an exact identifier or a prefix pattern ending in ``*`` (``isrc:GB-EMI*``).

    A pattern whose prefix is shorter than a registrant prefix is returned with a
    ``broad-prefix`` problem: it is usable, but probably reserves more than its author owns.
    """
    return _parse(text, pattern=True)
