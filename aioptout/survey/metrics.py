"""Named survey metrics, and the analysis of one robots.txt body into a stored site result.

Two families of metric are kept apart on purpose, because published studies use the naive ones
and the numbers differ from a parse:

* ``mentions``: does the lower-cased body contain the token anywhere (the-great-gpt-firewall's
  method); ``naive_directive_counts``: the robotstxt_usage_stats notebook's ``split(':')`` count.
* ``blocked_root`` and ``parsed_directive_counts``: what a robots.txt parser makes of the body.
"""

from __future__ import annotations

import base64
import functools
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Literal, NotRequired, TypedDict

from .. import __version__
from .. import usage as _usage
from .._match import agent_token
from .._wellknown import ROBOTS_PATH
from ..model import Statement, Value
from ..signals.robots import RobotsTxt

#: Version of the site-result dictionary stored per site.
RESULT_SCHEMA_VERSION: Final = 1
SEMANTICS: Final = ("google", "rfc9309")
DEFAULT_SEMANTICS: Final = "google"
#: The agents whose "may not fetch /" counts the reproduction checks against Google's parser.
REPRODUCTION_AGENTS: Final = ("GPTBot", "CCBot", "Google-Extended", "ClaudeBot", "anthropic-ai")
#: Every mechanism a survey records, in report order: site files, robots.txt lines, RSL, then
#: the home page's HTTP headers and HTML meta one by one, then the crawler's per-kind totals
#: (``http-header``, ``html-meta``: any signal header / meta) and older or offline names.
MECHANISMS: Final = (
    "aioptout", "robots", "aipref", "content-signal", "tdmrep", "ai-txt", "rsl",
    "aipref-header", "content-signal-header", "tdmrep-header", "noai-header",
    "tdmrep-meta", "noai-meta", "http-header", "html-meta", "robots-meta", "media",
)
#: The mechanisms read from the home page, recorded present or absent for every online site.
PAGE_MECHANISMS: Final = (
    "aipref-header", "content-signal-header", "tdmrep-header", "noai-header", "tdmrep-meta",
    "noai-meta",
)

#: What every online result records, present or not.
ONLINE_MECHANISMS: Final = tuple(m for m in MECHANISMS if m not in ("robots-meta", "media"))


def mechanism_order(names: Iterable[str]) -> list[str]:
    """Known mechanisms in report order, then any other name found in a store (never dropped)."""
    found = set(names)
    rank = {m: i for i, m in enumerate(MECHANISMS)}
    return sorted(found, key=lambda m: (rank.get(m, len(rank)), m))


#: Usage labels stored per site (aipref core labels).
SURVEY_LABELS: Final = ("train-ai", "search")
#: Bytes inspected to tell HTML error pages from robots.txt text.
_SNIFF_BYTES: Final = 2048
_HTML_MARKERS: Final = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml", b"<script")

_USAGE_MECHANISMS: Final = (("content-signal", "content-signal"), ("aipref", "content-usage"))

Agents = Sequence[tuple[str, str]]


class Provenance(TypedDict):
    aioptout: str
    semantics: str
    registry: str


class MechanismState(TypedDict):
    present: bool
    valid: bool | None


class SiteResult(TypedDict):
    """One stored (label, site) result; its JSON Schema is ``spec/site-result.schema.json``."""

    schema_version: int
    site: str
    source: str
    status: str
    provenance: Provenance
    error: str | None
    blocked_root: list[str]
    mechanisms: dict[str, MechanismState]
    usage: dict[str, str]
    diagnostics: dict[str, int]
    http_status: NotRequired[int | None]
    robots_outcome: NotRequired[str]
    rank: NotRequired[str]
    failures: NotRequired[list[dict[str, Any]]]
    body_kind: NotRequired[str | None]
    directives: NotRequired[dict[str, int]]
    naive_directives: NotRequired[dict[str, int] | None]
    mentions: NotRequired[list[str]]
    compliant: NotRequired[bool]
    files: NotRequired[list[dict[str, Any]]]


def mentions(body: str | bytes, tokens: Iterable[str]) -> dict[str, bool]:
    """Whether each token occurs anywhere in the lower-cased body: a substring test, not a parse.

    This is the metric of samber/the-great-gpt-firewall (``ua in response.text.lower()``), kept so
    that its published monthly figures can be reproduced exactly.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    low = text.lower()
    return {token: token.lower() in low for token in tokens}


def naive_directive_counts(data: bytes) -> dict[str, int] | None:
    """Directive occurrences by the robotstxt_usage_stats notebook's method, or None if excluded.

    Each line loses its ``#`` comment; the field is the text before the first ``:``, stripped and
    lower-cased (a BOM stays part of it).  A file that is not strict UTF-8, or that has a
    non-blank line without ``:``, raised in the notebook and is left out of every count.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        line = line.split("#")[0]
        if not line.strip():
            continue
        if ":" not in line:
            return None
        counts[line.split(":")[0].strip().lower()] += 1
    return dict(counts)


def body_kind(data: bytes) -> str:
    """``empty``, ``html``, ``binary`` or ``text``: how a saved robots.txt body looks."""
    if not data.strip():
        return "empty"
    head = data[:_SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(_HTML_MARKERS) or b"<html" in head:
        return "html"
    if b"\x00" in head:
        return "binary"
    return "text"


def registry_agents() -> tuple[tuple[str, str], ...]:
    """(token, purpose) of every agent in the bundled registry, plus the reproduction agents."""
    from ..agents import default_registry

    seen: dict[str, tuple[str, str]] = {}
    for agent in default_registry():
        seen.setdefault(agent.token.lower(), (agent.token, str(agent.purpose)))
    for token in REPRODUCTION_AGENTS:
        seen.setdefault(token.lower(), (token, "training"))
    return tuple(sorted(seen.values(), key=lambda a: a[0].lower()))


def registry_id(agents: Agents) -> str:
    """A short digest naming an agent list, so a stored result says which registry it used.

    Every site of a survey names the same list: computed once per list, not once per site."""
    key = agents if isinstance(agents, tuple) else tuple(agents)
    return _registry_id(key)


@functools.lru_cache(maxsize=16)
def _registry_id(agents: tuple[tuple[str, str], ...]) -> str:
    text = "\n".join(f"{t}\t{p}" for t, p in sorted(agents, key=lambda a: a[0].lower()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def provenance(semantics: str, agents: Agents) -> dict[str, str]:
    return {"aioptout": __version__, "semantics": semantics, "registry": registry_id(agents)}


def _field(line: str) -> str:
    name, colon, _ = line.partition(":")
    return name.strip().lower() if colon else ""


def declared_fields(text: str) -> Counter[str]:
    """Lower-cased field names of the body's ``Field: value`` lines (presence detection only)."""
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        name = _field(line.split("#", 1)[0])
        if name:
            counts[name] += 1
    return counts


def parsed_directive_counts(robots: RobotsTxt) -> dict[str, int]:
    """Directives as our robots.txt parser understood them: typos mapped, junk dropped.

    Counts User-agent lines and the lines of groups by canonical field name, plus sitemaps
    (which the parser keeps wherever they appear).
    """
    counts: Counter[str] = Counter()
    for group in robots.groups:
        counts["user-agent"] += len(group.agents)
        counts.update(line.field for line in group.lines if line.field != "sitemap")
    if robots.sitemaps:
        counts["sitemap"] += len(robots.sitemaps)
    return dict(counts)


def blocked_root(robots: RobotsTxt, tokens: Iterable[str], url: str) -> list[str]:
    """The tokens that may not fetch ``url``.

    Agents that no User-agent line names all fall back to the same groups (``*`` or none), so
    one decision answers for all of them; only named agents are decided one by one.  This
    turns ~165 decisions per site into a handful.
    """
    fallback: bool | None = None
    out: list[str] = []
    for token, asked in _asked(tuple(tokens)):
        if robots.mentions(asked):
            disallowed = not robots.decide(asked, url).allowed
        else:
            if fallback is None:
                fallback = not robots.decide(asked, url).allowed
            disallowed = fallback
        if disallowed:
            out.append(token)
    return out


@functools.lru_cache(maxsize=16)
def _asked(tokens: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Each registry token with the token a User-agent line naming it selects ("ChatGPT Agent"
    is asked as "ChatGPT"; the string itself is no token, spec §6, R-6-9): once per list."""
    return tuple((token, agent_token(token) or token) for token in tokens)


def usage_values(statements: Iterable[Statement], labels: Iterable[str]) -> dict[str, str]:
    """Per label: each mechanism's most specific statement, combined across mechanisms (aipref)."""
    by_mechanism: dict[str, dict[str, Value]] = {}
    for st in statements:
        prefs = by_mechanism.setdefault(st.mechanism, {})
        if prefs.get(st.usage) is not Value.DISALLOWED:
            prefs[st.usage] = st.value
    out: dict[str, str] = {}
    for label in labels:
        values = [_usage.resolve(prefs, label)[0] for prefs in by_mechanism.values()]
        out[label] = _usage.combine(values).value
    return out


def _diagnostic_counts(diagnostics: Iterable[Any]) -> dict[str, int]:
    return dict(Counter(str(d.code) for d in diagnostics))


def analyze_robots(
    site: str,
    body: bytes | None,
    *,
    status: int | None = 200,
    semantics: str = DEFAULT_SEMANTICS,
    agents: Agents,
    mention_tokens: Iterable[str] = (),
    source: str = "dir",
) -> dict[str, Any]:
    """The stored result for one site from a saved robots.txt body and its HTTP status.

    RFC 9309 §2.3.1: a 2xx body is parsed; 4xx means no robots.txt ("MAY access any
    resources"); 5xx or no response means complete disallow.  Saved files without a status are
    treated as 2xx.  HTML error pages and empty files are parsed like any other 2xx body
    (they yield no groups, hence allow), exactly as Google's parser treats them.
    """
    result: dict[str, Any] = {
        "schema_version": RESULT_SCHEMA_VERSION,
        "site": site,
        "source": source,
        "http_status": status,
        "provenance": provenance(semantics, agents),
        "error": None,
    }
    tokens = [t for t, _ in agents]
    google_429 = status == 429 and semantics == "google"
    if status is None or status >= 500 or google_429 or (body is None and 200 <= status < 300):
        result.update(status="unreachable", body_kind=None, blocked_root=tokens)
        result.update(mechanisms={"robots": {"present": False, "valid": None}})
        result.update(usage=dict.fromkeys(SURVEY_LABELS, Value.UNKNOWN.value), diagnostics={})
        return result
    if 300 <= status < 400:
        result.update(status="redirect", body_kind=None, blocked_root=[])
        result.update(mechanisms={"robots": {"present": False, "valid": None}})
        result.update(usage=dict.fromkeys(SURVEY_LABELS, Value.UNKNOWN.value), diagnostics={})
        return result
    if not 200 <= status < 300 or body is None:
        result.update(status="absent", body_kind=None, blocked_root=[])
        result.update(mechanisms={"robots": {"present": False, "valid": None}})
        result.update(usage=dict.fromkeys(SURVEY_LABELS, Value.UNKNOWN.value), diagnostics={})
        return result

    robots = parse_robots(body, site, semantics)
    result.update(status="ok", body_kind=body_kind(body))
    result.update(robots_findings(robots, body, site, tokens))
    result["naive_directives"] = naive_directive_counts(body)
    text = body.decode("utf-8", "replace")
    hits = mentions(text, mention_tokens)
    result["mentions"] = sorted(t for t, hit in hits.items() if hit)
    return result


def file_entry(mechanism: str, url: str, status: int | None, outcome: str, body: bytes | None,
               fetched_at: str | None = None) -> dict[str, Any]:
    """One signal file kept with a result (``survey --keep-files``), so that ``aioptout filter
    --from-survey`` can decide any URL of the site later: UTF-8 text as is, other bytes base64."""
    entry: dict[str, Any] = {"mechanism": mechanism, "url": url, "status": status,
                             "outcome": outcome, "fetched_at": fetched_at,
                             "sha256": None if body is None else hashlib.sha256(body).hexdigest()}
    if body is not None:
        try:
            entry["text"] = body.decode("utf-8")
        except UnicodeDecodeError:
            entry["base64"] = base64.b64encode(body).decode("ascii")
    return entry


def file_body(entry: Mapping[str, Any]) -> bytes | None:
    """The bytes of a kept file (see :func:`file_entry`)."""
    if isinstance(entry.get("text"), str):
        return str(entry["text"]).encode("utf-8")
    if isinstance(entry.get("base64"), str):
        return base64.b64decode(str(entry["base64"]))
    return None


def robots_outcome(status: int | None, semantics: str = DEFAULT_SEMANTICS) -> str:
    """RFC 9309 §2.3.1 for a saved status: 2xx present, 4xx unavailable, else unreachable."""
    if status is None or status >= 500 or (status == 429 and semantics == "google"):
        return "unreachable"
    return "present" if 200 <= status < 300 else "unavailable"


def parse_robots(body: bytes | str, site: str, semantics: str) -> RobotsTxt:
    sem: Literal["google", "rfc9309"] = "rfc9309" if semantics == "rfc9309" else "google"
    return RobotsTxt.parse(body, source=f"https://{_host(site)}{ROBOTS_PATH}", semantics=sem)


def robots_findings(
    robots: RobotsTxt, body: bytes | str, site: str, tokens: Sequence[str]
) -> dict[str, Any]:
    """What a parsed robots.txt says: agents blocked from ``/``, usage signals, diagnostics.

    A mechanism is *present* when its lines exist (robots.txt: at least one group) and *valid*
    when its reader reports no error-severity diagnostic.
    """
    url = f"https://{_host(site)}/"
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    fields = declared_fields(text)
    has_groups = bool(robots.groups)
    errors = [d for d in robots.diagnostics if str(d.severity) == "error"]
    mechanisms: dict[str, dict[str, bool | None]] = {
        "robots": {"present": has_groups, "valid": has_groups and not errors}
    }
    statements: list[Statement] = []
    diagnostics = list(robots.diagnostics)
    for mechanism, field_name in _USAGE_MECHANISMS:
        present = fields.get(field_name, 0) > 0
        valid: bool | None = None
        if present:
            signal = _foreign_signal(mechanism, robots)
            diagnostics.extend(signal.diagnostics)
            valid = not any(str(d.severity) == "error" for d in signal.diagnostics)
            statements.extend(signal.statements("*", url))
        mechanisms[mechanism] = {"present": present, "valid": valid}
    return {
        "blocked_root": blocked_root(robots, tokens, url),
        "mechanisms": mechanisms,
        "usage": usage_values(statements, SURVEY_LABELS),
        "diagnostics": _diagnostic_counts(diagnostics),
        "directives": parsed_directive_counts(robots),
    }


def _foreign_signal(mechanism: str, robots: RobotsTxt) -> Any:
    """The Content-Signal or aipref reader's view of the parsed robots.txt."""
    if mechanism == "content-signal":
        from ..signals import contentsignal

        return contentsignal.from_robots(robots)
    from ..signals import aipref

    return aipref.from_robots(robots)


def _host(site: str) -> str:
    rest = site.split("://", 1)[-1]
    return rest.split("/", 1)[0].lower()


def oracle_disallows_root(text: str, token: str, site: str = "example.com") -> bool:
    """Google's parser (fast-robotstxt) on the same text: may ``token`` not fetch ``/``?"""
    import robotstxt

    matcher = robotstxt.RobotsMatcher()
    return not bool(matcher.is_allowed(text, token, f"https://{_host(site)}/"))


def as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
