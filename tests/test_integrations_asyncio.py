"""``Checker.acheck`` for asyncio crawlers: the answers of ``check``, one fetch per origin."""

from __future__ import annotations

import asyncio
import threading

from aioptout.checker import Checker
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb

HOSTS = ("declared.test", "music-label.test", "real-reddit.test", "header-content-usage.test",
         "status-503.test", "status-500.test", "tdmrep-formosanbank.test", "aitxt-mltshp.test",
         "empty.test", "real-lobsters.test")
PATHS = ("/", "/private/a", "/press/b", "/r/x", "/search?q=1", "/track/1", "/api/v1")
AGENTS = ("GPTBot", "CCBot", "Googlebot", "*")


def checker(web: FixtureWeb) -> Checker:
    return Checker(fetcher=Fetcher(resolve=web.resolve_map(), politeness_delay=0.0,
                                   total_timeout=5.0))


def facts(d: object) -> tuple[object, ...]:
    return tuple(getattr(d, k) for k in ("value", "mechanism", "line", "rule", "source",
                                         "reason", "target", "agent", "usage"))


def test_acheck_answers_as_check_side_by_side(fixture_web: FixtureWeb) -> None:
    questions = [(fixture_web.url(h, p), a, u) for h in HOSTS for p in PATHS for a in AGENTS
                 for u in ("train-ai", "search", "crawl")]
    sync = checker(fixture_web)
    want = [facts(sync.check(url, agent, usage)) for url, agent, usage in questions]

    async def main() -> list[tuple[object, ...]]:
        other = checker(fixture_web)
        got = await asyncio.gather(*(other.acheck(url, agent, usage)
                                     for url, agent, usage in questions))
        return [facts(d) for d in got]

    assert len(questions) == 840
    assert asyncio.run(main()) == want


def test_concurrent_acheck_fetches_an_origin_once(fixture_web: FixtureWeb) -> None:
    with FixtureWeb(latency_ms=100) as web:
        shared = checker(web)
        in_threads: list[str] = []
        original = shared.site

        def spy(origin: str) -> object:
            if threading.current_thread() is not threading.main_thread():
                in_threads.append(origin)
            return original(origin)

        shared.site = spy  # type: ignore[method-assign]

        async def main() -> None:
            urls = [web.url(h, f"/{i}") for h in ("declared.test", "empty.test")
                    for i in range(50)]
            await asyncio.gather(*(shared.acheck(u, "GPTBot") for u in urls))

        asyncio.run(main())
        for host in ("declared.test", "empty.test"):
            assert web.hits(host, "/robots.txt") == 1
            assert web.hits(host, "/.well-known/aioptout.txt") == 1
        # 100 concurrent calls, one worker-thread fetch per origin: the loop never blocked.
        assert sorted(in_threads) == sorted(web.origin(h) for h in ("declared.test",
                                                                    "empty.test"))


def test_acheck_uses_the_same_cache_as_check(fixture_web: FixtureWeb) -> None:
    with FixtureWeb() as web:
        shared = checker(web)
        url = web.url("declared.test", "/a")
        first = shared.check(url, "GPTBot")

        async def main() -> object:
            return await shared.acheck(url, "GPTBot")

        assert facts(asyncio.run(main())) == facts(first)
        assert web.hits("declared.test", "/robots.txt") == 1


def test_acheck_work_identifier_with_origin(fixture_web: FixtureWeb) -> None:
    shared = checker(fixture_web)
    origin = fixture_web.origin("music-label.test")

    async def main() -> object:
        return await shared.acheck("isrc:QZFXT2600001", "SomeBot", origin=origin)

    got = asyncio.run(main())
    assert facts(got) == facts(shared.check("isrc:QZFXT2600001", "SomeBot", origin=origin))
    assert str(got.value) == "disallowed"
