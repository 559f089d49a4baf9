"""One declaration → every channel a crawler may read, each saying no more than the declaration.

A publisher writes the aioptout declaration once; ``publish`` derives robots.txt groups (with
aipref ``Content-Usage`` and Cloudflare ``Content-Signal`` lines), ``tdmrep.json``, ``ai.txt``,
HTML ``<meta>`` snippets and the response headers (``Content-Usage``, ``tdm-reservation``,
``X-Robots-Tag``) as configuration for nginx, Apache, Caddy and a ``_headers`` file.  Given the
site's URL, it also writes an RSL 1.0 license document (``license.xml``), named by a robots.txt
``License`` line and a ``Link rel="license"`` header, both of which need absolute URLs.

The invariant (spec §16, R-16-1): served together without the declaration, the channels answer
every (agent, usage, path) question exactly as the declaration does.  robots.txt carries the
declaration's groups line for line, so it answers per agent; every other channel speaks for all
agents at once, so a statement goes into it only where every agent gets the same answer from the
declaration, checked at a probe path for every pattern the declaration writes.  Because
statements combine with "any no wins", a channel that says nothing is always safe; a channel that
says too much is never written, and what a channel could not carry is reported as a diagnostic.
RSL has no "unknown" (a licence licenses every use it does not prohibit), so the RSL document is
decided alone for every agent class and probe path, and written only if it never contradicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from . import _mechanisms as M
from . import diagnostics as D
from . import usage as U
from ._match import compile_pattern
from ._wellknown import AI_TXT_PATH, DECLARATION_PATH, ROBOTS_PATH, TDMREP_PATH
from .agents import Registry, default_registry
from .model import Declaration, Diagnostic, Group, RuleKind, Value

__all__ = ["Channel", "Publication", "publish"]

#: An agent no declaration names: it stands for every unnamed agent (the ``*`` group, or none).
PROBE_AGENT: Final = "AioptoutUnnamedProbe"
#: A path that no declared pattern is meant to single out.
PROBE_PATH: Final = "/aioptout-probe/unlisted"
SECTION_BEGIN: Final = "# BEGIN aioptout publish"
SECTION_END: Final = "# END aioptout publish"
#: Where the RSL license document goes, relative to the site root.
RSL_PATH: Final = "license.xml"
_SPEC = "R-16-5"

NOT_CARRIED = D.define(
    "PUB101", "NOTE", _SPEC, "A rule the channel cannot carry is kept only in the declaration"
)
LABEL_NOT_CARRIED = D.define(
    "PUB102", "NOTE", _SPEC,
    "A preference the channel cannot state for every agent alike is left out of it",
)
CHANNEL_NOT_WRITTEN = D.define(
    "PUB103", "NOTE", _SPEC, "The channel can carry nothing of this declaration; not written"
)
EXISTING_GROUP_MERGES = D.define(
    "PUB104", "SHOULD", "R-16-6",
    "A group of the existing robots.txt names an agent the declaration names; readers merge them",
    "remove the old group, or move its rules into the declaration",
)
FIELDS_NOT_CARRIED = D.define(
    "PUB105", "NOTE", _SPEC,
    "Declaration fields have no place in this channel; they stay in the declaration",
)
DECLARATION_HAS_ERRORS = D.define(
    "PUB106", "MUST", "R-16-4", "The declaration has errors; nothing was published",
    "run 'aioptout validate' and fix the errors first",
)

_GROUP_FIELDS: Final = frozenset({"user-agent", "allow", "disallow", "content-usage"})
_CS_KEYS: Final = (("search", "search"), ("ai-input", "ai-input"), ("ai-train", "train-any"))


@dataclass(frozen=True, slots=True)
class Channel:
    """One file to publish: where it goes (relative to the site root or config folder)."""

    path: str
    kind: str
    text: str
    about: str


@dataclass(frozen=True, slots=True)
class Publication:
    channels: tuple[Channel, ...]
    diagnostics: tuple[Diagnostic, ...]

    def channel(self, kind: str) -> Channel | None:
        return next((c for c in self.channels if c.kind == kind), None)

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": 1,
            "channels": [{"path": c.path, "kind": c.kind, "about": c.about}
                         for c in self.channels],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


# --- What the declaration says, at every probe path, to every kind of agent ---------------

Table = Mapping[str, Mapping[str, Mapping[str, Value]]]  # agent → path → label → value


def probe_path(pattern: str) -> str:
    """A path that ``pattern`` matches and that no shorter writing of it singles out."""
    path = pattern[:-1] if pattern.endswith("$") else pattern
    path = path.replace("*", "x") or "/"
    return path if path.startswith("/") else "/" + path


def _patterns(declaration: Declaration) -> list[str]:
    seen: dict[str, None] = {}
    for group in declaration.groups:
        for rule in group.rules:
            if rule.kind is not RuleKind.WORK_USAGE:
                seen.setdefault(rule.pattern or "/", None)
    return list(seen)


def probe_paths(declaration: Declaration) -> list[str]:
    """The paths the invariant is checked at: "/", an unlisted path, one per declared pattern."""
    out = dict.fromkeys(["/", PROBE_PATH])
    for pattern in _patterns(declaration):
        out.setdefault(probe_path(pattern), None)
    return list(out)


def probe_agents(declaration: Declaration, registry: Registry) -> list[str]:
    """Every agent the declaration names, every registry agent, and one unnamed agent."""
    out: dict[str, str] = {}
    for name in declaration.agents():
        if name != "*":
            out.setdefault(name.lower(), name)
    for agent in registry:
        # As crawlers present themselves: the token their own User-agent line selects
        # ("Brightbot 1.0" is asked about as Brightbot, spec §6).
        token = agent.matched_token or agent.token
        out.setdefault(token.lower(), token)
    out.setdefault(PROBE_AGENT.lower(), PROBE_AGENT)
    return list(out.values())


def agent_classes(declaration: Declaration, agents: Sequence[str],
                  registry: Registry) -> dict[str, str]:
    """Each agent → the first agent that the declaration must answer identically.

    A declaration's answer depends on the groups an agent selects and, through the agent
    registry, on its purpose and the control tokens that govern it; agents alike in all three
    get the same answers, so the table is built for one of each (165 registry agents fall into
    a handful of classes), which keeps publishing linear in the declaration's size.
    """
    from .agents import usage_labels_for
    from .evaluate import _index_for

    first: dict[tuple[object, ...], str] = {}
    out: dict[str, str] = {}
    for agent in agents:
        entry = registry.get(agent)
        key = (id(_index_for(declaration, agent)),
               usage_labels_for(entry) if entry is not None else (),
               tuple(sorted(c.token for c in registry.control_tokens_for(agent))))
        out[agent] = first.setdefault(key, agent)
    return out


def answers(declaration: Declaration, agents: Sequence[str], paths: Sequence[str]) -> Table:
    return {
        agent: {
            path: {label: declaration.evaluate(agent, path, label).value for label in U.LABELS}
            for path in paths
        }
        for agent in agents
    }


def _agreed(table: Table, agents: Iterable[str], path: str) -> dict[str, Value]:
    """The labels on which every agent gets one known answer at ``path``."""
    agents = list(agents)
    out: dict[str, Value] = {}
    for label in U.LABELS:
        values = {table[a][path][label] for a in agents}
        if len(values) == 1:
            (value,) = values
            if value is not Value.UNKNOWN:
                out[label] = value
    return out


def safe(prefs: Mapping[str, Value], table: Table, agents: Iterable[str],
         paths: Iterable[str]) -> dict[str, Value]:
    """``prefs`` less every label whose statement would contradict the declaration somewhere.

    One statement's labels resolve through containment (spec §8, R-8-2): ``tdm=n`` also says
    ``search=n``.  A label stays only if, at every path the statement applies to, every label it
    decides matches what the declaration tells every agent.
    """
    agents, paths = list(agents), list(paths)
    kept = dict(prefs)
    changed = True
    while changed and kept:
        changed = False
        for label in U.LABELS:
            value, via = U.resolve(kept, label)
            if via is None:
                continue
            if any(table[a][p][label] is not value for a in agents for p in paths):
                del kept[via]
                changed = True
                break
    return kept


def _levels(patterns: Sequence[str], paths: Sequence[str]) -> dict[str, list[list[str]]]:
    """Each path → the patterns matching it, grouped by length, longest first.

    Prefix patterns are found by the path's own prefixes and exact ones by the path, so the
    cost is the paths' lengths, not paths × patterns; wildcard patterns are tried one by one.
    """
    prefix: dict[str, list[str]] = {}
    exact: dict[str, list[str]] = {}
    globs: list[str] = []
    for pattern in patterns:
        body = pattern[:-1] if pattern.endswith("$") else pattern
        if "*" in body:
            globs.append(pattern)
        elif pattern.endswith("$"):
            exact.setdefault(body, []).append(pattern)
        else:
            prefix.setdefault(pattern, []).append(pattern)
    sizes = sorted({len(p) for p in prefix}, reverse=True)
    compiled = [(g, compile_pattern(g)) for g in globs]
    out: dict[str, list[list[str]]] = {}
    for path in paths:
        hits = list(exact.get(path, ()))
        hits += [p for size in sizes if size <= len(path) for p in prefix.get(path[:size], ())]
        hits += [g for g, c in compiled if c.matches(path)]
        by_length: dict[int, list[str]] = {}
        for hit in hits:
            by_length.setdefault(len(hit), []).append(hit)
        out[path] = [by_length[n] for n in sorted(by_length, reverse=True)]
    return out


@dataclass(frozen=True, slots=True)
class _Entry:
    """One agent-independent statement: ``prefs`` on the paths ``pattern`` is the longest for."""

    pattern: str
    prefs: Mapping[str, Value]


def _scoped(declaration: Declaration, table: Table, agents: Sequence[str], paths: Sequence[str],
            labels: Sequence[str], channel: str, diags: list[Diagnostic], *,
            stoppers: bool) -> list[_Entry]:
    """Entries of an agent-independent, longest-match channel that states only ``labels``.

    With ``stoppers`` (response headers: the most specific rule names every header, empty or
    not) an entry that says nothing still governs its paths.  Without them (tdmrep.json,
    ai.txt) an entry that says nothing is not written, so its paths fall to the next shorter
    pattern, which must then be right there too.  Patterns are settled longest first, so each
    is settled once, after every pattern that could take its paths from it.
    """
    patterns = _patterns(declaration) or ["/"]
    if "/" not in patterns:
        patterns = ["/", *patterns]
    levels = _levels(patterns, paths)
    level_of = dict.fromkeys(paths, 0)
    waiting: dict[str, list[str]] = {p: [] for p in patterns}
    for path, found in levels.items():
        for pattern in found[0] if found else ():
            waiting[pattern].append(path)
    kept: dict[str, dict[str, Value]] = {}
    wanted: dict[str, dict[str, Value]] = {}
    tiers: dict[int, list[str]] = {}
    for pattern in patterns:
        tiers.setdefault(len(pattern), []).append(pattern)
    for length in sorted(tiers, reverse=True):
        tier = tiers[length]
        for pattern in tier:
            wanted[pattern] = {k: v for k, v in _agreed(table, agents, probe_path(pattern)).items()
                               if k in labels}
            kept[pattern] = safe(wanted[pattern], table, agents, waiting[pattern])
        if stoppers:
            continue
        moved: set[str] = set()
        for pattern in tier:
            for path in waiting[pattern]:
                found = levels[path]
                current = found[level_of[path]]
                if path in moved or any(kept.get(p) for p in current):
                    continue
                moved.add(path)
                level_of[path] += 1
                if level_of[path] < len(found):
                    for shorter in found[level_of[path]]:
                        waiting[shorter].append(path)
    out: list[_Entry] = []
    for pattern in patterns:
        for label in sorted(set(wanted[pattern]) - set(kept[pattern])):
            diags.append(LABEL_NOT_CARRIED.at(
                1, message=f"{channel} cannot say {label}={_yn(wanted[pattern][label])} at "
                f"{pattern} for every agent alike"))
        if stoppers or kept[pattern]:
            out.append(_Entry(pattern, kept[pattern]))
    return out


def _yn(value: Value) -> str:
    return "n" if value is Value.DISALLOWED else "y"


def _dictionary(prefs: Mapping[str, Value]) -> str:
    return ", ".join(f"{label}={_yn(prefs[label])}" for label in U.LABELS if label in prefs)


# --- robots.txt -------------------------------------------------------------------------

def _group_agents(group: Group, declaration: Declaration, classes: Mapping[str, str]
                  ) -> list[str]:
    """The representatives (``agent_classes``) of the agents that select ``group``."""
    named = {a.lower() for g in declaration.groups for a in g.agents if a != "*"}
    mine = [a for a in group.agents if a != "*"]
    if "*" in group.agents:
        mine += [a for a in classes if a.lower() not in named]
    by_lower = {a.lower(): rep for a, rep in classes.items()}
    return list(dict.fromkeys(by_lower.get(a.lower(), a) for a in mine))


def _content_signal(group: Group, declaration: Declaration, table: Table,
                    classes: Mapping[str, str], paths: Sequence[str],
                    diags: list[Diagnostic]) -> str | None:
    """A Content-Signal line for ``group``: it speaks for every path (R-12-4), so a key is
    written only where the group's agents get that one answer everywhere."""
    members = [a for a in _group_agents(group, declaration, classes) if a in table]
    if not members:
        return None
    wanted: dict[str, Value] = {}
    for label in (label for _, label in _CS_KEYS):
        values = {table[a][p][label] for a in members for p in paths}
        if len(values) == 1 and Value.UNKNOWN not in values:
            wanted[label] = values.pop()
    kept = safe(wanted, table, members, paths)
    dropped = set(wanted) - set(kept)
    if dropped:
        diags.append(LABEL_NOT_CARRIED.at(
            group.line, message=f"Content-Signal cannot say {', '.join(sorted(dropped))} "
            f"for the group on line {group.line} on every path"))
    parts = [f"{key}={'no' if kept[label] is Value.DISALLOWED else 'yes'}"
             for key, label in _CS_KEYS if label in kept]
    return f"Content-Signal: {', '.join(parts)}" if parts else None


def _robots(text: str, declaration: Declaration, table: Table, classes: Mapping[str, str],
            paths: Sequence[str], existing: str | None, diags: list[Diagnostic],
            licence: str | None = None) -> str:
    lines = text.splitlines()
    names = {record.line: record.name.lower() for record in declaration.records}
    first_group = min((g.line for g in declaration.groups), default=len(lines) + 1)
    group_end: dict[int, Group] = {}
    for group in declaration.groups:
        last = max([group.line, *group.crawl_lines, *(r.line for r in group.rules)])
        group_end[last] = group
    out = [SECTION_BEGIN,
           f"# Generated by 'aioptout publish' from the declaration at {DECLARATION_PATH};",
           "# edit the declaration and publish again rather than this section."]
    if licence is not None and not _groups_before_section(existing):
        # Before any group: a global License line speaks for every agent (RSL 1.0, robots.txt).
        out.append(f"License: {licence}")
    elif licence is not None:
        diags.append(LABEL_NOT_CARRIED.at(
            1, message="robots.txt cannot name license.xml for every agent: the existing file "
            "has groups before the generated section (the Link header still names it)"))
    fields = sorted({name for line, name in names.items()
                     if line < first_group and name != "sitemap"})
    if fields:
        diags.append(FIELDS_NOT_CARRIED.at(
            1, message=f"robots.txt cannot carry the declaration fields: {', '.join(fields)}"))
    for number, line in enumerate(lines, 1):
        if number < first_group:
            continue
        name = names.get(number)
        if name == "work-usage":
            diags.append(NOT_CARRIED.at(
                number, message="robots.txt cannot carry Work-Usage catalogue rules"))
            out.append(f"# Not carried by robots.txt (see the declaration): {line.strip()}")
        elif name is None or name in _GROUP_FIELDS or name == "sitemap":
            out.append(line)
        else:
            out.append(f"# Not carried by robots.txt: {line.strip()}")
        ending = group_end.get(number)
        if ending is not None:
            signal = _content_signal(ending, declaration, table, classes, paths, diags)
            if signal:
                out.append(signal)
    out += [f"Sitemap: {url}" for line, url in _early_sitemaps(declaration, first_group)]
    out.append(SECTION_END)
    section = "\n".join(out) + "\n"
    if existing is None:
        return section
    return _merge(existing, section, declaration, diags)


def _groups_before_section(existing: str | None) -> bool:
    """Whether a User-agent line of ``existing`` precedes where the generated section goes."""
    if existing is None:
        return False
    match = _SECTION_RE.search(existing)
    before = existing if match is None else existing[: match.start()]
    return any(line.partition(":")[0].strip().lower() == "user-agent"
               for line in before.splitlines() if ":" in line)


def _early_sitemaps(declaration: Declaration, first_group: int) -> list[tuple[int, str]]:
    return [(r.line, r.value.strip()) for r in declaration.records
            if r.name.lower() == "sitemap" and r.line < first_group]


_SECTION_RE: Final = re.compile(
    re.escape(SECTION_BEGIN) + r".*?" + re.escape(SECTION_END) + r"[^\n]*\n?", re.S)


def _merge(existing: str, section: str, declaration: Declaration,
           diags: list[Diagnostic]) -> str:
    """The existing file byte for byte, with an earlier generated section replaced or ours
    appended; groups there that name our agents are reported, since readers merge them."""
    ours = {a.lower() for a in declaration.agents()}
    kept = _SECTION_RE.sub("", existing, count=1)
    for number, line in enumerate(kept.splitlines(), 1):
        field, sep, value = line.partition(":")
        if sep and field.strip().lower() == "user-agent":
            token = value.split("#", 1)[0].strip().lower()
            if token in ours:
                diags.append(EXISTING_GROUP_MERGES.at(
                    number, message=f"the existing robots.txt names {token!r} on line {number}; "
                    "readers merge its rules with the generated group"))
    match = _SECTION_RE.search(existing)
    if match is not None:
        return existing[: match.start()] + section + existing[match.end():]
    joiner = "" if not existing or existing.endswith("\n\n") else (
        "\n" if existing.endswith("\n") else "\n\n")
    return existing + joiner + section


# --- The agent-independent channels -----------------------------------------------------

def _tdmrep(entries: list[_Entry], policy: str | None) -> str | None:
    rules = []
    # TDMRep takes the first matching location: most specific first.
    for entry in sorted(entries, key=lambda e: -len(e.pattern)):
        value = entry.prefs.get("tdm")
        if value is None:
            continue
        rule: dict[str, object] = {"location": entry.pattern,
                                   "tdm-reservation": 1 if value is Value.DISALLOWED else 0}
        if value is Value.DISALLOWED and policy:
            rule["tdm-policy"] = policy
        rules.append(rule)
    return json.dumps(rules, indent=2) + "\n" if rules else None


def _ai_txt(entries: list[_Entry]) -> str | None:
    lines = []
    for entry in entries:
        value = entry.prefs.get("train-any")
        if value is not None:
            lines.append(f"{'Disallow' if value is Value.DISALLOWED else 'Allow'}: {entry.pattern}")
    if not lines:
        return None
    return ("# Generated by 'aioptout publish': Disallow means no AI training.\n"
            "User-Agent: *\n" + "\n".join(lines) + "\n")


@dataclass(frozen=True, slots=True)
class HeaderRule:
    """Response headers for the paths ``pattern`` is the longest declared pattern for."""

    pattern: str
    headers: Mapping[str, str]


def header_rules(usage: list[_Entry], tdm: list[_Entry], noai: list[_Entry]) -> list[HeaderRule]:
    """One rule per pattern, least specific first; every rule names every header it governs
    (empty value: none), so a server that lets the most specific rule win sends the right set."""
    by_pattern: dict[str, dict[str, str]] = {}
    for entry in usage:
        by_pattern.setdefault(entry.pattern, {})["Content-Usage"] = _dictionary(entry.prefs)
    for entry in tdm:
        value = entry.prefs.get("tdm")
        by_pattern.setdefault(entry.pattern, {})["tdm-reservation"] = (
            "" if value is None else ("1" if value is Value.DISALLOWED else "0"))
    for entry in noai:
        value = entry.prefs.get("train-any")
        by_pattern.setdefault(entry.pattern, {})["X-Robots-Tag"] = (
            "noai, noimageai" if value is Value.DISALLOWED else "")
    names = ("Content-Usage", "tdm-reservation", "X-Robots-Tag")
    rules = [HeaderRule(p, {n: h.get(n, "") for n in names}) for p, h in by_pattern.items()]
    rules.sort(key=lambda r: len(r.pattern))
    return rules if any(v for r in rules for v in r.headers.values()) else []


def pattern_regex(pattern: str) -> str:
    """An RFC 9309 path pattern as a POSIX/PCRE regular expression on the request path."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    parts = [re.escape(piece) for piece in body.split("*")]
    return "^" + ".*".join(parts) + ("$" if anchored else "")


def link_value(url: str) -> str:
    """The ``Link`` header value that names an RSL license document (RSL 1.0, RFC 8288)."""
    return f'<{url}>; rel="license"; type="application/rsl+xml"'


def _nginx(rules: Sequence[HeaderRule], link: str | None = None) -> str:
    out = ["# aioptout publish: include in the http {} block, then add the add_header lines",
           "# to each server {} (nginx sends no header whose value is empty)."]
    variables = {"Content-Usage": "$aioptout_content_usage",
                 "tdm-reservation": "$aioptout_tdm_reservation",
                 "X-Robots-Tag": "$aioptout_x_robots_tag"}
    for name, variable in variables.items():
        out.append(f"map $uri {variable} {{")
        out.append('    default "";')
        # nginx tries map regexes in order: most specific first.
        for rule in sorted(rules, key=lambda r: -len(r.pattern)):
            out.append(f'    "~{pattern_regex(rule.pattern)}" "{rule.headers[name]}";')
        out.append("}")
    out.append("")
    out.append("# server {")
    for name, variable in variables.items():
        out.append(f"#     add_header {name} {variable} always;")
    if link is not None:
        out.append(f"#     add_header Link '{link}' always;")
    out.append("# }")
    return "\n".join(out) + "\n"


def _apache(rules: Sequence[HeaderRule], link: str | None = None) -> str:
    out = ["# aioptout publish: .htaccess (mod_setenvif and mod_headers).",
           "# Later SetEnvIf lines override earlier ones: least specific first."]
    envs = {"Content-Usage": "AIOPTOUT_CU", "tdm-reservation": "AIOPTOUT_TDM",
            "X-Robots-Tag": "AIOPTOUT_XRT"}
    for rule in rules:
        for name, env in envs.items():
            value = rule.headers[name]
            if value:
                out.append(f'SetEnvIf Request_URI "{pattern_regex(rule.pattern)}" {env}="{value}"')
            else:
                out.append(f'SetEnvIf Request_URI "{pattern_regex(rule.pattern)}" !{env}')
    for name, env in envs.items():
        out.append(f'Header always set {name} "%{{{env}}}e" env={env}')
    if link is not None:
        escaped = link.replace('"', '\\"')
        out.append(f'Header always set Link "{escaped}"')
    return "\n".join(out) + "\n"


def _caddy(rules: Sequence[HeaderRule], link: str | None = None) -> str:
    out = ["# aioptout publish: paste inside your site block. A route runs in order, so the",
           "# most specific rule, last, decides.",
           "route {"]
    if link is not None:
        out.append(f"    header Link `{link}`")
    for index, rule in enumerate(rules, 1):
        out.append(f"    @aioptout{index} path_regexp {pattern_regex(rule.pattern)}")
        for name, value in rule.headers.items():
            out.append(f'    header @aioptout{index} {name} "{value}"' if value
                       else f"    header @aioptout{index} -{name}")
    out.append("}")
    return "\n".join(out) + "\n"


def headers_file_pattern(pattern: str) -> str:
    """A ``_headers`` path for an RFC 9309 pattern: ``*`` is a splat, no ``$`` means a prefix."""
    if pattern.endswith("$"):
        return pattern[:-1]
    return pattern if pattern.endswith("*") else pattern + "*"


def _headers_file(rules: Sequence[HeaderRule], link: str | None = None) -> str:
    out = ["# aioptout publish: Cloudflare Pages / Netlify _headers. A more specific rule",
           "# detaches the broader rule's headers ('! Name', Cloudflare Pages syntax; Netlify",
           "# serves the most specific rule's value and does not need those lines)."]
    if link is not None:
        out += ["/*", f"  Link: {link}"]
    for index, rule in enumerate(rules):
        out.append(headers_file_pattern(rule.pattern))
        for name, value in rule.headers.items():
            if index:
                out.append(f"  ! {name}")
            if value:
                out.append(f"  {name}: {value}")
    return "\n".join(out) + "\n"


def _meta(usage: list[_Entry], tdm: list[_Entry], noai: list[_Entry]) -> str | None:
    out = ["<!-- aioptout publish: put these in the <head> of the pages each block names. -->"]
    for rule in header_rules(usage, tdm, noai):
        tags = []
        if rule.headers["X-Robots-Tag"]:
            tags.append('<meta name="robots" content="noai, noimageai">')
        if rule.headers["tdm-reservation"]:
            value = rule.headers["tdm-reservation"]
            tags.append(f'<meta name="tdm-reservation" content="{value}">')
        if tags:
            out.append(f"<!-- pages whose path matches {rule.pattern} (longest pattern wins) -->")
            out.extend(tags)
    return "\n".join(out) + "\n" if len(out) > 1 else None


# --- RSL: decided alone, written only if it never contradicts ---------------------------

def site_origin(site_url: str) -> str:
    """``site_url`` without a trailing slash; ValueError unless it is an http(s) origin URL."""
    from urllib.parse import urlsplit

    url = site_url.strip()
    parts = urlsplit(url)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or any(c in url for c in ' \t\r\n"<>`\'\\')):
        raise ValueError(f"not an absolute http(s) URL of the site: {site_url!r}")
    return url.rstrip("/")


def _rsl(declaration: Declaration, table: Table, agents: Sequence[str], paths: Sequence[str],
         origin: str, registry: Registry) -> tuple[str | None, Diagnostic | None]:
    """The RSL document, or why it is not written (the first question it answers wrongly)."""
    from ._convert_rsl import to_rsl
    from .decide import decide
    from .signals import rsl

    conversion = to_rsl(declaration)
    url = f"{origin}/{RSL_PATH}"
    document = rsl.parse(conversion.document, source=url)
    if conversion.check or not document.valid:
        return None, CHANNEL_NOT_WRITTEN.at(1, message="license.xml (RSL) is not written: the "
                                            "generated document is not valid RSL")
    if not document.contents:
        return None, CHANNEL_NOT_WRITTEN.at(1, message="license.xml (RSL) can say nothing of "
                                            "this declaration: no Content-Usage rule for *")
    # As a crawler reads it: named by a global robots.txt License line, for every agent.
    site = rsl.RslSite(None, (rsl.LicenseLink(url, "robots-global", 1),), {url: document},
                       source=origin + ROBOTS_PATH)
    for agent in agents:
        for path in paths:
            for label in U.LABELS:
                got = decide([site], agent, origin + path, label, registry=registry)
                want = table[agent][path][label]
                if got.value is Value.UNKNOWN or got.value is want:
                    continue
                said = "licence-required" if got.licence else str(got.value)
                line = declaration.evaluate(agent, path, label).line or 1
                return None, CHANNEL_NOT_WRITTEN.at(
                    line, message=f"license.xml (RSL) is not written: it speaks for every "
                    f"agent alike and has no unknown; read alone it would answer "
                    f"{said} for {agent} {label} at {path} where the declaration answers "
                    f"{want}")
    return conversion.document, None


# --- The whole publication --------------------------------------------------------------

def publish(declaration: Declaration, text: str, *, existing_robots: str | None = None,
            registry: Registry | None = None, site_url: str | None = None) -> Publication:
    """Every channel for ``declaration`` (parsed from ``text``), and what could not be carried.

    ``site_url`` (the site's origin) enables the RSL channel, whose links must be absolute;
    ValueError if it is not an http(s) URL.  Never raises for what the declaration says; a
    declaration with errors publishes nothing.
    """
    origin = site_origin(site_url) if site_url is not None else None
    if declaration.errors:
        return Publication((), (DECLARATION_HAS_ERRORS.at(declaration.errors[0].line),))
    registry = registry or default_registry()
    diags: list[Diagnostic] = []
    every = probe_agents(declaration, registry)
    classes = agent_classes(declaration, every, registry)
    agents = list(dict.fromkeys(classes.values()))
    paths = probe_paths(declaration)
    table = answers(declaration, agents, paths)
    rsl_text: str | None = None
    if origin is None:
        diags.append(CHANNEL_NOT_WRITTEN.at(1, message="license.xml (RSL) is not written: RSL "
                                            "names its document by absolute URL; give the "
                                            "site's URL (--site-url)"))
    else:
        rsl_text, why = _rsl(declaration, table, agents, paths, origin, registry)
        if why is not None:
            diags.append(why)
    licence = f"{origin}/{RSL_PATH}" if rsl_text is not None else None
    channels = [
        Channel(DECLARATION_PATH[1:], "declaration", text, "the declaration itself"),
        Channel(ROBOTS_PATH[1:], M.ROBOTS,
                _robots(text, declaration, table, classes, paths, existing_robots, diags,
                        licence),
                "robots.txt groups, Content-Usage and Content-Signal lines"),
    ]
    if rsl_text is not None:
        channels.append(Channel(RSL_PATH, "rsl", rsl_text,
                                "RSL 1.0 license document (robots.txt License, Link header)"))
    usage = _scoped(declaration, table, agents, paths, U.LABELS, "the Content-Usage header",
                    diags, stoppers=True)
    tdm_file = _scoped(declaration, table, agents, paths, ("tdm",), "tdmrep.json", diags,
                       stoppers=False)
    tdm = _scoped(declaration, table, agents, paths, ("tdm",), "the tdm-reservation header",
                  diags, stoppers=True)
    ai = _scoped(declaration, table, agents, paths, ("train-any",), "ai.txt", diags,
                 stoppers=False)
    noai = _scoped(declaration, table, agents, paths, ("train-any",), "noai", diags,
                   stoppers=True)
    tdm_text = _tdmrep(tdm_file, declaration.licensing)
    if tdm_text is None:
        diags.append(CHANNEL_NOT_WRITTEN.at(1, message="tdmrep.json can say nothing of this "
                                            "declaration: TDMRep reserves all text and data "
                                            "mining, so it needs every use reserved (or none)"))
    else:
        channels.append(Channel(TDMREP_PATH[1:], M.TDMREP, tdm_text,
                                "W3C TDMRep reservations, tdm-policy from Licensing"))
    ai_text = _ai_txt(ai)
    if ai_text is None:
        diags.append(CHANNEL_NOT_WRITTEN.at(1, message="ai.txt can say nothing of this "
                                            "declaration: agents do not all get one training "
                                            "answer"))
    else:
        channels.append(Channel(AI_TXT_PATH[1:], M.AI_TXT, ai_text,
                                "Spawning ai.txt training rules"))
    only_noai = [_Entry(e.pattern, {k: v for k, v in e.prefs.items() if v is Value.DISALLOWED})
                 for e in noai]
    rules = header_rules(usage, tdm, only_noai)
    meta = _meta(usage, tdm, only_noai)
    if meta is not None:
        channels.append(Channel("meta.html", "meta", meta, "HTML <meta> tags for page heads"))
    link = link_value(licence) if licence is not None else None
    if rules or link:
        channels += [
            Channel("server/nginx.conf", "nginx", _nginx(rules, link), "nginx map + add_header"),
            Channel("server/htaccess", "apache", _apache(rules, link), "Apache .htaccess"),
            Channel("server/Caddyfile", "caddy", _caddy(rules, link),
                    "Caddy route with headers"),
            Channel("_headers", "headers-file", _headers_file(rules, link),
                    "Cloudflare Pages / Netlify _headers"),
        ]
    diags.sort(key=lambda d: (d.line, d.code))
    return Publication(tuple(channels), tuple(diags))
