"""Every ``--format json`` document has a JSON Schema in spec/, and real outputs validate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import typer
from typer.testing import CliRunner

from aioptout.cli import app

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "spec"
EXAMPLE = SPEC / "examples" / "record-label.txt"
runner = CliRunner()

#: The schema of each command's --format json (or jsonl record) document.
SCHEMAS = {
    "validate": "validate.schema.json", "explain": "explain.schema.json",
    "check": "check.schema.json", "crawl": "crawl.schema.json",
    "catalogue": "catalogue.schema.json", "convert": "convert.schema.json",
    "report": "report.schema.json", "filter": "filter-receipt.schema.json#/$defs/summary",
    "drift": "drift.schema.json", "publish": "publish.schema.json",
    "stamp": "stamp.schema.json", "agents": "agents.schema.json", "init": "init.schema.json",
    "robots": "robots.schema.json",
}


def _validator(name: str) -> Any:
    file, _, pointer = name.partition("#")
    schema = json.loads((SPEC / file).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    if pointer:
        schema = {"$ref": f"#{pointer}", **{k: v for k, v in schema.items() if k == "$defs"}}
    return jsonschema.Draft202012Validator(schema)


def _json_commands() -> set[str]:
    root = typer.main.get_command(app)
    found = set()
    for name, command in root.commands.items():  # type: ignore[attr-defined]
        for param in command.params:
            if param.param_type_name == "option" and param.opts[0] == "--format":
                choices = param.type_descriptor.choices or ()
                if {"json", "jsonl"} & {getattr(c, "value", c) for c in choices}:
                    found.add(name)
    return found


def test_every_json_command_has_a_schema() -> None:
    assert _json_commands() <= set(SCHEMAS)
    for name in set(SCHEMAS.values()):
        _validator(name)


def _stdout_json(args: list[str], codes: tuple[int, ...] = (0, 1)) -> Any:
    result = runner.invoke(app, args)
    assert result.exit_code in codes, result.stderr
    return json.loads(result.stdout)


def _stdout_jsonl(args: list[str]) -> list[Any]:
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.fixture
def net(fixture_web: Any) -> list[str]:
    pins = [x for line in fixture_web.resolve_lines() for x in ("--resolve", line)]
    return ["--allow-private", "--delay", "0", *pins]


def test_local_commands_follow_their_schemas(tmp_path: Path) -> None:
    minimal = str(SPEC / "examples" / "minimal.txt")
    docs = {
        "validate": _stdout_json(["validate", str(EXAMPLE), "--format", "json"]),
        "explain": _stdout_json(["explain", str(EXAMPLE), "--format", "json"]),
        "check": _stdout_json(["check", str(EXAMPLE), "/a", "--format", "json"]),
        "agents": _stdout_json(["agents", "--format", "json"]),
        "init": _stdout_json(["init", "--block", "GPTBot", "--format", "json"]),
    }
    for name, doc in docs.items():
        _validator(SCHEMAS[name]).validate(doc)
    for target in ("aioptout", "robots", "rsl"):
        doc = _stdout_json(["convert", str(EXAMPLE), "--to", target, "--format", "json"])
        _validator("convert.schema.json").validate(doc)
        doc = _stdout_json(["convert", minimal, "--to", target, "--format", "json"])
        _validator("convert.schema.json").validate(doc)
    robots = tmp_path / "robots.txt"
    robots.write_text("User-agent: GPTBot\nDisallow: /\n", encoding="utf-8")
    for record in _stdout_jsonl(["robots", str(robots), "/", "--agent", "GPTBot",
                                 "--format", "jsonl"]):
        _validator(SCHEMAS["robots"]).validate(record)


def test_network_commands_follow_their_schemas(tmp_path: Path, fixture_web: Any,
                                               net: list[str]) -> None:
    page = fixture_web.url("declared.test", "/a")
    crawled = _stdout_json(["crawl", fixture_web.url("declared.test"), "--format", "json", *net])
    assert crawled
    for record in crawled:
        _validator("crawl.schema.json").validate(record)
    items = tmp_path / "items.csv"
    items.write_text(f"url,isrc\n{page},USRC17607839\n,USRC17607840\n", encoding="utf-8")
    records = _stdout_jsonl(["catalogue", str(items), "--format", "jsonl", *net])
    assert len(records) == 2
    for record in records:
        _validator("catalogue.schema.json").validate(record)
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"url": page}) + "\n", encoding="utf-8")
    summary = _stdout_json(["filter", str(rows), "-o", str(tmp_path / "kept.jsonl"),
                            "--agent", "GPTBot", "--format", "json", *net])
    _validator(SCHEMAS["filter"]).validate(summary)


def test_report_follows_its_schema(tmp_path: Path) -> None:
    root = tmp_path / "saved"
    for month, body in (("2025-01", b"User-agent: *\nAllow: /\n"),
                        ("2025-02", b"User-agent: GPTBot\nDisallow: /\n")):
        (root / month).mkdir(parents=True)
        (root / month / "a.test.txt").write_bytes(body)
    db = tmp_path / "s.sqlite"
    survey = runner.invoke(app, ["survey", "--dir", str(root), "--label-from-subdirs",
                                 "--db", str(db)])
    assert survey.exit_code == 0
    assert survey.stdout == ""  # the summary is a message: stderr
    doc = _stdout_json(["report", "--db", str(db), "--format", "json"], (0,))
    assert set(doc["labels"]) == {"2025-01", "2025-02"}
    _validator("report.schema.json").validate(doc)


def test_web_explain_follows_the_cli_schema() -> None:
    """/api/explain with no file name answers ``source: null``; spec/explain.schema.json says so."""
    import asyncio

    import httpx

    from aioptout.web.app import create_app

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://v") as client:
            return await client.post("/api/explain", json={"text": EXAMPLE.read_text()})

    body = asyncio.run(go()).json()
    assert body["source"] is None
    _validator("explain.schema.json").validate(body)
