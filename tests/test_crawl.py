"""Site checks over the fixture web, the JSON contract, and the crawl command."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from aioptout import usage as U
from aioptout._cli import crawl as crawl_cli
from aioptout.crawl import check_site, check_sites, site_origin
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.model import Value

MakeFetcher = Callable[..., Fetcher]
SCHEMA = Path(__file__).resolve().parents[1] / "spec" / "crawl.schema.json"


def outcomes(report: Any) -> dict[str, str]:
    return {s.mechanism: s.outcome for s in report.signals}


def validate(record: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(record, json.loads(SCHEMA.read_text("utf-8")))


def test_site_with_every_signal(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    report = check_site(fixture_web.origin("declared.test"), agent="GPTBot",
                        fetcher=make_fetcher())
    assert outcomes(report) == dict.fromkeys(
        ("aioptout", "robots", "tdmrep", "ai-txt", "http-header", "html-meta"), "present")
    assert report.compliant
    assert report.crawl is Value.DISALLOWED  # GPTBot has its own Disallow: / group
    assert report.usage["train-ai"] is Value.DISALLOWED
    assert report.declaration is not None and report.robots is not None
    assert report.declaration.rightsholder == "Declared Fixture Records Ltd"
    validate(report.to_dict())


def test_agent_star_is_allowed_to_crawl(fixture_web: FixtureWeb, make_fetcher: MakeFetcher
                                        ) -> None:
    report = check_site(fixture_web.origin("declared.test"), fetcher=make_fetcher())
    assert report.crawl is Value.ALLOWED and report.agent == "*"


def test_declaration_with_errors_is_not_compliant(fixture_web: FixtureWeb,
                                                  make_fetcher: MakeFetcher) -> None:
    report = check_site(fixture_web.origin("declaration-errors.test"), fetcher=make_fetcher())
    assert not report.compliant
    record = report.to_dict()
    signals: list[dict[str, Any]] = record["signals"]  # type: ignore[assignment]
    aioptout = next(s for s in signals if s["mechanism"] == "aioptout")
    assert "AOO301" in {d["code"] for d in aioptout["errors"]}
    validate(record)


# RFC 9309 §2.3.1.3: unavailable → "the crawler MAY access any resources on the server";
# §2.3.1.4: unreachable → "the crawler MUST assume complete disallow".
@pytest.mark.parametrize(("host", "robots", "crawl"), [
    ("status-404.test", "unavailable", Value.ALLOWED),
    ("status-401.test", "unavailable", Value.ALLOWED),
    ("redirect-7.test", "unavailable", Value.ALLOWED),
    ("status-503.test", "unreachable", Value.DISALLOWED),
    ("status-429.test", "unreachable", Value.DISALLOWED),
    ("redirect-private.test", "unreachable", Value.DISALLOWED),
])
def test_robots_status_handling(fixture_web: FixtureWeb, make_fetcher: MakeFetcher, host: str,
                                robots: str, crawl: Value) -> None:
    report = check_site(fixture_web.origin(host), agent="GPTBot", fetcher=make_fetcher())
    assert outcomes(report)["robots"] == robots
    assert report.crawl is crawl


def test_unreachable_robots_reserves_training_for_training_crawlers(
        fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    report = check_site(fixture_web.origin("status-503.test"), agent="GPTBot",
                        fetcher=make_fetcher())
    assert report.robots is None
    assert report.usage["train-ai"] is Value.DISALLOWED


def test_unreachable_declaration_reserves_every_use(
        fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    # Spec R-2-22: a declaration answering 500 reserves every use of the origin's content,
    # also for an agent no registry purpose covers; status-503.test serves none (404).
    report = check_site(fixture_web.origin("status-500.test"), agent="ExampleBot",
                        fetcher=make_fetcher())
    assert report.declaration is None
    assert all(report.usage[label] is Value.DISALLOWED for label in U.LABELS)
    decision = report.decisions["search"]
    assert decision.mechanism == "aioptout"
    assert "unreachable" in decision.reason
    assert report.decide("isrc:GBEMI0300013", "train-ai").value is Value.UNKNOWN
    other = check_site(fixture_web.origin("status-503.test"), agent="ExampleBot",
                       fetcher=make_fetcher())
    assert other.usage["search"] is Value.UNKNOWN


@pytest.mark.parametrize(("host", "mechanism", "label"), [
    ("header-content-usage.test", "http-header", "train-ai"),
    ("header-noai.test", "http-header", "train-ai"),
    ("header-tdm.test", "http-header", "tdm"),
    ("meta-noai.test", "html-meta", "train-ai"),
    ("meta-tdm.test", "html-meta", "tdm"),
    ("tdmrep-itcop.test", "tdmrep", "tdm"),
    ("aitxt-arne.test", "ai-txt", "train-ai"),
    ("real-stackoverflow.test", "robots", "search"),
])
def test_each_signal_reserves(fixture_web: FixtureWeb, make_fetcher: MakeFetcher, host: str,
                              mechanism: str, label: str) -> None:
    report = check_site(fixture_web.origin(host), fetcher=make_fetcher())
    assert outcomes(report)[mechanism] == "present"
    assert report.usage[label] is Value.DISALLOWED


def test_tdm_reservation_zero_allows(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    report = check_site(fixture_web.origin("tdmrep-xlr8harder.test"), fetcher=make_fetcher())
    assert report.usage["tdm"] is Value.ALLOWED


def test_empty_site_is_unknown(fixture_web: FixtureWeb, make_fetcher: MakeFetcher) -> None:
    report = check_site(fixture_web.origin("empty.test"), fetcher=make_fetcher())
    assert set(outcomes(report).values()) == {"unavailable"}
    assert set(report.usage.values()) == {Value.UNKNOWN}
    assert report.crawl is Value.ALLOWED


def test_crawl_over_every_fixture_site(fixture_web: FixtureWeb, make_fetcher: MakeFetcher
                                       ) -> None:
    # Ample for a 512 KB body under load; the drip still needs ~100 s, so it times out.
    fetcher = make_fetcher(total_timeout=5.0)
    sites = [fixture_web.origin(name) for name in fixture_web.sites]
    reports = list(check_sites(sites, agent="GPTBot", fetcher=fetcher, jobs=8))
    assert [r.site for r in reports] == sites
    for report in reports:
        validate(report.to_dict())
        for signal in report.signals:
            assert signal.outcome in ("present", "unavailable", "unreachable")
            if signal.outcome == "unreachable":
                assert signal.error, (report.site, signal.mechanism)
    by_host = {r.site.split("//")[1].split(":")[0]: r for r in reports}
    assert outcomes(by_host["drip.test"])["robots"] == "unreachable"
    assert by_host["drip.test"].fetches["robots"].error_kind == "timeout"
    assert outcomes(by_host["big.test"])["robots"] == "present"
    assert by_host["big.test"].fetches["robots"].truncated
    assert by_host["gzip-bomb.test"].fetches["robots"].truncated
    assert fixture_web.errors == []


def test_bad_site_never_raises(make_fetcher: MakeFetcher) -> None:
    report = check_site("http://", fetcher=make_fetcher())
    assert report.crawl is Value.DISALLOWED and not report.compliant


def test_site_origin() -> None:
    assert site_origin("Example.TEST") == "https://example.test"
    assert site_origin("http://a.test:8080/some/page") == "http://a.test:8080"
    assert site_origin("ftp://a.test") is None


def _app() -> typer.Typer:
    app = typer.Typer()
    crawl_cli.register(app)
    return app


def test_crawl_command_json_validates_against_schema(fixture_web: FixtureWeb) -> None:
    result = CliRunner().invoke(_app(), [
        "crawl", fixture_web.origin("declared.test"), fixture_web.origin("status-503.test"),
        "--agent", "GPTBot", "--format", "json", "--delay", "0",
        "--resolve", f"declared.test:{fixture_web.port}:127.0.0.1",
        "--resolve", f"status-503.test:{fixture_web.port}:127.0.0.1"])
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert [r["crawl"] for r in records] == ["disallowed", "disallowed"]
    for record in records:
        validate(record)


def test_crawl_command_text_and_jsonl(fixture_web: FixtureWeb) -> None:
    pin = ["--resolve", f"declared.test:{fixture_web.port}:127.0.0.1", "--delay", "0"]
    result = CliRunner().invoke(_app(), ["crawl", fixture_web.origin("declared.test"), *pin])
    assert result.exit_code == 0 and "compliant yes" in result.stdout
    result = CliRunner().invoke(_app(), ["crawl", fixture_web.origin("declared.test"), *pin,
                                         "--format", "jsonl"])
    assert json.loads(result.stdout.splitlines()[0])["compliant"] is True


def test_crawl_command_refuses_loopback_without_pin(fixture_web: FixtureWeb) -> None:
    result = CliRunner().invoke(_app(), ["crawl", f"http://127.0.0.1:{fixture_web.port}",
                                         "--format", "json", "--delay", "0"])
    assert result.exit_code == 3
    record = json.loads(result.stdout)[0]
    robots = next(s for s in record["signals"] if s["mechanism"] == "robots")
    assert robots["outcome"] == "unreachable"
    assert robots["errors"][0]["code"] == "FET106"


def test_crawl_command_bad_resolve_is_a_usage_error() -> None:
    result = CliRunner().invoke(_app(), ["crawl", "a.test", "--resolve", "nonsense"])
    assert result.exit_code == 2
