"""A datatrove filter step that drops documents reserved for an agent and usage.

Needs the ``datatrove`` extra (``pip install 'aioptout[datatrove]'``); ``import aioptout`` never
loads datatrove, only this module does.  The step is configured with plain values and builds its
:class:`~aioptout.filter.RowFilter` in the worker that runs it, so executors may pickle it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:
    from datatrove.pipeline.filters.base_filter import BaseFilter
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError("aioptout.integrations.datatrove needs datatrove: "
                      "pip install 'aioptout[datatrove]'") from exc

from ..filter import FIELD_PREFIX, RowFilter, SignalSource, Unknown

__all__ = ["AioptoutFilter"]


class AioptoutFilter(BaseFilter):  # type: ignore[misc]
    """Keeps a document unless a signal reserves its URL (``doc.metadata[url_key]``) for
    ``agent`` and ``usage``.

    Signals come from saved files (``policies``), a survey store kept with ``--keep-files``
    (``survey``, ``label``), or live fetches (the default; ``allow_private`` and ``resolve``
    ``{"host:port": "addr"}`` and ``delay`` between requests to one host, as for the
    fetcher).  Dropped documents gain ``aioptout_*`` metadata (status, mechanism, source,
    line, rule, reason) for the exclusion writer, and the step's stats count drops by
    mechanism.
    """

    name = "aioptout"

    def __init__(self, agent: str, usage: str = "train-ai", *, url_key: str = "url",
                 unknown: str = "keep", origin: str | None = None,
                 policies: str | Path | None = None, survey: str | Path | None = None,
                 label: str | None = None, allow_private: bool = False,
                 resolve: dict[str, str] | None = None, delay: float | None = None,
                 exclusion_writer: Any = None,
                 batch_size: int = 256) -> None:
        super().__init__(exclusion_writer=exclusion_writer, batch_size=batch_size)
        self.agent = agent
        self.usage = usage
        self.url_key = url_key
        self.unknown = unknown
        self.origin = origin
        self.policies = None if policies is None else str(policies)
        self.survey = None if survey is None else str(survey)
        self.label = label
        self.allow_private = allow_private
        self.resolve = dict(resolve or {})
        self.delay = delay
        self._judge: RowFilter | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_judge"] = None
        return state

    def _source(self) -> SignalSource:
        from ..filter import LiveSource, PolicyDirSource, SurveySource

        if self.policies is not None:
            return PolicyDirSource(self.policies)
        if self.survey is not None:
            return SurveySource(self.survey, self.label)
        from ..checker import Checker
        from ..fetch import Fetcher

        extra: dict[str, Any] = {} if self.delay is None else {"politeness_delay": self.delay}
        return LiveSource(Checker(fetcher=Fetcher(allow_private=self.allow_private,
                                                  resolve=self.resolve, **extra)))

    def _filter(self) -> RowFilter:
        if self._judge is None:
            unknown: Unknown = "drop" if self.unknown == "drop" else "keep"
            self._judge = RowFilter(self._source(), agent=self.agent, usage=self.usage,
                                    unknown=unknown, origin=self.origin)
        return self._judge

    def filter(self, doc: Any) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: Sequence[Any]) -> list[bool | tuple[bool, str]]:
        judge = self._filter()
        out: list[bool | tuple[bool, str]] = []
        for doc, kept, verdict in judge.run(batch, lambda d: d.metadata.get(self.url_key)):
            if kept:
                out.append(True)
                continue
            doc.metadata.update(verdict.fields())
            out.append((False, f"{FIELD_PREFIX}{verdict.mechanism}"))
        return out
