"""SARIF 2.1.0 output, so that code-scanning tools show declaration problems inline."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

from .. import __version__, diagnostics
from .._identity import PROJECT_URL
from ..model import Diagnostic, Severity

_LEVEL: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_SPEC_URL: Final = f"{PROJECT_URL}/blob/main/spec/aioptout.md"


def sarif(files: Iterable[tuple[str, Iterable[Diagnostic]]]) -> dict[str, Any]:
    """One SARIF log with one run; ``files`` pairs an artifact URI with its diagnostics."""
    results: list[dict[str, Any]] = []
    used: dict[str, diagnostics.Code] = {}
    for uri, found in files:
        for diag in found:
            used.setdefault(diag.code, diagnostics.get(diag.code))
            results.append(
                {
                    "ruleId": diag.code,
                    "level": _LEVEL[diag.severity],
                    "message": {"text": diag.message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri},
                                "region": {
                                    "startLine": diag.line,
                                    "startColumn": diag.column,
                                    "endLine": diag.end_line,
                                    "endColumn": diag.end_column,
                                },
                            }
                        }
                    ],
                }
            )
    rules = [
        {
            "id": code.code,
            "shortDescription": {"text": code.title},
            "help": {"text": code.hint or code.title},
            "helpUri": f"{_SPEC_URL}#{code.spec.lower()}"
            if code.spec.startswith("R-")
            else _SPEC_URL,
            "defaultConfiguration": {"level": _LEVEL[code.severity]},
            "properties": {"requirement": code.spec},
        }
        for code in sorted(used.values(), key=lambda c: c.code)
    ]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "aioptout",
                        "version": __version__,
                        "informationUri": _SPEC_URL,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
