"""The pandas side of the survey ingest benchmark (crates/ingest/benches/survey.rs).

The same normalisation pokeval does, written as an analyst would in pandas:
read_csv (pyarrow engine, ImportIds from the third header row as column
names), melt to a long table,
map answer codes to labels and option columns to option codes from the
instrument, flag missing codes, and map typed municipality names to CBS
codes through the register's names and aliases (exact after lower-casing
and dropping "gemeente"; pandas has no fuzzy matching, so typos stay
unresolved).

pandas is installed from PyPI into a scratch virtualenv on first use
($POKEVAL_BENCH_VENV, default ~/.cache/pokeval-bench-venv).

usage: python3 bench_survey.py EXPORT_CSV INSTRUMENT_TOML REGISTER_CSV
"""
import os
import subprocess
import sys

try:
    import pandas as pd  # noqa: F401
except ImportError:
    venv = os.environ.get("POKEVAL_BENCH_VENV", os.path.expanduser("~/.cache/pokeval-bench-venv"))
    py = os.path.join(venv, "bin", "python")
    if os.path.abspath(sys.executable) == os.path.abspath(py):
        sys.exit("pandas is missing from the benchmark virtualenv")
    if not os.path.exists(py):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "--quiet", "pandas", "pyarrow"], check=True)
    os.execv(py, [py] + sys.argv)

import csv
import json
import resource
import time
import tomllib

import pandas as pd

csv_path, ins_path, reg_path = sys.argv[1:4]
with open(ins_path, "rb") as f:
    ins = tomllib.load(f)
questions = {q["id"]: q for q in ins["question"]}
colmap = ins["columns"]["qualtrics"]

start = time.perf_counter()
# Row 3 holds the ImportIds the column map uses; the answers start on row 4.
# The pyarrow engine is pandas' fastest CSV reader.
with open(csv_path, encoding="utf-8", newline="") as f:
    head = [next(csv.reader(f)) for _ in range(3)]
import_ids = [json.loads(cell)["ImportId"] for cell in head[2]]
df = pd.read_csv(csv_path, header=None, names=import_ids, skiprows=3, dtype=str, engine="pyarrow")

register = pd.read_csv(reg_path, dtype=str)
names = {}
for _, row in register.iterrows():
    for n in [row["gemeentenaam"]] + (str(row.get("aliassen", "")).split(";") if isinstance(row.get("aliassen"), str) else []):
        names[n.strip().lower()] = row["gemeentecode"]
typed = df["QID1_TEXT"].str.strip().str.lower().str.removeprefix("gemeente ").str.strip()
df["municipality"] = typed.map(names)

value_cols = list(colmap)
long = df.melt(id_vars=["_recordId", "municipality"], value_vars=value_cols, var_name="column", value_name="value")
long = long[long["value"].notna() & (long["value"] != "")]
question_of = {c: t.split(":")[0] for c, t in colmap.items()}
option_of = {c: t.split(":")[1] for c, t in colmap.items() if ":" in t}
long["question"] = long["column"].map(question_of)
option = long["column"].map(option_of)
# One column per option: "1" means the option's code.
is_option = option.notna()
long.loc[is_option, "value"] = option[is_option]
# Labels and missing flags by a merge on (question, value), vectorised.
rows = [
    (qid, o["code"], o["label"], bool(o.get("missing", False)))
    for qid, q in questions.items()
    for o in q.get("options", [])
]
options = pd.DataFrame(rows, columns=["question", "value", "label", "missing"])
long = long.merge(options, on=["question", "value"], how="left")
long["label"] = long["label"].fillna(long["value"])
long["missing"] = long["missing"].fillna(False).astype(bool)
long["number"] = pd.to_numeric(long["value"], errors="coerce").where(~long["missing"])
long = long[["_recordId", "municipality", "question", "value", "label", "number", "missing"]]
elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # kB -> MB
size_mb = os.path.getsize(csv_path) / 1e6
print(f"pandas read+melt+map:         {elapsed:7.3f} s  peak {peak_mb:7.1f} MB ({peak_mb / size_mb:.2f}x file)  {len(long)} answers (pandas {pd.__version__})")
print(f"pandas seconds: {elapsed}")
