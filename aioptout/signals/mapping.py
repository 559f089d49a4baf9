"""The one table that maps every foreign signal onto the usage model (spec §12).

Each signal reader takes its meaning from here through :func:`lookup`, and the specification's
mapping table is :func:`render_markdown_table` of the same rows, so code and spec cannot drift.
Sources for each row are in ``shared/research/signals.md`` (section given in the scope note).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ..model import Value
from ..usage import CORE_LABELS, LABELS, PARENT

_N: Final = Value.DISALLOWED
_Y: Final = Value.ALLOWED
_U: Final = Value.UNKNOWN

#: ``usage`` of a row that yields no statement at all.
NO_LABEL: Final = "-"
#: ``usage`` of the control-token row: the labels come from the agent registry entry.
CONTROLLED: Final = "(controlled labels)"


@dataclass(frozen=True, slots=True)
class MappingRow:
    """One foreign signal value and the usage preference it expresses.

    A signal value with several rows sets several labels at once.  A row whose ``usage`` is
    :data:`NO_LABEL` records a value that deliberately says nothing.
    """

    mechanism: str
    signal_value: str
    usage: str
    value: Value
    scope_note: str


def _rows() -> tuple[MappingRow, ...]:
    rows: list[MappingRow] = []

    def add(mechanism: str, signal: str, usage: str, value: Value, note: str) -> None:
        rows.append(MappingRow(mechanism, signal, usage, value, note))

    # robots.txt: a crawl Disallow says something about use only through the agent's purpose.
    add("robots", "Disallow, training crawler", "train-any", _N,
        "the agent's purpose in the agent registry is training (signals.md §9)")
    add("robots", "Disallow, search crawler", "search", _N,
        "the agent's purpose is building a search index")
    add("robots", "Disallow, user-triggered fetcher", "ai-input", _N,
        "assistants fetching for a user feed the page to a model at inference time")
    add("robots", "Disallow, autonomous agent", "ai-input", _N,
        "browser and task agents use the page as model input")
    add("robots", "Disallow, dataset crawler", "tdm", _N,
        "open datasets (e.g. CCBot) are mined for every purpose")
    add("robots", "Disallow, control token", CONTROLLED, _N,
        "the labels the registry lists for the token, e.g. Google-Extended: train-any, "
        "ai-input; no crawler sends the token (signals.md §6.3)")

    # IETF aipref: labels are ours verbatim; anything but the tokens y and n is unknown.
    for label in LABELS:
        origin = "aipref core label" if label in CORE_LABELS else "aioptout extension label"
        add("aipref", f"{label}=y", label, _Y, f"{origin}; robots.txt rule or HTTP header")
        add("aipref", f"{label}=n", label, _N, f"{origin}; robots.txt rule or HTTP header")
    add("aipref", "any other value", NO_LABEL, _U,
        "vocab §6: anything but the tokens y and n is unknown, not an error")

    # Cloudflare Content Signals (signals.md §5): three keys, yes/no.
    for key, label, note in (
        ("search", "search", "search index and linked results; excludes AI summaries"),
        ("ai-input", "ai-input", "RAG, grounding, real-time AI answers"),
        ("ai-train", "train-any", "'training or fine-tuning AI models': any model, not only "
                                  "generative"),
    ):
        add("content-signal", f"{key}=yes", label, _Y, note)
        add("content-signal", f"{key}=no", label, _N, note)
    # use= (Cloudflare managed robots.txt, 2026-07): how far fetched content may be stored and
    # reproduced.  A ceiling, never a grant; it reserves only labels its line does not state.
    add("content-signal", "use=immediate", "search", _N,
        "interact, store and reuse nothing: no index, no excerpts; a ceiling, not a grant")
    add("content-signal", "use=immediate", "train-any", _N,
        "interact, store and reuse nothing: no training; a ceiling, not a grant")
    add("content-signal", "use=reference", "train-any", _N,
        "index, excerpt and link back only; training absorbs the whole work (level full)")
    add("content-signal", "use=full", NO_LABEL, _U,
        "summarise and reproduce: no ceiling below what the other keys say")
    add("content-signal", "any other key or value", NO_LABEL, _U,
        "unknown keys and values are ignored")

    # W3C TDMRep (signals.md §3.1): the reservation covers all TDM under EU DSM Art. 4.
    add("tdmrep", "tdm-reservation: 1", "tdm", _N, "rights reserved (EU DSM Art. 4(3))")
    add("tdmrep", "tdm-reservation: 0", "tdm", _Y, "not reserved")
    add("tdmrep", "tdm-reservation: other", NO_LABEL, _U, "TDMRep §3: any other value is unset")

    # Spawning ai.txt (signals.md §4.1): Disallow means "do not use for AI training".
    add("ai-txt", "Disallow matching the target", "train-any", _N,
        "file-extension globs or paths")
    add("ai-txt", "Allow matching the target", "train-any", _Y,
        "the generator writes Allow for media types the owner releases for training")

    # Page-level robots directives (signals.md §6).
    add("robots-meta", "noai", "train-any", _N,
        "DeviantArt: no content on the page may be used for AI training")
    add("robots-meta", "noimageai", "train-any", _N,
        "image targets only (image file extension, or an image/* response)")
    add("robots-meta", "noarchive", "train-ai", _N,
        "Microsoft agents only (bingbot, msnbot, bingpreview, adidxbot): 'do not use the "
        "content for training Microsoft's generative AI foundation models'")
    add("robots-meta", "noindex", NO_LABEL, _U, "search-engine indexing, not an AI reservation")
    add("robots-meta", "none", NO_LABEL, _U, "noindex + nofollow, not an AI reservation")

    # C2PA 1.x and CAWG training-and-data-mining assertions (signals.md §7.1).
    for prefix in ("cawg", "c2pa"):
        for entry, label in (
            ("ai_generative_training", "train-ai"),
            ("ai_training", "train-any"),
            ("ai_inference", "ai-input"),
            ("data_mining", "tdm"),
        ):
            note = f"{prefix}.training-mining assertion entry"
            add("media", f"{prefix}.{entry}=notAllowed", label, _N, note)
            add("media", f"{prefix}.{entry}=constrained", label, _N,
                "CAWG: constrained 'shall be treated as equivalent to notAllowed'")
            if label in ("train-any", "tdm"):
                # CAWG's categories are disjoint; our label contains others, and a "yes" on
                # it would extend to generative training, which the entry does not grant.
                add("media", f"{prefix}.{entry}=allowed", NO_LABEL, _U,
                    f"{note}: not carried; {label}=y would also allow what the entry "
                    "leaves unstated (a documented loss)")
            else:
                add("media", f"{prefix}.{entry}=allowed", label, _Y, note)

    # RSL 1.0 usage tokens (spec §12.3; rsl-aipref.md §A).  One RSL answer per token: free,
    # under licence (disallowed with licence routes: licence-required), or not licensed.
    for token, labels, note in (
        ("all", ("tdm",), "any automated processing, search included"),
        ("ai-train", ("train-ai", "train-any"),
         "'training or fine-tuning AI models' (the Content-Signal definition): any model"),
        ("ai-input", ("ai-input",), "RAG, grounding, generative answers and search summaries"),
        ("search", ("search",), "search index and results with links; no AI summaries"),
    ):
        for label in labels:
            add("rsl", f"usage {token}: permitted, free", label, _Y, note)
            add("rsl", f"usage {token}: under licence", label, _N,
                "licence-required: disallowed with the licence routes (server, payment, "
                "user or geo conditions, reporting)")
            add("rsl", f"usage {token}: prohibited or not permitted", label, _N, note)
    add("rsl", "usage ai-all", NO_LABEL, _U,
        "every AI use, future ones too, not search: no single label; read through containment "
        "(ai-all contains ai-train and ai-input)")
    add("rsl", "usage ai-index", NO_LABEL, _U,
        "inclusion in an AI index or retrieval database: no label of §8; counts through "
        "ai-all and all")

    # IPTC / PLUS plus:DataMining (signals.md §7.2).
    plus = "plus:DataMining"
    add("media", "DMI-PROHIBITED", "tdm", _N, f"{plus}: prohibited")
    add("media", "DMI-PROHIBITED-AIMLTRAINING", "train-any", _N,
        f"{plus}: prohibited for AI/ML training")
    add("media", "DMI-PROHIBITED-GENAIMLTRAINING", "train-ai", _N,
        f"{plus}: prohibited for generative AI/ML training")
    add("media", "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", "tdm", _N,
        f"{plus}: prohibited except for search engine indexing")
    add("media", "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", "search", _Y,
        f"{plus}: the stated exception")
    for see in ("SEECONSTRAINT", "SEEEMBEDDEDRIGHTSEXPR", "SEELINKEDRIGHTSEXPR"):
        add("media", f"DMI-PROHIBITED-{see}", "tdm", _N,
            f"{plus}: prohibited unless the referenced constraints allow")
    add("media", "DMI-ALLOWED", "tdm", _Y, f"{plus}: allowed")
    add("media", "DMI-UNSPECIFIED", NO_LABEL, _U, f"{plus}: no prohibition defined")
    return tuple(rows)


#: Every row, in the order of the specification's table.
ROWS: Final[tuple[MappingRow, ...]] = _rows()

_INDEX: Final[Mapping[tuple[str, str], tuple[tuple[str, Value], ...]]] = {
    key: tuple((row.usage, row.value) for row in ROWS
               if (row.mechanism, row.signal_value) == key and row.usage in PARENT)
    for key in {(row.mechanism, row.signal_value) for row in ROWS}
}

#: Purpose classes of the agent registry → the robots row whose labels a Disallow implies.
_PURPOSE_ROWS: Final[Mapping[str, str]] = {
    "training": "Disallow, training crawler",
    "search": "Disallow, search crawler",
    "user-fetch": "Disallow, user-triggered fetcher",
    "agent": "Disallow, autonomous agent",
    "dataset": "Disallow, dataset crawler",
}

#: Tokens of Microsoft's crawlers, for which Bing documents ``noarchive`` as an AI opt-out.
MICROSOFT_AGENTS: Final[frozenset[str]] = frozenset({"bingbot", "msnbot", "bingpreview",
                                                     "adidxbot"})


def lookup(mechanism: str, signal_value: str) -> tuple[tuple[str, Value], ...]:
    """The (label, value) pairs a signal value sets; empty when it sets nothing.

    Raises ``KeyError`` for a pair that is not in the table: a signal reader asking for an
    unmapped value is a programming error, not bad input.
    """
    return _INDEX[(mechanism, signal_value)]


def is_mapped(mechanism: str, signal_value: str) -> bool:
    return (mechanism, signal_value) in _INDEX


def labels_for_purpose(purpose: str) -> tuple[str, ...]:
    """Labels a robots.txt Disallow reserves for an agent of this registry purpose class."""
    row = _PURPOSE_ROWS.get(purpose)
    return () if row is None else tuple(label for label, _ in lookup("robots", row))


def render_markdown_table() -> str:
    """The spec §12 table: one Markdown row per mapping row, generated, never hand-edited."""
    lines = [
        "| mechanism | signal value | usage label | value | scope |",
        "|---|---|---|---|---|",
    ]
    for row in ROWS:
        cells = (row.mechanism, f"`{row.signal_value}`", row.usage,
                 "(none)" if row.usage == NO_LABEL else row.value.value, row.scope_note)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
