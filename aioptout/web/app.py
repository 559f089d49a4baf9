"""The web validator: one page for publishers and the JSON API behind it.

The app holds no state between requests: nothing a visitor sends is stored or logged, and each
site check gets a fresh fetcher (no cache shared between visitors).  Every URL it fetches goes
through :class:`aioptout.fetch.Fetcher`, which refuses private, loopback and link-local
addresses, also after redirects and DNS answers, unless the operator passed ``allow_private``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime as _dt
import io
import tempfile
import zipfile
from collections.abc import Awaitable, Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Final

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import _json, contracts
from .. import usage as U
from .._isolation import ANALYSIS_FAILED, Failure, guarded
from .._limits import MAX_FILE_BYTES
from .._rfc3339 import parse_now
from .._wellknown import ROBOTS_PATH
from ..crawl import SiteReport, check_site, site_origin
from ..drift import DriftReport, drift_folder, drift_site
from ..fetch import DEFAULT_POLITENESS_DELAY, Fetcher, FetchResult
from ..init import StarterOptions, render_starter
from ..model import Declaration, Severity
from ..parse import parse
from ..publish import Publication, probe_paths, publish
from ..sources import KINDS
from ..validate import validate
from . import _spec
from .openapi import base64_length
from .openapi import document as openapi_document

__all__ = [
    "DEFAULT_FETCH_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_TEXT",
    "MAX_CONCURRENT_CRAWLS",
    "create_app",
]

#: Longest file accepted, in characters (text) or octets (base64): the parser's limit.
DEFAULT_MAX_TEXT: Final = MAX_FILE_BYTES
#: Largest request body: a file of DEFAULT_MAX_TEXT characters fits however JSON escapes them
#: (an astral character written as two \\u escapes takes 12 octets).
DEFAULT_MAX_BODY: Final = 12 * MAX_FILE_BYTES + 64 * 1024
#: Seconds one fetch of a site check may take in all (each check fetches five URLs).
DEFAULT_FETCH_TIMEOUT: Final = 8.0
#: Site checks running at once; more are answered 503 instead of queueing.
MAX_CONCURRENT_CRAWLS: Final = 4
#: Targets one explain or check request may ask about.
MAX_TARGETS: Final = 50
#: Longest agent, target, site or name string accepted.
MAX_FIELD: Final = 2048
#: Longest starter-form value (rightsholder, contact …).
MAX_STARTER_FIELD: Final = 512
#: Catalogue patterns or blocked agents in one starter request.
MAX_STARTER_ITEMS: Final = 100
#: Probe paths (one per pattern the declaration writes, plus two) up to which the web app
#: checks the publication's invariant in-process; past it the answer says "not checked".  The
#: audit costs about a quarter of a second per path (measured: 25 paths 6.7 s, 100 paths 26 s).
MAX_INVARIANT_PATHS: Final = 40
#: Probe paths a drift check of a live site may fetch (one request each, plus five).
MAX_DRIFT_PATHS: Final = 25
#: Channels served as files: the invariant is checked with these alone (no declaration, and
#: no server configuration, which the ``_headers`` file stands in for).
_SERVED_KINDS: Final = frozenset({"robots", "tdmrep", "ai-txt", "headers-file"})

_STATIC: Final = ("app.css", "app.js")
_MAX_BODY_KEY: Final = "aioptout.max_body"
_MAX_TEXT_KEY: Final = "aioptout.max_text"
_CONTENT_TYPES: Final = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_SECURITY_HEADERS: Final = (
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)


class _Invalid(Exception):
    """A request that does not match the API document; becomes a 4xx JSON answer."""

    def __init__(self, status: int, message: str, field: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.code = code


class _Failed(Exception):
    """The analysis of a request's input failed: a 422 JSON answer with the RUN101 diagnostic,
    never a 500 (the input is what triggered it; the next request is unaffected)."""

    def __init__(self, failure: Failure, record: dict[str, Any] | None = None) -> None:
        super().__init__(failure.summary)
        self.failure = failure
        self.record = record


async def _analysed(stage: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` on the thread pool, its failure turned into :class:`_Failed`."""
    result, failure = await run_in_threadpool(guarded, stage, fn, *args, **kwargs)
    if failure is not None:
        raise _Failed(failure)
    return result


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


class _Guard:
    """Adds the security headers to every response and caps request bodies.

    A declared Content-Length over ``max_body`` is refused here with 413; a body without one
    is counted while it is read (``_json_body``), so reading stops at the limit either way.
    """

    def __init__(self, app: ASGIApp, max_body: int, max_text: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_text = max_text

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", [])
                    if k.lower() not in {name for name, _ in _SECURITY_HEADERS}
                ]
                message = {**message, "headers": [*headers, *_SECURITY_HEADERS]}
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            response = _error(413, f"request body exceeds {self.max_body} bytes")
            await response(scope, receive, send_secured)
            return
        scope = {**scope, _MAX_BODY_KEY: self.max_body, _MAX_TEXT_KEY: self.max_text}
        await self.app(scope, receive, send_secured)




def _static_text(name: str) -> str:
    return resources.files("aioptout.web").joinpath("static", name).read_text(encoding="utf-8")


def _index_html() -> str:
    options = "".join(
        f'<option value="{label}">{label} — {U.DESCRIPTIONS[label]}</option>'
        for label in U.LABELS
    ) + f'<option value="{U.CRAWL}">{U.CRAWL} — may the agent fetch the URL</option>'
    return _static_text("index.html").replace("<!--usage-options-->", options)


# --- request parsing --------------------------------------------------------------------------

async def _json_body(request: Request) -> dict[str, Any]:
    limit = int(request.scope.get(_MAX_BODY_KEY, DEFAULT_MAX_BODY))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _Invalid(413, f"request body exceeds {limit} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        body = _json.loads(raw)
    except _json.JsonError as exc:
        where = f"line {exc.line} column {exc.column}"
        if exc.code is None:
            raise _Invalid(400, f"the body is not JSON: {exc.message} ({where})") from None
        raise _Invalid(400, f"the body is not read: {exc.message} ({where})",
                       code=exc.code.code) from None
    if not isinstance(body, dict):
        raise _Invalid(422, "the body must be a JSON object")
    return body


def _string(body: Mapping[str, Any], name: str, *, default: str | None = None,
            limit: int = MAX_FIELD) -> str | None:
    if name not in body:
        return default
    value = body[name]
    if not isinstance(value, str):
        raise _Invalid(422, f"{name} must be a string", name)
    if len(value) > limit:
        raise _Invalid(422, f"{name} is longer than {limit} characters", name)
    return value


def _strings(body: Mapping[str, Any], name: str, default: list[str], *, min_items: int = 0,
             max_items: int = MAX_TARGETS, limit: int = MAX_FIELD) -> list[str]:
    value = body.get(name, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Invalid(422, f"{name} must be an array of strings", name)
    if not min_items <= len(value) <= max_items:
        raise _Invalid(422, f"{name} takes {min_items} to {max_items} items", name)
    if any(len(v) > limit for v in value):
        raise _Invalid(422, f"an item of {name} is longer than {limit} characters", name)
    return list(value)


def _now(body: Mapping[str, Any]) -> _dt.datetime | None:
    text = _string(body, "now")
    if text is None:
        return None
    # Leap seconds as spec R-5.6-7 reads them, the same reader as Issued and Expires.
    moment = parse_now(text)
    if moment is None:
        raise _Invalid(422, "now is not an RFC 3339 date-time", "now")
    return moment


def _input(request: Request, body: Mapping[str, Any]) -> contracts.Loaded:
    """The file a request carries, as ``text`` or as ``base64`` octets (one of the two)."""
    limit = int(request.scope.get(_MAX_TEXT_KEY, DEFAULT_MAX_TEXT))
    if ("text" in body) == ("base64" in body):
        raise _Invalid(422, "give the file as exactly one of text or base64", "text")
    text = body.get("text")
    encoded = body.get("base64")
    if "text" in body:
        if not isinstance(text, str):
            raise _Invalid(422, "text must be a string", "text")
        if len(text) > limit:
            raise _Invalid(422, f"text is longer than {limit} characters", "text")
        data = text.encode("utf-8", "surrogatepass")
    else:
        if not isinstance(encoded, str):
            raise _Invalid(422, "base64 must be a string", "base64")
        if len(encoded) > base64_length(limit):
            raise _Invalid(422, f"base64 carries more than {limit} octets", "base64")
        try:
            data = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _Invalid(422, "base64 is not valid base64", "base64") from exc
    name = _string(body, "name")
    kind = _string(body, "kind", default="auto")
    if kind not in ("auto", *KINDS):
        raise _Invalid(422, f"kind must be auto or one of {', '.join(KINDS)}", "kind")
    loaded, failure = guarded("read", contracts.load, data,
                              kind=None if kind == "auto" else kind, source=name or None)
    if loaded is None:
        assert failure is not None
        raise _Failed(failure)
    return loaded


# --- handlers ----------------------------------------------------------------------------------

Handler = Callable[[Request], Awaitable[Response]]


def _api(handler: Callable[[Request], Awaitable[dict[str, Any] | Response]]) -> Handler:
    async def wrapped(request: Request) -> Response:
        try:
            result = await handler(request)
        except _Invalid as exc:
            extra = {} if exc.field is None else {"field": exc.field}
            if exc.code is not None:
                extra["code"] = exc.code
            return _error(exc.status, exc.message, **extra)
        except _Failed as exc:
            more = {} if exc.record is None else {"record": exc.record}
            return _error(422, f"analysing this input failed inside aioptout "
                          f"({exc.failure.summary}); please report it",
                          code=ANALYSIS_FAILED.code, diagnostic=exc.failure.to_dict(), **more)
        if isinstance(result, Response):
            return result
        return JSONResponse(result)

    return wrapped


async def _validate(request: Request) -> dict[str, Any]:
    body = await _json_body(request)
    loaded = _input(request, body)
    report: dict[str, Any] = await _analysed("validate", contracts.validate_report, loaded,
                                             now=_now(body))
    return report


async def _explain(request: Request) -> dict[str, Any]:
    body = await _json_body(request)
    loaded = _input(request, body)
    targets = _strings(body, "targets", ["/"], min_items=1)
    agent = _string(body, "agent")
    rows = None if not agent else [(agent, "asked")]
    report: dict[str, Any] = await _analysed(
        "explain", contracts.explain_report, loaded, targets=targets, agents=rows, now=_now(body))
    return report


async def _check(request: Request) -> dict[str, Any]:
    body = await _json_body(request)
    loaded = _input(request, body)
    agent = _string(body, "agent", default="*") or "*"
    usage = _string(body, "usage", default="train-ai") or "train-ai"
    if usage != U.CRAWL and not U.is_label(usage):
        raise _Invalid(422, f"usage must be crawl or one of {', '.join(U.LABELS)}", "usage")
    targets = _strings(body, "targets", [], min_items=1)
    report: dict[str, Any] = await _analysed(
        "check", contracts.check_report, loaded, agent=agent, usage=usage, targets=targets,
        now=_now(body))
    return report


def _flag(body: Mapping[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise _Invalid(422, f"{name} must be true or false", name)
    return value


async def _starter(request: Request) -> dict[str, Any]:
    body = await _json_body(request)
    fields = {
        name: (_string(body, name, limit=MAX_STARTER_FIELD) or None)
        for name in ("rightsholder", "contact", "licensing", "legal_basis", "expires")
    }
    options = StarterOptions(
        rightsholder=fields["rightsholder"],
        contact=fields["contact"],
        licensing=fields["licensing"],
        legal_basis=fields["legal_basis"],
        reserve_training=_flag(body, "reserve_training", True),
        allow_search=_flag(body, "allow_search", True),
        reserve_ai_input=_flag(body, "reserve_ai_input", False),
        catalogue=tuple(_strings(body, "catalogue", [], max_items=MAX_STARTER_ITEMS,
                                 limit=MAX_STARTER_FIELD)),
        block=tuple(_strings(body, "block", [], max_items=MAX_STARTER_ITEMS,
                             limit=MAX_STARTER_FIELD)),
        expires=fields["expires"],
        issued=_dt.datetime.now(_dt.UTC).date().isoformat(),
    )
    text, found = await _analysed("starter", _starter_text, options)
    return {
        "schema_version": contracts.SCHEMA_VERSION,
        "text": text,
        "valid": not any(d.severity is Severity.ERROR for d in found),
        "diagnostics": [d.to_dict() for d in found],
    }


def _starter_text(options: StarterOptions) -> tuple[str, list[Any]]:
    text = render_starter(options)
    return text, validate(parse(text))


# --- publish and drift -------------------------------------------------------------------------

def _declaration(loaded: contracts.Loaded) -> tuple[Declaration, str]:
    """The request's file read as a declaration, and its text."""
    if loaded.declaration is None:
        raise _Invalid(422, "the file could not be read as an aioptout declaration", "text")
    return loaded.declaration, loaded.data.decode("utf-8", "replace")


def _invariant(declaration: Declaration, publication: Publication) -> dict[str, Any]:
    """Served together without the declaration, do the channels answer as it does?

    The served files are written to a temporary folder and audited as a static host serves
    them (``drift_folder``): no disagreement is the invariant holding.
    """
    served = [c for c in publication.channels if c.kind in _SERVED_KINDS]
    paths = len(probe_paths(declaration))
    if not publication.channels:
        return {"checked": False, "holds": None, "served": [],
                "reason": "nothing was published", "drift": None}
    if paths > MAX_INVARIANT_PATHS:
        return {"checked": False, "holds": None, "served": [c.path for c in served],
                "reason": f"the declaration scopes {paths} paths; this validator checks the "
                          f"invariant up to {MAX_INVARIANT_PATHS} (run aioptout drift --offline)",
                "drift": None}
    with tempfile.TemporaryDirectory(prefix="aioptout-publish-") as folder:
        root = Path(folder)
        for channel in served:
            target = root / channel.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(channel.text, encoding="utf-8")
        report = drift_folder(root, declaration)
    return {"checked": True, "holds": not report.mismatches, "served": [c.path for c in served],
            "reason": None, "drift": report.to_dict()}


def _publish_sync(declaration: Declaration, text: str,
                  robots: str | None) -> tuple[Publication, dict[str, Any]]:
    publication = publish(declaration, text, existing_robots=robots)
    return publication, _invariant(declaration, publication)


async def _published(request: Request) -> tuple[Publication, dict[str, Any]]:
    body = await _json_body(request)
    limit = int(request.scope.get(_MAX_TEXT_KEY, DEFAULT_MAX_TEXT))
    robots = _string(body, "robots", limit=limit)
    declaration, text = _declaration(_input(request, {**body, "kind": "aioptout"}))
    result: tuple[Publication, dict[str, Any]] = await _analysed(
        "publish", _publish_sync, declaration, text, robots)
    return result


async def _publish(request: Request) -> dict[str, Any]:
    publication, invariant = await _published(request)
    document = publication.to_dict()
    document["channels"] = [
        {"path": c.path, "kind": c.kind, "about": c.about, "text": c.text}
        for c in publication.channels
    ]
    document["invariant"] = invariant
    return document


async def _publish_zip(request: Request) -> Response:
    publication, _ = await _published(request)
    if not publication.channels:
        raise _Invalid(422, "the declaration has errors; nothing was published",
                       "text", code=publication.diagnostics[0].code)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for channel in publication.channels:
            archive.writestr("aioptout-publish/" + channel.path, channel.text)
    return Response(buffer.getvalue(), media_type="application/zip", headers={
        "Content-Disposition": 'attachment; filename="aioptout-publish.zip"'})


def _refusals(report: SiteReport) -> tuple[list[dict[str, Any]], bool]:
    """Fetches the address rule refused, and whether the site's own address was refused
    (its first request, before any redirect)."""
    refused = [
        {"mechanism": name, "url": result.url, "redirects": list(result.redirects),
         "message": result.error or "refused a non-public address"}
        for name, result in report.fetches.items() if result.error_kind == "refused"
    ]
    origin = any(not item["redirects"] for item in refused)
    return refused, origin


class _RecordingFetcher(Fetcher):
    """A fetcher that keeps the fetches the address rule refused, for the 403 answer."""

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        self.refused: list[dict[str, Any]] = []

    def fetch(self, url: str, *, max_bytes: int | None = None) -> FetchResult:
        result = super().fetch(url, max_bytes=max_bytes)
        if result.error_kind == "refused":
            self.refused.append({"mechanism": "drift", "url": result.url,
                                 "redirects": list(result.redirects),
                                 "message": result.error or "refused a non-public address"})
        return result


def create_app(
    *,
    allow_private: bool = False,
    resolve: Mapping[str, str] | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    max_text: int = DEFAULT_MAX_TEXT,
    fetch_timeout: float = DEFAULT_FETCH_TIMEOUT,
    politeness_delay: float = DEFAULT_POLITENESS_DELAY,
) -> ASGIApp:
    """The ASGI application.

    ``allow_private`` lets site checks reach private and loopback addresses: for a validator
    on your own machine or the fixture web, never for a public deployment.  ``resolve`` pins
    ``"host:port"`` to an address (curl ``--resolve``); pinned names are trusted.
    """
    pins = dict(resolve or {})
    slots = asyncio.Semaphore(MAX_CONCURRENT_CRAWLS)
    index = _index_html()
    statics = {name: _static_text(name) for name in _STATIC}
    schema = openapi_document(max_text=max_text)

    def crawl_sync(site: str, agent: str
                   ) -> tuple[dict[str, Any], list[dict[str, Any]], bool, tuple[Failure, ...]]:
        fetcher = Fetcher(allow_private=allow_private, resolve=pins, total_timeout=fetch_timeout,
                          politeness_delay=politeness_delay)
        try:
            report = check_site(site, agent=agent, fetcher=fetcher)
        finally:
            fetcher.close()
        refused, origin = _refusals(report)
        return report.to_dict(), refused, origin, report.failures

    async def crawl(request: Request) -> dict[str, Any] | Response:
        body = await _json_body(request)
        site = _string(body, "site")
        if not site:
            raise _Invalid(422, "site is required: a site name or an http(s) URL", "site")
        agent = _string(body, "agent", default="*") or "*"
        if slots.locked():
            response = _error(503, "too many site checks are running; try again shortly")
            response.headers["Retry-After"] = "5"
            return response
        async with slots:
            checked = await _analysed("site check", crawl_sync, site, agent)
        record: dict[str, Any] = checked[0]
        refused, origin, failures = checked[1:]
        if failures:
            raise _Failed(failures[0], {**record, "refused": refused})
        if origin:
            return _error(403, f"refused: {refused[0]['message']}; this validator fetches only "
                          "public addresses", code="FET106", refused=refused)
        record["refused"] = refused
        return record

    def drift_sync(site: str, declaration: Declaration
                   ) -> tuple[DriftReport | None, list[dict[str, Any]]]:
        fetcher = _RecordingFetcher(allow_private=allow_private, resolve=pins,
                                    total_timeout=fetch_timeout,
                                    politeness_delay=politeness_delay)
        try:
            origin = site_origin(site)
            if origin is not None:
                # The site's address first: a refused site is answered before any audit (the
                # fetcher's cache serves this robots.txt to the audit).
                fetcher.fetch(origin + ROBOTS_PATH)
                if any(not item["redirects"] for item in fetcher.refused):
                    return None, fetcher.refused
            report = drift_site(site, declaration, fetcher=fetcher)
        finally:
            fetcher.close()
        return report, fetcher.refused

    async def drift(request: Request) -> dict[str, Any] | Response:
        body = await _json_body(request)
        site = _string(body, "site")
        if not site:
            raise _Invalid(422, "site is required: a site name or an http(s) URL", "site")
        declaration, _ = _declaration(_input(request, {**body, "kind": "aioptout"}))
        if declaration.errors:
            first = declaration.errors[0]
            raise _Invalid(422, f"the declaration has errors (line {first.line}); fix them "
                           "first", "text", code=first.code)
        paths = len(probe_paths(declaration))
        if paths > MAX_DRIFT_PATHS:
            raise _Invalid(422, f"the declaration scopes {paths} paths; this validator fetches "
                           f"at most {MAX_DRIFT_PATHS} (run aioptout drift)", "text")
        if slots.locked():
            response = _error(503, "too many site checks are running; try again shortly")
            response.headers["Retry-After"] = "5"
            return response
        async with slots:
            report, refused = await _analysed("drift", drift_sync, site, declaration)
        if report is None:
            return _error(403, f"refused: {refused[0]['message']}; this validator fetches only "
                          "public addresses", code="FET106", refused=refused)
        document: dict[str, Any] = report.to_dict()
        return document

    async def home(_: Request) -> Response:
        return HTMLResponse(index)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in statics:
            return PlainTextResponse("not found", status_code=404)
        suffix = name[name.rfind("."):]
        return Response(statics[name], media_type=_CONTENT_TYPES[suffix])

    async def spec(_: Request) -> Response:
        try:
            page = await run_in_threadpool(_spec.page)
        except _spec.SpecNotFoundError as exc:
            return PlainTextResponse(str(exc), status_code=404)
        return HTMLResponse(page)

    async def openapi(_: Request) -> Response:
        return JSONResponse(schema)

    routes = [
        Route("/", home, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/spec", spec, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/api/validate", _api(_validate), methods=["POST"]),
        Route("/api/explain", _api(_explain), methods=["POST"]),
        Route("/api/check", _api(_check), methods=["POST"]),
        Route("/api/starter", _api(_starter), methods=["POST"]),
        Route("/api/crawl", _api(crawl), methods=["POST"]),
        Route("/api/publish", _api(_publish), methods=["POST"]),
        Route("/api/publish.zip", _api(_publish_zip), methods=["POST"]),
        Route("/api/drift", _api(drift), methods=["POST"]),
    ]
    return _Guard(Starlette(routes=routes), max_body, max_text)
