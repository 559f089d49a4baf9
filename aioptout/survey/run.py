"""One survey run from options: choose the input, build the analyzer, open the store, run.

Moved out of the command line so that ``aioptout survey``, ``aioptout demo`` and any script run
the same steps; the CLI only parses options, shows progress and maps errors to exit codes.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import inputs
from .engine import OfflineAnalyzer, OnlineAnalyzer, SurveyStats, survey
from .metrics import registry_agents, registry_id
from .store import Store
from .warc import iter_warcs, warc_sites


class SurveyUsage(ValueError):
    """The options contradict each other (the CLI's exit 2)."""


class SurveyInput(ValueError):
    """The input names nothing to survey (the CLI's exit 3)."""


def default_label() -> str:
    """This month, ``YYYY-MM``: one snapshot per month unless told otherwise."""
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m")


@dataclass(frozen=True)
class SurveyOptions:
    """What ``aioptout survey`` is asked to do; exactly one of ``input_file``, ``directory``
    and ``warc`` names the sites."""

    input_file: Path | None = None
    directory: Path | None = None
    warc: tuple[Path, ...] = ()
    label: str | None = None
    label_from_subdirs: bool = False
    limit: int | None = None
    sample: int | None = None
    seed: int = 0
    semantics: str = "google"
    engine: str = "local"
    scheduler: str | None = None
    allow_private: bool = False
    resolve: Mapping[str, str] = field(default_factory=dict)
    delay: float | None = None
    timeout: float | None = None
    max_crawl_delay: float | None = None
    keep_files: bool = False


@dataclass(frozen=True)
class SurveyPlan:
    """The jobs to run (re-iterable through ``jobs``), how many there are when known, the
    analyzer, and the run's options as the store records them."""

    label: str
    jobs: Callable[[], Iterator[inputs.Job]]
    total: int | None
    analyzer: Any
    options: dict[str, Any]


def plan(opts: SurveyOptions) -> SurveyPlan:
    """Check the options and build the run; raises ``SurveyUsage``, ``SurveyInput``,
    ``inputs.InputError`` or ``warc.WarcUnavailable`` before anything is written."""
    sources = sum(x is not None for x in (opts.input_file, opts.directory, opts.warc or None))
    if sources != 1:
        raise SurveyUsage("give exactly one of INPUT, --dir or --warc")
    if opts.label_from_subdirs and opts.directory is None:
        raise SurveyUsage("--label-from-subdirs needs --dir")
    if opts.engine == "dask" and not opts.scheduler:
        raise SurveyUsage("--engine dask needs --scheduler ADDRESS")
    label = opts.label or default_label()
    if not inputs.valid_label(label):
        raise SurveyUsage(f"--label {label!r}: use letters, digits, '.', '_' or '-'")
    agents = registry_agents()
    options: dict[str, Any] = {
        "semantics": opts.semantics, "registry": registry_id(agents), "engine": opts.engine,
        "limit": opts.limit, "sample": opts.sample, "seed": opts.seed,
    }
    limit, sample, seed = opts.limit, opts.sample, opts.seed

    def select(sites: Iterable[str]) -> Iterator[str]:
        chosen: Iterable[str] = sites
        if sample is not None:
            chosen = inputs.sample(chosen, sample, seed)
        return inputs.limit(chosen, limit)

    def offline() -> OfflineAnalyzer:
        return OfflineAnalyzer(semantics=opts.semantics, agents=agents,
                               mention_tokens=tuple(t.lower() for t, _ in agents),
                               keep_files=opts.keep_files)

    analyzer: Any
    total: int | None
    factory: Callable[[], Iterator[inputs.Job]]
    if opts.input_file is not None:
        path = opts.input_file
        analyzer = OnlineAnalyzer(
            semantics=opts.semantics, agents=agents, allow_private=opts.allow_private,
            resolve=tuple(sorted(opts.resolve.items())), politeness_delay=opts.delay,
            timeout=opts.timeout, max_crawl_delay=opts.max_crawl_delay,
            keep_files=opts.keep_files)
        count = inputs.count_sites(path)
        total = min(x for x in (count, limit, sample) if x is not None)
        options["input"] = str(path)

        def factory() -> Iterator[inputs.Job]:
            for site in select(inputs.read_sites(path)):
                yield inputs.Job(label, site)
    elif opts.directory is not None:
        directory = opts.directory
        folders = inputs.dir_labels(directory, label=label, from_subdirs=opts.label_from_subdirs)
        if not folders:
            raise SurveyInput(f"{directory}: no label sub-folders")
        analyzer = offline()
        total = sum(sum(1 for _ in select(inputs.dir_sites(f))) for _, f in folders)
        options["input"] = str(directory)

        def factory() -> Iterator[inputs.Job]:
            for lab, folder in folders:
                yield from inputs.dir_jobs(folder, lab, select(inputs.dir_sites(folder)))
    else:
        paths = list(opts.warc)
        for p in paths:
            if not p.is_file():
                raise SurveyInput(f"{p}: no such file")
        analyzer = offline()
        total = limit
        options["input"] = [str(p) for p in paths]
        sampled: set[str] | None = None
        if sample is not None:
            captures = warc_sites(paths)
            sampled = set(inputs.sample(captures, sample, seed))
            total = sum(captures[site] for site in sampled)
            total = total if limit is None else min(total, limit)

        def factory() -> Iterator[inputs.Job]:
            jobs = iter_warcs(paths, label=label)
            if sampled is not None:
                jobs = (job for job in jobs if job.site in sampled)
            return jobs if limit is None else _first(jobs, limit)
    return SurveyPlan(label, factory, total, analyzer, options)


def site_jobs(label: str, sites: Iterable[tuple[str, str]]) -> Iterator[inputs.Job]:
    """Jobs keyed by ``site`` but fetched from ``origin`` (the demo's fixture web)."""
    for site, origin in sites:
        yield inputs.Job(label, site, fetch_origin=origin)


def execute(
    run: SurveyPlan,
    db: Path,
    *,
    engine: str = "local",
    scheduler: str | None = None,
    concurrency: int = 64,
    per_host: int = 2,
    processes: int = 0,
    progress: Callable[[object], None] | None = None,
) -> SurveyStats:
    """Open (or create) the store, record the run, survey every job not yet stored.

    Raises ``StoreError``, ``InputError``, ``DaskUnavailable``, ``WarcUnavailable`` or
    ``OSError``; sites already written stay written.
    """
    with Store(db) as store:
        store.record_agents(run.options["registry"], run.analyzer.agents)
        store.record_run(run.label, run.options)
        return survey(run.jobs(), run.analyzer, store, engine=engine, scheduler=scheduler,
                      concurrency=concurrency, per_host=per_host, processes=processes,
                      progress=progress)


def _first(items: Iterator[Any], n: int) -> Iterator[Any]:
    for i, item in enumerate(items):
        if i >= n:
            return
        yield item
