"""Lenient parsing: every parseable line is used and every problem is a positioned diagnostic."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioptout import parse
from aioptout._limits import MAX_FILE_BYTES, MAX_LINE_BYTES
from aioptout.model import Declaration, RuleKind, Severity, Value

HEAD = "AIOptOut-Version: 1\n"


def codes(decl: Declaration) -> list[tuple[str, int]]:
    return [(d.code, d.line) for d in decl.diagnostics]


def test_empty_file_reports_missing_version_and_has_no_groups() -> None:
    # [R-5.1-1] A declaration MUST contain an AIOptOut-Version record.
    decl = parse(b"")
    assert codes(decl) == [("AOO301", 1)]
    assert decl.groups == ()


def test_comments_only_is_like_empty() -> None:
    decl = parse("# nothing here\n   # indented\n\n")
    assert codes(decl) == [("AOO301", 1)]


def test_binary_data_is_reported_once_not_line_by_line() -> None:
    # [R-3-1] A declaration MUST be encoded in UTF-8: a PNG is not a declaration.
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    decl = parse(data)
    assert ("AOO103", 1) in codes(decl)
    assert decl.groups == ()
    assert len(decl.diagnostics) <= 3


def test_nul_byte_in_a_text_line_is_positioned_and_the_line_ends_there() -> None:
    # [R-3-2] A line MUST NOT contain control characters other than horizontal tab; [R-3-8]
    # a reader ends the line at a NUL, as Google's robots.txt parser does.
    decl = parse(HEAD + "User-agent: *\nDisallow: /a\x00b\n")
    diag = next(d for d in decl.diagnostics if d.code == "AOO102")
    assert (diag.line, diag.column) == (3, 13)
    assert decl.groups[0].rules[0].pattern == "/a"


def test_invalid_utf8_position_is_reported_and_rest_still_parsed() -> None:
    # [R-3-7] A reader MUST go on reading the rest of the file, keeping each invalid octet.
    data = (HEAD + "User-agent: *\nDisallow: /caf").encode() + b"\xe9/\nAllow: /ok\n"
    decl = parse(data)
    diag = next(d for d in decl.diagnostics if d.code == "AOO101")
    assert (diag.line, diag.column) == (3, 15)
    rules = decl.groups[0].rules
    assert [r.pattern for r in rules] == ["/caf%E9/", "/ok"]
    assert decl.evaluate("x", "/caf%e9/menu", "crawl").value is Value.DISALLOWED


def test_latin1_text_is_bridged_octet_for_octet() -> None:
    data = "AIOptOut-Version: 1\nRightsholder: Société Générale\n".encode("latin-1")
    decl = parse(data)
    assert [(d.code, d.line, d.column) for d in decl.diagnostics] == [
        ("AOO101", 2, c) for c in (19, 21, 24, 26)
    ]
    assert decl.rightsholder is not None and decl.rightsholder.startswith("Soci")


def test_bom_is_skipped_and_first_line_kept() -> None:
    # [R-3-3] A reader MUST ignore a byte order mark at the start.
    decl = parse(b"\xef\xbb\xbf" + HEAD.encode() + b"User-agent: *\nDisallow: /\n")
    assert decl.version == "1"
    assert codes(decl) == [("AOO104", 1)]
    assert decl.diagnostics[0].severity is Severity.WARNING


@pytest.mark.parametrize("eol", ["\r", "\n", "\r\n"])
def test_every_line_ending_gives_the_same_declaration(eol: str) -> None:
    # [R-3-4] A reader MUST accept all three, also mixed.
    text = eol.join([HEAD.strip(), "User-agent: a", "Disallow: /x", "Allow: /x/y"]) + eol
    decl = parse(text)
    assert decl.diagnostics == ()
    assert [(r.kind, r.pattern) for r in decl.groups[0].rules] == [
        (RuleKind.DISALLOW, "/x"),
        (RuleKind.ALLOW, "/x/y"),
    ]


def test_mixed_line_endings_are_read_and_warned_once() -> None:
    decl = parse("AIOptOut-Version: 1\r\nUser-agent: *\nDisallow: /a\rAllow: /b\n")
    assert [d.code for d in decl.diagnostics] == ["AOO105"]
    assert decl.diagnostics[0].line == 2
    assert len(decl.groups[0].rules) == 2


def test_ten_megabyte_file_is_truncated_at_the_limit_with_bounded_memory() -> None:
    # [R-3-5] A reader MUST ignore the line that crosses 512,000 octets and everything after it.
    line = "Disallow: /private/section/page-0000000\n"
    data = (HEAD + "User-agent: *\n" + line * (10_000_000 // len(line))).encode()
    tracemalloc.start()
    decl = parse(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    too_large = [d for d in decl.diagnostics if d.code == "AOO106"]
    assert len(too_large) == 1
    kept = sum(len(g.rules) for g in decl.groups)
    assert kept == (MAX_FILE_BYTES - len(HEAD) - len("User-agent: *\n")) // len(line)
    assert too_large[0].line == kept + 3
    # Memory grows with what is kept (≤ 500 KiB of input), not with the 10 MB given.
    assert peak < 40 * MAX_FILE_BYTES


def test_100_kb_line_is_truncated_to_the_line_limit() -> None:
    # [R-3-6] A reader MUST truncate a longer line to whole UTF-8 characters within 16,664 octets.
    long_path = "/" + "ä" * 50_000
    decl = parse(HEAD + "User-agent: *\nDisallow: " + long_path + "\nAllow: /x\n")
    diag = next(d for d in decl.diagnostics if d.code == "AOO107")
    assert diag.line == 3
    rule = decl.groups[0].rules[0]
    assert len(("Disallow: " + rule.raw).encode()) <= MAX_LINE_BYTES
    assert decl.groups[0].rules[1].pattern == "/x"


def test_unknown_fields_are_ignored_with_a_warning() -> None:
    # [R-4-3] A reader MUST ignore a record whose field name is not known.
    decl = parse(HEAD + "User-agent: *\nNoindex: /x\nDisallow: /y\n")
    assert codes(decl) == [("AOO202", 3)]
    assert [r.pattern for r in decl.groups[0].rules] == ["/y"]


def test_misspelled_field_is_accepted_as_the_field() -> None:
    # spec §4.3: "A reader MAY accept the misspellings ... `dissallow` ... as the fields they
    # resemble" [R-4-23] (every listed one: test_every_listed_misspelling_is_read_as_its_field).
    # [R-4-4] A reader MAY accept the misspelling dissallow as disallow.
    decl = parse(HEAD + "User-agent: *\nDissallow: /y\n")
    assert codes(decl) == [("AOO203", 3)]
    assert decl.groups[0].rules[0].kind is RuleKind.DISALLOW


def test_field_names_are_case_insensitive() -> None:
    # [R-4-2] A reader MUST compare field names case-insensitively.
    decl = parse("aioptout-VERSION: 1\nUSER-AGENT: x\nDISALLOW: /\n")
    assert decl.diagnostics == ()
    assert decl.groups[0].agents == ("x",)


def test_rules_outside_any_group_are_ignored() -> None:
    # [R-6-2] A reader MUST ignore a rule that appears before the first User-agent record.
    decl = parse(HEAD + "Disallow: /\nContent-Usage: train-ai=n\nUser-agent: *\nAllow: /\n")
    assert codes(decl) == [("AOO402", 2), ("AOO402", 3)]
    assert decl.evaluate("x", "/", "crawl").value is Value.ALLOWED


def test_declaration_field_inside_a_group_still_applies_with_a_warning() -> None:
    # [R-5-2] A writer SHOULD place declaration fields before the first User-agent record.
    decl = parse(HEAD + "User-agent: *\nContact: mailto:a@b.example\nAllow: /\n")
    assert codes(decl) == [("AOO305", 3)]
    assert decl.contact == "mailto:a@b.example"


def test_duplicate_version_lines_keep_the_first() -> None:
    # [R-5.1-2] MUST NOT contain more than one AIOptOut-Version record.
    decl = parse("AIOptOut-Version: 1\nAIOptOut-Version: 2\n")
    assert codes(decl) == [("AOO302", 2)]
    assert decl.version == "1"


@pytest.mark.parametrize("value", ["2", "one", "1.x", "01x"])
def test_unsupported_version_value(value: str) -> None:
    # [R-5.1-3] The version value MUST be 1 or 1.N.
    decl = parse(f"AIOptOut-Version: {value}\n")
    assert ("AOO303", 1) in codes(decl)


def test_version_not_first_is_a_warning() -> None:
    decl = parse("Rightsholder: X\nAIOptOut-Version: 1.2\n")
    assert codes(decl) == [("AOO304", 2)]


def test_duplicate_declaration_field_keeps_first() -> None:
    # [R-5-3] Each declaration field MUST appear at most once; a reader MUST use the first.
    decl = parse(HEAD + "Rightsholder: A\nRightsholder: B\n")
    assert codes(decl) == [("AOO306", 3)]
    assert decl.rightsholder == "A"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("Contact", "rights@example.com", "AOO307"),
        ("Contact", "ftp://example.com/", "AOO307"),
        ("Licensing", "mailto:a@b.example", "AOO308"),
        ("Licensing", "/relative/page", "AOO308"),
        ("Legal-Basis", "because", "AOO309"),
        ("Issued", "2026-13-01", "AOO310"),
        ("Expires", "next year", "AOO310"),
        ("Issued", "2026-01-01T10:00:00", "AOO310"),
    ],
)
def test_bad_field_values(field: str, value: str, code: str) -> None:
    decl = parse(f"{HEAD}{field}: {value}\n")
    assert codes(decl) == [(code, 2)]


def test_dates_parse_to_utc_instants() -> None:
    decl = parse(HEAD + "Issued: 2026-01-15\nExpires: 2027-01-15T12:00:00+02:00\n")
    assert decl.issued == dt.datetime(2026, 1, 15, tzinfo=dt.UTC)
    assert decl.expires == dt.datetime(2027, 1, 15, 10, tzinfo=dt.UTC)


def test_empty_value_is_ignored_except_for_allow_and_disallow() -> None:
    # [R-4-5] Every record except Allow and Disallow MUST have a non-empty value.
    decl = parse(HEAD + "Rightsholder:\nUser-agent: *\nDisallow:\n")
    assert codes(decl) == [("AOO204", 2)]
    assert decl.groups[0].crawl_lines == (4,)
    assert decl.groups[0].rules == ()


def test_invalid_product_token_keeps_its_leading_run() -> None:
    # [R-6-1] A reader MUST use the longest leading run of product-token characters.
    decl = parse(HEAD + "User-agent: GPTBot/1.1\nDisallow: /\n")
    assert codes(decl) == [("AOO401", 2)]
    assert decl.evaluate("GPTBot", "/", "crawl").value is Value.DISALLOWED


def test_star_followed_by_text_is_the_wildcard() -> None:
    decl = parse(HEAD + "User-agent: * everyone\nDisallow: /\n")
    assert codes(decl) == [("AOO401", 2)]
    assert decl.groups[0].agents == ("*",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Train-AI=n", [("AOO511", 3)]),
        ("train-ai = n", [("AOO511", 3)]),
        ("train-ai=n,", [("AOO511", 3)]),
        ("train-ai=no", [("AOO514", 3)]),
        ('train-ai="n"', [("AOO514", 3)]),
        ("bots=n, train-genai=y", [("AOO530", 3), ("AOO530", 3)]),
        ("train-ai=n, foo=n", [("AOO512", 3)]),
        ("train-ai=n;why=x", []),
    ],
)
def test_malformed_content_usage_is_unknown_and_warned(
    value: str, expected: list[tuple[str, int]]
) -> None:
    # [R-7.2-3] a preference that does not parse: every label unknown (a warning, not an error).
    decl = parse(f"{HEAD}User-agent: *\nContent-Usage: {value}\nAllow: /\n")
    assert codes(decl) == expected
    assert all(d.severity is Severity.WARNING for d in decl.diagnostics)


def test_malformed_preference_column_points_into_the_value() -> None:
    decl = parse(HEAD + "User-agent: *\nContent-Usage: /x train-ai=maybe\nAllow: /\n")
    diag = decl.diagnostics[0]
    assert diag.code == "AOO514"
    assert diag.column == len("Content-Usage: /x train-ai=") + 1


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        ("isrc:GB-EMI-03-0001", "AOO603"),
        ("mbid:1234", "AOO602"),
        ("isbn:978-0-306-40615-8", "AOO604"),
        ("iswc:T-034.524.680-2", "AOO604"),
        ("isrc:GB*EMI", "AOO605"),
        ("isrc:G*", "AOO606"),
    ],
)
def test_bad_identifiers(pattern: str, code: str) -> None:
    decl = parse(f"{HEAD}User-agent: *\nAllow: /\nWork-Usage: {pattern} train-ai=n\n")
    assert [c for c, _ in codes(decl)] == [code]


def test_wrong_check_digit_keeps_the_rule() -> None:
    # [R-9-3] a reader MUST keep a rule whose check character is wrong.
    decl = parse(f"{HEAD}User-agent: *\nAllow: /\nWork-Usage: isbn:9780306406158 train-ai=n\n")
    assert len([r for r in decl.groups[0].rules if r.kind is RuleKind.WORK_USAGE]) == 1


def test_work_usage_without_preference_is_ignored() -> None:
    decl = parse(f"{HEAD}User-agent: *\nAllow: /\nWork-Usage: isrc:GBEMI*\n")
    assert codes(decl) == [("AOO601", 4)]


def test_path_pattern_checks() -> None:
    decl = parse(
        HEAD + "User-agent: *\nDisallow: private\nDisallow: *.pdf\nAllow: /a$b\nDisallow: /a b\n"
    )
    assert codes(decl) == [("AOO501", 3), ("AOO502", 4), ("AOO503", 5), ("AOO504", 6)]
    assert [r.pattern for r in decl.groups[0].rules] == ["*.pdf", "/a%24b", "/a%20b"]


def test_content_signal_in_a_declaration_is_flagged() -> None:
    decl = parse(HEAD + "User-agent: *\nContent-Signal: ai-train=no\nAllow: /\n")
    assert codes(decl) == [("AOO701", 3)]


def test_line_that_is_not_a_record() -> None:
    # [R-4-1] a reader MUST ignore any other line and go on with the next.
    decl = parse(HEAD + "User-agent *\n: value\nUser-agent: x\nDisallow: /\n")
    assert codes(decl) == [("AOO201", 2), ("AOO201", 3)]
    assert decl.groups[0].agents == ("x",)


def test_group_structure_follows_rfc9309() -> None:
    decl = parse(
        HEAD
        + "User-agent: a\nUser-agent: b\nSitemap: https://x.example/s.xml\nDisallow: /1\n"
        + "Crawl-delay: 5\nUser-agent: c\nAllow: /\nContent-Usage: train-ai=n\n"
    )
    assert [g.agents for g in decl.groups] == [("a", "b"), ("c",)]
    assert decl.sitemaps == ("https://x.example/s.xml",)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_parse_never_raises_and_positions_lie_inside_the_input(data: bytes) -> None:
    decl = parse(data)
    again = parse(data)
    assert decl.diagnostics == again.diagnostics and decl.groups == again.groups
    lines = max(1, data.count(b"\n") + data.count(b"\r") + 1)
    for diag in decl.diagnostics:
        assert 1 <= diag.line <= lines
        assert diag.column >= 1 and diag.end_column >= diag.column


_DECL_TEXT = st.lists(
    st.sampled_from(
        [
            "AIOptOut-Version: 1",
            "User-agent: *",
            "User-agent: GPTBot",
            "Allow: /",
            "Disallow: /a*b$",
            "Content-Usage: train-ai=n",
            "Content-Usage: /x search=y, tdm=n",
            "Work-Usage: isrc:GBEMI* train-ai=n",
            "Expires: 2020-01-01",
            "# c",
            "",
            "junk",
            "Content-Usage: Train-AI=n",
            "Disallow: /%7Ea",
            "Work-Usage: doi:10.1000/* tdm=n",
        ]
    ),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(_DECL_TEXT, st.sampled_from(["\n", "\r\n", "\r"]))
def test_structured_inputs_are_deterministic_and_in_bounds(lines: list[str], eol: str) -> None:
    text = eol.join(lines)
    decl = parse(text)
    assert decl == parse(text.encode())
    for diag in decl.diagnostics:
        assert 1 <= diag.line <= max(1, len(lines))
    for agent in ("GPTBot", "other"):
        for target in ("/", "/a/b", "/x/1", "isrc:GBEMI0300013", "doi:10.1000/182"):
            for usage in ("crawl", "train-ai", "search", "tdm"):
                assert decl.evaluate(agent, target, usage).value in set(Value)


@pytest.mark.parametrize(("line", "code", "column"), [
    # [R-11-4] positions as Appendix A states them.
    ("Work-Usage: isrc:GBEMI0300013 train-ai=n", None, None),
    ("Work-Usage: ean:4006381333932 train-ai=n", "AOO604", 29),
    ("Work-Usage: iswc:T03452468*1 train-ai=n", "AOO605", 27),
    ("Disallow: *x", "AOO502", 11),
    ("Disallow: /a$b", "AOO503", 13),
    ("Content-Usage: /a train-ai=n, foo=y", "AOO512", 31),
    ("Content-Usage: /a train-ai=no", "AOO514", 28),
    ("Content-Usage: bots=n", "AOO530", 16),
])
def test_positions_follow_appendix_a(line: str, code: str | None, column: int | None) -> None:
    decl = parse(f"{HEAD}User-agent: *\nAllow: /\n{line}\n")
    found = [(d.code, d.line, d.column) for d in decl.diagnostics]
    assert found == ([] if code is None else [(code, 4, column)])


# spec §4.3: "A reader MAY accept the misspellings `useragent`, `user_agent`, `dissallow`,
# `dissalow`, `disalow`, `diasllow`, `disallaw`, `site-map`, `contentusage`, `content_usage`,
# `workusage`, `rightholder`, `right-holder`, `rights-holder` and `legalbasis` as the fields they
# resemble" [R-4-23]: each is read as its field, with AOO203 on its line.
@pytest.mark.parametrize(("misspelt", "field", "value"), [
    ("useragent", "User-agent", "*"), ("user_agent", "User-agent", "*"),
    ("dissallow", "Disallow", "/y"), ("dissalow", "Disallow", "/y"),
    ("disalow", "Disallow", "/y"), ("diasllow", "Disallow", "/y"),
    ("disallaw", "Disallow", "/y"), ("site-map", "Sitemap", "https://e.example/s.xml"),
    ("contentusage", "Content-Usage", "train-ai=n"),
    ("content_usage", "Content-Usage", "train-ai=n"),
    ("workusage", "Work-Usage", "isrc:GBEMI* train-ai=n"),
    ("rightholder", "Rightsholder", "Example Ltd"), ("right-holder", "Rightsholder", "Example Ltd"),
    ("rights-holder", "Rightsholder", "Example Ltd"), ("legalbasis", "Legal-Basis", "eu-dsm-art4"),
])
def test_every_listed_misspelling_is_read_as_its_field(misspelt: str, field: str,
                                                       value: str) -> None:
    def text(name: str) -> str:
        if field in ("Rightsholder", "Legal-Basis", "Sitemap"):
            return HEAD + f"{name}: {value}\n\nUser-agent: *\nAllow: /\n"
        if field == "User-agent":
            return HEAD + f"{name}: {value}\nAllow: /\n"
        return HEAD + f"User-agent: *\nAllow: /\n{name}: {value}\n"

    wrong, right = parse(text(misspelt)), parse(text(field))
    line = next(n for n, row in enumerate(text(misspelt).splitlines(), 1)
                if row.startswith(misspelt + ":"))
    assert ("AOO203", line) in codes(wrong)
    assert "AOO203" not in [c for c, _ in codes(right)]
    assert (wrong.groups, wrong.rightsholder, wrong.legal_basis, wrong.sitemaps) == (
        right.groups, right.rightsholder, right.legal_basis, right.sitemaps)
