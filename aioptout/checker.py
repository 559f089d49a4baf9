"""Answers for crawler authors: may this agent use this URL or work for this usage?

A :class:`Checker` fetches each origin's signals once (declaration, robots.txt, tdmrep.json,
ai.txt), keeps them for at most 24 hours as RFC 9309 §2.4 allows, and answers any number of
questions from memory.  Work identifiers (``isrc:…``) are answered from the declarations of the
origins already checked, or of the origin named with ``origin=``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Final

import requests

from . import _limits
from .agents import Registry
from .crawl import SiteReport, check_site, site_origin
from .decide import decide
from .fetch import Fetcher
from .identifiers import looks_like_work_id
from .model import Decision, Declaration, Value

__all__ = ["Checker"]

_NO_ORIGIN: Final = "no origin has been checked that could declare this work identifier"


class Checker:
    """Thread-safe, caching decisions over every signal of the origins it has seen.

    ``checker.check("https://example.com/a", "GPTBot", "train-ai")`` fetches example.com's
    signals the first time and decides from memory afterwards.  Page-level signals (a page's own
    headers and metas) are not fetched: read them with :mod:`aioptout.catalogue` when needed.
    """

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        fetcher: Fetcher | None = None,
        cache: str | Path | None = None,
        agent_registry: Registry | None = None,
        cache_seconds: float = _limits.CACHE_SECONDS,
    ) -> None:
        if fetcher is not None and (session is not None or cache is not None):
            raise ValueError("give either a fetcher or session/cache options, not both")
        self.fetcher = fetcher or Fetcher(session=session, cache=cache,
                                          cache_seconds=cache_seconds)
        self.registry = agent_registry
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._origin_locks: dict[str, threading.Lock] = {}
        self._sites: dict[str, SiteReport] = {}
        self._pending: dict[tuple[int, str], asyncio.Future[SiteReport]] = {}

    def site(self, origin: str) -> SiteReport:
        """The cached report of ``origin``, fetched when missing or older than the cache limit."""
        key = site_origin(origin)
        if key is None:
            raise ValueError(f"{origin!r} is not a site or URL")
        with self._lock:
            lock = self._origin_locks.setdefault(key, threading.Lock())
        with lock:
            report = self._sites.get(key)
            if report is None or time.time() - report.checked_at > self.cache_seconds:
                report = check_site(key, fetcher=self.fetcher)
                with self._lock:
                    self._sites[key] = report
            return report

    def check(self, target: str, agent: str, usage: str = "train-ai", *,
              origin: str | None = None) -> Decision:
        """Decide for a URL (its origin is checked once) or a work identifier."""
        if looks_like_work_id(target):
            if origin is not None:
                self.site(origin)
            with self._lock:
                declarations: list[Declaration] = [
                    r.declaration for r in self._sites.values() if r.declaration is not None]
            if not declarations:
                return Decision(Value.UNKNOWN, usage, agent, target, _NO_ORIGIN,
                                mechanism="none")
            return decide(declarations, agent, target, usage, registry=self.registry)
        report = self.site(origin or target)
        return decide(report.site_signals(), agent, target, usage, registry=self.registry)

    async def acheck(self, target: str, agent: str, usage: str = "train-ai", *,
                     origin: str | None = None) -> Decision:
        """:meth:`check` for asyncio crawlers: same cache, same answers.

        A missing origin is fetched in a worker thread (``asyncio.to_thread``); concurrent calls
        for one origin share that one fetch.  No event loop is created here.
        """
        site = origin if origin is not None else (
            None if looks_like_work_id(target) else target)
        if site is not None:
            await self._asite(site)
        return self.check(target, agent, usage, origin=origin)

    async def _asite(self, site: str) -> SiteReport:
        key = site_origin(site)
        if key is None:
            raise ValueError(f"{site!r} is not a site or URL")
        with self._lock:
            report = self._sites.get(key)
        if report is not None and time.time() - report.checked_at <= self.cache_seconds:
            return report
        loop = asyncio.get_running_loop()
        slot = (id(loop), key)
        with self._lock:
            future = self._pending.get(slot)
            if future is None:
                future = asyncio.ensure_future(asyncio.to_thread(self.site, key))
                self._pending[slot] = future

                def forget(_: object, slot: tuple[int, str] = slot) -> None:
                    with self._lock:
                        self._pending.pop(slot, None)

                future.add_done_callback(forget)
        return await asyncio.shield(future)

    def allowed(self, target: str, agent: str, usage: str = "train-ai", *,
                origin: str | None = None) -> bool:
        """Whether ``target`` is not reserved: unknown counts as allowed, as aipref leaves it."""
        return self.check(target, agent, usage, origin=origin).value is not Value.DISALLOWED

    @property
    def origins(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._sites))
