"""The reference the survey's CPU cost is held against: a plain asyncio script (not a test).

What a researcher would write in an afternoon: aiohttp with one connection pool (64 in all, 2
per host), the five well-known files of each site fetched concurrently, Protego deciding "/" for
every registry agent, one SQLite row per site.  It records far less than ``aioptout survey``
(no other signal, no diagnostic, no provenance), which is the point: the survey must cost no more
CPU per site while recording everything.

Run by bench/bench_survey.py as ``python _reference_survey.py SITES DB``, where SITES lists one
origin per line; every host name resolves to 127.0.0.1 (the fixture web).
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import sys
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver
from protego import Protego

from aioptout.agents import default_registry

PATHS = ("/.well-known/aioptout.txt", "/robots.txt", "/.well-known/tdmrep.json", "/ai.txt", "/")


class _Loopback(AbstractResolver):
    async def resolve(self, host: str, port: int = 0, family: int = socket.AF_INET) -> Any:
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": 0}]

    async def close(self) -> None:
        return None


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, bytes]:
    try:
        async with session.get(url, allow_redirects=True) as response:
            return response.status, await response.content.read(512_000)
    except (TimeoutError, aiohttp.ClientError):
        return 0, b""


async def main(sites_file: str, db_file: str) -> None:
    with open(sites_file, encoding="utf-8") as listing:
        origins = [line.strip() for line in listing if line.strip()]
    agents = [agent.token for agent in default_registry()]
    db = sqlite3.connect(db_file)
    db.execute("create table if not exists sites (origin text primary key, result text)")
    connector = aiohttp.TCPConnector(limit=64, limit_per_host=2, resolver=_Loopback())
    timeout = aiohttp.ClientTimeout(total=10)
    gate = asyncio.Semaphore(64)

    async def survey(session: aiohttp.ClientSession, origin: str) -> None:
        async with gate:
            fetched = await asyncio.gather(*(_get(session, origin + path) for path in PATHS))
        status, body = fetched[1]
        robots = Protego.parse(body.decode("utf-8", "replace")) if status == 200 else None
        blocked = {a: not robots.can_fetch(origin + "/", a) for a in agents} if robots else {}
        result = {"statuses": [s for s, _ in fetched], "blocked_root": blocked}
        db.execute("insert or replace into sites values (?, ?)", (origin, json.dumps(result)))

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(survey(session, origin) for origin in origins))
    db.commit()
    db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
