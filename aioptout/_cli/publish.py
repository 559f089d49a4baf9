"""``aioptout publish``: write every channel a declaration can be carried by."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..model import Severity
from ..parse import parse
from ..publish import Publication, publish
from ._common import EXIT_CODES_HELP, Exit, TextJson, emit_json, fail, read_local, stderr

_HELP = f"""Write every channel DECLARATION can be carried by into --out.

Writes robots.txt (the declaration's groups with aipref Content-Usage lines and a \
Content-Signal line per group), .well-known/tdmrep.json (tdm-policy from Licensing), ai.txt, \
meta.html (tags for page heads), server/nginx.conf, server/htaccess, server/Caddyfile and \
_headers (Content-Usage, tdm-reservation and X-Robots-Tag response headers), and the \
declaration itself at .well-known/aioptout.txt.  With --site-url, also license.xml (an RSL 1.0 \
license document), named by a robots.txt License line and a Link rel="license" header; it is \
written only if, read alone, it answers no question differently from the declaration.  \
Served together without the declaration, \
these files answer every agent, use and path as the declaration does (spec §16): a \
statement goes into a channel only where the channel can carry it exactly, and everything \
left out is listed on stderr (PUB codes).  A channel that can carry nothing is not written.

With --robots EXISTING the generated groups are merged into that robots.txt: every other \
line is kept byte for byte, and an earlier generated section is replaced.

\b
Examples:
  aioptout publish .well-known/aioptout.txt --out public/
  aioptout publish decl.txt --out build/ --robots public/robots.txt --format json
  aioptout publish decl.txt --out public/ --site-url https://example.com

{EXIT_CODES_HELP} Here: 0 published; 1 the declaration has errors (nothing written) or the \
existing robots.txt names the same agents (readers merge the groups); 2 bad option; \
3 input unreadable or --out not writable.
"""


def _write(path: Path, data: bytes) -> None:
    """Atomically: a reader of the folder never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _report(publication: Publication, source: str, out: Path) -> None:
    console = stderr()
    for channel in publication.channels:
        console.print(f"wrote {out / channel.path}: {channel.about}", markup=False)
    for d in publication.diagnostics:
        console.print(f"{source}:{d.line}: {d.severity} {d.code} {d.message}", markup=False)


def publish_command(
    declaration: Annotated[
        str, typer.Argument(metavar="DECLARATION", help="The aioptout declaration; - for stdin.")
    ],
    *,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="DIR", help="Folder to write the channels to.")
    ],
    robots: Annotated[
        Path | None,
        typer.Option("--robots", metavar="EXISTING",
                     help="An existing robots.txt to merge the generated groups into."),
    ] = None,
    site_url: Annotated[
        str | None,
        typer.Option("--site-url", metavar="URL",
                     help="The site's URL; RSL needs it for absolute links (license.xml)."),
    ] = None,
    output_format: Annotated[
        TextJson, typer.Option("--format", help="text (a summary on stderr) or json on stdout.")
    ] = TextJson.text,
) -> None:
    data = read_local(declaration)
    label = declaration if declaration != "-" else "<stdin>"
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    existing = None
    if robots is not None:
        existing = read_local(str(robots)).decode("utf-8", "surrogateescape")
    try:
        publication = publish(parse(data, source=label), text, existing_robots=existing,
                              site_url=site_url)
    except ValueError as exc:
        fail(f"--site-url: {exc}", Exit.USAGE)
    try:
        for channel in publication.channels:
            # The declaration as given; an existing robots.txt's bytes survive the merge.
            body = data if channel.kind == "declaration" else channel.text.encode(
                "utf-8", "surrogateescape")
            _write(out / channel.path, body)
    except OSError as exc:
        fail(f"{out}: {exc.strerror or exc}", Exit.INPUT)
    if output_format is TextJson.json:
        doc = publication.to_dict()
        doc["out"] = str(out)
        emit_json(doc)
    _report(publication, label, out)
    if not publication.channels or any(
        d.severity.rank >= Severity.WARNING.rank for d in publication.diagnostics
    ):
        raise typer.Exit(int(Exit.FINDINGS))


def register(app: typer.Typer) -> None:
    app.command("publish", help=_HELP)(publish_command)
