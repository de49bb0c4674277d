"""The `tracedoc` MkDocs plugin: `mkdocs build` and `mkdocs serve` render
every capture with `tracedoc build` before MkDocs reads the docs folder.

    plugins:
      - search
      - tracedoc:
          captures: captures        # folder of captures, relative to mkdocs.yml
          output: ""                # where pages go, relative to docs_dir (default: docs_dir)
          config: tracedoc.toml     # optional, relative to mkdocs.yml
          lang: en                  # optional: en or ko, overrides the config
          redact: true              # false keeps secrets: private sites only

What it relies on in tracedoc build (docs/plugin.md):
- files are written only when their bytes change, and a capture whose
  inputs did not change is skipped, so the rebuild `mkdocs serve` starts
  after tracedoc wrote into docs_dir writes nothing and stops there;
- `--prune` removes the pages of a deleted capture, but only files tracedoc
  wrote that nobody edited;
- `--message-format json` gives each warning with its file and line, which
  goes to the MkDocs logger as a warning: `mkdocs build --strict` then fails
  on a damaged capture.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

from mkdocs.config import base
from mkdocs.config import config_options as opt
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, get_plugin_logger

from . import BinaryNotFound, find_binary

log = get_plugin_logger(__name__)


class TracedocConfig(base.Config):
    captures = opt.Type(str)
    output = opt.Type(str, default="")
    config = opt.Optional(opt.Type(str))
    lang = opt.Optional(opt.Choice(("en", "ko")))
    redact = opt.Type(bool, default=True)


class TracedocPlugin(BasePlugin[TracedocConfig]):
    def on_config(self, config: Any) -> None:
        root = Path(config.config_file_path or ".").resolve().parent
        self.root = root
        self.captures = (root / self.config.captures).resolve()
        if not self.captures.is_dir():
            raise PluginError(
                f"tracedoc: captures folder {self.config.captures!r} "
                f"({self.captures}) is not a folder"
            )
        docs = Path(config.docs_dir).resolve()
        self.output = (docs / self.config.output).resolve()
        if self.output != docs and docs not in self.output.parents:
            raise PluginError(
                f"tracedoc: output {self.config.output!r} is outside docs_dir "
                f"({docs}); it is a folder below docs_dir"
            )
        try:
            self.captures.relative_to(docs)
        except ValueError:
            pass
        else:
            raise PluginError(
                "tracedoc: the captures folder is inside docs_dir, so MkDocs would "
                "publish the raw logs; keep it beside docs_dir"
            )
        self.settings = (root / self.config.config).resolve() if self.config.config else None
        self.prefix = _include_prefix(self.output, docs, config)
        try:
            self.binary = find_binary()
        except BinaryNotFound as e:
            raise PluginError(f"tracedoc: {e}") from None

    def on_pre_build(self, config: Any) -> None:
        self.run()

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        # Editing, adding or deleting a capture rebuilds; so does the config.
        server.watch(str(self.captures))
        if self.settings is not None:
            server.watch(str(self.settings))
        return server

    def command(self) -> list[str]:
        """The `tracedoc build` command line, paths relative to mkdocs.yml's
        folder (so messages name files as the user wrote them)."""
        cmd = [
            self.binary,
            "build",
            _rel(self.captures, self.root),
            "-o",
            _rel(self.output, self.root),
            "--prune",
            "--message-format",
            "json",
        ]
        if self.prefix:
            cmd += ["--include-prefix", self.prefix]
        if self.settings is not None:
            cmd += ["--config", _rel(self.settings, self.root)]
        if self.config.lang:
            cmd += ["--lang", self.config.lang]
        if not self.config.redact:
            cmd.append("--no-redact")
        return cmd

    def run(self) -> None:
        cmd = self.command()
        log.debug("running %s", " ".join(cmd))
        try:
            done = subprocess.run(
                cmd,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                check=False,
            )
        except OSError as e:
            raise PluginError(f"tracedoc: cannot run {self.binary}: {e}") from None
        errors = report(done.stderr)
        if done.returncode == 2:
            raise PluginError(f"tracedoc build refused its arguments: {done.stderr.strip()}")
        if done.returncode != 0:
            raise PluginError(
                f"tracedoc build failed (exit {done.returncode}, {errors} error(s) above)"
            )


def report(stderr: str) -> int:
    """Passes what tracedoc said to the MkDocs logger; returns the number of
    errors. JSON lines (`--message-format json`) carry a level and a message
    that starts with `file:line`; other lines are the summary and notes."""
    errors = 0
    for line in stderr.splitlines():
        if not line.strip():
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            msg = None
        if isinstance(msg, dict) and "level" in msg and "message" in msg:
            text = msg["message"]
            for cause in msg.get("causes", []):
                text += f"\n  caused by: {cause}"
            level = msg["level"]
        else:
            level, _, text = line.partition(": ")
            if level not in ("warning", "error", "note"):
                # The summary; the logger already says `tracedoc: `.
                level, text = "info", line.removeprefix("tracedoc: ")
        if level == "warning":
            log.warning(text)
        elif level == "error":
            errors += 1
            log.error(text)
        else:
            log.info(text)
    return errors


def _rel(path: Path, start: Path) -> str:
    try:
        return str(path.relative_to(start)) or "."
    except ValueError:
        return str(path)


def _include_prefix(output: Path, docs: Path, config: Any) -> str:
    """Where `output` sits below pymdownx.snippets' base path, `/`-separated:
    the prefix of the `--8<--` lines tracedoc writes into index.md. The base
    paths are relative to the folder mkdocs runs in, as snippets reads them."""
    snippets = (config.mdx_configs or {}).get("pymdownx.snippets", {})
    bases = snippets.get("base_path", ["."])
    if isinstance(bases, str):
        bases = [bases]
    for base_path in bases:
        base_dir = Path(os.getcwd(), base_path).resolve()
        if output == base_dir:
            return ""
        if base_dir in output.parents:
            return str(PurePosixPath(*output.relative_to(base_dir).parts))
    log.warning(
        "pymdownx.snippets' base_path (%s, from the folder mkdocs runs in) does not "
        "hold the output folder %s: the pages' --8<-- includes will not resolve. "
        "Set base_path: [%s] and run mkdocs from the folder of mkdocs.yml.",
        ", ".join(map(str, bases)),
        output,
        _rel(docs, Path.cwd()),
    )
    parts = output.relative_to(docs).parts
    return str(PurePosixPath(*parts)) if parts else ""
