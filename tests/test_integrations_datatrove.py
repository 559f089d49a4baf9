"""The datatrove step inside a real pipeline: JsonlReader → AioptoutFilter → JsonlWriter."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

pytest.importorskip("datatrove")

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

from aioptout.fixtureweb import FixtureWeb
from aioptout.integrations.datatrove import AioptoutFilter


def read_jsonl_gz(folder: Path) -> list[dict[str, object]]:
    out = []
    for path in sorted(folder.rglob("*.jsonl.gz")):
        with gzip.open(path, "rt") as handle:
            out += [json.loads(line) for line in handle]
    return out


def test_pipeline_drops_reserved_documents(fixture_web: FixtureWeb, tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    docs = [
        {"id": "1", "text": "kept", "url": fixture_web.url("empty.test", "/a")},
        {"id": "2", "text": "reserved", "url": fixture_web.url("declared.test", "/b")},
        {"id": "3", "text": "kept too", "url": fixture_web.url("header-content-usage.test", "/")},
        {"id": "4", "text": "reserved", "url": fixture_web.url("music-label.test", "/t/1")},
    ]
    (source / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    out, dropped = tmp_path / "out", tmp_path / "dropped"
    step = AioptoutFilter("GPTBot", "train-ai", allow_private=True,
                          resolve=fixture_web.resolve_map(), delay=0.0,
                          exclusion_writer=JsonlWriter(str(dropped)))
    before = web_hits(fixture_web, "empty.test")
    executor = LocalPipelineExecutor(
        pipeline=[JsonlReader(str(source)), step, JsonlWriter(str(out))],
        tasks=1, workers=1, logging_dir=str(tmp_path / "logs"))
    executor.run()
    kept = read_jsonl_gz(out)
    assert [d["id"] for d in kept] == ["1", "3"]
    gone = read_jsonl_gz(dropped)
    assert [d["id"] for d in gone] == ["2", "4"]
    assert all(d["metadata"]["aioptout_status"] == "disallowed" for d in gone)
    assert gone[1]["metadata"]["aioptout_line"] is not None
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    filter_stats = next(s for s in stats if "aioptout" in s["name"])
    assert filter_stats["stats"]["dropped"] == 2 and filter_stats["stats"]["forwarded"] == 2
    assert filter_stats["stats"]["dropped_aioptout_robots"] == 2
    assert web_hits(fixture_web, "empty.test") - before == 1


def web_hits(web: FixtureWeb, host: str) -> int:
    return web.hits(host, "/robots.txt")
