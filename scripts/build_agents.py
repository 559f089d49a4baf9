"""Regenerate aioptout/data/agents.json from ai.robots.txt's robots.json and our overrides.

    python scripts/build_agents.py                 # write the bundled registry
    python scripts/build_agents.py --check         # exit 1 if the bundled file is stale
    python scripts/build_agents.py --robots-json PATH

The input defaults to the corpus copy (``$AIOPTOUT_CORPUS/ai-robots.json``, else
``../shared/corpus`` beside the checkout).  Every upstream entry must get a purpose, from its
Known-Agents category or from an override; the build stops and lists the entries that have
none rather than guessing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OVERRIDES = ROOT / "aioptout" / "data" / "agent_overrides.json"
OUTPUT = ROOT / "aioptout" / "data" / "agents.json"

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_UNCLEAR = ("unclear at this time", "no information", "unknown", "description unavailable")
_PRODUCT_TOKEN = re.compile(r"[A-Za-z0-9_-]*")  # spec §6 AGENT_TOKEN (_match.agent_token)


class BuildError(Exception):
    pass


def default_robots_json() -> Path:
    corpus = os.environ.get("AIOPTOUT_CORPUS")
    base = Path(corpus) if corpus else ROOT.parent / "shared" / "corpus"
    return base / "ai-robots.json"


def _plain(text: str) -> str:
    """Markdown links reduced to their text, whitespace collapsed."""
    return " ".join(_LINK.sub(r"\1", text).split())


def _unclear(text: str) -> bool:
    return not text or text.lower().lstrip("[").startswith(_UNCLEAR)


def _respect(text: str) -> str:
    plain = _plain(text)
    low = plain.lower()
    if _unclear(plain):
        return "unclear"
    if low in ("yes", "yes."):
        return "yes"
    if low in ("no", "no."):
        return "no"
    return plain


def _merge(
    entries: list[tuple[str, dict[str, Any]]], spelling: str | None
) -> tuple[str, dict[str, Any]]:
    """Case variants of one token become one entry: each field from the first informative one."""
    if spelling is not None:
        entries = sorted(entries, key=lambda e: e[0] != spelling)
    token = entries[0][0]
    merged: dict[str, Any] = {}
    for field in ("operator", "respect", "function", "description"):
        values = [e[field] for _, e in entries if isinstance(e.get(field), str)]
        informative = [v for v in values if not _unclear(_plain(v))]
        merged[field] = (informative or values or [""])[0]
    merged["has_name_and_version"] = any(e.get("has_name_and_version") for _, e in entries)
    merged["variants"] = sorted(t for t, _ in entries)
    return token, merged


def build(robots_json: Path, overrides_path: Path = OVERRIDES) -> dict[str, Any]:
    raw = robots_json.read_bytes()
    upstream: dict[str, dict[str, Any]] = json.loads(raw)
    overrides: dict[str, Any] = json.loads(overrides_path.read_text("utf-8"))
    by_function: dict[str, str] = overrides["purpose_by_function"]
    curated: dict[str, dict[str, Any]] = overrides["agents"]
    curated_keys = {k.lower(): k for k in curated}

    groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for token, entry in upstream.items():
        groups.setdefault(token.lower(), []).append((token, entry))
    unused = set(curated_keys)
    agents: list[dict[str, Any]] = []
    missing: list[str] = []
    for key, entries in groups.items():
        override = curated.get(curated_keys.get(key, ""), {})
        unused.discard(key)
        token, entry = _merge(entries, override.get("spelling"))
        purpose = override.get("purpose") or by_function.get(entry["function"])
        if purpose is None:
            missing.append(f"{token!r} (function {entry['function'][:60]!r})")
            continue
        operator = override.get("operator") or _plain(entry["operator"])
        description = _plain(entry["description"])
        agents.append(
            _agent(
                token,
                operator="" if _unclear(operator) else operator,
                purpose=purpose,
                respects_robots=override.get("respects_robots") or _respect(entry["respect"]),
                description="" if _unclear(description) else description,
                governs=override.get("governs", []),
                controls=override.get("controls", []),
                source="ai.robots.txt+aioptout" if override else "ai.robots.txt",
                ua_needs_version=bool(
                    override.get("ua_needs_version", entry["has_name_and_version"])
                ),
            )
        )
    if missing:
        raise BuildError(
            "no purpose for these upstream entries; add them to agent_overrides.json:\n  "
            + "\n  ".join(missing)
        )
    if unused:
        raise BuildError(f"overrides name tokens absent upstream: {sorted(unused)}")
    for token, extra in overrides["additional_agents"].items():
        if token.lower() in groups:
            raise BuildError(f"additional agent {token!r} is already upstream; use 'agents'")
        agents.append(
            _agent(
                token,
                operator=extra["operator"],
                purpose=extra["purpose"],
                respects_robots=extra["respects_robots"],
                description=extra["description"],
                governs=extra.get("governs", []),
                controls=extra.get("controls", []),
                source="aioptout",
                ua_needs_version=bool(extra.get("ua_needs_version", False)),
            )
        )
    agents.sort(key=lambda a: (a["token"].lower(), a["token"]))
    meta = dict(overrides["upstream"])
    meta["sha256"] = hashlib.sha256(raw).hexdigest()
    meta["entries"] = len(upstream)
    return {
        "schema_version": 1,
        "generated_by": "scripts/build_agents.py",
        "sources": [
            meta,
            {
                "name": "aioptout curated overrides",
                "file": "aioptout/data/agent_overrides.json",
                "licence": "Apache-2.0",
            },
        ],
        "agents": agents,
    }


def _agent(token: str, **fields: Any) -> dict[str, Any]:
    match = _PRODUCT_TOKEN.match(token)
    matched = match.group() if match else ""
    return {
        "token": token,
        "operator": fields["operator"],
        "purpose": fields["purpose"],
        "respects_robots": fields["respects_robots"],
        "description": fields["description"],
        "valid_token": matched == token,
        "matched_token": matched,
        "governs": list(fields["governs"]),
        "controls": list(fields["controls"]),
        "source": fields["source"],
        "ua_needs_version": fields["ua_needs_version"],
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--robots-json", type=Path, default=None)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="exit 1 if the output is stale")
    args = parser.parse_args(argv)
    source = args.robots_json or default_robots_json()
    try:
        text = render(build(source))
    except (OSError, ValueError, KeyError, BuildError) as exc:
        print(f"build_agents: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text("utf-8") if args.output.exists() else ""
        if current != text:
            print(f"build_agents: {args.output} is stale; rerun without --check", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, "utf-8")
    print(f"build_agents: wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
