"""The web validator's publish view and drift check: the CLI's contracts, the invariant, safety."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest

import aioptout
import aioptout.web.app as web_app
from aioptout.drift import drift_site
from aioptout.fetch import Fetcher
from aioptout.fixtureweb import FixtureWeb
from aioptout.publish import Channel, Publication, probe_paths, publish
from aioptout.web import create_app
from aioptout.web.openapi import document

ROOT = Path(__file__).resolve().parents[1]
LABEL = (ROOT / "spec" / "examples" / "record-label.txt").read_text(encoding="utf-8")
RESERVED = ("AIOptOut-Version: 1\nLicensing: https://example.com/licence\n"
            "User-agent: *\nAllow: /\nContent-Usage: tdm=n\n")
SERVED = ("robots", "tdmrep", "ai-txt", "headers-file")


def call(app: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://validator") as client:
            return await client.request(method, path, **kwargs)

    return asyncio.run(go())


def conforms(instance: Any, schema_name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{schema_name}",
              "components": document()["components"]}
    jsonschema.Draft202012Validator(schema).validate(instance)


def spec_schema(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "spec" / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def app() -> Any:
    return create_app()


@pytest.fixture(scope="module")
def published_web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureWeb]:
    """The record label's published files, served as a static host serves them."""
    folder = tmp_path_factory.mktemp("published")
    declaration = aioptout.parse(LABEL)
    for channel in publish(declaration, LABEL).channels:
        if channel.kind in SERVED:
            target = folder / channel.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(channel.text, encoding="utf-8")
    web = FixtureWeb()
    web.add_folder("published.test", folder, pages=probe_paths(declaration))
    with web:
        yield web


# --- /api/publish -----------------------------------------------------------------------------

def test_publish_returns_every_channel_and_the_invariant_holds(app: Any) -> None:
    got = call(app, "POST", "/api/publish", json={"text": LABEL, "name": "aioptout.txt"})
    assert got.status_code == 200, got.text
    doc = got.json()
    conforms(doc, "PublishResponse")
    library = publish(aioptout.parse(LABEL), LABEL)
    assert [(c["path"], c["kind"], c["text"]) for c in doc["channels"]] == [
        (c.path, c.kind, c.text) for c in library.channels]
    assert [d["code"] for d in doc["diagnostics"]] == [d.code for d in library.diagnostics]
    # Without the texts and the invariant, the document is the CLI's publish contract.
    cli = {"schema_version": doc["schema_version"], "out": ".",
           "diagnostics": doc["diagnostics"],
           "channels": [{k: c[k] for k in ("path", "kind", "about")} for c in doc["channels"]]}
    jsonschema.Draft202012Validator(spec_schema("publish.schema.json")).validate(cli)
    invariant = doc["invariant"]
    assert invariant["checked"] is True and invariant["holds"] is True
    assert set(invariant["served"]) == {c.path for c in library.channels if c.kind in SERVED}
    jsonschema.Draft202012Validator(spec_schema("drift.schema.json")).validate(invariant["drift"])
    assert invariant["drift"]["questions"] > 0 and invariant["drift"]["mismatches"] == []


def test_the_invariant_lists_each_disagreement(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # A publication whose ai.txt says more than the declaration: the check must catch it.
    def lax(declaration: Any, text: str, **kwargs: Any) -> Publication:
        real = publish(declaration, text, **kwargs)
        channels = tuple(Channel(c.path, c.kind, "User-Agent: *\nAllow: /\n", c.about)
                         if c.kind == "ai-txt" else c for c in real.channels)
        return Publication(channels, real.diagnostics)

    monkeypatch.setattr(web_app, "publish", lax)
    doc = call(app, "POST", "/api/publish", json={"text": LABEL}).json()
    conforms(doc, "PublishResponse")
    assert doc["invariant"]["checked"] is True and doc["invariant"]["holds"] is False
    hits = doc["invariant"]["drift"]["mismatches"]
    assert hits and {m["channel"] for m in hits} == {"ai.txt"}
    assert all(m["line"] == 2 and m["url"].endswith("/ai.txt") for m in hits)


def test_a_declaration_with_errors_publishes_nothing(app: Any) -> None:
    got = call(app, "POST", "/api/publish", json={"text": "User-agent: *\nDisallow: /\n"})
    assert got.status_code == 200
    doc = got.json()
    conforms(doc, "PublishResponse")
    assert doc["channels"] == [] and [d["code"] for d in doc["diagnostics"]] == ["PUB106"]
    assert doc["invariant"]["checked"] is False and doc["invariant"]["holds"] is None
    zipped = call(app, "POST", "/api/publish.zip", json={"text": "User-agent: *\n"})
    assert zipped.status_code == 422 and zipped.json()["code"] == "PUB106"


def test_an_existing_robots_txt_is_merged_and_kept(app: Any) -> None:
    existing = "# ours\nUser-agent: Googlebot\nDisallow: /tmp/\n"
    doc = call(app, "POST", "/api/publish", json={"text": LABEL, "robots": existing}).json()
    robots = next(c for c in doc["channels"] if c["kind"] == "robots")
    assert robots["text"].startswith(existing)
    library = publish(aioptout.parse(LABEL), LABEL, existing_robots=existing).channel("robots")
    assert library is not None and robots["text"] == library.text


def test_the_zip_holds_every_file(app: Any) -> None:
    got = call(app, "POST", "/api/publish.zip", json={"text": LABEL})
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/zip"
    assert "attachment" in got.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        files = {n: archive.read(n).decode("utf-8") for n in archive.namelist()}
    library = publish(aioptout.parse(LABEL), LABEL)
    assert files == {"aioptout-publish/" + c.path: c.text for c in library.channels}


def test_the_invariant_is_not_checked_past_the_path_cap(
        app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_app, "MAX_INVARIANT_PATHS", 2)
    doc = call(app, "POST", "/api/publish", json={"text": LABEL}).json()
    conforms(doc, "PublishResponse")
    assert doc["invariant"]["checked"] is False and doc["invariant"]["holds"] is None
    assert doc["channels"]  # the files are still all there


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/api/publish", b"{not json", 400, None),
        ("/api/publish", b"{}", 422, "text"),
        ("/api/publish", b'{"text": "a", "robots": 5}', 422, "robots"),
        ("/api/publish.zip", b'{"base64": "***"}', 422, "base64"),
        ("/api/drift", b'{"text": "AIOptOut-Version: 1\\n"}', 422, "site"),
        ("/api/drift", b'{"site": "example.com"}', 422, "text"),
        ("/api/drift", b'{"site": "example.com", "text": "User-agent: *\\n"}', 422, "text"),
    ],
)
def test_bad_requests_get_a_json_error(app: Any, path: str, body: bytes, status: int,
                                       field: str | None) -> None:
    got = call(app, "POST", path, content=body, headers={"Content-Type": "application/json"})
    assert got.status_code == status
    conforms(got.json(), "Error")
    assert got.json().get("field") == field


def test_a_drift_of_a_declaration_with_errors_names_the_first_error(app: Any) -> None:
    got = call(app, "POST", "/api/drift", json={"site": "example.com",
                                                "text": "User-agent: *\nDisallow: /\n"})
    assert got.status_code == 422
    assert got.json()["code"] == aioptout.parse("User-agent: *\nDisallow: /\n").errors[0].code


# --- /api/drift -------------------------------------------------------------------------------

def test_drift_of_a_freshly_published_site_is_nothing(published_web: FixtureWeb) -> None:
    app = create_app(resolve=published_web.resolve_map(), politeness_delay=0.0,
                     fetch_timeout=5.0)
    site = published_web.origin("published.test")
    before = published_web.hits("published.test", "/robots.txt")
    got = call(app, "POST", "/api/drift", json={"site": site, "text": LABEL})
    assert got.status_code == 200, got.text
    assert published_web.hits("published.test", "/robots.txt") == before + 1
    doc = got.json()
    conforms(doc, "DriftResponse")
    jsonschema.Draft202012Validator(spec_schema("drift.schema.json")).validate(doc)
    assert doc["questions"] > 0 and doc["mismatches"] == []
    # Another declaration: the site has drifted from it, as the library says.
    got = call(app, "POST", "/api/drift", json={"site": site, "text": RESERVED})
    doc = got.json()
    jsonschema.Draft202012Validator(spec_schema("drift.schema.json")).validate(doc)
    fetcher = Fetcher(resolve=published_web.resolve_map(), politeness_delay=0.0)
    direct = drift_site(site, aioptout.parse(RESERVED), fetcher=fetcher).to_dict()
    assert doc["mismatches"] and doc["mismatches"] == direct["mismatches"]


def test_a_declaration_scoping_too_many_paths_is_not_fetched(app: Any) -> None:
    text = "AIOptOut-Version: 1\nUser-agent: *\n" + "".join(
        f"Disallow: /p{i}/\n" for i in range(web_app.MAX_DRIFT_PATHS))
    got = call(app, "POST", "/api/drift", json={"site": "example.com", "text": text})
    assert got.status_code == 422 and got.json()["field"] == "text"


# --- safety -----------------------------------------------------------------------------------

@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every address a connection was attempted to; only loopback ones really connect."""
    attempted: list[str] = []
    real = socket.create_connection

    def guarded(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        attempted.append(address[0])
        if address[0] not in ("127.0.0.1", "::1"):
            raise OSError(f"test refused to connect to {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    yield attempted


@pytest.mark.parametrize("site", ["http://10.0.0.1/", "http://169.254.169.254/",
                                  "http://[::1]:8080/", "https://192.168.1.1/"])
def test_drift_to_a_private_address_is_refused(app: Any, site: str,
                                               connections: list[str]) -> None:
    got = call(app, "POST", "/api/drift", json={"site": site, "text": LABEL})
    assert got.status_code == 403
    body = got.json()
    conforms(body, "Error")
    assert body["code"] == "FET106" and body["refused"]
    assert connections == []


def test_drift_to_loopback_by_name_is_refused_unless_allow_private(
        published_web: FixtureWeb) -> None:
    site = f"http://localhost:{published_web.port}/"
    refused = call(create_app(politeness_delay=0.0), "POST", "/api/drift",
                   json={"site": site, "text": LABEL})
    assert refused.status_code == 403 and refused.json()["code"] == "FET106"
    allowed = call(create_app(allow_private=True, politeness_delay=0.0, fetch_timeout=5.0),
                   "POST", "/api/drift", json={"site": site, "text": LABEL})
    assert allowed.status_code == 200
    jsonschema.Draft202012Validator(spec_schema("drift.schema.json")).validate(allowed.json())


@pytest.mark.parametrize("path", ["/api/publish", "/api/publish.zip", "/api/drift"])
def test_an_oversize_body_is_refused(path: str) -> None:
    app = create_app(max_body=1000)
    got = call(app, "POST", path, content=b'{"text": "' + b"a" * 2000 + b'"}',
               headers={"Content-Type": "application/json"})
    assert got.status_code == 413 and "error" in got.json()


def test_an_oversize_robots_txt_is_refused() -> None:
    app = create_app(max_text=100)
    got = call(app, "POST", "/api/publish", json={"text": LABEL[:50], "robots": "#" * 101})
    assert got.status_code == 422 and got.json()["field"] == "robots"
    assert document(max_text=100)["components"]["schemas"]["PublishRequest"][
        "properties"]["robots"]["maxLength"] == 100


def test_markup_in_a_declaration_comes_back_as_json_text(app: Any) -> None:
    text = LABEL + "# <script>alert(1)</script>\n"
    got = call(app, "POST", "/api/publish", json={"text": text})
    assert got.headers["content-type"].startswith("application/json")
    declaration = next(c for c in got.json()["channels"] if c["kind"] == "declaration")
    assert declaration["text"] == text
