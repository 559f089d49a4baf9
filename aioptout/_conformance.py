"""The conformance protocol (conformance/README.md) spoken by this implementation.

One request in, one response out, both plain JSON-compatible dicts, so that the suite runs the
same cases in-process (pytest) and through ``aioptout conformance-adapter`` (any runner).
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
from collections.abc import Mapping
from typing import Any, Final

from . import usage as U
from ._rfc3339 import parse_date_time
from .model import Severity
from .parse import parse
from .validate import validate

PROTOCOL: Final = 1
DEFAULT_NOW: Final = "2026-06-01T00:00:00Z"
MODES: Final = ("validate", "evaluate", "formats")
#: Input formats this implementation reads (README: the ``formats`` mode).
FORMATS: Final = ("aioptout", "rsl")


class RequestError(ValueError):
    """The request does not follow the protocol; the command answers it with exit status 2."""


def handle(request: Mapping[str, Any]) -> dict[str, Any]:
    """Answer one protocol request; raises :class:`RequestError` only for a malformed request."""
    if not isinstance(request, Mapping):
        raise RequestError("a request is a JSON object")
    if request.get("protocol") != PROTOCOL:
        raise RequestError(f"unsupported protocol {request.get('protocol')!r}; this is {PROTOCOL}")
    mode = request.get("mode")
    if mode not in MODES:
        raise RequestError(f"mode is one of {', '.join(MODES)}")
    if mode == "formats":
        return {"formats": list(FORMATS)}
    data = _input(request.get("input"))
    now = _instant(request.get("now", DEFAULT_NOW))
    form = request.get("format", "aioptout")
    if form not in FORMATS:
        raise RequestError(f"format is one of {', '.join(FORMATS)}")
    if form == "rsl":
        return _rsl(data, mode, request)
    declaration = parse(data)
    if mode == "validate":
        found = validate(declaration, now=now)
        return {
            "valid": not any(d.severity is Severity.ERROR for d in found),
            "diagnostics": [
                {"code": d.code, "severity": d.severity.value, "line": d.line, "column": d.column}
                for d in found
            ],
        }
    queries = _queries(request.get("queries"))
    return {
        "results": [
            declaration.evaluate(agent, target, usage, now=now).value.value
            for agent, target, usage in queries
        ]
    }


def _rsl(data: str | bytes, mode: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """An RSL 1.0 document (spec §12.3): its diagnostics, or each query's answer, where a use
    available only under licence answers ``licence-required``."""
    from .decide import decide
    from .signals import rsl

    document = rsl.parse(data)
    if mode == "validate":
        found = document.diagnostics
        return {
            "valid": not any(d.severity is Severity.ERROR for d in found),
            "diagnostics": [
                {"code": d.code, "severity": d.severity.value, "line": d.line, "column": d.column}
                for d in found
            ],
        }
    queries = _queries(request.get("queries"))
    return {"results": [decide([document], agent, target, usage).answer
                        for agent, target, usage in queries]}


def _input(value: Any) -> str | bytes:
    if isinstance(value, Mapping) and len(value) == 1:
        if isinstance(value.get("text"), str):
            text: str = value["text"]
            return text
        if isinstance(value.get("base64"), str):
            try:
                return base64.b64decode(value["base64"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise RequestError(f"input.base64 does not decode: {exc}") from exc
    raise RequestError('input is {"text": string} or {"base64": string}')


def _instant(value: Any) -> _dt.datetime:
    if isinstance(value, str):
        moment = parse_date_time(value)
        if moment is not None:
            return moment
    raise RequestError("now is an RFC 3339 date-time with an offset, e.g. 2026-06-01T00:00:00Z")


def _queries(value: Any) -> list[tuple[str, str, str]]:
    if not isinstance(value, list):
        raise RequestError("queries is a list of {agent, target, usage}")
    out = []
    for query in value:
        if not (
            isinstance(query, Mapping)
            and all(isinstance(query.get(k), str) for k in ("agent", "target", "usage"))
        ):
            raise RequestError("each query is {agent: string, target: string, usage: string}")
        if query["usage"] != U.CRAWL and not U.is_label(query["usage"]):
            raise RequestError(f"unknown usage {query['usage']!r}")
        out.append((query["agent"], query["target"], query["usage"]))
    return out
