#!/usr/bin/env python3
"""Make a requestshook.log of a few hundred records with huge bodies.

Usage: synth-huge-bodies.py MEGABYTES OUT [BODIES]

The log opens with a keystone authentication (so there is a token to
correlate and redact), then holds BODIES exchanges (default 300) whose
request or response body is large, each about MEGABYTES / BODIES MiB:

- glance image lists and nova server lists (pretty JSON, 2-space indent,
  the way requestshook writes JSON bodies);
- swift object uploads and downloads of service logs (text/plain lines).

Every exchange carries a fresh X-Requestshook-Request-Id, an X-Auth-Token
and an x-openstack-request-id. Deterministic: same arguments, same bytes.
The file is written to OUT.part and renamed to OUT when complete.
Standard library only.
"""
import os
import random
import sys

HOST = "182.161.114.101"
GLANCE = "http://127.0.0.1:60999"
NOVA = f"http://{HOST}/compute/v2.1"
KEYSTONE = f"http://{HOST}/identity"
CLIENT_UA = ("openstacksdk/0.101.0 keystoneauth1/5.0.0 python-requests/2.28.1 "
             "CPython/3.8.10")


class Ids:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def hex(self, bits=128):
        return "%0*x" % (bits // 4, self.rng.getrandbits(bits))

    def uuid(self):
        h = self.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def token(self):
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return "gAAAAAB" + "".join(self.rng.choice(alphabet) for _ in range(176))

    def pick(self, seq):
        return self.rng.choice(seq)

    def int(self, lo, hi):
        return self.rng.randint(lo, hi)


def record(frm, kind, to, rest, headers, body):
    """One requestshook record: head line, headers, empty line, body, two empty lines."""
    head = f"### ({frm}) {kind} ({to}) : {rest}\n"
    return head + "".join(f"{k}: {v}\n" for k, v in headers) + "\n" + body + "\n\n\n"


IMAGE = """\
    {
      "owner_specified.openstack.md5": "%(md5)s",
      "owner_specified.openstack.sha256": "%(sha)s",
      "owner_specified.openstack.object": "images/%(name)s",
      "hw_rng_model": "virtio",
      "name": "%(name)s",
      "disk_format": "%(fmt)s",
      "container_format": "bare",
      "visibility": "%(vis)s",
      "size": %(size)d,
      "virtual_size": %(vsize)d,
      "status": "active",
      "checksum": "%(md5)s",
      "protected": false,
      "min_ram": 0,
      "min_disk": %(mindisk)d,
      "owner": "%(owner)s",
      "os_hidden": false,
      "os_hash_algo": "sha512",
      "os_hash_value": "%(sha)s%(sha)s",
      "id": "%(id)s",
      "created_at": "2023-01-%(day)02dT%(hh)02d:%(mm)02d:%(ss)02dZ",
      "updated_at": "2023-01-%(day)02dT%(hh)02d:%(mm)02d:%(ss2)02dZ",
      "locations": [
        {
          "url": "swift+config://ref1/glance/%(id)s",
          "metadata": {}
        }
      ],
      "tags": [
        "%(tag)s"
      ],
      "self": "/v2/images/%(id)s",
      "file": "/v2/images/%(id)s/file",
      "schema": "/v2/schemas/image"
    }"""

SERVER = """\
    {
      "id": "%(id)s",
      "name": "%(name)s",
      "status": "%(status)s",
      "tenant_id": "%(owner)s",
      "user_id": "%(user)s",
      "metadata": {},
      "hostId": "%(host)s",
      "image": {
        "id": "%(image)s",
        "links": [
          {
            "rel": "bookmark",
            "href": "%(nova)s/images/%(image)s"
          }
        ]
      },
      "flavor": {
        "vcpus": %(vcpus)d,
        "ram": %(ram)d,
        "disk": %(disk)d,
        "ephemeral": 0,
        "swap": 0,
        "original_name": "m1.%(flavor)s",
        "extra_specs": {
          "hw_rng:allowed": "True"
        }
      },
      "created": "2023-01-%(day)02dT%(hh)02d:%(mm)02d:%(ss)02dZ",
      "updated": "2023-01-%(day)02dT%(hh)02d:%(mm)02d:%(ss2)02dZ",
      "addresses": {
        "private": [
          {
            "version": 4,
            "addr": "10.0.%(net)d.%(host4)d",
            "OS-EXT-IPS:type": "fixed",
            "OS-EXT-IPS-MAC:mac_addr": "fa:16:3e:%(mac)s"
          }
        ]
      },
      "accessIPv4": "",
      "accessIPv6": "",
      "links": [
        {
          "rel": "self",
          "href": "%(nova)s/servers/%(id)s"
        }
      ],
      "OS-DCF:diskConfig": "MANUAL",
      "progress": 0,
      "OS-EXT-AZ:availability_zone": "nova",
      "config_drive": "",
      "key_name": "%(key)s",
      "OS-SRV-USG:launched_at": "2023-01-%(day)02dT%(hh)02d:%(mm)02d:%(ss2)02d.000000",
      "OS-SRV-USG:terminated_at": null,
      "security_groups": [
        {
          "name": "default"
        }
      ],
      "OS-EXT-STS:task_state": null,
      "OS-EXT-STS:vm_state": "%(vm)s",
      "OS-EXT-STS:power_state": %(power)d,
      "os-extended-volumes:volumes_attached": [],
      "locked": false,
      "description": null,
      "tags": [],
      "trusted_image_certificates": null,
      "server_groups": []
    }"""

WORDS = ("cirros ubuntu jammy focal debian bookworm centos stream fedora rocky "
         "alma build ci web db cache worker batch edge test prod").split()
LOGGERS = ("glance.api.v2.images nova.compute.manager nova.scheduler.manager "
           "keystone.server.flask.request_processing swift.proxy.server "
           "oslo_messaging._drivers.amqpdriver neutron.agent.dhcp.agent").split()
MESSAGES = (
    "Successfully synced instances from host '%(host)s'.",
    "[instance: %(id)s] Took %(n)d.%(m)02d seconds to spawn the instance on the hypervisor.",
    "GET /v2/images/%(id)s HTTP/1.1\" status: 200  len: %(len)d time: 0.%(m)04d",
    "Lock \"compute_resources\" acquired by \"%(logger)s\" :: waited 0.%(m)03ds",
    "received {\"method\": \"build_and_run_instance\", \"args\": {\"instance_uuid\": \"%(id)s\"}}",
    "Image %(id)s is in use by %(n)d instances; not deleting",
    "Authenticating user token with keystone at %(keystone)s/v3/auth/tokens",
    "Claim successful on node %(host)s: vcpus %(n)d, memory %(len)d MB",
)


def image_list(ids, size, owner):
    items = []
    n = 0
    total = 0
    while total < size:
        md5 = ids.hex()
        item = IMAGE % {
            "md5": md5,
            "sha": ids.hex(256),
            "name": f"{ids.pick(WORDS)}-{ids.pick(WORDS)}-{n:05d}",
            "fmt": ids.pick(("qcow2", "raw", "vmdk")),
            "vis": ids.pick(("public", "private", "shared", "community")),
            "size": ids.int(10 << 20, 8 << 30),
            "vsize": ids.int(1 << 30, 80 << 30),
            "mindisk": ids.int(0, 40),
            "owner": owner,
            "id": ids.uuid(),
            "day": ids.int(1, 28),
            "hh": ids.int(0, 23),
            "mm": ids.int(0, 59),
            "ss": ids.int(0, 29),
            "ss2": ids.int(30, 59),
            "tag": ids.pick(WORDS),
        }
        items.append(item)
        total += len(item) + 2
        n += 1
    return ('{\n  "images": [\n' + ",\n".join(items) +
            f'\n  ],\n  "first": "/v2/images?limit={n}",\n'
            '  "schema": "/v2/schemas/images"\n}'), n


def server_list(ids, size, owner, user):
    items = []
    n = 0
    total = 0
    while total < size:
        item = SERVER % {
            "id": ids.uuid(),
            "name": f"{ids.pick(WORDS)}-{n:05d}",
            "status": ids.pick(("ACTIVE", "ACTIVE", "ACTIVE", "SHUTOFF", "ERROR")),
            "owner": owner,
            "user": user,
            "host": ids.hex(224),
            "image": ids.uuid(),
            "nova": NOVA,
            "vcpus": ids.pick((1, 2, 4, 8)),
            "ram": ids.pick((512, 2048, 4096, 8192)),
            "disk": ids.pick((1, 20, 40, 80)),
            "flavor": ids.pick(("tiny", "small", "medium", "large")),
            "day": ids.int(1, 28),
            "hh": ids.int(0, 23),
            "mm": ids.int(0, 59),
            "ss": ids.int(0, 29),
            "ss2": ids.int(30, 59),
            "net": ids.int(0, 255),
            "host4": ids.int(2, 254),
            "mac": "%02x:%02x:%02x" % (ids.int(0, 255), ids.int(0, 255), ids.int(0, 255)),
            "key": ids.pick(WORDS) + "-key",
            "vm": ids.pick(("active", "stopped", "error")),
            "power": ids.pick((1, 4, 0)),
        }
        items.append(item)
        total += len(item) + 2
        n += 1
    return '{\n  "servers": [\n' + ",\n".join(items) + "\n  ]\n}", n


def service_log(ids, size):
    lines = []
    total = 0
    while total < size:
        fields = {
            "host": f"compute-{ids.int(1, 64):02d}",
            "id": ids.uuid(),
            "n": ids.int(1, 99),
            "m": ids.int(0, 9999),
            "len": ids.int(100, 99999),
            "logger": ids.pick(LOGGERS),
            "keystone": KEYSTONE,
        }
        line = "2023-01-%02d %02d:%02d:%02d.%03d %d %s %s [req-%s %s %s - default default] %s" % (
            ids.int(1, 28), ids.int(0, 23), ids.int(0, 59), ids.int(0, 59),
            ids.int(0, 999), ids.int(1000, 65000),
            ids.pick(("INFO", "INFO", "INFO", "DEBUG", "WARNING", "ERROR")),
            fields["logger"], ids.uuid(), ids.hex(), ids.hex(),
            ids.pick(MESSAGES) % fields)
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines)


def main():
    if len(sys.argv) not in (3, 4) or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__.strip())
    mb, out = int(sys.argv[1]), sys.argv[2]
    bodies = int(sys.argv[3]) if len(sys.argv) == 4 else 300
    if mb <= 0 or bodies <= 0:
        sys.exit("synth-huge-bodies: MEGABYTES and BODIES must be positive")
    target = mb << 20
    per_body = max(4096, target // bodies)
    ids = Ids(8)
    project, user = ids.hex(), ids.hex()
    token = ids.token()
    part = out + ".part"
    written = 0
    with open(part, "w", encoding="utf-8", newline="\n") as f:

        def put(text):
            nonlocal written
            f.write(text)
            written += len(text.encode("utf-8")) if not text.isascii() else len(text)

        rid = ids.hex()
        auth = ('{\n  "auth": {\n    "identity": {\n      "methods": [\n        "password"\n'
                '      ],\n      "password": {\n        "user": {\n          "password": "%s",\n'
                '          "name": "admin",\n          "domain": {\n            "id": "default"\n'
                '          }\n        }\n      }\n    },\n    "scope": {\n      "project": {\n'
                '        "id": "%s"\n      }\n    }\n  }\n}') % (ids.hex(64), project)
        put(record("openstack", "REQ >>>", "keystone", f"POST {KEYSTONE}/v3/auth/tokens", [
            ("Host", HOST), ("User-Agent", CLIENT_UA), ("Accept", "application/json"),
            ("Content-Type", "application/json"), ("Content-Length", str(len(auth))),
            ("X-Requestshook-Request-Id", rid), ("X-Requestshook-Request-From", "openstack"),
        ], auth))
        issued = ('{\n  "token": {\n    "methods": [\n      "password"\n    ],\n    "user": {\n'
                  '      "domain": {\n        "id": "default",\n        "name": "Default"\n      },\n'
                  '      "id": "%s",\n      "name": "admin"\n    },\n    "project": {\n'
                  '      "id": "%s",\n      "name": "admin"\n    },\n'
                  '    "expires_at": "2023-01-02T09:29:30.000000Z"\n  }\n}') % (user, project)
        put(record("openstack", "RESP <<<", "keystone",
                   f"201 CREATED POST {KEYSTONE}/v3/auth/tokens", [
                       ("Content-Type", "application/json"),
                       ("Content-Length", str(len(issued))), ("X-Subject-Token", token),
                       ("Vary", "X-Auth-Token"), ("X-Requestshook-Request-Id", rid),
                       ("X-Requestshook-Request-From", "openstack"),
                   ], issued))

        k = 0
        while written < target:
            rid = ids.hex()
            req_id = "req-" + ids.uuid()
            size = min(per_body, max(4096, target - written))
            kind = k % 4
            k += 1
            common = [("Host", HOST), ("User-Agent", CLIENT_UA), ("X-Auth-Token", token)]
            pair = [("X-Requestshook-Request-Id", rid),
                    ("X-Requestshook-Request-From", "openstack")]
            if kind in (0, 1):
                if kind == 0:
                    body, n = image_list(ids, size, project)
                    to, url = "glance-api", f"{GLANCE}/v2/images?limit={n}"
                else:
                    body, n = server_list(ids, size, project, user)
                    to, url = "nova-api", f"{NOVA}/servers/detail?limit={n}"
                put(record("openstack", "REQ >>>", to, f"GET {url}",
                           common + [("Accept", "application/json")] + pair, "none"))
                put(record("openstack", "RESP <<<", to, f"200 OK GET {url}", [
                    ("Content-Type", "application/json"),
                    ("Content-Length", str(len(body))),
                    ("x-openstack-request-id", req_id),
                ] + pair, body))
            else:
                name = f"logs/{ids.pick(WORDS)}-{k:05d}.log"
                url = f"http://{HOST}:8080/v1/AUTH_{project}/{name}"
                body = service_log(ids, size)
                etag = ids.hex()
                if kind == 2:
                    put(record("openstack", "REQ >>>", "swift-proxy-server", f"PUT {url}",
                               common + [("Content-Type", "text/plain"),
                                         ("Content-Length", str(len(body)))] + pair, body))
                    put(record("openstack", "RESP <<<", "swift-proxy-server",
                               f"201 Created PUT {url}", [
                                   ("Content-Type", "text/html; charset=UTF-8"),
                                   ("Content-Length", "0"), ("Etag", etag),
                                   ("X-Trans-Id", "tx" + ids.hex(84)),
                                   ("X-Openstack-Request-Id", "tx" + ids.hex(84)),
                               ] + pair, "none"))
                else:
                    put(record("openstack", "REQ >>>", "swift-proxy-server", f"GET {url}",
                               common + pair, "none"))
                    put(record("openstack", "RESP <<<", "swift-proxy-server",
                               f"200 OK GET {url}", [
                                   ("Content-Type", "text/plain"),
                                   ("Content-Length", str(len(body))), ("Etag", etag),
                                   ("X-Trans-Id", "tx" + ids.hex(84)),
                                   ("X-Openstack-Request-Id", "tx" + ids.hex(84)),
                               ] + pair, body))
    os.replace(part, out)


main()
