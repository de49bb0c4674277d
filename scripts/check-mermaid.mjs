#!/usr/bin/env node
// Real-renderer check: does mermaid (the npm package pinned in ci/) accept
// what tracedoc wrote? Runs mermaid inside Debian's Chromium, driven by
// playwright-core, so parsing AND layout happen as in a reader's browser.
//
//   node scripts/check-mermaid.mjs --diagrams DOCS   every DOCS/**/diagram.md:
//        wrapped as index.md wraps it (sequenceDiagram, autonumber), then
//        mermaid.parse() and mermaid.render() must both succeed.
//   node scripts/check-mermaid.mjs --site SITE       a built MkDocs site:
//        served on 127.0.0.1 with every other host blocked; each page with a
//        mermaid block must draw it (from the locally served mermaid) and
//        must not try to reach the internet.
//
// Before checking anything it makes sure it can fail: a message holding `;`
// (which mermaid 11 rejects, see FORMATS.md section 5) must be refused.
//   node scripts/check-mermaid.mjs --diagrams DOCS --site SITE   both, one browser.
//
// Exits 0 when all pass, 1 when any fails, 2 when the checker itself cannot run.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const ciDir = resolve(here, "..", "ci");
const require = createRequire(join(ciDir, "package.json"));
const { chromium } = require("playwright-core");
const mermaidJs = require.resolve("mermaid/dist/mermaid.min.js");
const mermaidVersion = JSON.parse(
  readFileSync(require.resolve("mermaid/package.json"), "utf8"),
).version;

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// Flags from the machine doc: without the background-networking ones the
// closed network refuses Chromium's own connections at every start.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function usage() {
  console.error("usage: check-mermaid.mjs (--diagrams DOCS | --site SITE)...");
  process.exit(2);
}

function walk(dir, match) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path, match));
    else if (entry.isFile() && match(entry.name)) out.push(path);
  }
  return out;
}

// The diagram as a reader's page holds it once snippets has included it.
function wrap(lines) {
  const body = lines
    .split("\n")
    .map((l) => (l ? "    " + l : l))
    .join("\n");
  return `sequenceDiagram\n    autonumber\n${body}`;
}

async function newPage(browser) {
  const page = await browser.newPage();
  await page.route("**/*", (route) => route.abort());
  await page.setContent("<!doctype html><html><body></body></html>");
  await page.addScriptTag({ path: mermaidJs });
  await page.evaluate(() =>
    window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict" }),
  );
  return page;
}

async function check(page, id, text) {
  return page.evaluate(
    async ([id, text]) => {
      try {
        await window.mermaid.parse(text);
        const { svg } = await window.mermaid.render(id, text);
        if (!svg.includes("<svg")) return { ok: false, error: "render gave no <svg>" };
        return { ok: true, size: svg.length };
      } catch (e) {
        return { ok: false, error: String((e && e.message) || e).split("\n").slice(0, 4).join(" | ") };
      } finally {
        document.getElementById(id)?.remove();
        document.getElementById("d" + id)?.remove();
      }
    },
    [id, text],
  );
}

async function checkDiagrams(browser, root) {
  // diagram.md and, for a diagram split into parts, diagram-N.md.
  const files = walk(root, (n) => /^diagram(-\d+)?\.md$/.test(n));
  if (files.length === 0) {
    console.error(`check-mermaid: no diagram.md under ${root}`);
    return { passed: 0, failed: 1 };
  }
  const page = await newPage(browser);
  // Self-test: the checker must be able to say no.
  const bad = await check(page, "selftest_bad", wrap("a->>b: x; y\n"));
  const good = await check(page, "selftest_good", wrap("a->>b: GET /v2/images/{image_id}\n"));
  if (bad.ok || !good.ok) {
    console.error(`check-mermaid: self-test failed (bad accepted: ${bad.ok}, good: ${JSON.stringify(good)})`);
    process.exit(2);
  }
  let passed = 0;
  let failed = 0;
  for (const [i, file] of files.entries()) {
    const result = await check(page, `d${i}`, wrap(readFileSync(file, "utf8")));
    if (result.ok) passed++;
    else {
      failed++;
      console.error(`FAIL ${relative(process.cwd(), file)}: ${result.error}`);
    }
  }
  await page.close();
  console.log(`mermaid ${mermaidVersion}: ${files.length} diagram file(s) under ${root}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

function serve(root) {
  const server = createServer((req, res) => {
    let path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file = resolve(root, "." + path);
    if (!file.startsWith(resolve(root) + sep) && file !== resolve(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, "index.html");
      const body = readFileSync(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

async function checkSite(browser, root) {
  const pages = walk(root, (n) => n === "index.html").filter((f) =>
    readFileSync(f, "utf8").includes('class="mermaid"'),
  );
  if (pages.length === 0) {
    console.error(`check-mermaid: no page with a mermaid block under ${root}`);
    return { passed: 0, failed: 1 };
  }
  const server = await serve(root);
  const base = `http://127.0.0.1:${server.address().port}`;
  let passed = 0;
  let failed = 0;
  // A few pages at a time: each mostly waits for layout and fonts.
  const queue = [...pages];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const ok = await checkPage(browser, base, root, file);
      if (ok) passed++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  server.close();
  console.log(`mermaid ${mermaidVersion} in MkDocs pages under ${root}: ${passed} passed, ${failed} failed`);
  return { passed, failed };
}

async function checkPage(browser, base, root, file) {
  const url = base + "/" + relative(root, dirname(file)).split(sep).join("/") + "/";
  const page = await browser.newPage();
  const outside = [];
  const errors = [];
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(base)) return route.continue();
    outside.push(u);
    return route.abort();
  });
  page.on("pageerror", (e) => errors.push(String(e.message || e)));
  // A page of a hundred records takes a while to load on a busy 2-core
  // machine (four pages load at once); waiting is not the failure sought.
  await page.goto(url, { waitUntil: "load", timeout: 120000 });
  // Material swaps each <pre class="mermaid"> for a <div class="mermaid">
  // holding the drawn SVG (in a shadow root) once mermaid has run.
  const drawn = await page
    .waitForFunction(
      () => {
        const blocks = [...document.querySelectorAll(".mermaid")];
        return (
          blocks.length > 0 &&
          blocks.every((b) => b.tagName === "DIV" && b.getBoundingClientRect().height > 50)
        );
      },
      null,
      { timeout: 20000 },
    )
    .then(() => true)
    .catch(() => false);
  const rel = relative(process.cwd(), file);
  const ok = drawn && outside.length === 0 && errors.length === 0;
  if (!ok) {
    console.error(
      `FAIL ${rel}: drawn=${drawn}` +
        (outside.length ? ` blocked requests: ${outside.join(", ")}` : "") +
        (errors.length ? ` page errors: ${errors.join(" | ")}` : ""),
    );
  }
  await page.close();
  return ok;
}

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 2 !== 0) usage();
let browser;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
} catch (e) {
  console.error(`check-mermaid: cannot start ${CHROMIUM}: ${e.message}`);
  process.exit(2);
}
let failed = 0;
try {
  for (let i = 0; i < args.length; i += 2) {
    const [flag, dir] = [args[i], resolve(args[i + 1])];
    const result =
      flag === "--diagrams" ? await checkDiagrams(browser, dir)
      : flag === "--site" ? await checkSite(browser, dir)
      : usage();
    failed += result.failed;
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
