"""The ``_headers`` file of Cloudflare Pages and Netlify, as Cloudflare Pages documents it.

``publish`` writes one, ``drift --offline`` reads one, and the fixture web serves a folder with
one applied: a block is a path pattern (``*`` a splat matching any characters) and indented
``Name: value`` lines; every rule whose pattern matches adds its headers, a repeated name is
joined with a comma, and ``! Name`` drops what an earlier matching rule set.
"""

from __future__ import annotations

Rules = list[tuple[str, list[tuple[str, str | None]]]]


def parse(text: str) -> Rules:
    """A ``_headers`` file as (path pattern, [(name, value or None for a detach)]) rules."""
    rules: Rules = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            rules.append((line.strip(), []))
        elif rules:
            item = line.strip()
            if item.startswith("!"):
                rules[-1][1].append((item[1:].strip(), None))
            else:
                name, _, value = item.partition(":")
                rules[-1][1].append((name.strip(), value.strip()))
    return rules


def headers_for(path: str, rules: Rules) -> dict[str, str]:
    """The headers a request for ``path`` gets: every matching rule in order, ``!`` detaching
    what an earlier rule set, a repeated name joined with a comma."""
    out: dict[str, str] = {}
    for pattern, items in rules:
        pieces = pattern.split("*")
        if len(pieces) == 1:
            matched = path == pattern
        else:
            matched = path.startswith(pieces[0]) and path.endswith(pieces[-1]) and len(
                path) >= len(pieces[0]) + len(pieces[-1])
            at = len(pieces[0])
            for piece in pieces[1:-1]:
                found = path.find(piece, at, len(path) - len(pieces[-1]))
                if found < 0:
                    matched = False
                    break
                at = found + len(piece)
        if not matched:
            continue
        for name, value in items:
            key = next((k for k in out if k.lower() == name.lower()), name)
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = f"{out[key]}, {value}"
            else:
                out[name] = value
    return out
