"""Survey inputs, streamed: site lists, Tranco-style CSV, and directories of saved robots.txt files.

Inputs are read lazily so that a 1,000,000-site list costs no more memory than a 1,000-site one;
only ``--sample`` holds its sample (reservoir sampling, seeded, so a sample is reproducible).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Final

_TRANCO_LINE: Final = re.compile(r"^\s*\d+\s*,\s*([^,\s]+)")
_LABEL: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
SAVED_SUFFIX: Final = ".txt"


class InputError(Exception):
    """An input that cannot be read at all (missing file, not a directory)."""


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of survey work: a site under a label, with a saved body when offline."""

    label: str
    site: str
    body: bytes | None = None
    status: int | None = None
    source: str = "online"
    #: Which of several captures of one site is kept: lower wins (see ``store``).
    rank: str = ""
    #: Where to fetch the site when that is not ``site`` itself: the fixture web's ephemeral
    #: port, which must not become part of the stored key (a rerun would count the site twice).
    fetch_origin: str | None = None


def normalise_site(raw: str) -> str | None:
    """The site key stored for a list entry: a lower-cased host, or a lower-cased origin URL."""
    text = raw.strip()
    if not text or text.startswith("#"):
        return None
    match = _TRANCO_LINE.match(text)
    if match:
        text = match.group(1)
    text = text.split()[0]
    if "://" in text:
        scheme, _, rest = text.partition("://")
        host = rest.split("/", 1)[0]
        return f"{scheme.lower()}://{host.lower()}" if host else None
    host = text.split("/", 1)[0].lower()
    return host or None


def read_sites(path: str | Path) -> Iterator[str]:
    """Sites of a list file (one per line, ``#`` comments) or a Tranco ``rank,domain`` CSV."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    seen_header = False
    with p.open("r", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not seen_header:
                seen_header = True
                if line.lower().startswith(("rank,", "\ufeffrank,")):
                    continue
                line = line.lstrip("\ufeff")
            site = normalise_site(line)
            if site is not None:
                yield site


def count_sites(path: str | Path) -> int:
    return sum(1 for _ in read_sites(path))


def limit(items: Iterable[str], n: int | None) -> Iterator[str]:
    return iter(items) if n is None else islice(items, n)


def sample(items: Iterable[str], n: int, seed: int) -> list[str]:
    """A seeded uniform sample of ``n`` items (Algorithm R), returned in input order."""
    rng = random.Random(seed)
    reservoir: list[tuple[int, str]] = []
    for index, item in enumerate(items):
        if index < n:
            reservoir.append((index, item))
        else:
            slot = rng.randint(0, index)
            if slot < n:
                reservoir[slot] = (index, item)
    reservoir.sort()
    return [item for _, item in reservoir]


def valid_label(label: str) -> bool:
    return bool(_LABEL.match(label))


def _saved_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.name.endswith(SAVED_SUFFIX))


def dir_labels(directory: str | Path, *, label: str, from_subdirs: bool) -> list[tuple[str, Path]]:
    """(label, folder) pairs: the folder itself, or one label per sub-folder (``YYYY-MM``)."""
    root = Path(directory)
    if not root.is_dir():
        raise InputError(f"{root}: not a directory")
    if not from_subdirs:
        return [(label, root)]
    return [(p.name, p) for p in sorted(root.iterdir()) if p.is_dir() and valid_label(p.name)]


def dir_sites(folder: Path) -> Iterator[str]:
    for path in _saved_files(folder):
        yield path.name[: -len(SAVED_SUFFIX)].lower()


def dir_jobs(folder: Path, label: str, sites: Iterable[str]) -> Iterator[Job]:
    """Jobs for saved ``<host>.txt`` bodies; the body is read when the job is drawn."""
    for site in sites:
        path = folder / f"{site}{SAVED_SUFFIX}"
        if not path.is_file():
            matches = [p for p in folder.glob(f"*{SAVED_SUFFIX}") if p.name.lower() == path.name]
            if not matches:
                continue
            path = matches[0]
        yield Job(label, site, path.read_bytes(), 200, "dir")
