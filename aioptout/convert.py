"""robots.txt, tdmrep.json or ai.txt → an aioptout declaration that states the same reservations.

The output is a declaration in the format of spec §4–§7: a version line, then one group per
source group, each with an Allow/Disallow line and ``Content-Usage`` lines whose labels come from
the mapping table (``signals.mapping``).  Core labels (``train-ai``, ``search``) are written
explicitly next to extension labels, so aipref-only readers see the preference too.

What the declaration cannot say is listed as a :class:`Loss`, never dropped silently:

* tdmrep.json resolves by array order (first match), the declaration by pattern length (longest
  match).  Rules are carried as they are; a pair that the two orders could decide differently
  (an earlier, not longer, overlapping rule with another value) is a loss.  Rules an earlier
  rule shadows completely never apply and are left out.  One policy URL for every reservation
  becomes ``Licensing``; several, or one that covers only some locations, are losses.
* An ai.txt extension glob ``*.jpg`` is read as "the path, without its query, ends in .jpg";
  the declaration matches path and query, so it gets ``/*.jpg$`` and ``/*.jpg?``.  These match
  exactly the same URLs except ones whose query string itself ends in, or contains, ``.jpg?``;
  that difference is reported once per file.  ai.txt lets an Allow win a tie, the declaration
  lets the most restrictive usage rule win: equally long, different, overlapping Allow and
  Disallow patterns are a loss (identical ones are carried as the Allow alone).
* robots.txt groups are carried rule for rule; Content-Signal lines become Content-Usage lines;
  Sitemap, Crawl-delay and unknown lines are losses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from . import usage as U
from ._match import compile_pattern
from .model import Diagnostic, Severity, Value
from .signals import aitxt, tdmrep
from .signals import robots as R
from .signals.contentsignal import parse_signal
from .signals.mapping import lookup
from .signals.robots import product_token

KINDS: Final = ("robots", "tdmrep", "ai-txt", "rsl")
SCHEMA_VERSION: Final = 1
_VERSION_LINE: Final = "AIOptOut-Version: 1"
_NO_OP_CRAWL_RULE: Final = "Allow: /robots.txt$"  # always allowed anyway (spec R-10.3-2)
_CORE_FIRST: Final = ("train-ai", "search", *(label for label in U.LABELS
                                              if label not in ("train-ai", "search")))


@dataclass(frozen=True, slots=True)
class Loss:
    """Something the source says that the declaration does not carry exactly."""

    line: int | None
    message: str

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "message": self.message}


@dataclass(frozen=True, slots=True)
class Conversion:
    """The declaration text, what was lost, and the findings of the source's reader.

    ``readable`` is False when the source could not be read as the kind at all (not JSON,
    binary, nothing recognisable); ``declaration`` is then empty.  ``check`` holds the errors
    the aioptout parser finds in the generated text, which is empty unless convert has a bug.
    """

    kind: str
    declaration: str
    losses: tuple[Loss, ...]
    readable: bool
    diagnostics: tuple[Diagnostic, ...] = ()
    check: tuple[Diagnostic, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "readable": self.readable,
            "declaration": self.declaration,
            "losses": [loss.to_dict() for loss in self.losses],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


def detect_kind(data: bytes | str, name: str | None = None) -> str:
    """Guess the source format from a file name, else from the content."""
    lowered = (name or "").lower()
    from .signals.rsl import looks_like_rsl

    if looks_like_rsl(data):
        return "rsl"
    if lowered.endswith(".json"):
        return "tdmrep"
    if lowered.endswith("ai.txt"):
        return "ai-txt"
    if lowered.endswith("robots.txt"):
        return "robots"
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith(("[", "{")):
        return "tdmrep"
    if "# spawning" in text[:2048].lower():
        return "ai-txt"
    values = [line.partition(":")[2].strip() for line in text.splitlines()
              if line.strip().lower().startswith(("allow", "disallow"))]
    if values and any(v.startswith("*.") for v in values) and not any(
        v.startswith("/") and v != "/" for v in values
    ):
        return "ai-txt"
    return "robots"


def format_preferences(preferences: Mapping[str, Value]) -> str:
    """``label=y|n`` pairs with the core labels made explicit (spec §8, aipref readers)."""
    explicit = {k: v for k, v in preferences.items() if v in (Value.ALLOWED, Value.DISALLOWED)}
    for core in U.CORE_LABELS:
        if core not in explicit:
            value, _ = U.resolve(preferences, core)
            if value is not Value.UNKNOWN:
                explicit[core] = value
    return ", ".join(f"{label}={'y' if explicit[label] is Value.ALLOWED else 'n'}"
                     for label in _CORE_FIRST if label in explicit)


def _prefs(pairs: Iterable[tuple[str, Value]]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for label, value in pairs:
        out[label] = U.combine((out.get(label, Value.UNKNOWN), value))
    return out


def _literal_prefix(pattern: str) -> str:
    body = pattern[:-1] if pattern.endswith("$") else pattern
    star = body.find("*")
    return body if star < 0 else body[:star]


def _literal_suffix(pattern: str) -> str | None:
    """The text after the last ``*`` of an anchored pattern, or None when not anchored."""
    if not pattern.endswith("$"):
        return None
    return pattern[:-1].rsplit("*", 1)[-1]


def may_overlap(first: str, second: str) -> bool:
    """Whether some path could match both normalised patterns (False only when surely not)."""
    a, b = _literal_prefix(first), _literal_prefix(second)
    if not (a.startswith(b) or b.startswith(a)):
        return False
    x, y = _literal_suffix(first), _literal_suffix(second)
    return x is None or y is None or x.endswith(y) or y.endswith(x)


def _finish(kind: str, lines: list[str], losses: list[Loss],
            diagnostics: Iterable[Diagnostic]) -> Conversion:
    from .parse import parse

    text = "\n".join(lines) + "\n"
    check = tuple(d for d in parse(text).diagnostics if d.severity is Severity.ERROR)
    return Conversion(kind, text, tuple(losses), True, tuple(diagnostics), check)


def _unreadable(kind: str, diagnostics: Iterable[Diagnostic], why: str) -> Conversion:
    return Conversion(kind, "", (Loss(None, why),), False, tuple(diagnostics))


def _looks_binary(data: bytes | str) -> bool:
    head = data[:1024]
    return (b"\x00" in head) if isinstance(head, bytes) else ("\x00" in head)


# --- tdmrep.json --------------------------------------------------------------------------------


def _from_tdmrep(data: bytes | str, source: str | None) -> Conversion:
    parsed = tdmrep.parse_file(data, source=source)
    fatal = {tdmrep.NOT_JSON.code, tdmrep.NOT_ARRAY.code}
    if any(d.code in fatal for d in parsed.diagnostics):
        return _unreadable("tdmrep", parsed.diagnostics, "not a tdmrep.json array of rules")
    losses: list[Loss] = []
    shadowed = {d.line for d in parsed.diagnostics if d.code == tdmrep.SHADOWED.code}
    kept: list[tuple[tdmrep.TdmRule, str, dict[str, Value]]] = []
    comments: list[str] = []
    for rule in parsed.rules:
        if rule.line in shadowed:
            comments.append(f"# tdmrep.json rule on line {rule.line} never applies; left out")
            continue
        if rule.reservation is None:
            losses.append(Loss(rule.line, "rule without a valid tdm-reservation: in tdmrep.json "
                                          "it leaves its paths unset and stops later rules"))
            continue
        pattern = rule.location if rule.location.startswith("/") else "/" + rule.location
        prefs = _prefs(lookup("tdmrep", f"tdm-reservation: {rule.reservation}"))
        kept.append((rule, compile_pattern(pattern).text, prefs))
    for i, (early, early_pattern, early_prefs) in enumerate(kept):
        for late, late_pattern, late_prefs in kept[i + 1:]:
            if early_prefs == late_prefs or early_pattern == late_pattern:
                continue
            longer = len(early_pattern) > len(late_pattern)
            if not longer and may_overlap(early_pattern, late_pattern):
                losses.append(Loss(late.line, f"rules on lines {early.line} and {late.line} may "
                                              "both match: tdmrep.json takes the first, the "
                                              "declaration the longest pattern"))
    lines = [_VERSION_LINE]
    reserved = [rule for rule, _, _ in kept if rule.reservation == 1]
    policies = sorted({rule.policy for rule in reserved if rule.policy})
    if len(policies) == 1:
        lines.append(f"Licensing: {policies[0]}")
        partial = [rule.line for rule in reserved if rule.policy != policies[0]]
        if partial:
            losses.append(Loss(partial[0], "Licensing applies to every reservation; tdmrep.json "
                                           "gave no policy for some locations"))
    else:
        losses.extend(Loss(rule.line, f"tdm-policy {rule.policy} not carried: several policies")
                      for rule in reserved if rule.policy)
    lines += ["", "# Converted from tdmrep.json by aioptout convert", *comments,
              "User-agent: *", "Allow: /"]
    lines += [f"Content-Usage: {pattern} {format_preferences(prefs)}"
              for _, pattern, prefs in kept]
    return _finish("tdmrep", lines, losses, parsed.diagnostics)


# --- ai.txt -------------------------------------------------------------------------------------


def _ai_txt_patterns(rule: aitxt.AiTxtRule) -> list[str]:
    if not rule.path_only:
        return [rule.equivalent]
    body = rule.equivalent[:-1]
    return [rule.equivalent] if body.endswith("*") else [rule.equivalent, body + "?"]


def _from_ai_txt(data: bytes | str, source: str | None) -> Conversion:
    if _looks_binary(data):
        return _unreadable("ai-txt", (), "input is binary, not an ai.txt")
    parsed = aitxt.parse(data, source=source)
    if not parsed.groups:
        return _unreadable("ai-txt", parsed.diagnostics, "no User-agent group found")
    losses: list[Loss] = []
    lines = [_VERSION_LINE, "", "# Converted from ai.txt by aioptout convert"]
    query_loss = False
    for group in parsed.groups:
        lines.append("")
        lines += _agent_lines(group.agents, group.line, losses)
        lines.append("Allow: /")
        by_pattern: dict[str, tuple[aitxt.AiTxtRule, dict[str, Value]]] = {}
        for rule in group.rules:
            row = "Allow matching the target" if rule.allow else "Disallow matching the target"
            prefs = _prefs(lookup("ai-txt", row))
            for pattern in _ai_txt_patterns(rule):
                held = by_pattern.get(pattern)
                if held is None or (rule.allow and not held[0].allow):
                    by_pattern[pattern] = (rule, prefs)  # ai.txt: Allow wins a tie
            query_loss = query_loss or (rule.path_only and len(_ai_txt_patterns(rule)) > 1)
        items = list(by_pattern.items())
        for i, (pattern, (rule, _)) in enumerate(items):
            for other, (other_rule, _) in items[i + 1:]:
                if (rule.allow != other_rule.allow and len(pattern) == len(other)
                        and may_overlap(pattern, other)):
                    losses.append(Loss(max(rule.line, other_rule.line), f"equally long patterns "
                                       f"{pattern} and {other} may both match: ai.txt lets Allow "
                                       "win, the declaration the most restrictive rule"))
        lines += [f"Content-Usage: {pattern} {format_preferences(prefs)}"
                  for pattern, (_, prefs) in items]
    if query_loss:
        losses.append(Loss(None, "extension globs match the path without its query; the "
                                 "declaration's patterns also match a URL whose query ends in "
                                 "the extension"))
    return _finish("ai-txt", lines, losses, parsed.diagnostics)


def _agent_lines(agents: Iterable[str], line: int, losses: list[Loss]) -> list[str]:
    out: list[str] = []
    for agent in agents:
        token = "*" if agent.startswith("*") else product_token(agent)
        if not token:
            losses.append(Loss(line, f"User-agent {agent!r} has no product token; left out"))
            continue
        if token != agent:
            losses.append(Loss(line, f"User-agent {agent!r} written as {token!r}"))
        out.append(f"User-agent: {token}")
    return out


# --- robots.txt ---------------------------------------------------------------------------------


def _from_robots(data: bytes | str, source: str | None) -> Conversion:
    if _looks_binary(data):
        return _unreadable("robots", (), "input is binary, not a robots.txt")
    parsed = R.RobotsTxt.parse(data, source=source)
    if not parsed.groups and not parsed.sitemaps:
        return _unreadable("robots", parsed.diagnostics, "no User-agent group found")
    losses: list[Loss] = [Loss(None, f"Sitemap {url} dropped") for url in parsed.sitemaps]
    crawl_agents: set[str] = set()
    for group in parsed.groups:
        if any(line.field in (R.ALLOW, R.DISALLOW) for line in group.lines):
            crawl_agents.update(product_token(a).lower() or a for a in group.agents)
    lines = [_VERSION_LINE, "", "# Converted from robots.txt by aioptout convert"]
    for group in parsed.groups:
        agents = _agent_lines(group.agents, group.line, losses)
        if not agents:
            continue
        body: list[str] = []
        has_crawl_rule = False
        for entry in group.lines:
            if entry.field in (R.ALLOW, R.DISALLOW):
                has_crawl_rule = True
                body.append(f"{entry.field.capitalize()}: {entry.value}".rstrip())
            elif entry.field == R.CONTENT_USAGE:
                body.append(f"Content-Usage: {entry.value}")
            elif entry.field == R.SITEMAP:
                continue  # reported once from parsed.sitemaps
            elif entry.field == R.CONTENT_SIGNAL:
                prefs, problems = parse_signal(entry.value, entry.line, entry.column)
                losses.extend(Loss(entry.line, f"Content-Signal: {p.message}") for p in problems)
                if prefs:
                    body.append(f"Content-Usage: {format_preferences(prefs)}")
            else:
                losses.append(Loss(entry.line, f"{entry.raw_field}: {entry.value} dropped"))
        if not has_crawl_rule:
            merged = any((product_token(a).lower() or a) in crawl_agents for a in group.agents)
            body.insert(0, _NO_OP_CRAWL_RULE if merged else "Allow: /")
        lines += ["", *agents, *body]
    return _finish("robots", lines, losses, parsed.diagnostics)


def _from_rsl(data: bytes | str, source: str | None) -> Conversion:
    from ._convert_rsl import from_rsl

    return from_rsl(data, source)


_CONVERTERS: Final = {"tdmrep": _from_tdmrep, "ai-txt": _from_ai_txt, "robots": _from_robots,
                      "rsl": _from_rsl}


def convert(data: bytes | str, *, kind: str = "auto", source: str | None = None) -> Conversion:
    """Convert one robots.txt, tdmrep.json or ai.txt; ``kind="auto"`` guesses from ``source``.

    Bad input never raises: an unreadable source gives ``readable=False`` and a loss saying why.
    """
    if kind == "auto":
        kind = detect_kind(data, source)
    if kind not in _CONVERTERS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    return _CONVERTERS[kind](data, source)


def dumps(conversion: Conversion) -> str:
    return json.dumps(conversion.to_dict(), ensure_ascii=False, indent=2)
