"""The diagnostics registry: every code, its severity and the spec requirement it enforces.

Codes are defined once, here for the aioptout standard (``AOO…``) and in each signal module for
the foreign formats (``ROB…``, ``TDM…`` …), through :func:`define`.  A code never changes
meaning; retired codes stay defined.  Severity follows the keyword of the requirement:
MUST → error, SHOULD → warning, anything softer → info.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Final

from ._limits import MAX_DIAGNOSTICS_PER_CODE
from .model import Diagnostic, Severity, draft_of

_KEYWORD_SEVERITY: Final = {
    "MUST": Severity.ERROR,
    "MUST NOT": Severity.ERROR,
    "SHOULD": Severity.WARNING,
    "SHOULD NOT": Severity.WARNING,
    "MAY": Severity.INFO,
    "NOTE": Severity.INFO,
}

# Modules that define codes of their own; imported by all_codes() so the registry is complete.
_DEFINING_MODULES: Final = (
    "aioptout.signals.robots",
    "aioptout.signals.aipref",
    "aioptout.signals.contentsignal",
    "aioptout.signals.tdmrep",
    "aioptout.signals.aitxt",
    "aioptout.signals.robotsmeta",
    "aioptout.signals.media",
    "aioptout.signals.rsl",
    "aioptout.fetch",
    "aioptout.catalogue",
    "aioptout.publish",
    "aioptout.drift",
    "aioptout._isolation",
    "aioptout.survey.store",
    "aioptout._json",
    "aioptout.stamp",
    "aioptout.convert",
)


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    keyword: str
    spec: str
    title: str
    hint: str | None = None

    @property
    def severity(self) -> Severity:
        return _KEYWORD_SEVERITY[self.keyword]

    def at(
        self,
        line: int,
        column: int = 1,
        end_column: int | None = None,
        *,
        end_line: int | None = None,
        message: str | None = None,
        hint: str | None = None,
    ) -> Diagnostic:
        """A diagnostic of this code at a position; ``message`` refines the title.

        Parsers call this for every flawed line, so the diagnostic is filled as a draft
        (``model.draft_of``), about twice as fast as ``Diagnostic``'s own ``__init__``.
        """
        made = _DiagnosticDraft()
        made.code = self.code
        made.severity = self.severity
        made.message = message or self.title
        made.line = line
        made.column = column
        made.end_line = line if end_line is None else end_line
        made.end_column = column + 1 if end_column is None else end_column
        made.spec = self.spec
        made.hint = hint if hint is not None else self.hint
        made.__class__ = Diagnostic
        diagnostic: Diagnostic = made
        return diagnostic


# A field added to Diagnostic must not be silently left unset by Code.at.
if tuple(f.name for f in fields(Diagnostic)) != (
    "code", "severity", "message", "line", "column", "end_line", "end_column", "spec", "hint"
):  # pragma: no cover
    raise ImportError("aioptout.diagnostics' Code.at is out of date with model.Diagnostic")
_DiagnosticDraft = draft_of(Diagnostic)


_REGISTRY: dict[str, Code] = {}


# --- The per-code cap (spec §11.3): the one place it is applied --------------------------------

#: Positions of one code that a collector keeps: those reported, and the first one not
#: reported, where the summary goes.
KEPT_PER_CODE: Final = MAX_DIAGNOSTICS_PER_CODE + 1


class Tally:
    """Counts the findings of each code for a collector that stores them its own way.

    A collector asks :meth:`wants` for every finding and keeps the finding's position only
    when it answers True; :func:`summarise` then turns the last kept one into the summary.
    """

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def wants(self, code: str) -> bool:
        """Count one finding of ``code``; True while its position is still kept."""
        seen = self.counts.get(code, 0) + 1
        self.counts[code] = seen
        return seen <= KEPT_PER_CODE

    def full(self, code: str) -> bool:
        """True once no further position of ``code`` is kept: counting is all that is left."""
        return self.counts.get(code, 0) >= KEPT_PER_CODE

    def unreported(self) -> dict[str, int]:
        """For each code over the cap, how many of its findings are not reported one by one."""
        return {
            code: seen - MAX_DIAGNOSTICS_PER_CODE
            for code, seen in self.counts.items()
            if seen > MAX_DIAGNOSTICS_PER_CODE
        }


def summary_message(code: str, unreported: int) -> str:
    """The message of the summary diagnostic; spec §11.3 fixes its form."""
    return f"{get(code).title} ({unreported} more not shown)"


def summaries(codes: Iterable[str], tally: Tally) -> dict[int, str]:
    """Index (into ``codes``, the kept findings' codes in order) to summary message, for each
    over-cap code's last kept finding: where a collector puts the summary, whatever it stores."""
    over = tally.unreported()
    if not over:
        return {}
    seen: dict[str, int] = {}
    out: dict[int, str] = {}
    for index, code in enumerate(codes):
        if code in over:
            seen[code] = kept = seen.get(code, 0) + 1
            if kept == KEPT_PER_CODE:
                out[index] = summary_message(code, over[code])
    return out


def summarise(kept: list[Diagnostic], tally: Tally) -> list[Diagnostic]:
    """``kept`` (each code's kept findings, in order) with each over-cap code's last one
    turned into its summary: same code and position, the number of unreported findings."""
    at = summaries((d.code for d in kept), tally)
    if not at:
        return kept
    return [replace(d, message=at[i]) if i in at else d for i, d in enumerate(kept)]


def capped(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """At most ``MAX_DIAGNOSTICS_PER_CODE`` diagnostics of each code, the first by position,
    then one summary at the first position not reported; the order of ``diagnostics`` is kept.

    For collectors that build a whole list; linear but for sorting the codes over the cap.
    """
    found = list(diagnostics)
    by_code: dict[str, list[int]] = {}
    for index, diagnostic in enumerate(found):
        by_code.setdefault(diagnostic.code, []).append(index)
    if all(len(indices) <= MAX_DIAGNOSTICS_PER_CODE for indices in by_code.values()):
        return found
    dropped: set[int] = set()
    summaries: dict[int, str] = {}
    for code, indices in by_code.items():
        if len(indices) > MAX_DIAGNOSTICS_PER_CODE:
            indices.sort(key=lambda i: (found[i].line, found[i].column))
            dropped.update(indices[KEPT_PER_CODE:])
            unreported = len(indices) - MAX_DIAGNOSTICS_PER_CODE
            summaries[indices[MAX_DIAGNOSTICS_PER_CODE]] = summary_message(code, unreported)
    return [
        replace(diagnostic, message=summaries[index]) if index in summaries else diagnostic
        for index, diagnostic in enumerate(found)
        if index not in dropped
    ]


def define(code: str, keyword: str, spec: str, title: str, hint: str | None = None) -> Code:
    """Register a code.  Defining the same code twice with different content is a bug."""
    if keyword not in _KEYWORD_SEVERITY:
        raise ValueError(f"unknown requirement keyword {keyword!r} for {code}")
    entry = Code(code, keyword, spec, title, hint)
    existing = _REGISTRY.get(code)
    if existing is not None and existing != entry:
        raise ValueError(f"diagnostic code {code} defined twice with different meaning")
    _REGISTRY[code] = entry
    return entry


def get(code: str) -> Code:
    if code not in _REGISTRY:
        all_codes()
    return _REGISTRY[code]


def all_codes() -> dict[str, Code]:
    """Every code known to the package, loading the modules that define codes."""
    for name in _DEFINING_MODULES:
        importlib.import_module(name)
    return dict(sorted(_REGISTRY.items()))


# --- The aioptout standard (spec Appendix A lists the same table) -------------------------
# §3 Encoding and limits
NOT_UTF8 = define(
    "AOO101",
    "MUST",
    "R-3-1",
    "Invalid UTF-8 byte sequence",
    "save the file as UTF-8; the bytes are kept as escapes and the line is still read",
)
CONTROL_CHAR = define(
    "AOO102",
    "MUST NOT",
    "R-3-2",
    "Control character or NUL in a line",
    "remove the character; only tab is allowed inside a line",
)
BINARY = define(
    "AOO103",
    "MUST",
    "R-3-1",
    "Input is not text",
    "this looks like a binary file, not a declaration",
)
BOM = define(
    "AOO104",
    "SHOULD NOT",
    "R-3-3",
    "File starts with a byte order mark",
    "readers skip it, but some older robots.txt parsers lose the first line",
)
MIXED_EOL = define(
    "AOO105",
    "SHOULD",
    "R-3-4",
    "Mixed line endings",
    "use one of LF, CRLF or CR throughout the file",
)
TOO_LARGE = define(
    "AOO106",
    "MUST NOT",
    "R-3-5",
    "File exceeds 512000 octets; the rest is ignored",
    "move catalogue rules into prefix patterns or split the declaration",
)
LINE_TOO_LONG = define("AOO107", "MUST NOT", "R-3-6", "Line exceeds 16664 octets and was truncated")
# §4 Syntax
NOT_A_RECORD = define(
    "AOO201",
    "MUST",
    "R-4-1",
    "Line is not a record, a comment or blank",
    "write records as 'Field: value'; the line is ignored",
)
UNKNOWN_FIELD = define("AOO202", "SHOULD NOT", "R-4-3", "Unknown field; the record is ignored")
MISSPELLED_FIELD = define("AOO203", "SHOULD", "R-4-4", "Misspelled field name accepted")
EMPTY_VALUE = define("AOO204", "MUST", "R-4-5", "Field needs a value; the record is ignored")
# §5 Declaration fields
NO_VERSION = define(
    "AOO301",
    "MUST",
    "R-5.1-1",
    "No AIOptOut-Version line",
    "add 'AIOptOut-Version: 1' as the first line",
)
DUPLICATE_VERSION = define(
    "AOO302", "MUST NOT", "R-5.1-2", "AIOptOut-Version appears more than once; the first is used"
)
BAD_VERSION = define(
    "AOO303",
    "MUST",
    "R-5.1-3",
    "Unsupported AIOptOut-Version value",
    "this specification defines version 1",
)
VERSION_NOT_FIRST = define(
    "AOO304", "SHOULD", "R-5.1-4", "AIOptOut-Version is not the first record"
)
FIELD_IN_GROUP = define(
    "AOO305",
    "SHOULD",
    "R-5-2",
    "Declaration field after the first User-agent line",
    "declaration fields apply to the whole file; put them before the groups",
)
DUPLICATE_FIELD = define(
    "AOO306", "MUST", "R-5-3", "Declaration field appears more than once; the first is used"
)
BAD_CONTACT = define("AOO307", "MUST", "R-5.3-1", "Contact is not a mailto:, https: or http: URI")
BAD_LICENSING = define("AOO308", "MUST", "R-5.4-1", "Licensing is not an absolute http(s) URL")
UNKNOWN_LEGAL_BASIS = define(
    "AOO309",
    "SHOULD",
    "R-5.5-1",
    "Unregistered Legal-Basis value",
    "use eu-dsm-art4, or an absolute URL describing the basis",
)
BAD_DATE = define("AOO310", "MUST", "R-5.6-1", "Date is not an RFC 3339 date or date-time")
EXPIRES_BEFORE_ISSUED = define("AOO311", "MUST", "R-5.6-2", "Expires is not later than Issued")
ISSUED_IN_FUTURE = define("AOO312", "SHOULD NOT", "R-5.6-3", "Issued lies in the future")
EXPIRED = define(
    "AOO313",
    "SHOULD",
    "R-5.6-4",
    "Declaration has expired; its usage preferences are unknown",
    "publish a renewed declaration with a later Expires date",
)
# §6 Groups and user agents
BAD_PRODUCT_TOKEN = define(
    "AOO401",
    "MUST",
    "R-6-1",
    "User-agent value is not a product token",
    "use letters, digits, '-' and '_' only; readers keep the leading run of them",
)
RULE_OUTSIDE_GROUP = define(
    "AOO402", "MUST", "R-6-2", "Rule before the first User-agent line is ignored"
)
GROUP_WITHOUT_CRAWL_RULE = define(
    "AOO403",
    "MUST",
    "R-6-3",
    "Group has no Allow or Disallow rule",
    "add 'Allow: /': robots.txt parsers merge a group without one into the next group",
)
AGENT_IN_SEVERAL_GROUPS = define(
    "AOO404", "SHOULD", "R-6-4", "Agent is named in more than one group; the groups are merged"
)
NOT_INHERITED = define(
    "AOO405",
    "SHOULD",
    "R-6-5",
    "Named group has no usage rules but the * group has; they do not apply to its agents",
    "repeat the usage rules of the * group in this group",
)
# §7 Rules and path patterns
BAD_PATH = define(
    "AOO501", "MUST", "R-7.1-1", "Path pattern starts with neither '/' nor '*'; the rule is ignored"
)
STAR_PATH = define("AOO502", "SHOULD", "R-7.1-2", "Path pattern starts with '*'")
DOLLAR_INSIDE = define(
    "AOO503",
    "SHOULD NOT",
    "R-7.1-3",
    "'$' before the end of a pattern matches a literal '$'",
    "write %24 for a literal dollar sign",
)
WHITESPACE_IN_PATH = define(
    "AOO504", "SHOULD NOT", "R-7.1-4", "Whitespace inside a path pattern", "write %20 for a space"
)
DUPLICATE_RULE = define(
    "AOO505", "SHOULD NOT", "R-7.1-5", "Rule repeats an earlier rule of the group"
)
BAD_USAGE_DICT = define(
    "AOO511",
    "SHOULD",
    "R-7.2-3",
    "Usage preference is not a valid structured-field dictionary; every label is unknown",
    "write labels in lower case as label=y or label=n, separated by commas",
)
UNKNOWN_LABEL = define("AOO512", "SHOULD", "R-8-3", "Unknown usage label is ignored")
# Retired in 1.1 (issue 13): earlier aipref labels are read by spec §8.1 now (AOO530, AOO531).
RETIRED_LABEL = define(
    "AOO513",
    "SHOULD NOT",
    "R-8-4",
    "Label from an earlier aipref draft is ignored (retired: no longer reported; see AOO530)",
    "use train-ai or search",
)
REVISION_LABEL = define(
    "AOO530",
    "SHOULD NOT",
    "R-8-4",
    "Label of an earlier aipref revision; read by the revision table of spec §8.1",
    "write the labels of spec §8: train-ai, search, train-any, ai-input, tdm",
)
REVISION_SENSE = define(
    "AOO531",
    "MAY",
    "R-8-27",
    "Label read in the sense of the earlier aipref revision whose labels the preference uses",
)
BAD_USAGE_VALUE = define(
    "AOO514", "SHOULD", "R-7.2-4", "Usage value is not the token y or n; the label is unknown"
)
CONFLICTING_USAGE = define(
    "AOO515",
    "SHOULD NOT",
    "R-7.2-5",
    "Usage rules with the same pattern disagree; the most restrictive applies",
)
EXTENSION_ONLY = define(
    "AOO516",
    "SHOULD",
    "R-8-5",
    "Extension labels without both core labels: aipref readers see less here",
    "also state train-ai and search explicitly",
)
USAGE_NEVER_APPLIES = define(
    "AOO517",
    "SHOULD NOT",
    "R-7.2-6",
    "Content-Usage path is disallowed for crawling; the rule never applies",
)
# §7.3 and §9 Work identifiers
CATALOGUE_NOT_EVERYWHERE = define(
    "AOO520",
    "SHOULD",
    "R-7.3-3",
    "Work-Usage patterns of other groups do not apply to this agent",
    "repeat the Work-Usage rules in every group, including groups that disallow all crawling",
)
BAD_WORK_RULE = define(
    "AOO601",
    "MUST",
    "R-7.3-1",
    "Work-Usage needs an identifier pattern and a preference; the rule is ignored",
)
UNKNOWN_SCHEME = define(
    "AOO602",
    "MUST",
    "R-9-1",
    "Unknown identifier scheme; the rule is ignored",
    "use isrc, iswc, gtin, upc, ean, isni, doi or isbn",
)
BAD_IDENTIFIER = define(
    "AOO603", "MUST", "R-9-2", "Identifier does not match its scheme's syntax; the rule is ignored"
)
BAD_CHECK_DIGIT = define("AOO604", "MUST", "R-9-3", "Identifier check digit is wrong")
BAD_WILDCARD = define(
    "AOO605", "MUST", "R-9-4", "'*' may only end an identifier pattern; the rule is ignored"
)
BROAD_PREFIX = define(
    "AOO606", "SHOULD", "R-9-5", "Identifier prefix is shorter than the scheme's registrant prefix"
)
# §12 Other signals inside a declaration
FOREIGN_SIGNAL = define(
    "AOO701",
    "SHOULD NOT",
    "R-12-1",
    "Content-Signal line in a declaration; use Content-Usage",
    "Content-Signal search/ai-input/ai-train map to search/ai-input/train-any",
)


# --- Where each code is reported and how often (spec §11.2, Appendix A) -------------------
# Position: the line is 1-based and counts every line of the input, blank and comment lines
# included; the column is 1-based in code points of that line.  "the value" is the record's
# value, from its first character; "the field" its field name; "col 1" the start of the line.
# Multiplicity: how many diagnostics one cause gives, before the per-code cap of spec §11.2.
_P = tuple[str, str]
PLACEMENT: Final[dict[str, _P]] = {
    "AOO101": ("each invalid octet's line and column", "once per octet"),
    "AOO102": ("each control character's line and column", "once per character"),
    "AOO103": ("line 1, col 1", "once per input"),
    "AOO104": ("line 1, col 1", "once per input"),
    "AOO105": ("first line whose end-of-line differs from the first one, just past its last "
               "character", "once per input"),
    "AOO106": ("first ignored line, col 1", "once per input"),
    "AOO107": ("the truncated line, at the first octet dropped", "once per line"),
    "AOO201": ("the line, at the first character the grammar's line rule rejects",
               "once per line"),
    "AOO202": ("the field", "once per record"),
    "AOO203": ("the field", "once per record"),
    "AOO204": ("the field, to the colon", "once per record"),
    "AOO301": ("line 1, col 1", "once per input"),
    "AOO302": ("each later AIOptOut-Version line, col 1", "once per repetition"),
    "AOO303": ("the value", "once per record"),
    "AOO304": ("the AIOptOut-Version line, col 1", "once per input"),
    "AOO305": ("the record, col 1", "once per record"),
    "AOO306": ("each later occurrence, col 1", "once per repetition"),
    "AOO307": ("the value", "once per record"),
    "AOO308": ("the value", "once per record"),
    "AOO309": ("the value", "once per record"),
    "AOO310": ("the value", "once per record"),
    "AOO311": ("the Expires line, col 1", "once per input"),
    "AOO312": ("the Issued line, col 1", "once per input"),
    "AOO313": ("the Expires line, col 1", "once per input"),
    "AOO401": ("the value", "once per record"),
    "AOO402": ("the field of the rule", "once per rule"),
    "AOO403": ("the group's first User-agent line, col 1", "once per group"),
    "AOO404": ("the User-agent line naming the agent again, col 1",
               "once per later group naming it"),
    "AOO405": ("the group's first User-agent line, col 1", "once per group"),
    "AOO501": ("the value", "once per rule"),
    "AOO502": ("the leading '*'", "once per rule"),
    "AOO503": ("the first '$' before the end", "once per rule"),
    "AOO504": ("the first run of whitespace in the pattern", "once per rule"),
    "AOO505": ("the repeating rule, col 1", "once per repetition"),
    "AOO511": ("the first character the Dictionary parser rejects (a value that is a path "
               "alone: the value)", "once per rule"),
    "AOO512": ("the label", "once per label"),
    "AOO513": ("retired: never reported", "never"),
    "AOO514": ("the label's value", "once per label"),
    "AOO515": ("each later rule with the same pattern, col 1", "once per such rule"),
    "AOO516": ("the rule, col 1", "once per rule"),
    "AOO517": ("the rule, col 1", "once per rule"),
    "AOO520": ("the User-agent line of each agent the pattern misses, col 1",
               "once per agent"),
    "AOO530": ("the label", "once per label"),
    "AOO531": ("the label", "once per label"),
    "AOO601": ("the value", "once per rule"),
    "AOO602": ("the scheme", "once per rule"),
    "AOO603": ("the first character that breaks the scheme's syntax", "once per rule"),
    "AOO604": ("the check character", "once per identifier"),
    "AOO605": ("the misplaced '*'", "once per rule"),
    "AOO606": ("just past the prefix (its '*')", "once per rule"),
    "AOO701": ("the field, to the end of the value", "once per record"),
}
#: The rule for the codes of other formats: their own file's lines, or for HTTP fields the
#: 1-based index of the field among the fields of that name, and the column in its value.
FOREIGN_PLACEMENT: Final[_P] = ("the offending text in its own file or field",
                                "once per occurrence")


def placement(code: str) -> _P:
    """Where ``code`` is reported and how often (spec Appendix A)."""
    return PLACEMENT.get(code, FOREIGN_PLACEMENT)
