"""RFC 3339 instants, leap seconds included: the one reader every date in the package goes through.

Python's ``datetime`` has no second 60, so ``fromisoformat`` rejects ``23:59:60Z``, which RFC 3339
§5.6 (``time-second = 2DIGIT ; 00-58, 00-59, 00-60``) allows.  Spec §5.6 (R-5.6-7) defines what
a leap second means to a reader: it is valid only where the time, taken to UTC, is 23:59:60, and
it denotes the instant of 23:59:59 with the same fraction (so ``23:59:60Z`` is never later than
the midnight that follows it).  The same reading serves Issued/Expires, ``--now``, the web API and
the conformance adapter, so no two parts of the package disagree on one string.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Final

#: RFC 3339 §5.6 ``date-time``: ``T``/``t`` separator, optional fraction, ``Z``/``z`` or offset.
_DATE_TIME: Final = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]+))?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})", re.ASCII)
_FULL_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)


def parse_date_time(text: str, *, space: bool = False) -> _dt.datetime | None:
    """The UTC-aware instant of an RFC 3339 ``date-time``, or ``None`` when it is not one.

    ``space`` also accepts a space between date and time (RFC 3339 §5.6 NOTE), for input typed
    by people; declarations never take it.
    """
    if space and len(text) > 10 and text[10] == " ":
        text = text[:10] + "T" + text[11:]
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    leap = second == "60"
    micro = int((fraction or "")[:6].ljust(6, "0"))
    try:
        offset = _dt.timedelta(0)
        if zone not in ("Z", "z"):
            sign = -1 if zone[0] == "-" else 1
            zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
            if zone_hours > 23 or zone_minutes > 59:
                return None
            offset = sign * _dt.timedelta(hours=zone_hours, minutes=zone_minutes)
        moment = _dt.datetime(int(year), int(month), int(day), int(hour), int(minute),
                              59 if leap else int(second), micro,
                              tzinfo=_dt.timezone(offset))
    except ValueError:
        return None
    utc = moment.astimezone(_dt.UTC)
    if leap and (utc.hour, utc.minute) != (23, 59):
        return None  # RFC 3339 §5.7: a leap second ends a UTC day
    return utc


def parse_full_date(text: str) -> _dt.datetime | None:
    """00:00:00 UTC of an RFC 3339 ``full-date``, or ``None``."""
    match = _FULL_DATE.fullmatch(text)
    if match is None:
        return None
    try:
        day = _dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC)


def parse_date(text: str) -> _dt.datetime | None:
    """A ``full-date`` or a ``date-time`` (spec R-5.6-1), as a UTC instant, or ``None``."""
    return parse_full_date(text) or parse_date_time(text)


def parse_now(text: str) -> _dt.datetime | None:
    """The instant a person names as "now" (``--now``, the web API's ``now``), or ``None``.

    A ``date-time``, with a space for the ``T`` if typed so, or a ``full-date`` for its first
    instant; every caller that lets a user move the clock reads it here.
    """
    return parse_date_time(text, space=True) or parse_full_date(text)
