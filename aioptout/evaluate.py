"""The decision algorithm of spec §10: group, crawl stage, usage stage, with provenance.

A declaration is indexed once per agent token (merged groups, rules pre-sorted by specificity),
so that each decision is a short scan with fast-path matching.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Final

from . import usage as U
from ._match import (
    _ALREADY_NORMAL,
    Pattern,
    RuleSet,
    agent_token,
    caller_key,
    compile_pattern,
    normalize_path,
)
from .agents import default_registry, usage_labels_for
from .identifiers import WorkId, WorkPattern, looks_like_work_id, parse_work_id, parse_work_pattern
from .model import Decision, Declaration, Rule, RuleKind, Statement, Value, draft_of

if TYPE_CHECKING:
    from .model import Group

#: Paths a reader always may fetch, whatever the rules say (spec §10.2).
ALWAYS_ALLOWED: Final = frozenset({"/robots.txt", "/.well-known/aioptout.txt"})
WELL_KNOWN_PATH: Final = "/.well-known/aioptout.txt"
#: Content-Usage patterns that match every path: none (no path, R-7.2-1) and ``/``.
_EVERY_PATH: Final = frozenset({"", "/"})


#: Control tokens of an agent, each with the labels it controls (R-10.4-4).
_Controls = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class _WorkRule:
    pattern: WorkPattern
    rule: Rule


#: What a crawl rule decides, worked out once per index: its value, the rule, the reason when
#: crawling is asked about, and the reason when a usage is asked about a disallowed path.
_CrawlHit = tuple[Value, Rule, str, str]


@dataclass(frozen=True, slots=True)
class _Index:
    """The merged rules that apply to one agent token, each set most specific first."""

    named: bool
    crawl: RuleSet[_CrawlHit]
    content: RuleSet[Rule]
    work: tuple[_WorkRule, ...]
    #: (id of a lone matching Content-Usage rule, usage) → its value and reason.  Rules live as
    #: long as the index, so ids stay valid; at most one entry per rule and label.
    usage_memo: dict[tuple[int, str], tuple[Value, str]]
    #: The reasons given when no crawl rule, or no Content-Usage rule, matches.
    no_crawl_rule: str
    no_usage_rule: str
    #: usage → the usage stage's answer, when every Content-Usage rule has no path (the usual
    #: ``Content-Usage: train-ai=n``) or the path ``/``: every path then matches the same
    #: rules.  None otherwise.
    site_usage: dict[str, tuple[Value, str, Rule | None]] | None
    #: The agent's purpose in the agent registry and the labels a Disallow for it reserves
    #: (R-10.4-3), and its control tokens with the labels each controls (R-10.4-4).
    purpose: str = "other"
    purpose_labels: tuple[str, ...] = ()
    controls: _Controls = ()

    @property
    def group_note(self) -> str:
        return "its own group" if self.named else "the * group"


def _registry_facts(token: str) -> tuple[str, tuple[str, ...], _Controls]:
    """What the agent registry says of a caller's token: purpose, its labels, control tokens."""
    if token in ("", "*"):
        return "other", (), ()
    registry = default_registry()
    agent = registry.get(token)
    purpose = agent.purpose if agent is not None else "other"
    labels = usage_labels_for(agent) if agent is not None else ()
    controls = tuple(
        (control.token, control.controls)
        for control in registry.control_tokens_for(token)
        if control.controls and control.token.lower() != token
    )
    return purpose, labels, controls


def _build_index(groups: list[Group], named: bool, token: str = "") -> _Index:
    crawl: list[tuple[Pattern, Rule]] = []
    content: list[tuple[Pattern, Rule]] = []
    work: list[_WorkRule] = []
    for group in groups:
        for rule in group.rules:
            if rule.kind is RuleKind.WORK_USAGE:
                pattern, _ = parse_work_pattern(rule.pattern)
                if pattern is not None:
                    work.append(_WorkRule(pattern, rule))
            elif rule.kind is RuleKind.CONTENT_USAGE:
                content.append((compile_pattern(rule.pattern), rule))
            else:
                crawl.append((compile_pattern(rule.pattern), rule))
    # Longest first; at equal length Allow first, so the first match decides (RFC 9309 §2.2.2).
    crawl.sort(key=lambda r: (-r[0].length, r[1].kind is not RuleKind.ALLOW, r[1].line))
    content.sort(key=lambda r: (-r[0].length, r[1].line))
    work.sort(key=lambda r: (tuple(-x for x in r.pattern.specificity), r.rule.line))
    note = "its own group" if named else "the * group"
    hits = [(pattern, _crawl_hit(rule, note)) for pattern, rule in crawl]
    return _Index(
        named,
        RuleSet(hits, prune=True),
        RuleSet(content),
        tuple(work),
        {},
        f"no Allow or Disallow rule of {note} matches",
        f"no Content-Usage rule of {note} covers this path",
        {} if {pattern.text for pattern, _ in content} <= _EVERY_PATH else None,
        *_registry_facts(token),
    )


def _crawl_hit(rule: Rule, group_note: str) -> _CrawlHit:
    allowed = rule.kind is RuleKind.ALLOW
    kind = rule.kind.value.capitalize()
    return (
        Value.ALLOWED if allowed else Value.DISALLOWED,
        rule,
        f"{kind} rule on line {rule.line} of {group_note} is the longest match",
        f"not crawlable (line {rule.line}): no usage preference is implied for disallowed paths",
    )


#: The cache key of the index shared by every agent that no group names (not a token).
_STAR_INDEX: Final = "\x00*"
#: Distinct agent strings remembered per declaration besides their product tokens.
_MAX_CACHED_AGENTS: Final = 1024


def _index_for(declaration: Declaration, agent: str) -> _Index:
    # One cache holds both raw agent strings and product tokens: a raw string that equals some
    # token's key has that token as its own token, so both keys always name the same index.
    cache = declaration._cache
    index: _Index | None = cache.get(agent)
    if index is not None:
        return index
    token = caller_key(agent) if agent != "*" else "*"
    index = cache.get(token)
    if index is None:
        named = [
            g
            for g in declaration.groups
            if token not in ("", "*") and any(a.lower() == token for a in g.agents)
        ]
        if named:
            index = _build_index(named, True, token)
        else:
            # Agents no group names share the * group's index when the registry says the
            # same of them (purpose and control tokens decide what a Disallow reserves).
            star_key = _STAR_INDEX + repr(_registry_facts(token))
            index = cache.get(star_key)
            if index is None:
                star = [g for g in declaration.groups if "*" in g.agents]
                index = _build_index(star, False, token)
                cache[star_key] = index
        cache[token] = index
    if len(cache) < _MAX_CACHED_AGENTS:
        cache[agent] = index
    return index


def _crawl(index: _Index, path: str) -> tuple[Value, Rule | None]:
    if path in ALWAYS_ALLOWED:
        return Value.ALLOWED, None
    hit = index.crawl.first(path)
    if hit is None:
        return Value.ALLOWED, None
    return hit[0], hit[1]


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
    """Answer one question by spec §10, never raising on odd input.

    ``target`` is a URL, an absolute path, or a work identifier such as
    ``isrc:USUM71703861``; ``usage`` is a usage label or ``crawl``.  This function is also
    ``Declaration.evaluate``.
    """
    index = declaration._cache.get(agent) or _index_for(declaration, agent)

    if usage not in _USAGES:
        return _decision(
            Value.UNKNOWN, usage, agent, target,
            f"{usage!r} is not a usage label of this specification", None, declaration.source,
            None,
        )

    plain = _ALREADY_NORMAL.match(target)  # normalize_path's own fast path, without a call
    if plain is not None:  # a URL or a path: never a work identifier
        path = plain[1]
    elif target[:1] != "/" and not target.startswith(_WEB_SCHEMES) and looks_like_work_id(target):
        return _evaluate_work(declaration, index, agent, target, usage, now)
    else:
        path = normalize_path(target)
    if path in ALWAYS_ALLOWED:
        hit = None
        value = crawl = Value.ALLOWED
        reason = "always allowed"
    else:
        hit = index.crawl.first(path)
        if hit is None:
            value = crawl = Value.ALLOWED
            reason = index.no_crawl_rule
        else:
            value = crawl = hit[0]
            reason = hit[2]
    rule = None if hit is None else hit[1]
    if usage != _CRAWL:
        if crawl is Value.DISALLOWED:
            assert hit is not None
            value, reason = _purpose_answer(declaration, index, hit, agent, usage, now)
        else:
            site = index.site_usage
            known = None if site is None or declaration.expires else site.get(usage)
            if known is None:
                known = _usage_stage(declaration, index, path, usage, now)
            value, reason, rule = known
        if index.controls and value is not Value.DISALLOWED:
            control = _control_answer(declaration, index, path, usage, now)
            if control is not None:
                value, reason, rule = control

    return _decision(value, usage, agent, target, reason, rule, declaration.source, crawl)


def _reserves(labels: tuple[str, ...], usage: str) -> str | None:
    """The label among ``labels`` that is ``usage`` or contains it (spec §8), if any."""
    for label in U.chain(usage):
        if label in labels:
            return label
    return None


def _purpose_answer(
    declaration: Declaration, index: _Index, hit: _CrawlHit, agent: str, usage: str,
    now: _dt.datetime | None,
) -> tuple[Value, str]:
    """A disallowed path: no Content-Usage rule applies, but the Disallow speaks through the
    agent's registry purpose, as in robots.txt (R-10.4-1, R-10.4-3)."""
    label = _reserves(index.purpose_labels, usage)
    if label is None:
        return Value.UNKNOWN, hit[3]
    if _expired(declaration, now):
        return Value.UNKNOWN, _expired_reason(declaration)
    via = "" if label == usage else f", which contains {usage}"
    return Value.DISALLOWED, (
        f"Disallow rule on line {hit[1].line} disallows {agent_token(agent) or agent}, whose "
        f"purpose in the agent registry is {index.purpose}: that reserves {label}{via}")


def _control_answer(
    declaration: Declaration, index: _Index, path: str, usage: str, now: _dt.datetime | None,
) -> tuple[Value, str, Rule | None] | None:
    """A control token's Disallow reserves the labels it controls (R-10.4-4), or None."""
    for token, labels in index.controls:
        label = _reserves(labels, usage)
        if label is None or path in ALWAYS_ALLOWED:
            continue
        hit = _index_for(declaration, token).crawl.first(path)
        if hit is None or hit[0] is not Value.DISALLOWED:
            continue
        if _expired(declaration, now):
            return None
        via = "" if label == usage else f", which contains {usage}"
        return Value.DISALLOWED, (
            f"Disallow rule on line {hit[1].line} disallows the control token {token}, which "
            f"reserves {label}{via}"), hit[1]
    return None


def _usage_stage(
    declaration: Declaration, index: _Index, path: str, usage: str, now: _dt.datetime | None
) -> tuple[Value, str, Rule | None]:
    """What the Content-Usage rules say of ``path`` once crawling is not disallowed (§10.4)."""
    if declaration.expires is not None and _expired(declaration, now):
        return Value.UNKNOWN, _expired_reason(declaration), None
    site = index.site_usage
    if site is None:
        return _usage_answer(index, index.content.longest(path), usage)
    known = site.get(usage)
    if known is None:
        known = site[usage] = _usage_answer(index, index.content.longest("/"), usage)
    return known


def _usage_answer(index: _Index, matches: list[Rule], usage: str) -> tuple[Value, str, Rule | None]:
    if not matches:
        return Value.UNKNOWN, index.no_usage_rule, None
    if len(matches) == 1:
        rule = matches[0]
        key = (id(rule), usage)
        known = index.usage_memo.get(key)
        if known is None:
            value, label = U.resolve(rule.preferences, usage)
            known = index.usage_memo[key] = (value, _describe(rule, value, usage, label))
        return known[0], known[1], rule
    value, best, label = _combine_best(matches, usage)
    reason = _describe(best, value, usage, label)
    reason += f"; {len(matches)} equally specific rules combined, most restrictive wins"
    return value, reason, best


_CRAWL: Final = U.CRAWL
#: Every usage a question may name: the labels and the crawl pseudo-usage.
_USAGES: Final = frozenset({U.CRAWL, *U.PARENT})
#: URL prefixes that can never start a work identifier: skips the identifier test for URLs.
_WEB_SCHEMES: Final = ("https://", "http://")


def _evaluate_work(
    declaration: Declaration,
    index: _Index,
    agent: str,
    target: str,
    usage: str,
    now: _dt.datetime | None,
) -> Decision:
    def decision(value: Value, reason: str, rule: Rule | None = None) -> Decision:
        return _decision(value, usage, agent, target, reason, rule, declaration.source, None)

    work, _problems = parse_work_id(target)
    if usage == U.CRAWL:
        return decision(Value.UNKNOWN, "crawling does not apply to a work identifier")
    if work is None:
        return decision(Value.UNKNOWN, "the work identifier is not valid for its scheme")
    if _expired(declaration, now):
        return decision(Value.UNKNOWN, _expired_reason(declaration))
    return _decide_work(index, work, usage, decision, index.group_note)


# A decision is built on every call: it is filled as a draft (model.draft_of), about twice as
# fast as Decision's own __init__.  The field list is checked at import, so a field added to
# Decision cannot be silently left unset.
if tuple(f.name for f in fields(Decision)) != (
    "value", "usage", "agent", "target", "reason", "line", "rule", "mechanism", "source",
    "crawl", "statements", "licence",
):  # pragma: no cover
    raise ImportError("aioptout.evaluate's decision factory is out of date with model.Decision")
_DecisionDraft = draft_of(Decision)


def _decision(
    value: Value,
    usage: str,
    agent: str,
    target: str,
    reason: str,
    rule: Rule | None,
    source: str | None,
    crawl: Value | None,
) -> Decision:
    """``Decision(value, usage, agent, target, reason, rule.line, rule.raw, "aioptout", ...)``."""
    decision = _DecisionDraft()
    decision.value = value
    decision.usage = usage
    decision.agent = agent
    decision.target = target
    decision.reason = reason
    if rule is None:
        decision.line = decision.rule = None
    else:
        decision.line = rule.line
        decision.rule = rule.raw
    decision.mechanism = "aioptout"
    decision.source = source
    decision.crawl = crawl
    decision.statements = ()
    decision.licence = ()
    decision.__class__ = Decision
    made: Decision = decision
    return made


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
        def __call__(self, value: Value, reason: str, rule: Rule | None = None) -> Decision: ...


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


# Declaration.evaluate only imports and calls this function; binding it in the method's place
# spares a call on every decision.
setattr(Declaration, "evaluate", evaluate)  # noqa: B010
