"""Hosting safety of the web validator: no SSRF, bounded bodies and fetches, safe headers.

No test here sends a packet to anything but 127.0.0.1: ``socket.create_connection`` is wrapped
so that a connection attempt to any other address is recorded and fails without connecting.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

import aioptout.web.app as web_app
from aioptout.crawl import check_site
from aioptout.fixtureweb import FixtureWeb
from aioptout.web import create_app


def call(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://validator") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every address a connection was attempted to; only loopback ones really connect."""
    attempted: list[str] = []
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        attempted.append(address[0])
        if address[0] not in ("127.0.0.1", "::1"):
            raise OSError(f"test refused to connect to {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    yield attempted


def safe_app(web: FixtureWeb, **options: Any) -> Any:
    """The app as a public deployment runs it, with the fixture web's names pinned (trusted)."""
    settings: dict[str, Any] = {"resolve": web.resolve_map(), "politeness_delay": 0.0,
                                "fetch_timeout": 5.0}
    settings.update(options)
    return create_app(**settings)


# --- SSRF -------------------------------------------------------------------------------------

def test_loopback_literal_site_is_refused_without_a_request(
        fixture_web: FixtureWeb, connections: list[str]) -> None:
    before = fixture_web.hits("127.0.0.1", "/robots.txt")
    got = call(safe_app(fixture_web), "POST", "/api/crawl",
               json={"site": f"http://127.0.0.1:{fixture_web.port}/"})
    assert got.status_code == 403
    body = got.json()
    assert body["code"] == "FET106"
    assert "127.0.0.1" in body["error"]
    assert body["refused"]
    assert connections == []
    assert fixture_web.hits("127.0.0.1", "/robots.txt") == before


@pytest.mark.parametrize("site", [
    "http://10.0.0.1/",
    "http://169.254.169.254/",
    "http://[::1]:8080/",
    "http://[::ffff:10.0.0.1]/",
    "http://0.0.0.0/",
    "https://192.168.1.1/",
])
def test_private_and_link_local_sites_are_refused_before_connecting(
        fixture_web: FixtureWeb, connections: list[str], site: str) -> None:
    got = call(safe_app(fixture_web), "POST", "/api/crawl", json={"site": site})
    assert got.status_code == 403, got.text
    assert got.json()["code"] == "FET106"
    assert connections == []


def test_a_name_resolving_to_loopback_is_refused(
        fixture_web: FixtureWeb, connections: list[str]) -> None:
    got = call(safe_app(fixture_web), "POST", "/api/crawl",
               json={"site": f"http://localhost:{fixture_web.port}/"})
    assert got.status_code == 403
    assert connections == []


@pytest.mark.parametrize(("site", "target"), [
    ("redirect-metadata.test", "169.254.169.254"),
    ("redirect-private.test", "localhost"),
    ("redirect-mapped.test", "[::ffff:127.0.0.1]"),
])
def test_a_redirect_to_a_private_address_is_refused(
        fixture_web: FixtureWeb, connections: list[str], site: str, target: str) -> None:
    got = call(safe_app(fixture_web), "POST", "/api/crawl",
               json={"site": fixture_web.origin(site)})
    assert got.status_code == 200, got.text
    refused = got.json()["refused"]
    robots = [r for r in refused if r["mechanism"] == "robots"]
    assert len(robots) == 1
    assert target in robots[0]["redirects"][0]
    record = {s["mechanism"]: s for s in got.json()["signals"]}["robots"]
    assert record["outcome"] == "unreachable"
    assert "FET106" in {d["code"] for d in record["errors"]}
    assert set(connections) == {"127.0.0.1"}


def test_allow_private_is_what_lets_loopback_through(
        fixture_web: FixtureWeb, connections: list[str]) -> None:
    app = safe_app(fixture_web, allow_private=True)
    got = call(app, "POST", "/api/crawl", json={"site": f"http://127.0.0.1:{fixture_web.port}/"})
    assert got.status_code == 200
    assert got.json()["refused"] == []
    assert "127.0.0.1" in connections


# --- bounded requests and fetches -------------------------------------------------------------

def test_a_body_over_the_limit_is_refused_by_its_content_length() -> None:
    app = create_app(max_body=1000)
    got = call(app, "POST", "/api/validate", content=b'{"text": "' + b"a" * 2000 + b'"}',
               headers={"Content-Type": "application/json"})
    assert got.status_code == 413
    assert "error" in got.json()


def test_a_chunked_body_over_the_limit_is_refused_while_streaming() -> None:
    app = create_app(max_body=1000)
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"text": "'
        for _ in range(100):
            sent += 1
            yield b"a" * 100
        yield b'"}'

    got = call(app, "POST", "/api/validate", content=chunks(),
               headers={"Content-Type": "application/json"})
    assert got.status_code == 413
    assert sent < 100  # reading stopped at the limit, not at the end of the body


def test_a_body_under_the_limit_is_accepted() -> None:
    got = call(create_app(max_body=1000), "POST", "/api/validate", json={"text": "a" * 500})
    assert got.status_code == 200


def test_fetch_timeout_bounds_a_slow_site(fixture_web: FixtureWeb) -> None:
    # drip.test sends robots.txt one byte every 50 ms (about 100 s in all).
    app = safe_app(fixture_web, fetch_timeout=0.5)
    got = call(app, "POST", "/api/crawl", json={"site": fixture_web.origin("drip.test")})
    record = {s["mechanism"]: s for s in got.json()["signals"]}["robots"]
    # RFC 9309 §2.3.1.4: a timeout makes robots.txt unreachable (complete disallow).
    assert record["outcome"] == "unreachable"
    assert "FET105" in {d["code"] for d in record["errors"]}


def test_too_many_concurrent_site_checks_get_503(
        fixture_web: FixtureWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    entered = threading.Semaphore(0)
    real = check_site

    def slow(*args: Any, **kwargs: Any) -> Any:
        entered.release()
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr("aioptout.web.app.check_site", slow)
    app = safe_app(fixture_web)
    site = {"site": fixture_web.origin("empty.test")}

    async def go() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://v") as client:
            running = [asyncio.create_task(client.post("/api/crawl", json=site))
                       for _ in range(web_app.MAX_CONCURRENT_CRAWLS)]
            for _ in running:
                await asyncio.to_thread(entered.acquire)
            extra = await client.post("/api/crawl", json=site)
            release.set()
            done = await asyncio.gather(*running)
            return [extra.status_code, *(r.status_code for r in done)]

    codes = asyncio.run(go())
    assert codes[0] == 503
    assert codes[1:] == [200] * web_app.MAX_CONCURRENT_CRAWLS


def test_no_fetch_cache_is_shared_between_requests(fixture_web: FixtureWeb) -> None:
    app = safe_app(fixture_web)
    before = fixture_web.hits("books.test", "/robots.txt")
    for _ in range(2):
        assert call(app, "POST", "/api/crawl",
                    json={"site": fixture_web.origin("books.test")}).status_code == 200
    assert fixture_web.hits("books.test", "/robots.txt") == before + 2


# --- responses --------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/", None),
    ("GET", "/spec", None),
    ("GET", "/static/app.js", None),
    ("GET", "/static/../app.py", None),
    ("GET", "/nowhere", None),
    ("POST", "/api/validate", b"{"),
    ("POST", "/api/validate", b'{"text": "<script>alert(1)</script>"}'),
])
def test_every_response_carries_the_security_headers(
        method: str, path: str, body: bytes | None) -> None:
    got = call(create_app(), method, path, content=body)
    csp = got.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["x-frame-options"] == "DENY"


def test_static_files_are_a_fixed_list() -> None:
    app = create_app()
    assert call(app, "GET", "/static/app.css").status_code == 200
    for path in ("/static/..%2Fapp.py", "/static/index.html", "/static/%2e%2e"):
        assert call(app, "GET", path).status_code == 404


def test_markup_in_a_file_comes_back_as_json_text_only() -> None:
    text = "AIOptOut-Version: 1\nRightsholder: <script>alert(1)</script>\nUser-agent: *\nAllow: /\n"
    got = call(create_app(), "POST", "/api/explain", json={"text": text})
    assert got.headers["content-type"].startswith("application/json")
    assert got.json()["declaration"]["rightsholder"] == "<script>alert(1)</script>"
