"""robots.txt parse throughput and decision rate: aioptout vs Protego, urllib.robotparser and
Google's parser (fast-robotstxt).

Run: .venv/bin/python bench/bench_robots.py [--repeats 3] [--query-files 200]

Parse-once tools are timed parsing each file once, then answering queries on parsed objects.
fast-robotstxt has no parsed-object API: its "parse" is one is_allowed call per file and every
one of its queries re-parses the whole file.
"""

from __future__ import annotations

import argparse
import random
import sys
import urllib.robotparser
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import Row, corpus_files, interleaved_medians, load, machine, print_table

from aioptout.signals.robots import RobotsTxt

try:
    from protego import Protego
except ImportError:  # pragma: no cover - dev dependency
    Protego = None
try:
    from robotstxt import RobotsMatcher
except ImportError:  # pragma: no cover - dev dependency
    RobotsMatcher = None

DATASETS = {
    "great-gpt-firewall": ("robots/great-gpt-firewall",),
    "pre-ai-2019": ("robots/pre-ai-2019",),
    "texting_robots": ("robots/texting_robots-testdata",),
}
AGENTS = ("GPTBot", "CCBot", "Google-Extended", "ClaudeBot", "Googlebot", "Bingbot", "OtherBot")
QUERIES_PER_FILE = 10


def synthetic_500k() -> bytes:
    """A deterministic file just under 500 KiB: AI groups, a large * group, wildcards, noise."""
    rng = random.Random(500)
    words = ["news", "archive", "search", "tag", "user", "api", "media", "img", "cart", "wp-admin"]
    out = ["# synthetic benchmark file", "Sitemap: https://example.com/sitemap.xml", ""]
    for agent in ("GPTBot", "CCBot", "Google-Extended", "ClaudeBot", "anthropic-ai"):
        out += [f"User-agent: {agent}", "Disallow: /", ""]
    out.append("User-agent: *")
    size = sum(len(x) + 1 for x in out)
    while size < 500 * 1024 - 200:
        depth = rng.randint(1, 4)
        path = "/" + "/".join(rng.choice(words) + str(rng.randint(0, 999)) for _ in range(depth))
        kind = rng.random()
        if kind < 0.15:
            path += "/*?" + rng.choice(words) + "="
        elif kind < 0.25:
            path = "/*" + path + "$"
        line = ("Allow: " if rng.random() < 0.2 else "Disallow: ") + path
        if rng.random() < 0.05:
            line += "  # " + rng.choice(words)
        out.append(line)
        size += len(line) + 1
    return ("\n".join(out) + "\n").encode()


def queries_for(data: bytes, rng: random.Random, count: int) -> list[tuple[str, str]]:
    parsed = RobotsTxt.parse(data)
    paths = ["/", "/index.html", "/search?q=ai", "/news/2024/article.html"]
    for group in parsed.groups:
        for line in group.lines:
            if line.field in ("allow", "disallow") and line.value.startswith("/"):
                paths.append(line.value.replace("*", "x").rstrip("$") + "page")
    return [
        (rng.choice(AGENTS), "https://example.com" + rng.choice(paths))
        for _ in range(count)
    ]


def _protego_parse(text: str) -> object:
    return Protego.parse(text)


def _urllib_parse(text: str) -> urllib.robotparser.RobotFileParser:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    return parser


def bench_parse(name: str, blobs: list[bytes], repeats: int) -> list[Row]:
    texts = [b.decode("utf-8", "replace") for b in blobs]
    megabytes = sum(len(b) for b in blobs) / 1e6
    tools: list[tuple[str, Callable[[], object], str]] = [
        ("aioptout", lambda: [RobotsTxt.parse(b) for b in blobs], "bytes in, diagnostics on"),
    ]
    if Protego is not None:
        tools.append(("protego", lambda: [_protego_parse(t) for t in texts], ""))
    tools.append(("urllib.robotparser", lambda: [_urllib_parse(t) for t in texts], "stdlib 3.11"))
    if RobotsMatcher is not None:
        matcher = RobotsMatcher()
        tools.append((
            "fast-robotstxt",
            lambda: [matcher.is_allowed(t, "GPTBot", "https://example.com/") for t in texts],
            "C++; one parse+match per file",
        ))
    times = interleaved_medians([run for _, run, _ in tools], repeats)
    return [Row(tool, {"MB/s": megabytes / seconds, "files/s": len(blobs) / seconds}, note)
            for (tool, _, note), seconds in zip(tools, times, strict=True)]


def bench_decide(name: str, blobs: list[bytes], repeats: int, query_files: int) -> list[Row]:
    step = max(1, len(blobs) // query_files)
    chosen = blobs[::step][:query_files]
    rng = random.Random(name)
    per_file = max(QUERIES_PER_FILE, 2000 // len(chosen))
    work = [(b, queries_for(b, rng, per_file)) for b in chosen]
    count = sum(len(q) for _, q in work)
    ours = [(RobotsTxt.parse(b), q) for b, q in work]
    texts = [(b.decode("utf-8", "replace"), q) for b, q in work]

    def run_ours() -> None:
        for parsed, queries in ours:
            for agent, url in queries:
                parsed.allowed(agent, url)

    tools: list[tuple[str, Callable[[], object], str]] = [("aioptout", run_ours, "parse once")]
    if Protego is not None:
        protegos = [(Protego.parse(t), q) for t, q in texts]

        def run_protego() -> None:
            for parsed, queries in protegos:
                for agent, url in queries:
                    parsed.can_fetch(url, agent)

        tools.append(("protego", run_protego, "parse once"))
    stdlib = [(_urllib_parse(t), q) for t, q in texts]

    def run_stdlib() -> None:
        for parsed, queries in stdlib:
            for agent, url in queries:
                parsed.can_fetch(agent, url)

    tools.append(("urllib.robotparser", run_stdlib, "parse once; first-match"))
    if RobotsMatcher is not None:
        matcher = RobotsMatcher()

        def run_fast() -> None:
            for text, queries in texts:
                for agent, url in queries:
                    matcher.is_allowed(text, agent, url)

        tools.append(("fast-robotstxt", run_fast, "re-parses the file on every query"))
    times = interleaved_medians([run for _, run, _ in tools], repeats)
    return [Row(tool, {"q/s": count / seconds}, note)
            for (tool, _, note), seconds in zip(tools, times, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--query-files", type=int, default=200)
    args = parser.parse_args()
    print(f"# robots.txt benchmark ({machine()}; {args.repeats} repeats, medians)")
    datasets = {name: load(corpus_files(*dirs)) for name, dirs in DATASETS.items()}
    datasets["synthetic-500KiB"] = [synthetic_500k()]
    for name, blobs in datasets.items():
        size = sum(len(b) for b in blobs) / 1e6
        print(f"\n## {name}: {len(blobs)} files, {size:.2f} MB")
        print_table(f"parse ({name})", bench_parse(name, blobs, args.repeats),
                    ["MB/s", "files/s"], baseline="protego")
        print_table(
            f"decisions ({name}, ≥{QUERIES_PER_FILE} queries per file, "
            f"up to {args.query_files} files)",
            bench_decide(name, blobs, args.repeats, args.query_files),
            ["q/s"], baseline="protego",
        )


if __name__ == "__main__":
    main()
