"""The ``aioptout`` command: a thin layer that parses options, calls the library, formats."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

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


#: Metavars by option name where the type alone would say too little.
_METAVARS = {"--resolve": "HOST:PORT:ADDR", "--timeout": "SECONDS", "--delay": "SECONDS",
             "--max-crawl-delay": "SECONDS", "--now": "DATETIME"}


def _metavar(param: Any) -> str:
    """A word a reader can type, never Typer's raw ``<list[str]>`` or ``<float range>``."""
    desc = param.type_descriptor
    choices = desc.choices if desc.is_choice else None
    if choices:
        return "{" + "|".join(str(c) for c in choices) + "}"
    name: str = param.opts[0] if param.opts else (param.name or "value")
    if name in _METAVARS:
        return _METAVARS[name]
    if desc.annotation is int or (desc.is_ranged and desc.ranged_type_name == "int"):
        return "N"
    return name.lstrip("-").upper()


class _Command(TyperCommand):
    """Every command's help names values by what they are (``--resolve HOST:PORT:ADDR``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if (param.param_type_name == "option" and param.metavar is None
                    and not getattr(param, "is_flag", False)):
                param.metavar = _metavar(param)

    def format_options(self, ctx: Any, formatter: Any) -> None:
        params = self.get_params(ctx)
        arguments = [(self._argument_name(p), getattr(p, "help", None) or "")
                     for p in params if p.param_type_name == "argument"]
        options = [record for p in params if p.param_type_name == "option"
                   if (record := p.get_help_record(ctx)) is not None]
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)

    @staticmethod
    def _argument_name(param: Any) -> str:
        name: str = param.metavar or (param.name or "value").upper()
        return name if param.nargs == 1 else f"{name}..."


def _adopt(group: typer.Typer) -> None:
    for info in group.registered_commands:
        if info.cls in (None, TyperCommand):
            info.cls = _Command
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _adopt(sub.typer_instance)


_adopt(app)


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
