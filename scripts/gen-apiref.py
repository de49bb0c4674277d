#!/usr/bin/env python3
"""Regenerate data/openstack-apiref.json from the shared api-ref catalog.

Usage: scripts/gen-apiref.py [SHARED_DIR] [OUT]

Rules that the shared catalog gets wrong are corrected from
data/apiref-corrections.tsv (service_type, method, path, title, match): the
row with that service, method, path and title takes that match rule. The
one correction today: the shared rule calls `POST /servers` "Create
Multiple Servers" whenever min_count or max_count is present, but
python-openstackclient always sends both as 1 for one server; only a count
above 1 (or return_reservation_id) makes a multiple create.
  SHARED_DIR  default ../shared (the folder that holds apiref/ and spec/)
  OUT         default data/openstack-apiref.json

The catalog (apiref/openstack-apiref.tsv) lists each OpenStack REST operation
with its official anchor URL and, for operations that share a method and path,
the rule that picks it from the request. Where the reference output
(spec/seed-body.md) links an operation with another URL form, that URL wins:
the generator reads the seed's tips and replaces the URL of the row with the
same title and anchor. The output is sorted as the catalog is (row order
matters: the earlier row wins a tie) and written deterministically.
"""
import json
import re
import sys
from pathlib import Path

COLUMNS = ["service_type", "method", "path", "title", "url", "match"]


def read_catalog(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != COLUMNS:
            sys.exit(f"{path}:1: unexpected columns {header}, expected {COLUMNS}")
        for n, line in enumerate(f, start=2):
            line = line.rstrip("\n")
            if not line:
                continue
            cells = line.split("\t")
            if len(cells) != len(COLUMNS):
                sys.exit(f"{path}:{n}: expected {len(COLUMNS)} columns, found {len(cells)}")
            rows.append(dict(zip(COLUMNS, cells)))
    return rows


def apply_corrections(rows, path):
    """Replaces the match rule of the rows data/apiref-corrections.tsv names."""
    if not path.exists():
        return 0
    n = 0
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        want = ["service_type", "method", "path", "title", "match"]
        if header != want:
            sys.exit(f"{path}:1: unexpected columns {header}, expected {want}")
        for line_no, line in enumerate(f, start=2):
            line = line.rstrip("\n")
            if not line:
                continue
            service, method, p, title, match = line.split("\t")
            hits = [r for r in rows if (r["service_type"], r["method"], r["path"], r["title"]) == (service, method, p, title)]
            if len(hits) != 1:
                sys.exit(f"{path}:{line_no}: names {len(hits)} catalog rows, expected 1")
            hits[0]["match"] = match
            n += 1
    return n


def seed_links(path):
    """[(title, url)] of every API tip in the seed output."""
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    return re.findall(r'^!!! tip "[^"]*"\n    \[([^\]]+)\]\(([^)]+)\)$', text, re.M)


def main():
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared")
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("data/openstack-apiref.json")
    rows = read_catalog(shared / "apiref" / "openstack-apiref.tsv")
    corrected = apply_corrections(rows, Path(__file__).resolve().parent.parent / "data" / "apiref-corrections.tsv")
    overrides = 0
    for title, url in seed_links(shared / "spec" / "seed-body.md"):
        anchor = url.rsplit("#", 1)[-1]
        hits = [r for r in rows if r["title"] == title and r["url"].rsplit("#", 1)[-1] == anchor]
        if not hits:
            sys.exit(f"seed links [{title}]({url}), which the catalog does not have")
        if hits[0]["url"] != url:
            hits[0]["url"] = url
            overrides += 1
    data = [
        {
            "service": r["service_type"],
            "method": r["method"],
            "path": r["path"],
            "title": r["title"],
            "url": r["url"],
            "match": r["match"],
        }
        for r in rows
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        f.write("[\n")
        f.write(",\n".join(json.dumps(d, ensure_ascii=False, sort_keys=False) for d in data))
        f.write("\n]\n")
    print(f"{out}: {len(data)} operations, {overrides} URL(s) taken from the seed, {corrected} rule(s) corrected", file=sys.stderr)


if __name__ == "__main__":
    main()
