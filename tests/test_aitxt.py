"""Spawning ai.txt: the real files, the generator's quirks, and the matching semantics."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aioptout.model import Value
from aioptout.signals.aitxt import parse


def _corpus() -> Path:
    override = os.environ.get("AIOPTOUT_CORPUS")
    base = Path(override) if override else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    return base / "other" / "ai.txt"


def _decide(name: str, target: str, agent: str = "GPTBot") -> tuple[Value, int] | None:
    statements = parse((_corpus() / name).read_bytes(), source=name).statements(agent, target)
    if not statements:
        return None
    (statement,) = statements
    assert statement.usage == "train-any" and statement.mechanism == "ai-txt"
    assert statement.line is not None
    return statement.value, statement.line


N = Value.DISALLOWED
Y = Value.ALLOWED


# Expected results worked out from each file by hand.  mltshp: line 20 is "Disallow: *.jpg",
# line 15 "Disallow: *.html", line 59 "Disallow: /", line 60 "Disallow: *".  The glob "*"
# behaves like "/*$" (3 octets) and so outranks "/" (1 octet) everywhere.
@pytest.mark.parametrize(
    ("name", "target", "expected"),
    [
        ("mltshp.com.ai.txt", "/a.jpg", (N, 20)),
        ("mltshp.com.ai.txt", "https://mltshp.com/page.html", (N, 15)),
        ("mltshp.com.ai.txt", "/r/ABC.jpg?w=300", (N, 20)),
        ("mltshp.com.ai.txt", "/user/someone", (N, 60)),
        ("mltshp.com.ai.txt", "/a.jpg.zip", (N, 60)),
        ("hacdias.com.ai.txt", "/notes/x.md", (N, 57)),
        ("hacdias.com.ai.txt", "/photo.webp", (N, 22)),
        ("arne.me.ai.txt", "/blog/", (N, 3)),
        ("taricorp.net.ai.txt", "/x.png", (N, 5)),
    ],
)
def test_corpus_decisions(name: str, target: str, expected: tuple[Value, int]) -> None:
    assert _decide(name, target) == expected


@pytest.mark.parametrize("name", ["mltshp.com.ai.txt", "hacdias.com.ai.txt", "arne.me.ai.txt",
                                  "taricorp.net.ai.txt"])
def test_corpus_files_parse_cleanly(name: str) -> None:
    parsed = parse((_corpus() / name).read_bytes())
    assert parsed.diagnostics == ()
    assert [g.agents for g in parsed.groups] == [("*",)]


def test_mltshp_rule_count_and_ascii_art_ignored() -> None:
    parsed = parse((_corpus() / "mltshp.com.ai.txt").read_bytes())
    rules = parsed.groups[0].rules
    assert len(rules) == 56  # 54 extension globs, "Disallow: /" and "Disallow: *"
    assert sum(r.path_only for r in rules) == 55


def test_taricorp_has_no_trailing_newline() -> None:
    data = (_corpus() / "taricorp.net.ai.txt").read_bytes()
    assert not data.endswith(b"\n")
    assert parse(data).groups[0].rules[-1].pattern == "*"


# --- semantics -----------------------------------------------------------------------------------

GENERATED = """# Spawning AI
# Prevent datasets from using the following file types
User-agent: *
Disallow: *.jpg
Disallow: *.png
Allow: *.txt
Allow: /
/
"""


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/img/cat.jpg", (N, 4)),
        # "against the URL's path without its query" [R-12-3]
        ("/img/cat.jpg?size=2", (N, 4)),   # the query is not part of the file name
        ("/cat.jpg.html", (Y, 7)),         # globs are anchored at the end of the path
        ("/IMG.JPG", (Y, 7)),              # case-sensitive, as RFC 9309 §2.2.2
        ("/notes.txt", (Y, 6)),
        ("/page?file=a.png", (Y, 7)),      # ".png" only in the query
    ],
)
def test_generator_shape(target: str, expected: tuple[Value, int]) -> None:
    parsed = parse(GENERATED)
    assert [(d.code, d.line) for d in parsed.diagnostics] == [("AIT101", 8)]
    (statement,) = parsed.statements("CCBot", target)
    assert (statement.value, statement.line) == expected


def test_longest_match_and_allow_wins_tie() -> None:
    # RFC 9309 §2.2.2: "the most specific match found MUST be used"; equivalent Allow and
    # Disallow SHOULD resolve to Allow.  Lengths of globs are those of "/" + glob + "$".
    text = "User-agent: *\nDisallow: /img/\nAllow: *.svg\nDisallow: /*.svg$\nAllow: /img/a\n"
    parsed = parse(text)
    # /img/a.svg: /img/ (5) < /img/a (6) < *.svg ≡ /*.svg$ (7) = /*.svg$ (7): the tie → Allow.
    # spec §12: "A reader MUST match an ai.txt pattern `G` that does not start with `/` as the
    # path pattern `/G$` ... the longest pattern wins and `Allow` wins a tie" [R-12-3].
    (statement,) = parsed.statements("x", "/img/a.svg")
    assert (statement.value, statement.line) == (Y, 3)
    assert parsed.statements("x", "/img/b.png")[0].line == 2
    assert parsed.statements("x", "/other") == []                   # no rule: nothing said


def test_agent_groups() -> None:
    text = "User-agent: CCBot\nUser-agent: img2dataset\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    parsed = parse(text)
    assert parsed.statements("img2dataset/1.0", "/x")[0].value is N
    assert parsed.statements("ccbot", "/x")[0].value is N
    assert parsed.statements("GPTBot", "/x")[0].value is Y


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Disallow: /\n", [("AIT104", 1, 1), ("AIT109", 1, 1)]),
        ("User-agent: *\nDisallow:\n", [("AIT106", 2, 10), ("AIT109", 1, 1)]),
        ("User-agent: *\nDisallow: jpg\n", [("AIT105", 2, 11), ("AIT109", 1, 1)]),
        ("User-agent: *\nNoai: yes\nDisallow: /\n", [("AIT103", 2, 1)]),
        ("User-agent: *\nhello world\nDisallow: /\n", [("AIT102", 2, 1)]),
        ("Useragent: *\n  Dissallow:  /x  # c\n", [("AIT110", 1, 1), ("AIT110", 2, 3)]),
        (b"User-agent: *\nDisallow: /\xff\n", [("AIT107", 2, 1)]),
        ("", [("AIT109", 1, 1)]),
        ("<html><body>Not found</body></html>", [("AIT102", 1, 1), ("AIT109", 1, 1)]),
    ],
)
def test_quirks_and_bad_lines(text: str | bytes, expected: list[tuple[str, int, int]]) -> None:
    assert [(d.code, d.line, d.column) for d in parse(text).diagnostics] == expected


def test_misspelled_disallow_still_applies() -> None:
    parsed = parse("Useragent: *\n  Dissallow:  /x  # c\n")
    assert parsed.statements("a", "/x/y")[0].value is N
    assert parsed.groups[0].rules[0].pattern == "/x"


def test_large_file_is_truncated_not_rejected() -> None:
    body = b"User-agent: *\nDisallow: /a\n" + b"# " + b"x" * 600_000 + b"\nDisallow: /b\n"
    parsed = parse(body)
    assert [d.code for d in parsed.diagnostics] == ["AIT108"]
    assert parsed.statements("a", "/a")[0].value is N
    assert parsed.statements("a", "/b") == []


def test_decide_reads_train_ai_from_train_any() -> None:
    from aioptout.decide import decide

    parsed = parse((_corpus() / "mltshp.com.ai.txt").read_bytes())
    assert decide([parsed], "GPTBot", "/a.jpg", "train-ai").value is N
    assert decide([parsed], "GPTBot", "/a.jpg", "search").value is Value.UNKNOWN
