"""The data model shared by every layer: declarations, rules, diagnostics and decisions.

Everything here is a frozen dataclass so that a parsed declaration can be shared between
threads and cached without defensive copies.  Nothing in this module does I/O or parsing.
Two fields, ``Declaration.records`` and ``Group.rules``, may be computed on first read (see
``deferred``); they read like any other field.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Iterator

_T = TypeVar("_T")
_A = TypeVar("_A")


class Value(StrEnum):
    """The three-valued outcome of the aipref model (draft-ietf-aipref-vocab §5)."""

    ALLOWED = "allowed"
    DISALLOWED = "disallowed"
    UNKNOWN = "unknown"

    def __str__(self) -> str:
        return self.value


class Severity(StrEnum):
    """Derived from the BCP 14 keyword a diagnostic enforces: MUST → error, SHOULD → warning."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    def __str__(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class RuleKind(StrEnum):
    ALLOW = "allow"
    DISALLOW = "disallow"
    CONTENT_USAGE = "content-usage"
    WORK_USAGE = "work-usage"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about an input, positioned like a compiler message.

    Lines and columns are 1-based; columns count Unicode code points of the decoded line.
    ``end_column`` is exclusive.  ``code`` never changes meaning between releases.
    """

    code: str
    severity: Severity
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    spec: str
    hint: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "spec": self.spec,
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class Record:
    """A ``Field: value`` line as written, before any interpretation."""

    line: int
    name: str
    value: str
    name_column: int
    value_column: int


@dataclass(frozen=True, slots=True)
class Rule:
    """An Allow, Disallow, Content-Usage or Work-Usage rule inside a group.

    ``pattern`` is the normalised path pattern (percent-encoding canonicalised) or the
    normalised work-identifier pattern (``scheme:VALUE`` with an optional trailing ``*``).
    ``preferences`` maps usage labels to ALLOWED/DISALLOWED for usage rules; labels whose value
    was not ``y``/``n`` are absent, which means unknown.
    """

    kind: RuleKind
    pattern: str
    line: int
    raw: str
    preferences: Mapping[str, Value] = field(default_factory=dict)

    @property
    def is_usage(self) -> bool:
        return self.kind in (RuleKind.CONTENT_USAGE, RuleKind.WORK_USAGE)


@dataclass(frozen=True, slots=True)
class Group:
    """User-agent lines and the rules that follow them (RFC 9309 §2.2.1)."""

    agents: tuple[str, ...]
    rules: tuple[Rule, ...]
    line: int
    #: Lines of every Allow/Disallow record, including empty and ignored ones (spec §6.3).
    crawl_lines: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Licence:
    """One way to obtain a licence for a use that is reserved unless licensed (RSL, spec §12.3).

    ``server`` is the licence server a client obtains a token from first; ``payment`` the RSL
    payment type (``None`` when the licence has no ``payment`` element); ``amount`` and
    ``currency`` the stated price; ``standard``, ``custom`` and ``terms`` the URLs of the
    licence framework, the publisher's own licensing process and the human-readable terms.
    ``users`` and ``geo`` restrict who may take the licence (empty: anyone); ``reporting`` lists
    reporting profiles the licensee must meet.  ``document`` and ``line`` locate the terms.
    """

    server: str | None = None
    payment: str | None = None
    amount: str | None = None
    currency: str | None = None
    standard: str | None = None
    custom: str | None = None
    terms: str | None = None
    accepts: str | None = None
    users: tuple[str, ...] = ()
    excluded_users: tuple[str, ...] = ()
    geo: tuple[str, ...] = ()
    excluded_geo: tuple[str, ...] = ()
    reporting: tuple[str, ...] = ()
    document: str | None = None
    line: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "server": self.server,
            "payment": self.payment,
            "amount": self.amount,
            "currency": self.currency,
            "standard": self.standard,
            "custom": self.custom,
            "terms": self.terms,
            "accepts": self.accepts,
            "users": list(self.users),
            "excluded_users": list(self.excluded_users),
            "geo": list(self.geo),
            "excluded_geo": list(self.excluded_geo),
            "reporting": list(self.reporting),
            "document": self.document,
            "line": self.line,
        }

    def describe(self) -> str:
        """One line for people: how to get this licence."""
        parts: list[str] = []
        if self.server:
            parts.append(f"token from {self.server}")
        if self.payment:
            parts.append(f"payment {self.payment}")
        if self.amount:
            parts.append(f"{self.amount} {self.currency or '(no currency)'}")
        for name, url in (("standard", self.standard), ("custom", self.custom),
                          ("terms", self.terms), ("accepts", self.accepts)):
            if url:
                parts.append(f"{name} {url}")
        if self.users:
            parts.append("users " + " ".join(self.users))
        if self.excluded_users:
            parts.append("not users " + " ".join(self.excluded_users))
        if self.geo:
            parts.append("only in " + " ".join(self.geo))
        if self.excluded_geo:
            parts.append("not in " + " ".join(self.excluded_geo))
        if self.reporting:
            parts.append("reporting " + " ".join(self.reporting))
        return "; ".join(parts) or "licence terms"


#: ``Decision.answer`` of a use that is reserved unless licensed.
LICENCE_REQUIRED = "licence-required"


@dataclass(frozen=True, slots=True)
class Statement:
    """One mechanism's say on one usage, with where it came from.

    A ``disallowed`` statement with ``licence`` routes says "reserved unless licensed".
    """

    mechanism: str
    usage: str
    value: Value
    reason: str
    source: str | None = None
    line: int | None = None
    raw: str | None = None
    licence: tuple[Licence, ...] = ()

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "mechanism": self.mechanism,
            "usage": self.usage,
            "value": self.value.value,
            "reason": self.reason,
            "source": self.source,
            "line": self.line,
            "raw": self.raw,
        }
        if self.licence:
            out["licence"] = [route.to_dict() for route in self.licence]
        return out


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to "may ``agent`` use ``target`` for ``usage``?" and why.

    ``line`` and ``rule`` point at the deciding line when one decided; ``statements`` holds
    every contributing statement when several mechanisms were combined.

    A use available only under licence is ``disallowed`` with ``licence`` routes: a caller that
    checks only ``reserved`` stays correct, and ``answer`` is ``licence-required``.
    """

    value: Value
    usage: str
    agent: str
    target: str
    reason: str
    line: int | None = None
    rule: str | None = None
    mechanism: str = "aioptout"
    source: str | None = None
    crawl: Value | None = None
    statements: tuple[Statement, ...] = ()
    licence: tuple[Licence, ...] = ()

    @property
    def reserved(self) -> bool:
        return self.value is Value.DISALLOWED

    @property
    def licence_required(self) -> bool:
        """Reserved, but available under one of the ``licence`` routes."""
        return self.value is Value.DISALLOWED and bool(self.licence)

    @property
    def answer(self) -> str:
        """``allowed``, ``disallowed``, ``unknown`` or ``licence-required``."""
        return LICENCE_REQUIRED if self.licence_required else self.value.value

    def to_dict(self) -> dict[str, object]:
        return {
            "value": self.value.value,
            "usage": self.usage,
            "agent": self.agent,
            "target": self.target,
            "reason": self.reason,
            "line": self.line,
            "rule": self.rule,
            "mechanism": self.mechanism,
            "source": self.source,
            "crawl": None if self.crawl is None else self.crawl.value,
            "statements": [s.to_dict() for s in self.statements],
            "answer": self.answer,
            "licence": [route.to_dict() for route in self.licence],
        }


@dataclass(frozen=True, slots=True)
class Declaration:
    """A parsed aioptout declaration: fields, groups and every diagnostic found while parsing.

    Parsing is lenient: every parseable line is kept, so a declaration with errors still
    answers questions.  ``validate`` adds the strict profile's findings on top.
    """

    version: str | None
    groups: tuple[Group, ...]
    records: tuple[Record, ...]
    diagnostics: tuple[Diagnostic, ...]
    rightsholder: str | None = None
    contact: str | None = None
    licensing: str | None = None
    legal_basis: str | None = None
    issued: _dt.datetime | None = None
    expires: _dt.datetime | None = None
    sitemaps: tuple[str, ...] = ()
    source: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    mechanism: ClassVar[str] = "aioptout"

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    def agents(self) -> Iterator[str]:
        seen: set[str] = set()
        for group in self.groups:
            for agent in group.agents:
                key = agent.lower()
                if key not in seen:
                    seen.add(key)
                    yield agent

    def evaluate(
        self,
        agent: str,
        target: str,
        usage: str = "train-ai",
        *,
        now: _dt.datetime | None = None,
    ) -> Decision:
        """Decide one (agent, target, usage) question by the spec's decision algorithm.

        ``target`` is a URL, an absolute path, or a work identifier such as
        ``isrc:USUM71703861``; ``usage`` is a usage label or ``crawl``.
        """
        # evaluate imports this module; once imported, it takes this method's place.
        from .evaluate import evaluate

        return evaluate(self, agent, target, usage, now=now)

    def statements(self, agent: str, target: str) -> list[Statement]:
        """Every label this declaration decides for (agent, target): the Signal protocol."""
        from .evaluate import statements

        return statements(self, agent, target)


def draft_of(cls: type) -> Any:
    """A mutable twin of the frozen, slotted dataclass ``cls``: same slots, no frozen setter.

    Hot paths build a ``cls`` by filling a draft attribute by attribute and then assigning
    ``draft.__class__ = cls`` (allowed between classes with the same slots).  That is two to
    three times faster than the generated ``__init__``, which must set every field through
    ``object.__setattr__``.  Whoever fills a draft must set every field.
    """
    slots = cls.__dict__["__slots__"]
    return type(f"_{cls.__name__}Draft", (), {"__slots__": slots, "__module__": __name__})


class _Deferred:
    __slots__ = ("argument", "compute")

    def __init__(self, compute: Callable[[Any], object], argument: object) -> None:
        self.compute = compute
        self.argument = argument


def deferred(compute: Callable[[_A], _T], argument: _A) -> _T:
    """A stand-in for a field value: ``compute(argument)``, called when the field is first read.

    Only ``Declaration.records`` and ``Group.rules`` accept one.  The parser uses it so that a
    parse does not build an object per line that few callers read: records are rarely read,
    and a decision reads the rules of the groups that apply to its agent only.
    """
    return cast(_T, _Deferred(compute, argument))


class _DeferredSlot:
    """A slot that replaces a ``_Deferred`` stored in it by its value on first read.

    Every read (attribute access, ``==``, ``repr``, ``dataclasses.replace``, pickling) sees the
    computed value, so the field behaves as if it had been given eagerly.  Two threads reading
    at once may both compute it; the values are equal and either may be kept.
    """

    __slots__ = ("_slot",)

    def __init__(self, slot: Any) -> None:
        self._slot = slot

    def __get__(self, obj: object, owner: type | None = None) -> Any:
        if obj is None:
            return self._slot
        value = self._slot.__get__(obj, owner)
        if type(value) is _Deferred:
            value = value.compute(value.argument)
            self._slot.__set__(obj, value)
        return value

    def __set__(self, obj: object, value: object) -> None:
        self._slot.__set__(obj, value)


for _cls, _name in ((Declaration, "records"), (Group, "rules")):
    setattr(_cls, _name, _DeferredSlot(_cls.__dict__[_name]))
del _cls, _name
