"""URL normalisation and the origin and authority of a URL."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from urllib.parse import urlsplit, urlunsplit

from .._wellknown import AI_TXT_PATH, ROBOTS_PATH

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
