"""The public names keep their documented types whatever was imported before them."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

import aioptout

# Every submodule that has ever shared a name with a public function, and the modules that
# import the signal and fetch layers, which would bind submodules as attributes of the package.
PRELUDES = [
    "",
    "import aioptout.decide",
    "import aioptout.checker",
    "import aioptout.parse, aioptout.validate",
    "from aioptout import decide",
    "import aioptout.crawl, aioptout.catalogue, aioptout.cli",
]

EXPECTED = {
    "Checker": "type",
    "Decision": "type",
    "Declaration": "type",
    "Diagnostic": "type",
    "Group": "type",
    "Record": "type",
    "Rule": "type",
    "RuleKind": "EnumType",
    "Severity": "EnumType",
    "Statement": "type",
    "Value": "EnumType",
    "__version__": "str",
    "decide": "function",
    "parse": "function",
    "validate": "function",
}


def test_every_public_name_is_listed() -> None:
    assert set(aioptout.__all__) == set(EXPECTED)


@pytest.mark.parametrize("prelude", PRELUDES)
def test_public_names_keep_their_types(prelude: str) -> None:
    script = (
        f"{prelude}\nimport aioptout\n"
        "print({n: type(getattr(aioptout, n)).__name__ for n in aioptout.__all__})"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert ast.literal_eval(out) == EXPECTED
