"""Where each file-based signal lives on an origin: one home for the paths every fetcher asks."""

from __future__ import annotations

from typing import Final

from . import _mechanisms as M

__all__ = ["AI_TXT_PATH", "DECLARATION_PATH", "PATHS", "ROBOTS_PATH", "TDMREP_PATH"]

#: Spec §4: the declaration's well-known URI (RFC 8615).
DECLARATION_PATH: Final = "/.well-known/aioptout.txt"
#: RFC 9309 §2.3.
ROBOTS_PATH: Final = "/robots.txt"
#: Spawning's ai.txt, at the origin's root.
AI_TXT_PATH: Final = "/ai.txt"
#: TDMRep §3.2 (W3C CG report).
TDMREP_PATH: Final = "/.well-known/tdmrep.json"

#: Path to mechanism, for the files found at a fixed place.
PATHS: Final = {DECLARATION_PATH: M.AIOPTOUT, ROBOTS_PATH: M.ROBOTS, AI_TXT_PATH: M.AI_TXT,
                TDMREP_PATH: M.TDMREP}
