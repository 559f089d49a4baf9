"""RSL 1.0 ⇄ aioptout declaration, for ``aioptout convert`` (spec §12.3).

RSL → declaration: each ``content`` scope becomes a ``Content-Usage`` line for ``*`` whose labels
take the scope's RSL answers by the mapping rows (free → ``y``; prohibited, not licensed or under
licence → ``n``).  A declaration cannot carry licence terms: one licensing URL becomes
``Licensing``, everything else about a licence (server, payment, price, user and geo conditions,
reporting) is a loss.

Declaration → RSL: the ``*`` group's ``Content-Usage`` rules become ``content`` scopes.  RSL has no
"unknown": a licence with no ``permits`` licenses every use it does not prohibit, so labels the
declaration leaves unknown become licensed, which is reported.  ``Licensing`` turns the reserved
uses into uses available under licence (``payment`` with ``custom``), which is what the field
means (spec R-5.4-1).  Crawl rules, named agents and Work-Usage rules have no RSL form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from . import usage as U
from ._xml import escape_text as escape
from ._xml import quote_attribute as quoteattr
from .model import Declaration, Diagnostic, Licence, RuleKind, Value
from .signals import rsl as R

if TYPE_CHECKING:
    from .convert import Conversion

_TOKENS: Final = ("ai-train", "ai-input", "search")
SCHEMA_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class RslConversion:
    """An RSL document written from a declaration, and what it could not carry."""

    document: str
    losses: tuple[tuple[int | None, str], ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    check: tuple[Diagnostic, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": SCHEMA_VERSION,
            "kind": "rsl",
            "document": self.document,
            "losses": [{"line": line, "message": message} for line, message in self.losses],
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


# --- RSL → declaration ---------------------------------------------------------------------

def from_rsl(data: bytes | str, source: str | None) -> Conversion:
    from .convert import RSL_NOT_CARRIED, Loss, _finish, _loss, _unreadable, format_preferences

    def lost(line: int | None, message: str) -> Loss:
        return _loss(RSL_NOT_CARRIED, line or 1, message)

    document = R.parse(data, source=source)
    fatal = {R.NOT_XML.code, R.XML_REFUSED.code, R.NOT_RSL.code}
    if not document.contents and any(d.code in fatal for d in document.diagnostics):
        return _unreadable("rsl", document.diagnostics, "not an RSL 1.0 document")
    losses: list[Loss] = []
    if not document.valid:
        losses.append(lost(None, "the RSL document has errors: only what it prohibits is "
                                 "certain; its grants were converted as written"))
    licensing: dict[str, int] = {}
    offered: list[tuple[str, Licence, int]] = []
    rules: list[str] = []
    for content in document.contents:
        if content.host is not None:
            losses.append(lost(content.line, f"content url {content.url} names a host; the "
                                             "declaration keeps its path only"))
        prefs: dict[str, Value] = {}
        for label in U.LABELS:
            value, routes, _ = R._evaluate((content,), R.LABEL_TOKEN[label], source)
            prefs[label] = value
            for route in routes:
                url = licence_url(route)
                if url and url.startswith(("https://", "http://")):
                    licensing.setdefault(url, route.line or content.line)
                offered.append((label, route, content.line))
        if any((t.permits.get("usage") and "ai-index" in t.permits["usage"])
               or "ai-index" in t.prohibits.get("usage", ()) for t in content.licenses):
            losses.append(lost(content.line, "ai-index has no usage label of its own"))
        rules.append(f"Content-Usage: {content.pattern} {format_preferences(prefs)}")
    carried = next(iter(licensing)) if len(licensing) == 1 else None
    for label, route, line in offered:
        if carried is not None and _only_url(route, carried):
            continue  # Licensing says exactly this: the use is reserved, licences are there
        losses.append(lost(route.line or line, f"{label}: licence terms not carried ("
                                               f"{route.describe()}); the declaration says n"))
    seen_losses = list(dict.fromkeys(losses))
    lines = ["AIOptOut-Version: 1"]
    if len(licensing) == 1:
        lines.append(f"Licensing: {next(iter(licensing))}")
    elif len(licensing) > 1:
        seen_losses.append(lost(None, "several licensing URLs; none became Licensing"))
    if document.max_age != R.DEFAULT_MAX_AGE_DAYS:
        seen_losses.append(lost(None, f"max-age {document.max_age} days dropped"))
    lines += ["", "# Converted from RSL by aioptout convert", "User-agent: *", "Allow: /",
              *rules]
    return _finish("rsl", lines, seen_losses, document.diagnostics)


# --- declaration → RSL ---------------------------------------------------------------------

def _values(prefs: Mapping[str, Value]) -> dict[str, Value]:
    """RSL token → value for one rule's preferences (R-8-2 containment applied)."""
    value = {label: U.resolve(prefs, label)[0] for label in U.LABELS}
    train = {value["train-ai"], value["train-any"]}
    ai_train = (Value.DISALLOWED if Value.DISALLOWED in train else
                Value.ALLOWED if train == {Value.ALLOWED} else Value.UNKNOWN)
    return {"all": value["tdm"], "ai-train": ai_train, "ai-input": value["ai-input"],
            "search": value["search"]}


def _license(permits: list[str], prohibits: list[str], custom: str | None = None) -> str:
    body = ""
    if permits:
        body += f'      <permits type="usage">{" ".join(permits)}</permits>\n'
    if prohibits:
        body += f'      <prohibits type="usage">{" ".join(prohibits)}</prohibits>\n'
    if custom:
        body += (f"      <payment>\n        <custom>{escape(custom)}</custom>\n"
                 "      </payment>\n")
    return f"    <license>\n{body}    </license>\n"


def to_rsl(declaration: Declaration) -> RslConversion:
    """The RSL document that licenses what the declaration's ``*`` group states."""
    losses: list[tuple[int | None, str]] = []
    contents: list[str] = []
    for group in declaration.groups:
        if "*" not in group.agents:
            losses.append((group.line, f"group for {', '.join(group.agents)}: an RSL document "
                                       "has no agents (name it from a robots.txt group's "
                                       "License line)"))
            continue
        for rule in group.rules:
            if rule.kind in (RuleKind.ALLOW, RuleKind.DISALLOW):
                if rule.kind is RuleKind.DISALLOW:
                    losses.append((rule.line, f"Disallow: {rule.pattern} stays a robots.txt "
                                              "rule; RSL never changes crawling"))
                continue
            if rule.kind is RuleKind.WORK_USAGE:
                losses.append((rule.line, "Work-Usage has no RSL form"))
                continue
            train = {U.resolve(rule.preferences, label)[0] for label in ("train-ai", "train-any")}
            if len(train) > 1:
                losses.append((rule.line, "train-ai and train-any differ; RSL has one ai-train "
                                          "token, which takes the more restrictive value"))
            contents.append(_content(rule.pattern, _values(rule.preferences), rule.line,
                                     declaration.licensing, losses))
    text = (f'<?xml version="1.0" encoding="UTF-8"?>\n<rsl xmlns="{R.NAMESPACE}">\n'
            + "".join(contents) + "</rsl>\n")
    check = tuple(d for d in R.parse(text).diagnostics if d.severity.value == "error")
    if not contents:
        losses.append((None, "no Content-Usage rule for *: the RSL document is empty"))
    return RslConversion(text, tuple(losses), declaration.diagnostics, check)


def _content(pattern: str, value: Mapping[str, Value], line: int, licensing: str | None,
             losses: list[tuple[int | None, str]]) -> str:
    yes = [t for t in _TOKENS if value[t] is Value.ALLOWED]
    no = [t for t in _TOKENS if value[t] is Value.DISALLOWED]
    reserved_all = value["all"] is Value.DISALLOWED
    licences: list[str] = []
    if licensing and (no or reserved_all):
        if yes:
            licences.append(_license(yes, []))
        licences.append(_license(["all"] if reserved_all else no, [], licensing))
        if any(v is Value.UNKNOWN for v in value.values()):
            losses.append((line, "uses the rule leaves unknown are not licensed in RSL"))
    elif reserved_all:
        licences.append(_license(yes, []) if yes else _license([], ["all"]))
    else:
        licences.append(_license(["all"] if value["all"] is Value.ALLOWED and not no else [],
                                 no))
        if value["all"] is Value.UNKNOWN and any(v is Value.UNKNOWN for v in value.values()):
            losses.append((line, "uses the rule leaves unknown are licensed in RSL (no permits "
                                 "list means every use not prohibited)"))
    return (f"  <content url={quoteattr(pattern)}>\n" + "".join(licences) + "  </content>\n")


def _only_url(route: Licence, url: str) -> bool:
    """Whether ``route`` says nothing but "licences at ``url``" (what Licensing carries)."""
    return licence_url(route) == url and Licence(
        server=route.server, payment=route.payment, amount=route.amount,
        standard=route.standard if route.standard != url else None, users=route.users,
        excluded_users=route.excluded_users, geo=route.geo, excluded_geo=route.excluded_geo,
        reporting=route.reporting, accepts=route.accepts) == Licence()


def licence_url(route: Licence) -> str | None:
    """The URL a declaration's ``Licensing`` field can carry for one route."""
    return route.custom or route.terms or route.standard or route.server
