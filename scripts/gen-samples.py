#!/usr/bin/env python3
"""Write the synthetic requestshook captures under samples/.

Usage: scripts/gen-samples.py [OUT_DIR]      (default: samples)

Every value is fake and derived deterministically from a label, so running
the script twice writes the same bytes: addresses are TEST-NET
(192.0.2.0/24, 203.0.113.0/24) or loopback, ids are hashes of labels,
tokens only look like fernet tokens, and the one password is made up.

The captures imitate the shapes seen in real devstack captures (see
../shared/captures) and add the awkward cases a parser meets in the wild:
interleaved concurrent calls, a request whose response never came, CRLF
line ends, binary body previews, HTML bodies with empty lines, bodies that
hold code fences or pymdownx snippet markers, empty and duplicate headers,
multi-word reasons, and a capture cut off mid-record.

Each sample is a folder `OUT_DIR/openstack/<service>/<command>/` holding
`requestshook.log` and a README.md saying what it exercises. The snapshot
tests (tests/it/samples.rs) render every one of them.
"""
import base64
import hashlib
import json
import sys
from pathlib import Path

PUBLIC = "http://192.0.2.10"  # the controller as clients see it (TEST-NET-1)
GLANCE = "http://127.0.0.1:60999"  # glance-api behind the local proxy, as in devstack
SWIFT = "http://192.0.2.10:8080"
CLIENT_IP = "203.0.113.7"  # TEST-NET-3
PASSWORD = "Fake-Passw0rd-not-real"
SDK_UA = "openstacksdk/1.0.0 keystoneauth1/5.1.0 python-requests/2.28.1 CPython/3.10.6"
KSM_UA = "{svc}/26.0.0 keystonemiddleware.auth_token/10.2.0 keystoneauth1/5.1.0 python-requests/2.28.1 CPython/3.10.6"


def hexid(label, n=32):
    """A stable fake hex id for `label`."""
    return hashlib.sha256(("tracedoc-sample:" + label).encode()).hexdigest()[:n]


def uuid(label):
    h = hexid(label)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def token(label):
    """Looks like a fernet token (gAAAAAB + base64url), means nothing."""
    raw = b"".join(hashlib.sha256(f"{label}:{i}".encode()).digest() for i in range(5))
    return "gAAAAAB" + base64.urlsafe_b64encode(raw).decode().rstrip("=")[:176]


def audit(label):
    return base64.urlsafe_b64encode(hashlib.sha256(label.encode()).digest()).decode()[:22]


# ---------------------------------------------------------------------------
# The log writer


class Call:
    def __init__(self, frm, to, method, url, rid):
        self.frm, self.to, self.method, self.url, self.rid = frm, to, method, url, rid


class Log:
    """Records in server-side event order, formatted like requestshook."""

    def __init__(self, name):
        self.name = name
        self.parts = []
        self.count = 0

    def _rid(self):
        self.count += 1
        return hexid(f"{self.name}:request:{self.count}")

    @staticmethod
    def _body(body):
        if body is None:
            return "none"
        if isinstance(body, (dict, list)):
            return json.dumps(body, indent=2)
        return body

    @staticmethod
    def _headers(headers, rid, frm):
        rh = [f"X-Requestshook-Request-Id: {rid}", f"X-Requestshook-Request-From: {frm}"]
        out, placed = [], False
        for h in headers:
            if h == "@rh":
                out += rh
                placed = True
            else:
                out.append(f"{h[0]}: {h[1]}")
        if not placed:
            out += rh
        return out

    def _record(self, head, headers, body):
        self.parts.append("\n" + head + "\n" + "\n".join(headers) + "\n\n" + self._body(body) + "\n\n")

    def req(self, frm, to, method, url, headers=(), body=None):
        rid = self._rid()
        self._record(f"### ({frm}) REQ >>> ({to}) : {method} {url}", self._headers(headers, rid, frm), body)
        return Call(frm, to, method, url, rid)

    def resp(self, call, status, headers=(), body=None, url=None):
        self._record(
            f"### ({call.frm}) RESP <<< ({call.to}) : {status} {call.method} {url or call.url}",
            self._headers(headers, call.rid, call.frm),
            body,
        )

    def raw(self, text):
        self.parts.append(text)

    def text(self):
        return "".join(self.parts)


# ---------------------------------------------------------------------------
# Building blocks shared by the samples

PROJECT_ADMIN = hexid("project:admin")
PROJECT_DEMO = hexid("project:demo")
PROJECT_SERVICE = hexid("project:service")
USER_ADMIN = hexid("user:admin")
DOMAIN = {"id": "default", "name": "Default"}

SERVICES = {
    # service user -> (project, roles)
    "admin": (PROJECT_ADMIN, "admin", ["admin", "member", "reader"]),
    "demo": (PROJECT_DEMO, "demo", ["member", "reader"]),
    "glance": (PROJECT_SERVICE, "service", ["service", "admin"]),
    "glance-swift": (PROJECT_SERVICE, "service", ["service", "ResellerAdmin"]),
    "swift": (PROJECT_SERVICE, "service", ["service", "admin"]),
    "nova": (PROJECT_SERVICE, "service", ["service", "admin"]),
    "neutron": (PROJECT_SERVICE, "service", ["service", "admin"]),
    "placement": (PROJECT_SERVICE, "service", ["service", "admin"]),
}

CATALOG = [
    ("identity", "keystone", f"{PUBLIC}/identity"),
    ("image", "glance", f"{PUBLIC}/image"),
    ("object-store", "swift", f"{SWIFT}/v1/AUTH_{PROJECT_ADMIN}"),
    ("compute", "nova", f"{PUBLIC}/compute/v2.1"),
    ("network", "neutron", f"{PUBLIC}:9696/networking"),
    ("placement", "placement", f"{PUBLIC}/placement"),
]


def catalog():
    return [
        {
            "endpoints": [
                {
                    "id": hexid(f"endpoint:{kind}"),
                    "interface": "public",
                    "region_id": "RegionOne",
                    "url": url,
                    "region": "RegionOne",
                }
            ],
            "id": hexid(f"service:{kind}"),
            "type": kind,
            "name": name,
        }
        for kind, name, url in CATALOG
    ]


def token_body(user, with_catalog=True, issued="2031-05-06T07:08:09"):
    project, pname, roles = SERVICES[user]
    t = {
        "methods": ["password"],
        "user": {"domain": DOMAIN, "id": hexid(f"user:{user}"), "name": user, "password_expires_at": None},
        "audit_ids": [audit(f"audit:{user}")],
        "expires_at": issued.replace("T07", "T10") + ".000000Z",
        "issued_at": issued + ".000000Z",
        "project": {"domain": DOMAIN, "id": project, "name": pname},
        "is_domain": False,
        "roles": [{"id": hexid(f"role:{r}"), "name": r} for r in roles],
    }
    if with_catalog:
        t["catalog"] = catalog()
    return {"token": t}


def versions_body():
    return {
        "versions": {
            "values": [
                {
                    "id": "v3.14",
                    "status": "stable",
                    "updated": "2020-04-07T00:00:00Z",
                    "links": [{"rel": "self", "href": f"{PUBLIC}/identity/v3/"}],
                    "media-types": [
                        {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
                    ],
                }
            ]
        }
    }


def client_headers(extra=(), token_=None, accept="application/json", forwarded=False):
    h = [
        ("Host", "192.0.2.10"),
        ("User-Agent", SDK_UA),
        ("Accept-Encoding", "gzip, deflate"),
        ("Accept", accept),
        ("Connection", "keep-alive"),
    ]
    if token_:
        h.append(("X-Auth-Token", token_))
    h += list(extra)
    if forwarded:
        h += ["@rh", ("X-Forwarded-For", CLIENT_IP), ("X-Forwarded-Host", "192.0.2.10"), ("X-Forwarded-Server", "127.0.0.1")]
    return h


def discovery(log, frm, ua=SDK_UA):
    c = log.req(frm, "keystone", "GET", f"{PUBLIC}/identity/", [
        ("Host", "192.0.2.10"), ("User-Agent", ua), ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "application/json"), ("Connection", "keep-alive"),
    ])
    log.resp(c, "300 MULTIPLE CHOICES", [
        ("Content-Type", "application/json"), ("Content-Length", "268"),
        ("Location", f"{PUBLIC}/identity/v3/"), ("Vary", "X-Auth-Token"),
    ], versions_body())


def password_auth(log, frm, user, ua=SDK_UA, with_catalog=True):
    """POST /v3/auth/tokens; returns the token issued."""
    project, pname, _ = SERVICES[user]
    tok = token(f"token:{log.name}:{frm}:{user}")
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {"user": {"password": PASSWORD, "name": user, "domain": {"id": "default"}}},
            },
            "scope": {"project": {"name": pname, "domain": {"id": "default"}}},
        }
    }
    c = log.req(frm, "keystone", "POST", f"{PUBLIC}/identity/v3/auth/tokens", [
        ("Host", "192.0.2.10"), ("User-Agent", ua), ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "application/json"), ("Connection", "keep-alive"),
        ("Content-Type", "application/json"), ("Content-Length", str(len(json.dumps(body)))),
    ], body)
    log.resp(c, "201 CREATED", [
        ("Content-Type", "application/json"), ("Content-Length", "2817"),
        ("X-Subject-Token", tok), ("Vary", "X-Auth-Token"),
    ], token_body(user, with_catalog))
    return tok


def service_token(log, svc, user, discover=True):
    """A service obtaining its own token, as keystonemiddleware does."""
    ua = KSM_UA.format(svc=svc.split("-")[0])
    if discover:
        discovery(log, svc, ua)
    return password_auth(log, svc, user, ua)


def validate(log, svc, subject_user, subject, own, nocatalog=False):
    """keystonemiddleware validating a token: GET /v3/auth/tokens."""
    url = f"{PUBLIC}/identity/v3/auth/tokens" + ("?nocatalog" if nocatalog else "")
    c = log.req(svc, "keystone", "GET", url, [
        ("Host", "192.0.2.10"), ("User-Agent", "python-keystoneclient"),
        ("Accept-Encoding", "gzip, deflate"), ("Accept", "application/json"), ("Connection", "keep-alive"),
        ("X-Subject-Token", subject), ("Openstack-Identity-Access-Rules", "1"), ("X-Auth-Token", own),
    ])
    log.resp(c, "200 OK", [
        ("Content-Type", "application/json"), ("Content-Length", "1402" if nocatalog else "2817"),
        ("X-Subject-Token", subject), ("Vary", "X-Auth-Token"),
    ], token_body(subject_user, with_catalog=not nocatalog))


def client_login(log, user="admin"):
    discovery(log, "openstack")
    return password_auth(log, "openstack", user)


def image_body(label, status="active", name="cirros-fake-0.6-x86_64-disk", size=21233664):
    iid = uuid(f"image:{label}")
    return {
        "name": name,
        "disk_format": "qcow2",
        "container_format": "bare",
        "visibility": "public",
        "size": size if status == "active" else None,
        "virtual_size": 117440512 if status == "active" else None,
        "status": status,
        "checksum": hexid(f"md5:{label}") if status == "active" else None,
        "protected": False,
        "min_ram": 0,
        "min_disk": 0,
        "owner": PROJECT_ADMIN,
        "os_hidden": False,
        "os_hash_algo": "sha512" if status == "active" else None,
        "os_hash_value": hexid(f"sha512:{label}", 64) if status == "active" else None,
        "id": iid,
        "created_at": "2031-05-06T07:08:10Z",
        "updated_at": "2031-05-06T07:08:12Z",
        "tags": [],
        "self": f"/v2/images/{iid}",
        "file": f"/v2/images/{iid}/file",
        "schema": "/v2/schemas/image",
    }


QCOW2_PREVIEW = (
    "b'QFI\\xfb\\x00\\x00\\x00\\x03\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
    "\\x00\\x00\\x00\\x10\\x00\\x00\\x00\\x00\\x07\\x00\\x00\\x00'..."
)


def glance_headers(extra=()):
    return list(extra) + [("x-openstack-request-id", "req-" + uuid(f"glance-req:{extra}"))]


def swift_container_head(log, container_url, own):
    c = log.req("glance-api", "swift-proxy-server", "HEAD", container_url, [
        ("Content-Type", ""), ("Host", "192.0.2.10:8080"), ("Accept-Encoding", "identity"),
        ("X-Auth-Token", own), ("User-Agent", "python-swiftclient-4.2.0"),
    ])
    return c


def glance_html_error(code, reason, detail):
    """webob's HTML error page: note the empty lines inside the body."""
    return (
        "<html>\n <head>\n  <title>{c} {r}</title>\n </head>\n <body>\n  <h1>{c} {r}</h1>\n"
        "  {d}<br /><br />\n\n\n\n </body>\n</html>"
    ).format(c=code, r=reason, d=detail)


# ---------------------------------------------------------------------------
# The samples


def image_create():
    log = Log("image-create")
    admin = client_login(log)
    image = image_body("create", status="queued")
    iid = image["id"]
    create = {
        "container_format": "bare",
        "visibility": "public",
        "disk_format": "qcow2",
        "name": image["name"],
        "owner_specified.openstack.md5": "",
        "owner_specified.openstack.sha256": "",
        "owner_specified.openstack.object": "images/" + image["name"],
    }
    c = log.req("openstack", "glance-api", "POST", f"{GLANCE}/v2/images", [
        ("Host", "127.0.0.1:60999"), ("User-Agent", SDK_UA), ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "*/*"), ("X-Auth-Token", admin), ("Content-Type", "application/json"), "@rh",
        ("X-Forwarded-For", CLIENT_IP), ("X-Forwarded-Host", "192.0.2.10"),
        ("X-Forwarded-Server", "127.0.0.1"), ("Content-Length", "262"), ("Connection", "Keep-Alive"),
    ], create)
    glance = service_token(log, "glance-api", "glance")
    validate(log, "glance-api", "admin", admin, glance)
    log.resp(c, "201 Created", [
        ("Content-Length", "783"), ("Content-Type", "application/json"),
        ("Location", f"{GLANCE}/v2/images/{iid}"),
        ("OpenStack-image-import-methods", "glance-direct,web-download,copy-image"),
        ("x-openstack-request-id", "req-" + uuid("glance-req:create")),
    ], image)

    # Upload: an empty Accept header, a binary body, and glance -> swift.
    c = log.req("openstack", "glance-api", "PUT", f"{GLANCE}/v2/images/{iid}/file", [
        ("Host", "127.0.0.1:60999"), ("User-Agent", SDK_UA), ("Accept-Encoding", "gzip, deflate"),
        ("Accept", ""), ("Content-Type", "application/octet-stream"), ("X-Auth-Token", admin), "@rh",
        ("X-Forwarded-For", CLIENT_IP), ("X-Forwarded-Host", "192.0.2.10"),
        ("X-Forwarded-Server", "127.0.0.1"), ("Content-Length", "21233664"), ("Connection", "Keep-Alive"),
    ], QCOW2_PREVIEW)
    store = password_auth(log, "glance-api", "glance-swift", KSM_UA.format(svc="glance"))
    account = f"{SWIFT}/v1/AUTH_{PROJECT_SERVICE}"
    head = swift_container_head(log, f"{account}/glance", store)
    validate(log, "swift-proxy-server", "glance-swift", store, token("token:swift-own"), nocatalog=True)
    # The response URL carries a query the request did not have.
    log.resp(head, "204 No Content", [
        ("Content-Type", "text/plain; charset=utf-8"), ("X-Container-Object-Count", "3"),
        ("X-Container-Bytes-Used", "63700992"), ("X-Timestamp", "1935000000.12345"),
        ("Last-Modified", "Tue, 06 May 2031 07:00:00 GMT"), ("Accept-Ranges", "bytes"),
        ("X-Storage-Policy", "Policy-0"), ("Vary", "Accept"),
    ], url=f"{account}/glance?format=json&states=listing")
    put = log.req("glance-api", "swift-proxy-server", "PUT", f"{account}/glance/{iid}", [
        ("Content-Type", ""), ("Content-Length", "21233664"), ("Host", "192.0.2.10:8080"),
        ("Accept-Encoding", "identity"), ("X-Auth-Token", store), ("User-Agent", "python-swiftclient-4.2.0"),
    ], QCOW2_PREVIEW)
    log.resp(put, "201 Created", [
        ("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "0"),
        ("Etag", hexid("md5:create")), ("Last-Modified", "Tue, 06 May 2031 07:08:12 GMT"),
    ])
    log.resp(c, "204 No Content", [
        ("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "0"),
        ("x-openstack-request-id", "req-" + uuid("glance-req:upload")),
    ])
    return log, "openstack image create --file cirros.qcow2 ...: client auth, glance obtaining its own token and validating the client's, an upload with a binary body preview and an empty `Accept:` header, glance -> swift (HEAD container whose response URL gains a query, PUT object named after the image id), swift validating with `?nocatalog`."


def image_show(name="image-show"):
    log = Log(name)
    admin = client_login(log)
    image = image_body("create")
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images/{image['id']}", [
        ("Host", "127.0.0.1:60999"), ("User-Agent", SDK_UA), ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "application/json"), ("X-Auth-Token", admin), "@rh",
        ("X-Forwarded-For", CLIENT_IP), ("X-Forwarded-Host", "192.0.2.10"),
        ("X-Forwarded-Server", "127.0.0.1"), ("Connection", "Keep-Alive"),
    ])
    validate(log, "glance-api", "admin", admin, token("token:glance-cached"))
    log.resp(c, "200 OK", [
        ("Content-Length", "1013"), ("Content-Type", "application/json"),
        ("x-openstack-request-id", "req-" + uuid(f"glance-req:{name}")),
    ], image)
    return log


def image_list():
    log = Log("image-list")
    admin = client_login(log)
    # Version discovery on the bare endpoint: the response URL has no path at all.
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/", [
        ("Host", "127.0.0.1:60999"), ("User-Agent", SDK_UA), ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "application/json"), "@rh", ("X-Forwarded-For", CLIENT_IP), ("Connection", "Keep-Alive"),
    ])
    log.resp(c, "300 Multiple Choices", [("Content-Type", "application/json"), ("Content-Length", "354")], {
        "versions": [
            {"id": "v2.16", "status": "CURRENT", "links": [{"rel": "self", "href": f"{GLANCE}/v2/"}]},
            {"id": "v2.15", "status": "SUPPORTED", "links": [{"rel": "self", "href": f"{GLANCE}/v2/"}]},
        ]
    }, url=GLANCE)
    images = [image_body(f"list-{i}", name=f"fake-image-{i}") for i in range(3)]
    marker = images[1]["id"]
    pages = [
        (f"{GLANCE}/v2/images?limit=2", images[:2], f"/v2/images?limit=2&marker={marker}"),
        (f"{GLANCE}/v2/images?limit=2&marker={marker}", images[2:], None),
    ]
    for n, (url, page, nxt) in enumerate(pages):
        c = log.req("openstack", "glance-api", "GET", url, client_headers(
            token_=admin, forwarded=True))
        if n == 0:
            validate(log, "glance-api", "admin", admin, token("token:glance-cached"))
        body = {"images": page, "first": "/v2/images?limit=2", "schema": "/v2/schemas/images"}
        if nxt:
            body["next"] = nxt
        log.resp(c, "200 OK", [("Content-Type", "application/json"),
                                ("x-openstack-request-id", "req-" + uuid(f"glance-req:list{n}"))], body)
    return log, "openstack image list: glance version discovery whose response URL is `http://127.0.0.1:60999` (no path), a paginated list (the second page's request has a longer query; the api-ref tip appears once)."


def image_save():
    log = Log("image-save")
    admin = client_login(log)
    iid = uuid("image:create")
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images/{iid}/file", client_headers(
        token_=admin, accept="*/*", forwarded=True))
    validate(log, "glance-api", "admin", admin, token("token:glance-cached"))
    store = password_auth(log, "glance-api", "glance-swift", KSM_UA.format(svc="glance"))
    account = f"{SWIFT}/v1/AUTH_{PROJECT_SERVICE}"
    get = log.req("glance-api", "swift-proxy-server", "GET", f"{account}/glance/{iid}", [
        ("Host", "192.0.2.10:8080"), ("Accept-Encoding", "identity"), ("X-Auth-Token", store),
        ("User-Agent", "python-swiftclient-4.2.0"),
    ])
    validate(log, "swift-proxy-server", "glance-swift", store, token("token:swift-own"), nocatalog=True)
    log.resp(get, "200 OK", [
        ("Content-Type", "application/octet-stream"), ("Etag", hexid("md5:create")),
        ("Accept-Ranges", "bytes"), ("Content-Length", "21233664"),
    ], QCOW2_PREVIEW)
    log.resp(c, "200 OK", [
        ("Content-Type", "application/octet-stream"), ("Content-MD5", hexid("md5:create")),
        ("x-openstack-request-id", "req-" + uuid("glance-req:save")),
    ], QCOW2_PREVIEW)
    return log, "openstack image save: a binary response body (bytes preview) coming back from swift through glance."


def image_delete_no_response():
    log = Log("image-delete")
    admin = client_login(log)
    iid = uuid("image:delete")
    c = log.req("openstack", "glance-api", "DELETE", f"{GLANCE}/v2/images/{iid}", client_headers(
        token_=admin, forwarded=True))
    validate(log, "glance-api", "admin", admin, token("token:glance-cached"))
    store = password_auth(log, "glance-api", "glance-swift", KSM_UA.format(svc="glance"))
    account = f"{SWIFT}/v1/AUTH_{PROJECT_SERVICE}"
    d = log.req("glance-api", "swift-proxy-server", "DELETE", f"{account}/glance/{iid}", [
        ("Host", "192.0.2.10:8080"), ("Accept-Encoding", "identity"), ("X-Auth-Token", store),
        ("User-Agent", "python-swiftclient-4.2.0"),
    ])
    log.resp(d, "204 No Content", [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "0")])
    # The client gave up here: glance never logged the DELETE's response.
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images/{iid}", client_headers(
        token_=admin, forwarded=True))
    log.resp(c, "404 Not Found", [
        ("Content-Length", "256"), ("Content-Type", "text/html; charset=UTF-8"),
        ("x-openstack-request-id", "req-" + uuid("glance-req:deleted")),
    ], glance_html_error(404, "Not Found", f"No image found with ID {iid}"))
    return log, "openstack image delete, then show: the DELETE's response was never logged (client interrupted); the following 404 carries an HTML body with empty lines inside it."


def image_list_interrupted():
    log = Log("image-list-cut")
    admin = client_login(log)
    c = log.req("openstack", "glance-api", "GET", f"{GLANCE}/v2/images", client_headers(
        token_=admin, forwarded=True))
    # The capture stops in the middle of keystone's answer to glance.
    full = Log("unused")
    v = full.req("glance-api", "keystone", "GET", f"{PUBLIC}/identity/v3/auth/tokens", [
        ("Host", "192.0.2.10"), ("User-Agent", "python-keystoneclient"),
        ("X-Subject-Token", admin), ("X-Auth-Token", token("token:glance-cached")),
    ])
    full.resp(v, "200 OK", [("Content-Type", "application/json")], token_body("admin", with_catalog=False))
    text = full.text()
    log.raw(text[: text.index('"audit_ids"')])
    del c
    return log, "openstack image list, cut off: the file ends in the middle of a JSON body (the capture was interrupted). Renders with a `record cut off` warning."


def object_create_markdown():
    log = Log("object-create")
    admin = client_login(log)
    account = f"{SWIFT}/v1/AUTH_{PROJECT_ADMIN}"
    c = log.req("openstack", "swift-proxy-server", "PUT", f"{account}/docs", [
        ("Host", "192.0.2.10:8080"), ("User-Agent", SDK_UA), ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "*/*"), ("Connection", "keep-alive"), ("X-Auth-Token", admin), ("Content-Length", "0"),
    ])
    validate(log, "swift-proxy-server", "admin", admin, token("token:swift-own"), nocatalog=True)
    log.resp(c, "202 Accepted", [
        ("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "76"),
        ("X-Trans-Id", "tx" + hexid("tx:docs", 21) + "-0064000001"),
        ("X-Openstack-Request-Id", "tx" + hexid("tx:docs", 21) + "-0064000001"),
    ], "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>")
    readme = "\n".join([
        "# Runbook",
        "",
        "Build the docs with:",
        "",
        "```bash",
        "mkdocs build --strict",
        "```",
        "",
        "A longer fence holds a shorter one:",
        "",
        "````markdown",
        "```",
        "nested",
        "```",
        "````",
        "",
        "Include the home page:",
        "",
        '--8<-- "index.md"',
        '    --8<-- "indented.md"',
        ';--8<-- "already-escaped.md"',
        "--8<--",
        "### (openstack) this line only looks like a heading",
        "",
        "",
        "End of runbook.",
    ])
    c = log.req("openstack", "swift-proxy-server", "PUT", f"{account}/docs/README.md", [
        ("Host", "192.0.2.10:8080"), ("User-Agent", SDK_UA), ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "*/*"), ("Connection", "keep-alive"), ("X-Auth-Token", admin),
        ("Content-Type", "text/markdown"), ("Content-Length", str(len(readme.encode()))),
    ], readme)
    log.resp(c, "201 Created", [
        ("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "0"),
        ("Etag", hexid("md5:readme")), ("Last-Modified", "Tue, 06 May 2031 07:09:00 GMT"),
        ("X-Trans-Id", "tx" + hexid("tx:readme", 21) + "-0064000002"),
        ("X-Openstack-Request-Id", "tx" + hexid("tx:readme", 21) + "-0064000002"),
    ])
    return log, "openstack object create docs README.md: a text/markdown body holding ``` and ```` fences, `--8<--` snippet lines (bare, indented, already escaped), a line that looks like a head line, and empty lines; a 202 Accepted with an HTML body."


# --- compute -----------------------------------------------------------------

COMPUTE = f"{PUBLIC}/compute/v2.1"
NEUTRON = f"{PUBLIC}:9696/networking"
PLACEMENT = f"{PUBLIC}/placement"


def nova_headers(extra=()):
    # Duplicate header names on purpose: both Vary lines must survive.
    return list(extra) + [
        ("Content-Type", "application/json"),
        ("OpenStack-API-Version", "compute 2.1"),
        ("X-OpenStack-Nova-API-Version", "2.1"),
        ("Vary", "OpenStack-API-Version"),
        ("Vary", "X-OpenStack-Nova-API-Version"),
        ("x-openstack-request-id", "req-" + uuid(f"nova-req:{len(extra)}:{extra}")),
    ]


def client(log, to, method, url, tok, body=None, accept="application/json"):
    extra = [("Content-Type", "application/json")] if body is not None else []
    return log.req("openstack", to, method, url, client_headers(extra, token_=tok, accept=accept), body)


def svc_call(log, frm, to, method, url, tok, body=None):
    h = [("Host", "192.0.2.10"), ("User-Agent", KSM_UA.format(svc=frm.split("-")[0])),
         ("Accept", "application/json"), ("X-Auth-Token", tok)]
    if body is not None:
        h.append(("Content-Type", "application/json"))
    return log.req(frm, to, method, url, h, body)


def server_body(sid, status, flavor, image, net, task=None):
    return {
        "server": {
            "id": sid,
            "name": "vm-small-1",
            "status": status,
            "tenant_id": PROJECT_ADMIN,
            "user_id": USER_ADMIN,
            "metadata": {},
            "hostId": hexid("host:compute1", 56) if status == "ACTIVE" else "",
            "image": {"id": image, "links": [{"rel": "bookmark", "href": f"{PUBLIC}/compute/images/{image}"}]},
            "flavor": {"id": flavor, "links": [{"rel": "bookmark", "href": f"{PUBLIC}/compute/flavors/{flavor}"}]},
            "created": "2031-05-06T07:10:00Z",
            "updated": "2031-05-06T07:10:0%dZ" % (9 if status == "ACTIVE" else 1),
            "addresses": {"private": [{"version": 4, "addr": "192.0.2.201", "OS-EXT-IPS:type": "fixed"}]}
            if status == "ACTIVE" else {},
            "accessIPv4": "",
            "accessIPv6": "",
            "links": [{"rel": "self", "href": f"{COMPUTE}/servers/{sid}"}],
            "OS-DCF:diskConfig": "MANUAL",
            "progress": 0,
            "OS-EXT-AZ:availability_zone": "nova" if status == "ACTIVE" else "",
            "config_drive": "",
            "key_name": None,
            "OS-SRV-USG:launched_at": "2031-05-06T07:10:08.000000" if status == "ACTIVE" else None,
            "OS-SRV-USG:terminated_at": None,
            "OS-EXT-STS:task_state": task,
            "OS-EXT-STS:vm_state": "active" if status == "ACTIVE" else "building",
            "OS-EXT-STS:power_state": 1 if status == "ACTIVE" else 0,
            "os-extended-volumes:volumes_attached": [],
            "security_groups": [{"name": "default"}],
        }
    }


def server_create_small():
    log = Log("server-create")
    admin = client_login(log)
    flavor = "1"
    image = uuid("image:create")
    net = uuid("network:private")
    subnet = uuid("subnet:private")
    sid = uuid("server:vm-small-1")
    port = uuid("port:vm-small-1")
    rp = uuid("rp:compute1")
    nova_own = token("token:nova-own")
    glance_own = token("token:glance-own")
    neutron_own = token("token:neutron-own")
    placement_own = token("token:placement-own")
    compute_tok = token("token:nova-compute")

    # Version document: nova-api's first request obtains nova's own token.
    c = client(log, "nova-api", "GET", f"{COMPUTE}/", admin)
    service_token(log, "nova-api", "nova")
    validate(log, "nova-api", "admin", admin, nova_own)
    log.resp(c, "200 OK", nova_headers(), {"version": {
        "id": "v2.1", "status": "CURRENT", "version": "2.95", "min_version": "2.1",
        "updated": "2013-07-23T11:33:21Z",
        "links": [{"rel": "self", "href": f"{COMPUTE}/"}],
        "media-types": [{"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}],
    }})

    flavor_body = {"id": flavor, "name": "m1.small-fake", "ram": 512, "disk": 1, "swap": 0,
                   "OS-FLV-EXT-DATA:ephemeral": 0, "OS-FLV-DISABLED:disabled": False, "vcpus": 1,
                   "os-flavor-access:is_public": True, "rxtx_factor": 1.0,
                   "links": [{"rel": "self", "href": f"{COMPUTE}/flavors/{flavor}"}]}
    c = client(log, "nova-api", "GET", f"{COMPUTE}/flavors/m1.small-fake", admin)
    log.resp(c, "404 Not Found", nova_headers([("Content-Length", "78")]),
             {"itemNotFound": {"code": 404, "message": "Flavor m1.small-fake could not be found."}})
    c = client(log, "nova-api", "GET", f"{COMPUTE}/flavors/detail?is_public=None", admin)
    log.resp(c, "200 OK", nova_headers(), {"flavors": [flavor_body]})
    c = client(log, "nova-api", "GET", f"{COMPUTE}/flavors/{flavor}", admin)
    log.resp(c, "200 OK", nova_headers(), {"flavor": flavor_body})

    # Image lookup by name: glance obtains its token on its first request.
    c = client(log, "glance-api", "GET", f"{GLANCE}/v2/images/cirros-fake", admin)
    service_token(log, "glance-api", "glance")
    validate(log, "glance-api", "admin", admin, glance_own)
    log.resp(c, "404 Not Found", [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "198")],
             glance_html_error(404, "Not Found", "No image found with ID cirros-fake"))
    c = client(log, "glance-api", "GET", f"{GLANCE}/v2/images?name=cirros-fake", admin)
    log.resp(c, "200 OK", [("Content-Type", "application/json")],
             {"images": [image_body("create")], "first": "/v2/images?name=cirros-fake",
              "schema": "/v2/schemas/images"})

    # Network lookup by name, the same dance on neutron.
    net_body = {"id": net, "name": "private", "tenant_id": PROJECT_ADMIN, "admin_state_up": True,
                "mtu": 1442, "status": "ACTIVE", "subnets": [subnet], "shared": False,
                "project_id": PROJECT_ADMIN, "router:external": False, "is_default": False,
                "port_security_enabled": True, "availability_zones": ["nova"], "ipv4_address_scope": None,
                "description": "", "tags": [], "revision_number": 2}
    c = client(log, "neutron-server", "GET", f"{NEUTRON}/v2.0/networks/private", admin)
    service_token(log, "neutron-server", "neutron")
    validate(log, "neutron-server", "admin", admin, neutron_own)
    log.resp(c, "404 Not Found", [("Content-Type", "application/json"), ("Content-Length", "103")],
             {"NeutronError": {"type": "NetworkNotFound", "message": "Network private could not be found.",
                               "detail": ""}})
    c = client(log, "neutron-server", "GET", f"{NEUTRON}/v2.0/networks?name=private", admin)
    log.resp(c, "200 OK", [("Content-Type", "application/json")], {"networks": [net_body]})

    # The create itself.
    create = {"server": {"name": "vm-small-1", "imageRef": image, "flavorRef": flavor,
                         "min_count": 1, "max_count": 1, "networks": [{"uuid": net}]}}
    c = client(log, "nova-api", "POST", f"{COMPUTE}/servers", admin, create)
    g = svc_call(log, "nova-api", "glance-api", "GET", f"{GLANCE}/v2/images/{image}", admin)
    log.resp(g, "200 OK", [("Content-Type", "application/json")], image_body("create"))
    n = svc_call(log, "nova-api", "neutron-server", "GET", f"{NEUTRON}/v2.0/networks?id={net}", admin)
    log.resp(n, "200 OK", [("Content-Type", "application/json")], {"networks": [net_body]})
    n = svc_call(log, "nova-api", "neutron-server", "GET",
                 f"{NEUTRON}/v2.0/quotas/{PROJECT_ADMIN}/details.json", admin)
    log.resp(n, "200 OK", [("Content-Type", "application/json")],
             {"quota": {"port": {"limit": 500, "used": 3, "reserved": 0}}})
    p = svc_call(log, "nova-api", "placement-api", "GET",
                 f"{PLACEMENT}/usages?project_id={PROJECT_ADMIN}&user_id={USER_ADMIN}", nova_own)
    service_token(log, "placement-api", "placement")
    validate(log, "placement-api", "nova", nova_own, placement_own)
    log.resp(p, "200 OK", [("Content-Type", "application/json"),
                           ("openstack-api-version", "placement 1.9")],
             {"usages": {"DISK_GB": 1, "MEMORY_MB": 512, "VCPU": 1}})
    log.resp(c, "202 Accepted", nova_headers([("Location", f"{COMPUTE}/servers/{sid}")]), {
        "server": {"id": sid, "links": [{"rel": "self", "href": f"{COMPUTE}/servers/{sid}"}],
                   "OS-DCF:diskConfig": "MANUAL", "security_groups": [{"name": "default"}],
                   "adminPass": "Fake-AdminPass-123"}})

    # From here the client polls while scheduler and compute work: their
    # records interleave with the client's.
    poll = client(log, "nova-api", "GET", f"{COMPUTE}/servers/{sid}", admin)
    p = svc_call(log, "nova-scheduler", "placement-api", "GET",
                 f"{PLACEMENT}/allocation_candidates?limit=1000&resources=DISK_GB%3A1%2CMEMORY_MB%3A512%2CVCPU%3A1",
                 nova_own)
    log.resp(p, "200 OK", [("Content-Type", "application/json")], {
        "allocation_requests": [{"allocations": {rp: {"resources": {"DISK_GB": 1, "MEMORY_MB": 512, "VCPU": 1}}}}],
        "provider_summaries": {rp: {"resources": {"DISK_GB": {"capacity": 80, "used": 2},
                                                  "MEMORY_MB": {"capacity": 7961, "used": 1024},
                                                  "VCPU": {"capacity": 32, "used": 2}},
                                    "traits": ["COMPUTE_NET_ATTACH_INTERFACE"],
                                    "parent_provider_uuid": None, "root_provider_uuid": rp}}})
    log.resp(poll, "200 OK", nova_headers(), server_body(sid, "BUILD", flavor, image, net, "scheduling"))
    p = svc_call(log, "nova-scheduler", "placement-api", "PUT", f"{PLACEMENT}/allocations/{sid}", nova_own, {
        "allocations": {rp: {"resources": {"DISK_GB": 1, "MEMORY_MB": 512, "VCPU": 1}}},
        "project_id": PROJECT_ADMIN, "user_id": USER_ADMIN, "consumer_generation": None})
    log.resp(p, "204 No Content", [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "0")])

    # nova-compute: its own token, the image, the port.
    password_auth(log, "nova-compute", "nova", KSM_UA.format(svc="nova"))
    g = svc_call(log, "nova-compute", "glance-api", "GET", f"{GLANCE}/v2/images/{image}", compute_tok)
    validate(log, "glance-api", "nova", compute_tok, glance_own)
    log.resp(g, "200 OK", [("Content-Type", "application/json")], image_body("create"))
    poll = client(log, "nova-api", "GET", f"{COMPUTE}/servers/{sid}", admin)
    g = svc_call(log, "nova-compute", "glance-api", "GET", f"{GLANCE}/v2/images/{image}/file", compute_tok)
    log.resp(poll, "200 OK", nova_headers(), server_body(sid, "BUILD", flavor, image, net, "spawning"))
    log.resp(g, "200 OK", [("Content-Type", "application/octet-stream"),
                           ("Content-MD5", hexid("md5:create"))], QCOW2_PREVIEW)
    n = svc_call(log, "nova-compute", "neutron-server", "GET",
                 f"{NEUTRON}/v2.0/ports?tenant_id={PROJECT_ADMIN}&device_id={sid}", compute_tok)
    validate(log, "neutron-server", "nova", compute_tok, neutron_own)
    log.resp(n, "200 OK", [("Content-Type", "application/json")], {"ports": []})
    port_body = {"port": {"id": port, "name": "", "network_id": net, "tenant_id": PROJECT_ADMIN,
                          "mac_address": "fa:16:3e:00:00:01", "admin_state_up": True, "status": "DOWN",
                          "device_id": sid, "device_owner": "compute:nova",
                          "fixed_ips": [{"subnet_id": subnet, "ip_address": "192.0.2.201"}],
                          "binding:host_id": "", "binding:vif_type": "unbound"}}
    n = svc_call(log, "nova-compute", "neutron-server", "POST", f"{NEUTRON}/v2.0/ports", admin, {
        "port": {"device_id": sid, "network_id": net, "admin_state_up": True, "tenant_id": PROJECT_ADMIN,
                 "device_owner": "compute:nova"}})
    log.resp(n, "201 Created", [("Content-Type", "application/json")], port_body)
    bound = json.loads(json.dumps(port_body))
    bound["port"].update({"binding:host_id": "compute1", "binding:vif_type": "ovs"})
    n = svc_call(log, "nova-compute", "neutron-server", "PUT", f"{NEUTRON}/v2.0/ports/{port}", compute_tok, {
        "port": {"binding:host_id": "compute1", "device_owner": "compute:nova"}})
    log.resp(n, "200 OK", [("Content-Type", "application/json")], bound)
    for what in ("networks", "subnets", "floatingips", "security-groups"):
        q = {"networks": f"id={net}", "subnets": f"id={subnet}", "floatingips": f"fixed_ip_address=192.0.2.201&port_id={port}",
             "security-groups": f"id={uuid('sg:default')}"}[what]
        n = svc_call(log, "nova-compute", "neutron-server", "GET", f"{NEUTRON}/v2.0/{what}?{q}", compute_tok)
        log.resp(n, "200 OK", [("Content-Type", "application/json")], {what.replace("-", "_"): []
                                                                         if what == "floatingips" else [{"id": q.split("=")[1]}]})

    # neutron tells nova the VIF is plugged; nova-api validates neutron's token.
    poll = client(log, "nova-api", "GET", f"{COMPUTE}/servers/{sid}", admin)
    e = svc_call(log, "neutron-server", "nova-api", "POST", f"{COMPUTE}/os-server-external-events", neutron_own, {
        "events": [{"server_uuid": sid, "name": "network-vif-plugged", "status": "completed", "tag": port}]})
    validate(log, "nova-api", "neutron", neutron_own, nova_own)
    log.resp(poll, "200 OK", nova_headers(), server_body(sid, "BUILD", flavor, image, net, "spawning"))
    log.resp(e, "200 OK", nova_headers(), {
        "events": [{"server_uuid": sid, "name": "network-vif-plugged", "status": "completed", "tag": port, "code": 200}]})
    p = svc_call(log, "nova-compute", "placement-api", "GET", f"{PLACEMENT}/resource_providers/{rp}/allocations",
                 compute_tok)
    validate(log, "placement-api", "nova", compute_tok, placement_own)
    log.resp(p, "200 OK", [("Content-Type", "application/json")], {
        "allocations": {sid: {"resources": {"DISK_GB": 1, "MEMORY_MB": 512, "VCPU": 1}}},
        "resource_provider_generation": 7})

    for state in ("ACTIVE",):
        poll = client(log, "nova-api", "GET", f"{COMPUTE}/servers/{sid}", admin)
        log.resp(poll, "200 OK", nova_headers(), server_body(sid, state, flavor, image, net))
    # openstackclient shows flavor and image names.
    c = client(log, "nova-api", "GET", f"{COMPUTE}/flavors/{flavor}", admin)
    log.resp(c, "200 OK", nova_headers(), {"flavor": flavor_body})
    c = client(log, "glance-api", "GET", f"{GLANCE}/v2/images/{image}", admin)
    log.resp(c, "200 OK", [("Content-Type", "application/json")], image_body("create"))
    return log, "openstack server create --wait: over a hundred records across keystone, nova-api, glance-api, neutron-server and placement-api; scheduler and compute calls interleave with the client's polling; nova responses carry two `Vary` headers (duplicate names kept); neutron calls back into nova-api."


def server_create_concurrent():
    """A ~100-call `openstack server create --wait`: the API call returns
    early, then nova-scheduler, nova-compute and neutron-server work over
    RPC (no open incoming HTTP request) while the client polls."""
    log = Log("server-create-concurrent")
    admin = client_login(log)
    flavor = "2"
    image = uuid("image:big")
    net = uuid("network:private")
    subnet = uuid("subnet:private")
    sid = uuid("server:vm-big-1")
    port = uuid("port:vm-big-1")
    rp = uuid("rp:compute1")
    sg = uuid("sg:default")
    nova_own = token("token:nova-own")
    glance_own = token("token:glance-own")
    neutron_own = token("token:neutron-own")
    placement_own = token("token:placement-own")
    compute_tok = token("token:nova-compute")
    create_req = "req-" + uuid("global:server-create")

    def rid(call_id):
        return ("X-OpenStack-Request-ID", call_id)

    def bg(frm, to, method, url, tok, body=None, gid=create_req):
        """A call a service makes over RPC, tagged with the global request id."""
        h = [("Host", "192.0.2.10"), ("User-Agent", KSM_UA.format(svc=frm.split("-")[0])),
             ("Accept", "application/json"), ("X-Auth-Token", tok), rid(gid)]
        if body is not None:
            h.append(("Content-Type", "application/json"))
        return log.req(frm, to, method, url, h, body)

    def ok(call, body=None, status="200 OK", gid=None):
        h = [("Content-Type", "application/json")]
        if gid:
            h.append(("x-openstack-request-id", gid))
        log.resp(call, status, h, body)

    # Discovery of compute: nova-api obtains its own token.
    c = client(log, "nova-api", "GET", f"{COMPUTE}/", admin)
    service_token(log, "nova-api", "nova")
    validate(log, "nova-api", "admin", admin, nova_own)
    ok(c, {"version": {"id": "v2.1", "status": "CURRENT", "version": "2.95", "min_version": "2.1"}})

    flavor_body = {"id": flavor, "name": "m1.big-fake", "ram": 2048, "disk": 20, "vcpus": 2,
                   "links": [{"rel": "self", "href": f"{COMPUTE}/flavors/{flavor}"}]}
    c = client(log, "nova-api", "GET", f"{COMPUTE}/flavors/m1.big-fake", admin)
    log.resp(c, "404 Not Found", nova_headers([("Content-Length", "76")]),
             {"itemNotFound": {"code": 404, "message": "Flavor m1.big-fake could not be found."}})
    c = client(log, "nova-api", "GET", f"{COMPUTE}/flavors/detail?is_public=None", admin)
    log.resp(c, "200 OK", nova_headers(), {"flavors": [flavor_body]})
    c = client(log, "nova-api", "GET", f"{COMPUTE}/flavors/{flavor}", admin)
    log.resp(c, "200 OK", nova_headers(), {"flavor": flavor_body})

    # Image by name: glance fetches its token, then validates the client's
    # token, and logs the client's request line only after that validation.
    service_token(log, "glance-api", "glance")
    validate(log, "glance-api", "admin", admin, glance_own)
    c = client(log, "glance-api", "GET", f"{GLANCE}/v2/images/cirros-big", admin)
    log.resp(c, "404 Not Found", [("Content-Type", "text/html; charset=UTF-8"), ("Content-Length", "194")],
             glance_html_error(404, "Not Found", "No image found with ID cirros-big"))
    c = client(log, "glance-api", "GET", f"{GLANCE}/v2/images?name=cirros-big", admin)
    ok(c, {"images": [image_body("big", name="cirros-big")], "schema": "/v2/schemas/images"})

    # Network by name.
    net_body = {"id": net, "name": "private", "tenant_id": PROJECT_ADMIN, "status": "ACTIVE",
                "subnets": [subnet], "mtu": 1442}
    c = client(log, "neutron-server", "GET", f"{NEUTRON}/v2.0/networks/private", admin)
    service_token(log, "neutron-server", "neutron")
    validate(log, "neutron-server", "admin", admin, neutron_own)
    log.resp(c, "404 Not Found", [("Content-Type", "application/json")],
             {"NeutronError": {"type": "NetworkNotFound", "message": "Network private could not be found."}})
    c = client(log, "neutron-server", "GET", f"{NEUTRON}/v2.0/networks?name=private", admin)
    ok(c, {"networks": [net_body]})

    # The create: nova-api checks image, network, quotas and usages.
    create = {"server": {"name": "vm-big-1", "imageRef": image, "flavorRef": flavor,
                         "min_count": 1, "max_count": 1, "networks": [{"uuid": net}]}}
    c = client(log, "nova-api", "POST", f"{COMPUTE}/servers", admin, create)
    g = bg("nova-api", "glance-api", "GET", f"{GLANCE}/v2/images/{image}", admin)
    ok(g, image_body("big", name="cirros-big"))
    n = bg("nova-api", "neutron-server", "GET", f"{NEUTRON}/v2.0/networks?id={net}", admin)
    ok(n, {"networks": [net_body]})
    n = bg("nova-api", "neutron-server", "GET", f"{NEUTRON}/v2.0/quotas/{PROJECT_ADMIN}/details.json", admin)
    ok(n, {"quota": {"port": {"limit": 500, "used": 3, "reserved": 0}}})
    n = bg("nova-api", "neutron-server", "GET", f"{NEUTRON}/v2.0/ports?tenant_id={PROJECT_ADMIN}&fields=id", admin)
    ok(n, {"ports": [{"id": uuid(f"port:other-{k}")} for k in range(3)]})
    p = bg("nova-api", "placement-api", "GET",
           f"{PLACEMENT}/usages?project_id={PROJECT_ADMIN}&user_id={USER_ADMIN}", nova_own)
    service_token(log, "placement-api", "placement")
    validate(log, "placement-api", "nova", nova_own, placement_own)
    ok(p, {"usages": {"DISK_GB": 20, "MEMORY_MB": 2048, "VCPU": 2}})
    log.resp(c, "202 Accepted", nova_headers([("Location", f"{COMPUTE}/servers/{sid}"),
                                              ("x-openstack-request-id", create_req)]),
             {"server": {"id": sid, "links": [{"rel": "self", "href": f"{COMPUTE}/servers/{sid}"}],
                         "adminPass": "Fake-AdminPass-456"}})

    polls = [0]

    def poll(state, task):
        polls[0] += 1
        q = client(log, "nova-api", "GET", f"{COMPUTE}/servers/{sid}", admin)
        return q, (state, task)

    def answer(q):
        call, (state, task) = q
        log.resp(call, "200 OK", nova_headers([("x-openstack-request-id", "req-" + uuid(f"poll:{polls[0]}:{state}:{task}"))]),
                 server_body(sid, state, flavor, image, net, task))

    # nova-scheduler: allocation candidates (a long, percent-encoded query), claims.
    q = poll("BUILD", "scheduling")
    p = bg("nova-scheduler", "placement-api", "GET",
           f"{PLACEMENT}/allocation_candidates?limit=1000&resources=DISK_GB%3A20%2CMEMORY_MB%3A2048%2CVCPU%3A2"
           f"&required=%21COMPUTE_STATUS_DISABLED%2CCOMPUTE_IMAGE_TYPE_QCOW2&member_of=in%3A{uuid('agg:az1')}"
           f"&root_required=%21HW_ARCH_AARCH64",
           nova_own)
    validate(log, "placement-api", "nova", nova_own, placement_own)
    ok(p, {"allocation_requests": [{"allocations": {rp: {"resources": {"DISK_GB": 20, "MEMORY_MB": 2048, "VCPU": 2}}}}],
           "provider_summaries": {rp: {"resources": {"VCPU": {"capacity": 32, "used": 4}}}}})
    answer(q)
    p = bg("nova-scheduler", "placement-api", "PUT", f"{PLACEMENT}/allocations/{sid}", nova_own, {
        "allocations": {rp: {"resources": {"DISK_GB": 20, "MEMORY_MB": 2048, "VCPU": 2}}},
        "project_id": PROJECT_ADMIN, "user_id": USER_ADMIN, "consumer_generation": None})
    log.resp(p, "204 No Content", [("Content-Length", "0")])
    p = bg("nova-scheduler", "placement-api", "GET", f"{PLACEMENT}/allocations/{sid}", nova_own)
    ok(p, {"allocations": {rp: {"resources": {"VCPU": 2}}}, "consumer_generation": 1})

    # nova-compute: its own token, then image, ports, placement.
    discovery(log, "nova-compute", KSM_UA.format(svc="nova"))
    password_auth(log, "nova-compute", "nova", KSM_UA.format(svc="nova"))
    q = poll("BUILD", "networking")
    g = bg("nova-compute", "glance-api", "GET", f"{GLANCE}/v2/images/{image}", compute_tok)
    validate(log, "glance-api", "nova", compute_tok, glance_own)
    ok(g, image_body("big", name="cirros-big"))
    answer(q)
    for path in (f"resource_providers/{rp}", f"resource_providers/{rp}/inventories",
                 f"resource_providers/{rp}/traits", f"resource_providers/{rp}/aggregates",
                 f"resource_providers?in_tree={rp}", f"resource_providers/{rp}/allocations"):
        p = bg("nova-compute", "placement-api", "GET", f"{PLACEMENT}/{path}", compute_tok)
        if path.endswith("}") or path == f"resource_providers/{rp}":
            validate(log, "placement-api", "nova", compute_tok, placement_own)
        ok(p, {"resource_provider_generation": 9})
    n = bg("nova-compute", "neutron-server", "GET",
           f"{NEUTRON}/v2.0/ports?tenant_id={PROJECT_ADMIN}&device_id={sid}", compute_tok)
    validate(log, "neutron-server", "nova", compute_tok, neutron_own)
    ok(n, {"ports": []})
    n = bg("nova-compute", "neutron-server", "GET", f"{NEUTRON}/v2.0/networks?id={net}", compute_tok)
    ok(n, {"networks": [net_body]})
    n = bg("nova-compute", "neutron-server", "GET", f"{NEUTRON}/v2.0/extensions", compute_tok)
    ok(n, {"extensions": [{"alias": a} for a in ("binding", "port-security", "dns-integration")]})
    port_body = {"port": {"id": port, "network_id": net, "tenant_id": PROJECT_ADMIN, "status": "DOWN",
                          "mac_address": "fa:16:3e:00:00:02", "device_id": sid, "device_owner": "compute:nova",
                          "fixed_ips": [{"subnet_id": subnet, "ip_address": "192.0.2.202"}],
                          "binding:host_id": "", "binding:vif_type": "unbound"}}
    q = poll("BUILD", "networking")
    n = bg("nova-compute", "neutron-server", "POST", f"{NEUTRON}/v2.0/ports", admin, {
        "port": {"device_id": sid, "network_id": net, "admin_state_up": True, "tenant_id": PROJECT_ADMIN,
                 "device_owner": "compute:nova"}})
    answer(q)
    ok(n, port_body, "201 Created")
    # Port binding; while neutron serves it, its own notifier (started by
    # the agent over RPC) tells nova-api about the port: an unrelated call.
    bound = json.loads(json.dumps(port_body))
    bound["port"].update({"binding:host_id": "compute1", "binding:vif_type": "ovs", "status": "ACTIVE"})
    n = bg("nova-compute", "neutron-server", "PUT", f"{NEUTRON}/v2.0/ports/{port}", compute_tok, {
        "port": {"binding:host_id": "compute1", "device_owner": "compute:nova"}})
    e = bg("neutron-server", "nova-api", "POST", f"{COMPUTE}/os-server-external-events", neutron_own, {
        "events": [{"server_uuid": sid, "name": "network-changed", "tag": port}]},
        gid="req-" + uuid("neutron:notifier:1"))
    validate(log, "nova-api", "neutron", neutron_own, nova_own)
    ok(e, {"events": [{"server_uuid": sid, "name": "network-changed", "tag": port, "code": 200}]})
    ok(n, bound)
    for what, query in (("subnets", f"id={subnet}"), ("floatingips", f"fixed_ip_address=192.0.2.202&port_id={port}"),
                        ("security-groups", f"id={sg}"), ("ports", f"network_id={net}&device_owner=network%3Adhcp"),
                        ("qos/policies", f"id={uuid('qos:none')}")):
        n = bg("nova-compute", "neutron-server", "GET", f"{NEUTRON}/v2.0/{what}?{query}", compute_tok)
        ok(n, {what.split("/")[-1].replace("-", "_"): []})
    q = poll("BUILD", "block_device_mapping")
    g = bg("nova-compute", "glance-api", "GET", f"{GLANCE}/v2/images/{image}/file", compute_tok)
    answer(q)
    log.resp(g, "200 OK", [("Content-Type", "application/octet-stream"), ("Content-MD5", hexid("md5:big"))],
             QCOW2_PREVIEW)
    # The VIF is plugged: neutron notifies nova-api again, over RPC.
    q = poll("BUILD", "spawning")
    e = bg("neutron-server", "nova-api", "POST", f"{COMPUTE}/os-server-external-events", neutron_own, {
        "events": [{"server_uuid": sid, "name": "network-vif-plugged", "status": "completed", "tag": port}]},
        gid="req-" + uuid("neutron:notifier:2"))
    validate(log, "nova-api", "neutron", neutron_own, nova_own)
    answer(q)
    ok(e, {"events": [{"server_uuid": sid, "name": "network-vif-plugged", "code": 200}]})
    for k in range(10):
        q = poll("BUILD", "spawning")
        n = bg("nova-compute", "neutron-server", "GET", f"{NEUTRON}/v2.0/ports/{port}", compute_tok)
        ok(n, bound)
        p = bg("nova-compute", "placement-api", "GET", f"{PLACEMENT}/resource_providers/{rp}/allocations", compute_tok)
        answer(q)
        ok(p, {"allocations": {sid: {"resources": {"VCPU": 2}}}, "resource_provider_generation": 10 + k})
    p = bg("nova-compute", "placement-api", "PUT", f"{PLACEMENT}/resource_providers/{rp}/inventories", compute_tok,
           {"inventories": {"VCPU": {"total": 32}}, "resource_provider_generation": 20})
    ok(p, {"resource_provider_generation": 21})
    q = poll("ACTIVE", None)
    answer(q)
    # openstackclient shows flavor and image names.
    c = client(log, "nova-api", "GET", f"{COMPUTE}/flavors/{flavor}", admin)
    log.resp(c, "200 OK", nova_headers(), {"flavor": flavor_body})
    c = client(log, "glance-api", "GET", f"{GLANCE}/v2/images/{image}", admin)
    ok(c, image_body("big", name="cirros-big"))
    return log, ("openstack server create --wait, about a hundred calls: after POST /servers returns, "
                 "nova-scheduler, nova-compute and neutron-server work over RPC with no open incoming "
                 "HTTP request while the client polls; nova-compute fetches its own token; glance-api "
                 "validates a token before logging the request it belongs to; neutron's notifier calls "
                 "nova-api while neutron serves an unrelated port binding; placement's "
                 "allocation_candidates query is long and percent-encoded.")


def server_list_concurrent():
    """nova-api serving two clients at once: their records interleave."""
    log = Log("server-list-concurrent")
    nova_own = token("token:nova-own")
    ta = token("token:client-a")
    tb = token("token:client-b")
    # Two terminals log in at the same time; keystone answers B first.
    a1 = log.req("openstack", "keystone", "POST", f"{PUBLIC}/identity/v3/auth/tokens",
                 client_headers([("Content-Type", "application/json")]),
                 {"auth": {"identity": {"methods": ["token"], "token": {"id": token("token:old-a")}}}})
    b1 = log.req("openstack", "keystone", "POST", f"{PUBLIC}/identity/v3/auth/tokens",
                 client_headers([("Content-Type", "application/json")]),
                 {"auth": {"identity": {"methods": ["token"], "token": {"id": token("token:old-b")}}}})
    log.resp(b1, "201 CREATED", [("Content-Type", "application/json"), ("X-Subject-Token", tb)],
             token_body("demo", with_catalog=False))
    log.resp(a1, "201 CREATED", [("Content-Type", "application/json"), ("X-Subject-Token", ta)],
             token_body("admin", with_catalog=False))
    a = client(log, "nova-api", "GET", f"{COMPUTE}/servers/detail", ta)
    b = client(log, "nova-api", "GET", f"{COMPUTE}/servers/detail?status=ACTIVE", tb)
    va = log.req("nova-api", "keystone", "GET", f"{PUBLIC}/identity/v3/auth/tokens", [
        ("Host", "192.0.2.10"), ("User-Agent", "python-keystoneclient"), ("X-Subject-Token", ta), ("X-Auth-Token", nova_own)])
    vb = log.req("nova-api", "keystone", "GET", f"{PUBLIC}/identity/v3/auth/tokens", [
        ("Host", "192.0.2.10"), ("User-Agent", "python-keystoneclient"), ("X-Subject-Token", tb), ("X-Auth-Token", nova_own)])
    log.resp(vb, "200 OK", [("Content-Type", "application/json"), ("X-Subject-Token", tb)],
             token_body("demo", with_catalog=False))
    log.resp(va, "200 OK", [("Content-Type", "application/json"), ("X-Subject-Token", ta)],
             token_body("admin", with_catalog=False))
    sid = uuid("server:vm-small-1")
    na = svc_call(log, "nova-api", "neutron-server", "GET", f"{NEUTRON}/v2.0/ports?device_id={sid}", ta)
    log.resp(b, "200 OK", nova_headers(), {"servers": []})
    log.resp(na, "200 OK", [("Content-Type", "application/json")], {"ports": [{"id": uuid("port:vm-small-1")}]})
    body = server_body(sid, "ACTIVE", "1", uuid("image:create"), uuid("network:private"))
    log.resp(a, "200 OK", nova_headers(), {"servers": [body["server"]]})
    return log, "Two `openstack server list` runs at once against the same nova-api: records of the two calls interleave, keystone answers them out of order, and the two requests to nova-api share caller, callee and path; only X-Requestshook-Request-Id tells them apart."


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "samples")
    samples = {
        "openstack/image/create": image_create(),
        "openstack/image/show": (image_show(), "openstack image show: client auth, one GET that glance validates with keystone."),
        "openstack/image/show-crlf": (image_show(), "The same capture as ../show with CRLF line ends (a file edited on Windows). It must render exactly like ../show."),
        "openstack/image/list": image_list(),
        "broken/openstack/image/list-interrupted": image_list_interrupted(),
        "openstack/image/save": image_save(),
        "broken/openstack/image/delete-no-response": image_delete_no_response(),
        "openstack/object/create-markdown": object_create_markdown(),
        "openstack/compute/server-create-small": server_create_small(),
        "openstack/compute/server-list-concurrent": server_list_concurrent(),
        "openstack/compute/server-create-concurrent": server_create_concurrent(),
    }
    for rel, (log, about) in samples.items():
        folder = out / rel
        folder.mkdir(parents=True, exist_ok=True)
        text = log.text()
        if rel.endswith("-crlf"):
            text = text.replace("\n", "\r\n")
        (folder / "requestshook.log").write_bytes(text.encode("utf-8"))
        (folder / "README.md").write_text(
            f"# {rel}\n\nSynthetic capture written by `scripts/gen-samples.py` (fake values only).\n\n{about}\n",
            encoding="utf-8",
        )
        records = sum(1 for l in text.splitlines() if l.startswith("### (") and (") REQ >>> (" in l or ") RESP <<< (" in l))
        print(f"{folder}/requestshook.log: {records} records, {len(text)} bytes")


if __name__ == "__main__":
    main()
