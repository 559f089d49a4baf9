"""The decision algorithm of spec §10: group, crawl stage, usage stage, with provenance.

A declaration is indexed once per agent token (merged groups, rules pre-sorted by specificity),
so that each decision is a short scan with fast-path matching.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from . import usage as U
from ._match import Pattern, compile_pattern, normalize_path
from .identifiers import WorkId, WorkPattern, looks_like_work_id, parse_work_id, parse_work_pattern
from .model import Decision, Rule, RuleKind, Statement, Value

if TYPE_CHECKING:
    from .model import Declaration, Group

#: Paths a reader always may fetch, whatever the rules say (spec §10.2).
ALWAYS_ALLOWED: Final = frozenset({"/robots.txt", "/.well-known/aioptout.txt"})
WELL_KNOWN_PATH: Final = "/.well-known/aioptout.txt"


@dataclass(frozen=True, slots=True)
class _PathRule:
    pattern: Pattern
    rule: Rule


@dataclass(frozen=True, slots=True)
class _WorkRule:
    pattern: WorkPattern
    rule: Rule


@dataclass(frozen=True, slots=True)
class _Index:
    """The merged rules that apply to one agent token."""

    named: bool
    crawl: tuple[_PathRule, ...]
    content: tuple[_PathRule, ...]
    work: tuple[_WorkRule, ...]


def product_token(agent: str) -> str:
    """The leading run of product-token characters ("GPTBot/1.1" → "GPTBot"), spec §6."""
    for index, char in enumerate(agent):
        if not (char.isascii() and (char.isalpha() or char in "-_")):
            return agent[:index]
    return agent


def _build_index(groups: list[Group], named: bool) -> _Index:
    crawl: list[_PathRule] = []
    content: list[_PathRule] = []
    work: list[_WorkRule] = []
    for group in groups:
        for rule in group.rules:
            if rule.kind is RuleKind.WORK_USAGE:
                pattern, _ = parse_work_pattern(rule.pattern)
                if pattern is not None:
                    work.append(_WorkRule(pattern, rule))
            elif rule.kind is RuleKind.CONTENT_USAGE:
                content.append(_PathRule(compile_pattern(rule.pattern), rule))
            else:
                crawl.append(_PathRule(compile_pattern(rule.pattern), rule))
    # Longest first; at equal length Allow first, so the first match decides (RFC 9309 §2.2.2).
    crawl.sort(key=lambda r: (-r.pattern.length, r.rule.kind is not RuleKind.ALLOW, r.rule.line))
    content.sort(key=lambda r: (-r.pattern.length, r.rule.line))
    work.sort(key=lambda r: (tuple(-x for x in r.pattern.specificity), r.rule.line))
    return _Index(named, tuple(crawl), tuple(content), tuple(work))


def _index_for(declaration: Declaration, agent: str) -> _Index:
    cache = declaration._cache
    token = product_token(agent).lower() if agent != "*" else "*"
    index: _Index | None = cache.get(token)
    if index is None:
        named = [
            g
            for g in declaration.groups
            if token not in ("", "*") and any(a.lower() == token for a in g.agents)
        ]
        if named:
            index = _build_index(named, True)
        else:
            index = _build_index([g for g in declaration.groups if "*" in g.agents], False)
        cache[token] = index
    return index


def _crawl(index: _Index, path: str) -> tuple[Value, Rule | None]:
    if path in ALWAYS_ALLOWED:
        return Value.ALLOWED, None
    for entry in index.crawl:
        if entry.pattern.matches(path):
            kind = entry.rule.kind
            return (Value.ALLOWED if kind is RuleKind.ALLOW else Value.DISALLOWED), entry.rule
    return Value.ALLOWED, None


def _combine_best(matches: list[Rule], usage: str) -> tuple[Value, Rule | None, str | None]:
    """Equally specific usage rules combine most-restrictively (spec §10.4)."""
    best: tuple[Value, Rule | None, str | None] = (Value.UNKNOWN, None, None)
    for rule in matches:
        value, label = U.resolve(rule.preferences, usage)
        if value is Value.DISALLOWED:
            return value, rule, label
        if value is Value.ALLOWED and best[0] is Value.UNKNOWN:
            best = (value, rule, label)
    if best[1] is None and matches:
        return Value.UNKNOWN, matches[0], None
    return best


def _describe(rule: Rule | None, value: Value, usage: str, label: str | None) -> str:
    if rule is None:
        return "no rule"
    field = "Content-Usage" if rule.kind is RuleKind.CONTENT_USAGE else "Work-Usage"
    if value is Value.UNKNOWN:
        return f"{field} rule on line {rule.line} states nothing about {usage}"
    via = "" if label in (None, usage) else f" (through {label}, which contains {usage})"
    token = "n" if value is Value.DISALLOWED else "y"
    return f"{field} rule on line {rule.line} says {label}={token}{via}"


def evaluate(
    declaration: Declaration,
    agent: str,
    target: str,
    usage: str = "train-ai",
    *,
    now: _dt.datetime | None = None,
) -> Decision:
    """Answer one question by spec §10, never raising on odd input."""
    index = _index_for(declaration, agent)
    group_note = "its own group" if index.named else "the * group"

    def decision(
        value: Value, reason: str, rule: Rule | None = None, crawl: Value | None = None
    ) -> Decision:
        return Decision(
            value=value,
            usage=usage,
            agent=agent,
            target=target,
            reason=reason,
            line=rule.line if rule else None,
            rule=rule.raw if rule else None,
            source=declaration.source,
            crawl=crawl,
        )

    if usage != U.CRAWL and not U.is_label(usage):
        return decision(Value.UNKNOWN, f"{usage!r} is not a usage label of this specification")

    if looks_like_work_id(target):
        work, _problems = parse_work_id(target)
        if usage == U.CRAWL:
            return decision(Value.UNKNOWN, "crawling does not apply to a work identifier")
        if work is None:
            return decision(Value.UNKNOWN, "the work identifier is not valid for its scheme")
        if _expired(declaration, now):
            return decision(Value.UNKNOWN, _expired_reason(declaration))
        return _decide_work(index, work, usage, decision, group_note)

    path = normalize_path(target)
    crawl, crawl_rule = _crawl(index, path)
    if usage == U.CRAWL:
        if crawl_rule is None:
            reason = (
                "always allowed"
                if path in ALWAYS_ALLOWED
                else f"no Allow or Disallow rule of {group_note} matches"
            )
        else:
            kind = crawl_rule.kind.value.capitalize()
            reason = f"{kind} rule on line {crawl_rule.line} of {group_note} is the longest match"
        return decision(crawl, reason, crawl_rule, crawl)
    if crawl is Value.DISALLOWED:
        return decision(
            Value.UNKNOWN,
            f"not crawlable (line {crawl_rule.line if crawl_rule else '?'}): "
            "no usage preference is implied for disallowed paths",
            crawl_rule,
            crawl,
        )
    if _expired(declaration, now):
        return decision(Value.UNKNOWN, _expired_reason(declaration), None, crawl)
    matches: list[Rule] = []
    longest = -1
    for entry in index.content:
        if entry.pattern.length < longest:
            break
        if entry.pattern.matches(path):
            longest = entry.pattern.length
            matches.append(entry.rule)
    if not matches:
        return decision(
            Value.UNKNOWN, f"no Content-Usage rule of {group_note} covers this path", None, crawl
        )
    value, rule, label = _combine_best(matches, usage)
    reason = _describe(rule, value, usage, label)
    if len(matches) > 1:
        reason += f"; {len(matches)} equally specific rules combined, most restrictive wins"
    return decision(value, reason, rule, crawl)


def _decide_work(
    index: _Index, work: WorkId, usage: str, decision: _DecisionFactory, group_note: str
) -> Decision:
    matches: list[Rule] = []
    best: tuple[int, int] | None = None
    for entry in index.work:
        if best is not None and entry.pattern.specificity < best:
            break
        if entry.pattern.matches(work):
            best = entry.pattern.specificity
            matches.append(entry.rule)
    if not matches:
        return decision(Value.UNKNOWN, f"no Work-Usage rule of {group_note} covers {work}")
    value, rule, label = _combine_best(matches, usage)
    reason = _describe(rule, value, usage, label)
    if len(matches) > 1:
        reason += f"; {len(matches)} equally specific rules combined, most restrictive wins"
    return decision(value, reason, rule)


if TYPE_CHECKING:
    from typing import Protocol

    class _DecisionFactory(Protocol):
        def __call__(
            self, value: Value, reason: str, rule: Rule | None = None, crawl: Value | None = None
        ) -> Decision: ...


def _expired(declaration: Declaration, now: _dt.datetime | None) -> bool:
    if declaration.expires is None:
        return False
    moment = now or _dt.datetime.now(_dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_dt.UTC)
    return moment >= declaration.expires


def _expired_reason(declaration: Declaration) -> str:
    assert declaration.expires is not None
    when = declaration.expires.isoformat()
    return f"the declaration expired on {when}: its usage preferences are unknown"


def statements(
    declaration: Declaration, agent: str, target: str, now: _dt.datetime | None = None
) -> list[Statement]:
    """The declaration's say on every label, for combination with other mechanisms."""
    out: list[Statement] = []
    for label in (U.CRAWL, *U.LABELS):
        result = evaluate(declaration, agent, target, label, now=now)
        if result.value is Value.UNKNOWN:
            continue
        out.append(
            Statement(
                "aioptout",
                label,
                result.value,
                result.reason,
                declaration.source,
                result.line,
                result.rule,
            )
        )
    return out
