"""``aioptout filter``: keep the rows of a dataset that no signal reserves, with a receipt."""

from __future__ import annotations

import json
import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import usage as U
from ._common import EXIT_CODES_HELP, Exit, TextJson, emit_json, fail, stderr
from ._sources import DEFAULT_DELAY, DEFAULT_TIMEOUT, AllowPrivate, Resolve, pins


class UnknownPolicy(StrEnum):
    keep = "keep"
    drop = "drop"


HELP = (
    "Keep the rows of INPUT that no AI opt-out signal reserves for AGENT and USAGE, and write "
    "them to KEPT unchanged; rejected rows go to --rejected with the reason added in fields "
    "named aioptout_* (status, mechanism, source, line, rule, reason).\n\n"
    "INPUT and outputs are JSONL, CSV, Parquet or WARC, by extension; - is JSONL on "
    "stdin/stdout.  Each row's URL (or work identifier such as isrc:…) is read from "
    "--url-field.  Every origin's signals (declaration, robots.txt, Content-Usage, "
    "Content-Signal, tdmrep.json, ai.txt) are read once: fetched live (politely, several "
    "origins at once, private addresses refused unless --allow-private), or offline from a "
    "survey store (--from-survey, surveyed with --keep-files) or from saved files (--policies "
    "DIR, laid out DIR/<host>/robots.txt, DIR/<host>/ai.txt, DIR/<host>/.well-known/"
    "aioptout.txt, DIR/<host>/.well-known/tdmrep.json).  The rows' own documents are not "
    "fetched.\n\n"
    "Unreachable signals: an unreachable robots.txt disallows crawling (RFC 9309), which "
    "reserves what the agent's declared purpose covers (a training crawler's rows for "
    "train-ai); an unreachable declaration reserves every usage (spec R-2-9).  Rows no signal "
    "decides are 'unknown' and kept unless --unknown drop; so are rows whose origin could not "
    "be analysed (status error) and rows without a URL.\n\n"
    "Examples:\n\n"
    "  aioptout filter crawl.jsonl -o kept.jsonl --rejected rejected.jsonl --agent CCBot "
    "--usage train-ai --receipt receipt.json\n\n"
    "  aioptout filter docs.parquet -o kept.parquet --agent GPTBot --from-survey survey.db\n\n"
    "  cat rows.jsonl | aioptout filter - -o - --agent GPTBot --policies saved/ > kept.jsonl"
    "\n\n" + EXIT_CODES_HELP + " Here 1 means some row was rejected."
)


def filter_command(
    source: Annotated[str, typer.Argument(
        metavar="INPUT", help="JSONL, CSV, Parquet or WARC file; - for JSONL on stdin.")],
    output: Annotated[str, typer.Option(
        "-o", "--output", metavar="KEPT",
        help="Where kept rows go (same format; - for stdout).")],
    agent: Annotated[str, typer.Option(
        "--agent", metavar="AGENT",
        help="Product token or User-Agent the data is collected for, e.g. GPTBot, CCBot.")],
    usage: Annotated[str, typer.Option(
        "--usage", metavar="USAGE", help=f"One of: crawl, {', '.join(U.LABELS)}.")
    ] = "train-ai",
    rejected: Annotated[str | None, typer.Option(
        "--rejected", metavar="REJECTED", help="Where rejected rows go, with the reason.")
    ] = None,
    url_field: Annotated[str, typer.Option(
        "--url-field", metavar="FIELD",
        help="Field or column holding the URL or work identifier.")] = "url",
    unknown: Annotated[UnknownPolicy, typer.Option(
        "--unknown", help="What to do with rows no signal decides.")] = UnknownPolicy.keep,
    origin: Annotated[str | None, typer.Option(
        "--origin", metavar="SITE",
        help="Site whose declaration answers rows that carry a work identifier.")] = None,
    from_survey: Annotated[Path | None, typer.Option(
        "--from-survey", metavar="DB", help="Decide from a survey store (no network).")
    ] = None,
    label: Annotated[str | None, typer.Option(
        "--label", metavar="LABEL", help="Survey label to read (default: the latest).")
    ] = None,
    policies: Annotated[Path | None, typer.Option(
        "--policies", metavar="DIR", help="Decide from saved files DIR/<host>/… (no network).")
    ] = None,
    receipt: Annotated[Path | None, typer.Option(
        "--receipt", metavar="FILE", help="Write a JSON receipt of what was honoured "
        "(spec/filter-receipt.schema.json).")] = None,
    fmt: Annotated[TextJson, typer.Option(
        "--format", help="Summary format: text on stderr, or json on stdout.")] = TextJson.text,
    allow_private: AllowPrivate = False,
    resolve: Resolve = None,
    timeout: Annotated[float, typer.Option(
        "--timeout", min=0.1, metavar="SECONDS", help="Total seconds allowed for one fetch.")
    ] = DEFAULT_TIMEOUT,
    jobs: Annotated[int, typer.Option(
        "--jobs", min=1, metavar="N", help="Origins fetched at once.")] = 8,
    delay: Annotated[float, typer.Option(
        "--delay", min=0.0, metavar="SECONDS",
        help="Minimum seconds between two requests to one host.")] = DEFAULT_DELAY,
) -> None:
    from .. import _rows
    from ..filter import LiveSource, PolicyDirSource, RowFilter, SurveySource, SurveyUnusable

    if usage != U.CRAWL and not U.is_label(usage):
        fail(f"--usage {usage!r}: expected crawl or one of {', '.join(U.LABELS)}", Exit.USAGE)
    if from_survey is not None and policies is not None:
        fail("give at most one of --from-survey and --policies", Exit.USAGE)
    if label is not None and from_survey is None:
        fail("--label needs --from-survey", Exit.USAGE)
    kind = _rows.format_of(source)
    if kind is None:
        fail(f"{source}: unknown format; use .jsonl, .csv, .parquet, .warc or .warc.gz",
             Exit.USAGE)
    for out in (output, rejected):
        if out is not None and _rows.format_of(out) != kind and not (
                out == "-" and kind == "jsonl"):
            fail(f"{out}: outputs are written in the input's format ({kind})", Exit.USAGE)
    if output == "-" and fmt is TextJson.json:
        fail("-o - and --format json both write to stdout", Exit.USAGE)
    if source != "-" and not Path(source).is_file():
        fail(f"{source}: no such file")
    started = time.time()
    input_hash = None if source == "-" else _rows.sha256_file(source)
    try:
        if from_survey is not None:
            if not from_survey.is_file():
                fail(f"{from_survey}: no such file")
            chosen: Any = SurveySource(from_survey, label)
        elif policies is not None:
            if not policies.is_dir():
                fail(f"{policies}: not a directory")
            chosen = PolicyDirSource(policies)
        else:
            chosen = LiveSource(_checker(allow_private, resolve or [], timeout, delay))
    except SurveyUnusable as exc:
        fail(str(exc))
    except Exception as exc:  # a store another version wrote, or not a store at all
        fail(f"{from_survey}: {exc}")
    judge = RowFilter(chosen, agent=agent, usage=usage, unknown=unknown.value, origin=origin,
                      jobs=jobs)
    try:
        rows = _rows.open_format(kind, source, output, rejected, url_field)
    except (_rows.RowsError, _rows.MissingExtra) as exc:
        fail(str(exc), Exit.INPUT if isinstance(exc, _rows.RowsError) else Exit.USAGE)
    failure: str | None = None
    try:
        with _progress(judge) as tick:
            for item, kept, verdict in judge.run(rows.items(), rows.target):
                rows.write(item, kept, verdict)
                tick()
    except _rows.RowsError as exc:
        failure = str(exc)
    finally:
        judge.close()
        rows.close()
    summary = judge.stats.summary(agent, usage, unknown.value)
    if input_hash is None and isinstance(rows, _rows.Jsonl) and rows.hashing is not None:
        input_hash = (rows.hashing.digest.hexdigest(), rows.hashing.size)
    if receipt is not None:
        _write_receipt(receipt, judge, chosen, summary, source, input_hash, output, rejected,
                       url_field, started)
    if fmt is TextJson.json:
        emit_json(summary)
    else:
        _print_summary(summary)
    if failure is not None:
        fail(failure)
    if judge.stats.rejected:
        raise typer.Exit(int(Exit.FINDINGS))


def _checker(allow_private: bool, resolve: list[str], timeout: float, delay: float) -> Any:
    from ..checker import Checker
    from ..fetch import Fetcher

    fetcher = Fetcher(allow_private=allow_private, resolve=pins(resolve), total_timeout=timeout,
                      timeout=(min(5.0, timeout), min(10.0, timeout)), politeness_delay=delay)
    return Checker(fetcher=fetcher)


class _progress:
    """rows, rows/s and origins on stderr, only when stderr is a terminal."""

    def __init__(self, judge: Any) -> None:
        self.judge = judge
        self.progress: Any = None

    def __enter__(self) -> Any:
        if not sys.stderr.isatty():
            return lambda: None
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 TimeElapsedColumn(), console=stderr(), transient=True)
        self.progress.start()
        task = self.progress.add_task("filtering")
        stats = self.judge.stats
        last = [0.0]

        def tick() -> None:
            now = time.time()
            if now - last[0] < 0.2:
                return
            last[0] = now
            rate = stats.rows / max(now - stats.started, 1e-9)
            self.progress.update(task, description=(
                f"{stats.rows:,} rows  {rate:,.0f} rows/s  {len(stats.origins):,} origins  "
                f"{stats.rejected:,} rejected"))

        return tick

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()


def _print_summary(summary: dict[str, Any]) -> None:
    err = stderr()
    statuses = summary["by_status"]
    err.print(f"{summary['rows']:,} rows: {summary['kept']:,} kept, {summary['rejected']:,} "
              f"rejected ({summary['agent']}, {summary['usage']}, unknown {summary['unknown']})")
    err.print("  " + "  ".join(f"{k}: {v:,}" for k, v in statuses.items()))
    if summary["rejected_by_mechanism"]:
        err.print("  rejected by: " + "  ".join(
            f"{k}: {v:,}" for k, v in summary["rejected_by_mechanism"].items()))
    origins = "  ".join(f"{k}: {v:,}" for k, v in summary["origins_by_status"].items())
    err.print(f"  {summary['origins']:,} origins ({origins or 'none'}); "
              f"{summary['rows_per_second']:,.0f} rows/s")


def _write_receipt(path: Path, judge: Any, chosen: Any, summary: dict[str, Any], source: str,
                   input_hash: tuple[str, int] | None, output: str, rejected: str | None,
                   url_field: str, started: float) -> None:
    from .. import __version__
    from .._rows import sha256_file
    from ..filter import SCHEMA_VERSION, _rfc3339
    from ..parse import SUPPORTED_MAJOR

    def described(name: str | None) -> dict[str, Any] | None:
        if name is None:
            return None
        if name == "-":
            return {"path": "-", "sha256": None, "bytes": None}
        digest, size = sha256_file(name)
        return {"path": name, "sha256": digest, "bytes": size}

    document = {
        "schema_version": SCHEMA_VERSION,
        "kind": "aioptout-filter-receipt",
        "started_at": _rfc3339(started),
        "finished_at": _rfc3339(time.time()),
        "aioptout_version": __version__,
        "spec_version": SUPPORTED_MAJOR,
        "agent": summary["agent"],
        "usage": summary["usage"],
        "unknown": summary["unknown"],
        "url_field": url_field,
        "signals": chosen.describe(),
        "inputs": [{"path": source, "sha256": None if input_hash is None else input_hash[0],
                    "bytes": None if input_hash is None else input_hash[1]}],
        "outputs": {"kept": described(output), "rejected": described(rejected)},
        "summary": summary,
        "origins": judge.receipt_origins(),
    }
    try:
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
    except OSError as exc:
        fail(f"{path}: {exc.strerror or exc}")


def register(app: typer.Typer) -> None:
    app.command("filter", help=HELP)(filter_command)
