"""Property tests of the web API generated from its own OpenAPI document (schemathesis).

Every operation gets a bounded, derandomized set of generated requests, valid and invalid ones;
each response must be documented, match its schema, and never be a server error.  Site checks
run too, with name resolution and connections to anything but 127.0.0.1 disabled, so generated
site names never reach the network.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from aioptout.web import create_app

MAX_EXAMPLES = 25
#: A small file limit keeps generated bodies small; the served document states the same limit.
MAX_TEXT = 4096

APP = create_app(politeness_delay=0.0, fetch_timeout=1.0, max_text=MAX_TEXT)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Generated site names must not become DNS queries or connections."""

    def no_dns(host: Any, *args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, f"offline test: no lookup of {host!r}")

    def no_connect(address: Any, *args: Any, **kwargs: Any) -> Any:
        raise OSError(f"offline test: no connection to {address!r}")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    monkeypatch.setattr(socket, "create_connection", no_connect)
    yield


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case: Any) -> None:
    case.call_and_validate()
