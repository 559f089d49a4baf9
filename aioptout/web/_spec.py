"""The spec as a web page, so every diagnostic's "see R-7.2-3" link works offline.

Only the Markdown the spec uses is rendered (headings, paragraphs, lists, tables, fenced code,
inline code, links, bold).  Every piece of text is escaped; link targets other than in-page
anchors and http(s) URLs are dropped.  Each requirement label ``[R-7.2-3]`` becomes an anchor
``#r-7.2-3``, the form the diagnostics registry links to.
"""

from __future__ import annotations

import functools
import re
from html import escape
from importlib import resources
from pathlib import Path
from typing import Final

_INLINE: Final = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\[(?P<text>[^\]]+)\]\((?P<href>[^)\s]+)\)"
    r"|\[(?P<req>R-[0-9A-Za-z.]+-[0-9]+)\]"
    r"|\*\*(?P<bold>[^*]+)\*\*"
)
_HEADING: Final = re.compile(r"^(#{1,4})\s+(.*)$")
_LIST_ITEM: Final = re.compile(r"^(?:[-*]|\d+\.)\s+(.*)$")
_SLUG_DROP: Final = re.compile(r"[^a-z0-9.\- ]")

_PAGE_HEAD: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aioptout specification</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/app.css">
</head>
<body class="spec">
<header class="bar"><a href="/">&larr; Validator</a></header>
<main id="main">
"""
_PAGE_FOOT: Final = "</main>\n</body>\n</html>\n"


class SpecNotFoundError(RuntimeError):
    """The installation carries no copy of spec/aioptout.md: a packaging problem."""


def spec_path() -> Path:
    """The wheel's copy of the spec, else the checkout's ``spec/aioptout.md``."""
    packaged = resources.files("aioptout").joinpath("_spec", "aioptout.md")
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "spec" / "aioptout.md"
    if checkout.is_file():
        return checkout
    raise SpecNotFoundError("spec/aioptout.md is not part of this installation")


def _slug(text: str) -> str:
    return "-".join(_SLUG_DROP.sub("", text.lower()).split())


class _Renderer:
    def __init__(self) -> None:
        self.anchors: set[str] = set()

    def inline(self, text: str) -> str:
        out: list[str] = []
        pos = 0
        for match in _INLINE.finditer(text):
            out.append(escape(text[pos : match.start()]))
            pos = match.end()
            if match["code"] is not None:
                out.append(f"<code>{escape(match['code'])}</code>")
            elif match["req"] is not None:
                out.append(self._requirement(match["req"]))
            elif match["bold"] is not None:
                out.append(f"<strong>{escape(match['bold'])}</strong>")
            else:
                href = match["href"]
                label = self.inline(match["text"])
                if href.startswith(("#", "https://", "http://")):
                    out.append(f'<a href="{escape(href)}">{label}</a>')
                else:
                    out.append(label)
        out.append(escape(text[pos:]))
        return "".join(out)

    def _requirement(self, label: str) -> str:
        anchor = label.lower()
        ident = ""
        if anchor not in self.anchors:
            self.anchors.add(anchor)
            ident = f' id="{escape(anchor)}"'
        return f'<a class="req"{ident} href="#{escape(anchor)}">[{escape(label)}]</a>'

    def heading(self, level: int, text: str) -> str:
        anchor = _slug(text) or "section"
        while anchor in self.anchors:
            anchor += "-"
        self.anchors.add(anchor)
        return f'<h{level} id="{escape(anchor)}">{self.inline(text)}</h{level}>'

    def table(self, rows: list[str]) -> str:
        cells = [[c.strip() for c in _split_row(r)] for r in rows]
        body = [r for r in cells[1:] if not all(set(c) <= set("-: ") for c in r)]
        head = "".join(f'<th scope="col">{self.inline(c)}</th>' for c in cells[0])
        lines = ['<div class="scroll"><table>', f"<thead><tr>{head}</tr></thead><tbody>"]
        for row in body:
            lines.append("<tr>" + "".join(f"<td>{self.inline(c)}</td>" for c in row) + "</tr>")
        lines.append("</tbody></table></div>")
        return "\n".join(lines)


def _split_row(row: str) -> list[str]:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    parts = re.split(r"(?<!\\)\|", inner)
    return [p.replace("\\|", "|") for p in parts]


def render(markdown: str) -> str:
    """The whole HTML page for ``markdown``."""
    r = _Renderer()
    out: list[str] = [_PAGE_HEAD]
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not stripped:
            i += 1
        elif stripped.startswith("<!--"):
            while i < len(lines) and "-->" not in lines[i]:
                i += 1
            i += 1
        elif stripped.startswith("```"):
            i += 1
            block: list[str] = []
            while i < len(lines) and not lines[i].strip().startswith("```"):
                block.append(lines[i])
                i += 1
            i += 1
            out.append(f"<pre><code>{escape(chr(10).join(block))}</code></pre>")
        elif (heading := _HEADING.match(stripped)) is not None:
            out.append(r.heading(len(heading[1]), heading[2]))
            i += 1
        elif stripped.startswith("|"):
            rows: list[str] = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                rows.append(lines[i])
                i += 1
            out.append(r.table(rows))
        elif _LIST_ITEM.match(stripped) is not None:
            ordered = stripped[0].isdigit()
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                current = lines[i].strip()
                item = _LIST_ITEM.match(current)
                if item is not None and not lines[i].startswith("  "):
                    items.append(item[1])
                elif items:
                    items[-1] += " " + current
                i += 1
            tag = "ol" if ordered else "ul"
            body = "".join(f"<li>{r.inline(t)}</li>" for t in items)
            out.append(f"<{tag}>{body}</{tag}>")
        else:
            para: list[str] = []
            while i < len(lines) and lines[i].strip() and not _starts_block(lines[i]):
                para.append(lines[i].strip())
                i += 1
            out.append(f"<p>{r.inline(' '.join(para))}</p>")
    out.append(_PAGE_FOOT)
    return "\n".join(out)


def _starts_block(line: str) -> bool:
    s = line.strip()
    return (s.startswith(("```", "|", "<!--")) or _HEADING.match(s) is not None
            or _LIST_ITEM.match(s) is not None)


@functools.cache
def page() -> str:
    """The rendered spec, built once per process."""
    return render(spec_path().read_text(encoding="utf-8"))
