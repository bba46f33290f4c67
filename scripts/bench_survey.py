"""The pandas side of the survey ingest benchmark (crates/ingest/benches/survey.rs).

The same normalisation pokeval does, written as an analyst would in pandas:
read_csv (skipping Qualtrics' two extra header rows), melt to a long table,
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
# Row 1 names the columns; rows 2 and 3 (question text, ImportIds) are skipped,
# so ImportIds are read from row 3 separately to apply the column map.
head = pd.read_csv(csv_path, nrows=2, header=0, dtype=str)
import_ids = [s.split('"ImportId":"')[1].split('"')[0] for s in head.iloc[1]]
df = pd.read_csv(csv_path, header=0, skiprows=[1, 2], dtype=str, keep_default_na=False, na_values=[""])
df.columns = import_ids

register = pd.read_csv(reg_path, dtype=str)
names = {}
for _, row in register.iterrows():
    for n in [row["gemeentenaam"]] + (str(row.get("aliassen", "")).split(";") if isinstance(row.get("aliassen"), str) else []):
        names[n.strip().lower()] = row["gemeentecode"]
typed = df["QID1_TEXT"].str.strip().str.lower().str.removeprefix("gemeente ").str.strip()
df["municipality"] = typed.map(names)

value_cols = list(colmap)
long = df.melt(id_vars=["_recordId", "municipality"], value_vars=value_cols, var_name="column", value_name="value")
long = long.dropna(subset=["value"])
target = long["column"].map(colmap)
long["question"] = target.str.split(":").str[0]
option = target.str.split(":").str[1]
# One column per option: "1" means the option's code.
is_option = option.notna()
long.loc[is_option, "value"] = option[is_option]
labels = {}
missing = {}
for qid, q in questions.items():
    for o in q.get("options", []):
        labels[(qid, o["code"])] = o["label"]
        missing[(qid, o["code"])] = o.get("missing", False)
keys = pd.Series(list(zip(long["question"], long["value"])), index=long.index)
coded = long["question"].map(lambda q: bool(questions[q].get("options")))
long["label"] = keys.map(labels).where(coded, long["value"])
long["missing"] = keys.map(missing).fillna(False).astype(bool)
long["number"] = pd.to_numeric(long["value"], errors="coerce").where(~long["missing"])
long = long[["_recordId", "municipality", "question", "value", "label", "number", "missing"]]
elapsed = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
size_mb = os.path.getsize(csv_path) / 1e6
print(f"pandas read+melt+map:         {elapsed:7.3f} s  peak {peak_mb:7.1f} MB ({peak_mb * 1.048576 / size_mb:.2f}x file)  {len(long)} answers (pandas {pd.__version__})")
print(f"pandas seconds: {elapsed}")
