"""``aioptout convert``: robots.txt, tdmrep.json, ai.txt and declarations, into each other."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..convert import PAIRS, Conversion, convert
from ..sources import Kind, detect_kind
from ._common import EXIT_CODES_HELP, Exit, TextJson, emit_json, fail, read_local, stderr

_HELP = f"""Convert a robots.txt, tdmrep.json, ai.txt or RSL document into an aioptout \
declaration, a declaration into a robots.txt (--to robots), or a declaration (or any of \
those, through a declaration) into an RSL 1.0 licence document (--to rsl).

The result goes to stdout (or --output); everything it cannot carry over exactly is listed \
on stderr, one line each, with its code and the source line; what the result keeps only as a \
comment is listed too, since no reader acts on a comment.  With --format json, stdout holds \
{{"declaration": ..., "losses": [...]}}.  The kind is guessed from the file name, then from \
the content, unless --kind says it.  A declaration converted to a declaration is rewritten in \
normalised form without loss.

\b
Examples:
  aioptout convert robots.txt
  aioptout convert tdmrep.json --output .well-known/aioptout.txt
  aioptout convert ai.txt --format json
  aioptout convert aioptout.txt --to robots
  aioptout convert license.xml
  aioptout convert .well-known/aioptout.txt --to rsl --output license.xml
  curl -s https://example.com/ai.txt | aioptout convert - --kind ai-txt

{EXIT_CODES_HELP} Here: 0 converted without loss, 1 converted with losses, \
2 bad option or unsupported conversion, 3 input unreadable or not of the kind.
"""


KindOption = Kind


class TargetOption(StrEnum):
    aioptout = "aioptout"
    robots = "robots"
    rsl = "rsl"


def _report(conversion: Conversion, source: str) -> None:
    console = stderr()
    for loss in conversion.losses:
        console.print(f"{source}:{loss.line}: {loss.code} {loss.message}", markup=False)
    for problem in conversion.check:
        console.print(f"generated line {problem.line}: {problem.code} "
                      f"{problem.message}", markup=False)


def convert_command(
    file: Annotated[
        str, typer.Argument(metavar="FILE",
                            help="robots.txt, tdmrep.json, ai.txt, RSL or aioptout.txt; "
                                 "- for stdin.")
    ],
    *,
    kind: Annotated[
        KindOption, typer.Option("--kind", help="Source format; auto guesses it.")
    ] = KindOption.auto,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE",
                     help="Write the result here instead of stdout."),
    ] = None,
    output_format: Annotated[
        TextJson, typer.Option("--format", help="text (the result) or json.")
    ] = TextJson.text,
    to: Annotated[
        TargetOption, typer.Option("--to", help="aioptout (a declaration), robots (from a "
                                   "declaration) or rsl (an RSL 1.0 licence document, from a "
                                   "declaration or any kind).")
    ] = TargetOption.aioptout,
) -> None:
    data = read_local(file)
    source = None if file == "-" else file
    label = file if file != "-" else "<stdin>"
    if to is TargetOption.rsl:
        _to_rsl(data, source, label, kind, output, output_format)
        return
    source_kind = detect_kind(data, source) if kind is KindOption.auto else kind.value
    if (source_kind, to.value) not in PAIRS:
        supported = ", ".join(sorted(b for a, b in PAIRS if a == source_kind))
        fail(f"{label}: a {source_kind} file converts to {supported}, not to {to.value}",
             Exit.USAGE)
    conversion = convert(data, kind=source_kind, source=source, target=to.value)
    if not conversion.readable:
        reason = conversion.losses[0].message if conversion.losses else "unreadable"
        fail(f"{label}: cannot convert as {conversion.kind}: {reason}", Exit.INPUT)
    if conversion.check:  # convert wrote something its own parser rejects: a bug
        _report(conversion, label)
        fail("the generated file does not validate; please report this", Exit.INTERNAL)
    if output is not None:
        try:
            output.write_text(conversion.declaration, encoding="utf-8")
        except OSError as exc:
            fail(f"{output}: {exc.strerror or exc}", Exit.INPUT)
    if output_format is TextJson.json:
        emit_json(conversion.to_dict())
    elif output is None:
        typer.echo(conversion.declaration, nl=False)
    _report(conversion, label)
    if conversion.losses:
        raise typer.Exit(int(Exit.FINDINGS))


def _to_rsl(data: bytes, source: str | None, label: str, kind: KindOption,
            output: Path | None, output_format: TextJson) -> None:
    """A declaration (or any convertible file, through a declaration) as an RSL document."""
    from .._convert_rsl import to_rsl
    from ..parse import parse

    source_kind = kind.value if kind is not KindOption.auto else detect_kind(data, source)
    losses: list[tuple[int | None, str]] = []
    if source_kind == "rsl":
        fail(f"{label}: already an RSL document", Exit.USAGE)
    if source_kind != "aioptout":
        first = convert(data, kind=source_kind, source=source, target="aioptout")
        if not first.readable:
            fail(f"{label}: cannot convert as {first.kind}", Exit.INPUT)
        losses += [(loss.line, loss.message) for loss in first.losses]
        declaration = parse(first.declaration)
    else:
        declaration = parse(data, source=source)
    result = to_rsl(declaration)
    losses += list(result.losses)
    if result.check:
        fail("the generated RSL document does not validate; please report this", Exit.INTERNAL)
    if output is not None:
        try:
            output.write_text(result.document, encoding="utf-8")
        except OSError as exc:
            fail(f"{output}: {exc.strerror or exc}", Exit.INPUT)
    if output_format is TextJson.json:
        payload = result.to_dict()
        payload["losses"] = [{"line": line, "message": message} for line, message in losses]
        emit_json(payload)
    elif output is None:
        typer.echo(result.document, nl=False)
    console = stderr()
    for line, message in losses:
        where = f"{label}:{line}" if line is not None else label
        console.print(f"{where}: not carried over: {message}", markup=False)
    if losses:
        raise typer.Exit(int(Exit.FINDINGS))


def register(app: typer.Typer) -> None:
    app.command("convert", help=_HELP)(convert_command)
