"""``aioptout conformance-adapter``: this implementation as a conformance-suite command.

Hidden from the command list: only the suite's runner calls it.  The protocol is defined in
conformance/README.md; the work is done by :mod:`aioptout._conformance`.
"""

from __future__ import annotations

import json
import sys

import typer

from .. import _json
from .._conformance import RequestError, handle
from ._common import Exit

_HELP = """Answer one conformance-suite request: JSON on stdin, JSON on stdout.

Used by the language-neutral conformance suite (conformance/README.md); not meant for people.
A request is {"protocol": 1, "mode": "validate" | "evaluate", "input": {...}, "now": "...",
"queries": [...]}.

\b
Examples:
  python conformance/run.py --impl "aioptout conformance-adapter"
  echo '{"protocol": 1, "mode": "validate", "input": {"text": "User-agent: *"}, \
"now": "2026-06-01T00:00:00Z"}' | aioptout conformance-adapter

Exit codes: 0 the request was handled (an invalid declaration is a handled request);
2 the request is malformed (stdout then holds {"error": message}); 4 internal error.
"""


def answer() -> int:
    """Handle the request on stdin; the exit code. Callable without building the typer app,
    so that the suite's hundreds of processes do not each import every command."""
    raw = sys.stdin.buffer.read()
    try:
        request = _json.loads(raw.decode("utf-8"))
        response = handle(request)
    except (UnicodeDecodeError, _json.JsonError, RequestError) as exc:
        sys.stdout.write(json.dumps({"error": f"malformed request: {exc}"}) + "\n")
        return int(Exit.USAGE)
    sys.stdout.write(json.dumps(response, ensure_ascii=False) + "\n")
    return int(Exit.OK)


def conformance_adapter() -> None:
    code = answer()
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("conformance-adapter", help=_HELP, hidden=True)(conformance_adapter)
