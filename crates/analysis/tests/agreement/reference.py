"""Computes the expected agreement values for pokeval's tests.

Run once (pip install scikit-learn krippendorff numpy) and commit the output:
    python3 reference.py > expected.json
Cohen's kappa is computed with scikit-learn for every pair of coders over the
units both coded; Krippendorff's alpha (nominal) with the krippendorff
package over all coders, missing values as NaN.
"""
import importlib.metadata
import itertools
import json
import pathlib

import krippendorff
import numpy as np
import sklearn
from sklearn.metrics import cohen_kappa_score

here = pathlib.Path(__file__).parent
sets = json.loads((here / "data.json").read_text())["sets"]
out = {"generated_with": {"scikit-learn": sklearn.__version__, "krippendorff": importlib.metadata.version("krippendorff"), "numpy": np.__version__}, "sets": {}}
for name, data in sets.items():
    pairs = {}
    for i, j in itertools.combinations(range(len(data)), 2):
        both = [(a, b) for a, b in zip(data[i], data[j]) if a is not None and b is not None]
        a = [x for x, _ in both]
        b = [y for _, y in both]
        pairs[f"{i}-{j}"] = float(cohen_kappa_score(a, b))
    matrix = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    alpha = float(krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"))
    out["sets"][name] = {"kappa": pairs, "alpha": alpha}
print(json.dumps(out, indent=2, sort_keys=True))
