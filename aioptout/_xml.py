"""The one way this package reads XML: bounded, and with DTDs and entities refused.

Sitemaps, XMP packets and RSL documents all come from servers or files we do not control.  The
standard library's expat expands internal entities (the "billion laughs") and ElementTree builds
any depth, so every XML input goes through :func:`parse` or :func:`iterparse`, which refuse a
document type declaration outright (none of our formats needs one), in whatever encoding the
document declares (expat decodes UTF-16 and the declared encoding before it reports the DOCTYPE,
so the refusal cannot be dodged by re-encoding), and stop at a size, a nesting depth and, when a
whole tree is built, a number of elements.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Final

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

MAX_XML_BYTES: Final = 10 * 1024 * 1024
MAX_XML_DEPTH: Final = 256
#: Elements of one tree built by :func:`parse` (about 100 MB of ElementTree objects at most).
MAX_XML_ELEMENTS: Final = 500_000


class XmlRefused(Exception):
    """The document is not read; ``reason`` (a constant below) picks the coded diagnostic."""

    def __init__(self, reason: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.line = line
        self.column = column


TOO_LARGE: Final = "too-large"
TOO_DEEP: Final = "too-deep"
DTD: Final = "dtd"
MALFORMED: Final = "malformed"


def _octets(data: bytes | str) -> bytes:
    if isinstance(data, bytes):
        return data
    # A str has been decoded already: a BOM or a declared encoding no longer describes it.
    raw = data.removeprefix("\ufeff").encode("utf-8")
    if raw.startswith(b"<?xml"):
        end = raw.find(b"?>")
        declared = _ENCODING.search(raw, 0, end) if end != -1 else None
        if declared is not None:  # same length where possible, so positions stay true
            utf8 = b' encoding="utf-8"'.ljust(len(declared.group(0)))
            raw = raw[: declared.start()] + utf8 + raw[declared.end() :]
    return raw


_ENCODING: Final = re.compile(rb"""\sencoding\s*=\s*(["'])(.*?)\1""")


def _events(
    data: bytes | str, max_bytes: int, max_depth: int
) -> Iterator[tuple[str, ET.Element, int]]:
    """``(event, element, depth)`` for every start and end, refusals raised as XmlRefused."""
    raw = _octets(data)
    if len(raw) > max_bytes:
        raise XmlRefused(TOO_LARGE, f"XML document exceeds {max_bytes} octets")
    parser = DET.DefusedXMLParser(target=ET.TreeBuilder(), forbid_dtd=True)
    depth = 0
    try:
        for event, element in DET.iterparse(
            io.BytesIO(raw), events=("start", "end"), parser=parser
        ):
            if event == "start":
                depth += 1
                if depth > max_depth:
                    raise XmlRefused(TOO_DEEP, f"XML elements nested deeper than {max_depth}",
                                     *_where(parser))
                yield event, element, depth
            else:
                yield event, element, depth
                depth -= 1
    except DefusedXmlException as exc:
        raise XmlRefused(
            DTD, f"XML document type declarations and entities are refused ({exc})",
            *_doctype_where(parser, raw)) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise XmlRefused(MALFORMED, f"not well-formed XML: {exc}", line, column + 1) from None
    except (ValueError, LookupError) as exc:  # pyexpat: an encoding it cannot decode
        raise XmlRefused(MALFORMED, f"XML in an unsupported encoding: {exc}") from None


def _where(parser: DET.DefusedXMLParser) -> tuple[int, int]:
    expat = getattr(parser, "parser", None)
    try:
        return int(expat.CurrentLineNumber), int(expat.CurrentColumnNumber) + 1  # type: ignore[union-attr]
    except (AttributeError, TypeError, ValueError):
        return 1, 1


_DOCTYPE_MARKERS: Final = tuple(
    ("<!DOCTYPE".encode(codec), width)
    for codec, width in (("ascii", 1), ("utf-16-le", 2), ("utf-16-be", 2)))


def _doctype_where(parser: DET.DefusedXMLParser, raw: bytes) -> tuple[int, int]:
    """Where ``<!DOCTYPE`` starts: expat reports the refusal at the end of its opening."""
    line, column = _where(parser)
    index = getattr(getattr(parser, "parser", None), "CurrentByteIndex", -1)
    if not isinstance(index, int) or index < 0:
        return line, column
    for marker, width in _DOCTYPE_MARKERS:
        at = raw.rfind(marker, 0, index + len(marker))
        if at >= 0 and (index - at) % width == 0 and b"\n" not in raw[at:index]:
            return line, max(1, column - (index - at) // width)
    return line, column


def parse(
    data: bytes | str,
    *,
    max_bytes: int = MAX_XML_BYTES,
    max_depth: int = MAX_XML_DEPTH,
    max_elements: int = MAX_XML_ELEMENTS,
) -> ET.Element:
    """The root element of ``data``, or :class:`XmlRefused` saying why not."""
    root: ET.Element | None = None
    count = 0
    for event, element, _ in _events(data, max_bytes, max_depth):
        if event != "start":
            continue
        count += 1
        if root is None:
            root = element
        if count > max_elements:
            raise XmlRefused(TOO_LARGE, f"XML document has more than {max_elements} elements")
    if root is None:  # pragma: no cover - expat reports an empty document as a ParseError
        raise XmlRefused(MALFORMED, "empty XML document")
    return root


def iterparse(
    data: bytes | str, *, max_bytes: int = MAX_XML_BYTES, max_depth: int = MAX_XML_DEPTH
) -> Iterator[tuple[tuple[str, ...], ET.Element]]:
    """Every element at its end, with the tags of its ancestors (root first).

    Each element is detached from its parent once the caller has seen it, so memory stays
    proportional to the depth, not the size: a 50 MB sitemap of a million empty elements builds
    no tree.  An element's text and attributes are complete when it is yielded; its children
    have already been yielded and detached.
    """
    stack: list[ET.Element] = []
    for event, element, _ in _events(data, max_bytes, max_depth):
        if event == "start":
            stack.append(element)
            continue
        stack.pop()
        yield tuple(e.tag for e in stack), element
        if stack:
            parent = stack[-1]
            if len(parent) and parent[-1] is element:
                del parent[-1]
            else:
                parent.remove(element)


class _LocatingBuilder(ET.TreeBuilder):
    """A tree builder that notes where each element starts and refuses to nest too deep."""

    def __init__(self, max_depth: int) -> None:
        super().__init__()
        self.max_depth = max_depth
        self.depth = 0
        self.positions: dict[int, tuple[int, int]] = {}
        self.parser: ET.XMLParser | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        element = super().start(tag, attrs)
        self.depth += 1
        expat = getattr(self.parser, "parser", None)
        line = getattr(expat, "CurrentLineNumber", 1)
        column = getattr(expat, "CurrentColumnNumber", 0) + 1
        if self.depth > self.max_depth:
            raise XmlRefused(TOO_DEEP, f"XML elements nested deeper than {self.max_depth}",
                             line, column)
        self.positions[id(element)] = (line, column)
        return element

    def end(self, tag: str) -> ET.Element:
        self.depth -= 1
        return super().end(tag)


def _doctype_position(raw: bytes) -> tuple[int, int]:
    """Where ``<!DOCTYPE`` starts (1-based line, column), for the refusal's diagnostic."""
    at = raw.find(b"<!DOCTYPE")
    if at < 0:
        return 1, 1
    before = raw[:at]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before[line_start:].decode("utf-8", "replace")) + 1


def parse_located(
    data: bytes | str, *, max_bytes: int = MAX_XML_BYTES, max_depth: int = MAX_XML_DEPTH
) -> tuple[ET.Element, dict[int, tuple[int, int]]]:
    """:func:`parse`, plus where each element's start tag begins.

    ElementTree elements carry no positions, and validators must say where a finding is; the
    map is keyed by ``id(element)`` (line, 1-based column) and filled in the same single pass.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if isinstance(data, str) and raw.startswith(b"<?xml"):
        end = raw.find(b"?>")
        if end != -1:
            raw = b"<?xml version='1.0' encoding='utf-8'?>" + raw[end + 2 :]
    if len(raw) > max_bytes:
        raise XmlRefused(TOO_LARGE, f"XML document exceeds {max_bytes} octets")
    builder = _LocatingBuilder(max_depth)
    parser = DET.DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.parser = parser
    try:
        parser.feed(raw)
        root = parser.close()
    except DefusedXmlException as exc:
        line, column = _doctype_position(raw)
        raise XmlRefused(
            DTD, f"XML document type declarations and entities are refused ({exc})",
            line, column,
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise XmlRefused(MALFORMED, f"not well-formed XML: {exc}", line, column + 1) from None
    return root, builder.positions


def escape_text(text: str) -> str:
    """``text`` as XML character data (for writers of XML, such as RSL conversion)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quote_attribute(text: str) -> str:
    """``text`` as a double-quoted XML attribute value, quotes included."""
    return '"' + escape_text(text).replace('"', "&quot;") + '"'
