"""Labels of every aipref revision, read as spec §8.1 says (R-8-22 to R-8-27)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aioptout import _revisions, diagnostics, parse
from aioptout._prefs import parse_preferences
from aioptout.model import Severity, Value
from aioptout.signals import aipref
from aioptout.signals.robots import RobotsTxt

N, Y = Value.DISALLOWED, Value.ALLOWED
DATA = Path(__file__).resolve().parents[1] / "aioptout" / "data" / "aipref_revisions.json"


def test_the_data_names_every_tagged_revision_and_its_labels() -> None:
    # Label sets read from the tags draft-ietf-aipref-vocab-01 ... -07 of ietf-wg-aipref/drafts.
    expected = {
        "01": {"tdm", "ai", "genai", "search", "inference"},
        "02": {"all", "train-ai", "train-genai", "ai-use", "search"},
        "03": {"bots", "train-ai", "train-genai", "search"},
        "04": {"bots", "train-ai", "ai-output", "search"},
        "05": {"train-ai", "search"},
        "06": {"train-ai", "search"},
        "07": {"train-ai", "search"},
        "08": {"train-ai", "search"},
    }
    got = {r.name.rsplit("-", 1)[1]: set(r.labels) for r in _revisions.revisions()}
    assert got == expected
    assert _revisions.current().name == "draft-ietf-aipref-vocab-07"
    assert [r.verified for r in _revisions.revisions()][-1] is False
    doc = json.loads(DATA.read_text(encoding="utf-8"))
    assert doc["schema_version"] == 1


@pytest.mark.parametrize(("value", "prefs"), [
    ("train-genai=n", {"train-ai": N}),
    ("genai=y", {"train-ai": Y}),
    ("ai=n", {"train-any": N}),
    ("inference=n", {"ai-input": N}),
    ("ai-use=y", {"ai-input": Y}),
    ("all=n, search=y", {"tdm": N, "search": Y}),
    ("bots=n", {"tdm": N}),
    # ai-output contains search wholly, most of ai-input: n reserves both, y grants search.
    ("ai-output=n", {"search": N, "ai-input": N}),
    ("ai-output=y", {"search": Y}),
    # vocab-02/-03: train-ai is any AI training when train-genai is beside it.
    ("train-ai=n, train-genai=y", {"train-any": N, "train-ai": Y}),
    # vocab-03 (train-ai: any) and -04 (foundation models) both fit; n takes the wider reading,
    # y the narrower (nothing wholly within both).
    ("bots=y, train-ai=n", {"tdm": Y, "train-any": N}),
    ("bots=n, train-ai=y", {"tdm": N}),
    # Current labels read as current; extension labels never narrow the revision.
    ("train-ai=n, search=y", {"train-ai": N, "search": Y}),
    ("tdm=n, train-genai=y", {"tdm": N, "train-ai": Y}),
    # No revision has both: each by its newest revision.
    ("bots=n, ai-use=y", {"tdm": N, "ai-input": Y}),
    # Two keys for one label combine, any n wins.
    ("bots=y, tdm=n", {"tdm": N}),
])
def test_readings(value: str, prefs: dict[str, Value]) -> None:
    assert parse_preferences(value)[0] == prefs


def test_diagnostics_name_the_revision() -> None:
    decl = parse("AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n"
                 "Content-Usage: train-ai=n, train-genai=y\n")
    found = [(d.code, d.severity, d.line, d.column) for d in decl.diagnostics]
    assert found == [("AOO531", Severity.INFO, 4, 16), ("AOO530", Severity.WARNING, 4, 28)]
    sense, label = decl.diagnostics
    assert "draft-ietf-aipref-vocab-02 to -03" in label.message
    assert "removed in -04" in label.message
    assert "train-any" in sense.message


def test_robots_and_headers_use_apr_codes() -> None:
    robots = aipref.from_robots(RobotsTxt.parse("User-agent: *\nContent-Usage: bots=n\n"))
    assert [(d.code, d.line, d.column) for d in robots.diagnostics] == [("APR111", 2, 16)]
    header = aipref.from_headers({"Content-Usage": "train-ai=n, bots=y"})
    assert [d.code for d in header.diagnostics] == ["APR112", "APR111"]
    assert header.preferences == {"train-any": N, "tdm": Y}


def test_retired_codes_stay_defined_but_are_not_emitted() -> None:
    # AOO513 and APR107 ("ignored") were retired when §8.1 began reading older labels.
    codes = diagnostics.all_codes()
    assert "AOO513" in codes and "APR107" in codes
    decl = parse("AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nContent-Usage: bots=n\n")
    assert [d.code for d in decl.diagnostics] == ["AOO530"]
