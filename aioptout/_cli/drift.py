"""``aioptout drift``: does a site (or its build folder) still say what the declaration says?"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from ..drift import DriftReport, drift_folder, drift_site
from ..fetch import Fetcher
from ..model import Diagnostic
from ..parse import parse
from ..report.sarif import sarif
from ._common import EXIT_CODES_HELP, Exit, emit_json, fail, read_local, stderr, stdout
from ._sources import DEFAULT_TIMEOUT, AllowPrivate, NetOptions, Resolve, Timeout

_HELP = f"""Compare what SITE's channels say with what --declaration says.

Reads robots.txt (groups, Content-Usage, Content-Signal), .well-known/tdmrep.json, ai.txt and \
the response headers and metas of every path the declaration's rules scope, asks each channel \
alone and all of them together about every usage for the agents the declaration names, the \
registry's training, dataset and control tokens and one unnamed agent, and lists each \
disagreement: the channel, its URL and line, the path, the usage, both answers.  --offline DIR \
audits a build folder instead (a _headers file there is applied as Cloudflare Pages does).

\b
Examples:
  aioptout drift https://northwind.example --declaration aioptout.txt
  aioptout drift public/ --offline --declaration aioptout.txt --format sarif > drift.sarif

{EXIT_CODES_HELP} Here: 0 no drift; 1 at least one disagreement; 2 bad option; 3 declaration \
unreadable or invalid, site unreachable.
"""


class DriftFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


_SHOWN: int = 50


def _print(report: DriftReport) -> None:
    out = stdout()
    for m in report.mismatches[:_SHOWN]:
        where = m.url or "(no channel)"
        if m.line:
            where += f":{m.line}"
        who = m.agents[0] if len(m.agents) == 1 else f"{m.agents[0]} and {len(m.agents) - 1} more"
        out.print(f"{where}: {m.channel}: {m.usage} at {m.path} for {who}: {m.found}, "
                  f"declared {m.declared}", markup=False)
    if len(report.mismatches) > _SHOWN:
        out.print(f"... and {len(report.mismatches) - _SHOWN} more (--format json lists all)",
                  markup=False)


def drift_command(
    site: Annotated[str, typer.Argument(metavar="SITE", help="A site or URL; with --offline, "
                                                              "a folder.")],
    *,
    declaration: Annotated[
        str, typer.Option("--declaration", "-d", metavar="FILE",
                          help="The declaration the site should say; - for stdin.")
    ],
    offline: Annotated[
        bool, typer.Option("--offline", help="SITE is a build folder on disk, not a site.")
    ] = False,
    output_format: Annotated[
        DriftFormat, typer.Option("--format", help="text, json or sarif.")
    ] = DriftFormat.text,
    allow_private: AllowPrivate = False,
    resolve: Resolve = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> None:
    data = read_local(declaration)
    parsed = parse(data, source=declaration)
    if parsed.errors:
        first = parsed.errors[0]
        fail(f"{declaration}:{first.line}: {first.code} {first.message}; fix the declaration "
             "first (aioptout validate)", Exit.INPUT)
    if offline:
        folder = Path(site)
        if not folder.is_dir():
            fail(f"{site}: not a folder", Exit.INPUT)
        report = drift_folder(folder, parsed)
    else:
        net = NetOptions(allow_private, tuple(resolve or ()), timeout)
        fetcher = Fetcher(allow_private=net.allow_private, resolve=net.resolve_map(),
                          total_timeout=net.timeout)
        report = drift_site(site, parsed, fetcher=fetcher)
    for note in report.diagnostics:
        stderr().print(f"note: {note.message}", markup=False)
    if output_format is DriftFormat.json:
        emit_json(report.to_dict())
    elif output_format is DriftFormat.sarif:
        by_uri: dict[str, list[Diagnostic]] = {}
        for m in report.mismatches:
            by_uri.setdefault(m.url or report.site, []).append(m.diagnostic())
        emit_json(sarif(by_uri.items()))
    else:
        _print(report)
    stderr().print(f"{report.questions} questions, {len(report.mismatches)} disagreements",
                   markup=False)
    if report.mismatches:
        raise typer.Exit(int(Exit.FINDINGS))


def register(app: typer.Typer) -> None:
    app.command("drift", help=_HELP)(drift_command)
