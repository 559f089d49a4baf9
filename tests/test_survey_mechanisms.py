"""Every mechanism the crawl sees reaches the stored result, the tables, CSV, JSON and HTML."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from aioptout.fixtureweb import FixtureWeb
from aioptout.report import build, csvjson, html, tables
from aioptout.survey.engine import OnlineAnalyzer, survey
from aioptout.survey.inputs import Job
from aioptout.survey.metrics import MECHANISMS, REPRODUCTION_AGENTS, analyze_robots
from aioptout.survey.store import Store

AGENTS = tuple((a, "training") for a in REPRODUCTION_AGENTS)
#: Fixture sites and the mechanisms each one publishes (aioptout/data/fixtureweb/sites.json).
SITES = {
    "declared.test": {"aioptout", "robots", "aipref", "content-signal", "tdmrep", "ai-txt",
                      "aipref-header", "tdmrep-header", "tdmrep-meta", "noai-meta",
                      "http-header", "html-meta"},
    "header-noai.test": {"noai-header", "http-header"},
    "header-content-signal.test": {"content-signal-header", "http-header"},
    "header-tdm.test": {"tdmrep-header", "http-header"},
    "meta-noai.test": {"noai-meta", "html-meta"},
    "meta-tdm.test": {"tdmrep-meta", "html-meta"},
    "rsl-site.test": {"rsl", "robots"},
    "rsl-link.test": {"rsl", "robots"},
    "status-404.test": set(),
}
#: Mechanisms the online survey does not read (media metadata; the offline robots-meta name).
NOT_ONLINE = {"media", "robots-meta"}


@pytest.fixture(scope="module")
def surveyed(tmp_path_factory: pytest.TempPathFactory, fixture_web: FixtureWeb
             ) -> tuple[dict[str, dict[str, Any]], Path]:
    path = tmp_path_factory.mktemp("mech") / "s.sqlite"
    analyzer = OnlineAnalyzer(
        agents=AGENTS, allow_private=True, resolve=tuple(fixture_web.resolve_map().items()),
        politeness_delay=0.0, timeout=5.0)
    with Store(path) as store:
        store.record_agents("r", AGENTS)
        survey([Job("2025-01-01", fixture_web.origin(h)) for h in SITES], analyzer, store)
        rows = {r.site.split("://")[1].split(":")[0]: dict(r.result) for r in store.results()}
    return rows, path


def test_each_site_records_exactly_the_mechanisms_it_publishes(
        surveyed: tuple[dict[str, dict[str, Any]], Path]) -> None:
    rows, _ = surveyed
    for host, expected in SITES.items():
        mechanisms = rows[host]["mechanisms"]
        present = {m for m, state in mechanisms.items() if state["present"]}
        assert present == expected, host
        assert set(mechanisms) == set(MECHANISMS) - NOT_ONLINE, host


def test_every_mechanism_appears_in_tables_csv_json_and_html(
        surveyed: tuple[dict[str, dict[str, Any]], Path]) -> None:
    _, path = surveyed
    wanted = set(MECHANISMS) - NOT_ONLINE
    with Store(path) as store:
        report = build(store)
    counts = report.to_dict()["labels"]["2025-01-01"]["mechanisms"]
    assert {m for m, c in counts.items() if c["present"] > 0} == wanted
    console = Console(width=200, record=True, file=io.StringIO())
    for table in tables.render(report):
        console.print(table)
    text = console.export_text()
    for mechanism in wanted:
        assert f"{mechanism} present" in text
    rows = list(csv.DictReader(io.StringIO(csvjson.to_csv(report))))
    in_csv = {r["key"] for r in rows if r["metric"] == "mechanism_present" and int(r["count"])}
    assert in_csv == wanted
    assert set(json.loads(csvjson.to_json(report))["labels"]["2025-01-01"]["mechanisms"]) >= wanted
    page = html.render(report)
    for mechanism in wanted:
        assert f"<th scope=\"row\">{mechanism}</th>" in page


def test_results_match_the_site_result_schema(
        surveyed: tuple[dict[str, dict[str, Any]], Path]) -> None:
    root = Path(__file__).resolve().parents[1]
    schema = json.loads((root / "spec" / "site-result.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    rows, _ = surveyed
    offline = [analyze_robots("a.test", body, status=status, agents=AGENTS)
               for body, status in ((b"User-agent: GPTBot\nDisallow: /\n", 200), (None, 503),
                                    (None, 404), (b"<html>", 200))]
    stored = [r["result"] for r in json.loads(
        (root / "tests" / "data" / "survey-store-v1.json").read_text())]
    for result in [*rows.values(), *offline, *stored]:
        assert not list(validator.iter_errors(result)), result["site"]
    broken = dict(rows["declared.test"], mechanisms={"nonsense": {"present": True}})
    assert list(validator.iter_errors(broken))
