"""The Checker: one fetch per origin, cached, thread-safe answers for URLs and work ids."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from aioptout.checker import Checker
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import Value

MakeFetcher = Callable[..., Fetcher]


def test_url_decisions_fetch_each_origin_once(fixture_web: FixtureWeb,
                                              make_fetcher: MakeFetcher) -> None:
    checker = Checker(fetcher=make_fetcher())
    before = fixture_web.hits("music-label.test", "/.well-known/aioptout.txt")
    first = checker.check(fixture_web.url("music-label.test", "/tracks/1"), "GPTBot", "train-ai")
    second = checker.check(fixture_web.url("music-label.test", "/tracks/2"), "ClaudeBot",
                           "search")
    assert first.value is Value.DISALLOWED  # robots.txt: GPTBot Disallow: /
    assert second.value is Value.ALLOWED  # the declaration: search=y
    assert fixture_web.hits("music-label.test", "/.well-known/aioptout.txt") == before + 1
    assert checker.origins == (fixture_web.origin("music-label.test"),)


def test_work_identifiers_use_known_declarations(fixture_web: FixtureWeb,
                                                 make_fetcher: MakeFetcher) -> None:
    checker = Checker(fetcher=make_fetcher())
    unknown = checker.check("isrc:QZFXT2600001", "ExampleBot", "train-ai")
    assert unknown.value is Value.UNKNOWN  # no origin checked yet
    origin = fixture_web.origin("music-label.test")
    reserved = checker.check("isrc:QZFXT2600001", "ExampleBot", "train-ai", origin=origin)
    assert reserved.value is Value.DISALLOWED and reserved.mechanism == "aioptout"
    other_label = checker.check("isrc:QZFXU2600003", "ExampleBot", "train-ai")
    assert other_label.value is Value.UNKNOWN
    assert not checker.allowed("isrc:QZFXT2600002", "ExampleBot")


def test_thread_safe_single_fetch(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    checker = Checker(fetcher=make_fetcher())
    before = fixture_web.hits("books.test", "/robots.txt")
    results: list[Value] = []
    lock = threading.Lock()

    def ask(n: int) -> None:
        decision = checker.check(fixture_web.url("books.test", f"/books/{n}"), "*", "train-ai")
        with lock:
            results.append(decision.value)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8
    assert fixture_web.hits("books.test", "/robots.txt") == before + 1


def test_cache_expiry_refetches(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    checker = Checker(fetcher=make_fetcher(cache_seconds=0.0), cache_seconds=0.0)
    host = "real-twitter.test"
    before = fixture_web.hits(host, "/robots.txt")
    checker.check(fixture_web.url(host, "/a"), "GPTBot", "train-ai")
    after_first = fixture_web.hits(host, "/robots.txt")
    checker.check(fixture_web.url(host, "/b"), "GPTBot", "train-ai")
    assert after_first > before
    assert fixture_web.hits(host, "/robots.txt") > after_first


def test_options_are_checked() -> None:
    with pytest.raises(ValueError):
        Checker(fetcher=Fetcher(), cache="/tmp/x")
    with pytest.raises(ValueError):
        Checker().site("ftp://nowhere.test")


def test_session_gets_the_safety_rule(fixture_web: FixtureWeb) -> None:
    import requests

    checker = Checker(session=requests.Session())
    decision = checker.check(f"http://localhost:{fixture_web.port}/x", "GPTBot", "train-ai")
    report = checker.site(f"http://localhost:{fixture_web.port}")
    assert report.fetches["robots"].error_kind == "refused"
    assert decision.crawl is Value.DISALLOWED
