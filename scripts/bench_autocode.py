"""The Python side of the autocoding benchmark (see crates/analysis/benches/autocode.rs).

QualCoder-style coding: for every segment (paragraph), for every code, one
compiled case-insensitive pattern (the code's rules joined with |) is
searched in the segment; the first hit is a coding with its span (what
pokeval records too).

usage: python3 bench_autocode.py TEXT PATTERNS_JSON
"""
import json
import re
import sys
import time

text_path, pattern_path = sys.argv[1], sys.argv[2]
with open(text_path, encoding="utf-8") as f:
    sources = f.read().split("\x00")
codes = [(code, re.compile(pattern, re.IGNORECASE)) for code, pattern in json.load(open(pattern_path, encoding="utf-8"))]

start = time.perf_counter()
codings = []
segments = 0
for source in sources:
    for para in source.split("\n\n"):
        if not para.strip():
            continue
        segments += 1
        for code, pattern in codes:
            m = pattern.search(para)
            if m:
                codings.append((segments, code, m.start(), m.end()))
elapsed = time.perf_counter() - start
size = sum(len(s.encode("utf-8")) for s in sources) / 1e6
print(f"python re loop:        {elapsed:8.2f} s  {size / elapsed:8.1f} MB/s  ({segments} segments, {len(codings)} codings)")
print(f"python seconds: {elapsed}")
