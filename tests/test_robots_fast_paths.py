"""robots.txt fast paths give exactly what the general reading gives.

The line loop counts lines that cannot be fields once their code's positions are all reported,
classifies lines with ``str.lstrip()`` before the exact blanks, splits CR text with
``splitlines`` and finds bad UTF-8 in the whole text; each is compared here with a plain
reference.  tests/test_perf_equivalence.py holds the plain-line checks.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioptout._limits import MAX_DIAGNOSTICS_PER_CODE
from aioptout.signals import robots as R

CORPUS = Path(
    os.environ.get("AIOPTOUT_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)


def _snapshot(parsed: R.RobotsTxt) -> tuple[object, ...]:
    return (parsed.groups, parsed._group_keys, parsed.sitemaps, parsed.diagnostics)


def _agree(data: bytes, semantics: R.Semantics) -> None:
    fast = R.RobotsTxt.parse(data, semantics=semantics)
    reference = R._Parser(semantics == "google", plain_path=False).run(data, None, semantics)
    assert _snapshot(fast) == _snapshot(reference)


# Lines an HTML error page or a sloppy file holds, next to real records: keys that cannot be
# fields (with and without a colon, a '#' before or after it), keys that start like one, and
# blanks Python's lstrip() removes but RFC 9309 does not.
_JUNK = st.sampled_from(
    [
        "<html>", "  <p>text</p>", "\t<a href='#top'>", "</div>", "<b>a: b</b>", "x#y: z",
        "a:b#c", ": empty key", "co: x", "class=\"c\"", "  data-x: 1", "allowfullscreen",
        "  allow: /in-group", "us", "u", "disallow /typo", "Sitemap /s", "user agent x",
        "İx: y", "dİsallow: /d", "\xa0", "\xa0# not a comment", "\x1c", " \x1c ", "\u3000x: y",
        "\u2003Disallow: /e", "\xa0Disallow: /f", "  # comment", "\t", "   ", "#c", "x" * 4200,
        "<" + "y" * 17000, " \x0b\x0c", "{color:#fff}", "@media x", "}", "<p>\xa0",
        "x: y\xa0", "\x1cx:\x1c y \x1c", "<b> \u3000 # c\xa0",
    ]
)
_RECORDS = st.sampled_from(
    ["User-agent: *", "User-agent: GPTBot", "Disallow: /", "Allow: /a", "Sitemap: /s",
     "Crawl-delay: 5", "Content-Usage: train-ai=n", "Host: e.com", "",
     "User-agent: MJ12bot", "User-agent: Foo Bar", "Disallow: /p\x00junk", "Allow\x00: /"]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(_JUNK, _RECORDS), max_size=16),
    st.integers(1, 8),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["google", "rfc9309"]),
)
def test_lines_that_cannot_be_fields_agree_with_the_general_reading(
    block: list[str], repeat: int, eol: str, semantics: R.Semantics
) -> None:
    # Repeating the block goes past MAX_DIAGNOSTICS_PER_CODE, where the loop only counts.
    _agree(eol.join(block * repeat).encode("utf-8"), semantics)


@pytest.mark.parametrize("semantics", ["google", "rfc9309"])
@pytest.mark.parametrize("in_group", [False, True])
def test_counting_past_the_cap_matches_the_general_reading(
    semantics: R.Semantics, in_group: bool
) -> None:
    lines = ["User-agent: *", "Disallow: /"] if in_group else []
    lines += ["<p>a</p>", "x: y", "Foo: z", "<a b='c:d'>", "#c", "  <i>"] * (
        MAX_DIAGNOSTICS_PER_CODE + 5
    )
    lines += ["User-agent: b", "Disallow: /b", "<p>", "x: y"]
    _agree("\n".join(lines).encode(), semantics)


def test_field_starts_cover_every_case_spelling_of_every_field() -> None:
    """A key whose lower case starts like a field must start with a pair in _FIELD_STARTS."""
    names = [*R._KNOWN, *R._TYPOS, *(prefix for prefix, _ in R._PREFIXES)]
    letters = {name[i] for name in names for i in (0, 1)}
    for point in range(sys.maxunicode + 1):
        lowered = chr(point).lower()
        if lowered[:1] in letters:
            assert chr(point) in R._cases(lowered[0]), hex(point)
            # A character lowering to several (U+0130 → "i̇") cannot continue a field name.
            assert lowered[1:2] not in letters, hex(point)
    for name in names:
        assert name[:2] in R._FIELD_STARTS
        assert name[:2].upper() in R._FIELD_STARTS


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["a", "é", "✓", "\r", "\n", "\r\n", "\n\r", "\x0b", "\x0c", "\x1c", "\x85",
             "\u2028", ""]
        ),
        max_size=10,
    ).map("".join)
)
def test_lines_split_like_crlf_cr_and_lf(text: str) -> None:
    # RFC 9309 §2.2: a line ends with CR, LF or CRLF.
    assert R._lines(text) == text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _bad_utf8_reference(data: bytes, bom: str) -> list[tuple[int, int, int]]:
    """Every run of undecodable bytes as (line, column, end column), line by line."""
    text = data.decode("utf-8", "surrogateescape").removeprefix(bom)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    runs = []
    for number, line in enumerate(lines, 1):
        offset = 1 + (len(bom) if number == 1 else 0)
        for found in re.finditer("[\udc80-\udcff]+", line):
            runs.append((number, found.start() + offset, found.end() + offset))
    return runs


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from([b"a", b"\xff", b"\xc3", b"\xe9x", b"\n", b"\r\n", b"\r", b"#"]),
             max_size=12),
    st.integers(1, 30),
    st.sampled_from(["", "\ufeff"]),
)
def test_bad_utf8_is_reported_like_a_line_by_line_scan(
    parts: list[bytes], repeat: int, bom: str
) -> None:
    # RFC 9309 §2.3 asks for UTF-8; every run of bad octets is a finding.
    data = bom.encode() + b"".join(parts) * repeat
    expected = _bad_utf8_reference(data, bom)
    parser = R._Parser(True)
    parsed = parser.run(data, None, "google")
    got = [(d.line, d.column, d.end_column) for d in parsed.diagnostics if d.code == "ROB112"]
    # Spec §11.3: the summary sits on the first occurrence not reported.
    shown = expected[:MAX_DIAGNOSTICS_PER_CODE + 1]
    assert got == sorted(shown, key=lambda position: position[:2])
    assert parser.sink.counts.get("ROB112", 0) == len(expected)


def _html_pages() -> list[Path]:
    root = CORPUS / "robots"
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return [p for p in files if p.read_bytes()[:200].lstrip().startswith(b"<")][::3]


@pytest.mark.skipif(not (CORPUS / "robots").exists(), reason="corpus not present")
def test_html_pages_in_the_corpus_agree_with_the_general_reading() -> None:
    pages = _html_pages()
    assert pages
    for path in pages:
        data = path.read_bytes()
        for semantics in ("google", "rfc9309"):
            fast = R.RobotsTxt.parse(data, semantics=semantics)
            reference = R._Parser(semantics == "google", plain_path=False).run(
                data, None, semantics
            )
            assert _snapshot(fast) == _snapshot(reference), (path, semantics)
