#!/usr/bin/env python3
"""Write a hostile capture tree for the `hostile` stage of scripts/test.

Usage: scripts/gen-hostile.py OUT

Writes (deterministically: the same bytes on every run, no network):

  OUT/tree/             requestshook captures whose folder names, file names,
                        head lines, headers, bodies, keystone token names and
                        tracedoc.toml labels carry markup: HTML with event
                        handlers, Markdown links and images, attr_list
                        `{: ... }` lists, entities, mermaid directives and
                        statements, snippet markers in every spelling
                        (pymdownx.snippets matches them case-insensitively,
                        Unicode case folding included), fences, tabs, a
                        60,000-character URL, a symlinked capture file, and
                        terminal escape sequences. Issue 7 lists the attack
                        classes; every payload here is a different spelling.
                        The same payloads also come through every other
                        reader: a HAR 1.2 file, `openstack --debug` output,
                        OTLP, Zipkin and Jaeger traces, a hand-written
                        body.md read back; and through
                        capture.toml (title, command, output, description),
                        notes.md headings that match no step, and folder
                        names that the home page, the API coverage page and
                        the nav show.
  OUT/outside/          a capture outside the tree that tree/ links to; no
                        text of it may ever reach the site.
  OUT/diff/, diffs.tsv  inputs of `tracedoc diff` pages (scripts/test writes
                        each into the site as hostile-diff/NAME/diff.md):
                        hostile captures against a plain one, both ways,
                        and against themselves with their payload lines
                        made plain (calls changed), one `NAME OLD NEW` line
                        (tab-separated, relative to OUT) per page.
  OUT/site/docs/        the site's own pages: a home page with a reference
                        diagram and a marker, and a page that captured
                        `--8<--` lines try to include.
  OUT/manifest.json     what scripts/check-hostile.mjs needs: every payload
                        (id, attack class, what it is), every capture (a
                        marker line that identifies its page, the captured
                        lines that must be visible on it, the names that must
                        be shown as text, and whether tracedoc may refuse it),
                        and the markers that must never be published.

Every payload that could run script would, if it ran, leave a trace the
checker sees: a dialog (`alert`...), `document.title` or `window.tdpwn` set,
or a request to 127.0.0.2 (the "attacker", never the site's origin). Each
payload carries its id (`hz` + 3 digits) in that trace, and attr_list
payloads put `tdpwn` in the ids, classes and attribute names they would
add, so a finding names the payload and hence its class.

The captures hold no secret: redaction must leave every captured line as it
is, except the values of token headers (`X-Subject-Token`, `X-Auth-Token`),
which tracedoc names by design; for those only the header name is expected.
"""
import hashlib
import json
import os
import sys
from pathlib import Path

ATTACKER = "127.0.0.2:9"  # any request to it is an outside request
PUBLIC = "http://192.0.2.10"  # TEST-NET-1
GLANCE = "http://127.0.0.1:60999"
UA = "openstacksdk/1.0.0 keystoneauth1/5.1.0 python-requests/2.28.1 CPython/3.10.6"

# Headers whose values tracedoc replaces by a token name on purpose.
TOKEN_HEADERS = {"x-subject-token", "x-auth-token"}

# ---------------------------------------------------------------------------
# Payload registry


class Payloads:
    def __init__(self):
        self.table = {}

    def new(self, cls, what):
        pid = "hz%03d" % (len(self.table) + 1)
        self.table[pid] = {"class": cls, "what": what}
        return pid


P = Payloads()

# Attack classes, named after issue 7's numbering; "n:" are the neighbours
# the review found holding, kept here so they keep holding.
C1 = "1 capture folder name"
C2 = "2 capture file name"
C3 = "3 keystone names in tokens.md"
C4 = "4 mermaid directives and statements"
C5 = "5 tracedoc.toml labels"
C11 = "11 60,000-character URL"
C12 = "12 Unicode section markers"
C14 = "14 symlinked capture file"
C15 = "15 control characters on the terminal"
N_BODY = "n: bodies and headers (script, fences, tabs, snippets)"
N_URL = "n: URL paths, queries and reasons in headings and tables"
N_SVC = "n: service names"
C_HAR = "new input: HAR 1.2 (URLs, headers, cookies, query and form params, bodies, reasons, hosts)"
C_DEBUG = "new input: openstack --debug (curl lines, -H headers, -d bodies, RESP lines, catalog names)"
C_TRACE = "new input: OTLP, Jaeger and Zipkin traces (service names, url.full, methods, statuses, header attributes)"
C_META = "new input: capture.toml (title, command, description, output)"
C_NOTES = "new input: notes.md headings that match no step (orphaned notes, warnings)"
C_NAV = "new output: names on the home and API coverage pages and in the nav"
C_BODYMD = "new input: a body.md page read back (headings, participants, header and body lines)"


# What a payload does if it runs: alert its id (through an attribute the
# tag carries, so no quote is needed), set window.tdpwn or document.title,
# or load something from the attacker host. The checker sees each.
#
# Spelling matters. Python-Markdown passes a tag through inside a line only
# if every unquoted attribute value is free of quotes and `=`; a folder name
# cannot hold `/`, `\\` or `"`; a service name cannot hold `)`; a URL no
# space. Hence `alert(this.alt)` (no quotes) and a few variants.


def img(pid):
    """`<img>` whose error handler alerts `pid`."""
    return f"<img src={pid} alt={pid} onerror=alert(this.alt)>"


def nospace(name, pid, *flags):
    """A tag without a space, for URLs: `/` separates valueless attributes,
    and the last, unquoted value runs to `>`, so `pid` travels as a regex
    literal (`<img/src/onerror=alert(/hz001/.source)>`)."""
    handler = {"img": "onerror", "svg": "onload", "details": "ontoggle"}[name]
    return f"<{name}/{''.join(f + '/' for f in flags)}{handler}=alert(/{pid}/.source)>"


def img_noparen(pid):
    """`<img>` for a service name: no parenthesis at all."""
    return f'<img src={pid} alt={pid} onerror="window.tdpwn=this.alt">'


def svg(pid):
    return f"<svg id={pid} onload=alert(this.id)>"


def details(pid):
    return f"<details open id={pid} ontoggle=alert(this.id)>"


def js_link(pid, text="x"):
    """A Markdown link to a javascript: URL; its text names the payload."""
    return f"[{text} {pid}](javascript:alert(1))"


def fx_fetch(pid):
    """For <script> bodies."""
    return f"fetch('//{ATTACKER}/{pid}')"


def far(pid, ext=""):
    """An address on the attacker host: loading it is an outside request."""
    return f"http://{ATTACKER}/{pid}{ext}"


def attrs(pid):
    """An attr_list payload: a handler, a full-page overlay with a remote
    background, and an id, class and attribute marked `tdpwn`."""
    return (
        f'{{: #tdpwn-{pid} .tdpwn-{pid} data-tdpwn="{pid}" onmouseover="alert(this.id)" '
        f'style="position:fixed;inset:0;z-index:9999;background:url({far(pid, ".css")})" }}'
    )


# ---------------------------------------------------------------------------
# The log writer


def hexid(label, n=32):
    return hashlib.sha256(("tracedoc-hostile:" + label).encode()).hexdigest()[:n]


def uuid(label):
    h = hexid(label)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def fake_token(label):
    return "gAAAAAB" + hexid("token:" + label, 64)


class Call:
    def __init__(self, frm, to, method, url, rid):
        self.frm, self.to, self.method, self.url, self.rid = frm, to, method, url, rid


class Log:
    """Records in requestshook's format, and the lines the page must show."""

    def __init__(self, name):
        self.name = name
        self.parts = []
        self.count = 0
        # (line, times it must be found): header and body lines show in
        # body.md and log.md, head lines in log.md only.
        self.expect = []

    def _rid(self):
        self.count += 1
        return hexid(f"{self.name}:request:{self.count}")

    @staticmethod
    def _body(body):
        if body is None:
            return "none"
        if isinstance(body, (dict, list)):
            return json.dumps(body, indent=2, ensure_ascii=False)
        return body

    def _record(self, head, headers, rid, frm, body, omitted=False):
        lines = [f"X-Requestshook-Request-Id: {rid}", f"X-Requestshook-Request-From: {frm}"]
        shown = []
        for name, value in headers:
            lines.append(f"{name}: {value}")
            shown.append(f"{name}:" if name.lower() in TOKEN_HEADERS else f"{name}: {value}")
        shown += lines[:2]
        text = self._body(body)
        self.parts.append("\n" + head + "\n" + "\n".join(lines) + "\n\n" + text + "\n\n")
        times = 1 if omitted else 2
        if printable(head):
            self.expect.append((head, 1))
        for line in shown:
            self.expect.append((line, times))
        if body is not None:
            for line in text.split("\n"):
                if line.strip():
                    self.expect.append((line, times))

    def req(self, frm, to, method, url, headers=(), body=None, omitted=False):
        rid = self._rid()
        self._record(f"### ({frm}) REQ >>> ({to}) : {method} {url}", headers, rid, frm, body, omitted)
        return Call(frm, to, method, url, rid)

    def resp(self, call, status, headers=(), body=None, url=None, omitted=False):
        self._record(
            f"### ({call.frm}) RESP <<< ({call.to}) : {status} {call.method} {url or call.url}",
            headers, call.rid, call.frm, body, omitted,
        )

    def text(self):
        return "".join(self.parts)


def printable(line):
    return all(c == "\t" or (ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F) for c in line)


def plain_headers(extra=()):
    return [("Host", "192.0.2.10"), ("User-Agent", UA), ("Accept", "application/json")] + list(extra)


def token_body(user, project, roles, methods=("token",)):
    return {
        "token": {
            "methods": list(methods),
            "user": {"domain": {"id": "default", "name": "Default"}, "id": hexid("user:" + user), "name": user},
            "audit_ids": [hexid("audit:" + user, 22)],
            "expires_at": "2031-05-06T10:08:09.000000Z",
            "issued_at": "2031-05-06T07:08:09.000000Z",
            "project": {"domain": {"id": "default", "name": "Default"}, "id": hexid("project:" + project), "name": project},
            "is_domain": False,
            "roles": [{"id": hexid("role:" + r), "name": r} for r in roles],
        }
    }


def issue_token(log, frm, user, project, roles):
    """POST /v3/auth/tokens and its 201: a token whose names are the payloads.
    The request body holds no secret (an external method with a scope)."""
    tok = fake_token(f"{log.name}:{frm}:{user}")
    body = {"auth": {"identity": {"methods": ["external"]},
                     "scope": {"project": {"name": project, "domain": {"id": "default"}}}}}
    c = log.req(frm, "keystone", "POST", f"{PUBLIC}/identity/v3/auth/tokens",
                plain_headers([("Content-Type", "application/json")]), body)
    log.resp(c, "201 CREATED", [("Content-Type", "application/json"), ("X-Subject-Token", tok),
                                ("Vary", "X-Auth-Token")], token_body(user, project, roles))
    return tok


def validate(log, svc, subject, own, user, project, roles):
    c = log.req(svc, "keystone", "GET", f"{PUBLIC}/identity/v3/auth/tokens",
                plain_headers([("X-Subject-Token", subject), ("X-Auth-Token", own)]))
    log.resp(c, "200 OK", [("Content-Type", "application/json"), ("X-Subject-Token", subject)],
             token_body(user, project, roles))


def simple_get(log, path, frm="openstack", to="glance-api", body=None, status="200 OK"):
    c = log.req(frm, to, "GET", f"{GLANCE}{path}", plain_headers())
    log.resp(c, status, [("Content-Type", "application/json")], body if body is not None else {"ok": True})


# ---------------------------------------------------------------------------
# The captures. Each builds a Log (and, where names must show as text,
# (selector, text) pairs: some element matching the selector must show the
# text verbatim). main() files them under a folder and writes the manifest.


def mark(log, cid):
    """A header line that identifies the capture's page."""
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/schemas/image",
                plain_headers([("X-Tdhostile-Capture", cid)]))
    log.resp(c, "200 OK", [("Content-Type", "application/json")], {"name": "image"})


def folder_capture(cid):
    log = Log(cid)
    mark(log, cid)
    simple_get(log, "/v2/images")
    return log


def folder_names():
    """Class 1: the folder name is the page title and, through MkDocs, the
    nav entry of every page. No `/`, `\\` or `"` (not valid, or refused)."""
    names = []
    a = P.new(C1, "folder name: <img onerror>")
    names.append(img(a))
    b = P.new(C1, "folder name: <svg onload>")
    names.append(svg(b))
    c = P.new(C1, "folder name: <details open ontoggle>")
    names.append(details(c) + "x")
    d = P.new(C1, "folder name: Markdown javascript: link")
    names.append(js_link(d, "click"))
    e = P.new(C1, "folder name: Markdown image")
    names.append(f"![tdpwn-{e}](tdpwn-{e}.png)")
    f = P.new(C1, "folder name: attr_list on the title")
    names.append(f"title {{: #tdpwn-{f} .tdpwn-{f} onclick=alert(this.id) style='position:fixed;inset:0' }}")
    g = P.new(C1, "folder name: entities that decode to a tag")
    names.append(f"&lt;img src=x alt={g} onerror=alert(this.alt)&gt;")
    h = P.new(C1, "folder name: <a href=javascript:> with an entity-encoded scheme")
    names.append(f"<a id={h} href=java&#115;cript:alert(this.id)>x")
    return names


def capture_files():
    """Class 2: the capture file's name goes into log.md's `title="..."`."""
    out = []
    for what, make in [
        ("quote", lambda p: f'cap" onclick="alert(this.id)" id="{p}" x=".log'),
        ("backtick", lambda p: f"cap`{p}`ture.log"),
        ("angle brackets", lambda p: svg(p) + ".log"),
        ("single quote and attr_list", lambda p: f"cap' {{: .tdpwn-{p} }}.log"),
    ]:
        pid = P.new(C2, f"capture file name with a {what}; its body then runs as Markdown")
        name = make(pid)
        log = Log("file-" + what)
        mark(log, f"c2-{pid}")
        body = "\n".join([
            f"<script>{fx_fetch(pid)}</script>",
            img(pid),
            js_link(pid, "link"),
            f"![img]({far(pid, '.png')})",
            f"text {attrs(pid)}",
        ])
        c = log.req("openstack", "swift-proxy-server", "PUT", f"{PUBLIC}:8080/v1/AUTH_x/c/{pid}.html",
                    plain_headers([("Content-Type", "text/html")]), body)
        log.resp(c, "201 Created", [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "0")])
        out.append((name, log))
    return out


def keystone_names():
    """Class 3: user, project and role names, and the services that issued
    and validated a token, land in tokens.md's table cells."""
    log = Log("c3-tokens")
    mark(log, "c3")
    texts = []
    rows = []
    a = P.new(C3, "user name: Markdown javascript: link")
    b = P.new(C3, "project name: remote Markdown image")
    c = P.new(C3, "role name: attr_list handler and full-page overlay")
    rows.append((js_link(a, "me"), f"![t]({far(b, '.png')})", [f"member {attrs(c)}", "reader"]))
    d = P.new(C3, "user name: <img onerror>")
    e = P.new(C3, "project name: pipes and <script>")
    f = P.new(C3, "role name: entities that decode to a tag")
    rows.append((img(d) + " " + nospace("img", d, "src"), f"a|b|<script>{fx_fetch(e)}</script>",
                 [f"&lt;img src=x alt={f} onerror=alert(this.alt)&gt;"]))
    g = P.new(C3, "user name: bare URL (magiclink)")
    h = P.new(C3, "project name: autolink <...>")
    i = P.new(C3, "role name: attr_list without a space, data: link")
    rows.append((f"see {far(g)} now", f"<{far(h)}>",
                 [f"x{{: .tdpwn-{i} }}", f"[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgnaHonKTwvc2NyaXB0Pg==) tdpwn-{i}"]))
    j = P.new(C3, "user name: link with an angle-bracket destination")
    k = P.new(C3, "project name: reference-style link and escapes")
    rows.append((f"[a {j}](<javascript:alert(1)>)", f"\\[x\\](javascript:alert(1)) {k} [y][] *e* _f_ `c`",
                 [":smile: **b** ~~s~~ ^^i^^ ==m=="]))
    l_ = P.new(C3, "project name: HTML comment and CDATA, then a tag")
    rows.append(("admin", f"<!-- x --><b id={l_} onmouseover=alert(this.id)>p</b>", ["admin"]))
    # Issued to / validated by: service names (no `)`: tagged templates).
    m = P.new(C3, "issuing service name: <img onerror> in the 'issued to' cell")
    n = P.new(C3, "validating service name: attr_list in the 'validated' cell")
    issuer = "svc" + img_noparen(m)
    validator = f"val {{: #tdpwn-{n} .tdpwn-{n} onmouseover=\"window.tdpwn=this.id\" style='position:fixed;inset:0' }}"
    own = issue_token(log, validator, "validator", "service", ["service"])
    for k_, (user, project, roles) in enumerate(rows):
        frm = issuer if k_ == 0 else "openstack"
        tok = issue_token(log, frm, user, project, roles)
        c_ = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images?k={k_}",
                     plain_headers([("X-Auth-Token", tok)]))
        validate(log, validator, tok, own, user, project, roles)
        log.resp(c_, "200 OK", [("Content-Type", "application/json")], {"images": []})
        texts += [("td", user), ("td", project)] + [("td", r) for r in roles]
    texts += [("td", issuer), ("td", validator)]
    return log, texts


def mermaid_payloads():
    """Class 4: text that mermaid reads as directives or statements, in URL
    paths and queries (no spaces), response reasons and service names."""
    log = Log("c4-mermaid")
    mark(log, "c4")
    a = P.new(C4, "init directive in a URL path: themeCSS with url()")
    b = P.new(C4, "initialize directive in a query: fontFamily")
    c = P.new(C4, "init directive with themeVariables and theme")
    d = P.new(C4, "init directive in a response reason, with spaces")
    e = P.new(C4, "wrap directive and a `;link` statement in a reason")
    f = P.new(C4, "`;links` statement with an attacker URL in a reason")
    g = P.new(C4, "<br> and <img onerror> in a reason")
    h = P.new(C4, "entities in a reason: &lt;img onerror&gt;, #lt;, #59;")
    i = P.new(C4, "`%%` comment and `}%%` in a path")
    j = P.new(C4, "init directive in a service name")
    k = P.new(C4, "`click` statement (flowchart syntax) and `Note` in a reason")
    paths = [
        "/v2/images/%%{init:{\"themeCSS\":\"svg{background:url(" + far(a, ".css") + ")}\"}}%%",
        "/v2/images?q=%%{initialize:{\"fontFamily\":\"tdpwn-" + b + "\"}}%%",
        "/v2/images/%%{init:{\"theme\":\"dark\",\"themeVariables\":{\"fontFamily\":\"tdpwn-" + c + "\"}}}%%/x",
        "/v2/images/%%tdpwn-" + i + "%%}%%/x",
    ]
    for path in paths:
        simple_get(log, path)
    reasons = [
        ("200 %%{init: {\"themeCSS\": \".actor{fill:url(" + far(d, ".css") + ")}\"}}%% OK", "/v2/images/d"),
        ("200 OK %%{wrap}%%;link glance-api: Pwn @ javascript:alert(1)//" + e, "/v2/images/e"),
        ("200 OK;links glance-api: {\"Pwn\": \"" + far(f) + "\"}", "/v2/images/f"),
        ("200 OK<br>line<br/>two " + img(g), "/v2/images/g"),
        ("200 &lt;img src=x alt=" + h + " onerror=alert(this.alt)&gt; #lt;b#gt; #59; &#59; &amp;", "/v2/images/h"),
        ("200 OK;click glance-api call alert(1);Note over glance-api: tdpwn-" + k, "/v2/images/k"),
    ]
    for status, path in reasons:
        simple_get(log, path, status=status)
    svc = "%%{init:{\"fontFamily\":\"tdpwn-" + j + "\"}}%%"
    simple_get(log, "/v2/images/j", to=svc)
    return log


def labels_capture():
    """Class 5: a tracedoc.toml next to the capture sets every label to
    markup. tracedoc may escape them (then each must show as text) or
    refuse the file with an error."""
    log = Log("c5-labels")
    mark(log, "c5")
    labels = {}
    texts = []

    def label(key, value, where):
        labels[key] = value
        if where:
            texts.append((where, value))

    p = lambda what: P.new(C5, f"label {what}")  # noqa: E731
    label("api_reference", "API " + img(p("api_reference: <img onerror> and quotes")) + ' "q"', ".admonition-title")
    label("variables", js_link(p("variables: javascript: link"), "vars"), ".admonition-title")
    label("tokens", details(p("tokens: <details ontoggle>")) + "t", "summary")
    label("full_log", f"log {attrs(p('full_log: attr_list'))}", "summary")
    label("omitted", nospace("svg", p("omitted: <svg/onload>")), "summary")
    label("name", f"![n]({far(p('name: remote image'), '.png')})", "th")
    label("value", img(p("value: <img onerror>")), "th")
    label("issued", f"step {attrs(p('issued: attr_list in a table head'))}", "th")
    label("issued_to", f"{far(p('issued_to: bare URL'))}", "th")
    label("user", "a|b|c", "th")
    label("project", f"&lt;b id={p('project: entities')} onmouseover=alert(this.id)&gt;", "th")
    label("roles", f"<script>{fx_fetch(p('roles: <script>'))}</script>", "th")
    label("used_in", f"[u {p('used_in: data: link')}](data:text/html,<script>alert(1)</script>)", "th")
    label("validated_by", f"`code` *em* :smile: tdpwn-{p('validated_by: inline markup')}", "th")
    label("first_seen", f"<a id={p('first_seen: <a href=javascript:>')} href=javascript:alert(this.id)>x</a>", "th")
    label("preexisting", js_link(p("preexisting: javascript: link"), "pre"), "td")
    # (Shown as a code block's title="...", which pymdownx does not unescape:
    # a `"` cannot be shown there as typed, so only injection is checked.)
    label("rule", f"R\" onclick=\"alert(this.id)\" id=\"{p('rule: breaks out of title=')}\" x=\"", None)
    label("count", f"<iframe src={far(p('count: <iframe> (an HTML block)'))}></iframe>", "body")
    label("no_response", f"none;link openstack: Pwn @ javascript:alert(1)//{p('no_response: ;link statement in a mermaid note')}", None)
    label("no_request", "%%{init:{\"themeCSS\":\"svg{background:url(" + far(p("no_request: init directive in a mermaid note"), ".css") + ")}\"}}%%", None)
    label("obtains_token", "{service} " + img(p("obtains_token: <img onerror> in an opt block")) + ";note", None)

    admin = issue_token(log, "openstack", "admin", "admin", ["admin"])
    iid = uuid("image:labels")
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images/{iid}",
                plain_headers([("X-Auth-Token", admin)]))
    # glance obtains its own token (an opt block) and validates the client's.
    own = issue_token(log, "glance-api", "glance", "service", ["service"])
    validate(log, "glance-api", admin, own, "admin", "admin", ["admin"])
    log.resp(c, "200 OK", [("Content-Type", "application/json")], {"id": iid, "name": "img"})
    # A token used but never issued here (pre-existing).
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images",
                plain_headers([("X-Auth-Token", fake_token("preexisting"))]))
    log.resp(c, "200 OK", [("Content-Type", "application/json")], {"images": []})
    # Dropped by the filter below (omitted.md), both records.
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/tdpwn-filtered", plain_headers(), omitted=True)
    log.resp(c, "200 OK", [("Content-Type", "application/json")], {"x": 1}, omitted=True)
    # A request without a response, and a response without a request.
    log.req("openstack", "glance-api", "DELETE", f"{GLANCE}/v2/images/{iid}", plain_headers())
    orphan = Call("openstack", "glance-api", "GET", f"{GLANCE}/v2/images/orphan", hexid("orphan"))
    log.resp(orphan, "404 Not Found", [("Content-Type", "text/plain")], "not found")

    toml = ['lang = "en"', "", "[labels]"]
    toml += [f"{k} = {toml_str(v)}" for k, v in labels.items()]
    toml += ["", "[[filters]]", 'from = "openstack"', 'to = "glance-api"', 'method = "GET"',
             'urls = ["/v2/tdpwn-filtered"]', ""]
    return log, texts, "\n".join(toml)


def toml_str(s):
    out = ['"']
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def long_url():
    """Class 11: one 60,000-character URL; the diagram must still draw."""
    log = Log("c11-long")
    mark(log, "c11")
    pid = P.new(C11, "a 60,000-character URL (mermaid's maxTextSize is 50,000)")
    segs = []
    n = 0
    while sum(len(s) + 1 for s in segs) < 60000:
        segs.append(f"seg{n:05d}-{pid}")
        n += 1
    path = "/v1/AUTH_x/c/" + "/".join(segs)
    c = log.req("openstack", "swift-proxy-server", "GET", f"{PUBLIC}:8080{path}", plain_headers())
    log.resp(c, "200 OK", [("Content-Type", "text/plain")], "short body")
    simple_get(log, "/v2/images?" + "&".join(f"k{i}=v{i}" for i in range(6000)))
    return log


SNIPPET_LINES = [
    # Whole-line includes and block markers (pymdownx.snippets reads them
    # inside code blocks too). The home page and the include page carry
    # markers the checker looks for on every other page.
    '--8<-- "index.md"',
    '--8<-- "tdhostile-include.md"',
    "  --8<-- 'tdhostile-include.md'",
    '\t-8<- "tdhostile-include.md"',
    '-----8<----- "hostile/../tdhostile-include.md"',
    ';--8<-- "tdhostile-include.md"',
    ';;--8<-- "index.md"',
    "--8<--",
    "tdhostile-include.md",
    "index.md",
    "--8<--",
    '--8<-- "tdhostile-include.md:1:3"',
    '--8<-- "http://127.0.0.2:9/hz-snippet.md"',
    # Section markers, which delete their line when not escaped.
    "--8<-- [start:x]",
    "--8<-- [end:x]",
    "before --8<-- [start:sec] after",
    "a;--8<-- [end:x]",
    "--8<--\t[\tEND\t:\tx_1-2\t]",
]

UNICODE_SECTION_LINES = [
    # Python's re.IGNORECASE folds these to ASCII letters: s (U+017F),
    # k (U+212A KELVIN SIGN), i (U+0130, U+0131).
    "--8<-- [\u017ftart:x]",
    "--8<-- [\u017fTART:q]",
    "--8<-- [ENd:\u212aey]",
    "-8<- [END:\u212a]",
    "x --8<-- [\u017ftart:abc] y",
    "--8<--\t[\t\u017ftart\t:\tab_c-1\t]",
    "--8<-- [end:\u0131d]",
    "--8<-- [end:\u0130d]",
    "--8<-- [St\u0041rt:x\u017f]",
    "note: --8<-- [start:\u212a]",
]


def bodies():
    """Neighbours that held: markup, fences, tabs and snippet markers in
    bodies and headers must show as captured, inert."""
    log = Log("n-bodies")
    mark(log, "n-bodies")
    s = P.new(N_BODY, "<script>, HTML and Markdown in a body")
    t = P.new(N_BODY, "fences, tabs and admonitions in a body")
    h = P.new(N_BODY, "markup in header values")
    html = "\n".join([
        f"<script>{fx_fetch(s)}</script>",
        "</code></pre></div>" + img(s),
        f"<svg><script>alert('{s}')</script></svg>",
        f"<!-- --><iframe src=\"{far(s)}\"></iframe>",
        f"<math><mtext><table><mglyph><style><img src=x onerror=\"alert('{s}')\">",
        f"{js_link(s)} ![i]({far(s, '.png')}) <{far(s)}> {far(s, '/bare')}",
        f"para {attrs(s)}",
        "&lt;script&gt;entity stays&lt;/script&gt; &amp;amp; &#x3C;b&#x3E;",
        ":smile: *em* **strong** ~~del~~",
    ])
    fences = "\n".join([
        "```",
        img(t),
        "```",
        "````html",
        "~~~",
        '=== "Tab"',
        f"    <b id={t} onclick=alert(this.id)>tab</b>",
        f"!!! note \"{img(t)}\"",
        "??? danger",
        "\tindented\twith\ttabs\t",
        "  ```",
        "</details>",
        "```` {: .tdpwn-" + t + " }",
    ])
    snippets = "\n".join(SNIPPET_LINES)
    for i, body in enumerate([html, fences, snippets]):
        c = log.req("openstack", "swift-proxy-server", "PUT", f"{PUBLIC}:8080/v1/AUTH_x/c/o{i}",
                    plain_headers([("Content-Type", "text/plain")]), body)
        log.resp(c, "201 Created", [("Content-Type", "text/plain")], body)
    hdrs = [
        ("X-Html", f"<script>{fx_fetch(h)}</script>{img(h)}"),
        ("X-Markdown", f"{js_link(h)} ![i]({far(h, '.png')})"),
        ("X-Attr", attrs(h)),
        ("X-Snippet", '--8<-- "tdhostile-include.md"'),
        ("X-Section", "--8<-- [start:hdr]"),
        ("X-Fence", "```"),
        ("X-Tab", "a\tb"),
    ]
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images", plain_headers(hdrs))
    log.resp(c, "200 OK", [("Content-Type", "application/json")] + hdrs, {"s": SNIPPET_LINES})
    return log


def unicode_sections():
    """Class 12: section markers that only Unicode case folding makes
    markers (pymdownx.snippets matches with re.IGNORECASE, so `ſ` is `s`
    and the Kelvin sign is `k`). Unescaped, snippets deletes the line."""
    log = Log("c12-sections")
    mark(log, "c12")
    u = P.new(C12, "section markers spelled with Unicode case folding, in bodies, JSON strings and headers")
    hdrs = [("X-Section", "--8<-- [\u017ftart:hdr]"), ("X-Section-End", "a -8<- [end:\u212aey] b"),
            ("X-Tdpwn", u)]
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images", plain_headers(hdrs))
    log.resp(c, "200 OK", [("Content-Type", "application/json")] + hdrs, {"u": UNICODE_SECTION_LINES})
    c = log.req("openstack", "swift-proxy-server", "PUT", f"{PUBLIC}:8080/v1/AUTH_x/c/u",
                plain_headers([("Content-Type", "text/plain")]), "\n".join(UNICODE_SECTION_LINES))
    log.resp(c, "201 Created", [("Content-Type", "text/plain")], "\n".join(UNICODE_SECTION_LINES))
    return log


def urls():
    """URL paths, queries and response reasons reach headings (body.md),
    the variables table and the diagram."""
    log = Log("n-urls")
    mark(log, "n-urls")
    items = [
        ("path: Markdown javascript: link", lambda p: f"/v2/images/[x-{p}](javascript:alert(1))"),
        ("path: <img/onerror> and <details/ontoggle> without spaces",
         lambda p: "/v2/images/" + nospace("img", p, "src") + nospace("details", p, "open")),
        ("path: attr_list id and class", lambda p: f"/v2/images/x{{:#tdpwn-{p}.tdpwn-{p}}}"),
        ("path: remote Markdown image", lambda p: f"/v2/images/![i]({far(p, '.png')})"),
        ("path: bare attacker URL (magiclink)", lambda p: f"/v2/images/{far(p)}"),
        ("path: entities", lambda p: f"/v2/images/&lt;img&#32;src=x&#32;alt={p}&#32;onerror=alert(this.alt)&gt;"),
        ("query: marker value with a link (variables table)", lambda p: f"/v2/images?marker=[m-{p}](javascript:alert(1))"),
        ("query: marker value with attr_list", lambda p: f"/v2/images?marker=v{{:.tdpwn-{p}}}"),
        ("path: emoji shortcode and emphasis", lambda p: f"/v2/images/:smile:*tdpwn-{p}*"),
    ]
    for what, make in items:
        pid = P.new(N_URL, what)
        simple_get(log, make(pid))
    r = P.new(N_URL, "response reason: <img onerror> and attr_list")
    simple_get(log, "/v2/images/reason", status=f"200 {img(r)} {attrs(r)}")
    return log


def services():
    """Caller and callee names (head lines) reach code spans, table cells,
    mermaid participants and log.md's head lines. No `)` is possible."""
    log = Log("n-services")
    mark(log, "n-services")
    names = [
        ("<img onerror>", lambda p: img_noparen(p)),
        ("<svg onload>", lambda p: f'<svg/id={p}/onload="document.title=this.id">'),
        ("unclosed Markdown link", lambda p: f"[s {p}](javascript:void"),
        ("attr_list", lambda p: f's {{: .tdpwn-{p} onclick="window.tdpwn=this.className" }}'),
        ("mermaid statement", lambda p: f"s;link s: x @ javascript:alert`1`//{p}"),
        ("backticks and pipes", lambda p: f"s`{p}`|x|``"),
        ("quotes and hashes", lambda p: f"s \"q\" 'r' #35; #lt;{p}#gt;"),
        ("bare attacker URL", lambda p: f"{far(p)}"),
        ("mermaid keywords", lambda p: f"end opt loop participant {p}"),
    ]
    for what, make in names:
        pid = P.new(N_SVC, "service name: " + what)
        name = make(pid)
        c = log.req("openstack", name, "GET", f"{PUBLIC}/{pid}", plain_headers())
        c2 = log.req(name, "keystone", "GET", f"{PUBLIC}/identity/v3/{pid}", plain_headers())
        log.resp(c2, "200 OK", [("Content-Type", "application/json")], {"s": pid})
        log.resp(c, "200 OK", [("Content-Type", "application/json")], {"s": pid})
    return log


def control_chars():
    """Class 15: escape sequences in service names and URLs must not reach
    the terminal raw (warnings name them: a request without a response)."""
    log = Log("c15-control")
    mark(log, "c15")
    pid = P.new(C15, "ESC, BEL and C1 CSI in a service name and a URL")
    svc = f"svc\x1b]0;tdpwn-{pid}\x07\x1b[2J\u009b31m"
    log.req("openstack", svc, "GET", f"{PUBLIC}/v2/\x1b[31m{pid}\x1b[0m", plain_headers())
    c = log.req(svc, "keystone", "GET", f"{PUBLIC}/identity/v3/{pid}", plain_headers())
    log.resp(c, "200 OK", [("Content-Type", "application/json")], {"s": pid})
    return log


def outside_capture():
    """Class 14: a capture outside the tree; tree/ holds a symlink to it."""
    log = Log("outside")
    pid = P.new(C14, "symlinked capture file pointing outside the tree")
    marker = f"tdhostile-outside-{hexid('outside', 16)}"
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images/{marker}",
                plain_headers([("X-Outside", marker)]))
    log.resp(c, "200 OK", [("Content-Type", "text/plain")], marker)
    return log, pid, marker


# ---------------------------------------------------------------------------
# The other capture formats (HAR, openstack --debug, traces), capture.toml,
# notes.md and the names the home and coverage pages show. The same
# payloads as above, through each reader: every text a reader keeps
# (URL, host, header name and value, cookie, query and form parameter,
# body, reason, service name) carries one.


class Expect:
    """The lines a page must show (at least once) and the names it must
    show as text, for a capture that is not a requestshook log."""

    def __init__(self, marker):
        self.marker = marker
        self.lines = [marker]
        self.texts = []

    def line(self, *lines):
        for line in lines:
            for part in line.split("\n"):
                if part.strip() and printable(part):
                    self.lines.append(part)


def body_payloads(pid):
    """Body text in every shape the Markdown, snippets and mermaid layers
    could take for their own."""
    return "\n".join([
        f"<script>{fx_fetch(pid)}</script>",
        img(pid) + " " + svg(pid),
        js_link(pid, "link") + f" ![i]({far(pid, '.png')}) <{far(pid)}>",
        f"para {attrs(pid)}",
        '--8<-- "tdhostile-include.md"',
        "--8<-- [\u017ftart:x]",
        "```",
        '=== "Tab"',
        "%%{init:{\"themeCSS\":\"svg{background:url(" + far(pid, ".css") + ")}\"}}%%",
    ])


def header_payloads(pid):
    return [
        ("X-Html", f"<script>{fx_fetch(pid)}</script>{img(pid)}"),
        ("X-Markdown", f"{js_link(pid)} ![i]({far(pid, '.png')})"),
        ("X-Attr", attrs(pid)),
        ("X-Snippet", '--8<-- "tdhostile-include.md"'),
        ("X-Section", "--8<-- [\u017ftart:hdr]"),
    ]


def path_payloads(pid):
    """URL paths that hold no space (every reader keeps them as written)."""
    return [
        f"/v2/images/[x-{pid}](javascript:alert(1))",
        "/v2/images/" + nospace("img", pid, "src") + nospace("details", pid, "open"),
        f"/v2/images/x{{:#tdpwn-{pid}.tdpwn-{pid}}}",
        "/v2/images/%%{init:{\"themeCSS\":\"svg{background:url(" + far(pid, ".css") + ")}\"}}%%",
        f"/v2/images?marker=[m-{pid}](javascript:alert(1))",
    ]


def har_entry(i, method, url, headers, status, reason, resp_headers, resp_text, *,
              post=None, params=None, cookies=(), resp_cookies=(), query=(), b64=False):
    start = f"2031-05-06T07:08:{10 + i:02d}.000Z"
    req = {"method": method, "url": url, "httpVersion": "HTTP/1.1",
           "cookies": [{"name": n, "value": v} for n, v in cookies],
           "headers": [{"name": n, "value": v} for n, v in headers],
           "queryString": [{"name": n, "value": v} for n, v in query],
           "headersSize": -1, "bodySize": -1}
    if post is not None or params is not None:
        pd = {"mimeType": "application/x-www-form-urlencoded" if params else "text/plain"}
        if post is not None:
            pd["text"] = post
        if params is not None:
            pd["params"] = [{"name": n, "value": v} for n, v in params]
        req["postData"] = pd
    content = {"size": len(resp_text.encode()), "mimeType": "text/plain"}
    if b64:
        import base64
        content["text"] = base64.b64encode(resp_text.encode()).decode()
        content["encoding"] = "base64"
    else:
        content["text"] = resp_text
    resp = {"status": status, "statusText": reason, "httpVersion": "HTTP/1.1",
            "cookies": [{"name": n, "value": v} for n, v in resp_cookies],
            "headers": [{"name": n, "value": v} for n, v in resp_headers],
            "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1}
    return {"startedDateTime": start, "time": 100, "request": req, "response": resp,
            "cache": {}, "timings": {"send": 0, "wait": 100, "receive": 0}}


def har_capture():
    """HAR 1.2: every field the reader keeps. Entries do not overlap, so
    they are the client's own calls."""
    ex = Expect("X-Tdhostile-Capture: har")
    entries = []
    a = P.new(C_HAR, "HAR: markup in request and response bodies (text and base64)")
    b = P.new(C_HAR, "HAR: markup in header values")
    c = P.new(C_HAR, "HAR: markup in URL paths and queries")
    d = P.new(C_HAR, "HAR: markup in a statusText (reason)")
    e = P.new(C_HAR, "HAR: markup in cookie names and values, queryString and postData.params")
    f = P.new(C_HAR, "HAR: markup in the host of a URL (a service named by host:port)")
    g = P.new(C_HAR, "HAR: markup in a header name")
    hdr = [("Host", "192.0.2.10"), ("User-Agent", UA), ("X-Tdhostile-Capture", "har")]
    body = body_payloads(a)
    entries.append(har_entry(0, "PUT", f"{PUBLIC}:8080/v1/AUTH_x/c/{a}", hdr, 201, "Created",
                             [("Content-Type", "text/plain")], body, post=body))
    ex.line(*[f"X-Tdhostile-Capture: har"], body)
    entries.append(har_entry(1, "GET", f"{PUBLIC}:8080/v1/AUTH_x/c/{a}b", hdr[:2], 200, "OK",
                             [("Content-Type", "text/plain")], body, b64=True))
    hp = header_payloads(b)
    entries.append(har_entry(2, "GET", f"{GLANCE}/v2/images", hdr[:2] + hp, 200, "OK",
                             [("Content-Type", "application/json")] + hp, '{"images": []}'))
    ex.line(*[f"{n}: {v}" for n, v in hp])
    for k, path in enumerate(path_payloads(c)):
        entries.append(har_entry(3 + k, "GET", f"{GLANCE}{path}", hdr[:2], 200, "OK",
                                 [("Content-Type", "application/json")], '{"ok": true}'))
    entries.append(har_entry(9, "GET", f"{GLANCE}/v2/images/reason", hdr[:2], 200,
                             f"OK {img(d)} {attrs(d)} %%{{init:{{\"theme\":\"dark\"}}}}%%;link glance-api: P @ javascript:alert(1)//",
                             [("Content-Type", "application/json")], '{"ok": true}'))
    entries.append(har_entry(10, "POST", f"{GLANCE}/v2/images?q=1", hdr[:2], 200, "OK",
                             [("Content-Type", "application/json")], '{"ok": true}',
                             params=[(f"name{img(e)}", f"v{js_link(e)}"), ("x", attrs(e))],
                             cookies=[(f"c{svg(e)}", f"{img(e)}")],
                             resp_cookies=[("s", f"{js_link(e)}")],
                             query=[("q", "1")]))
    entries.append(har_entry(11, "GET", f"http://h{nospace('svg', f)}x:9292/v2/images", hdr[:2], 200, "OK",
                             [("Content-Type", "application/json")], '{"ok": true}'))
    entries.append(har_entry(12, "GET", f"{GLANCE}/v2/images/hname", hdr[:2] + [(f"X-{img(g)}", "v"), (f"X{{: .tdpwn-{g} }}", "w")],
                             200, "OK", [("Content-Type", "application/json")], '{"ok": true}'))
    doc = {"log": {"version": "1.2", "creator": {"name": f"hostile {img(a)}", "version": "1"},
                   "pages": [{"id": "p", "title": img(a), "startedDateTime": "2031-05-06T07:08:09.000Z", "pageTimings": {}}],
                   "entries": entries}}
    return json.dumps(doc, indent=1, ensure_ascii=False), ex


def debug_capture():
    """`openstack --debug`: the curl command line (URL, `-H` headers, `-d`
    body), the `RESP:` header line and `RESP BODY:`, the token document's
    catalog (it names services) and keystoneauth's `call to SERVICE` line."""
    ex = Expect("X-Tdhostile-Capture: debug")
    a = P.new(C_DEBUG, "--debug: markup in -H header values and the -d body")
    b = P.new(C_DEBUG, "--debug: markup in a RESP: header line and a RESP BODY:")
    c = P.new(C_DEBUG, "--debug: markup in URL paths and queries")
    d = P.new(C_DEBUG, "--debug: markup in catalog service types and `call to SERVICE` names")
    host = "http://192.0.2.20"
    catalog = {"token": {"methods": ["password"], "user": {"id": hexid("u"), "name": "admin", "domain": {"id": "default"}},
                         "project": {"id": hexid("p"), "name": "admin", "domain": {"id": "default"}},
                         "roles": [{"id": hexid("r"), "name": "admin"}], "expires_at": "2031-05-06T10:08:09.000000Z",
                         "catalog": [
                             {"type": "image", "name": "glance", "id": hexid("cg"),
                              "endpoints": [{"url": f"{host}/image", "interface": "public", "region": "RegionOne"}]},
                             {"type": f"t{img_noparen(d)}", "name": f"n{img(d)}", "id": hexid("cx"),
                              "endpoints": [{"url": f"{host}:7777/x", "interface": "public", "region": "RegionOne"}]},
                         ]}}
    masked = "{SHA256}" + hexid("debug-token", 64)
    lines = [
        "START with options: image list --debug " + img(a),
        f"Making authentication request to {host}/identity/v3/auth/tokens",
        f'{host}:80 "POST /identity/v3/auth/tokens HTTP/1.1" 201 3473',
        json.dumps(catalog),
    ]
    hp = header_payloads(a) + [("X-Tdhostile-Capture", "debug")]
    dbody = "{\"name\": \"" + img(a).replace('"', "'") + "\", \"x\": \"" + js_link(a) + "\"}"
    h = " ".join(f'-H "{n}: {v}"' for n, v in hp)
    lines += [
        f'REQ: curl -g -i -X POST {host}/image/v2/images -H "Accept: application/json" {h} -H "X-Auth-Token: {masked}" -d \'{dbody}\'',
        f'{host}:80 "POST /image/v2/images HTTP/1.1" 201 10',
        "RESP: [201] Content-Type: application/json Date: Fri, 27 Nov 2026 10:00:01 GMT "
        + " ".join(f"X-B{k}: {v}" for k, (_, v) in enumerate(header_payloads(b))),
        "RESP BODY: " + json.dumps({"b": body_payloads(b).split("\n")}, ensure_ascii=False),
        f"POST call to image for {host}/image/v2/images used request id req-{uuid('dbg1')}",
    ]
    ex.line(*[f"{n}: {v}" for n, v in hp])
    for k, path in enumerate(path_payloads(c)):
        lines += [
            f'REQ: curl -g -i -X GET "{host}/image{path}" -H "Accept: application/json" -H "X-Auth-Token: {masked}"',
            f'{host}:80 "GET /image{path} HTTP/1.1" 200 2',
            "RESP: [200] Content-Type: application/json Date: Fri, 27 Nov 2026 10:00:02 GMT",
            'RESP BODY: {"ok": true}',
            f"GET call to image for {host}/image{path} used request id req-{uuid('dbgp' + str(k))}",
        ]
    svc = f"s{img_noparen(d)}"
    lines += [
        f'REQ: curl -g -i -X GET {host}:7777/x/things -H "Accept: application/json" -H "X-Auth-Token: {masked}"',
        f'{host}:7777 "GET /x/things HTTP/1.1" 200 2',
        "RESP: [200] Content-Type: application/json",
        'RESP BODY: {"ok": true}',
        f"GET call to {svc} for {host}:7777/x/things used request id req-{uuid('dbg3')}",
        f'REQ: curl -g -i -X GET {host}:7778/y -H "Accept: application/json"',
        f'{host}:7778 "GET /y HTTP/1.1" 200 2',
        "RESP: [200] Content-Type: application/json",
        'RESP BODY: {"ok": true}',
        f"GET call to {svc};link x: P @ javascript:alert(1)// for {host}:7778/y used request id req-{uuid('dbg4')}",
        "clean_up ListImage: " + img(a),
        "END return value: 0",
    ]
    return "\n".join(lines) + "\n", ex


def otlp_attr(k, v):
    return {"key": k, "value": {"stringValue": v}}


def trace_captures():
    """OTLP (JSON), Jaeger and Zipkin: service names, methods, URLs,
    statuses and recorded headers come from span attributes."""
    out = []
    # OTLP
    ex = Expect("X-Tdhostile-Capture: otlp")
    a = P.new(C_TRACE, "OTLP: markup in service.name of client and server")
    b = P.new(C_TRACE, "OTLP: markup in url.full, http.request.header.* and http.response.header.*")
    c = P.new(C_TRACE, "OTLP: markup in the method and status code attributes")
    tid = hexid("otlp-trace")
    spans = []
    hp = header_payloads(b) + [("X-Tdhostile-Capture", "otlp")]

    def span(n, parent, kind, attrs_):
        return {"traceId": tid, "spanId": hexid(f"otlp-span-{n}", 16), "parentSpanId": parent or "",
                "name": "GET", "kind": kind, "startTimeUnixNano": str(1764240000000000000 + n * 1000000),
                "endTimeUnixNano": str(1764240000000000000 + n * 1000000 + 500000), "attributes": attrs_}
    rs = []
    client = [otlp_attr("http.request.method", "GET"), otlp_attr("url.full", f"{GLANCE}/v2/images")]
    client += [otlp_attr("http.request.header." + n.lower(), v) for n, v in hp]
    server = [otlp_attr("http.request.method", "GET"), otlp_attr("url.path", "/v2/images"),
              otlp_attr("http.response.status_code", "200")]
    server += [otlp_attr("http.response.header." + n.lower(), v) for n, v in header_payloads(b)]
    rs.append(({"service.name": f"cli{img_noparen(a)}"}, [span(1, None, 3, client)]))
    rs.append(({"service.name": f"srv {{: .tdpwn-{a} }} %%{{init:{{}}}}%%"}, [span(2, hexid("otlp-span-1", 16), 2, server)]))
    for k, path in enumerate(path_payloads(b)):
        rs.append(({"service.name": "openstack"}, [span(10 + k, None, 3, [
            otlp_attr("http.request.method", "GET"), otlp_attr("url.full", f"{GLANCE}{path}"),
            otlp_attr("http.response.status_code", "200")])]))
    rs.append(({"service.name": "openstack"}, [span(20, None, 3, [
        otlp_attr("http.request.method", f"GET{nospace('img', c, 'src')}"), otlp_attr("url.full", f"{GLANCE}/v2/m"),
        otlp_attr("http.response.status_code", f"200 {img(c)}")])]))
    rs.append(({"service.name": "openstack"}, [span(21, None, 3, [
        otlp_attr("http.request.method", "GET"), otlp_attr("http.request.method_original", f"G{img(c)}"),
        otlp_attr("url.full", f"{GLANCE}/v2/m2"), otlp_attr("peer.service", f"peer{img_noparen(c)}"),
        otlp_attr("http.response.status_code", "200")])]))
    doc = {"resourceSpans": [{"resource": {"attributes": [otlp_attr(k, v) for k, v in res.items()]},
                              "scopeSpans": [{"scope": {}, "spans": sp}]} for res, sp in rs]}
    ex.line(*[f"{n}: {v}" for n, v in hp])
    out.append(("c-otlp", "trace.json", json.dumps(doc, indent=1, ensure_ascii=False), ex))

    # Zipkin v2
    ex = Expect("X-Tdhostile-Capture: zipkin")
    z = P.new(C_TRACE, "Zipkin: markup in localEndpoint.serviceName, http.url and http.path tags")
    zt = hexid("zipkin-trace", 32)
    spans = [
        {"traceId": zt, "id": hexid("z1", 16), "kind": "CLIENT", "name": "get", "timestamp": 1764240000000000,
         "duration": 3000, "localEndpoint": {"serviceName": f"zc{img_noparen(z)}"},
         "tags": {"http.method": "GET", "http.url": f"{GLANCE}/v2/images/" + nospace("img", z, "src"),
                  "http.request.header.x-tdhostile-capture": "zipkin", "http.request.header.x-z": img(z)}},
        {"traceId": zt, "id": hexid("z1", 16), "kind": "SERVER", "name": "get", "timestamp": 1764240000000300,
         "duration": 2400, "shared": True, "localEndpoint": {"serviceName": f"zs {{: .tdpwn-{z} }}"},
         "tags": {"http.method": "GET", "http.path": "/v2/images/x", "http.status_code": "200"}},
        {"traceId": zt, "id": hexid("z2", 16), "kind": "CLIENT", "name": "get", "timestamp": 1764240000010000,
         "duration": 3000, "localEndpoint": {"serviceName": "openstack"},
         "remoteEndpoint": {"serviceName": f"zr{img_noparen(z)}", "ipv4": "192.0.2.10", "port": 80},
         "tags": {"http.method": "GET", "http.url": f"{GLANCE}/v2/z2", "http.status_code": "200"}},
    ]
    ex.line(f"X-Z: {img(z)}")
    out.append(("c-zipkin", "trace.json", json.dumps(spans, indent=1, ensure_ascii=False), ex))

    # Jaeger (the query API's JSON)
    ex = Expect("X-Tdhostile-Capture: jaeger")
    j = P.new(C_TRACE, "Jaeger: markup in process serviceName, operationName and http tags")
    jt = hexid("jaeger-trace", 32)

    def tag(k, v):
        return {"key": k, "type": "string", "value": v}
    jspans = [
        {"traceID": jt, "spanID": hexid("j1", 16), "operationName": f"op{img(j)}", "references": [],
         "startTime": 1764240000000000, "duration": 3000, "processID": "p1",
         "tags": [tag("span.kind", "client"), tag("http.method", "GET"),
                  tag("http.url", f"{GLANCE}/v2/images/[j-{j}](javascript:alert(1))"),
                  tag("http.status_code", "200"), tag("http.request.header.x-tdhostile-capture", "jaeger"),
                  tag("http.request.header.x-j", attrs(j))], "logs": []},
        {"traceID": jt, "spanID": hexid("j2", 16), "operationName": "srv",
         "references": [{"refType": "CHILD_OF", "traceID": jt, "spanID": hexid("j1", 16)}],
         "startTime": 1764240000000300, "duration": 2000, "processID": "p2",
         "tags": [tag("span.kind", "server"), tag("http.method", "GET"), tag("http.target", "/v2/images/y"),
                  tag("http.status_code", "200")], "logs": []},
    ]
    doc = {"data": [{"traceID": jt, "spans": jspans, "processes": {
        "p1": {"serviceName": f"jc{img_noparen(j)}", "tags": []},
        "p2": {"serviceName": f"js;link js: P @ javascript:alert(1)//{j}", "tags": []}}}]}
    ex.line(f"X-J: {attrs(j)}")
    out.append(("c-jaeger", "trace.json", json.dumps(doc, indent=1, ensure_ascii=False), ex))
    return out


def meta_capture():
    """capture.toml: the page title (also the nav entry and the home page's
    and coverage page's link text), the command, its output and the
    description, each holding markup."""
    log = Log("c-meta")
    mark(log, "meta")
    simple_get(log, "/v2/images")
    p = lambda what: P.new(C_META, f"capture.toml {what}")  # noqa: E731
    title = (f"openstack {img(p('title: <img onerror> (page title, nav, home, coverage)'))} "
             f"</title>{img(p('title: </title> then <img onerror> (the HTML <title> MkDocs makes of the heading)'))}<title> "
             f"{attrs(p('title: attr_list'))} {js_link(p('title: javascript: link'))}")
    command = f"openstack image list --name {img(p('command: <img onerror>'))} {js_link(p('command: javascript: link'))} ```"
    output = "\n".join([f"<script>{fx_fetch(p('output: <script>'))}</script>", '--8<-- "tdhostile-include.md"',
                        "--8<-- [\u017ftart:x]", "```", f"| {img(p('output: <img> in a table'))} |"])
    desc = "\n".join([f"{img(p('description: <img onerror>'))} {attrs(p('description: attr_list'))}",
                      f"{js_link(p('description: javascript: link'))} ![i]({far(p('description: remote image'), '.png')})",
                      '--8<-- "tdhostile-include.md"', "!!! danger \"x\"", "```", "%%{init:{}}%%"])
    toml = "\n".join([f"title = {toml_str(title)}", f"command = {toml_str(command)}",
                      f"output = {toml_str(output)}", f"description = {toml_str(desc)}", ""])
    texts = [("h1", title)]
    return log, texts, toml


def notes_capture():
    """notes.md (Markdown that anyone who adds a capture can add too,
    docs/notes.md "Trust"): a placed note's text carries raw HTML,
    attribute lists, script links, remote images, a snippet line and a
    mermaid directive; headings that match no step are quoted in the
    orphaned-notes admonition and in warnings."""
    log = Log("c-notes")
    mark(log, "notes")
    simple_get(log, "/v2/images")
    a = P.new(C_NOTES, "notes.md: markup in a heading that matches no step (orphaned-notes list, warning)")
    b = P.new(C_NOTES, "notes.md: escape sequences in a heading (the warning on the terminal)")
    c = P.new(C_NOTES, "notes.md: raw HTML, attribute lists, script links, remote images, a snippet line and a mermaid directive in a note's text")
    notes = "\n".join([
        "## GET /v2/images", "", "An ordinary note.", "",
        # (No bare address on the attacker host: in prose, magiclink
        # links it, as the owner's own links are meant to be.)
        f"text {img(c)} {svg(c)} and more",
        f'a paragraph {{: #tdpwn-{c} .tdpwn-{c} data-tdpwn="{c}" onmouseover="alert(this.id)" }}',
        f"{js_link(c)} [y {c}](JaVaScRiPt&#58;alert(1)) ![i]({far(c, '.png')})",
        f"[r {c}][bad]", "", "[bad]: javascript:alert(1)", "",
        '--8<-- "tdhostile-include.md"', "",
        "```mermaid", "%%{init: {'themeCSS': 'body{background:url(" + far(c, ".css") + ")}'}}%%",
        "sequenceDiagram", f"A->>B: {c}", "```", "",
        f"## DELETE /v2/{img(a)}{attrs(a)}", "", "orphan one", "",
        f"## id {js_link(a)} response", "", "orphan two", "",
        f"## PUT /v2/\x1b]0;tdpwn-{b}\x07\x1b[2J\u009b31m", "", "orphan three", "",
    ])
    return log, notes


def bodymd_capture():
    """A body.md page read back, written by hand rather than by tracedoc:
    its headings, participant names, header and body lines carry markup
    that tracedoc's own pages would have escaped."""
    ex = Expect("X-Tdhostile-Capture: bodymd")
    a = P.new(C_BODYMD, "body.md read back: markup in request and response headings")
    b = P.new(C_BODYMD, "body.md read back: markup in participant names")
    c = P.new(C_BODYMD, "body.md read back: markup in header and body lines")
    parts = []

    def rec(heading, frm, arrow, to, headers, body):
        block = [f"### {heading}", f"`{frm}` {arrow} `{to}`", "", '=== "Header"',
                 '    ``` http title="x" linenums="1"']
        block += [f"    {n}: {v}" for n, v in headers]
        block += ["    ```", "", '=== "Body"', '    ``` json title="x" linenums="1"']
        block += [f"    {line}" for line in body]
        block += ["    ```", "", ""]
        parts.append("\n".join(block))

    body = [l for l in body_payloads(c).split("\n") if not l.startswith("```")]
    hdrs = [h for h in header_payloads(c) if not h[1].startswith("```")]
    calls = [
        (f"/v2/images/[x-{a}](javascript:alert(1))", "openstack", "glance-api"),
        ("/v2/images/" + nospace("img", a, "src"), f"cli{img_noparen(b)}", f"svc {{: .tdpwn-{b} }}"),
        ("/v2/images/%%{init:{\"theme\":\"dark\"}}%%", "openstack", f"s;link s: P @ javascript:alert(1)//{b}"),
    ]
    for k, (path, frm, to) in enumerate(calls):
        rid = hexid(f"bodymd:{k}")
        common = [("X-Requestshook-Request-Id", rid), ("X-Requestshook-Request-From", frm)]
        req_h = [("X-Tdhostile-Capture", "bodymd")] + hdrs + common if k == 0 else hdrs + common
        rec(f"GET {path}", frm, "-->", to, req_h, body)
        rec(f"200 OK {img(a)} {path}", frm, "<--", to, hdrs + common, body)
    ex.line(*[f"{n}: {v}" for n, v in hdrs])
    ex.line(*body)
    return "\n" + "".join(parts), ex


def nav_names():
    """Folder names the home page, the coverage page and the nav show, at
    the top of the tree (a folder with no capture of its own) and as a
    capture's folder; names MkDocs and tracedoc accept (no `<`)."""
    out = []
    for what, make in [
        ("a javascript: link", lambda p: js_link(p, "nav")),
        ("attr_list", lambda p: f"nav {{: #tdpwn-{p} .tdpwn-{p} onclick=alert(this.id) }}"),
        ("an image", lambda p: f"![n](tdpwn-{p}.png)"),
        ("a mermaid directive", lambda p: f"%%{{init:{{'theme':'dark'}}}}%% {p}"),
        ("entities", lambda p: f"&lt;img src=x alt={p} onerror=alert(this.alt)&gt;"),
    ]:
        pid = P.new(C_NAV, f"folder name with {what} on the home and coverage pages and the nav")
        out.append(make(pid))
    return out


# ---------------------------------------------------------------------------


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gen-hostile.py OUT")
    out = Path(sys.argv[1])
    tree = out / "tree"
    if tree.exists() or (out / "manifest.json").exists():
        sys.exit(f"gen-hostile.py: {out} already holds a tree; give an empty or new folder")
    captures = []

    texts_of = {}  # rel -> (file, text): the inputs of the diff pages

    def add(rel, log, classes, file="requestshook.log", texts=(), refusal_ok=None):
        write(tree / rel / file, log.text())
        texts_of[rel] = (file, log.text())
        # Identify the page by the capture's marker header.
        marker = next(line for line, _ in log.expect if line.startswith("X-Tdhostile-Capture: "))
        # A line captured several times must be shown as many times.
        times = {}
        for line, n in log.expect:
            times[line] = times.get(line, 0) + n
        entry = {
            "dir": rel,
            "file": file,
            "marker": marker,
            "classes": classes,
            "lines": [[line, n] for line, n in times.items()],
            "texts": [[sel, t] for sel, t in texts],
        }
        if refusal_ok:
            entry["refusal_ok"] = refusal_ok
        captures.append(entry)

    def add_raw(rel, file, text, ex, classes, texts=(), refusal_ok=None):
        """A capture in another format: its lines are what `ex` lists."""
        write(tree / rel / file, text)
        texts_of[rel] = (file, text)
        entry = {
            "dir": rel,
            "file": file,
            "marker": ex.marker,
            "classes": classes,
            "lines": [[line, 1] for line in dict.fromkeys(ex.lines)],
            "texts": [[sel, t] for sel, t in list(texts) + ex.texts],
        }
        if refusal_ok:
            entry["refusal_ok"] = refusal_ok
        captures.append(entry)

    for i, name in enumerate(folder_names()):
        rel = f"c1-folders/f{i}/{name}"
        # The page title is the folder names joined by spaces: the name
        # must show as text in the page's heading.
        add(rel, folder_capture(f"c1-f{i}"), [C1], texts=[("h1", name)],
            refusal_ok="a folder name holding markup may be refused (reported on stderr)")
    for i, (name, log) in enumerate(capture_files()):
        add(f"c2-files/f{i}", log, [C2], file=name,
            refusal_ok="a capture file name holding markup may be refused (reported on stderr)")
    log, texts = keystone_names()
    add("c3-tokens", log, [C3], texts=texts)
    add("c4-mermaid", mermaid_payloads(), [C4])
    log, texts, toml = labels_capture()
    add("c5-labels", log, [C5], texts=texts,
        refusal_ok="labels holding markup may be refused with an error (issue 7, class 5)")
    write(tree / "c5-labels" / "tracedoc.toml", toml)
    add("c11-long-url", long_url(), [C11])
    add("n-bodies", bodies(), [N_BODY])
    add("c12-sections", unicode_sections(), [C12])
    add("n-urls", urls(), [N_URL])
    add("n-services", services(), [N_SVC])
    add("c15-control", control_chars(), [C15])

    text, ex = har_capture()
    add_raw("c-har", "hostile.har", text, ex, [C_HAR])
    text, ex = debug_capture()
    add_raw("c-debug", "openstack-debug.log", text, ex, [C_DEBUG])
    for rel, file, text, ex in trace_captures():
        add_raw(rel, file, text, ex, [C_TRACE])
    log, texts, toml = meta_capture()
    add("c-meta", log, [C_META], texts=texts)
    write(tree / "c-meta" / "capture.toml", toml)
    text, ex = bodymd_capture()
    add_raw("c-bodymd", "body.md", text, ex, [C_BODYMD])
    log, notes = notes_capture()
    add("c-notes", log, [C_NOTES])
    write(tree / "c-notes" / "notes.md", notes)
    for i, name in enumerate(nav_names()):
        # A top folder (the home page lists it as a group) and the
        # capture's own folder (its nav entry and coverage link).
        add(f"{name}/{name} {i}", folder_capture(f"nav-{i}"), [C_NAV], texts=[("h1", f"{name} {name} {i}")],
            refusal_ok="a folder name holding markup may be refused (reported on stderr)")

    # Class 14: the tree links to a capture outside it. tracedoc must not
    # publish it (or only with an explicit flag, which the stage never gives).
    olog, opid, outside_marker = outside_capture()
    write(out / "outside" / "requestshook.log", olog.text())
    link = tree / "c14-symlink" / "requestshook.log"
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(os.path.relpath(out / "outside" / "requestshook.log", link.parent), link)
    dlink = tree / "c14-symlink-dir"
    os.symlink(os.path.relpath(out / "outside", tree), dlink)

    # The diff page (`tracedoc diff -o`), between hostile captures and a
    # plain one both ways (calls added and removed), and between a capture
    # and itself with its payload lines made plain (calls changed: headers
    # and bodies compared). Copies outside tree/, their marker header
    # renamed so that only the capture's own page counts as its page.
    plain = Log("diff-plain")
    simple_get(plain, "/v2/images")
    simple_get(plain, "/v2/schemas/image", body={"name": "image"})
    write(out / "diff" / "plain" / "requestshook.log", plain.text())

    def unmarked(text):
        return text.replace("X-Tdhostile-Capture", "X-Tdhostile-Diffcopy")

    def plainer(text):
        """The capture with every line that carries a payload made plain
        (head lines and JSON captures kept: only requestshook's header and
        body lines change)."""
        lines = []
        for line in text.split("\n"):
            hostile = any(s in line for s in ("hz", "<", "--8<", "-8<-", "%%", "{:", "ſ", "K"))
            if line.startswith("### ") or not hostile:
                lines.append(line)
            elif ": " in line and not line.startswith((" ", "\t", "{", "[")):
                lines.append(line.split(": ", 1)[0] + ": plain")
            else:
                lines.append("plain")
        return "\n".join(lines)

    diffs = []
    for rel in ["n-bodies", "n-services", "c4-mermaid", "c12-sections", "c3-tokens", "c15-control",
                "c-har", "c-debug", "c-otlp", "c-zipkin", "c-jaeger"]:
        file, text = texts_of[rel]
        write(out / "diff" / rel / file, unmarked(text))
        diffs.append((f"plain-to-{rel}", "diff/plain/requestshook.log", f"diff/{rel}/{file}"))
    for rel in ["n-bodies", "c-debug"]:
        file, _ = texts_of[rel]
        diffs.append((f"{rel}-to-plain", f"diff/{rel}/{file}", "diff/plain/requestshook.log"))
    for rel in ["n-bodies", "n-urls", "c12-sections", "c3-tokens"]:
        file, text = texts_of[rel]
        write(out / "diff" / rel / file, unmarked(text))
        write(out / "diff" / (rel + "-plainer") / file, plainer(unmarked(text)))
        diffs.append((f"{rel}-changed", f"diff/{rel}-plainer/{file}", f"diff/{rel}/{file}"))
        diffs.append((f"{rel}-changed-back", f"diff/{rel}/{file}", f"diff/{rel}-plainer/{file}"))
    # name, old, new (relative to OUT), one per line, for scripts/test.
    write(out / "diffs.tsv", "".join(f"{n}\t{a}\t{b}\n" for n, a, b in diffs))

    home_marker = f"tdhostile-home-{hexid('home', 12)}"
    include_marker = f"tdhostile-included-{hexid('include', 12)}"
    write(out / "site" / "docs" / "index.md", "\n".join([
        "# Hostile captures",
        "",
        "Pages built by `scripts/test` (stage `hostile`) from the capture tree",
        "that `scripts/gen-hostile.py` writes. Nothing captured may run, load,",
        "include or hide anything here.",
        "",
        "Reference diagram (the checker compares every diagram's style with it):",
        "",
        "``` mermaid",
        "sequenceDiagram",
        "    autonumber",
        "    openstack->>glance-api: GET /v2/images",
        "    glance-api-->>openstack: 200 OK /v2/images",
        "```",
        "",
        f"Marker: `{home_marker}`",
        "",
    ]))
    write(out / "site" / "docs" / "tdhostile-include.md", f"{include_marker}\n{include_marker}\n{include_marker}\n")

    manifest = {
        "about": "written by scripts/gen-hostile.py; read by scripts/check-hostile.mjs",
        "attacker": ATTACKER,
        "payloads": P.table,
        "captures": captures,
        "home_marker": home_marker,
        "forbidden": [
            {"text": include_marker, "class": N_BODY, "why": "a captured `--8<--` line included a site page"},
            {"text": outside_marker, "class": C14, "why": f"a symlinked capture outside the tree was published ({opid})"},
        ],
    }
    write(out / "manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    lines = sum(len(c["lines"]) for c in captures)
    print(f"gen-hostile.py: {len(captures)} captures, {len(P.table)} payloads, {lines} lines to find -> {out}")


if __name__ == "__main__":
    main()
