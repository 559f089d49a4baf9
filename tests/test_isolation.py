"""Fault isolation: a failure while analysing one site or item costs that one its answer, no other.

Failures are injected by monkeypatching one parser in-process so that it raises on a marker that
only one test site's real file carries; the sites are served by a real fixture web on 127.0.0.1
(``FixtureWeb(sites_file=...)``), so fetching, the engines and the store are the real ones.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from aioptout import catalogue, contracts, crawl
from aioptout._isolation import MAX_FAILURE_MESSAGE, Failure, guarded, isolated
from aioptout.cli import app as cli_app
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.signals import tdmrep
from aioptout.survey.engine import OnlineAnalyzer, survey
from aioptout.survey.inputs import Job
from aioptout.survey.store import Store
from aioptout.web import create_app

MARKER = b"TRIGGER-TEST-PARSER-FAULT"
SCHEMA = Path(__file__).resolve().parents[1] / "spec" / "crawl.schema.json"
HOSTILE = "hostile.test"
CALM = ("calm-a.test", "calm-b.test", "calm-c.test")
PAGE = ('<!doctype html><html><head><title>{t}</title><script type="application/ld+json">'
        '{{"@type": "MusicRecording", "isrcCode": "GBAYE0000{n}"}}</script></head>'
        '<body>{t}</body></html>')

SITES: dict[str, Any] = {
    "calm-a.test": {"paths": {
        "/robots.txt": {"body": "User-agent: *\nDisallow: /private/\n"},
        "/": {"body": PAGE.format(t="a", n=1), "headers": {"Content-Type": "text/html"}}}},
    "calm-b.test": {"paths": {
        "/robots.txt": {"body": "User-agent: GPTBot\nDisallow: /\n"},
        "/.well-known/tdmrep.json": {
            "body": '[{"location": "/", "tdm-reservation": 1}]',
            "headers": {"Content-Type": "application/json"}}}},
    "calm-c.test": {"paths": {
        "/.well-known/aioptout.txt": {
            "body": "AIOptOut-Version: 1\n\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=n\n"},
        "/robots.txt": {"body": "User-agent: *\nAllow: /\n"}}},
    HOSTILE: {"paths": {
        "/robots.txt": {"body": "User-agent: *\nAllow: /\n"},
        "/.well-known/tdmrep.json": {
            "body": '[{"location": "/", "tdm-reservation": 1, "note": "'
                    + MARKER.decode() + '"}]',
            "headers": {"Content-Type": "application/json"}},
        "/": {"body": PAGE.format(t="h", n=2), "headers": {"Content-Type": "text/html"}}}},
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureWeb]:
    folder = tmp_path_factory.mktemp("isolation-web")
    (folder / "sites.json").write_text(json.dumps({"sites": SITES}), "utf-8")
    with FixtureWeb(sites_file=folder / "sites.json") as fixture:
        yield fixture


def fetcher(web: FixtureWeb) -> Fetcher:
    return Fetcher(resolve=web.resolve_map(), politeness_delay=0.0, total_timeout=5.0)


def pins(web: FixtureWeb) -> list[str]:
    return [arg for line in web.resolve_lines() for arg in ("--resolve", line)]


@pytest.fixture
def broken_tdmrep(monkeypatch: pytest.MonkeyPatch) -> None:
    """tdmrep.json's parser raises on the hostile site's file, as a parser bug would."""
    original = tdmrep.parse_file

    def parse_file(data: bytes | str, *, source: str | None = None) -> Any:
        raw = data.encode() if isinstance(data, str) else data
        if MARKER in raw:
            raise RecursionError("maximum recursion depth exceeded " + "x" * 5000)
        return original(data, source=source)

    monkeypatch.setattr(tdmrep, "parse_file", parse_file)


def stable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in ("checked_at", "elapsed")}


def schema_check(record: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(record, json.loads(SCHEMA.read_text("utf-8")))


# --- the mechanism ----------------------------------------------------------------------------

def _raise(exc: BaseException) -> None:
    raise exc


def test_exceptions_are_isolated_but_requests_to_stop_are_not() -> None:
    with isolated("robots") as step:
        _raise(ValueError("bad " * 1000))
    assert step.failure is not None
    assert (step.failure.stage, step.failure.exception) == ("robots", "ValueError")
    assert len(step.failure.message) <= MAX_FAILURE_MESSAGE + 1
    assert step.failure.diagnostic().code == "RUN101"
    assert (step.failure.diagnostic().line, step.failure.diagnostic().column) == (1, 1)
    value, failure = guarded("x", int, "12")
    assert (value, failure) == (12, None)
    value, failure = guarded("x", int, "twelve")
    assert value is None and failure is not None and failure.exception == "ValueError"
    for stop in (KeyboardInterrupt(), SystemExit(2)):
        with pytest.raises(type(stop)), isolated("robots"):
            _raise(stop)
        with pytest.raises(type(stop)):
            guarded("x", _raise, stop)


def test_where_names_the_innermost_aioptout_frame() -> None:
    _, failure = guarded("x", crawl.site_origin, None)  # type: ignore[arg-type]
    assert failure is not None and failure.where is not None
    assert failure.where.startswith("aioptout/") and ".py:" in failure.where


# --- crawl ------------------------------------------------------------------------------------

def test_one_failing_parser_costs_only_its_site(web: FixtureWeb, broken_tdmrep: None,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    sites = [web.origin(h) for h in (*CALM, HOSTILE)]
    reports = {r.site: r for r in crawl.check_sites(sites, agent="GPTBot", fetcher=fetcher(web))}
    bad = reports[web.origin(HOSTILE)]
    assert bad.status == "error"
    assert [(f.stage, f.exception) for f in bad.failures] == [("tdmrep", "RecursionError")]
    records = {s.mechanism: s for s in bad.signals}
    assert records["tdmrep"].outcome == "error"
    assert [d.code for d in records["tdmrep"].errors] == ["RUN101"]
    # Everything else of the failing site was still read.
    assert records["robots"].outcome == "present" and bad.robots is not None
    assert records["html-meta"].outcome in ("present", "unavailable")
    assert bad.crawl.value == "unknown"
    assert {v.value for v in bad.usage.values()} == {"unknown"}
    record = bad.to_dict()
    schema_check(record)
    assert record["status"] == "error" and record["failures"][0]["code"] == "RUN101"

    monkeypatch.undo()
    clean = {r.site: r for r in crawl.check_sites(sites, agent="GPTBot", fetcher=fetcher(web))}
    assert clean[web.origin(HOSTILE)].status == "ok"
    for host in CALM:
        origin = web.origin(host)
        assert reports[origin].status == "ok"
        assert stable(reports[origin].to_dict()) == stable(clean[origin].to_dict())
        schema_check(reports[origin].to_dict())


def test_a_failing_decision_is_recorded_too(web: FixtureWeb,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    original = crawl.decide

    def decide(signals: Any, agent: str, target: str, usage: str) -> Any:
        if HOSTILE in target:
            raise ZeroDivisionError("division by zero")
        return original(signals, agent, target, usage)

    monkeypatch.setattr(crawl, "decide", decide)
    reports = list(crawl.check_sites([web.origin(HOSTILE), web.origin("calm-a.test")],
                                     fetcher=fetcher(web)))
    assert [r.status for r in reports] == ["error", "ok"]
    assert reports[0].failures[0].stage == "decision"


def test_keyboard_interrupt_in_a_parser_still_stops_the_crawl(
        web: FixtureWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    def parse_file(data: bytes | str, *, source: str | None = None) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(tdmrep, "parse_file", parse_file)
    with pytest.raises(KeyboardInterrupt):
        list(crawl.check_sites([web.origin(HOSTILE)], fetcher=fetcher(web), jobs=1))


def test_crawl_command_end_to_end_records_the_failure_and_keeps_the_rest(
        web: FixtureWeb, broken_tdmrep: None) -> None:
    sites = [web.origin(h) for h in (CALM[0], HOSTILE, CALM[1])]
    result = CliRunner().invoke(cli_app, ["crawl", *sites, "--format", "json", "--delay", "0",
                                          "--agent", "GPTBot", *pins(web)])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["site"] for r in records] == sites
    assert [r["status"] for r in records] == ["ok", "error", "ok"]
    assert records[1]["failures"][0]["code"] == "RUN101"
    assert records[1]["failures"][0]["stage"] == "tdmrep"
    assert "RUN101" in result.stderr
    for record in records:
        schema_check(record)
    text = CliRunner().invoke(cli_app, ["crawl", web.origin(HOSTILE), "--delay", "0",
                                        *pins(web)])
    # The only site could not be analysed: exit 3 (input), never 4 (a crash).
    assert text.exit_code == 3 and "RUN101" in text.stdout


# --- catalogue --------------------------------------------------------------------------------

def test_catalogue_item_failure_is_recorded_for_that_item(
        web: FixtureWeb, monkeypatch: pytest.MonkeyPatch) -> None:
    original = catalogue.jsonld_identifiers

    def identifiers(html: str) -> tuple[str, ...]:
        if "GBAYE00002" in html:
            raise AssertionError("unknown status keyword in marked section")
        return original(html)

    monkeypatch.setattr(catalogue, "jsonld_identifiers", identifiers)
    items = [catalogue.Item(url=web.url("calm-a.test")), catalogue.Item(url=web.url(HOSTILE)),
             catalogue.Item(url=web.url("calm-b.test"))]
    reports = list(catalogue.check_items(items, fetcher=fetcher(web)))
    assert [r.outcome for r in reports] == ["present", "error", "unavailable"]
    bad = reports[1].to_dict()
    assert bad["value"] == "unknown" and bad["failures"][0]["stage"] == "item"
    assert [d["code"] for d in bad["diagnostics"]] == ["RUN101"]
    assert reports[0].identifiers == ("isrc:GBAYE00001",)
    assert catalogue.summarise(reports)["errors"] == 1


def test_catalogue_site_failure_is_recorded_for_its_items(
        web: FixtureWeb, broken_tdmrep: None, tmp_path: Path) -> None:
    listing = tmp_path / "items.csv"
    listing.write_text("url\n" + "".join(f"{web.url(h, p)}\n" for h, p in (
        ("calm-a.test", "/"), (HOSTILE, "/"), (HOSTILE, "/page"), ("calm-c.test", "/"))))
    result = CliRunner().invoke(cli_app, ["catalogue", str(listing), "--format", "jsonl",
                                          "--delay", "0", *pins(web)])
    assert result.exit_code in (0, 1), result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["outcome"] for r in records] == ["present", "error", "error", "unavailable"]
    assert records[1]["failures"][0]["stage"] == "site tdmrep"
    assert records[3]["value"] == "disallowed"  # calm-c's declaration: train-ai=n
    assert "RUN101" in result.stderr


def test_a_sitemap_whose_parsing_fails_is_a_diagnostic_not_a_crash(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def parse_sitemap(data: bytes, *, source: str | None = None) -> Any:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    monkeypatch.setattr(catalogue, "parse_sitemap", parse_sitemap)
    with FixtureWeb() as default_web:
        url = default_web.url("books.test", "/sitemap.xml")
        problems: list[Any] = []
        items = list(catalogue.items_from_sitemap(url, fetcher(default_web), problems))
        assert items == [] and [p.code for p in problems] == ["RUN101"]
        result = CliRunner().invoke(cli_app, ["catalogue", url, "--delay", "0",
                                              *pins(default_web)])
    assert result.exit_code == 3 and "RUN101" in result.stderr


def test_a_csv_row_the_csv_module_refuses_is_one_bad_item(tmp_path: Path) -> None:
    import csv

    listing = tmp_path / "items.csv"
    big = "x" * (csv.field_size_limit() + 10)
    listing.write_text(f"url,isrc\nhttps://a.test/1,\n{big},\nhttps://a.test/3,\n")
    problems: list[Any] = []
    items = list(catalogue.items_from_file(listing, problems))
    assert [i.url for i in items] == ["https://a.test/1", "https://a.test/3"]
    assert [(p.code, p.line) for p in problems] == [("FET136", 3)]


# --- survey -----------------------------------------------------------------------------------

def _analyzer(web: FixtureWeb) -> OnlineAnalyzer:
    return OnlineAnalyzer(allow_private=True, resolve=tuple(web.resolve_map().items()),
                          politeness_delay=0.0, timeout=5.0)


@pytest.mark.parametrize("processes", [1, 2])
def test_survey_records_the_failing_site_and_keeps_every_other(
        web: FixtureWeb, broken_tdmrep: None, tmp_path: Path, processes: int) -> None:
    sites = [web.origin(h) for h in (*CALM, HOSTILE)]
    with Store(tmp_path / "s.sqlite") as store:
        stats = survey([Job("L", s) for s in sites], _analyzer(web), store,
                       processes=processes, concurrency=4)
        rows = {r.site: r for r in store.results("L")}
    assert stats.written == len(sites) and stats.statuses["error"] == 1
    bad = rows[web.origin(HOSTILE)]
    assert bad.status == "error"
    assert [(f["code"], f["stage"]) for f in bad.result["failures"]] == [("RUN101", "tdmrep")]
    assert {rows[web.origin(h)].status for h in CALM} == {"ok"}


def _unpicklable(site: str) -> dict[str, Any]:
    return {"site": site, "status": "ok", "lock": threading.Lock() if "bad" in site else None}


def _unserialisable(site: str) -> dict[str, Any]:
    return {"site": site, "status": "ok", "raw": b"bytes" if "bad" in site else "text"}


@pytest.mark.parametrize(("probe", "stage", "processes"), [
    (_unpicklable, "transfer", 2), (_unserialisable, "store", 1)])
def test_a_result_that_cannot_travel_or_be_stored_is_that_sites_error(
        tmp_path: Path, probe: Callable[[str], dict[str, Any]], stage: str,
        processes: int) -> None:
    sites = ["a.test", "bad.test", "c.test"]
    with Store(tmp_path / "s.sqlite") as store:
        stats = survey([Job("L", s) for s in sites], OnlineAnalyzer(probe=probe), store,
                       processes=processes, concurrency=2)
        rows = {r.site: r for r in store.results("L")}
    assert stats.written == 3
    assert {s: r.status for s, r in rows.items()} == {
        "a.test": "ok", "bad.test": "error", "c.test": "ok"}
    assert rows["bad.test"].result["failures"][0]["stage"] == stage


def test_survey_command_end_to_end(web: FixtureWeb, broken_tdmrep: None,
                                   tmp_path: Path) -> None:
    listing = tmp_path / "sites.txt"
    listing.write_text("".join(f"{web.origin(h)}\n" for h in (*CALM, HOSTILE)))
    db = tmp_path / "s.sqlite"
    result = CliRunner().invoke(cli_app, [
        "survey", str(listing), "--db", str(db), "--label", "L", "--allow-private",
        "--delay", "0", "--timeout", "5", "--quiet", "--processes", "2", *pins(web)])
    assert result.exit_code == 0, result.output
    assert "error 1" in result.stderr
    with Store(db) as store:
        statuses = {r.site: r.status for r in store.results("L")}
    assert statuses == {**{web.origin(h): "ok" for h in CALM}, web.origin(HOSTILE): "error"}
    report = CliRunner().invoke(cli_app, ["report", "--db", str(db), "--format", "json"])
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["labels"]["L"]["statuses"]["error"] == 1


def test_offline_survey_of_saved_files_records_the_failing_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aioptout.survey import engine

    original = engine.analyze_robots

    def analyze(site: str, body: bytes | None, **kw: Any) -> Any:
        if body is not None and MARKER in body:
            raise MemoryError
        return original(site, body, **kw)

    monkeypatch.setattr(engine, "analyze_robots", analyze)
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "a.test.txt").write_text("User-agent: GPTBot\nDisallow: /\n")
    (folder / "b.test.txt").write_bytes(b"User-agent: *\nDisallow: /x\n# " + MARKER + b"\n")
    (folder / "c.test.txt").write_text("User-agent: CCBot\nDisallow: /\n")
    db = tmp_path / "s.sqlite"
    result = CliRunner().invoke(cli_app, ["survey", "--dir", str(folder), "--db", str(db),
                                          "--label", "L", "--quiet", "--processes", "2"])
    assert result.exit_code == 0, result.output
    with Store(db) as store:
        rows = {r.site: r for r in store.results("L")}
    assert {s: r.status for s, r in rows.items()} == {
        "a.test": "ok", "b.test": "error", "c.test": "ok"}
    assert rows["b.test"].result["failures"][0]["exception"] == "MemoryError"


# --- web API ----------------------------------------------------------------------------------

def call(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    import asyncio

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://validator") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def conforms(instance: Any, schema_name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    from aioptout.web.openapi import document

    schema = {"$ref": f"#/components/schemas/{schema_name}",
              "components": document()["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def test_web_api_answers_an_analysis_failure_with_a_json_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    original = contracts.validate_report

    def validate_report(loaded: Any, **kw: Any) -> Any:
        if MARKER in loaded.data:
            raise IndexError("list index out of range")
        return original(loaded, **kw)

    monkeypatch.setattr(contracts, "validate_report", validate_report)
    app = create_app()
    bad = call(app, "POST", "/api/validate", json={"text": "User-agent: *\n# " + MARKER.decode()})
    assert bad.status_code == 422
    body = bad.json()
    conforms(body, "Error")
    assert body["code"] == "RUN101"
    assert (body["diagnostic"]["stage"], body["diagnostic"]["exception"]) == (
        "validate", "IndexError")
    good = call(app, "POST", "/api/validate", json={"text": "User-agent: *\nDisallow: /\n"})
    assert good.status_code == 200


def test_web_api_a_failure_reading_the_input_is_a_json_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def load(data: bytes, **kw: Any) -> Any:
        raise LookupError("unknown encoding")

    monkeypatch.setattr(contracts, "load", load)
    for path in ("/api/validate", "/api/explain"):
        bad = call(create_app(), "POST", path, json={"text": "User-agent: *\n"})
        assert bad.status_code == 422
        assert (bad.json()["code"], bad.json()["diagnostic"]["stage"]) == ("RUN101", "read")


def test_web_api_crawl_failure_is_a_json_error_with_the_record(
        web: FixtureWeb, broken_tdmrep: None) -> None:
    app = create_app(allow_private=True, resolve=web.resolve_map(), politeness_delay=0.0)
    bad = call(app, "POST", "/api/crawl", json={"site": web.origin(HOSTILE)})
    assert bad.status_code == 422
    body = bad.json()
    conforms(body, "Error")
    conforms(body["record"], "CrawlResponse")
    assert body["code"] == "RUN101" and body["diagnostic"]["stage"] == "tdmrep"
    assert body["record"]["status"] == "error"
    schema_check({k: v for k, v in body["record"].items() if k != "refused"})
    good = call(app, "POST", "/api/crawl", json={"site": web.origin("calm-a.test")})
    assert good.status_code == 200 and good.json()["status"] == "ok"


def test_failure_records_round_trip_to_json() -> None:
    failure = Failure.of("robots", ValueError("x"))
    assert json.loads(json.dumps(failure.to_dict()))["code"] == "RUN101"
