"""The ``aioptout`` command: a thin layer that parses options, calls the library, formats."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from . import __version__
from ._cli import (
    agents,
    check,
    conformance,
    convert,
    crawl,
    declaration,
    drift,
    filter,
    publish,
    robots,
    serve,
    stamp,
    survey,
)
from ._cli._common import EXIT_CODES_HELP, Exit

app = typer.Typer(
    name="aioptout",
    help="Write, validate and read AI opt-out declarations and every AI opt-out signal.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"aioptout {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = None,
) -> None:
    """aioptout: the AI opt-out declaration standard and a reader for every opt-out signal."""


declaration.register(app)
check.register(app)
convert.register(app)
publish.register(app)
drift.register(app)
stamp.register(app)
crawl.register(app)
robots.register(app)
agents.register(app)
conformance.register(app)
serve.register(app)
survey.register(app)
filter.register(app)


def main() -> None:
    """Console entry point: no traceback ever reaches the user; internal errors exit 4."""
    try:
        if sys.argv[1:] == ["conformance-adapter"]:
            sys.exit(conformance.answer())
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # the boundary where a crash becomes exit code 4, not a traceback
        sys.stderr.write(
            f"aioptout: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug; please report it with the command you ran.\n"
        )
        sys.exit(int(Exit.INTERNAL))
