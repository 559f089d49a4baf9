"""RFC 3339 instants with leap seconds (spec R-5.6-1, R-5.6-7, R-5.6-8)."""

from __future__ import annotations

import datetime as dt

import pytest

from aioptout import parse
from aioptout._rfc3339 import parse_date, parse_date_time, parse_full_date

UTC = dt.UTC


@pytest.mark.parametrize(("text", "expected"), [
    ("2016-12-31T23:59:60Z", dt.datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("2016-12-31T23:59:60.25Z", dt.datetime(2016, 12, 31, 23, 59, 59, 250000, tzinfo=UTC)),
    ("2017-01-01T05:29:60+05:30", dt.datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("2016-12-31T18:59:60-05:00", dt.datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("2016-12-31t23:59:60z", dt.datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("2026-06-01T12:00:00.1234567+02:00", dt.datetime(2026, 6, 1, 10, 0, 0, 123456, tzinfo=UTC)),
])
def test_valid_date_times(text: str, expected: dt.datetime) -> None:
    assert parse_date_time(text) == expected


@pytest.mark.parametrize("text", [
    "2016-12-31T23:58:60Z",  # not the last minute of the UTC day
    "2016-12-31T23:59:60+01:00",  # 22:59:60 UTC
    "2016-12-31T23:59:61Z",
    "2026-02-29T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T10:00:00+24:00",
    "2026-01-01T10:00:00+05:60",
    "2026-01-01T10:00:00",  # no offset
    "2026-01-01 10:00:00Z",  # a space only when asked for
])
def test_invalid_date_times(text: str) -> None:
    assert parse_date_time(text) is None


def test_space_separator_only_on_request() -> None:
    assert parse_date_time("2016-12-31 23:59:60Z", space=True) == dt.datetime(
        2016, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_full_dates() -> None:
    assert parse_full_date("2024-02-29") == dt.datetime(2024, 2, 29, tzinfo=UTC)
    assert parse_full_date("2023-02-29") is None
    assert parse_date("2024-02-29") == parse_full_date("2024-02-29")


def test_leap_second_expires_is_accepted_and_applies() -> None:
    declaration = parse("AIOptOut-Version: 1\nExpires: 2016-12-31T23:59:60Z\nUser-agent: *\n"
                        "Allow: /\nContent-Usage: train-ai=n\n")
    assert [d.code for d in declaration.diagnostics] == []
    assert declaration.expires == dt.datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_leap_second_in_the_wrong_place_is_aoo310_at_the_value() -> None:
    declaration = parse("AIOptOut-Version: 1\nIssued: 2016-12-31T12:00:60Z\nUser-agent: *\n"
                        "Disallow:\n")
    (diagnostic,) = declaration.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("AOO310", 2, 9)
