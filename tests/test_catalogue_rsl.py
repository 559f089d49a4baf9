"""``catalogue`` reads RSL where it reads an item: an RSS feed's items and a media file's XMP."""

from __future__ import annotations

from collections.abc import Callable

from aioptout.catalogue import Item, check_items, items_from_sitemap
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import Diagnostic


def test_a_feed_is_a_catalogue_and_its_item_rsl_licenses_the_item(
        fixture_web: FixtureWeb, make_fetcher: Callable[..., Fetcher]) -> None:
    fetcher = make_fetcher()
    diagnostics: list[Diagnostic] = []
    items = list(items_from_sitemap(fixture_web.url("rsl-feed.test", "/feed.xml"), fetcher,
                                    diagnostics))
    assert [i.url for i in items] == [fixture_web.url("rsl-feed.test", "/posts/1.html"),
                                      fixture_web.url("rsl-feed.test", "/posts/2.html")]
    assert diagnostics == []
    reports = list(check_items(items, agent="GPTBot", usage="train-ai", fetcher=fetcher))
    # R-12.3-40: the item's rsl:content answers for that item only.
    assert [r.decision.answer for r in reports] == ["licence-required", "unknown"]
    assert reports[0].levels["page"].value == "disallowed"
    assert reports[0].decision.licence


def test_a_media_items_xmp_rsl_licenses_it(
        fixture_web: FixtureWeb, make_fetcher: Callable[..., Fetcher]) -> None:
    fetcher = make_fetcher()
    item = Item(url=fixture_web.url("rsl-feed.test", "/cover.jpg"))
    (report,) = check_items([item], agent="GPTBot", usage="train-ai", fetcher=fetcher)
    assert report.decision.answer == "licence-required"  # R-12.3-35
    (search,) = check_items([item], agent="GPTBot", usage="search", fetcher=fetcher)
    # A permits list licenses nothing else: search is not licensed at all (no route).
    assert search.decision.answer == "disallowed" and not search.decision.licence


def test_an_item_pages_linked_and_inline_rsl_license_it(
        fixture_web: FixtureWeb, make_fetcher: Callable[..., Fetcher]) -> None:
    fetcher = make_fetcher()
    linked = Item(url=fixture_web.url("rsl-feed.test", "/posts/3.html"))
    inline = Item(url=fixture_web.url("rsl-link.test", "/inline.html"))
    plain = Item(url=fixture_web.url("rsl-feed.test", "/posts/2.html"))
    reports = list(check_items([linked, linked, inline, plain], agent="GPTBot",
                               usage="train-ai", fetcher=fetcher))
    assert [r.decision.answer for r in reports] == [
        "licence-required", "licence-required", "disallowed", "unknown"]
    # The linked document is fetched once for every item that links it.
    assert fixture_web.hits("rsl-feed.test", "/licenses/post-3.xml") == 1
    (search,) = check_items([inline], agent="GPTBot", usage="search", fetcher=fetcher)
    assert search.decision.answer == "allowed"
