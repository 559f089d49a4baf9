"""What every command shares: exit codes, output formats, consoles, reading inputs."""

from __future__ import annotations

import json
import sys
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Any, Final, NoReturn

import typer
from rich.console import Console


class Exit(IntEnum):
    """Documented in README §Exit codes and every command's --help."""

    OK = 0
    FINDINGS = 1  # findings at or above --fail-on, or a reserved target for check
    USAGE = 2
    INPUT = 3  # input unreadable or fetch failed
    INTERNAL = 4


EXIT_CODES_HELP = (
    "Exit codes: 0 ok/allowed; 1 findings at or above --fail-on (check: a target is reserved); "
    "2 usage error; 3 input unreadable or fetch failed; 4 internal error."
)


class TextJson(StrEnum):
    text = "text"
    json = "json"


class TextJsonl(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


#: Width of stdout when it is not a terminal: tables keep their natural width (README §Output).
PIPE_WIDTH: Final = 100_000


def stdout() -> Console:
    """Data goes to stdout; colour only when it is a terminal. Piped, a table is never cut or
    wrapped to 80 columns: a script reading it gets every cell whole."""
    console = Console(soft_wrap=True, highlight=False)
    if not console.is_terminal:
        console.width = PIPE_WIDTH
    return console


def stderr() -> Console:
    return Console(stderr=True, soft_wrap=True, highlight=False)


def emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def emit_jsonl(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def fail(message: str, code: Exit = Exit.INPUT) -> NoReturn:
    stderr().print(f"[red]error:[/red] {message}", markup=True)
    raise typer.Exit(int(code))


def read_local(source: str, *, limit: int | None = None) -> bytes:
    """Bytes of a local file or of stdin (``-``); unreadable input exits 3 with a message."""
    try:
        if source == "-":
            data = sys.stdin.buffer.read() if limit is None else sys.stdin.buffer.read(limit)
            return data
        path = Path(source)
        with path.open("rb") as handle:
            return handle.read() if limit is None else handle.read(limit)
    except IsADirectoryError:
        fail(f"{source}: is a directory")
    except FileNotFoundError:
        fail(f"{source}: no such file")
    except PermissionError:
        fail(f"{source}: permission denied")
    except OSError as exc:
        fail(f"{source}: {exc.strerror or exc}")


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))
