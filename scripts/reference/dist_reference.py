"""Reference values for probgraph/dist, written to probgraph/dist/testdata/reference/<module>.json.

Each module in dist_ref/ contributes cases through two functions:
  cases(rng) -> list of family cases
  kl_cases(rng) -> list of KL cases (optional)
A family case is a dict: family, name, params (name -> array), value (array),
and the reference arrays log_prob, and where defined mean, variance, entropy
(computed with SciPy or PyTorch in float64). A KL case: pair, p, q (each
{family, params}) and kl.

Run: python3 scripts/reference/dist_reference.py
"""
import importlib
import json
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "probgraph" / "dist" / "testdata" / "reference"


def num(x):
    """JSON has no infinities or NaN: those are written as strings."""
    x = float(x)
    if np.isnan(x):
        return "nan"
    if np.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def enc(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [num(x) for x in a.reshape(-1)]}


def encode_case(c):
    out = {}
    for k, v in c.items():
        if k == "params":
            out[k] = {n: enc(x) for n, x in v.items()}
        elif k in ("p", "q"):
            out[k] = {"family": v["family"], "params": {n: enc(x) for n, x in v["params"].items()}}
        elif isinstance(v, (str, int)) and k not in ("value",):
            out[k] = v
        elif v is None:
            continue
        else:
            out[k] = enc(v)
    return out


def main():
    """Regenerate every module's file, or only the modules named on the command line."""
    import scipy
    import torch

    sys.path.insert(0, str(HERE))
    only = set(sys.argv[1:])
    OUT.mkdir(parents=True, exist_ok=True)
    for path in sorted((HERE / "dist_ref").glob("*.py")):
        if path.name.startswith("_") or (only and path.stem not in only):
            continue
        mod = importlib.import_module("dist_ref." + path.stem)
        # A fixed seed per module, so regenerating one module leaves the others' files alone.
        rng = np.random.default_rng(sum(map(ord, path.stem)))
        cases = [encode_case(c) for c in mod.cases(rng)]
        kls = [encode_case(c) for c in mod.kl_cases(rng)] if hasattr(mod, "kl_cases") else []
        doc = {
            "generator": "scripts/reference/dist_reference.py " + path.stem,
            "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "torch": torch.__version__},
            "cases": cases,
            "kl": kls,
        }
        out = OUT / (path.stem + ".json")
        out.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")
        print(f"{out.relative_to(ROOT)}: {len(cases)} family cases, {len(kls)} KL cases")


if __name__ == "__main__":
    main()
