"""Spawning ai.txt (``/ai.txt``): robots.txt-shaped lines whose Disallow means "do not train".

The format has no specification beyond what Spawning's generator writes, so this reader fixes the
semantics it needs and documents them:

* ``Disallow`` means the matching files must not be used to train AI models: ``train-any``
  disallowed; ``Allow`` gives ``train-any`` allowed.  With no matching rule nothing is said.
* A pattern starting with ``/`` is an RFC 9309 path pattern, matched against path and query.
* A pattern starting with ``*`` (the generator's ``*.jpg``, and ``*`` for everything) is a glob
  anchored at the end of the path, without the query: it behaves exactly like the RFC 9309 pattern
  ``/`` + glob + ``$`` applied to the path alone, and its length for precedence is the length of
  that pattern.  So ``*.jpg`` matches ``/a.jpg`` and ``/a.jpg?w=2`` but not ``/a.jpg.html``.
* Precedence is RFC 9309's (the format states none): the longest matching pattern wins, and an
  Allow wins a tie.  Groups and agent matching are RFC 9309's too.
* Matching is case-sensitive (RFC 9309 §2.2.2): ``*.jpg`` does not match ``/A.JPG``.

Generator quirks are tolerated: stray ``/`` lines, ``Disallow: *``, comments and ASCII art, a
missing final newline, and any agent token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Final

from .. import _mechanisms
from .. import diagnostics as D
from .._limits import MAX_FILE_BYTES
from .._match import Pattern, caller_key, compile_pattern, normalize_path, normalize_pattern
from .._wellknown import AI_TXT_PATH
from ..model import Diagnostic, Statement
from .mapping import lookup
from .robots import product_token

MECHANISM: Final = _mechanisms.AI_TXT
PATH: Final = AI_TXT_PATH

_AGENT_FIELDS: Final = frozenset({"user-agent", "useragent", "user agent", "user_agent"})
_ALLOW_FIELDS: Final = frozenset({"allow"})
_DISALLOW_FIELDS: Final = frozenset(
    {"disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw"}
)

_GEN = "Spawning ai.txt generator"
STRAY_LINE = D.define("AIT101", "NOTE", _GEN, "Stray line without a field is ignored")
NOT_A_RECORD = D.define("AIT102", "SHOULD", "RFC 9309 §2.2",
                        "Line is not a 'Field: value' record; it is ignored")
UNKNOWN_FIELD = D.define("AIT103", "NOTE", "RFC 9309 §2.2.4", "Unknown field is ignored")
RULE_OUTSIDE_GROUP = D.define("AIT104", "MUST", "RFC 9309 §2.2.1",
                              "Rule before the first User-agent line is ignored")
BAD_PATTERN = D.define("AIT105", "SHOULD", _GEN,
                       "Pattern starts with neither '/' nor '*'; the rule is ignored",
                       "write a path such as /images/ or an extension glob such as *.jpg")
EMPTY_PATTERN = D.define("AIT106", "NOTE", "RFC 9309 §2.2.2", "Empty pattern matches nothing")
NOT_UTF8 = D.define("AIT107", "MUST", "RFC 9309 §2.3", "Invalid UTF-8 byte sequence")
TOO_LARGE = D.define("AIT108", "SHOULD", "RFC 9309 §2.5",
                     "ai.txt exceeds 512000 octets; the rest is ignored")
NO_RULES = D.define("AIT109", "NOTE", _GEN, "ai.txt has no Allow or Disallow rule")
MISSPELLED_FIELD = D.define("AIT110", "SHOULD", "RFC 9309 §2.2.4", "Misspelled field name accepted")


@dataclass(frozen=True, slots=True)
class AiTxtRule:
    """An Allow or Disallow line; ``equivalent`` is the RFC 9309 pattern it behaves like."""

    allow: bool
    pattern: str
    equivalent: str
    path_only: bool
    line: int
    raw: str
    compiled: Pattern = field(repr=False, compare=False)

    @property
    def length(self) -> int:
        return self.compiled.length

    def matches(self, target: str) -> bool:
        path = normalize_path(target)
        return self._matches(path, path.split("?", 1)[0])

    def _matches(self, path: str, path_without_query: str) -> bool:
        return self.compiled.matches(path_without_query if self.path_only else path)


@dataclass(frozen=True, slots=True)
class AiTxtGroup:
    agents: tuple[str, ...]
    rules: tuple[AiTxtRule, ...]
    line: int


def _key(agent: str) -> str:
    """Agents compare by product token, case-insensitively, as in robots.txt (RFC 9309 §2.2.1)."""
    stripped = agent.strip()
    if stripped.startswith("*"):
        return "*"
    return (product_token(stripped) or stripped).lower()


@dataclass(frozen=True, slots=True)
class AiTxt:
    """A parsed ai.txt."""

    groups: tuple[AiTxtGroup, ...]
    diagnostics: tuple[Diagnostic, ...]
    source: str | None = None
    mechanism: ClassVar[str] = MECHANISM

    def rules_for(self, agent: str) -> tuple[AiTxtRule, ...]:
        """Rules of every group naming ``agent``, else of every ``*`` group (RFC 9309 §2.2.1)."""
        token = caller_key(agent)  # the caller's whole token, as in robots.txt (spec §6)
        named = [g for g in self.groups
                 if token and token in (_key(a) for a in g.agents)]
        chosen = named or [g for g in self.groups if "*" in g.agents]
        return tuple(rule for group in chosen for rule in group.rules)

    def decide(self, agent: str, target: str) -> AiTxtRule | None:
        """The deciding rule: longest match, Allow winning ties; None when no rule matches."""
        best: AiTxtRule | None = None
        path = normalize_path(target)
        bare = path.split("?", 1)[0]
        for rule in self.rules_for(agent):
            if not rule._matches(path, bare):
                continue
            if best is None or rule.length > best.length or (
                rule.length == best.length and rule.allow and not best.allow
            ):
                best = rule
        return best

    def statements(self, agent: str, target: str) -> list[Statement]:
        rule = self.decide(agent, target)
        if rule is None:
            return []
        verb = "allows" if rule.allow else "disallows"
        reason = f"ai.txt {verb} AI training for {rule.pattern!r}"
        row = "Allow matching the target" if rule.allow else "Disallow matching the target"
        return [Statement(MECHANISM, usage, value, reason, self.source, rule.line, rule.raw)
                for usage, value in lookup(MECHANISM, row)]


def _decode(data: bytes | str, diagnostics: list[Diagnostic]) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if len(data) > MAX_FILE_BYTES:
        line = data.count(b"\n", 0, MAX_FILE_BYTES) + 1
        diagnostics.append(TOO_LARGE.at(line))
        data = data[:MAX_FILE_BYTES]
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        diagnostics.append(NOT_UTF8.at(line))
        return data.decode("utf-8", errors="replace")


def _rule(
    allow: bool, value: str, line: int, column: int, raw: str, diagnostics: list[Diagnostic]
) -> AiTxtRule | None:
    end = column + len(value)
    if not value:
        diagnostics.append(EMPTY_PATTERN.at(line, column))
        return None
    if value.startswith("/"):
        normalized = normalize_pattern(value)
        return AiTxtRule(allow, value, normalized, False, line, raw, compile_pattern(normalized))
    if value.startswith("*"):
        glob = normalize_pattern(value)
        equivalent = "/" + glob if glob.endswith("$") else "/" + glob + "$"
        return AiTxtRule(allow, value, equivalent, True, line, raw, compile_pattern(equivalent))
    diagnostics.append(BAD_PATTERN.at(line, column, end))
    return None


def parse(data: bytes | str, *, source: str | None = None) -> AiTxt:
    """Read an ai.txt leniently: every usable line is kept and every other one reported."""
    diagnostics: list[Diagnostic] = []
    text = _decode(data, diagnostics)
    groups: list[AiTxtGroup] = []
    agents: list[str] = []
    rules: list[AiTxtRule] = []
    group_line = 0
    any_rule = False

    def close() -> None:
        if agents:
            groups.append(AiTxtGroup(tuple(agents), tuple(rules), group_line))

    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0]
        stripped = content.strip()
        if not stripped:
            continue
        indent = len(content) - len(content.lstrip()) + 1
        if ":" not in stripped:
            code = STRAY_LINE if set(stripped) <= {"/", "*"} else NOT_A_RECORD
            diagnostics.append(code.at(number, indent, indent + len(stripped)))
            continue
        name, _, rest = stripped.partition(":")
        key = " ".join(name.split()).lower()
        value = rest.strip()
        value_column = indent + len(name) + 1 + (len(rest) - len(rest.lstrip()))
        if key in _AGENT_FIELDS:
            if key != "user-agent":
                diagnostics.append(MISSPELLED_FIELD.at(number, indent, indent + len(name)))
            if rules or not agents:
                close()
                agents, rules, group_line = [], [], number
            agents.append("*" if value.startswith("*") else value)
            continue
        if key in _ALLOW_FIELDS or key in _DISALLOW_FIELDS:
            if key not in ("allow", "disallow"):
                diagnostics.append(MISSPELLED_FIELD.at(number, indent, indent + len(name)))
            if not agents:
                diagnostics.append(RULE_OUTSIDE_GROUP.at(number, indent, indent + len(stripped)))
                continue
            rule = _rule(key in _ALLOW_FIELDS, value, number, value_column, stripped, diagnostics)
            if rule is not None:
                rules.append(rule)
                any_rule = True
            continue
        diagnostics.append(UNKNOWN_FIELD.at(number, indent, indent + len(name)))
    close()
    if not any_rule:
        diagnostics.append(NO_RULES.at(1))
    return AiTxt(tuple(groups), tuple(D.capped(diagnostics)), source)
