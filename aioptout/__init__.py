"""aioptout: the aioptout declaration standard, and a reader for every AI opt-out signal."""

from __future__ import annotations

__version__ = "0.1.0"
