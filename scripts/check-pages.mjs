#!/usr/bin/env node
// What a reader sees of a built MkDocs site, in Debian's Chromium (offline:
// every request off 127.0.0.1 is blocked):
//
//   node scripts/check-pages.mjs --site SITE [--shots DIR] [--name NAME] [--home A,B]
//
// - the home page (SITE/index.html) links to every capture page (a page
//   with a mermaid block), or, with --home, to the capture pages of the
//   folders listed (`openstack/image/list,...`), which must exist;
// - no page shows Markdown that was not turned into markup: a visible line
//   (outside code blocks) starting with `--8<--`, `=== "`, `!!! ` or `??? `
//   means an extension is missing from mkdocs.yml or an include failed;
// - with --shots, a screenshot of the home page and of the first capture
//   page is saved as DIR/NAME-home.png and DIR/NAME-capture.png.
//
// Before checking, it makes sure it can fail: a page holding a raw `!!! note`
// line must be refused.
// Exits 0 when all pass, 1 when any fails, 2 when it cannot run.

import { mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(resolve(here, "..", "ci"), "package.json"));
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
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

const opts = { name: "site", home: "" };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = { "--site": "site", "--shots": "shots", "--name": "name", "--home": "home" }[argv[i]];
  if (!key || argv[i + 1] === undefined) {
    console.error("usage: check-pages.mjs --site SITE [--shots DIR] [--name NAME]");
    process.exit(2);
  }
  opts[key] = argv[i + 1];
}
if (!opts.site) {
  console.error("usage: check-pages.mjs --site SITE [--shots DIR] [--name NAME]");
  process.exit(2);
}
const root = resolve(opts.site);

function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile() && e.name === "index.html") out.push(p);
  }
  return out;
}

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json" };

function serve(dir, extra) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (extra[path]) {
      res.writeHead(200, { "content-type": "text/html" }).end(extra[path]);
      return;
    }
    let file = resolve(dir, "." + path);
    if (!file.startsWith(resolve(dir) + sep) && file !== resolve(dir)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, "index.html");
      res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
      res.end(readFileSync(file));
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

// Visible text outside code, lines that are still Markdown source.
async function rawMarkup(page) {
  return page.evaluate(() => {
    const body = document.querySelector("article") || document.body;
    const copy = body.cloneNode(true);
    copy.querySelectorAll("pre, code, script, style").forEach((n) => n.remove());
    // innerText of a detached node has no layout; textContent keeps lines.
    return copy.textContent
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^(--8<--|=== ?"|!!! |\?\?\? )/.test(l));
  });
}

const pageUrl = (base, file) =>
  base + "/" + relative(root, dirname(file)).split(sep).filter(Boolean).join("/") + (dirname(file) === root ? "" : "/");

const files = walk(root);
const captures = files.filter((f) => f !== join(root, "index.html") && readFileSync(f, "utf8").includes('class="mermaid"'));
const server = await serve(root, {
  "/__selftest__/": '<!doctype html><html><body><article><p>ok</p>\n<p>!!! note "raw"</p></article></body></html>',
});
const base = `http://127.0.0.1:${server.address().port}`;
let browser;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
} catch (e) {
  console.error(`check-pages: cannot start ${CHROMIUM}: ${e.message}`);
  process.exit(2);
}
let failed = 0;
let passed = 0;
const fail = (msg) => {
  failed++;
  console.error(`FAIL ${msg}`);
};
const newPage = async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.route("**/*", (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
  return page;
};
try {
  const self = await newPage();
  await self.goto(base + "/__selftest__/");
  if ((await rawMarkup(self)).length !== 1) {
    console.error("check-pages: self-test failed: a raw `!!! note` line was not seen");
    process.exit(2);
  }
  await self.close();

  if (!files.includes(join(root, "index.html"))) fail(`${root}: no home page (index.html)`);
  if (captures.length === 0) fail(`${root}: no capture page (no page with a mermaid block)`);

  // The home page links to every capture page.
  const home = await newPage();
  await home.goto(base + "/", { waitUntil: "load" });
  const links = new Set(
    await home.evaluate(() =>
      [...document.querySelectorAll("article a[href]")].map((a) => new URL(a.getAttribute("href"), location.href).href),
    ),
  );
  const expected = opts.home
    ? opts.home.split(",").map((rel) => join(root, rel, "index.html"))
    : captures;
  for (const f of expected) if (!captures.includes(f)) fail(`${relative(root, f)}: not a capture page`);
  const missing = expected.filter((f) => !links.has(pageUrl(base, f)));
  if (missing.length) fail(`home page does not link to: ${missing.map((f) => relative(root, f)).join(", ")}`);
  else passed++;

  // No raw Markdown on any page.
  for (const file of files) {
    const page = await newPage();
    await page.goto(pageUrl(base, file), { waitUntil: "load" });
    const raw = await rawMarkup(page);
    if (raw.length) fail(`${relative(root, file)}: raw Markdown shown: ${raw.slice(0, 3).join(" | ")}`);
    else passed++;
    await page.close();
  }

  if (opts.shots) {
    mkdirSync(opts.shots, { recursive: true });
    await home.screenshot({ path: join(opts.shots, `${opts.name}-home.png`), fullPage: false });
    if (captures.length) {
      const page = await newPage();
      await page.goto(pageUrl(base, captures[0]), { waitUntil: "load" });
      // Let mermaid draw (Material swaps the <pre> for a <div> with the SVG).
      await page
        .waitForFunction(() => [...document.querySelectorAll(".mermaid")].every((b) => b.tagName === "DIV"), null, { timeout: 15000 })
        .catch(() => {});
      await page.screenshot({ path: join(opts.shots, `${opts.name}-capture.png`), fullPage: false });
      await page.close();
    }
    console.log(`screenshots: ${join(opts.shots, opts.name)}-{home,capture}.png`);
  }
  await home.close();
} finally {
  await browser.close();
  server.close();
}
console.log(`pages of ${root} (${files.length} page(s), ${captures.length} capture(s)): ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
