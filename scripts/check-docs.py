#!/usr/bin/env python3
"""Runs the blocks the docs tell users to copy, as written.

    scripts/check-docs.py --checkout DIR [--tools BIN] [--shots DIR]

DIR is a fresh export of this repository (`git archive HEAD`): the blocks
that start from a checkout run there, in order, so the README quick start
really builds and installs the wheel into DIR/.venv. BIN is a folder of
extra tools looked up after DIR/.venv/bin (zensical, from CI's venv).

What is checked, in README.md and docs/*.md:

- a ```sh block right after `<!-- doc-test: serve in checkout -->` (the
  README quick start) is run as written in DIR; it must end up serving the
  site on 127.0.0.1:8000 with the sample capture's page, and is then stopped;
- a ```sh block after `<!-- doc-test: run in checkout -->` runs in DIR, one
  after another, and must exit 0;
- a ```sh block after `<!-- doc-test: run in site -->` runs in a fresh
  `tracedoc init` site (one per block) and must exit 0;
- every ```yaml block must load as MkDocs loads it; one holding `site_name:`
  is a whole mkdocs.yml, and `mkdocs build --strict` must pass with it in a
  fresh `tracedoc init` site.

Prints one line per block and `docs: N passed, M failed`; exits 1 on any
failure.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = re.compile(r"<!--\s*doc-test:\s*(serve in checkout|run in checkout|run in site)\s*-->")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")


def blocks(path: Path):
    """(line, lang, text, mark) of every top-level fenced block."""
    lines = path.read_text(encoding="utf-8").splitlines()
    mark = None
    i = 0
    while i < len(lines):
        m = MARK.search(lines[i])
        if m:
            mark = m.group(1)
            i += 1
            continue
        f = FENCE.match(lines[i])
        if not f:
            if lines[i].strip():
                mark = None
            i += 1
            continue
        fence, lang, start = f.group(2), f.group(3), i
        body = []
        i += 1
        while i < len(lines) and not (
            lines[i].strip().startswith(fence[0] * len(fence)) and lines[i].strip().strip(fence[0]) == ""
        ):
            body.append(lines[i])
            i += 1
        i += 1
        yield start + 1, lang, "\n".join(body) + "\n", mark
        mark = None


def env_with(checkout: Path, tools: list[str]) -> dict:
    env = dict(os.environ)
    path = [str(checkout / ".venv" / "bin"), *tools, env.get("PATH", "")]
    env["PATH"] = os.pathsep.join(path)
    env.pop("VIRTUAL_ENV", None)
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


def run(cmd: str, cwd: Path, env: dict, timeout: int = 1800) -> tuple[int, str]:
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", cmd],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
    )
    return done.returncode, done.stdout


def new_site(env: dict) -> Path:
    site = Path(tempfile.mkdtemp(prefix="tracedoc-doc-site.")) / "site"
    code, out = run(f"tracedoc init {site} --lang en", site.parent, env)
    if code:
        raise RuntimeError(f"tracedoc init failed: {out}")
    return site


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8", "replace")


def serve(cmd: str, checkout: Path, env: dict, log: Path) -> str | None:
    """Runs the block in the background until the site answers; None if ok."""
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["bash", "-e", "-c", cmd],
            cwd=checkout,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.time() + 1800
        while time.time() < deadline:
            if proc.poll() is not None:
                return f"exited {proc.returncode} before serving (see {log})"
            try:
                home = fetch("http://127.0.0.1:8000/")
                page = fetch("http://127.0.0.1:8000/openstack/image/list/")
            except OSError:
                time.sleep(2)
                continue
            if "openstack/image/list/" not in home:
                return "the home page does not link to the sample capture"
            if 'class="mermaid"' not in page or "GET /v2/images" not in page:
                return "the sample capture's page has no diagram"
            return None
        return "not serving after 30 minutes"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)


def yaml_load(text: str):
    from mkdocs.utils import yaml_load as load  # the loader mkdocs uses

    return load(text)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkout", type=Path, required=True)
    ap.add_argument("--tools", action="append", default=[])
    args = ap.parse_args()
    checkout = args.checkout.resolve()
    env = env_with(checkout, args.tools)
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    passed = failed = 0

    def result(where: str, error: str | None) -> None:
        nonlocal passed, failed
        if error is None:
            passed += 1
            print(f"ok   {where}")
        else:
            failed += 1
            print(f"FAIL {where}: {error}")

    # The blocks that start from a checkout first: they install the wheel.
    ordered = []
    for f in files:
        for line, lang, text, mark in blocks(f):
            ordered.append((0 if mark == "serve in checkout" else 1, f, line, lang, text, mark))
    ordered.sort(key=lambda b: b[0])
    for _, f, line, lang, text, mark in ordered:
        where = f"{f.relative_to(ROOT)}:{line}"
        if lang == "sh" and mark == "serve in checkout":
            result(where, serve(text, checkout, env, checkout / "serve.log"))
        elif lang == "sh" and mark in ("run in checkout", "run in site"):
            cwd = checkout if mark == "run in checkout" else new_site(env)
            code, out = run(text, cwd, env)
            result(where, None if code == 0 else f"exit {code}:\n{out[-3000:]}")
        elif lang in ("yaml", "yml"):
            try:
                doc = yaml_load(text)
            except Exception as e:  # noqa: BLE001 - any load error is the finding
                result(where, f"does not load as YAML: {e}")
                continue
            if isinstance(doc, dict) and "site_name" in doc:
                site = new_site(env)
                (site / "mkdocs.yml").write_text(text, encoding="utf-8")
                code, out = run("mkdocs build --strict", site, env)
                result(where + " (mkdocs build --strict)", None if code == 0 else out[-3000:])
            else:
                result(where + " (loads)", None)
    print(f"docs: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
