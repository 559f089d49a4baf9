"""The Scrapy middleware and pipeline in a real crawl (CrawlerProcess, in a subprocess since
the Twisted reactor cannot restart) against the fixture web."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from aioptout.fixtureweb import FixtureWeb

pytest.importorskip("scrapy")

SCRIPT = textwrap.dedent('''
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.resolver import dnscache

    port, resolve, out, enabled = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3], sys.argv[4]
    for key in resolve:
        dnscache[key.rsplit(":", 1)[0]] = "127.0.0.1"
    base = lambda host, path: f"http://{host}:{port}{path}"

    class Spider(scrapy.Spider):
        name = "t"
        start_urls = [base("declared.test", "/songs/1"), base("declared.test", "/press/a"),
                      base("empty.test", "/one"), base("music-label.test", "/track/1"),
                      base("real-reddit.test", "/r/x")]

        def parse(self, response):
            yield {"url": response.url, "status": response.status}
            if response.url.endswith("/one"):
                # an item naming a reserved URL that was never requested
                yield {"url": base("declared.test", "/private/from-item")}

    process = CrawlerProcess(settings={
        "LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": False, "TELNETCONSOLE_ENABLED": False,
        "HTTPERROR_ALLOW_ALL": True,
        "DOWNLOADER_MIDDLEWARES": {"aioptout.integrations.scrapy.AioptoutMiddleware": 560},
        "ITEM_PIPELINES": {"aioptout.integrations.scrapy.AioptoutPipeline": 100},
        "AIOPTOUT_AGENT": "ExampleBot", "AIOPTOUT_USAGE": "train-ai",
        "AIOPTOUT_ENABLED": enabled == "1",
        "AIOPTOUT_ALLOW_PRIVATE": True, "AIOPTOUT_RESOLVE": resolve, "AIOPTOUT_DELAY": 0,
        "FEEDS": {out + ".items.json": {"format": "json"}},
    })
    crawler = process.create_crawler(Spider)
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int)}
    open(out + ".stats.json", "w").write(json.dumps(stats))
''')


def crawl(web: FixtureWeb, tmp_path: Path, enabled: bool) -> tuple[list[dict[str, object]],
                                                                    dict[str, int]]:
    script = tmp_path / "crawl.py"
    script.write_text(SCRIPT)
    out = str(tmp_path / ("on" if enabled else "off"))
    got = subprocess.run([sys.executable, str(script), str(web.port),
                          json.dumps(web.resolve_map()), out, "1" if enabled else "0"],
                         capture_output=True, timeout=180)
    assert got.returncode == 0, got.stderr.decode()[-2000:]
    items = json.loads(Path(out + ".items.json").read_text())
    stats = json.loads(Path(out + ".stats.json").read_text())
    return items, stats


def test_real_crawl_refuses_reserved_requests_and_drops_reserved_items(
        fixture_web: FixtureWeb, tmp_path: Path) -> None:
    with FixtureWeb() as web:
        items, stats = crawl(web, tmp_path, enabled=True)
        urls = sorted(str(i["url"]).split(str(web.port))[1] + " " + str(i["url"]).split("//")[1]
                      .split(":")[0] for i in items)
        # declared.test reserves train-ai for ExampleBot through its declaration (/songs/1) and,
        # where the declaration allows (/press/), through Content-Signal: not only robots rules.
        assert urls == sorted(["/one empty.test", "/track/1 music-label.test",
                               "/r/x real-reddit.test"])
        assert web.hits("declared.test", "/songs/1") == 0, "the reserved request was not sent"
        assert web.hits("declared.test", "/press/a") == 0
        assert web.hits("declared.test", "/robots.txt") == 1, "signals read once per origin"
        assert stats["aioptout/reserved"] == 3
        assert stats["aioptout/items_dropped"] == 1
        assert stats["downloader/exception_type_count/scrapy.exceptions.IgnoreRequest"] == 2
        assert stats["aioptout/checked"] == stats.get("aioptout/allowed", 0) + stats.get(
            "aioptout/unknown", 0) + stats["aioptout/reserved"]


def test_disabled_middleware_lets_everything_through(fixture_web: FixtureWeb,
                                                     tmp_path: Path) -> None:
    with FixtureWeb() as web:
        items, stats = crawl(web, tmp_path, enabled=False)
        assert len(items) == 6
        assert not any(k.startswith("aioptout/") for k in stats)
        assert web.hits("declared.test", "/robots.txt") == 0
