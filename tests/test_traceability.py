"""Every requirement of the spec is checked by a test or a vector, and docs/requirements.md says
so: ``scripts/trace_requirements.py --check`` run in-process, so the suite fails too."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_trace_requirements", ROOT / "scripts" / "trace_requirements.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_requirement_is_checked_and_the_table_is_current(
        capsys: pytest.CaptureFixture[str]) -> None:
    status = _script().main(["--check"])
    assert status == 0, capsys.readouterr().err


def test_only_the_listed_exemptions_go_untested() -> None:
    script = _script()
    _, problems = script.build()
    assert problems == []
    # An exemption is a reasoned exception, not a way to silence the check.
    assert len(script.EXEMPT) == 2
    assert all(len(why) > 40 for why in script.EXEMPT.values())


def test_a_requirement_without_a_test_fails_the_check(
        monkeypatch: pytest.MonkeyPatch) -> None:
    script = _script()
    real = script._citations

    def without(folder: Path, pattern: str) -> dict[str, list[str]]:
        found: dict[str, list[str]] = real(folder, pattern)
        if folder.name == "tests":
            found.pop("R-2-10", None)  # cited by tests only, named by no vector
        return found

    monkeypatch.setattr(script, "_citations", without)
    _, problems = script.build()
    assert problems == ["R-2-10: no test cites it and no conformance vector names it"]
