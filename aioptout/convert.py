"""Conversions between an aioptout declaration and the other opt-out files, lossless or loud.

Supported pairs (``SOURCES`` × ``TARGETS``, see :data:`PAIRS`): robots.txt, tdmrep.json and
ai.txt → declaration; declaration → declaration (a normalised rewrite, :func:`render`);
declaration → robots.txt.

The output is a declaration in the format of spec §4–§7: a version line, then one group per
source group, each with an Allow/Disallow line and ``Content-Usage`` lines whose labels come from
the mapping table (``signals.mapping``).  Core labels (``train-ai``, ``search``) are written
explicitly next to extension labels, so aipref-only readers see the preference too.

What the target cannot say is listed as a :class:`Loss`, a coded diagnostic (``CNV1xx``) with
the source line it came from, never dropped silently.  A target that keeps an item only as a
comment has not carried it (no reader acts on a comment): that loss is ``noted``.

Into a declaration:

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
  Sitemap lines are carried; Crawl-delay and unknown lines are losses.

Out of a declaration into robots.txt: groups, Allow/Disallow, Content-Usage (draft-ietf-aipref-
attach §3) and Sitemap are carried; the declaration fields (Rightsholder, Contact, Licensing,
Legal-Basis, Issued, Expires) and Work-Usage rules have no robots.txt counterpart and are
written as comments, each a noted loss.  Expires is its own loss: the declaration's
preferences lapse at that instant, the robots.txt's never do.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, TypeVar

from . import _json
from . import _mechanisms as M
from . import usage as U
from ._match import compile_pattern
from .diagnostics import BINARY, Code, define
from .model import Declaration, Diagnostic, Group, RuleKind, Severity, Value
from .signals import aitxt, tdmrep
from .signals import robots as R
from .signals.contentsignal import parse_signal
from .signals.mapping import lookup
from .signals.robots import product_token

KINDS: Final = (M.ROBOTS, M.TDMREP, M.AI_TXT, M.AIOPTOUT, M.RSL)
TARGETS: Final = ("aioptout", "robots")
#: (source kind, target) pairs that ``convert`` supports; ``--to rsl`` is _convert_rsl's.
PAIRS: Final = frozenset({("robots", "aioptout"), ("tdmrep", "aioptout"), ("ai-txt", "aioptout"),
                          ("rsl", "aioptout"), ("aioptout", "aioptout"), ("aioptout", "robots")})
SCHEMA_VERSION: Final = 1
_VERSION_LINE: Final = "AIOptOut-Version: 1"
_NO_OP_CRAWL_RULE: Final = "Allow: /robots.txt$"  # always allowed anyway (spec R-10.3-2)
_CORE_FIRST: Final = ("train-ai", "search", *(label for label in U.LABELS
                                              if label not in ("train-ai", "search")))

_SPEC: Final = "aioptout convert"
# Codes CNV101-CNV119; a code never changes meaning.
DROPPED_ROBOTS_LINE = define(
    "CNV101", "SHOULD", _SPEC, "robots.txt record has no counterpart in a declaration; dropped",
    "Crawl-delay, Host and unknown records do not affect aioptout decisions")
AGENT_REWRITTEN = define(
    "CNV102", "SHOULD", _SPEC, "User-agent value written as its product token",
    "a declaration names agents by product token only (spec §6)")
AGENT_DROPPED = define("CNV103", "SHOULD", _SPEC,
                       "User-agent value has no product token; left out")
SIGNAL_PART_DROPPED = define("CNV104", "SHOULD", _SPEC,
                             "Part of a Content-Signal value could not be carried")
NO_RESERVATION = define(
    "CNV105", "SHOULD", _SPEC, "tdmrep.json rule without a valid tdm-reservation not carried",
    "in tdmrep.json it leaves its paths unset and stops later rules")
ORDER_DIFFERS = define(
    "CNV106", "SHOULD", _SPEC,
    "tdmrep.json takes the first matching rule, the declaration the longest pattern")
PARTIAL_POLICY = define(
    "CNV107", "SHOULD", _SPEC,
    "Licensing applies to every reservation; tdmrep.json gave no policy for some locations")
POLICIES_DROPPED = define("CNV108", "SHOULD", _SPEC,
                          "tdm-policy not carried: the rules name several policies")
TIE_DIFFERS = define(
    "CNV109", "SHOULD", _SPEC,
    "Equally long Allow and Disallow patterns may both match: ai.txt lets Allow win, the "
    "declaration the most restrictive rule")
QUERY_DIFFERS = define(
    "CNV110", "SHOULD", _SPEC,
    "ai.txt extension globs match the path without its query; the declaration's patterns also "
    "match a URL whose query ends in the extension")
FIELD_AS_COMMENT = define(
    "CNV111", "SHOULD", _SPEC, "Declaration field has no counterpart in the target; kept only "
    "as a comment", "no reader acts on a comment: publish the declaration too")
EXPIRES_AS_COMMENT = define(
    "CNV112", "SHOULD", _SPEC, "Expires has no counterpart in the target: its preferences do not "
    "lapse; kept only as a comment", "remove or renew the converted file when the date passes")
WORK_RULE_AS_COMMENT = define(
    "CNV113", "SHOULD", _SPEC, "Work-Usage rule has no counterpart in the target; kept only as "
    "a comment", "work identifiers can be reserved only in an aioptout declaration")
CONTROL_CHARACTER = define(
    "CNV115", "SHOULD", _SPEC, "Value holds a control character, which a declaration cannot "
    "hold (spec R-3-2); the record is dropped")
TOO_BIG_FOR_TARGET = define(
    "CNV114", "MUST", _SPEC, "The result exceeds a size limit of the target; readers ignore "
    "what lies beyond it", "split the source, or shorten its longest lines")
RSL_NOT_CARRIED = define(
    "CNV116", "SHOULD", _SPEC, "RSL licence terms or scope details have no counterpart in a "
    "declaration; not carried", "a declaration names one Licensing URL; publish the RSL document "
    "too")
UNREADABLE = define("CNV119", "MUST", _SPEC,
                    "Source cannot be read as the given kind; nothing was converted")

#: Codes whose item the target keeps as a comment only.
_NOTED: Final = frozenset({FIELD_AS_COMMENT.code, EXPIRES_AS_COMMENT.code,
                           WORK_RULE_AS_COMMENT.code})


@dataclass(frozen=True, slots=True)
class Loss:
    """Something the source says that the target does not carry exactly, as a diagnostic.

    ``noted`` is True when the target keeps the item as a comment: readable by people, not by
    any reader that decides, so still a loss.
    """

    diagnostic: Diagnostic

    @property
    def code(self) -> str:
        return self.diagnostic.code

    @property
    def line(self) -> int:
        return self.diagnostic.line

    @property
    def message(self) -> str:
        return self.diagnostic.message

    @property
    def noted(self) -> bool:
        return self.diagnostic.code in _NOTED

    def to_dict(self) -> dict[str, object]:
        return {**self.diagnostic.to_dict(), "noted": self.noted}


def _loss(code: Code, line: int, detail: str | None = None) -> Loss:
    return Loss(code.at(line, 1, message=f"{code.title}: {detail}" if detail else None))


@dataclass(frozen=True, slots=True)
class Conversion:
    """The converted text, what was lost, and the findings of the source's reader.

    ``declaration`` holds the text of the target format (a declaration or a robots.txt; the
    name predates other targets).  ``readable`` is False when the source could not be read as
    the kind at all (not JSON, binary, nothing recognisable); the text is then empty.
    ``check`` holds the errors the target's own parser finds in the generated text, which is
    empty unless convert has a bug.
    """

    kind: str
    declaration: str
    losses: tuple[Loss, ...]
    readable: bool
    diagnostics: tuple[Diagnostic, ...] = ()
    check: tuple[Diagnostic, ...] = field(default=())
    target: str = "aioptout"

    @property
    def text(self) -> str:
        return self.declaration

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": self.kind,
            "target": self.target,
            "readable": self.readable,
            "declaration": self.declaration,
            "losses": [loss.to_dict() for loss in self.losses],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


def detect_kind(data: bytes | str, name: str | None = None) -> str:
    """Guess which foreign format a file is, from its name, else from its content.

    Declarations are told apart first by ``sources.detect_kind``, which calls this.
    """
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


#: Size limits of the targets (spec R-3-5, R-3-6; RFC 9309 §2.5 and Google's line length).
_LIMIT_CODES: Final = frozenset({"AOO106", "AOO107", "ROB107", "ROB108"})


def _checked(found: Iterable[Diagnostic], losses: list[Loss],
             known: frozenset[str] = frozenset()) -> tuple[Diagnostic, ...]:
    """The generated text's own errors, a bug of convert; a size limit it hits is a loss.

    ``known`` are codes the source already had, which a faithful rewrite keeps.
    """
    found = list(found)
    limits = [d for d in found if d.code in _LIMIT_CODES]
    losses.extend(_loss(TOO_BIG_FOR_TARGET, 1, f"{d.code} at generated line {d.line}")
                  for d in limits)
    cut = min((d.line for d in limits if d.code in ("AOO106", "ROB107")), default=None)
    return tuple(d for d in found
                 if d.severity is Severity.ERROR and d.code not in known
                 and d.code not in _LIMIT_CODES and (cut is None or d.line < cut))


def _finish(kind: str, lines: list[str], losses: list[Loss],
            diagnostics: Iterable[Diagnostic]) -> Conversion:
    from .parse import parse

    text = "\n".join(lines) + "\n"
    check = _checked(parse(text).diagnostics, losses)
    ordered = sorted(losses, key=lambda loss: loss.line)
    return Conversion(kind, text, tuple(ordered), True, tuple(diagnostics), check)


def _unreadable(kind: str, diagnostics: Iterable[Diagnostic], why: str,
                target: str = "aioptout") -> Conversion:
    return Conversion(kind, "", (_loss(UNREADABLE, 1, why),), False, tuple(diagnostics),
                      target=target)


def _looks_binary(data: bytes | str) -> bool:
    head = data[:1024]
    return (b"\x00" in head) if isinstance(head, bytes) else ("\x00" in head)


# --- A declaration back to text -----------------------------------------------------------------


def _pref_text(preferences: Mapping[str, Value]) -> str:
    """The preferences as written; labels in vocabulary order, then any other in stored order."""
    order = [label for label in _CORE_FIRST if label in preferences]
    order += [label for label in preferences if label not in order]
    return ", ".join(f"{label}={'y' if preferences[label] is Value.ALLOWED else 'n'}"
                     for label in order
                     if preferences[label] in (Value.ALLOWED, Value.DISALLOWED))


def _date_text(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.UTC).isoformat().replace("+00:00", "Z")


def _field_values(decl: Declaration) -> list[tuple[str, str]]:
    dates = [("Issued", decl.issued), ("Expires", decl.expires)]
    return [(name, value) for name, value in (
        ("Rightsholder", decl.rightsholder), ("Contact", decl.contact),
        ("Licensing", decl.licensing), ("Legal-Basis", decl.legal_basis)) if value
    ] + [(name, _date_text(value)) for name, value in dates if value is not None]


def _group_lines(group: Group, *, with_work: bool = True,
                 usage_prefs: str = "exact") -> list[str]:
    """One group as declaration (or robots.txt) lines: agents, then its rules in order."""
    lines = [f"User-agent: {agent}" for agent in group.agents if agent]
    if not lines:
        return []
    crawl_written = closed = False
    for rule in group.rules:
        closed = closed or rule.kind is not RuleKind.WORK_USAGE or with_work
        if rule.kind in (RuleKind.ALLOW, RuleKind.DISALLOW):
            crawl_written = True
            lines.append(f"{rule.kind.value.capitalize()}: {rule.pattern}")
        elif rule.kind is RuleKind.CONTENT_USAGE:
            prefs = (format_preferences(rule.preferences) if usage_prefs == "explicit-core"
                     else _pref_text(rule.preferences))
            # No path and "/" differ: a rule for "/" is the more specific (R-7.2-26).  A rule
            # with neither a path nor a known label still counts (every label unknown, as
            # stored): "," is a dictionary that does not parse (R-7.2-3).
            if not rule.pattern and not prefs:
                prefs = ","
            lines.append(" ".join(p for p in ("Content-Usage:", rule.pattern, prefs) if p))
        elif with_work:
            # "," is a dictionary that does not parse: every label unknown, as stored (R-7.2-3).
            lines.append(f"Work-Usage: {rule.pattern} {_pref_text(rule.preferences) or ','}")
    if (group.crawl_lines or not closed) and not crawl_written:
        # An empty Disallow matches nothing; it also keeps a group without rules apart from
        # the next one instead of merging their agents (only a rule line ends a group).
        lines.insert(len([a for a in group.agents if a]), "Disallow:")
    return lines


def render(declaration: Declaration) -> str:
    """A declaration as normalised text: parsing it gives back the same fields and groups.

    Everything a reader acts on is kept: the version, the declaration fields (dates in UTC),
    Sitemap lines, and each group with its agents and rules in order, patterns in their
    normalised form.  Comments, spelling, line positions and records a reader ignores are
    not.  User-agent values without a product token match no agent and are left out; a group
    without any rule gets an empty ``Disallow:``, which decides nothing (so AOO403 is gone).
    Values holding control characters (an error, R-3-2) are written as they are; without the
    comments around them, such a file may be read as binary (AOO103).
    """
    lines = [f"AIOptOut-Version: {declaration.version}"] if declaration.version else []
    lines += [f"{name}: {value}" for name, value in _field_values(declaration)]
    lines += [f"Sitemap: {url}" for url in declaration.sitemaps]
    for group in declaration.groups:
        body = _group_lines(group)
        if body:
            lines += ["", *body]
    return "\n".join(lines) + "\n"


def _from_aioptout(data: bytes | str, source: str | None, target: str) -> Conversion:
    from .parse import parse

    decl = parse(data, source=source)
    if any(d.code == BINARY.code for d in decl.diagnostics):
        return _unreadable("aioptout", decl.diagnostics, "input is binary, not a declaration",
                           target)
    if target == "aioptout":
        text = render(decl)
        losses: list[Loss] = []
        check = _checked(parse(text).diagnostics, losses,
                         frozenset(d.code for d in decl.diagnostics))
        return Conversion("aioptout", text, tuple(losses), True, decl.diagnostics, check,
                          "aioptout")
    return _declaration_to_robots(decl)


def _record_line(decl: Declaration, name: str) -> int:
    for record in decl.records:
        if record.name.lower() == name.lower():
            return record.line
    return 1


def _declaration_to_robots(decl: Declaration) -> Conversion:
    losses: list[Loss] = []
    lines = ["# Converted from an aioptout declaration by aioptout convert.",
             "# robots.txt cannot carry the lines below marked 'not carried'."]
    for name, value in _field_values(decl):
        code = EXPIRES_AS_COMMENT if name == "Expires" else FIELD_AS_COMMENT
        losses.append(_loss(code, _record_line(decl, name), name))
        lines.append(f"# not carried: {name}: {value}")
    lines += [f"Sitemap: {url}" for url in decl.sitemaps]
    for group in decl.groups:
        body = _group_lines(group, with_work=False, usage_prefs="explicit-core")
        if not body:
            continue
        lines += ["", *body]
        for rule in group.rules:
            if rule.kind is RuleKind.WORK_USAGE:
                losses.append(_loss(WORK_RULE_AS_COMMENT, rule.line, rule.pattern))
                lines.append(f"# not carried: Work-Usage: {rule.raw}")
    text = "\n".join(lines) + "\n"
    check = _checked(R.RobotsTxt.parse(text).diagnostics, losses)
    ordered = tuple(sorted(losses, key=lambda loss: loss.line))
    return Conversion("aioptout", text, ordered, True, decl.diagnostics, check, "robots")


# --- tdmrep.json --------------------------------------------------------------------------------

_T = TypeVar("_T")
_PAIRS_PER_ITEM: Final = 64
_UNCOMPARED: Final = ("too many rules to compare every pair; some of them may be decided "
                      "differently")


def _pairs(items: Sequence[_T]) -> Iterator[tuple[_T, _T] | None]:
    """Each pair (earlier, later) of ``items``, then None if it had to stop.

    It stops after 64 pairs per item, so a huge file costs linear time: the caller then
    reports that not every pair was compared, which is a loss stated, not a loss hidden.
    """
    budget = _PAIRS_PER_ITEM * (len(items) + 1)
    for i, first in enumerate(items):
        for j in range(i + 1, len(items)):
            budget -= 1
            if budget < 0:
                yield None
                return
            yield first, items[j]



def _from_tdmrep(data: bytes | str, source: str | None) -> Conversion:
    parsed = tdmrep.parse_file(data, source=source)
    fatal = {tdmrep.NOT_JSON.code, tdmrep.NOT_ARRAY.code, *_json.REFUSALS}
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
            losses.append(_loss(NO_RESERVATION, rule.line))
            continue
        pattern = rule.location if rule.location.startswith("/") else "/" + rule.location
        prefs = _prefs(lookup("tdmrep", f"tdm-reservation: {rule.reservation}"))
        kept.append((rule, compile_pattern(pattern).text, prefs))
    for pair in _pairs(kept):
        if pair is None:
            losses.append(_loss(ORDER_DIFFERS, kept[0][0].line, _UNCOMPARED))
            break
        (early, early_pattern, early_prefs), (late, late_pattern, late_prefs) = pair
        if early_prefs == late_prefs or early_pattern == late_pattern:
            continue
        longer = len(early_pattern) > len(late_pattern)
        if not longer and may_overlap(early_pattern, late_pattern):
            losses.append(_loss(ORDER_DIFFERS, late.line,
                                f"rules on lines {early.line} and {late.line}"))
    lines = [_VERSION_LINE]
    reserved = [rule for rule, _, _ in kept if rule.reservation == 1]
    policies = sorted({rule.policy for rule in reserved if rule.policy})
    if len(policies) == 1:
        lines.append(f"Licensing: {policies[0]}")
        partial = [rule.line for rule in reserved if rule.policy != policies[0]]
        if partial:
            losses.append(_loss(PARTIAL_POLICY, partial[0]))
    else:
        losses.extend(_loss(POLICIES_DROPPED, rule.line, rule.policy)
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
    query_line: int | None = None
    for group in parsed.groups:
        agents = _agent_lines(group.agents, group.line, losses)
        if not agents:
            continue
        lines += ["", *agents, "Allow: /"]
        by_pattern: dict[str, tuple[aitxt.AiTxtRule, dict[str, Value]]] = {}
        for rule in group.rules:
            row = "Allow matching the target" if rule.allow else "Disallow matching the target"
            prefs = _prefs(lookup("ai-txt", row))
            for pattern in _ai_txt_patterns(rule):
                held = by_pattern.get(pattern)
                if held is None or (rule.allow and not held[0].allow):
                    by_pattern[pattern] = (rule, prefs)  # ai.txt: Allow wins a tie
            if query_line is None and rule.path_only and len(_ai_txt_patterns(rule)) > 1:
                query_line = rule.line
        items = list(by_pattern.items())
        same_length: dict[int, list[tuple[str, aitxt.AiTxtRule]]] = {}
        for pattern, (rule, _) in items:
            same_length.setdefault(len(pattern), []).append((pattern, rule))
        for bucket in same_length.values():
            for pair in _pairs(bucket):
                if pair is None:
                    losses.append(_loss(TIE_DIFFERS, bucket[0][1].line, _UNCOMPARED))
                    break
                (pattern, rule), (other, other_rule) = pair
                if rule.allow != other_rule.allow and may_overlap(pattern, other):
                    losses.append(_loss(TIE_DIFFERS, max(rule.line, other_rule.line),
                                        f"{pattern} and {other}"))
        lines += [f"Content-Usage: {pattern} {format_preferences(prefs)}"
                  for pattern, (_, prefs) in items]
    if query_line is not None:
        losses.append(_loss(QUERY_DIFFERS, query_line))
    return _finish("ai-txt", lines, losses, parsed.diagnostics)


def _agent_lines(agents: Iterable[str], line: int, losses: list[Loss]) -> list[str]:
    out: list[str] = []
    for agent in agents:
        token = "*" if agent.startswith("*") else product_token(agent)
        if not token:
            losses.append(_loss(AGENT_DROPPED, line, repr(agent)))
            continue
        if token != agent:
            losses.append(_loss(AGENT_REWRITTEN, line, f"{agent!r} as {token!r}"))
        out.append(f"User-agent: {token}")
    return out


# --- robots.txt ---------------------------------------------------------------------------------

_BAD_CHARS: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f\udc80-\udcff]")


def _percent(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char) - 0xDC00 if "\udc80" <= char <= "\udcff" else ord(char)
    return f"%{code:02X}"


def _encode_path(value: str) -> str:
    """A path with its control characters percent-encoded: the same octets to a matcher."""
    return _BAD_CHARS.sub(_percent, value)


def _from_robots(data: bytes | str, source: str | None) -> Conversion:
    if _looks_binary(data):
        return _unreadable("robots", (), "input is binary, not a robots.txt")
    parsed = R.RobotsTxt.parse(data, source=source)
    if not parsed.groups and not parsed.sitemaps:
        return _unreadable("robots", parsed.diagnostics, "no User-agent group found")
    losses: list[Loss] = []
    crawl_agents: set[str] = set()
    for group in parsed.groups:
        if any(line.field in (R.ALLOW, R.DISALLOW) for line in group.lines):
            crawl_agents.update(product_token(a).lower() or a for a in group.agents)
    sitemaps = [url for url in parsed.sitemaps if url.strip()]
    losses.extend(_loss(CONTROL_CHARACTER, 1, f"Sitemap {url!r}")
                  for url in sitemaps if _BAD_CHARS.search(url))
    lines = [_VERSION_LINE, *(f"Sitemap: {url}" for url in sitemaps if not _BAD_CHARS.search(url)),
             "", "# Converted from robots.txt by aioptout convert"]
    for group in parsed.groups:
        agents = _agent_lines(group.agents, group.line, losses)
        if not agents:
            continue
        body: list[str] = []
        has_crawl_rule = False
        for entry in group.lines:
            if entry.field in (R.ALLOW, R.DISALLOW):
                has_crawl_rule = True
                # A pattern starting otherwise never matches (ROB106), like an empty one.
                path = entry.value if entry.value[:1] in ("/", "*") else ""
                body.append(f"{entry.field.capitalize()}: {_encode_path(path)}".rstrip())
            elif _BAD_CHARS.search(entry.value):
                losses.append(_loss(CONTROL_CHARACTER, entry.line, entry.raw_field))
            elif entry.field == R.CONTENT_USAGE:
                # An empty value states no preference, as a path alone does (R-7.2-1).
                body.append(f"Content-Usage: {entry.value or '/'}")
            elif entry.field == R.SITEMAP:
                continue  # carried with the file's other Sitemap lines
            elif entry.field == R.CONTENT_SIGNAL:
                prefs, problems = parse_signal(entry.value, entry.line, entry.column)
                losses.extend(_loss(SIGNAL_PART_DROPPED, entry.line, p.message)
                              for p in problems)
                if prefs:
                    body.append(f"Content-Usage: {format_preferences(prefs)}")
            else:
                losses.append(_loss(DROPPED_ROBOTS_LINE, entry.line,
                                    f"{entry.raw_field}: {entry.value}"))
        if not has_crawl_rule:
            merged = any((product_token(a).lower() or a) in crawl_agents for a in group.agents)
            body.insert(0, _NO_OP_CRAWL_RULE if merged else "Allow: /")
        lines += ["", *agents, *body]
    return _finish("robots", lines, losses, parsed.diagnostics)


def _from_rsl(data: bytes | str, source: str | None) -> Conversion:
    from ._convert_rsl import from_rsl

    return from_rsl(data, source)


_CONVERTERS: Final = {M.TDMREP: _from_tdmrep, M.AI_TXT: _from_ai_txt, M.ROBOTS: _from_robots,
                      M.RSL: _from_rsl}


def convert(data: bytes | str, *, kind: str = "auto", source: str | None = None,
            target: str = "aioptout") -> Conversion:
    """Convert one file of ``kind`` (``"auto"`` guesses from ``source`` and content) to ``target``.

    Bad input never raises: an unreadable source gives ``readable=False`` and a CNV119 loss.
    An unsupported (kind, target) pair is a caller's error: ValueError (see :data:`PAIRS`).
    """
    if kind == "auto":
        from .sources import detect_kind as detect_any

        kind = detect_any(data, source)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if (kind, target) not in PAIRS:
        raise ValueError(f"cannot convert {kind} to {target}; supported: "
                         + ", ".join(f"{a}→{b}" for a, b in sorted(PAIRS)))
    if kind == "aioptout":
        return _from_aioptout(data, source, target)
    return _CONVERTERS[kind](data, source)


def dumps(conversion: Conversion) -> str:
    return json.dumps(conversion.to_dict(), ensure_ascii=False, indent=2)
