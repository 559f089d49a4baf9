#!/usr/bin/env python3
"""Regenerate the generated sections of spec/aioptout.md; --check only reports drift."""

from __future__ import annotations

import sys
from pathlib import Path

from aioptout._specdoc import render

SPEC = Path(__file__).resolve().parent.parent / "spec" / "aioptout.md"


def main() -> int:
    current = SPEC.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in sys.argv[1:]:
        if fresh != current:
            print("spec/aioptout.md is out of date: run scripts/render_spec.py", file=sys.stderr)
            return 1
        return 0
    SPEC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
