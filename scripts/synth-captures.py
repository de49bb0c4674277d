#!/usr/bin/env python3
"""Lay out COUNT small capture folders for `tracedoc build`, from real captures.

Usage: synth-captures.py COUNT OUT SOURCE...

Every SOURCE folder is searched for capture files (`requestshook.log`, or the
one `*.log` of a folder); they are used in turn, sorted by path, until COUNT
captures are laid out as

    OUT/<parent>/<name>-<NNNN>/requestshook.log

where <parent>/<name> are the last two folders of the source (for example
`image/create-0017`). Each copy gets fresh ids: every
X-Requestshook-Request-Id and every `req-<uuid>` request id is replaced,
consistently within the copy, so no two captures are the same bytes.
Bytes are otherwise kept as they are (CRLF files stay CRLF, cut-off
records stay cut off). Deterministic: same arguments and sources, same
tree. OUT must not exist; the tree is made in OUT.part and renamed.
Standard library only.
"""
import os
import random
import re
import shutil
import sys

RID = re.compile(rb"(X-Requestshook-Request-Id: )([0-9a-f]{32})", re.I)
REQ = re.compile(rb"req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def capture_files(root):
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        logs = sorted(f for f in filenames if f.endswith(".log"))
        if "requestshook.log" in logs:
            found.append(os.path.join(dirpath, "requestshook.log"))
        elif len(logs) == 1:
            found.append(os.path.join(dirpath, logs[0]))
    return found


def main():
    if len(sys.argv) < 4 or sys.argv[1] in ("-h", "--help"):
        sys.exit(__doc__.strip())
    count, out, roots = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    if os.path.exists(out):
        sys.exit(f"synth-captures: {out} exists")
    sources = sorted({os.path.realpath(p) for r in roots for p in capture_files(r)})
    if not sources:
        sys.exit("synth-captures: no capture found under " + " ".join(roots))
    texts = []
    for path in sources:
        with open(path, "rb") as f:
            texts.append(f.read())
    names = [os.path.join(*os.path.dirname(p).split(os.sep)[-2:]) for p in sources]
    rng = random.Random(1000)
    part = out + ".part"
    shutil.rmtree(part, ignore_errors=True)
    for n in range(count):
        k = n % len(sources)
        ids = {}

        def fresh_rid(m):
            old = m.group(2).lower()
            if old not in ids:
                ids[old] = b"%032x" % rng.getrandbits(128)
            return m.group(1) + ids[old]

        def fresh_req(m):
            old = m.group(0).lower()
            if old not in ids:
                h = b"%032x" % rng.getrandbits(128)
                ids[old] = b"req-%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
            return ids[old]

        text = REQ.sub(fresh_req, RID.sub(fresh_rid, texts[k]))
        folder = os.path.join(part, f"{names[k]}-{n:04d}")
        os.makedirs(folder)
        with open(os.path.join(folder, "requestshook.log"), "wb") as f:
            f.write(text)
    os.rename(part, out)
    print(f"synth-captures: {count} captures from {len(sources)} sources -> {out}")


main()
