"""``aioptout check``: one verdict per target, from a policy file or from a site's signals."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urljoin, urlsplit

import typer

from .. import usage as U
from ..decide import decide
from ..model import Decision
from ..sources import detect_kind, kind_of_url_path, signals_from
from ._common import EXIT_CODES_HELP, Exit, TextJsonl, fail, is_url, stderr
from ._sources import DEFAULT_TIMEOUT, AllowPrivate, Kind, NetOptions, Resolve, Timeout, load
from .declaration import Now, _now, _print_decisions


def check_command(
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE",
            help="A policy file or URL (declaration, robots.txt, tdmrep.json, ai.txt), or a "
            "page URL whose site's signals are all checked.",
        ),
    ],
    targets: Annotated[
        list[str] | None,
        typer.Argument(metavar="[TARGET]...", help="URLs, paths or work ids (isrc:…) to decide."),
    ] = None,
    agent: Annotated[str, typer.Option("--agent", help="Product token or User-Agent.")] = "*",
    usage: Annotated[
        str, typer.Option("--usage", help=f"One of: crawl, {', '.join(U.LABELS)}.")
    ] = "train-ai",
    kind: Annotated[Kind, typer.Option("--kind", help="What SOURCE is (default: guess).")] = (
        Kind.auto
    ),
    also: Annotated[
        list[str] | None,
        typer.Option("--with", metavar="FILE|URL",
                     help="Another policy file of the same origin to combine (repeatable)."),
    ] = None,
    fmt: Annotated[TextJsonl, typer.Option("--format", help="Output format.")] = TextJsonl.text,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show every contributing statement.")
    ] = False,
    now: Now = None,
    allow_private: AllowPrivate = False,
    resolve: Resolve = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> None:
    """Is each target reserved for AGENT and USAGE? One verdict per target with its source line.

    With a policy file (or its URL) as SOURCE, every TARGET is decided against it (and the
    --with files, all signals combined: any "no" wins). With a page URL as SOURCE and no
    TARGET, the site's declaration, robots.txt, tdmrep.json and ai.txt are fetched and combined.

    Examples:

      aioptout check spec/examples/record-label.txt --agent GPTBot isrc:GBNWR2600001 /press/

      aioptout check robots.txt --with tdmrep.json --agent CCBot --usage tdm /news/a.html

      aioptout check https://example.com/song/1 --agent GPTBot --usage train-ai --explain

      aioptout check song.flac --agent GPTBot --usage train-ai

    A media file (JPEG, PNG, TIFF, PDF, MP3, FLAC, ...) as SOURCE answers from its embedded
    metadata (XMP plus:DataMining, TDMRep, C2PA, FLAC PLUS:DATAMINING); it needs no TARGET.

    Exit 1 when any target is disallowed.
    """
    if usage != U.CRAWL and not U.is_label(usage):
        fail(f"--usage {usage!r}: expected crawl or one of {', '.join(U.LABELS)}", Exit.USAGE)
    net = NetOptions(allow_private, tuple(resolve or ()), timeout)
    moment = _now(now)
    source = _bare_host(source)
    site_mode = is_url(source) and kind is Kind.auto and kind_of_url_path(
        urlsplit(source).path) is None
    fetched: list[list[dict[str, Any]]] | None = None
    if site_mode:
        decisions, fetched = _check_site(source, targets or [], agent, usage, net)
    else:
        from ..signals import media

        def is_media(item: str) -> bool:
            return kind is Kind.auto and not is_url(item) and media.is_media_file(item)

        if not targets and is_media(source):
            targets = [source]  # a media file speaks for itself
        if not targets:
            fail("give at least one TARGET to decide against a policy file", Exit.USAGE)
        signals: list[Any] = []
        for item in [source, *(also or [])]:
            if is_media(item):
                signals.append(media.from_path(item))
                continue
            loaded = load(item, net)
            name = loaded.url or loaded.name
            path_kind = kind_of_url_path(urlsplit(name).path) if loaded.url else None
            item_kind = kind.value if kind is not Kind.auto and item == source else (
                path_kind or detect_kind(loaded.data, name))
            signals += signals_from(loaded.data, item_kind, name)
        decisions = [decide(signals, agent, t, usage, now=moment) for t in targets]
    _print_decisions(decisions, fmt, explain, fetched)
    if any(d.reserved for d in decisions):
        raise typer.Exit(int(Exit.FINDINGS))


#: A host name (IDNA allowed) or IP literal, an optional port and path: ``example.com/a``.
_HOST: re.Pattern[str] = re.compile(
    r"(?P<host>(?:[\w-]+\.)+(?:[^\W\d_]{2,63}|xn--[\w-]+)|\d{1,3}(?:\.\d{1,3}){3}|localhost"
    r"|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?:/\S*)?")
#: Final labels that name a file someone forgot to create, not a top-level domain.
_FILE_SUFFIXES: frozenset[str] = frozenset(
    {"txt", "json", "xml", "gz", "html", "htm", "csv", "jsonl", "ndjson", "md", "jpg", "png"})


def _bare_host(source: str) -> str:
    """``example.com`` (no such file) means the site ``https://example.com/``, said on stderr."""
    if is_url(source) or source == "-" or Path(source).exists():
        return source
    match = _HOST.fullmatch(source)
    if match is None or match["host"].rpartition(".")[2].lower() in _FILE_SUFFIXES:
        return source
    url = "https://" + source
    if "/" not in source:
        url += "/"
    stderr().print(f"{source}: no such file; checking the site {url}")
    return url


def _check_site(source: str, targets: list[str], agent: str, usage: str, net: NetOptions
                ) -> tuple[list[Decision], list[list[dict[str, Any]]]]:
    """Decisions for SOURCE and each TARGET (paths are taken relative to SOURCE), and for each
    decision the URLs that were fetched to reach it."""
    from ..checker import Checker
    from ..fetch import Fetcher

    fetcher = Fetcher(allow_private=net.allow_private, resolve=net.resolve_map(),
                      total_timeout=net.timeout)
    checker = Checker(fetcher=fetcher)
    out = []
    fetched = []
    for target in [source, *targets]:
        url = urljoin(source, target) if target.startswith("/") else target
        if not is_url(url):
            fail(f"{target!r}: site checks take http(s) URLs or /paths", Exit.USAGE)
        out.append(checker.check(url, agent, usage))
        fetches = checker.site(url).fetches
        fetched.append([
            {"mechanism": mechanism, "url": got.url, "final_url": got.final_url,
             "status": got.status, "outcome": got.outcome, "error": got.error}
            for mechanism, got in fetches.items()])
    return out, fetched


def register(app: typer.Typer) -> None:
    app.command("check", epilog=EXIT_CODES_HELP)(check_command)
