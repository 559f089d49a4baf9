"""The strict validation profile (spec §11.2): checks that need the whole declaration.

``parse`` already reports what lenient reading had to skip or repair; ``validate`` adds the
cross-line checks a publisher wants before publishing.  A declaration conforms when the
combined list has no error.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import defaultdict
from typing import Final

from . import diagnostics as D
from . import usage as U
from ._match import Pattern, caller_key, compile_pattern
from ._prefixes import PrefixIndex
from ._prefs import parse_preferences, parse_usage_rule
from .evaluate import ALWAYS_ALLOWED
from .model import Declaration, Diagnostic, Group, Rule, RuleKind, Value
from .parse import parse

#: Glob crawl rules tried in all by one validation to find the Content-Usage rules that never
#: apply (AOO517).  Past it, a path that only a glob rule could decide is not checked: the
#: warning stays sound, and validation stays linear however many globs a file has.
_MAX_GLOB_TRIES: Final = 200_000


def validate(
    declaration: Declaration | bytes | str, *, now: _dt.datetime | None = None
) -> list[Diagnostic]:
    """Every diagnostic of the declaration: those of parsing plus the strict checks."""
    decl = declaration if isinstance(declaration, Declaration) else parse(declaration)
    moment = now or _dt.datetime.now(_dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    # Parsing has capped its own codes; these checks use other codes and are capped here.
    checked = _dates(decl, moment) + _groups(decl) + _catalogue_reach(decl)
    tables = _Tables(decl)
    for group in decl.groups:
        checked += _rules(decl, group, tables)
    found = list(decl.diagnostics) + D.capped(checked)
    return sorted(found, key=lambda d: (d.line, d.column, d.code))


def _field_line(decl: Declaration, name: str) -> int:
    for record in decl.records:
        if record.name.lower() == name:
            return record.line
    return 1


def _dates(decl: Declaration, now: _dt.datetime) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if decl.issued and decl.expires and decl.expires <= decl.issued:
        out.append(D.EXPIRES_BEFORE_ISSUED.at(_field_line(decl, "expires"), 1))
    if decl.issued and decl.issued > now:
        out.append(D.ISSUED_IN_FUTURE.at(_field_line(decl, "issued"), 1))
    if decl.expires and decl.expires <= now:
        out.append(D.EXPIRED.at(_field_line(decl, "expires"), 1))
    return out


def _groups(decl: Declaration) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    first_seen: dict[str, int] = {}
    star_has_usage = any(
        rule.is_usage for group in decl.groups if "*" in group.agents for rule in group.rules
    )
    for group in decl.groups:
        if not group.crawl_lines:
            out.append(D.GROUP_WITHOUT_CRAWL_RULE.at(group.line, 1))
        first_offset: dict[str, int] = {}
        for offset, agent in enumerate(group.agents):
            first_offset.setdefault(agent, offset)
            key = agent.lower()
            if not key:
                continue
            if key in first_seen and first_seen[key] != group.line:
                out.append(
                    D.AGENT_IN_SEVERAL_GROUPS.at(
                        group.line + first_offset[agent],
                        1,
                        message=f"{agent} is also named in the group of line {first_seen[key]}",
                    )
                )
            first_seen.setdefault(key, group.line)
        if (
            star_has_usage
            and "*" not in group.agents
            and not any(rule.is_usage for rule in group.rules)
            and not _disallows_everything(group)
        ):
            out.append(D.NOT_INHERITED.at(group.line, 1))
    return out


def _catalogue_reach(decl: Declaration) -> list[Diagnostic]:
    """AOO520: a Work-Usage pattern that some agents' groups state and others' lack (R-7.3-3).

    Named groups inherit nothing from ``*``, and identifiers are matched apart from crawling,
    so an agent that may not crawl at all still needs the rules.  Agents named in several
    groups are judged by all their groups together; linear in the number of rules.
    """
    patterns: dict[str, set[str]] = {}
    first: dict[str, tuple[Group, str]] = {}
    for group in decl.groups:
        work = {rule.pattern for rule in group.rules if rule.kind is RuleKind.WORK_USAGE}
        for agent in group.agents:
            key = agent.lower()
            if not key:
                continue
            patterns.setdefault(key, set()).update(work)
            first.setdefault(key, (group, agent))
    union: set[str] = set()
    for held in patterns.values():
        union |= held
    out: list[Diagnostic] = []
    for key, held in patterns.items():
        if union and len(held) < len(union):
            group, agent = first[key]
            missing = len(union) - len(held)
            out.append(D.CATALOGUE_NOT_EVERYWHERE.at(
                _agent_line(group, agent), 1,
                message=f"{agent}: {missing} of the {len(union)} Work-Usage patterns of other "
                        "groups do not apply to it; its answer for those works is unknown"))
    return out


def _disallows_everything(group: Group) -> bool:
    """A group that may fetch nothing needs no usage rules: none could ever apply."""
    kinds = {rule.kind for rule in group.rules}
    return RuleKind.ALLOW not in kinds and any(
        rule.kind is RuleKind.DISALLOW and rule.pattern in ("/", "*", "/*") for rule in group.rules
    )


def _agent_line(group: Group, agent: str) -> int:
    return group.line + group.agents.index(agent)


def _rules(decl: Declaration, group: Group, tables: _Tables) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    seen: dict[tuple[RuleKind, str], Rule] = {}
    by_pattern: dict[tuple[RuleKind, str], list[Rule]] = defaultdict(list)
    for rule in group.rules:
        key = (rule.kind, rule.pattern)
        earlier = seen.get(key)
        if earlier is not None and earlier.preferences == rule.preferences:
            out.append(D.DUPLICATE_RULE.at(rule.line, 1))
        seen.setdefault(key, rule)
        if rule.is_usage:
            by_pattern[key].append(rule)
            prefs = rule.preferences
            if (prefs.keys() & U.EXTENSION_LABELS and not prefs.keys() >= U.CORE_LABELS
                    and not _wrote_revision_label(rule)):
                out.append(D.EXTENSION_ONLY.at(rule.line, 1))
    for rules in by_pattern.values():
        if len(rules) > 1 and _disagree(rules):
            for rule in rules[1:]:
                out.append(D.CONFLICTING_USAGE.at(rule.line, 1))
    table = tables.get(next((a for a in group.agents if a), "*"))
    for rule in group.rules:
        if rule.kind is not RuleKind.CONTENT_USAGE or "*" in rule.pattern or "$" in rule.pattern:
            continue
        probe = rule.pattern or "/"  # a rule without a path covers "/" too
        if not compile_pattern(probe).matches(probe):
            continue
        by = table.decide(probe)
        if by is not None and by.kind is RuleKind.DISALLOW:
            out.append(
                D.USAGE_NEVER_APPLIES.at(
                    rule.line,
                    1,
                    message=f"{D.USAGE_NEVER_APPLIES.title} (Disallow on line {by.line})",
                )
            )
    return out


def _wrote_revision_label(rule: Rule) -> bool:
    """Whether the extension labels came from an earlier aipref label (AOO530 says so)."""
    if rule.kind is RuleKind.CONTENT_USAGE:
        problems = parse_usage_rule(rule.raw)[2]
    else:
        parts = re.split(r"[ \t]+", rule.raw, maxsplit=1)
        problems = parse_preferences(parts[1] if len(parts) > 1 else "")[1]
    return any(problem.kind == "revision-label" for problem in problems)


def _disagree(rules: list[Rule]) -> bool:
    for label in U.LABELS:
        values = {U.resolve(rule.preferences, label)[0] for rule in rules}
        values.discard(Value.UNKNOWN)
        if len(values) > 1:
            return True
    return False


class _CrawlTable:
    """The crawl rule deciding a path for one agent, as ``evaluate`` decides it (the first in
    longest-first order that matches), without trying every rule for every path.

    A plain prefix rule is found by the longest stored prefix of the path, an ``$``-anchored one
    by equality; only glob rules are tried in turn, and those within a shared budget.
    """

    def __init__(self, groups: list[Group], budget: list[int]) -> None:
        rules = [(compile_pattern(rule.pattern), rule) for group in groups for rule in group.rules
                 if rule.kind in (RuleKind.ALLOW, RuleKind.DISALLOW)]
        # Evaluate's order: longest first; at equal length Allow first, then by line.
        rules.sort(key=lambda r: (-r[0].length, r[1].kind is not RuleKind.ALLOW, r[1].line))
        self._prefixes: PrefixIndex[tuple[int, Rule]] = PrefixIndex()
        self._exact: dict[str, tuple[int, Rule]] = {}
        self._globs: list[tuple[int, Pattern, Rule]] = []
        self._budget = budget
        for position, (pattern, rule) in enumerate(rules):
            text = pattern.text
            if "*" in text.rstrip("$"):
                self._globs.append((position, pattern, rule))
            elif text.endswith("$"):
                self._exact.setdefault(text[:-1], (position, rule))
            else:
                self._prefixes.add(text, (position, rule))

    def decide(self, path: str) -> Rule | None:
        """The deciding rule; None when none matches or the glob budget is spent."""
        if path in ALWAYS_ALLOWED:
            return None
        found = self._prefixes.longest(path)
        best = None if found is None else found[1]
        exact = self._exact.get(path)
        if exact is not None and (best is None or exact[0] < best[0]):
            best = exact
        for position, pattern, rule in self._globs:
            if best is not None and position > best[0]:
                break
            if self._budget[0] <= 0:
                return None
            self._budget[0] -= 1
            if pattern.matches(path):
                best = (position, rule)
                break
        return None if best is None else best[1]


class _Tables:
    """One ``_CrawlTable`` per agent token, grouped in one pass over the groups (spec §6)."""

    def __init__(self, decl: Declaration) -> None:
        self._named: dict[str, list[Group]] = {}
        self._star: list[Group] = []
        for group in decl.groups:
            if "*" in group.agents:
                self._star.append(group)
            for token in {agent.lower() for agent in group.agents}:
                if token not in ("", "*"):
                    self._named.setdefault(token, []).append(group)
        self._tables: dict[str, _CrawlTable] = {}
        self._budget = [_MAX_GLOB_TRIES]

    def get(self, agent: str) -> _CrawlTable:
        token = caller_key(agent) if agent != "*" else "*"
        table = self._tables.get(token)
        if table is None:
            groups = self._named.get(token) or self._star
            table = self._tables[token] = _CrawlTable(groups, self._budget)
        return table
