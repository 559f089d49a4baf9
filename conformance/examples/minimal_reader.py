#!/usr/bin/env python3
"""A deliberately minimal reader of aioptout declarations, version 1: a second opinion.

Written from the text of spec/aioptout.md alone (and its Appendix A code table), without
looking at or importing the reference implementation, to show that the spec is enough to build
a reader and to catch places where the reference implementation and the spec part ways.

It speaks the conformance protocol (conformance/README.md): one JSON request on stdin, one JSON
response on stdout.  Standard library only, Python 3.9 or later.  Deliberately minimal:
  - it reports only error-severity diagnostics (MUST / MUST NOT), never warnings, and gives
    every diagnostic column 1;
  - it calls an input "not text" (AOO103, spec §11.2) only when control octets, NUL among them,
    make up more than a quarter of its first 8 KiB: the spec gives the example "NUL octets
    throughout" but no exact criterion;
  - it is written for clarity, not speed (but its wildcard matching is linear, R-7.1-8).

Usage:  python conformance/run.py --impl "python3 conformance/examples/minimal_reader.py"
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import re
import sys
from urllib.parse import urlsplit

# --- §3 Encoding and limits ------------------------------------------------------------------
MAX_FILE = 512_000
MAX_LINE = 16_664
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
SNIFF = 8192
EOL = re.compile(r"\r\n|\r|\n")

# --- §4 Syntax ---------------------------------------------------------------------------------
RECORD = re.compile(r"[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*:[ \t]*(.*?)[ \t]*")
KNOWN = {
    "aioptout-version", "rightsholder", "contact", "licensing", "legal-basis", "issued",
    "expires", "user-agent", "allow", "disallow", "content-usage", "work-usage", "sitemap",
    "crawl-delay",
}
MISSPELLED = {  # R-4-4 (MAY)
    "useragent": "user-agent", "user_agent": "user-agent", "dissallow": "disallow",
    "dissalow": "disallow", "disalow": "disallow", "diasllow": "disallow",
    "disallaw": "disallow", "site-map": "sitemap", "contentusage": "content-usage",
    "content_usage": "content-usage", "workusage": "work-usage", "rightholder": "rightsholder",
    "right-holder": "rightsholder", "rights-holder": "rightsholder", "legalbasis": "legal-basis",
}
DECLARATION_FIELDS = {
    "aioptout-version", "rightsholder", "contact", "licensing", "legal-basis", "issued", "expires",
}
RULES = {"allow", "disallow", "content-usage", "work-usage"}

# --- §8 Usage vocabulary -----------------------------------------------------------------------
CONTAINED_IN = {"train-ai": "train-any", "train-any": "tdm", "ai-input": "tdm",
                "search": "tdm", "tdm": None}

# --- §10.4 and §12.2 the agent registry: purpose class -> labels a Disallow reserves -----------
PURPOSE_LABELS = {"training": ("train-any",), "search": ("search",), "user-fetch": ("ai-input",),
                  "agent": ("ai-input",), "dataset": ("tdm",)}
REGISTRY_FILE = os.environ.get("AIOPTOUT_AGENTS") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "aioptout", "data", "agents.json")


def registry() -> dict:
    """token (lower case) -> (purpose labels, [(control token, labels)]), from the data file."""
    if not hasattr(registry, "cache"):
        with open(REGISTRY_FILE, encoding="utf-8") as handle:
            agents = json.load(handle)["agents"]
        table: dict = {}
        for agent in agents:
            labels = (tuple(agent["controls"]) if agent["purpose"] == "control"
                      else PURPOSE_LABELS.get(agent["purpose"], ()))
            table.setdefault(agent["token"].lower(), [labels, []])[0] = labels
            if agent["purpose"] == "control":
                for governed in agent["governs"]:
                    entry = table.setdefault(governed.lower(), [(), []])
                    entry[1].append((agent["token"], tuple(agent["controls"])))
        registry.cache = table
    return registry.cache


def reserved_by(labels, usage: str) -> bool:
    """R-10.4-3/4: usage is one of the labels or contained in one of them."""
    label = usage
    while label is not None:
        if label in labels:
            return True
        label = CONTAINED_IN[label]
    return False


# --- §9 Work identifiers -----------------------------------------------------------------------
SCHEMES = ("isrc", "iswc", "gtin", "upc", "ean", "isni", "doi", "isbn")
# R-9-1 aliases, mapped to the scheme whose width they use.
ALIASES = {"ean13": "ean", "gtin13": "ean", "gtin14": "gtin", "isbn10": "isbn", "isbn13": "isbn"}


class Reader:
    def __init__(self, data: bytes) -> None:
        self.errors: list[tuple[str, int]] = []
        self.groups: list[dict] = []
        self.fields: dict[str, tuple[str, int]] = {}
        self.expires: datetime.datetime | None = None
        self.issued: datetime.datetime | None = None
        self._read(data)

    def error(self, code: str, line: int) -> None:
        self.errors.append((code, line))

    # §3
    def _lines(self, data: bytes) -> list[str]:
        head = data[:SNIFF]
        controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0D))
        if b"\x00" in head and controls * 4 > len(head):
            self.error("AOO103", 1)  # §11.2: not text, so a declaration without records
            return []
        if len(data) > MAX_FILE:
            kept = data[:MAX_FILE]
            cut = max(kept.rfind(b"\n"), kept.rfind(b"\r"))
            # A CR LF split by the limit still ends its line at the CR.
            data = kept[: cut + 1]
            self.error("AOO106", len(EOL.split(data.decode("utf-8", "surrogateescape"))))
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        text = data.decode("utf-8", "surrogateescape")
        lines = EOL.split(text)
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()
        out = []
        for number, line in enumerate(lines, 1):
            raw = line.encode("utf-8", "surrogateescape")
            if len(raw) > MAX_LINE:
                self.error("AOO107", number)
                line = raw[:MAX_LINE].decode("utf-8", "ignore")  # whole characters only
            for char in line:  # §11.2: once per octet
                if "\udc80" <= char <= "\udcff":
                    self.error("AOO101", number)
                elif CONTROL.match(char):
                    self.error("AOO102", number)
            out.append(line.split("\x00", 1)[0])  # R-3-8
        return out

    # §4 to §7
    def _read(self, data: bytes) -> None:
        group: dict | None = None
        after_rule = False
        for number, line in enumerate(self._lines(data), 1):
            body = line.split("#", 1)[0]
            if not body.strip(" \t"):
                continue
            match = RECORD.fullmatch(body)
            if not match:
                self.error("AOO201", number)
                continue
            name = match.group(1).lower()
            name = MISSPELLED.get(name, name)
            value = match.group(2)
            if name not in KNOWN:
                continue  # R-4-3
            if name in RULES and group is None:
                self.error("AOO402", number)
                continue
            if not value and name not in ("allow", "disallow"):
                self.error("AOO204", number)
                continue
            if name in DECLARATION_FIELDS:
                self._field(name, value, number)
            elif name == "user-agent":
                if group is None or after_rule:
                    group = {"line": number, "agents": [], "crawl": [], "usage": [], "work": [],
                             "has_crawl_rule": False}
                    self.groups.append(group)
                    after_rule = False
                group["agents"].append(self._agent(value, number))
            elif name in RULES:
                assert group is not None
                after_rule = True
                getattr(self, "_" + name.replace("-", "_"))(group, value, number)
        for g in self.groups:
            if not g["has_crawl_rule"]:
                self.error("AOO403", g["line"])
        if "aioptout-version" not in self.fields:
            self.error("AOO301", 1)

    # §5
    def _field(self, name: str, value: str, number: int) -> None:
        if name in self.fields:
            self.error("AOO302" if name == "aioptout-version" else "AOO306", number)
            return
        self.fields[name] = (value, number)
        if name == "aioptout-version" and not re.fullmatch(r"1(\.[0-9]+)?", value):
            self.error("AOO303", number)
        elif name == "contact":
            parts = urlsplit(value)
            ok = (parts.scheme.lower() == "mailto" and "@" in parts.path) or (
                parts.scheme.lower() in ("http", "https") and parts.netloc
            )
            if not ok:
                self.error("AOO307", number)
        elif name == "licensing":
            parts = urlsplit(value)
            if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
                self.error("AOO308", number)
        elif name in ("issued", "expires"):
            instant = parse_date(value)
            if instant is None:
                self.error("AOO310", number)
                return
            setattr(self, name, instant)
            if self.issued and self.expires and self.expires <= self.issued:
                self.error("AOO311", self.fields["expires"][1])

    # §6
    def _agent(self, value: str, number: int) -> str:
        if value == "*" or re.fullmatch(r"[A-Za-z0-9_-]+", value):
            return value
        self.error("AOO401", number)
        if re.match(r"\*[ \t]", value):
            return "*"
        return re.match(r"[A-Za-z0-9_-]*", value).group()

    # §7.1
    def _allow(self, group: dict, value: str, number: int, allow: bool = True) -> None:
        group["has_crawl_rule"] = True
        if not value:
            return
        if value[0] not in "/*":
            self.error("AOO501", number)
            return
        group["crawl"].append((normalise(value, pattern=True), allow))

    def _disallow(self, group: dict, value: str, number: int) -> None:
        self._allow(group, value, number, allow=False)

    # §7.2
    def _content_usage(self, group: dict, value: str, number: int) -> None:
        # R-7.2-26: no path is the empty pattern, which every path matches with length 0.
        path, pref = "", value
        if value.startswith("/"):
            split = re.match(r"([^ \t]*)[ \t]*(.*)", value)
            path, pref = split.group(1), split.group(2)
        group["usage"].append((normalise(path, pattern=True), preferences(pref)))

    # §7.3 and §9
    def _work_usage(self, group: dict, value: str, number: int) -> None:
        parts = re.split(r"[ \t]+", value, maxsplit=1)
        if len(parts) != 2 or not parts[1]:
            self.error("AOO601", number)
            return
        pattern, code = work_pattern(parts[0])
        if code:
            self.error(code, number)
        if pattern is not None:
            group["work"].append((pattern, preferences(parts[1])))

    # §10
    def groups_for(self, agent: str) -> list[dict]:
        groups = [g for g in self.groups if any(a.lower() == agent.lower() for a in g["agents"])]
        return groups or [g for g in self.groups if "*" in g["agents"]]

    def crawl(self, groups: list[dict], path: str) -> str:
        if path in ("/robots.txt", "/.well-known/aioptout.txt"):
            return "allowed"
        hits = [(len(p), allow) for g in groups for p, allow in g["crawl"] if matches(p, path)]
        if not hits:
            return "allowed"
        longest = max(n for n, _ in hits)
        return "allowed" if any(a for n, a in hits if n == longest) else "disallowed"

    def evaluate(self, agent: str, target: str, usage: str, now: datetime.datetime) -> str:
        groups = self.groups_for(agent)
        expired = self.expires is not None and now >= self.expires
        scheme = target.split(":", 1)[0].lower() if ":" in target else ""
        if scheme in SCHEMES or scheme in ALIASES:  # R-10.1-2
            if usage == "crawl":
                return "unknown"
            work = work_id(target)
            if work is None or expired:
                return "unknown"
            rules = [(p, prefs) for g in groups for p, prefs in g["work"] if p.matches(work)]
            if not rules:
                return "unknown"
            best = max(p.specificity for p, _ in rules)
            return combine(resolve(prefs, usage) for p, prefs in rules if p.specificity == best)
        path = normalise(url_path(target))
        crawl = self.crawl(groups, path)
        if usage == "crawl":
            return crawl
        if expired:
            return "unknown"
        purpose, controls = registry().get(agent.lower(), ((), []))
        answers = []
        if crawl == "disallowed":  # R-10.4-1 and R-10.4-3
            answers.append("disallowed" if reserved_by(purpose, usage) else "unknown")
        else:  # R-10.4-2
            rules = [(p, prefs) for g in groups for p, prefs in g["usage"] if matches(p, path)]
            if rules:
                longest = max(len(p) for p, _ in rules)
                answers.extend(resolve(prefs, usage) for p, prefs in rules if len(p) == longest)
        for token, labels in controls:  # R-10.4-4
            if reserved_by(labels, usage) and self.crawl(self.groups_for(token), path) == \
                    "disallowed":
                answers.append("disallowed")
        return combine(answers)  # R-10.4-5


def parse_date(value: str) -> datetime.datetime | None:
    """R-5.6-1: an RFC 3339 full-date (00:00:00 UTC) or a date-time with an offset."""
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            day = datetime.date.fromisoformat(value)
            return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?"
                        r"([Zz]|[+-][0-9]{2}:[0-9]{2})", value):
            text = value.upper().replace("Z", "+00:00")
            # R-5.6-7/8: second 60 is read as second 59, and only in the UTC minute 23:59.
            leap = text[17:19] == "60"
            if leap:
                text = text[:17] + "59" + text[19:]
            head, _, tail = text.partition(".")
            if tail:  # fromisoformat before 3.11 takes at most 6 fraction digits
                digits = re.match(r"[0-9]+", tail).group()
                text = head + "." + (digits + "000000")[:6] + tail[len(digits):]
            moment = datetime.datetime.fromisoformat(text).astimezone(datetime.timezone.utc)
            if leap and (moment.hour, moment.minute) != (23, 59):
                return None
            return moment
    except ValueError:
        return None
    return None


# --- §7.1 path patterns ------------------------------------------------------------------------
UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# §7.1 step 3: kept as written besides the unreserved characters ("[", "]", "#" are encoded).
RESERVED = set("!&'()+,;=:@/?*")  # '*' reaches here only in a pattern (step 4)


def normalise(text: str, pattern: bool = False) -> str:
    """R-7.1-6: encode what is neither unreserved nor reserved, decode encoded unreserved.
    R-7.1-9: '*' and '$' compare as %2A and %24, except a pattern's '*' and final '$'."""
    anchored = pattern and text.endswith("$")
    if anchored:
        text = text[:-1]
    text = text.replace("$", "%24")
    if not pattern:
        text = text.replace("*", "%2A")
    raw = text.encode("utf-8", "surrogateescape")
    out = []
    i = 0
    while i < len(raw):
        byte = raw[i]
        if byte == 0x25 and re.fullmatch(rb"[0-9A-Fa-f]{2}", raw[i + 1 : i + 3]):
            octet = int(raw[i + 1 : i + 3], 16)
            out.append(chr(octet) if chr(octet) in UNRESERVED else "%%%02X" % octet)
            i += 3
            continue
        char = chr(byte)
        out.append(char if byte < 0x80 and (char in UNRESERVED or char in RESERVED)
                   else "%%%02X" % byte)
        i += 1
    return "".join(out) + ("$" if anchored else "")


def matches(pattern: str, path: str) -> bool:
    """R-7.1-7 in linear time (R-7.1-8): split on '*', find the pieces left to right."""
    anchored = pattern.endswith("$")
    if anchored:
        pattern = pattern[:-1]
    pieces = pattern.split("*")
    if not path.startswith(pieces[0]):
        return False
    if len(pieces) == 1:
        return not anchored or path == pieces[0]
    position = len(pieces[0])
    for piece in pieces[1:-1]:
        found = path.find(piece, position)
        if found < 0:
            return False
        position = found + len(piece)
    last = pieces[-1]
    if anchored:
        return len(path) - len(last) >= position and path.endswith(last)
    return path.find(last, position) >= 0


def url_path(target: str) -> str:
    """R-7.1-7: the path, parameters and query of a URL, without the fragment; '/' if empty."""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", target):
        parts = urlsplit(target)
        path = (parts.path or "/") + ("?" + parts.query if "?" in target.split("#")[0] else "")
        return path
    return target.split("#", 1)[0] or "/"


# --- §7.2 and §8 usage preferences -------------------------------------------------------------
KEY = r"[a-z*][a-z0-9_.*-]*"
BARE_ITEM = (r'(?:-?[0-9]{1,15}(?:\.[0-9]{1,3})?|"(?:[^"\\\x00-\x1f\x7f]|\\["\\])*"'
             r"|[A-Za-z*][A-Za-z0-9!#$%&'*+.^_`|~:/-]*|:[A-Za-z0-9+/=]*:|\?[01]"
             r'|@-?[0-9]{1,15}|%"(?:[^"\x00-\x1f\x7f]|\\")*")')
PARAMS = rf"(?:;[ ]*{KEY}(?:={BARE_ITEM})?)*"
INNER_LIST = rf"\((?:[ ]*{BARE_ITEM}{PARAMS}(?:[ ]+{BARE_ITEM}{PARAMS})*)?[ ]*\)"
MEMBER = re.compile(rf"({KEY})(?:=({BARE_ITEM}|{INNER_LIST}))?({PARAMS})")


def preferences(text: str) -> dict[str, str]:
    """An RFC 9651 Dictionary → {label: 'allowed'|'disallowed'}; {} when it does not parse."""
    text = text.strip(" ")
    values: dict[str, str | None] = {}
    position = 0
    while position < len(text):
        match = MEMBER.match(text, position)
        if not match:
            return {}
        values[match.group(1)] = match.group(2)  # a repeated key keeps its last value
        position = match.end()
        separator = re.match(r"[ \t]*,[ \t]*", text[position:])
        if separator is None:
            if position != len(text):
                return {}
            break
        position += separator.end()
        if position == len(text):
            return {}  # trailing comma
    said = {k: ("allowed" if v == "y" else "disallowed") for k, v in values.items()
            if v in ("y", "n")}
    return by_revision(said)


# --- §8.1 labels of earlier aipref revisions (the table's data file) -------------------------
REVISIONS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                              "aioptout", "data", "aipref_revisions.json")
EXTENSIONS = {"train-any", "ai-input", "tdm"}


def revisions() -> tuple[list[dict], dict]:
    if not hasattr(revisions, "cache"):
        with open(REVISIONS_FILE, encoding="utf-8") as handle:
            doc = json.load(handle)
        current = next(r for r in doc["revisions"] if r["name"] == doc["current"])
        revisions.cache = (doc["revisions"], current)
    return revisions.cache


def covers(labels) -> set:
    """The labels and every label they contain."""
    return {label for label in CONTAINED_IN if reserved_by(labels, label)}


def by_revision(said: dict[str, str]) -> dict[str, str]:
    """R-8-23 to R-8-26 on one preference's y/n members."""
    revs, current = revisions()
    known = {label for r in revs for label in r["labels"]}
    aipref_keys = [k for k in said if k in known and k not in EXTENSIONS]
    if all(k in current["labels"] for k in aipref_keys):  # R-8-23
        return {k: v for k, v in said.items() if k in CONTAINED_IN}
    fitting = [r for r in revs if all(k in r["labels"] for k in aipref_keys)]  # R-8-24
    out: dict[str, str] = {}

    def put(label: str, value: str) -> None:  # R-10.6-1 within the preference
        if out.get(label) != "disallowed":
            out[label] = value

    older = set()
    for key in aipref_keys:
        if fitting:
            by = fitting
        elif key in current["labels"]:
            continue  # R-8-25: a vocab-07 label keeps its meaning
        else:
            by = [r for r in revs if key in r["labels"]][-1:]
        older.add(key)
        value = said[key]
        if value == "disallowed":  # R-8-26
            targets = set()
            for r in by:
                entry = r["labels"][key]
                targets |= covers(entry["within"] + entry["overlaps"])
        else:
            sets = [covers(r["labels"][key]["within"]) for r in by]
            targets = set.intersection(*sets)
        for label in targets:
            if CONTAINED_IN[label] not in targets:  # only the maximal labels of the set
                put(label, value)
    for key, value in said.items():
        if key in CONTAINED_IN and key not in older:
            put(key, value)
    return out


def resolve(prefs: dict[str, str], usage: str) -> str:
    """R-8-2: the nearest containing label that the preference mentions."""
    label: str | None = usage
    while label is not None:
        if label in prefs:
            return prefs[label]
        label = CONTAINED_IN[label]
    return "unknown"


def combine(values) -> str:
    """R-10.6-1: any disallowed wins, else any allowed, else unknown."""
    values = list(values)
    if "disallowed" in values:
        return "disallowed"
    return "allowed" if "allowed" in values else "unknown"


# --- §9 work identifiers -----------------------------------------------------------------------
def gs1_ok(digits: str) -> bool:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == int(digits[-1])


def isbn13_check(twelve: str) -> str:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(twelve))
    return str((10 - total % 10) % 10)


def canonical(scheme: str, value: str, prefix: bool) -> tuple[str | None, bool]:
    """(canonical value or None if the syntax is wrong, check character correct)."""
    if scheme == "isrc":
        v = value.replace("-", "").upper()
        full = r"[A-Z]{2}[A-Z0-9]{3}[0-9]{7}"
        ok = re.fullmatch(full, v) if not prefix else prefix_of(v, [
            r"[A-Z]", r"[A-Z]", *[r"[A-Z0-9]"] * 3, *[r"[0-9]"] * 7])
        return (v if ok else None), True
    if scheme == "iswc":
        v = re.sub(r"[-.]", "", value).upper()
        if prefix:
            return (v if prefix_of(v, ["T", *[r"[0-9]"] * 10]) else None), True
        if not re.fullmatch(r"T[0-9]{10}", v):
            return None, True
        total = 1 + sum(i * int(d) for i, d in enumerate(v[1:10], 1))
        return v, (10 - total % 10) % 10 == int(v[10])
    if scheme in ("gtin", "upc", "ean"):
        v = value.replace("-", "").replace(" ", "")
        if not re.fullmatch(r"[0-9]+", v):
            return None, True
        if prefix:
            width = {"upc": 12, "ean": 13, "gtin": 14}[scheme]
            return (("0" * (14 - width) + v) if len(v) <= width else None), True
        if len(v) not in (12, 13, 14):
            return None, True
        return v.zfill(14), gs1_ok(v)
    if scheme == "isni":
        v = value.replace(" ", "").replace("-", "").upper()
        if prefix:
            return (v if prefix_of(v, [*[r"[0-9]"] * 15, r"[0-9X]"]) else None), True
        if not re.fullmatch(r"[0-9]{15}[0-9X]", v):
            return None, True
        p = 0
        for d in v[:15]:
            p = (p + int(d)) * 2
        r = (12 - p % 11) % 11
        return v, ("X" if r == 10 else str(r)) == v[15]
    if scheme == "doi":
        v = "".join(c.lower() if c.isascii() else c for c in value)
        full = re.fullmatch(r"10\.[^/\s]+/\S+", v)
        ok = full or (prefix and re.fullmatch(r"1|10|10\.[^/\s]*|10\.[^/\s]+/\S*", v))
        return (v if ok else None), True
    if scheme == "isbn":
        v = value.replace("-", "").replace(" ", "").upper()
        if prefix:  # §9 canonical prefixes: not 978/979 (or a prefix of them) is ISBN-10
            if v[:3] in ("978", "979") or v in ("", "9", "97"):
                return (v if re.fullmatch(r"[0-9]{0,12}", v) else None), True
            return ("978" + v if re.fullmatch(r"[0-9]{1,9}", v) else None), True
        if re.fullmatch(r"97[89][0-9]{10}", v):
            return v, isbn13_check(v[:12]) == v[12]
        if re.fullmatch(r"[0-9]{9}[0-9X]", v):
            total = sum((10 - i) * int(d) for i, d in enumerate(v[:9]))
            check = (11 - total % 11) % 11
            ok = ("X" if check == 10 else str(check)) == v[9]
            twelve = "978" + v[:9]
            return twelve + isbn13_check(twelve), ok
        return None, True
    return None, True


def prefix_of(value: str, classes: list[str]) -> bool:
    return len(value) <= len(classes) and all(
        re.fullmatch(c, ch) for c, ch in zip(classes, value))


class WorkPattern:
    def __init__(self, scheme: str, value: str, exact: bool) -> None:
        self.key = ("gtin" if scheme in ("upc", "ean") else scheme) + ":" + value
        self.exact = exact
        # §9: more canonical characters is more specific; exact beats prefix at equal length.
        self.specificity = (len(value), 1 if exact else 0)

    def matches(self, work: str) -> bool:
        return work == self.key if self.exact else work.startswith(self.key)


def work_pattern(text: str) -> tuple[WorkPattern | None, str | None]:
    scheme, _, value = text.partition(":")
    scheme = ALIASES.get(scheme.lower(), scheme.lower())
    if scheme not in SCHEMES:
        return None, "AOO602"
    star = value.endswith("*")
    body = value[:-1] if star else value
    if "*" in body:
        return None, "AOO605"
    canon, check_ok = canonical(scheme, body, star)
    if canon is None:
        return None, "AOO603"
    return WorkPattern(scheme, canon, not star), (None if check_ok else "AOO604")


def work_id(target: str) -> str | None:
    scheme, _, value = target.partition(":")
    scheme = ALIASES.get(scheme.lower(), scheme.lower())
    canon, _ = canonical(scheme, value, False)
    if canon is None:
        return None
    return ("gtin" if scheme in ("upc", "ean") else scheme) + ":" + canon


# --- the protocol ------------------------------------------------------------------------------
def answer(request: dict) -> dict:
    source = request["input"]
    data = source["text"].encode("utf-8", "surrogatepass") if "text" in source \
        else base64.b64decode(source["base64"])
    now = parse_date(request["now"])
    reader = Reader(data)
    if request["mode"] == "validate":
        # Spec §11.3: per code, the first 50 by position, then the summary at the 51st.
        shown: dict[str, int] = {}
        errors = []
        for code, number in sorted(reader.errors, key=lambda error: error[1]):
            shown[code] = shown.get(code, 0) + 1
            if shown[code] <= 51:
                errors.append((code, number))
        return {
            "valid": not reader.errors,
            "diagnostics": [{"code": c, "severity": "error", "line": n, "column": 1}
                            for c, n in errors],
        }
    return {"results": [reader.evaluate(q["agent"], q["target"], q["usage"], now)
                        for q in request["queries"]]}


def main() -> int:
    try:
        request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        if request.get("protocol") != 1 or request.get("mode") not in ("validate", "evaluate"):
            raise ValueError("unsupported protocol or mode")
    except (ValueError, AttributeError) as exc:
        sys.stdout.write(json.dumps({"error": str(exc)}) + "\n")
        return 2
    sys.stdout.write(json.dumps(answer(request)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
