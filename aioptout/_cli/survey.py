"""``aioptout survey``, ``aioptout report`` and ``aioptout demo``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ._common import EXIT_CODES_HELP, Exit, fail, stderr, stdout
from ._sources import (
    DEFAULT_DELAY,
    DEFAULT_MAX_CRAWL_DELAY,
    DEFAULT_TIMEOUT,
    AllowPrivate,
    Resolve,
    pins,
)

DEFAULT_DB: Final = "aioptout-survey.sqlite"
DEMO_DIR: Final = "aioptout-demo"
#: Seconds per fetch in the demo: the fixture web's slow-drip site would otherwise take 30 s.
DEMO_TIMEOUT: Final = 4.0


class Engine(StrEnum):
    local = "local"
    dask = "dask"


class Semantics(StrEnum):
    google = "google"
    rfc9309 = "rfc9309"


class ReportFormat(StrEnum):
    text = "text"
    csv = "csv"
    json = "json"


class _Rate(ProgressColumn):
    """Sites per second over the progress bar's moving window."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("– sites/s" if speed is None else f"{speed:,.1f} sites/s")


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _Rate(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=stderr(),
        transient=False,
    )


def run_survey(
    plan: Any,
    *,
    db: Path,
    engine: Engine,
    scheduler: str | None,
    concurrency: int,
    per_host: int,
    processes: int = 0,
    show_progress: bool = True,
) -> Any:
    """Shared by ``survey`` and ``demo``: run the plan with a progress bar, errors to exit codes."""
    from ..survey.dask import DaskUnavailable
    from ..survey.inputs import InputError
    from ..survey.run import execute
    from ..survey.store import StoreError
    from ..survey.warc import WarcUnavailable

    progress = _progress() if show_progress else None
    tick = None
    if progress is not None:
        task = progress.add_task(f"survey {plan.label}", total=plan.total)

        def tick(_: object) -> None:
            # Started on the first result, not before: the bar's refresh thread must not
            # exist yet when the engine forks its workers.
            progress.start()
            progress.advance(task)

    try:
        return execute(plan, db, engine=engine.value, scheduler=scheduler,
                       concurrency=concurrency, per_host=per_host, processes=processes,
                       progress=tick)
    except (DaskUnavailable, WarcUnavailable) as exc:
        fail(str(exc), Exit.USAGE)
    except (StoreError, InputError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"input unreadable: {exc}")
    finally:
        if progress is not None:
            progress.stop()


def _print_stats(stats: Any, db: Path) -> None:
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(stats.statuses.items())) or "none"
    stderr().print(
        f"surveyed {stats.written} sites ({statuses}); {stats.skipped} already stored; "
        f"store {db}"
    )


def register(app: typer.Typer) -> None:
    @app.command(
        "survey",
        help=(
            "Survey AI opt-out adoption over many sites into a resumable SQLite store.\n\n"
            "INPUT is a site list (one host or origin per line) or a Tranco-style rank,domain "
            "CSV. Offline inputs: --dir DIR of saved <host>.txt robots.txt bodies, or --warc "
            "files of Common Crawl robots.txt captures. Killed runs resume where they stopped.\n\n"
            "A site whose analysis fails is stored with status error and the diagnostic RUN101; "
            "the other sites are unaffected. --db must be a new or empty file or an aioptout "
            "survey store: any other file (another SQLite database, RUN112; not SQLite, RUN111; "
            "a newer store, RUN113) is refused with exit 3 and left untouched. Sites are keyed "
            "by the name the input gives, so a rerun adds nothing twice.\n\n"
            "Examples:\n\n"
            "  aioptout survey top-1m.csv --limit 10000 --label 2025-06\n\n"
            "  aioptout survey sites.txt --sample 500 --seed 7 --db study.sqlite\n\n"
            "  aioptout survey --dir corpus/robots/great-gpt-firewall --label-from-subdirs\n\n"
            "  aioptout survey --warc part-00000.warc.gz --warc part-00001.warc.gz "
            "--label CC-MAIN-2025-26 --engine dask --scheduler tcp://10.0.0.1:8786\n\n"
            + EXIT_CODES_HELP
        ),
    )
    def survey_command(
        input_file: Annotated[
            Path | None, typer.Argument(metavar="INPUT", help="site list or rank,domain CSV")
        ] = None,
        *,
        db: Annotated[Path, typer.Option("--db", help="SQLite store to write")] = Path(DEFAULT_DB),
        label: Annotated[
            str | None, typer.Option(help="snapshot label, e.g. 2025-06 (default: this month)")
        ] = None,
        limit: Annotated[int | None, typer.Option(min=1, help="survey the first N sites")] = None,
        sample: Annotated[
            int | None, typer.Option(min=1, help="survey a seeded random sample of N sites")
        ] = None,
        seed: Annotated[int, typer.Option(help="seed of --sample")] = 0,
        concurrency: Annotated[int, typer.Option(min=1, help="sites in flight at once")] = 64,
        per_host: Annotated[
            int, typer.Option(min=0, help="sites of one host in flight (0: no limit)")
        ] = 2,
        engine: Annotated[Engine, typer.Option(help="local threads or a Dask cluster")] = (
            Engine.local
        ),
        scheduler: Annotated[
            str | None, typer.Option(help="Dask scheduler address, e.g. tcp://host:8786")
        ] = None,
        directory: Annotated[
            Path | None, typer.Option("--dir", help="folder of saved <host>.txt robots.txt files")
        ] = None,
        label_from_subdirs: Annotated[
            bool, typer.Option(help="with --dir: one label per sub-folder (DIR/<label>/<host>.txt)")
        ] = False,
        warc: Annotated[
            list[Path] | None, typer.Option(help="WARC file of robots.txt captures (repeatable)")
        ] = None,
        semantics: Annotated[
            Semantics, typer.Option(help="robots.txt parser semantics")
        ] = Semantics.google,
        allow_private: AllowPrivate = False,
        resolve: Resolve = None,
        delay: Annotated[
            float, typer.Option(min=0.0, help="seconds between requests to one host")
        ] = DEFAULT_DELAY,
        timeout: Annotated[
            float,
            typer.Option(min=0.1, help="seconds one fetch may take in all: connect, headers, "
                         "body and every redirect"),
        ] = DEFAULT_TIMEOUT,
        max_crawl_delay: Annotated[
            float,
            typer.Option(min=0.0, max=86400.0, help="longest robots.txt Crawl-delay honoured, "
                         "in seconds; longer ones are capped"),
        ] = DEFAULT_MAX_CRAWL_DELAY,
        processes: Annotated[
            int,
            typer.Option(min=0, help="worker processes of the local engine (0: one per core)"),
        ] = 0,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
        keep_files: Annotated[bool, typer.Option(
            "--keep-files", help="keep each site's signal files in the store, so that "
            "aioptout filter --from-survey can decide any URL of the site")] = False,
    ) -> None:
        from ..survey import run
        from ..survey.inputs import InputError
        from ..survey.warc import WarcUnavailable

        opts = run.SurveyOptions(
            input_file=input_file, directory=directory, warc=tuple(warc or ()), label=label,
            label_from_subdirs=label_from_subdirs, limit=limit, sample=sample, seed=seed,
            semantics=semantics.value, engine=engine.value, scheduler=scheduler,
            allow_private=allow_private, resolve=pins(resolve or []) if input_file else {},
            delay=delay, timeout=timeout, max_crawl_delay=max_crawl_delay,
            keep_files=keep_files)
        try:
            plan = run.plan(opts)
        except run.SurveyUsage as exc:
            fail(str(exc), Exit.USAGE)
        except WarcUnavailable as exc:
            fail(str(exc), Exit.USAGE)
        except (run.SurveyInput, InputError) as exc:
            fail(str(exc))
        stats = run_survey(
            plan, db=db, engine=engine, scheduler=scheduler, concurrency=concurrency,
            per_host=per_host, processes=processes, show_progress=not quiet and sys.stderr.isatty(),
        )
        _print_stats(stats, db)

    @app.command(
        "report",
        help=(
            "Tables, CSV, JSON or an HTML page from a survey store.\n\n"
            "Examples:\n\n"
            "  aioptout report --db study.sqlite\n\n"
            "  aioptout report --label 2025-01 --label 2025-12 --format json\n\n"
            "  aioptout report --html report.html --chart over-time.svg\n\n"
            "The store is only read. A --db that is missing or empty (RUN115), or is not an "
            "aioptout survey store (RUN111, RUN112, RUN113, RUN114), is refused with exit 3 and "
            "left untouched.\n\n" + EXIT_CODES_HELP
        ),
    )
    def report_command(
        *,
        db: Annotated[Path, typer.Option("--db", help="SQLite store to read")] = Path(DEFAULT_DB),
        label: Annotated[
            list[str] | None, typer.Option(help="labels to include (repeatable; default all)")
        ] = None,
        fmt: Annotated[
            ReportFormat, typer.Option("--format", help="output on stdout")
        ] = ReportFormat.text,
        html: Annotated[
            Path | None, typer.Option("--html", help="also write a self-contained HTML page")
        ] = None,
        chart: Annotated[
            Path | None,
            typer.Option("--chart", help="also write the over-time chart as a standalone SVG"),
        ] = None,
    ) -> None:
        emit_report(db, label or [], fmt, html, chart)

    @app.command(
        "demo",
        help=(
            "Start the bundled fixture web on 127.0.0.1, survey it, print the report and write "
            f"an HTML page (default folder {DEMO_DIR}/). Needs no network.\n\n"
            "Example:\n\n  aioptout demo && open aioptout-demo/report.html\n\n" + EXIT_CODES_HELP
        ),
    )
    def demo_command(
        *,
        out: Annotated[Path, typer.Option("--out", help="folder for survey.sqlite and report.html")]
        = Path(DEMO_DIR),
        synthetic: Annotated[
            int, typer.Option(min=0, help="extra synthetic sites to survey")
        ] = 0,
    ) -> None:
        from ..fixtureweb import FixtureWeb
        from ..survey.engine import OnlineAnalyzer
        from ..survey.metrics import DEFAULT_SEMANTICS, registry_agents, registry_id
        from ..survey.run import SurveyPlan, site_jobs

        out.mkdir(parents=True, exist_ok=True)
        db = out / "survey.sqlite"
        agents = registry_agents()
        with FixtureWeb(synthetic=synthetic) as web:
            # A site is keyed by its name, not by this run's ephemeral port: a second demo
            # into the same folder finds every site stored instead of counting it twice.
            sites = [(f"http://{host}", web.origin(host)) for host in web.sites]
            analyzer = OnlineAnalyzer(
                semantics=DEFAULT_SEMANTICS, agents=agents, allow_private=True,
                resolve=tuple(sorted(web.resolve_map().items())), politeness_delay=0.0,
                timeout=DEMO_TIMEOUT)
            plan = SurveyPlan(
                "demo", lambda: site_jobs("demo", sites), len(sites), analyzer,
                {"semantics": DEFAULT_SEMANTICS, "registry": registry_id(agents),
                 "engine": "local", "input": "fixture web"})
            stats = run_survey(plan, db=db, engine=Engine.local, scheduler=None,
                               concurrency=64, per_host=2, show_progress=sys.stderr.isatty())
        _print_stats(stats, db)
        emit_report(db, ["demo"], ReportFormat.text, out / "report.html")


def emit_report(
    db: Path, labels: list[str], fmt: ReportFormat, html: Path | None, chart: Path | None = None
) -> None:
    from ..report import csvjson, tables
    from ..report import html as html_report
    from ..survey.store import Store, StoreError

    try:
        with Store(db, create=False, readonly=True) as store:
            known = store.labels()
            missing = [lab for lab in labels if lab not in known]
            if missing:
                fail(f"label(s) not in {db}: {', '.join(missing)}", Exit.USAGE)
            report = tables.build(store, labels or None)
    except StoreError as exc:
        fail(str(exc))
    if fmt is ReportFormat.json:
        sys.stdout.write(csvjson.to_json(report))
    elif fmt is ReportFormat.csv:
        sys.stdout.write(csvjson.to_csv(report))
    else:
        console = stdout()
        for table in tables.render(report):
            console.print(table)
    outputs: list[tuple[Path, str]] = []
    if html is not None:
        outputs.append((html, html_report.render(report)))
    if chart is not None:
        outputs.append((chart, html_report.time_series(report)[0] + "\n"))
    for path, text in outputs:
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"{path}: {exc.strerror or exc}")
        stderr().print(f"wrote {path}")
