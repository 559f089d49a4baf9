"""The pre-commit hooks and the GitHub Action's script, run for real on a temporary repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import aioptout
from aioptout.publish import publish

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DECLARATION = (ROOT / "spec" / "examples" / "record-label.txt").read_text(encoding="utf-8")


def _hooks() -> list[dict[str, object]]:
    import yaml  # pre-commit's own dependency

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    return hooks


def _site(repo: Path) -> None:
    (repo / "aioptout.txt").write_text(DECLARATION, encoding="utf-8")
    for channel in publish(aioptout.parse(DECLARATION), DECLARATION).channels:
        target = repo / "public" / channel.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(channel.text, encoding="utf-8")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "site"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "t@example.invalid")
    _git(repo, "config", "user.name", "t")
    _site(repo)
    # The published hooks, run as pre-commit runs them; "system" points the entry at this
    # environment's aioptout instead of building a fresh one from the network.
    import yaml

    local = []
    for hook in _hooks():
        hook = dict(hook, language="system", entry=f"{BIN / 'aioptout'} "
                    + str(hook["entry"]).removeprefix("aioptout "))
        if hook["id"] == "aioptout-drift":
            hook["args"] = ["public", "--declaration", "aioptout.txt"]
        local.append(hook)
    config = {"repos": [{"repo": "local", "hooks": local}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    _git(repo, "add", "-A")
    return repo


def _pre_commit(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    return subprocess.run([str(BIN / "pre-commit"), "run", "--all-files"], cwd=repo, env=env,
                          capture_output=True, text=True, timeout=300)


def test_hook_definitions_are_what_publishers_need() -> None:
    hooks = {h["id"]: h for h in _hooks()}
    assert set(hooks) == {"aioptout-validate", "aioptout-drift"}
    assert all(h["language"] == "python" for h in hooks.values())
    assert hooks["aioptout-drift"]["pass_filenames"] is False


def test_pre_commit_passes_a_published_site(repo: Path, tmp_path: Path) -> None:
    result = _pre_commit(repo, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_fails_an_invalid_declaration(repo: Path, tmp_path: Path) -> None:
    (repo / "aioptout.txt").write_text("User-agent: *\nDisallow: /\n", encoding="utf-8")
    _git(repo, "add", "-A")
    result = _pre_commit(repo, tmp_path)
    assert result.returncode == 1
    assert "aioptout validate" in result.stdout and "Failed" in result.stdout


def test_pre_commit_fails_a_drifted_channel(repo: Path, tmp_path: Path) -> None:
    (repo / "public" / "ai.txt").write_text("User-Agent: *\nAllow: /\n", encoding="utf-8")
    _git(repo, "add", "-A")
    result = _pre_commit(repo, tmp_path)
    assert result.returncode == 1
    assert "aioptout drift" in result.stdout and "ai.txt" in result.stdout


def _action(tmp_path: Path, **env: str) -> tuple[int, Path]:
    out = tmp_path / "sarif"
    full = dict(os.environ, AIOPTOUT=str(BIN / "aioptout"), AIOPTOUT_SARIF_DIR=str(out), **env)
    result = subprocess.run(["bash", str(ROOT / "scripts" / "action.sh")], env=full,
                            capture_output=True, text=True, timeout=300)
    return result.returncode, out


def test_the_action_script_writes_sarif_and_passes(tmp_path: Path) -> None:
    _site(tmp_path)
    code, out = _action(tmp_path, AIOPTOUT_DECLARATION=str(tmp_path / "aioptout.txt"),
                        AIOPTOUT_FOLDER=str(tmp_path / "public"))
    assert code == 0
    for name in ("validate.sarif", "drift-folder.sarif"):
        log = json.loads((out / name).read_text(encoding="utf-8"))
        assert log["version"] == "2.1.0"


def test_the_action_script_fails_on_drift_after_writing_everything(tmp_path: Path) -> None:
    _site(tmp_path)
    (tmp_path / "public" / "ai.txt").write_text("User-Agent: *\nAllow: /\n", encoding="utf-8")
    code, out = _action(tmp_path, AIOPTOUT_DECLARATION=str(tmp_path / "aioptout.txt"),
                        AIOPTOUT_FOLDER=str(tmp_path / "public"))
    assert code == 1
    results = json.loads((out / "drift-folder.sarif").read_text(encoding="utf-8"))
    assert results["runs"][0]["results"]
    assert json.loads((out / "validate.sarif").read_text(encoding="utf-8"))["runs"][0][
        "results"] == []


def test_the_action_runs_the_script() -> None:
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    runs = " ".join(str(step.get("run", "")) for step in action["runs"]["steps"])
    assert "scripts/action.sh" in runs
    assert {"declaration", "folder", "site", "sarif-dir"} <= set(action["inputs"])
