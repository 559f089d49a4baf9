"""``aioptout filter`` and its library, against the fixture web, saved files and survey stores."""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from aioptout.checker import Checker
from aioptout.decide import decide
from aioptout.filter import (
    FIELD_NAMES,
    READ_AHEAD,
    LiveSource,
    OriginView,
    PolicyDirSource,
    RowFilter,
    SurveySource,
    batch_predicate,
    filter_rows,
)
from aioptout.fixtureweb import FixtureWeb

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "spec" / "filter-receipt.schema.json").read_text())
CORPUS = ROOT.parent / "shared" / "corpus" / "robots" / "pre-ai-2019"
BODIES = ROOT / "aioptout" / "data" / "fixtureweb" / "bodies"


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "aioptout", "filter", *args],
                          input=stdin, capture_output=True, timeout=120)


def net(web: FixtureWeb) -> list[str]:
    out = ["--allow-private", "--delay", "0"]
    for line in web.resolve_lines():
        out += ["--resolve", line]
    return out


def validate_receipt(doc: Any) -> None:
    jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.FormatChecker()
                                    ).validate(doc)


def validate_summary(doc: Any) -> None:
    schema = {"$ref": "#/$defs/summary", "$defs": SCHEMA["$defs"]}
    jsonschema.Draft202012Validator(schema).validate(doc)


def checker_for(web: FixtureWeb) -> Checker:
    from aioptout.fetch import Fetcher

    return Checker(fetcher=Fetcher(resolve=web.resolve_map(), politeness_delay=0.0,
                                   total_timeout=5.0))


# --- the command, live --------------------------------------------------------------------------

def test_jsonl_live_keeps_rows_unchanged_and_explains_rejections(
        fixture_web: FixtureWeb, tmp_path: Path) -> None:
    web = fixture_web
    rows = [
        {"url": web.url("declared.test", "/songs/1.html"), "text": "é one"},
        {"url": web.url("declared.test", "/private/2.html"), "text": "two"},
        {"url": web.url("empty.test", "/a"), "text": "three"},
        {"url": web.url("music-label.test", "/track/9"), "n": 4},
        {"url": web.url("empty.test", "/b"), "text": "five"},
    ]
    source = tmp_path / "in.jsonl"
    lines = [json.dumps(r, ensure_ascii=False, separators=(", ", ":")) for r in rows]
    source.write_bytes(("\n".join(lines) + "\n").encode())
    kept, rejected, receipt = tmp_path / "k.jsonl", tmp_path / "r.jsonl", tmp_path / "rc.json"
    before = web.hits("empty.test", "/robots.txt")
    before_a = web.hits("empty.test", "/a")
    got = run(str(source), "-o", str(kept), "--rejected", str(rejected), "--agent", "GPTBot",
              "--receipt", str(receipt), *net(web))
    assert got.returncode == 1, got.stderr
    # Kept lines are the input's bytes; GPTBot is disallowed on declared.test and music-label.
    assert kept.read_bytes().decode().splitlines() == [lines[2], lines[4]]
    out = [json.loads(x) for x in rejected.read_text().splitlines()]
    assert [o["url"] for o in out] == [rows[0]["url"], rows[1]["url"], rows[3]["url"]]
    assert out[0]["text"] == "é one"
    assert set(FIELD_NAMES) <= set(out[0])
    assert out[0]["aioptout_status"] == "disallowed"
    assert out[0]["aioptout_mechanism"] in {"robots", "aioptout", "aipref"}
    assert out[2]["aioptout_line"] is not None and out[2]["aioptout_source"].startswith("http")
    # Each origin's files were fetched once, whatever the number of its rows.
    assert web.hits("empty.test", "/robots.txt") - before == 1
    assert web.hits("empty.test", "/a") == before_a, "rows' documents are not fetched"
    doc = json.loads(receipt.read_text())
    validate_receipt(doc)
    assert doc["summary"]["rows"] == 5 and doc["summary"]["rejected"] == 3
    origins = {o["origin"]: o for o in doc["origins"]}
    declared = origins[web.origin("declared.test")]
    robots = next(f for f in declared["files"] if f["mechanism"] == "robots")
    assert robots["status"] == 200 and len(robots["sha256"]) == 64
    import hashlib

    assert doc["inputs"][0]["sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()


def test_exit_0_when_nothing_is_rejected_and_json_summary(fixture_web: FixtureWeb,
                                                          tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"url": fixture_web.url("empty.test", "/x")}) + "\n")
    got = run(str(source), "-o", str(tmp_path / "k.jsonl"), "--agent", "GPTBot",
              "--format", "json", *net(fixture_web))
    assert got.returncode == 0, got.stderr
    summary = json.loads(got.stdout)
    validate_summary(summary)
    assert summary["by_status"]["unknown"] == 1 and summary["kept"] == 1


def test_unknown_drop_and_rows_without_url(fixture_web: FixtureWeb, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"url": fixture_web.url("empty.test", "/x")}) + "\n"
                      + json.dumps({"other": 1}) + "\nnot json\n")
    kept, rejected = tmp_path / "k.jsonl", tmp_path / "r.jsonl"
    got = run(str(source), "-o", str(kept), "--rejected", str(rejected), "--agent", "GPTBot",
              "--unknown", "drop", "--format", "json", *net(fixture_web))
    assert got.returncode == 1
    assert kept.read_text() == ""
    statuses = [json.loads(x)["aioptout_status"] for x in rejected.read_text().splitlines()]
    assert statuses == ["unknown", "no-target", "no-target"]
    assert json.loads(rejected.read_text().splitlines()[2])["aioptout_row"] == "not json"


def test_unreachable_declaration_reserves_every_usage(fixture_web: FixtureWeb,
                                                      tmp_path: Path) -> None:
    """R-2-9: status-500.test answers 500 for its declaration."""
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"url": fixture_web.url("status-500.test", "/a")}) + "\n")
    rejected = tmp_path / "r.jsonl"
    got = run(str(source), "-o", str(tmp_path / "k.jsonl"), "--rejected", str(rejected),
              "--agent", "SomeBot", "--usage", "search", *net(fixture_web))
    assert got.returncode == 1
    row = json.loads(rejected.read_text())
    assert row["aioptout_status"] == "disallowed"
    assert row["aioptout_mechanism"] == "aioptout"
    assert row["aioptout_source"].endswith("/.well-known/aioptout.txt")


def test_unreachable_robots_reserves_what_the_agent_purpose_covers(
        fixture_web: FixtureWeb) -> None:
    """RFC 9309: status-503.test's robots.txt answers 503, so crawling is disallowed; that
    reserves train-ai for a training crawler and implies nothing for an unknown agent."""
    source = LiveSource(checker_for(fixture_web))
    url = fixture_web.url("status-503.test", "/a")
    training = RowFilter(source, agent="GPTBot").decide(url)
    assert (training.status, training.mechanism) == ("disallowed", "robots")
    assert RowFilter(source, agent="SomeUnknownBot").decide(url).status == "unknown"
    assert RowFilter(source, agent="SomeUnknownBot", usage="crawl").decide(url).status == \
        "disallowed"


def test_stdin_to_stdout(fixture_web: FixtureWeb) -> None:
    line = json.dumps({"url": fixture_web.url("empty.test", "/x")}).encode() + b"\n"
    got = run("-", "-o", "-", "--agent", "GPTBot", *net(fixture_web), stdin=line * 3)
    assert got.returncode == 0, got.stderr
    assert got.stdout == line * 3


@pytest.mark.parametrize("args", [
    ["missing.jsonl", "-o", "k.jsonl"],
    ["bad.parquet", "-o", "k.parquet"],
])
def test_unreadable_input_exits_3(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    got = subprocess.run([sys.executable, "-m", "aioptout", "filter", *args, "--agent", "X",
                          "--policies", str(tmp_path)], capture_output=True, cwd=tmp_path,
                         timeout=60)
    assert got.returncode == 3
    assert b"Traceback" not in got.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text("")
    base = [str(tmp_path / "a.jsonl"), "--agent", "X"]
    assert run(*base, "-o", str(tmp_path / "k.csv")).returncode == 2
    assert run(*base, "-o", str(tmp_path / "k.jsonl"), "--usage", "nope").returncode == 2
    assert run(str(tmp_path / "a.txt"), "-o", "k.txt", "--agent", "X").returncode == 2


# --- offline sources ------------------------------------------------------------------------------

def policies(tmp_path: Path) -> Path:
    root = tmp_path / "pol"
    (root / "declared.test" / ".well-known").mkdir(parents=True)
    (root / "declared.test" / "robots.txt").write_bytes(
        (BODIES / "declared.robots.txt").read_bytes())
    (root / "declared.test" / ".well-known" / "aioptout.txt").write_bytes(
        (BODIES / "declared.aioptout.txt").read_bytes())
    (root / "shop.test").mkdir()
    (root / "shop.test" / "robots.txt").write_text(
        "User-agent: *\nDisallow: /cart/\nAllow: /cart/public$\n"
        "Content-Usage: train-ai=n\nContent-Usage: /blog/ train-ai=y\n")
    return root


def test_csv_cells_and_bytes_unchanged(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    text = ('\ufeffid,url,note\r\n'
            '1,https://shop.test/cart/x,"multi\r\nline, with comma"\r\n'
            '2,https://shop.test/blog/post,"say ""hi"""\r\n'
            '3,https://shop.test/cart/public,plain\r\n'
            '4,https://unknown.test/,x\r\n')
    source.write_bytes(text.encode())
    kept, rejected = tmp_path / "k.csv", tmp_path / "r.csv"
    got = run(str(source), "-o", str(kept), "--rejected", str(rejected), "--agent", "GPTBot",
              "--policies", str(policies(tmp_path)))
    assert got.returncode == 1, got.stderr
    expected = text.split("\r\n")
    assert kept.read_bytes().decode() == "\r\n".join(
        [expected[0], expected[3], expected[5]]) + "\r\n"
    with rejected.open(newline="", encoding="utf-8") as handle:
        records = list(csv.reader(handle))
    assert records[0][:3] == ["\ufeffid", "url", "note"] and records[0][3:] == list(FIELD_NAMES)
    assert records[1][2] == "multi\r\nline, with comma"
    assert records[1][3] == "disallowed" and records[1][6] == "2"
    assert records[2][0] == "3" and records[2][3] == "disallowed"


def test_parquet_round_trip(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    urls = [f"https://shop.test/{'cart' if i % 3 == 0 else 'blog'}/{i}" for i in range(20_000)]
    table = pa.table({"url": urls, "n": list(range(20_000))})
    source = tmp_path / "in.parquet"
    pq.write_table(table, source)
    kept, rejected = tmp_path / "k.parquet", tmp_path / "r.parquet"
    got = run(str(source), "-o", str(kept), "--rejected", str(rejected), "--agent", "GPTBot",
              "--policies", str(policies(tmp_path)))
    assert got.returncode == 1, got.stderr
    k = pq.read_table(kept)
    r = pq.read_table(rejected)
    assert k.schema == table.schema
    assert k.column("n").to_pylist() == [i for i in range(20_000) if i % 3]
    assert r.column("n").to_pylist() == [i for i in range(20_000) if i % 3 == 0]
    assert set(r.column("aioptout_status").to_pylist()) == {"disallowed"}
    assert r.column("aioptout_line").to_pylist()[0] == 2


def test_warc_records_copied_unchanged(tmp_path: Path) -> None:
    pytest.importorskip("warcio")
    from warcio.archiveiterator import ArchiveIterator
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    source = tmp_path / "in.warc.gz"
    with source.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        writer.write_record(writer.create_warcinfo_record("in.warc.gz", {"software": "test"}))
        for path in ("/blog/a", "/cart/b", "/blog/c"):
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                       protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                "https://shop.test" + path, "response", payload=io.BytesIO(b"<p>" +
                                                                           path.encode()),
                http_headers=headers))
    kept, rejected = tmp_path / "k.warc.gz", tmp_path / "r.warc.gz"
    got = run(str(source), "-o", str(kept), "--rejected", str(rejected), "--agent", "GPTBot",
              "--policies", str(policies(tmp_path)))
    assert got.returncode == 1, got.stderr

    def members(path: Path) -> list[tuple[str, str | None, bytes]]:
        out = []
        with path.open("rb") as handle:
            records = ArchiveIterator(handle)
            for record in records:
                body = record.content_stream().read()
                out.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                            body))
        return out

    original = members(source)
    assert members(kept) == [original[0], original[1], original[3]]
    rej = members(rejected)
    assert [r[0] for r in rej] == ["response", "metadata"]
    assert json.loads(rej[1][2])["aioptout_status"] == "disallowed"
    # kept records are the input's bytes: the kept file is a byte-subsequence of members
    raw = source.read_bytes()
    assert kept.read_bytes() in (raw.replace(_member(raw, 2), b""),)


def _member(raw: bytes, index: int) -> bytes:
    """The index-th gzip member of a .warc.gz (members start with 1f 8b 08)."""
    import zlib

    start = 0
    for _ in range(index):
        d = zlib.decompressobj(31)
        d.decompress(raw[start:])
        start = len(raw) - len(d.unused_data)
    d = zlib.decompressobj(31)
    d.decompress(raw[start:])
    return raw[start:len(raw) - len(d.unused_data)]


def test_policies_and_survey_give_the_same_verdicts(tmp_path: Path) -> None:
    """A survey store kept with --keep-files decides like the saved files it was made from."""
    saved = tmp_path / "saved"
    saved.mkdir()
    pol = tmp_path / "pol"
    files = sorted(CORPUS.rglob("*.txt"))[:40]
    hosts = []
    for path in files:
        host = path.stem.lower()
        hosts.append(host)
        (saved / f"{host}.txt").write_bytes(path.read_bytes())
        (pol / host).mkdir(parents=True)
        (pol / host / "robots.txt").write_bytes(path.read_bytes())
    db = tmp_path / "s.db"
    survey = subprocess.run([sys.executable, "-m", "aioptout", "survey", "--dir", str(saved),
                             "--db", str(db), "--label", "t", "--keep-files", "-q",
                             "--processes", "1"], capture_output=True, timeout=300)
    assert survey.returncode == 0, survey.stderr
    rng = random.Random(7)
    paths = ["/", "/search?q=1", "/admin/", "/wp-admin/x", "/cgi-bin/a", "/news/1.html"]
    rows = [{"url": f"https://{rng.choice(hosts)}{rng.choice(paths)}"} for _ in range(500)]
    a = RowFilter(SurveySource(db, "t"), agent="GPTBot")
    b = RowFilter(PolicyDirSource(pol), agent="GPTBot")
    for row in rows:
        assert a.decide(row["url"]) == b.decide(row["url"]), row
    assert a.stats.origins and all(v.status == "ok" for v in a.stats.origins.values())


def test_survey_without_kept_files_is_refused(tmp_path: Path) -> None:
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "a.test.txt").write_text("User-agent: *\nDisallow: /\n")
    db = tmp_path / "s.db"
    subprocess.run([sys.executable, "-m", "aioptout", "survey", "--dir", str(saved), "--db",
                    str(db), "--label", "t", "-q", "--processes", "1"], check=True,
                   capture_output=True, timeout=300)
    (tmp_path / "in.jsonl").write_text('{"url": "https://a.test/"}\n')
    got = run(str(tmp_path / "in.jsonl"), "-o", str(tmp_path / "k.jsonl"), "--agent", "X",
              "--from-survey", str(db))
    assert got.returncode == 3
    assert b"--keep-files" in got.stderr


# --- the library ---------------------------------------------------------------------------------

def test_compiled_view_agrees_with_decide_everywhere() -> None:
    """The per-origin memo (rows matching the same rules share a decision) changes nothing."""
    from aioptout.crawl import SiteReport
    from aioptout.model import Value
    from aioptout.signals.robots import RobotsTxt

    rng = random.Random(3)
    agents = ["GPTBot", "CCBot", "Googlebot", "Google-Extended", "OtherBot", "*"]
    checked = 0
    for path in sorted(CORPUS.rglob("*.txt"))[:120]:
        robots = RobotsTxt.parse(path.read_bytes(), source="https://h.test/robots.txt")
        report = SiteReport("https://h.test", "*", (), Value.UNKNOWN, {}, False, robots=robots,
                            robots_outcome="present")
        signals = report.site_signals()
        view = OriginView("https://h.test", signals=signals)
        patterns = [line.value for g in robots.groups for line in g.lines
                    if line.field in ("allow", "disallow")] or ["/"]
        from aioptout.agents import default_registry

        registry = default_registry()
        for _ in range(30):
            pattern = rng.choice(patterns).replace("*", "x").rstrip("$")
            target = ("https://h.test" + rng.choice(["", "/"]) + pattern
                      + rng.choice(["", "a", "/b?c=1"]))
            agent = rng.choice(agents)
            usage = rng.choice(["train-ai", "search", "crawl"])
            got = view.decide(target, agent, usage, registry)
            want = decide(signals, agent, target, usage, registry=registry)
            assert (got.value, got.mechanism, got.line, got.rule, got.source, got.reason) == (
                want.value, want.mechanism, want.line, want.rule, want.source, want.reason)
            checked += 1
    assert checked == 3600


def test_filter_rows_streams_and_calls_back(tmp_path: Path) -> None:
    produced = 0
    consumed = 0
    lead = []
    rejected: list[tuple[int, str]] = []

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal produced
        for i in range(50_000):
            produced += 1
            lead.append(produced - consumed - len(rejected))
            yield {"url": f"https://shop.test/{'cart' if i % 2 else 'blog'}/{i}", "i": i}

    out = filter_rows(rows(), agent="GPTBot", source=PolicyDirSource(policies(tmp_path)),
                      on_rejected=lambda row, v: rejected.append((row["i"], v.status)))
    for row in out:
        consumed += 1
        assert row["i"] % 2 == 0
    assert consumed == 25_000 and len(rejected) == 25_000
    assert max(lead) <= 1, "offline rows are decided one at a time, never accumulated"


def test_live_read_ahead_is_bounded(fixture_web: FixtureWeb) -> None:
    produced = 0
    consumed = 0
    worst = 0

    def rows() -> Iterator[str]:
        nonlocal produced, worst
        for i in range(5 * READ_AHEAD):
            produced += 1
            worst = max(worst, produced - consumed)
            yield fixture_web.url("empty.test", f"/{i}")

    judge = RowFilter(LiveSource(checker_for(fixture_web)), agent="GPTBot")
    for _item, kept, _verdict in judge.run(rows(), lambda r: r):
        consumed += 1
        assert kept
    judge.close()
    assert consumed == 5 * READ_AHEAD
    assert worst <= READ_AHEAD + 1


def test_one_failing_origin_does_not_stop_the_others(tmp_path: Path) -> None:
    inner = PolicyDirSource(policies(tmp_path))

    class Flaky:
        kind = "policies"
        concurrent = False

        def view(self, origin: str) -> OriginView:
            if "declared" in origin:
                raise RuntimeError("boom")
            return inner.view(origin)

        def describe(self) -> dict[str, object]:
            return {"kind": "policies"}

    judge = RowFilter(Flaky(), agent="GPTBot")
    assert judge.decide("https://declared.test/x").status == "error"
    assert judge.decide("https://shop.test/cart/1").status == "disallowed"
    assert judge.stats.origins["https://declared.test"].status == "error"


def test_work_identifiers_use_the_named_origin(fixture_web: FixtureWeb) -> None:
    source = LiveSource(checker_for(fixture_web))
    judge = RowFilter(source, agent="SomeBot", origin=fixture_web.origin("music-label.test"))
    assert judge.decide("isrc:QZFXT2600001").status == "disallowed"
    assert judge.decide("isrc:GBAAA2600001").status == "unknown"
    no_origin = RowFilter(source, agent="SomeBot")
    assert no_origin.decide("isrc:QZFXT2600001").status == "unknown"


def test_batch_predicate_for_datasets(tmp_path: Path) -> None:
    keep = batch_predicate(agent="GPTBot", source=PolicyDirSource(policies(tmp_path)))
    batch = {"url": ["https://shop.test/cart/1", "https://shop.test/blog/2", None],
             "text": ["a", "b", "c"]}
    assert keep(batch) == [False, True, True]
    assert keep({"url": ["https://shop.test/cart/public"], "text": ["d"]}) == [False]


def test_real_datasets_filter(tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    data = datasets.Dataset.from_dict({"url": [f"https://shop.test/{p}/{i}" for i, p in
                                               enumerate(["cart", "blog"] * 50)]})
    keep = batch_predicate(agent="GPTBot", source=PolicyDirSource(policies(tmp_path)))
    kept = data.filter(keep, batched=True, batch_size=16)
    assert len(kept) == 50 and all("/blog/" in u for u in kept["url"])


def test_online_survey_kept_files_decide_like_live_fetches(fixture_web: FixtureWeb,
                                                           tmp_path: Path) -> None:
    hosts = ("declared.test", "music-label.test", "status-500.test", "empty.test",
             "real-reddit.test", "tdmrep-formosanbank.test")
    sites = tmp_path / "sites.txt"
    sites.write_text("".join(fixture_web.origin(h) + "\n" for h in hosts))
    db = tmp_path / "s.db"
    args = [sys.executable, "-m", "aioptout", "survey", str(sites), "--db", str(db), "--label",
            "live", "--keep-files", "-q", "--processes", "1", "--allow-private", "--delay", "0"]
    for line in fixture_web.resolve_lines():
        args += ["--resolve", line]
    survey = subprocess.run(args, capture_output=True, timeout=300)
    assert survey.returncode == 0, survey.stderr
    stored = RowFilter(SurveySource(db), agent="ExampleBot")
    live = RowFilter(LiveSource(checker_for(fixture_web)), agent="ExampleBot")
    for host in hosts:
        for path in ("/", "/press/a", "/private/x", "/r/1", "/songs/2"):
            url = fixture_web.url(host, path)
            assert stored.decide(url) == live.decide(url), url
    view = stored.stats.origins[fixture_web.origin("declared.test")]
    files = {f.mechanism: f for f in view.files}
    assert set(files) >= {"aioptout", "robots", "tdmrep", "ai-txt"}
    assert files["robots"].status == 200 and files["robots"].fetched_at is not None


def test_corrupt_parquet_data_exits_3_and_keeps_what_was_written(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    source = tmp_path / "in.parquet"
    table = pa.table({"url": [f"https://shop.test/blog/{i}" for i in range(30_000)]})
    pq.write_table(table, source, row_group_size=10_000, compression="none")
    raw = bytearray(source.read_bytes())
    middle = len(raw) * 5 // 6  # inside the last row group's data, before the footer
    raw[middle:middle + 4000] = b"\xff" * 4000
    source.write_bytes(bytes(raw))
    kept = tmp_path / "k.parquet"
    got = run(str(source), "-o", str(kept), "--agent", "GPTBot",
              "--policies", str(policies(tmp_path)))
    assert got.returncode == 3, got.stderr
    assert b"Traceback" not in got.stderr
    # the batches read before the damage were decided and written; the file is whole
    assert 0 < pq.read_table(kept).num_rows < 30_000
