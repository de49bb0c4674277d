#!/usr/bin/env python3
"""Checks tracedoc's escape functions against the real Python interpreters.

    TRACEDOC_ESCAPE_DUMP=/tmp/esc.json cargo test --test it dump_escapes_for_python
    TRACEDOC_MODEL_DUMP=/tmp/model.json cargo test --test it dump_for_python
    .venv/bin/python scripts/check-escapes.py /tmp/esc.json /tmp/model.json

For each random input the Rust test wrote, this renders every context with
Python-Markdown and the pymdown extensions a Material site uses (attr_list,
magiclink, emoji, tilde, caret, mark, keys and betterem included) and
checks that the reader sees exactly the input, as plain text:

- md_text in an `###` heading and in a `!!! tip "..."` title;
- table_cell in a table cell;
- code_span in a paragraph;
- attr_value as a code fence's `title="..."` (the fence must stay a fence);
- code_line as a line pymdownx.snippets reads.

The second file checks the Rust model of snippets' regular expressions
(tests/it/models.rs) against the real ones. Exit 1 on any
difference.
"""

import html
import json
import re
import sys

import markdown
from pymdownx.snippets import SnippetPreprocessor

EXTENSIONS = [
    "toc", "tables", "attr_list", "admonition", "pymdownx.details",
    "pymdownx.highlight", "pymdownx.inlinehilite", "pymdownx.snippets",
    "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.magiclink",
    "pymdownx.emoji", "pymdownx.tilde", "pymdownx.caret", "pymdownx.mark",
    "pymdownx.keys", "pymdownx.betterem",
]
CONFIG = {"pymdownx.tabbed": {"alternate_style": True}}

PICTURES = {"\r": "\u240d", "\x0b": "\u240b", "\x0c": "\u240c", "\x1c": "\u241c",
            "\x1d": "\u241d", "\x1e": "\u241e", "\n": "\u2424", "\x85": "\u2424",
            "\u2028": "\u2424", "\u2029": "\u2424"}


def only_text(fragment):
    """The text of an HTML fragment, or None when it holds any element."""
    if re.search(r"<[a-zA-Z/!?]", fragment):
        return None
    return html.unescape(fragment)


def inner(pattern, page):
    m = re.search(pattern, page, re.S)
    return m.group(1) if m else None


def main(esc_path, model_path=None):
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=CONFIG)
    render = lambda text: (md.reset(), md.convert(text))[1]
    snippets = SnippetPreprocessor({"base_path": ["."], "encoding": "utf-8", "check_paths": False,
                                    "auto_append": [], "url_download": False, "url_max_size": 0,
                                    "url_timeout": 0, "url_request_headers": {}, "restrict_base_path": True,
                                    "dedent_subsections": False, "max_retries": 0, "backoff_factor": 0},
                                   md)
    failures = 0

    def fail(what, case, got):
        nonlocal failures
        failures += 1
        if failures <= 20:
            print(f"{what}: input {case['input']!r}\n  wrote {got!r}", file=sys.stderr)

    cases = json.load(open(esc_path, encoding="utf-8"))
    for case in cases:
        want = case["flat"].strip()
        h3 = inner(r"<h3[^>]*>(.*)</h3>", render("### " + case["md"]))
        if (h3 is None and want) or (h3 is not None and only_text(h3) != want):
            fail("heading", case, h3)
        if want:
            title = inner(r'<p class="admonition-title">(.*?)</p>',
                          render('!!! tip "' + case["md"] + '"\n    body\n'))
            if title is None or (only_text(title) or "").strip() != want:
                fail("admonition title", case, title)
        td = inner(r"<td>(.*?)</td>", render("| h |\n|---|\n| " + case["cell"] + " |\n"))
        if (td or "") and (only_text(td) or "").strip() != want:
            fail("table cell", case, td)
        if td is None and want:
            fail("table cell (row broken)", case, td)
        code = inner(r"<p>x <code>(.*)</code></p>", render("x " + case["code"]))
        if code is None or html.unescape(code) != case["flat"].strip():
            fail("code span", case, code)
        page = render('``` http title="' + case["attr"] + '" linenums="1"\nCODE\n```\n')
        name = inner(r'<span class="filename">(.*?)</span>', page)
        shown = case["flat"].replace('"', "\uff02").replace("`", "\uff40").strip()
        if "CODE" not in page or "<pre>" not in page or (shown and (name is None or html.unescape(name) != shown)):
            fail("fence title", case, page[:200])
        lines = snippets.parse_snippets([case["line"]])
        pictured = "".join(PICTURES.get(c, c) for c in case["input"])
        if lines != [pictured]:
            fail("code line", case, lines)

    if model_path:
        for line, all_, section in json.load(open(model_path, encoding="utf-8")):
            m = SnippetPreprocessor.RE_ALL_SNIPPETS.match(line)
            got_all = None if not m else bool(m.group("escape"))
            m = SnippetPreprocessor.RE_SNIPPET_SECTION.match(line) if "8<-" in line else None
            got_section = None if not m else [m.start("escape"), len(m.group("escape"))]
            if got_all != all_ or got_section != section:
                failures += 1
                print(f"model: {line!r}: snippets {got_all} {got_section}, model {all_} {section}",
                      file=sys.stderr)
    print(f"check-escapes: {len(cases)} inputs, {failures} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
