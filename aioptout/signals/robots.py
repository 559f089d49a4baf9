"""robots.txt (RFC 9309) with Google's leniencies: parse once, decide many times, never raise.

Two readings are offered.  ``"google"`` (the default) follows Google's open-source parser, the
de-facto reference crawlers are judged against: misspelled and prefix-matched field names, a
missing colon, ``User-agent: * text`` as the global group, line truncation at 16,663 octets and
the ``index.html`` Allow rule; every leniency it accepts is reported as a diagnostic.
``"rfc9309"`` is the RFC read strictly.  docs/robots.md lists every difference, and every place
where this module deliberately disagrees with Google's library.

Parsing only splits lines and sorts them into groups, kept as plain tuples: ``RobotsLine``,
``RobotsGroup`` and ``Diagnostic`` objects are built the first time ``groups`` or
``diagnostics`` is read.  Path patterns are normalised and sorted the first time an agent is
asked about, and the result is cached per product token.  Most lines are ``Field: value`` with a
known field name; the line loop reads those inline.  Lines no field name can start (HTML error
pages served as robots.txt) only yield a diagnostic, so past the per-code cap they are only
counted.  Every other line goes through the general reading, and tests prove the paths agree
(tests/test_perf_equivalence.py, tests/test_robots_fast_paths.py).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Final, Literal

from .. import _mechanisms as M
from .. import diagnostics as _diag
from .._limits import MAX_CRAWL_DELAY, MAX_FILE_BYTES, MAX_LINE_BYTES
from .._match import Pattern, RuleSet, agent_token, caller_key, compile_pattern, normalize_path
from .._wellknown import ROBOTS_PATH
from ..model import Diagnostic, Statement, Value

__all__ = [
    "RobotsGroup",
    "RobotsLine",
    "RobotsTxt",
    "RobotsVerdict",
    "product_token",
]

Semantics = Literal["google", "rfc9309"]

# --- Diagnostics ---------------------------------------------------------------------------
UNKNOWN_FIELD = _diag.define(
    "ROB101", "NOTE", "RFC 9309 §2.2.4", "Unknown field; crawlers may ignore the line")
MISSPELLED_FIELD = _diag.define(
    "ROB102", "SHOULD", "RFC 9309 §2.2 (field names); Google robots.cc kAllowFrequentTypos",
    "Misspelled or extended field name accepted", "write the field name exactly")
MISSING_COLON = _diag.define(
    "ROB103", "SHOULD", "RFC 9309 §2.2 (ABNF); Google robots.cc GetKeyAndValueFrom",
    "Missing ':' after the field name accepted", "write 'Field: value'; strict parsers drop it")
BAD_PRODUCT_TOKEN = _diag.define(
    "ROB104", "MUST", "RFC 9309 §2.2.1", "User-agent value is not a product token",
    "use only letters, digits, '-' and '_'; readers keep at most the leading run of them")
RULE_OUTSIDE_GROUP = _diag.define(
    "ROB105", "MUST", "RFC 9309 §2.2", "Rule before the first User-agent line is ignored",
    "put a 'User-agent: *' line above it")
BAD_PATTERN = _diag.define(
    "ROB106", "MUST", "RFC 9309 §2.2.2", "Path pattern starts with neither '/' nor '*'",
    "the rule never matches; start the pattern with '/'")
TOO_LARGE = _diag.define(
    "ROB107", "SHOULD NOT", "RFC 9309 §2.5", "File exceeds 512000 octets; the rest is ignored")
LINE_TRUNCATED = _diag.define(
    "ROB108", "SHOULD NOT", "Google robots.cc kMaxLineLen",
    "Line exceeds 16663 octets; Google reads only its start")
BOM = _diag.define(
    "ROB109", "SHOULD NOT", "RFC 9309 §2.2", "File starts with a byte order mark",
    "Protego, robotspy and urllib.robotparser then lose the first line")
RELATIVE_SITEMAP = _diag.define(
    "ROB110", "SHOULD", "sitemaps.org protocol (Sitemap in robots.txt)",
    "Sitemap URL is not absolute", "write the full https:// URL")
BAD_CRAWL_DELAY = _diag.define(
    "ROB111", "SHOULD", "Crawl-delay (non-standard, Bing/Yandex)",
    "Crawl-delay is not a non-negative number of seconds; it is ignored")
CRAWL_DELAY_CAPPED = _diag.define(
    "ROB120", "SHOULD NOT", "Crawl-delay (non-standard); aioptout spec §13",
    f"Crawl-delay asks for more than {MAX_CRAWL_DELAY:g} seconds; crawlers cap or skip it",
    "Apache Nutch skips pages asking over 30 s and aioptout waits at most "
    f"{MAX_CRAWL_DELAY:g} s (--max-crawl-delay); ask for less, or disallow what must not be "
    "crawled")
NOT_UTF8 = _diag.define(
    "ROB112", "MUST", "RFC 9309 §2.3", "Invalid UTF-8 byte sequence",
    "save the file as UTF-8; the bytes are kept as %XX escapes in paths")
MISGROUPED = _diag.define(
    "ROB113", "SHOULD", "draft-ietf-aipref-attach §3; RFC 9309 §2.2.1",
    "Usage line with no Allow/Disallow before the next User-agent line",
    "add 'Allow: /' to the group: legacy parsers merge it with the next group")
INDEX_HTML = _diag.define(
    "ROB114", "NOTE", "Google robots.cc HandleAllow",
    "Google also allows the directory of an Allow for index.htm(l)")
STAR_WITH_TEXT = _diag.define(
    "ROB115", "SHOULD", "RFC 9309 §2.2.1; Google robots.cc HandleUserAgent",
    "Text after '*' in User-agent accepted as the global group")
NOT_A_RECORD = _diag.define(
    "ROB116", "MUST", "RFC 9309 §2.2", "Line is not a 'Field: value' record; it is ignored")
DIGIT_IN_TOKEN = _diag.define(
    "ROB117", "NOTE", "RFC 9309 §2.2.1; Google robots.cc ExtractUserAgent",
    "Product token holds a digit; Google's parser keeps only what precedes it",
    "the group still applies to this token here; Google-based readers match the shorter name")
NUL_IN_LINE = _diag.define(
    "ROB118", "MUST", "RFC 9309 §2.2 (ABNF: no control characters); Google robots.cc",
    "NUL in a line; the line ends there, as in Google's parser",
    "remove the NUL and what follows it, or put the rest on a line of its own")

# --- Fields --------------------------------------------------------------------------------
USER_AGENT: Final = "user-agent"
ALLOW: Final = "allow"
DISALLOW: Final = "disallow"
SITEMAP: Final = "sitemap"
CRAWL_DELAY: Final = "crawl-delay"
CONTENT_USAGE: Final = "content-usage"
CONTENT_SIGNAL: Final = "content-signal"
#: RSL 1.0's licence association (read by signals/rsl.py; it never changes Allow/Disallow).
LICENSE: Final = "license"

_KNOWN: Final = frozenset(
    {USER_AGENT, ALLOW, DISALLOW, SITEMAP, CRAWL_DELAY, CONTENT_USAGE, CONTENT_SIGNAL, LICENSE}
)
#: Misspellings Google accepts (robots.cc), as data.
_TYPOS: Final = {
    "useragent": USER_AGENT,
    "user agent": USER_AGENT,
    "dissallow": DISALLOW,
    "dissalow": DISALLOW,
    "disalow": DISALLOW,
    "diasllow": DISALLOW,
    "disallaw": DISALLOW,
    "site-map": SITEMAP,
}
#: First letters of every known, misspelled and prefix-matched field name: other keys are
#: unknown fields without a look at the tables.
_FIELD_INITIALS: Final = frozenset("uadscl")
#: Google matches field names by prefix, in this order.
_PREFIXES: Final = (
    ("user-agent", USER_AGENT),
    ("useragent", USER_AGENT),
    ("user agent", USER_AGENT),
    ("allow", ALLOW),
    ("disallow", DISALLOW),
    ("dissallow", DISALLOW),
    ("dissalow", DISALLOW),
    ("disalow", DISALLOW),
    ("diasllow", DISALLOW),
    ("disallaw", DISALLOW),
    ("sitemap", SITEMAP),
    ("site-map", SITEMAP),
)
#: Fields that end a run of User-agent lines (RFC 9309 rules, and aipref's Content-Usage).
_CLOSES_GROUP: Final = frozenset({ALLOW, DISALLOW, CONTENT_USAGE})
_USAGE_FIELDS: Final = frozenset({CONTENT_USAGE, CONTENT_SIGNAL})
#: Group fields that mean nothing before the first User-agent line.
_GROUP_ONLY: Final = frozenset({ALLOW, DISALLOW, CONTENT_USAGE, CONTENT_SIGNAL, CRAWL_DELAY})

#: C isspace() minus the line terminators: what Google strips around keys and values.
_WS: Final = " \t\v\f"
_IDENTIFIER: Final = re.compile(r"[A-Za-z0-9_-]+\Z")
_DIGIT: Final = re.compile(r"[0-9]")
_DELAY: Final = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)\Z")
_SURROGATES: Final = re.compile("[\udc80-\udcff]+")
#: Octets of a line Google keeps: its buffer is MAX_LINE_BYTES including the final NUL.
_LINE_KEEP: Final = MAX_LINE_BYTES - 1
_BOM_BYTES: Final = b"\xef\xbb\xbf"
_ROBOTS_PATH: Final = ROBOTS_PATH
#: Distinct agent strings remembered per file; beyond this the product token is recomputed.
_MAX_CACHED_AGENTS: Final = 1024


def product_token(agent: str) -> str:
    """The token a ``User-agent`` value names: its leading run of ``[A-Za-z0-9_-]``.

    ``"GPTBot/1.1"`` → ``"GPTBot"``, ``"MJ12bot"`` → ``"MJ12bot"``.  This is the file side;
    what a caller's agent string selects is ``_match.caller_key`` (docs/robots.md, "Agents").
    """
    return agent_token(agent.strip(_WS))


@dataclass(frozen=True, slots=True)
class RobotsLine:
    """A ``Field: value`` line inside a group.

    ``field`` is the canonical lower-case name after typo mapping, or the lower-cased name as
    written; ``column`` is the 1-based column of the value.
    """

    line: int
    field: str
    value: str
    column: int
    raw_field: str


@dataclass(frozen=True, slots=True)
class RobotsGroup:
    """User-agent lines and every other line up to the next group (RFC 9309 §2.2.1)."""

    agents: tuple[str, ...]
    lines: tuple[RobotsLine, ...]
    line: int


@dataclass(frozen=True, slots=True)
class RobotsVerdict:
    """Allow/disallow for one URL, with the deciding line and pattern when a rule decided."""

    allowed: bool
    line: int | None
    pattern: str | None
    reason: str


_NO_RULE: Final = RobotsVerdict(True, None, None, "no rule matches")
_SELF: Final = RobotsVerdict(True, None, None, "/robots.txt is always allowed (RFC 9309 §2.2.2)")


class _AgentRules:
    """Merged Allow/Disallow rules of some groups, most specific first.

    Each rule's payload is its slot; verdicts are built the first time a rule decides, so
    compiling a large group stays cheap.
    """

    __slots__ = ("first", "specs", "verdicts")

    def __init__(self, rules: RuleSet[int], specs: list[tuple[bool, int, str]]) -> None:
        self.first = rules.first
        self.specs = specs
        self.verdicts: list[RobotsVerdict | None] = [None] * len(specs)

    def decide(self, path: str) -> RobotsVerdict:
        slot = self.first(path)
        if slot is None:
            return _NO_RULE
        return self.verdicts[slot] or self._verdict(slot)

    def _verdict(self, slot: int) -> RobotsVerdict:
        allow, line, text = self.specs[slot]
        verdict = RobotsVerdict(
            allow, line, text, f"{'Allow' if allow else 'Disallow'} at line {line} matches"
        )
        self.verdicts[slot] = verdict
        return verdict



#: A diagnostic as the parser keeps it: code, line, column, end column, message (None for the
#: code's title).  ``Diagnostic`` objects are built the first time ``diagnostics`` is read.
_Finding = tuple[_diag.Code, int, int, int, str | None]


def _position(finding: _Finding) -> tuple[int, int]:
    return finding[1], finding[2]


class _Sink:
    """Collects diagnostics, capping each code as ``diagnostics.Tally`` does (spec §11.3)."""

    __slots__ = ("counts", "items", "tally")

    def __init__(self) -> None:
        self.items: list[_Finding] = []
        self.tally = _diag.Tally()
        self.counts: dict[str, int] = self.tally.counts

    def add(
        self,
        code: _diag.Code,
        line: int,
        column: int,
        end_column: int,
        message: str | None = None,
    ) -> None:
        if self.wants(code):
            self.items.append((code, line, column, max(end_column, column + 1), message))

    def wants(self, code: _diag.Code) -> bool:
        """Count one finding; True while its position is still wanted (under the cap)."""
        return self.tally.wants(code.code)

    def put(self, code: _diag.Code, line: int, column: int, end_column: int) -> None:
        """Record a finding ``wants`` has already counted."""
        self.items.append((code, line, column, max(end_column, column + 1), None))

    def finish(self) -> tuple[_Finding, ...]:
        at = _diag.summaries((item[0].code for item in self.items), self.tally)
        for index, summary in at.items():
            code, line, column, end, _message = self.items[index]
            self.items[index] = (code, line, column, end, summary)
        self.items.sort(key=_position)
        return tuple(self.items)


def _valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(data: str | bytes) -> tuple[str, int, bool, int, bool]:
    """Text, columns taken by a leading BOM, truncated?, input size, invalid UTF-8 seen?"""
    if isinstance(data, str):
        if data.isascii() and len(data) <= MAX_FILE_BYTES:
            return data, 0, False, len(data), False
        text = data
        try:
            data = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # lone surrogates outside the escape range
            data = text.encode("utf-8", "surrogatepass")
    size = len(data)
    truncated = size > MAX_FILE_BYTES
    if truncated:
        data = data[:MAX_FILE_BYTES]
    skip = 0
    while skip < 3 and skip < len(data) and data[skip] == _BOM_BYTES[skip]:
        skip += 1
    if 0 < skip < 3 and _valid_utf8(data[:3]):
        skip = 0  # EF xx xx is a character (U+F000 …), not the remains of a BOM
    try:
        return data[skip:].decode("utf-8"), skip, truncated, size, False
    except UnicodeDecodeError as exc:
        if truncated and exc.reason == "unexpected end of data" and exc.end == len(data) - skip:
            data = data[: skip + exc.start]
        text = data[skip:].decode("utf-8", "surrogateescape")
        return text, skip, truncated, size, _SURROGATES.search(text) is not None


#: Line breaks ``str.splitlines`` knows besides CR, LF and CRLF.
_OTHER_BREAKS: Final = ("\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _lines(text: str) -> list[str]:
    """The lines of ``text``, split at CRLF, CR and LF (RFC 9309 §2.2).

    ``splitlines`` does that in one pass when the text holds none of the other breaks it knows;
    replacing CRLF first is several times slower on text beyond Latin-1.
    """
    if "\r" not in text:
        return text.split("\n")
    for other in _OTHER_BREAKS:
        if other in text:
            return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = text.splitlines()
    if text[-1] in "\r\n":
        lines.append("")  # split("\n") keeps the empty line after a final break
    return lines


@functools.lru_cache(maxsize=4096)
def _query_key(agent: str) -> str:
    """The lower-cased token an agent asked about is matched by, ``""`` for none (cached:
    crawlers and surveys ask about the same few agents over and over)."""
    return caller_key(agent)


@functools.lru_cache(maxsize=4096)
def _field_of(key: str, google: bool) -> tuple[str, bool]:
    """Canonical field for a lower-cased key, and whether a leniency was needed."""
    if key in _KNOWN:
        return key, False
    if google:
        typo = _TYPOS.get(key)
        if typo is not None:
            return typo, True
        for prefix, canonical in _PREFIXES:
            if key.startswith(prefix):
                return canonical, True
    return key, False


#: A line as the parser keeps it: (line, field, value, column, raw_field), the fields of a
#: ``RobotsLine``, which is only built when ``groups`` is asked for.
_RawLine = tuple[int, str, str, int, str]
#: A group as the parser keeps it: agents, their product-token keys, lines, first line.
_RawGroup = tuple[tuple[str, ...], tuple[str, ...], tuple[_RawLine, ...], int]


class RobotsTxt:
    """A parsed robots.txt: groups, sitemaps, diagnostics, and cached per-agent decisions."""

    mechanism: Final = M.ROBOTS
    __slots__ = (
        "_agent_cache",
        "_diagnostics",
        "_findings",
        "_group_cache",
        "_group_keys",
        "_groups",
        "_named",
        "_raw_groups",
        "outcome",
        "semantics",
        "sitemaps",
        "size",
        "source",
        "truncated",
    )

    def __init__(
        self,
        raw_groups: tuple[_RawGroup, ...],
        sitemaps: tuple[str, ...],
        findings: tuple[_Finding, ...],
        *,
        source: str | None,
        semantics: str,
        size: int,
        truncated: bool,
    ) -> None:
        self._raw_groups = raw_groups
        self._group_keys = tuple(group[1] for group in raw_groups)
        self._named: frozenset[str] | None = None
        self._groups: tuple[RobotsGroup, ...] | None = None
        self.sitemaps = sitemaps
        self._findings = findings
        self._diagnostics: tuple[Diagnostic, ...] | None = None
        self.source = source
        self.semantics = semantics
        self.size = size
        self.truncated = truncated
        self._agent_cache: dict[str, _AgentRules] = {}
        self._group_cache: dict[tuple[int, ...], _AgentRules] = {}
        #: "present" for a parsed body; "unavailable"/"unreachable" from ``from_status``.
        self.outcome = "present"

    def __repr__(self) -> str:
        return (
            f"RobotsTxt(source={self.source!r}, groups={len(self._raw_groups)}, "
            f"semantics={self.semantics!r}, diagnostics={len(self._findings)})"
        )

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every diagnostic in line order; built on first use, as deciding does not need them."""
        diagnostics = self._diagnostics
        if diagnostics is None:
            diagnostics = self._diagnostics = tuple(
                code.at(line, column, end_column, message=message)
                for code, line, column, end_column, message in self._findings
            )
        return diagnostics

    @property
    def groups(self) -> tuple[RobotsGroup, ...]:
        """Every group in file order; built on first use, as deciding does not need them."""
        groups = self._groups
        if groups is None:
            groups = self._groups = tuple(
                RobotsGroup(agents, tuple(RobotsLine(*line) for line in lines), start)
                for agents, _keys, lines, start in self._raw_groups
            )
        return groups

    @classmethod
    def parse(
        cls,
        data: str | bytes,
        *,
        source: str | None = None,
        semantics: Semantics = "google",
    ) -> RobotsTxt:
        """Parse a robots.txt body; bad input yields diagnostics, never an exception."""
        if semantics not in ("google", "rfc9309"):
            raise ValueError(f"unknown semantics {semantics!r}")
        return _Parser(semantics == "google").run(data, source, semantics)

    @classmethod
    def from_status(
        cls,
        outcome: Literal["unavailable", "unreachable"],
        *,
        source: str | None,
        detail: str,
        semantics: Semantics = "google",
    ) -> RobotsTxt:
        """The robots.txt of a site whose file could not be read (RFC 9309 §2.3.1.3–4).

        Every verdict says what happened (``detail``: the status or error), where, and which
        rule of RFC 9309 decided; none names a line, as no line was read.
        """
        where = f" at {source}" if source else ""
        if outcome == "unavailable":
            allowed = True
            reason = (f"robots.txt{where} is unavailable ({detail}): crawlers may access "
                      "every URL (RFC 9309 §2.3.1.3)")
        elif outcome == "unreachable":
            allowed = False
            reason = (f"robots.txt{where} is unreachable ({detail}): crawlers must assume "
                      "complete disallow (RFC 9309 §2.3.1.4)")
        else:
            raise ValueError(f"unknown outcome {outcome!r}")
        robots = cls((), (), (), source=source, semantics=semantics, size=0, truncated=False)
        robots.outcome = outcome
        everything = RuleSet([(compile_pattern(""), 0)])
        rules = _AgentRules(everything, [(allowed, 0, "")])
        rules.verdicts[0] = RobotsVerdict(allowed, None, None, reason)
        robots._group_cache[()] = rules  # no group: every agent asks for this entry
        return robots

    # --- Questions -------------------------------------------------------------------------
    def _key(self, agent: str) -> str:
        return _query_key(agent)

    def _indices(self, key: str) -> list[int]:
        if key:
            named = [i for i, keys in enumerate(self._group_keys) if key in keys]
            if named:
                return named
        return [i for i, keys in enumerate(self._group_keys) if "*" in keys]

    def matching_groups(self, agent: str) -> tuple[RobotsGroup, ...]:
        """Every group naming the agent's product token, else every ``*`` group, else none."""
        groups = self.groups
        return tuple(groups[i] for i in self._indices(self._key(agent)))

    def _rules(self, agent: str) -> _AgentRules:
        cached = self._agent_cache.get(agent)
        if cached is None:
            indices = tuple(self._indices(self._key(agent)))
            cached = self._group_cache.get(indices)
            if cached is None:
                cached = self._group_cache[indices] = self._compile(indices)
            if len(self._agent_cache) < _MAX_CACHED_AGENTS:
                self._agent_cache[agent] = cached
        return cached

    def _compile(self, indices: tuple[int, ...]) -> _AgentRules:
        google = self.semantics == "google"
        ranked: list[tuple[int, int, int, int, Pattern]] = []
        for index in indices:
            for line, field, value, _column, _raw in self._raw_groups[index][2]:
                if (field != ALLOW and field != DISALLOW) or not value:
                    continue
                rank = 0 if field == ALLOW else 1
                pattern = compile_pattern(value)
                ranked.append((-pattern.length, rank, line, len(ranked), pattern))
                if rank == 0 and google:
                    slash = value.rfind("/")
                    if slash >= 0 and value.startswith("/index.htm", slash):
                        pattern = compile_pattern(value[: slash + 1] + "$")
                        ranked.append((-pattern.length, 0, line, len(ranked), pattern))
        ranked.sort()
        specs = [(r[1] == 0, r[2], r[4].text) for r in ranked]
        return _AgentRules(RuleSet((r[4], slot) for slot, r in enumerate(ranked)), specs)

    def decide(self, agent: str, url: str) -> RobotsVerdict:
        """May ``agent`` crawl ``url``?  Longest match wins, Allow wins ties (RFC 9309 §2.2.2)."""
        path = normalize_path(url)
        if path == _ROBOTS_PATH:
            return _SELF
        rules = self._agent_cache.get(agent) or self._rules(agent)
        return rules.decide(path)

    def allowed(self, agent: str, url: str) -> bool:
        path = normalize_path(url)
        if path == _ROBOTS_PATH:
            return True
        rules = self._agent_cache.get(agent) or self._rules(agent)
        slot = rules.first(path)
        return slot is None or rules.specs[slot][0]

    def crawl_delay(self, agent: str) -> float | None:
        """The first valid Crawl-delay of the agent's groups, in seconds."""
        for index in self._indices(self._key(agent)):
            for _line, field, value, _column, _raw in self._raw_groups[index][2]:
                if field == CRAWL_DELAY and _DELAY.match(value):
                    return delay_seconds(value)
        return None

    def mentions(self, token: str) -> bool:
        """Whether some User-agent line names this product token (case-insensitive)."""
        key = "*" if token.strip(_WS) == "*" else self._key(token)
        if not key:
            return False
        named = self._named
        if named is None:  # a survey asks this for every agent of the registry
            named = self._named = frozenset(k for keys in self._group_keys for k in keys)
        return key in named

    def statements(self, agent: str, target: str) -> list[Statement]:
        """The crawl permission for a URL or path; work identifiers get no statement."""
        if not target.startswith("/") and "://" not in target and _WORK_ID.match(target):
            return []
        verdict = self.decide(agent, target)
        raw = None
        if verdict.line is not None:
            raw = f"{'Allow' if verdict.allowed else 'Disallow'}: {verdict.pattern}"
        return [
            Statement(
                mechanism="robots",
                usage="crawl",
                value=Value.ALLOWED if verdict.allowed else Value.DISALLOWED,
                reason=verdict.reason,
                source=self.source,
                line=verdict.line,
                raw=raw,
            )
        ]


#: A Crawl-delay longer than this is read as this (about 31 years): finite, so never ``inf``.
_DELAY_CEILING: Final = 1e9


def delay_seconds(value: str) -> float:
    """A Crawl-delay value (digits, one optional point) in seconds, at most ``_DELAY_CEILING``.

    ``float`` turns 400 digits into ``inf``, which ``time.sleep`` refuses; the integer part's
    length decides first, so no value of any length overflows or costs more than its digits.
    """
    whole = value.partition(".")[0].lstrip("0")
    if len(whole) > 9:
        return _DELAY_CEILING
    return min(float(value), _DELAY_CEILING)


_WORK_ID: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?!//)")

#: Field names as usually written, mapped to their field: a line ``<name>:<value>`` with one of
#: these names and no comment is read without the general path.  Only exact names of known
#: fields, so no leniency is involved.
_PLAIN_NAMES: Final = {
    spelling: name
    for name in _KNOWN
    for spelling in (name, name.upper(), name.capitalize(), name.title())
}
#: Longest line the plain path takes: longer ones may need Google's truncation.
_PLAIN_MAX: Final = _LINE_KEEP // 4
_CRAWL_FIELDS: Final = frozenset({ALLOW, DISALLOW})
#: User-agent values known to be clean product tokens → their group key.  Shared by all parses,
#: as real files name the same few crawlers; bounded, and holding only values that need no
#: diagnostic, so it never changes what a parse reports.
_AGENT_KEYS: dict[str, str] = {"*": "*"}
_MAX_AGENT_KEYS: Final = 4096


def _cases(char: str) -> set[str]:
    """The characters whose lower case starts with the ASCII letter ``char`` (a test checks
    this against all of Unicode)."""
    return {char, char.upper()} | ({"\u0130"} if char == "i" else set())


#: How a key Google may read as a field begins: the first two characters of every known,
#: misspelled and prefix-matched name, in any case.  A line starting otherwise (after blanks)
#: is an unknown field or not a record.
_FIELD_STARTS: Final = frozenset(
    first + second
    for name in (*_KNOWN, *_TYPOS, *(prefix for prefix, _ in _PREFIXES))
    for first in _cases(name[0])
    for second in _cases(name[1])
)
#: Their first characters: a cheaper first test.
_FIELD_INITIALS_ANY_CASE: Final = frozenset(pair[0] for pair in _FIELD_STARTS)


class _Parser:
    """The line loop.  One instance per parse; keeps the group being built."""

    def __init__(self, google: bool, *, plain_path: bool = True) -> None:
        self.google = google
        #: False sends every line through the general path: the reference for tests.
        self.plain_path = plain_path
        self.sink = _Sink()
        self.groups: list[_RawGroup] = []
        self.sitemaps: list[str] = []
        self.agents: list[str] = []
        self.keys: list[str] = []
        self.lines: list[_RawLine] = []
        self.start = 0
        self.closed = False
        self.crawl_rule_seen = False
        self.usage_line = 0

    def close(self) -> None:
        if self.agents:
            self.groups.append(
                (tuple(self.agents), tuple(self.keys), tuple(self.lines), self.start)
            )
        self.agents, self.keys, self.lines = [], [], []
        self.closed = False

    def run(self, data: str | bytes, source: str | None, semantics: str) -> RobotsTxt:
        sink = self.sink
        text, skipped, truncated, size, invalid = _decode(data)
        bom = 1 if skipped == len(_BOM_BYTES) else skipped  # columns: U+FEFF, or one per byte
        lines = _lines(text)
        if bom:
            sink.add(BOM, 1, 1, 1 + bom)
        if truncated:
            last = len(lines)
            sink.add(TOO_LARGE, last, 1, len(lines[-1]) + 1 + (bom if last == 1 else 0))
        if invalid:
            self._report_invalid_utf8("\n".join(lines) if "\r" in text else text, bom)
        if "\x00" in text:
            self._cut_at_nul(lines, bom)
        if bom:
            self._general(1, lines[0], bom)
            self._loop(lines, 1)
        else:
            self._loop(lines, 0)
        self.close()
        return RobotsTxt(
            tuple(self.groups),
            tuple(self.sitemaps),
            sink.finish(),
            source=source,
            semantics=semantics,
            size=size,
            truncated=truncated,
        )

    def _cut_at_nul(self, lines: list[str], bom: int) -> None:
        """End each line at its first NUL: Google's parser reads a line as a C string."""
        sink = self.sink
        for index, line in enumerate(lines):
            at = line.find("\x00")
            if at >= 0:
                lines[index] = line[:at]
                offset = 1 + (bom if index == 0 else 0)
                sink.add(NUL_IN_LINE, index + 1, at + offset, len(line) + offset)

    def _report_invalid_utf8(self, text: str, bom: int) -> None:
        """Each run of bad bytes: positions while the sink keeps them, then only the count.

        A page in a legacy encoding can hold thousands of runs; scanning the text once, not
        line by line, keeps such pages cheap.
        """
        sink = self.sink
        number = 1
        line_start = last = 0
        for found in _SURROGATES.finditer(text):
            start = found.start()
            breaks = text.count("\n", last, start)
            if breaks:
                number += breaks
                line_start = text.rfind("\n", 0, start) + 1
            last = start
            offset = 1 + (bom if number == 1 else 0) - line_start
            sink.add(NOT_UTF8, number, start + offset, found.end() + offset)
            if sink.counts[NOT_UTF8.code] >= _diag.KEPT_PER_CODE:
                more = len(_SURROGATES.findall(text, found.end()))
                if more:
                    sink.counts[NOT_UTF8.code] += more
                return

    def _loop(self, lines: list[str], first: int) -> None:
        """Lines ``first`` onwards (0-based): plain lines inline, the others by ``_general``.

        A plain line is a known field name as written, a colon, and a value without a comment;
        it is read exactly as ``_general`` would read it.  A line no field name starts only
        yields a diagnostic (``_no_field``), and once that code's positions are all reported it
        is only counted.  ``plain_path=False`` sends every line through ``_general``, the
        reference tests compare against.
        """
        rest_of = lines[first:] if first else lines
        if not self.plain_path:
            for number, raw in enumerate(rest_of, first + 1):
                if raw:
                    self._general(number, raw, 0)
            return
        plain = _PLAIN_NAMES.get
        google = self.google
        general = self._general
        sink = self.sink
        counts = sink.counts
        crawl_fields = _CRAWL_FIELDS
        field_initials = _FIELD_INITIALS_ANY_CASE
        field_starts = _FIELD_STARTS
        # With no line long enough for truncation, the per-line length test can be skipped.
        any_long = max(map(len, rest_of), default=0) > _PLAIN_MAX
        in_group = bool(self.agents)
        append = self.lines.append
        # True while ``crawl_rule_seen`` and ``closed`` are known to be set: only a User-agent
        # line clears them.
        rule_seen = False
        unknown_full = not_record_full = False
        unknown_more = not_record_more = 0
        for number, raw in enumerate(rest_of, first + 1):
            if not raw:
                continue
            name, sep, rest = raw.partition(":")
            field = plain(name) if sep else None
            if field is not None and "#" not in rest and (not any_long or len(raw) <= _PLAIN_MAX):
                value = rest.lstrip(_WS)
                column = len(raw) - len(value) + 1
                value = value.rstrip(_WS)
                if field in crawl_fields and in_group:
                    if not rule_seen:
                        self.crawl_rule_seen = self.closed = rule_seen = True
                    if value and value[0] != "/" and value[0] != "*":
                        sink.add(BAD_PATTERN, number, column, column + len(value))
                    elif google and field == ALLOW:
                        slash = value.rfind("/")
                        if slash >= 0 and value.startswith("/index.htm", slash):
                            sink.add(INDEX_HTML, number, column + slash, column + len(value))
                    append((number, field, value, column, name))
                    continue
                if field == USER_AGENT:
                    self._user_agent(number, value, column)
                    in_group = True
                    append = self.lines.append
                    rule_seen = False
                else:
                    self._other(number, field, value, column, name, 1)
                continue
            if any_long and len(raw) > _PLAIN_MAX:
                general(number, raw, 0)  # Google reads only the start of the line
                in_group = bool(self.agents)
                append = self.lines.append
                rule_seen = False
                continue
            # Python's lstrip is much faster than lstrip(_WS); it also strips the few other
            # Unicode blanks, so only the skip decisions need the exact reading.
            body = raw.lstrip()
            if not body:
                if not raw.lstrip(_WS):
                    continue  # a blank line
            elif body[0] == "#":
                if body is raw or len(raw.lstrip(_WS)) == len(body):
                    continue  # a comment
            elif body[0] not in field_initials or body[:2] not in field_starts:
                # No field starts like this line: it is an unknown field or not a record,
                # and once that code's positions are all reported, counting it is enough.
                if sep and "#" not in name:
                    if unknown_full and not in_group:
                        unknown_more += 1
                        continue
                elif not_record_full:
                    not_record_more += 1
                    continue
                self._no_field(number, raw)
                unknown_full = counts.get(UNKNOWN_FIELD.code, 0) >= _diag.KEPT_PER_CODE
                not_record_full = counts.get(NOT_A_RECORD.code, 0) >= _diag.KEPT_PER_CODE
                continue
            general(number, raw, 0)
            in_group = bool(self.agents)
            append = self.lines.append
            rule_seen = False
        if unknown_more:
            counts[UNKNOWN_FIELD.code] += unknown_more
        if not_record_more:
            counts[NOT_A_RECORD.code] += not_record_more

    def _general(self, number: int, raw: str, offset: int) -> None:
        """One line by the general reading; ``offset`` counts BOM columns on line 1."""
        sink = self.sink
        google = self.google
        if google and len(raw) > _LINE_KEEP // 4:
            encoded = raw.encode("utf-8", "surrogateescape")
            if len(encoded) > _LINE_KEEP:
                raw = encoded[:_LINE_KEEP].decode("utf-8", "surrogateescape")
                sink.add(LINE_TRUNCATED, number, len(raw) + 1 + offset, len(raw) + 2 + offset)
        hash_at = raw.find("#")
        line = raw if hash_at < 0 else raw[:hash_at]
        colon = line.find(":")
        if colon < 0:
            self._no_colon(number, line, offset)
            return
        head = line[:colon]
        key_raw = head.strip(_WS)
        key = key_raw.lower()
        rest = line[colon + 1 :]
        value = rest.strip(_WS)
        value_col = colon + 2 + len(rest) - len(rest.lstrip(_WS)) + offset
        # Blanks before the key: the colon stops lstrip, so the key's part is enough.
        key_col = len(head) - len(head.lstrip(_WS)) + 1 + offset
        if key[:1] not in _FIELD_INITIALS:  # an unknown field, without the tables
            if sink.wants(UNKNOWN_FIELD):
                sink.put(UNKNOWN_FIELD, number, key_col, key_col + len(key_raw))
            if self.agents:
                self.lines.append((number, key, value, value_col, key_raw))
            return
        self._record(number, key_raw, key, value, value_col, key_col, False)

    def _no_field(self, number: int, raw: str) -> None:
        """A line no field name starts (not too long, after line 1): what ``_general`` reads.

        With a colon before any '#' its key is an unknown field, else it is not a record;
        neither the field tables nor Google's missing-colon reading can change that, so they
        are skipped.
        """
        sink = self.sink
        hash_at = raw.find("#")
        line = raw if hash_at < 0 else raw[:hash_at]
        colon = line.find(":")
        if colon < 0:
            if sink.wants(NOT_A_RECORD):
                lead = len(line) - len(line.lstrip(_WS))
                sink.put(NOT_A_RECORD, number, lead + 1, len(line.rstrip(_WS)) + 1)
            return
        head = line[:colon]
        key_raw = head.strip(_WS)
        if sink.wants(UNKNOWN_FIELD):
            key_col = len(head) - len(head.lstrip(_WS)) + 1
            sink.put(UNKNOWN_FIELD, number, key_col, key_col + len(key_raw))
        if self.agents:
            rest = line[colon + 1 :]
            value_col = colon + 2 + len(rest) - len(rest.lstrip(_WS))
            self.lines.append((number, key_raw.lower(), rest.strip(_WS), value_col, key_raw))

    def _no_colon(self, number: int, raw: str, offset: int) -> None:
        """A line without ':' (and not too long): Google reads ``key value``; else not a record."""
        hash_at = raw.find("#")
        line = raw if hash_at < 0 else raw[:hash_at]
        stripped = line.strip(_WS)
        if not stripped:
            return
        parts = stripped.replace("\t", " ").split(" ", 1) if self.google else ()
        if len(parts) != 2 or " " in (tail := parts[1].strip(_WS)) or "\t" in tail:
            if self.sink.wants(NOT_A_RECORD):
                lead = len(line) - len(line.lstrip(_WS))
                end = len(line.rstrip(_WS)) + 1 + offset
                self.sink.put(NOT_A_RECORD, number, lead + 1 + offset, end)
            return
        lead = len(line) - len(line.lstrip(_WS))
        key_raw = stripped[: len(parts[0])]
        value = parts[1].strip(_WS)
        value_col = line.find(value, lead + len(key_raw)) + 1 + offset
        self._record(number, key_raw, key_raw.lower(), value, value_col, lead + 1 + offset, True)

    def _record(
        self,
        number: int,
        key_raw: str,
        key: str,
        value: str,
        value_col: int,
        key_col: int,
        missing_colon: bool,
    ) -> None:
        sink = self.sink
        field, lenient = _field_of(key, self.google)
        if lenient:
            sink.add(MISSPELLED_FIELD, number, key_col, key_col + len(key_raw))
        if missing_colon:
            if field not in _KNOWN:
                sink.add(NOT_A_RECORD, number, key_col, value_col + len(value))
                return
            sink.add(MISSING_COLON, number, key_col + len(key_raw), value_col)
        if field == USER_AGENT:
            self._user_agent(number, value, value_col)
        else:
            self._other(number, field, value, value_col, key_raw, key_col)

    def _user_agent(self, number: int, value: str, column: int) -> None:
        if self.usage_line and not self.crawl_rule_seen:
            self.sink.add(MISGROUPED, self.usage_line, 1, 2)
            self.usage_line = 0
        if self.closed:
            self.close()
        if not self.agents:
            self.start = number
            self.crawl_rule_seen = False
            self.usage_line = 0
        key = _AGENT_KEYS.get(value)
        if key is None:
            key = self._agent_key(number, value, column)
        self.agents.append(value)
        self.keys.append(key)

    def _agent_key(self, number: int, value: str, column: int) -> str:
        """The group key of a User-agent value not seen before; reports what is wrong with it."""
        end = column + len(value)
        if self.google and value[:1] == "*" and value[1:2] in _WS:
            self.sink.add(STAR_WITH_TEXT, number, column + 1, end)
            return "*"
        whole = _IDENTIFIER.match(value) is not None
        token = value if whole else agent_token(value) if self.google else ""
        digit = _DIGIT.search(token)
        if digit is not None:
            self.sink.add(DIGIT_IN_TOKEN, number, column + digit.start(), column + len(token))
        elif whole and len(_AGENT_KEYS) < _MAX_AGENT_KEYS:
            _AGENT_KEYS[value] = value.lower()
        if whole:
            return value.lower()
        self.sink.add(BAD_PRODUCT_TOKEN, number, column + len(token), end)
        return token.lower()

    def _other(
        self, number: int, field: str, value: str, column: int, raw_field: str, key_col: int
    ) -> None:
        sink = self.sink
        in_group = bool(self.agents)
        end = column + len(value)
        if field == SITEMAP:
            self.sitemaps.append(value)
            if not value.startswith(("http://", "https://", "HTTP://", "HTTPS://")):
                sink.add(RELATIVE_SITEMAP, number, column, end)
        elif field not in _KNOWN:
            sink.add(UNKNOWN_FIELD, number, key_col, key_col + len(raw_field))
        if not in_group:
            if field in _GROUP_ONLY:
                sink.add(RULE_OUTSIDE_GROUP, number, key_col, end)
            return
        if field in (ALLOW, DISALLOW):
            self.crawl_rule_seen = True
            if value and value[0] != "/" and value[0] != "*":
                sink.add(BAD_PATTERN, number, column, end)
            elif self.google and field == ALLOW:
                slash = value.rfind("/")
                if slash >= 0 and value.startswith("/index.htm", slash):
                    sink.add(INDEX_HTML, number, column + slash, end)
        elif field in _USAGE_FIELDS:
            if not self.usage_line:
                self.usage_line = number
        elif field == CRAWL_DELAY:
            if not _DELAY.match(value):
                sink.add(BAD_CRAWL_DELAY, number, column, end)
            elif delay_seconds(value) > MAX_CRAWL_DELAY:
                sink.add(CRAWL_DELAY_CAPPED, number, column, end)
        self.lines.append((number, field, value, column, raw_field))
        if field in _CLOSES_GROUP:
            self.closed = True
