"""Scrapy: a downloader middleware that refuses reserved requests, and an item pipeline that
drops reserved items, for the agent and usage the spider declares.

Needs the ``scrapy`` extra (``pip install 'aioptout[scrapy]'``).  Enable in settings::

    DOWNLOADER_MIDDLEWARES = {"aioptout.integrations.scrapy.AioptoutMiddleware": 560}
    ITEM_PIPELINES = {"aioptout.integrations.scrapy.AioptoutPipeline": 100}
    AIOPTOUT_AGENT = "ExampleBot"      # default: the USER_AGENT setting
    AIOPTOUT_USAGE = "train-ai"        # a usage label, or "crawl"

Every site-wide signal counts (declaration, robots.txt with Content-Usage and Content-Signal,
tdmrep.json, ai.txt), not only robots.txt.  Each origin's signals are fetched once, in a worker
thread, by one :class:`~aioptout.checker.Checker` shared by the middleware and the pipeline;
its own fetcher makes those requests (``AIOPTOUT_ALLOW_PRIVATE``, ``AIOPTOUT_RESOLVE`` as
``{"host:port": "address"}``, ``AIOPTOUT_DELAY`` seconds between requests to one host), not
Scrapy's downloader.  Stats: ``aioptout/checked``, ``aioptout/allowed``, ``aioptout/unknown``,
``aioptout/reserved``, ``aioptout/errors``, ``aioptout/items_dropped``.
"""

from __future__ import annotations

import time
from typing import Any

try:
    from scrapy.exceptions import DropItem, IgnoreRequest, NotConfigured
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet.threads import deferToThread
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError("aioptout.integrations.scrapy needs Scrapy: "
                      "pip install 'aioptout[scrapy]'") from exc

from ..checker import Checker
from ..crawl import site_origin
from ..fetch import is_well_known
from ..model import Decision, Value

__all__ = ["AioptoutMiddleware", "AioptoutPipeline"]

_SHARED = "_aioptout_checker"


class _Judge:
    """The crawler's one checker, with the origins already read (decided without a thread)."""

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("AIOPTOUT_ENABLED", True):
            raise NotConfigured("AIOPTOUT_ENABLED is off")
        from ..fetch import Fetcher

        extra: dict[str, Any] = {}
        if settings.get("AIOPTOUT_DELAY") is not None:
            extra["politeness_delay"] = settings.getfloat("AIOPTOUT_DELAY")
        fetcher = Fetcher(allow_private=settings.getbool("AIOPTOUT_ALLOW_PRIVATE", False),
                          resolve=dict(settings.getdict("AIOPTOUT_RESOLVE", {})), **extra)
        self.checker = Checker(fetcher=fetcher)
        self.agent = str(settings.get("AIOPTOUT_AGENT") or settings.get("USER_AGENT") or "*")
        self.usage = str(settings.get("AIOPTOUT_USAGE") or "train-ai")
        self.stats = crawler.stats
        self._read: dict[str, float] = {}

    @classmethod
    def of(cls, crawler: Any) -> _Judge:
        judge = getattr(crawler, _SHARED, None)
        if judge is None:
            judge = cls(crawler)
            setattr(crawler, _SHARED, judge)
        return judge

    async def decide(self, url: str) -> Decision | None:
        """The decision for ``url``, or None when it cannot be decided (counted as an error)."""
        origin = site_origin(url) if url.startswith(("http://", "https://")) else None
        if origin is None:
            return None
        self.stats.inc_value("aioptout/checked")
        try:
            seen = self._read.get(origin)
            if seen is not None and time.time() - seen < self.checker.cache_seconds:
                decision = self.checker.check(url, self.agent, self.usage)
            else:
                decision = await maybe_deferred_to_future(
                    deferToThread(self.checker.check, url, self.agent, self.usage))
                self._read[origin] = time.time()
        except Exception:  # one odd URL never stops the crawl; it is counted
            self.stats.inc_value("aioptout/errors")
            return None
        kind = {Value.ALLOWED: "allowed", Value.DISALLOWED: "reserved"}.get(
            decision.value, "unknown")
        self.stats.inc_value(f"aioptout/{kind}")
        return decision


class AioptoutMiddleware:
    """Raises :class:`IgnoreRequest` for a request whose URL is reserved for the agent and
    usage; requests for the signal files themselves (robots.txt, ``/.well-known/``) pass."""

    def __init__(self, judge: _Judge) -> None:
        self.judge = judge

    @classmethod
    def from_crawler(cls, crawler: Any) -> AioptoutMiddleware:
        return cls(_Judge.of(crawler))

    async def process_request(self, request: Any, spider: Any = None) -> None:
        url = request.url
        if is_well_known(url):
            return None
        decision = await self.judge.decide(url)
        if decision is not None and decision.reserved:
            raise IgnoreRequest(f"reserved for {self.judge.agent} ({self.judge.usage}): "
                                f"{decision.reason}")
        return None


class AioptoutPipeline:
    """Drops an item whose URL field (``AIOPTOUT_URL_FIELD``, default ``url``) is reserved."""

    def __init__(self, judge: _Judge, field: str) -> None:
        self.judge = judge
        self.field = field

    @classmethod
    def from_crawler(cls, crawler: Any) -> AioptoutPipeline:
        return cls(_Judge.of(crawler), str(crawler.settings.get("AIOPTOUT_URL_FIELD", "url")))

    async def process_item(self, item: Any, spider: Any = None) -> Any:
        from itemadapter import ItemAdapter

        url = ItemAdapter(item).get(self.field)
        if not isinstance(url, str):
            return item
        decision = await self.judge.decide(url)
        if decision is not None and decision.reserved:
            self.judge.stats.inc_value("aioptout/items_dropped")
            raise DropItem(f"reserved for {self.judge.agent} ({self.judge.usage}): "
                           f"{decision.reason}")
        return item
