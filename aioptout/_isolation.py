"""Fault isolation: a failure while analysing one site or item becomes that item's error record.

Crawls, catalogues, surveys and the web API read input nobody vetted.  A parser bug that some
hostile file triggers must cost that one site its answer, never the run: every per-item
analysis runs inside :func:`isolated` (or :func:`guarded`), and what it raised is kept as a
:class:`Failure` carrying the ``RUN101`` diagnostic, the stage that failed and where.

Only :class:`Exception` is caught.  ``KeyboardInterrupt``, ``SystemExit`` and
``GeneratorExit`` are not exceptions of the analysis but requests to stop, and pass through.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Final, ParamSpec, TypeVar

from .diagnostics import define
from .model import Diagnostic

__all__ = ["ANALYSIS_FAILED", "WORKER_DIED", "Failure", "guarded", "isolated"]

#: Characters of an exception's text kept in a record (hostile input can make it huge).
MAX_FAILURE_MESSAGE: Final = 300
_DOC: Final = "docs/fault-isolation.md"
_PACKAGE_DIR: Final = os.path.dirname(os.path.abspath(__file__))

ANALYSIS_FAILED = define(
    "RUN101", "MUST", _DOC,
    "Analysing this site or item failed inside aioptout; it is recorded as an error and the "
    "run goes on",
    "an aioptout bug met this input: please report it with the input; other sites are unaffected")
WORKER_DIED = define(
    "RUN102", "MUST", _DOC,
    "The worker process analysing this site died (a crash, or killed for its memory); the site "
    "is recorded as an error and the run goes on",
    "the site was run alone in a fresh process to be sure it is the cause; report it with the "
    "site")


def _where(tb: TracebackType | None) -> str | None:
    """``module.py:line`` of the innermost frame inside the package: what a bug report needs."""
    found = None
    for frame, line in traceback.walk_tb(tb):
        path = os.path.abspath(frame.f_code.co_filename)
        if path.startswith(_PACKAGE_DIR + os.sep):
            found = f"aioptout/{os.path.relpath(path, _PACKAGE_DIR)}:{line}"
    return found


@dataclass(frozen=True, slots=True)
class Failure:
    """What one item's analysis raised, and at which stage."""

    stage: str
    exception: str
    message: str
    where: str | None = None
    code: str = ANALYSIS_FAILED.code

    @classmethod
    def of(cls, stage: str, exc: BaseException) -> Failure:
        text = str(exc)
        if len(text) > MAX_FAILURE_MESSAGE:
            text = text[:MAX_FAILURE_MESSAGE] + "…"
        return cls(stage, type(exc).__name__, text, _where(exc.__traceback__))

    @property
    def summary(self) -> str:
        return f"{self.stage}: {self.exception}: {self.message}" if self.message else (
            f"{self.stage}: {self.exception}")

    def diagnostic(self) -> Diagnostic:
        kind = WORKER_DIED if self.code == WORKER_DIED.code else ANALYSIS_FAILED
        return kind.at(1, 1, message=f"{kind.title.split(';')[0]} ({self.summary})")

    def to_dict(self) -> dict[str, object]:
        return {**self.diagnostic().to_dict(), "stage": self.stage,
                "exception": self.exception, "where": self.where}


class Isolated:
    """The outcome of an :func:`isolated` block: ``failure`` is None when it completed."""

    __slots__ = ("failure", "stage")

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.failure: Failure | None = None


@contextmanager
def isolated(stage: str) -> Iterator[Isolated]:
    """Run a block whose :class:`Exception` becomes ``.failure`` instead of propagating."""
    outcome = Isolated(stage)
    try:
        yield outcome
    except Exception as exc:  # the boundary of one item's analysis: see the module docstring
        outcome.failure = Failure.of(stage, exc)


P = ParamSpec("P")
T = TypeVar("T")


def guarded(stage: str, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
            ) -> tuple[T | None, Failure | None]:
    """``(fn(...), None)``, or ``(None, failure)`` when it raised an :class:`Exception`."""
    try:
        return fn(*args, **kwargs), None
    except Exception as exc:  # the boundary of one item's analysis
        return None, Failure.of(stage, exc)

