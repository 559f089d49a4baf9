"""The strict validation profile (spec §11.2): checks that need the whole declaration.

``parse`` already reports what lenient reading had to skip or repair; ``validate`` adds the
cross-line checks a publisher wants before publishing.  A declaration conforms when the
combined list has no error.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import defaultdict

from . import diagnostics as D
from . import usage as U
from ._match import compile_pattern
from ._prefs import parse_preferences, parse_usage_rule
from .evaluate import _crawl, _index_for
from .model import Declaration, Diagnostic, Group, Rule, RuleKind, Value
from .parse import parse


def validate(
    declaration: Declaration | bytes | str, *, now: _dt.datetime | None = None
) -> list[Diagnostic]:
    """Every diagnostic of the declaration: those of parsing plus the strict checks."""
    decl = declaration if isinstance(declaration, Declaration) else parse(declaration)
    moment = now or _dt.datetime.now(_dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    found = list(decl.diagnostics)
    found += _dates(decl, moment)
    found += _groups(decl)
    for group in decl.groups:
        found += _rules(decl, group)
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
        for agent in group.agents:
            key = agent.lower()
            if not key:
                continue
            if key in first_seen and first_seen[key] != group.line:
                out.append(
                    D.AGENT_IN_SEVERAL_GROUPS.at(
                        _agent_line(group, agent),
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


def _disallows_everything(group: Group) -> bool:
    """A group that may fetch nothing needs no usage rules: none could ever apply."""
    kinds = {rule.kind for rule in group.rules}
    return RuleKind.ALLOW not in kinds and any(
        rule.kind is RuleKind.DISALLOW and rule.pattern in ("/", "*", "/*") for rule in group.rules
    )


def _agent_line(group: Group, agent: str) -> int:
    return group.line + group.agents.index(agent)


def _rules(decl: Declaration, group: Group) -> list[Diagnostic]:
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
    agent = next((a for a in group.agents if a), "*")
    index = _index_for(decl, agent)
    for rule in group.rules:
        if rule.kind is not RuleKind.CONTENT_USAGE or "*" in rule.pattern or "$" in rule.pattern:
            continue
        probe = rule.pattern or "/"  # a rule without a path covers "/" too
        if not compile_pattern(probe).matches(probe):
            continue
        crawl, by = _crawl(index, probe)
        if crawl is Value.DISALLOWED and by is not None:
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
