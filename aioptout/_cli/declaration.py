"""Publisher commands: validate, explain, init; and check for one declaration."""

from __future__ import annotations

import datetime as _dt
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from .. import contracts
from .._rfc3339 import parse_now
from ..model import Decision, Declaration, Diagnostic, Severity, Value
from ..parse import parse
from ..report.sarif import sarif
from ..validate import validate
from ._common import (
    EXIT_CODES_HELP,
    Exit,
    TextJson,
    TextJsonl,
    emit_json,
    emit_jsonl,
    fail,
    stderr,
    stdout,
)
from ._sources import (
    DEFAULT_TIMEOUT,
    AllowPrivate,
    Kind,
    KindOption,
    Loaded,
    NetOptions,
    Resolve,
    Timeout,
    load,
)

SCHEMA_VERSION = 1


class ValidateFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


def _loaded(loaded: Loaded, kind: Kind) -> contracts.Loaded:
    name = loaded.url or loaded.name
    return contracts.load(loaded.data, kind=None if kind is Kind.auto else kind.value, source=name)


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


_RANK = {"info": 0, "warning": 1, "error": 2, "never": 3}
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_VALUE_STYLE = {Value.ALLOWED: "green", Value.DISALLOWED: "bold red", Value.UNKNOWN: "dim"}

Now = Annotated[
    str | None,
    typer.Option(
        "--now",
        metavar="DATETIME",
        help="Evaluate at this RFC 3339 instant instead of the current time (expiry checks).",
    ),
]


def _now(value: str | None) -> _dt.datetime:
    if value is None:
        return _dt.datetime.now(_dt.UTC)
    moment = parse_now(value)
    if moment is None:
        fail(f"--now {value!r}: not an RFC 3339 date-time", Exit.USAGE)
    return moment


def _load_declaration(source: str, net: NetOptions) -> tuple[Loaded, Declaration]:
    loaded = load(source, net)
    return loaded, parse(loaded.data, source=loaded.url or loaded.name)


def _source_lines(data: bytes) -> list[str]:
    from .._decode import decode

    return decode(data).lines


def _print_diagnostic(console: Any, name: str, lines: list[str], diag: Diagnostic) -> None:
    head = Text()
    head.append(f"{name}:{diag.line}:{diag.column}: ", style="bold")
    head.append(f"{diag.severity.value} ", style=_STYLE[diag.severity])
    head.append(f"{diag.code} ", style="bold")
    head.append(diag.message)
    console.print(head)
    if 1 <= diag.line <= len(lines):
        text = (
            lines[diag.line - 1]
            .encode("utf-8", "surrogateescape")
            .decode("utf-8", "replace")
            .expandtabs(1)
        )
        gutter = f"{diag.line:>5} | "
        console.print(Text(gutter + text), overflow="ignore", crop=False)
        width = max(
            1, (diag.end_column if diag.end_line == diag.line else len(text) + 1) - diag.column
        )
        caret = " " * (len(gutter) - 2) + "| " + " " * (diag.column - 1) + "^" * min(width, 120)
        console.print(Text(caret, style=_STYLE[diag.severity]))
    if diag.hint:
        console.print(Text(f"      = hint: {diag.hint}", style="dim"))
    console.print(Text(f"      = see: spec [{diag.spec}]", style="dim"))


def validate_command(
    sources: Annotated[
        list[str], typer.Argument(metavar="FILE|URL|-", help="Declarations to check.")
    ],
    fmt: Annotated[ValidateFormat, typer.Option("--format", help="Output format.")] = (
        ValidateFormat.text
    ),
    kind: KindOption = Kind.auto,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Treat warnings as failures (same as --fail-on warning)."),
    ] = False,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Lowest severity that makes the exit code 1.")
    ] = FailOn.error,
    now: Now = None,
    allow_private: AllowPrivate = False,
    resolve: Resolve = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> None:
    """Check declarations against the spec, like a compiler: file:line:col, caret and hint.

    Examples:

      aioptout validate spec/examples/record-label.txt

      aioptout validate https://example.com/.well-known/aioptout.txt --format sarif

      cat aioptout.txt | aioptout validate - --strict
    """
    net = NetOptions(allow_private, tuple(resolve or ()), timeout)
    moment = _now(now)
    threshold = _RANK["warning"] if strict else _RANK[fail_on.value]
    results: list[tuple[Loaded, list[Diagnostic], dict[str, Any]]] = []
    err = stderr()
    quiet = not err.is_terminal or len(sources) < 20
    with Progress(console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task("validating", total=len(sources))
        for source in sources:
            loaded = load(source, net)
            read = _loaded(loaded, kind)
            found = contracts.diagnostics(read, moment)
            results.append((loaded, found, contracts.validate_report(read, found=found)))
            bar.advance(task)
    worst = max((_RANK[d.severity.value] for _, f, _ in results for d in f), default=-1)
    counts = {s: sum(1 for _, f, _ in results for d in f if d.severity is s) for s in Severity}
    if fmt is ValidateFormat.json:
        files = [{k: v for k, v in r.items() if k != "schema_version"} for _, _, r in results]
        emit_json(
            {
                "schema_version": SCHEMA_VERSION,
                "files": files,
                "summary": {s.value + "s": n for s, n in counts.items()},
            }
        )
    elif fmt is ValidateFormat.sarif:
        emit_json(sarif((r["source"], f) for _, f, r in results))
    else:
        out = stdout()
        for loaded, diags, _ in results:
            lines = _source_lines(loaded.data) if diags else []
            for diag in diags:
                _print_diagnostic(out, loaded.name, lines, diag)
        summary = ", ".join(f"{n} {s.value}{'s' if n != 1 else ''}" for s, n in counts.items())
        verdict = "valid" if counts[Severity.ERROR] == 0 else "invalid"
        plural = "s" if len(results) != 1 else ""
        err.print(f"{len(results)} file{plural} checked: {verdict} ({summary})")
    if worst >= threshold:
        raise typer.Exit(int(Exit.FINDINGS))


def explain_command(
    source: Annotated[str, typer.Argument(metavar="FILE|URL|-", help="The declaration.")],
    agent: Annotated[
        str | None, typer.Option("--agent", help="Only this agent (a product token).")
    ] = None,
    targets: Annotated[
        list[str] | None,
        typer.Option(
            "--target", help="Path, URL or work id to explain at (repeatable; default /)."
        ),
    ] = None,
    fmt: Annotated[TextJson, typer.Option("--format", help="Output format.")] = TextJson.text,
    kind: KindOption = Kind.auto,
    now: Now = None,
    allow_private: AllowPrivate = False,
    resolve: Resolve = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> None:
    """Show what a declaration says to each agent for each usage, and which line decides.

    Rows are the agents the file names, "*" (every other agent) and one well-known agent of
    each purpose class (training, dataset, search, user-fetch, agent, control); columns are
    crawl and the usage labels. Works for declarations, robots.txt, tdmrep.json and ai.txt.
    Work identifiers can be given with --target.

    Examples:

      aioptout explain spec/examples/newsroom.txt

      aioptout explain spec/examples/record-label.txt --target /press/ --target isrc:GBNWR2600001

      aioptout explain aioptout.txt --agent GPTBot --format json
    """
    net = NetOptions(allow_private, tuple(resolve or ()), timeout)
    moment = _now(now)
    loaded = load(source, net)
    read = _loaded(loaded, kind)
    rows = [(agent, "requested")] if agent else None
    report = contracts.explain_report(read, targets=targets or ["/"], agents=rows, now=moment)
    if fmt is TextJson.json:
        emit_json(report)
        return
    out = stdout()
    fields = report["declaration"] or {}
    header = Table.grid(padding=(0, 2))
    header.add_row(Text("kind", style="bold"), Text(report["kind"]))
    for key, value in fields.items():
        if value is not None:
            header.add_row(Text(key, style="bold"), Text(str(value)))
    out.print(header)
    declaration = read.declaration
    if declaration is not None and declaration.expires and moment >= declaration.expires:
        out.print(
            Text(
                "This declaration has expired: every usage preference is unknown.",
                style="bold yellow",
            )
        )
    usages = report["usages"]
    for item in report["targets"]:
        table = Table(
            title=f"{loaded.name} at {item['target']}",
            title_justify="left",
            caption="* = any agent the file does not name; Lnn = the line that decides",
            caption_justify="left",
        )
        table.add_column("agent", style="bold", no_wrap=True)
        table.add_column("purpose", style="dim", no_wrap=True)
        for u in usages:
            table.add_column(u, no_wrap=True)
        for row in item["agents"]:
            cells = [_cell(row["decisions"][u]) for u in usages]
            table.add_row(row["agent"], row["purpose"], *cells)
        out.print(table)
    if report["errors"]:
        stderr().print(
            f"{report['errors']} error(s) in this file: run 'aioptout validate' for details"
        )


def _cell(cell: dict[str, Any]) -> Text:
    value = Value(cell["value"])
    text = Text(cell.get("answer", value.value), style=_VALUE_STYLE[value])
    if cell["line"] is not None:
        text.append(f" L{cell['line']}", style="dim")
    return text


def _print_decisions(decisions: list[Decision], fmt: TextJsonl, explain: bool,
                     fetched: list[list[dict[str, Any]]] | None = None) -> None:
    """``fetched`` (site checks): per decision, the URLs fetched to reach it."""
    records = [d.to_dict() for d in decisions]
    if fetched is not None:
        for record, urls in zip(records, fetched, strict=True):
            record["fetched"] = urls
    if fmt is TextJsonl.json:
        emit_json({"schema_version": SCHEMA_VERSION, "decisions": records})
        return
    if fmt is TextJsonl.jsonl:
        for record in records:
            emit_jsonl(record)
        return
    out = stdout()
    for index, d in enumerate(decisions):
        line = Text()
        line.append(f"{d.answer:<10}", style=_VALUE_STYLE[d.value])
        line.append(f" {d.target}  ")
        line.append(f"({d.agent}, {d.usage}", style="dim")
        line.append(f", line {d.line})" if d.line is not None else ")", style="dim")
        out.print(line)
        if fetched is not None and (index == 0 or fetched[index] != fetched[index - 1]):
            for got in fetched[index]:
                status = got["status"] if got["status"] is not None else "-"
                note = f" ({got['error']})" if got.get("error") else ""
                out.print(Text(f"    fetched {got['url']}  {status} {got['outcome']}{note}",
                               style="dim"))
        for route in d.licence:
            out.print(Text(f"    licence: {route.describe()}"))
        if explain:
            out.print(Text(f"    {d.reason}", style="dim"))
            for statement in d.statements:
                where = f" line {statement.line}" if statement.line else ""
                src = f" {statement.source}" if statement.source else ""
                out.print(
                    Text(
                        f"    - {statement.mechanism}{src}{where}: {statement.usage} "
                        f"{statement.value.value}: {statement.reason}",
                        style="dim",
                    )
                )


def init_command(
    rightsholder: Annotated[
        str | None, typer.Option("--rightsholder", help="Who holds the rights.")
    ] = None,
    contact: Annotated[
        str | None, typer.Option("--contact", help="mailto: or https: contact for licensing.")
    ] = None,
    licensing: Annotated[
        str | None, typer.Option("--licensing", help="URL of the licensing policy page.")
    ] = None,
    legal_basis: Annotated[
        str | None, typer.Option("--legal-basis", help="eu-dsm-art4, copyright, contract or a URL.")
    ] = None,
    reserve_training: Annotated[
        bool,
        typer.Option(
            "--reserve-training/--allow-training",
            help="Reserve AI training for all agents (default) or allow it.",
        ),
    ] = True,
    allow_search: Annotated[
        bool, typer.Option("--allow-search/--reserve-search", help="Allow search (default).")
    ] = True,
    reserve_ai_input: Annotated[
        bool,
        typer.Option(
            "--reserve-ai-input/--allow-ai-input", help="Reserve AI input (RAG, AI answers) too."
        ),
    ] = False,
    catalogue: Annotated[
        list[str] | None,
        typer.Option(
            "--catalogue",
            metavar="PATTERN",
            help="Reserve a catalogue by identifier prefix, e.g. isrc:GBEMI* (repeatable).",
        ),
    ] = None,
    block: Annotated[
        list[str] | None,
        typer.Option(
            "--block", metavar="TOKEN", help="Disallow crawling for this agent (repeatable)."
        ),
    ] = None,
    expires: Annotated[
        str | None, typer.Option("--expires", metavar="DATE", help="Expiry date, YYYY-MM-DD.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    fmt: Annotated[
        TextJson, typer.Option("--format", help="text: the file itself; json: it in an object.")
    ] = TextJson.text,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite --output if it exists.")
    ] = False,
    interactive: Annotated[
        bool | None,
        typer.Option(
            "--interactive/--no-interactive",
            help="Ask for missing values (default: when stdin is a terminal).",
        ),
    ] = None,
) -> None:
    """Write a starter declaration that validates clean.

    Examples:

      aioptout init --rightsholder "Northwind Records" --contact mailto:rights@northwind.example

      aioptout init --catalogue isrc:GBNWR* --block GPTBot -o .well-known/aioptout.txt
    """
    from ..init import StarterOptions, render_starter

    ask = sys.stdin.isatty() if interactive is None else interactive
    if ask:
        rightsholder = rightsholder or typer.prompt("Rightsholder", default="", show_default=False)
        contact = contact or typer.prompt(
            "Contact (mailto: or https:)", default="", show_default=False
        )
        licensing = licensing or typer.prompt(
            "Licensing policy URL", default="", show_default=False
        )
        if not catalogue:
            entered = typer.prompt(
                "Catalogue prefixes (e.g. isrc:GBEMI*), comma-separated",
                default="",
                show_default=False,
            )
            catalogue = [c.strip() for c in entered.split(",") if c.strip()]
        reserve_training = typer.confirm(
            "Reserve AI training for all agents?", default=reserve_training
        )
    options = StarterOptions(
        rightsholder=rightsholder or None,
        contact=contact or None,
        licensing=licensing or None,
        legal_basis=legal_basis,
        reserve_training=reserve_training,
        allow_search=allow_search,
        reserve_ai_input=reserve_ai_input,
        catalogue=tuple(catalogue or ()),
        block=tuple(block or ()),
        expires=expires,
        issued=_dt.datetime.now(_dt.UTC).date().isoformat(),
    )
    text = render_starter(options)
    problems = [d for d in validate(parse(text)) if d.severity is Severity.ERROR]
    if problems:
        for diag in problems:
            stderr().print(f"error: {diag.code} line {diag.line}: {diag.message}")
        fail("the options given do not make a valid declaration (see above)", Exit.USAGE)
    if output is None:
        if fmt is TextJson.json:
            emit_json({"schema_version": SCHEMA_VERSION, "declaration": text})
        else:
            sys.stdout.write(text)
        return
    if output.exists() and not force:
        fail(f"{output} exists; use --force to overwrite", Exit.USAGE)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"{output}: {exc.strerror or exc}", Exit.INPUT)
    stderr().print(f"wrote {output}")


def register(app: typer.Typer) -> None:
    epilog = EXIT_CODES_HELP
    app.command("validate", epilog=epilog)(validate_command)
    app.command("explain", epilog=epilog)(explain_command)
    app.command("init", epilog=epilog)(init_command)


__all__ = ["register"]
