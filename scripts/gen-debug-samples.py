#!/usr/bin/env python3
"""Write the synthetic `openstack --debug` captures under samples/debug/.

Usage: scripts/gen-debug-samples.py [OUT_DIR]      (default: samples/debug)

Each sample is what `openstack --debug <command>` prints on a devstack-like
cloud: the client's own log lines (options, plugin loading, urllib3's
connection lines, cliff's clean-up) with keystoneauth's records among them:
`REQ: curl ...`, `RESP: [code] Name: value ...` (headers sorted by name, as
keystoneauth prints them), `RESP BODY: ...`, `... used request id ...`, the
password request logged only as `Making authentication request to URL`
followed by the bare token document, and tokens masked as `{SHA256}<hex>`.

Every value is fake and derived from a label, so running the script twice
writes the same bytes: addresses are TEST-NET (192.0.2.0/24), ids are hashes
of labels, the token only looks like a fernet token (only its SHA-256 is
printed, as keystoneauth does) and the password is never printed.

Each sample is a folder `OUT_DIR/<service>/<command>/` holding
`openstack-debug.log` and a README.md; tests/it/formats.rs renders them.
"""
import hashlib
import json
import sys
from pathlib import Path

HOST = "192.0.2.20"
BASE = f"http://{HOST}"
UA = "openstacksdk/1.0.1 keystoneauth1/5.1.2 python-requests/2.28.1 CPython/3.10.12"
DATE = "Fri, 27 Nov 2026 10:{m:02d}:{s:02d} GMT"
APACHE = "Apache/2.4.52 (Ubuntu)"


def hexid(label, n=32):
    return hashlib.sha256(("tracedoc-debug:" + label).encode()).hexdigest()[:n]


def uuid(label):
    h = hexid(label)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


def req_id(label):
    return "req-" + uuid("req:" + label)


def token(label):
    raw = hashlib.sha256(("tok:" + label).encode()).hexdigest()
    return "gAAAAABn" + (raw * 4)[:170]


def masked(value):
    return "{SHA256}" + hashlib.sha256(value.encode()).hexdigest()


def dumps(doc):
    # keystoneauth prints bodies as the service sent them: compact JSON
    # with `, ` and `: ` (Python's json.dumps defaults).
    return json.dumps(doc)


PROJECT = hexid("project:admin")
USER = hexid("user:admin")

CATALOG = [
    ("identity", "keystone", f"{BASE}/identity"),
    ("image", "glance", f"{BASE}/image"),
    ("compute", "nova", f"{BASE}/compute/v2.1"),
    ("network", "neutron", f"{BASE}:9696/networking"),
    ("placement", "placement", f"{BASE}/placement"),
]


def catalog():
    out = []
    for kind, name, url in CATALOG:
        out.append(
            {
                "endpoints": [
                    {
                        "id": hexid(f"endpoint:{name}:{iface}"),
                        "interface": iface,
                        "region_id": "RegionOne",
                        "url": url,
                        "region": "RegionOne",
                    }
                    for iface in ("public", "internal", "admin")
                ],
                "id": hexid(f"service:{name}"),
                "type": kind,
                "name": name,
            }
        )
    return out


class Log:
    def __init__(self, command):
        self.lines = []
        self.clock = 0
        self.token = token(command)
        self.connected = set()
        self.lines += [
            f"START with options: {command} --debug",
            "options: Namespace(access_key='', access_secret='***', access_token='***', "
            "auth_type='', auth_url='', cacert=None, cert='', client_id='', client_secret='***', "
            "cloud='devstack-admin', debug=True, default_domain='default', deferred_help=False, "
            "insecure=None, interface='public', key='', log_file=None, password='***', "
            "project_name='', region_name='', timing=False, token='***', username='', verbose_level=3)",
            "Auth plugin password selected",
            "auth_config_hook(): {'api_timeout': None, 'verify': True, 'cacert': None, 'cert': None, "
            "'key': None, 'baremetal_status_code_retries': '5', 'interface': 'public', "
            "'auth_type': 'password', 'region_name': 'RegionOne', 'auth': {'auth_url': "
            f"'{BASE}/identity', 'project_name': 'admin', 'username': 'admin', 'password': '***', "
            "'user_domain_id': 'default', 'project_domain_id': 'default'}, 'debug': True}",
            "Using auth plugin: password",
            f"Using parameters {{'auth_url': '{BASE}/identity', 'project_name': 'admin', "
            "'username': 'admin', 'password': '***', 'user_domain_id': 'default', "
            "'project_domain_id': 'default'}",
            "Get auth_ref",
        ]

    def date(self):
        self.clock += 1
        return DATE.format(m=self.clock // 60, s=self.clock % 60)

    def connect(self, url):
        origin = url.split("/")[2]
        host, _, port = origin.partition(":")
        port = port or "80"
        if (host, port) not in self.connected:
            self.connected.add((host, port))
            self.lines.append(f"Starting new HTTP connection (1): {host}:{port}")
        return f"http://{host}:{port}"

    def call(
        self,
        method,
        url,
        status,
        body=None,
        service=None,
        headers=(),
        req_body=None,
        content_type="application/json",
        resp_headers=(),
        text=None,
        auth=True,
    ):
        h = [("Accept", "application/json"), ("User-Agent", UA)]
        if req_body is not None:
            h.append(("Content-Type", "application/json"))
        if auth:
            h.append(("X-Auth-Token", masked(self.token)))
        h += list(headers)
        # keystoneauth quotes a URL when it adds the query parameters itself
        # (openstacksdk passes them that way).
        parts = ["REQ: curl -g -i", "-X", method, f'"{url}"' if "?" in url else url]
        parts += [f'-H "{n}: {v}"' for n, v in sorted(h)]
        if req_body is not None:
            parts.append(f"-d '{dumps(req_body)}'")
        self.lines.append(" ".join(parts))
        origin = self.connect(url)
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
        if text is None:
            text = dumps(body) if body is not None else ""
        length = len(text.encode())
        self.lines.append(f'{origin} "{method} {path} HTTP/1.1" {status} {length}')
        rid = req_id(f"{method} {url} {len(self.lines)}")
        rh = {
            "Connection": "Keep-Alive",
            "Content-Length": str(length),
            "Content-Type": content_type,
            "Date": self.date(),
            "Keep-Alive": "timeout=5, max=100",
            "Server": APACHE,
        }
        if service is not None:
            rh["x-openstack-request-id"] = rid
        for n, v in resp_headers:
            rh[n] = v
        self.lines.append(
            "RESP: [%s] %s" % (status, " ".join(f"{n}: {v}" for n, v in sorted(rh.items())))
        )
        if content_type.startswith("application/json"):
            self.lines.append(f"RESP BODY: {text}")
        elif content_type.startswith("text/plain"):
            self.lines.append(f"RESP BODY: {text}")
        else:
            self.lines.append(
                f"RESP BODY: Omitted, Content-Type is set to {content_type}. "
                "Only application/json responses have their bodies logged."
            )
        if service is not None:
            self.lines.append(f"{method} call to {service} for {url} used request id {rid}")

    def authenticate(self):
        self.call(
            "GET",
            f"{BASE}/identity",
            300,
            {
                "versions": {
                    "values": [
                        {
                            "id": "v3.14",
                            "status": "stable",
                            "updated": "2020-04-07T00:00:00Z",
                            "links": [{"rel": "self", "href": f"{BASE}/identity/v3/"}],
                            "media-types": [
                                {
                                    "base": "application/json",
                                    "type": "application/vnd.openstack.identity-v3+json",
                                }
                            ],
                        }
                    ]
                }
            },
            resp_headers=[("Location", f"{BASE}/identity/v3/"), ("Vary", "X-Auth-Token")],
            auth=False,
        )
        url = f"{BASE}/identity/v3/auth/tokens"
        self.lines.append(f"Making authentication request to {url}")
        doc = {
            "token": {
                "methods": ["password"],
                "user": {
                    "domain": {"id": "default", "name": "Default"},
                    "id": USER,
                    "name": "admin",
                    "password_expires_at": None,
                },
                "audit_ids": [hexid("audit", 22)],
                "expires_at": "2026-11-27T11:00:00.000000Z",
                "issued_at": "2026-11-27T10:00:00.000000Z",
                "project": {
                    "domain": {"id": "default", "name": "Default"},
                    "id": PROJECT,
                    "name": "admin",
                },
                "is_domain": False,
                "roles": [
                    {"id": hexid("role:admin"), "name": "admin"},
                    {"id": hexid("role:member"), "name": "member"},
                    {"id": hexid("role:reader"), "name": "reader"},
                ],
                "catalog": catalog(),
            }
        }
        text = dumps(doc)
        self.lines.append(
            f'http://{HOST}:80 "POST /identity/v3/auth/tokens HTTP/1.1" 201 {len(text)}'
        )
        self.lines.append(text)

    def end(self, code=0):
        self.lines.append(f"clean_up {'Command' if code == 0 else 'Failure'}: ")
        self.lines.append(f"END return value: {code}")
        return "\n".join(self.lines) + "\n"


def image(label, name, n):
    i = uuid("image:" + label)
    return {
        "name": name,
        "disk_format": "qcow2",
        "container_format": "bare",
        "visibility": "public",
        "size": 21233664 + n,
        "virtual_size": 117440512,
        "status": "active",
        "checksum": hexid("md5:" + label),
        "protected": False,
        "min_ram": 0,
        "min_disk": 0,
        "owner": PROJECT,
        "os_hidden": False,
        "os_hash_algo": "sha512",
        "os_hash_value": hexid("sha512:" + label, 64) * 2,
        "id": i,
        "created_at": f"2026-11-2{n}T09:00:00Z",
        "updated_at": f"2026-11-2{n}T09:00:05Z",
        "tags": [],
        "self": f"/v2/images/{i}",
        "file": f"/v2/images/{i}/file",
        "schema": "/v2/schemas/image",
    }


def image_versions(log):
    log.call(
        "GET",
        f"{BASE}/image",
        300,
        {
            "versions": [
                {
                    "id": "v2.16",
                    "status": "CURRENT",
                    "links": [{"rel": "self", "href": f"{BASE}/image/v2/"}],
                }
            ]
        },
        auth=False,
    )


def image_list():
    log = Log("image list --limit 2")
    log.authenticate()
    log.lines.append("Instantiating image client: <class 'openstack.image.v2._proxy.Proxy'>")
    image_versions(log)
    images = [image(f"l{k}", f"cirros-0.6.{k}-x86_64", k) for k in range(1, 6)]
    url = f"{BASE}/image/v2/images?limit=2"
    for page in range(3):
        chunk = images[page * 2 : page * 2 + 2]
        doc = {"images": chunk, "first": "/v2/images?limit=2", "schema": "/v2/schemas/images"}
        if page < 2:
            doc["next"] = f"/v2/images?limit=2&marker={chunk[-1]['id']}"
        log.call("GET", url, 200, doc, service="image")
        if "next" in doc:
            url = f"{BASE}/image{doc['next']}"
    log.lines.append("Listing images with limit 2 got 5 rows")
    return log.end(), (
        "`openstack image list --limit 2`: five images in three pages, each page's "
        "`next` link followed; identity and image version discovery first."
    )


def server_create():
    log = Log("server create --image cirros-0.6.2-x86_64 --flavor m1.tiny --network private vm1")
    log.authenticate()
    log.lines.append("Instantiating compute client for API Version Major: 2, Minor: 2.1")
    log.call(
        "GET",
        f"{BASE}/compute/v2.1",
        200,
        {
            "version": {
                "id": "v2.1",
                "status": "CURRENT",
                "version": "2.96",
                "min_version": "2.1",
                "updated": "2013-07-23T11:33:21Z",
                "links": [{"rel": "self", "href": f"{BASE}/compute/v2.1/"}],
            }
        },
        service="compute",
    )
    img = image("c1", "cirros-0.6.2-x86_64", 2)
    image_versions(log)
    log.call(
        "GET",
        f"{BASE}/image/v2/images/cirros-0.6.2-x86_64",
        404,
        content_type="text/plain; charset=UTF-8",
        text="404 Not Found\n\nNo image found with ID cirros-0.6.2-x86_64\n\n   ",
        service="image",
    )
    log.call(
        "GET",
        f"{BASE}/image/v2/images?name=cirros-0.6.2-x86_64",
        200,
        {"images": [img], "first": "/v2/images?name=cirros-0.6.2-x86_64", "schema": "/v2/schemas/images"},
        service="image",
    )
    flavor = {
        "id": "1",
        "name": "m1.tiny",
        "ram": 512,
        "disk": 1,
        "swap": 0,
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "OS-FLV-DISABLED:disabled": False,
        "vcpus": 1,
        "os-flavor-access:is_public": True,
        "rxtx_factor": 1.0,
        "links": [{"rel": "self", "href": f"{BASE}/compute/v2.1/flavors/1"}],
    }
    log.call(
        "GET",
        f"{BASE}/compute/v2.1/flavors/m1.tiny",
        404,
        {"itemNotFound": {"code": 404, "message": "Flavor m1.tiny could not be found."}},
        service="compute",
    )
    log.call(
        "GET",
        f"{BASE}/compute/v2.1/flavors/detail?is_public=None",
        200,
        {"flavors": [flavor]},
        service="compute",
    )
    net = uuid("network:private")
    log.lines.append("Instantiating network client: <class 'openstack.network.v2._proxy.Proxy'>")
    log.call(
        "GET",
        f"{BASE}:9696/networking/v2.0/networks/private",
        404,
        {"NeutronError": {"type": "NetworkNotFound", "message": "Network private could not be found.", "detail": ""}},
        service="network",
    )
    log.call(
        "GET",
        f"{BASE}:9696/networking/v2.0/networks?name=private",
        200,
        {
            "networks": [
                {
                    "id": net,
                    "name": "private",
                    "tenant_id": PROJECT,
                    "admin_state_up": True,
                    "mtu": 1442,
                    "status": "ACTIVE",
                    "subnets": [uuid("subnet:private")],
                    "shared": False,
                    "project_id": PROJECT,
                    "router:external": False,
                }
            ]
        },
        service="network",
    )
    server = uuid("server:vm1")
    log.call(
        "POST",
        f"{BASE}/compute/v2.1/servers",
        202,
        {
            "server": {
                "id": server,
                "links": [
                    {"rel": "self", "href": f"{BASE}/compute/v2.1/servers/{server}"},
                    {"rel": "bookmark", "href": f"{BASE}/compute/servers/{server}"},
                ],
                "OS-DCF:diskConfig": "MANUAL",
                "security_groups": [{"name": "default"}],
                "adminPass": "Vq3xTnE8fake",
            }
        },
        service="compute",
        req_body={
            "server": {
                "name": "vm1",
                "imageRef": img["id"],
                "flavorRef": "1",
                "min_count": 1,
                "max_count": 1,
                "networks": [{"uuid": net}],
            }
        },
        headers=[("X-OpenStack-Nova-API-Version", "2.96")],
        resp_headers=[("Location", f"{BASE}/compute/v2.1/servers/{server}")],
    )
    log.call(
        "GET",
        f"{BASE}/compute/v2.1/servers/{server}",
        200,
        {
            "server": {
                "id": server,
                "name": "vm1",
                "status": "BUILD",
                "tenant_id": PROJECT,
                "user_id": USER,
                "metadata": {},
                "hostId": "",
                "image": {"id": img["id"]},
                "flavor": {"vcpus": 1, "ram": 512, "disk": 1, "ephemeral": 0, "swap": 0, "original_name": "m1.tiny", "extra_specs": {}},
                "created": "2026-11-27T10:00:09Z",
                "updated": "2026-11-27T10:00:09Z",
                "addresses": {},
                "OS-EXT-STS:task_state": "scheduling",
                "OS-EXT-STS:vm_state": "building",
                "OS-EXT-STS:power_state": 0,
            }
        },
        service="compute",
        headers=[("X-OpenStack-Nova-API-Version", "2.96")],
    )
    return log.end(), (
        "`openstack server create`: the image, flavor and network looked up by "
        "name (a 404 for each name tried as an id: text/plain from glance, JSON "
        "from nova and neutron), then `POST /servers` (202, with `adminPass` in "
        "the response) and `GET` of the new server."
    )


def network_delete_conflict():
    log = Log("network delete private")
    log.authenticate()
    log.lines.append("Instantiating network client: <class 'openstack.network.v2._proxy.Proxy'>")
    net = uuid("network:private")
    log.call(
        "GET",
        f"{BASE}:9696/networking/v2.0/networks/private",
        404,
        {"NeutronError": {"type": "NetworkNotFound", "message": "Network private could not be found.", "detail": ""}},
        service="network",
    )
    log.call(
        "GET",
        f"{BASE}:9696/networking/v2.0/networks?name=private",
        200,
        {"networks": [{"id": net, "name": "private", "status": "ACTIVE", "project_id": PROJECT}]},
        service="network",
    )
    log.call(
        "DELETE",
        f"{BASE}:9696/networking/v2.0/networks/{net}",
        409,
        {
            "NeutronError": {
                "type": "NetworkInUse",
                "message": f"Unable to complete operation on network {net}. There are one or more ports still in use on the network.",
                "detail": "",
            }
        },
        service="network",
    )
    log.lines += [
        f"Failed to delete network with name or ID 'private': ConflictException: 409: Client Error for url: {BASE}:9696/networking/v2.0/networks/{net}, Unable to complete operation on network {net}. There are one or more ports still in use on the network.",
        "1 of 1 networks failed to delete.",
        "Traceback (most recent call last):",
        '  File "/usr/lib/python3/dist-packages/cliff/app.py", line 414, in run_subcommand',
        "    result = cmd.run(parsed_args)",
        "osc_lib.exceptions.CommandError: 1 of 1 networks failed to delete.",
    ]
    return log.end(1), (
        "`openstack network delete private`: the name looked up (404 as an id), "
        "then `DELETE` refused with 409 `NetworkInUse`; the client's traceback follows."
    )


def image_save():
    log = Log("image save --file cirros.img cirros-0.6.1-x86_64")
    log.authenticate()
    image_versions(log)
    img = image("s1", "cirros-0.6.1-x86_64", 1)
    log.call(
        "GET",
        f"{BASE}/image/v2/images/cirros-0.6.1-x86_64",
        404,
        content_type="text/html; charset=UTF-8",
        text="<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID cirros-0.6.1-x86_64<br /><br />\n\n\n\n </body>\n</html>",
        service="image",
    )
    log.call(
        "GET",
        f"{BASE}/image/v2/images?name=cirros-0.6.1-x86_64",
        200,
        {"images": [img], "first": "/v2/images?name=cirros-0.6.1-x86_64", "schema": "/v2/schemas/images"},
        service="image",
    )
    log.call(
        "GET",
        f"{BASE}/image/v2/images/{img['id']}/file",
        200,
        content_type="application/octet-stream",
        text="x" * img["size"],
        service="image",
        resp_headers=[("Content-MD5", img["checksum"])],
    )
    return log.end(), (
        "`openstack image save`: the image found by name (glance's HTML 404 "
        "for the name tried as an id), then its data downloaded; keystoneauth "
        "prints `Omitted, Content-Type is set to ...` instead of both bodies."
    )


SAMPLES = {
    "image/list-paged": image_list,
    "compute/server-create": server_create,
    "network/delete-conflict": network_delete_conflict,
    "image/save": image_save,
}


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "samples/debug")
    for name, make in SAMPLES.items():
        text, about = make()
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        (d / "openstack-debug.log").write_text(text)
        (d / "README.md").write_text(
            f"# {name} (`openstack --debug` output)\n\n{about}\n\n"
            "Written by `scripts/gen-debug-samples.py`; every value is fake.\n"
        )


if __name__ == "__main__":
    main()
