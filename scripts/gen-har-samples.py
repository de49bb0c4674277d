#!/usr/bin/env python3
"""Write the synthetic HAR captures under samples/har/.

Usage: scripts/gen-har-samples.py [OUT_DIR]      (default: samples)

Every value is fake and derived deterministically from a label (TEST-NET
addresses, hashed ids, tokens that only look like fernet tokens), so two
runs write the same bytes. Each sample imitates the shape one tool writes:

- mitmproxy `mitmdump --set hardump=FILE` (mitmproxy/addons/savehar.py):
  entries appended as responses arrive, `isoformat()` times with
  microseconds and `+00:00`, timings with `null` and -1, `postData` with
  `params: []` on every POST/PUT/PATCH, `indent=2`;
- mitmproxy's `save.har` command: the same entries in flow order,
  `indent=4`, a flow without a response (`status: 0`, `_error`), and a
  binary upload written with Python's surrogateescape (`\\udcfb`);
- Chromium DevTools ("WebInspector"): HTTP/2 with pseudo headers, `_`
  fields (`_initiator`, `_priority`, `_resourceType`, `_transferSize`),
  base64 bodies, an aborted request, cookies;
- Firefox: pages, `+01:00` offsets, `pageref`, a form login whose
  `postData` has `params`, a CORS preflight.

Each folder holds the capture and a README.md saying what it exercises;
tests/it/samples.rs renders every one.
"""
import base64
import hashlib
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

HOST = "192.0.2.10"
UA_CLI = "openstacksdk/4.1.0 keystoneauth1/5.9.1 python-requests/2.32.3 CPython/3.12.3"
UA_NOVA = "nova-api keystoneauth1/5.9.1 python-requests/2.32.3 CPython/3.12.3"
UA_KSM = "keystonemiddleware.auth_token/10.7.1 keystoneauth1/5.9.1 python-requests/2.32.3 CPython/3.12.3"
UA_CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Chrome/131.0.0.0 Safari/537.36")
UA_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


def h(label, n=32):
    return hashlib.sha256(label.encode()).hexdigest()[:n]


def uuid(label):
    x = h(label)
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:32]}"


def token(label):
    raw = hashlib.sha256(label.encode()).digest() * 5
    return "gAAAAAB" + base64.urlsafe_b64encode(raw).decode().rstrip("=")[:176]


def req_id(label):
    return "req-" + uuid(label)


PROJECT = h("project-demo")
USER = h("user-demo")
USER_TOKEN = token("user-token")
NOVA_TOKEN = token("nova-service-token")
GLANCE_TOKEN = token("glance-service-token")
NEUTRON_TOKEN = token("neutron-service-token")
IMAGE = uuid("image-cirros")
NET = uuid("net-private")
SERVER = uuid("server-demo-1")
NEW_IMAGE = uuid("image-new")


def catalog(base):
    def ep(kind, name, url):
        return {"type": kind, "name": name, "id": h(name, 32), "endpoints": [
            {"id": h(name + "-public"), "interface": "public", "region": "RegionOne",
             "region_id": "RegionOne", "url": url}]}
    return [ep("identity", "keystone", f"{base}:5000/v3"),
            ep("image", "glance", f"{base}:9292"),
            ep("compute", "nova", f"{base}:8774/v2.1"),
            ep("network", "neutron", f"{base}:9696"),
            ep("placement", "placement", f"{base}:8778"),
            ep("block-storage", "cinderv3", f"{base}:8776/v3/{PROJECT}")]


def token_body(user, project, with_catalog=True, base=f"http://{HOST}"):
    t = {"token": {
        "methods": ["password"],
        "user": {"domain": {"id": "default", "name": "Default"}, "id": h(user), "name": user,
                 "password_expires_at": None},
        "audit_ids": [base64.urlsafe_b64encode(h(user + "audit", 16).encode()).decode()[:22]],
        "expires_at": "2026-11-27T11:15:02.000000Z",
        "issued_at": "2026-11-27T10:15:02.000000Z",
        "project": {"domain": {"id": "default", "name": "Default"}, "id": h(project),
                    "name": project},
        "is_domain": False,
        "roles": [{"id": h("role-member"), "name": "member"},
                  {"id": h("role-reader"), "name": "reader"}]}}
    if with_catalog:
        t["token"]["catalog"] = catalog(base)
    return t


def auth_request(user, password, project):
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"name": "Default"}}}}}


def js(obj):
    return json.dumps(obj)


class Call:
    """One exchange: when it started and how long it took (ms)."""

    def __init__(self, start, ms, method, url, status, reason="", req_headers=(),
                 resp_headers=(), req_body=None, resp_body=None, resp_type="application/json",
                 children=(), error=None, binary_request=None):
        self.start, self.ms = start, ms
        self.method, self.url, self.status, self.reason = method, url, status, reason
        self.req_headers, self.resp_headers = list(req_headers), list(resp_headers)
        self.req_body, self.resp_body, self.resp_type = req_body, resp_body, resp_type
        self.children, self.error = list(children), error
        self.binary_request = binary_request

    def end(self):
        return self.start + self.ms

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


T0 = datetime(2026, 11, 27, 10, 15, 2, 104215, tzinfo=timezone.utc)


def at(ms):
    return T0 + timedelta(milliseconds=ms)


def pairs(items):
    return [{"name": n, "value": v} for n, v in items]


def query_of(url):
    if "?" not in url:
        return []
    q = url.split("?", 1)[1]
    return [{"name": p.split("=", 1)[0], "value": p.split("=", 1)[1] if "=" in p else ""}
            for p in q.split("&")]


def validate(start, ms, service_token, user_token, ua=UA_KSM):
    """keystonemiddleware validating a user's token."""
    return Call(start, ms, "GET", f"http://{HOST}:5000/v3/auth/tokens", 200, "OK",
                [("Host", f"{HOST}:5000"), ("User-Agent", ua), ("Accept-Encoding", "gzip, deflate"),
                 ("Accept", "application/json"), ("Connection", "keep-alive"),
                 ("X-Auth-Token", service_token), ("X-Subject-Token", user_token)],
                [("Date", "Fri, 27 Nov 2026 10:15:02 GMT"), ("Server", "Apache/2.4.58 (Ubuntu)"),
                 ("Content-Type", "application/json"), ("X-Subject-Token", user_token),
                 ("Vary", "X-Auth-Token"), ("x-openstack-request-id", req_id(f"v{start}"))],
                resp_body=js(token_body("demo", "demo")))


def service_token(start, ms, user, password, tok):
    """A service getting its own token."""
    return Call(start, ms, "POST", f"http://{HOST}:5000/v3/auth/tokens", 201, "Created",
                [("Host", f"{HOST}:5000"), ("User-Agent", UA_KSM), ("Content-Type", "application/json"),
                 ("Accept", "application/json")],
                [("Date", "Fri, 27 Nov 2026 10:15:02 GMT"), ("Content-Type", "application/json"),
                 ("X-Subject-Token", tok), ("x-openstack-request-id", req_id(f"s{start}"))],
                req_body=js(auth_request(user, password, "service")),
                resp_body=js(token_body(user, "service", with_catalog=False)))


def cli(start, ms, method, path_url, status, reason, body=None, resp=None, children=(),
        rid=None, extra=(), resp_extra=(), content_type="application/json"):
    hdrs = [("Host", path_url.split("/")[2]), ("User-Agent", UA_CLI),
            ("Accept-Encoding", "gzip, deflate"), ("Accept", "application/json"),
            ("Connection", "keep-alive"), ("X-Auth-Token", USER_TOKEN)]
    if body is not None:
        hdrs.append(("Content-Type", content_type))
        hdrs.append(("Content-Length", str(len(body))))
    hdrs += list(extra)
    resp_hdrs = [("Date", "Fri, 27 Nov 2026 10:15:02 GMT"), ("Content-Type", "application/json"),
                 ("Content-Length", str(len(resp or "")))]
    resp_hdrs += list(resp_extra)
    if rid:
        resp_hdrs.append(("x-openstack-request-id", rid))
    return Call(start, ms, method, path_url, status, reason, hdrs, resp_hdrs, body, resp,
                children=children)


def mitm_entry(c, seen):
    """An entry as mitmproxy's savehar.py writes it."""
    server = c.url.split("/")[2]
    connect = None if server in seen else 0.412
    seen.add(server)
    send = 0.11
    wait = max(c.ms - 0.5, 0.1)
    receive = 0.39
    timings = {"connect": connect, "ssl": None, "send": send, "receive": receive, "wait": wait}
    if c.status:
        resp_text = c.resp_body or ""
        response = {
            "status": c.status, "statusText": c.reason, "httpVersion": "HTTP/1.1",
            "cookies": [], "headers": pairs(c.resp_headers),
            "content": {"size": len(resp_text), "compression": 0,
                        "mimeType": dict(c.resp_headers).get("Content-Type", ""),
                        "text": resp_text},
            "redirectURL": dict(c.resp_headers).get("Location", ""),
            "headersSize": 200, "bodySize": len(resp_text)}
    else:
        response = {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [],
                    "content": {}, "redirectURL": "", "headersSize": -1, "bodySize": -1,
                    "_transferSize": 0, "_error": c.error}
    request = {"method": c.method, "url": c.url, "httpVersion": "HTTP/1.1", "cookies": [],
               "headers": pairs(c.req_headers), "queryString": query_of(c.url),
               "headersSize": 300,
               "bodySize": len(c.binary_request or c.req_body or "")}
    entry = {"startedDateTime": at(c.start).isoformat(),
             "time": sum(v for v in timings.values() if v is not None and v >= 0),
             "request": request, "response": response, "cache": {}, "timings": timings}
    if c.method in ("POST", "PUT", "PATCH"):
        if c.binary_request is not None:
            text = c.binary_request.decode("utf8", "surrogateescape")
        else:
            text = c.req_body or ""
        request["postData"] = {"mimeType": dict(c.req_headers).get("Content-Type", ""),
                               "text": text, "params": []}
    entry["serverIPAddress"] = HOST
    return entry


def mitm_doc(entries):
    return {"log": {"version": "1.2", "creator": {
        "name": "mitmproxy exporthar", "version": "0.1", "comment": "mitmproxy version 11.0.2"},
        "pages": [], "entries": entries}}


def server_create():
    """openstack server create, through mitmdump as the proxy of every hop."""
    versions = js({"version": {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z",
                               "links": [{"rel": "self", "href": f"http://{HOST}:5000/v3/"}],
                               "media-types": [{"base": "application/json",
                                                "type": "application/vnd.openstack.identity-v3+json"}]}})
    image = {"id": IMAGE, "name": "cirros-0.6.3-x86_64-disk", "status": "active",
             "visibility": "public", "disk_format": "qcow2", "container_format": "bare",
             "size": 21692416, "min_disk": 0, "min_ram": 0, "owner": h("project-admin"),
             "self": f"/v2/images/{IMAGE}", "file": f"/v2/images/{IMAGE}/file",
             "schema": "/v2/schemas/image"}
    flavor = {"id": "1", "name": "m1.tiny", "ram": 512, "disk": 1, "vcpus": 1,
              "links": [{"rel": "self", "href": f"http://{HOST}:8774/v2.1/flavors/1"}]}
    net = {"id": NET, "name": "private", "status": "ACTIVE", "project_id": PROJECT,
           "subnets": [uuid("subnet-private")], "admin_state_up": True, "mtu": 1442}
    nova_rid = req_id("nova-create")
    calls = [
        Call(0, 5.8, "GET", f"http://{HOST}:5000/v3", 200, "OK",
             [("Host", f"{HOST}:5000"), ("User-Agent", UA_CLI), ("Accept", "application/json")],
             [("Date", "Fri, 27 Nov 2026 10:15:02 GMT"), ("Content-Type", "application/json"),
              ("Vary", "X-Auth-Token")], resp_body=versions),
        Call(12, 96.4, "POST", f"http://{HOST}:5000/v3/auth/tokens", 201, "CREATED",
             [("Host", f"{HOST}:5000"), ("User-Agent", UA_CLI), ("Content-Type", "application/json"),
              ("Accept", "application/json")],
             [("Date", "Fri, 27 Nov 2026 10:15:02 GMT"), ("Content-Type", "application/json"),
              ("X-Subject-Token", USER_TOKEN), ("Vary", "X-Auth-Token"),
              ("x-openstack-request-id", req_id("auth"))],
             req_body=js(auth_request("demo", "secret-demo-pw", "demo")),
             resp_body=js(token_body("demo", "demo"))),
        cli(120, 61.0, "GET", f"http://{HOST}:8774/v2.1/flavors/m1.tiny", 404, "Not Found",
            resp=js({"itemNotFound": {"code": 404, "message": "Flavor m1.tiny could not be found."}}),
            rid=req_id("flav-404"), children=[
                service_token(124, 30.1, "nova", "secret-nova-pw", NOVA_TOKEN),
                validate(156, 12.3, NOVA_TOKEN, USER_TOKEN)]),
        cli(186, 14.2, "GET", f"http://{HOST}:8774/v2.1/flavors?is_public=None", 200, "OK",
            resp=js({"flavors": [flavor]}), rid=req_id("flav-list")),
        cli(204, 48.7, "GET", f"http://{HOST}:9292/v2/images?name=cirros-0.6.3-x86_64-disk", 200, "OK",
            resp=js({"images": [image], "first": "/v2/images?name=cirros-0.6.3-x86_64-disk",
                     "schema": "/v2/schemas/images"}),
            rid=req_id("img-list"), children=[
                service_token(207, 22.0, "glance", "secret-glance-pw", GLANCE_TOKEN),
                validate(231, 11.0, GLANCE_TOKEN, USER_TOKEN)]),
        cli(258, 40.3, "GET", f"http://{HOST}:9696/v2.0/networks?name=private", 200, "OK",
            resp=js({"networks": [net]}), rid=req_id("net-list"), children=[
                service_token(261, 18.0, "neutron", "secret-neutron-pw", NEUTRON_TOKEN),
                validate(281, 10.5, NEUTRON_TOKEN, USER_TOKEN)]),
        cli(305, 182.6, "POST", f"http://{HOST}:8774/v2.1/servers", 202, "Accepted",
            body=js({"server": {"name": "demo-1", "imageRef": IMAGE, "flavorRef": "1",
                                "min_count": 1, "max_count": 1, "networks": [{"uuid": NET}]}}),
            resp=js({"server": {"id": SERVER, "links": [
                {"rel": "self", "href": f"http://{HOST}:8774/v2.1/servers/{SERVER}"}],
                "OS-DCF:diskConfig": "MANUAL", "security_groups": [{"name": "default"}],
                "adminPass": "Gq8pXz3rLm2K"}}),
            rid=nova_rid, resp_extra=[("Location", f"http://{HOST}:8774/v2.1/servers/{SERVER}")],
            children=[
                validate(309, 9.8, NOVA_TOKEN, USER_TOKEN),
                Call(330, 44.0, "GET", f"http://{HOST}:9292/v2/images/{IMAGE}", 200, "OK",
                     [("Host", f"{HOST}:9292"), ("User-Agent", UA_NOVA), ("Accept", "application/json"),
                      ("X-Auth-Token", USER_TOKEN), ("X-OpenStack-Request-ID", nova_rid)],
                     [("Content-Type", "application/json"),
                      ("x-openstack-request-id", req_id("nova-glance"))],
                     resp_body=js(image), children=[validate(333, 9.1, GLANCE_TOKEN, USER_TOKEN)]),
                Call(390, 52.5, "GET", f"http://{HOST}:9696/v2.0/networks?id={NET}", 200, "OK",
                     [("Host", f"{HOST}:9696"), ("User-Agent", UA_NOVA), ("Accept", "application/json"),
                      ("X-Auth-Token", USER_TOKEN), ("X-OpenStack-Request-ID", nova_rid)],
                     [("Content-Type", "application/json"),
                      ("X-Openstack-Request-Id", req_id("nova-neutron"))],
                     resp_body=js({"networks": [net]}),
                     children=[validate(393, 8.7, NEUTRON_TOKEN, USER_TOKEN)]),
            ]),
        cli(495, 35.1, "GET", f"http://{HOST}:8774/v2.1/servers/{SERVER}", 200, "OK",
            resp=js({"server": {"id": SERVER, "name": "demo-1", "status": "BUILD",
                                "tenant_id": PROJECT, "user_id": USER,
                                "flavor": {"original_name": "m1.tiny", "vcpus": 1, "ram": 512},
                                "image": {"id": IMAGE}, "addresses": {},
                                "OS-EXT-STS:task_state": "scheduling"}}),
            rid=req_id("show")),
    ]
    seen = set()
    flat = [c for top in calls for c in top.walk()]
    # hardump writes an entry when its response arrives.
    flat.sort(key=lambda c: c.end())
    return mitm_doc([mitm_entry(c, seen) for c in flat]), 2


def image_create():
    """openstack image create --file, then volume list with cinder down (save.har)."""
    qcow = b"QFI\xfb\x00\x00\x00\x03" + bytes(range(0, 24)) + b"\x80\xff\xfe" * 8
    image = {"id": NEW_IMAGE, "name": "tiny", "status": "queued", "visibility": "shared",
             "disk_format": "qcow2", "container_format": "bare", "size": None,
             "self": f"/v2/images/{NEW_IMAGE}", "file": f"/v2/images/{NEW_IMAGE}/file"}
    calls = [
        Call(0, 88.0, "POST", f"http://{HOST}:5000/v3/auth/tokens", 201, "CREATED",
             [("Host", f"{HOST}:5000"), ("User-Agent", UA_CLI), ("Content-Type", "application/json")],
             [("Content-Type", "application/json"), ("X-Subject-Token", USER_TOKEN),
              ("x-openstack-request-id", req_id("auth2"))],
             req_body=js(auth_request("demo", "secret-demo-pw", "demo")),
             resp_body=js(token_body("demo", "demo"))),
        cli(95, 61.5, "POST", f"http://{HOST}:9292/v2/images", 201, "Created",
            body=js({"name": "tiny", "disk_format": "qcow2", "container_format": "bare",
                     "visibility": "shared"}),
            resp=js(image), rid=req_id("img-create"), children=[
                service_token(98, 21.0, "glance", "secret-glance-pw", GLANCE_TOKEN),
                validate(121, 10.0, GLANCE_TOKEN, USER_TOKEN)]),
        Call(160, 140.0, "PUT", f"http://{HOST}:9292/v2/images/{NEW_IMAGE}/file", 204, "No Content",
             [("Host", f"{HOST}:9292"), ("User-Agent", UA_CLI), ("Content-Type", "application/octet-stream"),
              ("X-Auth-Token", USER_TOKEN), ("Content-Length", str(len(qcow)))],
             [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "0"),
              ("x-openstack-request-id", req_id("img-upload"))],
             binary_request=qcow, resp_body="",
             children=[validate(163, 9.0, GLANCE_TOKEN, USER_TOKEN)]),
        cli(305, 17.0, "GET", f"http://{HOST}:9292/v2/images/{NEW_IMAGE}", 200, "OK",
            resp=js(dict(image, status="active", size=len(qcow))), rid=req_id("img-show")),
        Call(330, 1.2, "GET", f"http://{HOST}:8776/v3/{PROJECT}/volumes/detail", 0,
             req_headers=[("Host", f"{HOST}:8776"), ("User-Agent", UA_CLI),
                          ("Accept", "application/json"), ("X-Auth-Token", USER_TOKEN)],
             error="Connection refused"),
    ]
    seen = set()
    flat = [c for top in calls for c in top.walk()]
    # save.har exports flows in the order they were made.
    flat.sort(key=lambda c: c.start)
    return mitm_doc([mitm_entry(c, seen) for c in flat]), 4


def chrome_timings(ms):
    return {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1,
            "wait": round(ms - 2.0, 3), "receive": 0.7, "_blocked_queueing": 0.9,
            "_workerStart": -1, "_workerReady": -1, "_workerFetchStart": -1,
            "_workerRespondWithSettled": -1}


def chrome_entry(k, start, ms, method, path, status, reason, req_extra=(), req_body=None,
                 resp_headers=(), text="", encoding=None, mime="application/json", error=None,
                 cookies=()):
    url = f"https://cloud.example.test{path}"
    req_headers = [(":authority", "cloud.example.test"), (":method", method), (":path", path),
                   (":scheme", "https"), ("accept", "application/json"),
                   ("accept-encoding", "gzip, deflate, br, zstd"), ("accept-language", "en-US,en;q=0.9"),
                   ("cookie", "; ".join(f"{n}={v}" for n, v in cookies))] if cookies else \
        [(":authority", "cloud.example.test"), (":method", method), (":path", path),
         (":scheme", "https"), ("accept", "application/json"),
         ("accept-encoding", "gzip, deflate, br, zstd"), ("accept-language", "en-US,en;q=0.9")]
    req_headers += [("priority", "u=1, i"), ("sec-fetch-mode", "cors"), ("user-agent", UA_CHROME)]
    req_headers += list(req_extra)
    entry = {
        "_connectionId": "48213", "_initiator": {"type": "script", "stack": {"callFrames": [
            {"functionName": "request", "scriptId": "31", "url":
             "https://cloud.example.test/static/js/api.7c1e.js", "lineNumber": 211,
             "columnNumber": 17}]}},
        "_priority": "High", "_resourceType": "fetch", "cache": {}, "connection": "443",
        "pageref": "page_1",
        "request": {"method": method, "url": url, "httpVersion": "http/2.0",
                    "headers": pairs(req_headers), "queryString": query_of(url),
                    "cookies": [{"name": n, "value": v, "path": "/", "domain": "cloud.example.test",
                                 "expires": "1969-12-31T23:59:59.999Z", "httpOnly": True,
                                 "secure": True} for n, v in cookies],
                    "headersSize": -1, "bodySize": len(req_body or "")},
        "serverIPAddress": "203.0.113.7",
        "startedDateTime": (at(start)).strftime("%Y-%m-%dT%H:%M:%S.") +
        f"{at(start).microsecond // 1000:03d}Z",
        "time": ms, "timings": chrome_timings(ms)}
    if req_body is not None:
        entry["request"]["postData"] = {"mimeType": "application/json", "text": req_body}
    if status:
        content = {"size": len(text), "mimeType": mime, "text": text}
        if encoding:
            content["encoding"] = encoding
        entry["response"] = {"status": status, "statusText": reason, "httpVersion": "http/2.0",
                             "headers": pairs(resp_headers), "cookies": [], "content": content,
                             "redirectURL": "", "headersSize": -1, "bodySize": -1,
                             "_transferSize": len(text) + 180, "_error": None,
                             "_fetchedViaServiceWorker": False}
    else:
        entry["response"] = {"status": 0, "statusText": "", "httpVersion": "", "headers": [],
                             "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"},
                             "redirectURL": "", "headersSize": -1, "bodySize": -1,
                             "_transferSize": 0, "_error": error}
    return entry


def chromium_console():
    """A web console in Chromium: login, two lists in parallel, an icon, an abort."""
    session = "s" + h("console-session", 24)
    listing = js({"servers": [{"id": SERVER, "name": "demo-1", "status": "ACTIVE",
                               "tenant_id": PROJECT, "addresses": {"private": [
                                   {"addr": "10.0.0.23", "version": 4,
                                    "OS-EXT-IPS:type": "fixed"}]}}]})
    images = js({"images": [{"id": IMAGE, "name": "cirros-0.6.3-x86_64-disk", "status": "active"}],
                 "first": "/v2/images", "schema": "/v2/schemas/images"})
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    entries = [
        chrome_entry(0, 0, 131.4, "POST", "/identity/v3/auth/tokens", 201, "",
                     req_extra=[("content-type", "application/json"), ("origin", "https://cloud.example.test")],
                     req_body=js(auth_request("demo", "secret-demo-pw", "demo")),
                     resp_headers=[(":status", "201"), ("content-type", "application/json"),
                                   ("x-subject-token", USER_TOKEN), ("vary", "X-Auth-Token"),
                                   ("set-cookie", f"console_session={session}; Path=/; Secure; HttpOnly"),
                                   ("x-openstack-request-id", req_id("c-auth"))],
                     text=js(token_body("demo", "demo", base="https://cloud.example.test"))),
        # The two lists run at once: the image list lies inside the server
        # list's interval, and is still the browser's own request.
        chrome_entry(1, 150, 96.0, "GET", "/compute/v2.1/servers/detail?limit=20", 200, "",
                     req_extra=[("x-auth-token", USER_TOKEN)],
                     resp_headers=[(":status", "200"), ("content-type", "application/json"),
                                   ("x-compute-request-id", req_id("c-servers")),
                                   ("x-openstack-request-id", req_id("c-servers"))],
                     text=listing, cookies=[("console_session", session)]),
        chrome_entry(2, 152, 41.5, "GET", "/image/v2/images?limit=20&sort=created_at:desc", 200, "",
                     req_extra=[("x-auth-token", USER_TOKEN)],
                     resp_headers=[(":status", "200"), ("content-type", "application/json"),
                                   ("x-openstack-request-id", req_id("c-images"))],
                     # Chromium keeps some bodies base64-encoded.
                     text=base64.b64encode(images.encode()).decode(), encoding="base64",
                     cookies=[("console_session", session)]),
        chrome_entry(3, 160, 8.2, "GET", "/static/img/os-logo.png", 200, "",
                     resp_headers=[(":status", "200"), ("content-type", "image/png"),
                                   ("cache-control", "max-age=86400")],
                     text=base64.b64encode(png).decode(), encoding="base64", mime="image/png"),
        chrome_entry(4, 300, 3.0, "GET", "/volume/v3/" + PROJECT + "/volumes/detail", 0, "",
                     req_extra=[("x-auth-token", USER_TOKEN)], error="net::ERR_ABORTED"),
    ]
    for e in entries:
        e["request"]["headers"] = [x for x in e["request"]["headers"] if x["value"] != ""]
    doc = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                   "pages": [{"startedDateTime": entries[0]["startedDateTime"], "id": "page_1",
                              "title": "https://cloud.example.test/project/instances",
                              "pageTimings": {"onContentLoad": 410.2, "onLoad": 655.9}}],
                   "entries": entries}}
    return doc, 2


def firefox_dashboard():
    """A dashboard login form and a CORS call straight to cinder, in Firefox."""
    tz = timezone(timedelta(hours=1))
    csrf = h("csrf-token", 32)
    sessionid = h("dashboard-session", 32)

    def when(ms):
        t = at(ms).astimezone(tz)
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+01:00"

    def timings(ms):
        return {"blocked": 0, "dns": 0, "connect": 0, "ssl": 0, "send": 0, "wait": ms - 1,
                "receive": 1}

    def entry(start, ms, method, url, status, reason, headers, resp_headers, text,
              mime="application/json", post=None, cookies=()):
        e = {"pageref": "page_1", "startedDateTime": when(start),
             "request": {"bodySize": len(post["text"]) if post else 0, "method": method, "url": url,
                         "httpVersion": "HTTP/1.1", "headers": pairs(headers),
                         "cookies": [{"name": n, "value": v} for n, v in cookies],
                         "queryString": query_of(url), "headersSize": 512},
             "response": {"status": status, "statusText": reason, "httpVersion": "HTTP/1.1",
                          "headers": pairs(resp_headers), "cookies": [],
                          "content": {"mimeType": mime, "size": len(text), "text": text},
                          "redirectURL": dict(resp_headers).get("Location", ""),
                          "headersSize": 256, "bodySize": len(text)},
             "cache": {}, "timings": timings(ms), "time": ms,
             "_securityState": "insecure", "serverIPAddress": HOST, "connection": "80"}
        if post:
            e["request"]["postData"] = post
        return e

    form = f"csrfmiddlewaretoken={csrf}&region=default&domain=Default&username=demo&password=secret-demo-pw"
    vols = js({"volumes": [{"id": uuid("vol-1"), "name": "data", "status": "available", "size": 1,
                            "attachments": [], "links": []}]})
    entries = [
        entry(0, 212.0, "POST", f"http://{HOST}/dashboard/auth/login/", 302, "Found",
              [("Host", HOST), ("User-Agent", UA_FIREFOX),
               ("Content-Type", "application/x-www-form-urlencoded"),
               ("Content-Length", str(len(form))), ("Origin", f"http://{HOST}"),
               ("Cookie", f"csrftoken={csrf}")],
              [("Date", "Fri, 27 Nov 2026 10:15:02 GMT"), ("Location", "/dashboard/project/"),
               ("Set-Cookie", f"sessionid={sessionid}; HttpOnly; Path=/; SameSite=Lax"),
               ("Content-Length", "0")], "", mime="text/html; charset=utf-8",
              post={"mimeType": "application/x-www-form-urlencoded", "text": form,
                    "params": [{"name": p.split("=")[0], "value": p.split("=")[1]}
                               for p in form.split("&")]},
              cookies=[("csrftoken", csrf)]),
        entry(230, 2.0, "OPTIONS", f"http://{HOST}:8776/v3/{PROJECT}/volumes/detail", 200, "OK",
              [("Host", f"{HOST}:8776"), ("User-Agent", UA_FIREFOX),
               ("Access-Control-Request-Method", "GET"),
               ("Access-Control-Request-Headers", "x-auth-token"), ("Origin", f"http://{HOST}")],
              [("Access-Control-Allow-Origin", f"http://{HOST}"),
               ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, PATCH"),
               ("Access-Control-Allow-Headers", "X-Auth-Token"), ("Content-Length", "0")],
              "", mime="text/plain"),
        entry(236, 58.0, "GET", f"http://{HOST}:8776/v3/{PROJECT}/volumes/detail", 200, "OK",
              [("Host", f"{HOST}:8776"), ("User-Agent", UA_FIREFOX), ("Accept", "application/json"),
               ("X-Auth-Token", USER_TOKEN), ("Origin", f"http://{HOST}")],
              [("Content-Type", "application/json"), ("OpenStack-API-Version", "volume 3.0"),
               ("x-openstack-request-id", req_id("ff-vols"))], vols),
    ]
    doc = {"log": {"version": "1.2", "creator": {"name": "Firefox", "version": "133.0"},
                   "browser": {"name": "Firefox", "version": "133.0"},
                   "pages": [{"startedDateTime": entries[0]["startedDateTime"], "id": "page_1",
                              "title": "Volumes - OpenStack Dashboard",
                              "pageTimings": {"onContentLoad": 301, "onLoad": 520}}],
                   "entries": entries}}
    return doc, 2


SAMPLES = [
    ("mitmproxy-server-create", "hardump.har", server_create,
     "`openstack server create` through `mitmdump --set hardump=FILE`, every service using the "
     "proxy: the client's calls, nova, glance and neutron getting their own tokens and validating "
     "the client's, and nova calling glance and neutron while serving the create. Entries are in "
     "response order, as mitmproxy writes them; nesting comes from the time intervals."),
    ("mitmproxy-image-create", "flows.har", image_create,
     "`openstack image create --file` and a `volume list` with cinder down, exported with "
     "mitmproxy's `save.har`: a binary upload written as surrogate escapes, a flow without a "
     "response (`status: 0`, `_error`)."),
    ("chromium-console", "console.har", chromium_console,
     "A web console in Chromium over HTTP/2: pseudo headers (`:authority`), `_`-prefixed fields, "
     "a session cookie, two lists running at once (not nested: a browser's HAR holds only its "
     "own requests), base64 bodies (JSON and a PNG), an aborted request."),
    ("firefox-dashboard", "dashboard.har", firefox_dashboard,
     "A dashboard login form in Firefox (`postData.params`, cookies), a CORS preflight and a "
     "call straight to cinder; times with a `+01:00` offset."),
]


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "samples") / "har"
    for folder, name, make, what in SAMPLES:
        doc, indent = make()
        d = out / folder
        d.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(json.dumps(doc, indent=indent) + "\n")
        (d / "README.md").write_text(
            f"# har/{folder}\n\nSynthetic capture written by `scripts/gen-har-samples.py` "
            f"(fake values only).\n\n{what}\n")


if __name__ == "__main__":
    main()
