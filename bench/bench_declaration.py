"""Declaration parse throughput and decision rate, against Protego on robots.txt of equal size.

Run: .venv/bin/python bench/bench_declaration.py [--repeats 3]

Small files: every corpus robots.txt turned into a declaration (a version line, and a
Content-Usage line in each group), so both parsers read the same lines at the same sizes.
Large file: a 500 KiB record-label declaration (paths, usage rules and an ISRC catalogue);
Protego reads the same file (it ignores what it does not know). Decisions: the same rules,
the same (agent, URL) queries, parse outside the timer. The spec grammar stays normative: the
"lark reference" row parses every line with the Lark grammar, which the fast path is proven
equal to by tests/test_grammar.py.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import (
    Row,
    corpus_files,
    interleaved_medians,
    load,
    machine,
    median_seconds,
    print_table,
)

from aioptout import _grammar
from aioptout._limits import MAX_FILE_BYTES
from aioptout.parse import parse

try:
    from protego import Protego
except ImportError:  # pragma: no cover - dev dependency
    sys.exit("protego is needed: pip install -e '.[dev]'")

AGENTS = ("GPTBot", "CCBot", "ClaudeBot", "Googlebot", "OtherBot")
PREFERENCE = "Content-Usage: train-ai=n, train-any=n, search=y"


def as_declaration(robots: bytes) -> bytes:
    """A robots.txt with a version line and a usage line after each run of User-agent lines."""
    out = [b"AIOptOut-Version: 1"]
    previous_was_agent = False
    for line in robots.splitlines():
        is_agent = line.lower().lstrip().startswith(b"user-agent")
        if previous_was_agent and not is_agent:
            out.append(PREFERENCE.encode())
        out.append(line)
        previous_was_agent = is_agent
    return b"\n".join(out) + b"\n"


def large_declaration() -> bytes:
    rng = random.Random(7)
    lines = ["AIOptOut-Version: 1", "Rightsholder: Northwind Records Ltd",
             "Contact: mailto:rights@northwind.example", ""]
    for agent in ("GPTBot", "CCBot", "ClaudeBot"):
        lines += [f"User-agent: {agent}", "Disallow: /", ""]
    lines += ["User-agent: *", "Allow: /", PREFERENCE]
    size = sum(len(x) + 1 for x in lines)
    n = 0
    while size < MAX_FILE_BYTES - 200:
        kind = n % 4
        if kind == 0:
            line = f"Disallow: /catalogue/{rng.randrange(10**6)}/*.flac$"
        elif kind == 1:
            line = f"Content-Usage: /artists/{rng.randrange(10**5)}/ train-ai=n, search=y"
        elif kind == 2:
            isrc = f"GBNWR{rng.randrange(100):02d}{rng.randrange(10**5):05d}"
            line = f"Work-Usage: isrc:{isrc} train-ai=n"
        else:
            line = f"Allow: /press/{rng.randrange(10**5)}/"
        lines.append(line)
        size += len(line) + 1
        n += 1
    return ("\n".join(lines) + "\n").encode()


def queries(data: bytes, count: int, rng: random.Random) -> list[tuple[str, str]]:
    paths = [b"/"]
    for line in data.splitlines():
        key, _, value = line.partition(b":")
        if key.strip().lower() in (b"allow", b"disallow") and value.strip().startswith(b"/"):
            paths.append(value.strip().split(b"*")[0].split(b"$")[0])
    out = []
    for _ in range(count):
        path = rng.choice(paths).decode("utf-8", "replace") + rng.choice(["", "x", "a/b.html"])
        out.append((rng.choice(AGENTS), "https://example.com" + path))
    return out


def lark_reference(data: bytes) -> None:
    parser = _grammar.parser()
    for line in data.decode("utf-8", "replace").splitlines():
        # A line the grammar rejects is a diagnostic, not a crash.
        with contextlib.suppress(Exception):
            parser.parse(line, start="line")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--repeats", type=int, default=3)
    args.add_argument("--query-files", type=int, default=200)
    args.add_argument("--queries-per-file", type=int, default=100)
    opts = args.parse_args()
    print(f"# Declaration benchmark ({machine()})")

    robots = load(corpus_files("robots/texting_robots-testdata", "robots/great-gpt-firewall"))
    small = [as_declaration(r) for r in robots]
    small_mb = sum(map(len, small)) / 1e6
    big = large_declaration()
    big_mb = len(big) / 1e6
    print(f"\n{len(small)} realistic declarations, {small_mb:.1f} MB in all; "
          f"large file {len(big):,} bytes")

    def our_parse(items: list[bytes]) -> None:
        for item in items:
            parse(item)

    def protego_parse(items: list[bytes]) -> None:
        for item in items:
            Protego.parse(item.decode("utf-8", "replace"))

    ours_small, ours_big, protego_small, protego_big = interleaved_medians([
        lambda: our_parse(small), lambda: our_parse([big]),
        lambda: protego_parse(small), lambda: protego_parse([big]),
    ], opts.repeats)
    rows = [
        Row(name, {"small MB/s": small_mb / t_small, "500 KiB MB/s": big_mb / t_big,
                   "500 KiB ms": t_big * 1000})
        for name, t_small, t_big in (("aioptout declaration", ours_small, ours_big),
                                     ("protego (robots.txt)", protego_small, protego_big))
    ]
    t_lark = median_seconds(lambda: lark_reference(big), 1)
    rows.append(Row("lark grammar, every line", {"500 KiB MB/s": big_mb / t_lark,
                                                 "500 KiB ms": t_lark * 1000},
                    "reference path only"))
    print_table("Parse throughput", rows, ["small MB/s", "500 KiB MB/s"],
                baseline="protego (robots.txt)")

    rng = random.Random(11)
    picked = sorted(small, key=len)[len(small) // 2 - opts.query_files // 2:][: opts.query_files]
    per_file = opts.queries_per_file
    work = [(parse(d), Protego.parse(d.decode("utf-8", "replace")), queries(d, per_file, rng))
            for d in picked]
    total = sum(len(q) for _, _, q in work)

    def ours(usage: str) -> None:
        for decl, _, qs in work:
            for agent, url in qs:
                decl.evaluate(agent, url, usage)

    def protego_q() -> None:
        for _, p, qs in work:
            for agent, url in qs:
                p.can_fetch(url, agent)

    ours("crawl")  # warm the per-agent indexes, as Protego warms its per-agent memo
    protego_q()
    crawl, train, protego = interleaved_medians(
        [lambda: ours("crawl"), lambda: ours("train-ai"), protego_q], opts.repeats)
    rows = [
        Row("aioptout evaluate crawl", {"decisions/s": total / crawl}),
        Row("aioptout evaluate train-ai", {"decisions/s": total / train},
            "crawl stage + usage stage"),
        Row("protego can_fetch", {"decisions/s": total / protego}),
    ]
    print_table(f"Decisions ({total:,} queries over {len(work)} files)", rows, ["decisions/s"],
                baseline="protego can_fetch")


if __name__ == "__main__":
    main()
