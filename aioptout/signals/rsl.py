"""RSL 1.0 (Really Simple Licensing): read, validate and decide from an RSL licence document.

An RSL document (``application/rsl+xml``) lists ``content`` scopes, each with one or more
``license`` elements saying which uses are permitted or prohibited, for whom, where and for what
payment.  It is identified by its namespace, never by the media type it was served with.  Its
answer to a usage question is one of three: allowed (free, no licence server), prohibited, or
available only under a licence, which is a ``disallowed`` statement carrying the licence
routes (``model.Licence``): a caller that only checks ``reserved`` stays correct.

Sources: RSL-SPEC-1.0 (https://rslstandard.org/rsl, the Recommendation and its errata), read
through the digest in ScaleDockHQ/scaledock-skills ``skills/rsl/references`` (document.md,
discovery.md, versions.md), as summarised in ``shared/research/rsl-aipref.md``.  Spec §12.3
states how this reader settles what RSL leaves open; the requirement ids below are its.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from .. import _mechanisms
from .. import diagnostics as _diag
from .. import usage as U
from .._limits import MAX_DIAGNOSTICS_PER_CODE
from .._match import RuleSet, compile_pattern, normalize_path
from .._rfc3339 import parse_date
from .._xml import DTD, MALFORMED, XmlRefused, parse_located
from ..model import Diagnostic, Licence, Statement, Value
from .mapping import lookup as _lookup

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

__all__ = [
    "MEDIA_TYPE",
    "NAMESPACE",
    "RslContent",
    "RslDocument",
    "RslTerms",
    "looks_like_rsl",
    "parse",
]

NAMESPACE: Final = "https://rslstandard.org/rsl"
MEDIA_TYPE: Final = "application/rsl+xml"
MECHANISM: Final = _mechanisms.RSL
DEFAULT_MAX_AGE_DAYS: Final = 30
_NS: Final = "{" + NAMESPACE + "}"
_S: Final = "RSL-SPEC-1.0"

# --- Diagnostics (spec §12.3; codes RSL101–RSL199) ------------------------------------------
NOT_XML = _diag.define("RSL101", "MUST NOT", "R-12.3-1", "RSL document is not well-formed XML")
XML_REFUSED = _diag.define(
    "RSL102", "MUST NOT", "R-12.3-2",
    "XML document type declarations, entities, oversized or too deeply nested documents are "
    "refused",
)
NOT_RSL = _diag.define(
    "RSL103", "MUST", "R-12.3-3",
    "Root element is not rsl in the namespace https://rslstandard.org/rsl",
    "write <rsl xmlns=\"https://rslstandard.org/rsl\"> as the root element",
)
PREFIXED_ROOT = _diag.define(
    "RSL104", "SHOULD", "R-12.3-4",
    "A standalone RSL document uses the default namespace, not a prefix",
)
UNKNOWN_ELEMENT = _diag.define(
    "RSL105", "MUST NOT", "R-12.3-5", "Unknown element in the RSL namespace makes the document "
    "non-conformant",
)
MISPLACED = _diag.define("RSL106", "MUST", "R-12.3-6", "RSL element not allowed here")
UNKNOWN_ATTRIBUTE = _diag.define(
    "RSL107", "SHOULD NOT", "R-12.3-9", "Unknown attribute on an RSL element is ignored")
REPEATED = _diag.define(
    "RSL108", "MUST", "R-12.3-6", "Element may occur at most once here; the first is read")
NO_CONTENT = _diag.define("RSL109", "MUST", "R-12.3-7", "rsl has no content element")
BAD_MAX_AGE = _diag.define(
    "RSL110", "MUST", "R-12.3-10", "max-age is not a positive integer number of days",
    "max-age counts days; without it readers revalidate every 30 days")
NO_URL = _diag.define("RSL111", "MUST", "R-12.3-11", "content has no url attribute")
BAD_URL = _diag.define(
    "RSL112", "MUST", "R-12.3-11",
    "content url is neither an RFC 9309 path pattern nor an absolute URL")
BAD_BOOLEAN = _diag.define(
    "RSL113", "MUST", "R-12.3-12", "Boolean is not lower-case true or false")
ENCRYPTED_WITHOUT_SERVER = _diag.define(
    "RSL114", "MUST", "R-12.3-13", "encrypted=\"true\" needs a server attribute")
BAD_LASTMOD = _diag.define("RSL115", "MUST", "R-12.3-14", "lastmod is not an RFC 3339 date-time")
BAD_SERVER = _diag.define("RSL116", "MUST", "R-12.3-15", "server is not an absolute URL")
NO_LICENSE = _diag.define("RSL117", "MUST", "R-12.3-7", "content has no license element")
INLINE_NOT_ONE = _diag.define(
    "RSL118", "MUST", "R-12.3-35", "Inline or embedded RSL holds other than exactly one content")
BAD_LIST_TYPE = _diag.define(
    "RSL119", "MUST", "R-12.3-16", "permits/prohibits type is missing or not usage, user or geo")
REPEATED_LIST = _diag.define(
    "RSL120", "MUST NOT", "R-12.3-17",
    "Second permits or prohibits of the same type in one license; the first is read")
UNKNOWN_USAGE = _diag.define(
    "RSL121", "MUST", "R-12.3-18", "Unknown usage token is ignored",
    "usage tokens: all, ai-all, ai-train, ai-input, ai-index, search")
FOREIGN_LABEL = _diag.define(
    "RSL122", "MUST", "R-12.3-18",
    "Usage label of another vocabulary is not an RSL usage token",
)
UNKNOWN_USER = _diag.define(
    "RSL123", "MUST", "R-12.3-19", "Unknown user token is ignored",
    "user tokens: commercial, non-commercial, education, government, personal")
BAD_GEO = _diag.define(
    "RSL124", "MUST", "R-12.3-20",
    "geo token is not an upper-case ISO 3166-1 alpha-2 code or EU")
EMPTY_LIST = _diag.define(
    "RSL125", "SHOULD", "R-12.3-21", "permits or prohibits lists no token; it says nothing")
UNKNOWN_PAYMENT = _diag.define(
    "RSL126", "MUST", "R-12.3-22", "Unknown payment type",
    "payment types: purchase, subscription, training, crawl, use, contribution, attribution, "
    "free")
BAD_AMOUNT = _diag.define("RSL127", "MUST", "R-12.3-23", "amount is not a decimal number")
NO_CURRENCY = _diag.define("RSL128", "MUST", "R-12.3-23", "amount has no currency attribute")
BAD_CURRENCY = _diag.define(
    "RSL129", "MUST", "R-12.3-23", "currency is not a three-letter upper-case ISO 4217 code")
BAD_STANDARD = _diag.define("RSL130", "MUST", "R-12.3-24", "standard is not an absolute URI")
BAD_LINK = _diag.define("RSL131", "MUST", "R-12.3-30", "Element needs a URL or path")
NO_ACCEPTS_TYPE = _diag.define(
    "RSL132", "MUST", "R-12.3-25", "accepts has no media type in its type attribute")
BAD_REPORTING_TYPE = _diag.define(
    "RSL133", "MUST", "R-12.3-26", "reporting type is not telemetry, provenance or audit")
BAD_PROFILE = _diag.define(
    "RSL134", "MUST", "R-12.3-26", "reporting needs an absolute profile URI")
BAD_ENDPOINT = _diag.define("RSL135", "MUST", "R-12.3-27", "reporting endpoint is not an https URL")
BAD_LEGAL_TYPE = _diag.define(
    "RSL136", "MUST", "R-12.3-28",
    "legal type is not warranty, disclaimer, attestation, contact or proof")
UNKNOWN_LEGAL = _diag.define("RSL137", "MUST", "R-12.3-29", "Unknown legal token")
REPEATED_LEGAL = _diag.define(
    "RSL138", "MUST", "R-12.3-28",
    "Second legal of the same type in one license; the first is read")
BAD_LEGAL_VALUE = _diag.define(
    "RSL139", "MUST", "R-12.3-29", "legal contact or proof is not a URI or e-mail address")
BAD_COPYRIGHT = _diag.define(
    "RSL140", "MUST", "R-12.3-31",
    "copyright type is not person or organization, or a contact is malformed")
INSECURE = _diag.define(
    "RSL141", "SHOULD", "R-12.3-32", "Licence server or endpoint is not served over HTTPS")
DRAFT_COMMAS = _diag.define(
    "RSL150", "MUST", "R-12.3-33", "RSL 0.9 draft form: comma-separated list",
    "RSL 1.0 separates tokens with spaces")
DRAFT_INFERENCE = _diag.define(
    "RSL151", "MUST", "R-12.3-33", "RSL 0.9 draft form: payment type inference",
    "RSL 1.0 calls it use")
DRAFT_CURRENCY = _diag.define(
    "RSL152", "MUST", "R-12.3-33", "RSL 0.9 draft form: currency XBT is not ISO 4217",
    "RSL 1.0 requires an ISO 4217 code such as USD")
DRAFT_NO_MAX_AGE = _diag.define(
    "RSL153", "NOTE", "R-12.3-33",
    "RSL 0.9 draft form: no max-age; RSL 1.0 readers revalidate every 30 days",
    "add max-age=\"30\" (days) to the rsl element")
WRONG_MEDIA_TYPE = _diag.define(
    "RSL160", "SHOULD", "R-12.3-34",
    "RSL document is not served as application/rsl+xml; it is read anyway")
BAD_LICENSE_LINE = _diag.define(
    "RSL161", "MUST", "R-12.3-37",
    "robots.txt License value is not an absolute URI; it is ignored")
UNAVAILABLE = _diag.define(
    "RSL162", "NOTE", "R-12.3-37", "RSL document could not be fetched; nothing is licensed by it")

# --- Vocabulary (RSL 1.0 §3.4–§3.13) --------------------------------------------------------
#: usage token → the token containing it (``all`` ⊃ ``ai-all`` ⊃ the three AI uses).
USAGE_PARENT: Final[Mapping[str, str | None]] = {
    "all": None,
    "ai-all": "all",
    "ai-train": "ai-all",
    "ai-input": "ai-all",
    "ai-index": "ai-all",
    "search": "all",
}
USER_TOKENS: Final = frozenset(
    {"commercial", "non-commercial", "education", "government", "personal"})
PAYMENT_TYPES: Final = frozenset(
    {"purchase", "subscription", "training", "crawl", "use", "contribution", "attribution",
     "free"})
REPORTING_TYPES: Final = frozenset({"telemetry", "provenance", "audit"})
LEGAL_TOKENS: Final[Mapping[str, frozenset[str]]] = {
    "warranty": frozenset(
        {"ownership", "authority", "no-infringement", "privacy-consent", "no-malware"}),
    "disclaimer": frozenset({"as-is", "no-warranty", "no-liability", "no-indemnity"}),
}
LEGAL_TYPES: Final = frozenset({"warranty", "disclaimer", "attestation", "contact", "proof"})
LIST_TYPES: Final = ("usage", "user", "geo")
#: Labels of other vocabularies that publishers write where an RSL token belongs.
CONFUSED_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "train-ai": ("ai-train", "train-ai is the aipref label; RSL spells it ai-train"),
    "train-any": ("ai-train", "train-any is an aioptout label; RSL says ai-train"),
    "train-genai": ("ai-train", "train-genai is an old aipref label; RSL says ai-train"),
    "ai-training": ("ai-train", "RSL spells it ai-train"),
    "tdm": ("all", "tdm is an aioptout/TDMRep term; RSL says all"),
}
#: Our usage label → the RSL usage token whose answer it takes: the mapping table's rows.
LABEL_TOKEN: Final[Mapping[str, str]] = {
    label: token
    for token in USAGE_PARENT
    for label, _ in (_lookup("rsl", f"usage {token}: permitted, free")
                     if token not in ("ai-all", "ai-index") else ())
}
#: Which attributes each RSL element takes; children it may hold, and at most once or not.
_ATTRS: Final[Mapping[str, frozenset[str]]] = {
    "rsl": frozenset({"max-age"}),
    "content": frozenset({"url", "server", "encrypted", "lastmod"}),
    "license": frozenset(),
    "permits": frozenset({"type"}),
    "prohibits": frozenset({"type"}),
    "payment": frozenset({"type"}),
    "standard": frozenset(),
    "custom": frozenset(),
    "amount": frozenset({"currency"}),
    "accepts": frozenset({"type"}),
    "reporting": frozenset({"type", "profile", "endpoint"}),
    "legal": frozenset({"type"}),
    "alternate": frozenset({"type"}),
    "schema": frozenset({"type"}),
    "copyright": frozenset({"type", "contactEmail", "contactUrl"}),
    "terms": frozenset(),
}
_CHILDREN: Final[Mapping[str, Mapping[str, bool]]] = {
    # child → may repeat
    "rsl": {"content": True},
    "content": {"license": True, "alternate": True, "schema": False, "copyright": False,
                "terms": False},
    "license": {"permits": True, "prohibits": True, "payment": False, "reporting": True,
                "legal": True},
    "payment": {"standard": False, "custom": False, "amount": False, "accepts": False},
}
_GEO: Final = re.compile(r"[A-Z]{2}\Z")
_CURRENCY: Final = re.compile(r"[A-Z]{3}\Z")
_DECIMAL: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_MAX_AGE: Final = re.compile(r"[0-9]+\Z")
_SCHEME: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\Z")
_COMMENT: Final = re.compile(r"<!--.*?-->|<\?.*?\?>", re.S)
_START_TAG: Final = re.compile(r"<(?![?!])([^\s>/]+)")

@dataclass(frozen=True, slots=True)
class RslTerms:
    """One ``license`` element: a set of terms.  Token lists hold only known tokens."""

    line: int
    permits: Mapping[str, frozenset[str]]
    prohibits: Mapping[str, frozenset[str]]
    has_payment: bool = False
    payment: str | None = None
    amount: str | None = None
    currency: str | None = None
    standard: str | None = None
    custom: str | None = None
    accepts: str | None = None
    reporting: tuple[str, ...] = ()

    @property
    def free(self) -> bool:
        """No payment, or ``free`` without anything to pay or follow (RSL §3.7)."""
        if not self.has_payment:
            return True
        return (self.payment == "free" and self.amount is None and self.custom is None
                and self.accepts is None)


@dataclass(frozen=True, slots=True)
class RslContent:
    """One ``content`` element: a scope (``url``), its licence server and its licences."""

    url: str
    line: int
    licenses: tuple[RslTerms, ...]
    server: str | None = None
    encrypted: bool = False
    lastmod: str | None = None
    terms_url: str | None = None
    host: str | None = field(default=None, compare=False)
    pattern: str = field(default="/", compare=False)

    def matches(self, target: str) -> bool:
        """RFC 9309 matching of the scope's path; an absolute ``url`` also needs its host."""
        if self.host is not None and "://" in target \
                and (urlsplit(target).hostname or "").lower() != self.host:
            return False
        return compile_pattern(self.pattern).matches(normalize_path(target))

    @property
    def length(self) -> int:
        return compile_pattern(self.pattern).length


class RslDocument:
    """A parsed RSL document: its content scopes, diagnostics and per-target statements."""

    mechanism: Final = MECHANISM
    __slots__ = ("_rules", "contents", "diagnostics", "draft", "max_age", "source")

    def __init__(self, contents: tuple[RslContent, ...], diagnostics: tuple[Diagnostic, ...],
                 *, source: str | None, max_age: int, draft: bool) -> None:
        self._rules: RuleSet[RslContent] | None = None
        self.contents = contents
        self.diagnostics = diagnostics
        self.source = source
        self.max_age = max_age
        self.draft = draft

    def __repr__(self) -> str:
        return (f"RslDocument(source={self.source!r}, contents={len(self.contents)}, "
                f"diagnostics={len(self.diagnostics)})")

    @property
    def valid(self) -> bool:
        return not any(d.severity.value == "error" for d in self.diagnostics)

    def scope(self, target: str) -> tuple[RslContent, ...]:
        """The matching content elements of the narrowest scope (longest pattern) [R-12.3-41].

        The longest match comes from a ``RuleSet`` (no scan of every scope); scopes of another
        host are dropped afterwards, and only then, rarely, is every scope tried.
        """
        rules = self._rules
        if rules is None:
            ordered = sorted(self.contents, key=lambda c: -c.length)
            rules = self._rules = RuleSet((compile_pattern(c.pattern), c) for c in ordered)
        host = (urlsplit(target).hostname or "").lower() if "://" in target else None
        path = normalize_path(target)
        found = [c for c in rules.longest(path) if host is None or c.host in (None, host)]
        if found:
            return tuple(found)
        matching = [c for c in self.contents if c.matches(target)]
        if not matching:
            return ()
        longest = max(c.length for c in matching)
        return tuple(c for c in matching if c.length == longest)

    def statements(self, agent: str, target: str) -> list[Statement]:
        """One statement per usage label for ``target``; none when no scope matches.

        ``agent`` does not matter: agent selection happened where the document was found
        (a robots.txt group's License lines).
        """
        scope = self.scope(target)
        if not scope:
            return []
        out: list[Statement] = []
        line = scope[0].line
        for label in U.LABELS:
            value, routes, why = _evaluate(scope, LABEL_TOKEN[label], self.source)
            if value is Value.UNKNOWN:
                continue
            if not self.valid and not _prohibits(scope, LABEL_TOKEN[label]):
                continue  # [R-12.3-43] an invalid document grants nothing
            out.append(Statement(
                mechanism=MECHANISM, usage=label, value=value,
                reason=f"RSL {LABEL_TOKEN[label]}: {why}", source=self.source, line=line,
                raw=f"<content url=\"{scope[0].url}\">", licence=routes))
        return out


def _covers(tokens: frozenset[str], token: str) -> bool:
    """Whether a list names ``token`` or a token containing it."""
    current: str | None = token
    while current is not None:
        if current in tokens:
            return True
        current = USAGE_PARENT.get(current)
    return False


def _prohibits(scope: Iterable[RslContent], token: str) -> bool:
    """Whether a license of the scope prohibits ``token`` itself or a token containing it."""
    return any(_covers(terms.prohibits.get("usage", frozenset()), token)
               for content in scope for terms in content.licenses)


def _touches(tokens: frozenset[str], token: str) -> bool:
    """Whether a list names ``token``, a token containing it, or one it contains."""
    if _covers(tokens, token):
        return True
    return any(_covers(frozenset({token}), t) for t in tokens)


def _evaluate(scope: Iterable[RslContent], token: str, source: str | None
              ) -> tuple[Value, tuple[Licence, ...], str]:
    """Allowed (free), disallowed (prohibited or not licensed) or disallowed with routes.

    A prohibition anywhere in the effective scope wins (RSL §3.1.1: permitted and prohibited is
    not licensed, read conservatively).  ``all`` is granted only when nothing is prohibited.
    """
    grants: list[tuple[RslContent, RslTerms]] = []
    for content in scope:
        for terms in content.licenses:
            banned = terms.prohibits.get("usage", frozenset())
            if (_touches(banned, token) if token == "all" else _covers(banned, token)):
                return Value.DISALLOWED, (), f"prohibited by the license of line {terms.line}"
    for content in scope:
        for terms in content.licenses:
            allowed = terms.permits.get("usage")
            if allowed is None or _covers(allowed, token):
                grants.append((content, terms))
    if not grants:
        return Value.DISALLOWED, (), "no license of the scope permits it"
    routes: list[Licence] = []
    for content, terms in grants:
        conditions = bool(content.server) or not terms.free or bool(terms.reporting) or any(
            t in terms.permits or t in terms.prohibits for t in ("user", "geo"))
        if not conditions:
            return Value.ALLOWED, (), f"permitted free by the license of line {terms.line}"
        routes.append(Licence(
            server=content.server, payment=terms.payment if terms.has_payment else None,
            amount=terms.amount, currency=terms.currency, standard=terms.standard,
            custom=terms.custom, terms=content.terms_url, accepts=terms.accepts,
            users=tuple(sorted(terms.permits.get("user", ()))),
            excluded_users=tuple(sorted(terms.prohibits.get("user", ()))),
            geo=tuple(sorted(terms.permits.get("geo", ()))),
            excluded_geo=tuple(sorted(terms.prohibits.get("geo", ()))),
            reporting=terms.reporting, document=source, line=terms.line))
    return Value.DISALLOWED, tuple(routes), "available only under licence"


# --- Parsing ---------------------------------------------------------------------------------

def looks_like_rsl(data: bytes | str) -> bool:
    """Whether a body is XML that names the RSL namespace near its start (sniffing only)."""
    head = data[:4096] if isinstance(data, str) else data[:4096].decode("utf-8", "replace")
    return head.lstrip("\ufeff \t\r\n").startswith("<") and NAMESPACE in head


class _Reader:
    def __init__(self, positions: Mapping[int, tuple[int, int]], bare: bool) -> None:
        self.positions = positions
        self.bare = bare  # the root had no namespace: read unqualified names as RSL
        self.found: list[Diagnostic] = []
        self.counts: dict[str, int] = {}
        self.draft = False

    def where(self, element: ET.Element) -> tuple[int, int]:
        return self.positions.get(id(element), (1, 1))

    def add(self, code: _diag.Code, element: ET.Element, message: str | None = None,
            hint: str | None = None) -> None:
        n = self.counts.get(code.code, 0)
        self.counts[code.code] = n + 1
        if n >= MAX_DIAGNOSTICS_PER_CODE:
            return
        line, column = self.where(element)
        self.found.append(code.at(line, column, message=message, hint=hint))

    def local(self, element: ET.Element) -> str | None:
        """The RSL local name of ``element``, or None for a foreign (extension) element."""
        tag = element.tag
        if not isinstance(tag, str):
            return None
        if tag.startswith(_NS):
            return tag[len(_NS):]
        if self.bare and not tag.startswith("{"):
            return tag
        return None

    def attributes(self, element: ET.Element, name: str) -> None:
        known = _ATTRS.get(name, frozenset())
        for attr in element.attrib:
            if not attr.startswith("{") and attr not in known:
                self.add(UNKNOWN_ATTRIBUTE, element, f"Unknown attribute {attr!r} on {name} "
                         "is ignored")

    def children(self, element: ET.Element, name: str) -> dict[str, list[ET.Element]]:
        """RSL children by name, after reporting unknown, misplaced and repeated ones."""
        allowed = _CHILDREN.get(name, {})
        out: dict[str, list[ET.Element]] = {}
        for child in element:
            local = self.local(child)
            if local is None:
                continue
            if local not in _ATTRS:
                close = difflib.get_close_matches(local, list(_ATTRS), n=1)
                self.add(UNKNOWN_ELEMENT, child, f"Unknown element {local!r} in the RSL namespace",
                         hint=f"did you mean {close[0]}?" if close else None)
                continue
            self.attributes(child, local)
            if local not in allowed:
                self.add(MISPLACED, child, f"{local} is not allowed inside {name}")
                continue
            seen = out.setdefault(local, [])
            if seen and not allowed[local]:
                self.add(REPEATED, child, f"{local} may occur at most once in {name}")
                continue
            seen.append(child)
        return out

    def tokens(self, element: ET.Element) -> list[str]:
        text = (element.text or "").strip()
        if "," in text:
            self.draft = True
            self.add(DRAFT_COMMAS, element)
            text = text.replace(",", " ")
        return text.split()


def _absolute(value: str) -> bool:
    return _SCHEME.match(value) is not None


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def _rfc3339(value: str) -> bool:
    return parse_date(value) is not None


def parse(data: bytes | str, *, source: str | None = None, context: str = "document",
          media_type: str | None = None) -> RslDocument:
    """Read an RSL document; bad input yields diagnostics, never an exception.

    ``context`` is ``document`` (a file of its own), ``inline`` (an HTML ``script``) or
    ``embedded`` (RSS items, XMP): the last two hold exactly one ``content`` [R-12.3-35].
    ``media_type``, when the document was fetched, is checked against ``application/rsl+xml``
    without ever refusing the document for it [R-12.3-36].
    """
    try:
        root, positions = parse_located(data)
    except XmlRefused as exc:
        code = NOT_XML if exc.reason == MALFORMED else XML_REFUSED
        if exc.reason == DTD:
            code = XML_REFUSED
        diag = code.at(exc.line, exc.column, message=f"{code.title}: {exc.message}")
        return RslDocument((), (diag,), source=source, max_age=DEFAULT_MAX_AGE_DAYS, draft=False)
    return read_element(root, positions, source=source, context=context, media_type=media_type,
                        prefixed=_prefixed(data))


def read_element(root: ET.Element, positions: Mapping[int, tuple[int, int]], *,
                 source: str | None = None, context: str = "document",
                 media_type: str | None = None, prefixed: bool = False) -> RslDocument:
    """Read an already parsed ``rsl`` element (or, in RSS, a lone ``content``)."""
    tag = root.tag if isinstance(root.tag, str) else ""
    bare = tag == "rsl" or (tag == "content" and context == "embedded")
    reader = _Reader(positions, bare)
    local = reader.local(root)
    max_age = DEFAULT_MAX_AGE_DAYS
    if media_type is not None and media_type.split(";")[0].strip().lower() != MEDIA_TYPE:
        reader.found.append(WRONG_MEDIA_TYPE.at(1, 1, message=(
            f"{WRONG_MEDIA_TYPE.title} (served as {media_type.split(';')[0].strip() or 'nothing'})"
        )))
    if local == "content" and context == "embedded":
        reader.attributes(root, "content")
        contents = [c for c in (_content(reader, root),) if c is not None]
    elif local != "rsl":
        reader.add(NOT_RSL, root, f"{NOT_RSL.title} (found {tag or '?'})")
        return RslDocument((), tuple(reader.found), source=source, max_age=max_age, draft=False)
    else:
        if bare:
            reader.add(NOT_RSL, root, "rsl element has no namespace; RSL is identified by "
                       "https://rslstandard.org/rsl")
        elif context == "document" and prefixed:
            reader.add(PREFIXED_ROOT, root)
        reader.attributes(root, "rsl")
        raw_age = root.get("max-age")
        if raw_age is not None:
            if _MAX_AGE.match(raw_age.strip()) and int(raw_age) > 0:
                max_age = int(raw_age)
            else:
                reader.add(BAD_MAX_AGE, root)
        kids = reader.children(root, "rsl")
        found = kids.get("content", [])
        if not found:
            reader.add(NO_CONTENT, root)
        if context in ("inline", "embedded") and len(found) != 1:
            reader.add(INLINE_NOT_ONE, root)
        contents = [c for c in (_content(reader, el) for el in found) if c is not None]
        if reader.draft and raw_age is None:
            reader.add(DRAFT_NO_MAX_AGE, root)
    found_diags = sorted(reader.found, key=lambda d: (d.line, d.column, d.code))
    return RslDocument(tuple(contents), tuple(found_diags), source=source, max_age=max_age,
                       draft=reader.draft)


def _prefixed(data: bytes | str) -> bool:
    """Whether the root start tag is written with a prefix (``<rsl:rsl``); ElementTree
    forgets prefixes, so the raw text is looked at."""
    head = data[:8192] if isinstance(data, str) else data[:8192].decode("utf-8", "replace")
    head = _COMMENT.sub("", head)
    match = _START_TAG.search(head)
    return match is not None and ":" in match.group(1)


def _content(reader: _Reader, element: ET.Element) -> RslContent | None:
    url = element.get("url")
    line, _ = reader.where(element)
    host: str | None = None
    pattern = "/"
    if url is None:
        reader.add(NO_URL, element)
    else:
        url = url.strip()
        if url == "":
            pattern = "/"  # the scope of the association (HTML, RSS) [R-12.3-35]
        elif url.startswith(("/", "*")):
            pattern = url
        elif _http_url(url):
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            pattern = parts.path or "/"
            if parts.query:
                pattern += "?" + parts.query
        else:
            reader.add(BAD_URL, element)
            url = None
    server = element.get("server")
    if server is not None:
        server = server.strip()
        if not _http_url(server):
            reader.add(BAD_SERVER, element)
        elif not server.lower().startswith("https:"):
            reader.add(INSECURE, element)
    encrypted = False
    raw_enc = element.get("encrypted")
    if raw_enc is not None:
        if raw_enc not in ("true", "false"):
            reader.add(BAD_BOOLEAN, element, f"encrypted={raw_enc!r}: {BAD_BOOLEAN.title}")
        encrypted = raw_enc == "true"
        if encrypted and not server:
            reader.add(ENCRYPTED_WITHOUT_SERVER, element)
    lastmod = element.get("lastmod")
    if lastmod is not None and not _rfc3339(lastmod.strip()):
        reader.add(BAD_LASTMOD, element)
    kids = reader.children(element, "content")
    licenses = kids.get("license", [])
    if not licenses:
        reader.add(NO_LICENSE, element)
    terms = [_license(reader, el) for el in licenses]
    for alternate in kids.get("alternate", []):
        if not (alternate.text or "").strip():
            reader.add(BAD_LINK, alternate, "alternate needs a URL or path")
    for schema in kids.get("schema", []):
        if not (schema.text or "").strip():
            reader.add(BAD_LINK, schema, "schema needs a URL or inline JSON-LD")
    for copyright_ in kids.get("copyright", []):
        kind = copyright_.get("type")
        email = copyright_.get("contactEmail")
        contact_url = copyright_.get("contactUrl")
        if (kind is not None and kind not in ("person", "organization")) or (
                email is not None and not _EMAIL.match(email.strip())) or (
                contact_url is not None and not _http_url(contact_url.strip())):
            reader.add(BAD_COPYRIGHT, copyright_)
    terms_url = None
    for element_terms in kids.get("terms", []):
        text = (element_terms.text or "").strip()
        if not text:
            reader.add(BAD_LINK, element_terms, "terms needs a URL")
        else:
            terms_url = text
    if url is None:
        return None
    return RslContent(url=url, line=line, licenses=tuple(terms), server=server,
                      encrypted=encrypted, lastmod=lastmod, terms_url=terms_url, host=host,
                      pattern=pattern)


def _license(reader: _Reader, element: ET.Element) -> RslTerms:
    line, _ = reader.where(element)
    kids = reader.children(element, "license")
    lists: dict[str, dict[str, frozenset[str]]] = {"permits": {}, "prohibits": {}}
    for name in ("permits", "prohibits"):
        for item in kids.get(name, []):
            kind = item.get("type")
            if kind not in LIST_TYPES:
                reader.add(BAD_LIST_TYPE, item)
                continue
            if kind in lists[name]:
                reader.add(REPEATED_LIST, item, f"second {name} type={kind!r} in one license")
                continue
            lists[name][kind] = _token_list(reader, item, kind, prohibits=name == "prohibits")
    payment = kids.get("payment", [])
    terms = RslTerms(line, lists["permits"], lists["prohibits"],
                     reporting=tuple(_reporting(reader, kids.get("reporting", []))))
    legal_seen: set[str] = set()
    for legal in kids.get("legal", []):
        _legal(reader, legal, legal_seen)
    if payment:
        return _payment(reader, payment[0], terms)
    return terms


def _token_list(reader: _Reader, element: ET.Element, kind: str, *, prohibits: bool
                ) -> frozenset[str]:
    tokens = reader.tokens(element)
    if not tokens:
        reader.add(EMPTY_LIST, element)
    kept: set[str] = set()
    for token in tokens:
        if ":" in token:
            continue  # an extension token (a QName of another namespace): ignored
        if kind == "usage":
            if token in USAGE_PARENT:
                kept.add(token)
            elif token in CONFUSED_LABELS:
                meant, why = CONFUSED_LABELS[token]
                reader.add(FOREIGN_LABEL, element, f"{token!r} is not an RSL usage token: {why}",
                           hint=f"write {meant}")
                if prohibits:
                    kept.add(meant)  # [R-12.3-43] a prohibition is read as meant
            else:
                reader.add(UNKNOWN_USAGE, element, f"Unknown usage token {token!r} is ignored")
        elif kind == "user":
            if token in USER_TOKENS:
                kept.add(token)
            else:
                reader.add(UNKNOWN_USER, element, f"Unknown user token {token!r} is ignored")
        elif _GEO.match(token):
            kept.add(token)
        else:
            hint = f"write {token.upper()}" if _GEO.match(token.upper()) else None
            reader.add(BAD_GEO, element, f"{BAD_GEO.title}: {token!r}", hint=hint)
    return frozenset(kept)


def _payment(reader: _Reader, element: ET.Element, terms: RslTerms) -> RslTerms:
    kind = element.get("type")
    if kind is not None:
        kind = kind.strip()
        if kind == "inference":
            reader.draft = True
            reader.add(DRAFT_INFERENCE, element)
            kind = "use"
        elif kind not in PAYMENT_TYPES:
            reader.add(UNKNOWN_PAYMENT, element, f"Unknown payment type {kind!r}")
    kids = reader.children(element, "payment")
    amount = currency = standard = custom = accepts = None
    for item in kids.get("amount", []):
        amount = (item.text or "").strip()
        if not _DECIMAL.match(amount):
            reader.add(BAD_AMOUNT, item)
        currency = item.get("currency")
        if currency is None:
            reader.add(NO_CURRENCY, item)
        elif currency.strip() == "XBT":
            reader.draft = True
            reader.add(DRAFT_CURRENCY, item)
        elif not _CURRENCY.match(currency.strip()):
            upper = currency.strip().upper()
            reader.add(BAD_CURRENCY, item, f"{BAD_CURRENCY.title}: {currency!r}",
                       hint=f"write {upper}" if _CURRENCY.match(upper) else None)
    for item in kids.get("standard", []):
        standard = (item.text or "").strip()
        if not _absolute(standard):
            reader.add(BAD_STANDARD, item)
    for item in kids.get("custom", []):
        custom = (item.text or "").strip()
        if not custom:
            reader.add(BAD_LINK, item, "custom needs a URL or path")
    for item in kids.get("accepts", []):
        accepts = (item.get("type") or "").strip()
        if "/" not in accepts:
            reader.add(NO_ACCEPTS_TYPE, item)
    return RslTerms(terms.line, terms.permits, terms.prohibits, True, kind, amount, currency,
                    standard, custom, accepts or None, terms.reporting)


def _reporting(reader: _Reader, elements: list[ET.Element]) -> list[str]:
    profiles: list[str] = []
    for element in elements:
        if element.get("type") not in REPORTING_TYPES:
            reader.add(BAD_REPORTING_TYPE, element)
        profile = (element.get("profile") or "").strip()
        if not _absolute(profile):
            reader.add(BAD_PROFILE, element)
        else:
            profiles.append(profile)
        endpoint = element.get("endpoint")
        if endpoint is not None and not (endpoint.strip().lower().startswith("https://")
                                         and _http_url(endpoint.strip())):
            reader.add(BAD_ENDPOINT, element)
    return profiles


def _legal(reader: _Reader, element: ET.Element, seen: set[str]) -> None:
    kind = element.get("type")
    if kind not in LEGAL_TYPES:
        reader.add(BAD_LEGAL_TYPE, element)
        return
    if kind in seen:
        reader.add(REPEATED_LEGAL, element, f"second legal type={kind!r} in one license")
        return
    seen.add(kind)
    if kind in LEGAL_TOKENS:
        for token in reader.tokens(element):
            if ":" not in token and token not in LEGAL_TOKENS[kind]:
                reader.add(UNKNOWN_LEGAL, element, f"Unknown {kind} token {token!r}")
    elif kind == "attestation":
        text = (element.text or "").strip()
        if text not in ("true", "false"):
            reader.add(BAD_BOOLEAN, element, f"attestation {text!r}: {BAD_BOOLEAN.title}")
    elif kind == "contact":
        text = (element.text or "").strip()
        if not (_absolute(text) or _EMAIL.match(text)):
            reader.add(BAD_LEGAL_VALUE, element)
    else:
        values = (element.text or "").split()
        if not values or not all(_absolute(v) for v in values):
            reader.add(BAD_LEGAL_VALUE, element)


# --- Discovery (RSL 1.0 §4; spec §12.3) -------------------------------------------------------

#: Most RSL documents one site's discovery fetches: a deadline stays a deadline.
MAX_DOCUMENTS_PER_SITE: Final = 8
_LINK_ITEM: Final = re.compile(r"<([^>]*)>\s*((?:;[^,;]*)*)")
_LINK_PARAM: Final = re.compile(r"""\s*([A-Za-z0-9!#$&+.^_`|~-]+)\s*(?:=\s*("[^"]*"|[^;,\s]*))?""")
_LICENSE_FIELD: Final = "license"


@dataclass(frozen=True, slots=True)
class LicenseLink:
    """Where an RSL document was associated: its URL, the mechanism and the line."""

    url: str
    via: str  # robots-group, robots-global, link-header, html-link
    line: int | None = None


def _is_absolute_uri(value: str) -> bool:
    return _absolute(value) and "://" in value


def robots_license_lines(data: bytes | str) -> tuple[
        tuple[LicenseLink, ...], tuple[Diagnostic, ...]]:
    """The global License lines of a robots.txt (those before its first User-agent line).

    The robots.txt reader keeps the lines of groups but not unknown fields outside them, so the
    global ones are read here from the text; group lines come from ``robots.matching_groups``.
    """
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    found: list[LicenseLink] = []
    diags: list[Diagnostic] = []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.split("#", 1)[0]
        key, colon, value = line.partition(":")
        key = key.strip(" \t").lower()
        if not colon:
            continue
        if key in ("user-agent", "useragent", "user agent"):
            break
        if key == _LICENSE_FIELD:
            value = value.strip(" \t")
            if _is_absolute_uri(value):
                found.append(LicenseLink(value, "robots-global", number))
            elif len(diags) < MAX_DIAGNOSTICS_PER_CODE:
                column = raw.find(value) + 1 if value else len(raw) + 1
                diags.append(BAD_LICENSE_LINE.at(number, max(column, 1)))
    return tuple(found), tuple(diags)


def robots_group_licenses(robots: object, agent: str) -> tuple[LicenseLink, ...]:
    """License lines of the groups robots.txt selects for ``agent`` (RFC 9309 §2.2.1)."""
    matching = getattr(robots, "matching_groups", None)
    if matching is None:
        return ()
    out: list[LicenseLink] = []
    for group in matching(agent):
        for line in group.lines:
            if line.field == _LICENSE_FIELD and _is_absolute_uri(line.value):
                out.append(LicenseLink(line.value, "robots-group", line.line))
    return tuple(out)


def robots_group_diagnostics(robots: object) -> tuple[Diagnostic, ...]:
    """RSL161 for every group License line whose value is not an absolute URI."""
    out: list[Diagnostic] = []
    for group in getattr(robots, "groups", ()):
        for line in group.lines:
            if line.field == _LICENSE_FIELD and not _is_absolute_uri(line.value):
                out.append(BAD_LICENSE_LINE.at(line.line, line.column))
    return tuple(out[:MAX_DIAGNOSTICS_PER_CODE])


def all_robots_license_urls(robots: object, global_links: Iterable[LicenseLink]) -> list[str]:
    """Every document a robots.txt associates, global and in any group, each once."""
    urls = [link.url for link in global_links]
    for group in getattr(robots, "groups", ()):
        for line in group.lines:
            if line.field == _LICENSE_FIELD and _is_absolute_uri(line.value):
                urls.append(line.value)
    return list(dict.fromkeys(urls))


def link_header_licenses(headers: Mapping[str, str], base: str | None = None
                         ) -> tuple[LicenseLink, ...]:
    """``Link: <…>; rel="license"; type="application/rsl+xml"`` targets (RFC 8288)."""
    from urllib.parse import urljoin

    out: list[LicenseLink] = []
    for name, value in headers.items():
        if name.lower() != "link":
            continue
        for match in _LINK_ITEM.finditer(value):
            params: dict[str, str] = {}
            for param in _LINK_PARAM.finditer(match.group(2).replace(";", " ;")):
                if param.group(1):
                    params[param.group(1).lower()] = (param.group(2) or "").strip('"')
            rels = params.get("rel", "").lower().split()
            kind = params.get("type", "").lower()
            if "license" in rels and kind == MEDIA_TYPE:
                target = match.group(1).strip()
                out.append(LicenseLink(urljoin(base, target) if base else target, "link-header"))
    return tuple(out)


class _HtmlLicenses:
    """``<link rel="license" type="application/rsl+xml">`` and inline RSL scripts of a page."""

    def __init__(self) -> None:
        from html.parser import HTMLParser

        outer = self
        self.links: list[tuple[str, int]] = []
        self.scripts: list[tuple[str, int]] = []

        class Parser(HTMLParser):
            def __init__(self) -> None:
                super().__init__(convert_charrefs=True)
                self.in_script: int | None = None
                self.buffer: list[str] = []

            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                values = {k.lower(): (v or "") for k, v in attrs}
                kind = values.get("type", "").strip().lower()
                if tag == "link" and kind == MEDIA_TYPE and "license" in values.get(
                        "rel", "").lower().split() and values.get("href", "").strip():
                    outer.links.append((values["href"].strip(), self.getpos()[0]))
                elif tag == "script" and kind == MEDIA_TYPE:
                    self.in_script = self.getpos()[0]
                    self.buffer = []

            def handle_data(self, data: str) -> None:
                if self.in_script is not None:
                    self.buffer.append(data)

            def handle_endtag(self, tag: str) -> None:
                if tag == "script" and self.in_script is not None:
                    outer.scripts.append(("".join(self.buffer), self.in_script))
                    self.in_script = None

        self.parser = Parser()


def html_licenses(html: str, *, base: str | None = None
                  ) -> tuple[tuple[LicenseLink, ...], tuple[RslDocument, ...]]:
    """Linked RSL documents and inline ``<script type="application/rsl+xml">`` documents.

    Inline documents are read with ``context="inline"``: exactly one ``content``, and
    ``url=""`` means the page itself [R-12.3-35].  Positions in inline documents count from
    the script's first line.
    """
    from urllib.parse import urljoin

    found = _HtmlLicenses()
    try:
        found.parser.feed(html)
        found.parser.close()
    except Exception:  # html.parser is lenient; a failure loses only this page's RSL
        return (), ()
    links = tuple(LicenseLink(urljoin(base, href) if base else href, "html-link", line)
                  for href, line in found.links)
    inline = tuple(parse(text.strip(), source=f"{base or ''}#script-line-{line}",
                         context="inline") for text, line in found.scripts)
    return links, inline


class RslSite:
    """Every RSL document a site associates through robots.txt, read for one agent at a time.

    A selected group's License lines replace the global ones [R-12.3-38]; documents are looked
    up by URL, so a line whose document could not be fetched licenses nothing.
    """

    mechanism: Final = MECHANISM
    __slots__ = ("diagnostics", "documents", "global_links", "robots", "source")

    def __init__(self, robots: object, global_links: tuple[LicenseLink, ...],
                 documents: Mapping[str, RslDocument], diagnostics: tuple[Diagnostic, ...] = (),
                 *, source: str | None = None) -> None:
        self.robots = robots
        self.global_links = global_links
        self.documents = dict(documents)
        self.diagnostics = diagnostics
        self.source = source

    def links_for(self, agent: str) -> tuple[LicenseLink, ...]:
        from ..signals.robots import product_token

        group = robots_group_licenses(self.robots, product_token(agent) or agent)
        return group or self.global_links

    def statements(self, agent: str, target: str) -> list[Statement]:
        out: list[Statement] = []
        for link in self.links_for(agent):
            document = self.documents.get(link.url)
            if document is not None:
                out.extend(document.statements(agent, target))
        return out


class PageRsl:
    """RSL documents a page associates (Link header, HTML link, inline script): page scope.

    A linked document's ``content url=""`` means the page; other scopes are matched as usual.
    """

    mechanism: Final = MECHANISM
    __slots__ = ("diagnostics", "documents", "page", "source")

    def __init__(self, page: str, documents: Iterable[RslDocument]) -> None:
        self.page = page
        self.documents = tuple(documents)
        self.diagnostics = tuple(d for doc in self.documents for d in doc.diagnostics)
        self.source = page

    def statements(self, agent: str, target: str) -> list[Statement]:
        if normalize_path(target) != normalize_path(self.page):
            return []
        out: list[Statement] = []
        for document in self.documents:
            out.extend(document.statements(agent, target))
        return out


# --- RSS items and embedded metadata (RSL 1.0 §4.7, §4.8) ---------------------------------------

FOREIGN_ITEM = _diag.define(
    "RSL142", "MUST", "R-12.3-40",
    "RSS item's rsl:content url is not on the feed's own origin; it is ignored")
EMPTY_EMBEDDED_URL = _diag.define(
    "RSL143", "MUST", "R-12.3-35", "Embedded rsl:content needs a non-empty canonical url")
_RSS_ITEM: Final = "item"


def _origin(url: str) -> tuple[str, str, int | None] | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), parts.port


def from_feed(data: bytes | str, *, source: str | None = None) -> RslDocument:
    """The ``<rsl:content>`` elements of an RSS feed's ``<item>``s as one document [R-12.3-40].

    Each item's content is read as an embedded document (exactly one ``content``); a ``url``
    off the feed's origin is ignored, as RSL requires, when ``source`` (the feed's URL) is known.
    """
    try:
        root, positions = parse_located(data)
    except XmlRefused as exc:
        code = NOT_XML if exc.reason == MALFORMED else XML_REFUSED
        diag = code.at(exc.line, exc.column, message=f"{code.title}: {exc.message}")
        return RslDocument((), (diag,), source=source, max_age=DEFAULT_MAX_AGE_DAYS, draft=False)
    feed_origin = _origin(source) if source else None
    contents: list[RslContent] = []
    found: list[Diagnostic] = []
    draft = False
    for item in root.iter(_RSS_ITEM):
        for element in item:
            if element.tag != _NS + "content":
                continue
            url = (element.get("url") or "").strip()
            line, column = positions.get(id(element), (1, 1))
            if not url:
                found.append(EMPTY_EMBEDDED_URL.at(line, column))
                continue
            if feed_origin is not None and url.startswith(("http://", "https://")) \
                    and _origin(url) != feed_origin:
                found.append(FOREIGN_ITEM.at(line, column))
                continue
            one = read_element(element, positions, source=source, context="embedded")
            contents.extend(one.contents)
            found.extend(one.diagnostics)
            draft = draft or one.draft
    found.sort(key=lambda d: (d.line, d.column, d.code))
    return RslDocument(tuple(contents), tuple(found[: MAX_DIAGNOSTICS_PER_CODE * 4]),
                       source=source, max_age=DEFAULT_MAX_AGE_DAYS, draft=draft)


def from_media(data: bytes, *, source: str | None = None) -> RslDocument | None:
    """The ``<rsl:rsl>`` block of a media file's XMP packet, or None when there is none.

    Found where :mod:`aioptout.signals.media` finds XMP; the block holds exactly one
    ``content`` with a non-empty canonical ``url`` [R-12.3-35].  Lines count within the packet.
    """
    from .media import find_xmp

    located = find_xmp(data)
    if located is None or NAMESPACE.encode() not in located[1]:
        return None
    _, packet, complete = located
    if not complete:
        return None
    try:
        root, positions = parse_located(packet)
    except XmlRefused as exc:
        code = NOT_XML if exc.reason == MALFORMED else XML_REFUSED
        diag = code.at(exc.line, exc.column, message=f"{code.title}: {exc.message}")
        return RslDocument((), (diag,), source=source, max_age=DEFAULT_MAX_AGE_DAYS, draft=False)
    block = next(iter(root.iter(_NS + "rsl")), None)
    if block is None:
        return None
    document = read_element(block, positions, source=source, context="embedded")
    extra = tuple(EMPTY_EMBEDDED_URL.at(*positions.get(id(c), (1, 1)))
                  for c in block if c.tag == _NS + "content" and not (c.get("url") or "").strip())
    if not extra:
        return document
    return RslDocument(document.contents, tuple(sorted(document.diagnostics + extra,
                                                       key=lambda d: (d.line, d.column))),
                       source=source, max_age=document.max_age, draft=document.draft)
