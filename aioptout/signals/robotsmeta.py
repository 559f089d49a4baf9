"""Page-level robots directives: ``<meta name="robots">``, agent-named metas and X-Robots-Tag.

Only the directives with an AI meaning become statements (``noai``, ``noimageai``, and Bing's
``noarchive`` for Microsoft's agents); their meaning is taken from :mod:`.mapping`.  Search
directives such as ``noindex`` are recorded as information, because readers often mistake them
for an AI opt-out.  TDMRep's ``tdm-reservation`` meta is read by :mod:`.tdmrep`, not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Final
from urllib.parse import urlsplit

from .. import _mechanisms
from .._match import AGENT_TOKEN_CHARS, caller_key
from ..diagnostics import capped, define
from ..model import Diagnostic, Statement
from .mapping import MICROSOFT_AGENTS, lookup

MECHANISM: Final = _mechanisms.ROBOTS_META

#: Octets of an HTML document read for metas; robots metas belong in <head>.
MAX_HTML_BYTES: Final = 512 * 1024
#: Octets handed to the HTML parser at a time, so that reading stops soon after </head>.
_CHUNK: Final = 8 * 1024

#: File extensions taken as images for ``noimageai`` (lower case, without the dot).
IMAGE_EXTENSIONS: Final[frozenset[str]] = frozenset({
    "apng", "avif", "bmp", "gif", "heic", "heif", "ico", "jfif", "jpe", "jpeg", "jpg", "png",
    "svg", "tif", "tiff", "webp", "jxl",
})

#: Directives with an AI meaning, handled through the mapping table.
_AI_DIRECTIVES: Final = frozenset({"noai", "noimageai", "noarchive"})
#: Directives of Google's and Bing's documentation without an AI meaning.
_SEARCH_DIRECTIVES: Final = frozenset({
    "all", "index", "follow", "noindex", "nofollow", "none", "nosnippet", "noimageindex",
    "notranslate", "indexifembedded", "nocache", "noodp", "noydir", "noyaca",
})
#: Directives that take a value after a colon, so "name:" is not an agent prefix.
_VALUED_DIRECTIVES: Final = frozenset({
    "max-snippet", "max-image-preview", "max-video-preview", "unavailable_after",
})
#: Standard HTML meta names that are never an agent token (WHATWG HTML §4.2.5.1 and common).
_HTML_META_NAMES: Final = frozenset({
    "application-name", "author", "description", "generator", "keywords", "referrer",
    "theme-color", "color-scheme", "viewport", "creator", "publisher", "rating", "copyright",
})
#: Every directive name this module recognises.
_KNOWN: Final = _AI_DIRECTIVES | _SEARCH_DIRECTIVES | _VALUED_DIRECTIVES
#: Directives readers often take for an AI opt-out although they are not one.
_NOT_AI: Final = frozenset({"noindex", "none"})

UNKNOWN_DIRECTIVE = define(
    "RMT101", "NOTE", "robots meta (Google, Bing documentation)",
    "Unknown robots directive is ignored")
NOT_AN_AI_RESERVATION = define(
    "RMT102", "NOTE", "signals.md §6.1",
    "Directive limits search indexing; it is not an AI reservation",
    "add noai, or publish an aioptout declaration, to reserve AI use")
EMPTY_DIRECTIVES = define(
    "RMT103", "NOTE", "robots meta (Google documentation)",
    "Robots meta or X-Robots-Tag without directives")
TRUNCATED_HTML = define(
    "RMT104", "NOTE", "aioptout limits",
    "HTML head is longer than the read limit; later metas are ignored")
NOARCHIVE_SCOPE = define(
    "RMT105", "NOTE", "Bing webmaster guidelines (via ai.robots.txt docs)",
    "noarchive is an AI training opt-out for Microsoft's agents only")


@dataclass(frozen=True, slots=True)
class Directive:
    """One directive as written: ``scope`` is ``None`` for every agent, else an agent token
    in lower case (an agent-named meta, or an ``agent:`` prefix in X-Robots-Tag)."""

    token: str
    scope: str | None
    line: int
    column: int
    raw: str


class RobotsMeta:
    """The robots directives of one response: its X-Robots-Tag headers and/or HTML metas."""

    mechanism: str = MECHANISM

    def __init__(self, directives: Iterable[Directive], diagnostics: Iterable[Diagnostic],
                 *, source: str | None = None, image_response: bool = False) -> None:
        self.directives: tuple[Directive, ...] = tuple(directives)
        self.diagnostics: tuple[Diagnostic, ...] = tuple(capped(diagnostics))
        self.source = source
        self.image_response = image_response

    def __add__(self, other: RobotsMeta) -> RobotsMeta:
        """Headers and metas of the same response accumulate (Google: 'combined')."""
        return RobotsMeta(self.directives + other.directives,
                          self.diagnostics + other.diagnostics,
                          source=self.source or other.source,
                          image_response=self.image_response or other.image_response)

    def statements(self, agent: str, target: str) -> list[Statement]:
        """AI reservations that apply to ``agent`` for ``target``.

        ``noimageai`` applies when the target is an image: its path ends in an image
        extension, or these directives came with an ``image/*`` response.  For the HTML page
        itself it says nothing about the page's text.
        """
        token = caller_key(agent)
        out: list[Statement] = []
        seen: set[tuple[str, str, int]] = set()
        for directive in self.directives:
            if directive.token not in _AI_DIRECTIVES:
                continue
            if directive.scope is not None and directive.scope != token:
                continue
            if directive.token == "noimageai" and not (
                self.image_response or is_image_target(target)
            ):
                continue
            if directive.token == "noarchive" and token not in MICROSOFT_AGENTS:
                continue
            for label, value in lookup(MECHANISM, directive.token):
                key = (label, directive.token, directive.line)
                if key in seen:
                    continue
                seen.add(key)
                whom = "every agent" if directive.scope is None else directive.scope
                out.append(Statement(
                    mechanism=MECHANISM, usage=label, value=value,
                    reason=f"{directive.token} for {whom} reserves {label}",
                    source=self.source, line=directive.line, raw=directive.raw))
        return out


def is_image_target(target: str) -> bool:
    path = urlsplit(target).path if "://" in target else target.split("?", 1)[0]
    name = path.rsplit("/", 1)[-1]
    return "." in name and name.rsplit(".", 1)[1].lower() in IMAGE_EXTENSIONS


def from_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]], *,
                 source: str | None = None) -> RobotsMeta:
    """Every ``X-Robots-Tag`` field of a response, in order (names are case-insensitive).

    Positions: ``line`` is the 1-based index of the X-Robots-Tag field among the fields given,
    ``column`` the 1-based offset in its value.
    """
    items = headers.items() if isinstance(headers, Mapping) else headers
    directives: list[Directive] = []
    diagnostics: list[Diagnostic] = []
    image = False
    index = 0
    for name, value in items:
        lowered = name.strip().lower()
        if lowered == "content-type":
            image = image or value.strip().lower().startswith("image/")
        if lowered != "x-robots-tag":
            continue
        index += 1
        _read_header_value(value, index, directives, diagnostics)
    return RobotsMeta(directives, diagnostics, source=source, image_response=image)


def from_html(html: str | bytes, *, source: str | None = None) -> RobotsMeta:
    """The robots metas of an HTML document's head; tolerant of broken markup.

    Reading stops at ``</head>``, at ``<body>``, or after :data:`MAX_HTML_BYTES` octets.  Bytes
    are decoded as UTF-8 with replacement: directive names are ASCII, so a wrong charset only
    affects text we never interpret.
    """
    if isinstance(html, bytes):
        truncated = len(html) > MAX_HTML_BYTES
        text = html[:MAX_HTML_BYTES].decode("utf-8", errors="replace")
    else:
        truncated = len(html) > MAX_HTML_BYTES
        text = html[:MAX_HTML_BYTES]
    parser = _HeadParser()
    for start in range(0, len(text), _CHUNK):
        parser.feed(text[start:start + _CHUNK])
        if parser.done:
            break
    else:
        parser.close()
    diagnostics = list(parser.diagnostics)
    if truncated and not parser.done:
        line = text.count("\n") + 1
        diagnostics.append(TRUNCATED_HTML.at(line, 1))
    return RobotsMeta(parser.directives, diagnostics, source=source)


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.directives: list[Directive] = []
        self.diagnostics: list[Diagnostic] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "body":
            self.done = True
            return
        if tag != "meta":
            return
        values = {key.lower(): (value or "") for key, value in attrs}
        name = values.get("name", "").strip().lower()
        if not name or "content" not in values:
            return
        line, offset = self.getpos()
        content = values["content"]
        raw = f'<meta name="{values.get("name", "")}" content="{content}">'
        scope = None if name == "robots" else name
        if scope is not None and (name in _HTML_META_NAMES or not _is_product_token(name)):
            return
        tokens = _split(content)
        if scope is not None and not any(_directive_name(t) in _KNOWN for t in tokens):
            return  # a meta of some other vocabulary
        if not tokens:
            self.diagnostics.append(EMPTY_DIRECTIVES.at(line, offset + 1))
        for token in tokens:
            _record(token, scope, line, offset + 1, raw, self.directives, self.diagnostics)

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.done = True


def _split(content: str) -> list[str]:
    return [part.strip().lower() for part in content.split(",") if part.strip()]


def _directive_name(token: str) -> str:
    return token.split(":", 1)[0].strip()


def _record(token: str, scope: str | None, line: int, column: int, raw: str,
            directives: list[Directive], diagnostics: list[Diagnostic]) -> None:
    name = _directive_name(token)
    if name in _AI_DIRECTIVES:
        directives.append(Directive(name, scope, line, column, raw))
        if name == "noarchive" and scope is None:
            diagnostics.append(NOARCHIVE_SCOPE.at(line, column, column + len(token)))
    elif name in _NOT_AI:
        diagnostics.append(NOT_AN_AI_RESERVATION.at(line, column, column + len(token)))
    elif name not in _SEARCH_DIRECTIVES and name not in _VALUED_DIRECTIVES:
        diagnostics.append(UNKNOWN_DIRECTIVE.at(line, column, column + len(token)))


def _read_header_value(value: str, line: int, directives: list[Directive],
                       diagnostics: list[Diagnostic]) -> None:
    """``[agent:] directive, directive …``; an ``agent:`` prefix scopes what follows it."""
    scope: str | None = None
    raw = f"X-Robots-Tag: {value.strip()}"
    offset = 0
    found = False
    for part in value.split(","):
        start = offset + len(part) - len(part.lstrip())
        offset += len(part) + 1
        text = part.strip()
        if not text:
            continue
        head, colon, rest = text.partition(":")
        head_lower = head.strip().lower()
        if colon and head_lower not in _VALUED_DIRECTIVES and _is_product_token(head_lower):
            scope = head_lower
            start += len(text) - len(rest.lstrip())
            text = rest.strip()
            if not text:
                continue
        found = True
        _record(text.lower(), scope, line, start + 1, raw, directives, diagnostics)
    if not found:
        diagnostics.append(EMPTY_DIRECTIVES.at(line, 1))


def _is_product_token(text: str) -> bool:
    """An agent token as robots.txt reads one (digits included: ``MJ12bot: noindex``)."""
    return bool(text) and all(c in AGENT_TOKEN_CHARS for c in text)
