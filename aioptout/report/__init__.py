"""Survey reports: terminal tables, JSON and CSV, and a self-contained HTML page."""

from __future__ import annotations

from .tables import REPORT_SCHEMA_VERSION, Report, build

__all__ = ["REPORT_SCHEMA_VERSION", "Report", "build"]
