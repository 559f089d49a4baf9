"""IETF aipref: the robots.txt ``Content-Usage`` rule and the ``Content-Usage`` HTTP header.

draft-ietf-aipref-vocab-07 defines the vocabulary and its Dictionary serialisation (parsed in
:mod:`aioptout._prefs`); draft-ietf-aipref-attach-05 attaches it to robots.txt (§3) and to HTTP
responses (§2).  In robots.txt, acquisition and use are two stages: Allow/Disallow decide
whether the agent may fetch, and only then does the longest-matching Content-Usage rule say how
the content may be used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .. import _mechanisms
from .. import usage as U
from .._match import Pattern, compile_pattern, normalize_path, normalize_pattern
from .._prefs import Problem, dictionary_fault, parse_preferences, parse_usage_rule
from ..diagnostics import Code, capped, define
from ..model import Diagnostic, Statement, Value

if TYPE_CHECKING:
    from .robots import RobotsLine, RobotsTxt

MECHANISM: Final = _mechanisms.AIPREF
_HEADER: Final = "content-usage"

BAD_DICTIONARY = define(
    "APR101", "SHOULD", "draft-ietf-aipref-vocab §6",
    "Preference is not a structured-field dictionary; every label is unknown",
    "write lower-case labels as label=y or label=n, separated by commas")
SPACE_AROUND_EQUALS = define(
    "APR102", "SHOULD", "draft-ietf-aipref-vocab §6; RFC 9651 §4.2.2",
    "Spaces around '=' make the dictionary invalid; every label is unknown",
    "write train-ai=n without spaces")
UPPERCASE_LABEL = define(
    "APR103", "SHOULD", "draft-ietf-aipref-vocab §6; RFC 9651 §3.2",
    "Labels are lower case; the dictionary is invalid and every label is unknown",
    "write train-ai, not Train-AI")
TRAILING_COMMA = define(
    "APR104", "SHOULD", "draft-ietf-aipref-vocab §6; RFC 9651 §4.2.2",
    "Empty dictionary member or trailing comma; every label is unknown")
BAD_VALUE = define(
    "APR105", "SHOULD", "draft-ietf-aipref-vocab §6",
    "Value is not the token y or n; the label is unknown",
    "aipref values are the bare tokens y and n, not yes/no or strings")
UNKNOWN_LABEL = define(
    "APR106", "SHOULD", "draft-ietf-aipref-vocab §6",
    "Unknown usage label is ignored", "aipref defines train-ai and search")
# Retired (issue 13): earlier labels are read by aioptout spec §8.1 now (APR111, APR112).
RETIRED_LABEL = define(
    "APR107", "SHOULD", "draft-ietf-aipref-vocab §4 (-07)",
    "Label from an earlier aipref draft is ignored (retired: no longer reported; see APR111)",
    "use train-ai or search")
NO_PREFERENCE = define(
    "APR108", "SHOULD", "draft-ietf-aipref-attach §3",
    "Content-Usage rule has a path but no preference")
IDENTICAL_PATHS = define(
    "APR109", "NOTE", "draft-ietf-aipref-attach §3",
    "Several Content-Usage rules for the same path; they combine, most restrictive wins")
EMPTY_HEADER = define(
    "APR110", "NOTE", "draft-ietf-aipref-attach §2",
    "Empty Content-Usage header field")
REVISION_LABEL = define(
    "APR111", "SHOULD NOT", "draft-ietf-aipref-vocab-07 §4; aioptout spec §8.1 (R-8-4)",
    "Label of an earlier aipref revision; read by the revision table of aioptout spec §8.1",
    "aipref-vocab-07 defines train-ai and search")
REVISION_SENSE = define(
    "APR112", "MAY", "aioptout spec §8.1 (R-8-27)",
    "Label read in the sense of the earlier aipref revision whose labels the preference uses")

_FAULT_CODES: Final[Mapping[str, Code]] = {
    "space-around-equals": SPACE_AROUND_EQUALS,
    "uppercase": UPPERCASE_LABEL,
    "trailing-comma": TRAILING_COMMA,
    "empty-member": TRAILING_COMMA,
    "syntax": BAD_DICTIONARY,
}
_KIND_CODES: Final[Mapping[str, Code]] = {
    "value": BAD_VALUE,
    "unknown-label": UNKNOWN_LABEL,
    "revision-label": REVISION_LABEL,
    "revision-sense": REVISION_SENSE,
}


def problem_diagnostic(problem: Problem, value: str, line: int, column: int) -> Diagnostic:
    """The APR diagnostic for a preference problem; ``column`` is where ``value`` starts."""
    if problem.kind == "dictionary":
        code = _FAULT_CODES[dictionary_fault(value)]
    else:
        code = _KIND_CODES[problem.kind]
    start = column + problem.offset
    return code.at(line, start, start + max(1, problem.length), message=problem.message)


@dataclass(frozen=True, slots=True)
class UsageRule:
    """One robots.txt Content-Usage rule; ``path`` is ``None`` when the rule has none."""

    line: int
    path: str | None
    pattern: Pattern
    preferences: Mapping[str, Value]
    raw: str


class AiprefRobots:
    """The Content-Usage rules of a robots.txt, answering per agent and path."""

    mechanism: str = MECHANISM

    def __init__(self, robots: RobotsTxt, rules: Mapping[RobotsLine, UsageRule],
                 diagnostics: Iterable[Diagnostic]) -> None:
        self.robots = robots
        self.source = robots.source
        self.diagnostics: tuple[Diagnostic, ...] = tuple(capped(diagnostics))
        self._rules = dict(rules)

    @property
    def rules(self) -> tuple[UsageRule, ...]:
        return tuple(self._rules.values())

    def rules_for(self, agent: str) -> tuple[UsageRule, ...]:
        """The rules of the groups RFC 9309 selects for ``agent`` (no inheritance from ``*``)."""
        out: list[UsageRule] = []
        for group in self.robots.matching_groups(agent):
            for line in group.lines:
                rule = self._rules.get(line)
                if rule is not None:
                    out.append(rule)
        return tuple(out)

    def statements(self, agent: str, target: str) -> list[Statement]:
        """One statement per label the deciding rule(s) state, or none.

        attach §3: "No preferences are implied for resources that are disallowed", so a path
        the agent may not crawl gets nothing.  Otherwise the longest matching rule wins (same
        octet length as Allow/Disallow); rules of equal length combine most-restrictively.
        """
        url = robots_target(target)
        if url is None or not self._rules:
            return []
        rules = self.rules_for(agent)
        if not rules:
            return []
        path = normalize_path(url)
        best: list[UsageRule] = []
        longest = -1
        for rule in rules:
            if rule.pattern.length < longest or not rule.pattern.matches(path):
                continue
            if rule.pattern.length > longest:
                longest = rule.pattern.length
                best = []
            best.append(rule)
        if not best or not self.robots.decide(agent, url).allowed:
            return []
        return _statements(best, agent, path, self.source)


def _statements(rules: list[UsageRule], agent: str, path: str,
                source: str | None) -> list[Statement]:
    labels = [label for label in U.LABELS if any(label in r.preferences for r in rules)]
    out: list[Statement] = []
    for label in labels:
        # Each rule is one statement: resolve the label in it, then combine (vocab §5.1).
        decided: UsageRule | None = None
        value = Value.UNKNOWN
        for rule in rules:
            said, _ = U.resolve(rule.preferences, label)
            if said is Value.DISALLOWED:
                value, decided = said, rule
                break
            if said is Value.ALLOWED and value is Value.UNKNOWN:
                value, decided = said, rule
        if decided is None:
            continue
        where = decided.path or "every path"
        note = f"; {len(rules)} rules for this path combined" if len(rules) > 1 else ""
        out.append(Statement(
            mechanism=MECHANISM, usage=label, value=value,
            reason=(f"Content-Usage rule on line {decided.line} for {where} applies to "
                    f"{agent} at {path}{note}"),
            source=source, line=decided.line, raw=decided.raw))
    return out


def from_robots(robots: RobotsTxt) -> AiprefRobots:
    """Read every Content-Usage rule of a parsed robots.txt, with APR diagnostics."""
    rules: dict[RobotsLine, UsageRule] = {}
    diagnostics: list[Diagnostic] = []
    for group in robots.groups:
        seen: dict[str | None, UsageRule] = {}
        for line in group.lines:
            if line.field != _HEADER:
                continue
            rule = _read_rule(line, diagnostics)
            if rule is None:
                continue
            rules[line] = rule
            key = rule.path
            earlier = seen.get(key)
            if earlier is not None and earlier.preferences != rule.preferences:
                diagnostics.append(IDENTICAL_PATHS.at(line.line, line.column,
                                                      line.column + len(line.value)))
            seen[key] = rule
    return AiprefRobots(robots, rules, diagnostics)


def _read_rule(line: RobotsLine, diagnostics: list[Diagnostic]) -> UsageRule | None:
    value = line.value
    path, prefs, problems = parse_usage_rule(value)
    for problem in problems:
        diagnostics.append(problem_diagnostic(problem, value, line.line, line.column))
    if path is not None and not value[len(path):].strip():
        diagnostics.append(NO_PREFERENCE.at(line.line, line.column, line.column + len(value)))
    # No path: every path of the group, less specific than any rule with a path (attach §3).
    pattern = compile_pattern(normalize_pattern(path) if path is not None else "")
    raw = f"{line.raw_field}: {value}"
    return UsageRule(line.line, path, pattern, prefs, raw)


class AiprefHeader:
    """The Content-Usage fields of one HTTP message: representation metadata (attach §2).

    They apply to the content of the message whoever asks, so ``agent`` and ``target`` do not
    narrow them.
    """

    mechanism: str = MECHANISM

    def __init__(self, preferences: Mapping[str, Value], value: str,
                 diagnostics: Iterable[Diagnostic], *, source: str | None = None) -> None:
        self.preferences: Mapping[str, Value] = dict(preferences)
        self.value = value
        self.diagnostics: tuple[Diagnostic, ...] = tuple(capped(diagnostics))
        self.source = source

    def statements(self, agent: str, target: str) -> list[Statement]:
        del agent, target
        return [
            Statement(mechanism=MECHANISM, usage=label, value=value,
                      reason=f"Content-Usage header says {label}="
                             f"{'n' if value is Value.DISALLOWED else 'y'}",
                      source=self.source, line=None, raw=f"Content-Usage: {self.value}")
            for label, value in sorted(self.preferences.items(),
                                       key=lambda item: U.LABELS.index(item[0]))
        ]


def from_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]], *,
                 source: str | None = None) -> AiprefHeader:
    """Combine every ``Content-Usage`` field (names case-insensitive) into one Dictionary.

    RFC 9651 §4.2: field lines of one name are joined with commas before parsing, so a later
    duplicate label wins.  Diagnostic positions: ``line`` is the 1-based index of the field
    among the Content-Usage fields, ``column`` the 1-based offset in that field's value.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    parts: list[str] = []
    starts: list[tuple[int, int]] = []  # (offset in the joined value, field index)
    diagnostics: list[Diagnostic] = []
    offset = 0
    index = 0
    for name, raw_value in items:
        if name.strip().lower() != _HEADER:
            continue
        index += 1
        value = raw_value.strip(" \t")
        if not value:
            diagnostics.append(EMPTY_HEADER.at(index, 1))
            continue
        if parts:
            offset += 2
        starts.append((offset, index))
        parts.append(value)
        offset += len(value)
    joined = ", ".join(parts)
    prefs, problems = parse_preferences(joined)
    for problem in problems:
        base, field = 0, 1
        for start, number in starts:
            if start <= problem.offset:
                base, field = start, number
        shifted = Problem(problem.kind, problem.message, problem.offset - base, problem.length,
                          problem.label)
        diagnostics.append(problem_diagnostic(shifted, joined, field, 1))
    return AiprefHeader(prefs, joined, diagnostics, source=source)


def from_request(
    headers: Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]], *,
    source: str | None = None,
) -> AiprefHeader:
    """The ``Content-Usage`` fields of an HTTP *request*: what a client says of what it sends.

    attach-05 §2 makes the field representation metadata, so it is as valid on a request (an
    upload, a PUT) as on a response, and means the same (spec R-12-22).  Servers hand request
    headers over in several shapes, all accepted: a mapping of names to values (a WSGI environ
    too, where the field is ``HTTP_CONTENT_USAGE``), or (name, value) pairs of ``str`` or of
    ``bytes`` as ASGI gives them (ISO-8859-1, RFC 9110 §5.5).
    """
    pairs: list[tuple[str, str]] = []
    items = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in items:
        key = name.decode("latin-1") if isinstance(name, bytes) else name
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        if key.upper() == "HTTP_CONTENT_USAGE":  # WSGI/CGI spelling (PEP 3333)
            key = _HEADER
        if isinstance(text, str):
            pairs.append((key, text))
    return from_headers(pairs, source=source)


_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def robots_target(target: str) -> str | None:
    """The URL or absolute path robots.txt rules apply to, or ``None`` for a work identifier."""
    if target.startswith("/") or _SCHEME.match(target):
        return target
    return None
