"""Robots metas and X-Robots-Tag: noai, noimageai, Bing's noarchive; noindex is not AI."""

from __future__ import annotations

import pytest

from aioptout.model import Value
from aioptout.signals import robotsmeta as rm

N = Value.DISALLOWED


def said(signal: rm.RobotsMeta, agent: str, target: str) -> list[tuple[str, Value, int | None]]:
    return [(s.usage, s.value, s.line) for s in signal.statements(agent, target)]


def test_noai_meta_reserves_training_for_every_agent() -> None:
    # signals.md §6.1 (DeviantArt): noai — no content on the page may be used for AI training.
    page = '<html><head>\n<meta name="robots" content="noai">\n</head><body></body></html>'
    signal = rm.from_html(page, source="https://e/p")
    assert signal.mechanism == "robots-meta"
    assert said(signal, "GPTBot", "https://e/p") == [("train-any", N, 2)]
    assert signal.statements("CCBot", "/p")[0].source == "https://e/p"
    assert signal.diagnostics == ()


def test_noimageai_applies_to_image_targets_only() -> None:
    # signals.md §6.1: noimageai — images may not be used for AI training.
    signal = rm.from_html('<meta name="robots" content="noimageai">')
    assert said(signal, "Bot", "/page.html") == []
    assert said(signal, "Bot", "/img/photo.JPG") == [("train-any", N, 1)]
    assert said(signal, "Bot", "https://e/a.webp?size=2") == [("train-any", N, 1)]


def test_noimageai_header_on_an_image_response() -> None:
    # X-Robots-Tag on a direct file download: the response's Content-Type says it is an image.
    signal = rm.from_headers({"Content-Type": "image/jpeg", "X-Robots-Tag": "noimageai"})
    assert said(signal, "Bot", "/download?id=7") == [("train-any", N, 1)]
    text = rm.from_headers({"Content-Type": "text/html", "X-Robots-Tag": "noimageai"})
    assert said(text, "Bot", "/download?id=7") == []


def test_tokens_are_case_insensitive_and_accumulate() -> None:
    page = ('<HEAD><META NAME="ROBOTS" CONTENT="NoIndex, NOAI">'
            '<meta name=robots content="noimageai"></HEAD>')
    signal = rm.from_html(page)
    assert said(signal, "Bot", "/a.png") == [("train-any", N, 1), ("train-any", N, 1)]
    # noindex limits search indexing: recorded as information, never a statement.
    assert [(d.code, d.column, d.end_column) for d in signal.diagnostics] == [("RMT102", 7, 14)]


def test_agent_named_meta_applies_to_that_agent_only() -> None:
    signal = rm.from_html('<meta name="GPTBot" content="noai"><meta name="viewport" '
                          'content="width=device-width"><meta name="description" content="noai">')
    assert said(signal, "gptbot", "/") == [("train-any", N, 1)]
    assert said(signal, "CCBot", "/") == []
    assert said(signal, "description", "/") == []


def test_noarchive_is_for_microsoft_agents_only() -> None:
    # signals.md §6.2 (Bing): noarchive — "Do not use the content for training Microsoft's
    # generative AI foundation models".
    signal = rm.from_html('<meta name="robots" content="noarchive">')
    assert said(signal, "bingbot", "/") == [("train-ai", N, 1)]
    assert said(signal, "GPTBot", "/") == []
    assert [d.code for d in signal.diagnostics] == ["RMT105"]


def test_x_robots_tag_agent_scopes() -> None:
    # signals.md §6.1: "an optional <ua>: prefix in X-Robots-Tag (X-Robots-Tag: googlebot:
    # noindex)"; multiple headers accumulate.
    signal = rm.from_headers([
        ("X-Robots-Tag", "googlebot: noindex"),
        ("x-robots-tag", "otherbot: noai, noimageai"),
        ("X-Robots-Tag", "unavailable_after: 25 Jun 2010 15:00:00 PST"),
        ("X-ROBOTS-TAG", "noai"),
    ])
    assert said(signal, "otherbot", "/x.png") == [("train-any", N, 2), ("train-any", N, 2),
                                                  ("train-any", N, 4)]
    assert said(signal, "googlebot", "/x.png") == [("train-any", N, 4)]
    assert [(d.code, d.line, d.column) for d in signal.diagnostics] == [("RMT102", 1, 12)]


@pytest.mark.parametrize(
    ("content", "code"),
    [("none", "RMT102"), ("noindex", "RMT102"), ("noml", "RMT101"), ("", "RMT103")],
)
def test_non_ai_and_unknown_directives(content: str, code: str) -> None:
    signal = rm.from_html(f'<meta name="robots" content="{content}">')
    assert said(signal, "Bot", "/a.png") == []
    assert [d.code for d in signal.diagnostics] == [code]


def test_reading_stops_at_the_end_of_head() -> None:
    page = ('<head><title>x</title></head><body><meta name="robots" content="noai">'
            '</body>')
    assert rm.from_html(page).directives == ()
    body_first = '<body><meta name="robots" content="noai">'
    assert rm.from_html(body_first).directives == ()


def test_broken_html_is_tolerated() -> None:
    page = b'<html><head><meta name="robots" content="noai"<meta <<>> \xff\xfe <meta name=robots'
    signal = rm.from_html(page)
    assert [d.token for d in signal.directives] == ["noai"]


def test_byte_cap() -> None:
    filler = "<!--" + "x" * (rm.MAX_HTML_BYTES + 10) + "-->"
    page = "<head>" + filler + '<meta name="robots" content="noai"></head>'
    signal = rm.from_html(page)
    assert signal.directives == ()
    assert [d.code for d in signal.diagnostics] == ["RMT104"]


def test_headers_and_html_of_one_response_add_up() -> None:
    combined = (rm.from_headers({"X-Robots-Tag": "noai"}, source="https://e/")
                + rm.from_html('<meta name="robots" content="noarchive">'))
    assert combined.source == "https://e/"
    assert said(combined, "bingbot", "/") == [("train-any", N, 1), ("train-ai", N, 1)]
