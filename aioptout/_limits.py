"""Limits and character classes, named once (spec §3 and RFC 9309 §2.5)."""

from __future__ import annotations

from typing import Final

#: Bytes of a declaration or robots.txt that are parsed; RFC 9309 §2.5 asks for at least 500 KiB.
MAX_FILE_BYTES: Final = 500 * 1024
#: Longest line kept whole, in octets (Google's robots.txt parser uses 2083 × 8).
MAX_LINE_BYTES: Final = 2083 * 8
#: Diagnostics of one code reported per input before the rest are summarised.
MAX_DIAGNOSTICS_PER_CODE: Final = 50
#: Redirect hops followed for a well-known file (RFC 9309 §2.3.1.2 asks for at least five).
MAX_REDIRECTS: Final = 5
#: How long a fetched robots.txt or declaration may be reused (RFC 9309 §2.4).
CACHE_SECONDS: Final = 24 * 3600
#: Responses a fetcher keeps in memory (least recently used dropped first); the disk cache,
#: when enabled, keeps everything for ``CACHE_SECONDS``.
MAX_CACHED_RESPONSES: Final = 1024
#: Longest Crawl-delay a fetcher honours, in seconds (spec §13).  Apache Nutch and StormCrawler
#: default to 30 s and skip pages that ask for more; we honour up to 60 s and cap above that,
#: so ``Crawl-delay: 100000`` cannot stall a catalogue for days.
MAX_CRAWL_DELAY: Final = 60.0
