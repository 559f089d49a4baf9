"""The fixture web serves its sites by Host header, with the faults it promises."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import zlib
from pathlib import Path

import pytest

from aioptout.fixtureweb import GZIP_BOMB_BYTES, FixtureWeb, gzip_bomb

CORPUS = Path(os.environ.get("AIOPTOUT_CORPUS")
              or Path(__file__).resolve().parents[2] / "shared" / "corpus")
STACKOVERFLOW = "other/content-signal/2025-12_stackoverflow.com.txt"


def get(web: FixtureWeb, host: str, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": f"{host}:{web.port}"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_serves_dozens_of_named_sites(fixture_web: FixtureWeb) -> None:
    assert len(fixture_web.sites) >= 40
    assert "declared.test" in fixture_web.sites
    assert all(name.endswith(".test") for name in fixture_web.sites)


def test_site_is_chosen_by_host_header(fixture_web: FixtureWeb) -> None:
    status, _, body = get(fixture_web, "declared.test", "/.well-known/aioptout.txt")
    assert status == 200 and body.startswith(b"AIOptOut-Version: 1")
    status, _, _ = get(fixture_web, "empty.test", "/.well-known/aioptout.txt")
    assert status == 404
    status, _, _ = get(fixture_web, "no-such-site.test", "/")
    assert status == 421


def test_resolve_lines_and_urls(fixture_web: FixtureWeb) -> None:
    lines = fixture_web.resolve_lines()
    assert f"declared.test:{fixture_web.port}:127.0.0.1" in lines
    assert len(lines) == len(fixture_web.sites)
    assert fixture_web.url("a.test", "/x") == f"http://a.test:{fixture_web.port}/x"


def test_port_placeholder_is_filled(fixture_web: FixtureWeb) -> None:
    _, _, body = get(fixture_web, "declared.test", "/robots.txt")
    assert f"http://declared.test:{fixture_web.port}/sitemap.xml".encode() in body
    status, headers, _ = get(fixture_web, "redirect-cross.test", "/robots.txt")
    assert status == 301
    assert headers["Location"] == f"http://declared.test:{fixture_web.port}/robots.txt"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not beside the checkout")
@pytest.mark.parametrize(("host", "path", "corpus_file"), [
    ("real-reddit.test", "/robots.txt", "robots/texting_robots-testdata/reddit.txt"),
    ("real-stackoverflow.test", "/robots.txt", STACKOVERFLOW),
    ("tdmrep-koji.test", "/.well-known/tdmrep.json", "other/tdmrep/INVALID-koji-blog.tdmrep.json"),
    ("aitxt-mltshp.test", "/ai.txt", "other/ai.txt/mltshp.com.ai.txt"),
])
def test_real_files_are_served_byte_for_byte(fixture_web: FixtureWeb, host: str, path: str,
                                             corpus_file: str) -> None:
    _, _, body = get(fixture_web, host, path)
    assert body == (CORPUS / corpus_file).read_bytes()


def test_redirect_chain_has_the_promised_hops(fixture_web: FixtureWeb) -> None:
    path = "/robots.txt"
    hops = 0
    statuses = []
    while True:
        status, headers, _ = get(fixture_web, "redirect-4.test", path)
        if status not in (301, 302, 307, 308):
            break
        statuses.append(status)
        hops += 1
        path = headers["Location"]
    assert hops == 4 and status == 200
    assert statuses == [301, 302, 307, 308]


def test_big_robots_is_ten_megabytes(fixture_web: FixtureWeb) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", fixture_web.port, timeout=10)
    conn.request("HEAD", "/robots.txt", headers={"Host": "big.test"})
    response = conn.getresponse()
    assert int(response.getheader("Content-Length") or 0) == 10 * 1024 * 1024
    conn.close()


def test_gzip_bomb_is_small_on_the_wire_and_huge_inflated() -> None:
    bomb = gzip_bomb()
    assert len(bomb) < GZIP_BOMB_BYTES // 500
    # Inflate a bounded prefix only: the member is valid gzip made of zeros.
    inflated = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(bomb, 1 << 20)
    assert inflated == bytes(1 << 20)
    assert int.from_bytes(bomb[-4:], "little") == GZIP_BOMB_BYTES % 2**32


def test_catalogue_sites_carry_identifiers(fixture_web: FixtureWeb) -> None:
    items = fixture_web.catalogue("music-label.test")
    assert len(items) >= 300
    assert {i.scheme for i in items} == {"isrc", "gtin"}
    status, _, body = get(fixture_web, "music-label.test", "/tracks/10")
    assert status == 200 and b'"isrcCode": "QZFXT2600010"' in body and b"noai" in body
    status, _, body = get(fixture_web, "music-label.test", "/sitemaps/tracks.xml.gz")
    assert gzip.decompress(body).count(b"<loc>") == 300
    status, _, _ = get(fixture_web, "music-label.test", "/tracks/13")
    assert status == 404


def test_wrong_charsets_are_really_wrong(fixture_web: FixtureWeb) -> None:
    _, headers, body = get(fixture_web, "latin1.test", "/robots.txt")
    assert "utf-8" in headers["Content-Type"]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    _, _, body = get(fixture_web, "utf16.test", "/robots.txt")
    assert body.startswith(b"\xff\xfe")


def test_synthetic_sites_and_latency() -> None:
    with FixtureWeb(synthetic=12, latency_ms=1) as web:
        assert "site0001.test" in web.sites and "site0012.test" in web.sites
        status, _, body = get(web, "site0003.test", "/.well-known/aioptout.txt")
        assert status == 200 and body.startswith(b"AIOptOut-Version: 1")
        status, _, body = get(web, "site0004.test", "/.well-known/tdmrep.json")
        assert json.loads(body)[0]["tdm-reservation"] == 1
    with pytest.raises(RuntimeError):
        _ = web.port


def test_server_records_no_errors(fixture_web: FixtureWeb) -> None:
    get(fixture_web, "declared.test", "/")
    assert fixture_web.errors == []


def test_fixtures_serve_command_prints_resolve_lines() -> None:
    import subprocess
    import sys

    script = ("import typer\nfrom aioptout._cli import crawl\napp = typer.Typer()\n"
              "crawl.register(app)\napp()\n")
    process = subprocess.Popen([sys.executable, "-c", script, "fixtures", "serve"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("--resolve ") and first.rstrip().endswith(":127.0.0.1")
    finally:
        process.terminate()
        process.wait(timeout=10)
