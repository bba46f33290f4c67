#!/usr/bin/env python3
"""Recomputes the wave comparison of a pokeval build with pandas, from the
raw survey exports, and checks it against the build's analyse.json.

usage: python3 scripts/check_waves.py PROJECT_DIR ANALYSE_JSON

What is recomputed independently of pokeval's code (only the project files
and the instruments, which declare the truth, are shared):
  - per wave and closed question (single, Likert, multiple): respondents
    per option and respondents who answered;
  - the panel: municipalities (current CBS codes, mergers followed) per
    number of waves in which they answered the survey.

The rules, written out here as pokeval documents them:
  - Qualtrics: three header rows; the ImportId in row 3 names the column;
    only Status 0 (real responses) counts.
  - LimeSurvey: column names are the export codes; a repeated response id
    counts once (the first).
  - Microsoft Forms: column headers are the question texts; multiple
    choices are joined with ';'.
  - An answer is an option when it equals the option's code, one of its
    aliases or (case-insensitively) its label; a filled "other" text
    column (`<question>:other`) chooses the option marked `other`.
  - A municipality is a text settled in the project's mapping file
    (`invoer,gemeentecode`), the register name, an alias or the CBS code
    (case-insensitive, a leading "gemeente " dropped), a former
    municipality with exactly one successor in the mergers file taking
    effect on or before 1 January of the wave year, or else a close match
    (difflib ratio >= 0.9) to one register name. Respondents without a
    municipality are not counted.

Needs pandas (the CI installs it in a scratch virtual environment).
"""

import difflib
import json
import sys
import time
from pathlib import Path

import pandas as pd

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib


def load_project(path):
    path = Path(path)
    f = path / "evaluatie.toml" if path.is_dir() else path
    cfg = tomllib.loads(f.read_text(encoding="utf-8"))
    return f.parent, cfg


def register(root, cfg, year):
    reg = pd.read_csv(root / cfg["register"]["path"], dtype=str, keep_default_na=False)
    names = {}
    for _, r in reg.iterrows():
        keys = [r["gemeentenaam"], r["gemeentecode"]]
        keys += [a for a in r.get("aliassen", "").split(";") if a]
        for k in keys:
            names[k.strip().casefold()] = r["gemeentecode"]
    mergers = {}
    if cfg["register"].get("mergers"):
        m = pd.read_csv(root / cfg["register"]["mergers"], dtype=str, keep_default_na=False)
        m = m[m["ingangsdatum"] <= f"{year}-01-01"]
        for (old_code, old_name), g in m.groupby(["oude_gemeentecode", "oude_gemeentenaam"]):
            succ = sorted(set(g["opvolger_gemeentecode"]))
            if len(succ) == 1 and succ[0] in set(reg["gemeentecode"]):
                mergers[old_name.casefold()] = succ[0]
                mergers[old_code.casefold()] = succ[0]
    official = {r["gemeentenaam"].casefold(): r["gemeentecode"] for _, r in reg.iterrows()}
    if cfg["register"].get("mapping"):
        m = pd.read_csv(root / cfg["register"]["mapping"], dtype=str, keep_default_na=False)
        for _, r in m.iterrows():
            names[r["invoer"].strip().casefold()] = r["gemeentecode"]
    return set(reg["gemeentecode"]), names, mergers, official


def resolve(text, names, mergers, official):
    t = str(text).strip().casefold()
    if t in names:
        return names[t]
    if t.startswith("gemeente "):
        t = t[len("gemeente "):]
    if not t:
        return None
    if t in names:
        return names[t]
    if t in mergers:
        return mergers[t]
    close = difflib.get_close_matches(t, list(official), n=2, cutoff=0.9)
    if len(close) == 1:
        return official[close[0]]
    return None


def option_lookup(q):
    look = {}
    for o in q.get("options", []):
        look[o["code"]] = o["code"]
        for a in o.get("aliases", []):
            look[a] = o["code"]
        look[o["label"].casefold()] = o["code"]
    return look


def read_wave(root, cfg):
    """Per question: {code: respondents}, respondents answering; and the
    set of municipality codes with a respondent."""
    year = cfg["wave"]
    _, names, mergers, official = register(root, cfg, year)
    counts, answered, munis = {}, {}, set()
    for s in cfg.get("survey", []):
        ins = tomllib.loads((root / s["instrument"]).read_text(encoding="utf-8"))
        platform = s["platform"]
        cols = ins["columns"][platform]
        path = root / s["path"]
        if platform == "qualtrics":
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, header=None, encoding="utf-8-sig")
            ids = [json.loads(c)["ImportId"] for c in raw.iloc[2]]
            df = raw.iloc[3:].copy()
            df.columns = ids
            df = df[df["status"] == "0"]
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if platform == "limesurvey":
                df = df.drop_duplicates(subset="id", keep="first")
        qs = {q["id"]: q for q in ins["question"]}
        muni_col = next(c for c, t in cols.items() if qs.get(t, {}).get("type") == "municipality")
        df = df.assign(_m=[resolve(v, names, mergers, official) for v in df[muni_col]])
        df = df[df["_m"].notna()]
        munis |= set(df["_m"])
        # per question: the columns holding it (whole, or one per option)
        per_q = {}
        for col, target in cols.items():
            qid, _, part = target.partition(":")
            if qid in qs and qs[qid]["type"] in ("single", "likert", "multiple"):
                if part == "other":
                    other = [o["code"] for o in qs[qid].get("options", []) if o.get("other")]
                    if not other:
                        continue
                    part = other[0]
                per_q.setdefault(qid, []).append((col, part))
        for qid, columns in per_q.items():
            q = qs[qid]
            look = option_lookup(q)
            chosen = pd.Series([set() for _ in range(len(df))], index=df.index)
            for col, part in columns:
                for idx, v in df[col].items():
                    v = v.strip()
                    if not v:
                        continue
                    if part:  # one column per option: any non-empty, non-"N" value chooses it
                        if v.casefold() not in ("n", "0", "nee", "no", "false"):
                            chosen[idx].add(part)
                    elif q["type"] == "multiple":
                        for piece in v.split(";"):
                            piece = piece.strip()
                            if piece and (piece in look or piece.casefold() in look):
                                chosen[idx].add(look.get(piece, look.get(piece.casefold())))
                    else:
                        code = look.get(v, look.get(v.casefold()))
                        if code is not None:
                            chosen[idx].add(code)
            c = counts.setdefault(qid, {})
            n = 0
            for sel in chosen:
                if sel:
                    n += 1
                for code in sel:
                    c[code] = c.get(code, 0) + 1
            answered[qid] = answered.get(qid, 0) + n
    return counts, answered, munis


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    started = time.perf_counter()
    root, cfg = load_project(sys.argv[1])
    analysis = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
    comp = analysis["comparison"]
    waves = [(root, cfg)]
    for e in cfg.get("comparison", cfg.get("vergelijking", {})).get("earlier", []):
        waves.append(load_project(root / e))
    waves.sort(key=lambda w: w[1]["wave"])
    year_now = waves[-1][1]["wave"]
    _, names_now, mergers_now, official_now = register(root, cfg, year_now)
    codes_now, _, _, _ = register(root, cfg, year_now)
    problems = []
    per_muni = {}
    for wi, (wroot, wcfg) in enumerate(waves):
        counts, answered, munis = read_wave(wroot, wcfg)
        for m in munis:
            now = m if m in codes_now else resolve(m, names_now, mergers_now, official_now)
            if now:
                per_muni.setdefault(now, set()).add(wi)
        for q in comp["questions"]:
            w = q["waves"][wi]
            if w is None:
                continue
            qid = q["question"]
            if q["kind"] == "numeric":
                continue
            want = [counts.get(qid, {}).get(o["code"], 0) for o in q["options"]]
            if w["counts"] != want or w["n"] != answered.get(qid, 0):
                problems.append(
                    f"wave {wcfg['wave']} question {qid}: pokeval n={w['n']} counts={w['counts']}, "
                    f"pandas n={answered.get(qid, 0)} counts={want}"
                )
    by = [0] * len(waves)
    for m, ws in per_muni.items():
        by[len(ws) - 1] += 1
    if by != comp["panel"]["by_waves_answered"]:
        problems.append(f"panel: pokeval {comp['panel']['by_waves_answered']}, pandas {by}")
    checked = sum(1 for q in comp["questions"] if q["kind"] != "numeric")
    if problems:
        print("wave comparison differs from the pandas recomputation:")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print(
        f"wave comparison equals the pandas recomputation: {checked} closed questions in "
        f"{len(waves)} waves, panel {by}"
    )
    print(f"pandas seconds: {time.perf_counter() - started:.3f}")


if __name__ == "__main__":
    main()
