#!/usr/bin/env python3
"""Regenerate data/openstackclient-commands.json: openstack CLI command -> reference page.

Usage: scripts/gen-osc-commands.py OSC_GIT_DIR [REF] [RELEASE] [OUT]
  OSC_GIT_DIR  a clone of https://opendev.org/openstack/python-openstackclient
               (a bare one is fine: the files are read with `git show`)
  REF          default zed-eom (the release the hand-made pages link to)
  RELEASE      the docs.openstack.org series in the URLs, default zed
  OUT          default data/openstackclient-commands.json

The command reference pages (doc/source/cli/command-objects/*.rst) document
commands with `.. autoprogram-cliff:: <entry point group>` directives whose
`:command:` option is a glob over the commands of that group (`image *`,
`server add *`, `server migrate*`). The commands of a group are the entry
points in setup.cfg (`image_add_project = ...` is `image add project`).
Each command gets the page that documents it and the anchor Sphinx makes of
its name: `image add project` -> `command-objects/image-v2.html#image-add-project`.
Where two pages document one command (image v1 and v2), the newer API
version wins. The output is sorted and written deterministically.
"""
import fnmatch
import json
import re
import subprocess
import sys
from pathlib import Path


def show(git_dir, ref, path):
    return subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{ref}:{path}"],
        check=True, capture_output=True, text=True,
    ).stdout


def ls(git_dir, ref, path):
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "ls-tree", "--name-only", f"{ref}:{path}"],
        check=True, capture_output=True, text=True,
    ).stdout
    return sorted(out.split())


def entry_points(setup_cfg):
    """{group: [command, ...]} from setup.cfg's [entry_points]."""
    groups, group, section = {}, None, None
    for line in setup_cfg.splitlines():
        if line.startswith("["):
            section = line.strip()
            group = None
            continue
        if section != "[entry_points]" or not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            group = line.split("=")[0].strip()
            groups.setdefault(group, [])
        elif group:
            name = line.split("=")[0].strip()
            groups[group].append(name.replace("_", " "))
    return groups


def version(group):
    m = re.search(r"\.v(\d+)$", group)
    return int(m.group(1)) if m else 0


DIRECTIVE = re.compile(r"^\.\. autoprogram-cliff:: (\S+)\s*\n((?:[ \t]+:\w+:.*\n)*)", re.M)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    git_dir = sys.argv[1]
    ref = sys.argv[2] if len(sys.argv) > 2 else "zed-eom"
    release = sys.argv[3] if len(sys.argv) > 3 else "zed"
    out = Path(sys.argv[4] if len(sys.argv) > 4 else "data/openstackclient-commands.json")
    groups = entry_points(show(git_dir, ref, "setup.cfg"))
    pages = "doc/source/cli/command-objects"
    best = {}  # command -> (version, page)
    for name in ls(git_dir, ref, pages):
        if not name.endswith(".rst"):
            continue
        text = show(git_dir, ref, f"{pages}/{name}")
        page = "command-objects/" + name[: -len(".rst")] + ".html"
        for m in DIRECTIVE.finditer(text):
            group = m.group(1)
            opts = dict(re.findall(r":(\w+):[ \t]*(.*)", m.group(2)))
            pattern = opts.get("command", "*").strip()
            for command in groups.get(group, []):
                if fnmatch.fnmatchcase(command, pattern):
                    v = version(group)
                    if command not in best or v > best[command][0]:
                        best[command] = (v, page)
    commands = {
        f"openstack {c}": f"{page}#{c.replace(' ', '-')}"
        for c, (_, page) in sorted(best.items())
    }
    doc = {
        "base": f"https://docs.openstack.org/python-openstackclient/{release}/cli/",
        "source": f"python-openstackclient {ref}",
        "commands": commands,
    }
    with open(out, "w", encoding="utf-8") as f:
        f.write("{\n")
        f.write(f'"base": {json.dumps(doc["base"])},\n')
        f.write(f'"source": {json.dumps(doc["source"])},\n')
        f.write('"commands": {\n')
        items = list(commands.items())
        for i, (k, v) in enumerate(items):
            sep = "," if i + 1 < len(items) else ""
            f.write(f"{json.dumps(k)}: {json.dumps(v)}{sep}\n")
        f.write("}\n}\n")
    print(f"{out}: {len(commands)} commands from {ref}", file=sys.stderr)


if __name__ == "__main__":
    main()
