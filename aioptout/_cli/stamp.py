"""``aioptout stamp``: write the declaration's reservation into each file's own metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..parse import parse
from ..stamp import FAILED, Stamp, stamp
from ._common import EXIT_CODES_HELP, Exit, TextJson, emit_json, fail, read_local, stderr

SCHEMA_VERSION = 1

_HELP = f"""Write the reservation --declaration gives each FILE into the file's metadata.

Writes IPTC/PLUS plus:DataMining into XMP for JPEG (APP1), PNG (iTXt XML:com.adobe.xmp), \
TIFF (tag 700), PDF (the /Metadata stream) and MP3 (ID3 PRIV frame owned by XMP), and as the \
Vorbis comment PLUS:DATAMINING in FLAC.  A file is keyed by its ISRC (ID3 TSRC, FLAC ISRC) or \
a work identifier in its XMP (dc:identifier), else by its path below --root as a URL path.  \
The value chosen decides as many usages as it can, each as the declaration does for every \
agent, and never one the declaration leaves open (spec §16.1); what it cannot carry is listed \
(STP101, STP102).  Every other metadata field keeps its value and the image, audio or page \
data stay byte for byte (JPEG, PNG, TIFF: every other byte); files are replaced \
atomically, and a file that already says it is left untouched.  \
'aioptout check FILE --agent A --usage U' reads the stamp back.  PDF needs pikepdf and \
MP3/FLAC mutagen: pip install 'aioptout[media-write]'.

\b
Examples:
  aioptout stamp catalogue/*.flac --declaration .well-known/aioptout.txt
  aioptout stamp photos/a.jpg photos/b/c.tif --declaration decl.txt --root photos --format json

{EXIT_CODES_HELP} Here: 0 every file stamped or already stamped; 1 some files could not be \
stamped (each is listed; the others were); 2 bad option; 3 the declaration is unreadable or \
has errors, or no file could be stamped.
"""


def _report(results: list[Stamp]) -> None:
    console = stderr()
    for r in results:
        what = r.value.rsplit("/", 1)[-1] if r.value else "-"
        console.print(f"{r.path}: {r.status} {what} (for {r.target or '?'})", markup=False)
        for d in r.diagnostics:
            console.print(f"{r.path}: {d.severity} {d.code} {d.message}", markup=False)


def stamp_command(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="Media files to stamp.")],
    *,
    declaration: Annotated[
        str, typer.Option("--declaration", "-d", metavar="DECL",
                          help="The aioptout declaration; - for stdin.")
    ],
    root: Annotated[
        Path | None,
        typer.Option("--root", metavar="DIR",
                     help="Folder the site's URL paths start at (default: each file's folder)."),
    ] = None,
    output_format: Annotated[
        TextJson, typer.Option("--format", help="text (a line per file on stderr) or json.")
    ] = TextJson.text,
) -> None:
    data = read_local(declaration)
    parsed = parse(data, source=declaration)
    if parsed.errors:
        first = parsed.errors[0]
        fail(f"{declaration}:{first.line}: {first.code} {first.message}; fix the declaration "
             "first (aioptout validate)", Exit.INPUT)
    results = [stamp(path, parsed, root=root) for path in files]
    if output_format is TextJson.json:
        emit_json({"schema_version": SCHEMA_VERSION, "declaration": declaration,
                   "files": [r.to_dict() for r in results]})
    _report(results)
    failed = sum(r.status == FAILED for r in results)
    if failed == len(results):
        raise typer.Exit(int(Exit.INPUT))
    if failed:
        raise typer.Exit(int(Exit.FINDINGS))


def register(app: typer.Typer) -> None:
    app.command("stamp", help=_HELP)(stamp_command)
