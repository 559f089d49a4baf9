"""Write the reservation a declaration gives a file into the file's own metadata.

A catalogue travels without its web site: a song or a photo is copied, uploaded, sold.  The
reservation therefore goes into the file as IPTC/PLUS ``plus:DataMining`` (spec §16.1): in XMP
for JPEG (APP1), PNG (iTXt ``XML:com.adobe.xmp``), TIFF (tag 700), PDF (the catalogue's
``/Metadata`` stream) and MP3 (an ID3 ``PRIV`` frame owned by ``XMP``, as XMP Part 3 embeds it),
and as the Vorbis comment ``PLUS:DATAMINING`` in FLAC, which has no XMP.

The file speaks for every agent at once, so a PLUS value is chosen only where every agent gets
the same answer from the declaration for every label the value decides (the publish principle,
R-16-2): the value that decides most labels without deciding one the declaration leaves open or
answers otherwise.  What it cannot carry is reported.  JPEG, PNG and TIFF are edited by our own
segment, chunk and IFD code, which leaves every other byte in place; PDF needs ``pikepdf`` and
MP3/FLAC ``mutagen`` (``pip install 'aioptout[media-write]'``).  Nothing is written unless the
edited file reads back with the chosen value.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import tempfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from . import _xml
from . import diagnostics as D
from . import usage as U
from .agents import Registry, default_registry
from .identifiers import looks_like_work_id, parse_work_id
from .model import Declaration, Diagnostic, Severity, Value
from .publish import probe_agents
from .signals import media
from .signals.mapping import lookup

__all__ = ["PLUS_VALUES", "Stamp", "choose", "stamp"]

VOCAB: Final = "http://ns.useplus.org/ldf/vocab/"
#: The values stamp may write, most telling first (each decides labels through spec §12.2).
PLUS_VALUES: Final = (
    "DMI-PROHIBITED",
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
    "DMI-ALLOWED",
    "DMI-PROHIBITED-AIMLTRAINING",
    "DMI-PROHIBITED-GENAIMLTRAINING",
    "DMI-UNSPECIFIED",
)
VORBIS_KEY: Final = "PLUS:DATAMINING"
_SPEC = "R-16-8"

NOT_CARRIED = D.define(
    "STP101", "NOTE", _SPEC,
    "The declaration's answer for a label has no plus:DataMining value; it is not stamped",
)
PER_AGENT = D.define(
    "STP102", "NOTE", _SPEC,
    "The declaration answers a label differently per agent; file metadata speaks for all agents",
)
UNREADABLE = D.define("STP103", "MUST", "R-16-9", "The file could not be read; not stamped")
UNSUPPORTED = D.define(
    "STP104", "MUST", "R-16-7",
    "Not a JPEG, PNG, classic TIFF, PDF, MP3 or FLAC file stamp can write; not stamped",
)
MALFORMED = D.define("STP105", "MUST", "R-16-9",
                     "The file's structure could not be parsed; not stamped")
EXTRA_MISSING = D.define(
    "STP106", "MUST", "R-16-7", "Writing this format needs the media-write extra; not stamped",
    "pip install 'aioptout[media-write]'",
)
UNWRITABLE = D.define("STP107", "MUST", "R-16-9", "The file could not be written; unchanged")
XMP_NOT_EDITABLE = D.define(
    "STP108", "MUST", "R-16-9",
    "The file's XMP could not be updated and read back with the new value; not stamped",
)
TOO_LARGE = D.define(
    "STP109", "MUST", "R-16-9",
    "The XMP packet does not fit one JPEG APP1 segment (extended XMP is not written)",
)
DECLARATION_HAS_ERRORS = D.define(
    "STP110", "MUST", "R-16-4", "The declaration has errors; no file was stamped",
    "run 'aioptout validate' and fix the errors first",
)
BAD_IDENTIFIER = D.define(
    "STP111", "NOTE", "R-16-10",
    "The file's identifier is not a valid work identifier; the file is keyed by its path",
)
OUTSIDE_ROOT = D.define(
    "STP112", "MUST", "R-16-10",
    "The file is not below --root, so it has no URL path; not stamped",
    "give the folder the site's paths start at as --root",
)

#: Outcomes of one file.
WRITTEN: Final = "written"
UNCHANGED: Final = "unchanged"
FAILED: Final = "failed"


@dataclass(frozen=True, slots=True)
class Stamp:
    """What stamping one file did."""

    path: str
    status: str
    format: str | None = None
    target: str | None = None
    value: str | None = None
    labels: Mapping[str, Value] = field(default_factory=dict)
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "status": self.status,
            "format": self.format,
            "target": self.target,
            "value": self.value,
            "labels": {label: v.value for label, v in self.labels.items()},
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


class _Refused(Exception):
    """One file cannot be stamped; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


# --- Which value: what the declaration says to every agent -----------------------------------


def _statement(key: str) -> dict[str, Value]:
    return dict(lookup("media", key))


def choose(answers: Mapping[str, Value | None]) -> tuple[str, dict[str, Value]]:
    """The PLUS value that decides the most labels, each as ``answers`` does, and no other.

    ``answers`` maps each label to the value every agent gets, or None where agents differ.
    Returns the vocabulary key and the labels it decides.
    """
    best = "DMI-UNSPECIFIED"
    best_decided: dict[str, Value] = {}
    for key in PLUS_VALUES:
        statement = _statement(key)
        decided: dict[str, Value] = {}
        for label in U.LABELS:
            value, _ = U.resolve(statement, label)
            if value is Value.UNKNOWN:
                continue
            if answers.get(label) is not value:
                break
            decided[label] = value
        else:
            if len(decided) > len(best_decided):
                best, best_decided = key, decided
    return best, best_decided


def _answers(declaration: Declaration, agents: Sequence[str], target: str
             ) -> dict[str, Value | None]:
    out: dict[str, Value | None] = {}
    for label in U.LABELS:
        seen = {declaration.evaluate(agent, target, label).value for agent in agents}
        out[label] = seen.pop() if len(seen) == 1 else None
    return out


def _losses(answers: Mapping[str, Value | None], decided: Mapping[str, Value]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for label in U.LABELS:
        value = answers[label]
        if value is None:
            out.append(PER_AGENT.at(1, message=f"{label}: agents get different answers; "
                                    "not stamped"))
        elif value is not Value.UNKNOWN and label not in decided:
            out.append(NOT_CARRIED.at(1, message=f"{label}={value.value}: no plus:DataMining "
                                      "value carries it without saying more"))
    return out


# --- XMP text ----------------------------------------------------------------------------------

_XMP_SIG: Final = b"http://ns.adobe.com/xap/1.0/\x00"
_NEW_PACKET: Final = (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    "{description}"
    " </rdf:RDF>\n"
    "</x:xmpmeta>\n"
    '<?xpacket end="w"?>'
)
_DESCRIPTION: Final = (
    '  <rdf:Description rdf:about="" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/">\n'
    "   <plus:DataMining>{uri}</plus:DataMining>\n"
    "  </rdf:Description>\n"
)


def _prefixes(text: str, namespace: str) -> list[str]:
    return re.findall(r"xmlns:([\w.-]+)\s*=\s*[\"']" + re.escape(namespace) + "[\"']", text)


def _set_data_mining(packet: bytes | None, uri: str) -> bytes:
    """``packet`` with plus:DataMining set to ``uri``, every other byte kept; a new packet when
    there is none.  Refused when the result would not read back as exactly that value."""
    if packet is None:
        return _NEW_PACKET.format(description=_DESCRIPTION.format(uri=uri)).encode("utf-8")
    if media.from_bytes(packet).xmp is None:  # not well-formed (also keeps the edit linear)
        raise _Refused(XMP_NOT_EDITABLE.at(1, message="existing XMP is not well-formed"))
    text = packet.decode("utf-8")
    edited, count = text, 0
    for prefix in _prefixes(text, media.PLUS_NS):
        name = re.escape(prefix) + r":DataMining"
        edited, n1 = re.subn(rf"<{name}(\s[^<>]*)?>.*?</{name}\s*>",
                             f"<{prefix}:DataMining>{uri}</{prefix}:DataMining>", edited,
                             flags=re.S)
        edited, n2 = re.subn(rf"<{name}(\s[^<>]*)?/>",
                             f"<{prefix}:DataMining>{uri}</{prefix}:DataMining>", edited)
        edited, n3 = re.subn(rf"(\s{name}\s*=\s*)([\"'])[^\"']*\2", rf"\g<1>\g<2>{uri}\g<2>",
                             edited)
        count += n1 + n2 + n3
    if count == 0:
        opening, rdf = None, "rdf"
        for rdf in _prefixes(text, media.RDF_NS):
            opening = re.search(rf"<{re.escape(rdf)}:RDF\b[^<>]*>", text)
            if opening:
                break
        if opening is None or opening.group(0).endswith("/>"):
            raise _Refused(XMP_NOT_EDITABLE.at(1, message="existing XMP has no rdf:RDF element"))
        description = _DESCRIPTION.format(uri=uri)
        if rdf != "rdf":
            description = description.replace("rdf:", f"{rdf}:")
        edited = text[:opening.end()] + "\n" + description + text[opening.end():]
    return edited.encode("utf-8")


def _verify(packet: bytes, uri: str) -> None:
    signal = media.from_bytes(packet)
    if signal.data_mining != uri or any(d.severity is Severity.ERROR
                                        for d in signal.diagnostics):
        raise _Refused(XMP_NOT_EDITABLE.at(1))


def _xmp_identifier(packet: bytes | None) -> str | None:
    """A work identifier in the XMP's dc:identifier or xmp:Identifier, e.g. ``isrc:…``."""
    if packet is None:
        return None
    try:
        root = _xml.parse(packet, max_bytes=media.MAX_XMP_BYTES)
    except _xml.XmlRefused:
        return None
    wanted = {"{http://purl.org/dc/elements/1.1/}identifier",
              "{http://ns.adobe.com/xap/1.0/}Identifier"}
    for element in root.iter():
        if element.tag in wanted:
            for item in element.iter():
                text = (item.text or "").strip()
                if text and looks_like_work_id(text):
                    return text
    return None


# --- Containers: each returns (new bytes or None when unchanged, identifier) -------------------

Edit = Callable[[bytes | None, str | None], bytes | None]
"""Given the current XMP packet (or None) and the file's identifier: the new packet, or None
when the file already says it."""


def _jpeg(data: bytes, edit: Edit) -> bytes | None:
    if not data.startswith(b"\xff\xd8"):
        raise _Refused(MALFORMED.at(1, 1))
    pos, xmp, insert = 2, None, 2
    leading = True
    while True:
        if pos + 4 > len(data) or data[pos] != 0xFF:
            raise _Refused(MALFORMED.at(1, pos + 1))
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker in (0xDA, 0xD9):
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise _Refused(MALFORMED.at(1, pos + 1))
        payload = data[pos + 4:end]
        if marker == 0xE1 and payload.startswith(_XMP_SIG) and xmp is None:
            xmp = (pos, end, payload[len(_XMP_SIG):])
        if leading and marker in (0xE0, 0xE1):
            insert = end
        else:
            leading = False
        pos = end
    packet = edit(xmp[2] if xmp else None, None)
    if packet is None:
        return None
    body = _XMP_SIG + packet
    if len(body) + 2 > 0xFFFF:
        raise _Refused(TOO_LARGE.at(1))
    segment = b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body
    if xmp:
        return data[:xmp[0]] + segment + data[xmp[1]:]
    return data[:insert] + segment + data[insert:]


_PNG_SIG: Final = b"\x89PNG\r\n\x1a\n"
_PNG_KEY: Final = b"XML:com.adobe.xmp"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (len(body).to_bytes(4, "big") + kind + body
            + zlib.crc32(kind + body).to_bytes(4, "big"))


def _png(data: bytes, edit: Edit) -> bytes | None:
    if not data.startswith(_PNG_SIG):
        raise _Refused(MALFORMED.at(1, 1))
    pos, xmp, after_ihdr = 8, None, None
    while pos < len(data):
        if pos + 12 > len(data):
            raise _Refused(MALFORMED.at(1, pos + 1))
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise _Refused(MALFORMED.at(1, pos + 1))
        if kind == b"IHDR" and pos == 8:
            after_ihdr = end
        body = data[pos + 8:pos + 8 + length]
        if kind == b"iTXt" and body.startswith(_PNG_KEY + b"\x00") and xmp is None:
            xmp = (pos, end, _itxt_text(body, pos))
        pos = end
        if kind == b"IEND":
            break
    if after_ihdr is None:
        raise _Refused(MALFORMED.at(1, 9))
    packet = edit(xmp[2] if xmp else None, None)
    if packet is None:
        return None
    chunk = _png_chunk(b"iTXt", _PNG_KEY + b"\x00\x00\x00\x00\x00" + packet)
    if xmp:
        return data[:xmp[0]] + chunk + data[xmp[1]:]
    return data[:after_ihdr] + chunk + data[after_ihdr:]


def _itxt_text(body: bytes, pos: int) -> bytes:
    rest = body[len(_PNG_KEY) + 1:]
    if len(rest) < 2:
        raise _Refused(MALFORMED.at(1, pos + 1))
    compressed, rest = rest[0], rest[2:]
    parts = rest.split(b"\x00", 2)  # language tag, translated keyword, text
    if len(parts) != 3:
        raise _Refused(MALFORMED.at(1, pos + 1))
    if not compressed:
        return parts[2]
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(parts[2], media.MAX_XMP_BYTES)
    except zlib.error:
        raise _Refused(MALFORMED.at(1, pos + 1)) from None
    return text


def _tiff(data: bytes, edit: Edit) -> bytes | None:
    """Tag 700 of IFD0: rewritten in place when the new packet fits, else the packet and a copy
    of IFD0 are appended and the header points at the copy (every other byte stays put)."""
    order = {b"II": "<", b"MM": ">"}.get(data[:2])
    if order is None or len(data) < 8:
        raise _Refused(MALFORMED.at(1, 1))
    magic, ifd = struct.unpack(order + "HI", data[2:8])
    if magic != 42:
        raise _Refused(UNSUPPORTED.at(1, 3, message="BigTIFF is not supported; not stamped"))
    if ifd + 2 > len(data):
        raise _Refused(MALFORMED.at(1, 5))
    (count,) = struct.unpack(order + "H", data[ifd:ifd + 2])
    table_end = ifd + 2 + 12 * count
    if table_end + 4 > len(data):
        raise _Refused(MALFORMED.at(1, ifd + 1))
    entries = [data[ifd + 2 + 12 * i:ifd + 14 + 12 * i] for i in range(count)]
    old: tuple[int, int, int, int] | None = None  # index, type, offset, length
    for index, entry in enumerate(entries):
        tag, kind, length, offset = struct.unpack(order + "HHII", entry)
        if tag == 700 and kind in (1, 7):
            at = ifd + 2 + 12 * index + 8 if length <= 4 else offset
            if at + length > len(data):
                raise _Refused(MALFORMED.at(1, ifd + 3 + 12 * index))
            old = (index, kind, at, length)
    current = data[old[2]:old[2] + old[3]] if old else None
    packet = edit(current, None)
    if packet is None:
        return None
    trimmed = packet.rstrip(b" \t\r\n")  # padding after the packet is free to shrink
    if old and old[3] > 4 and len(trimmed) <= old[3]:
        padded = trimmed + b" " * (old[3] - len(trimmed))
        return data[:old[2]] + padded + data[old[2] + old[3]:]
    out = bytearray(data)
    if old and old[3] > 4:
        out[old[2]:old[2] + old[3]] = b" " * old[3]  # no stale packet for a scanning reader
    if len(out) % 2:
        out += b"\x00"
    packet_at = len(out)
    out += packet
    if len(out) % 2:
        out += b"\x00"
    new = struct.pack(order + "HHII", 700, old[1] if old else 1, len(packet), packet_at)
    kept = [e for i, e in enumerate(entries) if old is None or i != old[0]]
    kept.append(new)
    kept.sort(key=lambda e: struct.unpack(order + "H", e[:2])[0])
    ifd_at = len(out)
    out += struct.pack(order + "H", len(kept)) + b"".join(kept) + data[table_end:table_end + 4]
    out[4:8] = struct.pack(order + "I", ifd_at)
    return bytes(out)


def _need(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise _Refused(EXTRA_MISSING.at(1)) from None


def _pdf(data: bytes, edit: Edit) -> bytes | None:
    pikepdf = _need("pikepdf")
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except Exception as exc:  # pikepdf raises its own and qpdf's error types
        raise _Refused(MALFORMED.at(1, 1, message=f"PDF: {exc}")) from None
    with pdf:
        if pdf.is_encrypted:
            raise _Refused(UNSUPPORTED.at(1, 1, message="encrypted PDF; not stamped"))
        existing = pdf.Root.get("/Metadata")
        current = bytes(existing.read_bytes()) if existing is not None else None
        packet = edit(current, _xmp_identifier(current))
        if packet is None:
            return None
        if existing is not None:
            existing.write(packet)
        else:
            stream = pikepdf.Stream(pdf, packet)
            stream["/Type"] = pikepdf.Name.Metadata
            stream["/Subtype"] = pikepdf.Name.XML
            pdf.Root.Metadata = pdf.make_indirect(stream)
        out = io.BytesIO()
        # Streams are copied as they are (no recompression), and pikepdf must not rewrite the
        # XMP it would otherwise update (pdf:PDFVersion).
        pdf.save(out, deterministic_id=True, compress_streams=False,
                 stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 object_stream_mode=pikepdf.ObjectStreamMode.preserve,
                 fix_metadata_version=False)
        return out.getvalue()


def _mp3(data: bytes, edit: Edit) -> bytes | None:
    id3 = _need("mutagen.id3")
    # An ID3v1 tag is kept as bytes: mutagen would rebuild it from the v2 frames.
    v1 = data[-128:] if len(data) >= 128 and data[-128:-125] == b"TAG" else b""
    body = io.BytesIO(data[:len(data) - len(v1)])
    try:
        tags = id3.ID3(body, translate=False)
    except id3.ID3NoHeaderError:
        tags = id3.ID3()
    except Exception as exc:  # mutagen's error types
        raise _Refused(MALFORMED.at(1, 1, message=f"ID3: {exc}")) from None
    version = tags.version[1] if tags.version else 4
    if version not in (3, 4):
        raise _Refused(UNSUPPORTED.at(1, 1, message="ID3v2.2 is not written; not stamped"))
    isrc = next((str(f.text[0]) for f in tags.getall("TSRC") if f.text), None)
    frames = [f for f in tags.getall("PRIV") if f.owner == "XMP"]
    packet = edit(bytes(frames[0].data) if frames else None,
                  f"isrc:{isrc}" if isrc else None)
    if packet is None:
        return None
    tags.delall("PRIV:XMP")
    tags.add(id3.PRIV(owner="XMP", data=packet))
    body.seek(0)
    try:
        tags.save(body, v1=0, v2_version=version)
    except Exception as exc:
        raise _Refused(MALFORMED.at(1, 1, message=f"ID3: {exc}")) from None
    return body.getvalue() + v1


def _flac(data: bytes, edit: Edit) -> bytes | None:
    flac = _need("mutagen.flac")
    body = io.BytesIO(data)
    try:
        audio = flac.FLAC(body)
    except Exception as exc:  # mutagen's error types
        raise _Refused(MALFORMED.at(1, 1, message=f"FLAC: {exc}")) from None
    if audio.tags is None:
        audio.add_tags()
    tags = audio.tags
    isrc = next(iter(tags.get("ISRC", [])), None)
    current = next(iter(tags.get(VORBIS_KEY, [])), None)
    packet = edit(None, f"isrc:{isrc}" if isrc else None)
    if packet is None:
        return None
    uri = packet.decode("ascii")
    if current == uri and len(tags.get(VORBIS_KEY, [])) == 1:
        return None
    tags[VORBIS_KEY] = [uri]
    body.seek(0)
    try:
        audio.save(body, padding=lambda info: info.padding)
    except Exception as exc:
        raise _Refused(MALFORMED.at(1, 1, message=f"FLAC: {exc}")) from None
    return body.getvalue()


def _format(data: bytes, path: Path) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_PNG_SIG):
        return "png"
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"fLaC"):
        return "flac"
    if data.startswith(b"ID3") or (path.suffix.lower() == ".mp3" and data[:1] == b"\xff"
                                   and len(data) > 1 and data[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


# --- One file ----------------------------------------------------------------------------------


def _target(path: Path, root: Path | None) -> str:
    base = (root or path.parent).resolve()
    try:
        relative = path.resolve().relative_to(base)
    except ValueError:
        raise _Refused(OUTSIDE_ROOT.at(1)) from None
    return "/" + quote(relative.as_posix(), safe="/")


def stamp(path: str | Path, declaration: Declaration, *, root: str | Path | None = None,
          registry: Registry | None = None) -> Stamp:
    """Write the reservation ``declaration`` gives ``path`` into the file's metadata.

    The file is keyed by its ISRC (ID3 ``TSRC``, FLAC ``ISRC``) or another work identifier in
    its XMP when it has one, else by its path relative to ``root`` (default: its folder) as a
    URL path.  The file is replaced atomically and only when its metadata changes; a file that
    cannot be stamped is left as it was and the returned :class:`Stamp` says why.
    """
    location = Path(path)
    name = str(path)
    if declaration.errors:
        return Stamp(name, FAILED, diagnostics=(DECLARATION_HAS_ERRORS.at(1),))
    try:
        data = location.read_bytes()
    except OSError as exc:
        return Stamp(name, FAILED, diagnostics=(
            UNREADABLE.at(1, message=f"Cannot read: {exc.strerror or exc}"),))
    kind = _format(data, location)
    if kind is None:
        return Stamp(name, FAILED, diagnostics=(UNSUPPORTED.at(1, 1),))
    agents = probe_agents(declaration, registry or default_registry())
    notes: list[Diagnostic] = []
    chosen: dict[str, object] = {}

    def edit(current: bytes | None, identifier: str | None) -> bytes | None:
        if identifier is None and kind != "pdf":
            identifier = _xmp_identifier(current)
        work = None
        if identifier is not None:
            work, _problems = parse_work_id(identifier)
            if work is None:
                notes.append(BAD_IDENTIFIER.at(1, message=f"{identifier!r} is not a work "
                                               "identifier; keyed by the path"))
        target = str(work) if work is not None else _target(
            location, Path(root) if root is not None else None)
        answers = _answers(declaration, agents, target)
        key, decided = choose(answers)
        notes.extend(_losses(answers, decided))
        uri = VOCAB + key
        chosen.update(target=target, value=uri, labels=decided)
        if kind == "flac":
            return uri.encode("ascii")
        if current is not None and media.from_bytes(current).data_mining == uri:
            return None
        packet = _set_data_mining(current, uri)
        _verify(packet, uri)
        return packet

    editors: dict[str, Callable[[bytes, Edit], bytes | None]] = {
        "jpeg": _jpeg, "png": _png, "tiff": _tiff, "pdf": _pdf, "mp3": _mp3, "flac": _flac}
    try:
        new = editors[kind](data, edit)
    except _Refused as refused:
        return _result(name, FAILED, kind, chosen, [*notes, refused.diagnostic])
    if new is None or new == data:
        return _result(name, UNCHANGED, kind, chosen, notes)
    if media.from_bytes(new).data_mining != chosen.get("value"):
        return _result(name, FAILED, kind, chosen, [*notes, XMP_NOT_EDITABLE.at(1)])
    try:
        _replace(location, new)
    except OSError as exc:
        return _result(name, FAILED, kind, chosen, [
            *notes, UNWRITABLE.at(1, message=f"Cannot write: {exc.strerror or exc}")])
    return _result(name, WRITTEN, kind, chosen, notes)


def _result(name: str, status: str, kind: str, chosen: Mapping[str, object],
            notes: list[Diagnostic]) -> Stamp:
    labels = chosen.get("labels")
    return Stamp(name, status, kind, _str(chosen.get("target")), _str(chosen.get("value")),
                 dict(labels) if isinstance(labels, dict) else {}, tuple(notes))


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _replace(path: Path, data: bytes) -> None:
    """Temp file in the same folder, then rename: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        with contextlib.suppress(OSError):
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
