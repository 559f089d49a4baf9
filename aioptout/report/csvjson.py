"""Machine-readable report formats: JSON (one document) and CSV (one row per label and metric)."""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Iterator
from typing import Final

from .tables import Report

CSV_COLUMNS: Final = ("label", "metric", "key", "count", "sites", "share")


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


Row = tuple[str, str, str, int, int, str]


def _row(label: str, sites: int, metric: str, key: str, count: int) -> Row:
    return (label, metric, key, count, sites, f"{count / sites:.6f}" if sites else "")


def rows(report: Report) -> Iterator[Row]:
    """Long-format rows: every count with its denominator, so spreadsheets need no joins."""
    for s in report.labels:
        d = s.to_dict()
        n = s.sites
        row = functools.partial(_row, s.label, n)

        yield row("sites", "", n)
        if s.sample is not None:
            yield row("sample_size", "", s.sample)
        for status, c in d["statuses"].items():
            yield row("status", status, c)
        for mech, c in d["mechanisms"].items():
            yield row("mechanism_present", mech, c["present"])
            yield row("mechanism_valid", mech, c["valid"])
        for label, values in d["usage"].items():
            for value, c in values.items():
                yield row(f"usage_{value}", label, c)
        for token, c in d["blocked_root"].items():
            yield row("blocked_root", token, c)
        for purpose, c in d["purposes"].items():
            yield row("purpose_blocked_any", purpose, c["any"])
            yield row("purpose_blocked_all", purpose, c["all"])
        for code, c in d["diagnostics"].items():
            yield row("diagnostic_sites", code, c["sites"])
        for token, c in d["mentions"].items():
            yield row("mentions", token, c)


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows(report))
    return buf.getvalue()
