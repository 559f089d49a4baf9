"""Who our own crawler says it is: one home, so robots.txt matching and the header never differ."""

from __future__ import annotations

from typing import Final

__all__ = ["DEFAULT_USER_AGENT", "PRODUCT_TOKEN", "PROJECT_URL"]

#: The token our own crawler answers to in robots.txt.
PRODUCT_TOKEN: Final = "aioptout"
#: Where a site operator who sees the crawler in a log learns what it is.
PROJECT_URL: Final = "https://github.com/aioptout/aioptout"
DEFAULT_USER_AGENT: Final = f"{PRODUCT_TOKEN}/0.1 (+{PROJECT_URL})"
