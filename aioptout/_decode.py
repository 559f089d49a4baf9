"""From octets to lines (spec §3): size limit, BOM, UTF-8 with positions, line endings, length.

Invalid UTF-8 is decoded with ``surrogateescape`` so that each bad octet keeps its identity: a
path containing one still percent-encodes to the octet the server has, and nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from . import diagnostics as D
from ._limits import MAX_FILE_BYTES, MAX_LINE_BYTES
from .model import Diagnostic

_BOM: Final = b"\xef\xbb\xbf"
_EOL: Final = re.compile(r"\r\n|\r|\n")
_BAD_CHARS: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f\udc80-\udcff]")
#: ``_BAD_CHARS`` less CR, which never survives line splitting: searched in the whole text.
_BAD_CHARS_NOT_CR: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\udc80-\udcff]")
#: Every octet but those ``_BAD_CHARS_NOT_CR`` reports: deleting them leaves the reported ones.
_NOT_REPORTED_OCTETS: Final = bytes(
    b for b in range(256) if _BAD_CHARS_NOT_CR.fullmatch(chr(b)) is None or b >= 0x80
)
_SNIFF_BYTES: Final = 8192
_BINARY_CONTROL_RATIO: Final = 0.10


class Reporter:
    """Caps diagnostics per code (``diagnostics.Tally``) so a hostile file cannot produce
    millions of them."""

    def __init__(self, initial: list[Diagnostic] | None = None) -> None:
        self.out: list[Diagnostic] = []
        self._tally = D.Tally()
        for diagnostic in initial or ():
            self.add(diagnostic)

    def wanted(self, code: str) -> bool:
        """Count one finding of ``code``; True while such findings are still kept."""
        return self._tally.wants(code)

    def add(self, diagnostic: Diagnostic) -> None:
        if self._tally.wants(diagnostic.code):
            self.out.append(diagnostic)

    def at(self, code: D.Code, line: int, column: int = 1, end_column: int | None = None,
           message: str | None = None) -> None:
        if self._tally.wants(code.code):
            self.out.append(code.at(line, column, end_column, message=message))

    def finish(self) -> list[Diagnostic]:
        return D.summarise(self.out, self._tally)


@dataclass(frozen=True, slots=True)
class DecodedText:
    lines: list[str]
    report: Reporter
    binary: bool
    size: int


def _looks_binary(head: bytes) -> bool:
    if b"\x00" not in head:
        return False
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
    return controls > len(head) * _BINARY_CONTROL_RATIO


def _utf8_prefix(line: str, limit: int) -> str:
    """The longest prefix of ``line`` whose UTF-8 form fits in ``limit`` octets."""
    encoded = line.encode("utf-8", "surrogateescape")[:limit]
    return encoded.decode("utf-8", "ignore") if encoded else ""


def _to_bytes(data: bytes | str) -> bytes:
    if not isinstance(data, str):
        return bytes(data)
    try:
        return data.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # lone surrogates outside the escape range
        return data.encode("utf-8", "surrogatepass")


def decode(data: bytes | str) -> DecodedText:
    """Octets (or text) to lines, never raising; every repair is reported."""
    raw = _to_bytes(data)
    size = len(raw)
    report = Reporter()
    if _looks_binary(raw[:_SNIFF_BYTES]):
        report.add(D.BINARY.at(1, 1))
        return DecodedText([], report, True, size)

    if size > MAX_FILE_BYTES:
        cut = raw[:MAX_FILE_BYTES]
        last_eol = max(cut.rfind(b"\n"), cut.rfind(b"\r"))
        raw = cut[: last_eol + 1] if last_eol >= 0 else b""
        truncated_at: int | None = len(_EOL.split(raw.decode("utf-8", "surrogateescape")))
    else:
        truncated_at = None

    if raw.startswith(_BOM):
        raw = raw[len(_BOM) :]
        report.add(D.BOM.at(1, 1))

    try:
        text = raw.decode("utf-8")
        clean = True
    except UnicodeDecodeError:
        text = raw.decode("utf-8", "surrogateescape")
        clean = False

    if "\r" in text:
        lines = _EOL.split(text)
        kinds = {m.group() for m in _EOL.finditer(text)}
        if len(kinds) > 1:
            first = None
            for number, match in enumerate(_EOL.finditer(text), start=1):
                if first is None:
                    first = match.group()
                elif match.group() != first:
                    report.add(D.MIXED_EOL.at(number, len(lines[number - 1]) + 1))
                    break
    else:
        lines = text.split("\n")
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()

    # The per-line checks below find nothing in most files, so C-speed scans pick the lines
    # to check: every line if the octets hold a character they report, else only the lines
    # that may be too long.  In valid UTF-8 such a character is an ASCII control octet.
    longest = max(map(len, lines), default=0)
    lines_to_check: Iterable[int] = ()
    if not clean or raw.translate(None, _NOT_REPORTED_OCTETS):
        lines_to_check = range(len(lines))
    elif longest * 4 > MAX_LINE_BYTES:
        lines_to_check = [i for i, line in enumerate(lines) if len(line) * 4 > MAX_LINE_BYTES]
    for index in lines_to_check:
        line = lines[index]
        if len(line) * 4 > MAX_LINE_BYTES and len(line.encode("utf-8", "surrogateescape")) > (
            MAX_LINE_BYTES
        ):
            kept = _utf8_prefix(line, MAX_LINE_BYTES)
            report.add(D.LINE_TOO_LONG.at(index + 1, len(kept) + 1, len(line) + 1))
            lines[index] = line = kept
        if (not clean or not line.isprintable()) and (bad := _BAD_CHARS.search(line)):
            for match in _BAD_CHARS.finditer(line, bad.start()):
                column = match.start() + 1
                if "\udc80" <= match.group() <= "\udcff":
                    report.add(D.NOT_UTF8.at(index + 1, column))
                else:
                    report.add(D.CONTROL_CHAR.at(index + 1, column))
            nul = line.find("\x00")
            if nul >= 0:
                lines[index] = line[:nul]  # R-3-8: the line ends at NUL, as in Google's parser

    if truncated_at is not None:
        report.add(D.TOO_LARGE.at(truncated_at, 1))
    return DecodedText(lines, report, False, size)
