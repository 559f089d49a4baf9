"""Survey inputs: site lists, Tranco CSV, seeded samples, saved-file folders, WARC captures."""

from __future__ import annotations

from pathlib import Path

import pytest

from aioptout.survey import inputs
from aioptout.survey.warc import robots_site


def test_plain_list_with_comments_urls_and_case(tmp_path: Path) -> None:
    path = tmp_path / "sites.txt"
    path.write_text(
        "\ufeff# my sites\nExample.COM\n\n  https://News.example.org/path \nhttp://a.test:8080/\n"
    )
    assert list(inputs.read_sites(path)) == [
        "example.com", "https://news.example.org", "http://a.test:8080"]


def test_tranco_csv_with_and_without_header(tmp_path: Path) -> None:
    # Tranco's list format is "rank,domain" per line (tranco-list.eu).
    path = tmp_path / "top.csv"
    path.write_text("1,google.com\n2,facebook.com\r\n3 , Microsoft.com\n")
    assert list(inputs.read_sites(path)) == ["google.com", "facebook.com", "microsoft.com"]
    path.write_text("rank,domain\n1,google.com\n")
    assert list(inputs.read_sites(path)) == ["google.com"]


def test_missing_list_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(inputs.InputError):
        list(inputs.read_sites(tmp_path / "nope.txt"))


def test_sample_is_seeded_reproducible_in_input_order() -> None:
    items = [f"s{i}" for i in range(1000)]
    a = inputs.sample(iter(items), 50, seed=7)
    assert a == inputs.sample(iter(items), 50, seed=7)
    assert a != inputs.sample(iter(items), 50, seed=8)
    assert len(a) == 50 and len(set(a)) == 50
    assert a == sorted(a, key=items.index)
    assert inputs.sample(iter(items[:10]), 50, seed=1) == items[:10]


def test_sample_is_roughly_uniform() -> None:
    # Every position should be drawn about n/N of the time; a biased reservoir fails this.
    counts = [0] * 20
    for seed in range(2000):
        for item in inputs.sample(iter(range(20)), 5, seed):
            counts[item] += 1
    expected = 2000 * 5 / 20
    assert all(abs(c - expected) < 0.15 * expected for c in counts)


def test_limit_takes_the_first_n() -> None:
    assert list(inputs.limit(iter("abcdef"), 3)) == ["a", "b", "c"]
    assert list(inputs.limit(iter("ab"), None)) == ["a", "b"]


def test_dir_labels_from_subdirectories(tmp_path: Path) -> None:
    for month in ("2025-01", "2025-03"):
        (tmp_path / month).mkdir()
        (tmp_path / month / "a.test.txt").write_bytes(b"User-agent: *\nDisallow: /\n")
    (tmp_path / "notes.md").write_text("x")
    assert [lab for lab, _ in inputs.dir_labels(tmp_path, label="x", from_subdirs=True)] == [
        "2025-01", "2025-03"]
    assert inputs.dir_labels(tmp_path, label="x", from_subdirs=False) == [("x", tmp_path)]
    folder = tmp_path / "2025-01"
    [job] = list(inputs.dir_jobs(folder, "2025-01", inputs.dir_sites(folder)))
    assert (job.label, job.site, job.status, job.source) == ("2025-01", "a.test", 200, "dir")
    assert job.body == b"User-agent: *\nDisallow: /\n"


def test_dir_of_a_file_is_an_input_error(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("")
    with pytest.raises(inputs.InputError):
        inputs.dir_labels(f, label="x", from_subdirs=False)


def test_robots_site_of_target_uris() -> None:
    assert robots_site("https://Example.com/robots.txt") == "example.com"
    assert robots_site("http://example.com:8080/robots.txt") == "example.com"
    assert robots_site("https://example.com/") is None
    assert robots_site("https://example.com/robots.txt?x=1") == "example.com"
