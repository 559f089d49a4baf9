"""``aioptout stamp``: the reservation goes into each file, reads back, and nothing else changes.

Fixtures are built here: images with Pillow, the PDF with pikepdf, MP3 from hand-made MPEG-1
Layer III frame headers (silence) with an ID3 tag written by mutagen, FLAC from a hand-made
STREAMINFO block followed by opaque frame bytes.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aioptout.cli import app
from aioptout.model import Value
from aioptout.parse import parse
from aioptout.signals import media
from aioptout.stamp import VOCAB, choose, stamp

PIL = pytest.importorskip("PIL.Image")
pikepdf = pytest.importorskip("pikepdf")
id3 = pytest.importorskip("mutagen.id3")
mflac = pytest.importorskip("mutagen.flac")
mmp3 = pytest.importorskip("mutagen.mp3")

SPEC = Path(__file__).resolve().parent.parent / "spec"
LABELS = ("train-ai", "train-any", "ai-input", "search", "tdm")
Y, N, U = Value.ALLOWED, Value.DISALLOWED, Value.UNKNOWN

_RULES = (
    "Allow: /\n"
    "Content-Usage: train-ai=n, train-any=n, search=y\n"
    "Content-Usage: /all/ tdm=n\n"
    "Content-Usage: /open/ tdm=y\n"
    "Content-Usage: /index/ tdm=n, search=y\n"
    "Work-Usage: isrc:GBNWR26* tdm=n\n"
)
# GPTBot has its own group (which replaces the * group for it): the same rules, except that
# under /split/ it may train generative models.
DECLARATION = (
    f"AIOptOut-Version: 1\nUser-agent: *\n{_RULES}"
    f"\nUser-agent: GPTBot\n{_RULES}Content-Usage: /split/ train-ai=y\n"
)


# --- fixtures ---------------------------------------------------------------------------------


def _image(path: Path, fmt: str, **options: object) -> None:
    image = PIL.new("RGB", (5, 4))
    image.putdata([(x * 40, y * 60, (x + y) * 20) for y in range(4) for x in range(5)])
    image.save(path, fmt, **options)


def _pdf(path: Path, xmp: bytes | None = None) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 100))
    pdf.pages[0].Contents = pdf.make_stream(b"0 0 m 100 50 l S")  # left uncompressed
    pdf.pages[0].Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(F1=pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                     Subtype=pikepdf.Name.Type1,
                                                     BaseFont=pikepdf.Name.Helvetica)))
    pdf.docinfo["/Title"] = "Catalogue"
    if xmp is not None:
        stream = pdf.make_stream(xmp)
        stream["/Type"] = pikepdf.Name.Metadata
        stream["/Subtype"] = pikepdf.Name.XML
        pdf.Root.Metadata = stream
    pdf.save(path, compress_streams=False)


_MP3_FRAME = bytes.fromhex("fffb9064") + bytes(413)  # MPEG-1 L3 128 kbit/s 44.1 kHz, 417 bytes


def _mp3(path: Path, isrc: str | None = "GBNWR2600001", *, v1: bool = False,
         version: int = 4) -> None:
    audio = _MP3_FRAME * 8 + (b"TAG" + b"Old title".ljust(125, b"\x00") if v1 else b"")
    path.write_bytes(audio)
    tags = id3.ID3()
    tags.add(id3.TIT2(encoding=3, text=["Song"]))
    tags.add(id3.TPE1(encoding=3, text=["Band"]))
    tags.add(id3.COMM(encoding=3, lang="eng", desc="", text=["a comment"]))
    tags.add(id3.PRIV(owner="com.example.other", data=b"\x00\x01binary"))
    if isrc:
        tags.add(id3.TSRC(encoding=3, text=[isrc]))
    tags.save(path, v1=0, v2_version=version)


def _flac(path: Path, isrc: str | None = "GBNWR2600002") -> None:
    info = struct.pack(">HH", 4096, 4096) + bytes(6)
    info += ((44100 << 12) | (1 << 9) | (15 << 4)).to_bytes(4, "big") + bytes(4) + bytes(16)
    frames = b"\xff\xf8\x69\x08" + bytes(range(256)) * 3
    path.write_bytes(b"fLaC\x80" + len(info).to_bytes(3, "big") + info + frames)
    audio = mflac.FLAC(path)
    audio.add_tags()
    assert audio.tags is not None
    audio.tags["TITLE"] = ["Song"]
    audio.tags["ARTIST"] = ["Band", "Guest"]
    if isrc:
        audio.tags["ISRC"] = [isrc]
    audio.save()


Maker = Callable[[Path], None]
MAKERS: dict[str, tuple[str, Maker]] = {
    "jpeg": ("a.jpg", lambda p: _image(p, "JPEG", quality=90)),
    "png": ("a.png", lambda p: _image(p, "PNG")),
    "tiff": ("a.tif", lambda p: _image(p, "TIFF", description="kept")),
    "pdf": ("a.pdf", _pdf),
    "mp3": ("a.mp3", _mp3),
    "flac": ("a.flac", _flac),
}


# --- what "nothing else changed" means per format --------------------------------------------


def _jpeg_segments(data: bytes) -> list[bytes]:
    out, pos = [], 2
    while data[pos + 1] != 0xDA:
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        segment = data[pos:end]
        if not segment[4:].startswith(b"http://ns.adobe.com/xap/1.0/\x00"):
            out.append(segment)
        pos = end
    out.append(data[pos:])  # scan header and entropy-coded image data
    return out


def _png_chunks(data: bytes) -> list[bytes]:
    out, pos = [], 8
    while pos < len(data):
        end = pos + 12 + int.from_bytes(data[pos:pos + 4], "big")
        chunk = data[pos:end]
        if not (chunk[4:8] == b"iTXt" and chunk[8:].startswith(b"XML:com.adobe.xmp\x00")):
            out.append(chunk)
        pos = end
    return out


def _pixels(data: bytes) -> tuple[object, ...]:
    with PIL.open(io.BytesIO(data)) as image:
        return (image.mode, image.size, image.tobytes())


def _tiff_tags(data: bytes) -> dict[int, object]:
    with PIL.open(io.BytesIO(data)) as image:
        return {k: v for k, v in image.tag_v2.items() if k != 700}


def _pdf_canon(obj: object, seen: dict[tuple[int, int], int]) -> object:
    """The object graph without object numbers (a rewrite renumbers); shared objects and
    cycles are references by first-visit order, streams keep their raw bytes."""
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        if obj.objgen in seen:
            return ("ref", seen[obj.objgen])
        seen[obj.objgen] = len(seen)
    if isinstance(obj, pikepdf.Stream):
        keys = sorted(obj.keys())
        return ("stream", tuple((k, _pdf_canon(obj[k], seen)) for k in keys),
                bytes(obj.read_raw_bytes()))
    if isinstance(obj, pikepdf.Dictionary):
        return ("dict", tuple((k, _pdf_canon(obj[k], seen)) for k in sorted(obj.keys())))
    if isinstance(obj, pikepdf.Array):
        return ("array", tuple(_pdf_canon(x, seen) for x in obj))
    return ("atom", repr(obj))


def _pdf_view(data: bytes) -> tuple[object, ...]:
    """Every object reachable from the catalog (but its /Metadata) and the document info."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        seen: dict[tuple[int, int], int] = {}
        root = tuple((k, _pdf_canon(pdf.Root[k], seen))
                     for k in sorted(pdf.Root.keys()) if k != "/Metadata")
        info = _pdf_canon(pdf.trailer.get("/Info"), seen)
        pages = tuple(bytes(page.Contents.read_bytes()) for page in pdf.pages)
        return root, info, pages, pdf.pdf_version


def _id3_view(data: bytes) -> tuple[object, ...]:
    tags = id3.ID3(io.BytesIO(data))
    frames = sorted(repr(f) for f in tags.values() if getattr(f, "owner", None) != "XMP")
    size = tags.size
    info = mmp3.MP3(io.BytesIO(data)).info
    return frames, data[size:], (info.length, info.bitrate, info.sample_rate, info.channels)


def _flac_view(data: bytes) -> tuple[object, ...]:
    audio = mflac.FLAC(io.BytesIO(data))
    assert audio.tags is not None
    comments = [(k, v) for k, v in audio.tags if k.upper() != "PLUS:DATAMINING"]
    info = audio.info
    # Everything after the last metadata block is audio.
    pos = 4
    while True:
        header, length = data[pos], int.from_bytes(data[pos + 1:pos + 4], "big")
        pos += 4 + length
        if header & 0x80:
            break
    return (comments, audio.tags.vendor, (info.sample_rate, info.channels, info.bits_per_sample),
            data[pos:])


VIEWS: dict[str, Callable[[bytes], object]] = {
    "jpeg": lambda d: (_jpeg_segments(d), _pixels(d)),
    "png": lambda d: (_png_chunks(d), _pixels(d)),
    "tiff": lambda d: (_tiff_tags(d), _pixels(d)),
    "pdf": _pdf_view,
    "mp3": _id3_view,
    "flac": _flac_view,
}


def _check(path: Path, agent: str, usage: str) -> str:
    result = CliRunner().invoke(app, ["check", str(path), "--agent", agent, "--usage", usage,
                                      "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return str(json.loads(result.stdout)["decisions"][0]["value"])


# --- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ({"train-ai": N, "train-any": N, "ai-input": N, "search": N, "tdm": N}, "DMI-PROHIBITED"),
        ({"train-ai": N, "train-any": N, "ai-input": N, "search": Y, "tdm": N},
         "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"),
        ({"train-ai": Y, "train-any": Y, "ai-input": Y, "search": Y, "tdm": Y}, "DMI-ALLOWED"),
        ({"train-ai": N, "train-any": N, "ai-input": U, "search": Y, "tdm": U},
         "DMI-PROHIBITED-AIMLTRAINING"),
        ({"train-ai": N, "train-any": U, "ai-input": U, "search": U, "tdm": U},
         "DMI-PROHIBITED-GENAIMLTRAINING"),
        ({"train-ai": N, "train-any": Y, "ai-input": Y, "search": Y, "tdm": Y},
         "DMI-PROHIBITED-GENAIMLTRAINING"),
        ({"train-ai": None, "train-any": N, "ai-input": N, "search": N, "tdm": N},
         "DMI-UNSPECIFIED"),
        ({"train-ai": Y, "train-any": Y, "ai-input": Y, "search": Y, "tdm": U}, "DMI-UNSPECIFIED"),
        ({label: U for label in LABELS}, "DMI-UNSPECIFIED"),
    ],
)
def test_choose_never_says_more_than_the_answers(answers: dict[str, Value | None],
                                                  key: str) -> None:
    # R-16-8: the most telling value that decides no label otherwise than the answers.
    chosen, decided = choose(answers)
    assert chosen == key
    assert all(answers[label] is value for label, value in decided.items())


# Audio fixtures carry an ISRC, so their folder does not matter.
CASES = [(fmt, folder) for fmt in sorted(MAKERS)
         for folder in (["plain"] if fmt in ("mp3", "flac") else
                        ["all", "open", "index", "plain", "split"])]


@pytest.mark.parametrize(("fmt", "folder"), CASES)
def test_stamp_reads_back_and_changes_nothing_else(tmp_path: Path, fmt: str, folder: str) -> None:
    # R-16-7 (nothing else changes, atomic), R-16-8 (read back by check), R-16-10 (keys).
    name, make = MAKERS[fmt]
    path = tmp_path / folder / name
    path.parent.mkdir()
    make(path)
    before = path.read_bytes()
    declaration = parse(DECLARATION)
    result = stamp(path, declaration, root=tmp_path)
    assert result.status == "written", result.diagnostics
    target = "isrc:GBNWR2600001" if fmt == "mp3" else (
        "isrc:GBNWR2600002" if fmt == "flac" else f"/{folder}/{name}")
    assert result.target == target
    after = path.read_bytes()
    assert VIEWS[fmt](after) == VIEWS[fmt](before)
    assert media.from_bytes(after).data_mining == result.value
    codes = {d.code for d in result.diagnostics}
    for agent in ("GPTBot", "SomeUnnamedBot"):
        for label in LABELS:
            declared = declaration.evaluate(agent, target, label).value
            read = _check(path, agent, label)
            if label in result.labels:
                assert read == declared.value == result.labels[label].value
            else:
                assert read == "unknown"
                if declared is not Value.UNKNOWN:
                    assert codes & {"STP101", "STP102"}
    # Idempotent: the second run leaves the same bytes.
    again = stamp(path, declaration, root=tmp_path)
    assert again.status == "unchanged"
    assert path.read_bytes() == after
    assert sorted(p.name for p in path.parent.iterdir()) == [name]  # no temp file left


def test_values_per_scope(tmp_path: Path) -> None:
    declaration = parse(DECLARATION)
    # The longest Content-Usage rule decides alone: under /open/ every label inherits tdm=y.
    expected = {"all": "DMI-PROHIBITED", "open": "DMI-ALLOWED",
                "index": "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING",
                "plain": "DMI-PROHIBITED-AIMLTRAINING", "split": "DMI-UNSPECIFIED"}
    for folder, key in expected.items():
        path = tmp_path / folder / "a.png"
        path.parent.mkdir()
        _image(path, "PNG")
        assert stamp(path, declaration, root=tmp_path).value == VOCAB + key
    plain = stamp(tmp_path / "plain" / "a.png", declaration, root=tmp_path)
    assert [d.code for d in plain.diagnostics] == ["STP101"]  # search=y not carried
    # Under /split/ GPTBot's rule decides alone (train-ai=y, the rest unknown): every label
    # the others get an answer for depends on the agent; nothing is claimed, and that is said.
    split = stamp(tmp_path / "split" / "a.png", declaration, root=tmp_path)
    assert split.labels == {}
    assert [d.code for d in split.diagnostics] == ["STP102"] * 3


def test_isrc_key_wins_over_the_path(tmp_path: Path) -> None:
    # R-16-10
    declaration = parse(DECLARATION)
    keyed, plain = tmp_path / "k.mp3", tmp_path / "p.mp3"
    _mp3(keyed, "GB-NWR-26-00009")
    _mp3(plain, None)
    assert stamp(keyed, declaration).value == VOCAB + "DMI-PROHIBITED"
    result = stamp(plain, declaration)
    assert (result.target, result.value) == ("/p.mp3", VOCAB + "DMI-PROHIBITED-AIMLTRAINING")


def test_existing_xmp_keeps_every_other_property(tmp_path: Path) -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        b'xmlns:Iptc4="http://ns.useplus.org/ldf/xmp/1.0/" '
        b'Iptc4:DataMining="http://ns.useplus.org/ldf/vocab/DMI-ALLOWED">'
        b"<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">Kept</rdf:li></rdf:Alt></dc:title>"
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    path = tmp_path / "a.jpg"
    _image(path, "JPEG", xmp=xmp)
    before = path.read_bytes()
    assert media.from_bytes(before).data_mining.endswith("DMI-ALLOWED")  # type: ignore[union-attr]
    assert stamp(path, parse(DECLARATION)).status == "written"
    after = path.read_bytes()
    found = media.find_xmp(after)
    assert found is not None
    new = found[1].decode()
    assert new == xmp.decode().replace("DMI-ALLOWED", "DMI-PROHIBITED-AIMLTRAINING")
    assert _jpeg_segments(after) == _jpeg_segments(before)


def test_existing_pdf_xmp_and_tiff_tag_are_edited_in_place(tmp_path: Path) -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:format>application/pdf</dc:format></rdf:Description></rdf:RDF></x:xmpmeta>"
        + b" " * 400  # padding, as XMP writers leave for in-place edits
    )
    pdf, tif = tmp_path / "a.pdf", tmp_path / "a.tif"
    _pdf(pdf, xmp)
    _image(tif, "TIFF", tiffinfo={700: xmp})
    for path in (pdf, tif):
        before = path.read_bytes()
        assert stamp(path, parse(DECLARATION)).status == "written"
        after = path.read_bytes()
        packet = media.find_xmp(after)
        assert packet is not None and b"<dc:format>application/pdf</dc:format>" in packet[1]
        assert media.from_bytes(after).data_mining == VOCAB + "DMI-PROHIBITED-AIMLTRAINING"
        view = VIEWS["pdf" if path.suffix == ".pdf" else "tiff"]
        assert view(after) == view(before)
    # The packet fitted the old tag: same size, only the tag's bytes differ.
    assert len(tif.read_bytes()) == len(before)


def test_tiff_growing_packet_leaves_no_stale_one(tmp_path: Path) -> None:
    path = tmp_path / "a.tif"
    _image(path, "TIFF")
    declaration = parse(DECLARATION)
    stamp(path, declaration)  # a new packet, appended
    stamp(path, parse(DECLARATION.replace("search=y", "search=y, ai-input=n, tdm=n")))
    data = path.read_bytes()
    assert data.count(b"<x:xmpmeta") == 1
    assert media.from_bytes(data).data_mining == VOCAB + "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"


def test_id3v23_and_id3v1_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.mp3"
    _mp3(path, v1=True, version=3)
    before = path.read_bytes()
    assert stamp(path, parse(DECLARATION)).status == "written"
    after = path.read_bytes()
    assert after[-128:] == before[-128:]
    assert id3.ID3(io.BytesIO(after)).version[:2] == (2, 3)
    assert _id3_view(after) == _id3_view(before)


def test_bad_files_fail_alone(tmp_path: Path) -> None:
    # R-16-9: each bad file is reported and left as it was; the good one is stamped.
    good = tmp_path / "good.png"
    _image(good, "PNG")
    text = tmp_path / "notes.txt"
    text.write_text("not media", encoding="utf-8")
    truncated = tmp_path / "cut.jpg"
    _image(truncated, "JPEG")
    truncated.write_bytes(truncated.read_bytes()[:40])
    bad_xmp = tmp_path / "badxmp.png"
    _image(bad_xmp, "PNG")
    data = bad_xmp.read_bytes()
    chunk = (len(b"XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta><oops").to_bytes(4, "big"))
    import zlib

    body = b"iTXtXML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta><oops"
    bad_xmp.write_bytes(data[:33] + chunk + body + zlib.crc32(body).to_bytes(4, "big")
                        + data[33:])
    declaration = tmp_path / "decl.txt"
    declaration.write_text(DECLARATION, encoding="utf-8")
    files = [text, truncated, tmp_path / "missing.jpg", bad_xmp, good]
    saved = {p: p.read_bytes() for p in files if p.exists() and p != good}
    result = CliRunner().invoke(app, ["stamp", *map(str, files), "-d", str(declaration),
                                      "--format", "json"])
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    import jsonschema

    jsonschema.validate(document, json.loads((SPEC / "stamp.schema.json").read_text("utf-8")))
    status = {Path(f["path"]).name: (f["status"], [d["code"] for d in f["diagnostics"]
                                                   if d["severity"] == "error"])
              for f in document["files"]}
    assert status == {
        "notes.txt": ("failed", ["STP104"]),
        "cut.jpg": ("failed", ["STP105"]),
        "missing.jpg": ("failed", ["STP103"]),
        "badxmp.png": ("failed", ["STP108"]),
        "good.png": ("written", []),
    }
    assert all(p.read_bytes() == data for p, data in saved.items())
    only_bad = CliRunner().invoke(app, ["stamp", str(text), "-d", str(declaration)])
    assert only_bad.exit_code == 3
    ok = CliRunner().invoke(app, ["stamp", str(good), "-d", str(declaration)])
    assert ok.exit_code == 0


def test_declaration_with_errors_stamps_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    _image(path, "PNG")
    before = path.read_bytes()
    broken = parse("AIOptOut-Version: 1\nDisallow: /\x00\n")
    assert broken.errors
    assert [d.code for d in stamp(path, broken).diagnostics] == ["STP110"]
    declaration = tmp_path / "decl.txt"
    declaration.write_bytes(b"AIOptOut-Version: 1\nDisallow: /\x00\n")
    assert CliRunner().invoke(app, ["stamp", str(path), "-d", str(declaration)]).exit_code == 3
    assert path.read_bytes() == before


def test_keys_without_isrc_and_outside_root(tmp_path: Path) -> None:
    # R-16-10: an invalid ISRC is reported and the path used; a file outside --root has none.
    declaration = parse(DECLARATION)
    folder = tmp_path / "all"
    folder.mkdir()
    bad, plain, bare = folder / "bad.mp3", folder / "plain.flac", folder / "bare.mp3"
    _mp3(bad, "NOT-AN-ISRC")
    _flac(plain, None)
    bare.write_bytes(_MP3_FRAME * 4)  # no ID3 tag at all: one is added in front
    results = {p.name: stamp(p, declaration, root=tmp_path) for p in (bad, plain, bare)}
    assert {n: (r.status, r.target, r.value) for n, r in results.items()} == {
        n: ("written", f"/all/{n}", VOCAB + "DMI-PROHIBITED") for n in results}
    assert [d.code for d in results["bad.mp3"].diagnostics] == ["STP111"]
    assert bare.read_bytes().endswith(_MP3_FRAME * 4)
    assert _check(bare, "CCBot", "tdm") == "disallowed"
    outside = tmp_path / "elsewhere.png"
    _image(outside, "PNG")
    refused = stamp(outside, declaration, root=folder)
    assert (refused.status, [d.code for d in refused.diagnostics]) == ("failed", ["STP112"])


def test_compressed_png_xmp_is_rewritten_readable(tmp_path: Path) -> None:

    from PIL import PngImagePlugin

    path = tmp_path / "a.png"
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
           b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF></x:xmpmeta>')
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp.decode(), zip=True)
    info.add_text("Comment", "kept")
    _image(path, "PNG", pnginfo=info)
    before = path.read_bytes()
    assert media.from_bytes(before).xmp is None  # compressed: a scanning reader misses it
    assert stamp(path, parse(DECLARATION)).status == "written"
    after = path.read_bytes()
    assert media.from_bytes(after).data_mining == VOCAB + "DMI-PROHIBITED-AIMLTRAINING"
    assert _png_chunks(after) == _png_chunks(before) and _pixels(after) == _pixels(before)


def test_file_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    _image(path, "PNG")
    path.chmod(0o640)
    stamp(path, parse(DECLARATION))
    assert path.stat().st_mode & 0o777 == 0o640


def test_jpeg_xmp_too_large_for_one_segment(tmp_path: Path) -> None:
    # STP109: extended XMP is not written; the file stays as it was.
    filler = "x" * 65150  # fits one APP1 segment now, not with the new property
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:source>{filler}</dc:source></rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()
    path = tmp_path / "a.jpg"
    _image(path, "JPEG", xmp=xmp)
    before = path.read_bytes()
    assert media.from_bytes(before).xmp is not None
    result = stamp(path, parse(DECLARATION))
    assert (result.status, [d.code for d in result.diagnostics]) == ("failed",
                                                                     ["STP101", "STP109"])
    assert path.read_bytes() == before


def test_missing_extra_and_unwritable_folder(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import tempfile

    song, image = tmp_path / "a.mp3", tmp_path / "a.png"
    _mp3(song)
    _image(image, "PNG")
    before = image.read_bytes()
    monkeypatch.setitem(sys.modules, "mutagen.id3", None)  # as if not installed: ImportError
    missing = stamp(song, parse(DECLARATION))
    assert (missing.status, [d.code for d in missing.diagnostics]) == ("failed", ["STP106"])

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    unwritable = stamp(image, parse(DECLARATION))
    assert unwritable.status == "failed"
    assert [d.code for d in unwritable.diagnostics][-1] == "STP107"
    assert image.read_bytes() == before


def test_xmp_identifier_keys_an_image(tmp_path: Path) -> None:
    # R-16-10: a work identifier in dc:identifier is the key, as an ISRC is for audio.
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:identifier>isrc:GBNWR2600077</dc:identifier></rdf:Description></rdf:RDF>"
        b"</x:xmpmeta>"
    )
    from PIL import PngImagePlugin

    path = tmp_path / "cover.png"
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp.decode())
    _image(path, "PNG", pnginfo=info)
    result = stamp(path, parse(DECLARATION))
    assert (result.target, result.value) == ("isrc:GBNWR2600077", VOCAB + "DMI-PROHIBITED")
    packet = media.find_xmp(path.read_bytes())
    assert packet is not None and b"<dc:identifier>isrc:GBNWR2600077</dc:identifier>" in packet[1]


def test_flac_reader_survives_every_truncation(tmp_path: Path) -> None:
    path = tmp_path / "a.flac"
    _flac(path)
    stamp(path, parse(DECLARATION))
    data = path.read_bytes()
    assert media.from_bytes(data).data_mining == VOCAB + "DMI-PROHIBITED"
    for end in range(0, len(data), 7):
        media.from_bytes(data[:end])  # never raises
    assert media.from_bytes(data[:60]).data_mining is None
