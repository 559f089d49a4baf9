"""Survey reports: aggregates, JSON and CSV, the HTML page, and the CLI commands."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import typer
from typer.testing import CliRunner

from aioptout._cli import survey as survey_cli
from aioptout.report import build, csvjson, html, tables
from aioptout.survey.store import Store

PROV = {"aioptout": "0.1.0", "semantics": "google", "registry": "r1"}
AGENTS = [("GPTBot", "training"), ("CCBot", "training"), ("OAI-SearchBot", "search")]


def res(site: str, blocked: list[str], **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "site": site, "status": "ok", "provenance": PROV, "blocked_root": blocked,
        "mechanisms": {"robots": {"present": True, "valid": True}},
        "usage": {"train-ai": "unknown", "search": "unknown"}, "diagnostics": {},
    }
    base.update(extra)
    return base


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.record_agents("r1", AGENTS)
        with store.writer() as w:
            w.put("2025-01", res("a.test", ["GPTBot"], diagnostics={"ROB101": 2}))
            w.put("2025-01", res("b.test", []))
            w.put("2025-01", res("c.test", [], status="absent",
                                 mechanisms={"robots": {"present": False, "valid": None}}))
            w.put("2025-06", res("a.test", ["GPTBot", "CCBot"],
                                 usage={"train-ai": "disallowed", "search": "allowed"},
                                 mechanisms={"robots": {"present": True, "valid": True},
                                             "content-signal": {"present": True, "valid": True}}))
            w.put("2025-06", res("b.test", ["GPTBot", "CCBot", "OAI-SearchBot"],
                                 diagnostics={"ROB101": 1, "ROB104": 3}))
            w.put("2025-06", res("d.test", []))
    return path


def test_aggregates_per_label(db: Path) -> None:
    with Store(db) as store:
        report = build(store).to_dict()
    assert report["schema_version"] == tables.REPORT_SCHEMA_VERSION
    jan, jun = report["labels"]["2025-01"], report["labels"]["2025-06"]
    assert (jan["sites"], jun["sites"]) == (3, 3)
    assert jan["blocked_root"] == {"CCBot": 0, "GPTBot": 1, "OAI-SearchBot": 0}
    assert jun["blocked_root"] == {"CCBot": 2, "GPTBot": 2, "OAI-SearchBot": 1}
    assert jan["mechanisms"]["robots"] == {"present": 2, "valid": 2}
    assert jun["mechanisms"]["content-signal"] == {"present": 1, "valid": 1}
    assert jun["usage"]["train-ai"] == {"disallowed": 1, "unknown": 2}
    assert jun["purposes"]["training"] == {"agents": 2, "any": 2, "all": 2}
    assert jun["purposes"]["search"] == {"agents": 1, "any": 1, "all": 1}
    assert jun["diagnostics"]["ROB101"] == {"occurrences": 1, "sites": 1}
    assert jan["statuses"] == {"absent": 1, "ok": 2}
    assert jun["provenance"] == {"semantics": ["google"], "aioptout": ["0.1.0"], "registry": ["r1"]}
    [change] = report["changes"]
    assert change["common_sites"] == 2  # a.test and b.test
    assert change["started_blocking"] == {"CCBot": 2, "GPTBot": 1, "OAI-SearchBot": 1}
    assert change["stopped_blocking"] == {}


def test_label_selection(db: Path) -> None:
    with Store(db) as store:
        report = build(store, ["2025-06"]).to_dict()
    assert list(report["labels"]) == ["2025-06"]
    assert report["changes"] == []


def test_csv_has_counts_with_denominators(db: Path) -> None:
    with Store(db) as store:
        text = csvjson.to_csv(build(store))
    rows = list(csv.DictReader(io.StringIO(text)))
    got = {(r["label"], r["metric"], r["key"]): r for r in rows}
    row = got[("2025-06", "blocked_root", "CCBot")]
    assert (row["count"], row["sites"], row["share"]) == ("2", "3", "0.666667")
    assert got[("2025-01", "sites", "")]["count"] == "3"


def test_html_page_is_self_contained_and_accessible(db: Path) -> None:
    with Store(db) as store:
        page = html.render(build(store))
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) == 3  # by mechanism, by agent, over time
    for svg in svgs:
        root = ElementTree.fromstring(svg)  # well-formed XML
        ns = "{http://www.w3.org/2000/svg}"
        assert root.get("role") == "img"
        title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
        assert title is not None and title.text
        assert desc is not None and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    # Every chart is followed by its numbers as a table.
    for figure_end in [m.end() for m in re.finditer("</figure>", page)]:
        assert page.startswith("<table>", figure_end)
    assert "GPTBot: 2 of 3 sites" in page


def test_html_page_has_methodology_statuses_diagnostics_and_a_time_axis(db: Path) -> None:
    with Store(db) as store:
        store.record_run("2025-06", {"semantics": "google", "sample": None, "seed": 0})
        page = html.render(build(store))
    assert "<h2>Methodology</h2>" in page and "all listed sites" in page
    assert '<th scope="row">status absent</th><td>1 (33.3%)</td><td>0 (0.0%)</td>' in page
    assert '<th scope="row">ROB104</th><td>0 sites, 0 times</td><td>1 sites, 3 times</td>' in page
    assert "by date (time to scale)" in page
    assert "95 % CI" not in page  # no label came from a sample


def test_time_axis_is_to_scale_only_for_date_labels() -> None:
    assert html.time_positions(["2025-01", "2025-02", "2025-12"]) == pytest.approx(
        [0.0, 31 / 334, 1.0])
    assert html.time_positions(["2024", "2025-07-02"]) == pytest.approx([0.0, 548 / 548])
    assert html.time_positions(["cc-main-1", "cc-main-2"]) is None
    assert html.time_positions(["2025-02", "2025-01"]) is None


def test_wilson_interval_matches_published_values() -> None:
    # Newcombe (1998), Statistics in Medicine 17:857, table I: 81/263 → 0.2553–0.3662.
    lo, hi = html.wilson(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    assert html.wilson(0, 10)[0] == 0.0 and html.wilson(10, 10)[1] == 1.0


def test_sampled_labels_carry_wilson_intervals(db: Path) -> None:
    with Store(db) as store:
        store.record_run("2025-06", {"sample": 3, "seed": 7})
        report = build(store)
    assert report.sample_size("2025-06") == 3 and report.sample_size("2025-01") is None
    page = html.render(report)
    lo, hi = html.wilson(2, 3)
    assert f"2 (66.7%) [95 % CI {100 * lo:.1f} %–{100 * hi:.1f} %]" in page
    assert "random sample of 3" in page


def test_charts_escape_names() -> None:
    svg = html.bar_chart("x", "t<", "d&", [("<b>", 1, 2)])
    ElementTree.fromstring(svg)
    assert "&lt;b&gt;" in svg


def app() -> typer.Typer:
    a = typer.Typer(rich_markup_mode=None)
    survey_cli.register(a)

    @a.callback()
    def _root() -> None:
        pass

    return a


def test_cli_report_json_and_html(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app(), ["report", "--db", str(db), "--format", "json",
                                        "--html", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["labels"]["2025-06"]["blocked_root"]["GPTBot"] == 2
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_cli_report_text_and_errors(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app(), ["report", "--db", str(db)])
    assert ok.exit_code == 0 and "GPTBot" in ok.stdout
    assert runner.invoke(app(), ["report", "--db", str(tmp_path / "none.sqlite")]).exit_code == 3
    assert runner.invoke(app(), ["report", "--db", str(db), "--label", "1999-01"]).exit_code == 2


def test_cli_survey_dir_then_report(tmp_path: Path) -> None:
    root = tmp_path / "saved"
    for month, body in (("2025-01", b"User-agent: *\nAllow: /\n"),
                        ("2025-02", b"User-agent: GPTBot\nDisallow: /\n")):
        (root / month).mkdir(parents=True)
        (root / month / "a.test.txt").write_bytes(body)
        (root / month / "b.test.txt").write_bytes(b"<html>not found</html>")
    db = tmp_path / "s.sqlite"
    runner = CliRunner()
    done = runner.invoke(app(), ["survey", "--dir", str(root), "--label-from-subdirs",
                                 "--db", str(db), "--semantics", "rfc9309"])
    assert done.exit_code == 0, done.output
    doc = json.loads(runner.invoke(app(), ["report", "--db", str(db), "--format", "json"]).stdout)
    assert doc["labels"]["2025-01"]["sites"] == 2
    assert doc["labels"]["2025-01"]["blocked_root"]["GPTBot"] == 0
    assert doc["labels"]["2025-02"]["blocked_root"]["GPTBot"] == 1
    assert doc["labels"]["2025-02"]["provenance"]["semantics"] == ["rfc9309"]
    again = runner.invoke(app(), ["survey", "--dir", str(root), "--label-from-subdirs",
                                  "--db", str(db)])
    assert again.exit_code == 0
    assert "4 already stored" in again.output


def test_cli_survey_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app(), ["survey"]).exit_code == 2
    assert runner.invoke(app(), ["survey", str(tmp_path), "--dir", str(tmp_path)]).exit_code == 2
    listing = tmp_path / "l.txt"
    listing.write_text("a.test\n")
    assert runner.invoke(app(), ["survey", str(listing), "--engine", "dask"]).exit_code == 2
    assert runner.invoke(app(), ["survey", str(listing), "--label", "a b"]).exit_code == 2
    assert runner.invoke(app(), ["survey", str(listing), "--resolve", "bad"]).exit_code == 2
    assert runner.invoke(app(), ["survey", str(tmp_path / "nope.txt")]).exit_code == 3


@pytest.mark.slow
def test_demo_surveys_the_fixture_web_and_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(app(), ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "GPTBot" in result.stdout
    page = (out / "report.html").read_text()
    assert page.count("<svg") == 3
    with Store(out / "survey.sqlite") as store:
        assert store.labels() == ["demo"]
        rows = {r.site.split("://")[1].split(":")[0]: r for r in store.results("demo")}
    assert rows["status-503.test"].status == "unreachable"
    assert rows["declared.test"].result["mechanisms"]["aioptout"]["present"] is True
