"""Reproduction of published survey figures from the stored corpus, through the survey pipeline.

(a) the-great-gpt-firewall's per-site "mentions agent X" booleans, exactly, for every month
    directory present (SOURCE.md §1: ``breakdown[ua] = ua in body_lowercased``);
(b) "agent X may not fetch /" counts equal Google's parser (fast-robotstxt) on the same bodies;
(c) robotstxt_usage_stats' naive directive counts over pre-ai-2019 (SOURCE.md §2), exactly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aioptout.report import build
from aioptout.signals.robots import RobotsTxt
from aioptout.survey import inputs
from aioptout.survey.engine import OfflineAnalyzer, survey
from aioptout.survey.metrics import (
    REPRODUCTION_AGENTS,
    naive_directive_counts,
    oracle_disallows_root,
    parsed_directive_counts,
    registry_agents,
)
from aioptout.survey.store import Store

CORPUS = Path(os.environ.get("AIOPTOUT_CORPUS") or Path(__file__).resolve().parents[2] / "shared"
              / "corpus")
GGF = CORPUS / "robots" / "great-gpt-firewall"
PUBLISHED = CORPUS / "published" / "great-gpt-firewall"
PRE_AI = CORPUS / "robots" / "pre-ai-2019"

pytestmark = pytest.mark.skipif(not GGF.is_dir(), reason="corpus not available")


def months() -> list[tuple[str, Path]]:
    return inputs.dir_labels(GGF, label="", from_subdirs=True)


def published(month: str) -> list[dict[str, Any]] | None:
    path = PUBLISHED / f"{month}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def published_tokens() -> tuple[str, ...]:
    tokens: set[str] = set()
    for month, _ in months():
        for entry in published(month) or []:
            tokens.update(entry.get("breakdown") or {})
    return tuple(sorted(tokens))


@pytest.fixture(scope="module")
def ggf_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    db = tmp_path_factory.mktemp("repro") / "ggf.sqlite"
    agents = registry_agents()
    analyzer = OfflineAnalyzer(agents=agents, mention_tokens=published_tokens())

    def jobs() -> Iterator[inputs.Job]:
        for label, folder in months():
            yield from inputs.dir_jobs(folder, label, inputs.dir_sites(folder))

    with Store(db) as store:
        survey(jobs(), analyzer, store)
        yield store


def test_every_month_directory_is_surveyed(ggf_store: Store) -> None:
    assert ggf_store.labels() == [m for m, _ in months()]
    for month, folder in months():
        assert ggf_store.count(month) == len(list(folder.glob("*.txt")))


def test_a_published_mentions_are_reproduced_exactly(ggf_store: Store) -> None:
    # SOURCE.md §1: "Recomputing `ua in body` over the stored files of a month reproduces that
    # month's published JSON exactly".
    checked = 0
    for month, _ in months():
        entries = published(month)
        if entries is None:  # a month without published figures (e.g. held back)
            continue
        stored = {r.site: set(r.result["mentions"]) for r in ggf_store.results(month)}
        with_files = {e["domain"]: e["breakdown"] for e in entries if e["domain"] in stored}
        # Every stored file has a published entry, and every entry without a file has no result.
        assert set(with_files) == set(stored)
        assert all(not e["breakdown"] for e in entries if e["domain"] not in stored)
        for site, breakdown in with_files.items():
            got = {token: token in stored[site] for token in breakdown}
            assert got == breakdown, (month, site)
            checked += len(breakdown)
    assert checked > 40_000


def test_b_blocked_root_counts_equal_googles_parser(ggf_store: Store) -> None:
    # Both parsers get the same decoded text for every file, HTML error pages and empty files
    # included; neither skips anything (docs/reproduction.md, "non-robots bodies").
    report = build(ggf_store).to_dict()
    for month, folder in months():
        oracle = dict.fromkeys(REPRODUCTION_AGENTS, 0)
        for path in sorted(folder.glob("*.txt")):
            text = path.read_bytes().decode("utf-8", "replace")
            site = path.name[:-4]
            for agent in REPRODUCTION_AGENTS:
                oracle[agent] += oracle_disallows_root(text, agent, site)
        ours = report["labels"][month]["blocked_root"]
        assert {a: ours[a] for a in REPRODUCTION_AGENTS} == oracle, month


def test_b_agreement_holds_site_by_site_under_both_semantics() -> None:
    # Stronger than equal counts: the same sites, for both of our semantics.
    for semantics in ("google", "rfc9309"):
        for _, folder in months():
            for path in sorted(folder.glob("*.txt")):
                body = path.read_bytes()
                text = body.decode("utf-8", "replace")
                robots = RobotsTxt.parse(body, semantics=semantics)  # type: ignore[arg-type]
                for agent in REPRODUCTION_AGENTS:
                    ours = not robots.allowed(agent, "https://example.com/")
                    assert ours == oracle_disallows_root(text, agent), (path.name, agent)


# SOURCE.md §2 (robotstxt_usage_stats notebook Robotstxt_Stats.ipynb).
PUBLISHED_OCCURRENCES = {
    "user-agent": 2917, "disallow": 56575, "allow": 5426, "sitemap": 5210, "noindex": 502,
    "crawl-delay": 97, "clean-param": 46, "host": 38, "request-rate": 6, "visit-time": 1,
    "\ufeffuser-agent": 6,
}
PUBLISHED_SITES = {
    "user-agent": 786, "disallow": 749, "sitemap": 436, "allow": 348, "crawl-delay": 70,
    "host": 38, "noindex": 25, "clean-param": 14,
}


@pytest.fixture(scope="module")
def pre_ai_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = tmp_path_factory.mktemp("preai") / "pre.sqlite"
    analyzer = OfflineAnalyzer(agents=tuple((a, "training") for a in REPRODUCTION_AGENTS))
    with Store(db) as store:
        survey(inputs.dir_jobs(PRE_AI, "2019-07", inputs.dir_sites(PRE_AI)), analyzer, store)
        return build(store).to_dict()["labels"]["2019-07"]


def test_c_naive_directive_counts_match_the_notebook(pre_ai_report: dict[str, Any]) -> None:
    naive = pre_ai_report["naive_directives"]
    assert {k: naive["occurrences"].get(k, 0) for k in PUBLISHED_OCCURRENCES} == \
        PUBLISHED_OCCURRENCES
    assert {k: naive["sites"].get(k, 0) for k in PUBLISHED_SITES} == PUBLISHED_SITES


def test_c_naive_method_excludes_whole_files() -> None:
    # The notebook raised on a non-blank line without ':' and on non-UTF-8 bytes.
    assert naive_directive_counts(b"User-agent: *\nDisallow: /\n") == {
        "user-agent": 1, "disallow": 1}
    assert naive_directive_counts(b"<html>\n<body>oops</body>\n") is None
    assert naive_directive_counts(b"User-agent: *\nAllow:\xa1\xa1/\n") is None
    assert naive_directive_counts(b"# only: a comment\n\n") == {}


def test_c_parsed_counts_differ_from_naive_only_where_explained() -> None:
    # Over the files the notebook kept, our parser counts the same directives, except that
    # (i) RFC 9309 §2.5 lets a parser stop at 500 KiB ("MUST be at least 500 kibibytes") and we
    # do, as Google does, so rules past it are not rules; (ii) a BOM is not part of the field
    # name, so "\ufeffuser-agent" is a User-agent line.
    truncated = 0
    for path in sorted(PRE_AI.glob("*.txt")):
        body = path.read_bytes()
        naive = naive_directive_counts(body)
        if naive is None:
            continue
        robots = RobotsTxt.parse(body)
        parsed = parsed_directive_counts(robots)
        expected_ua = naive.get("user-agent", 0) + naive.get("\ufeffuser-agent", 0)
        for field, want in (("user-agent", expected_ua), ("disallow", naive.get("disallow", 0)),
                            ("allow", naive.get("allow", 0))):
            if robots.truncated:
                assert parsed.get(field, 0) <= want, (path.name, field)
            else:
                assert parsed.get(field, 0) == want, (path.name, field)
        truncated += robots.truncated
    assert truncated == 1  # paytm.com.txt, 630,344 bytes


def test_c_pre_gptbot_negative_control(pre_ai_report: dict[str, Any]) -> None:
    assert pre_ai_report["sites"] == len(list(PRE_AI.glob("*.txt")))
    # SOURCE.md §2: GPTBot, Google-Extended and ClaudeBot "did not exist yet, so no file should
    # block them by name".
    for path in PRE_AI.glob("*.txt"):
        robots = RobotsTxt.parse(path.read_bytes())
        for agent in ("GPTBot", "Google-Extended", "ClaudeBot"):
            assert not robots.mentions(agent), (path.name, agent)
