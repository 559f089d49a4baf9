"""Diagnostics that only rare inputs trigger, each produced by a real input here."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from test_media import jpeg, xmp

from aioptout.catalogue import items_from_sitemap
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import Diagnostic
from aioptout.signals import media


def codes(diagnostics: Any) -> list[str]:
    return [d.code for d in diagnostics]


def test_fetching_something_that_is_not_a_url() -> None:
    # FET114: RFC 3986 §3, an absolute http(s) URL with a host is needed.
    result = Fetcher(politeness_delay=0.0).fetch("ftp://example.test/robots.txt")
    assert "FET114" in codes(result.diagnostics)
    assert result.body == b""


class _BrokenGzip(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"this is not gzip data at all"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def broken_gzip_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BrokenGzip)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_undecodable_content_encoding(broken_gzip_server: int) -> None:
    # FET116: RFC 9110 §8.4, a body whose Content-Encoding cannot be decoded is unusable.
    fetcher = Fetcher(allow_private=True, politeness_delay=0.0)
    result = fetcher.fetch(f"http://127.0.0.1:{broken_gzip_server}/robots.txt")
    assert "FET116" in codes(result.diagnostics)


def test_unreadable_sitemap(fixture_web: FixtureWeb, make_fetcher: Callable[..., Fetcher]) -> None:
    found: list[Diagnostic] = []
    items = list(
        items_from_sitemap(
            fixture_web.url("status-404.test", "/sitemap.xml"), make_fetcher(), found
        )
    )
    assert items == []
    assert codes(found) == ["FET135"]


def test_oversized_xmp_packet_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(media, "MAX_XMP_BYTES", 1024)
    padding = " " * 2048
    signal = media.from_bytes(jpeg(xmp(f'plus:DataMining="DMI-PROHIBITED"/>{padding}')))
    assert "MED105" in codes(signal.diagnostics)
    assert signal.statements("x", "/a.jpg") == []


def test_repeated_plus_data_mining_keeps_the_first() -> None:
    vocab = "http://ns.useplus.org/ldf/vocab/"
    body = (
        f"><plus:DataMining>{vocab}DMI-PROHIBITED</plus:DataMining>"
        f"<plus:DataMining>{vocab}DMI-ALLOWED</plus:DataMining></rdf:Description>"
    )
    signal = media.from_bytes(jpeg(xmp(body)))
    assert "MED111" in codes(signal.diagnostics)
    assert {s.value.value for s in signal.statements("x", "/a.jpg")} == {"disallowed"}


def test_c2pa_reader_failure_is_a_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    # Unit test of the boundary with the optional c2pa binding: a fake module raises.
    fake = types.ModuleType("c2pa")

    class Reader:
        def __init__(self, *args: object) -> None:
            raise RuntimeError("manifest signature invalid")

    fake.Reader = Reader  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "c2pa", fake)
    data = jpeg(b"") + b"\x00\x00\x00\x10jumb\x00\x00\x00\x08jumdc2pa"
    signal = media.from_bytes(data)
    assert "MED121" in codes(signal.diagnostics)
