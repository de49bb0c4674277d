#!/usr/bin/env python3
"""Write the pairs of captures under samples/diff/ that `tracedoc diff` is tested on.

Usage: scripts/gen-diff-samples.py [OUT_DIR]      (default: samples/diff)

Each pair is a folder `OUT_DIR/<kind>/` holding `old.capture`,
`new.capture` and a README.md saying what differs. They are two runs of
`openstack image show`, built with the helpers of scripts/gen-samples.py
(fake values only). The files are not named `*.log`, so `tracedoc build
samples` and the sample snapshots leave them alone; tests/it/diff.rs
compares them (and checks they match this script).
"""
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("gen_samples", HERE / "gen-samples.py")
g = importlib.util.module_from_spec(spec)
spec.loader.exec_module(g)


def show(run, *, image="show", validations=1, status="200 OK", request_extra=(),
         content_type="application/json", body=None, auth_to="keystone"):
    """`openstack image show`, one run: the client logs in, GETs the image,
    glance validates the client's token with keystone `validations` times."""
    log = g.Log(f"diff:{run}")
    g.discovery(log, "openstack")
    admin = g.password_auth(log, "openstack", "admin")
    image_body = g.image_body(f"{run}:{image}")
    image_body["created_at"] = image_body["updated_at"] = {
        "run1": "2031-05-06T07:08:10Z", "run2": "2032-01-02T03:04:05Z"}.get(run, "2031-05-06T07:08:10Z")
    if body is not None:
        image_body = body(image_body)
    c = log.req("openstack", "glance-api", "GET", f"{g.GLANCE}/v2/images/{image_body.get('id', g.uuid(run))}", [
        ("Host", "127.0.0.1:60999"), ("User-Agent", g.SDK_UA), ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "application/json"), ("X-Auth-Token", admin), *request_extra, "@rh",
        ("X-Forwarded-For", g.CLIENT_IP), ("Connection", "Keep-Alive"),
    ])
    for k in range(validations):
        g.validate(log, "glance-api", "admin", admin, g.token(f"token:{run}:glance-cached:{k}"))
    log.resp(c, status, [
        ("Content-Type", content_type),
        ("x-openstack-request-id", "req-" + g.uuid(f"{run}:glance-req")),
    ], image_body)
    text = log.text()
    if auth_to != "keystone":
        # The client's token request answered by another process.
        text = text.replace("(openstack) REQ >>> (keystone) : POST", f"(openstack) REQ >>> ({auth_to}) : POST")
        text = text.replace("(openstack) RESP <<< (keystone) : 201", f"(openstack) RESP <<< ({auth_to}) : 201")
    return text


def not_found(body):
    return {"itemNotFound": {"code": 404, "message": f"No image found with ID {body['id']}"}}


def reshaped(body):
    body = dict(body)
    del body["virtual_size"]
    body["stores"] = "swift"
    body["protected"] = "false"
    return body


PAIRS = {
    "ids-only": (
        show("run1"), show("run2"),
        "Two runs of the same command: every id, token, request id and date differs. Must come out equivalent (exit 0).",
    ),
    "added-call": (
        show("run1"), show("run2", validations=2),
        "NEW has an extra token validation (glance-api -> keystone).",
    ),
    "removed-call": (
        show("run1"), show("run2", validations=0),
        "NEW has no token validation (glance had the token cached).",
    ),
    "moved-call": (
        show("run1"), show("run2", auth_to="keystone-wsgi-public"),
        "The client's token request moved from `keystone` to `keystone-wsgi-public`.",
    ),
    "status-change": (
        show("run1"), show("run2", status="404 Not Found", body=not_found),
        "The image GET answers 404 (and an error body) instead of 200.",
    ),
    "header-change": (
        show("run1"),
        show("run2", request_extra=[("OpenStack-API-Version", "image 2.16"), ("X-Client-Trace", "on")],
             content_type="application/json; charset=UTF-8"),
        "NEW sends a microversion header and another header, and the response's content type changed.",
    ),
    "body-shape-change": (
        show("run1"), show("run2", body=reshaped),
        "The image body lost `virtual_size`, gained `stores`, and `protected` is a string instead of a boolean.",
    ),
}


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "samples/diff")
    for kind, (old, new, about) in PAIRS.items():
        folder = out / kind
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "old.capture").write_bytes(old.encode("utf-8"))
        (folder / "new.capture").write_bytes(new.encode("utf-8"))
        (folder / "README.md").write_text(
            f"# diff/{kind}\n\nTwo synthetic captures written by `scripts/gen-diff-samples.py` (fake values only).\n\n{about}\n",
            encoding="utf-8",
        )
        print(f"{folder}: {len(old)} + {len(new)} bytes")


if __name__ == "__main__":
    main()
