"""Every conformance vector, run in-process through our protocol adapter.

The same cases run out of process in CI (``conformance/run.py --impl "aioptout
conformance-adapter"``); here they run through ``aioptout._conformance.handle`` directly, one
test per case ID, so a failure names the case and shows the expected/actual diff.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import typer
from _conformance_suite import SUITE, load
from typer.testing import CliRunner

from aioptout._cli.conformance import register
from aioptout._conformance import RequestError, handle

run = load("run")
CASES = run.load_cases(SUITE / "cases")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    result = run.check_case(case, handle)
    assert result.passed, "\n".join(result.problems)


def test_suite_covers_every_area_and_level() -> None:
    areas = {c["area"] for c in CASES}
    assert areas == {
        "syntax", "fields", "groups", "paths", "usage", "catalogue",
        "combination", "encoding", "diagnostics", "examples", "rsl",
    }
    assert {c["level"] for c in CASES} >= {"must", "should"}
    assert len(CASES) >= 60


def test_spec_examples_each_have_a_case() -> None:
    # spec §14: "Each example is a file under spec/examples/ and a conformance vector under
    # conformance/cases/examples/."
    examples = {p.stem for p in (SUITE.parent / "spec" / "examples").glob("*.txt")}
    vectors = {c["id"].split("/", 1)[1] for c in CASES if c["area"] == "examples"}
    assert examples <= vectors, f"examples without a vector: {sorted(examples - vectors)}"
    for case in CASES:
        if case["area"] == "examples":
            text = (SUITE.parent / "spec" / "examples" / (case["id"][9:] + ".txt")).read_text()
            assert case["input"] == {"text": text}, f"{case['id']} differs from its spec file"


def _request(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "protocol": 1, "mode": "evaluate", "now": "2026-06-01T00:00:00Z",
        "input": {"text": "AIOptOut-Version: 1\nUser-agent: *\nDisallow: /x\n"},
        "queries": [{"agent": "A", "target": "/x", "usage": "crawl"}],
    }
    base.update(changes)
    return base


def test_handle_answers_both_modes() -> None:
    assert handle(_request()) == {"results": ["disallowed"]}
    response = handle(_request(mode="validate", input={"text": "User-agent: *\n"}))
    assert response["valid"] is False
    assert {(d["code"], d["severity"], d["line"]) for d in response["diagnostics"]} >= {
        ("AOO301", "error", 1), ("AOO403", "error", 1)
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"protocol": 2},
        {"mode": "explain"},
        {"input": {"text": 3}},
        {"input": {"base64": "***"}},
        {"input": {"text": "", "base64": ""}},
        {"now": "2026-06-01"},
        {"now": "2026-06-01T00:00:00"},
        {"queries": [{"agent": "A", "target": "/x"}]},
        {"queries": [{"agent": "A", "target": "/x", "usage": "train-genai"}]},
        {"queries": "all"},
    ],
)
def test_handle_rejects_malformed_requests(changes: dict[str, Any]) -> None:
    with pytest.raises(RequestError):
        handle(_request(**changes))


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def _root() -> None:
        """Keeps conformance-adapter a named subcommand, as in the real CLI."""

    return app


def test_adapter_command_speaks_the_protocol() -> None:
    result = CliRunner().invoke(_app(), ["conformance-adapter"], input=json.dumps(_request()))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"results": ["disallowed"]}


@pytest.mark.parametrize("payload", ["{not json", json.dumps(_request(mode="x")), "[]"])
def test_adapter_command_malformed_request_exits_2(payload: str) -> None:
    result = CliRunner().invoke(_app(), ["conformance-adapter"], input=payload)
    assert result.exit_code == 2
    assert "error" in json.loads(result.stdout)
