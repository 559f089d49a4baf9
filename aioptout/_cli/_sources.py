"""Reading a command's input: a local file, standard input, or a URL through the fetch layer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Annotated, Final

import typer

from .._limits import MAX_FILE_BYTES
from ..sources import KINDS
from ..sources import Kind as Kind
from ._common import Exit, fail, is_url, read_local

#: One default per option across every command (README §Command-line conventions): a fetch's
#: total deadline is the fetcher's own (30 s), slow hosts are measured rather than mislabelled.
DEFAULT_TIMEOUT: Final = 30.0
DEFAULT_DELAY: Final = 0.5
DEFAULT_MAX_CRAWL_DELAY: Final = 60.0

# Enough to tell "over the limit" from "at the limit" without reading a 10 GB file.
_READ_LIMIT = MAX_FILE_BYTES * 4


@dataclass(frozen=True)
class Loaded:
    name: str
    data: bytes
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NetOptions:
    allow_private: bool = False
    resolve: tuple[str, ...] = ()
    timeout: float = DEFAULT_TIMEOUT

    def resolve_map(self) -> dict[str, str]:
        return pins(self.resolve)


def pins(entries: Iterable[str]) -> dict[str, str]:
    """``--resolve HOST:PORT:ADDR`` entries as the fetcher's ``{"host:port": addr}``; a
    malformed entry exits 2."""
    out: dict[str, str] = {}
    for entry in entries:
        host, sep, rest = entry.partition(":")
        port, sep2, addr = rest.partition(":")
        if not (sep and sep2 and host and port.isdigit() and addr):
            fail(f"--resolve {entry!r}: expected HOST:PORT:ADDRESS", Exit.USAGE)
        out[f"{host.lower()}:{port}"] = addr.strip("[]")
    return out


KindOption = Annotated[
    Kind,
    typer.Option(
        "--kind",
        help=f"What the input is: {', '.join(KINDS)} (default: guessed from name and content).",
    ),
]

AllowPrivate = Annotated[
    bool,
    typer.Option(
        "--allow-private",
        help="Allow fetching from private, loopback and link-local addresses (refused by default).",
    ),
]
Resolve = Annotated[
    list[str] | None,
    typer.Option(
        "--resolve",
        metavar="HOST:PORT:ADDR",
        help="Pin HOST:PORT to ADDR, as curl --resolve does (repeatable).",
    ),
]
Timeout = Annotated[
    float, typer.Option("--timeout", min=0.1, help="Total seconds allowed for one fetch: connect, "
                        "headers, body and every redirect.")
]


def load(source: str, net: NetOptions | None = None) -> Loaded:
    """Bytes of SOURCE; an unreadable source exits 3 with a message, never a traceback."""
    if not is_url(source):
        name = "<stdin>" if source == "-" else source
        return Loaded(name, read_local(source, limit=_READ_LIMIT))
    from ..fetch import Fetcher

    net = net or NetOptions()
    fetcher = Fetcher(
        allow_private=net.allow_private, resolve=net.resolve_map(), total_timeout=net.timeout
    )
    result = fetcher.fetch(source)
    if result.outcome != "present":
        detail = result.error or (f"HTTP {result.status}" if result.status else "no response")
        fail(f"{source}: {result.outcome} ({detail})", Exit.INPUT)
    return Loaded(source, result.body, result.final_url or source, dict(result.headers))
