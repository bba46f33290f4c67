#!/usr/bin/env python3
"""Checks the workspace's shape; .ci/run runs it. Exits non-zero on a finding.

1. No import cycle between the source files of a crate. A file depends on
   another when it names it through `crate::module`, `super::...` or an
   item that lib.rs re-exports from it (`pub use module::Item`).
   Re-export lines themselves are not dependencies.
2. Every crate's lib.rs (and the CLI's main.rs) says
   `#![forbid(unsafe_code)]`, except the survey engine, which says
   `#![deny(unsafe_code)]` and allows it in exactly one module (decode).
   The workspace lint `unsafe_code = "deny"` backs this up.
3. No crate other than the survey engine names a polars column by a
   string literal: no polars dependency outside crates/survey (so no
   `col("...")` or `df.column("...")` can compile there), and no
   `text_column(` or `col("` outside it.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES = ROOT / "crates"
SURVEY = "survey"
problems = []


def module_files(src: Path):
    """Maps module paths (tuples) to files."""
    out = {}
    for f in src.rglob("*.rs"):
        rel = f.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts in (["lib"], ["main"]):
            parts = []
        elif parts[-1] == "mod":
            parts = parts[:-1]
        out[tuple(parts)] = f
    return out


def strip_tests(text: str) -> str:
    """Drops `#[cfg(test)] mod tests { ... }` (tests may use anything)."""
    i = text.find("#[cfg(test)]")
    return text if i < 0 else text[:i]


def check_cycles(crate: Path):
    src = crate / "src"
    if not src.is_dir():
        return
    mods = module_files(src)
    root_file = mods.get(())
    reexports = {}  # item name -> module path
    if root_file:
        for m in re.finditer(r"pub use (?:self::)?([a-z_]+)::\{?([^;]*)\}?;", root_file.read_text()):
            for item in re.split(r"[,\s{}]+", m.group(2)):
                if item and item[0].isupper():
                    reexports[item] = (m.group(1),)
    edges = {f: set() for f in mods.values()}
    for path, f in mods.items():
        text = strip_tests(f.read_text())
        lines = [l for l in text.splitlines()
                 if not l.lstrip().startswith("//")
                 and not (f == root_file and re.match(r"\s*pub use ", l))]
        body = "\n".join(lines)
        targets = set()
        for m in re.finditer(r"\bcrate::([a-z_][a-z0-9_]*)(?:::([a-z_][a-z0-9_]*))?", body):
            targets.add((m.group(1),))
            if m.group(2):
                targets.add((m.group(1), m.group(2)))
        for m in re.finditer(r"\bcrate::([A-Z][A-Za-z0-9_]*)", body):
            targets.add(reexports.get(m.group(1), ()))
        for m in re.finditer(r"\bsuper::([A-Za-z_][A-Za-z0-9_]*)", body):
            parent = path[:-1]  # `super` of a.rs, a/b.rs or a/b/mod.rs
            targets.add(parent + (m.group(1),) if parent + (m.group(1),) in mods else parent)
        for t in targets:
            if t in mods and mods[t] != f:
                edges[f].add(mods[t])
    # cycle search (DFS with colours)
    colour = {f: 0 for f in edges}
    stack = []

    def visit(f):
        colour[f] = 1
        stack.append(f)
        for g in sorted(edges[f]):
            if colour[g] == 1:
                cyc = stack[stack.index(g):] + [g]
                problems.append("import cycle: " + " -> ".join(str(p.relative_to(ROOT)) for p in cyc))
            elif colour[g] == 0:
                visit(g)
        stack.pop()
        colour[f] = 2

    for f in sorted(edges):
        if colour[f] == 0:
            visit(f)


def check_unsafe(crate: Path):
    root = crate / "src" / "lib.rs"
    if not root.is_file():
        root = crate / "src" / "main.rs"
    text = root.read_text()
    if crate.name == SURVEY:
        if "#![deny(unsafe_code)]" not in text:
            problems.append(f"{root.relative_to(ROOT)}: needs #![deny(unsafe_code)]")
        allowed = [f for f in (crate / "src").rglob("*.rs") if "#[allow(unsafe_code)]" in f.read_text()]
        if [f.name for f in allowed] != ["lib.rs"] or text.count("#[allow(unsafe_code)]") != 1:
            problems.append(f"{crate.name}: unsafe code must be allowed for exactly one module, in lib.rs")
    elif "#![forbid(unsafe_code)]" not in text:
        problems.append(f"{root.relative_to(ROOT)}: needs #![forbid(unsafe_code)]")


def check_columns(crate: Path):
    if crate.name == SURVEY:
        return
    toml = (crate / "Cargo.toml").read_text()
    if re.search(r"^polars", toml, re.M):
        problems.append(f"{crate.name}/Cargo.toml: only the survey engine depends on polars")
    for f in sorted(crate.rglob("*.rs")):
        for n, line in enumerate(f.read_text().splitlines(), 1):
            if re.search(r'\bcol\("|text_column\(', line):
                problems.append(f"{f.relative_to(ROOT)}:{n}: names a table column outside the survey engine")


for crate in sorted(p for p in CRATES.iterdir() if (p / "Cargo.toml").is_file()):
    check_cycles(crate)
    check_unsafe(crate)
    check_columns(crate)

for p in problems:
    print(p)
print(f"check_structure: {len(problems)} problem(s) in {len(list(CRATES.iterdir()))} crates")
sys.exit(1 if problems else 0)
