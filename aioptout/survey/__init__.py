"""Adoption surveys: a resumable batch engine over site lists, saved files and WARC captures."""

from __future__ import annotations

from .engine import OfflineAnalyzer, OnlineAnalyzer, SurveyStats, survey
from .inputs import Job
from .store import Store, StoreError

__all__ = [
    "Job",
    "OfflineAnalyzer",
    "OnlineAnalyzer",
    "Store",
    "StoreError",
    "SurveyStats",
    "survey",
]
