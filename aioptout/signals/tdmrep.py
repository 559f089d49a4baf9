"""W3C TDMRep (TDM Reservation Protocol, CG final report): the file, headers, HTML meta, policies.

TDMRep speaks about all text and data mining (EU DSM Art. 4), so ``tdm-reservation: 1`` maps to
``tdm`` disallowed and ``0`` to ``tdm`` allowed; every narrower label inherits it (spec §8, R-8-2).
Unlike aipref, TDMRep resolves by position: in ``tdmrep.json`` the first matching entry wins, and
across techniques a later one (header, then HTML meta, then embedded metadata) supersedes an
earlier one without ever resetting a value it does not state.  :func:`layer` implements that.

Diagnostics carry JSON positions; the ``json`` module only reports where a syntax error is, so
entries and members are located by walking the validated text with ``raw_decode``.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, ClassVar, Final
from urllib.parse import urlsplit

from .. import _json, _mechanisms
from .. import diagnostics as D
from .._match import compile_pattern, normalize_path, normalize_pattern
from .._prefixes import PrefixIndex
from .._wellknown import TDMREP_PATH
from ..model import Diagnostic, Statement
from .mapping import lookup

MECHANISM: Final = _mechanisms.TDMREP
WELL_KNOWN_PATH: Final = TDMREP_PATH
#: Bytes of a tdmrep.json or TDM Policy that are read; real files are a few hundred bytes.
MAX_TDMREP_BYTES: Final = 512 * 1024

_RESERVATION: Final = "tdm-reservation"
_POLICY: Final = "tdm-policy"
_LOCATION: Final = "location"
_MEMBERS: Final = frozenset({_LOCATION, _RESERVATION, _POLICY})
#: Processing order of the techniques (TDMRep §Processing priority): later supersedes earlier.
_TECHNIQUE_RANK: Final[Mapping[str, int]] = {"file": 0, "header": 1, "meta": 2, "embedded": 3}

_FILE = "TDMRep §tdmrep.json"
NOT_UTF8 = D.define("TDM101", "MUST", "RFC 8259 §8.1", "tdmrep.json is not valid UTF-8")
NOT_JSON = D.define("TDM102", "MUST", _FILE, "tdmrep.json is not valid JSON; no rules apply")
NOT_ARRAY = D.define("TDM103", "MUST", _FILE, "tdmrep.json must be a JSON array; no rules apply",
                     "wrap the rule in brackets: [ {\"location\": \"/\", \"tdm-reservation\": 1} ]")
NOT_OBJECT = D.define("TDM104", "MUST", _FILE, "Array element is not an object; it is ignored")
NO_LOCATION = D.define("TDM105", "MUST", _FILE, "Rule has no location; it is ignored")
BAD_LOCATION = D.define("TDM106", "MUST", _FILE,
                        "location is not a path pattern starting with '/'; the rule is ignored")
NO_RESERVATION = D.define("TDM107", "MUST", _FILE,
                          "Rule has no tdm-reservation; it matches but leaves the value unset")
BAD_RESERVATION = D.define("TDM108", "MUST", "TDMRep §tdm-reservation",
                           "tdm-reservation is not the number 1 or 0; treated as unset",
                           "write the JSON number 1 (reserved) or 0 (not reserved), not a string")
MISSPELLED_MEMBER = D.define("TDM109", "MUST", _FILE, "Misspelled member name; it is ignored",
                             "the members are location, tdm-reservation and tdm-policy")
UNKNOWN_MEMBER = D.define("TDM110", "NOTE", _FILE, "Unknown member is ignored")
SHADOWED = D.define("TDM111", "SHOULD", _FILE,
                    "Rule never applies: an earlier, broader rule matches every path it matches",
                    "the first matching rule wins; list more specific locations first")
BAD_POLICY = D.define("TDM112", "MUST", "TDMRep §tdm-policy",
                      "tdm-policy is not an absolute http(s) URL; it is ignored")
POLICY_IGNORED = D.define("TDM113", "NOTE", "TDMRep §tdm-policy",
                          "tdm-policy with tdm-reservation 0 is not processed")
DUPLICATE_MEMBER = D.define("TDM114", "SHOULD NOT", "RFC 8259 §4",
                            "Member appears twice in one rule; the last one is used")
EMPTY_FILE = D.define("TDM115", "NOTE", _FILE, "tdmrep.json has no rules")
TRUNCATED = D.define("TDM116", "SHOULD", _FILE, "tdmrep.json is larger than the read limit")
BOM = D.define("TDM117", "MUST NOT", "RFC 8259 §8.1", "tdmrep.json starts with a byte order mark")
# Headers and HTML meta
BAD_HEADER = D.define("TDM120", "MUST", "TDMRep §HTTP headers",
                      "tdm-reservation header is not 1 or 0; treated as unset")
BAD_META = D.define("TDM121", "MUST", "TDMRep §HTML meta",
                    "tdm-reservation meta content is not 1 or 0; treated as unset")
CONFLICTING_META = D.define("TDM122", "SHOULD NOT", "TDMRep §HTML meta",
                            "Repeated TDMRep meta tag with another value; the later one is used")
REPEATED_HEADER = D.define("TDM123", "SHOULD NOT", "RFC 9110 §5.3",
                           "TDMRep header field repeated; identical values are accepted")
# TDM Policy (ODRL profile)
_POL = "TDMRep §TDM Policy"
POLICY_NOT_JSON = D.define("TDM130", "MUST", _POL, "TDM Policy is not valid JSON")
POLICY_TRAILING_COMMA = D.define("TDM131", "MUST", "RFC 8259 §2",
                                 "Trailing comma in TDM Policy; read as if absent")
POLICY_CONTEXT = D.define("TDM132", "MUST", _POL,
                          "@context must be the array of the ODRL and TDMRep contexts")
POLICY_TYPE = D.define("TDM133", "MUST", _POL, "@type must be \"Offer\"")
POLICY_PROFILE = D.define("TDM134", "MUST", _POL, "profile must be \"http://www.w3.org/ns/tdmrep\"")
POLICY_UID = D.define("TDM135", "MUST", _POL, "uid must be a URI identifying the policy")
POLICY_ASSIGNER = D.define("TDM136", "MUST", _POL, "Policy needs exactly one assigner object")
POLICY_PERMISSION = D.define("TDM137", "MUST", _POL,
                             "permission must be a non-empty array of permission objects")
POLICY_ACTION = D.define("TDM138", "MUST", _POL, "Permission action must be tdm:mine")
POLICY_DUTY_OR_PROHIBITION = D.define("TDM139", "SHOULD NOT", _POL,
                                      "Policy contains an obligation or prohibition")
POLICY_NOT_OBJECT = D.define("TDM140", "MUST", _POL, "TDM Policy is not a JSON object")

_POLICY_CONTEXT: Final = ("http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld")
_POLICY_PROFILE: Final = "http://www.w3.org/ns/tdmrep"
_MINE_ACTIONS: Final = frozenset({"tdm:mine", "http://www.w3.org/ns/tdmrep#mine"})


# --- JSON positions ---------------------------------------------------------------------------

_JSON_WS: Final = " \t\n\r"
_DECODER: Final = json.JSONDecoder()


class _Positions:
    """Offsets → 1-based (line, column), counting LF like the json module does."""

    def __init__(self, text: str) -> None:
        self._starts = [0]
        self._starts.extend(i + 1 for i, ch in enumerate(text) if ch == "\n")

    def at(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1


@dataclass(frozen=True, slots=True)
class _Member:
    key: str
    key_offset: int
    value: Any
    value_offset: int
    end: int


def _skip_ws(text: str, i: int) -> int:
    while i < len(text) and text[i] in _JSON_WS:
        i += 1
    return i


def _array_items(text: str, start: int) -> list[tuple[int, Any]]:
    """(offset, value) of each element of the well-formed array opening at ``start``."""
    items: list[tuple[int, Any]] = []
    i = _skip_ws(text, start + 1)
    while i < len(text) and text[i] != "]":
        value, end = _DECODER.raw_decode(text, i)
        items.append((i, value))
        i = _skip_ws(text, end)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
    return items


def _object_members(text: str, start: int) -> list[_Member]:
    """Members of the well-formed object opening at ``start``, duplicates included."""
    members: list[_Member] = []
    i = _skip_ws(text, start + 1)
    while i < len(text) and text[i] != "}":
        key, end = _DECODER.raw_decode(text, i)
        colon = _skip_ws(text, end)
        value_at = _skip_ws(text, colon + 1)
        value, value_end = _DECODER.raw_decode(text, value_at)
        members.append(_Member(str(key), i, value, value_at, value_end))
        i = _skip_ws(text, value_end)
        if i < len(text) and text[i] == ",":
            i = _skip_ws(text, i + 1)
    return members


def _decode(data: bytes | str, diagnostics: list[Diagnostic], bad_utf8: D.Code) -> str:
    if isinstance(data, str):
        text = data
    else:
        if len(data) > MAX_TDMREP_BYTES:
            diagnostics.append(TRUNCATED.at(1))
            data = data[:MAX_TDMREP_BYTES]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            diagnostics.append(bad_utf8.at(line))
            text = data.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        diagnostics.append(BOM.at(1))
        text = " " + text[1:]  # keep columns; JSON whitespace
    return text


def _is_http_url(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _reservation(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value in (0, 1) else None


def _compact(members: Iterable[_Member]) -> str:
    return json.dumps({m.key: m.value for m in members}, ensure_ascii=False)


# --- The file -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TdmRule:
    """One entry of tdmrep.json; ``reservation`` None means unset (absent or invalid)."""

    location: str
    reservation: int | None
    policy: str | None
    line: int
    column: int
    raw: str

    def matches(self, target: str) -> bool:
        return compile_pattern(self.location).matches(normalize_path(target))


@dataclass(frozen=True, slots=True)
class TdmValues:
    """The reservation and policy one technique states for one resource, and where."""

    reservation: int | None
    policy: str | None
    technique: str
    line: int | None = None
    raw: str | None = None
    location: str | None = None


def _statements(values: TdmValues, source: str | None) -> list[Statement]:
    if values.reservation is None:
        return []
    where = f"tdmrep.json location {values.location!r}" if values.location else values.technique
    reason = f"TDMRep tdm-reservation {values.reservation} ({where})"
    if values.reservation == 1 and values.policy:
        reason += f"; TDM policy {values.policy}"
    return [
        Statement(MECHANISM, usage, value, reason, source, values.line, values.raw)
        for usage, value in lookup(MECHANISM, f"tdm-reservation: {values.reservation}")
    ]


@dataclass(frozen=True, slots=True)
class TdmRepFile:
    """A parsed ``/.well-known/tdmrep.json``: its rules in array order, and every finding."""

    rules: tuple[TdmRule, ...]
    diagnostics: tuple[Diagnostic, ...]
    source: str | None = None
    mechanism: ClassVar[str] = MECHANISM

    def match(self, target: str) -> TdmRule | None:
        """The first rule whose location matches: TDMRep's "most specific match"."""
        path = normalize_path(target)
        for rule in self.rules:
            if compile_pattern(rule.location).matches(path):
                return rule
        return None

    def values(self, target: str) -> TdmValues | None:
        rule = self.match(target)
        if rule is None:
            return None
        return TdmValues(rule.reservation, rule.policy, "file", rule.line, rule.raw, rule.location)

    def statements(self, agent: str, target: str) -> list[Statement]:
        values = self.values(target)
        return [] if values is None else _statements(values, self.source)


def parse_file(data: bytes | str, *, source: str | None = None) -> TdmRepFile:
    """Read tdmrep.json leniently: every well-formed rule is kept, every problem reported."""
    diagnostics: list[Diagnostic] = []
    text = _decode(data, diagnostics, NOT_UTF8)
    pos = _Positions(text)
    try:
        document = _json.loads(text)
    except _json.JsonError as exc:
        diagnostics.append(exc.diagnostic(NOT_JSON))
        return TdmRepFile((), tuple(D.capped(diagnostics)), source)
    start = _skip_ws(text, 0)
    if not isinstance(document, list):
        diagnostics.append(NOT_ARRAY.at(*pos.at(start)))
        if isinstance(document, dict):
            _member_names(text, start, pos, diagnostics)
        return TdmRepFile((), tuple(D.capped(diagnostics)), source)
    rules: list[TdmRule] = []
    for offset, item in _array_items(text, start):
        line, column = pos.at(offset)
        if not isinstance(item, dict):
            diagnostics.append(NOT_OBJECT.at(line, column))
            continue
        rule = _rule(text, offset, pos, diagnostics)
        if rule is not None:
            rules.append(rule)
    if not rules and not any(d.code == NOT_OBJECT.code for d in diagnostics):
        diagnostics.append(EMPTY_FILE.at(*pos.at(start)))
    _shadowing(rules, diagnostics)
    return TdmRepFile(tuple(rules), tuple(D.capped(diagnostics)), source)


def _member_names(
    text: str, start: int, pos: _Positions, diagnostics: list[Diagnostic]
) -> dict[str, _Member]:
    """Members by name, last duplicate winning, with name diagnostics."""
    found: dict[str, _Member] = {}
    for member in _object_members(text, start):
        line, column = pos.at(member.key_offset)
        end = column + len(json.dumps(member.key, ensure_ascii=False))
        if member.key in found:
            diagnostics.append(DUPLICATE_MEMBER.at(line, column, end))
        if member.key in _MEMBERS:
            found[member.key] = member
        elif member.key.lower().replace("_", "-") in _MEMBERS or member.key.lower() in (
            "tdmreservation", "tdmpolicy"
        ):
            diagnostics.append(MISSPELLED_MEMBER.at(line, column, end))
        else:
            diagnostics.append(UNKNOWN_MEMBER.at(line, column, end))
    return found


def _rule(text: str, offset: int, pos: _Positions, diagnostics: list[Diagnostic]) -> TdmRule | None:
    members = _member_names(text, offset, pos, diagnostics)
    line, column = pos.at(offset)
    location = members.get(_LOCATION)
    if location is None:
        diagnostics.append(NO_LOCATION.at(line, column))
        return None
    value = location.value
    if not isinstance(value, str) or not value.startswith(("/", "*")):
        diagnostics.append(BAD_LOCATION.at(*_value_span(location, pos)))
        return None
    reservation: int | None = None
    entry = members.get(_RESERVATION)
    if entry is None:
        diagnostics.append(NO_RESERVATION.at(line, column))
    else:
        reservation = _reservation(entry.value)
        if reservation is None:
            diagnostics.append(BAD_RESERVATION.at(*_value_span(entry, pos)))
    policy: str | None = None
    entry = members.get(_POLICY)
    if entry is not None:
        if not _is_http_url(entry.value):
            diagnostics.append(BAD_POLICY.at(*_value_span(entry, pos)))
        elif reservation == 0:
            diagnostics.append(POLICY_IGNORED.at(*_value_span(entry, pos)))
        else:
            policy = str(entry.value).strip()
    return TdmRule(value, reservation, policy, line, column, _compact(members.values()))


def _value_span(member: _Member, pos: _Positions) -> tuple[int, int, int]:
    line, column = pos.at(member.value_offset)
    end_line, end_column = pos.at(member.end)
    return line, column, end_column if end_line == line else column + 1


def _literal_prefix(pattern: str) -> tuple[str, bool]:
    """The text before the first wildcard, and whether the pattern is that prefix alone."""
    stripped = pattern.rstrip("*")
    cut = min((i for i in (stripped.find("*"), stripped.find("$")) if i >= 0), default=-1)
    if cut < 0:
        return stripped, True
    return stripped[:cut], False


def _shadowing(rules: list[TdmRule], diagnostics: list[Diagnostic]) -> None:
    """Flag a rule every path of which an earlier prefix-only rule already matches.

    Sound, not complete: only earlier rules that are a plain prefix (optionally ending in ``*``)
    are considered, so a warning is never wrong but some shadowing goes unreported.

    Linear in the total length of the locations: a plain prefix that is itself shadowed is not
    kept, since its shadowing rule is earlier and matches more.  Among the kept prefixes of a
    location a shorter one is therefore always the later one, so the earliest rule that shadows
    a location is its longest kept prefix.
    """
    kept: PrefixIndex[TdmRule] = PrefixIndex()
    for rule in rules:
        literal, plain = _literal_prefix(normalize_pattern(rule.location))
        found = kept.longest(literal)
        if found is not None:
            earlier = found[1]
            diagnostics.append(SHADOWED.at(
                rule.line, rule.column,
                message=f"Rule never applies: the rule on line {earlier.line} "
                f"(location {earlier.location!r}) matches every path it matches",
            ))
        elif plain:
            kept.add(literal, rule)


# --- Headers and HTML meta ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TdmRepValues:
    """TDMRep properties stated by one technique for one resource: headers, meta or metadata.

    ``line`` counts header fields in order for headers; it is the source line for HTML.
    """

    technique: str
    reservation: int | None
    policy: str | None
    diagnostics: tuple[Diagnostic, ...]
    source: str | None = None
    line: int | None = None
    raw: str | None = None
    mechanism: ClassVar[str] = MECHANISM

    def values(self, target: str) -> TdmValues:
        return TdmValues(self.reservation, self.policy, self.technique, self.line, self.raw)

    def statements(self, agent: str, target: str) -> list[Statement]:
        return _statements(self.values(target), self.source)


def _header_items(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    if isinstance(headers, Mapping):
        return [(str(k), str(v)) for k, v in headers.items()]
    return [(str(k), str(v)) for k, v in headers]


def from_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], *, source: str | None = None
) -> TdmRepValues:
    """The ``tdm-reservation`` and ``tdm-policy`` response fields; names are case-insensitive."""
    diagnostics: list[Diagnostic] = []
    # Per field: the line of its last field line, and its values; repeats of a lone value are
    # reported and dropped.  Joined once at the end, so that many field lines stay linear.
    lines: dict[str, tuple[int, list[str]]] = {}
    for index, (name, value) in enumerate(_header_items(headers), start=1):
        key = name.strip().lower()
        if key not in (_RESERVATION, _POLICY):
            continue
        value = value.strip()
        seen = lines.get(key)
        if seen is None:
            lines[key] = (index, [value])
            continue
        parts = seen[1]
        if len(parts) == 1 and parts[0] == value:
            diagnostics.append(REPEATED_HEADER.at(index))
        else:
            parts.append(value)
        lines[key] = (index, parts)
    # Field lines combine with commas (RFC 9110 §5.3): "1, 0" is not a valid value.
    found = {key: (index, ", ".join(parts)) for key, (index, parts) in lines.items()}
    reservation: int | None = None
    line: int | None = None
    raw: list[str] = []
    if _RESERVATION in found:
        line, value = found[_RESERVATION]
        raw.append(f"tdm-reservation: {value}")
        if value in ("0", "1"):
            reservation = int(value)
        else:
            diagnostics.append(BAD_HEADER.at(line, 1, len(_RESERVATION) + 3 + len(value)))
    policy = _policy_value(found.get(_POLICY), reservation, diagnostics, raw)
    return TdmRepValues("header", reservation, policy, tuple(D.capped(diagnostics)), source, line,
                        "\n".join(raw) or None)


def _policy_value(
    found: tuple[int, str] | None,
    reservation: int | None,
    diagnostics: list[Diagnostic],
    raw: list[str],
    column: int = 1,
) -> str | None:
    if found is None:
        return None
    line, value = found
    raw.append(f"tdm-policy: {value}")
    if not _is_http_url(value):
        diagnostics.append(BAD_POLICY.at(line, column))
        return None
    if reservation == 0:
        diagnostics.append(POLICY_IGNORED.at(line, column))
        return None
    return value


class _MetaCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, int, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        name = values.get("name", "").strip().lower()
        if name in (_RESERVATION, _POLICY):
            line, offset = self.getpos()
            self.found.append((name, values.get("content", "").strip(), line, offset + 1))

    handle_startendtag = handle_starttag


def from_html(html: str | bytes, *, source: str | None = None) -> TdmRepValues:
    """``<meta name="tdm-reservation">`` and ``<meta name="tdm-policy">``; later tags win."""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    collector = _MetaCollector()
    collector.feed(text)
    collector.close()
    diagnostics: list[Diagnostic] = []
    latest: dict[str, tuple[str, int, int]] = {}
    for name, content, line, column in collector.found:
        previous = latest.get(name)
        if previous is not None and previous[0] != content:
            diagnostics.append(CONFLICTING_META.at(line, column))
        latest[name] = (content, line, column)
    reservation: int | None = None
    line_no: int | None = None
    raw: list[str] = []
    if _RESERVATION in latest:
        content, line_no, column = latest[_RESERVATION]
        raw.append(f'<meta name="tdm-reservation" content="{content}">')
        if content in ("0", "1"):
            reservation = int(content)
        else:
            diagnostics.append(BAD_META.at(line_no, column))
    policy: str | None = None
    if _POLICY in latest:
        content, pline, pcolumn = latest[_POLICY]
        policy = _policy_value((pline, content), reservation, diagnostics, [], pcolumn)
        raw.append(f'<meta name="tdm-policy" content="{content}">')
    return TdmRepValues("meta", reservation, policy, tuple(D.capped(diagnostics)), source, line_no,
                        "\n".join(raw) or None)


# --- Layering ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TdmRepLayers:
    """Several TDMRep techniques for one resource, applied in TDMRep's processing order."""

    layers: tuple[TdmRepFile | TdmRepValues, ...]
    source: str | None = None
    mechanism: ClassVar[str] = MECHANISM

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(d for layer in self.layers for d in layer.diagnostics)

    def values(self, target: str) -> TdmValues | None:
        """Each later technique overrides what it states; what it does not state is kept."""
        resolved = self._resolve(target)
        return None if resolved is None else resolved[0]

    def _resolve(self, target: str) -> tuple[TdmValues, str | None] | None:
        reservation: int | None = None
        policy: str | None = None
        decided: tuple[TdmValues, str | None] | None = None
        for signal in self.layers:
            values = signal.values(target)
            if values is None:
                continue
            if values.reservation is not None:
                reservation, decided = values.reservation, (values, signal.source)
            if values.policy is not None:
                policy = values.policy
        if decided is None:
            return None
        values, source = decided
        merged = TdmValues(reservation, policy, values.technique, values.line, values.raw,
                           values.location)
        return merged, source

    def statements(self, agent: str, target: str) -> list[Statement]:
        resolved = self._resolve(target)
        if resolved is None:
            return []
        return _statements(resolved[0], resolved[1] or self.source)


def layer(*signals: TdmRepFile | TdmRepValues, source: str | None = None) -> TdmRepLayers:
    """Combine techniques by TDMRep's priority: file, then header, then HTML meta, then metadata.

    The order of the arguments only matters between signals of the same technique.
    """
    def rank(signal: TdmRepFile | TdmRepValues) -> int:
        return 0 if isinstance(signal, TdmRepFile) else _TECHNIQUE_RANK.get(signal.technique, 3)

    return TdmRepLayers(tuple(sorted(signals, key=rank)), source)


# --- TDM Policy --------------------------------------------------------------------------------


def _strip_trailing_commas(text: str) -> tuple[str, list[int]]:
    """Blank out commas that only whitespace separates from a closing bracket, outside strings."""
    chars = list(text)
    offsets: list[int] = []
    in_string = escaped = False
    pending: int | None = None
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string, pending = True, None
        elif ch == ",":
            pending = i
        elif ch in "}]":
            if pending is not None:
                chars[pending] = " "
                offsets.append(pending)
            pending = None
        elif ch not in _JSON_WS:
            pending = None
    return "".join(chars), offsets


def check_policy(data: bytes | str) -> list[Diagnostic]:
    """Shape check of a machine-readable TDM Policy (the ODRL 2.2 profile of TDMRep).

    Trailing commas, which the specification's own example contains, are reported and then
    read as if absent so that the rest of the policy is still checked.
    """
    diagnostics: list[Diagnostic] = []
    text = _decode(data, diagnostics, POLICY_NOT_JSON)
    pos = _Positions(text)
    try:
        document = _json.loads(text)
    except _json.JsonError as exc:
        if exc.code is not None:
            diagnostics.append(exc.diagnostic(POLICY_NOT_JSON))
            return diagnostics
        fixed, commas = _strip_trailing_commas(text)
        try:
            document = _json.loads(fixed)
        except _json.JsonError as again:
            diagnostics.append((exc if again.code is None else again).diagnostic(POLICY_NOT_JSON))
            return diagnostics
        diagnostics.extend(POLICY_TRAILING_COMMA.at(*pos.at(offset)) for offset in commas)
        text = fixed
    start = _skip_ws(text, 0)
    if not isinstance(document, dict):
        diagnostics.append(POLICY_NOT_OBJECT.at(*pos.at(start)))
        return diagnostics
    members = {m.key: m for m in _object_members(text, start)}

    def at_member(key: str, code: D.Code) -> None:
        member = members.get(key)
        if member is None:
            diagnostics.append(code.at(*pos.at(start), message=f"{code.title}: {key} is missing"))
        else:
            diagnostics.append(code.at(*_value_span(member, pos)))

    context = document.get("@context")
    if not (isinstance(context, list) and tuple(context) == _POLICY_CONTEXT):
        at_member("@context", POLICY_CONTEXT)
    if document.get("@type") != "Offer":
        at_member("@type", POLICY_TYPE)
    if document.get("profile") != _POLICY_PROFILE:
        at_member("profile", POLICY_PROFILE)
    uid = document.get("uid")
    if not (isinstance(uid, str) and ":" in uid and not any(c.isspace() for c in uid)):
        at_member("uid", POLICY_UID)
    assigner = document.get("assigner")
    if isinstance(assigner, list) and len(assigner) == 1:
        assigner = assigner[0]
    if not isinstance(assigner, dict):
        at_member("assigner", POLICY_ASSIGNER)
    _check_permissions(document.get("permission"), members.get("permission"), text, pos,
                       diagnostics, start)
    for key in ("obligation", "prohibition"):
        if key in members:
            line, column = pos.at(members[key].key_offset)
            diagnostics.append(POLICY_DUTY_OR_PROHIBITION.at(line, column, column + len(key) + 2))
    return D.capped(diagnostics)


def _check_permissions(
    permissions: object,
    member: _Member | None,
    text: str,
    pos: _Positions,
    diagnostics: list[Diagnostic],
    start: int,
) -> None:
    if member is None or not isinstance(permissions, list) or not permissions:
        where = pos.at(start) if member is None else pos.at(member.value_offset)
        diagnostics.append(POLICY_PERMISSION.at(*where))
        return
    for offset, permission in _array_items(text, member.value_offset):
        if not isinstance(permission, dict):
            diagnostics.append(POLICY_PERMISSION.at(*pos.at(offset)))
            continue
        action = permission.get("action")
        if action not in _MINE_ACTIONS:
            inner = {m.key: m for m in _object_members(text, offset)}
            target = inner.get("action")
            if target is None:
                diagnostics.append(POLICY_ACTION.at(*pos.at(offset)))
            else:
                diagnostics.append(POLICY_ACTION.at(*_value_span(target, pos)))
