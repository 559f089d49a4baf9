"""Text → Declaration, leniently (spec §4–§7, §11.1): every parseable line is used.

Lines are recognised by a fast path built from the grammar's own terminals; a line the fast path
rejects is handed to Lark with the same grammar, which locates the error, unless it fails at its
very start or right after the field name, where the column is known without asking (a test
checks those columns against Lark's).  A differential test keeps the fast path and Lark in
agreement.

Each distinct line is planned once per file: the common records that need no diagnostic take a
short path, every other record the general reading (a differential test keeps the two equal).
Records, and the rules of the short path, are built when first read: parsing a large file then
builds no object per line, and a decision reads only the groups of its agent.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from lark.exceptions import UnexpectedInput

from . import _grammar
from . import diagnostics as D
from ._decode import Reporter, decode
from ._match import _PATTERN_ALREADY_NORMAL
from ._match import normalize_pattern as _normalize_pattern
from ._prefs import Problem, parse_preferences, parse_usage_rule
from ._rfc3339 import parse_date_time, parse_full_date
from .identifiers import WorkPattern, parse_work_pattern
from .model import (
    Declaration,
    Diagnostic,
    Group,
    Record,
    Rule,
    RuleKind,
    Value,
    deferred,
    draft_of,
)

_WS: Final = " \t"

#: Known field names (lower case) → canonical name.  Misspellings accepted with AOO203.
FIELDS: Final[dict[str, str]] = {
    "aioptout-version": "aioptout-version",
    "rightsholder": "rightsholder",
    "contact": "contact",
    "licensing": "licensing",
    "legal-basis": "legal-basis",
    "issued": "issued",
    "expires": "expires",
    "user-agent": "user-agent",
    "allow": "allow",
    "disallow": "disallow",
    "content-usage": "content-usage",
    "work-usage": "work-usage",
    "sitemap": "sitemap",
    "crawl-delay": "crawl-delay",
    "content-signal": "content-signal",
}
MISSPELLINGS: Final[dict[str, str]] = {
    "useragent": "user-agent",
    "user_agent": "user-agent",
    "dissallow": "disallow",
    "dissalow": "disallow",
    "disalow": "disallow",
    "diasllow": "disallow",
    "disallaw": "disallow",
    "site-map": "sitemap",
    "contentusage": "content-usage",
    "content_usage": "content-usage",
    "workusage": "work-usage",
    "right-holder": "rightsholder",
    "rightholder": "rightsholder",
    "rights-holder": "rightsholder",
    "legalbasis": "legal-basis",
}
DECLARATION_FIELDS: Final = frozenset(
    {"aioptout-version", "rightsholder", "contact", "licensing", "legal-basis", "issued", "expires"}
)
RULE_FIELDS: Final = frozenset({"allow", "disallow", "content-usage", "work-usage"})
#: Registered Legal-Basis values (spec §5.5).
LEGAL_BASES: Final = frozenset({"eu-dsm-art4", "copyright", "contract"})
SUPPORTED_MAJOR: Final = "1"

# Real files repeat patterns (every group disallows "/"); canonicalise each distinct one once.
normalize_pattern = functools.lru_cache(maxsize=8192)(_normalize_pattern)
#: ``normalize_pattern``'s own test for a pattern that is already normal, without a call.
_is_normal_pattern: Final = _PATTERN_ALREADY_NORMAL.fullmatch

_PREF_PROBLEM_CODES: Final = {
    "dictionary": D.BAD_USAGE_DICT,
    "value": D.BAD_USAGE_VALUE,
    "unknown-label": D.UNKNOWN_LABEL,
    "revision-label": D.REVISION_LABEL,
    "revision-sense": D.REVISION_SENSE,
}
_ID_PROBLEM_CODES: Final = {
    "unknown-scheme": D.UNKNOWN_SCHEME,
    "syntax": D.BAD_IDENTIFIER,
    "check-digit": D.BAD_CHECK_DIGIT,
    "wildcard": D.BAD_WILDCARD,
    "broad-prefix": D.BROAD_PREFIX,
}
_FATAL_ID_PROBLEMS: Final = frozenset({"unknown-scheme", "syntax", "wildcard"})


@functools.cache
def _value_re(name: str) -> re.Pattern[str]:
    return _grammar.terminal(name)


@functools.cache
def _line_re() -> re.Pattern[str]:
    """The grammar's ``line`` rule, composed from its own terminals into one regular expression.

    ``line: WS? (record WS?)? COMMENT?`` with ``record: FIELD WS? ":" WS? VALUE?``; a
    differential test (tests/test_grammar.py) checks it accepts exactly what Lark accepts.
    """
    ws, field_, value, comment = (
        _grammar.terminal(name).pattern for name in ("WS", "FIELD", "VALUE", "COMMENT")
    )
    record = rf"(?P<name>{field_})(?:{ws})?:(?:{ws})?(?P<value>{value})?"
    return re.compile(rf"(?:{ws})?(?:{record}(?:{ws})?)?(?:{comment})?")


def split_line(text: str) -> tuple[int, str, int, str] | bool | None:
    """Recognise one line as the grammar's ``line`` rule does.

    Returns ``None`` for a blank or comment-only line, ``(name_col, name, value_col, value)`` for
    a record (0-based columns), and ``False`` when the line matches no alternative.
    """
    match = _line_re().fullmatch(text)
    if match is None:
        return False
    name = match.group("name")
    if name is None:
        return None
    value = match.group("value")
    if value is None:
        return match.start("name"), name, -1, ""
    return match.start("name"), name, match.start("value"), value


# Records, rules and groups are built per line or per group: each is filled as a
# draft (model.draft_of), about twice as fast as the frozen dataclass's __init__.  The field
# lists are checked at import, so a field added in model.py cannot be silently left unset.
if (
    tuple(f.name for f in dataclasses.fields(Record))
    != ("line", "name", "value", "name_column", "value_column")
    or tuple(f.name for f in dataclasses.fields(Rule))
    != ("kind", "pattern", "line", "raw", "preferences")
    or tuple(f.name for f in dataclasses.fields(Group))
    != ("agents", "rules", "line", "crawl_lines")
):  # pragma: no cover
    raise ImportError("aioptout.parse factories are out of date with model.py")
_RecordDraft = draft_of(Record)
_RuleDraft = draft_of(Rule)
_GroupDraft = draft_of(Group)


def _record(line: int, name: str, value: str, name_column: int, value_column: int) -> Record:
    """``Record(line, name, value, name_column, value_column)``, faster."""
    record = _RecordDraft()
    record.line = line
    record.name = name
    record.value = value
    record.name_column = name_column
    record.value_column = value_column
    record.__class__ = Record
    made: Record = record
    return made


def _rule(
    kind: RuleKind, pattern: str, line: int, raw: str, preferences: dict[str, Value] | None
) -> Rule:
    """``Rule(kind, pattern, line, raw, preferences)``, faster; None means a new empty dict."""
    rule = _RuleDraft()
    rule.kind = kind
    rule.pattern = pattern
    rule.line = line
    rule.raw = raw
    rule.preferences = {} if preferences is None else preferences
    rule.__class__ = Rule
    made: Rule = rule
    return made


def _group(
    agents: tuple[str, ...], rules: tuple[Rule, ...], line: int, crawl_lines: tuple[int, ...]
) -> Group:
    """``Group(agents, rules, line, crawl_lines)``, faster."""
    group = _GroupDraft()
    group.agents = agents
    group.rules = rules
    group.line = line
    group.crawl_lines = crawl_lines
    group.__class__ = Group
    made: Group = group
    return made


def _report(
    state: _State,
    code: D.Code,
    line: int,
    column: int = 1,
    end_column: int | None = None,
    message: str | None = None,
) -> None:
    """``state.diagnostics.at(code, line, column, end_column, message)``, faster."""
    if state.diagnostics.wanted(code.code):
        state.diagnostics.out.append(code.at(line, column, end_column, message=message))


@functools.cache
def _line_head_re() -> re.Pattern[str]:
    """The part of ``line: WS? (record WS?)? COMMENT?`` before a record's ``:`` or a comment.

    With ``record: FIELD WS? ":" …``, that is ``WS? (FIELD WS?)?``.
    """
    ws, field_ = (_grammar.terminal(name).pattern for name in ("WS", "FIELD"))
    return re.compile(rf"(?:{ws})?(?:(?P<field>{field_})(?:{ws})?)?")


def _error_column(text: str) -> int:
    """``_lark_error_column`` of a line the grammar rejects, found without Lark when it can be.

    Everything after a record's ``:`` is accepted, so a rejected line fails where its head
    ends: at a character that starts neither a field name nor a comment, or, after a field
    name, at one that is not ``:``.  Lark takes tens of microseconds to say so;
    tests/test_perf_equivalence.py compares the two.
    """
    head = _line_head_re().match(text)
    assert head is not None  # every part of the pattern is optional
    end = head.end()
    if end < len(text) and text[end] != (":" if head.group("field") is not None else "#"):
        return end + 1
    return _lark_error_column(text)


def _lark_error_column(text: str) -> int:
    """Where the grammar stops accepting the line (1-based), for the diagnostic's caret."""
    try:
        _grammar.parser().parse(text, start="line")
    except UnexpectedInput as exc:
        return max(1, int(getattr(exc, "column", 1) or 1))
    return 1


#: A line as ``parse`` uses it: (name column, name as written, value, value column, canonical
#: name or None), columns 1-based; or ``_BLANK``, or ``_REJECTED`` (not a line of the grammar).
_Split = tuple[int, str, str, int, str | None] | str
_BLANK: Final = "blank"
_REJECTED: Final = "rejected"


def _split(text: str) -> _Split:
    """``split_line`` with the columns ``parse`` reports and the field name looked up.

    tests/test_perf_equivalence.py checks it against ``split_line`` itself.
    """
    return _split_match(text, _line_re().fullmatch(text))


def _split_match(text: str, match: re.Match[str] | None) -> _Split:
    """``_split(text)``, given ``_line_re().fullmatch(text)``."""
    if match is None:
        return _REJECTED
    raw_name = match.group("name")
    if raw_name is None:
        return _BLANK
    value = match.group("value")
    if value is None:
        value = ""
        col = len(text.split("#", 1)[0].rstrip(_WS)) + 1
    else:
        col = match.start("value") + 1
    return match.start("name") + 1, raw_name, value, col, FIELDS.get(raw_name.lower())


@dataclass
class _State:
    diagnostics: Reporter
    groups: list[Group] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    #: A rule, or ``(line number, plan)`` for a rule of a ``_PATH`` or ``_USAGE`` plan.
    rules: list[Rule | tuple[int, _Plan]] = field(default_factory=list)
    group_line: int = 0
    crawl_lines: list[int] = field(default_factory=list)
    in_rules: bool = False
    seen_group: bool = False
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    sitemaps: list[str] = field(default_factory=list)
    first_record: str | None = None

    def close_group(self) -> None:
        # The lists are emptied in place: parse's line loop holds them.
        if self.agents:
            rules = deferred(_rules_of, tuple(self.rules)) if self.rules else ()
            self.groups.append(
                _group(tuple(self.agents), rules, self.group_line, tuple(self.crawl_lines))
            )
            self.agents.clear()
            self.rules.clear()
            self.crawl_lines.clear()
        self.in_rules = False


def _pref_diagnostics(state: _State, line: int, column: int, problems: list[Problem]) -> None:
    for problem in problems:
        code = _PREF_PROBLEM_CODES.get(problem.kind)
        if code is not None:
            start = column + problem.offset
            message = problem.message
            if not (problem.label and message.startswith(problem.label)):
                message = message[:1].upper() + message[1:]  # a label keeps its case
            _report(state, code, line, start, start + max(1, problem.length), message)


def _parse_date(value: str) -> _dt.datetime | None:
    """R-5.6-1 and R-5.6-7: the grammar's shape, then RFC 3339 ranges and leap seconds."""
    if _value_re("FULL_DATE").fullmatch(value):
        return parse_full_date(value)
    if _value_re("DATE_TIME").fullmatch(value):
        return parse_date_time(value)
    return None


def _is_uri(value: str, schemes: frozenset[str], need_host: bool) -> bool:
    if not _value_re("URI").fullmatch(value):
        return False
    parts = urlsplit(value)
    if parts.scheme.lower() not in schemes:
        return False
    if parts.scheme.lower() == "mailto":
        return "@" in parts.path
    return bool(parts.netloc) if need_host else True


def _declaration_field(state: _State, name: str, value: str, line: int, col: int) -> None:
    end = col + max(1, len(value))
    if name in state.fields:
        code = D.DUPLICATE_VERSION if name == "aioptout-version" else D.DUPLICATE_FIELD
        _report(state, code, line, 1, end)
        return
    if state.seen_group:
        _report(state, D.FIELD_IN_GROUP, line, 1, end)
    if name == "aioptout-version":
        if state.first_record != "aioptout-version":
            _report(state, D.VERSION_NOT_FIRST, line, 1, end)
        if not _value_re("VERSION").fullmatch(value) or value.split(".")[0] != SUPPORTED_MAJOR:
            _report(state, D.BAD_VERSION, line, col, end)
    elif name in ("issued", "expires"):
        if _parse_date(value) is None:
            _report(state, D.BAD_DATE, line, col, end)
            return
    elif name == "contact":
        if not _is_uri(value, frozenset({"mailto", "https", "http"}), need_host=True):
            _report(state, D.BAD_CONTACT, line, col, end)
            return
    elif name == "licensing":
        if not _is_uri(value, frozenset({"https", "http"}), need_host=True):
            _report(state, D.BAD_LICENSING, line, col, end)
            return
    elif name == "legal-basis":
        known = value.lower() in LEGAL_BASES
        if not known and not _is_uri(value, frozenset({"https", "http"}), need_host=True):
            _report(state, D.UNKNOWN_LEGAL_BASIS, line, col, end)
    state.fields[name] = (value, line)


def _agent(state: _State, value: str, line: int, col: int) -> None:
    if state.in_rules:
        state.close_group()
    if not state.agents:
        state.group_line = line
    state.seen_group = True
    token = value
    if value != "*" and not _value_re("PRODUCT_TOKEN").fullmatch(value):
        _report(state, D.BAD_PRODUCT_TOKEN, line, col, col + max(1, len(value)))
        if value[:1] == "*" and value[1:2] in (" ", "\t"):
            token = "*"
        else:
            match = _value_re("PRODUCT_TOKEN").match(value)
            token = match.group() if match else ""
    state.agents.append(token)


def _path_rule(state: _State, name: str, value: str, line: int, col: int) -> None:
    kind = RuleKind.ALLOW if name == "allow" else RuleKind.DISALLOW
    state.in_rules = True
    state.crawl_lines.append(line)
    if not value:
        return  # an empty pattern matches nothing (RFC 9309 §2.2.2)
    end = col + len(value)
    if value[0] not in "/*":
        _report(state, D.BAD_PATH, line, col, end)
        return
    if value[0] == "*":
        _report(state, D.STAR_PATH, line, col, col + 1)
    if "$" in value or " " in value or "\t" in value:
        _path_warnings(state, value, line, col)
    state.rules.append(_rule(kind, normalize_pattern(value), line, value, None))


def _path_warnings(state: _State, value: str, line: int, col: int) -> None:
    if "$" not in value and " " not in value and "\t" not in value:
        return
    dollar = value.find("$")
    if 0 <= dollar < len(value) - 1:
        _report(state, D.DOLLAR_INSIDE, line, col + dollar, col + dollar + 1)
    if " " not in value and "\t" not in value:
        return
    for match in re.finditer(r"[ \t]+", value):
        _report(state, D.WHITESPACE_IN_PATH, line, col + match.start(), col + match.end())
        break


def _content_usage(state: _State, value: str, line: int, col: int) -> None:
    state.in_rules = True
    path, prefs, problems = parse_usage_rule(value)
    if path is not None:
        _path_warnings(state, path, line, col)
        if len(path) == len(value.rstrip(_WS)):
            message = "Content-Usage path has no preference after it"
            _report(state, D.BAD_USAGE_DICT, line, col, col + len(value), message)
    _pref_diagnostics(state, line, col, problems)
    # No path: the rule speaks for every path of its group, as the least specific rule (R-7.2-1).
    pattern = normalize_pattern(path) if path is not None else ""
    state.rules.append(_rule(RuleKind.CONTENT_USAGE, pattern, line, value, prefs))


def _work_cut(value: str) -> int:
    """Where a Work-Usage value's identifier pattern ends: its first SP or HTAB, or -1."""
    space = value.find(" ")
    tab = value.find("\t")
    return space if tab < 0 or 0 <= space < tab else tab


def _work_canonical(pattern: WorkPattern) -> str:
    return f"{pattern.scheme}:{pattern.prefix}{'' if pattern.exact else '*'}"


def _work_usage(state: _State, value: str, line: int, col: int) -> None:
    state.in_rules = True
    cut = _work_cut(value)
    if cut < 0:
        _report(state, D.BAD_WORK_RULE, line, col, col + max(1, len(value)))
        return
    pattern_text = value[:cut]
    rest = value[cut:]
    pref_text = rest.lstrip(_WS)
    pref_col = col + cut + (len(rest) - len(pref_text))
    pattern, problems = parse_work_pattern(pattern_text)
    fatal = False
    for problem in problems:
        code = _ID_PROBLEM_CODES[problem.kind]
        start = col + problem.offset
        _report(state, code, line, start, col + len(pattern_text))
        fatal = fatal or problem.kind in _FATAL_ID_PROBLEMS
    if pattern is None or fatal:
        return
    prefs, pref_problems = parse_preferences(pref_text)
    _pref_diagnostics(state, line, pref_col, pref_problems)
    state.rules.append(_rule(RuleKind.WORK_USAGE, _work_canonical(pattern), line, value, prefs))


#: What ``parse`` does with a line, decided once per distinct line by ``_plan``: skip it (blank
#: or comment), report it (not a line of the grammar), one of the common records that need no
#: diagnostic (``_PATH``: Allow/Disallow with a plain path; ``_NO_PATH``: Allow/Disallow without
#: a value; ``_AGENT``: a valid User-agent; ``_USAGE``: a valid Content-Usage or Work-Usage;
#: ``_SITEMAP``), or the general reading of any record, ``_GENERAL``.
_SKIP: Final = 0
_REJECT: Final = 1
_PATH: Final = 2
_NO_PATH: Final = 3
_AGENT: Final = 4
_USAGE: Final = 5
_SITEMAP: Final = 6
_GENERAL: Final = 7
#: ``(op,)``; ``(op, value)``; ``(_PATH or _USAGE, value, kind, pattern, preferences or None)``;
#: ``(_GENERAL, split)`` with ``split`` as ``_split`` gives it.
_Plan = tuple[Any, ...]
_PATH_KINDS: Final = {"allow": RuleKind.ALLOW, "disallow": RuleKind.DISALLOW}
_SKIP_PLAN: Final = (_SKIP,)
_REJECT_PLAN: Final = (_REJECT,)
_NO_PATH_PLAN: Final = (_NO_PATH,)


def _plan(text: str, match: re.Match[str]) -> _Plan:
    """How ``parse`` handles ``text``, given ``_line_re().fullmatch(text)`` (not None).

    A plan other than ``_GENERAL`` acts exactly as the general reading would once a group is
    open; tests/test_perf_equivalence.py compares the two.
    """
    raw_name, value = match.group("name", "value")
    if raw_name is None:
        return _SKIP_PLAN
    name = _SPELLINGS.get(raw_name) or FIELDS.get(raw_name.lower())
    path_kind = _PATH_KINDS.get(name or "")
    if value is None:
        if path_kind is not None:
            return _NO_PATH_PLAN
    elif path_kind is not None:
        if value[0] == "/":
            # A normal pattern has no whitespace and no "$" but a final one: nothing to report.
            if _is_normal_pattern(value):
                return _PATH, value, path_kind, value, None
            if "$" not in value[:-1] and " " not in value and "\t" not in value:
                return _PATH, value, path_kind, normalize_pattern(value), None
    elif name == "user-agent":
        if value == "*" or _value_re("PRODUCT_TOKEN").fullmatch(value):
            return _AGENT, value
    elif name == "content-usage":
        path, prefs, problems = parse_usage_rule(value)
        clean = path is None or ("$" not in path and len(path) != len(value.rstrip(_WS)))
        if clean and not problems:
            if path is None:
                pattern = ""
            else:
                pattern = path if _is_normal_pattern(path) else normalize_pattern(path)
            return _USAGE, value, RuleKind.CONTENT_USAGE, pattern, prefs
    elif name == "work-usage":
        cut = _work_cut(value)
        if cut >= 0:
            work, id_problems = parse_work_pattern(value[:cut])
            if work is not None and not id_problems:
                prefs, problems = parse_preferences(value[cut:].lstrip(_WS))
                if not problems:
                    canonical = _work_canonical(work)
                    return _USAGE, value, RuleKind.WORK_USAGE, canonical, prefs
    elif name == "sitemap":
        return _SITEMAP, value
    return _GENERAL, _split_match(text, match)


def _general_plan(text: str, match: re.Match[str]) -> _Plan:
    """``_plan`` without its fast paths: the reference they are tested against."""
    split = _split_match(text, match)
    return _SKIP_PLAN if split is _BLANK else (_GENERAL, split)


def parse(data: bytes | str, *, source: str | None = None) -> Declaration:
    """Parse a declaration.  Never raises on bad input; problems become diagnostics."""
    return _parse(data, source, _plan)


def _parse(
    data: bytes | str, source: str | None, plan_of: Callable[[str, re.Match[str]], _Plan]
) -> Declaration:
    decoded = decode(data)
    line_match = _line_re().fullmatch
    lines = decoded.lines
    state = _State(decoded.report)
    agents, rules, crawl_lines = state.agents, state.rules, state.crawl_lines
    wanted = state.diagnostics.wanted
    not_a_record = D.NOT_A_RECORD.code
    # Real files repeat lines ("Disallow: /" in every group); plan each distinct line once.
    plans: dict[str, _Plan] = {}
    for index, text in enumerate(lines):
        if not text:
            continue  # the grammar's line rule accepts the empty line: nothing to do
        plan = plans.get(text)
        if plan is None:
            match = line_match(text)
            plan = plans[text] = _REJECT_PLAN if match is None else plan_of(text, match)
        op = plan[0]
        if op == _PATH and agents:
            state.in_rules = True
            crawl_lines.append(index + 1)
            rules.append((index + 1, plan))
        elif op == _SKIP:
            continue
        elif op == _REJECT:
            if wanted(not_a_record):
                column = _error_column(text)
                state.diagnostics.out.append(
                    D.NOT_A_RECORD.at(index + 1, column, len(text) + 1)
                )
        elif op == _AGENT:
            if state.first_record is None:
                state.first_record = "user-agent"
            if state.in_rules:
                state.close_group()
            if not agents:
                state.group_line = index + 1
            state.seen_group = True
            agents.append(plan[1])
        elif op == _USAGE and agents:
            state.in_rules = True
            rules.append((index + 1, plan))
        elif op == _NO_PATH and agents:
            state.in_rules = True
            crawl_lines.append(index + 1)
        elif op == _SITEMAP:
            if state.first_record is None:
                state.first_record = "sitemap"
            state.sitemaps.append(plan[1])
        else:
            split = plan[1] if op == _GENERAL else _split_match(text, line_match(text))
            _record_line(state, index + 1, split)
    state.close_group()

    if "aioptout-version" not in state.fields:
        _report(state, D.NO_VERSION, 1, 1)

    def text_field(name: str) -> str | None:
        entry = state.fields.get(name)
        return entry[0] if entry else None

    issued = text_field("issued")
    expires = text_field("expires")
    return Declaration(
        version=text_field("aioptout-version"),
        groups=tuple(state.groups),
        records=deferred(_records, lines),
        diagnostics=tuple(_ordered(state.diagnostics.finish())),
        rightsholder=text_field("rightsholder"),
        contact=text_field("contact"),
        licensing=text_field("licensing"),
        legal_basis=text_field("legal-basis"),
        issued=_parse_date(issued) if issued else None,
        expires=_parse_date(expires) if expires else None,
        sitemaps=tuple(state.sitemaps),
        source=source,
    )


def _record_line(state: _State, number: int, split: _Split) -> None:
    """One record, read by the general rules: every check, every diagnostic."""
    assert not isinstance(split, str)
    name_col, raw_name, value, col, name = split
    if name is None:
        key = raw_name.lower()
        name = MISSPELLINGS.get(key)
        if name is None:
            _report(state, D.UNKNOWN_FIELD, number, name_col, name_col + len(raw_name))
            return
        _report(
            state,
            D.MISSPELLED_FIELD,
            number,
            name_col,
            name_col + len(raw_name),
            message=f"Misspelled field name accepted as {_canonical_title(name)}",
        )
    if state.first_record is None:
        state.first_record = name
    if name in RULE_FIELDS and not state.agents:
        _report(state, D.RULE_OUTSIDE_GROUP, number, name_col, col)
        return
    if not value and name not in ("allow", "disallow"):
        _report(state, D.EMPTY_VALUE, number, name_col, col)
        return
    # Field names are distinct, so the order of these tests is only the order of frequency.
    if name == "disallow" or name == "allow":
        _path_rule(state, name, value, number, col)
    elif name == "user-agent":
        _agent(state, value, number, col)
    elif name in DECLARATION_FIELDS:
        _declaration_field(state, name, value, number, col)
    elif name == "content-usage":
        _content_usage(state, value, number, col)
    elif name == "work-usage":
        _work_usage(state, value, number, col)
    elif name == "sitemap":
        state.sitemaps.append(value)
    elif name == "content-signal":
        _report(state, D.FOREIGN_SIGNAL, number, name_col, col + len(value))
    # crawl-delay is recognised and has no effect on decisions (spec §4.3)


def _rules_of(items: tuple[Rule | tuple[int, _Plan], ...]) -> tuple[Rule, ...]:
    """``Group.rules``, built when first read: a decision reads only its agent's groups."""
    out = []
    for item in items:
        if isinstance(item, Rule):
            out.append(item)
        else:
            number, (_op, raw, kind, pattern, prefs) = item
            out.append(_rule(kind, pattern, number, raw, None if prefs is None else dict(prefs)))
    return tuple(out)


def _records(lines: list[str]) -> tuple[Record, ...]:
    """``Declaration.records``, built when first read: few callers ever read it."""
    splits: dict[str, _Split] = {}
    out = []
    for index, text in enumerate(lines):
        if not text:
            continue
        split = splits.get(text)
        if split is None:
            split = splits[text] = _split(text)
        if not isinstance(split, str):
            name_col, raw_name, value, col, _name = split
            out.append(_record(index + 1, raw_name, value, name_col, col))
    return tuple(out)


def _canonical_title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-")).replace("Aioptout", "AIOptOut")


#: The usual spellings of the known field names → canonical name: spares ``lower()`` per line.
_SPELLINGS: Final = {
    spelling: name
    for key, name in FIELDS.items()
    for spelling in (key, key.upper(), key.capitalize(), key.title(), _canonical_title(key))
}


def _ordered(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line, d.column, d.code))
