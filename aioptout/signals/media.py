"""Opt-out signals embedded in media files: XMP (IPTC/PLUS, TDMRep) and C2PA/CAWG assertions.

XMP is found by scanning the bytes for the packet (``<x:xmpmeta`` … ``</x:xmpmeta>``, else the
``<?xpacket`` wrapper), which works for JPEG APP1, PNG iTXt (uncompressed), ID3 PRIV frames, MP4
``uuid`` boxes and PDF streams alike without a parser per container.  The packet is parsed by
:mod:`aioptout._xml`, which refuses DTDs and entities and bounds depth and size, so neither
entity expansion nor external entities can happen.

FLAC has no XMP; ``aioptout stamp`` writes the PLUS value there as the Vorbis comment
``PLUS:DATAMINING`` (spec §16.1), which is read here like ``plus:DataMining``.

C2PA manifests are signed CBOR inside JUMBF boxes; reading them needs the optional ``c2pa``
package (``pip install 'aioptout[c2pa]'``).  Without it a file that carries a manifest gets a
diagnostic saying so, never a silent "no signal".  The JSON that ``c2patool`` prints, and the
manifest definitions it signs, are read without the package.

Positions in binary files are line 1 and the 1-based byte offset as the column.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final

from .. import _json, _mechanisms, _xml
from .. import diagnostics as D
from ..model import Diagnostic, Statement, Value
from .mapping import is_mapped, lookup
from .tdmrep import TdmRepValues

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

MECHANISM: Final = _mechanisms.MEDIA
#: Bytes of a media file scanned for XMP and C2PA markers.
MAX_MEDIA_SCAN_BYTES: Final = 64 * 1024 * 1024
#: Longest XMP packet parsed (extended XMP in JPEG stays far below this).
MAX_XMP_BYTES: Final = 4 * 1024 * 1024
#: Largest c2patool JSON report read.
MAX_MANIFEST_JSON_BYTES: Final = 16 * 1024 * 1024

PLUS_NS: Final = "http://ns.useplus.org/ldf/xmp/1.0/"
PLUS_VOCAB: Final = ("http://ns.useplus.org/ldf/vocab/", "https://ns.useplus.org/ldf/vocab/")
TDM_NAMESPACES: Final = frozenset({"http://www.w3.org/ns/tdmrep/", "http://www.w3.org/ns/tdmrep#"})
RDF_NS: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"

#: CAWG / C2PA training-mining entry names (after the ``cawg.``/``c2pa.`` prefix).
CAWG_ENTRIES: Final = frozenset({"data_mining", "ai_inference", "ai_generative_training",
                                 "ai_training"})
TRAINING_MINING_LABELS: Final = frozenset({"cawg.training-mining", "c2pa.training-mining"})
_XMP = "XMP (ISO 16684-1)"
_PLUS = "IPTC Photo Metadata 2023.1 §Data Mining"
_CAWG = "CAWG Training and Data Mining Assertion 1.1"
XMP_NOT_UTF8 = D.define("MED101", "MUST", _XMP, "XMP packet is not valid UTF-8")
XMP_DOCTYPE = D.define("MED102", "MUST NOT", _XMP,
                       "XMP packet contains a DOCTYPE; it is not parsed",
                       "XMP never needs a DTD; a DOCTYPE could expand entities")
XMP_MALFORMED = D.define("MED103", "MUST", _XMP, "XMP packet is not well-formed XML")
XMP_UNTERMINATED = D.define("MED104", "MUST", _XMP, "XMP packet has no closing tag")
XMP_TOO_LARGE = D.define("MED105", "SHOULD", _XMP, "XMP packet exceeds the size limit; not parsed")
XMP_TOO_DEEP = D.define(
    "MED140", "SHOULD NOT", _XMP + "; aioptout spec §13",
    f"XMP packet nests elements deeper than {_xml.MAX_XML_DEPTH}; not parsed",
    "XMP properties sit a few levels below x:xmpmeta; deep nesting is a parser attack")
PLUS_UNKNOWN = D.define("MED110", "MUST", _PLUS,
                        "plus:DataMining value is not in the PLUS vocabulary; ignored")
PLUS_REPEATED = D.define("MED111", "MUST", _PLUS,
                         "plus:DataMining appears more than once; the first is used")
TDM_BAD_VALUE = D.define("MED112", "MUST", "TDMRep §EPUB and PDF",
                         "tdm:reservation is not 1 or 0; treated as unset")
C2PA_MISSING = D.define("MED120", "NOTE", _CAWG,
                        "C2PA reading needs the c2pa extra: pip install 'aioptout[c2pa]'",
                        "the file carries a C2PA manifest that was not read")
C2PA_UNREADABLE = D.define("MED121", "MUST", "C2PA 2.1 §Manifest store",
                           "C2PA manifest could not be read")
CAWG_BAD_USE = D.define("MED122", "MUST", _CAWG,
                        "Entry use is not allowed, notAllowed or constrained; ignored")
CAWG_UNKNOWN_ENTRY = D.define("MED123", "NOTE", _CAWG, "Custom training-mining entry is ignored")
CAWG_NO_ENTRIES = D.define("MED125", "SHOULD", _CAWG,
                           "training-mining assertion has no entries map")
MANIFEST_JSON = D.define("MED126", "MUST", "c2patool report",
                         "Not a c2patool manifest report or manifest definition")
FILE_UNREADABLE = D.define("MED130", "MUST", _XMP, "Media file could not be read")


@dataclass(frozen=True, slots=True)
class Preference:
    """One usage preference found in a file, with its origin."""

    usage: str
    value: Value
    reason: str
    raw: str
    column: int = 1


@dataclass(frozen=True, slots=True)
class MediaSignal:
    """Every opt-out statement embedded in one media file (or c2patool report)."""

    preferences: tuple[Preference, ...]
    diagnostics: tuple[Diagnostic, ...]
    source: str | None = None
    xmp: str | None = None
    data_mining: str | None = None
    tdm_reservation: int | None = None
    tdm_policy: str | None = None
    assertions: tuple[Mapping[str, Any], ...] = ()
    mechanism: ClassVar[str] = MECHANISM

    def as_tdmrep(self) -> TdmRepValues:
        """The XMP TDMRep properties as the last layer of TDMRep processing (``tdmrep.layer``)."""
        policy = self.tdm_policy if self.tdm_reservation != 0 else None
        raw = None if self.tdm_reservation is None else f"tdm:reservation={self.tdm_reservation}"
        return TdmRepValues("embedded", self.tdm_reservation, policy, (), self.source, None, raw)

    def statements(self, agent: str, target: str) -> list[Statement]:
        """The file speaks for itself: agent and target do not change the answer."""
        return [Statement(self.mechanism, p.usage, p.value, p.reason, self.source, None, p.raw)
                for p in self.preferences]


# --- XMP ---------------------------------------------------------------------------------------

_OPEN_TAGS: Final = (b"<x:xmpmeta", b"<x:xapmeta")
_XPACKET_BEGIN: Final = b"<?xpacket begin"
_XPACKET_END: Final = b"<?xpacket end"


def find_xmp(data: bytes) -> tuple[int, bytes, bool] | None:
    """Offset and bytes of the first XMP packet in ``data``, and whether it is complete.

    The packet is returned without its ``<?xpacket`` wrapper; an unterminated packet runs to the
    end of the scanned data.
    """
    data = data[:MAX_MEDIA_SCAN_BYTES]
    found = [(i, tag) for i, tag in ((data.find(t), t) for t in _OPEN_TAGS) if i >= 0]
    if found:
        start, tag = min(found)
        close = b"</" + tag[1:] + b">"
        end = data.find(close, start)
        if end < 0:
            return start, data[start:], False
        return start, data[start:end + len(close)], True
    begin = data.find(_XPACKET_BEGIN)
    if begin < 0:
        return None
    body = data.find(b"?>", begin)
    if body < 0:
        return begin, data[begin:], False
    end = data.find(_XPACKET_END, body)
    if end < 0:
        return body + 2, data[body + 2:], False
    return body + 2, data[body + 2:end], True


def _local(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        ns, _, local = name[1:].partition("}")
        return ns, local
    return "", name


def _element_value(element: ET.Element) -> str:
    resource = element.get(f"{{{RDF_NS}}}resource")
    if resource:
        return resource.strip()
    text = (element.text or "").strip()
    if text:
        return text
    for child in element.iter():  # rdf:value or a one-item container
        if child is not element and (child.text or "").strip():
            return (child.text or "").strip()
    return ""


def _xmp_properties(root: ET.Element) -> list[tuple[str, str, str]]:
    """(namespace, local name, value) of every PLUS/TDMRep property, attribute or element form."""
    out: list[tuple[str, str, str]] = []
    wanted = TDM_NAMESPACES | {PLUS_NS}
    for element in root.iter():
        for name, value in element.attrib.items():
            ns, local = _local(name)
            if ns in wanted:
                out.append((ns, local, value.strip()))
        ns, local = _local(element.tag)
        if ns in wanted:
            out.append((ns, local, _element_value(element)))
    return out


def _plus_key(value: str) -> str:
    for base in PLUS_VOCAB:
        if value.startswith(base):
            value = value[len(base):]
            break
    return value.strip().upper()


@dataclass
class _Builder:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    preferences: list[Preference] = field(default_factory=list)
    xmp: str | None = None
    data_mining: str | None = None
    tdm_reservation: int | None = None
    tdm_policy: str | None = None
    assertions: list[Mapping[str, Any]] = field(default_factory=list)

    def build(self, source: str | None) -> MediaSignal:
        return MediaSignal(tuple(self.preferences), tuple(D.capped(self.diagnostics)), source,
                           self.xmp,
                           self.data_mining, self.tdm_reservation, self.tdm_policy,
                           tuple(self.assertions))


def _read_xmp(data: bytes, out: _Builder) -> None:
    found = find_xmp(data)
    if found is None:
        return
    offset, packet, complete = found
    column = offset + 1
    if not complete:
        out.diagnostics.append(XMP_UNTERMINATED.at(1, column))
        return
    if len(packet) > MAX_XMP_BYTES:
        out.diagnostics.append(XMP_TOO_LARGE.at(1, column))
        return
    try:
        text = packet.decode("utf-8")
    except UnicodeDecodeError as exc:
        out.diagnostics.append(XMP_NOT_UTF8.at(1, column + exc.start))
        return
    upper = text.upper()
    if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
        out.diagnostics.append(XMP_DOCTYPE.at(1, column + upper.find("<!")))
        return
    try:
        root = _xml.parse(packet, max_bytes=MAX_XMP_BYTES)
    except _xml.XmlRefused as refused:
        code = {_xml.DTD: XMP_DOCTYPE, _xml.TOO_DEEP: XMP_TOO_DEEP,
                _xml.TOO_LARGE: XMP_TOO_LARGE}.get(refused.reason, XMP_MALFORMED)
        at = column if refused.reason == _xml.MALFORMED else (
            column + _offset(packet, refused.line, refused.column))
        out.diagnostics.append(code.at(1, at))
        return
    out.xmp = text
    _apply_xmp(_xmp_properties(root), out, column)


def _offset(packet: bytes, line: int, column: int) -> int:
    """Byte offset in ``packet`` of a parser's (line, column): binary files have no lines."""
    start = 0
    for _ in range(line - 1):
        start = packet.find(b"\n", start) + 1
        if start == 0:
            return 0
    return min(start + column - 1, len(packet))


def _apply_xmp(properties: list[tuple[str, str, str]], out: _Builder, column: int) -> None:
    for ns, local, value in properties:
        if ns == PLUS_NS and local == "DataMining":
            if out.data_mining is not None:
                out.diagnostics.append(PLUS_REPEATED.at(1, column))
                continue
            out.data_mining = value
            key = _plus_key(value)
            if not key.startswith("DMI-") or not is_mapped(MECHANISM, key):
                out.diagnostics.append(PLUS_UNKNOWN.at(1, column))
                continue
            for usage, result in lookup(MECHANISM, key):
                out.preferences.append(Preference(
                    usage, result, f"XMP plus:DataMining {key}",
                    f"plus:DataMining={value}", column))
        elif ns in TDM_NAMESPACES and local == "reservation":
            if value not in ("0", "1"):
                out.diagnostics.append(TDM_BAD_VALUE.at(1, column))
                continue
            out.tdm_reservation = int(value)
        elif ns in TDM_NAMESPACES and local == "policy" and value:
            out.tdm_policy = value
    if out.tdm_reservation is not None:
        reason = f"XMP tdm:reservation {out.tdm_reservation}"
        if out.tdm_reservation == 1 and out.tdm_policy:
            reason += f"; TDM policy {out.tdm_policy}"
        raw = f"tdm:reservation={out.tdm_reservation}"
        for usage, result in lookup("tdmrep", f"tdm-reservation: {out.tdm_reservation}"):
            out.preferences.append(Preference(usage, result, reason, raw, column))


# --- C2PA / CAWG -------------------------------------------------------------------------------


def training_mining(assertion: Mapping[str, Any]) -> tuple[list[Preference], list[Diagnostic]]:
    """Map one ``cawg.training-mining`` or ``c2pa.training-mining`` assertion to preferences.

    ``constrained`` counts as ``notAllowed`` (CAWG 1.1); ``constraint_info`` (C2PA 1.x) and
    ``constraints_info`` (CAWG) are kept in the reason.  Other assertion labels yield nothing.
    """
    diagnostics: list[Diagnostic] = []
    label = assertion.get("label")
    if label not in TRAINING_MINING_LABELS:
        return [], diagnostics
    data = assertion.get("data")
    entries = data.get("entries") if isinstance(data, Mapping) else None
    if not isinstance(entries, Mapping):
        diagnostics.append(CAWG_NO_ENTRIES.at(1))
        return [], diagnostics
    preferences: list[Preference] = []
    for key, entry in entries.items():
        prefix, _, name = str(key).partition(".")
        if prefix not in ("cawg", "c2pa") or name not in CAWG_ENTRIES:
            diagnostics.append(CAWG_UNKNOWN_ENTRY.at(1, message=f"Custom entry {key!r} is ignored"))
            continue
        use = entry.get("use") if isinstance(entry, Mapping) else None
        row = f"{prefix}.{name}={use}"
        if not isinstance(use, str) or not is_mapped(MECHANISM, row):
            diagnostics.append(CAWG_BAD_USE.at(1, message=f"Entry {key!r}: use {use!r} ignored"))
            continue
        info = ""
        if isinstance(entry, Mapping):
            note = entry.get("constraints_info", entry.get("constraint_info"))
            info = f" ({note})" if isinstance(note, str) and note else ""
        for usage, value in lookup(MECHANISM, row):
            preferences.append(Preference(usage, value, f"{label} {key}: {use}{info}", row))
    return preferences, diagnostics


def _manifest_assertions(document: object) -> list[Mapping[str, Any]] | None:
    """Assertions of a c2patool report (active manifest) or of a manifest definition."""
    if not isinstance(document, Mapping):
        return None
    manifests = document.get("manifests")
    if isinstance(manifests, Mapping):
        active = document.get("active_manifest")
        chosen = [manifests[active]] if active in manifests else list(manifests.values())
        found: list[Mapping[str, Any]] = []
        for manifest in chosen:
            if isinstance(manifest, Mapping) and isinstance(manifest.get("assertions"), list):
                found.extend(a for a in manifest["assertions"] if isinstance(a, Mapping))
        return found
    assertions = document.get("assertions")
    if isinstance(assertions, list):
        return [a for a in assertions if isinstance(a, Mapping)]
    return None


def _apply_assertions(assertions: list[Mapping[str, Any]], out: _Builder) -> None:
    for assertion in assertions:
        if assertion.get("label") not in TRAINING_MINING_LABELS:
            continue
        out.assertions.append(assertion)
        preferences, diagnostics = training_mining(assertion)
        out.preferences.extend(preferences)
        out.diagnostics.extend(diagnostics)


def from_manifest_json(data: bytes | str, *, source: str | None = None) -> MediaSignal:
    """Read the JSON that ``c2patool FILE`` prints, or a manifest definition it signs."""
    out = _Builder()
    try:
        document = _json.loads(data[:MAX_MANIFEST_JSON_BYTES])
    except _json.JsonError as exc:
        out.diagnostics.append(exc.diagnostic(MANIFEST_JSON))
        return out.build(source)
    assertions = _manifest_assertions(document)
    if assertions is None:
        out.diagnostics.append(MANIFEST_JSON.at(1))
        return out.build(source)
    _apply_assertions(assertions, out)
    return out.build(source)


def _has_c2pa(data: bytes) -> int:
    """Offset of a JUMBF box labelled ``c2pa``, or -1."""
    box = data.find(b"jumb")
    if box < 0:
        return -1
    return box if data.find(b"c2pa", box) >= 0 else -1


def _mime(data: bytes) -> str | None:
    signatures = (
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"ID3", "audio/mpeg"),
        (b"RIFF", "audio/wav" if data[8:12] == b"WAVE" else "image/webp"),
        (b"GIF8", "image/gif"),
        (b"%PDF", "application/pdf"),
        (b"II*\x00", "image/tiff"),
        (b"MM\x00*", "image/tiff"),
        (b"fLaC", "audio/flac"),
    )
    for magic, mime in signatures:
        if data.startswith(magic):
            return mime
    if data[4:8] == b"ftyp":
        return "video/mp4"
    return None


def _read_c2pa(data: bytes, out: _Builder) -> None:
    offset = _has_c2pa(data)
    if offset < 0:
        return
    try:
        import c2pa  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        out.diagnostics.append(C2PA_MISSING.at(1, offset + 1))
        return
    mime = _mime(data)
    try:
        reader = c2pa.Reader(mime or "application/octet-stream", io.BytesIO(data))
        document = _json.loads(reader.json())
    except Exception as exc:  # the binding raises its own error types
        out.diagnostics.append(C2PA_UNREADABLE.at(1, offset + 1, message=f"C2PA: {exc}"))
        return
    assertions = _manifest_assertions(document)
    if assertions is None:
        out.diagnostics.append(C2PA_UNREADABLE.at(1, offset + 1))
        return
    _apply_assertions(assertions, out)


#: The Vorbis comment that carries plus:DataMining in FLAC, which has no XMP (spec §16.1).
VORBIS_DATA_MINING: Final = "PLUS:DATAMINING"


def _read_flac(data: bytes, out: _Builder) -> None:
    """``PLUS:DATAMINING`` in the FLAC VORBIS_COMMENT block, read as plus:DataMining."""
    pos = 4
    while pos + 4 <= len(data):
        header = data[pos]
        length = int.from_bytes(data[pos + 1:pos + 4], "big")
        body = data[pos + 4:pos + 4 + length]
        if header & 0x7F == 4:
            for offset, comment in _vorbis_comments(body, pos + 4):
                key, sep, value = comment.partition(b"=")
                if sep and key.decode("ascii", "replace").upper() == VORBIS_DATA_MINING:
                    _apply_xmp([(PLUS_NS, "DataMining", value.decode("utf-8", "replace"))],
                               out, offset + 1)
            return
        if header & 0x80:
            return
        pos += 4 + length


def _vorbis_comments(body: bytes, base: int) -> list[tuple[int, bytes]]:
    if len(body) < 8:
        return []
    vendor = int.from_bytes(body[:4], "little")
    pos = 4 + vendor
    if pos + 4 > len(body):
        return []
    count = int.from_bytes(body[pos:pos + 4], "little")
    pos += 4
    out: list[tuple[int, bytes]] = []
    for _ in range(count):
        if pos + 4 > len(body):
            break
        size = int.from_bytes(body[pos:pos + 4], "little")
        out.append((base + pos + 4, body[pos + 4:pos + 4 + size]))
        pos += 4 + size
    return out


def from_bytes(data: bytes, *, source: str | None = None) -> MediaSignal:
    """Every embedded signal of one media file: XMP PLUS/TDMRep properties and C2PA assertions."""
    out = _Builder()
    data = data[:MAX_MEDIA_SCAN_BYTES]
    _read_xmp(data, out)
    if data.startswith(b"fLaC"):
        _read_flac(data, out)
    _read_c2pa(data, out)
    return out.build(source)


def is_media_file(path: str | Path) -> bool:
    """True when the file starts like a media container this module reads (not a policy file)."""
    try:
        with Path(path).open("rb") as handle:
            head = handle.read(16)
    except OSError:
        return False
    return _mime(head) is not None


def from_path(path: str | Path) -> MediaSignal:
    """Read a media file, or a c2patool JSON report when the name ends in ``.json``."""
    location = Path(path)
    try:
        with location.open("rb") as handle:
            data = handle.read(MAX_MEDIA_SCAN_BYTES)
    except OSError as exc:
        return MediaSignal((), (FILE_UNREADABLE.at(1, message=f"Cannot read: {exc.strerror}"),),
                           str(path))
    if location.suffix.lower() == ".json":
        return from_manifest_json(data, source=str(path))
    return from_bytes(data, source=str(path))
