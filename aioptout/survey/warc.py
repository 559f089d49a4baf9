"""Common Crawl robots.txt captures (WARC response records) as survey input.

Common Crawl's ``robotstxt`` subset stores every fetch as a request/response pair; a redirected
robots.txt also has its target's capture stored.  Each response whose target path is
``/robots.txt`` becomes a job for the target's host, carrying the HTTP status and body.  A host
captured several times keeps its first final capture; a redirect is stored as such and replaced
by a final capture of the same host (see the ranks in ``store``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from .._limits import MAX_FILE_BYTES
from .._wellknown import ROBOTS_PATH
from .inputs import InputError, Job

MISSING_MESSAGE: Final = (
    "reading WARC files needs the optional warcio package: pip install 'aioptout[warc]'"
)


class WarcUnavailable(Exception):
    """warcio is not installed."""


def _archive_iterator() -> Any:
    try:
        from warcio.archiveiterator import ArchiveIterator
    except ImportError as exc:
        raise WarcUnavailable(MISSING_MESSAGE) from exc
    return ArchiveIterator


def robots_site(uri: str) -> str | None:
    """The site key of a robots.txt capture's target URI, or None if it is not a robots.txt."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.path != ROBOTS_PATH or not parts.hostname:
        return None
    return parts.hostname.lower()


def capture_rank(status: int | None, file_index: int, offset: int) -> str:
    """Final responses before redirects, then input order (file, then offset in the file)."""
    redirect = status is not None and 300 <= status < 400
    return f"{int(redirect)}:{file_index:06d}:{offset:015d}"


def iter_warc(path: str | Path, *, label: str, file_index: int = 0) -> Iterator[Job]:
    """Jobs for the robots.txt responses of one WARC file, in file order.

    A file that is not a WARC, or is cut short, raises :class:`InputError` naming it; the jobs
    read before that point have been yielded, so a survey keeps them and can resume.
    """
    iterator = _archive_iterator()
    with Path(path).open("rb") as handle:
        records = iterator(handle)
        try:
            for record in records:
                if record.rec_type != "response":
                    continue
                site = robots_site(record.rec_headers.get_header("WARC-Target-URI") or "")
                if site is None or record.http_headers is None:
                    continue
                try:
                    status = int(record.http_headers.get_statuscode())
                except (TypeError, ValueError):
                    status = None
                body = record.content_stream().read(MAX_FILE_BYTES)
                rank = capture_rank(status, file_index, int(records.get_record_offset()))
                yield Job(label, site, body, status, "warc", rank)
        except Exception as exc:  # warcio reports bad input with several unrelated types
            detail = f"{type(exc).__name__}: {exc}"[:120]
            raise InputError(f"{path}: not a readable WARC file ({detail})") from exc


def iter_warcs(paths: Iterable[str | Path], *, label: str) -> Iterator[Job]:
    for index, path in enumerate(paths):
        yield from iter_warc(path, label=label, file_index=index)


def warc_sites(paths: Iterable[str | Path]) -> dict[str, int]:
    """Captures per site, in order of first capture: a first pass for ``--sample``, which must
    know the whole population before it chooses."""
    counts: dict[str, int] = {}
    for job in iter_warcs(paths, label="sites"):
        counts[job.site] = counts.get(job.site, 0) + 1
    return counts
