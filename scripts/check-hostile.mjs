#!/usr/bin/env node
// End-to-end check of a MkDocs Material site built from the hostile capture
// tree of scripts/gen-hostile.py (the `hostile` stage of scripts/test).
//
//   node scripts/check-hostile.mjs --site SITE --manifest MANIFEST
//        [--docs DOCS] [--build-log LOG]
//
// SITE is the built site (mkdocs' site_dir), MANIFEST the generator's
// manifest.json, DOCS the Markdown tracedoc wrote, LOG tracedoc's stdout and
// stderr. Every page is served on 127.0.0.1 and opened in Debian's Chromium
// (playwright-core, as scripts/check-mermaid.mjs does). Once mermaid has
// drawn, every <details> is opened, every tab switched, mouse, focus and
// click events are sent to every element (with navigation blocked) and the
// mouse is moved over the page. A finding is:
//
//   script-ran       a dialog, `document.title` or `window.tdpwn` set, a
//                    navigation away, an uncaught error
//   outside-request  any request that leaves the page's origin
//   same-origin-404  a request for a file the site does not have (something
//                    on the page asked for it: `<img src=x>`, `![i](x.png)`)
//   handler          an `on*` attribute, in the page or a diagram's SVG
//   script-url       href/src/xlink:href/action/formaction/... holding a
//                    javascript:, vbscript: or data: URL
//   injected         an element, attribute, class, id or style that the
//                    site's own templates never produce where it was found
//                    (attr_list ids/classes/styles, links, images, emoji,
//                    <script> in the content or the nav...), or a `tdpwn`
//                    marker or the attacker address 127.0.0.2 in an
//                    attribute
//   not-visible      a captured header, body or head line missing from the
//                    page's text (textContent, so closed details and
//                    hidden tabs count), or a name (folder, token user,
//                    project, role, service, label) not shown as text
//   diagram          a mermaid block not drawn as a sequence diagram, or
//                    mermaid's error graphic
//   directive        a diagram whose style differs from the reference
//                    diagram on the home page (a captured %%{init}%% applied)
//   published        a capture missing from the site without tracedoc
//                    saying why; a capture on several pages; a page that
//                    shows text it must never show (an included site page,
//                    a capture reached through a symlink)
//   terminal         raw control characters in tracedoc's output
//   unchecked        a page the checker could not open or inspect
//
// One line per finding (identical findings on several pages are printed
// once, with the count), then a summary by attack class (the payload ids in
// a finding, `hzNNN`, name the class through the manifest). Exit 0 when
// nothing was found, 1 on any finding, 2 when the checker cannot run.
//
// Before the site, a self-test page breaks every rule once; the checker
// must report each, or it stops with exit 2: it cannot pass by being blind.
//
// Environment: CHROMIUM (default /usr/bin/chromium), HOSTILE_JOBS (pages
// checked at a time, 2), HOSTILE_DEBUG=1 (time each page).

import { readFileSync, readdirSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(resolve(here, "..", "ci"), "package.json"));
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// The flags scripts/check-mermaid.mjs uses (the closed network refuses
// Chromium's own background connections otherwise).
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
const JOBS = Number(process.env.HOSTILE_JOBS || 2);
const PAYLOAD_ID = /hz\d{3}/g;

// ------------------------------------------------------------------ args

function usage() {
  console.error("usage: check-hostile.mjs --site SITE --manifest MANIFEST [--docs DOCS] [--build-log LOG]");
  process.exit(2);
}
const opts = {};
{
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    if (!["site", "manifest", "docs", "build-log"].includes(key) || argv[i + 1] === undefined) usage();
    opts[key] = argv[i + 1];
  }
  if (!opts.site || !opts.manifest) usage();
}
const siteDir = resolve(opts.site);
const manifest = JSON.parse(readFileSync(opts.manifest, "utf8"));
const ATTACKER_HOST = manifest.attacker.split(":")[0];

// ------------------------------------------------------------------ findings

const findings = [];
function find(page, kind, detail) {
  findings.push({ page, kind, detail: String(detail).replace(/\s+/g, " ").slice(0, 400) });
}

const norm = (s) => s.replace(/\s+/g, " ").trim();
const safeDecode = (s) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

// ------------------------------------------------------------------ files

function walk(dir, match) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path, match));
    else if (entry.isFile() && match(entry.name)) out.push(path);
  }
  return out;
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".xml": "application/xml",
};

function serve(root) {
  const server = createServer((req, res) => {
    let file;
    try {
      file = resolve(root, "." + decodeURIComponent(new URL(req.url, "http://x").pathname));
    } catch {
      res.writeHead(400).end();
      return;
    }
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

// ------------------------------------------------------------------ in the page

// Runs before any script of the page: records every trace a payload leaves,
// and opens closed shadow roots (Material draws each diagram into one) so
// the checks can see inside.
function initScript() {
  const hits = [];
  Object.defineProperty(window, "__tdhHits", { value: hits });
  const rec = (what) => hits.push(String(what).slice(0, 300));
  const title = Object.getOwnPropertyDescriptor(Document.prototype, "title");
  Object.defineProperty(Document.prototype, "title", {
    configurable: true,
    get: title.get,
    set(v) {
      rec(`document.title set to ${v}`);
      title.set.call(this, v);
    },
  });
  Object.defineProperty(window, "tdpwn", {
    configurable: false,
    get: () => undefined,
    set: (v) => rec(`window.tdpwn set to ${v}`),
  });
  for (const name of ["alert", "confirm", "prompt", "print"]) {
    Object.defineProperty(window, name, {
      configurable: false,
      writable: false,
      value: (...args) => rec(`${name}(${args.join(", ")})`),
    });
  }
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    return attach.call(this, { ...init, mode: "open" });
  };
}

// Open, switch, hover and click everything; navigation stays blocked.
async function interact() {
  for (const d of document.querySelectorAll("details")) d.open = true;
  for (const label of document.querySelectorAll(".tabbed-labels > label, .tabbed-set > label")) label.click();
  const roots = [document];
  for (let i = 0; i < roots.length; i++)
    for (const el of roots[i].querySelectorAll("*")) if (el.shadowRoot) roots.push(el.shadowRoot);
  const block = (e) => e.preventDefault();
  window.addEventListener("click", block, true);
  window.addEventListener("submit", block, true);
  const types = ["pointerover", "pointerenter", "mouseover", "mouseenter", "mousemove", "mousedown", "mouseup",
    "click", "dblclick", "auxclick", "contextmenu", "focus", "focusin", "blur", "wheel", "keydown", "input", "change"];
  for (const root of roots) {
    for (const el of root.querySelectorAll("*")) {
      if (el.closest?.(".md-search, .md-dialog")) continue; // the site's own widgets
      for (const type of types) {
        const Ev = type.startsWith("key") ? KeyboardEvent : type === "wheel" ? WheelEvent : MouseEvent;
        try {
          el.dispatchEvent(new Ev(type, { bubbles: true, cancelable: true, composed: true }));
        } catch {
          /* an element that refuses an event is no finding */
        }
      }
    }
  }
  window.removeEventListener("click", block, true);
  window.removeEventListener("submit", block, true);
}

// Everything the checks need from a page, after interact().
function inspect(arg) {
  const { attacker, captures } = arg;
  const out = { problems: [], text: "", markers: [], texts: [], styles: [], diagrams: [], hits: window.__tdhHits.slice() };
  // The same problem on many elements (every text of a diagram) once, counted.
  const seen = new Map();
  const problem = (kind, detail) => {
    const key = kind + "\u0000" + detail;
    seen.set(key, (seen.get(key) || 0) + 1);
  };
  const n = (s) => s.replace(/\s+/g, " ").trim();
  // An element as a finding shows it: its tag and attributes, and the
  // start of its text (a link's text names the payload).
  const show = (el) => {
    const clone = el.cloneNode(false);
    let html = clone.outerHTML || `<${el.localName}>`;
    if (html.length > 220) html = html.slice(0, 220) + "…";
    const text = n(el.textContent || "");
    return text && text.length < 400 ? `${html} text "${text.slice(0, 60)}"` : html;
  };

  // Where the site's own templates put what. Measured on the samples site
  // with ci/hostile-mkdocs.yml (mkdocs-material 9.8, pymdown-extensions 13).
  const PYGMENTS = "bp c c1 ch cm cp cpf cs dl err esc fm g gd ge ges gh gi go gp gr gs gt gu il k kc kd kn kp kr kt l ld m mb mf mh mi mo n na nb nc nd ne nf ni nl nn no nt nv nx o ow p pm py s s1 s2 sa sb sc sd se sh si sr ss sx vc vg vi vm w x hll".split(" ");
  const CONTENT = {
    // strong: a diagram part's caption; em: what a format lacks.
    tags: new Set("a article button code details div em h1 h2 h3 h4 h5 h6 input label li nav ol p pre span strong summary table tbody td th thead tr ul".split(" ")),
    attrs: new Set([
      "a@class", "a@href", "a@id", "a@name", "a@tabindex", "a@title", "article@class",
      "button@aria-hidden", "button@class", "button@data-clipboard-target", "button@data-md-type", "button@tabindex", "button@title",
      "code@tabindex", "details@class", "details@open", "summary@class", "div@class", "div@data-tabs", "div@hidden", "div@style",
      "*@data-focus-visible-added", // Material's focus-visible polyfill
      "h1@id", "h2@id", "h3@id", "h4@id", "h5@id", "h6@id",
      "input@checked", "input@class", "input@data-focus-visible-added", "input@id", "input@name", "input@type",
      "label@for", "nav@class", "p@class", "pre@id", "pre@class", "span@class", "span@id", "table@class", "td@class", "th@class", "th@colspan",
      "td@style", "th@style", // column alignment (checked below)
    ]),
    classes: new Set([
      ...PYGMENTS,
      "admonition", "admonition-title", "code",
      ...("note abstract summary tldr info todo tip hint important success check done question help faq warning caution " +
        "attention failure fail missing danger error bug example quote cite").split(" "), "filename", "focus-visible", "headerlink", "highlight",
      "highlighttable", "linenodiv", "linenos", "normal", "special", "mermaid", "tabbed-alternate", "tabbed-block", "tabbed-button",
      "tabbed-content", "tabbed-control", "tabbed-control--next", "tabbed-control--prev", "tabbed-labels", "tabbed-labels--linked",
      "tabbed-set", "md-typeset", "md-typeset__scrollwrap", "md-typeset__table", "md-content__inner", "md-code__button",
      "md-code__nav", "md-clipboard", "md-icon",
    ]),
  };
  const CHROME_TAGS = new Set("a body button div footer form header html input label li main nav ol path script span svg ul".split(" "));
  const HEAD_TAGS = new Set("head link meta script title style".split(" "));
  const SVG_TAGS = new Set("svg g defs marker symbol path line polygon polyline rect circle ellipse text tspan style".split(" "));
  const URL_ATTRS = new Set(["href", "src", "xlink:href", "action", "formaction", "data", "poster", "srcset", "background", "ping", "cite", "srcdoc", "codebase", "manifest", "lowsrc", "dynsrc", "icon"]);
  const BAD_STYLE = /position\s*:\s*(fixed|absolute|sticky)|url\s*\(|expression\s*\(|tdpwn|@import/i;

  const roots = [[document, "light", false]];
  for (let i = 0; i < roots.length; i++) {
    const [root, kind, sequence] = roots[i];
    for (const el of root.querySelectorAll("*")) {
      if (el.shadowRoot)
        roots.push([el.shadowRoot, "svg", el.shadowRoot.querySelector("svg")?.getAttribute("aria-roledescription") === "sequence"]);
      const region = kind === "svg" ? "svg" : el.closest("head") ? "head" : el.closest("article.md-content__inner") ? "content" : "chrome";
      const tag = el.localName;
      // In a diagram, name the element by its tag and class only: the same
      // finding on a hundred texts is one finding.
      const where = region === "svg"
        ? `diagram <${tag}${["class", "href", "xlink:href"].map((a) => (el.hasAttribute(a) ? ` ${a}="${el.getAttribute(a).slice(0, 120)}"` : "")).join("")}>`
        : `${region} ${show(el)}`;
      // Tags.
      if (region === "content" && !CONTENT.tags.has(tag)) problem("injected", `<${tag}> in the page content: ${where}`);
      if (region === "chrome" && !CHROME_TAGS.has(tag)) problem("injected", `<${tag}> in the site's navigation: ${where}`);
      // Material prints page and section titles as text in .md-ellipsis.
      // (Only its children: an unclosed tag there swallows the rest of the
      // nav, which need not be reported element by element.)
      if (region !== "svg" && el.parentElement?.matches(".md-ellipsis"))
        problem("injected", `<${tag}> inside a page title: ${where}`);
      if (region === "head" && !HEAD_TAGS.has(tag)) problem("injected", `<${tag}> in <head>: ${where}`);
      // (A diagram mermaid refused is reported as such; its error drawing's
      // tags are not findings of their own.)
      if (region === "svg" && sequence && !SVG_TAGS.has(tag)) problem("injected", `<${tag}> in a diagram: ${where}`);
      if (tag === "script") {
        const src = el.getAttribute("src");
        const parent = el.parentElement;
        // Material's own scripts sit right in <head> or <body>, or right
        // in the header bar or the main column; a title is never there.
        const own = !!parent?.matches("head, body, header.md-header > nav.md-header__inner, main.md-main > div.md-main__inner") &&
          (src === null ? !/tdpwn|hz\d{3}|127\.0\.0\.2/.test(el.textContent) : new URL(src, location.href).origin === location.origin);
        if (!own) problem("injected", `a <script> the site did not write: ${where} ${el.textContent.slice(0, 120)}`);
      }
      if (tag === "style" && region === "svg" && /tdpwn|127\.0\.0\.2/.test(el.textContent))
        problem("directive", `a diagram's style holds captured CSS: ${el.textContent.match(/.{0,80}(tdpwn|127\.0\.0\.2).{0,80}/)[0]}`);
      if (tag === "style" && region !== "svg" && region !== "head") problem("injected", `<style> in the page: ${where}`);
      // Attributes.
      for (const a of el.attributes) {
        const name = a.name.toLowerCase();
        const value = a.value;
        if (name.startsWith("on")) problem("handler", `${name}="${value.slice(0, 120)}" on ${where}`);
        if (URL_ATTRS.has(name)) {
          const v = value.replace(/[\u0000-\u0020\u007f-\u009f]+/g, "").toLowerCase();
          if (/^(javascript|vbscript|data):/.test(v)) problem("script-url", `${name}="${value.slice(0, 120)}" on ${where}`);
          if (value.includes(attacker)) problem("injected", `${name} points at the attacker host: ${where}`);
        }
        if (/tdpwn/i.test(name)) problem("injected", `attribute ${name}="${value.slice(0, 80)}" from captured text: ${where}`);
        if (name === "style" && BAD_STYLE.test(value)) problem("injected", `style="${value.slice(0, 120)}" on ${where}`);
        if (name === "id" && /^tdpwn/i.test(value)) problem("injected", `id="${value}" from captured text: ${where}`);
        if (name === "class" && /tdpwn/i.test(value)) problem("injected", `class="${value}" from captured text: ${where}`);
        // (An element the content never holds is reported once, above.)
        if (region === "content" && CONTENT.tags.has(tag)) {
          if (!CONTENT.attrs.has(`${tag}@${name}`) && !CONTENT.attrs.has(`*@${name}`) && !name.startsWith("on") && !/tdpwn/i.test(name))
            problem("injected", `attribute ${name}="${value.slice(0, 80)}" the templates never write on <${tag}>: ${where}`);
          // (Markdown tables' column alignment: the home page's counts.)
          if (name === "style" && !/^(\s*--md-indicator-(x|width)\s*:\s*-?[\d.]+px;?)*\s*$/.test(value) &&
              !((tag === "td" || tag === "th") && /^text-align: (right|left|center);$/.test(value)))
            problem("injected", `style="${value.slice(0, 120)}" in the page content: ${where}`);
          if (name === "id" && !/^h[1-6]$/.test(tag) && !/^__[\w-]+$/.test(value) && !/^tdpwn/i.test(value) &&
              !(tag === "a" && /^step-\d+$/.test(value)))
            problem("injected", `id="${value}" on <${tag}>: ${where}`);
        }
      }
      if (region === "content" && CONTENT.tags.has(tag)) {
        for (const c of el.classList)
          if (!CONTENT.classes.has(c) && !/tdpwn/i.test(c)) problem("injected", `class "${c}" the templates never write: ${where}`);
        if (tag === "a") {
          const href = el.getAttribute("href") || "";
          // The templates link within the page (permalinks, line numbers,
          // tabs) and to the API reference; a template that adds another
          // kind of link must say so here.
          // Step anchors (`<a id="step-3">`) hold no link; the home and
          // coverage pages link to other pages of the site (relative,
          // never with a scheme or another host).
          const ok = (el.hasAttribute("href") && href.startsWith("#")) ||
            /^https:\/\/docs\.openstack\.org\//.test(href) ||
            (!el.hasAttribute("href") && /^__codelineno-\d+-\d+$/.test(el.id)) ||
            (!el.hasAttribute("href") && /^step-\d+$/.test(el.id)) ||
            (el.hasAttribute("href") && !/^[a-z][a-z0-9+.-]*:/i.test(href.trim()) &&
              !href.trim().startsWith("//") && /^[^?]*\/(#step-\d+)?$/.test(href));
          if (!ok) problem("injected", `a link from captured text: ${where}`);
        }
      }
      if (region === "chrome" && tag === "a") {
        const href = el.getAttribute("href") || "";
        if (/^[a-z][a-z0-9+.-]*:/i.test(href.trim()) && href !== "https://squidfunk.github.io/mkdocs-material/")
          problem("injected", `a link to another site in the navigation: ${where}`);
      }
      if (region === "svg" && tag === "a") problem("injected", `a link in a diagram: ${where}`);
    }
  }

  // Diagrams: each block drawn as a sequence diagram, no error graphic.
  const blocks = [...document.querySelectorAll(".mermaid")];
  blocks.forEach((b, i) => {
    const svg = b.shadowRoot?.querySelector("svg");
    const kind = svg?.getAttribute("aria-roledescription");
    const text = svg ? n(svg.textContent) : "";
    out.diagrams.push({ drawn: b.tagName === "DIV" && !!svg, kind, error: /Syntax error|Maximum text size|Parse error/.test(text) });
    // (A diagram mermaid refused is reported as such, not by its style.)
    const style = kind === "sequence" ? svg.querySelector("style")?.textContent : undefined;
    out.styles.push(style === undefined ? null : style.split(svg.id).join("#ID"));
  });
  for (const [root] of roots)
    for (const e of root.querySelectorAll('svg[aria-roledescription="error"]'))
      problem("diagram", `mermaid's error graphic: ${show(e)}`);

  for (const [key, count] of seen) {
    const [kind, detail] = key.split("\u0000");
    out.problems.push([kind, count > 1 ? `${detail} (${count} elements)` : detail]);
  }

  // Text.
  out.text = n(document.body.textContent);
  for (const c of captures) {
    const re = new RegExp(c.marker.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(?![\\w-])");
    if (!re.test(out.text)) continue;
    out.markers.push(c.marker);
    for (const [sel, text] of c.texts) {
      const want = n(text);
      const els = sel === "body" ? [document.body] : [...document.querySelectorAll(sel)];
      if (!els.some((el) => n(el.textContent).includes(want))) out.texts.push([c.marker, sel, text]);
    }
  }
  return out;
}

// ------------------------------------------------------------------ one page

async function checkPage(browser, base, url, rel, content, drawTimeout = 20000) {
  const started = Date.now();
  const page = await browser.newPage();
  const origin = new URL(base).origin;
  const pageFindings = [];
  const f = (kind, detail) => pageFindings.push([kind, detail]);
  await page.addInitScript(initScript);
  await page.route("**/*", (route) => {
    const u = route.request().url();
    let o = null;
    try {
      o = new URL(u).origin;
    } catch {
      /* not a URL: treated as outside */
    }
    if (o === origin) {
      if (content !== undefined && new URL(u).pathname === new URL(url).pathname)
        return route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: content });
      return route.continue();
    }
    f("outside-request", `request to ${u.slice(0, 200)}`);
    return route.abort();
  });
  // Shown relative to the page's folder, so that the same markup in the
  // nav of every page gives the same finding.
  const dir = url.slice(0, url.lastIndexOf("/") + 1);
  page.on("response", (r) => {
    if (r.status() !== 404) return;
    const u = r.url();
    const shown = u.startsWith(dir) ? u.slice(dir.length) : u.slice(origin.length);
    f("same-origin-404", `request for a missing file: ${safeDecode(shown).slice(0, 200)}`);
  });
  page.on("dialog", (d) => {
    f("script-ran", `dialog ${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on("popup", (p) => f("script-ran", `popup ${p.url()}`));
  page.on("pageerror", (e) => f("script-ran", `uncaught error: ${String(e.message || e).split("\n")[0]}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/^Failed to load resource/.test(m.text()))
      f("script-ran", `console error: ${m.text().split("\n")[0]}`);
  });
  const samePage = (u) => {
    try {
      const a = new URL(u);
      const b = new URL(url);
      return a.origin === b.origin && decodeURIComponent(a.pathname) === decodeURIComponent(b.pathname);
    } catch {
      return false;
    }
  };
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame() && frame.url() !== "about:blank" && !samePage(frame.url()))
      f("script-ran", `the page navigated to ${decodeURI(frame.url()).slice(0, 200)}`);
  });
  let result = null;
  try {
    await page.goto(url, { waitUntil: "load", timeout: 30000 });
    const tLoaded = Date.now();
    // Material swaps each <pre class="mermaid"> for a <div class="mermaid">
    // holding the drawn SVG once mermaid has run.
    await page
      .waitForFunction(
        () => [...document.querySelectorAll(".mermaid")].every((b) => b.tagName === "DIV" && b.shadowRoot?.querySelector("svg")),
        null,
        { timeout: drawTimeout },
      )
      .catch(() => {});
    const tDrawn = Date.now();
    await page.evaluate(interact);
    const tInteract = Date.now();
    const box = page.viewportSize() || { width: 1280, height: 720 };
    // Real pointer moves over a grid catch an overlay (position:fixed).
    for (let y = 10; y < box.height; y += box.height / 3)
      for (let x = 10; x < box.width; x += box.width / 4) await page.mouse.move(x, y);
    await page.waitForTimeout(300);
    const tMoved = Date.now();
    result = await page.evaluate(inspect, {
      attacker: ATTACKER_HOST,
      captures: manifest.captures.map((c) => ({ marker: c.marker, texts: c.texts })),
    });
    if (process.env.HOSTILE_DEBUG)
      console.error(`  ${rel}: load ${tLoaded - started} ms, draw ${tDrawn - tLoaded} ms, events ${tInteract - tDrawn} ms, mouse ${tMoved - tInteract} ms, inspect ${Date.now() - tMoved} ms`);
  } catch (e) {
    f("unchecked", `the page could not be checked: ${String(e.message || e).split("\n")[0]}`);
  }
  await page.close();
  if (result) {
    for (const h of result.hits) f("script-ran", h);
    for (const [kind, detail] of result.problems) f(kind, detail);
    result.diagrams.forEach((d, i) => {
      if (!d.drawn) f("diagram", `mermaid block ${i + 1} was not drawn`);
      else if (d.kind !== "sequence") f("diagram", `mermaid block ${i + 1} drew a ${d.kind || "non-"} diagram, not the sequence diagram`);
      if (d.error) f("diagram", `mermaid block ${i + 1} shows an error instead of the diagram`);
    });
  }
  if (process.env.HOSTILE_DEBUG) console.error(`checked ${rel} in ${Date.now() - started} ms`);
  return { rel, url, findings: pageFindings, result };
}

// ------------------------------------------------------------------ self-test

const SELFTEST_HTML = `<!doctype html><html><head><title>self-test</title></head><body>
<article class="md-content__inner md-typeset"><h1 id="t">Self-test</h1>
<p>X-Tdhostile-Capture: selftest-zz</p>
<img src="x" onerror="alert('hz999')">
<a href=" java&#x09;script:void(0)">j</a>
<span class="tdpwn-hz999" style="position:fixed;inset:0">s</span>
<img src="http://${manifest.attacker}/hz999.png">
<script>document.title = 'hz999'; window.tdpwn = 'hz999';</script>
<pre class="mermaid">sequenceDiagram</pre>
</article></body></html>`;

async function selfTest(browser, base) {
  const url = `${base}/__tdhostile_selftest__/`;
  const saved = manifest.captures;
  manifest.captures = [{ marker: "X-Tdhostile-Capture: selftest-zz", texts: [["h1", "not there"]], lines: [] }];
  const r = await checkPage(browser, base, url, "selftest", SELFTEST_HTML, 1000).finally(() => {
    manifest.captures = saved;
  });
  const kinds = new Set(r.findings.map(([k]) => k));
  const details = r.findings.map(([, d]) => d).join("\n");
  const want = {
    "dialog or alert": /alert\(hz999\)/.test(details),
    "document.title": /document\.title set to hz999/.test(details),
    "window.tdpwn": /window\.tdpwn set to hz999/.test(details),
    "outside request": kinds.has("outside-request"),
    "same-origin 404": kinds.has("same-origin-404"),
    "on* attribute": kinds.has("handler"),
    "javascript: URL": kinds.has("script-url"),
    "injected element": /<img> in the page content/.test(details),
    "injected class": /class="tdpwn-hz999"/.test(details),
    "injected style": /style="position:fixed/.test(details),
    "injected script": /a <script> the site did not write/.test(details),
    "diagram not drawn": kinds.has("diagram"),
    "name not shown": r.result?.texts.length === 1,
    "line counted": countOf(r.result?.text || "", "X-Tdhostile-Capture: selftest-zz") === 1 &&
      countOf(r.result?.text || "", "a line that is not there") === 0,
  };
  const blind = Object.entries(want).filter(([, ok]) => !ok).map(([k]) => k);
  if (blind.length) {
    console.error(`check-hostile: self-test failed: the checker did not see: ${blind.join(", ")}`);
    console.error(r.findings.map(([k, d]) => `  ${k}: ${d}`).join("\n"));
    process.exit(2);
  }
  console.log(`self-test: all ${Object.keys(want).length} kinds of finding detected`);
}

// ------------------------------------------------------------------ main

function countOf(haystack, needle) {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

async function main() {
  const pages = walk(siteDir, (name) => name.endsWith(".html"));
  if (pages.length === 0) {
    console.error(`check-hostile: no page under ${siteDir}`);
    process.exit(2);
  }
  // Files: text that must never be published, anywhere in the site or docs.
  const home = join(siteDir, "index.html");
  const scanned = [...walk(siteDir, () => true), ...(opts.docs ? walk(resolve(opts.docs), () => true) : [])];
  for (const file of scanned) {
    const text = readFileSync(file, "latin1");
    const rel = relative(dirname(siteDir), file);
    for (const fb of manifest.forbidden) if (text.includes(fb.text)) find(rel, "published", `${fb.why}: ${fb.text} [${fb.class}]`);
    if (file.endsWith(".html") && file !== home && text.includes(manifest.home_marker))
      find(rel, "published", `the home page was included by a captured \`--8<--\` line`);
  }
  // tracedoc's terminal output.
  let buildLog = "";
  if (opts["build-log"]) {
    buildLog = readFileSync(opts["build-log"], "utf8");
    buildLog.split("\n").forEach((line, i) => {
      if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(line))
        find(`${opts["build-log"]}:${i + 1}`, "terminal", `raw control characters: ${JSON.stringify(line).slice(0, 200)}`);
    });
  }

  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  } catch (e) {
    console.error(`check-hostile: cannot start ${CHROMIUM}: ${e.message}`);
    process.exit(2);
  }
  const server = await serve(siteDir);
  const base = `http://127.0.0.1:${server.address().port}`;
  const results = [];
  try {
    await selfTest(browser, base);
    // The home page first: its diagram is the style reference.
    const order = [home, ...pages.filter((p) => p !== home)];
    const queue = order.map((file) => {
      const rel = relative(siteDir, file);
      const path = rel.endsWith("index.html") ? rel.slice(0, -"index.html".length) : rel;
      return { rel, url: `${base}/${path.split(sep).map(encodeURIComponent).join("/")}` };
    });
    results.push(await checkPage(browser, base, queue[0].url, queue[0].rel));
    let next = 1;
    const worker = async () => {
      while (next < queue.length) {
        const item = queue[next++];
        results.push(await checkPage(browser, base, item.url, item.rel));
      }
    };
    await Promise.all(Array.from({ length: JOBS }, worker));
  } finally {
    await browser.close();
    server.close();
  }

  // The reference style: the home page's own diagram.
  const reference = results[0].result?.styles?.[0];
  if (!reference) {
    console.error("check-hostile: the home page's reference diagram was not drawn; cannot compare styles");
    process.exit(2);
  }
  const byMarker = new Map();
  for (const r of results) {
    for (const [kind, detail] of r.findings) find(r.rel, kind, detail);
    if (!r.result) continue;
    r.result.styles.forEach((s, i) => {
      if (s !== null && s !== reference) {
        let at = 0;
        while (at < s.length && s[at] === reference[at]) at++;
        find(r.rel, "directive", `diagram ${i + 1}'s style differs from the reference diagram's at ${JSON.stringify(s.slice(Math.max(0, at - 40), at + 120))}`);
      }
    });
    for (const m of r.result.markers) (byMarker.get(m) || byMarker.set(m, []).get(m)).push(r);
    for (const [marker, sel, text] of r.result.texts)
      find(r.rel, "not-visible", `${marker.split(": ")[1]}: no <${sel}> shows ${JSON.stringify(text).slice(0, 200)}`);
  }
  // Each capture: on exactly one page, every captured line on it.
  for (const c of manifest.captures) {
    const on = byMarker.get(c.marker) || [];
    const id = c.marker.split(": ")[1];
    if (on.length === 0) {
      const said = buildLog
        .split("\n")
        .find((l) => /^(error|warning):/.test(l) && l.includes(c.dir.split("/").slice(0, 2).join("/") + "/"));
      if (c.refusal_ok && said) {
        console.log(`note: ${c.dir}: not published; tracedoc said: ${said.slice(0, 200)}`);
      } else {
        find(c.dir, "published", `capture ${id} (${c.file}) is on no page` + (c.refusal_ok ? " and tracedoc's output does not say why" : "") + ` [${c.classes.join("; ")}]`);
      }
      continue;
    }
    if (on.length > 1) find(c.dir, "published", `capture ${id} shows on ${on.length} pages: ${on.map((r) => r.rel).join(", ")}`);
    const text = on[0].result.text;
    let missing = 0;
    for (const [line, times] of c.lines) {
      const want = norm(line);
      if (!want) continue;
      const got = countOf(text, want);
      if (got < times) {
        missing++;
        find(on[0].rel, "not-visible", `${id}: captured line shown ${got} of ${times} times: ${JSON.stringify(line).slice(0, 160)}`);
      }
    }
    if (missing === 0) console.log(`ok: ${id}: all ${c.lines.length} captured lines visible on ${on[0].rel}`);
  }
  report(results.length);
}

// ------------------------------------------------------------------ report

function report(pageCount) {
  const classOf = (f) => {
    const ids = [...new Set(f.detail.match(PAYLOAD_ID) || [])].filter((id) => manifest.payloads[id]);
    if (ids.length) return [...new Set(ids.map((id) => manifest.payloads[id].class))];
    const cls = f.detail.match(/\[([^\]]*\b(?:\d+|n:) [^\]]*)\]$/);
    if (cls) return cls[1].split("; ");
    const cap = manifest.captures.find((c) => f.page.includes(c.dir.split("/")[0]) || f.detail.startsWith(c.marker.split(": ")[1] + ":"));
    return cap ? cap.classes : ["site-wide (no payload named)"];
  };
  // Identical findings on several pages (the nav is on every page) once.
  const merged = new Map();
  for (const f of findings) {
    const key = `${f.kind}\u0000${f.detail}`;
    const m = merged.get(key);
    if (m) m.pages.push(f.page);
    else merged.set(key, { ...f, pages: [f.page] });
  }
  const byClass = new Map();
  for (const f of merged.values()) {
    const where = f.pages.length > 1 ? `${f.pages[0]} (+${f.pages.length - 1} more pages)` : f.pages[0];
    const ids = [...new Set(f.detail.match(PAYLOAD_ID) || [])].filter((id) => manifest.payloads[id]);
    const what = ids.map((id) => `${id}: ${manifest.payloads[id].what}`).join("; ");
    console.log(`FAIL ${where}: ${f.kind}: ${f.detail}${what ? `  [${what}]` : ""}`);
    for (const c of classOf(f)) {
      const e = byClass.get(c) || byClass.set(c, { count: 0, kinds: new Set(), ids: new Set() }).get(c);
      e.count++;
      e.kinds.add(f.kind);
      ids.forEach((id) => e.ids.add(id));
    }
  }
  console.log("");
  console.log(`check-hostile: ${pageCount} page(s), ${manifest.captures.length} capture(s), ${Object.keys(manifest.payloads).length} payload(s)`);
  if (merged.size === 0) {
    console.log("check-hostile: no finding");
    process.exit(0);
  }
  console.log(`check-hostile: ${merged.size} finding(s) by attack class:`);
  for (const [c, e] of [...byClass.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    console.log(`  ${c}: ${e.count} finding(s) (${[...e.kinds].join(", ")})${e.ids.size ? `; payloads ${[...e.ids].sort().join(" ")}` : ""}`);
  process.exit(1);
}

await main();
