"""Cloudflare Content Signals: ``Content-Signal:`` lines in robots.txt groups, and the header.

Syntax (contentsignals.org; draft-romm-aipref-contentsignals-00): comma-separated
``key=yes|no`` with optional spaces; keys ``search``, ``ai-input``, ``ai-train``.  Their
meaning in the usage model comes from :mod:`.mapping` (``ai-train`` is any training, so it maps
to ``train-any``).  The line has no path: it covers every path of its group.

Two choices the policy text leaves open, made here and stated in the spec:

* Several lines reaching one agent (a group with two lines, or the Cloudflare-managed ``*``
  group merged with the site's own ``*`` group by RFC 9309 §2.2.1) combine most-restrictively,
  as aipref combines statements; the policy defines no rule.
* Unlike aipref Content-Usage (attach §3: "No preferences are implied for resources that are
  disallowed"), a Content-Signal line applies to every path of its group, crawlable or not.
  The line has no path, the policy calls its restrictions "express reservations of rights
  under Article 4" (a statement about the content, wherever it was obtained), and real files
  pair ``Disallow: /`` with ``search=no, ai-train=no`` (stackoverflow.com, 2025-10 to 2025-12)
  meaning both.  Reading those as "unknown" would drop a reservation the site clearly made.
* A line before the first User-agent line belongs to no group and is ignored; the robots.txt
  parser reports it (ROB105), so this module adds no second diagnostic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .. import _mechanisms
from .. import usage as U
from ..diagnostics import capped, define
from ..model import Diagnostic, Statement, Value
from .aipref import robots_target
from .mapping import lookup

if TYPE_CHECKING:
    from .robots import RobotsLine, RobotsTxt

MECHANISM: Final = _mechanisms.CONTENT_SIGNAL
_FIELD: Final = "content-signal"
#: Keys the policy defines, in its own order.
KEYS: Final[tuple[str, ...]] = ("search", "ai-input", "ai-train")
_VALUES: Final = ("yes", "no")
#: The content-use key Cloudflare added in 2026 and its levels, least reuse first.
USE_KEY: Final = "use"
USE_LEVELS: Final[tuple[str, ...]] = ("immediate", "reference", "full")

MALFORMED_ENTRY = define(
    "CSG101", "SHOULD", "Content Signals Policy (contentsignals.org)",
    "Entry is not key=value; it is ignored", "write entries as search=yes, ai-train=no")
BAD_VALUE = define(
    "CSG102", "SHOULD", "Content Signals Policy (contentsignals.org)",
    "Value is not yes or no; the signal is unknown", "Content-Signal values are yes and no")
UNKNOWN_KEY = define(
    "CSG103", "NOTE", "Content Signals Policy (contentsignals.org)",
    "Unknown Content-Signal key is ignored")
SEVERAL_LINES = define(
    "CSG104", "SHOULD", "Content Signals Policy (contentsignals.org); signals.md §5",
    "Several Content-Signal lines reach the same agents; most restrictive wins",
    "the policy defines one line per group; merge them into one line")
EMPTY_SIGNAL = define(
    "CSG105", "SHOULD", "Content Signals Policy (contentsignals.org)",
    "Content-Signal line without any signal")
REPEATED_KEY = define(
    "CSG106", "SHOULD", "Content Signals Policy (contentsignals.org)",
    "Key appears twice in one line; most restrictive wins")
BAD_USE = define(
    "CSG107", "SHOULD", "Cloudflare managed robots.txt, content use (2026-07)",
    "use value is not immediate, reference or full; it is ignored",
    "write use=immediate, use=reference or use=full")
USE_CONTRADICTS_KEY = define(
    "CSG108", "SHOULD", "Cloudflare managed robots.txt, content use (2026-07); aioptout spec §12.1",
    "use level forbids what a key of the same line allows; the key is used",
    "use=immediate excludes search and ai-train; use=reference excludes ai-train")


@dataclass(frozen=True, slots=True)
class SignalLine:
    """One Content-Signal line (or header field) read into usage labels."""

    line: int
    preferences: Mapping[str, Value]
    raw: str


def parse_signal(value: str, line: int, column: int
                 ) -> tuple[dict[str, Value], list[Diagnostic]]:
    """Read one Content-Signal value; ``column`` is where the value starts (1-based)."""
    prefs: dict[str, Value] = {}
    diagnostics: list[Diagnostic] = []
    seen: set[str] = set()
    offset = 0
    found = False
    use: tuple[str, int, int] | None = None
    for part in value.split(","):
        start = column + offset + len(part) - len(part.lstrip())
        offset += len(part) + 1
        text = part.strip()
        if not text:
            continue
        found = True
        end = start + len(text)
        key, equals, raw_value = text.partition("=")
        key = key.strip().lower()
        word = raw_value.strip().lower()
        if not equals or not key:
            diagnostics.append(MALFORMED_ENTRY.at(line, start, end))
            continue
        if key == USE_KEY:
            if word not in USE_LEVELS:
                diagnostics.append(BAD_USE.at(line, start, end))
                continue
            if key in seen:
                diagnostics.append(REPEATED_KEY.at(line, start, end))
            seen.add(key)
            # Repeated: the lower level (less reuse) is the more restrictive one.
            level = word if use is None else min(use[0], word, key=USE_LEVELS.index)
            use = (level, start, end)
            continue
        if key not in KEYS:
            diagnostics.append(UNKNOWN_KEY.at(line, start, end))
            continue
        if word not in _VALUES:
            diagnostics.append(BAD_VALUE.at(line, start, end))
            continue
        if key in seen:
            diagnostics.append(REPEATED_KEY.at(line, start, end))
        seen.add(key)
        for label, said in lookup(MECHANISM, f"{key}={word}"):
            prefs[label] = U.combine((prefs.get(label, Value.UNKNOWN), said))
    if not found:
        diagnostics.append(EMPTY_SIGNAL.at(line, column))
    if use is not None:
        _apply_use(prefs, use, line, diagnostics)
    return prefs, diagnostics


def _apply_use(prefs: dict[str, Value], use: tuple[str, int, int], line: int,
               diagnostics: list[Diagnostic]) -> None:
    """use= as a ceiling: it reserves the labels its level excludes that no key of the line
    states; a key that allows one of them wins, with CSG108 (spec §12.1)."""
    level, start, end = use
    for label, said in lookup(MECHANISM, f"use={level}"):
        stated = prefs.get(label)
        if stated is None:
            prefs[label] = said
        elif stated is Value.ALLOWED and said is Value.DISALLOWED:
            diagnostics.append(USE_CONTRADICTS_KEY.at(line, start, end))


def _combine(lines: Iterable[SignalLine]) -> dict[str, tuple[Value, SignalLine]]:
    """label → (most restrictive value, the line that gave it)."""
    out: dict[str, tuple[Value, SignalLine]] = {}
    for signal in lines:
        for label, value in signal.preferences.items():
            current = out.get(label)
            if current is None or (value is Value.DISALLOWED
                                   and current[0] is not Value.DISALLOWED):
                out[label] = (value, signal)
    return out


def _to_statements(lines: list[SignalLine], whom: str, source: str | None
                   ) -> list[Statement]:
    combined = _combine(lines)
    out: list[Statement] = []
    for label in U.LABELS:
        if label not in combined:
            continue
        value, signal = combined[label]
        where = f"line {signal.line}" if signal.line else "header"
        note = f"; {len(lines)} lines combined" if len(lines) > 1 else ""
        out.append(Statement(
            mechanism=MECHANISM, usage=label, value=value,
            reason=f"Content-Signal ({where}) for {whom} says {signal.raw.split(':', 1)[1].strip()}"
                   f"{note}",
            source=source, line=signal.line or None, raw=signal.raw))
    return out


class ContentSignals:
    """The Content-Signal lines of a robots.txt, answering per agent."""

    mechanism: str = MECHANISM

    def __init__(self, robots: RobotsTxt, lines: Mapping[RobotsLine, SignalLine],
                 diagnostics: Iterable[Diagnostic]) -> None:
        self.robots = robots
        self.source = robots.source
        self.diagnostics: tuple[Diagnostic, ...] = tuple(capped(diagnostics))
        self._lines = dict(lines)

    @property
    def lines(self) -> tuple[SignalLine, ...]:
        return tuple(self._lines.values())

    def lines_for(self, agent: str) -> list[SignalLine]:
        out: list[SignalLine] = []
        for group in self.robots.matching_groups(agent):
            for line in group.lines:
                signal = self._lines.get(line)
                if signal is not None:
                    out.append(signal)
        return out

    def statements(self, agent: str, target: str) -> list[Statement]:
        url = robots_target(target)
        if url is None or not self._lines:
            return []
        lines = self.lines_for(agent)
        return _to_statements(lines, agent, self.source) if lines else []


def from_robots(robots: RobotsTxt) -> ContentSignals:
    """Read every Content-Signal line of a parsed robots.txt, with CSG diagnostics."""
    lines: dict[RobotsLine, SignalLine] = {}
    diagnostics: list[Diagnostic] = []
    # An agent's first Content-Signal line; every later line an agent sees is reported once.
    # Linear: a group's lines after its first are later lines for each of its agents, and its
    # first line is a later one if any of its agents saw a line in an earlier group.
    first: dict[str, int] = {}
    reported: set[int] = set()
    for group in robots.groups:
        here = [line for line in group.lines if line.field == _FIELD]
        for line in here:
            prefs, found = parse_signal(line.value, line.line, line.column)
            diagnostics.extend(found)
            lines[line] = SignalLine(line.line, prefs, f"{line.raw_field}: {line.value}")
        agents = {a.lower() for a in group.agents}
        if not here or not agents:
            continue
        for agent in agents:
            first.setdefault(agent, here[0].line)
        for index, line in enumerate(here):
            later = index > 0 or any(first[agent] != line.line for agent in agents)
            if later and line.line not in reported:
                reported.add(line.line)
                diagnostics.append(SEVERAL_LINES.at(line.line, line.column,
                                                    line.column + len(line.value)))
    diagnostics.sort(key=lambda d: (d.line, d.column))
    return ContentSignals(robots, lines, diagnostics)


class ContentSignalHeader:
    """``Content-Signal`` response header fields; they apply to the response's content."""

    mechanism: str = MECHANISM

    def __init__(self, lines: Iterable[SignalLine], diagnostics: Iterable[Diagnostic], *,
                 source: str | None = None) -> None:
        self.lines: tuple[SignalLine, ...] = tuple(lines)
        self.diagnostics: tuple[Diagnostic, ...] = tuple(capped(diagnostics))
        self.source = source

    def statements(self, agent: str, target: str) -> list[Statement]:
        del target
        return _to_statements(list(self.lines), agent, self.source)


def from_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]], *,
                 source: str | None = None) -> ContentSignalHeader:
    """Every ``Content-Signal`` field (names case-insensitive); several combine restrictively.

    Positions: ``line`` is the 1-based index of the field among the Content-Signal fields,
    ``column`` the 1-based offset in its value.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    lines: list[SignalLine] = []
    diagnostics: list[Diagnostic] = []
    index = 0
    for name, value in items:
        if name.strip().lower() != _FIELD:
            continue
        index += 1
        prefs, found = parse_signal(value, index, 1)
        diagnostics.extend(found)
        lines.append(SignalLine(0, prefs, f"Content-Signal: {value.strip()}"))
    return ContentSignalHeader(lines, diagnostics, source=source)
