"""Property tests of the web API generated from its own OpenAPI document (schemathesis).

Every operation gets a bounded, derandomized set of generated requests, valid and invalid ones;
each response must be documented, match its schema, and never be a server error.  Site checks
run too, with name resolution and connections to anything but 127.0.0.1 disabled, so generated
site names never reach the network.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

from aioptout.web import create_app

MAX_EXAMPLES = 25
#: A small file limit keeps generated bodies small; the served document states the same limit.
MAX_TEXT = 4096

#: Operations that take a declaration and need it without errors, which no JSON schema states:
#: a schema-valid request may be refused 422, but only with the declaration's diagnostic code.
NEEDS_VALID_DECLARATION = frozenset({"/api/publish.zip", "/api/drift"})

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
    if case.path not in NEEDS_VALID_DECLARATION:
        case.call_and_validate()
        return
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    positive = case.meta is not None and not case.meta.generation.mode.is_negative
    if positive and response.status_code == 422:
        # The one refusal of a schema-valid request: the declaration's first error, by code.
        assert re.fullmatch(r"AOO\d{3}|PUB106", response.json().get("code", "")), response.text
