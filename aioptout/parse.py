"""Text → Declaration, leniently (spec §4–§7, §11.1): every parseable line is used.

Lines are recognised by a fast path built from the grammar's own terminals; a line the fast path
rejects is handed to Lark with the same grammar, which also locates the error.  A differential
test keeps the two in agreement.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import functools
import re
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

from lark.exceptions import UnexpectedInput

from . import _grammar
from . import diagnostics as D
from ._decode import Reporter, decode
from ._match import normalize_pattern as _normalize_pattern
from ._prefs import Problem, parse_preferences, parse_usage_rule
from .identifiers import parse_work_pattern
from .model import Declaration, Diagnostic, Group, Record, Rule, RuleKind, Value

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

_PREF_PROBLEM_CODES: Final = {
    "dictionary": D.BAD_USAGE_DICT,
    "value": D.BAD_USAGE_VALUE,
    "unknown-label": D.UNKNOWN_LABEL,
    "retired-label": D.RETIRED_LABEL,
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


# Records and rules are built once per line; a frozen dataclass's __init__ sets each field through
# object.__setattr__, and setting the slots directly is about twice as fast.  The field lists
# are checked at import, so a field added in model.py cannot be silently left unset.
_RECORD_FIELDS: Final = ("line", "name", "value", "name_column", "value_column")
_RULE_FIELDS: Final = ("kind", "pattern", "line", "raw", "preferences")
if (
    tuple(f.name for f in dataclasses.fields(Record)) != _RECORD_FIELDS
    or tuple(f.name for f in dataclasses.fields(Rule)) != _RULE_FIELDS
):  # pragma: no cover
    raise ImportError("aioptout.parse record and rule factories are out of date with model.py")
(
    _set_record_line, _set_record_name, _set_record_value, _set_name_column, _set_value_column
) = (getattr(Record, name).__set__ for name in _RECORD_FIELDS)
_set_kind, _set_pattern, _set_rule_line, _set_raw, _set_preferences = (
    getattr(Rule, name).__set__ for name in _RULE_FIELDS
)
_new = object.__new__


def _record(line: int, name: str, value: str, name_column: int, value_column: int) -> Record:
    """``Record(line, name, value, name_column, value_column)``, faster."""
    record: Record = _new(Record)
    _set_record_line(record, line)
    _set_record_name(record, name)
    _set_record_value(record, value)
    _set_name_column(record, name_column)
    _set_value_column(record, value_column)
    return record


def _rule(
    kind: RuleKind, pattern: str, line: int, raw: str, preferences: dict[str, Value] | None
) -> Rule:
    """``Rule(kind, pattern, line, raw, preferences)``, faster; None means a new empty dict."""
    rule: Rule = _new(Rule)
    _set_kind(rule, kind)
    _set_pattern(rule, pattern)
    _set_rule_line(rule, line)
    _set_raw(rule, raw)
    _set_preferences(rule, {} if preferences is None else preferences)
    return rule


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
    match = _line_re().fullmatch(text)  # as split_line does
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
    records: list[Record] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    group_line: int = 0
    crawl_lines: list[int] = field(default_factory=list)
    in_rules: bool = False
    seen_group: bool = False
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    sitemaps: list[str] = field(default_factory=list)
    first_record: str | None = None

    def close_group(self) -> None:
        if self.agents:
            self.groups.append(
                Group(
                    tuple(self.agents), tuple(self.rules), self.group_line, tuple(self.crawl_lines)
                )
            )
        self.agents = []
        self.rules = []
        self.crawl_lines = []
        self.in_rules = False


def _pref_diagnostics(state: _State, line: int, column: int, problems: list[Problem]) -> None:
    for problem in problems:
        code = _PREF_PROBLEM_CODES.get(problem.kind)
        if code is not None:
            start = column + problem.offset
            message = problem.message
            if not (problem.label and message.startswith(problem.label)):
                message = message[:1].upper() + message[1:]  # a label keeps its case
            state.diagnostics.add(
                code.at(line, start, start + max(1, problem.length), message=message)
            )


def _parse_date(value: str) -> _dt.datetime | None:
    if _value_re("FULL_DATE").fullmatch(value):
        try:
            day = _dt.date.fromisoformat(value)
        except ValueError:
            return None
        return _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC)
    if _value_re("DATE_TIME").fullmatch(value):
        try:
            parsed = _dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed.astimezone(_dt.UTC)
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
        state.diagnostics.add(code.at(line, 1, end))
        return
    if state.seen_group:
        state.diagnostics.add(D.FIELD_IN_GROUP.at(line, 1, end))
    if name == "aioptout-version":
        if state.first_record != "aioptout-version":
            state.diagnostics.add(D.VERSION_NOT_FIRST.at(line, 1, end))
        if not _value_re("VERSION").fullmatch(value) or value.split(".")[0] != SUPPORTED_MAJOR:
            state.diagnostics.add(D.BAD_VERSION.at(line, col, end))
    elif name in ("issued", "expires"):
        if _parse_date(value) is None:
            state.diagnostics.add(D.BAD_DATE.at(line, col, end))
            return
    elif name == "contact":
        if not _is_uri(value, frozenset({"mailto", "https", "http"}), need_host=True):
            state.diagnostics.add(D.BAD_CONTACT.at(line, col, end))
            return
    elif name == "licensing":
        if not _is_uri(value, frozenset({"https", "http"}), need_host=True):
            state.diagnostics.add(D.BAD_LICENSING.at(line, col, end))
            return
    elif name == "legal-basis":
        known = value.lower() in LEGAL_BASES
        if not known and not _is_uri(value, frozenset({"https", "http"}), need_host=True):
            state.diagnostics.add(D.UNKNOWN_LEGAL_BASIS.at(line, col, end))
    state.fields[name] = (value, line)


def _agent(state: _State, value: str, line: int, col: int) -> None:
    if state.in_rules:
        state.close_group()
    if not state.agents:
        state.group_line = line
    state.seen_group = True
    token = value
    if value != "*" and not _value_re("PRODUCT_TOKEN").fullmatch(value):
        state.diagnostics.add(D.BAD_PRODUCT_TOKEN.at(line, col, col + max(1, len(value))))
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
        state.diagnostics.add(D.BAD_PATH.at(line, col, end))
        return
    if value[0] == "*":
        state.diagnostics.add(D.STAR_PATH.at(line, col, col + 1))
    if "$" in value or " " in value or "\t" in value:
        _path_warnings(state, value, line, col)
    state.rules.append(_rule(kind, normalize_pattern(value), line, value, None))


def _path_warnings(state: _State, value: str, line: int, col: int) -> None:
    if "$" not in value and " " not in value and "\t" not in value:
        return
    dollar = value.find("$")
    if 0 <= dollar < len(value) - 1:
        state.diagnostics.add(D.DOLLAR_INSIDE.at(line, col + dollar, col + dollar + 1))
    if " " not in value and "\t" not in value:
        return
    for match in re.finditer(r"[ \t]+", value):
        state.diagnostics.add(
            D.WHITESPACE_IN_PATH.at(line, col + match.start(), col + match.end())
        )
        break


def _content_usage(state: _State, value: str, line: int, col: int) -> None:
    state.in_rules = True
    path, prefs, problems = parse_usage_rule(value)
    if path is not None:
        _path_warnings(state, path, line, col)
        if len(path) == len(value.rstrip(_WS)):
            state.diagnostics.add(
                D.BAD_USAGE_DICT.at(
                    line,
                    col,
                    col + len(value),
                    message="Content-Usage path has no preference after it",
                )
            )
    _pref_diagnostics(state, line, col, problems)
    pattern = normalize_pattern(path if path is not None else "/")
    state.rules.append(_rule(RuleKind.CONTENT_USAGE, pattern, line, value, prefs))


def _work_usage(state: _State, value: str, line: int, col: int) -> None:
    state.in_rules = True
    cut = min((i for i in (value.find(" "), value.find("\t")) if i >= 0), default=-1)
    if cut < 0:
        state.diagnostics.add(D.BAD_WORK_RULE.at(line, col, col + max(1, len(value))))
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
        state.diagnostics.add(code.at(line, start, col + len(pattern_text)))
        fatal = fatal or problem.kind in _FATAL_ID_PROBLEMS
    if pattern is None or fatal:
        return
    prefs, pref_problems = parse_preferences(pref_text)
    _pref_diagnostics(state, line, pref_col, pref_problems)
    canonical = f"{pattern.scheme}:{pattern.prefix}{'' if pattern.exact else '*'}"
    state.rules.append(_rule(RuleKind.WORK_USAGE, canonical, line, value, prefs))


def parse(data: bytes | str, *, source: str | None = None) -> Declaration:
    """Parse a declaration.  Never raises on bad input; problems become diagnostics."""
    decoded = decode(data)
    state = _State(decoded.report)
    # Real files repeat lines ("Disallow: /" in every group); split each distinct line once.
    splits: dict[str, _Split] = {}
    add_record = state.records.append
    for index, text in enumerate(decoded.lines):
        if not text:
            continue  # the grammar's line rule accepts the empty line: nothing to do
        split = splits.get(text)
        if split is None:
            split = splits[text] = _split(text)
        number = index + 1
        if isinstance(split, str):
            if split is _REJECTED and state.diagnostics.wanted(D.NOT_A_RECORD.code):
                column = _lark_error_column(text)
                state.diagnostics.out.append(D.NOT_A_RECORD.at(number, column, len(text) + 1))
            continue
        name_col, raw_name, value, col, name = split
        add_record(_record(number, raw_name, value, name_col, col))
        if name is None:
            key = raw_name.lower()
            name = MISSPELLINGS.get(key)
            if name is None:
                state.diagnostics.add(
                    D.UNKNOWN_FIELD.at(number, name_col, name_col + len(raw_name))
                )
                continue
            state.diagnostics.add(
                D.MISSPELLED_FIELD.at(
                    number,
                    name_col,
                    name_col + len(raw_name),
                    message=f"Misspelled field name accepted as {_canonical_title(name)}",
                )
            )
        if state.first_record is None:
            state.first_record = name
        if name in RULE_FIELDS and not state.agents:
            state.diagnostics.add(D.RULE_OUTSIDE_GROUP.at(number, name_col, col))
            continue
        if not value and name not in ("allow", "disallow"):
            state.diagnostics.add(D.EMPTY_VALUE.at(number, name_col, col))
            continue
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
            state.diagnostics.add(D.FOREIGN_SIGNAL.at(number, name_col, col + len(value)))
        # crawl-delay is recognised and has no effect on decisions (spec §4.3)
    state.close_group()

    if "aioptout-version" not in state.fields:
        state.diagnostics.add(D.NO_VERSION.at(1, 1))

    def text_field(name: str) -> str | None:
        entry = state.fields.get(name)
        return entry[0] if entry else None

    issued = text_field("issued")
    expires = text_field("expires")
    return Declaration(
        version=text_field("aioptout-version"),
        groups=tuple(state.groups),
        records=tuple(state.records),
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


def _canonical_title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-")).replace("Aioptout", "AIOptOut")


def _ordered(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.line, d.column, d.code))
