#!/usr/bin/env node
// Legibility check in a real browser: are a page's diagrams readable as a
// reader sees them? Serves a built MkDocs Material site on 127.0.0.1 (every
// other host blocked), opens each page whose path matches --only in
// Debian's Chromium at a 1280 px wide window, lets mermaid draw, and
// measures every message label in every drawn diagram:
//   - its box is at least --min-px (default 10) px tall on screen;
//   - it stays inside its diagram's drawn box (does not run past its edge);
//   - the diagram stays inside the page's content column.
//
//   node scripts/check-legible.mjs --site SITE [--only REGEX] [--mermaid FILE]
//        [--width 1280] [--min-px 10] [--screenshots DIR]
//
// --mermaid FILE serves FILE instead of the site's
// assets/javascripts/mermaid.min.js, so the same site is checked with
// another mermaid (CI runs it with mermaid 11 and mermaid 12, the one
// zensical ships). --screenshots DIR saves each page's diagrams as PNGs.
// LEGIBLE_DEBUG=1 prints a page's errors when its diagrams are not drawn.
//
// Before checking, it makes sure it can fail: a diagram with a 300-character
// label between two of eight participants, drawn in the same page frame,
// must be found too small.
//
// Exits 0 when all pass, 1 when any fails, 2 when the checker cannot run.

import { mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const ciDir = resolve(here, "..", "ci");
const require = createRequire(join(ciDir, "package.json"));
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

function usage() {
  console.error(
    "usage: check-legible.mjs --site SITE [--only REGEX] [--mermaid FILE] [--width PX] [--min-px PX] [--screenshots DIR]",
  );
  process.exit(2);
}

const opts = { only: ".", width: 1280, minPx: 10 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [k, v] = [argv[i], argv[i + 1]];
  if (v === undefined) usage();
  if (k === "--site") opts.site = resolve(v);
  else if (k === "--only") opts.only = v;
  else if (k === "--mermaid") opts.mermaid = resolve(v);
  else if (k === "--width") opts.width = Number(v);
  else if (k === "--min-px") opts.minPx = Number(v);
  else if (k === "--screenshots") opts.shots = resolve(v);
  else usage();
}
if (!opts.site) usage();
// The mermaid the pages get: the site's own, or --mermaid (its package.json
// is next to dist/).
const mermaidFile = opts.mermaid || null;
let mermaidVersion = "of the site";
if (mermaidFile) {
  try {
    mermaidVersion = JSON.parse(readFileSync(resolve(dirname(mermaidFile), "..", "package.json"), "utf8")).version;
  } catch {
    mermaidVersion = mermaidFile;
  }
}
let mermaidServed = 0;
const only = new RegExp(opts.only);

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

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

// Pages written by the self-test live here, served as if in the site.
const extra = new Map();

function serve(root) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    if (extra.has(path)) {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(extra.get(path));
      return;
    }
    let file = resolve(root, "." + path);
    if (mermaidFile && path.endsWith("/assets/javascripts/mermaid.min.js")) {
      file = mermaidFile;
      mermaidServed++;
    }
    else if (!file.startsWith(resolve(root) + sep) && file !== resolve(root)) {
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

// Measures, in the page, every drawn diagram: its box, the content
// column's box, and each message label's box and text.
function measure() {
  const column = document.querySelector(".md-content__inner") || document.body;
  const col = column.getBoundingClientRect();
  return {
    diagrams: [...document.querySelectorAll("div.mermaid")].map((div) => {
      const root = div.shadowRoot || div;
      const svg = root.querySelector("svg");
      if (!svg) return { drawn: false };
      const box = svg.getBoundingClientRect();
      const labels = [...root.querySelectorAll("text.messageText")].map((t) => {
        const r = t.getBoundingClientRect();
        return { text: t.textContent, top: r.top, left: r.left, right: r.right, height: r.height };
      });
      return {
        drawn: true,
        box: { left: box.left, right: box.right, width: box.width },
        viewBoxWidth: svg.viewBox && svg.viewBox.baseVal ? svg.viewBox.baseVal.width : 0,
        labels,
      };
    }),
    column: { left: col.left, right: col.right },
  };
}

async function drawnPage(browser, url, base) {
  const page = await browser.newPage({ viewport: { width: opts.width, height: 900 } });
  const outside = [];
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(base)) return route.continue();
    outside.push(u);
    return route.abort();
  });
  // Material draws each diagram in a closed shadow root; open it so the
  // drawn text can be measured (nothing else changes).
  await page.addInitScript(() => {
    const attach = Element.prototype.attachShadow;
    Element.prototype.attachShadow = function (init) {
      return attach.call(this, { ...init, mode: "open" });
    };
  });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e.message || e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  // Generous timeouts: CI machines are shared, and a big page takes a while.
  const loaded = await page
    .goto(url, { waitUntil: "load", timeout: 120000 })
    .then(() => true)
    .catch((e) => {
      errors.push(String(e.message || e).split("\n")[0]);
      return false;
    });
  const drawn =
    loaded &&
    (await page
    .waitForFunction(
      () => {
        const blocks = [...document.querySelectorAll(".mermaid")];
        return (
          blocks.length > 0 &&
          blocks.every((b) => b.tagName === "DIV" && (b.shadowRoot || b).querySelector("svg text"))
        );
      },
      null,
      { timeout: 90000 },
    )
    .then(() => true)
    .catch(() => false));
  if (!drawn && (process.env.LEGIBLE_DEBUG || !loaded))
    console.error(url, errors, outside, await page.evaluate(() => [...document.querySelectorAll(".mermaid")].map((b) => b.tagName + ":" + !!b.shadowRoot + ":" + (b.shadowRoot || b).innerHTML.slice(0, 300))));
  return { page, drawn, outside };
}

// Failures of one page's measurements, as strings.
function judge(m) {
  const bad = [];
  m.diagrams.forEach((d, k) => {
    if (!d.drawn) {
      bad.push(`diagram ${k + 1}: not drawn`);
      return;
    }
    if (d.box.right > m.column.right + 1 || d.box.left < m.column.left - 1)
      bad.push(`diagram ${k + 1}: ${Math.round(d.box.width)} px wide, past the content column`);
    for (const l of d.labels) {
      const what = JSON.stringify(l.text.length > 60 ? l.text.slice(0, 57) + "..." : l.text);
      if (l.height < opts.minPx) bad.push(`diagram ${k + 1}: label ${what} is ${l.height.toFixed(1)} px tall`);
      if (l.right > d.box.right + 1 || l.left < d.box.left - 1)
        bad.push(`diagram ${k + 1}: label ${what} runs past the diagram's edge`);
    }
  });
  return bad;
}

function summary(m) {
  const heights = m.diagrams.flatMap((d) => (d.labels || []).map((l) => l.height));
  const min = heights.length ? Math.min(...heights) : 0;
  const widths = m.diagrams.map((d) => (d.drawn ? Math.round(d.viewBoxWidth) : 0));
  return `${m.diagrams.length} diagram(s), ${heights.length} labels, smallest ${min.toFixed(1)} px, drawn widths ${widths.join("/")} px`;
}

let browser;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
} catch (e) {
  console.error(`check-legible: cannot start ${CHROMIUM}: ${e.message}`);
  process.exit(2);
}
let failed = 0;
try {
  const server = await serve(opts.site);
  const base = `http://127.0.0.1:${server.address().port}`;
  const pages = walk(opts.site, (n) => n === "index.html")
    .filter((f) => readFileSync(f, "utf8").includes('class="mermaid"'))
    .filter((f) => only.test(relative(opts.site, f)));
  if (pages.length === 0) {
    console.error(`check-legible: no page matching ${only} with a diagram under ${opts.site}`);
    process.exit(2);
  }
  // Self-test: a real page of the site with its diagram swapped for one
  // nobody can read must fail.
  const template = readFileSync(pages[0], "utf8");
  const who = ["a", "b", "c", "d", "e", "f", "g", "h"];
  const wide = ["sequenceDiagram", ...who.map((p) => `participant ${p}`), `a->>h: ${"x/".repeat(150)}`]
    .concat(who.slice(1).map((p, i) => `${who[i]}->>${p}: GET /${"y".repeat(120)}`))
    .join("\n");
  const selfTest = template.replace(
    /<pre class="mermaid">[\s\S]*?<\/pre>/,
    `<pre class="mermaid"><code>${wide}</code></pre>`,
  );
  const selfDir = "/" + relative(opts.site, dirname(pages[0])).split(sep).join("/");
  extra.set(`${selfDir}/legible-selftest.html`, selfTest);
  {
    const { page, drawn } = await drawnPage(browser, `${base}${selfDir}/legible-selftest.html`, base);
    const m = drawn ? await page.evaluate(measure) : null;
    await page.close();
    if (!m || judge(m).length === 0) {
      console.error(`check-legible: self-test failed (drawn: ${drawn}; an unreadable diagram passed)`);
      process.exit(2);
    }
  }
  // A few pages at a time: each mostly waits for layout and fonts.
  const queue = [...pages];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const rel = relative(opts.site, dirname(file));
      const url = `${base}/${rel.split(sep).join("/")}/`;
      const { page, drawn, outside } = await drawnPage(browser, url, base);
      if (!drawn) {
        failed++;
        console.error(`FAIL ${rel}: diagrams not drawn` + (outside.length ? ` (blocked: ${outside.join(", ")})` : ""));
        await page.close();
        continue;
      }
      const m = await page.evaluate(measure);
      const bad = judge(m);
      if (opts.shots) {
        mkdirSync(opts.shots, { recursive: true });
        // Material's sticky header would cover part of a tall diagram.
        await page.addStyleTag({ content: ".md-header, .md-tabs { display: none !important; }" });
        const blocks = await page.$$("div.mermaid");
        for (const [k, block] of blocks.entries()) {
          const name = `${rel.split(sep).join("_")}-${k + 1}.png`;
          await block.screenshot({ path: join(opts.shots, name) });
        }
      }
      await page.close();
      if (bad.length) {
        failed++;
        console.error(`FAIL ${rel}: ${summary(m)}`);
        for (const b of bad.slice(0, 20)) console.error(`  ${b}`);
        if (bad.length > 20) console.error(`  ... and ${bad.length - 20} more`);
      } else {
        console.log(`ok ${rel}: ${summary(m)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 2 }, worker));
  server.close();
  if (mermaidFile && mermaidServed === 0) {
    console.error(`check-legible: no page loaded ${mermaidFile}`);
    process.exit(2);
  }
  console.log(
    `check-legible: mermaid ${mermaidVersion} at ${opts.width} px: ${pages.length - failed} page(s) passed, ${failed} failed`,
  );
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
