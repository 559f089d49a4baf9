"""Shared fixtures: the loopback fixture web, started once per session (and xdist worker)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb


@pytest.fixture(scope="session")
def fixture_web() -> Iterator[FixtureWeb]:
    """The fixture web on an ephemeral 127.0.0.1 port; ``fixture_web.resolve_map()`` pins it."""
    with FixtureWeb() as web:
        yield web


@pytest.fixture
def make_fetcher(fixture_web: FixtureWeb) -> Callable[..., Fetcher]:
    """A fetcher pinned to the fixture web, with no politeness delay; keywords override."""

    def make(**options: Any) -> Fetcher:
        settings: dict[str, Any] = {"resolve": fixture_web.resolve_map(), "politeness_delay": 0.0,
                                    "total_timeout": 5.0}
        settings.update(options)
        return Fetcher(**settings)

    return make
