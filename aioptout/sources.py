"""What kind of opt-out file a body is, and its signals, so every entry point reads alike.

``aioptout check``, ``convert`` and the web app accept a declaration, a robots.txt, a
tdmrep.json or an ai.txt; this module decides which one it was given and returns the
corresponding Signal objects.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from . import _mechanisms as M
from ._wellknown import PATHS
from .decide import Signal
from .model import Declaration, Diagnostic
from .parse import parse

KINDS: Final = (M.AIOPTOUT, M.ROBOTS, M.TDMREP, M.AI_TXT, M.RSL)


class Kind(StrEnum):
    """The ``--kind`` every command takes: a kind of :data:`KINDS`, or ``auto`` to detect it."""

    auto = "auto"
    aioptout = M.AIOPTOUT
    robots = M.ROBOTS
    tdmrep = M.TDMREP
    ai_txt = M.AI_TXT
    rsl = M.RSL

_SNIFF: Final = 16 * 1024
#: Fields of spec §5 and §7.3 that no robots.txt dialect uses.
_DECLARATION_ONLY_FIELDS: Final = frozenset(
    {"aioptout-version", "rightsholder", "licensing", "legal-basis", "issued", "expires",
     "work-usage"}
)


def kind_of_url_path(path: str) -> str | None:
    """The kind of file a well-known path holds, or None for any other URL path."""
    return PATHS.get(path)


def detect_kind(data: bytes | str, name: str | None = None) -> str:
    """Guess the format from a file name, else from the content (robots.txt when unsure)."""
    lowered = (name or "").lower()
    if lowered.endswith("aioptout.txt"):
        return "aioptout"
    from .signals.rsl import looks_like_rsl

    if looks_like_rsl(data):
        return "rsl"
    head = data[:_SNIFF].decode("utf-8", "replace") if isinstance(data, bytes) else data[:_SNIFF]
    for line in head.splitlines():
        field, colon, _ = line.lstrip("\ufeff \t").partition(":")
        # A declaration that lost its version line is still a declaration: the mistake a
        # validator sees most.
        if colon and field.strip().lower() in _DECLARATION_ONLY_FIELDS:
            return "aioptout"
    from .convert import detect_kind as detect_foreign

    return detect_foreign(data, name)


class Loaded:
    """One input file read as a given kind: its signals, and the declaration when it is one."""

    __slots__ = ("data", "declaration", "kind", "signals", "source")

    def __init__(self, data: bytes, kind: str, source: str | None) -> None:
        self.data = data
        self.kind = kind
        self.source = source
        self.signals: list[Signal | Declaration] = signals_from(data, kind, source)
        first = self.signals[0] if self.signals else None
        self.declaration = first if isinstance(first, Declaration) else None


def load(data: bytes | str, *, kind: str | None = None, source: str | None = None) -> Loaded:
    """Read ``data`` as ``kind`` (guessed from ``source`` and the content when None)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return Loaded(raw, kind or detect_kind(raw, source), source)



def signals_from(data: bytes, kind: str, source: str | None) -> list[Signal | Declaration]:
    """The signals one file carries (a robots.txt carries three mechanisms)."""
    if kind == "aioptout":
        return [parse(data, source=source)]
    if kind == "robots":
        from .signals import aipref, contentsignal
        from .signals.robots import RobotsTxt

        robots = RobotsTxt.parse(data, source=source)
        out: list[Signal | Declaration] = [
            robots, aipref.from_robots(robots), contentsignal.from_robots(robots)]
        if b"license" in data.lower():
            out.append(_robots_licences(robots, data, source))
        return out
    if kind == "tdmrep":
        from .signals import tdmrep

        return [tdmrep.parse_file(data, source=source)]
    if kind == "ai-txt":
        from .signals import aitxt

        return [aitxt.parse(data, source=source)]
    if kind == "rsl":
        from .signals import rsl

        return [rsl.parse(data, source=source)]
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")


def _robots_licences(robots: object, data: bytes, source: str | None) -> Signal:
    """robots.txt License lines (RSL): their diagnostics; no document is fetched here, so
    they state nothing until a crawler fetches the documents (``crawl.check_site``)."""
    from .signals import rsl

    links, diags = rsl.robots_license_lines(data)
    return rsl.RslSite(robots, links, {}, diags + rsl.robots_group_diagnostics(robots),
                       source=source)


def diagnostics_of(signals: list[Signal | Declaration]) -> list[Diagnostic]:
    """Each diagnostic once, even when several signals share one parsed file."""
    seen: set[tuple[str, int, int]] = set()
    out: list[Diagnostic] = []
    for signal in signals:
        for diag in signal.diagnostics:
            key = (diag.code, diag.line, diag.column)
            if key not in seen:
                seen.add(key)
                out.append(diag)
    return sorted(out, key=lambda d: (d.line, d.column, d.code))
