#!/usr/bin/env python3
"""Write the table-driven families of conformance cases to ``cases/``.

The case files stay the source of truth: this script only saves typing for families of similar
cases (every label pair of the containment tree, every malformed dictionary form, every
identifier scheme ...), and it must reproduce the files it owns byte for byte.  Hand-written cases
are not listed here and never touched.  Standard library only, deterministic.

Usage::

    python conformance/tools/generate.py            # write missing or changed generated cases
    python conformance/tools/generate.py --check    # exit 1 if a generated file differs or is gone
    python conformance/tools/generate.py --list     # print the IDs this script owns

Writing refuses to replace a file whose content differs unless ``--force`` is given, so that a
hand edit of a generated case is noticed rather than silently lost: change the table, not the
file.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = HERE.parent / "cases"
MAX_DESCRIPTION = 70

# The head shared by most cases: a version line and a * group that allows crawling, so that
# the line under test is line 4.
HEAD = "AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n"
BOT = "ExampleBot"
LABELS = ("train-ai", "train-any", "ai-input", "search", "tdm")
PARENT = {"train-ai": "train-any", "train-any": "tdm", "ai-input": "tdm", "search": "tdm"}


def q(target: str, usage: str, expected: str, agent: str = BOT) -> dict[str, str]:
    return {"agent": agent, "target": target, "usage": usage, "expected": expected}


def d(code: str, line: int) -> dict[str, Any]:
    return {"code": code, "line": line}


class Suite:
    def __init__(self) -> None:
        self.cases: dict[str, dict[str, Any]] = {}

    def add(
        self,
        cid: str,
        description: str,
        spec: list[str],
        level: str,
        *,
        text: str | None = None,
        octets: bytes | None = None,
        now: str | None = None,
        valid: bool | None = None,
        errors: list[dict[str, Any]] | None = None,
        warnings: list[dict[str, Any]] | None = None,
        queries: list[dict[str, str]] | None = None,
        comment: str | None = None,
    ) -> None:
        if cid in self.cases:
            raise ValueError(f"{cid}: listed twice")
        if len(description) > MAX_DESCRIPTION:
            raise ValueError(f"{cid}: description longer than {MAX_DESCRIPTION} characters")
        case: dict[str, Any] = {"description": description}
        if comment is not None:
            case["comment"] = comment
        case["spec"] = spec
        case["level"] = level
        if octets is not None:
            case["input"] = {"base64": base64.b64encode(octets).decode("ascii")}
        else:
            assert text is not None, cid
            case["input"] = {"text": text}
        if now is not None:
            case["now"] = now
        if valid is not None or errors:
            validate: dict[str, Any] = {"valid": not errors, "errors": list(errors or [])}
            if valid is not None and valid != (not errors):
                raise ValueError(f"{cid}: 'valid' disagrees with the errors listed")
            if warnings is not None:
                validate["warnings"] = warnings
            case["validate"] = validate
        if queries:
            case["evaluate"] = queries
        if "validate" not in case and "evaluate" not in case:
            raise ValueError(f"{cid}: neither validate nor evaluate")
        self.cases[cid] = case


# --- syntax -------------------------------------------------------------------------------------

# (slug, field line, query proving the field was read)
_UPPER_NAMES = [
    ("user-agent", "USER-AGENT: GPTBot\nDISALLOW: /\n", q("/x", "crawl", "disallowed", "GPTBot")),
    ("allow", "User-agent: *\nDisallow: /\nALLOW: /a\n", q("/a", "crawl", "allowed")),
    ("disallow", "User-agent: *\ndisallow: /a\n", q("/a", "crawl", "disallowed")),
    ("content-usage", "User-agent: *\nAllow: /\ncontent-usage: train-ai=n\n",
     q("/a", "train-ai", "disallowed")),
    ("work-usage", "User-agent: *\nAllow: /\nWORK-USAGE: isrc:GBEMI* train-ai=n\n",
     q("isrc:GBEMI0300013", "train-ai", "disallowed")),
    ("expires", "EXPIRES: 2026-01-01\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=n\n",
     q("/a", "train-ai", "unknown")),
]

# Misspellings that R-4-4 lets a reader accept: (misspelling, text after the version line,
# query that shows it was read as the field it resembles, or None).
_MISSPELLINGS = [
    ("useragent", "useragent: GPTBot\nDisallow: /\n", q("/x", "crawl", "disallowed", "GPTBot")),
    ("user_agent", "user_agent: GPTBot\nDisallow: /\n", q("/x", "crawl", "disallowed", "GPTBot")),
    ("dissalow", "User-agent: *\ndissalow: /x\n", q("/x", "crawl", "disallowed")),
    ("disalow", "User-agent: *\ndisalow: /x\n", q("/x", "crawl", "disallowed")),
    ("diasllow", "User-agent: *\ndiasllow: /x\n", q("/x", "crawl", "disallowed")),
    ("disallaw", "User-agent: *\ndisallaw: /x\n", q("/x", "crawl", "disallowed")),
    ("site-map", "User-agent: *\nAllow: /\nsite-map: https://example.com/sitemap.xml\n", None),
    ("contentusage", "User-agent: *\nAllow: /\ncontentusage: train-ai=n\n",
     q("/x", "train-ai", "disallowed")),
    ("content_usage", "User-agent: *\nAllow: /\ncontent_usage: train-ai=n\n",
     q("/x", "train-ai", "disallowed")),
    ("workusage", "User-agent: *\nAllow: /\nworkusage: isrc:GBEMI* train-ai=n\n",
     q("isrc:GBEMI0300013", "train-ai", "disallowed")),
    ("rightholder", "rightholder: Example Records Ltd\nUser-agent: *\nAllow: /\n", None),
    ("right-holder", "right-holder: Example Records Ltd\nUser-agent: *\nAllow: /\n", None),
    ("rights-holder", "rights-holder: Example Records Ltd\nUser-agent: *\nAllow: /\n", None),
    ("legalbasis", "legalbasis: eu-dsm-art4\nUser-agent: *\nAllow: /\n", None),
]

# Lines that are not records (R-4-1): (slug, line, description).
_NOT_RECORDS = [
    ("line-starting-with-colon", ": /x", "A line starting with a colon is not a record"),
    ("field-name-starting-with-digit", "1Disallow: /x",
     "A field name starting with a digit is not a record"),
    ("field-name-with-space", "Dis allow: /x", "A field name containing a space is not a record"),
    ("field-name-with-dot", "Dis.allow: /x", "A field name containing a dot is not a record"),
    ("non-ascii-field-name", "Dísallow: /x",
     "A field name with a non-ASCII letter is not a record"),
    ("equals-instead-of-colon", "Disallow=/x", "A field joined to its value by = is not a record"),
    ("lone-word", "Disallow", "A field name alone without a colon is not a record"),
    ("field-name-starting-with-dash", "-Disallow: /x",
     "A field name starting with - is not a record"),
]

# Fields whose empty value is an error (R-4-5): (field, line where it is placed after HEAD).
_EMPTY_VALUE_FIELDS = ["User-agent", "Work-Usage", "Sitemap", "Crawl-delay"]
_EMPTY_DECLARATION_FIELDS = ["Rightsholder", "Contact", "Licensing", "Legal-Basis", "Issued",
                             "Expires"]


def _syntax(s: Suite) -> None:
    for field, body, query in _UPPER_NAMES:
        s.add(
            f"syntax/{field}-name-in-other-case-is-read",
            f"A {field} field name in another letter case is read",
            ["R-4-2"], "must",
            text="AIOptOut-Version: 1\n" + body,
            queries=[query],
        )
    s.add(
        "syntax/version-name-in-lower-case-is-read",
        "A lower-case aioptout-version line counts as the version line",
        ["R-4-2", "R-5.1-1"], "must",
        text="aioptout-version: 1\nUser-agent: *\nAllow: /\n",
        valid=True, errors=[],
    )
    s.add(
        "syntax/contact-name-in-other-case-is-checked",
        "A CONTACT line is checked as Contact",
        ["R-4-2", "R-5.3-1"], "must",
        text="AIOptOut-Version: 1\nCONTACT: rights@example.com\nUser-agent: *\nAllow: /\n",
        errors=[d("AOO307", 2)],
    )

    for name, body, read_query in _MISSPELLINGS:
        lines = ("AIOptOut-Version: 1\n" + body).split("\n")
        number = next(i for i, text in enumerate(lines, 1) if text.startswith(name + ":"))
        s.add(
            f"syntax/misspelled-{name.replace('_', '-')}-warns",
            f"The misspelled field name {name} is a warning",
            ["R-4-4"], "should",
            text="AIOptOut-Version: 1\n" + body,
            valid=True, errors=[], warnings=[d("AOO203", number)],
        )
        if read_query is not None:
            s.add(
                f"syntax/misspelled-{name.replace('_', '-')}-is-read",
                f"The misspelling {name} may be read as the field it resembles",
                ["R-4-4"], "may",
                text="AIOptOut-Version: 1\n" + body,
                queries=[read_query],
            )

    for slug, bad_line, description in _NOT_RECORDS:
        s.add(
            f"syntax/{slug}",
            description,
            ["R-4-1"], "must",
            text=HEAD + bad_line + "\n",
            errors=[d("AOO201", 4)],
            queries=[q("/x", "crawl", "allowed")],
        )

    for field in _EMPTY_VALUE_FIELDS:
        slug = field.lower()
        s.add(
            f"syntax/empty-{slug}-is-an-error",
            f"A {field} record with no value is an error",
            ["R-4-5"], "must",
            text=HEAD + f"{field}:\n" + ("Disallow: /x\n" if field == "User-agent" else ""),
            errors=[d("AOO204", 4)],
        )
    for field in _EMPTY_DECLARATION_FIELDS:
        s.add(
            f"syntax/empty-{field.lower()}-is-an-error",
            f"A {field} record with no value is an error",
            ["R-4-5"], "must",
            text=f"AIOptOut-Version: 1\n{field}:\nUser-agent: *\nAllow: /\n",
            errors=[d("AOO204", 2)],
        )
    s.add(
        "syntax/empty-version-line-is-ignored",
        "An AIOptOut-Version line with no value is ignored",
        ["R-4-5", "R-5.1-1"], "must",
        text="AIOptOut-Version:\nUser-agent: *\nAllow: /\n",
        errors=[d("AOO204", 1), d("AOO301", 1)],
        comment="Ignoring the record (R-4-5) leaves the file without a version record (R-5.1-1).",
    )
    s.add(
        "syntax/empty-user-agent-does-not-start-a-group",
        "An empty User-agent line is ignored and names no agent",
        ["R-4-5"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /a\nUser-agent:\nDisallow: /b\n",
        queries=[q("/b", "crawl", "disallowed"), q("/a", "crawl", "disallowed")],
        comment="The ignored line cannot start a group, so Disallow: /b stays in the * group.",
    )
    s.add(
        "syntax/empty-allow-is-not-an-error",
        "An Allow record with an empty value is valid",
        ["R-4-5", "R-7.1-10"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow:\n",
        valid=True, errors=[], warnings=[],
    )

    # Comments and whitespace.
    s.add(
        "syntax/comment-right-after-value",
        "A # right after a value starts a comment",
        ["R-4-1"], "must",
        text=HEAD + "Disallow: /a#b\n",
        queries=[q("/a", "crawl", "disallowed"), q("/b", "crawl", "allowed")],
    )
    s.add(
        "syntax/comment-right-after-colon",
        "A # right after the colon leaves an empty value",
        ["R-4-1", "R-7.1-10"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow:# /x\n",
        valid=True, errors=[],
        queries=[q("/x", "crawl", "allowed")],
    )
    s.add(
        "syntax/comment-cuts-usage-preference",
        "A comment after a usage preference is not part of it",
        ["R-4-1", "R-7.2-3"], "must",
        text=HEAD + "Content-Usage: train-ai=n # no training, search=n\n",
        queries=[q("/x", "train-ai", "disallowed"), q("/x", "search", "unknown")],
    )
    s.add(
        "syntax/indented-comment-line",
        "A comment line may start with spaces and tabs",
        ["R-4-1"], "must",
        text="AIOptOut-Version: 1\n \t# Disallow: /x\nUser-agent: *\nAllow: /\n",
        valid=True, errors=[],
        queries=[q("/x", "crawl", "allowed")],
    )
    s.add(
        "syntax/comment-hides-whole-record",
        "A record after # on a line is part of the comment",
        ["R-4-1"], "must",
        text=HEAD + "# Disallow: /x\n",
        valid=True, errors=[],
        queries=[q("/x", "crawl", "allowed")],
    )
    s.add(
        "syntax/whitespace-only-line-is-blank",
        "A line of spaces and tabs is blank",
        ["R-4-1"], "must",
        text="AIOptOut-Version: 1\n\t \t\nUser-agent: *\nAllow: /\n",
        valid=True, errors=[],
    )
    s.add(
        "syntax/blank-line-does-not-end-group",
        "A blank line does not end a group",
        ["R-4-1", "R-6-7"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\n\nDisallow: /\n",
        queries=[q("/x", "crawl", "disallowed", "GPTBot")],
    )
    s.add(
        "syntax/comment-line-does-not-end-group",
        "A comment line between User-agent lines keeps one group",
        ["R-4-1", "R-6-7"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\n# and\nUser-agent: CCBot\nDisallow: /\n",
        queries=[q("/x", "crawl", "disallowed", "GPTBot"), q("/x", "crawl", "disallowed", "CCBot")],
    )
    for field, record in [
        ("sitemap", "Sitemap: https://example.com/sitemap.xml"),
        ("crawl-delay", "Crawl-delay: 10"),
        ("unknown-field", "X-Note: hello"),
        ("declaration-field", "Rightsholder: Example Records Ltd"),
    ]:
        s.add(
            f"syntax/{field}-does-not-end-group",
            f"A {field.replace('-', ' ')} line between User-agent lines keeps one group",
            ["R-6-7"], "must",
            text=f"AIOptOut-Version: 1\nUser-agent: GPTBot\n{record}\nUser-agent: CCBot\n"
            "Disallow: /\n",
            queries=[q("/x", "crawl", "disallowed", "GPTBot"),
                     q("/x", "crawl", "disallowed", "CCBot")],
        )
    s.add(
        "syntax/sitemap-is-valid-anywhere",
        "A Sitemap line before the groups is valid",
        ["R-4-3"], "must",
        text="AIOptOut-Version: 1\nSitemap: https://example.com/sitemap.xml\nUser-agent: *\n"
        "Allow: /\n",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "syntax/unknown-field-before-groups-warns",
        "An unknown field before the first group is a warning",
        ["R-4-3"], "should",
        text="AIOptOut-Version: 1\nX-Robots-Tag: noai\nUser-agent: *\nAllow: /\n",
        valid=True, errors=[], warnings=[d("AOO202", 2)],
    )
    s.add(
        "syntax/unknown-field-value-is-not-read",
        "An unknown field that looks like a rule has no effect",
        ["R-4-3"], "must",
        text=HEAD + "Disallow-All: /\n",
        queries=[q("/x", "crawl", "allowed")],
    )


# --- fields -------------------------------------------------------------------------------------

_VERSIONS_OK = [("1.0", "1-0"), ("1.10", "1-10"), ("1.999", "1-999")]
_VERSIONS_BAD = [
    ("1.", "version-with-empty-minor", "A version 1. without a minor number is an error"),
    ("1.0.1", "version-with-patch-number", "A version with two dots is an error"),
    ("v1", "version-with-letter-prefix", "A version written v1 is an error"),
    ("0", "version-zero", "AIOptOut-Version 0 is an error"),
    ("2.0", "version-two-point-zero", "AIOptOut-Version 2.0 is an error"),
    ("01", "version-with-leading-zero", "A version written 01 is an error"),
    ("1,0", "version-with-comma", "A version written 1,0 is an error"),
]

_CONTACT_OK = [
    ("mailto", "mailto:rights@example.com"),
    ("https", "https://example.com/contact"),
    ("http", "http://example.com/contact"),
    ("upper-case-scheme", "MAILTO:rights@example.com"),
]
_CONTACT_BAD = [
    ("ftp", "ftp://example.com/contact", "A Contact with an ftp: URL is an error"),
    ("tel", "tel:+44-20-7946-0000", "A Contact with a tel: URI is an error"),
    ("https-without-host", "https:///contact", "A Contact https URL without a host is an error"),
    ("relative", "/contact", "A relative Contact URL is an error"),
    ("host-without-scheme", "example.com/contact", "A Contact without a scheme is an error"),
]
_LICENSING_OK = [("https", "https://example.com/ai-licensing"),
                 ("http", "http://example.com/ai-licensing")]
_LICENSING_BAD = [
    ("mailto", "mailto:licensing@example.com", "A mailto: Licensing value is an error"),
    ("without-host", "https:/ai-licensing", "A Licensing URL without a host is an error"),
    ("scheme-relative", "//example.com/ai-licensing",
     "A scheme-relative Licensing URL is an error"),
    ("ftp", "ftp://example.com/terms", "An ftp: Licensing URL is an error"),
]
_LEGAL_OK = [
    ("copyright", "copyright"),
    ("contract", "contract"),
    ("upper-case", "EU-DSM-ART4"),
    ("url", "https://example.com/legal/ai-reservation"),
]
_LEGAL_BAD = [
    ("mailto", "mailto:legal@example.com", "A mailto: Legal-Basis is a warning"),
    ("free-text", "all rights reserved", "A free-text Legal-Basis is a warning"),
]
_DATES_OK = [
    ("full-date", "2026-01-01", "An RFC 3339 full-date is a valid Issued value"),
    ("date-time-utc", "2026-01-01T08:30:00Z", "A date-time with Z is a valid Issued value"),
    ("lower-case-t-and-z", "2026-01-01t08:30:00z", "Lower-case t and z are valid in a date-time"),
    ("fraction", "2026-01-01T08:30:00.125Z", "A date-time with a fraction of a second is valid"),
    ("positive-offset", "2026-01-01T08:30:00+05:30", "A date-time with +05:30 is valid"),
    ("negative-offset", "2026-01-01T08:30:00-08:00", "A date-time with -08:00 is valid"),
    ("leap-day", "2024-02-29", "29 February of a leap year is a valid date"),
]
_DATES_BAD = [
    ("no-offset", "2026-01-01T08:30:00", "A date-time without a time offset is an error"),
    ("short-month", "2026-1-01", "A date with a one-digit month is an error"),
    ("month-13", "2026-13-01", "Month 13 is an error"),
    ("day-zero", "2026-01-00", "Day 00 is an error"),
    ("day-32", "2026-01-32", "Day 32 is an error"),
    ("non-leap-day", "2025-02-29", "29 February of a common year is an error"),
    ("april-31", "2026-04-31", "31 April is an error"),
    ("hour-24", "2026-01-01T24:00:00Z", "Hour 24 is an error"),
    ("minute-60", "2026-01-01T08:60:00Z", "Minute 60 is an error"),
    ("space-separator", "2026-01-01 08:30:00Z", "A space between date and time is an error"),
    ("offset-without-colon", "2026-01-01T08:30:00+0100",
     "A time offset without a colon is an error"),
    ("no-seconds", "2026-01-01T08:30Z", "A date-time without seconds is an error"),
    ("trailing-text", "2026-01-01 noon", "A date followed by other text is an error"),
    ("year-only", "2026", "A bare year is an error"),
]


def _fields(s: Suite) -> None:
    for value, slug in _VERSIONS_OK:
        s.add(
            f"fields/version-{slug}-is-valid",
            f"AIOptOut-Version {value} is valid",
            ["R-5.1-3"], "must",
            text=f"AIOptOut-Version: {value}\nUser-agent: *\nAllow: /\n",
            valid=True, errors=[],
        )
    for value, slug, description in _VERSIONS_BAD:
        s.add(
            f"fields/{slug}",
            description,
            ["R-5.1-3"], "must",
            text=f"AIOptOut-Version: {value}\nUser-agent: *\nAllow: /\n",
            errors=[d("AOO303", 1)],
        )
    s.add(
        "fields/duplicate-version-with-other-value",
        "A second version line with another value gives only AOO302",
        ["R-5.1-2"], "must",
        text="AIOptOut-Version: 1\nAIOptOut-Version: 2\nUser-agent: *\nAllow: /\n",
        errors=[d("AOO302", 2)],
        comment="Lead decision: the ignored duplicate is not checked for its value.",
    )
    s.add(
        "fields/version-missing-after-comments",
        "A missing version line is reported at line 1 after comments",
        ["R-5.1-1"], "must",
        text="# robots\n\nUser-agent: *\nAllow: /\n",
        errors=[d("AOO301", 1)],
    )
    s.add(
        "fields/empty-file-lacks-version",
        "An empty file lacks the version line",
        ["R-5.1-1"], "must",
        text="",
        errors=[d("AOO301", 1)],
    )
    s.add(
        "fields/version-inside-group-counts",
        "A version line after the first User-agent line still counts",
        ["R-5.1-1", "R-5-2"], "should",
        text="User-agent: *\nAllow: /\nAIOptOut-Version: 1\n",
        valid=True, errors=[], warnings=[d("AOO304", 3), d("AOO305", 3)],
    )
    for slug, value in _CONTACT_OK:
        s.add(
            f"fields/contact-{slug}-is-valid",
            f"A Contact value {value} is valid",
            ["R-5.3-1"], "must",
            text=f"AIOptOut-Version: 1\nContact: {value}\nUser-agent: *\nAllow: /\n",
            valid=True, errors=[],
        )
    for slug, value, description in _CONTACT_BAD:
        s.add(
            f"fields/contact-{slug}",
            description,
            ["R-5.3-1"], "must",
            text=f"AIOptOut-Version: 1\nContact: {value}\nUser-agent: *\nAllow: /\n",
            errors=[d("AOO307", 2)],
        )
    for slug, value in _LICENSING_OK:
        s.add(
            f"fields/licensing-{slug}-is-valid",
            f"A Licensing value {value} is valid",
            ["R-5.4-1"], "must",
            text=f"AIOptOut-Version: 1\nLicensing: {value}\nUser-agent: *\nAllow: /\n",
            valid=True, errors=[],
        )
    for slug, value, description in _LICENSING_BAD:
        s.add(
            f"fields/licensing-{slug}",
            description,
            ["R-5.4-1"], "must",
            text=f"AIOptOut-Version: 1\nLicensing: {value}\nUser-agent: *\nAllow: /\n",
            errors=[d("AOO308", 2)],
        )
    for slug, value in _LEGAL_OK:
        s.add(
            f"fields/legal-basis-{slug}-raises-no-warning",
            f"Legal-Basis {value[:40]} raises no warning",
            ["R-5.5-1"], "should",
            text=f"AIOptOut-Version: 1\nLegal-Basis: {value}\nUser-agent: *\nAllow: /\n",
            valid=True, errors=[], warnings=[],
        )
    for slug, value, description in _LEGAL_BAD:
        s.add(
            f"fields/legal-basis-{slug}",
            description,
            ["R-5.5-1"], "should",
            text=f"AIOptOut-Version: 1\nLegal-Basis: {value}\nUser-agent: *\nAllow: /\n",
            valid=True, errors=[], warnings=[d("AOO309", 2)],
        )
    s.add(
        "fields/rightsholder-non-ascii-is-valid",
        "A Rightsholder with non-ASCII letters is valid",
        ["R-3-1"], "must",
        text="AIOptOut-Version: 1\nRightsholder: Société Générale des Éditions\nUser-agent: *\n"
        "Allow: /\n",
        valid=True, errors=[], warnings=[],
    )
    for slug, value, description in _DATES_OK:
        s.add(
            f"fields/issued-{slug}-is-valid",
            description,
            ["R-5.6-1"], "must",
            text=f"AIOptOut-Version: 1\nIssued: {value}\nUser-agent: *\nAllow: /\n",
            valid=True, errors=[],
        )
    for slug, value, description in _DATES_BAD:
        s.add(
            f"fields/date-{slug}",
            description,
            ["R-5.6-1"], "must",
            text=f"AIOptOut-Version: 1\nIssued: {value}\nUser-agent: *\nAllow: /\n",
            errors=[d("AOO310", 2)],
        )
    s.add(
        "fields/expires-invalid-date-is-an-error",
        "An Expires value that is not a date is an error",
        ["R-5.6-1"], "must",
        text="AIOptOut-Version: 1\nExpires: next year\nUser-agent: *\nAllow: /\n",
        errors=[d("AOO310", 2)],
    )
    s.add(
        "fields/invalid-expires-does-not-expire",
        "Preferences apply when Expires is not a valid date",
        ["R-11-1", "R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nExpires: 2026-02-30\nUser-agent: *\nAllow: /\n"
        "Content-Usage: train-ai=n\n",
        queries=[q("/x", "train-ai", "disallowed")],
        comment="Spec §11.1: a declaration with a bad date still reserves what its rules reserve.",
    )
    s.add(
        "fields/expires-equal-to-issued",
        "Expires equal to Issued is an error",
        ["R-5.6-2"], "must",
        text="AIOptOut-Version: 1\nIssued: 2026-01-01\nExpires: 2026-01-01T00:00:00Z\n"
        "User-agent: *\nAllow: /\n",
        errors=[d("AOO311", 3)],
    )
    s.add(
        "fields/expires-one-second-after-issued",
        "Expires one second after Issued is valid",
        ["R-5.6-2"], "must",
        text="AIOptOut-Version: 1\nIssued: 2026-01-01T00:00:00Z\nExpires: 2026-01-01T00:00:01Z\n"
        "User-agent: *\nAllow: /\n",
        valid=True, errors=[],
    )
    s.add(
        "fields/expires-before-issued-by-offset",
        "Expires compares with Issued as instants, offsets applied",
        ["R-5.6-2"], "must",
        text="AIOptOut-Version: 1\nIssued: 2026-03-01T10:00:00Z\n"
        "Expires: 2026-03-01T11:00:00+02:00\nUser-agent: *\nAllow: /\n",
        errors=[d("AOO311", 3)],
        comment="11:00+02:00 is 09:00Z, an hour before Issued.",
    )
    s.add(
        "fields/expires-after-issued-by-offset",
        "A later-looking Issued may still precede Expires",
        ["R-5.6-2"], "must",
        text="AIOptOut-Version: 1\nIssued: 2026-03-01T10:00:00+02:00\n"
        "Expires: 2026-03-01T09:00:00Z\nUser-agent: *\nAllow: /\n",
        valid=True, errors=[],
        comment="10:00+02:00 is 08:00Z, an hour before Expires.",
    )
    s.add(
        "fields/expires-before-issued-in-file-order",
        "Expires written above an earlier Issued is reported on Expires",
        ["R-5.6-2"], "must",
        text="AIOptOut-Version: 1\nExpires: 2026-02-01\nIssued: 2026-03-01\nUser-agent: *\n"
        "Allow: /\n",
        now="2026-01-15T00:00:00Z",
        errors=[d("AOO311", 2)],
    )
    s.add(
        "fields/issued-at-now-is-not-future",
        "Issued equal to the current instant raises no warning",
        ["R-5.6-3"], "should",
        text="AIOptOut-Version: 1\nIssued: 2026-06-01T00:00:00Z\nUser-agent: *\nAllow: /\n",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "fields/issued-future-by-offset-warns",
        "Issued in the future once its offset is applied is a warning",
        ["R-5.6-3"], "should",
        text="AIOptOut-Version: 1\nIssued: 2026-05-31T23:30:00-01:00\nUser-agent: *\nAllow: /\n",
        valid=True, errors=[], warnings=[d("AOO312", 2)],
        comment="23:30-01:00 is 00:30Z on 1 June, after now.",
    )
    s.add(
        "fields/expiry-one-second-before",
        "One second before Expires the preferences still apply",
        ["R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nExpires: 2026-06-01T00:00:00Z\nUser-agent: *\nAllow: /\n"
        "Content-Usage: train-ai=n\n",
        now="2026-05-31T23:59:59Z",
        queries=[q("/x", "train-ai", "disallowed")],
    )
    s.add(
        "fields/expiry-with-fraction",
        "A fractional Expires instant is compared exactly",
        ["R-5.6-1", "R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nExpires: 2026-06-01T00:00:00.5Z\nUser-agent: *\nAllow: /\n"
        "Content-Usage: train-ai=n\n",
        now="2026-06-01T00:00:00Z",
        queries=[q("/x", "train-ai", "disallowed")],
    )
    s.add(
        "fields/expired-full-date-day-before",
        "A full-date Expires applies until the end of the previous day",
        ["R-5.6-1", "R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nExpires: 2026-06-02\nUser-agent: *\nAllow: /\n"
        "Content-Usage: train-ai=n\n",
        now="2026-06-01T23:59:59Z",
        queries=[q("/x", "train-ai", "disallowed")],
    )
    s.add(
        "fields/expired-declaration-work-and-search",
        "After Expires a work identifier and every label are unknown",
        ["R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nExpires: 2026-01-01\nUser-agent: *\nAllow: /\n"
        "Content-Usage: tdm=n\nWork-Usage: isbn:978-0-306* tdm=n\n",
        queries=[q("/x", label, "unknown") for label in LABELS]
        + [q("isbn:9780306406157", "tdm", "unknown")],
    )
    s.add(
        "fields/expires-inside-group-still-expires",
        "An Expires line inside a group applies to the whole file",
        ["R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=n\n"
        "Expires: 2026-01-01\n",
        queries=[q("/x", "train-ai", "unknown")],
        comment="Spec §5: declaration fields describe the whole declaration, wherever they appear.",
    )
    s.add(
        "fields/unexpired-declaration-has-no-expiry-warning",
        "A declaration before its Expires instant raises no warning",
        ["R-5.6-4"], "should",
        text="AIOptOut-Version: 1\nExpires: 2026-06-02\nUser-agent: *\nAllow: /\n",
        valid=True, errors=[], warnings=[],
    )
    for field, value in [("Issued", "2026-01-01"), ("Contact", "https://example.com/c"),
                         ("Licensing", "https://example.com/l"), ("Legal-Basis", "copyright")]:
        s.add(
            f"fields/duplicate-{field.lower()}-is-an-error",
            f"A second {field} line is an error",
            ["R-5-3"], "must",
            text=f"AIOptOut-Version: 1\n{field}: {value}\n{field}: {value}\nUser-agent: *\n"
            "Allow: /\n",
            errors=[d("AOO306", 3)],
        )
    s.add(
        "fields/duplicate-field-second-is-not-checked",
        "The ignored second Contact line is not checked",
        ["R-5-3"], "must",
        text="AIOptOut-Version: 1\nContact: https://example.com/c\nContact: not a uri\n"
        "User-agent: *\nAllow: /\n",
        errors=[d("AOO306", 3)],
    )
    s.add(
        "fields/duplicate-expires-later-one-ignored",
        "Of two Expires lines the first decides expiry",
        ["R-5-3", "R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nExpires: 2026-01-01\nExpires: 2027-01-01\nUser-agent: *\n"
        "Allow: /\nContent-Usage: train-ai=n\n",
        queries=[q("/x", "train-ai", "unknown")],
    )
    for field, value in [("Contact", "https://example.com/c"), ("Issued", "2026-01-01"),
                         ("Licensing", "https://example.com/l")]:
        s.add(
            f"fields/{field.lower()}-after-user-agent-warns",
            f"A {field} line inside a group is a warning",
            ["R-5-2"], "should",
            text=f"AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n{field}: {value}\n",
            valid=True, errors=[], warnings=[d("AOO305", 4)],
        )


# --- groups -------------------------------------------------------------------------------------


def _groups(s: Suite) -> None:
    s.add(
        "groups/token-with-version-suffix",
        "GPTBot/1.1 is read as the token GPTBot",
        ["R-6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot/1.1\nDisallow: /\n",
        queries=[q("/x", "crawl", "disallowed", "GPTBot"), q("/x", "crawl", "allowed", "Other")],
    )
    s.add(
        "groups/token-with-version-suffix-is-an-error",
        "A User-agent value with a /version suffix is an error",
        ["R-6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot/1.1\nDisallow: /\n",
        errors=[d("AOO401", 2)],
    )
    s.add(
        "groups/token-starting-with-digit-matches-itself",
        "A token starting with a digit (360Spider) matches itself, whole",
        ["R-6-1", "R-6-6"], "must",
        text="AIOptOut-Version: 1\nUser-agent: 123bot\nDisallow: /\n",
        queries=[q("/x", "crawl", "disallowed", "123bot"), q("/x", "crawl", "allowed", "bot"),
                 q("/x", "crawl", "allowed")],
    )
    s.add(
        "groups/token-starting-with-digit-still-ends-group",
        "A User-agent value starting with a digit still ends a group",
        ["R-6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /a\nUser-agent: 123bot\n"
        "Disallow: /b\n",
        queries=[q("/a", "crawl", "disallowed"), q("/b", "crawl", "allowed")],
    )
    s.add(
        "groups/token-starting-with-digit-is-valid",
        "A User-agent value starting with a digit is a valid token",
        ["R-6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: 123bot\nDisallow: /\n",
        valid=True, errors=[],
    )
    s.add(
        "groups/star-glued-to-text-is-not-star",
        "A User-agent value *bot is not the * group",
        ["R-6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *bot\nDisallow: /\n",
        queries=[q("/x", "crawl", "allowed")],
        comment="R-6-1: only * followed by whitespace is read as *; *bot has an empty token.",
    )
    s.add(
        "groups/star-then-tab-is-star",
        "A User-agent value of * and a tab and text is read as *",
        ["R-6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\tall\nDisallow: /\n",
        queries=[q("/x", "crawl", "disallowed")],
    )
    s.add(
        "groups/star-with-trailing-space-is-valid",
        "Trailing whitespace after * is not part of the value",
        ["R-6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *  \t\nDisallow: /\n",
        valid=True, errors=[],
    )
    for token in ("Google-Extended", "Meta_External_Agent"):
        s.add(
            f"groups/token-{token.lower().replace('_', '-')}-is-valid",
            f"The product token {token} is valid and matches",
            ["R-6-1", "R-6-6"], "must",
            text=f"AIOptOut-Version: 1\nUser-agent: {token}\nDisallow: /\n",
            valid=True, errors=[],
            queries=[q("/x", "crawl", "disallowed", token.upper())],
        )
    s.add(
        "groups/token-with-dot-keeps-leading-run",
        "A token with a dot is read up to the dot",
        ["R-6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: Brightbot 1.0\nDisallow: /\n",
        queries=[q("/x", "crawl", "disallowed", "Brightbot")],
    )
    s.add(
        "groups/named-empty-disallow-hides-star",
        "A named group with only an empty Disallow hides the * group",
        ["R-6-8"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\n\nUser-agent: GPTBot\nDisallow:\n",
        queries=[q("/x", "crawl", "allowed", "GPTBot"), q("/x", "crawl", "disallowed")],
    )
    s.add(
        "groups/named-group-hides-star-work-usage",
        "A named group does not inherit Work-Usage of *",
        ["R-6-8"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nWork-Usage: isrc:GBEMI* train-ai=n\n\n"
        "User-agent: GPTBot\nAllow: /\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "unknown", "GPTBot"),
                 q("isrc:GBEMI0300013", "train-ai", "disallowed")],
    )
    s.add(
        "groups/named-group-hides-star-disallow",
        "A named group does not inherit Disallow rules of *",
        ["R-6-8"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /private/\n\nUser-agent: GPTBot\n"
        "Disallow: /drafts/\n",
        queries=[q("/private/x", "crawl", "allowed", "GPTBot"),
                 q("/drafts/x", "crawl", "disallowed", "GPTBot")],
    )
    s.add(
        "groups/usage-rule-ends-group",
        "A User-agent line after a Content-Usage rule starts a group",
        ["R-6-7", "R-10.4-3"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nContent-Usage: train-ai=n\n"
        "User-agent: CCBot\nDisallow: /\n",
        queries=[q("/x", "crawl", "allowed", "GPTBot"), q("/x", "crawl", "disallowed", "CCBot"),
                 q("/x", "train-ai", "disallowed", "GPTBot"),
                 q("/x", "train-ai", "disallowed", "CCBot"),
                 q("/x", "train-ai", "unknown", "ExampleBot")],
        comment="Spec §6: a User-agent record that follows a rule (also Content-Usage) starts a "
        "new group; RFC 9309 parsers would merge the two, which is why R-6-3 exists. CCBot's "
        "train-ai is disallowed by its group's Disallow through its registry purpose (dataset: "
        "tdm, R-10.4-3), not by GPTBot's Content-Usage rule; ExampleBot has no group.",
    )
    s.add(
        "groups/work-usage-rule-ends-group",
        "A User-agent line after a Work-Usage rule starts a group",
        ["R-6-7"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nAllow: /\nWork-Usage: isrc:GBEMI* tdm=n\n"
        "User-agent: CCBot\nAllow: /\n",
        queries=[q("isrc:GBEMI0300013", "tdm", "disallowed", "GPTBot"),
                 q("isrc:GBEMI0300013", "tdm", "unknown", "CCBot")],
    )
    s.add(
        "groups/usage-only-group-is-an-error",
        "A group with only usage rules is an error at its User-agent line",
        ["R-6-3"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nContent-Usage: train-ai=n\n"
        "User-agent: CCBot\nDisallow: /\n",
        errors=[d("AOO403", 2)],
    )
    s.add(
        "groups/group-without-rules-error-at-first-agent",
        "A rule-less group of two agents is reported at its first line",
        ["R-6-3"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nUser-agent: GPTBot\n"
        "User-agent: CCBot\n",
        errors=[d("AOO403", 4)],
    )
    s.add(
        "groups/each-group-without-rules-is-reported",
        "Every group without Allow or Disallow is reported",
        ["R-6-3"], "must",
        text="AIOptOut-Version: 1\nUser-agent: A\nContent-Usage: train-ai=n\nUser-agent: B\n"
        "Content-Usage: search=n\n",
        errors=[d("AOO403", 2), d("AOO403", 4)],
    )
    s.add(
        "groups/empty-allow-satisfies-group-rule",
        "An empty Allow counts as the group's Allow or Disallow record",
        ["R-6-3", "R-7.1-10"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow:\nContent-Usage: train-ai=n\n",
        valid=True, errors=[],
    )
    s.add(
        "groups/usage-before-allow-in-group",
        "Content-Usage before the group's Allow line is in the group",
        ["R-6-3", "R-6-7"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nContent-Usage: train-ai=n\nAllow: /\n",
        valid=True, errors=[],
        queries=[q("/x", "train-ai", "disallowed")],
    )
    s.add(
        "groups/content-usage-before-user-agent",
        "A Content-Usage rule before the first User-agent is an error",
        ["R-6-2"], "must",
        text="AIOptOut-Version: 1\nContent-Usage: train-ai=n\nUser-agent: *\nAllow: /\n",
        errors=[d("AOO402", 2)],
    )
    s.add(
        "groups/content-usage-before-user-agent-is-ignored",
        "A Content-Usage rule before the first User-agent has no effect",
        ["R-6-2"], "must",
        text="AIOptOut-Version: 1\nContent-Usage: train-ai=n\nUser-agent: *\nAllow: /\n",
        queries=[q("/x", "train-ai", "unknown")],
    )
    s.add(
        "groups/work-usage-before-user-agent",
        "A Work-Usage rule before the first User-agent is an error",
        ["R-6-2"], "must",
        text="AIOptOut-Version: 1\nWork-Usage: isrc:GBEMI* train-ai=n\nUser-agent: *\nAllow: /\n",
        errors=[d("AOO402", 2)],
        queries=[q("isrc:GBEMI0300013", "train-ai", "unknown")],
    )
    s.add(
        "groups/allow-before-user-agent",
        "An Allow rule before the first User-agent is an error",
        ["R-6-2"], "must",
        text="AIOptOut-Version: 1\nAllow: /a\nUser-agent: *\nDisallow: /\n",
        errors=[d("AOO402", 2)],
        queries=[q("/a", "crawl", "disallowed")],
    )
    s.add(
        "groups/agent-in-groups-differing-in-case-warns",
        "An agent named in two groups in different case is a warning",
        ["R-6-4"], "should",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nDisallow: /a\n\nUser-agent: gptbot\n"
        "Disallow: /b\n",
        valid=True, errors=[], warnings=[d("AOO404", 5)],
    )
    s.add(
        "groups/named-group-with-usage-has-no-warning",
        "A named group with its own usage rules raises no AOO405",
        ["R-6-5"], "should",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=n\n\n"
        "User-agent: GPTBot\nAllow: /\nContent-Usage: train-ai=y\n",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "groups/merged-groups-longest-match",
        "The longest match is found across merged groups",
        ["R-6-7", "R-10.3-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nDisallow: /a/\n\nUser-agent: CCBot\n"
        "Allow: /\n\nUser-agent: GPTBot\nAllow: /a/b/\n",
        queries=[q("/a/b/c", "crawl", "allowed", "GPTBot"),
                 q("/a/c", "crawl", "disallowed", "GPTBot")],
    )
    s.add(
        "groups/star-group-not-used-by-named-agent",
        "A later * group does not add to a named agent's rules",
        ["R-6-8"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nAllow: /\n\nUser-agent: *\nDisallow: /\n",
        queries=[q("/x", "crawl", "allowed", "GPTBot"), q("/x", "crawl", "disallowed", "CCBot")],
    )
    s.add(
        "groups/star-and-name-in-one-group",
        "A group naming * and an agent applies to both",
        ["R-6-7"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nUser-agent: GPTBot\nDisallow: /\n\n"
        "User-agent: CCBot\nAllow: /\n",
        queries=[q("/x", "crawl", "disallowed", "GPTBot"), q("/x", "crawl", "disallowed"),
                 q("/x", "crawl", "allowed", "CCBot")],
    )
    s.add(
        "groups/hyphenated-agent-is-one-token",
        "Google-Extended does not match the agent Google",
        ["R-6-6"], "must",
        text="AIOptOut-Version: 1\nUser-agent: Google-Extended\nDisallow: /\n",
        queries=[q("/x", "crawl", "allowed", "Google"),
                 q("/x", "crawl", "disallowed", "google-extended")],
    )


# --- paths --------------------------------------------------------------------------------------

# Google's robots.txt documentation, "URL matching based on path values" (developers.google.com
# /search/docs/crawling-indexing/robots/robots_txt), tables of matches and non-matches.
_GOOGLE_PATHS = [
    ("fish", "/fish",
     ["/fish", "/fish.html", "/fish/salmon.html", "/fishheads", "/fishheads/yummy.html",
      "/fish.php?id=anything"],
     ["/Fish.asp", "/catfish", "/?id=fish", "/desert/fish"]),
    ("fish-star", "/fish*",
     ["/fish", "/fish.html", "/fish/salmon.html", "/fishheads", "/fishheads/yummy.html",
      "/fish.php?id=anything"],
     ["/Fish.asp", "/catfish", "/?id=fish", "/desert/fish"]),
    ("fish-slash", "/fish/",
     ["/fish/", "/fish/?id=anything", "/fish/salmon.htm"],
     ["/fish", "/fish.html", "/animals/fish/", "/Fish/Salmon.asp"]),
    ("star-php", "/*.php",
     ["/index.php", "/filename.php", "/folder/filename.php", "/folder/filename.php?parameters",
      "/folder/any.php.file.html", "/filename.php/"],
     ["/", "/windows.PHP"]),
    ("star-php-dollar", "/*.php$",
     ["/filename.php", "/folder/filename.php"],
     ["/filename.php?parameters", "/filename.php/", "/filename.php5", "/windows.PHP"]),
    ("fish-star-php", "/fish*.php",
     ["/fish.php", "/fishheads/catfish.php?parameters"],
     ["/Fish.PHP"]),
]

# Google's documentation, "Order of precedence for rules": (slug, rules, path, expected).
_GOOGLE_PRECEDENCE = [
    ("longer-allow-beats-root-disallow", "Allow: /p\nDisallow: /\n", "/page", "allowed"),
    ("equal-allow-and-disallow-allow-wins", "Allow: /folder\nDisallow: /folder\n",
     "/folder/page", "allowed"),
    ("longer-wildcard-disallow-wins", "Allow: /page\nDisallow: /*.htm\n", "/page.htm",
     "disallowed"),
    ("anchored-root-allow-only-root", "Allow: /$\nDisallow: /\n", "/", "allowed"),
    ("anchored-root-allow-not-page", "Allow: /$\nDisallow: /\n", "/page.htm", "disallowed"),
]


def _paths(s: Suite) -> None:
    for slug, pattern, yes, no in _GOOGLE_PATHS:
        s.add(
            f"paths/pattern-{slug}-matches",
            f"Disallow: {pattern} matches the paths of Google's table",
            ["R-7.1-7"], "must",
            text=HEAD + f"Disallow: {pattern}\n",
            queries=[q(path, "crawl", "disallowed") for path in yes],
            comment="Google robots.txt documentation, URL matching based on path values.",
        )
        s.add(
            f"paths/pattern-{slug}-does-not-match",
            f"Disallow: {pattern} leaves the non-matches of Google's table",
            ["R-7.1-7"], "must",
            text=HEAD + f"Disallow: {pattern}\n",
            queries=[q(path, "crawl", "allowed") for path in no],
            comment="Google robots.txt documentation, URL matching based on path values.",
        )
    for slug, rules, path, expected in _GOOGLE_PRECEDENCE:
        s.add(
            f"paths/{slug}",
            f"{rules.strip().replace(chr(10), ', ')}: {path} is {expected}",
            ["R-10.3-1"], "must",
            text="AIOptOut-Version: 1\nUser-agent: *\n" + rules,
            queries=[q(path, "crawl", expected)],
            comment="Google robots.txt documentation, order of precedence for rules.",
        )

    # RFC 9309 §2.2.2 percent-encoding table, read by R-7.1-6.
    s.add(
        "paths/rfc9309-non-ascii-pattern",
        "A pattern with U+30C4 matches its UTF-8 escapes in the path",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /foo/bar/ツ\n",
        queries=[q("/foo/bar/%E3%83%84", "crawl", "disallowed"),
                 q("/foo/bar/ツ", "crawl", "disallowed")],
        comment="RFC 9309 §2.2.2 example table: /foo/bar/U+E38384.",
    )
    s.add(
        "paths/rfc9309-escaped-pattern-matches-raw-path",
        "An escaped non-ASCII pattern matches the raw character in a path",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /foo/bar/%E3%83%84\n",
        queries=[q("/foo/bar/ツ", "crawl", "disallowed")],
        comment="RFC 9309 §2.2.2 example table.",
    )
    s.add(
        "paths/rfc9309-escaped-unreserved-pattern",
        "Escaped unreserved letters in a pattern match plain letters",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /foo/bar/%62%61%7A\n",
        queries=[q("/foo/bar/baz", "crawl", "disallowed")],
        comment="RFC 9309 §2.2.2 example table: /foo/bar/%62%61%7A is matched as /foo/bar/baz "
        "(Google's parser does not do this; the RFC and R-7.1-6 do).",
    )
    s.add(
        "paths/escaped-unreserved-in-path",
        "Escaped unreserved letters in a path match a plain pattern",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /baz\n",
        queries=[q("/%62%61%7A", "crawl", "disallowed"), q("/%62%61%7a", "crawl", "disallowed")],
    )
    s.add(
        "paths/encoded-colon-stays-encoded",
        "%3A in a path does not match : in a pattern",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /foo/bar?baz=https://foo.bar\n",
        queries=[q("/foo/bar?baz=https://foo.bar", "crawl", "disallowed"),
                 q("/foo/bar?baz=https%3A%2F%2Ffoo.bar", "crawl", "allowed")],
        comment="R-7.1-6 keeps escapes of reserved characters; RFC 9309's table encodes the rule "
        "instead, which this spec does not do.",
    )
    s.add(
        "paths/lower-case-escape-in-pattern",
        "A lower-case escape in a pattern equals its upper-case form",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /caf%c3%a9\n",
        queries=[q("/caf%C3%A9", "crawl", "disallowed"), q("/café", "crawl", "disallowed")],
    )
    s.add(
        "paths/lower-case-escape-in-path",
        "A lower-case escape in a path equals its upper-case form",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /café\n",
        queries=[q("/caf%c3%a9", "crawl", "disallowed")],
    )
    s.add(
        "paths/encoded-slash-pattern-vs-plain-path",
        "A plain slash in a pattern does not match %2F in a path",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /a/b\n",
        queries=[q("/a%2Fb", "crawl", "allowed"), q("/a/b", "crawl", "disallowed")],
    )
    s.add(
        "paths/stray-percent-is-encoded",
        "A % not followed by two hex digits is compared as %25",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /100%off\n",
        queries=[q("/100%25off", "crawl", "disallowed"), q("/100%off", "crawl", "disallowed")],
        comment="'%' alone is neither unreserved nor reserved, so R-7.1-6 encodes it.",
    )
    s.add(
        "paths/encoded-star-matches-literal-star",
        "%2A in a pattern matches a literal * in the path",
        ["R-7.1-9"], "must",
        text=HEAD + "Disallow: /a%2Ab\n",
        queries=[q("/a*b", "crawl", "disallowed"), q("/a%2Ab", "crawl", "disallowed"),
                 q("/axb", "crawl", "allowed")],
    )
    s.add(
        "paths/encoded-dollar-matches-literal-dollar",
        "Disallow: /a%24b matches the path /a$b",
        ["R-7.1-9"], "must",
        text=HEAD + "Disallow: /a%24b\n",
        queries=[q("/a$b", "crawl", "disallowed"), q("/a%24b", "crawl", "disallowed"),
                 q("/ab", "crawl", "allowed")],
    )
    s.add(
        "paths/dollar-in-path-is-not-end",
        "A $ in the path is a character, not the end of the path",
        ["R-7.1-9", "R-7.1-7"], "must",
        text=HEAD + "Disallow: /price$\n",
        queries=[q("/price", "crawl", "disallowed"), q("/price$", "crawl", "allowed")],
    )
    s.add(
        "paths/wildcard-star-matches-literal-star",
        "A wildcard * also matches a literal * in the path",
        ["R-7.1-7", "R-7.1-9"], "must",
        text=HEAD + "Disallow: /a*b\n",
        queries=[q("/a*b", "crawl", "disallowed"), q("/axyzb", "crawl", "disallowed")],
    )
    s.add(
        "paths/empty-allow-matches-nothing",
        "An empty Allow matches no path",
        ["R-7.1-10"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow:\nDisallow: /\n",
        queries=[q("/", "crawl", "disallowed"), q("/x", "crawl", "disallowed")],
    )
    s.add(
        "paths/empty-disallow-beside-other-rules",
        "An empty Disallow does not change other rules of its group",
        ["R-7.1-10"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow:\nDisallow: /x\n",
        queries=[q("/x", "crawl", "disallowed"), q("/y", "crawl", "allowed")],
    )
    s.add(
        "paths/disallow-root-covers-everything",
        "Disallow: / matches every path",
        ["R-7.1-7"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\n",
        queries=[q("/", "crawl", "disallowed"), q("/a/b?c", "crawl", "disallowed")],
    )
    s.add(
        "paths/allow-and-disallow-root-tie",
        "Allow: / and Disallow: / together allow",
        ["R-10.3-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\nAllow: /\n",
        queries=[q("/x", "crawl", "allowed")],
    )
    s.add(
        "paths/bare-star-pattern-matches-everything",
        "Disallow: * matches every path",
        ["R-7.1-2", "R-7.1-7"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: *\n",
        queries=[q("/", "crawl", "disallowed"), q("/a", "crawl", "disallowed")],
    )
    s.add(
        "paths/slash-star-matches-everything",
        "Disallow: /* matches every path",
        ["R-7.1-7"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /*\n",
        queries=[q("/", "crawl", "disallowed"), q("/a", "crawl", "disallowed")],
    )
    s.add(
        "paths/root-dollar-matches-only-root",
        "Disallow: /$ matches only the path /",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /$\n",
        queries=[q("/", "crawl", "disallowed"), q("/a", "crawl", "allowed"),
                 q("/?q", "crawl", "allowed")],
    )
    s.add(
        "paths/dollar-alone-is-not-a-pattern",
        "Disallow: $ starts with neither / nor * and is an error",
        ["R-7.1-1"], "must",
        text=HEAD + "Disallow: $\n",
        errors=[d("AOO501", 4)],
    )
    s.add(
        "paths/full-url-pattern-is-ignored",
        "A full URL as a path pattern is an error and is ignored",
        ["R-7.1-1"], "must",
        text=HEAD + "Disallow: https://example.com/private\n",
        errors=[d("AOO501", 4)],
        queries=[q("/private", "crawl", "allowed")],
    )
    s.add(
        "paths/allow-without-slash-is-ignored",
        "An Allow pattern starting with a letter is an error",
        ["R-7.1-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\nAllow: public\n",
        errors=[d("AOO501", 4)],
        queries=[q("/public", "crawl", "disallowed")],
    )
    s.add(
        "paths/consecutive-stars",
        "Consecutive * match like one",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /a**b\n",
        queries=[q("/ab", "crawl", "disallowed"), q("/axxb", "crawl", "disallowed"),
                 q("/ba", "crawl", "allowed")],
    )
    s.add(
        "paths/pattern-longer-than-path",
        "A pattern longer than the path does not match",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /abc\n",
        queries=[q("/ab", "crawl", "allowed")],
    )
    s.add(
        "paths/star-dollar-ends-path",
        "A pattern ending in *$ matches any ending",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /a*$\n",
        queries=[q("/a", "crawl", "disallowed"), q("/abc?x", "crawl", "disallowed")],
    )
    s.add(
        "paths/query-wildcard",
        "Disallow: /*? matches every path with a query",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /*?\n",
        queries=[q("/a?b=1", "crawl", "disallowed"), q("/a", "crawl", "allowed"),
                 q("https://example.com/?x", "crawl", "disallowed")],
    )
    s.add(
        "paths/query-parameter-pattern",
        "A pattern can match a query parameter anywhere",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /*sessionid=\n",
        queries=[q("/a?sessionid=1", "crawl", "disallowed"),
                 q("/a?x=1&sessionid=2", "crawl", "disallowed"), q("/a?x=1", "crawl", "allowed")],
    )
    s.add(
        "paths/fragment-of-path-target-is-dropped",
        "The fragment of a path target is not matched",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /private$\n",
        queries=[q("/private#top", "crawl", "disallowed")],
    )
    s.add(
        "paths/fragment-of-url-target-is-dropped",
        "The fragment of a URL target is not matched",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /a$\n",
        queries=[q("https://example.com/a#b", "crawl", "disallowed")],
    )
    s.add(
        "paths/url-query-is-matched",
        "The query of a URL target is part of the matched path",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /a?b=1$\n",
        queries=[q("https://example.com/a?b=1", "crawl", "disallowed"),
                 q("https://example.com/a?b=12", "crawl", "allowed")],
    )
    s.add(
        "paths/url-host-is-not-matched",
        "The host of a URL target plays no part in matching",
        ["R-7.1-7"], "must",
        text=HEAD + "Disallow: /example\n",
        queries=[q("https://example.com/", "crawl", "allowed"),
                 q("https://example.com:8443/example/x", "crawl", "disallowed")],
    )
    s.add(
        "paths/url-target-non-ascii",
        "A URL target with a non-ASCII path is encoded before matching",
        ["R-7.1-6"], "must",
        text=HEAD + "Disallow: /caf%C3%A9\n",
        queries=[q("https://example.com/café/menu", "crawl", "disallowed")],
    )
    s.add(
        "paths/robots-txt-allowed-despite-rule",
        "/robots.txt is allowed even when a rule names it",
        ["R-10.3-2"], "must",
        text=HEAD + "Disallow: /robots.txt\n",
        queries=[q("/robots.txt", "crawl", "allowed"),
                 q("https://example.com/robots.txt", "crawl", "allowed")],
    )
    s.add(
        "paths/well-known-declaration-allowed-despite-rule",
        "/.well-known/aioptout.txt is allowed even when disallowed",
        ["R-10.3-2"], "must",
        text=HEAD + "Disallow: /.well-known/\n",
        queries=[q("/.well-known/aioptout.txt", "crawl", "allowed"),
                 q("/.well-known/other.txt", "crawl", "disallowed")],
    )
    s.add(
        "paths/similar-names-not-always-allowed",
        "Paths that only resemble /robots.txt are not always allowed",
        ["R-10.3-2"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\n",
        queries=[q("/robots.txt.bak", "crawl", "disallowed"),
                 q("/a/robots.txt", "crawl", "disallowed")],
    )
    s.add(
        "paths/length-counted-after-encoding",
        "A non-ASCII pattern is as long as its percent-encoded form",
        ["R-7.1-6", "R-10.3-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /ca*/me\nAllow: /café\n",
        queries=[q("/café/menu", "crawl", "allowed")],
        comment="/café is /caf%C3%A9, 10 octets, longer than /ca*/me (9 octets); counted in "
        "characters it would be 5 and lose.",
    )
    s.add(
        "paths/length-counted-after-decoding",
        "An escaped unreserved character counts as one octet",
        ["R-7.1-6", "R-10.3-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /ab*\nAllow: /%61b\n",
        queries=[q("/abc", "crawl", "disallowed")],
        comment="/%61b normalises to /ab (3 octets), shorter than /ab* (4 octets).",
    )
    s.add(
        "paths/pattern-with-space-length",
        "A space in a pattern counts as its three-octet escape",
        ["R-7.1-4", "R-10.3-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /a*c\nAllow: /a b\n",
        queries=[q("/a%20bc", "crawl", "allowed")],
        comment="/a b is /a%20b (6 octets), longer than /a*c (4 octets).",
    )
    s.add(
        "paths/duplicate-allow-warns",
        "A repeated Allow rule in one group is a warning",
        ["R-7.1-5"], "should",
        text=HEAD + "Allow: /\n",
        valid=True, errors=[], warnings=[d("AOO505", 4)],
    )
    s.add(
        "paths/duplicate-content-usage-warns",
        "A repeated Content-Usage rule in one group is a warning",
        ["R-7.1-5"], "should",
        text=HEAD + "Content-Usage: train-ai=n\nContent-Usage: train-ai=n\n",
        valid=True, errors=[], warnings=[d("AOO505", 5)],
    )
    s.add(
        "paths/same-pattern-allow-and-disallow-no-repeat",
        "Allow and Disallow of one pattern are not a repeated rule",
        ["R-7.1-5"], "should",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow: /a\nDisallow: /a\n",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "paths/star-inside-pattern-no-warning",
        "A * after the leading / raises no warning",
        ["R-7.1-2"], "should",
        text=HEAD + "Disallow: /*.gif$\n",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "paths/tab-in-pattern-warns",
        "A tab inside a path pattern is a warning",
        ["R-7.1-4"], "should",
        text=HEAD + "Disallow: /a\tb\n",
        valid=True, errors=[], warnings=[d("AOO504", 4)],
    )
    s.add(
        "paths/tab-in-pattern-is-encoded",
        "A tab inside a path pattern matches %09",
        ["R-7.1-4"], "must",
        text=HEAD + "Disallow: /a\tb\n",
        queries=[q("/a%09b", "crawl", "disallowed"), q("/a", "crawl", "allowed")],
    )
    s.add(
        "paths/matching-linear-with-many-pieces",
        "A pattern of many * pieces matches a long path correctly",
        ["R-7.1-8"], "must",
        text=HEAD + "Disallow: /" + "*x" * 40 + "$\n",
        queries=[q("/" + "x" * 2000, "crawl", "disallowed"),
                 q("/" + "x" * 2000 + "y", "crawl", "allowed")],
    )


# --- usage --------------------------------------------------------------------------------------

# Preference values that RFC 9651 §4.2.2 does not parse as a Dictionary (R-7.2-3).
_MALFORMED = [
    ("space-before-equals", "train-ai =n", "A space before = invalidates the dictionary"),
    ("space-after-equals", "train-ai= n", "A space after = invalidates the dictionary"),
    ("leading-comma", ", train-ai=n", "A leading comma invalidates the dictionary"),
    ("double-comma", "train-ai=n,,search=y", "An empty member invalidates the dictionary"),
    ("missing-comma", "train-ai=n search=y", "Members without a comma invalidate the dictionary"),
    ("empty-value", "train-ai=", "A key with = and no value invalidates the dictionary"),
    ("key-starting-with-digit", "1train=n, train-ai=n",
     "A key starting with a digit invalidates the dictionary"),
    ("upper-case-later-key", "train-ai=n, Search=y",
     "An upper-case later key also voids the earlier members"),
    ("non-ascii-key", "träin=n, train-ai=n", "A non-ASCII key invalidates the dictionary"),
    ("unterminated-string", 'train-ai=n, x="abc', "An unterminated string invalidates it"),
    ("trailing-semicolon", "train-ai=n;", "A trailing semicolon invalidates the dictionary"),
]

# Values that parse but are not the token y or n (R-7.2-4).
_NOT_YN = [
    ("string", '"n"', "A string value \"n\" is unknown"),
    ("boolean-true", "?1", "A boolean value ?1 is unknown"),
    ("boolean-false", "?0", "A boolean value ?0 is unknown"),
    ("integer", "0", "An integer value is unknown"),
    ("decimal", "1.5", "A decimal value is unknown"),
    ("token-no", "no", "The token no is unknown"),
    ("token-yes", "yes", "The token yes is unknown"),
    ("upper-case-token", "N", "The token N in upper case is unknown"),
    ("byte-sequence", ":bg==:", "A byte sequence value is unknown"),
    ("inner-list", "(n)", "An inner list value is unknown"),
]

def _contains(outer: str, inner: str) -> bool:
    """Whether ``outer`` is ``inner`` or one of its containing labels (spec §8)."""
    label: str | None = inner
    while label is not None:
        if label == outer:
            return True
        label = PARENT.get(label)
    return False


_RETIRED = ("bots", "train-genai", "ai-use", "ai-output", "ai", "genai", "inference", "all")
# Each earlier aipref label with the value n, and the answers for train-ai, train-any, ai-input,
# search and tdm that spec §8.1 gives it (D disallowed, U unknown).
_REVISION_N = {
    "ai": "DDUUU", "genai": "DUUUU", "inference": "UUDUU", "all": "DDDDD", "train-genai": "DUUUU",
    "ai-use": "UUDUU", "bots": "DDDDD", "ai-output": "UUDDU",
}
# The same with y (A allowed): ai-output grants only search, which it wholly contains.
_REVISION_Y = {
    "ai": "AAUUU", "genai": "AUUUU", "inference": "UUAUU", "all": "AAAAA", "train-genai": "AUUUU",
    "ai-use": "UUAUU", "bots": "AAAAA", "ai-output": "UUUAU",
}


def _usage(s: Suite) -> None:
    for slug, pref, description in _MALFORMED:
        s.add(
            f"usage/{slug}-invalidates-dictionary",
            description,
            ["R-7.2-3"], "must",
            text=HEAD + f"Content-Usage: {pref}\n",
            queries=[q("/x", "train-ai", "unknown")],
            comment="RFC 9651 §4.2.2 parsing fails, so every label is unknown.",
        )
    s.add(
        "usage/malformed-dictionary-warns-leading-comma",
        "A usage preference with a leading comma is a warning",
        ["R-7.2-3"], "should",
        text=HEAD + "Content-Usage: , train-ai=n\n",
        valid=True, errors=[], warnings=[d("AOO511", 4)],
    )
    s.add(
        "usage/trailing-comma-warns",
        "A usage preference with a trailing comma is a warning",
        ["R-7.2-3"], "should",
        text=HEAD + "Content-Usage: train-ai=n,\n",
        valid=True, errors=[], warnings=[d("AOO511", 4)],
    )
    s.add(
        "usage/upper-case-label-warns",
        "A usage preference with an upper-case key is a warning",
        ["R-7.2-3"], "should",
        text=HEAD + "Content-Usage: Train-AI=n\n",
        valid=True, errors=[], warnings=[d("AOO511", 4)],
    )
    s.add(
        "usage/malformed-preference-keeps-longest-match",
        "A malformed preference still decides its path as unknown",
        ["R-7.2-3", "R-10.4-2"], "must",
        text=HEAD + "Content-Usage: train-ai=n\nContent-Usage: /a/ train-ai = y\n",
        queries=[q("/a/x", "train-ai", "unknown"), q("/b", "train-ai", "disallowed")],
    )
    for slug, value, description in _NOT_YN:
        s.add(
            f"usage/value-{slug}-is-unknown",
            description,
            ["R-7.2-4"], "must",
            text=HEAD + f"Content-Usage: train-ai={value}, search=y\n",
            queries=[q("/x", "train-ai", "unknown"), q("/x", "search", "allowed")],
        )
    s.add(
        "usage/bare-key-is-unknown",
        "A label without a value (boolean true) is unknown",
        ["R-7.2-4"], "must",
        text=HEAD + "Content-Usage: train-ai, search=y\n",
        queries=[q("/x", "train-ai", "unknown"), q("/x", "search", "allowed")],
    )
    s.add(
        "usage/value-not-y-or-n-hides-parent",
        "An unknown value is not replaced by the parent label's value",
        ["R-7.2-4", "R-8-2"], "must",
        text=HEAD + "Content-Usage: tdm=n, train-ai=no\n",
        queries=[q("/x", "train-ai", "disallowed")],
        comment="R-8-2 resolves a label 'that a preference does not mention'; train-ai with a "
        "value that is not y or n is treated as unknown (R-7.2-4), i.e. as not stated, so the "
        "nearest containing label decides.",
    )
    s.add(
        "usage/string-value-warns",
        "A string usage value is a warning",
        ["R-7.2-4"], "should",
        text=HEAD + 'Content-Usage: train-ai="n"\n',
        valid=True, errors=[], warnings=[d("AOO514", 4)],
    )
    s.add(
        "usage/semicolon-starts-parameters",
        "After ; a member's parameters follow, not another label",
        ["R-7.2-4"], "must",
        text=HEAD + "Content-Usage: train-ai=n; search=y\n",
        queries=[q("/x", "train-ai", "disallowed"), q("/x", "search", "unknown")],
        comment="RFC 9651: 'train-ai=n; search=y' is train-ai=n with the parameter search=y.",
    )
    s.add(
        "usage/parameter-with-string-is-ignored",
        "A parameter with a string value is ignored",
        ["R-7.2-4"], "must",
        text=HEAD + 'Content-Usage: train-ai=n;reason="licensing", search=y\n',
        queries=[q("/x", "train-ai", "disallowed"), q("/x", "search", "allowed")],
    )
    s.add(
        "usage/parameter-on-bare-key-is-unknown",
        "A bare label with parameters is still unknown",
        ["R-7.2-4"], "must",
        text=HEAD + "Content-Usage: train-ai;v=n\n",
        queries=[q("/x", "train-ai", "unknown")],
    )
    s.add(
        "usage/string-with-comma-is-one-member",
        "A comma inside a string value does not split members",
        ["R-7.2-3"], "must",
        text=HEAD + 'Content-Usage: x-note="a, b", train-ai=n\n',
        queries=[q("/x", "train-ai", "disallowed")],
    )
    s.add(
        "usage/tab-around-comma-is-valid",
        "Tabs around a comma are allowed in the dictionary",
        ["R-7.2-3"], "must",
        text=HEAD + "Content-Usage: train-ai=n\t,\tsearch=y\n",
        queries=[q("/x", "train-ai", "disallowed"), q("/x", "search", "allowed")],
    )
    s.add(
        "usage/duplicate-label-y-then-n",
        "A label given y then n takes n",
        ["R-7.2-3"], "must",
        text=HEAD + "Content-Usage: train-ai=y, train-ai=n\n",
        queries=[q("/x", "train-ai", "disallowed")],
    )
    s.add(
        "usage/duplicate-label-last-valid-value",
        "A label repeated with a non-token value last is unknown",
        ["R-7.2-3", "R-7.2-4"], "must",
        text=HEAD + "Content-Usage: train-ai=n, train-ai=maybe\n",
        queries=[q("/x", "train-ai", "unknown")],
    )

    # Labels of earlier aipref revisions: vectors of helper "aipref" (_aipref_precision).
    for label, slug in [("ai-train", "content-signal-key"), ("train_ai", "underscore")]:
        s.add(
            f"usage/unknown-label-{slug}-is-ignored",
            f"The unknown label {label} is ignored",
            ["R-8-3"], "must",
            text=HEAD + f"Content-Usage: {label}=n\n",
            queries=[q("/x", usage, "unknown") for usage in LABELS],
        )
        s.add(
            f"usage/unknown-label-{slug}-warns",
            f"The unknown label {label} is a warning",
            ["R-8-3"], "should",
            text=HEAD + f"Content-Usage: {label}=n, train-ai=n, search=y\n",
            valid=True, errors=[], warnings=[d("AOO512", 4)],
        )

    # The containment tree (R-8-2): each label stated alone, each label queried.
    for stated in LABELS:
        for value, answer in (("n", "disallowed"), ("y", "allowed")):
            covered = {queried for queried in LABELS if _contains(stated, queried)}
            s.add(
                f"usage/tree-{stated}-{value}-alone",
                f"{stated}={value} alone decides exactly the labels it contains",
                ["R-8-2"], "must",
                text=HEAD + f"Content-Usage: {stated}={value}\n",
                queries=[q("/x", queried, answer if queried in covered else "unknown")
                         for queried in LABELS],
            )
    # Each ancestor/descendant pair with opposite values: the nearer statement wins.
    for child in LABELS:
        parent = PARENT.get(child)
        while parent is not None:
            for pv, cv in (("n", "y"), ("y", "n")):
                s.add(
                    f"usage/tree-{parent}-{pv}-{child}-{cv}",
                    f"{child}={cv} overrides {parent}={pv} for {child}",
                    ["R-8-2"], "must",
                    text=HEAD + f"Content-Usage: {parent}={pv}, {child}={cv}\n",
                    queries=[q("/x", child, "allowed" if cv == "y" else "disallowed"),
                             q("/x", parent, "allowed" if pv == "y" else "disallowed")],
                )
            parent = PARENT.get(parent)
    s.add(
        "usage/nearest-containing-label-decides",
        "The nearest stated containing label decides, not the root",
        ["R-8-2"], "must",
        text=HEAD + "Content-Usage: tdm=n, train-any=y\n",
        queries=[q("/x", "train-ai", "allowed"), q("/x", "ai-input", "disallowed"),
                 q("/x", "search", "disallowed")],
    )
    s.add(
        "usage/sibling-does-not-decide",
        "A sibling label's value does not decide a label",
        ["R-8-2"], "must",
        text=HEAD + "Content-Usage: search=n, ai-input=y\n",
        queries=[q("/x", "train-ai", "unknown"), q("/x", "train-any", "unknown"),
                 q("/x", "tdm", "unknown")],
    )

    # Two-stage semantics and path selection.
    s.add(
        "usage/disallowed-path-every-label-unknown",
        "On a disallowed path every usage label is unknown",
        ["R-10.4-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\nContent-Usage: tdm=y\n",
        queries=[q("/x", label, "unknown") for label in LABELS],
    )
    s.add(
        "usage/longer-allow-reopens-usage",
        "A path allowed by a longer Allow gets its preferences",
        ["R-10.4-1", "R-10.4-2"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /a/\nAllow: /a/open/\n"
        "Content-Usage: train-ai=n\n",
        queries=[q("/a/open/x", "train-ai", "disallowed"), q("/a/x", "train-ai", "unknown")],
    )
    s.add(
        "usage/tied-allow-keeps-usage",
        "A path allowed by a tie between Allow and Disallow gets preferences",
        ["R-10.4-1", "R-10.3-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /a\nAllow: /a\n"
        "Content-Usage: train-ai=n\n",
        queries=[q("/a", "train-ai", "disallowed")],
    )
    s.add(
        "usage/robots-txt-usage-not-forced",
        "An always-allowed /robots.txt still takes Content-Usage rules",
        ["R-10.3-2", "R-10.4-2"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\nContent-Usage: train-ai=n\n",
        queries=[q("/robots.txt", "train-ai", "disallowed")],
        comment="The crawl stage allows /robots.txt (R-10.3-2), so the usage stage applies.",
    )
    s.add(
        "usage/crawl-question-ignores-content-usage",
        "Content-Usage does not change the crawl answer",
        ["R-10.3-1"], "must",
        text=HEAD + "Content-Usage: tdm=n\n",
        queries=[q("/x", "crawl", "allowed")],
    )
    s.add(
        "usage/root-path-beats-no-path",
        "Content-Usage: / is more specific than a rule without a path",
        ["R-7.2-1", "R-7.2-26"], "must",
        text=HEAD + "Content-Usage: train-ai=n\nContent-Usage: / train-ai=y\n",
        queries=[q("/x", "train-ai", "allowed"), q("/", "train-ai", "allowed")],
    )
    s.add(
        "usage/tab-separates-path-and-preference",
        "A tab between path and preference is a separator",
        ["R-7.2-1"], "must",
        text=HEAD + "Content-Usage: /a/\ttrain-ai=n\n",
        queries=[q("/a/x", "train-ai", "disallowed"), q("/b", "train-ai", "unknown")],
    )
    s.add(
        "usage/several-spaces-after-path",
        "Several spaces between path and preference are one separator",
        ["R-7.2-1"], "must",
        text=HEAD + "Content-Usage: /a/    train-ai=n\n",
        queries=[q("/a/x", "train-ai", "disallowed")],
    )
    s.add(
        "usage/path-alone-is-unknown",
        "A Content-Usage path without preference makes its path unknown",
        ["R-7.2-1"], "must",
        text=HEAD + "Content-Usage: train-ai=n\nContent-Usage: /a/\n",
        queries=[q("/a/x", "train-ai", "unknown"), q("/b", "train-ai", "disallowed")],
        comment="Lead decision: the rule takes part in the longest match with every label "
        "unknown.",
    )
    s.add(
        "usage/path-alone-warns",
        "A Content-Usage path without preference is a warning",
        ["R-7.2-1"], "should",
        text=HEAD + "Content-Usage: /a/\n",
        valid=True, errors=[], warnings=[d("AOO511", 4)],
    )
    s.add(
        "usage/star-start-is-a-preference",
        "A Content-Usage value starting with * is all preference",
        ["R-7.2-1", "R-7.2-3"], "must",
        text=HEAD + "Content-Usage: train-ai=y\nContent-Usage: *.jpg train-ai=n\n",
        queries=[q("/a.jpg", "train-ai", "allowed")],
        comment="Only a value starting with / has a path; '*.jpg train-ai=n' is a dictionary "
        "that does not parse, for the path /, and combines with train-ai=y as unknown.",
    )
    s.add(
        "usage/usage-path-dollar-anchors",
        "A Content-Usage path ending in $ anchors the end",
        ["R-7.2-2"], "must",
        text=HEAD + "Content-Usage: /*.mp3$ train-ai=n\n",
        queries=[q("/a.mp3", "train-ai", "disallowed"), q("/a.mp3?x", "train-ai", "unknown")],
    )
    s.add(
        "usage/usage-path-is-case-sensitive",
        "Content-Usage paths match case-sensitively",
        ["R-7.2-2"], "must",
        text=HEAD + "Content-Usage: /Press/ train-ai=y\n",
        queries=[q("/Press/a", "train-ai", "allowed"), q("/press/a", "train-ai", "unknown")],
    )
    s.add(
        "usage/usage-path-percent-encoded",
        "A non-ASCII Content-Usage path matches its escapes",
        ["R-7.2-2", "R-7.1-6"], "must",
        text=HEAD + "Content-Usage: /café/ train-ai=n\n",
        queries=[q("/caf%C3%A9/x", "train-ai", "disallowed")],
    )
    s.add(
        "usage/usage-longest-counted-in-octets",
        "The longer usage path is measured after encoding",
        ["R-7.2-2", "R-10.4-2"], "must",
        text=HEAD + "Content-Usage: /ca*/me train-ai=n\nContent-Usage: /café train-ai=y\n",
        queries=[q("/café/menu", "train-ai", "allowed")],
    )
    s.add(
        "usage/usage-path-not-matching",
        "A Content-Usage rule for another path leaves the label unknown",
        ["R-10.4-2"], "must",
        text=HEAD + "Content-Usage: /a/ train-ai=n\n",
        queries=[q("/b/x", "train-ai", "unknown")],
    )
    s.add(
        "usage/usage-for-url-target",
        "Content-Usage rules apply to a URL target by its path",
        ["R-10.4-2"], "must",
        text=HEAD + "Content-Usage: /a/ train-ai=n\n",
        queries=[q("https://example.com/a/x", "train-ai", "disallowed")],
    )
    s.add(
        "usage/core-labels-with-extension-no-warning",
        "Extension labels beside train-ai and search raise no AOO516",
        ["R-8-5"], "should",
        text=HEAD + "Content-Usage: tdm=n, train-ai=n, search=y\n",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "usage/extension-with-one-core-label-warns",
        "Extension labels beside only one core label are a warning",
        ["R-8-5"], "should",
        text=HEAD + "Content-Usage: tdm=n, train-ai=n\n",
        valid=True, errors=[], warnings=[d("AOO516", 4)],
        comment="R-8-5 asks for both train-ai and search when an extension label is stated.",
    )
    s.add(
        "usage/identical-paths-agreeing-no-warning",
        "Equal-path Content-Usage rules that agree raise no AOO515",
        ["R-7.2-5"], "should",
        text=HEAD + "Content-Usage: /a/ train-ai=n\nContent-Usage: /a/ search=y\n",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "usage/rule-for-allowed-subpath-no-warning",
        "A Content-Usage path reopened by a longer Allow raises no AOO517",
        ["R-7.2-6"], "should",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /x/\nAllow: /x/open/\n"
        "Content-Usage: /x/open/ train-ai=n\n",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "usage/work-usage-malformed-preference",
        "A Work-Usage preference that does not parse is unknown",
        ["R-7.2-3", "R-7.3-1"], "must",
        text=HEAD + "Work-Usage: isrc:GBEMI* Train-AI=n\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "unknown")],
    )


# --- catalogue ----------------------------------------------------------------------------------

# Identifiers with correct check characters (signals.md §8 vectors and values computed from its
# algorithms): (slug, rule identifier, target written another way).
_VALID_IDS = [
    ("isrc", "isrc:GBEMI0300013", "isrc:GB-EMI-03-00013"),
    ("iswc", "iswc:T0345246801", "iswc:T-034.524.680-1"),
    ("iswc-second", "iswc:T0700600801", "iswc:T-070.060.080-1"),
    ("ean", "ean:4006381333931", "gtin:04006381333931"),
    ("upc", "upc:036000291452", "ean:0036000291452"),
    ("gtin-14", "gtin:10036000291459", "gtin:10036000291459"),
    ("isni", "isni:0000000218250097", "isni:0000-0002-1825-0097"),
    ("isbn-13", "isbn:9780306406157", "isbn:978-0-306-40615-7"),
    ("isbn-10", "isbn:0306406152", "isbn:9780306406157"),
    ("isbn-10-check-x", "isbn:080442957X", "isbn:9780804429573"),
    ("isbn-979", "isbn:9791000000008", "isbn:979-10-00000-00-8"),
    ("doi", "doi:10.1000/182", "doi:10.1000/182"),
]
_WRONG_CHECK = [
    ("iswc", "iswc:T0345246800"),
    ("ean", "ean:4006381333930"),
    ("upc", "upc:036000291453"),
    ("gtin-14", "gtin:10036000291450"),
    ("isni", "isni:0000000218250098"),
    ("isni-x", "isni:0000000122819551"),
    ("isbn-10", "isbn:0306406153"),
    ("isbn-13", "isbn:9781861972713"),
]
_BAD_SYNTAX = [
    ("isrc-too-short", "isrc:GBEMI030001", "An 11-character ISRC is an error"),
    ("isrc-letter-in-year", "isrc:GBEMIAB00013", "An ISRC with letters in the year is an error"),
    ("isrc-too-long", "isrc:GBEMI03000130", "A 13-character ISRC is an error"),
    ("isrc-prefix-digit-country", "isrc:G1*",
     "An ISRC prefix with a digit in the country is an error"),
    ("iswc-without-t", "iswc:0345246801", "An ISWC without its T is an error"),
    ("iswc-too-short", "iswc:T034524680", "An ISWC with nine digits is an error"),
    ("gtin-letters", "gtin:0003600029145A", "A GTIN with a letter is an error"),
    ("ean-wrong-length", "ean:12345", "An EAN of five digits is an error"),
    ("upc-prefix-too-long", "upc:0360002914521*", "A UPC prefix longer than a UPC is an error"),
    ("isni-fifteen-digits", "isni:000000021825009", "An ISNI of fifteen characters is an error"),
    ("isni-x-inside", "isni:00000002182X0097", "An ISNI with X before the end is an error"),
    ("doi-wrong-directory", "doi:11.1000/182", "A DOI not starting with 10. is an error"),
    ("doi-without-suffix", "doi:10.1000", "A DOI without a suffix is an error"),
    ("isbn-eleven-digits", "isbn:03064061521", "An ISBN of eleven digits is an error"),
    ("isbn-13-wrong-prefix", "isbn:9770306406157",
     "A 13-digit ISBN not starting 978/979 is an error"),
    ("isbn-x-inside", "isbn:03064X6152", "An ISBN with X before the end is an error"),
]
_BROAD = [
    ("isbn", "isbn:978*"),
    ("ean", "ean:50*"),
    ("iswc", "iswc:T0*"),
    ("isni", "isni:0000*"),
    ("doi", "doi:10.*"),
]
_REGISTRANT = [
    ("isbn", "isbn:97803*"),
    ("gtin", "gtin:0003600*"),
    ("iswc", "iswc:T034*"),
    ("isni", "isni:00000002*"),
    ("doi", "doi:10.1000/*"),
]


def _catalogue(s: Suite) -> None:
    for slug, rule, target in _VALID_IDS:
        s.add(
            f"catalogue/valid-{slug}-matches-other-spelling",
            f"A {slug} rule matches {target}",
            ["R-9-6", "R-10.5-1"], "must",
            text=HEAD + f"Work-Usage: {rule} train-ai=n\n",
            valid=True, errors=[],
            queries=[q(target, "train-ai", "disallowed")],
        )
    for slug, rule in _WRONG_CHECK:
        s.add(
            f"catalogue/wrong-check-character-{slug}",
            f"A {slug} rule with a wrong check character is an error",
            ["R-9-3"], "must",
            text=HEAD + f"Work-Usage: {rule} train-ai=n\n",
            errors=[d("AOO604", 4)],
        )
    for slug, rule, description in _BAD_SYNTAX:
        s.add(
            f"catalogue/{slug}",
            description,
            ["R-9-2"], "must",
            text=HEAD + f"Work-Usage: {rule} train-ai=n\n",
            errors=[d("AOO603", 4)],
        )
    s.add(
        "catalogue/syntax-error-rule-is-ignored",
        "A rule whose identifier breaks its syntax is ignored",
        ["R-9-2"], "must",
        text=HEAD + "Work-Usage: isrc:GB* train-ai=y\nWork-Usage: isrc:GBEMIAB* train-ai=n\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "allowed")],
    )
    s.add(
        "catalogue/unknown-scheme-rule-is-ignored",
        "A rule with an unknown scheme has no effect",
        ["R-9-1"], "must",
        text=HEAD + "Work-Usage: issn:0317-8471 train-ai=n\n",
        queries=[q("isbn:9780306406157", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/scheme-alias-gtin13-is-gtin",
        "The scheme name gtin13 is an alias of gtin",
        ["R-9-1"], "must",
        text=HEAD + "Work-Usage: gtin13:4006381333931 train-ai=n\n",
        queries=[q("ean:4006381333931", "train-ai", "disallowed")],
        comment="R-9-1 lists ean13, gtin13 and gtin14 as aliases of gtin.",
    )
    s.add(
        "catalogue/wrong-check-isbn-10-matches-as-written",
        "An ISBN-10 rule with a wrong check digit matches itself as written",
        ["R-9-3"], "must",
        text=HEAD + "Work-Usage: isbn:0306406153 train-ai=n\n",
        queries=[q("isbn:0306406153", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/inner-star-rule-is-ignored",
        "A rule with * before the end has no effect",
        ["R-9-4"], "must",
        text=HEAD + "Work-Usage: isrc:GB*03 train-ai=n\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/two-stars-is-an-error",
        "An identifier pattern ending in ** is an error",
        ["R-9-4"], "must",
        text=HEAD + "Work-Usage: isrc:GBEMI** train-ai=n\n",
        errors=[d("AOO605", 4)],
    )
    s.add(
        "catalogue/wrong-check-target-compared-as-written",
        "A target with a wrong check digit is matched as written",
        ["R-10.5-2"], "must",
        text=HEAD + "Work-Usage: isbn:978-0-306* train-ai=n\n",
        queries=[q("isbn:9780306406158", "train-ai", "disallowed"),
                 q("isbn:9780307406158", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/wrong-check-target-exact-rule",
        "A target with a wrong check digit does not match the correct one",
        ["R-10.5-2"], "must",
        text=HEAD + "Work-Usage: ean:4006381333931 train-ai=n\n",
        queries=[q("ean:4006381333932", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/invalid-target-is-unknown",
        "A target identifier that breaks its syntax is unknown",
        ["R-10.5-2"], "must",
        text=HEAD + "Work-Usage: isrc:GBEMI* train-ai=n\n",
        queries=[q("isrc:GBEMI030001", "train-ai", "unknown"),
                 q("isrc:GBEMI03000130", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/invalid-isbn-target-is-unknown",
        "An ISBN target of the wrong length is unknown",
        ["R-10.5-2"], "must",
        text=HEAD + "Work-Usage: isbn:978* train-ai=n\n",
        queries=[q("isbn:97803064061", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/scheme-upper-case-in-rule",
        "An upper-case scheme name in a rule is read",
        ["R-9-7"], "must",
        text=HEAD + "Work-Usage: ISRC:GBEMI* train-ai=n\n",
        valid=True, errors=[],
        queries=[q("isrc:GBEMI0300013", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/scheme-upper-case-in-target",
        "ISRC:GBEMI0300013 is the work identifier isrc:GBEMI0300013",
        ["R-9-7", "R-10.1-2"], "must",
        text=HEAD + "Work-Usage: isrc:GBEMI* train-ai=n\n",
        queries=[q("ISRC:GBEMI0300013", "train-ai", "disallowed"),
                 q("Isrc:GBEMI0300013", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/scheme-mixed-case-gtin",
        "Mixed-case GTIN scheme names are compared case-insensitively",
        ["R-9-7"], "must",
        text=HEAD + "Work-Usage: Ean:4006381333931 train-ai=n\n",
        queries=[q("GTIN:04006381333931", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/isrc-lower-case-is-canonical",
        "ISRC letters compare without regard to case",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: isrc:gbemi* train-ai=n\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "disallowed"),
                 q("isrc:gbemi0300013", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/isni-target-with-spaces",
        "An ISNI target written in groups with spaces matches",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: isni:000000012281955X train-ai=n\n",
        queries=[q("isni:0000 0001 2281 955X", "train-ai", "disallowed"),
                 q("isni:000000012281955x", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/isbn-10-x-lower-case",
        "A lower-case x check character of an ISBN-10 matches",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: isbn:080442957X train-ai=n\n",
        queries=[q("isbn:080442957x", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/isbn-10-prefix-equals-isbn-13-prefix",
        "isbn:0-306* and isbn:9780306* are one prefix",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: isbn:0-306* train-ai=n\n",
        queries=[q("isbn:9780306406157", "train-ai", "disallowed"),
                 q("isbn:0306406152", "train-ai", "disallowed"),
                 q("isbn:9791000000008", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/isbn-10-prefix-combines-with-isbn-13",
        "isbn:0-306* and isbn:9780306* are equally specific",
        ["R-9-6", "R-10.6-1"], "must",
        text=HEAD + "Work-Usage: isbn:0-306* train-ai=y\nWork-Usage: isbn:9780306* train-ai=n\n",
        queries=[q("isbn:9780306406157", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/isbn-979-prefix",
        "An ISBN prefix starting 979 is an ISBN-13 prefix",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: isbn:979-10* train-ai=n\n",
        queries=[q("isbn:9791000000008", "train-ai", "disallowed"),
                 q("isbn:9780306406157", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/upc-prefix-equals-ean-prefix",
        "upc:036000* and ean:0036000* are one prefix",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: upc:036000* train-ai=n\n",
        queries=[q("ean:0036000291452", "train-ai", "disallowed"),
                 q("gtin:00036000291452", "train-ai", "disallowed"),
                 q("ean:4006381333931", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/ean-prefix-equals-gtin-prefix",
        "ean:0036000* and gtin:00036000* are one prefix",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: gtin:00036000* train-ai=n\n",
        queries=[q("upc:036000291452", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/upc-and-ean-prefix-combine",
        "upc:036000* and ean:0036000* rules combine as equals",
        ["R-9-6", "R-10.6-1"], "must",
        text=HEAD + "Work-Usage: upc:036000* train-ai=y\nWork-Usage: ean:0036000* train-ai=n\n",
        queries=[q("upc:036000291452", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/gtin-14-indicator-differs",
        "A GTIN-14 with another indicator digit is another item",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: upc:036000291452 train-ai=n\n",
        queries=[q("gtin:10036000291459", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/doi-prefix-lower-case-target",
        "An upper-case DOI target matches a lower-case prefix",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: doi:10.1000/abc* train-ai=n\n",
        queries=[q("doi:10.1000/ABC.123", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/doi-non-ascii-case-kept",
        "Only ASCII letters of a DOI are case-folded",
        ["R-9-6"], "must",
        text=HEAD + "Work-Usage: doi:10.1000/É* train-ai=n\n",
        queries=[q("doi:10.1000/É1", "train-ai", "disallowed"),
                 q("doi:10.1000/é1", "train-ai", "unknown")],
    )
    s.add(
        "catalogue/doi-star-in-target-is-literal",
        "A * in a DOI target is a character of the DOI",
        ["R-10.5-1"], "must",
        text=HEAD + "Work-Usage: doi:10.1000/a* train-ai=n\nWork-Usage: doi:10.1000/ab* "
        "train-ai=y\n",
        queries=[q("doi:10.1000/a*b", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/exact-beats-prefix-of-equal-length",
        "An exact identifier beats a prefix of the same length",
        ["R-10.5-1"], "must",
        text=HEAD + "Work-Usage: isrc:GBEMI0300013* train-ai=n\n"
        "Work-Usage: isrc:GBEMI0300013 train-ai=y\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "allowed")],
        comment="Spec §9 Specificity: at equal length an exact identifier is more specific.",
    )
    s.add(
        "catalogue/specificity-counts-canonical-characters",
        "Specificity counts canonical characters, not as written",
        ["R-10.5-1", "R-9-6"], "must",
        text=HEAD + "Work-Usage: isbn:0-306* train-ai=n\nWork-Usage: isbn:978030* train-ai=y\n",
        queries=[q("isbn:9780306406157", "train-ai", "disallowed")],
        comment="isbn:0-306* is 9780306 (7 characters), longer than 978030 (6).",
    )
    s.add(
        "catalogue/upc-prefix-longer-than-gtin-prefix",
        "A UPC prefix counts the two zeros it gains as GTIN-14",
        ["R-10.5-1", "R-9-6"], "must",
        text=HEAD + "Work-Usage: upc:036000* train-ai=n\nWork-Usage: gtin:0003600* train-ai=y\n",
        queries=[q("upc:036000291452", "train-ai", "disallowed")],
        comment="upc:036000* is 00036000 (8 digits); gtin:0003600* is 7.",
    )
    s.add(
        "catalogue/exact-and-exact-combine",
        "Two rules for one exact identifier combine: any n wins",
        ["R-10.5-1", "R-10.6-1"], "must",
        text=HEAD + "Work-Usage: isbn:9780306406157 train-ai=y\n"
        "Work-Usage: isbn:0306406152 train-ai=n\n",
        queries=[q("isbn:9780306406157", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/work-usage-crawl-is-unknown",
        "The crawl question about a work identifier is unknown",
        ["R-10.5-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\nWork-Usage: isbn:978* tdm=n\n",
        queries=[q("isbn:9780306406157", "crawl", "unknown")],
    )
    s.add(
        "catalogue/work-usage-tab-separator",
        "A tab may separate identifier pattern and preference",
        ["R-7.3-1"], "must",
        text=HEAD + "Work-Usage: isrc:GBEMI*\ttrain-ai=n\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "disallowed")],
    )
    s.add(
        "catalogue/work-usage-without-preference-ignored",
        "A Work-Usage rule without a preference has no effect",
        ["R-7.3-1"], "must",
        text=HEAD + "Work-Usage: isrc:GBEMI* train-ai=y\nWork-Usage: isrc:GBEMI03*\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "allowed")],
    )
    s.add(
        "catalogue/work-usage-without-identifier",
        "A Work-Usage value that is only a preference is an error",
        ["R-7.3-1"], "must",
        text=HEAD + "Work-Usage: train-ai=n\n",
        errors=[d("AOO601", 4)],
    )
    s.add(
        "catalogue/work-usage-named-group-only",
        "Work-Usage in a named group applies only to its agents",
        ["R-6-7", "R-10.5-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nAllow: /\nWork-Usage: isrc:GBEMI* tdm=n\n",
        queries=[q("isrc:GBEMI0300013", "tdm", "disallowed", "GPTBot"),
                 q("isrc:GBEMI0300013", "tdm", "unknown", "CCBot")],
    )
    for slug, rule in _BROAD:
        s.add(
            f"catalogue/broad-{slug}-prefix-warns",
            f"A {slug} prefix shorter than its registrant prefix warns",
            ["R-9-5"], "should",
            text=HEAD + f"Work-Usage: {rule} train-ai=n\n",
            valid=True, errors=[], warnings=[d("AOO606", 4)],
        )
    for slug, rule in _REGISTRANT:
        s.add(
            f"catalogue/registrant-{slug}-prefix-is-quiet",
            f"A {slug} prefix as long as its registrant prefix is quiet",
            ["R-9-5"], "should",
            text=HEAD + f"Work-Usage: {rule} train-ai=n\n",
            valid=True, errors=[], warnings=[],
        )
    s.add(
        "catalogue/broad-prefix-still-applies",
        "A broad identifier prefix still matches every identifier under it",
        ["R-9-5", "R-10.5-1"], "must",
        text=HEAD + "Work-Usage: isbn:978* train-ai=n\n",
        queries=[q("isbn:9780306406157", "train-ai", "disallowed"),
                 q("isbn:9791000000008", "train-ai", "unknown")],
    )


# --- combination --------------------------------------------------------------------------------


def _combination(s: Suite) -> None:
    s.add(
        "combination/longest-usage-across-merged-groups",
        "The longest Content-Usage path is found across merged groups",
        ["R-6-7", "R-10.4-2"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nAllow: /\nContent-Usage: /a/ train-ai=n\n\n"
        "User-agent: GPTBot\nAllow: /\nContent-Usage: /a/b/ train-ai=y\n",
        queries=[q("/a/b/x", "train-ai", "allowed", "GPTBot"),
                 q("/a/x", "train-ai", "disallowed", "GPTBot")],
    )
    s.add(
        "combination/star-groups-usage-combine",
        "Equal-path usage rules of two * groups combine",
        ["R-6-7", "R-10.6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nContent-Usage: search=y\n\n"
        "User-agent: *\nAllow: /\nContent-Usage: search=n\n",
        queries=[q("/x", "search", "disallowed")],
    )
    s.add(
        "combination/merged-work-usage-combine",
        "Equal Work-Usage patterns of merged groups combine",
        ["R-6-7", "R-10.5-1", "R-10.6-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nAllow: /\nWork-Usage: isrc:GBEMI* "
        "train-ai=y\n\nUser-agent: GPTBot\nAllow: /\nWork-Usage: isrc:GBEMI* train-ai=n\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "disallowed", "GPTBot")],
    )
    s.add(
        "combination/different-labels-on-equal-paths",
        "Equal-path rules about different labels each decide their own",
        ["R-10.4-2", "R-10.6-1"], "must",
        text=HEAD + "Content-Usage: /a/ train-ai=n\nContent-Usage: /a/ search=y\n",
        queries=[q("/a/x", "train-ai", "disallowed"), q("/a/x", "search", "allowed"),
                 q("/a/x", "ai-input", "unknown")],
    )
    s.add(
        "combination/parent-n-in-one-rule-child-y-in-other",
        "Each equal-path rule resolves the label before combining",
        ["R-8-2", "R-10.6-1"], "must",
        text=HEAD + "Content-Usage: /a/ tdm=n\nContent-Usage: /a/ search=y\n",
        queries=[q("/a/x", "search", "disallowed")],
        comment="Rule 1 resolves search through tdm to n, rule 2 says y; any n wins.",
    )
    s.add(
        "combination/train-any-n-and-train-ai-y",
        "train-any=n in one rule outweighs train-ai=y in an equal one",
        ["R-8-2", "R-10.6-1"], "must",
        text=HEAD + "Content-Usage: /a/ train-any=n\nContent-Usage: /a/ train-ai=y\n",
        queries=[q("/a/x", "train-ai", "disallowed"), q("/a/x", "train-any", "disallowed")],
    )
    s.add(
        "combination/malformed-and-n-combine-to-n",
        "A malformed equal-path rule and an n rule combine to n",
        ["R-7.2-3", "R-10.6-1"], "must",
        text=HEAD + "Content-Usage: /a/ train-ai = y\nContent-Usage: /a/ train-ai=n\n",
        queries=[q("/a/x", "train-ai", "disallowed")],
    )
    s.add(
        "combination/n-y-and-unknown-give-n",
        "Three equal-path rules n, y and unknown combine to n",
        ["R-10.6-1"], "must",
        text=HEAD + "Content-Usage: /a/ train-ai=y\nContent-Usage: /a/ train-ai=maybe\n"
        "Content-Usage: /a/ train-ai=n\n",
        queries=[q("/a/x", "train-ai", "disallowed")],
    )
    s.add(
        "combination/all-unknown-give-unknown",
        "Equal-path rules that are all unknown combine to unknown",
        ["R-10.6-1"], "must",
        text=HEAD + "Content-Usage: /a/ train-ai=maybe\nContent-Usage: /a/ search=y\n",
        queries=[q("/a/x", "train-ai", "unknown")],
    )
    s.add(
        "combination/equal-length-different-patterns-combine",
        "Different patterns of equal length that both match combine",
        ["R-10.4-2", "R-10.6-1"], "must",
        text=HEAD + "Content-Usage: /a*c train-ai=y\nContent-Usage: /ab* train-ai=n\n",
        queries=[q("/abc", "train-ai", "disallowed"), q("/axc", "train-ai", "allowed")],
        comment="R-10.4-2 keeps every matching rule with the longest pattern in octets.",
    )
    s.add(
        "combination/equal-length-allow-and-disallow-differ",
        "Different equal-length Allow and Disallow patterns: Allow wins",
        ["R-10.3-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /a*c\nAllow: /ab*\n",
        queries=[q("/abc", "crawl", "allowed"), q("/axc", "crawl", "disallowed")],
    )
    s.add(
        "combination/named-group-usage-replaces-star",
        "A named group's usage rules replace those of *, not combine",
        ["R-6-8"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow: /\nContent-Usage: train-ai=n\n\n"
        "User-agent: GPTBot\nAllow: /\nContent-Usage: train-ai=y\n",
        queries=[q("/x", "train-ai", "allowed", "GPTBot"), q("/x", "train-ai", "disallowed")],
    )
    s.add(
        "combination/crawl-and-usage-from-merged-groups",
        "Crawl rules of one merged group gate usage rules of another",
        ["R-6-7", "R-10.4-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: ExampleBot\nDisallow: /private/\n\n"
        "User-agent: ExampleBot\nAllow: /\nContent-Usage: train-ai=y\n",
        queries=[q("/private/x", "train-ai", "unknown"), q("/public", "train-ai", "allowed")],
    )
    s.add(
        "combination/work-and-path-targets-independent",
        "Work-Usage and Content-Usage of one group answer separately",
        ["R-7.3-2"], "must",
        text=HEAD + "Content-Usage: train-ai=y\nWork-Usage: isrc:GBEMI* train-ai=n\n",
        queries=[q("/x", "train-ai", "allowed"), q("isrc:GBEMI0300013", "train-ai", "disallowed")],
    )
    s.add(
        "combination/prefix-and-exact-work-rules",
        "An exact Work-Usage rule overrides a prefix for its identifier",
        ["R-10.5-1"], "must",
        text=HEAD + "Work-Usage: isrc:GBEMI* tdm=n\nWork-Usage: isrc:GBEMI0300013 tdm=y\n",
        queries=[q("isrc:GBEMI0300013", "train-ai", "allowed"),
                 q("isrc:GBEMI0300014", "train-ai", "disallowed")],
    )
    s.add(
        "combination/expired-crawl-rules-of-merged-groups",
        "After Expires merged groups still decide crawling",
        ["R-5.6-5", "R-6-7"], "must",
        text="AIOptOut-Version: 1\nExpires: 2026-01-01\nUser-agent: GPTBot\nDisallow: /a/\n\n"
        "User-agent: GPTBot\nDisallow: /b/\nContent-Usage: train-ai=n\n",
        queries=[q("/b/x", "crawl", "disallowed", "GPTBot"),
                 q("/c", "train-ai", "unknown", "GPTBot")],
    )


# --- encoding -----------------------------------------------------------------------------------

_V = b"AIOptOut-Version: 1\n"
_HEAD_BYTES = HEAD.encode()


def _encoding(s: Suite) -> None:
    s.add(
        "encoding/bom-then-crlf",
        "A byte order mark before CR LF line endings is skipped",
        ["R-3-3", "R-3-4"], "must",
        octets=b"\xef\xbb\xbf" + HEAD.replace("\n", "\r\n").encode() + b"Disallow: /x\r\n",
        queries=[q("/x", "crawl", "disallowed")],
    )
    s.add(
        "encoding/bom-after-start-is-not-skipped",
        "A byte order mark at the start of a later line is not skipped",
        ["R-3-3", "R-4-1"], "must",
        octets=_HEAD_BYTES + b"\xef\xbb\xbfDisallow: /x\n",
        errors=[d("AOO201", 4)],
        queries=[q("/x", "crawl", "allowed")],
    )
    s.add(
        "encoding/cr-only-file-is-valid",
        "A file with only CR line endings raises no warning",
        ["R-3-4"], "should",
        octets=HEAD.replace("\n", "\r").encode() + b"Disallow: /x\r",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "encoding/crlf-file-is-valid",
        "A file with only CR LF line endings raises no warning",
        ["R-3-4"], "should",
        octets=HEAD.replace("\n", "\r\n").encode() + b"Disallow: /x\r\n",
        valid=True, errors=[], warnings=[],
    )
    s.add(
        "encoding/cr-line-numbers",
        "Lines ended by CR are counted one by one",
        ["R-3-4"], "must",
        octets=HEAD.replace("\n", "\r").encode() + b"\rDisallow: nope\r",
        errors=[d("AOO501", 5)],
    )
    s.add(
        "encoding/lf-cr-is-two-line-ends",
        "LF followed by CR ends two lines",
        ["R-3-4"], "must",
        octets=b"AIOptOut-Version: 1\n\rUser-agent: *\nDisallow: nope\n",
        errors=[d("AOO501", 4)],
    )
    s.add(
        "encoding/cr-cr-lf-is-two-line-ends",
        "CR CR LF ends two lines",
        ["R-3-4"], "must",
        octets=b"AIOptOut-Version: 1\r\r\nUser-agent: *\r\nDisallow: nope\r\n",
        errors=[d("AOO501", 4)],
    )
    s.add(
        "encoding/nel-is-not-a-line-end",
        "U+0085 NEXT LINE does not end a line",
        ["R-3-4"], "must",
        text=HEAD + "Disallow: /a\u0085b\nDisallow: nope\n",
        errors=[d("AOO501", 5)],
        queries=[q("/a%C2%85b", "crawl", "disallowed"), q("/b", "crawl", "allowed")],
    )
    s.add(
        "encoding/line-separator-is-not-a-line-end",
        "U+2028 LINE SEPARATOR does not end a line",
        ["R-3-4"], "must",
        text=HEAD + "Disallow: /a\u2028b\nDisallow: nope\n",
        errors=[d("AOO501", 5)],
        queries=[q("/a%E2%80%A8b", "crawl", "disallowed"), q("/b", "crawl", "allowed")],
    )
    s.add(
        "encoding/form-feed-is-a-control-character",
        "A form feed is a control character, not a line end",
        ["R-3-2"], "must",
        octets=_HEAD_BYTES + b"Disallow: /a\x0cDisallow: /b\n",
        errors=[d("AOO102", 4)],
    )
    s.add(
        "encoding/vertical-tab-is-a-control-character",
        "A vertical tab inside a line is an error",
        ["R-3-2"], "must",
        octets=_HEAD_BYTES + b"Disallow: /a\x0bb\n",
        errors=[d("AOO102", 4)],
    )
    s.add(
        "encoding/delete-is-a-control-character",
        "A DEL character inside a line is an error",
        ["R-3-2"], "must",
        octets=_HEAD_BYTES + b"Disallow: /a\x7f\n",
        errors=[d("AOO102", 4)],
    )
    s.add(
        "encoding/escape-in-comment-is-an-error",
        "A control character inside a comment is an error",
        ["R-3-2"], "must",
        octets=_HEAD_BYTES + b"# note \x1b[1m\n",
        errors=[d("AOO102", 4)],
    )
    s.add(
        "encoding/two-control-characters-two-errors",
        "Each control character of a line is reported",
        ["R-3-2", "R-11-2"], "must",
        octets=_HEAD_BYTES + b"Disallow: /a\x01b\x02c\n",
        errors=[d("AOO102", 4), d("AOO102", 4)],
        comment="Spec §11.2: AOO102 is reported once per octet, each at its own column.",
    )
    s.add(
        "encoding/two-nuls-two-errors",
        "Two NUL octets in a line give two errors",
        ["R-3-2", "R-11-2"], "must",
        octets=_HEAD_BYTES + b"Disallow: /a\x00\x00\n",
        errors=[d("AOO102", 4), d("AOO102", 4)],
    )
    s.add(
        "encoding/c1-control-is-allowed",
        "A C1 control such as U+0085 is not an error",
        ["R-3-2"], "must",
        text=HEAD + "Rightsholder: A\u0085B\n",
        valid=True, errors=[],
        comment="R-3-2 forbids U+0000 to U+0008, U+000B to U+001F and U+007F only.",
    )
    s.add(
        "encoding/invalid-utf8-in-comment",
        "An invalid UTF-8 octet in a comment is an error",
        ["R-3-1"], "must",
        octets=_HEAD_BYTES + b"# caf\xe9\n",
        errors=[d("AOO101", 4)],
    )
    s.add(
        "encoding/invalid-utf8-in-field-name",
        "An invalid octet in a field name also makes the line no record",
        ["R-3-1", "R-4-1"], "must",
        octets=_HEAD_BYTES + b"Dis\xffallow: /x\n",
        errors=[d("AOO101", 4), d("AOO201", 4)],
        queries=[q("/x", "crawl", "allowed")],
    )
    s.add(
        "encoding/two-invalid-octets-two-errors",
        "Each invalid UTF-8 octet of a line is reported",
        ["R-3-1", "R-11-2"], "must",
        octets=_HEAD_BYTES + b"Disallow: /\xe9t\xe9\n",
        errors=[d("AOO101", 4), d("AOO101", 4)],
        comment="Spec §11.2: AOO101 is reported once per octet, each at its own column.",
    )
    s.add(
        "encoding/truncated-sequence-each-octet",
        "A truncated 3-octet sequence gives one error per octet",
        ["R-3-1", "R-11-2"], "must",
        octets=_HEAD_BYTES + b"Disallow: /a\xe2\x82b\n",
        errors=[d("AOO101", 4), d("AOO101", 4)],
    )
    s.add(
        "encoding/overlong-encoding-is-invalid",
        "An overlong UTF-8 encoding is invalid octet by octet",
        ["R-3-1"], "must",
        octets=_HEAD_BYTES + b"Disallow: /a\xc0\xafb\n",
        errors=[d("AOO101", 4), d("AOO101", 4)],
    )
    s.add(
        "encoding/encoded-surrogate-is-invalid",
        "A UTF-8 encoded surrogate is invalid octet by octet",
        ["R-3-1"], "must",
        octets=_HEAD_BYTES + b"Disallow: /a\xed\xa0\x80b\n",
        errors=[d("AOO101", 4), d("AOO101", 4), d("AOO101", 4)],
    )
    s.add(
        "encoding/code-point-above-unicode-is-invalid",
        "A 4-octet sequence above U+10FFFF is invalid octet by octet",
        ["R-3-1"], "must",
        octets=_HEAD_BYTES + b"Disallow: /\xf4\x90\x80\x80\n",
        errors=[d("AOO101", 4)] * 4,
    )
    s.add(
        "encoding/invalid-octet-at-end-of-file",
        "A truncated sequence at the end of the file is an error",
        ["R-3-1"], "must",
        octets=_HEAD_BYTES + b"Disallow: /a\xc3",
        errors=[d("AOO101", 4)],
    )
    s.add(
        "encoding/invalid-octet-keeps-later-lines",
        "Lines after an invalid octet are read",
        ["R-3-7", "R-11-1"], "must",
        octets=_HEAD_BYTES + b"# \xff\nDisallow: /x\n",
        queries=[q("/x", "crawl", "disallowed")],
    )
    s.add(
        "encoding/invalid-octet-in-user-agent",
        "A User-agent value with an invalid octet keeps its leading token",
        ["R-3-7", "R-6-1"], "must",
        octets=b"AIOptOut-Version: 1\nUser-agent: Bot\xe9\nDisallow: /\n",
        queries=[q("/x", "crawl", "disallowed", "Bot")],
    )
    s.add(
        "encoding/invalid-octet-in-usage-path",
        "A Content-Usage path with an invalid octet matches its escape",
        ["R-3-7", "R-7.2-2"], "must",
        octets=_HEAD_BYTES + b"Content-Usage: /caf\xe9/ train-ai=n\n",
        queries=[q("/caf%E9/x", "train-ai", "disallowed"), q("/cafe/x", "train-ai", "unknown")],
    )

    # Line length limit (R-3-6).
    prefix = "Disallow: /"
    exact = prefix + "a" * (16664 - len(prefix))
    s.add(
        "encoding/line-of-exactly-16664-octets",
        "A line of exactly 16664 octets is valid and read whole",
        ["R-3-6"], "must",
        text=HEAD + exact + "\n",
        valid=True, errors=[],
        queries=[q("/" + "a" * (16664 - len(prefix)), "crawl", "disallowed"),
                 q("/" + "a" * (16663 - len(prefix)), "crawl", "allowed")],
    )
    cut = prefix + "a" * (16664 - len(prefix) - 1)
    s.add(
        "encoding/long-line-cut-before-split-character",
        "Truncation keeps whole UTF-8 characters only",
        ["R-3-6"], "must",
        text=HEAD + cut + "é" + "z" * 10 + "\n",
        errors=[d("AOO107", 4)],
        queries=[q("/" + "a" * (16664 - len(prefix) - 1) + "q", "crawl", "disallowed")],
        comment="The é would occupy octets 16664 and 16665, so the line is cut before it; a "
        "reader that kept half of it would compare %C3 and not match the query path.",
    )
    s.add(
        "encoding/long-comment-line-is-an-error",
        "A comment line longer than 16664 octets is an error",
        ["R-3-6"], "must",
        text=HEAD + "#" + "c" * 16664 + "\n",
        errors=[d("AOO107", 4)],
    )

    # Size limit (R-3-5): long comment lines keep the files small in line count.
    filler_line = "#" + "." * 15998 + "\n"  # 16000 octets
    body = HEAD + "Disallow: /before\n"
    fill = 512_000 - len(body) - len("Disallow: /last\n")
    lines = fill // 16000
    rest = fill - lines * 16000
    text = body + filler_line * lines + "#" + "." * (rest - 2) + "\n" + "Disallow: /last\n"
    assert len(text.encode()) == 512_000
    s.add(
        "encoding/file-of-exactly-512000-octets",
        "A file of exactly 512000 octets is read to its last line",
        ["R-3-5"], "must",
        text=text,
        valid=True, errors=[],
        queries=[q("/last", "crawl", "disallowed"), q("/before", "crawl", "disallowed")],
    )
    over = text[: -len("Disallow: /last\n")] + "Disallow: /last-but-longer\n"
    s.add(
        "encoding/size-limit-error-at-first-ignored-line",
        "AOO106 is reported at the line that crosses 512000 octets",
        ["R-3-5"], "must",
        text=over,
        errors=[d("AOO106", 5 + lines + 1)],
        queries=[q("/last-but-longer", "crawl", "allowed")],
        comment="Spec §11.2: AOO106 at the first line that was ignored.",
    )


# --- diagnostics --------------------------------------------------------------------------------


def _diagnostics(s: Suite) -> None:
    s.add(
        "diagnostics/positions-of-several-errors",
        "Each error is reported at its own line",
        ["R-11-2"], "must",
        text="# head\nAIOptOut-Version: 1\nContact: nobody\nUser-agent: *\nAllow: /\n"
        "Disallow: x\nWork-Usage: isrc:GB*03 train-ai=n\n",
        errors=[d("AOO307", 3), d("AOO501", 6), d("AOO605", 7)],
    )
    s.add(
        "diagnostics/error-severity-for-must",
        "A MUST violation is an error and makes the file invalid",
        ["R-11-3", "R-7.1-1"], "must",
        text=HEAD + "Disallow: x\n",
        valid=False, errors=[d("AOO501", 4)], warnings=[],
    )
    s.add(
        "diagnostics/recommendation-breach-is-a-warning",
        "A broken recommendation is a warning, not an error",
        ["R-11-3", "R-7.1-2"], "should",
        text=HEAD + "Disallow: *.gif\n",
        valid=True, errors=[], warnings=[d("AOO502", 4)],
    )
    s.add(
        "diagnostics/several-warnings-each-reported",
        "Every warning of a file is reported at its line",
        ["R-11-2"], "should",
        text=HEAD + "Disallow: *.gif\nDisallow: /a b\nX-Note: 1\n",
        valid=True, errors=[], warnings=[d("AOO502", 4), d("AOO504", 5), d("AOO202", 6)],
    )
    s.add(
        "diagnostics/missing-version-and-group-errors",
        "A file with no version and a rule-less group has both errors",
        ["R-5.1-1", "R-6-3"], "must",
        text="User-agent: *\n",
        errors=[d("AOO301", 1), d("AOO403", 1)],
    )
    s.add(
        "diagnostics/binary-input-has-no-other-errors",
        "An input that is not text yields AOO103 and AOO301 only",
        ["R-3-1", "R-5.1-1"], "must",
        octets=bytes(range(32)) * 64,
        errors=[d("AOO103", 1), d("AOO301", 1)],
        comment="Spec §11.2: an input that is not text is a declaration without records.",
    )
    s.add(
        "diagnostics/invalid-rule-keeps-group-valid",
        "A group whose only Disallow is ignored still has its record",
        ["R-6-3", "R-7.1-1"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: private\n",
        errors=[d("AOO501", 3)],
        comment="R-6-3 counts Allow and Disallow records; the malformed pattern is a separate "
        "error.",
    )
    s.add(
        "diagnostics/warning-on-expires-line",
        "AOO313 points at the Expires line",
        ["R-5.6-4"], "should",
        text="AIOptOut-Version: 1\nRightsholder: A\nIssued: 2025-01-01\nExpires: 2026-01-01\n"
        "User-agent: *\nAllow: /\n",
        valid=True, errors=[], warnings=[d("AOO313", 4)],
    )
    s.add(
        "diagnostics/conflict-warning-on-later-rule",
        "AOO515 points at the later of two disagreeing rules",
        ["R-7.2-5"], "should",
        text=HEAD + "Content-Usage: /a/ train-ai=n\nContent-Usage: /b/ train-ai=n\n"
        "Content-Usage: /a/ train-ai=y\n",
        valid=True, errors=[], warnings=[d("AOO515", 6)],
    )
    s.add(
        "diagnostics/content-signal-in-named-group",
        "A Content-Signal line in any group is a warning",
        ["R-12-1"], "should",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nDisallow: /\nContent-Signal: search=yes\n",
        valid=True, errors=[], warnings=[d("AOO701", 4)],
    )
    s.add(
        "diagnostics/content-signal-has-no-effect",
        "A Content-Signal line does not set usage preferences",
        ["R-4-3"], "must",
        text=HEAD + "Content-Signal: ai-train=no, search=yes\n",
        queries=[q("/x", "train-any", "unknown"), q("/x", "search", "unknown")],
    )
    s.add(
        "diagnostics/unknown-scheme-error-line",
        "AOO602 points at the Work-Usage line",
        ["R-9-1"], "must",
        text=HEAD + "Work-Usage: isrc:GBEMI* train-ai=n\n\nWork-Usage: ismn:979-0-2600-0043-8 "
        "train-ai=n\n",
        errors=[d("AOO602", 6)],
    )


def _agent_tokens(s: Suite) -> None:
    """Digits belong to agent tokens, both sides compare whole tokens (R-6-1, R-6-6), and a
    NUL ends its line (R-3-8): a group written for one bot never applies to another."""
    two = ("AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n\nUser-agent: {agent}\nDisallow: /\n")
    for token, others in (
        ("Rule1TestBot", ("Rule2TestBot", "Rule", "RuleTestBot")),
        ("Ai2Bot-Dolma", ("AI2Bot", "Ai", "Ai2Bot-Dolma2")),
        ("Bot360", ("Bot", "Bot36", "Bot3600")),
        ("MJ12bot", ("MJ", "MJbot", "MJ1bot")),
    ):
        slug = token.lower()
        s.add(
            f"groups/digits-in-{slug}-match-only-itself",
            f"A group for {token} applies to {token.upper()}, not to {others[0]}",
            ["R-6-1", "R-6-6"], "must",
            text=two.format(agent=token),
            valid=True, errors=[],
            queries=[q("/x", "crawl", "disallowed", token.upper()),
                     *(q("/x", "crawl", "allowed", other) for other in others)],
        )
    s.add(
        "groups/star-followed-by-text-is-star",
        "A User-agent value of * followed by a space and text is the * group",
        ["R-6-24"], "must",
        text="AIOptOut-Version: 1\nUser-agent: * everyone\nDisallow: /private/\n",
        queries=[q("/private/x", "crawl", "disallowed", "AnyBot"),
                 q("/public", "crawl", "allowed", "AnyBot")],
    )
    s.add(
        "groups/caller-with-space-gets-star",
        "An agent string with a space selects only the * groups",
        ["R-6-9"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\n\nUser-agent: Foo\n"
        "Allow: /x/\nDisallow: /\n",
        queries=[q("/x/y", "crawl", "allowed", "Foo"), q("/x/y", "crawl", "disallowed", "Foo Bar")],
        comment="Google's GoogleOnly_AcceptUserAgentUpToFirstSpace: the caller 'Foo Bar' is not "
        "a token and gets the * group.",
    )
    s.add(
        "encoding/nul-ends-the-line",
        "A NUL ends its line: Disallow: /private NUL junk disallows /private",
        ["R-3-8"], "must",
        octets=_HEAD_BYTES + b"Disallow: /private\x00junk\n",
        errors=[d("AOO102", 4)],
        queries=[q("/private", "crawl", "disallowed"), q("/privatejunk", "crawl", "disallowed"),
                 q("/other", "crawl", "allowed")],
    )
    s.add(
        "encoding/nul-before-colon-loses-the-record",
        "A NUL before the colon leaves a line that is not a record",
        ["R-3-8", "R-4-1"], "must",
        octets=_HEAD_BYTES + b"Disallow\x00: /\n",
        errors=[d("AOO102", 4), d("AOO201", 4)],
        queries=[q("/x", "crawl", "allowed")],
    )
    s.add(
        "encoding/nul-in-user-agent-ends-the-token",
        "A NUL in a User-agent value ends the value there",
        ["R-3-8", "R-6-6"], "must",
        octets=b"AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n\nUser-agent: Foo\x00Bar\n"
        b"Disallow: /\n",
        errors=[d("AOO102", 5)],
        queries=[q("/x", "crawl", "disallowed", "Foo"), q("/x", "crawl", "allowed", "FooBar")],
    )


def _caps(s: Suite) -> None:
    """Spec §11.3: at most 50 diagnostics of one code, then one summary at the 51st."""
    s.add(
        "diagnostics/fifty-errors-of-one-code-are-all-reported",
        "Fifty violations of one code give fifty diagnostics",
        ["R-11.3-1", "R-7.1-1"], "must",
        text=HEAD + "Disallow: x\n" * 50,
        valid=False, errors=[d("AOO501", line) for line in range(4, 54)],
    )
    s.add(
        "diagnostics/errors-past-fifty-end-in-one-summary",
        "Sixty violations of one code give fifty and a summary at the 51st",
        ["R-11.3-1", "R-11.3-2", "R-7.1-1"], "must",
        text=HEAD + "Disallow: x\n" * 60,
        valid=False, errors=[d("AOO501", line) for line in range(4, 55)],
        comment="The summary (the 51st AOO501) says 10 more not shown; messages are not compared.",
    )
    s.add(
        "diagnostics/cross-line-errors-are-capped",
        "A cross-line check is capped like the others",
        ["R-11.3-1", "R-11.3-2", "R-6-3"], "must",
        text="AIOptOut-Version: 1\n" + "User-agent: *\nContent-Usage: train-ai=n\n" * 70,
        valid=False, errors=[d("AOO403", 2 + 2 * index) for index in range(51)],
        comment="Each group lacks an Allow or Disallow record (AOO403 at its User-agent line).",
    )


# --- issue 13 (aipref currency and precision): vectors of helper "aipref" ---------------------

def _aipref_precision(s: Suite) -> None:
    # R-7.2-26: a rule without a path matches every path with length 0.
    s.add(
        "usage/no-path-rules-combine",
        "Two rules without a path are equally specific and combine",
        ["R-7.2-26", "R-10.4-2", "R-10.6-1"], "must",
        text=HEAD + "Content-Usage: train-ai=y\nContent-Usage: search=y, train-ai=n\n",
        queries=[q("/x", "train-ai", "disallowed"), q("/x", "search", "allowed")],
    )
    s.add(
        "usage/no-path-loses-to-any-path",
        "Any matching path, even /*, beats a rule without a path",
        ["R-7.2-26", "R-10.4-2"], "must",
        text=HEAD + "Content-Usage: train-ai=n\nContent-Usage: /* train-ai=y\n",
        queries=[q("/", "train-ai", "allowed"), q("/a/b?c", "train-ai", "allowed")],
    )
    s.add(
        "usage/no-path-covers-unmatched-paths",
        "A rule without a path answers where no rule with a path matches",
        ["R-7.2-26", "R-10.4-2"], "must",
        text=HEAD + "Content-Usage: /news/ train-ai=y\nContent-Usage: train-ai=n\n",
        queries=[q("/news/a", "train-ai", "allowed"), q("/sport/a", "train-ai", "disallowed"),
                 q("/", "train-ai", "disallowed")],
    )

    # R-10.4-1/3/4/5: crawl rules speak through the agent's registry purpose, as in robots.txt.
    s.add(
        "combination/training-crawler-disallow-reserves-training",
        "A Disallow for a training crawler reserves train-any and train-ai",
        ["R-10.4-1", "R-10.4-3"], "must",
        text="AIOptOut-Version: 1\nUser-agent: Bytespider\nDisallow: /\n",
        queries=[q("/x", "train-ai", "disallowed", "Bytespider"),
                 q("/x", "train-any", "disallowed", "Bytespider"),
                 q("/x", "search", "unknown", "Bytespider"),
                 q("/x", "ai-input", "unknown", "Bytespider"),
                 q("/x", "tdm", "unknown", "Bytespider"),
                 q("/x", "train-ai", "unknown", "ExampleBot")],
        comment="The same two lines served as robots.txt map to train-any=n (spec §12.2, robots "
        "rows); Bytespider's purpose is training in aioptout/data/agents.json.",
    )
    s.add(
        "combination/purpose-reservation-beats-content-usage",
        "A disallowed path ignores Content-Usage, keeps the purpose reservation",
        ["R-10.4-1", "R-10.4-3", "R-10.4-5"], "must",
        text="AIOptOut-Version: 1\nUser-agent: GPTBot\nAllow: /\nDisallow: /p/\n"
        "Content-Usage: train-ai=y, search=y\n",
        queries=[q("/p/x", "train-ai", "disallowed", "GPTBot"),
                 q("/p/x", "search", "unknown", "GPTBot"),
                 q("/q", "train-ai", "allowed", "GPTBot")],
    )
    s.add(
        "combination/dataset-crawler-disallow-reserves-tdm",
        "A Disallow for a dataset crawler reserves tdm and every label in it",
        ["R-10.4-3"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n\nUser-agent: CCBot\nDisallow: /\n",
        queries=[q("/x", usage, "disallowed", "CCBot") for usage in LABELS],
    )
    s.add(
        "combination/star-group-disallow-reserves-each-purpose",
        "A * Disallow reserves each registered agent's own purpose",
        ["R-10.4-3", "R-6-22"], "must",
        text="AIOptOut-Version: 1\nUser-agent: *\nDisallow: /\n",
        queries=[q("/x", "train-ai", "disallowed", "GPTBot"),
                 q("/x", "search", "unknown", "GPTBot"),
                 q("/x", "search", "disallowed", "Bingbot"),
                 q("/x", "train-ai", "unknown", "Bingbot"),
                 q("/x", "train-ai", "unknown", "ExampleBot")],
    )
    s.add(
        "combination/control-token-disallow-reserves-controlled-labels",
        "A Google-Extended Disallow reserves Googlebot training and AI input",
        ["R-10.4-4", "R-10.4-5", "R-10.4-6"], "must",
        text="AIOptOut-Version: 1\nUser-agent: Google-Extended\nDisallow: /\n\n"
        "User-agent: *\nAllow: /\nContent-Usage: train-ai=y, ai-input=y, search=y\n",
        queries=[q("/x", "crawl", "allowed", "Googlebot"),
                 q("/x", "train-ai", "disallowed", "Googlebot"),
                 q("/x", "ai-input", "disallowed", "Googlebot"),
                 q("/x", "search", "allowed", "Googlebot"),
                 q("/x", "train-ai", "allowed", "ExampleBot")],
    )
    s.add(
        "combination/purpose-reservation-expires",
        "An expired declaration's Disallow reserves no usage",
        ["R-10.4-3", "R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nExpires: 2026-01-01\nUser-agent: GPTBot\nDisallow: /\n",
        now="2026-06-01T00:00:00Z",
        queries=[q("/x", "crawl", "disallowed", "GPTBot"),
                 q("/x", "train-ai", "unknown", "GPTBot")],
    )

    # R-5.6-7/8: RFC 3339 leap seconds.
    for slug, value, ok in (
        ("z", "2016-12-31T23:59:60Z", True),
        ("fraction", "2016-12-31T23:59:60.25Z", True),
        ("offset", "2017-01-01T05:29:60+05:30", True),
        ("negative-offset", "2016-12-31T18:59:60-05:00", True),
        ("lower-case", "2016-12-31t23:59:60z", True),
        ("wrong-minute", "2016-12-31T23:58:60Z", False),
        ("wrong-utc-minute", "2016-12-31T23:59:60+01:00", False),
        ("second-61", "2016-12-31T23:59:61Z", False),
    ):
        text = (f"AIOptOut-Version: 1\nIssued: 2016-01-01\nExpires: {value}\n"
                "User-agent: *\nAllow: /\nContent-Usage: train-ai=n\n")
        if ok:
            s.add(
                f"fields/leap-second-{slug}",
                f"Leap second accepted: {value}",
                ["R-5.6-1", "R-5.6-7", "R-5.6-8"], "must",
                text=text, now="2016-12-31T23:59:59.5Z", valid=True,
                queries=[q("/x", "train-ai", "unknown"), q("/x", "crawl", "allowed")],
                comment="The leap second is the instant of second 59 (R-5.6-8), so at "
                "23:59:59.5Z the declaration has expired (R-5.6-5).",
            )
        else:
            s.add(
                f"fields/leap-second-{slug}",
                f"Not a leap second position: {value}",
                ["R-5.6-1", "R-5.6-7"], "must",
                text=text, now="2016-12-31T23:59:59Z", errors=[d("AOO310", 3)],
                queries=[q("/x", "train-ai", "disallowed")],
                comment="An invalid Expires value is ignored (R-11-1), so nothing expires.",
            )
    s.add(
        "fields/leap-second-before-the-instant",
        "A leap-second Expires has not passed one second earlier",
        ["R-5.6-8", "R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nExpires: 2016-12-31T23:59:60Z\nUser-agent: *\nAllow: /\n"
        "Content-Usage: train-ai=n\n",
        now="2016-12-31T23:59:58.999Z",
        queries=[q("/x", "train-ai", "disallowed")],
    )
    s.add(
        "fields/leap-second-in-now",
        "A leap second is accepted as the instant asked about",
        ["R-5.6-8", "R-5.6-5"], "must",
        text="AIOptOut-Version: 1\nExpires: 2016-12-31T23:59:59.5Z\nUser-agent: *\nAllow: /\n"
        "Content-Usage: train-ai=n\n",
        now="2016-12-31T23:59:60Z",
        queries=[q("/x", "train-ai", "disallowed")],
        comment="now 23:59:60Z is the instant 23:59:59Z, before the Expires instant.",
    )

    # R-8-4, R-8-22 to R-8-26: labels of earlier aipref revisions, read by spec §8.1.
    for table, token in ((_REVISION_N, "n"), (_REVISION_Y, "y")):
        for label, answers in table.items():
            names = {"D": "disallowed", "A": "allowed", "U": "unknown"}
            s.add(
                f"usage/revision-label-{label}-{token}",
                f"The earlier aipref label {label}={token} is read by spec §8.1",
                ["R-8-22", "R-8-23", "R-8-25"], "must",
                text=HEAD + f"Content-Usage: {label}={token}\n",
                queries=[q("/x", usage, names[a]) for usage, a in zip(LABELS, answers,
                                                                       strict=True)],
            )
    for label in _RETIRED:
        s.add(
            f"usage/revision-label-{label}-warns",
            f"The earlier aipref label {label} is a warning (AOO530)",
            ["R-8-4"], "should",
            text=HEAD + f"Content-Usage: {label}=n\n",
            valid=True, errors=[], warnings=[d("AOO530", 4)],
        )
    s.add(
        "usage/revision-sense-train-ai-of-02",
        "With train-genai, train-ai means any AI training (vocab-02/-03)",
        ["R-8-23", "R-8-24", "R-8-25"], "must",
        text=HEAD + "Content-Usage: train-ai=n, train-genai=y\n",
        queries=[q("/x", "train-ai", "allowed"), q("/x", "train-any", "disallowed"),
                 q("/x", "search", "unknown")],
        comment="vocab-02 and -03: AI Training (train-ai) contains Generative AI Training "
        "(train-genai); the author allowed generative training only.",
    )
    s.add(
        "usage/revision-sense-reserves-more",
        "Where revisions read a label differently, n takes the wider reading",
        ["R-8-24", "R-8-26"], "must",
        text=HEAD + "Content-Usage: bots=y, train-ai=n\n",
        queries=[q("/x", "train-ai", "disallowed"), q("/x", "train-any", "disallowed"),
                 q("/x", "ai-input", "allowed"), q("/x", "search", "allowed"),
                 q("/x", "tdm", "allowed")],
        comment="bots and train-ai are both labels of vocab-03 (train-ai: any AI training) and "
        "-04 (train-ai: foundation model production); an n covers the union of the readings.",
    )
    s.add(
        "usage/revision-sense-warns-as-note",
        "A preference in an earlier revision's labels warns once (AOO530)",
        ["R-8-4"], "should",
        text=HEAD + "Content-Usage: train-ai=n, train-genai=y\n",
        valid=True, errors=[], warnings=[d("AOO530", 4)],
    )
    s.add(
        "usage/revision-extension-label-is-neutral",
        "An extension label does not hide an earlier revision's labels",
        ["R-8-23", "R-8-25"], "must",
        text=HEAD + "Content-Usage: tdm=n, train-genai=y\n",
        queries=[q("/x", "train-ai", "allowed"), q("/x", "train-any", "disallowed"),
                 q("/x", "search", "disallowed")],
    )
    s.add(
        "usage/revision-labels-of-no-one-revision",
        "Labels of different revisions are each read by their newest revision",
        ["R-8-23", "R-8-25"], "must",
        text=HEAD + "Content-Usage: bots=n, ai-use=y\n",
        queries=[q("/x", "train-ai", "disallowed"), q("/x", "ai-input", "allowed"),
                 q("/x", "search", "disallowed")],
    )
    s.add(
        "usage/current-labels-read-as-current",
        "A preference of current labels is read by the current revision",
        ["R-8-1", "R-8-23"], "must",
        text=HEAD + "Content-Usage: train-ai=n, search=y\n",
        queries=[q("/x", "train-ai", "disallowed"), q("/x", "train-any", "unknown"),
                 q("/x", "search", "allowed")],
    )

    # R-3-24: where the 512,000-octet limit cuts a line (spec §3, numbered steps).
    filler = "#" + "." * 15998 + "\n"
    head = HEAD + "Disallow: /before\n"
    last = "Disallow: /last"
    room = 512_000 - len(head) - len(last)  # octets left for filler before "/last" ends
    count = room // 16000
    pad = room - count * 16000
    body = head + filler * count + "#" + "." * (pad - 2) + "\n" + last
    assert len(body.encode()) == 512_000
    first_ignored = body.count("\n") + 1
    s.add(
        "encoding/limit-eol-past-the-limit-drops-line",
        "A line whose end-of-line is octet 512001 is ignored",
        ["R-3-24", "R-11-4"], "must",
        text=body + "\n",
        errors=[d("AOO106", first_ignored)],
        queries=[q("/last", "crawl", "allowed"), q("/before", "crawl", "disallowed")],
        comment="The line's last character is octet 512000 but its LF is octet 512001: the "
        "line crosses the limit (step 2 of spec §3).",
    )
    s.add(
        "encoding/limit-cr-at-the-limit-keeps-line",
        "A CR at octet 512000 ends the line, even if its LF is cut off",
        ["R-3-24"], "must",
        text=body[:-1] + "\r\n",
        errors=[d("AOO106", first_ignored + 1)],
        queries=[q("/las", "crawl", "disallowed"), q("/before", "crawl", "disallowed")],
        comment="Octet 512000 is the CR of a CR LF: the line Disallow: /las ends within the "
        "limit and is kept; the LF alone is beyond it.",
    )

    # R-7.1-6, R-7.1-25, R-7.1-9: the normalisation steps of spec §7.1.
    for slug, pattern, target, expected, what in (
        ("lone-percent", "/a%", "/a%25", "disallowed", "A lone % is the octet %"),
        ("percent-bad-hex", "/a%zz", "/a%25zz", "disallowed", "% before non-hex is %25"),
        ("percent-one-digit", "/a%4", "/a%254", "disallowed", "% with one hex digit is %25"),
        ("lower-hex-reserved", "/a%2f", "/a%2F", "disallowed", "Escapes compare in upper case"),
        ("lower-hex-unreserved", "/%7euser", "/~user", "disallowed", "%7e is the character ~"),
        ("brackets-encoded", "/a[1]", "/a%5B1%5D", "disallowed", "[ and ] are percent-encoded"),
        ("escaped-slash-is-not-slash", "/a%2Fb", "/a/b", "allowed", "%2F never matches /"),
        ("space-in-target", "/a%20b", "/a b", "disallowed", "A space in a target is %20"),
    ):
        s.add(
            f"paths/normalise-{slug}",
            what,
            ["R-7.1-6", "R-7.1-25"], "must",
            text=HEAD + f"Disallow: {pattern}\n",
            queries=[q(target, "crawl", expected)],
        )

    # §9.1: the worked check-character examples of the spec, right and wrong.
    for slug, good, bad in (
        ("gs1", "ean:4006381333931", "ean:4006381333932"),
        ("isbn10", "isbn:0-306-40615-2", "isbn:0-306-40615-3"),
        ("iswc", "iswc:T-034.524.680-1", "iswc:T-034.524.680-2"),
        ("isni", "isni:000000012146438X", "isni:0000000121464381"),
    ):
        s.add(
            f"catalogue/check-example-{slug}",
            f"The spec's {slug} check example is valid, a changed check is not",
            ["R-9-3", "R-9-22", "R-11-4"], "must",
            text=HEAD + f"Work-Usage: {good} train-ai=n\nWork-Usage: {bad} search=n\n",
            errors=[d("AOO604", 5)],
            queries=[q(good, "train-ai", "disallowed"), q(bad, "search", "disallowed")],
        )

    # R-15-2: a later minor version is read by these rules; what it adds is ignored.
    s.add(
        "fields/later-minor-version-is-read",
        "A declaration of version 1.7 is read by the rules of 1.x",
        ["R-15-2", "R-5.1-21"], "must",
        text="AIOptOut-Version: 1.7\nFuture-Field: x\nUser-agent: *\nAllow: /\n"
        "Content-Usage: train-ai=n, future-label=y\n",
        valid=True, errors=[],
        queries=[q("/x", "train-ai", "disallowed"), q("/x", "search", "unknown")],
    )


# --- requirement anchors split for one BCP 14 keyword per sentence (spec §1.2) ---------------

#: (old anchor, anchor of the reader sentence split off it).  The reader sentence is cited by
#: every generated case that cites the old anchor at level "must" and evaluates answers, since
#: those cases observe the reader's behaviour; R-7.2-24 (parameters) only where one is written.
_SPLIT_READER_ANCHORS: tuple[tuple[str, str], ...] = (
    ("R-3-3", "R-3-21"),
    ("R-3-4", "R-3-22"),
    ("R-3-5", "R-3-23"),
    ("R-3-5", "R-3-24"),
    ("R-3-6", "R-3-25"),
    ("R-4-1", "R-4-21"),
    ("R-4-3", "R-4-22"),
    ("R-4-5", "R-4-24"),
    ("R-5-3", "R-5-21"),
    ("R-5.1-3", "R-5.1-21"),
    ("R-6-1", "R-6-23"),
    ("R-6-2", "R-6-21"),
    ("R-6-7", "R-6-22"),
    ("R-7.1-1", "R-7.1-21"),
    ("R-7.1-2", "R-7.1-22"),
    ("R-7.1-3", "R-7.1-23"),
    ("R-7.1-4", "R-7.1-24"),
    ("R-7.1-6", "R-7.1-25"),
    ("R-7.1-8", "R-7.1-26"),
    ("R-7.2-1", "R-7.2-21"),
    ("R-7.2-3", "R-7.2-22"),
    ("R-7.2-4", "R-7.2-23"),
    ("R-7.2-4", "R-7.2-24"),
    ("R-7.2-5", "R-7.2-25"),
    ("R-7.3-1", "R-7.3-21"),
    ("R-8-3", "R-8-21"),
    ("R-8-4", "R-8-22"),
    ("R-9-2", "R-9-21"),
    ("R-9-3", "R-9-22"),
    ("R-9-4", "R-9-23"),
)


def _split_anchors(s: Suite) -> None:
    for case in s.cases.values():
        if case["level"] != "must" or "evaluate" not in case:
            continue
        for old, new in _SPLIT_READER_ANCHORS:
            if old not in case["spec"] or new in case["spec"]:
                continue
            if new == "R-7.2-24" and ";" not in case["input"].get("text", ""):
                continue
            case["spec"].insert(case["spec"].index(old) + 1, new)


def build() -> dict[str, dict[str, Any]]:
    """Every generated case by ID, in a fixed order."""
    s = Suite()
    for family in (_syntax, _fields, _groups, _paths, _usage, _catalogue, _combination,
                   _encoding, _diagnostics, _agent_tokens, _caps, _aipref_precision):
        family(s)
    _split_anchors(s)
    return s.cases


def render(case: dict[str, Any]) -> str:
    return json.dumps(case, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="cases directory")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare instead of writing")
    mode.add_argument("--list", action="store_true", help="print the generated IDs")
    parser.add_argument("--force", action="store_true", help="replace differing files")
    args = parser.parse_args(argv)
    cases = build()
    if args.list:
        for cid in cases:
            print(cid)
        return 0
    problems = 0
    written = 0
    for cid, case in cases.items():
        path = args.cases / f"{cid}.json"
        text = render(case)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        if args.check:
            print(f"{cid}: {'missing' if current is None else 'differs from the generator'}")
            problems += 1
        elif current is not None and not args.force:
            print(f"{cid}: exists with other content; edit the table or use --force")
            problems += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written += 1
    print(f"{len(cases)} generated cases, {written} written, {problems} problems",
          file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
