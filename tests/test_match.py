"""Path normalisation and ``*``/``$`` matching (RFC 9309 §2.2.2, §2.2.3)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aioptout._match import (
    _match_glob,
    _matches_positions,
    compile_pattern,
    normalize_path,
    normalize_pattern,
)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("https://example.com/a/b?x=1#frag", "/a/b?x=1"),
        ("https://example.com", "/"),
        ("https://example.com?q", "/?q"),
        ("//example.com/p;params?q", "/p;params?q"),
        ("/a?", "/a?"),  # the empty query marker is kept as written
        ("/a#", "/a"),
        ("", "/"),
        # RFC 9309 §2.2.2: octets outside ASCII are percent-encoded as UTF-8.
        ("/foo/bar/ツ", "/foo/bar/%E3%83%84"),
        ("/a b", "/a%20b"),
        ('/"<>\\^`{|}', "/%22%3C%3E%5C%5E%60%7B%7C%7D"),
        ("/\x01\x7f", "/%01%7F"),
        ("/%e3%83%84", "/%E3%83%84"),  # existing escapes upper-cased
        ("/%7e%41%2d", "/~A-"),  # unreserved escapes decoded
        ("/%2f%2a%24%3f", "/%2F%2A%24%3F"),  # reserved escapes stay encoded
        ("/a*b$", "/a%2Ab%24"),  # literal * and $ in a URL
        ("/100%", "/100%25"),
        ("/%zz", "/%25zz"),
        ("/a\udce9", "/a%E9"),  # bytes.decode("utf-8", "surrogateescape") round trip
    ],
)
def test_normalize_path(target: str, expected: str) -> None:
    assert normalize_path(target) == expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("/fish*", "/fish*"),
        ("/*.php$", "/*.php$"),
        ("/a$b", "/a%24b"),  # Google: a '$' that is not last is literal
        ("/a$$", "/a%24$"),
        ("/café", "/caf%C3%A9"),
        ("/%2A", "/%2A"),
    ],
)
def test_normalize_pattern(pattern: str, expected: str) -> None:
    assert normalize_pattern(pattern) == expected


# RFC 9309 §2.2.3, the table of example matches, and §2.2.2 percent-encoding examples.
@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("/path/file-with-a-%2A.html", "https://www.example.com/path/file-with-a-*.html", True),
        ("/path/foo-%24", "https://www.example.com/path/foo-$", True),
        ("/foo/bar/ツ", "/foo/bar/%E3%83%84", True),
        ("/foo/bar/%E3%83%84", "/foo/bar/ツ", True),
        ("/foo/bar/%62%61%7A", "/foo/bar/baz", True),
        ("/fish", "/fish.html", True),
        ("/fish", "/Fish.asp", False),
        ("/fish*", "/fishheads/yummy.html", True),
        ("/fish/", "/fish", False),
        ("/*.php", "/folder/filename.php?parameters", True),
        ("/*.php", "/", False),
        ("/*.php$", "/filename.php", True),
        ("/*.php$", "/filename.php?parameters", False),
        ("/*.php$", "/filename.php5", False),
        ("/fish*.php", "/fishheads/catfish.php?parameters", True),
        ("/fish*.php", "/Fish.PHP", False),
        ("/a$b", "/a$b", True),
        ("/", "/anything", True),
        ("/$", "/", True),
        ("/$", "/x", False),
        ("*", "/x", True),
        ("x", "/x", False),
    ],
)
def test_pattern_examples(pattern: str, path: str, matches: bool) -> None:
    assert compile_pattern(pattern).matches(normalize_path(path)) is matches


def test_length_counts_octets_of_the_normalised_pattern() -> None:
    assert compile_pattern("/ツ").length == len("/%E3%83%84")
    assert compile_pattern("/fish*").length == 6


def _regex_for(pattern: str) -> re.Pattern[str]:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(piece) for piece in body.split("*"))
    return re.compile(regex + (r"\Z" if anchored else ""))


@given(
    pattern=st.text(alphabet="/ab*$", max_size=9),
    path=st.text(alphabet="/ab", max_size=12).map(lambda p: "/" + p),
)
def test_three_matchers_agree(pattern: str, path: str) -> None:
    norm = normalize_pattern(pattern)
    production = compile_pattern(pattern).matches(path)
    reference = _matches_positions(norm, path)
    regex = _regex_for(norm).match(path) is not None
    assert production == reference == regex


def _glob_parts(pattern: str) -> tuple[tuple[str, ...], bool]:
    anchored = pattern.endswith("$")
    return tuple((pattern[:-1] if anchored else pattern).split("*")), anchored


def _scanned(pattern: str, path: str) -> int:
    """Characters the production glob matcher scans, counted through its ``find`` hook."""
    total = [0]

    def counting_find(haystack: str, needle: str, start: int) -> int:
        found = haystack.find(needle, start)
        total[0] += (len(haystack) if found < 0 else found + len(needle)) - start
        return found

    pieces, anchored = _glob_parts(pattern)
    _match_glob(pieces, anchored, path, counting_find)
    return total[0]


ADVERSARIAL = ["/*a*a*a*a*a*a*b", "/*a*a*a*a*a*a*b$", "/*aa*aa*aa*b*", "/*a*$"]


@pytest.mark.parametrize("pattern", ADVERSARIAL)
def test_reference_matcher_is_linear(pattern: str) -> None:
    counts = []
    for n in (2000, 4000):
        steps = [0]
        _matches_positions(pattern, "/" + "a" * n, steps)
        counts.append(steps[0])
    assert counts[1] / counts[0] < 2.5, counts


@pytest.mark.parametrize("pattern", ADVERSARIAL)
def test_production_matcher_is_linear(pattern: str) -> None:
    counts = [_scanned(pattern, "/" + "a" * n) for n in (2000, 4000)]
    assert counts[0] > 0
    assert counts[1] / counts[0] < 2.5, counts


def test_production_matcher_answers_adversarial_input() -> None:
    path = "/" + "a" * 100_000
    assert not compile_pattern("/*a*a*a*a*a*a*b").matches(path)
    assert compile_pattern("/*a*a*a*a*a*a*a").matches(path)
