"""The one way this package reads XML: bounded, and with DTDs and entities refused.

Sitemaps, XMP packets and RSL documents all come from servers or files we do not control.  The
standard library's expat expands internal entities (the "billion laughs") and ElementTree builds
any depth, so every XML input goes through :func:`parse`, which refuses a document type
declaration outright (none of our formats needs one), in whatever encoding the document
declares, and stops at a size and a nesting depth.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from typing import Final

import defusedxml.ElementTree as DET
from defusedxml import DefusedXmlException

MAX_XML_BYTES: Final = 10 * 1024 * 1024
MAX_XML_DEPTH: Final = 256


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


def parse(
    data: bytes | str, *, max_bytes: int = MAX_XML_BYTES, max_depth: int = MAX_XML_DEPTH
) -> ET.Element:
    """The root element of ``data``, or :class:`XmlRefused` saying why not."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if isinstance(data, str) and raw.startswith(b"<?xml"):
        # A str has been decoded already; its declaration's encoding no longer describes it.
        end = raw.find(b"?>")
        if end != -1:
            raw = b"<?xml version='1.0' encoding='utf-8'?>" + raw[end + 2 :]
    if len(raw) > max_bytes:
        raise XmlRefused(TOO_LARGE, f"XML document exceeds {max_bytes} octets")
    depth = 0
    root: ET.Element | None = None
    try:
        for event, element in DET.iterparse(
            io.BytesIO(raw), events=("start", "end"), forbid_dtd=True
        ):
            if event == "start":
                depth += 1
                if root is None:
                    root = element
                if depth > max_depth:
                    raise XmlRefused(TOO_DEEP, f"XML elements nested deeper than {max_depth}")
            else:
                depth -= 1
    except DefusedXmlException as exc:
        raise XmlRefused(
            DTD, f"XML document type declarations and entities are refused ({exc})"
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise XmlRefused(MALFORMED, f"not well-formed XML: {exc}", line, column + 1) from None
    if root is None:  # pragma: no cover - expat reports an empty document as a ParseError
        raise XmlRefused(MALFORMED, "empty XML document")
    return root


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
