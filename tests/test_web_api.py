"""The web API: the CLI's JSON contracts, the OpenAPI document, and the spec page's anchors."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest
from starlette.routing import Route
from typer.testing import CliRunner

from aioptout import diagnostics
from aioptout.cli import app as cli_app
from aioptout.crawl import check_site
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.web import create_app
from aioptout.web._spec import render
from aioptout.web.openapi import document

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("AIOPTOUT_CORPUS", ROOT.parent / "shared" / "corpus"))
EXAMPLE = ROOT / "spec" / "examples" / "record-label.txt"
ERRORS = ROOT / "aioptout" / "data" / "fixtureweb" / "bodies" / "errors.aioptout.txt"
NOW = "2026-06-01T00:00:00Z"


def call(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://validator") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def conforms(instance: Any, schema_name: str) -> None:
    """Validate against a component schema of the OpenAPI document."""
    doc = document()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app()


# --- OpenAPI document -------------------------------------------------------------------------

def test_every_route_is_documented_and_every_documented_path_exists(app: Any) -> None:
    routes = {(r.path, m) for r in app.app.routes if isinstance(r, Route)
              for m in (r.methods or ()) if m != "HEAD"}
    documented = {(path, method.upper()) for path, item in document()["paths"].items()
                  for method in item}
    assert {(p, m) for p, m in routes if p != "/static/{name}"} == documented


def test_openapi_is_served_and_is_version_3_1(app: Any) -> None:
    got = call(app, "GET", "/openapi.json")
    assert got.status_code == 200
    assert got.json() == document()
    assert got.json()["openapi"] == "3.1.0"


def test_component_schemas_are_valid_json_schema() -> None:
    for schema in document()["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


# --- /api/validate ----------------------------------------------------------------------------

def test_validate_marks_every_error_of_a_broken_declaration(app: Any) -> None:
    got = call(app, "POST", "/api/validate", json={"text": ERRORS.read_text(), "now": NOW})
    assert got.status_code == 200
    body = got.json()
    conforms(body, "ValidateResponse")
    assert body["kind"] == "aioptout"
    assert body["valid"] is False
    found = [(d["code"], d["line"], d["column"]) for d in body["diagnostics"]]
    # spec R-5.1-1: "A declaration MUST contain an AIOptOut-Version record."
    assert ("AOO301", 1, 1) in found
    # spec R-5.3-1: Contact MUST be a mailto:, https: or http: URI.
    assert ("AOO307", 2, 10) in found
    # spec R-6-2: a rule before the first User-agent line is ignored.
    assert ("AOO402", 5, 1) in found
    assert body["summary"]["errors"] == sum(d["severity"] == "error" for d in body["diagnostics"])


def test_validate_matches_the_cli_json(app: Any) -> None:
    cli = CliRunner().invoke(cli_app, ["validate", str(ERRORS), "--format", "json",
                                       "--now", NOW])
    expected = json.loads(cli.stdout)["files"][0]
    got = call(app, "POST", "/api/validate",
               json={"text": ERRORS.read_text(), "now": NOW, "kind": "aioptout"}).json()
    assert got["diagnostics"] == expected["diagnostics"]
    assert got["valid"] == expected["valid"]


def test_base64_keeps_invalid_utf8_so_its_position_is_reported(app: Any) -> None:
    data = b"AIOptOut-Version: 1\nRightsholder: Caf\xe9\nUser-agent: *\nAllow: /\n"
    got = call(app, "POST", "/api/validate",
               json={"base64": base64.b64encode(data).decode(), "name": "aioptout.txt"})
    # spec R-3-1: "A declaration MUST be encoded in UTF-8."
    assert [(d["code"], d["line"], d["column"]) for d in got.json()["diagnostics"]] == [
        ("AOO101", 2, 18)]


def _corpus_sample() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    others = sorted(p for p in (CORPUS / "other").rglob("*") if p.is_file())
    robots = sorted(p for p in (CORPUS / "robots").rglob("*") if p.is_file())
    return others + robots[:: max(1, len(robots) // 40)]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no corpus at {CORPUS} (set AIOPTOUT_CORPUS)")
def test_real_files_from_the_corpus_validate_and_explain(app: Any) -> None:
    sample = _corpus_sample()
    assert len(sample) > 40
    for path in sample:
        payload = {"base64": base64.b64encode(path.read_bytes()[:400_000]).decode(),
                   "name": path.name}
        for endpoint, schema in (("/api/validate", "ValidateResponse"),
                                 ("/api/explain", "ExplainResponse")):
            got = call(app, "POST", endpoint, json=payload)
            assert got.status_code == 200, (path, endpoint, got.text[:200])
            conforms(got.json(), schema)


def test_a_declaration_without_version_line_is_still_read_as_a_declaration(app: Any) -> None:
    got = call(app, "POST", "/api/validate", json={"text": "Rightsholder: X\nUser-agent: *\n"})
    assert got.json()["kind"] == "aioptout"


# --- /api/explain -----------------------------------------------------------------------------

def test_explain_rows_and_deciding_lines(app: Any) -> None:
    got = call(app, "POST", "/api/explain",
               json={"text": EXAMPLE.read_text(), "targets": ["/", "/press/kit.zip"], "now": NOW})
    assert got.status_code == 200
    body = got.json()
    conforms(body, "ExplainResponse")
    root, press = body["targets"]
    rows = {row["agent"]: row for row in root["agents"]}
    assert next(iter(rows)) == "*"
    assert {rows[a]["purpose"] for a in rows if a != "*"} == {
        "training", "dataset", "search", "user-fetch", "agent", "control"}
    # Line 12 of the example: "Content-Usage: train-ai=n, train-any=n, search=y".
    assert rows["*"]["decisions"]["train-ai"] == {
        "value": "disallowed", "line": 12, "reason": rows["*"]["decisions"]["train-ai"]["reason"]}
    assert rows["GPTBot"]["decisions"]["search"]["value"] == "allowed"
    press_row = {row["agent"]: row for row in press["agents"]}["*"]
    assert press_row["decisions"]["train-ai"]["value"] == "allowed"
    assert press_row["decisions"]["train-ai"]["line"] == 17


def test_explain_cells_equal_the_cli_explain_json(app: Any) -> None:
    cli = CliRunner().invoke(cli_app, ["explain", str(EXAMPLE), "--format", "json", "--now", NOW,
                                       "--target", "/", "--target", "isrc:GBNWR2600001"])
    expected = json.loads(cli.stdout)
    got = call(app, "POST", "/api/explain",
               json={"text": EXAMPLE.read_text(), "now": NOW,
                     "targets": ["/", "isrc:GBNWR2600001"]}).json()
    assert got["declaration"] == expected["declaration"]
    for ours, theirs in zip(got["targets"], expected["targets"], strict=True):
        by_agent = {row["agent"]: row["decisions"] for row in ours["agents"]}
        for row in theirs["agents"]:
            assert by_agent[row["agent"]] == row["decisions"]


def test_explain_of_a_robots_txt_uses_every_signal_it_carries(app: Any) -> None:
    text = "User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    body = call(app, "POST", "/api/explain", json={"text": text}).json()
    assert body["kind"] == "robots" and body["declaration"] is None
    rows = {row["agent"]: row["decisions"] for row in body["targets"][0]["agents"]}
    assert rows["GPTBot"]["crawl"]["value"] == "disallowed"
    assert rows["GPTBot"]["crawl"]["line"] == 2
    # A training crawler that may not fetch cannot train (decide.py, mapping row "robots").
    assert rows["GPTBot"]["train-ai"]["value"] == "disallowed"
    assert rows["*"]["crawl"]["value"] == "allowed"


# --- /api/check -------------------------------------------------------------------------------

def test_check_equals_the_cli_check_json(app: Any) -> None:
    targets = ["/press/a.html", "/songs/1", "isrc:GBNWR2600001"]
    cli = CliRunner().invoke(cli_app, ["check", str(EXAMPLE), *targets, "--agent", "GPTBot",
                                       "--usage", "train-ai", "--format", "json", "--now", NOW])
    expected = json.loads(cli.stdout)
    got = call(app, "POST", "/api/check",
               json={"text": EXAMPLE.read_text(), "agent": "GPTBot", "usage": "train-ai",
                     "targets": targets, "now": NOW, "name": str(EXAMPLE)})
    assert got.status_code == 200
    conforms(got.json(), "CheckResponse")
    assert got.json() == expected
    assert [d["value"] for d in got.json()["decisions"]] == ["allowed", "disallowed",
                                                             "disallowed"]


# --- /api/starter -----------------------------------------------------------------------------

def test_starter_writes_what_aioptout_init_writes(app: Any) -> None:
    args = ["init", "--no-interactive", "--rightsholder", "Northwind Records",
            "--contact", "mailto:rights@northwind.example", "--catalogue", "isrc:GBNWR*",
            "--block", "GPTBot", "--reserve-ai-input"]
    cli = CliRunner().invoke(cli_app, args)
    assert cli.exit_code == 0, cli.output
    got = call(app, "POST", "/api/starter",
               json={"rightsholder": "Northwind Records",
                     "contact": "mailto:rights@northwind.example", "catalogue": ["isrc:GBNWR*"],
                     "block": ["GPTBot"], "reserve_ai_input": True})
    body = got.json()
    conforms(body, "StarterResponse")

    def undated(text: str) -> list[str]:
        return [line for line in text.splitlines() if not line.startswith("Issued:")]

    assert undated(body["text"]) == undated(cli.stdout)
    assert body["valid"] is True


# --- /api/crawl -------------------------------------------------------------------------------

def test_crawl_returns_the_crawl_record(fixture_web: FixtureWeb) -> None:
    app = create_app(resolve=fixture_web.resolve_map(), politeness_delay=0.0, fetch_timeout=5.0)
    site = fixture_web.origin("declared.test")
    got = call(app, "POST", "/api/crawl", json={"site": site})
    assert got.status_code == 200, got.text
    record = got.json()
    conforms(record, "CrawlResponse")
    crawl_schema = json.loads((ROOT / "spec" / "crawl.schema.json").read_text())
    jsonschema.Draft202012Validator(crawl_schema).validate(record)
    fetcher = Fetcher(resolve=fixture_web.resolve_map(), politeness_delay=0.0)
    direct = check_site(site, fetcher=fetcher).to_dict()
    for key in ("site", "signals", "crawl", "usage", "compliant", "declaration", "reasons"):
        assert record[key] == direct[key], key
    assert record["refused"] == []
    assert record["compliant"] is True


# --- request errors ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/api/validate", b"{not json", 400, None),
        ("/api/validate", b"[1, 2]", 422, None),
        ("/api/validate", b"{}", 422, "text"),
        ("/api/validate", b'{"text": "a", "base64": "YQ=="}', 422, "text"),
        ("/api/validate", b'{"base64": "***"}', 422, "base64"),
        ("/api/validate", b'{"text": "a", "kind": "sitemap"}', 422, "kind"),
        ("/api/validate", b'{"text": "a", "now": "yesterday"}', 422, "now"),
        ("/api/check", b'{"text": "a", "targets": ["/"], "usage": "eat"}', 422, "usage"),
        ("/api/check", b'{"text": "a", "targets": []}', 422, "targets"),
        ("/api/explain", b'{"text": "a", "targets": [1]}', 422, "targets"),
        ("/api/starter", b'{"reserve_training": "yes"}', 422, "reserve_training"),
        ("/api/crawl", b'{"site": ""}', 422, "site"),
        ("/api/crawl", b'{"site": 7}', 422, "site"),
    ],
)
def test_bad_requests_get_a_json_error(app: Any, path: str, body: bytes, status: int,
                                       field: str | None) -> None:
    got = call(app, "POST", path, content=body, headers={"Content-Type": "application/json"})
    assert got.status_code == status
    conforms(got.json(), "Error")
    assert got.json().get("field") == field


# --- /spec ------------------------------------------------------------------------------------

def test_spec_page_has_an_anchor_for_every_requirement_a_diagnostic_cites(app: Any) -> None:
    page = call(app, "GET", "/spec")
    assert page.status_code == 200
    cited = {c.spec.lower() for c in diagnostics.all_codes().values() if c.spec.startswith("R-")}
    missing = sorted(a for a in cited if f'id="{a}"' not in page.text)
    assert missing == []


def test_spec_rendering_escapes_html() -> None:
    page = render("# T\n\nA <script>alert(1)</script> [x](javascript:alert(1)) [R-1-1]\n")
    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert 'href="javascript' not in page
    assert 'id="r-1-1"' in page


def test_now_defaults_to_the_current_time(app: Any) -> None:
    expired = "AIOptOut-Version: 1\nExpires: 2001-01-01\nUser-agent: *\nAllow: /\n"
    got = call(app, "POST", "/api/validate", json={"text": expired})
    codes = {d["code"] for d in got.json()["diagnostics"]}
    # spec R-5.6-4: a reader SHOULD report a declaration whose Expires date has passed.
    assert "AOO313" in codes


# --- aioptout serve ---------------------------------------------------------------------------

def _serve_app() -> Any:
    import typer

    from aioptout._cli import serve

    app = typer.Typer()
    serve.register(app)

    @app.callback()
    def _root() -> None:
        """Throwaway root so that ``serve`` is a subcommand, as in aioptout.cli."""

    return app


def test_serve_without_the_web_extra_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def without_uvicorn(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uvicorn":
            raise ModuleNotFoundError("No module named 'uvicorn'", name="uvicorn")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_uvicorn)
    result = CliRunner().invoke(_serve_app(), ["serve", "--port", "0"])
    assert result.exit_code == 2
    assert "aioptout[web]" in result.output


def test_serve_on_a_busy_port_is_a_usage_error() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = CliRunner().invoke(_serve_app(), ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert "cannot listen" in result.output


def test_serve_rejects_a_malformed_resolve() -> None:
    result = CliRunner().invoke(_serve_app(), ["serve", "--resolve", "nonsense"])
    assert result.exit_code == 2
