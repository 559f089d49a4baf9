"""One decision from every signal: "may this agent use this target for this usage?".

Each mechanism (an aioptout declaration, robots.txt, aipref, Content-Signal, TDMRep, ai.txt,
robots metas, media metadata) contributes statements; this module puts them together the way
draft-ietf-aipref-vocab §5.1 combines statements: "If any statement says n, the result is
disallowed; otherwise, if any says y, it is allowed; otherwise it is unknown."

robots.txt speaks about fetching, not use.  It says something about use only through the
agent's declared purpose: a training crawler that may not fetch a page cannot train on it, and a
control token such as Google-Extended exists only to carry a usage preference (signals.md §6.3).
Both are read through the agent registry and turned into statements of mechanism ``robots``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final, Protocol, cast, runtime_checkable

from . import usage as U
from ._match import AGENT_TOKEN_CHARS
from .agents import Agent, Registry, default_registry, usage_labels_for
from .model import Decision, Declaration, Diagnostic, Licence, Statement, Value
from .signals.aipref import robots_target

if TYPE_CHECKING:
    from .signals.robots import RobotsTxt

__all__ = ["Signal", "decide", "explain"]

_ROBOTS: Final = "robots"
_NO_MECHANISM: Final = "none"


@runtime_checkable
class Signal(Protocol):
    """What every signal reader returns: a mechanism's statements about (agent, target)."""

    # Read-only members, so that a reader may declare ``mechanism`` Final.
    @property
    def mechanism(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]: ...

    def statements(self, agent: str, target: str) -> list[Statement]: ...


@dataclass(frozen=True, slots=True)
class _Who:
    """The agent as asked, the product token robots.txt is read for, and its registry entry."""

    asked: str
    token: str
    agent: Agent | None


def decide(
    signals: Iterable[Signal | Declaration],
    agent: str,
    target: str,
    usage: str,
    *,
    registry: Registry | None = None,
    now: datetime | None = None,
) -> Decision:
    """Combine every signal's say on one (agent, target, usage) question.

    ``agent`` is a product token (``GPTBot``) or a whole User-Agent header; ``target`` a URL,
    a path or a work identifier; ``usage`` a usage label or ``crawl``.  Signals are read for
    the agent's product token.  Within one statement (one line, header or entry) a label
    without a value takes its parent's (spec §8, R-8-2); statements then combine with "any no
    wins".  Never raises on odd input: an unknown usage gives an unknown decision.
    """
    registry = default_registry() if registry is None else registry
    who = _identify(agent, registry)
    sources = list(signals)
    url = robots_target(target)
    robots = [cast("RobotsTxt", s) for s in sources if _is_robots(s)] if url is not None else []

    statements: list[Statement] = []
    crawl: Value | None = None
    crawl_statement: Statement | None = None
    for signal in robots:
        verdict = signal.decide(who.token, url or "/")
        allowed = Value.ALLOWED if verdict.allowed else Value.DISALLOWED
        if crawl is None or (allowed is Value.DISALLOWED and crawl is not Value.DISALLOWED):
            crawl = allowed
            crawl_statement = _crawl_statement(signal, who, verdict)
    if crawl_statement is not None:
        statements.append(crawl_statement)
    for signal in robots:
        statements.extend(_robots_usage(signal, who, url or "/", registry))
    for source in sources:
        for statement in _statements_of(source, who.token, target, now):
            if statement.usage != U.CRAWL:
                statements.append(statement)
            elif url is not None and (crawl is None or (
                    statement.value is Value.DISALLOWED and crawl is not Value.DISALLOWED)):
                # A declaration's Disallow restricts too; its Allow never overrides robots.txt
                # (spec R-2-5): the most restrictive crawl verdict stands.
                crawl, crawl_statement = statement.value, statement
                statements.append(statement)

    def decision(value: Value, reason: str, deciding: Statement | None,
                 licence: tuple[Licence, ...] = ()) -> Decision:
        return Decision(
            value=value, usage=usage, agent=agent, target=target, reason=reason,
            line=deciding.line if deciding else None,
            rule=deciding.raw if deciding else None,
            mechanism=deciding.mechanism if deciding else _NO_MECHANISM,
            source=deciding.source if deciding else None,
            crawl=crawl, statements=tuple(statements), licence=licence,
        )

    if usage == U.CRAWL:
        if crawl_statement is None:
            why = ("crawling does not apply to a work identifier" if url is None
                   else "no robots.txt or declaration was given")
            return decision(Value.UNKNOWN, why, None)
        return decision(crawl_statement.value, crawl_statement.reason, crawl_statement)
    if not U.is_label(usage):
        return decision(Value.UNKNOWN, f"{usage!r} is not a usage label", None)

    value, deciding = _combine(statements, usage)
    routes = () if deciding is None or not deciding.licence else _routes(statements, deciding.usage)
    return decision(value, _reason(value, usage, deciding, crawl), deciding, routes)


def explain(decision: Decision) -> list[str]:
    """The lines ``--explain`` prints: the answer, the deciding statement, every statement."""
    lines = [f"{decision.usage} for {decision.agent} at {decision.target}: {decision.answer}"]
    lines.append(f"  because {decision.reason}")
    for route in decision.licence:
        lines.append(f"  licence: {route.describe()}")
    if decision.crawl is not None:
        lines.append(f"  crawl: {decision.crawl}")
    if not decision.statements:
        lines.append("  no signal made any statement")
        return lines
    lines.append("  statements:")
    for statement in decision.statements:
        deciding = (statement.mechanism == decision.mechanism
                    and statement.line == decision.line and statement.raw == decision.rule
                    and statement.source == decision.source)
        mark = "*" if deciding and decision.value is not Value.UNKNOWN else "-"
        where = "" if statement.line is None else f" line {statement.line}"
        said = "n" if statement.value is Value.DISALLOWED else (
            "y" if statement.value is Value.ALLOWED else "?")
        lines.append(f"   {mark} {statement.mechanism}{where}: {statement.usage}={said}"
                     f" ({statement.reason})")
    return lines


# --- helpers -----------------------------------------------------------------------------

def _identify(agent: str, registry: Registry) -> _Who:
    """A token as given, else the first registry agent a header names, else the text itself,
    which signals then read as ``_match.caller_key`` does (a non-token names no group)."""
    text = agent.strip()
    if text and all(c in AGENT_TOKEN_CHARS for c in text):
        return _Who(agent, text, registry.get(text))
    found = registry.tokens_in_user_agent(text)
    if found:
        return _Who(agent, _selector(found[0]), found[0])
    return _Who(agent, text, None)


def _selector(agent: Agent) -> str:
    """The token that selects the groups a ``User-agent: <registry token>`` line opens:
    ``ChatGPT Agent`` → ``ChatGPT``, as every reader cuts the line there (spec §6)."""
    return agent.matched_token or agent.token


def _is_robots(signal: object) -> bool:
    return getattr(signal, "mechanism", None) == _ROBOTS and callable(
        getattr(signal, "decide", None))


def _statements_of(signal: Signal | Declaration, token: str, target: str,
                   now: datetime | None) -> list[Statement]:
    if isinstance(signal, Declaration):
        from .evaluate import statements

        return statements(signal, token, target, now)
    return list(signal.statements(token, target))


def _crawl_statement(robots: RobotsTxt, who: _Who, verdict: object) -> Statement:
    allowed = bool(getattr(verdict, "allowed", True))
    line = getattr(verdict, "line", None)
    pattern = getattr(verdict, "pattern", None)
    why = getattr(verdict, "reason", None)
    kind = "allows" if allowed else "disallows"
    where = f" (line {line})" if line else ""
    reason = why or f"robots.txt{where} {kind} {who.token}"
    return Statement(
        mechanism=_ROBOTS, usage=U.CRAWL,
        value=Value.ALLOWED if allowed else Value.DISALLOWED,
        reason=reason, source=robots.source, line=line if isinstance(line, int) else None,
        raw=None if pattern is None else f"{'Allow' if allowed else 'Disallow'}: {pattern}")


def _robots_usage(robots: RobotsTxt, who: _Who, url: str, registry: Registry
                  ) -> list[Statement]:
    """Usage statements implied by crawl rules, through the agent's and its control tokens'
    purposes (mapping rows "robots")."""
    out: list[Statement] = []
    checks: list[tuple[Agent, str]] = []
    if who.agent is not None:
        checks.append((who.agent, "its purpose is " + who.agent.purpose))
    for control in registry.control_tokens_for(who.token):
        if who.agent is None or control.token != who.agent.token:
            checks.append((control, f"control token for {who.token}"))
    for agent, why in checks:
        labels = usage_labels_for(agent)
        if not labels:
            continue
        verdict = robots.decide(_selector(agent), url)
        if verdict.allowed:
            continue
        # A verdict without a line (an unreachable robots.txt) carries its own provenance.
        said = (f"robots.txt line {verdict.line} disallows" if verdict.line
                else f"{verdict.reason}, which disallows")
        for label in labels:
            out.append(Statement(
                mechanism=_ROBOTS, usage=label, value=Value.DISALLOWED,
                reason=f"{said} {agent.token} ({why}), which reserves {label}",
                source=robots.source, line=verdict.line,
                raw=f"Disallow: {verdict.pattern}" if verdict.pattern is not None else None))
    return out


def _combine(statements: list[Statement], usage: str) -> tuple[Value, Statement | None]:
    """Resolve ``usage`` within each statement, then "any no wins" across statements.

    A statement is what one line, header or entry said: statements sharing mechanism, source
    and line.  Resolving inside it first means a parent label from one line (``tdm=n``)
    reaches ``train-ai``, while a child label from another line cannot override it.  A plain
    "no" outranks a "no, unless licensed" (spec §12.3): the most restrictive answer stands.
    """
    groups: dict[tuple[str, str | None, int | None], list[Statement]] = {}
    for statement in statements:
        if statement.usage == U.CRAWL or statement.value is Value.UNKNOWN:
            continue
        key = (statement.mechanism, statement.source, statement.line)
        groups.setdefault(key, []).append(statement)
    first_yes: Statement | None = None
    first_licensed: Statement | None = None
    for members in groups.values():
        prefs: dict[str, Value] = {}
        for statement in members:
            prefs[statement.usage] = U.combine(
                (prefs.get(statement.usage, Value.UNKNOWN), statement.value))
        value, label = U.resolve(prefs, usage)
        if value is Value.UNKNOWN:
            continue
        suppliers = [s for s in members if s.usage == label and s.value is value]
        if value is Value.DISALLOWED:
            bare = next((s for s in suppliers if not s.licence), None)
            if bare is not None:
                return value, bare
            if first_licensed is None:
                first_licensed = suppliers[0]
            continue
        if first_yes is None:
            first_yes = suppliers[0]
    if first_licensed is not None:
        return Value.DISALLOWED, first_licensed
    if first_yes is not None:
        return Value.ALLOWED, first_yes
    return Value.UNKNOWN, None


def _routes(statements: list[Statement], label: str) -> tuple[Licence, ...]:
    """Every licence route offered for ``label``, the label that decided the question."""
    seen: list[Licence] = []
    for statement in statements:
        if statement.licence and statement.usage == label \
                and statement.value is Value.DISALLOWED:
            seen.extend(route for route in statement.licence if route not in seen)
    return tuple(seen)


def _reason(value: Value, usage: str, deciding: Statement | None, crawl: Value | None) -> str:
    if deciding is None:
        reason = f"no signal states a preference for {usage}"
        if crawl is Value.DISALLOWED:
            reason += ("; robots.txt disallows crawling, and no preference is implied for "
                       "disallowed resources")
        return reason
    verb = "reserved" if value is Value.DISALLOWED else "allowed"
    if value is Value.DISALLOWED and deciding.licence:
        verb = "reserved unless licensed"
    via = "" if deciding.usage == usage else f" through {deciding.usage}"
    source = f" in {deciding.source}" if deciding.source else ""
    return f"{usage} is {verb}{via} by {deciding.mechanism}{source}: {deciding.reason}"
