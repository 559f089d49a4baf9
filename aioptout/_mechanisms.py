"""The names of the mechanisms and of the recorded files: one vocabulary for every layer.

Crawl, survey, report, web, drift and filter all key results by these strings, and they are part
of the JSON contracts (``mechanism``), so each is spelled once, here.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AIOPTOUT", "AIPREF", "AI_TXT", "CONTENT_SIGNAL", "HTML_META", "HTTP_HEADER", "MECHANISMS",
    "MEDIA", "RECORDED", "ROBOTS", "ROBOTS_META", "RSL", "TDMREP",
]

AIOPTOUT: Final = "aioptout"
ROBOTS: Final = "robots"
AIPREF: Final = "aipref"
CONTENT_SIGNAL: Final = "content-signal"
TDMREP: Final = "tdmrep"
AI_TXT: Final = "ai-txt"
ROBOTS_META: Final = "robots-meta"
MEDIA: Final = "media"
RSL: Final = "rsl"
#: Records of a crawl that are not mechanisms themselves: the home page's headers and HTML.
HTTP_HEADER: Final = "http-header"
HTML_META: Final = "html-meta"

#: Every mechanism a decision can rest on, in report order.
MECHANISMS: Final = (AIOPTOUT, ROBOTS, AIPREF, CONTENT_SIGNAL, TDMREP, AI_TXT, ROBOTS_META,
                     MEDIA, RSL)
#: The files a crawl records for each origin, in fetch order.
RECORDED: Final = (AIOPTOUT, ROBOTS, TDMREP, AI_TXT, HTTP_HEADER, HTML_META)
