"""``aioptout filter --from-survey`` rows/s vs a pandas + Protego script (robots.txt only).

Run: .venv/bin/python bench/bench_filter.py [--rows 200000] [--repeats 3]

Wall time depends on the machine's load; the CPU seconds of each child process are reported
too (``RUSAGE_CHILDREN``), and are the steadier figure on a shared machine.

Setup (not timed): the corpus's real robots.txt files (pre-ai-2019 and great-gpt-firewall
2025-12) are surveyed into a store with ``--keep-files``, and a JSONL dataset of ``--rows`` rows
(a URL and ~200 bytes of text) is drawn over their hosts, with paths taken from the files' own
rules so that rules match.  Timed, each as a whole process, taking turns within repetitions:

* ``aioptout filter`` deciding every signal the store holds for GPTBot / train-ai (robots
  groups through the agent's purpose, Content-Usage, Content-Signal), writing kept and rejected
  rows with the reason;
* a pandas script reading the same rows and the same robots.txt bodies from the same store,
  one Protego parser per host, ``can_fetch`` per row, writing the kept rows: the robots.txt
  part only, and no reasons.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _corpus import CORPUS, Row, interleaved_medians, machine, print_table

from aioptout.signals.robots import RobotsTxt

AGENT = "GPTBot"

PANDAS_SCRIPT = textwrap.dedent('''
    import json, sqlite3, sys
    from urllib.parse import urlsplit
    import pandas as pd
    from protego import Protego

    rows, db, out, agent = sys.argv[1:5]
    bodies = {}
    for site, result in sqlite3.connect(db).execute("SELECT site, result FROM results"):
        for f in json.loads(result).get("files") or ():
            if f["mechanism"] == "robots" and f.get("text") is not None:
                bodies[site] = f["text"]
    df = pd.read_json(rows, lines=True)
    parsers = {}
    def allowed(url):
        host = urlsplit(url).hostname
        parser = parsers.get(host)
        if parser is None:
            body = bodies.get(host)
            parser = parsers[host] = Protego.parse(body) if body is not None else False
        return True if parser is False else parser.can_fetch(url, agent)
    mask = df["url"].map(allowed)
    df[mask].to_json(out, orient="records", lines=True, force_ascii=False)
''')


def build(work: Path, rows: int) -> tuple[Path, Path, int]:
    saved = work / "saved"
    saved.mkdir()
    sources = sorted((CORPUS / "robots" / "pre-ai-2019").glob("*.txt"))
    sources += sorted((CORPUS / "robots" / "great-gpt-firewall" / "2025-12").glob("*.txt"))
    for path in sources:
        shutil.copyfile(path, saved / path.name.lower())
    db = work / "survey.db"
    subprocess.run([sys.executable, "-m", "aioptout", "survey", "--dir", str(saved), "--db",
                    str(db), "--label", "bench", "--keep-files", "-q"], check=True,
                   capture_output=True)
    rng = random.Random(14)
    hosts: list[tuple[str, list[str]]] = []
    for path in sorted(saved.iterdir()):
        robots = RobotsTxt.parse(path.read_bytes())
        paths = ["/", "/index.html", "/news/2024/a.html", "/search?q=ai"]
        for group in robots.groups:
            for line in group.lines:
                if line.field in ("allow", "disallow") and line.value.startswith("/"):
                    paths.append(line.value.replace("*", "x").rstrip("$") + "page")
        hosts.append((path.stem, paths[:200]))
    text = "lorem ipsum dolor sit amet " * 8
    data = work / "rows.jsonl"
    with data.open("w") as handle:
        for i in range(rows):
            host, paths = rng.choice(hosts)
            url = f"https://{host}{rng.choice(paths)}"
            handle.write(json.dumps({"id": i, "url": url, "text": text}) + "\n")
    return db, data, len(hosts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    try:
        import pandas  # noqa: F401
        import protego  # noqa: F401
    except ImportError:
        sys.exit("the reference script needs pandas and protego (the dev extra)")
    print(f"# filter benchmark ({machine()}; {args.repeats} repeats, medians, whole processes)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db, data, hosts = build(work, args.rows)
        script = work / "reference.py"
        script.write_text(PANDAS_SCRIPT)
        ours_cmd = [sys.executable, "-m", "aioptout", "filter", str(data), "-o",
                    str(work / "kept.jsonl"), "--rejected", str(work / "rejected.jsonl"),
                    "--agent", AGENT, "--usage", "train-ai", "--from-survey", str(db)]
        ref_cmd = [sys.executable, str(script), str(data), str(db), str(work / "ref.jsonl"),
                   AGENT]

        cpu: dict[str, list[float]] = {"ours": [], "reference": []}

        def child_cpu() -> float:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            return usage.ru_utime + usage.ru_stime

        def ours() -> None:
            before = child_cpu()
            got = subprocess.run(ours_cmd, capture_output=True)
            cpu["ours"].append(child_cpu() - before)
            if got.returncode not in (0, 1):
                sys.exit(got.stderr.decode())

        def reference() -> None:
            before = child_cpu()
            subprocess.run(ref_cmd, check=True, capture_output=True)
            cpu["reference"].append(child_cpu() - before)

        times = interleaved_medians([ours, reference], args.repeats)
        cpus = [statistics.median(cpu["ours"]), statistics.median(cpu["reference"])]
        kept = sum(1 for _ in (work / "kept.jsonl").open())
        ref_kept = sum(1 for _ in (work / "ref.jsonl").open())
        print(f"\n{args.rows:,} rows over {hosts} hosts with real robots.txt files; "
              f"kept: aioptout {kept:,} (every signal, train-ai), "
              f"pandas+Protego {ref_kept:,} (crawl rules only)")
        rows = [Row("aioptout filter --from-survey",
                    {"rows/s": args.rows / times[0], "rows/CPU-s": args.rows / cpus[0]},
                    "every signal; rejected rows written with reasons"),
                Row("pandas + Protego",
                    {"rows/s": args.rows / times[1], "rows/CPU-s": args.rows / cpus[1]},
                    "robots.txt crawl rules only; kept rows only")]
        print_table("rows per second (wall) and per CPU-second (the process's own)", rows,
                    ["rows/s", "rows/CPU-s"], baseline="pandas + Protego")


if __name__ == "__main__":
    main()
