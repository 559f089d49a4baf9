"""Starter declarations, shared by ``aioptout init`` and the web form so both write one file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StarterOptions:
    rightsholder: str | None = None
    contact: str | None = None
    licensing: str | None = None
    legal_basis: str | None = None
    reserve_training: bool = True
    allow_search: bool = True
    reserve_ai_input: bool = False
    catalogue: tuple[str, ...] = ()
    block: tuple[str, ...] = ()
    expires: str | None = None
    issued: str | None = None


def _preference(options: StarterOptions) -> str:
    train = "n" if options.reserve_training else "y"
    parts = [f"train-ai={train}", f"train-any={train}"]
    parts.append(f"ai-input={'n' if options.reserve_ai_input else 'y'}")
    parts.append(f"search={'y' if options.allow_search else 'n'}")
    return ", ".join(parts)


def render_starter(options: StarterOptions) -> str:
    """The text of a declaration expressing ``options``; callers validate it before writing."""
    lines = ["AIOptOut-Version: 1"]
    for field, value in (
        ("Rightsholder", options.rightsholder),
        ("Contact", options.contact),
        ("Licensing", options.licensing),
        (
            "Legal-Basis",
            options.legal_basis or ("eu-dsm-art4" if options.reserve_training else None),
        ),
        ("Issued", options.issued),
        ("Expires", options.expires),
    ):
        if value:
            lines.append(f"{field}: {' '.join(value.split())}")
    preference = _preference(options)
    lines += [
        "",
        "# Every agent may crawl; these are the uses you allow or reserve.",
        "User-agent: *",
        "Allow: /",
        f"Content-Usage: {preference}",
    ]
    # Named groups inherit nothing from "*" (spec R-6-5), and Work-Usage is matched apart from
    # crawling (R-7.3-2): a blocked agent that gets a work elsewhere must still meet the rule.
    catalogue = [f"Work-Usage: {pattern} {preference}" for pattern in options.catalogue]
    lines += catalogue
    if options.block:
        lines += ["", "# These agents may not crawl at all."]
        if catalogue:
            lines.append("# The catalogue applies to them too, wherever they find the works.")
        lines += [f"User-agent: {token}" for token in options.block]
        lines.append("Disallow: /")
        lines += catalogue
    return "\n".join(lines) + "\n"
