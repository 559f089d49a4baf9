"""``aioptout robots``: answer allow/disallow questions against a robots.txt file."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from ..signals.robots import RobotsTxt, Semantics
from . import _common
from ._sources import DEFAULT_TIMEOUT, AllowPrivate, NetOptions, Resolve, Timeout

HELP = """Decide whether an agent may crawl URLs under a robots.txt file (RFC 9309).

Prints one verdict per URL.  With no URL arguments, URLs are read from stdin, one per line, so
thousands of questions cost one process.

Examples:

  aioptout robots robots.txt --agent GPTBot https://example.com/ https://example.com/private/

  cut -f1 urls.tsv | aioptout robots robots.txt --agent CCBot --format jsonl

  curl -s https://example.com/robots.txt | aioptout robots - --agent GPTBot /

Exit codes: 0 every URL allowed; 1 some URL disallowed; 2 usage error; 3 input unreadable;
4 internal error.
"""


class Format(StrEnum):
    text = "text"
    jsonl = "jsonl"


class SemanticsOption(StrEnum):
    google = "google"
    rfc9309 = "rfc9309"


def _urls(given: list[str] | None) -> list[str]:
    if given:
        return given
    return [line.strip() for line in sys.stdin if line.strip()]


def robots(
    source: Annotated[str, typer.Argument(help="robots.txt file, or - for stdin")],
    urls: Annotated[
        list[str] | None, typer.Argument(help="URLs or paths to decide; stdin when none")
    ] = None,
    *,
    agent: Annotated[str, typer.Option("--agent", "-a", help="crawler product token, e.g. GPTBot")],
    output: Annotated[Format, typer.Option("--format", help="text or jsonl")] = Format.text,
    semantics: Annotated[
        SemanticsOption,
        typer.Option(help="google: Google's leniencies; rfc9309: the RFC read strictly"),
    ] = SemanticsOption.google,
    show_diagnostics: Annotated[
        bool, typer.Option("--show-diagnostics", help="print parse diagnostics to stderr")
    ] = False,
    allow_private: AllowPrivate = False,
    resolve: Resolve = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
) -> None:
    if source == "-" and not urls:
        _common.fail("read robots.txt from stdin or URLs from stdin, not both", _common.Exit.USAGE)
    if _common.is_url(source):
        data = _fetch_robots(
            source, NetOptions(allow_private, tuple(resolve or ()), timeout), semantics.value
        )
    else:
        data = _common.read_local(source)
    parsed = (
        data
        if isinstance(data, RobotsTxt)
        else RobotsTxt.parse(data, source=source, semantics=semantics.value)
    )
    if show_diagnostics:
        err = _common.stderr()
        for diag in parsed.diagnostics:
            err.print(
                f"{source}:{diag.line}:{diag.column}: {diag.severity} {diag.code} {diag.message}",
                markup=False,
            )
    any_disallowed = False
    out = _common.stdout()
    for url in _urls(urls):
        verdict = parsed.decide(agent, url)
        any_disallowed = any_disallowed or not verdict.allowed
        if output is Format.jsonl:
            _common.emit_jsonl(
                {"url": url, "agent": agent, "allowed": verdict.allowed, "line": verdict.line}
            )
        else:
            word = "allowed" if verdict.allowed else "disallowed"
            where = f"line {verdict.line}" if verdict.line is not None else verdict.reason
            out.print(f"{word} {url} ({where})", markup=False, highlight=False)
    raise typer.Exit(int(_common.Exit.FINDINGS if any_disallowed else _common.Exit.OK))


def _fetch_robots(url: str, net: NetOptions, semantics: Semantics) -> bytes | RobotsTxt:
    """The body to decide with, or after RFC 9309 §2.3.1 status handling the verdict-by-status
    robots.txt, whose reasons name the status rather than an invented line."""
    from ..fetch import Fetcher

    fetcher = Fetcher(
        allow_private=net.allow_private, resolve=net.resolve_map(), total_timeout=net.timeout
    )
    result = fetcher.fetch(url)
    err = _common.stderr()
    if result.outcome == "present":
        return result.body
    detail = result.error or f"HTTP {result.status}"
    if result.outcome == "unavailable":
        err.print(f"{url}: unavailable ({detail}): every URL is allowed (RFC 9309 §2.3.1.3)",
                  markup=False)
    else:
        err.print(f"{url}: unreachable ({detail}): every URL is disallowed (RFC 9309 §2.3.1.4)",
                  markup=False)
    return RobotsTxt.from_status(result.outcome, source=url, detail=detail, semantics=semantics)


def register(app: typer.Typer) -> None:
    app.command("robots", help=HELP)(robots)
