#!/usr/bin/env python3
# Copyright (c) 2026 The cohort developers.
# Distributed under the Boost Software License, Version 1.0.
# (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)
"""Generate single_include/cohort/cohort.hpp from include/cohort/cohort.hpp.

Every cohort header reached from the root (``#include <cohort/...>``, or a
``#include "..."`` that resolves to a file under include/) is inlined where it
is first reached; later includes of the same header are dropped. A quoted
include that does not resolve under include/ is an error. Every other include
(Boost, the standard library) is kept as written. Nothing else is
stripped: each inlined header keeps its own comments and include guard, and
the root's guard wraps the whole file.

    python3 tools/amalgamate.py              # regenerate in place
    python3 tools/amalgamate.py --check      # exit 1 if the committed file is stale
    python3 tools/amalgamate.py --output X   # write (or --check) X instead

Exit codes: 0 success / up to date, 1 stale (--check), 2 error (missing
header, unsupported construct). A header that includes one still being inlined
(an impl/ file including its interface header) gets nothing: the include
guard would make that include empty anyway. Standard library only.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INCLUDE_DIR = (ROOT / "include").resolve()
ROOT_HEADER = INCLUDE_DIR / "cohort" / "cohort.hpp"
DEFAULT_OUTPUT = ROOT / "single_include" / "cohort" / "cohort.hpp"
GENERATOR = "tools/amalgamate.py"
MAX_DIFF_LINES = 60

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*(?:<([^>]+)>|"([^"]+)")')
CONDITIONAL_OPEN_RE = re.compile(r"^\s*#\s*if(?:n?def)?\b")
CONDITIONAL_CLOSE_RE = re.compile(r"^\s*#\s*endif\b")
GUARD_IFNDEF_RE = re.compile(r"^\s*#\s*ifndef\s+(\w+)")
GUARD_DEFINE_RE = re.compile(r"^\s*#\s*define\s+(\w+)")
PRAGMA_ONCE_RE = re.compile(r"^\s*#\s*pragma\s+once\b")
VERSION_RE = re.compile(r"project\s*\(\s*cohort\b[^)]*?\bVERSION\s+([0-9][0-9.]*)", re.S)


class AmalgamateError(Exception):
    """A problem in the headers that stops generation."""


def rel(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def project_version() -> str | None:
    cmakelists = ROOT / "CMakeLists.txt"
    try:
        match = VERSION_RE.search(cmakelists.read_text(encoding="utf-8"))
    except OSError:
        return None
    return match.group(1) if match else None


def strip_comments_state(line: str, in_block: bool) -> tuple[bool, bool]:
    """Scan one line for comments.

    Returns (starts_in_code, ends_in_block): whether the line's first
    non-blank character is code rather than a comment continuation, and
    whether a /* */ comment is still open at its end. String and character
    literals are skipped so that "/*" inside them is not a comment.
    """
    starts_in_code = not in_block
    i, n = 0, len(line)
    quote = None
    while i < n:
        c = line[i]
        if in_block:
            if line.startswith("*/", i):
                in_block = False
                i += 2
                continue
            i += 1
            continue
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
            i += 1
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            in_block = True
            i += 2
            continue
        if c in "\"'":
            quote = c
        i += 1
    return starts_in_code, in_block


def resolve(spec: str, quoted: bool, including_file: Path) -> Path | None:
    """Return the cohort header an include names, or None if it is third-party."""
    if quoted:
        for base in (including_file.parent, INCLUDE_DIR):
            candidate = (base / spec).resolve()
            if candidate.is_file() and INCLUDE_DIR in candidate.parents:
                return candidate
        # A quoted include is cohort's own by convention: not finding it is an error.
        raise AmalgamateError(
            f'{rel(including_file)}: #include "{spec}" does not resolve to a file under include/')
    if spec.startswith("cohort/"):
        candidate = (INCLUDE_DIR / spec).resolve()
        if not candidate.is_file():
            raise AmalgamateError(
                f"{rel(including_file)}: #include <{spec}>: {rel(INCLUDE_DIR / spec)} does not exist")
        return candidate
    return None


def check_root_guard(text: str) -> None:
    """The single header relies on the root's include guard: insist on one."""
    in_block = False
    directives = []
    for line in text.splitlines():
        starts_in_code, in_block_after = strip_comments_state(line, in_block)
        if starts_in_code and line.lstrip().startswith("#"):
            directives.append(line)
            if len(directives) == 2:
                break
        in_block = in_block_after
    if directives and PRAGMA_ONCE_RE.match(directives[0]):
        return
    if len(directives) == 2:
        ifndef = GUARD_IFNDEF_RE.match(directives[0])
        define = GUARD_DEFINE_RE.match(directives[1])
        if ifndef and define and ifndef.group(1) == define.group(1):
            return
    raise AmalgamateError(
        f"{rel(ROOT_HEADER)}: no include guard (#ifndef X / #define X) before its first directive")


class Amalgamator:
    def __init__(self) -> None:
        self.done: set[Path] = set()
        self.stack: list[Path] = []
        self.out: list[str] = []

    def inline(self, path: Path) -> None:
        self.stack.append(path)
        self.done.add(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise AmalgamateError(f"cannot read {rel(path)}: {e}") from e
        is_root = len(self.stack) == 1
        if not is_root:
            self.out.append(f"// ----- begin {rel(path)} -----\n")
        in_block = False
        depth = 0  # #if nesting, the file's own include guard included
        for lineno, line in enumerate(text.splitlines(), start=1):
            starts_in_code, in_block_after = strip_comments_state(line, in_block)
            in_block = in_block_after
            if starts_in_code:
                if CONDITIONAL_OPEN_RE.match(line):
                    depth += 1
                elif CONDITIONAL_CLOSE_RE.match(line):
                    depth -= 1
                match = INCLUDE_RE.match(line)
                if match:
                    spec = match.group(1) or match.group(2)
                    target = resolve(spec, match.group(2) is not None, path)
                    if target is not None:
                        if depth > 1:
                            # Inlining once under a condition and dropping later
                            # includes would lose the header when the condition
                            # is false: refuse rather than emit a wrong file.
                            raise AmalgamateError(
                                f"{rel(path)}:{lineno}: cohort header {spec} is included inside "
                                "an #if block; the amalgamation does not support conditional "
                                "includes of cohort's own headers")
                        # A header still being inlined is included back by its
                        # impl/ file (Beast layout); its include guard is defined
                        # by then, so the compiler would skip it: so do we.
                        if target not in self.done:
                            self.inline(target)
                        continue
            self.out.append(line + "\n")
        if not is_root:
            self.out.append(f"// ----- end {rel(path)} -----\n")
        self.stack.pop()


def generate() -> str:
    if not ROOT_HEADER.is_file():
        raise AmalgamateError(f"{rel(ROOT_HEADER)} does not exist")
    check_root_guard(ROOT_HEADER.read_text(encoding="utf-8"))
    version = project_version()
    banner = [
        "// cohort" + (f" {version}" if version else "") + " - single-header distribution.\n",
        f"// Generated by {GENERATOR} from include/cohort/cohort.hpp: do not edit.\n",
        "// Change the headers under include/ and run `python3 tools/amalgamate.py`.\n",
        "// Distributed under the Boost Software License, Version 1.0.\n",
        "// (See accompanying file LICENSE or copy at https://www.boost.org/LICENSE_1_0.txt)\n",
        "\n",
    ]
    amalgamator = Amalgamator()
    amalgamator.inline(ROOT_HEADER.resolve())
    return "".join(banner + amalgamator.out)


def short_diff(old: str, new: str, old_name: str) -> str:
    lines = list(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True),
        fromfile=f"{old_name} (committed)", tofile=f"{old_name} (regenerated)"))
    shown = lines[:MAX_DIFF_LINES]
    text = "".join(line if line.endswith("\n") else line + "\n" for line in shown)
    if len(lines) > MAX_DIFF_LINES:
        text += f"... ({len(lines) - MAX_DIFF_LINES} more diff lines)\n"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate single_include/cohort/cohort.hpp from include/cohort/cohort.hpp.")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the output file differs from a fresh generation")
    parser.add_argument("--output", type=Path, default=None,
                        help=f"file to write or check (default: {rel(DEFAULT_OUTPUT)})")
    args = parser.parse_args(argv)
    output = (args.output if args.output is not None else DEFAULT_OUTPUT)
    output = output if output.is_absolute() else Path.cwd() / output

    try:
        content = generate()
    except AmalgamateError as e:
        print(f"amalgamate: error: {e}", file=sys.stderr)
        return 2

    if args.check:
        try:
            current = output.read_text(encoding="utf-8")
        except FileNotFoundError:
            print(f"amalgamate: {rel(output)} does not exist; "
                  "run `python3 tools/amalgamate.py` and commit the result", file=sys.stderr)
            return 1
        if current != content:
            print(f"amalgamate: {rel(output)} is out of date with include/; "
                  "run `python3 tools/amalgamate.py` and commit the result", file=sys.stderr)
            sys.stderr.write(short_diff(current, content, rel(output)))
            return 1
        print(f"amalgamate: {rel(output)} is up to date")
        return 0

    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        unchanged = output.read_text(encoding="utf-8") == content
    except OSError:
        unchanged = False
    if not unchanged:
        with open(output, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
    print(f"amalgamate: wrote {rel(output)}" + (" (unchanged)" if unchanged else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
