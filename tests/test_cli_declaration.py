"""The publisher commands through the real CLI: output shapes, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aioptout import parse, validate
from aioptout.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "spec" / "examples"
runner = CliRunner()


def run(*args: str, stdin: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin, env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("aioptout ")


def test_validate_clean_examples_exit_zero() -> None:
    code, out, err = run("validate", *map(str, sorted(EXAMPLES.glob("*.txt"))))
    assert code == 0, out + err
    assert "valid" in err


def test_validate_text_output_is_compiler_style(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("User-agent: *\nDisallow /x\n")
    code, out, _ = run("validate", str(bad), "--kind", "aioptout")
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith(f"{bad}:1:1: error AOO301")
    assert any(line.strip().startswith("| ") and "^" in line for line in out.splitlines())


def test_validate_json_and_sarif(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nContent-Usage: tdm=n\n")
    code, out, _ = run("validate", str(bad), "--format", "json")
    assert code == 0  # only a warning; --fail-on defaults to error
    doc = json.loads(out)
    assert doc["schema_version"] == 1
    assert [d["code"] for d in doc["files"][0]["diagnostics"]] == ["AOO516"]
    code, out, _ = run("validate", str(bad), "--format", "sarif", "--strict")
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "AOO516" and result["level"] == "warning"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_fail_on_levels(tmp_path: Path) -> None:
    f = tmp_path / "w.txt"
    f.write_text("AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nContent-Usage: tdm=n\n")
    assert run("validate", str(f), "--fail-on", "warning")[0] == 1
    assert run("validate", str(f), "--fail-on", "never")[0] == 0


def test_validate_stdin() -> None:
    code, out, _ = run("validate", "-", "--format", "json", stdin=b"AIOptOut-Version: 1\n")
    assert code == 0 and json.loads(out)["files"][0]["source"] == "<stdin>"


def test_missing_file_exits_3_with_message(tmp_path: Path) -> None:
    code, _, err = run("validate", str(tmp_path / "nope.txt"))
    assert code == 3 and "no such file" in err


def test_directory_exits_3(tmp_path: Path) -> None:
    assert run("validate", str(tmp_path))[0] == 3


def test_bad_option_exits_2() -> None:
    assert run("validate", "--format", "yaml", "x")[0] == 2


def test_explain_table_and_json() -> None:
    news = str(EXAMPLES / "newsroom.txt")
    code, out, _ = run("explain", news, "--now", "2026-06-01T00:00:00Z")
    assert code == 0
    assert "GPTBot" in out and "any agent the file does not name" in out and "L10" in out
    code, out, _ = run(
        "explain",
        news,
        "--format",
        "json",
        "--target",
        "/opinion/x",
        "--now",
        "2026-06-01T00:00:00Z",
    )
    doc = json.loads(out)
    star = next(a for a in doc["targets"][0]["agents"] if a["agent"] == "*")
    assert star["decisions"]["search"] == {
        "value": "disallowed",
        "line": 11,
        "reason": star["decisions"]["search"]["reason"],
    }
    assert doc["declaration"]["rightsholder"] == "The Daily Example"


def test_explain_one_agent_for_a_work_id() -> None:
    _code, out, _ = run(
        "explain",
        str(EXAMPLES / "record-label.txt"),
        "--agent",
        "ClaudeBot",
        "--target",
        "isrc:GBNWR2600001",
        "--format",
        "json",
        "--now",
        "2026-06-01T00:00:00Z",
    )
    doc = json.loads(out)
    row = doc["targets"][0]["agents"]
    assert [r["agent"] for r in row] == ["ClaudeBot"]
    assert row[0]["decisions"]["train-ai"]["value"] == "disallowed"


def test_init_output_validates_clean(tmp_path: Path) -> None:
    out_file = tmp_path / ".well-known" / "aioptout.txt"
    code, _, err = run(
        "init",
        "--no-interactive",
        "--rightsholder",
        "Northwind Records",
        "--contact",
        "mailto:rights@northwind.example",
        "--licensing",
        "https://northwind.example/licensing",
        "--catalogue",
        "isrc:GBNWR*",
        "--catalogue",
        "ean:5012345*",
        "--block",
        "GPTBot",
        "--expires",
        "2099-01-01",
        "-o",
        str(out_file),
    )
    assert code == 0, err
    text = out_file.read_text()
    assert validate(text) == []
    decl = parse(text)
    assert decl.evaluate("CCBot", "/", "train-ai").value.value == "disallowed"
    assert decl.evaluate("CCBot", "isrc:GBNWR2600001", "train-ai").value.value == "disallowed"
    assert decl.evaluate("GPTBot", "/", "crawl").value.value == "disallowed"
    assert run("init", "--no-interactive", "-o", str(out_file))[0] == 2  # exists


def test_init_rejects_options_that_would_be_invalid() -> None:
    code, _, err = run("init", "--no-interactive", "--contact", "not a uri")
    assert code == 2 and "AOO307" in err


def test_init_prompts_when_interactive() -> None:
    answers = "Ana Example\nmailto:ana@photo.example\n\n\ny\n"
    code, out, _ = run("init", "--interactive", stdin=answers)
    assert code == 0
    assert "Rightsholder: Ana Example" in out
    assert "Contact: mailto:ana@photo.example" in out


@pytest.mark.parametrize("data", [b"\x00\x01\x02" * 1000, b"\xff" * 50_000, b"User-agent: *\r" * 9])
def test_console_script_never_prints_a_traceback(tmp_path: Path, data: bytes) -> None:
    f = tmp_path / "in.txt"
    f.write_bytes(data)
    proc = subprocess.run(
        [sys.executable, "-m", "aioptout", "validate", str(f)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1)
    assert "Traceback" not in proc.stderr


def _schema(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((ROOT / "spec" / f"{name}.schema.json").read_text())
    return loaded


def test_json_outputs_follow_their_schemas(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    examples = [str(p) for p in sorted(EXAMPLES.glob("*.txt"))]
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"User-agent: *\nDisallow /x\nContent-Usage: Train-AI=n\n\xff\n")
    _, out, _ = run("validate", "--format", "json", *examples, str(bad))
    jsonschema.validate(json.loads(out), _schema("validate"))
    _, out, _ = run("explain", examples[0], "--format", "json", "--target", "isrc:GBNWR2600001")
    jsonschema.validate(json.loads(out), _schema("explain"))
    _, out, _ = run("check", str(EXAMPLES / "record-label.txt"), "--agent", "GPTBot",
                    "--format", "json", "/", "isrc:GBNWR2600001", "--now", "2026-06-01")
    jsonschema.validate(json.loads(out), _schema("check"))
    _, out, _ = run("check", str(EXAMPLES / "newsroom.txt"), "--agent", "GPTBot",
                    "--format", "jsonl", "/a", "/b")
    for line in out.splitlines():
        jsonschema.validate({"schema_version": 1, "decisions": [json.loads(line)]},
                            _schema("check"))


def test_validate_guesses_the_kind_of_file(tmp_path: Path) -> None:
    robots = tmp_path / "robots.txt"
    robots.write_text("User-agent: *\nDissallow: /x\n")
    code, out, _ = run("validate", str(robots), "--format", "json")
    entry = json.loads(out)["files"][0]
    assert entry["kind"] == "robots"
    assert [d["code"] for d in entry["diagnostics"]] == ["ROB102"]
    # A declaration that lost its version line is still read as a declaration.
    lost = tmp_path / "policy.txt"
    lost.write_text("Rightsholder: X\nUser-agent: *\nAllow: /\n")
    code, out, _ = run("validate", str(lost), "--format", "json")
    entry = json.loads(out)["files"][0]
    assert entry["kind"] == "aioptout" and entry["valid"] is False
    assert code == 1
