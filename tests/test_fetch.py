"""Fetching against the fixture web over real sockets: RFC 9309 classes, limits, safety."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aioptout.fetch import (
    DEFAULT_USER_AGENT,
    Fetcher,
    FetchResult,
    Headers,
    is_public_address,
    normalise_url,
)
from aioptout.fixtureweb import FixtureWeb

MakeFetcher = Callable[..., Fetcher]


def codes(result: FetchResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def robots(web: FixtureWeb, fetcher: Fetcher, host: str) -> FetchResult:
    return fetcher.fetch(web.url(host, "/robots.txt"))


# RFC 9309 §2.3.1.1: "If the response status code indicates a successful retrieval (2xx), the
# crawler MUST ... parse" the file; §2.3.1.3: 400-499 "unavailable"; §2.3.1.4: 500-599 and
# network errors "unreachable", and the crawler "MUST assume complete disallow".
@pytest.mark.parametrize(("host", "status", "outcome"), [
    ("declared.test", 200, "present"),
    ("status-401.test", 401, "unavailable"),
    ("status-403.test", 403, "unavailable"),
    ("status-404.test", 404, "unavailable"),
    ("status-410.test", 410, "unavailable"),
    ("status-429.test", 429, "unreachable"),
    ("status-500.test", 500, "unreachable"),
    ("status-503.test", 503, "unreachable"),
])
def test_status_classes(fixture_web: FixtureWeb, make_fetcher: MakeFetcher, host: str,
                        status: int, outcome: str) -> None:
    result = robots(fixture_web, make_fetcher(), host)
    assert (result.status, result.outcome) == (status, outcome)
    if outcome == "unreachable":
        assert result.error_kind == "status" and "FET109" in codes(result)
    if outcome == "unavailable":
        assert result.body == b"" and "FET111" in codes(result)


# RFC 9309 §2.3.1.2: crawlers "SHOULD follow at least five consecutive redirects ... If there
# are more than five consecutive redirects, crawlers MAY assume that the robots.txt file is
# unavailable."
@pytest.mark.parametrize("hops", [1, 2, 3, 4, 5])
def test_up_to_five_redirects_are_followed(fixture_web: FixtureWeb, make_fetcher: MakeFetcher,
                                           hops: int) -> None:
    result = robots(fixture_web, make_fetcher(), f"redirect-{hops}.test")
    assert result.outcome == "present"
    # spec §2: "A reader MUST follow at least five consecutive redirects" [R-2-7].
    assert len(result.redirects) == hops
    assert result.final_url.endswith("/final/robots.txt")
    assert result.url == fixture_web.url(f"redirect-{hops}.test", "/robots.txt")


@pytest.mark.parametrize("hops", [6, 7])
def test_more_than_five_redirects_is_unavailable(fixture_web: FixtureWeb,
                                                 make_fetcher: MakeFetcher, hops: int) -> None:
    host = f"redirect-{hops}.test"
    result = robots(fixture_web, make_fetcher(), host)
    # spec §2: "A reader MAY treat the declaration as unavailable after more than five" [R-2-21].
    assert (result.outcome, result.error_kind) == ("unavailable", "too-many-redirects")
    assert codes(result) == ["FET102"]
    assert fixture_web.hits(host, "/final/robots.txt") == 0


@pytest.mark.parametrize("host", ["redirect-loop.test", "redirect-self.test"])
def test_redirect_loops_are_unavailable(fixture_web: FixtureWeb, make_fetcher: MakeFetcher,
                                        host: str) -> None:
    result = robots(fixture_web, make_fetcher(), host)
    assert (result.outcome, result.error_kind) == ("unavailable", "redirect-loop")
    assert codes(result) == ["FET101"]


@pytest.mark.parametrize("host", ["redirect-no-location.test", "redirect-scheme.test"])
def test_unusable_redirects_are_unavailable(fixture_web: FixtureWeb, make_fetcher: MakeFetcher,
                                            host: str) -> None:
    result = robots(fixture_web, make_fetcher(), host)
    assert (result.outcome, result.error_kind) == ("unavailable", "bad-redirect")
    assert codes(result) == ["FET112"]


def test_cross_host_redirect_is_followed_and_noted(fixture_web: FixtureWeb,
                                                   make_fetcher: MakeFetcher) -> None:
    result = robots(fixture_web, make_fetcher(), "redirect-cross.test")
    assert result.outcome == "present" and b"GPTBot" in result.body
    assert result.redirects == (fixture_web.url("declared.test", "/robots.txt"),)
    assert "FET115" in codes(result)


@pytest.mark.parametrize("host", ["redirect-private.test", "redirect-metadata.test",
                                  "redirect-mapped.test"])
def test_redirect_to_private_address_is_refused(fixture_web: FixtureWeb,
                                                make_fetcher: MakeFetcher, host: str) -> None:
    result = robots(fixture_web, make_fetcher(), host)
    assert (result.outcome, result.error_kind) == ("unreachable", "refused")
    # spec §13: "A reader that fetches declarations named by untrusted input ... SHOULD refuse
    # private, loopback, link-local and multicast addresses, also after redirects and DNS
    # resolution" [R-13-2].
    assert "FET106" in codes(result)
    assert result.status is None


def test_redirect_to_private_address_allowed_when_asked(fixture_web: FixtureWeb,
                                                        make_fetcher: MakeFetcher) -> None:
    # localhost reaches the fixture server, which knows no site called localhost: 421.
    result = robots(fixture_web, make_fetcher(allow_private=True), "redirect-private.test")
    assert result.error_kind != "refused"
    assert result.status == 421


def test_private_literal_urls_are_refused(fixture_web: FixtureWeb) -> None:
    fetcher = Fetcher(politeness_delay=0.0, total_timeout=5.0)
    for url in (f"http://127.0.0.1:{fixture_web.port}/robots.txt",
                f"http://[::ffff:127.0.0.1]:{fixture_web.port}/robots.txt",
                "http://169.254.169.254/latest/meta-data/",
                f"http://localhost:{fixture_web.port}/robots.txt"):
        result = fetcher.fetch(url)
        assert (result.outcome, result.error_kind) == ("unreachable", "refused"), url
    assert fixture_web.hits("127.0.0.1", "/robots.txt") == 0


@pytest.mark.parametrize(("address", "public"), [
    ("8.8.8.8", True), ("2606:4700::1111", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False),
    ("224.0.0.1", False), ("239.255.255.250", False), ("240.0.0.1", False),
    ("255.255.255.255", False), ("::1", False), ("::", False), ("fe80::1", False),
    ("fc00::1", False), ("ff02::1", False), ("::ffff:127.0.0.1", False),
    ("::ffff:169.254.169.254", False), ("::ffff:8.8.8.8", True), ("2002:7f00:1::", False),
    ("not an address", False),
])
def test_address_safety_rule(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_big_body_is_capped_and_memory_bounded(fixture_web: FixtureWeb,
                                               make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    result = robots(fixture_web, fetcher, "big.test")
    # RFC 9309 §2.5: "The parsing limit MUST be at least 500 kibibytes".
    assert result.outcome == "present" and result.truncated
    assert len(result.body) == fetcher.max_bytes == 500 * 1024
    assert result.bytes_read <= fetcher.max_bytes + 16 * 1024 + 1
    assert codes(result) == ["FET103"]


def test_one_connection_carries_all_fetches_of_a_site(fixture_web: FixtureWeb,
                                                      make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    before = fixture_web.connections
    paths = ["/robots.txt", "/.well-known/aioptout.txt", "/ai.txt", "/.well-known/tdmrep.json"]
    results = [fetcher.fetch(fixture_web.url(host, p))
               for host in ("empty.test", "declared.test") for p in paths]
    assert [r.status for r in results] == [404] * 4 + [200] * 4
    # The 404 pages are small and read to the end, so their connection stays usable too.
    assert fixture_web.connections - before == 2


def test_a_connection_left_mid_body_is_not_reused(fixture_web: FixtureWeb,
                                                  make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    before = fixture_web.connections
    assert robots(fixture_web, fetcher, "big.test").truncated
    after = fetcher.fetch(fixture_web.url("big.test", "/.well-known/aioptout.txt"))
    assert (after.status, after.outcome) == (404, "unavailable")
    assert fixture_web.connections - before == 2


def test_gzip_bomb_costs_almost_nothing(fixture_web: FixtureWeb,
                                        make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    result = robots(fixture_web, fetcher, "gzip-bomb.test")
    assert result.truncated and len(result.body) == fetcher.max_bytes
    assert result.bytes_read < 64 * 1024  # of a body that inflates to 256 MiB
    assert "FET104" in codes(result)


def test_gzip_and_deflate_bodies_are_decoded(fixture_web: FixtureWeb,
                                             make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    result = robots(fixture_web, fetcher, "gzip.test")
    assert result.body.startswith(b"User-agent: GPTBot") and not result.truncated
    result = fetcher.fetch(fixture_web.url("gzip.test", "/.well-known/aioptout.txt"))
    assert result.body.startswith(b"AIOptOut-Version: 1")


def test_drip_is_cut_at_the_total_timeout(fixture_web: FixtureWeb,
                                          make_fetcher: MakeFetcher) -> None:
    result = robots(fixture_web, make_fetcher(total_timeout=0.5), "drip.test")
    assert (result.outcome, result.error_kind) == ("unreachable", "timeout")
    assert codes(result) == ["FET105"]
    assert result.body == b""


def test_latin1_labelled_utf8_is_reported_and_bridged(fixture_web: FixtureWeb,
                                                      make_fetcher: MakeFetcher) -> None:
    result = robots(fixture_web, make_fetcher(), "latin1.test")
    mismatch = [d for d in result.diagnostics if d.code == "FET107"]
    # The first non-UTF-8 byte is the é of "Société" on line 1, column 33.
    # The `charset=utf-8` of R-2-2: a wrong label is reported at the first byte it misreads.
    assert [(d.line, d.column) for d in mismatch] == [(1, 33)]
    assert result.charset == "cp1252"
    assert "Société Müller" in result.text


def test_utf16_with_bom_is_decoded_and_reported(fixture_web: FixtureWeb,
                                                make_fetcher: MakeFetcher) -> None:
    result = robots(fixture_web, make_fetcher(), "utf16.test")
    assert result.charset == "utf-16"
    assert result.text.startswith("User-agent: GPTBot")
    assert "FET107" in codes(result)


def test_utf8_bom_is_not_a_mismatch(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    result = robots(fixture_web, make_fetcher(), "utf8-bom.test")
    assert result.charset == "utf-8-sig" and result.text.startswith("User-agent")
    assert "FET107" not in codes(result)


def test_soft_404_html_is_flagged(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    # RFC 9309 §2.3: the file is served with the media type text/plain.
    result = robots(fixture_web, make_fetcher(), "soft-404.test")
    # spec §2: "A publisher SHOULD serve it with the media type `text/plain` and
    # `charset=utf-8`" [R-2-2]: a reader reports the HTML served instead (and reads it, R-15-1).
    assert result.outcome == "present" and "FET108" in codes(result)


def test_idna_host_names(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    result = make_fetcher().fetch(f"http://bücher.test:{fixture_web.port}/robots.txt")
    assert result.outcome == "present"
    assert result.url == f"http://xn--bcher-kva.test:{fixture_web.port}/robots.txt"


def test_user_agent_is_descriptive_and_configurable(fixture_web: FixtureWeb,
                                                    make_fetcher: MakeFetcher) -> None:
    robots(fixture_web, make_fetcher(), "real-ebay.test")
    assert fixture_web.last_user_agent("real-ebay.test") == DEFAULT_USER_AGENT
    assert "+https://" in DEFAULT_USER_AGENT
    robots(fixture_web, make_fetcher(user_agent="ExampleSurvey/2.0"), "real-cnet.test")
    assert fixture_web.last_user_agent("real-cnet.test") == "ExampleSurvey/2.0"


def test_results_are_cached_in_memory_and_on_disk(fixture_web: FixtureWeb,
                                                  make_fetcher: MakeFetcher,
                                                  tmp_path: Path) -> None:
    url = fixture_web.url("real-substack.test", "/robots.txt")
    before = fixture_web.hits("real-substack.test", "/robots.txt")
    first = make_fetcher(cache=tmp_path).fetch(url)
    again = make_fetcher(cache=tmp_path).fetch(url)  # a new fetcher, the same directory
    assert fixture_web.hits("real-substack.test", "/robots.txt") == before + 1
    assert again.from_cache and again.body == first.body and again.status == 200
    expired = make_fetcher(cache=tmp_path, cache_seconds=0.0).fetch(url)
    assert not expired.from_cache


def test_unreachable_results_are_not_cached(fixture_web: FixtureWeb,
                                            make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher()
    fetcher.fetch(fixture_web.url("status-503.test", "/robots.txt"))
    assert not fetcher.fetch(fixture_web.url("status-503.test", "/robots.txt")).from_cache


def test_at_most_two_connections_per_host() -> None:
    with FixtureWeb(latency_ms=150) as web:
        fetcher = Fetcher(resolve=web.resolve_map(), politeness_delay=0.0)
        urls = [web.url("declared.test", f"/.well-known/x{i}") for i in range(6)]
        threads = [threading.Thread(target=fetcher.fetch, args=(u,)) for u in urls]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(web.hits("declared.test", f"/.well-known/x{i}") for i in range(6)) == 6
        assert web.peak_concurrency("declared.test") <= 2


def test_politeness_delay_spaces_requests(fixture_web: FixtureWeb, make_fetcher: MakeFetcher,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    fetcher = make_fetcher(politeness_delay=10.0)
    for name in ("robots.txt", "ai.txt", ".well-known/tdmrep.json"):
        fetcher.fetch(fixture_web.url("declared.test", "/" + name))
    # The first request goes at once; the next two wait for the 10 s slots after it.
    assert len(waits) == 2
    assert 9.0 < waits[0] <= 10.0 and 19.0 < waits[1] <= 20.0


def test_crawl_delay_is_honoured_for_pages(fixture_web: FixtureWeb, make_fetcher: MakeFetcher,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    fetcher = make_fetcher()
    fetcher.fetch(fixture_web.url("crawl-delay.test", "/page"))
    fetcher.fetch(fixture_web.url("crawl-delay.test", "/page?again"))
    # robots.txt says "Crawl-delay: 2" for aioptout: the second page waits for it.
    assert waits and max(waits) > 1.0


def test_own_robots_txt_is_honoured_for_pages(fixture_web: FixtureWeb,
                                              make_fetcher: MakeFetcher) -> None:
    result = make_fetcher().fetch(fixture_web.url("blocks-aioptout.test", "/page"))
    assert (result.outcome, result.error_kind) == ("unavailable", "blocked")
    assert codes(result) == ["FET113"]
    assert fixture_web.hits("blocks-aioptout.test", "/page") == 0
    # Well-known files are read whatever robots.txt says.
    assert make_fetcher().fetch(
        fixture_web.url("blocks-aioptout.test", "/robots.txt")).outcome == "present"


def test_pages_wait_for_unreachable_robots(fixture_web: FixtureWeb,
                                           make_fetcher: MakeFetcher) -> None:
    # RFC 9309 §2.3.1.4: unreachable robots.txt means complete disallow.
    result = make_fetcher().fetch(fixture_web.url("status-503.test", "/"))
    assert result.error_kind == "blocked"


def test_network_errors_are_unreachable() -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fetcher = Fetcher(resolve={f"down.test:{port}": "127.0.0.1"}, politeness_delay=0.0)
    result = fetcher.fetch(f"http://down.test:{port}/robots.txt")
    assert (result.outcome, result.error_kind) == ("unreachable", "network")
    assert codes(result) == ["FET110"]


def test_bad_urls_never_raise() -> None:
    fetcher = Fetcher(politeness_delay=0.0)
    for url in ("ftp://example.test/robots.txt", "not a url", "http://", "http://[::1"):
        result = fetcher.fetch(url)
        assert (result.outcome, result.error_kind) == ("unreachable", "bad-url")


def test_normalise_url() -> None:
    assert normalise_url("HTTP://Example.TEST:80/a#frag") == "http://example.test/a"
    assert normalise_url("https://bücher.test") == "https://xn--bcher-kva.test/"
    assert normalise_url("mailto:x@y") is None


def test_headers_are_case_insensitive() -> None:
    headers = Headers({"Content-Usage": "train-ai=n", "X-Robots-Tag": "noai"})
    assert headers["content-usage"] == "train-ai=n" and "x-robots-tag" in headers
    assert list(headers) == ["Content-Usage", "X-Robots-Tag"]


def test_resolve_keys_are_checked() -> None:
    with pytest.raises(ValueError):
        Fetcher(resolve={"no-port": "127.0.0.1"})


def test_ipv6_mapped_check_uses_the_ipv4_address() -> None:
    mapped = ipaddress.IPv6Address("::ffff:10.0.0.1")
    assert not is_public_address(mapped)


def test_memory_cache_is_bounded(
    fixture_web: FixtureWeb, make_fetcher: MakeFetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A survey of a million sites must not keep every body: the oldest entries are dropped.
    from aioptout import _limits

    monkeypatch.setattr(_limits, "MAX_CACHED_RESPONSES", 3)
    fetcher = make_fetcher()
    urls = [fixture_web.url(site, "/robots.txt") for site in fixture_web.sites[:5]]
    for url in urls:
        fetcher.fetch(url)
    assert len(fetcher._cache._memory) == 3
    assert fetcher.fetch(urls[-1]).from_cache
    assert not fetcher.fetch(urls[0]).from_cache


# --- deadlines that hold (issue 12.3) -------------------------------------------------------------
# Elapsed times are bounded loosely (a multiple of the deadline); the servers below would need
# 150 s (header drip) or 4 s of redirects (against a 1.5 s deadline) if any part reset the clock.


@pytest.mark.parametrize("shared_session", [False, True])
def test_header_drip_is_cut_at_the_total_timeout(fixture_web: FixtureWeb,
                                                 make_fetcher: MakeFetcher,
                                                 shared_session: bool) -> None:
    import requests

    session = requests.Session() if shared_session else None
    fetcher = make_fetcher(total_timeout=1.0, session=session)
    result = robots(fixture_web, fetcher, "slow-headers.test")
    # spec §2: "A reader MUST bound each fetch by one total deadline that covers ... the status
    # line and headers ... and MUST treat a fetch that misses it as unreachable" [R-2-11].
    assert (result.outcome, result.error_kind, result.status) == ("unreachable", "timeout", None)
    assert codes(result) == ["FET105"]
    assert result.elapsed < 3.0


def test_redirects_share_one_deadline(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    # Five hops of 0.8 s each: every hop takes most of the 1 s deadline, the chain 4 s.
    result = robots(fixture_web, make_fetcher(total_timeout=1.0), "slow-redirects.test")
    assert (result.outcome, result.error_kind) == ("unreachable", "timeout")
    assert codes(result) == ["FET105"]
    # One deadline covers "every redirect" [R-2-11].
    assert 0 < len(result.redirects) < 5
    assert result.elapsed < 3.0
    # With time for all of it the same chain is followed to the end.
    result = robots(fixture_web, make_fetcher(total_timeout=10.0), "slow-redirects.test")
    assert result.outcome == "present" and len(result.redirects) == 5


def test_a_timed_out_connection_is_not_reused(fixture_web: FixtureWeb,
                                              make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher(total_timeout=0.5)
    assert robots(fixture_web, fetcher, "slow-headers.test").error_kind == "timeout"
    after = fetcher.fetch(fixture_web.url("slow-headers.test", "/.well-known/aioptout.txt"))
    assert (after.status, after.outcome) == (404, "unavailable")


def test_politeness_wait_is_not_part_of_the_deadline(fixture_web: FixtureWeb,
                                                     make_fetcher: MakeFetcher,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Crawl-delay 2 s against a 1 s timeout: the second page waits its turn, then is fetched.
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    fetcher = make_fetcher(total_timeout=1.0)
    first = fetcher.fetch(fixture_web.url("crawl-delay.test", "/page"))
    second = fetcher.fetch(fixture_web.url("crawl-delay.test", "/page?again"))
    assert max(waits) > 1.0
    assert first.error_kind != "timeout" and second.error_kind != "timeout"


def test_name_resolution_is_bounded_by_the_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    release = threading.Event()

    def hung(*args: object, **kwargs: object) -> object:
        release.wait(30)
        raise socket.gaierror("gave up")

    monkeypatch.setattr(socket, "getaddrinfo", hung)
    try:
        started = time.monotonic()
        result = Fetcher(politeness_delay=0.0, total_timeout=0.5).fetch(
            "http://slow-dns.example/robots.txt")
        # The deadline covers "name resolution" [R-2-11].
        assert (result.outcome, result.error_kind) == ("unreachable", "timeout")
        assert time.monotonic() - started < 5.0
    finally:
        release.set()


# --- HTTP as it is (issue 12.4) -------------------------------------------------------------------
# RFC 9110 §15.2: "A client MUST be able to parse one or more 1xx responses received prior to a
# final response, even if the client does not expect one."


@pytest.mark.parametrize("shared_session", [False, True])
@pytest.mark.parametrize("host", ["early-hints.test", "interim-many.test"])
def test_interim_responses_are_skipped(fixture_web: FixtureWeb, make_fetcher: MakeFetcher,
                                       host: str, shared_session: bool) -> None:
    import requests

    fetcher = make_fetcher(session=requests.Session() if shared_session else None)
    result = robots(fixture_web, fetcher, host)
    # spec §2: "A reader MUST skip interim (1xx) responses, however many precede the final
    # response, and read only the final one" [R-2-12].
    assert (result.status, result.outcome, codes(result)) == (200, "present", [])
    assert result.body == b"User-agent: *\nDisallow: /\n"


def test_unrequested_switching_protocols_is_a_protocol_error(fixture_web: FixtureWeb,
                                                             make_fetcher: MakeFetcher) -> None:
    result = robots(fixture_web, make_fetcher(), "switching.test")
    # spec §2: "it MUST treat a `101` to a request that asked no upgrade as a network
    # failure" [R-2-12].
    assert (result.outcome, result.error_kind, result.status) == ("unreachable", "protocol", None)
    assert codes(result) == ["FET117"]


def test_endless_interim_responses_are_a_protocol_error(fixture_web: FixtureWeb,
                                                        make_fetcher: MakeFetcher) -> None:
    result = robots(fixture_web, make_fetcher(), "interim-flood.test")
    assert (result.outcome, result.error_kind) == ("unreachable", "protocol")
    assert codes(result) == ["FET118"]


# --- Crawl-delay capped (issue 12.3) --------------------------------------------------------------


@pytest.mark.parametrize("host", ["crawl-delay-long.test", "crawl-delay-digits.test"])
def test_crawl_delay_is_capped(fixture_web: FixtureWeb, make_fetcher: MakeFetcher,
                               monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    fetcher = make_fetcher()
    for page in ("a", "b", "c"):
        assert fetcher.fetch(fixture_web.url(host, f"/page/{page}")).outcome == "present"
    # spec §2: "A reader that honours `Crawl-delay` SHOULD cap it at a documented maximum, read
    # any number of digits without overflow, and report a value above the cap" [R-2-13].
    # 100000 s and a 400-digit number both become the documented 60 s, finite and sleepable.
    assert fetcher.max_crawl_delay == 60.0
    assert len(waits) == 2 and all(50.0 < w <= 60.0 * 2 for w in waits)
    assert waits[1] > 60.0  # the third page waits for the slot after the second


def test_max_crawl_delay_is_the_callers_choice(fixture_web: FixtureWeb,
                                               make_fetcher: MakeFetcher) -> None:
    fetcher = make_fetcher(max_crawl_delay=0.3)
    started = time.monotonic()
    for page in ("a", "b"):
        assert fetcher.fetch(
            fixture_web.url("crawl-delay-long.test", f"/page/{page}")).outcome == "present"
    assert time.monotonic() - started >= 0.25  # the capped delay is still kept
    with pytest.raises(ValueError):
        make_fetcher(max_crawl_delay=float("inf"))


def test_tls_handshake_drip_is_cut_at_the_total_timeout() -> None:
    # A "server" that announces a 16 KiB TLS record and sends it one octet every 0.2 s: every
    # read succeeds, so only a deadline on the whole handshake ends it (CPython's own handshake
    # deadline, set from the connect timeout that our deadline bounds, and our watchdog).
    import socket

    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        listener.settimeout(5)
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            try:
                conn.sendall(b"\x16\x03\x03\x40\x00")
                while not stop.wait(0.2):
                    conn.sendall(b"\x00")
            except OSError:
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        fetcher = Fetcher(resolve={f"tls-drip.test:{port}": "127.0.0.1"}, politeness_delay=0.0,
                          total_timeout=1.0)
        result = fetcher.fetch(f"https://tls-drip.test:{port}/robots.txt")
        assert (result.outcome, result.error_kind) == ("unreachable", "timeout")
        assert codes(result) == ["FET105"]
        assert result.elapsed < 3.0
    finally:
        stop.set()
        listener.close()
        thread.join(5)


@pytest.fixture(scope="module")
def tls_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """An HTTPS server for ``tls.test`` with a throw-away certificate made by openssl:
    ``/robots.txt`` answers at once, ``/drip.txt`` sends its headers one octet at a time."""
    import shutil
    import ssl
    import subprocess
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=tls.test", "-addext", "subjectAltName=DNS:tls.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            body = b"User-agent: *\nDisallow: /tls/\n"
            head = (b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                    + str(len(body)).encode() + b"\r\n\r\n")
            try:
                if self.path == "/drip.txt":
                    for i in range(len(head)):
                        self.wfile.write(head[i : i + 1])
                        self.wfile.flush()
                        if stop.wait(0.3):
                            return
                self.wfile.write(head + body)
            except OSError:
                return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    try:
        yield server.server_address[1], cert
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("shared_session", [False, True])
def test_https_keeps_the_deadline_and_skips_interim_responses(
        tls_site: tuple[int, Path], shared_session: bool,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import requests

    port, cert = tls_site
    session = None
    if shared_session:
        session = requests.Session()
        session.verify = str(cert)
    else:
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # read by the default TLS context
    fetcher = Fetcher(resolve={f"tls.test:{port}": "127.0.0.1"}, politeness_delay=0.0,
                      total_timeout=1.0, session=session)
    ok = fetcher.fetch(f"https://tls.test:{port}/robots.txt")
    assert (ok.status, ok.outcome, ok.body) == (200, "present", b"User-agent: *\nDisallow: /tls/\n")
    slow = fetcher.fetch(f"https://tls.test:{port}/drip.txt")
    assert (slow.outcome, slow.error_kind, codes(slow)) == ("unreachable", "timeout", ["FET105"])
    assert slow.elapsed < 3.0
