// aioptout validator page. Talks to the JSON API of the same origin; builds every element with
// textContent (never innerHTML), so whatever a file contains is shown as text.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const MAX_LISTED_LINES = 3000;
  const EXAMPLE = [
    "Rightsholder: Example Records Ltd",
    "Contact: rights at example dot com",
    "Issued: 2026-13-01",
    "",
    "User-agent: *",
    "Content-Usage: train-ai=no, search=y",
    "Work-Usage: isrc:GBEMI* train-ai=n",
    "Work-Usage: isbn:9780306406150 train-ai=n",
    "",
    "User-agent: GPTBot",
    "Disallow: /",
    "",
  ].join("\n");

  const state = { base64: null, name: null, lines: [] };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function setStatus(message, bad) {
    const status = $("status");
    status.textContent = message;
    status.classList.toggle("bad", Boolean(bad));
    status.setAttribute("role", bad ? "alert" : "status");
  }

  async function api(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw new Error("the validator could not be reached: " + err.message);
    }
    let data = null;
    try { data = await response.json(); } catch (err) { data = null; }
    if (!response.ok) {
      const error = new Error((data && data.error) || "request failed with HTTP " + response.status);
      error.data = data;
      throw error;
    }
    return data;
  }

  function fileInput() {
    const input = { kind: $("kind").value };
    if (state.name) input.name = state.name;
    if (state.base64 !== null) input.base64 = state.base64;
    else input.text = $("text").value;
    return input;
  }

  function specLink(ref) {
    const requirement = /^R-[0-9A-Za-z.]+-[0-9]+$/.exec(ref);
    if (requirement) return "/spec#" + ref.toLowerCase();
    const rfc = /^RFC (\d+)(?: §([0-9.]+))?/.exec(ref);
    if (rfc) {
      return "https://www.rfc-editor.org/rfc/rfc" + rfc[1] + (rfc[2] ? "#section-" + rfc[2] : "");
    }
    return null;
  }

  function diagnosticItem(d) {
    const href = specLink(d.spec);
    return el("li", { class: "diag " + d.severity, "data-code": d.code, "data-line": d.line },
      el("span", { class: "sev " + d.severity, text: d.severity }),
      el("span", { class: "code", text: d.code }),
      el("span", { class: "msg", text: d.message }),
      el("span", { class: "pos", text: " (line " + d.line + ", column " + d.column + ")" }),
      d.hint ? el("span", { class: "hint", text: "Hint: " + d.hint }) : null,
      el("span", { class: "ref" }, "See ",
        href ? el("a", { href: href, text: d.spec }) : el("span", { text: d.spec })));
  }

  const RANK = { error: 2, warning: 1, info: 0 };

  function splitLines(text) {
    const lines = text.split(/\r\n|\r|\n/);
    if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
    return lines;
  }

  function lineItem(number, text, diags) {
    const chars = Array.from(text);
    const code = el("code");
    const worst = diags.reduce((a, d) => (a && RANK[a.severity] >= RANK[d.severity] ? a : d), null);
    if (worst && worst.end_line === worst.line && worst.column <= chars.length) {
      const start = worst.column - 1;
      const end = Math.max(start + 1, Math.min(worst.end_column - 1, chars.length));
      code.append(chars.slice(0, start).join(""),
        el("mark", { text: chars.slice(start, end).join("") }), chars.slice(end).join(""));
    } else {
      code.textContent = text;
    }
    const item = el("li", { id: "L" + number, class: worst ? worst.severity : null },
      el("span", { class: "ln", "aria-hidden": "true", text: number }),
      el("span", { class: "sr-only", text: "Line " + number + ": " }), code);
    if (diags.length) {
      item.append(el("ul", { class: "diags" }, ...diags.map(diagnosticItem)));
    }
    return item;
  }

  function renderDiagnostics(text, report) {
    const lines = splitLines(text);
    state.lines = lines;
    const byLine = new Map();
    const fileLevel = [];
    for (const d of report.diagnostics) {
      if (d.line >= 1 && d.line <= lines.length) {
        if (!byLine.has(d.line)) byLine.set(d.line, []);
        byLine.get(d.line).push(d);
      } else {
        fileLevel.push(d);
      }
    }
    const source = $("source");
    source.replaceChildren();
    const show = (n) => lines.length <= MAX_LISTED_LINES || byLine.has(n) ||
      byLine.has(n - 1) || byLine.has(n + 1);
    let skipped = false;
    for (let n = 1; n <= lines.length; n++) {
      if (!show(n)) { skipped = true; continue; }
      if (skipped) { source.append(el("li", { class: "gap", text: "…" })); skipped = false; }
      source.append(lineItem(n, lines[n - 1], byLine.get(n) || []));
    }
    $("file-diagnostics").replaceChildren(...fileLevel.map(diagnosticItem));
    const s = report.summary;
    const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");
    $("summary").replaceChildren(
      el("span", { class: report.valid ? "ok" : "bad",
        text: report.valid ? "Valid" : "Not valid" }),
      " " + report.kind + " file: " + plural(s.errors, "error") + ", " +
        plural(s.warnings, "warning") + ", " + plural(s.infos, "note") + ".");
    $("diagnostics-section").hidden = false;
  }

  function valueCell(cell) {
    const td = el("td", { title: cell.reason },
      el("span", { class: "v " + cell.value, text: cell.value }));
    if (cell.line) {
      td.append(" ", el("a", { class: "lref", href: "#L" + cell.line,
        "aria-label": "decided by line " + cell.line, text: "L" + cell.line }));
    }
    return td;
  }

  function renderExplain(report) {
    const table = $("explain-table");
    table.replaceChildren();
    const target = report.targets[0];
    table.append(el("caption", { text: "At " + target.target +
      (report.errors ? " (the file has errors: lines with errors are ignored)" : "") }));
    const head = el("tr", {}, el("th", { scope: "col", text: "Agent" }),
      ...report.usages.map((u) => el("th", { scope: "col", text: u })));
    table.append(el("thead", {}, head));
    const body = el("tbody");
    for (const row of target.agents) {
      body.append(el("tr", { "data-agent": row.agent },
        el("th", { scope: "row" }, row.agent, el("span", { class: "purpose", text: row.purpose })),
        ...report.usages.map((u) => valueCell(row.decisions[u]))));
    }
    table.append(body);
    $("explain-section").hidden = false;
    $("tester-section").hidden = false;
  }

  async function runExplain() {
    const target = $("explain-target").value.trim() || "/";
    const report = await api("/api/explain", Object.assign(fileInput(), { targets: [target] }));
    renderExplain(report);
  }

  async function runValidate() {
    setStatus("Checking…");
    const text = $("text").value;
    const report = await api("/api/validate", fileInput());
    renderDiagnostics(text, report);
    await runExplain();
    setStatus(report.valid ? "The file is valid." : "The file has errors; they are marked below.");
    $("diagnostics-section").scrollIntoView();
  }

  function renderDecision(decision) {
    const box = $("decision");
    const said = { allowed: "Allowed", disallowed: "Reserved (disallowed)", unknown: "Unknown",
      "licence-required": "Reserved unless licensed (licence required)" };
    const answer = decision.answer || decision.value;
    const verdict = el("p", { class: "verdict " + decision.value, id: "verdict" },
      el("span", { class: "v " + decision.value, text: said[answer] }),
      " — " + decision.usage + " for " + decision.agent + " at " + decision.target);
    const parts = [verdict, el("p", { class: "reason", text: "Why: " + decision.reason })];
    for (const route of decision.licence || []) {
      const bits = [["licence server", route.server], ["payment", route.payment],
        ["amount", route.amount && route.amount + " " + (route.currency || "")],
        ["standard", route.standard], ["custom", route.custom], ["terms", route.terms]]
        .filter(([, v]) => v).map(([k, v]) => k + ": " + v);
      parts.push(el("p", { class: "licence", text: "Licence: " + (bits.join("; ") || "terms") }));
    }
    if (decision.line) {
      parts.push(el("p", {}, "Deciding line: ",
        el("a", { href: "#L" + decision.line, text: "line " + decision.line }),
        decision.rule ? el("code", { text: "  " + decision.rule }) : null));
    }
    if (decision.statements.length) {
      parts.push(el("p", { text: "Every statement that was considered:" }), el("ul", {},
        ...decision.statements.map((st) => el("li", {},
          el("span", { class: "v " + st.value, text: st.value }),
          " " + st.mechanism + (st.line ? " line " + st.line : "") + ", " + st.usage + ": " +
            st.reason))));
    }
    box.replaceChildren(...parts);
  }

  async function runCheck() {
    const body = Object.assign(fileInput(), {
      agent: $("t-agent").value.trim() || "*",
      usage: $("t-usage").value,
      targets: [$("t-target").value.trim() || "/"],
    });
    const report = await api("/api/check", body);
    renderDecision(report.decisions[0]);
  }

  function renderSite(record) {
    const out = $("site-result");
    if (record.signals.length === 1 && record.signals[0].error) {
      // check_site answers a string that is no site with a single record saying so.
      out.replaceChildren(el("p", { class: "alert", role: "alert",
        text: record.site + ": " + record.signals[0].error }));
      $("site-section").hidden = false;
      return;
    }
    const parts = [el("p", {}, "Site ", el("strong", { text: record.site }), " for agent ",
      el("code", { text: record.agent }), ": crawling is ",
      el("span", { class: "v " + record.crawl, text: record.crawl }), ". ",
      record.compliant ? "It publishes a valid aioptout declaration."
        : "It does not publish a valid aioptout declaration.")];
    if (record.refused && record.refused.length) {
      parts.push(el("div", { class: "alert", role: "alert" },
        el("strong", { text: "Refused to follow: " }),
        el("ul", {}, ...record.refused.map((r) => el("li", {},
          r.mechanism + ": " + r.message)))));
    }
    const usage = el("table", { id: "site-usage" },
      el("caption", { text: "Every signal combined (any “no” wins)" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Use" }),
        el("th", { scope: "col", text: "Value" }), el("th", { scope: "col", text: "Why" }))),
      el("tbody", {}, ...Object.entries(record.usage).map(([label, value]) => el("tr", {},
        el("th", { scope: "row", text: label }),
        el("td", {}, el("span", { class: "v " + value, text: value })),
        el("td", { text: (record.reasons || {})[label] || "" })))));
    const signals = el("table", { id: "site-signals" },
      el("caption", { text: "Where each signal was looked for" }),
      el("thead", {}, el("tr", {}, ...["Signal", "URL", "Outcome", "Status", "Findings"]
        .map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...record.signals.map((s) => el("tr", { "data-mechanism": s.mechanism },
        el("th", { scope: "row", text: s.mechanism }),
        el("td", { text: s.url }),
        el("td", { text: s.outcome + (s.error ? " — " + s.error : "") }),
        el("td", { text: s.status === null ? "—" : s.status }),
        el("td", {}, el("ul", { class: "diags file-level" },
          ...s.errors.concat(s.warnings).map(diagnosticItem)))))));
    parts.push(el("div", { class: "scroll" }, usage), el("div", { class: "scroll" }, signals));
    out.replaceChildren(...parts);
    $("site-section").hidden = false;
  }

  async function runCrawl() {
    const site = $("site").value.trim();
    if (!site) { setStatus("Enter a site name or URL to check.", true); return; }
    setStatus("Checking " + site + "… (this fetches five URLs)");
    try {
      const record = await api("/api/crawl", { site: site });
      renderSite(record);
      setStatus("Site checked.");
      $("site-section").scrollIntoView();
    } catch (err) {
      $("site-result").replaceChildren(el("p", { class: "alert", role: "alert", text: err.message }));
      $("site-section").hidden = false;
      throw err;
    }
  }

  function lines(id) {
    return $(id).value.split(/\r\n|\r|\n|,/).map((s) => s.trim()).filter(Boolean);
  }

  async function runStarter() {
    const body = {
      reserve_training: $("s-reserve-training").checked,
      allow_search: $("s-allow-search").checked,
      reserve_ai_input: $("s-reserve-ai-input").checked,
      catalogue: lines("s-catalogue"),
      block: lines("s-block"),
    };
    for (const [key, id] of [["rightsholder", "s-rightsholder"], ["contact", "s-contact"],
      ["licensing", "s-licensing"], ["expires", "s-expires"]]) {
      const value = $(id).value.trim();
      if (value) body[key] = value;
    }
    const result = await api("/api/starter", body);
    $("text").value = result.text;
    state.base64 = null;
    state.name = "aioptout.txt";
    $("kind").value = "aioptout";
    await runValidate();
    $("text").focus();
  }

  function guard(action, button) {
    return async (event) => {
      if (event) event.preventDefault();
      if (button) button.disabled = true;
      try {
        await action();
      } catch (err) {
        setStatus("Error: " + err.message, true);
      } finally {
        if (button) button.disabled = false;
      }
    };
  }

  function toBase64(bytes) {
    let binary = "";
    const step = 0x8000;
    for (let i = 0; i < bytes.length; i += step) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + step));
    }
    return btoa(binary);
  }

  async function readUpload() {
    const file = $("upload").files[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    state.name = file.name;
    try {
      $("text").value = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      state.base64 = null;
    } catch (err) {
      // Not UTF-8: send the octets as they are so the reader can point at the bad bytes.
      $("text").value = new TextDecoder("utf-8").decode(bytes);
      state.base64 = toBase64(bytes);
    }
    await runValidate();
  }

  const publishState = { urls: [], base64: null, name: null };

  function declarationInput() {
    const input = {};
    if (publishState.name) input.name = publishState.name;
    if (publishState.base64 !== null) input.base64 = publishState.base64;
    else input.text = $("p-text").value;
    return input;
  }

  function publishBody() {
    const body = declarationInput();
    const robots = $("p-robots").value;
    if (robots.trim()) body.robots = robots;
    return body;
  }

  function download(name, blob) {
    const url = URL.createObjectURL(blob);
    publishState.urls.push(url);
    return url;
  }

  function mismatchTable(id, mismatches) {
    return el("div", { class: "scroll" }, el("table", { id: id },
      el("caption", { text: mismatches.length + " disagreement" +
        (mismatches.length === 1 ? "" : "s") }),
      el("thead", {}, el("tr", {}, ...["Channel", "Where", "Path", "Use", "Declared", "Found",
        "Agents", "Why"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...mismatches.map((m) => el("tr", { "data-channel": m.channel },
        el("th", { scope: "row", text: m.channel }),
        el("td", { text: (m.url || "—") + (m.line ? ":" + m.line : "") }),
        el("td", {}, el("code", { text: m.path })),
        el("td", { text: m.usage }),
        el("td", {}, el("span", { class: "v " + m.declared, text: m.declared })),
        el("td", {}, el("span", { class: "v " + m.found, text: m.found })),
        el("td", { text: m.agents.length > 3 ? m.agents.slice(0, 3).join(", ") + " and " +
          (m.agents.length - 3) + " more" : m.agents.join(", ") }),
        el("td", { text: m.reason }))))));
  }

  function renderPublication(doc) {
    for (const url of publishState.urls) URL.revokeObjectURL(url);
    publishState.urls = [];
    const inv = doc.invariant;
    const line = $("invariant");
    if (!inv.checked) {
      line.replaceChildren(el("span", { class: "bad", text: "Invariant: not checked" }),
        " — " + inv.reason + ".");
    } else if (inv.holds) {
      line.replaceChildren(el("span", { class: "ok", text: "Invariant: holds" }),
        " — served together without the declaration (" + inv.served.join(", ") +
        "), the channels answer all " + inv.drift.questions + " questions as the declaration does.");
    } else {
      line.replaceChildren(el("span", { class: "bad", text: "Invariant: does not hold" }),
        " — the channels disagree with the declaration; please report this.");
    }
    $("invariant-detail").replaceChildren(
      inv.checked && !inv.holds ? mismatchTable("invariant-table", inv.drift.mismatches) : "");
    $("publish-files").replaceChildren(...doc.channels.map((c) => {
      const name = c.path.split("/").pop();
      const link = el("a", { href: download(name, new Blob([c.text], { type: "text/plain" })),
        download: name, class: "file-link", text: c.path });
      return el("li", { "data-kind": c.kind, "data-path": c.path }, link,
        el("span", { class: "muted", text: " — " + c.about }),
        el("details", {}, el("summary", { text: "Show" }), el("pre", { text: c.text })));
    }));
    $("publish-zip").hidden = doc.channels.length === 0;
    $("publish-diagnostics").replaceChildren(...doc.diagnostics.map(diagnosticItem));
    $("publish-result").hidden = false;
  }

  async function runPublish() {
    setStatus("Publishing…");
    const doc = await api("/api/publish", publishBody());
    renderPublication(doc);
    setStatus(doc.channels.length ? "Published " + doc.channels.length + " files."
      : "Nothing was published: the declaration has errors.", !doc.channels.length);
  }

  async function runPublishZip() {
    let response;
    try {
      response = await fetch("/api/publish.zip", { method: "POST",
        headers: { "Content-Type": "application/json" }, body: JSON.stringify(publishBody()) });
    } catch (err) {
      throw new Error("the validator could not be reached: " + err.message);
    }
    if (!response.ok) {
      let data = null;
      try { data = await response.json(); } catch (err) { data = null; }
      throw new Error((data && data.error) || "request failed with HTTP " + response.status);
    }
    const link = el("a", { href: download("aioptout-publish.zip", await response.blob()),
      download: "aioptout-publish.zip" });
    document.body.append(link);
    link.click();
    link.remove();
  }

  function renderDrift(doc) {
    const parts = [el("p", { id: "drift-summary", class: "summary" },
      doc.mismatches.length ? el("span", { class: "bad", text: "Drift found" })
        : el("span", { class: "ok", text: "No drift" }),
      " — " + doc.site + ": " + doc.questions + " questions, " + doc.mismatches.length +
        " disagreement" + (doc.mismatches.length === 1 ? "" : "s") + ".")];
    if (doc.mismatches.length) parts.push(mismatchTable("drift-table", doc.mismatches));
    if (doc.diagnostics.length) {
      parts.push(el("ul", { class: "diags file-level" }, ...doc.diagnostics.map(diagnosticItem)));
    }
    $("drift-result").replaceChildren(...parts);
  }

  async function runDrift() {
    const site = $("d-site").value.trim();
    if (!site) { setStatus("Enter a site name or URL to check for drift.", true); return; }
    setStatus("Checking " + site + " for drift…");
    try {
      renderDrift(await api("/api/drift", Object.assign(declarationInput(), { site: site })));
      setStatus("Drift checked.");
    } catch (err) {
      $("drift-result").replaceChildren(el("p", { class: "alert", role: "alert", text: err.message }));
      throw err;
    }
  }

  async function readPublishUpload() {
    const file = $("p-upload").files[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    publishState.name = file.name;
    try {
      $("p-text").value = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      publishState.base64 = null;
    } catch (err) {
      $("p-text").value = new TextDecoder("utf-8").decode(bytes);
      publishState.base64 = toBase64(bytes);
    }
    await runPublish();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("file-form").addEventListener("submit", guard(runValidate, $("validate")));
    $("site-form").addEventListener("submit", guard(runCrawl, $("crawl")));
    $("explain-form").addEventListener("submit", guard(runExplain));
    $("tester").addEventListener("submit", guard(runCheck, $("decide")));
    $("starter").addEventListener("submit", guard(runStarter, $("make-starter")));
    $("upload").addEventListener("change", guard(readUpload));
    $("text").addEventListener("input", () => { state.base64 = null; state.name = null; });
    $("publish-form").addEventListener("submit", guard(runPublish, $("publish")));
    $("publish-zip").addEventListener("click", guard(runPublishZip, $("publish-zip")));
    $("drift-form").addEventListener("submit", guard(runDrift, $("drift")));
    $("p-upload").addEventListener("change", guard(readPublishUpload));
    $("p-text").addEventListener("input", () => {
      publishState.base64 = null;
      publishState.name = null;
    });
    $("p-from-checker").addEventListener("click", guard(async () => {
      $("p-text").value = $("text").value;
      publishState.base64 = state.base64;
      publishState.name = state.name;
      await runPublish();
    }));
    $("example").addEventListener("click", guard(async () => {
      $("text").value = EXAMPLE;
      state.base64 = null;
      state.name = null;
      await runValidate();
    }));
  });
})();
