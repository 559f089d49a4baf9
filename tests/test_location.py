"""Where a declaration lives and how long it counts, through the Checker against the fixture web.

Each test serves its own small site (``FixtureWeb.add_folder``) under a host name no other test
uses, so the session's fixture web is shared safely.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from aioptout.checker import Checker
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import Value

MakeFetcher = Callable[..., Fetcher]
RESERVING = "AIOptOut-Version: 1\n\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=n\n"


def serve(web: FixtureWeb, tmp_path: Path, host: str, files: dict[str, str]) -> None:
    folder = tmp_path / host
    for route, text in files.items():
        path = folder / route.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    web.add_folder(host, folder)


def test_declaration_is_read_at_the_well_known_path(fixture_web: FixtureWeb, tmp_path: Path,
                                                     make_fetcher: MakeFetcher) -> None:
    serve(fixture_web, tmp_path, "well-known.trace.test",
          {"/.well-known/aioptout.txt": RESERVING})
    serve(fixture_web, tmp_path, "elsewhere.trace.test", {"/aioptout.txt": RESERVING})
    checker = Checker(fetcher=make_fetcher())
    # spec §2: "A publisher MUST serve the standalone declaration of an origin at
    # `/.well-known/aioptout.txt` of that origin" [R-2-1]: read there, and only there.
    found = checker.check(fixture_web.url("well-known.trace.test", "/a"), "GPTBot", "train-ai")
    assert (found.value, found.mechanism) == (Value.DISALLOWED, "aioptout")
    assert fixture_web.hits("well-known.trace.test", "/.well-known/aioptout.txt") == 1
    misplaced = checker.check(fixture_web.url("elsewhere.trace.test", "/a"), "GPTBot",
                              "train-ai")
    assert misplaced.value is Value.UNKNOWN
    assert fixture_web.hits("elsewhere.trace.test", "/aioptout.txt") == 0


def test_declaration_applies_only_to_its_own_origin(fixture_web: FixtureWeb, tmp_path: Path,
                                                    make_fetcher: MakeFetcher) -> None:
    serve(fixture_web, tmp_path, "owner.trace.test", {"/.well-known/aioptout.txt": RESERVING})
    serve(fixture_web, tmp_path, "sub.owner.trace.test", {})
    serve(fixture_web, tmp_path, "neighbour.trace.test", {})
    checker = Checker(fetcher=make_fetcher())
    owner = checker.check(fixture_web.url("owner.trace.test", "/x"), "GPTBot", "train-ai")
    assert owner.value is Value.DISALLOWED
    # spec §2: "A reader MUST apply a declaration only to the origin it was fetched from"
    # [R-2-3]: neither a subdomain nor another host inherits it, even from the same checker.
    for host in ("sub.owner.trace.test", "neighbour.trace.test"):
        other = checker.check(fixture_web.url(host, "/x"), "GPTBot", "train-ai")
        assert other.value is Value.UNKNOWN, host
        assert checker.site(fixture_web.origin(host)).declaration is None


def test_robots_disallow_beats_the_declarations_allow(fixture_web: FixtureWeb, tmp_path: Path,
                                                      make_fetcher: MakeFetcher) -> None:
    serve(fixture_web, tmp_path, "robots-first.trace.test", {
        "/robots.txt": "User-agent: *\nDisallow: /private/\n",
        "/.well-known/aioptout.txt":
            "AIOptOut-Version: 1\n\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=y\n",
        "/private/page.html": "<!doctype html><p>private</p>\n",
    })
    checker = Checker(fetcher=make_fetcher())
    decision = checker.check(fixture_web.url("robots-first.trace.test", "/private/page.html"),
                             "GPTBot", "train-ai")
    # spec §2: "A reader MUST NOT fetch a resource that the origin's robots.txt disallows for
    # it, whatever the declaration's Allow rules say" [R-2-5].
    assert decision.crawl is Value.DISALLOWED
    fetched = make_fetcher().fetch(
        fixture_web.url("robots-first.trace.test", "/private/page.html"))
    assert (fetched.outcome, fetched.error_kind) == ("unavailable", "blocked")
    assert fixture_web.hits("robots-first.trace.test", "/private/page.html") == 0
    public = checker.check(fixture_web.url("robots-first.trace.test", "/public"), "GPTBot",
                           "train-ai")
    assert public.crawl is Value.ALLOWED


@pytest.mark.parametrize("host", ["status-401.test", "status-403.test", "status-404.test",
                                  "status-410.test"])
def test_a_4xx_declaration_is_no_declaration(fixture_web: FixtureWeb, make_fetcher: MakeFetcher,
                                             host: str) -> None:
    checker = Checker(fetcher=make_fetcher())
    report = checker.site(fixture_web.origin(host))
    # spec §2: "A reader MUST treat a 4xx response as "no declaration": every usage is unknown
    # as far as this file is concerned" [R-2-8].
    assert report.fetches["aioptout"].outcome == "unavailable"
    assert report.declaration is None
    for usage in ("train-ai", "train-genai", "search", "tdm"):
        decision = checker.check(fixture_web.url(host, "/x"), "GPTBot", usage)
        assert decision.value is Value.UNKNOWN, usage


def test_a_cached_declaration_counts_for_at_most_24_hours(fixture_web: FixtureWeb,
                                                          tmp_path: Path,
                                                          make_fetcher: MakeFetcher,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    host = "cached.trace.test"
    serve(fixture_web, tmp_path, host, {"/.well-known/aioptout.txt": RESERVING})
    checker = Checker(fetcher=make_fetcher())
    # spec §2: "A reader SHOULD NOT use a cached declaration for more than 24 hours, except
    # while the file is unreachable" [R-2-10]: the default limit is 24 h, and a report older
    # than the limit is fetched again.
    assert checker.cache_seconds == 24 * 3600
    started = time.time()
    checker.check(fixture_web.url(host, "/a"), "GPTBot", "train-ai")
    assert fixture_web.hits(host, "/.well-known/aioptout.txt") == 1
    monkeypatch.setattr(time, "time", lambda: started + 23 * 3600)
    checker.check(fixture_web.url(host, "/b"), "GPTBot", "train-ai")
    assert fixture_web.hits(host, "/.well-known/aioptout.txt") == 1
    monkeypatch.setattr(time, "time", lambda: started + 24 * 3600 + 60)
    checker.check(fixture_web.url(host, "/c"), "GPTBot", "train-ai")
    assert fixture_web.hits(host, "/.well-known/aioptout.txt") == 2
    # A shorter limit is the caller's: Checker(cache_seconds=...) refetches sooner.
    short = Checker(fetcher=make_fetcher(cache_seconds=60.0), cache_seconds=60.0)
    monkeypatch.setattr(time, "time", lambda: started)
    short.check(fixture_web.url(host, "/a"), "GPTBot", "train-ai")
    monkeypatch.setattr(time, "time", lambda: started + 120)
    short.check(fixture_web.url(host, "/b"), "GPTBot", "train-ai")
    assert fixture_web.hits(host, "/.well-known/aioptout.txt") == 4


@pytest.mark.parametrize("media_type", ["application/octet-stream", "text/html; charset=utf-8",
                                        "application/json", "image/png"])
def test_a_declaration_is_never_rejected_for_its_media_type(fixture_web: FixtureWeb,
                                                            tmp_path: Path,
                                                            make_fetcher: MakeFetcher,
                                                            media_type: str) -> None:
    host = "typed-" + media_type.split(";")[0].replace("/", "-") + ".trace.test"
    serve(fixture_web, tmp_path, host, {
        "/.well-known/aioptout.txt": RESERVING,
        "/_headers": f"/.well-known/aioptout.txt\n  Content-Type: {media_type}\n",
    })
    checker = Checker(fetcher=make_fetcher())
    decision = checker.check(fixture_web.url(host, "/a"), "GPTBot", "train-ai")
    report = checker.site(fixture_web.origin(host))
    assert report.fetches["aioptout"].headers.get("Content-Type") == media_type
    # spec §15: "A reader MUST NOT reject a declaration because of the media type it was served
    # with; it identifies a declaration by its location (Section 2) and its content" [R-15-1].
    assert report.declaration is not None
    assert (decision.value, decision.mechanism) == (Value.DISALLOWED, "aioptout")


def test_robots_txt_carries_groups_and_rules_but_no_declaration_fields(
        fixture_web: FixtureWeb, tmp_path: Path, make_fetcher: MakeFetcher) -> None:
    host = "robots-only.trace.test"
    serve(fixture_web, tmp_path, host, {"/robots.txt": (
        "AIOptOut-Version: 1\nRightsholder: Someone Else Ltd\nExpires: 2000-01-01T00:00:00Z\n\n"
        "User-agent: *\nDisallow: /closed/\nContent-Usage: train-ai=n\n")})
    checker = Checker(fetcher=make_fetcher())
    # spec §2: "The groups and rules of Sections 6 and 7 MAY also appear in the origin's
    # `/robots.txt`; the declaration fields of Section 5 have no meaning there" [R-2-4]: the
    # group's rules decide, the fields make no declaration (and the past Expires ends nothing).
    decision = checker.check(fixture_web.url(host, "/open"), "GPTBot", "train-ai")
    assert (decision.value, decision.line) == (Value.DISALLOWED, 7)
    assert decision.mechanism != "aioptout"
    assert checker.check(fixture_web.url(host, "/closed/x"), "GPTBot",
                         "train-ai").crawl is Value.DISALLOWED
    assert checker.site(fixture_web.origin(host)).declaration is None


def test_declaration_and_robots_txt_are_separate_statements(
        fixture_web: FixtureWeb, tmp_path: Path, make_fetcher: MakeFetcher) -> None:
    host = "two-files.trace.test"
    serve(fixture_web, tmp_path, host, {
        "/robots.txt": "User-agent: *\nAllow: /\nContent-Usage: train-ai=n, search=y\n",
        "/.well-known/aioptout.txt":
            ("AIOptOut-Version: 1\n\nUser-agent: *\nAllow: /\n"
             "Content-Usage: train-ai=y, tdm=y\n"),
    })
    checker = Checker(fetcher=make_fetcher())
    url = fixture_web.url(host, "/a")
    # spec §2: "A reader MUST treat the usage preferences of the declaration and those of the
    # origin's robots.txt as separate statements and combine them as Section 10.6 says" [R-2-6]:
    # each file's statement is kept with its mechanism, and any no wins.
    train = checker.check(url, "GPTBot", "train-ai")
    said = {(s.mechanism, s.value) for s in train.statements if s.usage == "train-ai"}
    assert {("aioptout", Value.ALLOWED), ("aipref", Value.DISALLOWED)} <= said
    assert (train.value, train.mechanism) == (Value.DISALLOWED, "aipref")
    assert checker.check(url, "GPTBot", "search").value is Value.ALLOWED
