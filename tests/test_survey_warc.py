"""Surveying WARC captures, built here with warcio's writer around corpus bodies."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest

from aioptout.survey import dask as dask_engine
from aioptout.survey import warc
from aioptout.survey.engine import OfflineAnalyzer, survey
from aioptout.survey.metrics import REPRODUCTION_AGENTS
from aioptout.survey.store import Store
from aioptout.survey.warc import iter_warc

CORPUS = Path(os.environ.get("AIOPTOUT_CORPUS") or Path(__file__).resolve().parents[2] / "shared"
              / "corpus")
AGENTS = tuple((a, "training") for a in REPRODUCTION_AGENTS)


def write_warc(path: Path, records: list[tuple[str, int, bytes, dict[str, str]]]) -> None:
    """A WARC of request + response pairs, built with warcio's writer (synthetic captures)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for uri, status, body, headers in records:
            req = writer.create_warc_record(uri, "request", payload=io.BytesIO(b""),
                                            http_headers=StatusAndHeaders(
                                                "GET /robots.txt HTTP/1.1", [("Host", "x")],
                                                is_http_request=True))
            writer.write_record(req)
            reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found",
                      503: "Service Unavailable"}.get(status, "X")
            http = StatusAndHeaders(f"{status} {reason}",
                                    [("Content-Type", "text/plain"), *headers.items()],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), http_headers=http))


def test_warc_responses_become_jobs(tmp_path: Path) -> None:
    body = (CORPUS / "robots" / "texting_robots-testdata").glob("*.txt")
    sample_body = sorted(body)[0].read_bytes()
    warc = tmp_path / "cc.warc.gz"
    write_warc(warc, [
        ("https://a.test/robots.txt", 200, sample_body, {}),
        ("http://b.test/robots.txt", 301, b"", {"Location": "https://www.b.test/robots.txt"}),
        ("https://www.b.test/robots.txt", 200, b"User-agent: *\nDisallow: /\n", {}),
        ("https://c.test/robots.txt", 404, b"<html>nope</html>", {}),
        ("https://c.test/index.html", 200, b"<html></html>", {}),
    ])
    jobs = list(iter_warc(warc, label="CC-MAIN-2025-26"))
    assert [(j.site, j.status) for j in jobs] == [
        ("a.test", 200), ("b.test", 301), ("www.b.test", 200), ("c.test", 404)]
    assert jobs[0].body == sample_body
    assert {j.source for j in jobs} == {"warc"}


def test_warc_survey_statuses_and_redirects(tmp_path: Path) -> None:
    # Synthetic WARC records around real bodies from the corpus.
    lobsters = (CORPUS / "other" / "content-signal").glob("*lobste.rs.txt")
    body = sorted(lobsters)[0].read_bytes()
    blocked = b"User-agent: GPTBot\nDisallow: /\n\nUser-agent: *\nAllow: /\n"
    first = tmp_path / "a.warc.gz"
    second = tmp_path / "b.warc.gz"
    write_warc(first, [
        ("http://moved.test/robots.txt", 301, b"", {"Location": "https://moved.test/robots.txt"}),
        ("https://lobste.rs/robots.txt", 200, body, {}),
        ("https://down.test/robots.txt", 503, b"busy", {}),
        ("https://gone.test/robots.txt", 404, b"<html>404</html>", {}),
    ])
    write_warc(second, [
        ("https://moved.test/robots.txt", 200, blocked, {}),
        ("https://lobste.rs/robots.txt", 200, b"User-agent: *\nAllow: /\n", {}),  # later capture
    ])
    with Store(tmp_path / "s.sqlite") as store:
        stats = survey(warc.iter_warcs([first, second], label="CC"), OfflineAnalyzer(agents=AGENTS),
                       store)
        assert stats.written == 6
        rows = {r.site: r for r in store.results("CC")}
    assert set(rows) == {"moved.test", "lobste.rs", "down.test", "gone.test"}
    # The redirect was replaced by the target's capture of the same host.
    assert rows["moved.test"].status == "ok"
    assert rows["moved.test"].result["blocked_root"] == ["GPTBot"]
    # A host captured twice keeps its first final capture.
    assert rows["lobste.rs"].result["mechanisms"]["content-signal"]["present"] is True
    # RFC 9309 §2.3.1.4: unreachable → "the crawler MUST assume complete disallow".
    assert rows["down.test"].status == "unreachable"
    assert rows["down.test"].result["blocked_root"] == list(REPRODUCTION_AGENTS)
    # RFC 9309 §2.3.1.3: unavailable → "the crawler MAY access any resources on the server".
    assert rows["gone.test"].status == "absent"
    assert rows["gone.test"].result["blocked_root"] == []
    assert rows["gone.test"].result["http_status"] == 404


def test_missing_warcio_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "warcio.archiveiterator", None)
    path = tmp_path / "x.warc.gz"
    path.write_bytes(b"")
    with pytest.raises(warc.WarcUnavailable, match=r"aioptout\[warc\]"):
        list(warc.iter_warc(path, label="x"))


def test_missing_distributed_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(dask_engine.DaskUnavailable, match=r"aioptout\[dask\]"):
        dask_engine._client("tcp://127.0.0.1:1")
