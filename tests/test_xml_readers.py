"""Every XML reader of the package refuses what :mod:`aioptout._xml` refuses, with its own code."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_media import jpeg, xmp
from test_xml import BILLION_LAUGHS, EXTERNAL_ENTITY, encodings

import aioptout.catalogue as catalogue
from aioptout.catalogue import items_from_sitemap, parse_sitemap
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import Diagnostic
from aioptout.signals.media import from_bytes

ROOT = Path(__file__).resolve().parents[1]
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_attack(document: str) -> str:
    """The attack with a sitemap as its root element."""
    return (document.replace("<lolz>", f'<urlset xmlns="{NS}"><url><loc>')
            .replace("</lolz>", "</loc></url></urlset>")
            .replace("<foo>", f'<urlset xmlns="{NS}"><url><loc>')
            .replace("</foo>", "</loc></url></urlset>"))


ATTACKS = [(f"{name}-{label}", data)
           for name, document in (("laughs", BILLION_LAUGHS), ("xxe", EXTERNAL_ENTITY))
           for label, data in encodings(sitemap_attack(document)).items()
           if isinstance(data, bytes)]


def urlset(count: int, pad: int = 0) -> bytes:
    rows = "".join(f"<url><loc>https://label.example/t/{i}{'x' * pad}</loc></url>"
                   for i in range(count))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">{rows}</urlset>'.encode()


# --- sitemaps -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "data"), ATTACKS, ids=[label for label, _ in ATTACKS])
def test_sitemap_entities_are_refused_in_every_encoding(label: str, data: bytes) -> None:
    for body in (data, gzip.compress(data)):
        kind, locations, problems = parse_sitemap(body)
        assert (kind, locations) == ("", [])
        assert [(d.code, d.line, d.column) for d in problems] == [("FET131", 2, 1)]


@pytest.mark.parametrize("path", ["/sitemap-utf16.xml", "/xxe-utf16.xml"])
def test_utf16_sitemap_attacks_over_http(fixture_web: FixtureWeb, make_fetcher: object,
                                         path: str) -> None:
    problems: list[Diagnostic] = []
    items = list(items_from_sitemap(fixture_web.url("sitemap-evil.test", path),
                                    make_fetcher(), problems))  # type: ignore[operator]
    assert items == []
    assert [(d.code, d.line, d.column) for d in problems] == [("FET131", 2, 1)]


def test_deeply_nested_sitemap_is_refused() -> None:
    deep = f'<urlset xmlns="{NS}">'.encode() + b"<x>" * 200_000 + b"</x>" * 200_000 + b"</urlset>"
    kind, locations, problems = parse_sitemap(deep)
    assert (kind, locations, [d.code for d in problems]) == ("", [], ["FET140"])


def test_locations_before_a_deep_subtree_are_kept() -> None:
    head = urlset(3).removesuffix(b"</urlset>")
    kind, locations, problems = parse_sitemap(head + b"<x>" * 100 + b"</x>" * 100 + b"</urlset>")
    assert kind == "urlset" and len(locations) == 3
    assert [d.code for d in problems] == ["FET140"]


def test_a_20_mb_sitemap_is_read_up_to_the_protocol_limit() -> None:
    # sitemaps.org: at most 50,000 URLs and 50 MB.  20 MB of URLs is within the byte limit, so
    # it is read (streaming, no tree) until the 50,000th URL, and the rest is reported.
    body = urlset(260_000, pad=30)
    assert len(body) > 20 * 1024 * 1024
    kind, locations, problems = parse_sitemap(body)
    assert kind == "urlset" and len(locations) == catalogue.MAX_SITEMAP_URLS
    assert locations[-1] == f"https://label.example/t/{catalogue.MAX_SITEMAP_URLS - 1}" + "x" * 30
    assert [d.code for d in problems] == ["FET133"]


def test_a_sitemap_over_50_mb_is_cut_and_keeps_what_came_before() -> None:
    body = urlset(2) + b" " * catalogue.MAX_SITEMAP_BYTES
    kind, locations, problems = parse_sitemap(body)
    assert kind == "urlset" and len(locations) == 2
    assert [d.code for d in problems] == ["FET133"]


def test_too_many_elements_stop_the_sitemap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "MAX_SITEMAP_ELEMENTS", 1000)
    body = f'<urlset xmlns="{NS}"><url><loc>https://a.example/1</loc></url>'.encode() + (
        b"<z/>" * 5000) + b"</urlset>"
    kind, locations, problems = parse_sitemap(body)
    assert (kind, locations) == ("urlset", ["https://a.example/1"])
    assert [d.code for d in problems] == ["FET141"]


def test_catalogue_cli_refuses_a_utf16_bomb_with_its_code(fixture_web: FixtureWeb) -> None:
    url = fixture_web.url("sitemap-evil.test", "/sitemap-utf16.xml")
    done = subprocess.run(
        [sys.executable, "-m", "aioptout", "catalogue", url,
         "--resolve", f"sitemap-evil.test:{fixture_web.port}:127.0.0.1"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 3
    assert "FET131" in done.stderr and "Traceback" not in done.stderr


# --- XMP ------------------------------------------------------------------------------------------


def _xmp_with(prolog: str) -> bytes:
    """A packet in its ``<?xpacket`` wrapper with ``prolog`` before rdf:RDF (no x:xmpmeta, so
    the wrapper delimits the packet and the prolog is part of what is parsed)."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' + prolog + "\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
        'plus:DataMining="DMI-PROHIBITED"/></rdf:RDF>\n<?xpacket end="w"?>').encode()


PROLOGS = [
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!doctype x SYSTEM "http://127.0.0.1:9/x.dtd">',
]


def test_xmp_in_its_wrapper_is_read() -> None:
    signal = from_bytes(jpeg(_xmp_with("")))
    assert signal.diagnostics == () and signal.data_mining == "DMI-PROHIBITED"


@pytest.mark.parametrize("prolog", PROLOGS)
def test_xmp_dtds_are_refused(prolog: str) -> None:
    signal = from_bytes(jpeg(_xmp_with(prolog)))
    assert [d.code for d in signal.diagnostics] == ["MED102"]
    assert signal.xmp is None and signal.statements("GPTBot", "/") == []


@pytest.mark.parametrize("prolog", PROLOGS)
def test_a_dtd_outside_the_xmpmeta_element_is_never_parsed(prolog: str) -> None:
    packet = xmp('plus:DataMining="DMI-PROHIBITED"/>').replace(
        b"?>\n<x:xmpmeta", b"?>\n" + prolog.encode() + b"\n<x:xmpmeta", 1)
    signal = from_bytes(jpeg(packet))
    assert signal.diagnostics == () and signal.data_mining == "DMI-PROHIBITED"


def test_xmp_nesting_is_bounded() -> None:
    deep = xmp("><plus:DataMining>" + "<rdf:li>" * 2000 + "x" + "</rdf:li>" * 2000
               + "</plus:DataMining></rdf:Description>")
    signal = from_bytes(jpeg(deep))
    assert [d.code for d in signal.diagnostics] == ["MED140"]
    assert signal.xmp is None


def test_utf16_xmp_is_never_expanded() -> None:
    # XMP in media files is UTF-8 (Adobe XMP Part 3); a UTF-16 packet is not found as a packet,
    # so nothing of it is parsed, let alone expanded.
    packet = BILLION_LAUGHS.replace("lolz", "x:xmpmeta").encode("utf-16")
    signal = from_bytes(jpeg(packet))
    assert signal.xmp is None and signal.statements("GPTBot", "/") == []
