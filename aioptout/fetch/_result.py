"""What a fetch returns, and the FET diagnostics a fetch can carry."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from .. import _limits
from ..diagnostics import define
from ..model import Diagnostic, Severity

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


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")
