"""Cloudflare Content-Signal lines in robots.txt and the Content-Signal header."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aioptout.model import Diagnostic, Value
from aioptout.signals import contentsignal as cs
from aioptout.signals.robots import RobotsTxt

N, Y = Value.DISALLOWED, Value.ALLOWED
CORPUS = Path(os.environ.get("AIOPTOUT_CORPUS",
                             Path(__file__).resolve().parents[2] / "shared" / "corpus"))
CS_DIR = CORPUS / "other" / "content-signal"
CS_FILES = sorted(CS_DIR.glob("*.txt")) if CS_DIR.is_dir() else []


def said(signal: cs.ContentSignals | cs.ContentSignalHeader, agent: str,
         target: str = "/") -> dict[str, Value]:
    return {s.usage: s.value for s in signal.statements(agent, target)}


def codes(diagnostics: tuple[Diagnostic, ...]) -> list[tuple[str, int, int]]:
    return [(d.code, d.line, d.column) for d in diagnostics]


@pytest.mark.parametrize(
    ("value", "prefs", "found"),
    [
        # signals.md §5: "search=yes,ai-train=no" (no space) and "search=no, ai-train=no".
        ("search=yes,ai-train=no", {"search": Y, "train-any": N}, []),
        ("search=no, ai-train=no", {"search": N, "train-any": N}, []),
        ("ai-input=no, ai-train=no, search=yes", {"ai-input": N, "train-any": N, "search": Y},
         []),
        # Keys and values are read case-insensitively, like robots.txt fields.
        ("Search=YES, AI-Train=No", {"search": Y, "train-any": N}, []),
        # 2026 deployments add use=reference, read as a ceiling (see test_use_key); a key no
        # one defines is still ignored with a note.
        ("search=yes,ai-train=no,use=reference", {"search": Y, "train-any": N}, []),
        ("search=yes,ai-input=no,store=never", {"search": Y, "ai-input": N},
         [("CSG103", 1, 24)]),
        # Values other than yes/no leave the signal unknown.
        ("ai-train=maybe, search=y", {}, [("CSG102", 1, 1), ("CSG102", 1, 17)]),
        ("ai-train", {}, [("CSG101", 1, 1)]),
        ("search=yes,,", {"search": Y}, []),
        ("", {}, [("CSG105", 1, 1)]),
        # The same key twice: most restrictive.
        ("ai-train=yes, ai-train=no", {"train-any": N}, [("CSG106", 1, 15)]),
    ],
)
def test_parse_signal(value: str, prefs: dict[str, Value], found: list[tuple[str, int, int]]
                      ) -> None:
    got, diagnostics = cs.parse_signal(value, 1, 1)
    assert got == prefs
    assert codes(tuple(diagnostics)) == found


def test_mapping_comes_from_the_table() -> None:
    # ai-train is "training or fine-tuning AI models": any model, so train-any (mapping.py).
    got, _ = cs.parse_signal("ai-train=no", 1, 1)
    assert got == {"train-any": N}


# --- real files -------------------------------------------------------------------------------

EXPECTED = {
    # file: (agent, expected statements for "/")
    "davidguetta.com": [("SomeBot", {"search": Y, "train-any": N}), ("GPTBot", {}),
                        ("Googlebot", {"search": Y, "train-any": N})],
    "stackoverflow.com": [("SomeBot", {"search": N, "train-any": N})],
    "lobste.rs": [("Googlebot", {"ai-input": N, "train-any": N, "search": Y}),
                  ("SomeBot", {}), ("brave", {})],
}


@pytest.mark.skipif(not CS_FILES, reason=f"corpus not found at {CS_DIR}")
@pytest.mark.parametrize("path", CS_FILES, ids=lambda p: p.name)
def test_corpus_files(path: Path) -> None:
    robots = RobotsTxt.parse(path.read_bytes(), source=path.name)
    signal = cs.from_robots(robots)
    assert signal.diagnostics == ()
    assert len(signal.lines) == 1
    host = path.stem.split("_", 1)[1]
    for agent, expected in EXPECTED[host]:
        assert said(signal, agent) == expected, agent


def test_lobsters_line_after_a_blank_line_stays_in_its_group() -> None:
    # RFC 9309 §2.2.1: blank lines do not end a group; lobste.rs puts Content-Signal after one.
    path = CS_DIR / "2025-12_lobste.rs.txt"
    if not path.is_file():
        pytest.skip(f"corpus not found at {CS_DIR}")
    signal = cs.from_robots(RobotsTxt.parse(path.read_bytes()))
    assert [s.line for s in signal.statements("kagibot", "/")] == [14, 14, 14]
    assert signal.statements("GPTBot", "/") == []


def test_signal_applies_to_disallowed_paths_too() -> None:
    # Documented choice (module docstring): unlike aipref, a Content-Signal line covers every
    # path of its group.  stackoverflow.com pairs Disallow: / with search=no, ai-train=no.
    text = "User-agent: *\nContent-Signal: search=no, ai-train=no\nDisallow: /\n"
    signal = cs.from_robots(RobotsTxt.parse(text))
    # spec §12: "A reader MUST apply a group's Content-Signal values to every path of that
    # group, disallowed or not" [R-12-4].
    assert said(signal, "AnyBot", "/questions/1") == {"search": N, "train-any": N}


def test_merged_groups_combine_most_restrictively() -> None:
    # RFC 9309 §2.2.1 merges groups for one agent; the policy defines no rule for two lines.
    text = ("User-agent: *\nContent-Signal: search=yes, ai-train=yes\nAllow: /\n\n"
            "User-agent: *\nContent-Signal: ai-train=no, ai-input=yes\nDisallow: /admin/\n")
    signal = cs.from_robots(RobotsTxt.parse(text))
    # spec §12: "A reader MUST combine several Content-Signal lines of one merged group as
    # Section 10.6 says" [R-12-21]: any no wins.
    assert said(signal, "Bot") == {"search": Y, "train-any": N, "ai-input": Y}
    assert codes(signal.diagnostics) == [("CSG104", 6, 17)]
    deciding = {s.usage: s.line for s in signal.statements("Bot", "/")}
    assert deciding == {"search": 2, "train-any": 6, "ai-input": 6}


def test_named_group_does_not_inherit_star_signal() -> None:
    text = ("User-agent: *\nContent-Signal: ai-train=no\nAllow: /\n\n"
            "User-agent: GPTBot\nAllow: /\n")
    signal = cs.from_robots(RobotsTxt.parse(text))
    assert said(signal, "GPTBot") == {}
    assert said(signal, "CCBot") == {"train-any": N}


def test_line_before_any_group_is_ignored() -> None:
    text = "Content-Signal: ai-train=no\nUser-agent: *\nAllow: /\n"
    robots = RobotsTxt.parse(text)
    signal = cs.from_robots(robots)
    assert said(signal, "Bot") == {}
    # The robots.txt parser reports the stray line (ROB105); it is not reported twice.
    assert [d.code for d in robots.diagnostics] == ["ROB105"]
    assert signal.diagnostics == ()


def test_work_identifiers_get_nothing() -> None:
    signal = cs.from_robots(RobotsTxt.parse("User-agent: *\nContent-Signal: ai-train=no\n"
                                            "Allow: /\n"))
    assert said(signal, "Bot", "isrc:GBEMI0300013") == {}


def test_header() -> None:
    # signals.md §5: "Markdown for agents" responses carry
    # "Content-Signal: ai-train=yes, search=yes, ai-input=yes".
    header = cs.from_headers({"Content-Signal": "ai-train=yes, search=yes, ai-input=yes"},
                             source="https://e/x.md")
    assert header.mechanism == "content-signal"
    assert said(header, "Bot") == {"train-any": Y, "search": Y, "ai-input": Y}
    assert [s.source for s in header.statements("Bot", "/")] == ["https://e/x.md"] * 3


def test_header_instances_combine_and_are_positioned() -> None:
    header = cs.from_headers([("content-signal", "ai-train=yes"), ("X", "y"),
                              ("CONTENT-SIGNAL", "ai-train=no, search=perhaps")])
    assert said(header, "Bot") == {"train-any": N}
    assert codes(header.diagnostics) == [("CSG102", 2, 14)]


# --- use= (Cloudflare's content-use key, 2026): a ceiling, never a grant (spec R-12-23) ------

@pytest.mark.parametrize(("value", "prefs", "codes"), [
    ("search=yes, ai-train=no, use=reference", {"search": Value.ALLOWED,
                                                 "train-any": Value.DISALLOWED}, []),
    ("use=reference", {"train-any": Value.DISALLOWED}, []),
    ("use=immediate", {"search": Value.DISALLOWED, "train-any": Value.DISALLOWED}, []),
    ("use=full", {}, []),
    ("USE=Reference", {"train-any": Value.DISALLOWED}, []),
    ("use=partial, search=yes", {"search": Value.ALLOWED}, [("CSG107", 1)]),
    ("use=reference, ai-train=yes", {"train-any": Value.ALLOWED}, [("CSG108", 1)]),
    ("search=yes, use=immediate", {"search": Value.ALLOWED, "train-any": Value.DISALLOWED},
     [("CSG108", 13)]),
    ("use=full, use=immediate", {"search": Value.DISALLOWED, "train-any": Value.DISALLOWED},
     [("CSG106", 11)]),
])
def test_use_key(value: str, prefs: dict[str, Value], codes: list[tuple[str, int]]) -> None:
    got, diagnostics = cs.parse_signal(value, 1, 1)
    assert got == prefs
    assert [(d.code, d.column) for d in diagnostics] == codes


def test_use_key_in_robots_txt_applies_to_the_group() -> None:
    text = "User-agent: *\nContent-Signal: search=yes,ai-train=no,use=reference\nAllow: /\n"
    signals = cs.from_robots(RobotsTxt.parse(text))
    assert signals.diagnostics == ()
    said = {(s.usage, s.value) for s in signals.statements("AnyBot", "/x")}
    assert said == {("search", Value.ALLOWED), ("train-any", Value.DISALLOWED)}
