#!/usr/bin/env python3
"""Write the synthetic trace samples under samples/traces/.

Usage: scripts/gen-trace-samples.py [OUT_DIR]      (default: samples)

One OpenStack command, `openstack image create --file cirros.qcow2 cirros`,
traced across the client, keystone, glance and swift, written in every
trace format tracedoc reads:

    traces/otlp-stable/trace.json        OTLP JSON, stable HTTP semconv, hex ids
    traces/otlp-legacy/trace.json        OTLP JSON, old semconv, base64 ids,
                                         instrumentationLibrarySpans, kind names
    traces/otlp-file-exporter/traces.jsonl
                                         the collector file exporter: one
                                         document per line, one line per batch
    traces/jaeger/trace.json             Jaeger UI "Download JSON" ({"data": [...]})
    traces/zipkin/trace.json             Zipkin v2, client and server sharing ids (B3)
    traces/osprofiler-jaeger/trace.json  osprofiler's Jaeger driver: server
                                         spans only, http.path / http.query /
                                         status_code, no headers, db spans

Every value is fake and derived from a label (TEST-NET addresses, hashed
ids, tokens that only look like fernet tokens), so two runs write the same
bytes. The calls mirror samples/openstack/image/create (a requestshook
capture of the same command), so the pages can be compared.
"""
import base64
import hashlib
import json
import sys
from pathlib import Path

PUBLIC = "192.0.2.10"
GLANCE_PORT = 60999
SWIFT_PORT = 8080
BASE_NS = 1_764_240_000_000_000_000  # 2025-11-27T10:40:00Z
SDK_UA = "openstacksdk/1.0.0 keystoneauth1/5.1.0 python-requests/2.28.1 CPython/3.10.6"
KSM_UA = "{svc}/26.0.0 keystonemiddleware.auth_token/10.2.0 keystoneauth1/5.1.0 python-requests/2.28.1 CPython/3.10.6"


def hexid(label, n=32):
    return hashlib.sha256(("tracedoc-trace:" + label).encode()).hexdigest()[:n]


def uuid(label):
    h = hexid(label)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def token(label):
    raw = b"".join(hashlib.sha256(f"{label}:{i}".encode()).digest() for i in range(5))
    return "gAAAAAB" + base64.urlsafe_b64encode(raw).decode().rstrip("=")[:176]


USER_TOKEN = token("user")
GLANCE_TOKEN = token("glance-service")
STORE_TOKEN = token("glance-store")
SWIFT_TOKEN = token("swift-service")
IMAGE = uuid("image")
ACCOUNT = "AUTH_" + hexid("project")
TRACE = hexid("trace")


class Call:
    """One HTTP call: who made it, who served it, and what it carried."""

    def __init__(self, caller, callee, method, host, port, path, query, status,
                 start, end, req=None, resp=None, children=(), inner=None):
        self.caller, self.callee = caller, callee
        self.method, self.host, self.port = method, host, port
        self.path, self.query, self.status = path, query, status
        self.start, self.end = BASE_NS + start * 1_000_000, BASE_NS + end * 1_000_000
        self.req, self.resp = req or {}, resp or {}
        self.children = list(children)
        # A non-HTTP span of the callee the children are made under.
        self.inner = inner

    def url(self):
        port = "" if self.port == 80 else f":{self.port}"
        q = f"?{self.query}" if self.query else ""
        return f"http://{self.host}{port}{self.path}{q}"


def ks(caller, method, path, status, start, end, query="", req=None, resp=None):
    return Call(caller, "keystone", method, PUBLIC, 80, "/identity" + path, query, status,
                start, end, req, resp)


def auth_headers(tok, subject=None):
    h = {"user-agent": SDK_UA, "accept": "application/json", "x-auth-token": tok}
    if subject:
        h["x-subject-token"] = subject
    return h


def the_calls():
    ksm = KSM_UA.format(svc="glance")
    glance_auth = [
        ks("glance-api", "GET", "/", 300, 12, 14, req={"user-agent": ksm}),
        ks("glance-api", "POST", "/v3/auth/tokens", 201, 15, 22,
           req={"user-agent": ksm, "content-type": "application/json"},
           resp={"x-subject-token": GLANCE_TOKEN, "content-type": "application/json"}),
        ks("glance-api", "GET", "/v3/auth/tokens", 200, 23, 27,
           req={"user-agent": ksm, "x-auth-token": GLANCE_TOKEN, "x-subject-token": USER_TOKEN},
           resp={"x-subject-token": USER_TOKEN, "content-type": "application/json"}),
    ]
    swift_check = ks("swift-proxy-server", "GET", "/v3/auth/tokens", 200, 44, 47, query="nocatalog",
                     req={"user-agent": KSM_UA.format(svc="swift"), "x-auth-token": SWIFT_TOKEN,
                          "x-subject-token": STORE_TOKEN},
                     resp={"x-subject-token": STORE_TOKEN})
    store = [
        ks("glance-api", "POST", "/v3/auth/tokens", 201, 36, 41,
           req={"user-agent": "glance_store keystoneauth1/5.1.0", "content-type": "application/json"},
           resp={"x-subject-token": STORE_TOKEN}),
        Call("glance-api", "swift-proxy-server", "HEAD", PUBLIC, SWIFT_PORT,
             f"/v1/{ACCOUNT}/glance", "", 204, 42, 49,
             req={"x-auth-token": STORE_TOKEN, "user-agent": "python-swiftclient-4.2.0"},
             resp={"x-container-object-count": "0", "x-trans-id": "tx" + hexid("head", 21)},
             children=[swift_check], inner="keystonemiddleware.auth_token"),
        Call("glance-api", "swift-proxy-server", "PUT", PUBLIC, SWIFT_PORT,
             f"/v1/{ACCOUNT}/glance/{IMAGE}", "", 201, 50, 71,
             req={"x-auth-token": STORE_TOKEN, "content-type": "application/octet-stream",
                  "transfer-encoding": "chunked"},
             resp={"etag": hexid("etag"), "x-trans-id": "tx" + hexid("put", 21)}),
    ]
    return [
        ks("openstack", "GET", "/", 300, 0, 3, req={"user-agent": SDK_UA, "accept": "application/json"}),
        ks("openstack", "POST", "/v3/auth/tokens", 201, 4, 10,
           req={"user-agent": SDK_UA, "content-type": "application/json"},
           resp={"x-subject-token": USER_TOKEN, "content-type": "application/json",
                 "vary": ["X-Auth-Token", "Accept-Encoding"]}),
        Call("openstack", "glance-api", "POST", "127.0.0.1", GLANCE_PORT, "/v2/images", "", 201, 11, 33,
             req=auth_headers(USER_TOKEN) | {"content-type": "application/json"},
             resp={"content-type": "application/json", "location": f"http://127.0.0.1:{GLANCE_PORT}/v2/images/{IMAGE}",
                   "openstack-image-import-methods": "glance-direct,web-download"},
             children=glance_auth, inner="keystonemiddleware.auth_token"),
        Call("openstack", "glance-api", "PUT", "127.0.0.1", GLANCE_PORT, f"/v2/images/{IMAGE}/file", "", 204, 34, 73,
             req=auth_headers(USER_TOKEN) | {"content-type": "application/octet-stream"},
             resp={"x-openstack-request-id": "req-" + uuid("put-file")},
             children=store, inner="glance_store.swift.add"),
        Call("openstack", "glance-api", "GET", "127.0.0.1", GLANCE_PORT, f"/v2/images/{IMAGE}", "", 200, 74, 80,
             req=auth_headers(USER_TOKEN),
             resp={"content-type": "application/json"}),
    ]


# ---------------------------------------------------------------------------
# Spans: every call gives a client span (its caller's) and a server span
# (its callee's); `spans()` walks the tree and hands out ids.


class Span:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def spans(calls, with_client=True, with_root=True):
    out = []
    counter = [0]

    def new_id(label):
        counter[0] += 1
        return hexid(f"{label}:{counter[0]}", 16)

    root = None
    if with_root:
        root = new_id("root")
        out.append(Span(id=root, parent=None, kind="internal", service="openstack",
                        name="openstack image create", start=calls[0].start - 500_000,
                        end=calls[-1].end + 500_000, call=None, side=None))

    def walk(call, parent):
        client = None
        if with_client:
            client = new_id("client")
            out.append(Span(id=client, parent=parent, kind="client", service=call.caller,
                            name=call.method, start=call.start, end=call.end, call=call, side="client"))
        server = new_id("server")
        out.append(Span(id=server, parent=client or parent, kind="server", service=call.callee,
                        name=f"{call.method} {call.path}", start=call.start + 300_000,
                        end=call.end - 300_000, call=call, side="server"))
        under = server
        if call.inner:
            under = new_id("inner")
            out.append(Span(id=under, parent=server, kind="internal", service=call.callee,
                            name=call.inner, start=call.start + 400_000, end=call.end - 400_000,
                            call=None, side=None))
        for c in call.children:
            walk(c, under)

    for c in calls:
        walk(c, root)
    return out


# ---------------------------------------------------------------------------
# OTLP


def anyvalue(v, legacy):
    if isinstance(v, list):
        return {"arrayValue": {"values": [anyvalue(x, legacy) for x in v]}}
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        # OTLP/JSON writes 64-bit integers as strings; older exporters as numbers.
        return {"intValue": v if legacy else str(v)}
    return {"stringValue": v}


def http_attrs(s, stable):
    c = s.call
    a = {}
    if stable:
        a["http.request.method"] = c.method
        if s.side == "client":
            a["url.full"] = c.url()
            a["server.address"] = c.host
            a["server.port"] = c.port
        else:
            a["url.scheme"] = "http"
            a["url.path"] = c.path
            if c.query:
                a["url.query"] = c.query
            a["server.address"] = c.host
            a["server.port"] = c.port
            a["client.address"] = "203.0.113.7"
        a["http.response.status_code"] = c.status
    else:
        a["http.method"] = c.method
        if s.side == "client":
            a["http.url"] = c.url()
            a["net.peer.name"] = c.host
        else:
            a["http.scheme"] = "http"
            a["http.target"] = c.path + (f"?{c.query}" if c.query else "")
            a["http.host"] = c.host if c.port == 80 else f"{c.host}:{c.port}"
            a["http.flavor"] = "1.1"
        a["http.status_code"] = c.status
    return a


def header_attrs(s, key_style):
    """Header attributes: request headers on both sides, response headers too."""
    a = {}
    for prefix, headers in (("http.request.header.", s.call.req), ("http.response.header.", s.call.resp)):
        for name, value in headers.items():
            k = name.replace("-", "_") if key_style == "underscore" else name
            a[prefix + k] = value if isinstance(value, list) else [value]
    return a


def otlp_span(s, stable, legacy_ids):
    enc = (lambda h: base64.b64encode(bytes.fromhex(h)).decode()) if legacy_ids else (lambda h: h)
    attrs = {}
    if s.call:
        attrs |= http_attrs(s, stable)
        # Servers record the headers they were told to (OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*).
        if s.side == "server":
            attrs |= header_attrs(s, "underscore" if not stable else "dash")
    span = {
        "traceId": enc(TRACE),
        "spanId": enc(s.id),
        "parentSpanId": enc(s.parent) if s.parent else "",
        "name": s.name,
        "kind": {"internal": 1, "server": 2, "client": 3}[s.kind],
        "startTimeUnixNano": str(s.start) if not legacy_ids else s.start,
        "endTimeUnixNano": str(s.end) if not legacy_ids else s.end,
        "attributes": [{"key": k, "value": anyvalue(v, legacy_ids)} for k, v in attrs.items()],
        "status": {},
    }
    if legacy_ids:
        span["kind"] = "SPAN_KIND_" + s.kind.upper()
    if s.call and s.call.method == "PUT" and s.side == "server" and s.service == "swift-proxy-server":
        span["events"] = [{"timeUnixNano": str(s.start + 1000), "name": "object.stored",
                           "attributes": [{"key": "swift.etag", "value": {"stringValue": hexid("etag")}}]}]
    return span


def resource(service):
    return {"attributes": [
        {"key": "service.name", "value": {"stringValue": service}},
        {"key": "telemetry.sdk.language", "value": {"stringValue": "python"}},
        {"key": "telemetry.sdk.name", "value": {"stringValue": "opentelemetry"}},
        {"key": "host.name", "value": {"stringValue": "devstack"}},
    ]}


def otlp(all_spans, stable, legacy_ids, per_line=False):
    services = []
    for s in all_spans:
        if s.service not in services:
            services.append(s.service)
    scope_key = "instrumentationLibrarySpans" if legacy_ids else "scopeSpans"
    lib_key = "instrumentationLibrary" if legacy_ids else "scope"
    docs = []
    for svc in services:
        mine = [otlp_span(s, stable, legacy_ids) for s in all_spans if s.service == svc]
        docs.append({
            "resource": resource(svc),
            scope_key: [{lib_key: {"name": "opentelemetry.instrumentation.wsgi" if svc != "openstack"
                                   else "opentelemetry.instrumentation.requests", "version": "0.48b0"},
                         "spans": mine}],
        })
    if per_line:
        return "".join(json.dumps({"resourceSpans": [d]}, separators=(",", ":")) + "\n" for d in docs)
    return json.dumps({"resourceSpans": docs}, indent=2) + "\n"


# ---------------------------------------------------------------------------
# Jaeger


def jaeger_tag(k, v):
    if isinstance(v, bool):
        return {"key": k, "type": "bool", "value": v}
    if isinstance(v, int):
        return {"key": k, "type": "int64", "value": v}
    if isinstance(v, list):
        v = ",".join(v)
    return {"key": k, "type": "string", "value": v}


def jaeger(all_spans, osprofiler=False):
    processes = {}
    out = []
    for s in all_spans:
        pid = next((p for p, d in processes.items() if d["serviceName"] == s.service), None)
        if pid is None:
            pid = f"p{len(processes) + 1}"
            processes[pid] = {"serviceName": s.service,
                              "tags": [{"key": "hostname", "type": "string", "value": "devstack"}]}
        tags = []
        if s.call and osprofiler:
            c = s.call
            tags = [jaeger_tag("http.path", c.path), jaeger_tag("http.query", c.query),
                    jaeger_tag("http.method", c.method), jaeger_tag("http.scheme", "http"),
                    jaeger_tag("status_code", str(c.status))]
        elif s.call:
            attrs = http_attrs(s, stable=False)
            if s.side == "server":
                attrs |= header_attrs(s, "underscore")
            tags = [jaeger_tag(k, v) for k, v in attrs.items()]
            tags.append(jaeger_tag("span.kind", s.kind))
        elif osprofiler:
            tags = [jaeger_tag("db.statement", "INSERT INTO images (id, name, status) VALUES (%(id)s, %(name)s, %(status)s)"),
                    jaeger_tag("db.params", json.dumps({"id": IMAGE, "name": "cirros", "status": "queued"}))]
        else:
            tags = [jaeger_tag("span.kind", s.kind)]
        span = {
            "traceID": TRACE,
            "spanID": s.id,
            "flags": 1,
            "operationName": s.name,
            "references": [{"refType": "CHILD_OF", "traceID": TRACE, "spanID": s.parent}] if s.parent else [],
            "startTime": s.start // 1000,
            "duration": (s.end - s.start) // 1000,
            "tags": tags,
            "logs": [],
            "processID": pid,
            "warnings": None,
        }
        out.append(span)
    doc = {"data": [{"traceID": TRACE, "spans": out, "processes": processes, "warnings": None}],
           "total": 0, "limit": 0, "offset": 0, "errors": None}
    return json.dumps(doc, indent=2) + "\n"


def osprofiler_spans(calls):
    """osprofiler: no client spans, wsgi spans named by project-service, a db span under glance."""
    names = {"keystone": "keystone-public", "glance-api": "glance-api", "swift-proxy-server": "swift-proxy-server"}
    out = spans(calls, with_client=False, with_root=False)
    for s in out:
        s.service = names.get(s.service, s.service)
        if s.call:
            s.name = "wsgi"
        elif s.kind == "internal":
            s.name = "db"
    return out


# ---------------------------------------------------------------------------
# Zipkin


def zipkin(all_spans):
    out = []
    by_id = {s.id: s for s in all_spans}
    for s in all_spans:
        if s.kind == "server" and s.parent and by_id[s.parent].kind == "client":
            continue  # written with its client span below, under the same id
        client_server = [s]
        if s.kind == "client":
            client_server += [x for x in all_spans if x.parent == s.id and x.kind == "server"]
        for x in client_server:
            shared = x is not s
            span_id = s.id
            parent = s.parent
            c = x.call
            span = {"traceId": TRACE, "id": span_id}
            if parent:
                span["parentId"] = parent
            if x.kind in ("client", "server"):
                span["kind"] = x.kind.upper()
            span["name"] = (c.method.lower() if c else x.name)
            span["timestamp"] = x.start // 1000
            span["duration"] = (x.end - x.start) // 1000
            span["localEndpoint"] = {"serviceName": x.service, "ipv4": PUBLIC if x.service != "openstack" else "203.0.113.7"}
            if c and x.kind == "client":
                span["remoteEndpoint"] = {"ipv4": c.host, "port": c.port}
            if c:
                span["tags"] = {"http.method": c.method,
                                "http.path": c.path}
                if x.kind == "server":
                    span["tags"]["http.status_code"] = str(c.status)
            if shared:
                span["shared"] = True
            out.append(span)
    return json.dumps(out, indent=2) + "\n"


def zipkin_spans(calls):
    """Zipkin (brave): the server span's children are under the client's id (shared)."""
    out = spans(calls, with_root=False)
    by_id = {s.id: s for s in out}
    for s in out:
        p = by_id.get(s.parent)
        if p is not None and p.kind == "server" and p.parent in by_id and by_id[p.parent].kind == "client":
            s.parent = p.parent
    return out


README = {
    "otlp-stable": "OTLP JSON as the OpenTelemetry SDK's OTLP/HTTP JSON exporter writes it: stable HTTP semantic conventions (`http.request.method`, `url.full`, `url.path` + `url.query`, `http.response.status_code`), hex ids, nanosecond times as strings, integer kinds; servers record request and response headers as array attributes (`http.request.header.x-auth-token`). A root INTERNAL span of the client and `keystonemiddleware` INTERNAL spans inside glance are not HTTP and are skipped; the calls under them attach to the nearest HTTP span. A span event on swift's PUT.",
    "otlp-legacy": "OTLP JSON from an older exporter: old HTTP semantic conventions (`http.method`, `http.url`, `http.target`, `http.host`, `http.status_code`), base64 trace and span ids, `instrumentationLibrarySpans`, kind names (`SPAN_KIND_SERVER`), integers as numbers, header attributes with `_` (`http.request.header.x_auth_token`).",
    "otlp-file-exporter": "The OpenTelemetry collector's file exporter: one OTLP JSON document per line, one line per service batch, stable conventions.",
    "jaeger": "Jaeger UI \"Download JSON\": `data[].spans` with `references` (CHILD_OF) and `processes` naming the services; old HTTP conventions as tags, `span.kind` tags, times in microseconds.",
    "zipkin": "Zipkin v2 JSON as brave reports it: a client span and the server span it called share one id (`shared: true`); `localEndpoint.serviceName` names the participant; tags `http.method`, `http.path`, `http.status_code`; no headers (the page says so once).",
    "osprofiler-jaeger": "osprofiler's Jaeger driver: only server-side `wsgi` spans (`http.path`, `http.query`, `http.method`, `status_code`), no client spans, no headers, a `db` span; the caller of each call is the service of the span it was made under (`client` for the first).",
}


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "samples") / "traces"
    calls = the_calls()
    files = {
        "otlp-stable/trace.json": otlp(spans(calls), stable=True, legacy_ids=False),
        "otlp-legacy/trace.json": otlp(spans(calls), stable=False, legacy_ids=True),
        "otlp-file-exporter/traces.jsonl": otlp(spans(calls), stable=True, legacy_ids=False, per_line=True),
        "jaeger/trace.json": jaeger(spans(calls)),
        "zipkin/trace.json": zipkin(zipkin_spans(calls)),
        "osprofiler-jaeger/trace.json": jaeger(osprofiler_spans(calls), osprofiler=True),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        name = rel.split("/")[0]
        (path.parent / "README.md").write_text(
            f"# traces/{name}\n\nSynthetic trace written by `scripts/gen-trace-samples.py` (fake values only) of "
            f"`openstack image create --file cirros.qcow2 cirros` across keystone, glance and swift "
            f"(the calls of `samples/openstack/image/create`, plus a final `GET` of the image).\n\n{README[name]}\n")


if __name__ == "__main__":
    main()
