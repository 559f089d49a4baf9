"""The validator page in a real headless Chromium, served by uvicorn on 127.0.0.1.

Debian's ``chromium`` package is used (no browser download): ``/usr/bin/chromium``, or the path
in ``PLAYWRIGHT_CHROMIUM``.  Screenshots go to ``artifacts/screenshots/`` (``AIOPTOUT_ARTIFACTS``
overrides); with ``AIOPTOUT_UPDATE_DOCS_SCREENSHOT=1`` the desktop one is also written to
``docs/img/web-validator.png`` and the publish view's to ``docs/img/web-publish.png``.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import aioptout
from aioptout.fixtureweb import FixtureWeb
from aioptout.publish import probe_paths, publish
from aioptout.web import create_app

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("PLAYWRIGHT_CHROMIUM") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("AIOPTOUT_ARTIFACTS", ROOT / "artifacts")) / "screenshots"
DOCS_SHOT = ROOT / "docs" / "img" / "web-validator.png"
PUBLISH_SHOT = ROOT / "docs" / "img" / "web-publish.png"
LABEL = ROOT / "spec" / "examples" / "record-label.txt"
ERRORS = ROOT / "aioptout" / "data" / "fixtureweb" / "bodies" / "errors.aioptout.txt"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Milliseconds Playwright waits for an element; generous for a loaded CI machine.
WAIT_MS = 20_000

if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set "
                "PLAYWRIGHT_CHROMIUM)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")


class LiveServer:
    """The app under uvicorn in a background thread, on a free 127.0.0.1 port."""

    def __init__(self, app: Any) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       name="aioptout-web-test", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        while not self.server.started and self.thread.is_alive():
            self.thread.join(0.05)
        if not self.server.started:
            raise RuntimeError("uvicorn did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def server(fixture_web: FixtureWeb) -> Iterator[LiveServer]:
    # The fixture web's names are pinned (trusted); every other private address stays refused,
    # as on a public deployment.
    app = create_app(resolve=fixture_web.resolve_map(), politeness_delay=0.0, fetch_timeout=5.0)
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield launched
        launched.close()


class Page:
    """A page with every request and console error recorded."""

    def __init__(self, browser: Any, server: LiveServer, width: int, height: int,
                 mobile: bool = False) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height},
                                           is_mobile=mobile, has_touch=mobile)
        self.page = self.context.new_page()
        self.page.set_default_timeout(WAIT_MS)
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.goto(server.url + "/")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def desktop(browser: Any, server: LiveServer) -> Iterator[Page]:
    page = Page(browser, server, 1280, 900)
    yield page
    page.close()


INVALID = ERRORS.read_text() + "# <script>window.__pwned = 1</script><img src=x onerror=alert(1)>\n"


def test_invalid_declaration_is_marked_line_by_line(desktop: Page, server: LiveServer) -> None:
    page = desktop.page
    page.fill("#text", INVALID)
    page.click("#validate")
    summary = page.locator("#summary")
    summary.filter(has_text="Not valid").wait_for()
    # spec R-5.1-1: a declaration MUST contain an AIOptOut-Version record (AOO301, line 1).
    assert page.locator('#L1 .diag[data-code="AOO301"]').count() == 1
    # spec R-5.3-1: Contact MUST be a mailto:, https: or http: URI (AOO307, line 2).
    contact = page.locator('#L2 .diag[data-code="AOO307"]')
    assert contact.count() == 1
    assert "error" in (page.locator("#L2").get_attribute("class") or "")
    assert page.locator("#L2 mark").inner_text() == "rights at broken dot test"
    assert contact.locator(".ref a").get_attribute("href") == "/spec#r-5.3-1"
    assert page.locator('#L7 .diag[data-code="AOO514"]').count() == 1
    assert "warning" in (page.locator("#L7").get_attribute("class") or "")
    # The markup in the file is shown as text and never runs.
    last = page.locator("#L10 code").inner_text()
    assert "<script>window.__pwned = 1</script>" in last
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#source script, #source img").count() == 0
    assert desktop.dialogs == []
    # The explain table has the agents named and one per purpose class.
    page.locator("#explain-table tbody tr").first.wait_for()
    agents = page.locator("#explain-table tbody th").all_inner_texts()
    assert any(a.startswith("GPTBot") for a in agents)
    assert any(a.startswith("*") for a in agents)
    desktop.shot("desktop-invalid-declaration")
    # Following the requirement link lands on its anchor in the served spec.
    contact.locator(".ref a").click()
    page.wait_for_url(server.url + "/spec#r-5.3-1")
    assert page.locator('[id="r-5.3-1"]').count() == 1
    assert all(url.startswith(server.url) for url in desktop.requests)
    assert desktop.errors == []


def test_tester_decides_a_work_identifier(desktop: Page) -> None:
    page = desktop.page
    page.fill("#text", ERRORS.read_text())
    page.click("#validate")
    page.locator("#tester-section").wait_for(state="visible")
    if os.environ.get("AIOPTOUT_UPDATE_DOCS_SCREENSHOT") == "1":
        DOCS_SHOT.parent.mkdir(parents=True, exist_ok=True)
        page.evaluate("document.getElementById('diagnostics-section').scrollIntoView()")
        page.screenshot(path=str(DOCS_SHOT), full_page=False)
    page.fill("#t-agent", "GPTBot")
    page.select_option("#t-usage", "train-ai")
    page.fill("#t-target", "isrc:QZABC2600001")
    page.click("#decide")
    verdict = page.locator("#verdict")
    verdict.wait_for()
    assert "Reserved" in verdict.inner_text()
    assert page.locator("#decision a[href='#L8']").count() == 1
    page.fill("#t-target", "/any/page")
    page.click("#decide")
    page.locator("#verdict", has_text="Unknown").wait_for()
    desktop.shot("desktop-tester")
    assert desktop.errors == []


def test_site_check_of_a_fixture_site(desktop: Page, fixture_web: FixtureWeb) -> None:
    page = desktop.page
    page.fill("#site", fixture_web.origin("declared.test"))
    page.click("#crawl")
    page.locator("#site-signals").wait_for()
    row = page.locator('#site-signals tr[data-mechanism="aioptout"]')
    assert "present" in row.inner_text()
    usage = page.locator("#site-usage tbody").inner_text()
    assert "train-ai" in usage and "disallowed" in usage
    desktop.shot("desktop-site-check")
    # A redirect to the cloud metadata address is refused and said so.
    page.fill("#site", fixture_web.origin("redirect-metadata.test"))
    page.click("#crawl")
    alert = page.locator("#site-result .alert")
    alert.wait_for()
    assert "169.254.169.254" in alert.inner_text()
    # A private address typed in is refused with a clear message.
    page.fill("#site", "http://10.0.0.1/")
    page.click("#crawl")
    page.locator("#status", has_text="public addresses").wait_for()
    desktop.shot("desktop-site-refused")


def test_starter_form_produces_a_valid_declaration(desktop: Page) -> None:
    page = desktop.page
    page.click("#starter-details summary")
    page.fill("#s-rightsholder", "Northwind Records")
    page.fill("#s-contact", "mailto:rights@northwind.example")
    page.fill("#s-catalogue", "isrc:GBNWR*")
    page.click("#make-starter")
    page.locator("#summary", has_text="Valid").wait_for()
    text = page.input_value("#text")
    assert text.startswith("AIOptOut-Version: 1\nRightsholder: Northwind Records\n")
    assert "Work-Usage: isrc:GBNWR* train-ai=n" in text
    assert desktop.errors == []


def test_phone_layout_and_accessibility(browser: Any, server: LiveServer) -> None:
    phone = Page(browser, server, 320, 640, mobile=True)
    try:
        page = phone.page
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
        page.keyboard.press("Enter")
        assert page.url.endswith("#main")
        page.click("#example")
        page.locator("#summary", has_text="Not valid").wait_for()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
        unlabelled = page.evaluate("""() => [...document.querySelectorAll(
            'input, select, textarea')].filter(e => e.type !== 'hidden' &&
            e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.id)""")
        assert unlabelled == []
        phone.shot("phone-invalid-declaration")
        page.fill("#t-target", "/")
        page.click("#decide")
        page.locator("#verdict").wait_for()
        phone.shot("phone-tester")
        assert phone.errors == []
    finally:
        phone.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureWeb]:
    """The record label's published files on a fixture site of their own."""
    text = LABEL.read_text(encoding="utf-8")
    declaration = aioptout.parse(text)
    folder = tmp_path_factory.mktemp("published")
    for channel in publish(declaration, text).channels:
        if channel.kind in ("robots", "tdmrep", "ai-txt", "headers-file"):
            target = folder / channel.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(channel.text, encoding="utf-8")
    web = FixtureWeb()
    web.add_folder("published.test", folder, pages=probe_paths(declaration))
    with web:
        yield web


@pytest.fixture(scope="module")
def publish_server(published: FixtureWeb) -> Iterator[LiveServer]:
    app = create_app(resolve=published.resolve_map(), politeness_delay=0.0, fetch_timeout=5.0)
    with LiveServer(app) as live:
        yield live


def test_publish_lists_the_files_and_the_invariant_holds(
        browser: Any, publish_server: LiveServer, published: FixtureWeb) -> None:
    desktop = Page(browser, publish_server, 1280, 900)
    try:
        page = desktop.page
        text = LABEL.read_text(encoding="utf-8") + "# <script>window.__pwned = 1</script>\n"
        page.fill("#p-text", text)
        page.click("#publish")
        page.locator("#invariant", has_text="Invariant: holds").wait_for()
        library = publish(aioptout.parse(text), text)
        paths = page.locator("#publish-files li").evaluate_all(
            "items => items.map(i => i.dataset.path)")
        assert paths == [c.path for c in library.channels]
        codes = page.locator("#publish-diagnostics .diag").evaluate_all(
            "items => items.map(i => i.dataset.code)")
        assert codes == [d.code for d in library.diagnostics]
        if os.environ.get("AIOPTOUT_UPDATE_DOCS_SCREENSHOT") == "1":
            PUBLISH_SHOT.parent.mkdir(parents=True, exist_ok=True)
            page.locator("#publish-result").screenshot(path=str(PUBLISH_SHOT))
        # Each file downloads with exactly the text the library publishes.
        robots = library.channel("robots")
        assert robots is not None
        with page.expect_download() as info:
            page.click('#publish-files li[data-path="robots.txt"] a.file-link')
        download = info.value
        assert download.suggested_filename == "robots.txt"
        assert Path(download.path()).read_text(encoding="utf-8") == robots.text
        with page.expect_download() as info:
            page.click("#publish-zip")
        assert info.value.suggested_filename == "aioptout-publish.zip"
        # The declaration's markup is shown as text and never runs.
        page.click('#publish-files li[data-kind="declaration"] summary')
        shown = page.locator('#publish-files li[data-kind="declaration"] pre').inner_text()
        assert "<script>window.__pwned = 1</script>" in shown
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#publish-files script").count() == 0
        desktop.shot("desktop-publish")
        # Drift: the published site says what the declaration says ...
        page.fill("#d-site", published.origin("published.test"))
        page.click("#drift")
        page.locator("#drift-summary", has_text="No drift").wait_for()
        # ... and not what a stricter declaration says.
        page.fill("#p-text", "AIOptOut-Version: 1\nUser-agent: *\nAllow: /\n"
                             "Content-Usage: tdm=n\n")
        page.click("#drift")
        page.locator("#drift-summary", has_text="Drift found").wait_for()
        assert page.locator("#drift-table tbody tr").count() > 0
        desktop.shot("desktop-drift")
        # An uploaded declaration is published as soon as it is chosen.
        page.set_input_files("#p-upload", files=[{
            "name": "aioptout.txt", "mimeType": "text/plain",
            "buffer": LABEL.read_bytes()}])
        page.locator("#invariant", has_text="Invariant: holds").wait_for()
        assert page.input_value("#p-text") == LABEL.read_text(encoding="utf-8")
        assert desktop.errors == []
        # A private address is refused with a clear message.
        page.fill("#d-site", "http://10.0.0.1/")
        page.click("#drift")
        page.locator("#drift-result .alert", has_text="public addresses").wait_for()
        assert all(url.startswith(publish_server.url) or url.startswith("blob:")
                   for url in desktop.requests)
    finally:
        desktop.close()
