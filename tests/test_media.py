"""Embedded media signals: XMP (PLUS DataMining, TDMRep) in JPEG/PNG/MP3, and C2PA/CAWG."""

from __future__ import annotations

import importlib.util
import json
import struct
import zlib
from pathlib import Path

import pytest

from aioptout.model import Value
from aioptout.signals import media, tdmrep
from aioptout.signals.media import find_xmp, from_bytes, from_manifest_json, from_path

N = Value.DISALLOWED
Y = Value.ALLOWED

PLUS = "http://ns.useplus.org/ldf/xmp/1.0/"


def xmp(body: str, extra_ns: str = "") -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f'  <rdf:Description rdf:about="" xmlns:plus="{PLUS}" {extra_ns}{body}\n'
        " </rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


def jpeg(packet: bytes) -> bytes:
    """SOI, an APP1 XMP segment (Adobe XMP Part 3 §1.1.3), a tiny APP0, EOI."""
    payload = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    app0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + app1 + b"\xff\xd9"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(packet: bytes) -> bytes:
    """Signature, IHDR, an uncompressed iTXt 'XML:com.adobe.xmp' chunk, IEND."""
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    itxt = b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + packet
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"iTXt", itxt)
            + _chunk(b"IEND", b""))


def _syncsafe(n: int) -> bytes:
    return bytes(((n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F))


def mp3(packet: bytes) -> bytes:
    """An ID3v2.4 tag with a PRIV frame owned by 'XMP', then one silent MPEG frame header."""
    frame_data = b"XMP\x00" + packet
    frame = b"PRIV" + _syncsafe(len(frame_data)) + b"\x00\x00" + frame_data
    return b"ID3\x04\x00\x00" + _syncsafe(len(frame)) + frame + b"\xff\xfb\x90\x00" + b"\x00" * 64


CONTAINERS = [jpeg, png, mp3]


@pytest.mark.parametrize("wrap", CONTAINERS)
def test_plus_attribute_full_uri(wrap: object) -> None:
    packet = xmp('plus:DataMining="http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"/>')
    signal = from_bytes(wrap(packet), source="f")  # type: ignore[operator]
    assert signal.diagnostics == ()
    assert signal.data_mining == "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"
    assert [(s.usage, s.value) for s in signal.statements("any", "any")] == [("train-any", N)]
    assert signal.statements("x", "y")[0].mechanism == "media"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("DMI-PROHIBITED", [("tdm", N)]),
        ("DMI-PROHIBITED-GENAIMLTRAINING", [("train-ai", N)]),
        ("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", [("tdm", N), ("search", Y)]),
        ("DMI-PROHIBITED-SEECONSTRAINT", [("tdm", N)]),
        ("DMI-ALLOWED", [("tdm", Y)]),
        ("DMI-UNSPECIFIED", []),
        ("dmi-prohibited", [("tdm", N)]),
    ],
)
def test_plus_element_form_bare_value(value: str, expected: list[tuple[str, Value]]) -> None:
    packet = xmp(f"><plus:DataMining>{value}</plus:DataMining></rdf:Description>")
    signal = from_bytes(jpeg(packet))
    assert signal.diagnostics == ()
    assert [(s.usage, s.value) for s in signal.statements("a", "b")] == expected


def test_plus_resource_form_and_unknown_value() -> None:
    resource = xmp('><plus:DataMining rdf:resource="http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED"'
                   "/></rdf:Description>")
    assert [s.value for s in from_bytes(png(resource)).statements("a", "b")] == [N]
    unknown = from_bytes(png(xmp('plus:DataMining="DMI-ALLOWED-noaitraining"/>')))
    assert [d.code for d in unknown.diagnostics] == ["MED110"]
    assert unknown.statements("a", "b") == []


@pytest.mark.parametrize("ns", ["http://www.w3.org/ns/tdmrep/", "http://www.w3.org/ns/tdmrep#"])
def test_tdmrep_xmp_both_namespaces(ns: str) -> None:
    # TDMRep §EPUB and PDF: PDF XMP uses ".../tdmrep/", EPUB 3 uses "...tdmrep#"; accept both.
    packet = xmp("><tdm:reservation>1</tdm:reservation><tdm:policy>https://p.example/pol"
                 "</tdm:policy></rdf:Description>", extra_ns=f'xmlns:tdm="{ns}"')
    signal = from_bytes(mp3(packet))
    assert (signal.tdm_reservation, signal.tdm_policy) == (1, "https://p.example/pol")
    (statement,) = signal.statements("a", "b")
    assert (statement.usage, statement.value) == ("tdm", N)
    assert "https://p.example/pol" in statement.reason
    # As the last TDMRep layer it supersedes a header that said 0.
    header = tdmrep.from_headers({"tdm-reservation": "0"})
    (layered,) = tdmrep.layer(signal.as_tdmrep(), header).statements("a", "/x")
    assert layered.value is N


def test_tdmrep_attribute_form_bad_value() -> None:
    packet = xmp('tdm:reservation="yes"/>', extra_ns='xmlns:tdm="http://www.w3.org/ns/tdmrep/" ')
    signal = from_bytes(jpeg(packet))
    assert [d.code for d in signal.diagnostics] == ["MED112"]
    assert signal.tdm_reservation is None and signal.statements("a", "b") == []


def test_no_xmp_means_no_statement() -> None:
    signal = from_bytes(jpeg(b"")[:-2] + b"\xff\xd9")
    assert signal.diagnostics == () and signal.statements("a", "b") == [] and signal.xmp is None


def test_doctype_is_refused() -> None:
    # A billion-laughs packet must never reach the XML parser.
    bomb = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><!DOCTYPE x [<!ENTITY a "aaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;">]><y>&b;</y></x:xmpmeta>')
    data = b"\xff\xd8" + bomb
    signal = from_bytes(data)
    assert [(d.code, d.column) for d in signal.diagnostics] == [("MED102", 39)]


def test_malformed_and_unterminated_packets() -> None:
    broken = b"\xff\xd8" + b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><a></b></x:xmpmeta>'
    assert [(d.code, d.column) for d in from_bytes(broken).diagnostics] == [("MED103", 3)]
    cut = b"\xff\xd8" + b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><a>'
    assert [d.code for d in from_bytes(cut).diagnostics] == ["MED104"]
    not_utf8 = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">\xff</x:xmpmeta>'
    assert [d.code for d in from_bytes(not_utf8).diagnostics] == ["MED101"]


def test_find_xmp_prefers_xmpmeta_and_falls_back_to_xpacket() -> None:
    packet = xmp('plus:DataMining="DMI-ALLOWED"/>')
    offset, found, complete = find_xmp(b"junk" + packet) or (0, b"", False)
    assert complete and found.startswith(b"<x:xmpmeta") and found.endswith(b"</x:xmpmeta>")
    assert offset == (b"junk" + packet).find(b"<x:xmpmeta")
    bare = b'<?xpacket begin=""?><rdf:RDF xmlns:rdf="r"/><?xpacket end="w"?>'
    assert find_xmp(bare) == (20, b'<rdf:RDF xmlns:rdf="r"/>', True)


# --- C2PA / CAWG ---------------------------------------------------------------------------------

DO_NOT_TRAIN = {  # c2patool's tests/fixtures/do_not_train.json assertion (signals.md §7.1)
    "label": "c2pa.training-mining",
    "data": {"entries": {
        "c2pa.ai_generative_training": {"use": "notAllowed"},
        "c2pa.ai_inference": {"use": "notAllowed"},
        "c2pa.ai_training": {"use": "notAllowed"},
        "c2pa.data_mining": {"use": "notAllowed"},
    }},
}


def test_c2pa_do_not_train_fixture() -> None:
    preferences, diagnostics = media.training_mining(DO_NOT_TRAIN)
    assert diagnostics == []
    assert sorted((p.usage, p.value) for p in preferences) == [
        ("ai-input", N), ("tdm", N), ("train-ai", N), ("train-any", N)]


def test_cawg_constrained_is_not_allowed_and_info_is_kept() -> None:
    # CAWG 1.1: constrained "shall be treated as equivalent to notAllowed".
    assertion = {"label": "cawg.training-mining", "data": {"entries": {
        "cawg.ai_generative_training": {"use": "constrained", "constraints_info": "licence: x"},
        "cawg.ai_inference": {"use": "allowed"},
        "cawg.data_mining": {"use": "constrained", "constraint_info": "old spelling"},
        "com.example.custom": {"use": "notAllowed"},
        "cawg.ai_training": {"use": "maybe"},
    }}}
    preferences, diagnostics = media.training_mining(assertion)
    assert [(p.usage, p.value) for p in preferences] == [
        ("train-ai", N), ("ai-input", Y), ("tdm", N)]
    assert "licence: x" in preferences[0].reason and "old spelling" in preferences[2].reason
    assert [d.code for d in diagnostics] == ["MED123", "MED122"]


def test_other_labels_and_missing_entries() -> None:
    assert media.training_mining({"label": "c2pa.actions", "data": {}}) == ([], [])
    prefs, diags = media.training_mining({"label": "cawg.training-mining", "data": {}})
    assert prefs == [] and [d.code for d in diags] == ["MED125"]


def test_c2patool_report_uses_active_manifest(tmp_path: Path) -> None:
    report = {
        "active_manifest": "urn:uuid:new",
        "manifests": {
            "urn:uuid:old": {"assertions": [{"label": "cawg.training-mining", "data": {
                "entries": {"cawg.ai_training": {"use": "allowed"}}}}]},
            "urn:uuid:new": {"assertions": [
                {"label": "c2pa.actions", "data": {"actions": []}},
                {"label": "cawg.training-mining", "data": {
                    "entries": {"cawg.ai_generative_training": {"use": "notAllowed"}}}},
            ]},
        },
    }
    path = tmp_path / "photo.c2pa.json"
    path.write_text(json.dumps(report))
    signal = from_path(path)
    assert signal.diagnostics == () and signal.source == str(path)
    assert [(s.usage, s.value) for s in signal.statements("a", "b")] == [("train-ai", N)]
    assert len(signal.assertions) == 1


def test_manifest_definition_and_bad_json() -> None:
    definition = {"claim_generator": "t/1", "assertions": [DO_NOT_TRAIN]}
    assert len(from_manifest_json(json.dumps(definition)).statements("a", "b")) == 4
    assert [d.code for d in from_manifest_json("{nope").diagnostics] == ["MED126"]
    assert [d.code for d in from_manifest_json("[1]").diagnostics] == ["MED126"]


def test_embedded_manifest_without_c2pa_package_says_so() -> None:
    if importlib.util.find_spec("c2pa") is not None:
        pytest.skip("c2pa is installed; this test covers its absence")
    # A JUMBF superbox labelled c2pa (ISO 19566-5), as C2PA embeds it in JPEG APP11.
    jumbf = b"\x00\x00\x00\x2ajumb\x00\x00\x00\x22jumdc2pa\x00\x11\x00\x10\x80\x00\xaa\x008\x9bq"
    data = b"\xff\xd8\xff\xeb\x00\x30JP" + jumbf + b"\xff\xd9"
    signal = from_bytes(data)
    assert [(d.code, d.column) for d in signal.diagnostics] == [("MED120", data.find(b"jumb") + 1)]
    assert "aioptout[c2pa]" in signal.diagnostics[0].message
    assert signal.statements("a", "b") == []


def test_from_path_reads_media_and_reports_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "cover.jpg"
    path.write_bytes(jpeg(xmp('plus:DataMining="DMI-PROHIBITED"/>')))
    assert [s.usage for s in from_path(path).statements("a", "b")] == ["tdm"]
    missing = from_path(tmp_path / "absent.jpg")
    assert [d.code for d in missing.diagnostics] == ["MED130"]


def test_decide_resolves_plus_label_tree() -> None:
    from aioptout.decide import decide

    signal = from_bytes(jpeg(xmp('plus:DataMining="DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"/>')))
    assert decide([signal], "GPTBot", "/cover.jpg", "train-ai").value is N  # from tdm=n
    assert decide([signal], "GPTBot", "/cover.jpg", "search").value is Y
