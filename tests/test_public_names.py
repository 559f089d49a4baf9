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
    "filter_rows": "function",
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


def test_the_wheel_ships_the_spec_schemas_and_examples(tmp_path_factory: pytest.TempPathFactory
                                                       ) -> None:
    import zipfile
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(root)], check=True, capture_output=True)
    (wheel,) = out.glob("aioptout-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    spec = root / "spec"
    wanted = {f"aioptout/_spec/{p.relative_to(spec).as_posix()}" for p in spec.rglob("*")
              if p.is_file()}
    assert wanted and wanted <= names
