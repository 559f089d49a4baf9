"""Fetching with RFC 9309 semantics, bounded in bytes, time and politeness, and safe by default.

Every signal file (robots.txt, the aioptout declaration, tdmrep.json, ai.txt) is fetched the way
RFC 9309 §2.3 fetches robots.txt: redirects followed by hand (at most five, the chain recorded),
2xx → present, 4xx → unavailable (allow all), 429/5xx/network error/timeout → unreachable
(complete disallow).  Lists of sites for a survey are untrusted input, so by default no request
may reach a private, loopback, link-local, multicast, reserved or unspecified address, whether a
URL, a redirect or a DNS answer leads there.  Names pinned with ``resolve`` (curl ``--resolve``)
are the operator's own choice and are trusted; that is how the loopback fixture web is reached.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import heapq
import http.client
import ipaddress
import json
import os
import socket
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as _FutureTimeout
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from . import _limits
from ._identity import DEFAULT_USER_AGENT, PRODUCT_TOKEN
from ._wellknown import AI_TXT_PATH, ROBOTS_PATH
from .diagnostics import define
from .model import Diagnostic, Severity

__all__ = [
    "DEFAULT_USER_AGENT",
    "PRODUCT_TOKEN",
    "FetchResult",
    "Fetcher",
    "Headers",
    "Outcome",
    "is_public_address",
]

Outcome = Literal["present", "unavailable", "unreachable"]

#: (connect, read) seconds; the read timeout applies to each socket read.
DEFAULT_TIMEOUT: Final = (5.0, 10.0)
#: Seconds one fetch may take in all: name resolution, connect, TLS, headers, body and every
#: redirect.  A watchdog shuts the socket down at the deadline, so a server dripping one octet at
#: a time cannot stretch it.  Waiting for the host's politeness turn is not part of it.
DEFAULT_TOTAL_TIMEOUT: Final = 30.0
#: Longest Crawl-delay honoured, in seconds (spec §13): longer requests are capped.
DEFAULT_MAX_CRAWL_DELAY: Final = _limits.MAX_CRAWL_DELAY
#: Seconds an unreachable robots.txt keeps our own crawler away before it is asked again.
_UNREACHABLE_RETRY: Final = 60.0
#: Origins whose robots.txt verdict our own crawler remembers (least recently used out).
_ROBOTS_MEMO: Final = 256
#: Interim (1xx) responses skipped before a final response; more is a protocol error.
MAX_INTERIM_RESPONSES: Final = 16
#: Seconds between the starts of two requests to one host.
DEFAULT_POLITENESS_DELAY: Final = 0.5
#: Concurrent connections to one host.
MAX_CONNECTIONS_PER_HOST: Final = 2
#: Octets read from the socket per call.
_READ_CHUNK: Final = 16 * 1024
_ACCEPT_ENCODING: Final = "gzip, deflate"
#: Largest unused body (an error page, a redirect) read to keep its connection alive.
_DRAIN_LIMIT: Final = 64 * 1024
_HTML_STARTS: Final = (b"<!doctype html", b"<html", b"<head", b"<body", b"<?xml")

# --- diagnostics --------------------------------------------------------------------------------
REDIRECT_LOOP = define(
    "FET101", "SHOULD", "RFC 9309 §2.3.1.2", "Redirect loop; the file is treated as unavailable",
    "make the URL answer 200, or redirect once to where the file is")
TOO_MANY_REDIRECTS = define(
    "FET102", "SHOULD", "RFC 9309 §2.3.1.2",
    "More than five redirects; the file is treated as unavailable",
    "crawlers follow at most five redirects; point the URL closer to the file")
TRUNCATED = define(
    "FET103", "SHOULD", "RFC 9309 §2.5", "Body exceeds the size limit; the rest is ignored",
    "keep the file under 500 KiB")
DECOMPRESSION_CAP = define(
    "FET104", "SHOULD", "RFC 9309 §2.5",
    "Decompressed body exceeds the size limit; decompression stopped",
    "the compressed body expands beyond 500 KiB (a compression bomb?)")
TIMEOUT = define(
    "FET105", "MUST", "RFC 9309 §2.3.1.4",
    "Timed out; the server is unreachable, so crawlers assume complete disallow")
REFUSED_ADDRESS = define(
    "FET106", "MUST NOT", "RFC 6890 §2.2",
    "Refused to connect to a non-public address",
    "a site on a public list must not lead to private, loopback or link-local addresses; "
    "use --allow-private for a trusted local test")
CHARSET_MISMATCH = define(
    "FET107", "MUST", "RFC 9309 §2.3",
    "Body is not in the declared or expected character encoding",
    "serve the file as UTF-8 and label it 'text/plain; charset=utf-8'")
HTML_FOR_TEXT = define(
    "FET108", "MUST", "RFC 9309 §2.3",
    "An HTML page was served where a text file was expected (soft 404?)",
    "answer 404 when the file does not exist, or serve it as text/plain")
UNREACHABLE_STATUS = define(
    "FET109", "MUST", "RFC 9309 §2.3.1.4",
    "Server error or 429; unreachable, so crawlers assume complete disallow")
NETWORK_ERROR = define(
    "FET110", "MUST", "RFC 9309 §2.3.1.4",
    "Network error; unreachable, so crawlers assume complete disallow")
UNAVAILABLE_STATUS = define(
    "FET111", "MAY", "RFC 9309 §2.3.1.3",
    "Client error status; the file is unavailable, so crawlers may access everything")
BAD_REDIRECT = define(
    "FET112", "SHOULD", "RFC 9110 §15.4",
    "Redirect without a usable http(s) Location; the file is treated as unavailable")
BLOCKED_BY_ROBOTS = define(
    "FET113", "NOTE", "RFC 9309 §2.2.2",
    "Not fetched: the site's robots.txt disallows the aioptout crawler")
BAD_URL = define("FET114", "MUST", "RFC 3986 §3", "Not an absolute http(s) URL with a host")
CROSS_AUTHORITY = define(
    "FET115", "NOTE", "RFC 9309 §2.3.1.2",
    "Redirected to another authority; the rules apply to the original one")
BAD_ENCODING = define(
    "FET116", "MUST", "RFC 9110 §8.4",
    "Content-Encoding could not be decoded; the body is unusable")
UNREQUESTED_UPGRADE = define(
    "FET117", "MUST NOT", "RFC 9110 §15.2.2",
    "101 Switching Protocols to a request that asked no upgrade; a protocol error, so the server "
    "is unreachable and crawlers assume complete disallow")
TOO_MANY_INTERIM = define(
    "FET118", "MUST", "RFC 9110 §15.2",
    f"More than {MAX_INTERIM_RESPONSES} interim (1xx) responses before the final one; a "
    "protocol error, so the server is unreachable and crawlers assume complete disallow")


class Headers(Mapping[str, str]):
    """Response headers, read-only and case-insensitive; repeated fields joined with ", "."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, tuple[str, str]] = {}
        for name, value in (items or {}).items():
            key = name.lower()
            if key in self._items:
                value = f"{self._items[key][1]}, {value}"
                name = self._items[key][0]
            self._items[key] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"

    def to_dict(self) -> dict[str, str]:
        return dict(self.items())


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One fetch, classified as RFC 9309 classifies robots.txt fetches.

    ``error_kind`` names the failure for programs: ``timeout`` (the total deadline passed),
    ``refused`` (safety rule), ``network``, ``protocol`` (an unrequested 101, endless 1xx),
    ``status``, ``redirect-loop``, ``too-many-redirects``, ``bad-redirect``, ``decoding``,
    ``blocked`` (our robots.txt), ``bad-url``.  ``bytes_read`` counts octets taken
    off the wire, ``len(body)`` those kept: both stay within the caps whatever the server sends.
    """

    url: str
    final_url: str
    status: int | None
    outcome: Outcome
    headers: Headers
    body: bytes
    truncated: bool
    redirects: tuple[str, ...]
    error: str | None
    charset: str | None
    elapsed: float
    diagnostics: tuple[Diagnostic, ...]
    error_kind: str | None = None
    bytes_read: int = 0
    fetched_at: float = 0.0
    from_cache: bool = False

    @property
    def text(self) -> str:
        """The body decoded with ``charset`` (UTF-8 when unknown); undecodable bytes replaced."""
        return _decode(self.body, self.charset or "utf-8")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity is Severity.ERROR)

    def to_dict(self) -> dict[str, object]:
        return {
            "url": self.url,
            "final_url": self.final_url,
            "status": self.status,
            "outcome": self.outcome,
            "redirects": list(self.redirects),
            "truncated": self.truncated,
            "bytes": len(self.body),
            "bytes_read": self.bytes_read,
            "charset": self.charset,
            "error": self.error,
            "error_kind": self.error_kind,
            "elapsed": round(self.elapsed, 3),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


# --- address safety -------------------------------------------------------------------------------

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_public_address(address: str | IPAddress) -> bool:
    """Whether a connection to ``address`` may be made on behalf of an untrusted site list.

    IPv4-mapped and IPv4-compatible IPv6 addresses are judged by the IPv4 address they carry.
    """
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip.teredo is not None or ip.is_site_local:
            return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


class _Refused(Exception):
    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to non-public address {address}")
        self.host = host
        self.address = address


@dataclass(frozen=True, slots=True)
class _AddressPolicy:
    allow_private: bool
    pins: Mapping[str, str]

    def addresses(self, host: str, port: int) -> list[tuple[str, bool]]:
        """Candidate addresses for ``host:port`` and whether each is trusted (pinned)."""
        pinned = self.pins.get(f"{host.lower()}:{port}")
        if pinned is not None:
            return [(pinned, True)]
        bare = host.strip("[]")
        try:
            ipaddress.ip_address(bare)
        except ValueError:
            infos = _getaddrinfo(host, port)
            seen: list[str] = []
            for info in infos:
                addr = str(info[4][0])
                if addr not in seen:
                    seen.append(addr)
            return [(a, False) for a in seen]
        return [(bare, False)]

    def connect(self, host: str, port: int, timeout: float | None,
                source_address: tuple[str, int] | None) -> socket.socket:
        candidates = self.addresses(host, port)
        if not self.allow_private:
            for address, trusted in candidates:
                if not trusted and not is_public_address(address):
                    raise _Refused(host, address)
        last: OSError | None = None
        for address, _ in candidates:
            try:
                return socket.create_connection((address, port), timeout, source_address)
            except OSError as exc:
                last = exc
        raise last or OSError(f"no address for {host}")


# --- deadlines ------------------------------------------------------------------------------------


class _Deadline:
    """The end of one fetch, and the sockets to shut down when it passes.

    A per-read timeout never fires on a server that sends one octet every half second, and
    http.client reads the status line and headers with such reads; so at the deadline the
    watchdog shuts the sockets down, which ends any read at once, TLS handshakes included.
    The watchdog holds duplicates of the descriptors: shutdown acts on the connection itself,
    and a duplicate stays valid however the pool or the TLS layer rewraps the original.
    """

    __slots__ = ("_lock", "_socks", "at", "fired")

    def __init__(self, at: float) -> None:
        self.at = at
        self.fired = False
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self.at

    def watch(self, sock: socket.socket) -> None:
        try:  # fromfd, not dup(): ssl.SSLSocket refuses dup(), its descriptor does not
            dup = socket.fromfd(sock.fileno(), sock.family, sock.type, sock.proto)
        except (OSError, ValueError):
            return
        with self._lock:
            self._socks.append(dup)
            fired = self.fired
        if fired:
            _shut(dup)

    def fire(self) -> None:
        with self._lock:
            self.fired = True
            socks = list(self._socks)
        for sock in socks:
            _shut(sock)

    def release(self) -> None:
        with self._lock:
            socks, self._socks = self._socks, []
        for sock in socks:
            sock.close()


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # already closed by the peer or by us
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that fires deadlines in order; started on first use."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._count = 0
        self._thread: threading.Thread | None = None

    def add(self, deadline: _Deadline) -> None:
        with self._cond:
            self._count += 1
            heapq.heappush(self._heap, (deadline.at, self._count, deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="aioptout-deadlines",
                                                daemon=True)
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._heap:
                    self._cond.wait()
                at, _, deadline = self._heap[0]
                wait = at - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
            deadline.fire()


    def reset(self) -> None:
        """In a forked child: the parent's thread and lock state did not come along."""
        self._cond = threading.Condition()
        self._heap = []
        self._thread = None


_WATCHDOG: Final = _Watchdog()
#: The deadline of the fetch running on this thread, if any; the connection classes below read it.
_current = threading.local()


def _active_deadline() -> _Deadline | None:
    deadline: _Deadline | None = getattr(_current, "deadline", None)
    return deadline


@contextmanager
def _within(deadline: _Deadline) -> Iterator[None]:
    previous = _active_deadline()
    _current.deadline = deadline
    _WATCHDOG.add(deadline)
    try:
        yield
    finally:
        _current.deadline = previous
        deadline.release()


_dns_lock = threading.Lock()
_dns_pool: ThreadPoolExecutor | None = None


def _after_fork() -> None:
    global _dns_lock, _dns_pool
    _WATCHDOG.reset()
    _dns_lock = threading.Lock()
    _dns_pool = None


os.register_at_fork(after_in_child=_after_fork)


def _getaddrinfo(host: str, port: int) -> list[Any]:
    """``getaddrinfo`` bounded by the current deadline: a resolver that never answers must not
    hold a fetch (the lookup itself cannot be cancelled; its thread finishes on its own)."""
    deadline = _active_deadline()
    if deadline is None:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    global _dns_pool
    with _dns_lock:
        if _dns_pool is None:
            _dns_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="aioptout-dns")
        pool = _dns_pool
    future = pool.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        return future.result(timeout=max(0.0, deadline.remaining()))
    except _FutureTimeout:
        future.cancel()
        raise TimeoutError(f"name resolution of {host} timed out") from None


# --- HTTP as it is --------------------------------------------------------------------------------


class _ProtocolViolation(http.client.HTTPException):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


_MAX_HEADER_LINE: Final = 65536
_MAX_HEADER_LINES: Final = 100


class _FinalResponse(http.client.HTTPResponse):
    """RFC 9110 §15.2: interim 1xx responses come before the final response and are skipped.

    http.client skips only ``100``, so a ``103 Early Hints`` would be taken for the answer and
    the real one left unread (a ``Disallow: /`` behind it read as "no file").  A ``101`` to a
    request that asked no upgrade, or an endless run of interim responses, is a protocol error.
    """

    def _read_status(self) -> tuple[str, int, str]:
        for _ in range(MAX_INTERIM_RESPONSES + 1):
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if status == 101:
                raise _ProtocolViolation("upgrade", "101 Switching Protocols without an upgrade "
                                         "request")
            if not 100 <= status < 200:
                return version, status, reason
            self._skip_fields()
        raise _ProtocolViolation(
            "interim", f"more than {MAX_INTERIM_RESPONSES} interim responses")

    def _skip_fields(self) -> None:
        assert self.fp is not None
        for _ in range(_MAX_HEADER_LINES + 1):
            line = self.fp.readline(_MAX_HEADER_LINE + 1)
            if len(line) > _MAX_HEADER_LINE:
                raise http.client.LineTooLong("header line")
            if line in (b"\r\n", b"\n", b""):
                return
        raise http.client.HTTPException(f"more than {_MAX_HEADER_LINES} header lines")


class _GuardedHTTPConnection(HTTPConnection):
    policy: ClassVar[_AddressPolicy]
    response_class = _FinalResponse

    def _new_conn(self) -> socket.socket:
        return _guarded_connect(self)

    def getresponse(self) -> Any:
        _watch(self)
        return super().getresponse()


class _GuardedHTTPSConnection(HTTPSConnection):
    policy: ClassVar[_AddressPolicy]
    response_class = _FinalResponse

    def _new_conn(self) -> socket.socket:
        return _guarded_connect(self)

    def getresponse(self) -> Any:
        _watch(self)
        return super().getresponse()


def _watch(conn: HTTPConnection) -> None:
    """A pooled connection serves the fetch now running: its deadline watches the socket."""
    deadline = _active_deadline()
    if deadline is not None and conn.sock is not None:
        deadline.watch(conn.sock)


def _guarded_connect(conn: Any) -> socket.socket:
    timeout = conn.timeout if isinstance(conn.timeout, int | float) else None
    deadline = _active_deadline()
    if deadline is not None:
        left = max(deadline.remaining(), 0.001)
        timeout = left if timeout is None else min(timeout, left)
    try:
        sock: socket.socket = conn.policy.connect(conn._dns_host, conn.port, timeout,
                                                  conn.source_address)
        if deadline is not None:
            deadline.watch(sock)  # the TLS handshake reads from this socket too
        for option in conn.socket_options or ():  # urllib3's defaults: TCP_NODELAY
            sock.setsockopt(*option)
        return sock
    except socket.gaierror as exc:
        raise NewConnectionError(conn, f"name resolution failed: {exc}") from exc
    except TimeoutError as exc:
        raise ConnectTimeoutError(conn, f"connection to {conn.host} timed out") from exc
    except _Refused:
        raise
    except OSError as exc:
        raise NewConnectionError(conn, f"failed to connect: {exc}") from exc


def _guarded_pool_classes(policy: _AddressPolicy) -> dict[str, type[HTTPConnectionPool]]:
    """Connection pools whose connections go only where ``policy`` allows."""
    http_conn = type("_HTTPConn", (_GuardedHTTPConnection,), {"policy": policy})
    https_conn = type("_HTTPSConn", (_GuardedHTTPSConnection,), {"policy": policy})
    return {
        "http": type("_HTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("_HTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


class _GuardedAdapter(HTTPAdapter):
    """A caller's requests session gets the same address rule as our own pools."""

    def __init__(self, policy: _AddressPolicy) -> None:
        self._policy = policy
        super().__init__(pool_connections=64, pool_maxsize=MAX_CONNECTIONS_PER_HOST, max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False,
                         **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _guarded_pool_classes(self._policy)


# --- URLs -----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _idna(host: str) -> str:
    """The ASCII form of a host name; cached, because every fetch normalises its URL."""
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") or host.isascii():
        return host
    try:
        import idna

        return idna.encode(host, uts46=True).decode("ascii")
    except Exception:  # idna raises several unrelated types for bad labels
        return host.encode("idna").decode("ascii")


@functools.lru_cache(maxsize=16)
def _pins(items: tuple[tuple[str, str], ...]) -> Mapping[str, str]:
    """``resolve`` keyed by normalised ``host:port``; cached, because a survey builds a fetcher
    for every site from the same (possibly thousands of) pins."""
    pins: dict[str, str] = {}
    for key, address in items:
        host, _, port = key.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"resolve key {key!r} is not HOST:PORT")
        pins[f"{_idna(host)}:{int(port)}"] = address
    return MappingProxyType(pins)


def normalise_url(url: str) -> str | None:
    """``url`` with a lower-case scheme, an IDNA host and no fragment; None if unusable."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    try:
        host = _idna(parts.hostname)
    except UnicodeError:
        return None
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    default = 80 if scheme == "http" else 443
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def _authority(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, parts.hostname or "", port


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def is_well_known(url: str) -> bool:
    """The files every fetch of a site may read without asking robots.txt first."""
    path = urlsplit(url).path
    return path in (ROBOTS_PATH, AI_TXT_PATH) or path.startswith("/.well-known/")


# --- bodies and charsets --------------------------------------------------------------------------


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _declared_charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'").lower() or None
    return None


def _codec(name: str) -> str | None:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _position(body: bytes, offset: int) -> tuple[int, int]:
    line = body.count(b"\n", 0, offset) + 1
    start = body.rfind(b"\n", 0, offset) + 1
    column = len(body[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def _charset(headers: Headers, body: bytes, expect_utf8: bool) -> tuple[str, list[Diagnostic]]:
    """The charset the body is really in, and diagnostics when that differs from what it claims.

    RFC 9309 §2.3 lets a crawler bridge a robots.txt that is not UTF-8; the bridge is a BOM
    when there is one and Windows-1252 otherwise, which decodes every Latin-1 byte.
    """
    declared_name = _declared_charset(headers.get("Content-Type", ""))
    declared = _codec(declared_name) if declared_name else None
    diagnostics: list[Diagnostic] = []
    bom = None
    if body.startswith(b"\xef\xbb\xbf"):
        bom = "utf-8-sig"
    elif body.startswith((b"\xff\xfe", b"\xfe\xff")):
        bom = "utf-16"
    if bom is not None:
        family = "utf-8" if bom == "utf-8-sig" else "utf-16"
        if (declared and not declared.startswith(family)) or (expect_utf8 and family != "utf-8"):
            diagnostics.append(CHARSET_MISMATCH.at(
                1, 1, 2, message=f"byte order mark says {family} but the file is labelled "
                f"{declared_name or 'nothing'}"))
        return bom, diagnostics
    wanted = declared or "utf-8"
    try:
        body.decode(wanted)
    except UnicodeDecodeError as exc:
        line, column = _position(body, exc.start)
        diagnostics.append(CHARSET_MISMATCH.at(
            line, column, column + 1,
            message=f"byte 0x{body[exc.start]:02x} is not valid {wanted}"))
        return "cp1252", diagnostics
    except LookupError:
        wanted = "utf-8"
    if expect_utf8 and declared and declared not in ("utf-8", "ascii"):
        diagnostics.append(
            CHARSET_MISMATCH.at(1, 1, 2, message=f"labelled {declared_name}, not utf-8"))
    return wanted, diagnostics


def _looks_like_html(body: bytes) -> bool:
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(_HTML_STARTS[:-1])


# --- politeness -----------------------------------------------------------------------------------


class _Gate:
    __slots__ = ("lock", "next_start", "slots")

    def __init__(self) -> None:
        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS_PER_HOST)
        self.lock = threading.Lock()
        self.next_start = 0.0


# --- caching --------------------------------------------------------------------------------------


class _Cache:
    """RFC 9309 §2.4: a fetched file is reused for at most ``ttl`` seconds, here and on disk."""

    def __init__(self, directory: Path | None, ttl: float) -> None:
        self.directory = directory
        self.ttl = ttl
        self._lock = threading.Lock()
        # Bounded, least recently used first out: a survey of a million sites must not keep
        # every body it ever fetched.
        self._memory: OrderedDict[str, FetchResult] = OrderedDict()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def get(self, url: str) -> FetchResult | None:
        now = time.time()
        with self._lock:
            hit = self._memory.get(url)
            if hit is not None:
                self._memory.move_to_end(url)
        if hit is None and self.directory is not None:
            hit = self._load(url)
        if hit is None or now - hit.fetched_at > self.ttl:
            return None
        return hit

    def put(self, result: FetchResult) -> None:
        if result.outcome == "unreachable":
            return
        with self._lock:
            self._memory[result.url] = result
            self._memory.move_to_end(result.url)
            while len(self._memory) > _limits.MAX_CACHED_RESPONSES:
                self._memory.popitem(last=False)
        if self.directory is not None:
            self._store(result)

    def _path(self, url: str) -> Path:
        assert self.directory is not None
        return self.directory / (hashlib.sha256(url.encode()).hexdigest() + ".json")

    def _store(self, result: FetchResult) -> None:
        record = result.to_dict()
        record.update(headers=result.headers.to_dict(), fetched_at=result.fetched_at,
                      body=base64.b64encode(result.body).decode("ascii"), elapsed=result.elapsed)
        target = self._path(result.url)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(record), "utf-8")
        temporary.replace(target)

    def _load(self, url: str) -> FetchResult | None:
        try:
            record = json.loads(self._path(url).read_text("utf-8"))
            diagnostics = tuple(
                Diagnostic(**{**d, "severity": Severity(d["severity"])})
                for d in record["diagnostics"])
            return FetchResult(
                url=record["url"], final_url=record["final_url"], status=record["status"],
                outcome=record["outcome"], headers=Headers(record["headers"]),
                body=base64.b64decode(record["body"]), truncated=record["truncated"],
                redirects=tuple(record["redirects"]), error=record["error"],
                charset=record["charset"], elapsed=record["elapsed"], diagnostics=diagnostics,
                error_kind=record["error_kind"], bytes_read=record["bytes_read"],
                fetched_at=record["fetched_at"])
        except (OSError, ValueError, KeyError, TypeError):
            return None


# --- the fetcher ----------------------------------------------------------------------------------


class _Stop(Exception):
    """Ends a fetch early with a classified outcome."""

    def __init__(self, outcome: Outcome, kind: str, message: str, diagnostic: Diagnostic) -> None:
        super().__init__(message)
        self.outcome: Outcome = outcome
        self.kind = kind
        self.message = message
        self.diagnostic = diagnostic


@dataclass(slots=True)
class _Body:
    data: bytes
    truncated: bool
    bytes_read: int
    diagnostics: list[Diagnostic]
    complete: bool = False  # read to the end: the connection may carry another request


class Fetcher:
    """Fetches signal files and pages politely and safely; thread-safe, one per crawl.

    ``resolve`` maps ``"host:port"`` to an address, like curl ``--resolve``.  ``cache`` is a
    directory for an on-disk cache shared between runs; the in-memory cache is always on.
    ``total_timeout`` bounds each fetch as a whole (see ``DEFAULT_TOTAL_TIMEOUT``); ``timeout``
    is the (connect, read) pair for single socket operations inside it.  ``max_crawl_delay``
    caps what a robots.txt ``Crawl-delay`` can make our crawler wait between two requests.
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        allow_private: bool = False,
        resolve: Mapping[str, str] | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
        max_bytes: int = _limits.MAX_FILE_BYTES,
        cache: str | Path | None = None,
        cache_seconds: float = _limits.CACHE_SECONDS,
        politeness_delay: float = DEFAULT_POLITENESS_DELAY,
        respect_robots: bool = True,
        session: requests.Session | None = None,
        max_crawl_delay: float = DEFAULT_MAX_CRAWL_DELAY,
    ) -> None:
        self.user_agent = user_agent
        self.allow_private = allow_private
        self.timeout = timeout
        self.total_timeout = total_timeout
        self.max_bytes = max_bytes
        self.politeness_delay = politeness_delay
        self.respect_robots = respect_robots
        if not 0 <= max_crawl_delay < float("inf"):
            raise ValueError("max_crawl_delay must be a finite number of seconds >= 0")
        self.max_crawl_delay = float(max_crawl_delay)
        self._policy = _AddressPolicy(allow_private, _pins(tuple((resolve or {}).items())))
        self._cache = _Cache(None if cache is None else Path(cache), cache_seconds)
        self._headers = {"User-Agent": user_agent, "Accept-Encoding": _ACCEPT_ENCODING,
                         "Accept": "*/*"}
        self._pool_lock = threading.Lock()
        self._pools: urllib3.PoolManager | None = None
        self._shared = session
        if session is not None:
            self._prepare(session)
        self._gates_lock = threading.Lock()
        self._gates: dict[tuple[str, str, int], _Gate] = {}
        self._robots_lock = threading.Lock()
        self._robots_locks: dict[str, threading.Lock] = {}
        # origin -> (expiry, why robots.txt is unreachable or None, its parsed rules or None)
        self._robots: OrderedDict[str, tuple[float, str | None, Any]] = OrderedDict()
        self.requests_sent = 0

    # public -------------------------------------------------------------------------------------
    def fetch(self, url: str, *, max_bytes: int | None = None) -> FetchResult:
        """Fetch ``url``; never raises for anything the network or the server does.

        ``max_bytes`` overrides the fetcher's cap for this call (sitemaps may be 50 MB).
        """
        start = time.monotonic()
        normalised = normalise_url(url)
        if normalised is None:
            return self._failed(url, start, "unreachable", "bad-url", "not an http(s) URL",
                                BAD_URL.at(1, 1))
        cached = self._cache.get(normalised)
        if cached is not None and not (cached.truncated and (max_bytes or 0) > len(cached.body)):
            return replace(cached, from_cache=True)
        refused = self._refused_literal(normalised)
        if refused is not None:
            return self._failed(normalised, start, "unreachable", "refused",
                                f"refused non-public address {refused}",
                                REFUSED_ADDRESS.at(1, 1, message=f"refused {refused}"))
        delay = self.politeness_delay
        if self.respect_robots and not is_well_known(normalised):
            allowed, crawl_delay, reason = self._own_rules(normalised)
            if not allowed:
                return self._failed(normalised, start, "unavailable", "blocked",
                                    reason or "disallowed by robots.txt",
                                    BLOCKED_BY_ROBOTS.at(1, 1))
            if crawl_delay:
                delay = max(delay, crawl_delay)
        result = self._fetch(normalised, start, delay, max_bytes or self.max_bytes)
        self._cache.put(result)
        if result.outcome == "unreachable" and urlsplit(normalised).path == ROBOTS_PATH:
            self._remember(origin_of(normalised), _UNREACHABLE_RETRY,
                           result.error or "unreachable", None)
        return result

    def _pool(self) -> urllib3.PoolManager:
        """Our own connection pools, kept alive between the fetches of one fetcher."""
        with self._pool_lock:
            if self._pools is None:
                self._pools = urllib3.PoolManager(
                    num_pools=64, maxsize=MAX_CONNECTIONS_PER_HOST, retries=False)
                self._pools.pool_classes_by_scheme = _guarded_pool_classes(self._policy)
            return self._pools

    def _prepare(self, session: requests.Session) -> requests.Session:
        """Mount the guarded adapter: a caller's session gets the same safety rule."""
        session.trust_env = False  # an environment proxy would bypass the address guard
        adapter = _GuardedAdapter(self._policy)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update(self._headers)
        return session

    def close(self) -> None:
        with self._pool_lock:
            if self._pools is not None:
                self._pools.clear()
                self._pools = None

    # internals ----------------------------------------------------------------------------------
    def _failed(self, url: str, start: float, outcome: Outcome, kind: str, message: str,
                diagnostic: Diagnostic, *, redirects: tuple[str, ...] = (),
                status: int | None = None, final_url: str | None = None,
                extra: tuple[Diagnostic, ...] = (), headers: Headers | None = None,
                bytes_read: int = 0) -> FetchResult:
        return FetchResult(
            url=url, final_url=final_url or url, status=status, outcome=outcome,
            headers=headers or Headers(), body=b"", truncated=False, redirects=redirects,
            error=message, charset=None, elapsed=time.monotonic() - start,
            diagnostics=(*extra, diagnostic), error_kind=kind, bytes_read=bytes_read,
            fetched_at=time.time())

    def _refused_literal(self, url: str) -> str | None:
        """A non-public IP literal in the URL itself, refused before anything is fetched."""
        if self.allow_private:
            return None
        _, host, port = _authority(url)
        if f"{host}:{port}" in self._policy.pins:
            return None
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return None
        return None if is_public_address(host) else host

    @contextmanager
    def _slot(self, url: str, delay: float) -> Iterator[None]:
        key = _authority(url)
        with self._gates_lock:
            gate = self._gates.setdefault(key, _Gate())
        with gate.slots:
            with gate.lock:
                now = time.monotonic()
                wait = gate.next_start - now
                gate.next_start = max(now, gate.next_start) + delay
            if wait > 0:
                time.sleep(wait)
            yield

    def _fetch(self, url: str, start: float, delay: float, cap: int) -> FetchResult:
        """Follow redirects by hand within one budget of ``total_timeout`` seconds.

        The budget is spent only while a request is on the wire: waiting for the host's
        politeness turn (Crawl-delay, capped) is not counted, or a Crawl-delay longer than the
        timeout would time out every fetch after the first.
        """
        budget = self.total_timeout
        redirects: list[str] = []
        seen = {url}
        notes: list[Diagnostic] = []
        current = url
        while True:
            try:
                with self._slot(current, delay):
                    deadline = _Deadline(time.monotonic() + budget)
                    if budget <= 0:
                        raise _Stop("unreachable", "timeout",
                                    f"no answer within {self.total_timeout:g} s", TIMEOUT.at(
                                        1, 1, message="total timeout before the request"))
                    with _within(deadline):
                        hop = self._hop(current, deadline, cap)
                    budget = deadline.remaining()
            except _Stop as stop:
                return self._failed(url, start, stop.outcome, stop.kind, stop.message,
                                    stop.diagnostic, redirects=tuple(redirects),
                                    final_url=current, extra=tuple(notes))
            status, headers, body = hop
            if body is not None:
                return self._classify(url, current, status, headers, body, tuple(redirects),
                                      notes, start)
            try:
                target = self._redirect_target(current, headers, status)
                if target in seen:
                    raise _Stop("unavailable", "redirect-loop", f"redirect loop back to {target}",
                                REDIRECT_LOOP.at(1, 1))
                redirects.append(target)
                seen.add(target)
                if len(redirects) > _limits.MAX_REDIRECTS:
                    raise _Stop("unavailable", "too-many-redirects",
                                f"more than {_limits.MAX_REDIRECTS} redirects",
                                TOO_MANY_REDIRECTS.at(1, 1))
            except _Stop as stop:
                return self._failed(url, start, stop.outcome, stop.kind, stop.message,
                                    stop.diagnostic, redirects=tuple(redirects),
                                    final_url=current, extra=tuple(notes))
            if _authority(target) != _authority(current):
                notes.append(CROSS_AUTHORITY.at(1, 1, message=f"redirected to {target}"))
            current = target

    def _hop(self, url: str, deadline: _Deadline, cap: int
             ) -> tuple[int, Headers, _Body | None]:
        """One request: status, headers, and the body (None for a redirect, to be followed)."""
        response = self._send(url, deadline)
        reusable = False
        try:
            status = response.status
            headers = Headers(dict(response.headers))
            if 300 <= status < 400 and status != 304:
                reusable = self._drain(response, deadline)
                return status, headers, None
            if 200 <= status < 300:
                body = self._read(response, deadline, cap)
                reusable = body.complete
            else:
                body = _Body(b"", False, 0, [])
                reusable = self._drain(response, deadline)
            return status, headers, body
        finally:
            if not reusable or deadline.fired:
                response.close()
            response.release_conn()

    def _send(self, url: str, deadline: _Deadline) -> urllib3.BaseHTTPResponse:
        connect, read = self.timeout
        remaining = max(deadline.remaining(), 0.001)
        connect, read = min(connect, remaining), min(read, remaining)
        self.requests_sent += 1
        try:
            if self._shared is not None:
                return self._shared.get(url, stream=True, allow_redirects=False,
                                        timeout=(connect, read)).raw
            return self._pool().request(
                "GET", url, headers=self._headers, redirect=False, retries=False,
                preload_content=False, decode_content=False,
                timeout=urllib3.Timeout(connect=connect, read=read))
        except _Refused as exc:
            raise _Stop("unreachable", "refused", str(exc),
                        REFUSED_ADDRESS.at(1, 1, message=f"refused {exc.address} for {exc.host}")
                        ) from exc
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError,
                http.client.HTTPException) as exc:
            refused = _find_in_chain(exc, _Refused)
            if refused is not None:
                raise _Stop("unreachable", "refused", str(refused),
                            REFUSED_ADDRESS.at(1, 1)) from exc
            if deadline.expired() or _timed_out(exc):
                raise _Stop("unreachable", "timeout",
                            f"no complete answer within {self.total_timeout:g} s",
                            TIMEOUT.at(1, 1)) from exc
            violation = _find_in_chain(exc, _ProtocolViolation)
            if violation is not None:
                code = UNREQUESTED_UPGRADE if violation.kind == "upgrade" else TOO_MANY_INTERIM
                raise _Stop("unreachable", "protocol", violation.message, code.at(1, 1)) from exc
            raise _Stop("unreachable", "network", f"network error: {_short(exc)}",
                        NETWORK_ERROR.at(1, 1, message=f"network error: {_short(exc)}")) from exc

    def _drain(self, response: urllib3.BaseHTTPResponse, deadline: _Deadline) -> bool:
        """Read a small unused body (a 404 page, a redirect) so the connection can be reused."""
        length = response.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > _DRAIN_LIMIT:
            return False
        try:
            return self._read(response, deadline, _DRAIN_LIMIT, decode=False).complete
        except _Stop:
            return False

    def _redirect_target(self, current: str, headers: Headers, status: int) -> str:
        location = headers.get("Location", "").strip()
        target = normalise_url(urljoin(current, location)) if location else None
        if target is None:
            raise _Stop("unavailable", "bad-redirect",
                        f"{status} redirect without a usable http(s) Location",
                        BAD_REDIRECT.at(1, 1))
        return target

    def _read(self, response: urllib3.BaseHTTPResponse, deadline: _Deadline, cap: int, *,
              decode: bool = True) -> _Body:
        """Read at most ``max_bytes`` decoded octets, decoding gzip/deflate ourselves.

        The decompressor is asked for no more output than fits under the cap, so a body that
        expands a thousandfold costs only the compressed octets needed to fill the cap.
        """
        raw = response
        encoding = response.headers.get("Content-Encoding", "").strip().lower() if decode else ""
        decoder: Any = None
        if encoding in ("gzip", "x-gzip"):
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            decoder = "deflate?"  # zlib-wrapped or raw: decided by the first octets
        elif encoding not in ("", "identity"):
            raise _Stop("unreachable", "decoding", f"unsupported Content-Encoding {encoding!r}",
                        BAD_ENCODING.at(1, 1))
        out = bytearray()
        read = 0
        capped = complete = False
        while True:
            late = _Stop("unreachable", "timeout", f"body not complete after "
                         f"{self.total_timeout:g} s", TIMEOUT.at(
                             1, 1, message="total timeout while reading the body"))
            if deadline.expired():
                raise late
            try:
                chunk = raw.read1(_READ_CHUNK, decode_content=False)
            except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as exc:
                raise late from exc
            except (urllib3.exceptions.HTTPError, OSError, http.client.HTTPException) as exc:
                if deadline.expired():
                    raise late from exc
                raise _Stop("unreachable", "network", f"connection broken: {_short(exc)}",
                            NETWORK_ERROR.at(1, 1)) from exc
            if deadline.fired:  # what arrived before the shutdown is not the whole body
                raise late
            if not chunk:
                complete = True
                break
            read += len(chunk)
            if decoder is None:
                out += chunk
                if len(out) > cap:
                    capped = True
                    break
                continue
            if decoder == "deflate?":
                zlib_wrapped = len(chunk) >= 2 and (chunk[0] & 0x0F) == 8 and (
                    (chunk[0] << 8) | chunk[1]) % 31 == 0
                decoder = zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)
            pending = chunk
            try:
                while pending and not decoder.eof:
                    room = cap + 1 - len(out)
                    if room <= 0:
                        capped = True
                        break
                    out += decoder.decompress(pending, room)
                    pending = decoder.unconsumed_tail
            except zlib.error as exc:
                raise _Stop("unreachable", "decoding", f"corrupt {encoding} body: {exc}",
                            BAD_ENCODING.at(1, 1)) from exc
            if capped or len(out) > cap or decoder.eof or read > cap:
                capped = capped or len(out) > cap or (read > cap and not decoder.eof)
                break
        diagnostics: list[Diagnostic] = []
        if capped:
            code = TRUNCATED if decoder is None else DECOMPRESSION_CAP
            diagnostics.append(code.at(1, 1, message=f"only the first {cap} octets are used"))
        return _Body(bytes(out[:cap]), capped, read, diagnostics, complete)

    def _classify(self, url: str, final_url: str, status: int, headers: Headers, body: _Body,
                  redirects: tuple[str, ...], notes: list[Diagnostic], start: float) -> FetchResult:
        diagnostics = list(notes)
        outcome: Outcome
        error = None
        kind = None
        if 200 <= status < 300:
            outcome = "present"
        elif status == 429 or status >= 500:
            outcome, kind, error = "unreachable", "status", f"HTTP {status}"
            diagnostics.append(UNREACHABLE_STATUS.at(1, 1, message=f"HTTP {status}: unreachable"))
        elif 400 <= status < 500:
            outcome, kind, error = "unavailable", "status", f"HTTP {status}"
            diagnostics.append(UNAVAILABLE_STATUS.at(1, 1, message=f"HTTP {status}: unavailable"))
        else:
            outcome, kind, error = "unavailable", "status", f"unexpected HTTP {status}"
            diagnostics.append(UNAVAILABLE_STATUS.at(1, 1, message=f"HTTP {status}"))
        charset = None
        if outcome == "present":
            diagnostics.extend(body.diagnostics)
            path = urlsplit(url).path
            text_file = path.endswith((".txt", ".json"))
            charset, found = _charset(headers, body.data, expect_utf8=text_file)
            diagnostics.extend(found)
            media = headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
            if path.endswith(".txt") and (media == "text/html" or _looks_like_html(body.data)):
                diagnostics.append(HTML_FOR_TEXT.at(1, 1))
        return FetchResult(
            url=url, final_url=final_url, status=status, outcome=outcome, headers=headers,
            body=body.data if outcome == "present" else b"", truncated=body.truncated,
            redirects=redirects, error=error, charset=charset,
            elapsed=time.monotonic() - start, diagnostics=tuple(diagnostics), error_kind=kind,
            bytes_read=body.bytes_read, fetched_at=time.time())

    def _remember(self, origin: str, seconds: float, unreachable: str | None,
                  robots: Any) -> None:
        with self._robots_lock:
            self._robots[origin] = (time.monotonic() + seconds, unreachable, robots)
            self._robots.move_to_end(origin)
            while len(self._robots) > _ROBOTS_MEMO:
                self._robots.popitem(last=False)

    def _own_rules(self, url: str) -> tuple[bool, float | None, str | None]:
        """Whether our own crawler may fetch ``url``, and the Crawl-delay it is asked to keep.

        The verdict of an unreachable robots.txt is kept for a minute: otherwise every page of
        a catalogue on a host whose robots.txt never answers would wait out its own timeout.
        """
        from .signals.robots import RobotsTxt

        origin = origin_of(url)
        with self._robots_lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            with self._robots_lock:
                memo = self._robots.get(origin)
            if memo is not None and time.monotonic() < memo[0]:
                _, unreachable, robots = memo
            else:
                robots_result = self.fetch(origin + ROBOTS_PATH)
                robots = None
                unreachable = None
                if robots_result.outcome == "present":
                    robots = RobotsTxt.parse(robots_result.text, source=robots_result.url)
                elif robots_result.outcome == "unreachable":
                    unreachable = robots_result.error or "unreachable"
                keep = _UNREACHABLE_RETRY if unreachable is not None else self._cache.ttl
                self._remember(origin, keep, unreachable, robots)
            if unreachable is not None:
                return False, None, f"robots.txt unreachable ({unreachable})"
            if robots is None:
                return True, None, None
            verdict = robots.decide(PRODUCT_TOKEN, url)
            delay = robots.crawl_delay(PRODUCT_TOKEN)
            reason = None if verdict.allowed else (
                f"robots.txt line {verdict.line} disallows {PRODUCT_TOKEN}")
            if delay is not None:
                delay = min(float(delay), self.max_crawl_delay)
            return bool(verdict.allowed), delay, reason


_E = TypeVar("_E", bound=BaseException)


def _find_in_chain(exc: BaseException, kind: type[_E]) -> _E | None:
    """The ``kind`` exception that urllib3 or requests wrapped (as a reason, an argument or a
    cause) on the way to ``exc``."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, kind):
            return current
        nested = [getattr(current, "reason", None), current.__cause__, current.__context__,
                  *current.args]
        todo.extend(n for n in nested if isinstance(n, BaseException))
    return None


def _timed_out(exc: BaseException) -> bool:
    """A connect or read timeout (urllib3 makes a failed connect a subclass of its timeout)."""
    if isinstance(exc, requests.Timeout | TimeoutError):
        return True
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return not isinstance(exc, NewConnectionError)
    return False


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 200 else text[:197] + "..."
