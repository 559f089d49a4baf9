"""Loads the stdlib-only scripts of conformance/ as modules, for the conformance tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SUITE = ROOT / "conformance"


def load(name: str) -> ModuleType:
    """conformance/<name>.py as module ``conformance_<name>`` (registered once)."""
    module_name = "conformance_" + name.replace("/", "_")
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, SUITE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
