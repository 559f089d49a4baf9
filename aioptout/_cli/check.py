"""``aioptout check``: one verdict per target, from a policy file or from a site's signals."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

import typer

from .. import usage as U
from ..decide import decide
from ..model import Decision
from ..sources import detect_kind, kind_of_url_path, signals_from
from ._common import EXIT_CODES_HELP, Exit, TextJsonl, fail, is_url
from ._sources import AllowPrivate, Kind, NetOptions, Resolve, Timeout, load
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
    timeout: Timeout = 10.0,
) -> None:
    """Is each target reserved for AGENT and USAGE? One verdict per target with its source line.

    With a policy file (or its URL) as SOURCE, every TARGET is decided against it (and the
    --with files, all signals combined: any "no" wins). With a page URL as SOURCE and no
    TARGET, the site's declaration, robots.txt, tdmrep.json and ai.txt are fetched and combined.

    Examples:

      aioptout check spec/examples/record-label.txt --agent GPTBot isrc:GBNWR2600001 /press/

      aioptout check robots.txt --with tdmrep.json --agent CCBot --usage tdm /news/a.html

      aioptout check https://example.com/song/1 --agent GPTBot --usage train-ai --explain

    Exit 1 when any target is disallowed.
    """
    if usage != U.CRAWL and not U.is_label(usage):
        fail(f"--usage {usage!r}: expected crawl or one of {', '.join(U.LABELS)}", Exit.USAGE)
    net = NetOptions(allow_private, tuple(resolve or ()), timeout)
    moment = _now(now)
    site_mode = is_url(source) and kind is Kind.auto and kind_of_url_path(
        urlsplit(source).path) is None
    if site_mode:
        decisions = _check_site([source, *(targets or [])], agent, usage, net)
    else:
        if not targets:
            fail("give at least one TARGET to decide against a policy file", Exit.USAGE)
        signals = []
        for item in [source, *(also or [])]:
            loaded = load(item, net)
            name = loaded.url or loaded.name
            path_kind = kind_of_url_path(urlsplit(name).path) if loaded.url else None
            item_kind = kind.value if kind is not Kind.auto and item == source else (
                path_kind or detect_kind(loaded.data, name))
            signals += signals_from(loaded.data, item_kind, name)
        decisions = [decide(signals, agent, t, usage, now=moment) for t in targets]
    _print_decisions(decisions, fmt, explain)
    if any(d.reserved for d in decisions):
        raise typer.Exit(int(Exit.FINDINGS))


def _check_site(urls: list[str], agent: str, usage: str, net: NetOptions) -> list[Decision]:
    from ..checker import Checker
    from ..fetch import Fetcher

    fetcher = Fetcher(allow_private=net.allow_private, resolve=net.resolve_map(),
                      total_timeout=net.timeout)
    checker = Checker(fetcher=fetcher)
    out = []
    for url in urls:
        if not is_url(url):
            fail(f"{url!r}: site checks take http(s) URLs", Exit.USAGE)
        out.append(checker.check(url, agent, usage))
    return out


def register(app: typer.Typer) -> None:
    app.command("check", epilog=EXIT_CODES_HELP)(check_command)
