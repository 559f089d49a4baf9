"""A real web on 127.0.0.1: dozens of named sites with real signals and real faults.

The demo, the network tests and the survey benchmark all need sites that publish declarations,
robots.txt files, TDMRep files, headers and meta tags, and sites that fail in every way RFC 9309
cares about.  The internet is neither reproducible nor allowed in tests, so this module serves such
sites from one loopback HTTP server, choosing the site by the ``Host`` header (callers pin every
``*.test`` name to 127.0.0.1, like curl ``--resolve``).  Sites are data in
``aioptout/data/fixtureweb/sites.json``; faults too large or too slow to store are generated.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

from . import _headersfile as headers_file

#: Address every fixture site is served on.
LOOPBACK: Final = "127.0.0.1"
#: Size of the blocks big bodies are written in.
_CHUNK: Final = 64 * 1024
#: Decompressed size of the gzip bomb.
GZIP_BOMB_BYTES: Final = 256 * 1024 * 1024
_BOMB_BLOCK: Final = 16 * 1024 * 1024
#: Synthetic site names: ``site0001.test`` …
_SYNTHETIC_FORMAT: Final = "site{:04d}.test"
_HOP_PREFIX: Final = "/__hop/"
_DISCONNECTS: Final = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)

_NOT_FOUND: Final = b"<!doctype html><html><body><h1>404 Not Found</h1></body></html>\n"


@dataclass(frozen=True, slots=True)
class CatalogueItem:
    """One generated catalogue page and the signals it carries, for tests to compare against."""

    path: str
    scheme: str
    identifier: str
    meta_noai: bool = False
    tdm_header: bool = False
    content_usage: str | None = None
    status: int = 200


@dataclass(slots=True)
class _Entry:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    template: bool = False
    behaviour: Mapping[str, Any] | None = None


@dataclass(slots=True)
class _Site:
    name: str
    about: str
    paths: dict[str, _Entry]
    catalogue: tuple[CatalogueItem, ...] = ()


# --- generated bodies -------------------------------------------------------------------------

_bomb_lock = threading.Lock()
_bomb: bytes | None = None


def gzip_bomb() -> bytes:
    """A valid gzip member of ``GZIP_BOMB_BYTES`` zeros, built once per process.

    Deflate blocks ending in a full flush are self-contained, so one compressed block of zeros is
    repeated instead of compressing the whole size (a few hundred ms instead of seconds).
    """
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            zeros = bytes(_BOMB_BLOCK)
            raw = zlib.compressobj(9, zlib.DEFLATED, -15)
            block = raw.compress(zeros) + raw.flush(zlib.Z_FULL_FLUSH)
            tail = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
            repeats = GZIP_BOMB_BYTES // _BOMB_BLOCK
            crc = 0
            for _ in range(repeats):
                crc = zlib.crc32(zeros, crc)
            header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
            trailer = crc.to_bytes(4, "little") + (GZIP_BOMB_BYTES % 2**32).to_bytes(4, "little")
            _bomb = header + block * repeats + tail + trailer
        return _bomb


def _big_block() -> bytes:
    lines = []
    size = 0
    i = 0
    while size < _CHUNK:
        line = f"Disallow: /big/{i:08d}/\n"
        lines.append(line)
        size += len(line)
        i += 1
    return "".join(lines).encode()[:_CHUNK]


def _check_digit_mod10(digits: str) -> str:
    """GS1 check digit: weights 3,1,3… from the right of the data digits."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _page(title: str, jsonld: Mapping[str, object], meta: str = "") -> bytes:
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{title}</title>{meta}"
        '<script type="application/ld+json">'
        f"{json.dumps(jsonld)}</script></head>"
        f"<body><h1>{title}</h1></body></html>\n"
    ).encode()


def _sitemap(urls: list[str]) -> bytes:
    rows = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</urlset>\n'
    ).encode()


def _sitemap_index(urls: list[str]) -> bytes:
    rows = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{rows}</sitemapindex>\n'
    ).encode()


def _music_catalogue(site: _Site, spec: Mapping[str, Any]) -> None:
    origin = f"http://{site.name}:{{{{port}}}}"
    items: list[CatalogueItem] = []
    track_urls: list[str] = []
    for n in range(1, int(spec.get("items", 300)) + 1):
        registrant = "QZFXU" if n % 3 == 0 else "QZFXT"
        isrc = f"{registrant}26{n:05d}"
        path = f"/tracks/{n}"
        headers: dict[str, str] = {}
        meta = ""
        noai = n % 10 == 0
        tdm = n % 7 == 0
        usage = "train-ai=y" if n % 25 == 0 else None
        if noai:
            meta = '<meta name="robots" content="noai">'
        if tdm:
            headers["tdm-reservation"] = "1"
        if usage:
            headers["Content-Usage"] = usage
        status = 404 if n == 13 else 200
        jsonld = {"@context": "https://schema.org", "@type": "MusicRecording",
                  "name": f"Track {n}", "isrcCode": isrc}
        body = _page(f"Track {n}", jsonld, meta) if status == 200 else _NOT_FOUND
        site.paths[path] = _Entry(status=status, headers=headers, body=body)
        items.append(CatalogueItem(path, "isrc", isrc, noai, tdm, usage, status))
        track_urls.append(origin + path)
    product_urls: list[str] = []
    for n in range(1, int(spec.get("products", 0)) + 1):
        data = f"5012345{n:05d}"
        gtin = data + _check_digit_mod10(data)
        path = f"/products/{n}"
        jsonld = {"@context": "https://schema.org", "@type": "Product",
                  "name": f"Vinyl {n}", "gtin13": gtin}
        site.paths[path] = _Entry(body=_page(f"Vinyl {n}", jsonld))
        items.append(CatalogueItem(path, "gtin", gtin))
        product_urls.append(origin + path)
    tracks = _sitemap(track_urls)
    site.paths["/sitemaps/tracks.xml.gz"] = _Entry(
        headers={"Content-Type": "application/gzip"}, body=tracks, template=True,
        behaviour={"kind": "gzip-file"})
    site.paths["/sitemaps/tracks.xml"] = _Entry(body=tracks, template=True)
    site.paths["/sitemaps/products.xml"] = _Entry(body=_sitemap(product_urls), template=True)
    site.paths["/sitemap_index.xml"] = _Entry(
        body=_sitemap_index(
            [origin + "/sitemaps/tracks.xml.gz", origin + "/sitemaps/products.xml"]),
        template=True)
    site.catalogue = tuple(items)


def _books_catalogue(site: _Site, spec: Mapping[str, Any]) -> None:
    origin = f"http://{site.name}:{{{{port}}}}"
    items: list[CatalogueItem] = []
    urls: list[str] = []
    for n in range(1, int(spec.get("items", 200)) + 1):
        data = f"9780306{n:05d}" if n % 2 == 0 else f"9781840{n:05d}"
        isbn = data + _check_digit_mod10(data)
        path = f"/books/{n}"
        tdm = n % 9 == 0
        meta = '<meta name="tdm-reservation" content="1">' if tdm else ""
        jsonld = {"@context": "https://schema.org", "@type": "Book", "name": f"Book {n}",
                  "isbn": isbn}
        site.paths[path] = _Entry(body=_page(f"Book {n}", jsonld, meta))
        items.append(CatalogueItem(path, "isbn", isbn, tdm_header=False))
        urls.append(origin + path)
    body = _sitemap(urls)
    site.paths["/sitemap.xml"] = _Entry(body=body, template=True)
    site.paths["/sitemap.xml.gz"] = _Entry(
        headers={"Content-Type": "application/gzip"}, body=body, template=True,
        behaviour={"kind": "gzip-file"})
    site.catalogue = tuple(items)


def _synthetic(index: int) -> _Site:
    """A small site whose signals rotate through the common deployments."""
    name = _SYNTHETIC_FORMAT.format(index)
    home = _Entry(
        body=f"<!doctype html><title>{name}</title><p>Synthetic site {index}</p>".encode())
    paths: dict[str, _Entry] = {"/": home}
    kind = index % 6
    if kind == 0:
        paths["/robots.txt"] = _Entry(body=b"User-agent: *\nAllow: /\n")
    elif kind == 1:
        paths["/robots.txt"] = _Entry(
            body=b"User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n")
    elif kind == 2:
        paths["/robots.txt"] = _Entry(
            body=b"User-agent: *\nContent-Signal: search=yes, ai-train=no\nAllow: /\n")
    elif kind == 3:
        paths["/robots.txt"] = _Entry(body=b"User-agent: *\nAllow: /\nContent-Usage: train-ai=n\n")
        paths["/.well-known/aioptout.txt"] = _Entry(
            body=b"AIOptOut-Version: 1\n\nUser-agent: *\nAllow: /\n"
                 b"Content-Usage: train-ai=n, search=y\n")
    elif kind == 4:
        paths["/.well-known/tdmrep.json"] = _Entry(
            body=b'[{"location": "/", "tdm-reservation": 1}]\n')
        home.headers["tdm-reservation"] = "1"
    return _Site(name, f"synthetic site {index} (variant {kind})", paths)


# --- loading the definitions ------------------------------------------------------------------


def _data_dir() -> Path:
    return Path(str(resources.files("aioptout") / "data" / "fixtureweb"))


def _load_sites(path: Path | None = None) -> dict[str, _Site]:
    base = _data_dir() if path is None else path.parent
    definition = json.loads(((base / "sites.json") if path is None else path).read_text("utf-8"))
    sites: dict[str, _Site] = {}
    for name, spec in definition["sites"].items():
        paths: dict[str, _Entry] = {}
        for route, raw in spec.get("paths", {}).items():
            if "body_file" in raw:
                body = (base / raw["body_file"]).read_bytes()
            else:
                body = str(raw.get("body", "")).encode(raw.get("body_encoding", "utf-8"))
            paths[route] = _Entry(
                status=int(raw.get("status", 200)),
                headers=dict(raw.get("headers", {})),
                body=body,
                template=bool(raw.get("template", "body" in raw)),
                behaviour=raw.get("behaviour"),
            )
        site = _Site(name.lower(), str(spec.get("about", "")), paths)
        catalogue = spec.get("catalogue")
        if catalogue is not None:
            generate = {"music": _music_catalogue, "books": _books_catalogue}[catalogue["kind"]]
            generate(site, catalogue)
        sites[site.name] = site
    return sites


def _default_type(path: str) -> str:
    if path.endswith(".txt"):
        return "text/plain; charset=utf-8"
    if path.endswith(".json"):
        return "application/json"
    if path.endswith(".xml"):
        return "application/xml"
    if path.endswith(".gz"):
        return "application/gzip"
    return "text/html; charset=utf-8"


# --- the server -------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], web: FixtureWeb) -> None:
        self.web = web
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.web._connected()
        super().process_request(request, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if not isinstance(exc, _DISCONNECTS):
            self.web.errors.append(repr(exc))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "aioptout-fixtureweb/0.1"
    # Headers and body leave in separate writes; with Nagle's algorithm on, the body would wait
    # for the client's delayed ACK (about 40 ms), a latency no real server adds.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        """The library never prints; requests are counted instead."""

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, *, head: bool) -> None:
        web = self.server.web
        host = _host_of(self.headers.get("Host", ""))
        path = urlsplit(self.path).path or "/"
        web._count(host, path, +1, self.headers.get("User-Agent"))
        try:
            self._respond(web, host, path, head)
        finally:
            web._count(host, path, -1, None)

    def _respond(self, web: FixtureWeb, host: str, path: str, head: bool) -> None:
        if web.latency_ms:
            time.sleep(web.latency_ms / 1000)
        site = web._sites.get(host)
        if site is None:
            self._send(421, {"Content-Type": "text/plain"}, b"no fixture site for this host\n",
                       head)
            return
        if path.startswith(_HOP_PREFIX):
            self._hop(site, path, head)
            return
        entry = site.paths.get(path)
        if entry is None:
            self._send(404, {"Content-Type": "text/html; charset=utf-8"}, _NOT_FOUND, head)
            return
        headers = {"Content-Type": _default_type(path)}
        headers.update({k: web._fill(v) for k, v in entry.headers.items()})
        body = web._fill_bytes(entry.body) if entry.template else entry.body
        kind = None if entry.behaviour is None else entry.behaviour.get("kind")
        if kind is None:
            self._send(entry.status, headers, body, head)
        elif kind == "redirect-chain":
            self._redirect_step(site, path, 0, head)
        elif kind == "big":
            self._big(int(entry.behaviour.get("bytes", 10 * 1024 * 1024)), head)  # type: ignore[union-attr]
        elif kind == "drip":
            beh = entry.behaviour
            assert beh is not None
            self._drip(int(beh.get("bytes", 2000)), int(beh.get("interval_ms", 50)), head)
        elif kind == "gzip-bomb":
            headers["Content-Encoding"] = "gzip"
            self._send(200, headers, gzip_bomb(), head)
        elif kind == "content-encoding":
            encoding = str(entry.behaviour.get("encoding", "gzip"))  # type: ignore[union-attr]
            headers["Content-Encoding"] = encoding
            packed = gzip.compress(body, mtime=0) if encoding == "gzip" else zlib.compress(body)
            self._send(entry.status, headers, packed, head)
        elif kind == "repeat":
            parts = entry.behaviour["parts"]  # type: ignore[index]
            repeated = b"".join(str(text).encode() * int(count) for text, count in parts)
            self._send(entry.status, headers, repeated, head)
        elif kind == "gzip-file":
            self._send(entry.status, headers, gzip.compress(body, mtime=0), head)
        elif kind == "header-drip":
            beh = entry.behaviour
            assert beh is not None
            self._header_drip(entry.status, headers, body, int(beh.get("interval_ms", 500)), head)
        elif kind == "interim":
            beh = entry.behaviour
            assert beh is not None
            self._interim([int(s) for s in beh.get("statuses", [103])], entry.status, headers,
                          body, head)
        else:
            raise ValueError(f"unknown fixture behaviour {kind!r}")

    def _hop(self, site: _Site, path: str, head: bool) -> None:
        number, _, rest = path[len(_HOP_PREFIX):].partition("/")
        original = "/" + rest
        entry = site.paths.get(original)
        if not number.isdigit() or entry is None or entry.behaviour is None:
            self._send(404, {"Content-Type": "text/html"}, _NOT_FOUND, head)
            return
        self._redirect_step(site, original, int(number), head)

    def _redirect_step(self, site: _Site, original: str, step: int, head: bool) -> None:
        behaviour = site.paths[original].behaviour
        assert behaviour is not None
        hops = int(behaviour["hops"])
        statuses = [int(s) for s in behaviour.get("statuses", [302])]
        target = str(behaviour["to"]) if step + 1 >= hops else f"{_HOP_PREFIX}{step + 1}{original}"
        pause = int(behaviour.get("delay_ms", 0))
        if pause and self.server.web._stopping.wait(pause / 1000):
            return
        self._send(statuses[step % len(statuses)], {"Location": target}, b"", head)

    def _send(self, status: int, headers: Mapping[str, str], body: bytes, head: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)

    def _raw_head(self, status: int, headers: Mapping[str, str], length: int | None) -> bytes:
        lines = [f"HTTP/1.1 {status} {self.responses.get(status, ('Status',))[0]}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if length is not None:
            lines.append(f"Content-Length: {length}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def _header_drip(self, status: int, headers: Mapping[str, str], body: bytes,
                     interval_ms: int, head: bool) -> None:
        """Status line and headers one octet at a time: each read succeeds, the whole never ends
        in time (a per-read timeout never fires)."""
        padded = {**headers, "X-Padding": "." * 200}
        raw = self._raw_head(status, padded, len(body))
        stop = self.server.web._stopping
        for i in range(len(raw)):
            self.wfile.write(raw[i : i + 1])
            self.wfile.flush()
            if stop.wait(interval_ms / 1000):
                return
        if not head:
            self.wfile.write(body)

    def _interim(self, statuses: list[int], status: int, headers: Mapping[str, str],
                 body: bytes, head: bool) -> None:
        """Interim 1xx responses (103 Early Hints and the like) before the final one."""
        out = b"".join(self._raw_head(s, {"Link": "</style.css>; rel=preload; as=style"}, None)
                       for s in statuses)
        out += self._raw_head(status, headers, len(body))
        self.wfile.write(out if head else out + body)
        self.wfile.flush()
        if any(s == 101 for s in statuses):
            self.close_connection = True

    def _big(self, size: int, head: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if head:
            return
        first = b"User-agent: *\n"
        block = _big_block()
        self.wfile.write(first)
        sent = len(first)
        while sent < size:
            piece = block[: size - sent]
            self.wfile.write(piece)
            sent += len(piece)

    def _drip(self, size: int, interval_ms: int, head: bool) -> None:
        text = b"User-agent: *\nDisallow: /drip/\n# "
        body = text + b"." * max(0, size - len(text) - 1) + b"\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if head:
            return
        stop = self.server.web._stopping
        for i in range(len(body)):
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            if stop.wait(interval_ms / 1000):
                return


def _host_of(header: str) -> str:
    host = header.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


class FixtureWeb:
    """The loopback web: ``with FixtureWeb() as web: web.url("declared.test", "/robots.txt")``.

    ``port=0`` picks a free port.  ``latency_ms`` delays every response (for benchmarks);
    ``synthetic=N`` adds ``site0001.test`` … ``siteNNNN.test`` for scale tests.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        latency_ms: int = 0,
        synthetic: int = 0,
        sites_file: Path | None = None,
    ) -> None:
        self.latency_ms = latency_ms
        self.errors: list[str] = []
        self._requested_port = port
        self._sites = _load_sites(sites_file)
        for index in range(1, synthetic + 1):
            site = _synthetic(index)
            self._sites[site.name] = site
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._hits_lock = threading.Lock()
        self._hits: dict[tuple[str, str], int] = {}
        self._inflight: dict[str, int] = {}
        self._agents: dict[str, str] = {}
        self._peak: dict[str, int] = {}
        self._connections = 0
        self._port_text = ""

    # lifecycle
    def start(self) -> FixtureWeb:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((LOOPBACK, self._requested_port), self)
        self._port_text = str(self.port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name="aioptout-fixtureweb", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def serve_forever(self) -> None:
        """Block until interrupted; for ``aioptout fixtures serve``."""
        self.start()
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            self.stop()

    def __enter__(self) -> FixtureWeb:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # addresses
    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the fixture web is not running; call start() first")
        return int(self._server.server_address[1])

    @property
    def sites(self) -> tuple[str, ...]:
        return tuple(sorted(self._sites))

    def about(self, host: str) -> str:
        return self._sites[host.lower()].about

    def add_folder(self, host: str, folder: Path, pages: Iterable[str] = ()) -> None:
        """Serve ``folder`` (a site's build output) as ``host``, as a static host would.

        Every file is served at its path; each of ``pages`` is an HTML page.  A ``_headers``
        file is applied to every response the way Cloudflare Pages documents it: each rule
        whose path pattern matches adds its headers, and ``! Name`` in a later matching rule
        drops the header an earlier rule added.  ``publish``'s invariant and ``drift`` tests
        read the channels exactly as a crawler would, over HTTP.
        """
        rules = headers_file.parse((folder / "_headers").read_text("utf-8")
                                   if (folder / "_headers").is_file() else "")
        paths: dict[str, _Entry] = {}
        for file in sorted(folder.rglob("*")):
            route = "/" + file.relative_to(folder).as_posix()
            if file.is_file() and route != "/_headers":
                paths[route] = _Entry(headers=headers_file.headers_for(route, rules),
                                      body=file.read_bytes())
        for page in pages:
            paths.setdefault(page, _Entry(headers=headers_file.headers_for(page, rules),
                                          body=b"<!doctype html><html><head></head>"
                                               b"<body>page</body></html>\n"))
        self._sites[host.lower()] = _Site(host.lower(), f"folder {folder}", paths)

    def catalogue(self, host: str) -> tuple[CatalogueItem, ...]:
        return self._sites[host.lower()].catalogue

    def origin(self, host: str) -> str:
        return f"http://{host}:{self.port}"

    def url(self, host: str, path: str = "/") -> str:
        return self.origin(host) + path

    def resolve_map(self) -> dict[str, str]:
        """``{"host:port": "127.0.0.1"}`` for every site: what ``Fetcher(resolve=...)`` takes."""
        return {f"{name}:{self.port}": LOOPBACK for name in self.sites}

    def resolve_lines(self) -> list[str]:
        """curl-style ``HOST:PORT:127.0.0.1`` lines, one per site."""
        return [f"{name}:{self.port}:{LOOPBACK}" for name in self.sites]

    # counters, for tests that show a client stopped early or fetched once
    def hits(self, host: str, path: str) -> int:
        with self._hits_lock:
            return self._hits.get((host.lower(), path), 0)

    def peak_concurrency(self, host: str) -> int:
        """The most requests to ``host`` that were in progress at the same time."""
        with self._hits_lock:
            return self._peak.get(host.lower(), 0)

    @property
    def connections(self) -> int:
        """TCP connections accepted so far (keep-alive reuse shows as fewer than requests)."""
        with self._hits_lock:
            return self._connections

    def _connected(self) -> None:
        with self._hits_lock:
            self._connections += 1

    def last_user_agent(self, host: str) -> str | None:
        with self._hits_lock:
            return self._agents.get(host.lower())

    def _count(self, host: str, path: str, delta: int, agent: str | None) -> None:
        with self._hits_lock:
            if agent is not None:
                self._agents[host] = agent
            if delta > 0:
                self._hits[(host, path)] = self._hits.get((host, path), 0) + 1
            now = self._inflight.get(host, 0) + delta
            self._inflight[host] = now
            self._peak[host] = max(self._peak.get(host, 0), now)

    def _fill(self, text: str) -> str:
        return text.replace("{{port}}", self._port_text)

    def _fill_bytes(self, body: bytes) -> bytes:
        return body.replace(b"{{port}}", self._port_text.encode())

    def __iter__(self) -> Iterator[str]:
        return iter(self.sites)
