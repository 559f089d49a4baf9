"""Which addresses a fetch may reach: the SSRF guard, applied to URLs, redirects and DNS answers."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from ._deadline import _getaddrinfo

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
