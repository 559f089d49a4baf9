"""The OpenAPI 3.1 document of the web API, written as data next to the handlers it describes.

Its response schemas are the JSON contracts of the CLI (``validate``/``explain``/``check
--format json`` and ``spec/crawl.schema.json``); tests validate real responses against them and
fuzz the API from this document.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from .. import _mechanisms as _M
from .. import usage as U
from .._limits import MAX_FILE_BYTES
from ..sources import KINDS

__all__ = ["base64_length", "document"]

_REF = "#/components/schemas/"


def base64_length(max_text: int) -> int:
    """Longest base64 string carrying ``max_text`` octets."""
    return 4 * -(-max_text // 3)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


_VALUE: Final = {"enum": ["allowed", "disallowed", "unknown"]}
_NULLABLE_STR: Final = {"type": ["string", "null"]}
_FIELD: Final = 2048
_BASE64: Final = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"

_SCHEMAS: Final[dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {"type": "string", "description": "What was wrong, for people."},
            "field": {"type": "string", "description": "The request field at fault."},
            "code": {"type": "string", "description": "A diagnostic code, e.g. FET106."},
            "refused": {"type": "array", "items": _ref("Refusal")},
            "diagnostic": _ref("Failure"),
            "record": {"description": "With RUN101 from /api/crawl: what the site check read "
                                      "before its analysis failed (a CrawlResponse)."},
        },
    },
    "Failure": {
        "description": "A RUN101 diagnostic: the analysis of this input failed inside aioptout "
                       "(docs/fault-isolation.md); stage names the part that failed.",
        "allOf": [_ref("Diagnostic")],
        "type": "object",
        "required": ["stage", "exception"],
        "properties": {
            "stage": {"type": "string"},
            "exception": {"type": "string"},
            "where": _NULLABLE_STR,
        },
    },
    "Refusal": {
        "type": "object",
        "required": ["mechanism", "url", "message"],
        "properties": {
            "mechanism": {"type": "string"},
            "url": {"type": "string"},
            "redirects": {"type": "array", "items": {"type": "string"}},
            "message": {"type": "string"},
        },
    },
    "Diagnostic": {
        "type": "object",
        "required": ["code", "severity", "message", "line", "column", "end_line", "end_column",
                     "spec", "hint"],
        "properties": {
            "code": {"type": "string", "pattern": "^[A-Z]{3}[0-9]{3}$"},
            "severity": {"enum": ["error", "warning", "info"]},
            "message": {"type": "string"},
            "line": {"type": "integer", "minimum": 1},
            "column": {"type": "integer", "minimum": 1},
            "end_line": {"type": "integer", "minimum": 1},
            "end_column": {"type": "integer", "minimum": 1},
            "spec": {"type": "string", "description": "Requirement enforced, e.g. R-7.2-3."},
            "hint": _NULLABLE_STR,
        },
    },
    "FileInput": {
        "type": "object",
        "description": "A file as UTF-8 text, or as base64 octets (to keep invalid UTF-8).",
        "properties": {
            "text": {"type": "string", "maxLength": MAX_FILE_BYTES,
                     "description": "At most max_text characters (the parser's octet limit)."},
            "base64": {"type": "string", "contentEncoding": "base64",
                       "maxLength": base64_length(MAX_FILE_BYTES), "pattern": _BASE64},
            "name": {"type": "string", "maxLength": _FIELD,
                     "description": "File name or URL; helps guess the kind."},
            "kind": {"enum": ["auto", *KINDS], "default": "auto"},
            "now": {"type": "string", "format": "date-time",
                    "description": "Evaluate at this instant instead of now (expiry)."},
        },
        "oneOf": [{"required": ["text"]}, {"required": ["base64"]}],
    },
    "ValidateRequest": {"allOf": [_ref("FileInput")]},
    "ValidateResponse": {
        "type": "object",
        "required": ["schema_version", "kind", "valid", "diagnostics", "summary"],
        "properties": {
            "schema_version": {"const": 1},
            "source": _NULLABLE_STR,
            "kind": {"enum": list(KINDS)},
            "valid": {"type": "boolean", "description": "No diagnostic of severity error."},
            "diagnostics": {"type": "array", "items": _ref("Diagnostic")},
            "summary": {
                "type": "object",
                "required": ["errors", "warnings", "infos"],
                "properties": {k: {"type": "integer", "minimum": 0}
                               for k in ("errors", "warnings", "infos")},
            },
        },
    },
    "ExplainRequest": {
        "allOf": [_ref("FileInput")],
        "properties": {
            "targets": {"type": "array", "minItems": 1, "maxItems": 50,
                        "items": {"type": "string", "maxLength": _FIELD},
                        "description": "Paths, URLs or work ids; default [\"/\"]."},
            "agent": {"type": "string", "maxLength": _FIELD,
                      "description": "Only this agent instead of the default rows."},
        },
    },
    "Cell": {
        "type": "object",
        "required": ["value", "line", "reason"],
        "properties": {
            "value": _VALUE,
            "line": {"type": ["integer", "null"]},
            "reason": {"type": "string"},
        },
    },
    "ExplainResponse": {
        "type": "object",
        "required": ["schema_version", "kind", "declaration", "errors", "usages", "targets"],
        "properties": {
            "schema_version": {"const": 1},
            "source": _NULLABLE_STR,
            "kind": {"enum": list(KINDS)},
            "declaration": {
                "oneOf": [
                    {"type": "null"},
                    {"type": "object",
                     "properties": {k: _NULLABLE_STR for k in (
                         "version", "rightsholder", "contact", "licensing", "legal_basis",
                         "issued", "expires")}},
                ],
            },
            "errors": {"type": "integer", "minimum": 0},
            "usages": {"type": "array", "items": {"enum": [U.CRAWL, *U.LABELS]}},
            "targets": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["target", "agents"],
                    "properties": {
                        "target": {"type": "string"},
                        "agents": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["agent", "purpose", "decisions"],
                                "properties": {
                                    "agent": {"type": "string"},
                                    "purpose": {"type": "string"},
                                    "decisions": {
                                        "type": "object",
                                        "required": [U.CRAWL, *U.LABELS],
                                        "additionalProperties": _ref("Cell"),
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
    "CheckRequest": {
        "allOf": [_ref("FileInput")],
        "required": ["targets"],
        "properties": {
            "agent": {"type": "string", "maxLength": _FIELD, "default": "*",
                      "description": "Product token or User-Agent header."},
            "usage": {"enum": [*U.LABELS, U.CRAWL], "default": "train-ai"},
            "targets": {"type": "array", "minItems": 1, "maxItems": 50,
                        "items": {"type": "string", "maxLength": _FIELD}},
        },
    },
    "Statement": {
        "type": "object",
        "required": ["mechanism", "usage", "value", "reason", "source", "line", "raw"],
        "properties": {
            "mechanism": {"type": "string"},
            "usage": {"type": "string"},
            "value": _VALUE,
            "reason": {"type": "string"},
            "source": _NULLABLE_STR,
            "line": {"type": ["integer", "null"]},
            "raw": _NULLABLE_STR,
        },
    },
    "Decision": {
        "type": "object",
        "required": ["value", "usage", "agent", "target", "reason", "line", "rule", "mechanism",
                     "source", "crawl", "statements"],
        "properties": {
            "value": _VALUE,
            "usage": {"type": "string"},
            "agent": {"type": "string"},
            "target": {"type": "string"},
            "reason": {"type": "string"},
            "line": {"type": ["integer", "null"]},
            "rule": _NULLABLE_STR,
            "mechanism": {"type": "string"},
            "source": _NULLABLE_STR,
            "crawl": {"enum": ["allowed", "disallowed", "unknown", None]},
            "statements": {"type": "array", "items": _ref("Statement")},
            "answer": {"enum": ["allowed", "disallowed", "unknown", "licence-required"],
                       "description": "value, except licence-required for a use reserved "
                                      "unless licensed (RSL, spec §12.3)"},
            "licence": {"type": "array", "items": {"type": "object"},
                        "description": "The licence routes when answer is licence-required."},
        },
    },
    "CheckResponse": {
        "type": "object",
        "required": ["schema_version", "decisions"],
        "properties": {
            "schema_version": {"const": 1},
            "decisions": {"type": "array", "items": _ref("Decision")},
        },
    },
    "StarterRequest": {
        "type": "object",
        "description": "The options of `aioptout init`.",
        "properties": {
            **{k: {"type": "string", "maxLength": 512} for k in (
                "rightsholder", "contact", "licensing", "legal_basis", "expires")},
            "reserve_training": {"type": "boolean", "default": True},
            "allow_search": {"type": "boolean", "default": True},
            "reserve_ai_input": {"type": "boolean", "default": False},
            "catalogue": {"type": "array", "maxItems": 100,
                          "items": {"type": "string", "maxLength": 512},
                          "description": "Identifier prefixes such as isrc:GBEMI*."},
            "block": {"type": "array", "maxItems": 100,
                      "items": {"type": "string", "maxLength": 512},
                      "description": "Agents that may not crawl at all."},
        },
    },
    "StarterResponse": {
        "type": "object",
        "required": ["schema_version", "text", "valid", "diagnostics"],
        "properties": {
            "schema_version": {"const": 1},
            "text": {"type": "string"},
            "valid": {"type": "boolean"},
            "diagnostics": {"type": "array", "items": _ref("Diagnostic")},
        },
    },
    "CrawlRequest": {
        "type": "object",
        "required": ["site"],
        "properties": {
            "site": {"type": "string", "minLength": 1, "maxLength": _FIELD,
                     "description": "A site name (https assumed) or an http(s) URL."},
            "agent": {"type": "string", "maxLength": _FIELD, "default": "*"},
        },
    },
    "SignalRecord": {
        "type": "object",
        "required": ["mechanism", "url", "status", "outcome", "errors", "warnings"],
        "properties": {
            "mechanism": {"enum": [*_M.RECORDED, _M.RSL]},
            "url": {"type": "string"},
            "status": {"type": ["integer", "null"]},
            "outcome": {"enum": ["present", "unavailable", "unreachable", "error"]},
            "errors": {"type": "array", "items": _ref("Diagnostic")},
            "warnings": {"type": "array", "items": _ref("Diagnostic")},
            "error": _NULLABLE_STR,
            "redirects": {"type": "array", "items": {"type": "string"}},
        },
    },
    "CrawlResponse": {
        "type": "object",
        "description": "The record of `aioptout crawl --format json` (spec/crawl.schema.json), "
                       "plus the fetches the address rule refused.",
        "required": ["schema_version", "site", "agent", "signals", "crawl", "usage",
                     "compliant", "refused"],
        "properties": {
            "schema_version": {"const": 1},
            "site": {"type": "string"},
            "agent": {"type": "string"},
            "signals": {"type": "array", "items": _ref("SignalRecord")},
            "status": {"enum": ["ok", "error"]},
            "failures": {"type": "array", "items": _ref("Failure")},
            "crawl": {"enum": ["allowed", "disallowed", "unknown"]},
            "usage": {"type": "object", "required": list(U.LABELS),
                      "additionalProperties": _VALUE},
            "compliant": {"type": "boolean"},
            "declaration": {"type": ["object", "null"]},
            "reasons": {"type": "object", "additionalProperties": {"type": "string"}},
            "checked_at": {"type": "number"},
            "elapsed": {"type": "number"},
            "refused": {"type": "array", "items": _ref("Refusal")},
        },
    },
}

_CHANNEL_KINDS: Final = ["declaration", "robots", "tdmrep", "ai-txt", "meta", "nginx", "apache",
                         "caddy", "headers-file"]
_DRIFT_USAGES: Final = [U.CRAWL, *U.LABELS]

_PUBLISH_SCHEMAS: Final[dict[str, Any]] = {
    "PublishRequest": {
        "type": "object",
        "description": "The declaration (always read as one), as text or as base64 octets.",
        "properties": {
            "text": {"type": "string", "maxLength": MAX_FILE_BYTES},
            "base64": {"type": "string", "contentEncoding": "base64",
                       "maxLength": base64_length(MAX_FILE_BYTES), "pattern": _BASE64},
            "name": {"type": "string", "maxLength": _FIELD},
            "robots": {"type": "string", "maxLength": MAX_FILE_BYTES,
                       "description": "An existing robots.txt to merge with; every other group "
                                      "is kept byte for byte (`publish --robots`)."},
        },
        "oneOf": [{"required": ["text"]}, {"required": ["base64"]}],
    },
    "Channel": {
        "type": "object",
        "required": ["path", "kind", "about", "text"],
        "properties": {
            "path": {"type": "string", "description": "Where it goes, relative to the site "
                                                      "root or the configuration folder."},
            "kind": {"enum": _CHANNEL_KINDS},
            "about": {"type": "string"},
            "text": {"type": "string", "description": "The file's contents."},
        },
        "additionalProperties": False,
    },
    "Invariant": {
        "type": "object",
        "description": "Served together without the declaration, do the channels answer as "
                       "the declaration does (spec R-16-1)?  Checked in-process: the served "
                       "files are audited as a static host serves them (`drift --offline`).",
        "required": ["checked", "holds", "served", "reason", "drift"],
        "properties": {
            "checked": {"type": "boolean"},
            "holds": {"type": ["boolean", "null"],
                      "description": "No disagreement; null when not checked."},
            "served": {"type": "array", "items": {"type": "string"},
                       "description": "The channel paths served for the check."},
            "reason": {**_NULLABLE_STR, "description": "Why it was not checked."},
            "drift": {"oneOf": [{"type": "null"}, _ref("DriftResponse")]},
        },
    },
    "PublishResponse": {
        "type": "object",
        "description": "`aioptout publish --format json` (spec/publish.schema.json, without "
                       "out) with each channel's text, and the invariant's result.",
        "required": ["schema_version", "channels", "diagnostics", "invariant"],
        "properties": {
            "schema_version": {"const": 1},
            "channels": {"type": "array", "items": _ref("Channel")},
            "diagnostics": {"type": "array", "items": _ref("Diagnostic"),
                            "description": "What a channel could not carry (PUB codes), and "
                                           "why nothing was written (PUB106)."},
            "invariant": _ref("Invariant"),
        },
        "additionalProperties": False,
    },
    "DriftRequest": {
        "allOf": [_ref("PublishRequest")],
        "description": "The declaration the site should say, and the site.",
        "required": ["site"],
        "properties": {
            "site": {"type": "string", "minLength": 1, "maxLength": _FIELD,
                     "description": "A site name (https assumed) or an http(s) URL."},
        },
    },
    "Mismatch": {
        "type": "object",
        "required": ["channel", "url", "line", "rule", "path", "usage", "declared", "found",
                     "agents", "reason"],
        "properties": {
            "channel": {"type": "string"},
            "url": _NULLABLE_STR,
            "line": {"type": ["integer", "null"], "minimum": 1},
            "rule": _NULLABLE_STR,
            "path": {"type": "string"},
            "usage": {"enum": _DRIFT_USAGES},
            "declared": _VALUE,
            "found": _VALUE,
            "agents": {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "reason": {"type": "string"},
        },
        "additionalProperties": False,
    },
    "DriftResponse": {
        "type": "object",
        "description": "`aioptout drift --format json` (spec/drift.schema.json).",
        "required": ["schema_version", "site", "questions", "mismatches", "diagnostics"],
        "properties": {
            "schema_version": {"const": 1},
            "site": {"type": "string"},
            "questions": {"type": "integer", "minimum": 0},
            "mismatches": {"type": "array", "items": _ref("Mismatch")},
            "diagnostics": {"type": "array", "items": _ref("Diagnostic")},
        },
        "additionalProperties": False,
    },
}
_SCHEMAS.update(_PUBLISH_SCHEMAS)


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "The body is not JSON.",
        403: "The site's address is private, loopback or link-local (FET106).",
        413: "The body is larger than the server's limit.",
        422: "The JSON does not match the request schema, or analysing the input failed inside "
             "aioptout (code RUN101, with the diagnostic).",
        503: "Too many site checks are running; retry later.",
    }
    return {str(c): _json("Error", text[c]) for c in codes}


def _post(summary: str, description: str, request: str, response: str,
          *extra_errors: int) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "description": description,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(request)}},
            },
            "responses": {"200": _json(response, "Success."),
                          **_errors(400, 413, 422, *extra_errors)},
        }
    }


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


_PATHS: Final[dict[str, Any]] = {
    "/": {"get": {"summary": "The validator page", "responses": {"200": _html("The page.")}}},
    "/spec": {"get": {"summary": "The specification as HTML, with requirement anchors",
                      "responses": {"200": _html("The spec."),
                                    "404": {"description": "No spec in this installation.",
                                            "content": {"text/plain": {
                                                "schema": {"type": "string"}}}}}}},
    "/openapi.json": {"get": {"summary": "This document",
                              "responses": {"200": {"description": "OpenAPI 3.1",
                                                    "content": {"application/json": {
                                                        "schema": {"type": "object"}}}}}}},
    "/api/validate": _post(
        "Validate a file",
        "A declaration gets the strict profile (`aioptout validate`); robots.txt, tdmrep.json "
        "and ai.txt get their readers' diagnostics.", "ValidateRequest", "ValidateResponse"),
    "/api/explain": _post(
        "Explain a file",
        "For each agent row and target: crawl and every usage label, with the deciding line "
        "(`aioptout explain --format json`).", "ExplainRequest", "ExplainResponse"),
    "/api/check": _post(
        "Decide targets",
        "One decision per target for one agent and usage, with every contributing statement "
        "(`aioptout check --format json`).", "CheckRequest", "CheckResponse"),
    "/api/starter": _post(
        "Write a starter declaration",
        "The same file `aioptout init` writes for these options, and its diagnostics.",
        "StarterRequest", "StarterResponse"),
    "/api/crawl": _post(
        "Check a site",
        "Fetches the site's declaration, robots.txt, tdmrep.json, ai.txt and home page and "
        "returns the `aioptout crawl` record. Private, loopback and link-local addresses are "
        "refused, also after redirects, unless the server runs with --allow-private.",
        "CrawlRequest", "CrawlResponse", 403, 503),
    "/api/publish": _post(
        "Publish a declaration",
        "Every channel `aioptout publish` writes for the declaration, with its text, what a "
        "channel could not carry (PUB codes), and whether the served channels answer as the "
        "declaration does.", "PublishRequest", "PublishResponse"),
    "/api/publish.zip": {"post": {
        "summary": "Publish a declaration, as a zip",
        "description": "The files of /api/publish in one zip archive, under aioptout-publish/.",
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": _ref("PublishRequest")}}},
        "responses": {"200": {"description": "The archive.", "content": {"application/zip": {
            "schema": {"type": "string", "contentEncoding": "binary"}}}},
            **_errors(400, 413, 422)},
    }},
    "/api/drift": _post(
        "Check a site for drift",
        "Fetches the site's channels (robots.txt, tdmrep.json, ai.txt, the headers and metas of "
        "each path the declaration's rules scope) and lists every disagreement with the "
        "declaration (`aioptout drift --format json`). Private, loopback and link-local "
        "addresses are refused, also after redirects, unless the server runs with "
        "--allow-private.", "DriftRequest", "DriftResponse", 403, 503),
}


def document(*, max_text: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """A fresh copy of the OpenAPI document for a server accepting ``max_text``-long files."""
    doc: dict[str, Any] = copy.deepcopy({
        "openapi": "3.1.0",
        "info": {
            "title": "aioptout validator API",
            "version": "1",
            "description": "Validate and explain AI opt-out files and check sites. Responses "
                           "share the JSON contracts of the aioptout CLI.",
        },
        "paths": _PATHS,
        "components": {"schemas": _SCHEMAS},
    })
    file_input = doc["components"]["schemas"]["FileInput"]["properties"]
    file_input["text"]["maxLength"] = max_text
    file_input["base64"]["maxLength"] = base64_length(max_text)
    publish_input = doc["components"]["schemas"]["PublishRequest"]["properties"]
    for name in ("text", "robots"):
        publish_input[name]["maxLength"] = max_text
    publish_input["base64"]["maxLength"] = base64_length(max_text)
    return doc
