"""Bodies to text: declared and sniffed charsets, and HTML served where text was asked for."""

from __future__ import annotations

from ..model import Diagnostic
from ._result import _HTML_STARTS, CHARSET_MISMATCH, Headers

# --- bodies and charsets --------------------------------------------------------------------------




def _declared_charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'").lower() or None
    return None


def _codec(name: str) -> str | None:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _position(body: bytes, offset: int) -> tuple[int, int]:
    line = body.count(b"\n", 0, offset) + 1
    start = body.rfind(b"\n", 0, offset) + 1
    column = len(body[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def _charset(headers: Headers, body: bytes, expect_utf8: bool) -> tuple[str, list[Diagnostic]]:
    """The charset the body is really in, and diagnostics when that differs from what it claims.

    RFC 9309 §2.3 lets a crawler bridge a robots.txt that is not UTF-8; the bridge is a BOM
    when there is one and Windows-1252 otherwise, which decodes every Latin-1 byte.
    """
    declared_name = _declared_charset(headers.get("Content-Type", ""))
    declared = _codec(declared_name) if declared_name else None
    diagnostics: list[Diagnostic] = []
    bom = None
    if body.startswith(b"\xef\xbb\xbf"):
        bom = "utf-8-sig"
    elif body.startswith((b"\xff\xfe", b"\xfe\xff")):
        bom = "utf-16"
    if bom is not None:
        family = "utf-8" if bom == "utf-8-sig" else "utf-16"
        if (declared and not declared.startswith(family)) or (expect_utf8 and family != "utf-8"):
            diagnostics.append(CHARSET_MISMATCH.at(
                1, 1, 2, message=f"byte order mark says {family} but the file is labelled "
                f"{declared_name or 'nothing'}"))
        return bom, diagnostics
    wanted = declared or "utf-8"
    try:
        body.decode(wanted)
    except UnicodeDecodeError as exc:
        line, column = _position(body, exc.start)
        diagnostics.append(CHARSET_MISMATCH.at(
            line, column, column + 1,
            message=f"byte 0x{body[exc.start]:02x} is not valid {wanted}"))
        return "cp1252", diagnostics
    except LookupError:
        wanted = "utf-8"
    if expect_utf8 and declared and declared not in ("utf-8", "ascii"):
        diagnostics.append(
            CHARSET_MISMATCH.at(1, 1, 2, message=f"labelled {declared_name}, not utf-8"))
    return wanted, diagnostics


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_STARTS[:-1])
