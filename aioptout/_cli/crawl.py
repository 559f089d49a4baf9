"""``aioptout crawl``, ``aioptout catalogue`` and ``aioptout fixtures serve``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import _common as C
from ._sources import (
    DEFAULT_DELAY,
    DEFAULT_MAX_CRAWL_DELAY,
    DEFAULT_TIMEOUT,
    AllowPrivate,
    Resolve,
    pins,
)

_MANY_SITES = 5


class TextJsonlFormat(StrEnum):
    text = "text"
    jsonl = "jsonl"


def _fetcher(allow_private: bool, resolve: list[str], timeout: float, user_agent: str | None,
             delay: float, max_crawl_delay: float) -> Any:
    from ..fetch import DEFAULT_USER_AGENT, Fetcher

    return Fetcher(user_agent=user_agent or DEFAULT_USER_AGENT, allow_private=allow_private,
                   resolve=pins(resolve), total_timeout=timeout,
                   timeout=(min(5.0, timeout), min(10.0, timeout)), politeness_delay=delay,
                   max_crawl_delay=max_crawl_delay)


_TIMEOUT_HELP = ("Seconds one fetch may take in all: connect, headers, body and every redirect "
                 "(waiting for the host's politeness turn not included).")
_MAX_CRAWL_DELAY_HELP = ("Longest robots.txt Crawl-delay honoured, in seconds; longer ones are "
                         "capped (a site asking for 100000 s must not stall the run).")


@contextmanager
def _progress(total: int, label: str, console: Console | None = None) -> Iterator[Any]:
    """A bar on stderr for long runs, and only when stderr is a terminal: a log file or a pipe
    gets no control sequences."""
    console = console or C.stderr()
    if total <= _MANY_SITES or not console.is_terminal:
        yield None
        return
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda _report: progress.advance(task)


_COLOUR = {"allowed": "green", "disallowed": "red", "unknown": "yellow",
           "present": "green", "unavailable": "yellow", "unreachable": "red", "error": "red"}


def _answer(report: Any, label: str, value: Any) -> str:
    """The value, or ``licence-required`` when RSL offers a licence for the reserved use."""
    decision = report.decisions.get(label)
    return str(decision.answer if decision is not None else value.value)


def _print_site(report: Any) -> None:
    out = C.stdout()
    crawl = report.crawl.value
    out.print(f"[bold]{report.site}[/bold]  agent {report.agent}  crawl "
              f"[{_COLOUR[crawl]}]{crawl}[/]  compliant {'yes' if report.compliant else 'no'}")
    table = Table(show_edge=False, pad_edge=False, box=None)
    for column in ("mechanism", "outcome", "status", "errors", "warnings", "url / note"):
        table.add_column(column)
    for signal in report.signals:
        note = signal.url if signal.error is None else f"{signal.url} ({signal.error})"
        table.add_row(signal.mechanism, f"[{_COLOUR[signal.outcome]}]{signal.outcome}[/]",
                      "-" if signal.status is None else str(signal.status),
                      str(len(signal.errors)), str(len(signal.warnings)), note)
    out.print(table)
    usage = "  ".join(
        f"{label} [{_COLOUR[value.value]}]{_answer(report, label, value)}[/]"
        for label, value in report.usage.items())
    out.print(f"  usage: {usage}")
    for failure in report.failures:
        out.print(f"  [red]error[/]: {failure.diagnostic().code} {failure.summary}")
    out.print()


def _report_failures(reports: list[Any]) -> None:
    """One stderr line per site whose analysis failed: never silent, whatever the format."""
    err = C.stderr()
    for report in reports:
        for failure in report.failures:
            where = f" at {failure.where}" if failure.where else ""
            err.print(f"{report.site}: {failure.diagnostic().code} analysis failed "
                      f"({failure.summary}{where}); the site is recorded with status error",
                      markup=False)


def register(app: typer.Typer) -> None:
    @app.command(
        "crawl",
        help=(
            "Fetch every AI opt-out signal of each SITE and report what it means for an agent: "
            "the aioptout declaration, robots.txt, tdmrep.json, ai.txt, and the home page's "
            "headers and metas.  Fetching follows RFC 9309 (5 redirects, 500 KiB, 4xx = allow "
            "all, 5xx/429/timeouts = disallow all) and refuses private addresses unless "
            "--allow-private.  JSON output is an array of records described by "
            "spec/crawl.schema.json; jsonl prints one record per line.\n\n"
            "Examples:\n\n  aioptout crawl example.com --agent GPTBot\n\n"
            "  aioptout crawl http://declared.test:8080 --resolve declared.test:8080:127.0.0.1 "
            "--format json\n\n"
            "A site whose analysis fails (an aioptout bug some file triggers) is recorded with "
            "status error and the diagnostic RUN101; the other sites are unaffected.\n\n"
            + C.EXIT_CODES_HELP + " Here 3 means no site could be reached and analysed."
        ),
    )
    def crawl_command(
        sites: Annotated[list[str], typer.Argument(help="Site names or origins (https assumed).")],
        agent: Annotated[str, typer.Option(help="Agent the verdicts are for: a product token.")
                         ] = "*",
        output_format: Annotated[C.TextJsonl, typer.Option(
            "--format", help="text, json (one array) or jsonl (one record per line).")
        ] = C.TextJsonl.text,
        allow_private: AllowPrivate = False,
        resolve: Resolve = None,
        timeout: Annotated[float, typer.Option(min=0.1, help=_TIMEOUT_HELP)] = DEFAULT_TIMEOUT,
        user_agent: Annotated[str | None, typer.Option(
            help="User-Agent header to send (default names aioptout and its URL).")] = None,
        jobs: Annotated[int, typer.Option(help="Sites checked at the same time.")] = 8,
        delay: Annotated[float, typer.Option(
            help="Minimum seconds between two requests to one host.")] = DEFAULT_DELAY,
        max_crawl_delay: Annotated[float, typer.Option(
            min=0.0, max=86400.0, help=_MAX_CRAWL_DELAY_HELP)] = DEFAULT_MAX_CRAWL_DELAY,
    ) -> None:
        from ..crawl import check_sites

        fetcher = _fetcher(allow_private, resolve or [], timeout, user_agent, delay,
                           max_crawl_delay)
        reports = []
        with _progress(len(sites), "checking sites") as tick:
            for report in check_sites(sites, agent=agent, fetcher=fetcher, jobs=jobs,
                                      on_done=tick):
                reports.append(report)
                if output_format is C.TextJsonl.jsonl:
                    C.emit_jsonl(report.to_dict())
        if output_format is C.TextJsonl.json:
            C.emit_json([r.to_dict() for r in reports])
        elif output_format is C.TextJsonl.text:
            for report in reports:
                _print_site(report)
        _report_failures(reports)
        reached = [r for r in reports if r.status == "ok"
                   and any(s.outcome != "unreachable" for s in r.signals[:4])]
        if not reached:
            raise typer.Exit(int(C.Exit.INPUT))

    @app.command(
        "catalogue",
        help=(
            "Check every item of a catalogue: SOURCE is a sitemap or sitemap index URL (.xml or "
            ".xml.gz) or a CSV/JSONL file with a url column and/or identifier columns (isrc, "
            "iswc, upc, ean, gtin, isbn, doi, or id as scheme:value).  Each item combines the "
            "page's headers and metas, the site's rules and the declaration's Work-Usage rules "
            "for the identifiers in the page's JSON-LD; conflicts between levels are listed.  "
            "Output: one JSONL record per item (--format jsonl) or a table; the summary goes to "
            "stderr.\n\nExamples:\n\n  aioptout catalogue https://label.example/sitemap.xml "
            "--agent GPTBot\n\n  aioptout catalogue tracks.csv --origin https://label.example "
            "--format jsonl\n\n"
            "An item whose analysis fails is answered unknown with outcome error and the "
            "diagnostic RUN101; the other items are unaffected.\n\n"
            + C.EXIT_CODES_HELP + " Here 1 means some item is reserved."
        ),
    )
    def catalogue_command(
        source: Annotated[str, typer.Argument(help="Sitemap URL, or a CSV/JSONL file.")],
        agent: Annotated[str, typer.Option(help="Agent the verdicts are for.")] = "*",
        usage: Annotated[str, typer.Option(help="Usage label to decide.")] = "train-ai",
        output_format: Annotated[TextJsonlFormat, typer.Option(
            "--format", help="text or jsonl.")] = TextJsonlFormat.text,
        origin: Annotated[str | None, typer.Option(
            help="Site whose declaration answers identifier-only items.")] = None,
        allow_private: AllowPrivate = False,
        resolve: Resolve = None,
        timeout: Annotated[float, typer.Option(min=0.1, help=_TIMEOUT_HELP)] = DEFAULT_TIMEOUT,
        jobs: Annotated[int, typer.Option(help="Items checked at the same time.")] = 8,
        delay: Annotated[float, typer.Option(
            help="Minimum seconds between two requests to one host.")] = DEFAULT_DELAY,
        max_crawl_delay: Annotated[float, typer.Option(
            min=0.0, max=86400.0, help=_MAX_CRAWL_DELAY_HELP)] = DEFAULT_MAX_CRAWL_DELAY,
    ) -> None:
        from ..catalogue import check_items, items_from_file, items_from_sitemap, summarise
        from ..usage import is_label

        if not is_label(usage):
            C.fail(f"--usage {usage!r} is not a usage label", C.Exit.USAGE)
        fetcher = _fetcher(allow_private, resolve or [], timeout, None, delay, max_crawl_delay)
        problems: list[Any] = []
        if C.is_url(source):
            items = list(items_from_sitemap(source, fetcher, problems))
            if not items and problems:
                for problem in problems:
                    C.stderr().print(f"{source}: {problem.code} {problem.message}")
                raise typer.Exit(int(C.Exit.INPUT))
        else:
            if not Path(source).is_file():
                C.fail(f"{source}: no such file")
            try:
                items = list(items_from_file(source, problems))
            except OSError as exc:
                C.fail(f"{source}: {exc.strerror or exc}")
        reports = []
        with _progress(len(items), "checking items") as tick:
            for report in check_items(items, agent=agent, usage=usage, fetcher=fetcher,
                                      origin=origin, jobs=jobs, on_done=tick):
                reports.append(report)
                if output_format is TextJsonlFormat.jsonl:
                    C.emit_jsonl(report.to_dict())
        if output_format is TextJsonlFormat.text:
            table = Table(show_edge=False, box=None)
            for column in ("item", "identifiers", usage, "site", "page", "catalogue",
                           "conflicts"):
                table.add_column(column)
            for r in reports:
                table.add_row(r.item.url or "-", " ".join(r.identifiers),
                              f"[{_COLOUR[r.value.value]}]{r.value.value}[/]",
                              *(r.levels[k].value if k in r.levels else "-"
                                for k in ("site", "page", "catalogue")),
                              "; ".join(r.conflicts))
            C.stdout().print(table)
        counts = summarise(reports)
        err = C.stderr()
        for problem in problems:
            err.print(f"{problem.code} line {problem.line}: {problem.message}")
        for r in reports:
            for failure in r.failures:
                err.print(f"{r.item.url or ' '.join(r.identifiers)}: "
                          f"{failure.diagnostic().code} analysis failed ({failure.summary}); "
                          "the item is recorded as error", markup=False)
        err.print("  ".join(f"{k}: {v}" for k, v in counts.items()))
        if counts["disallowed"]:
            raise typer.Exit(int(C.Exit.FINDINGS))

    fixtures = typer.Typer(help="The loopback fixture web used by the demo and the tests.")

    @fixtures.command(
        "serve",
        help=(
            "Serve the fixture web (dozens of *.test sites with real signals and real faults) "
            "on 127.0.0.1 until Ctrl-C.  Prints one curl-style --resolve line per site, then the "
            "site list.\n\nExample:\n\n  aioptout fixtures serve --port 8080\n\n"
            "  curl --resolve declared.test:8080:127.0.0.1 "
            "http://declared.test:8080/.well-known/aioptout.txt\n\n" + C.EXIT_CODES_HELP
        ),
    )
    def serve_command(
        port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 0,
        latency_ms: Annotated[int, typer.Option(help="Delay added to every response.")] = 0,
        synthetic: Annotated[int, typer.Option(
            help="Also serve site0001.test … siteNNNN.test.")] = 0,
    ) -> None:
        from ..fixtureweb import FixtureWeb

        web = FixtureWeb(port=port, latency_ms=latency_ms, synthetic=synthetic)
        try:
            web.start()
        except OSError as exc:
            C.fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
        out = C.stdout()
        for line in web.resolve_lines():
            out.print(f"--resolve {line}")
        out.print()
        for name in web.sites:
            out.print(f"{web.url(name)}  {web.about(name)}")
        C.stderr().print(f"serving {len(web.sites)} sites on 127.0.0.1:{web.port}; Ctrl-C stops")
        try:
            web.serve_forever()
        except KeyboardInterrupt:
            web.stop()

    app.add_typer(fixtures, name="fixtures")
