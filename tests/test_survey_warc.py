"""Surveying WARC captures, built here with warcio's writer around corpus bodies."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from aioptout._cli import survey as survey_cli
from aioptout.survey import dask as dask_engine
from aioptout.survey import warc
from aioptout.survey.engine import OfflineAnalyzer, survey
from aioptout.survey.inputs import InputError, sample
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


def survey_app() -> typer.Typer:
    application = typer.Typer()
    survey_cli.register(application)
    application.callback()(lambda: None)
    return application


def test_sample_of_warc_captures_is_seeded(tmp_path: Path) -> None:
    hosts = [f"h{i:02d}.test" for i in range(12)]
    records = [(f"https://{h}/robots.txt", 200, b"User-agent: *\nDisallow: /x\n", {})
               for h in hosts]
    records.append(("http://h03.test/robots.txt", 301, b"", {"Location": "https://h03.test/"}))
    first, second = tmp_path / "a.warc.gz", tmp_path / "b.warc.gz"
    write_warc(first, records[:6])
    write_warc(second, records[6:])
    stored: list[set[str]] = []
    for run, seed in enumerate((7, 7, 8)):
        db = tmp_path / f"s{run}.sqlite"
        result = CliRunner().invoke(survey_app(), [
            "survey", "--warc", str(first), "--warc", str(second), "--sample", "4",
            "--seed", str(seed), "--db", str(db), "--label", "CC", "--quiet"])
        assert result.exit_code == 0, result.output
        with Store(db) as store:
            stored.append({r.site for r in store.results("CC")})
    assert stored[0] == set(sample(hosts, 4, 7))  # the population in first-capture order
    assert stored[0] == stored[1] and stored[2] == set(sample(hosts, 4, 8))


def test_a_file_that_is_not_a_warc_is_an_input_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputError, match=r"junk\.warc\.gz: not a readable WARC file"):
        list(iter_warc(junk, label="CC"))
    result = CliRunner().invoke(survey_app(), [
        "survey", "--warc", str(junk), "--db", str(tmp_path / "s.sqlite"), "--label", "CC",
        "--quiet"])
    assert result.exit_code == 3
    assert "not a readable WARC file" in result.output and "internal error" not in result.output
