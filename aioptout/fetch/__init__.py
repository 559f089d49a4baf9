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

import http.client
import ipaddress
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from urllib3.exceptions import NewConnectionError

from .. import _limits
from .._identity import DEFAULT_USER_AGENT, PRODUCT_TOKEN
from .._wellknown import ROBOTS_PATH
from ..model import Diagnostic
from ._address import IPAddress, _AddressPolicy, _Refused, is_public_address
from ._cache import _Cache, _Gate
from ._charset import _charset, _looks_like_html
from ._deadline import _Deadline, _within
from ._http import _guarded_pool_classes, _GuardedAdapter, _ProtocolViolation
from ._result import (
    _ACCEPT_ENCODING,
    _DRAIN_LIMIT,
    _READ_CHUNK,
    _ROBOTS_MEMO,
    _UNREACHABLE_RETRY,
    BAD_ENCODING,
    BAD_REDIRECT,
    BAD_URL,
    BLOCKED_BY_ROBOTS,
    CHARSET_MISMATCH,
    CROSS_AUTHORITY,
    DECOMPRESSION_CAP,
    DEFAULT_MAX_CRAWL_DELAY,
    DEFAULT_POLITENESS_DELAY,
    DEFAULT_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
    HTML_FOR_TEXT,
    MAX_CONNECTIONS_PER_HOST,
    MAX_INTERIM_RESPONSES,
    NETWORK_ERROR,
    REDIRECT_LOOP,
    REFUSED_ADDRESS,
    TIMEOUT,
    TOO_MANY_INTERIM,
    TOO_MANY_REDIRECTS,
    TRUNCATED,
    UNAVAILABLE_STATUS,
    UNREACHABLE_STATUS,
    UNREQUESTED_UPGRADE,
    FetchResult,
    Headers,
    Outcome,
)
from ._urls import _authority, _pins, is_well_known, normalise_url, origin_of

__all__ = [
    "CHARSET_MISMATCH",
    "DEFAULT_MAX_CRAWL_DELAY",
    "DEFAULT_POLITENESS_DELAY",
    "DEFAULT_TIMEOUT",
    "DEFAULT_TOTAL_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "MAX_CONNECTIONS_PER_HOST",
    "MAX_INTERIM_RESPONSES",
    "PRODUCT_TOKEN",
    "FetchResult",
    "Fetcher",
    "Headers",
    "IPAddress",
    "Outcome",
    "is_public_address",
    "is_well_known",
    "normalise_url",
    "origin_of",
]

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
        from ..signals.robots import RobotsTxt

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
