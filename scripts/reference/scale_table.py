"""Markdown tables of ignis / NumPyro ratios for the scale suite.

    python3 scripts/reference/scale_table.py FILE...

Each FILE holds JSON lines from scale_anchor.py (NumPyro, "impl": "numpyro",
threads "1" or "all") or from `go run ./bench -suite scale -json` (ignis;
GOMAXPROCS 1 is reported as threads "1", anything else as "all"), in any
order. Rows pair the two implementations by case and thread setting; a
later line for the same case and setting replaces an earlier one.

Time ratios are ignis / NumPyro (above 1: ignis is slower); the ESS/s ratio
is ignis / NumPyro too (above 1: ignis draws more effective samples per
second of sampling). NUTS cells give the median over the seeds with the
range over the seeds in brackets.
"""
import json
import sys


def load(paths):
    ignis, numpyro = {}, {}
    for path in paths:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                r = json.loads(line)
                if r.get("impl") == "numpyro" and r.get("kind") == "aggregate":
                    numpyro[(r["case"], r["threads"])] = r
                elif r.get("suite") == "scale":
                    threads = "1" if r.get("gomaxprocs") == 1 else "all"
                    ignis[(r["case"], threads)] = r
    return ignis, numpyro


def fmt(x, digits=3):
    if x is None:
        return "–"
    return f"{x:.{digits}g}" if abs(x) < 10 ** digits else f"{x:.0f}"


def spread(x, lo, hi):
    if x is None:
        return "–"
    if lo is None or hi is None:
        return fmt(x)
    return f"{fmt(x)} [{fmt(lo)}–{fmt(hi)}]"


def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "–"


def sort_key(key):
    """Method, model, size (the digits of "n100000" or "g10000"), one thread first."""
    case, threads = key
    data, _, method = case.partition("/")
    model, _, size = data.rpartition("_")
    return method, model, int("".join(c for c in size if c.isdigit()) or 0), threads != "1"


def main(paths):
    ignis, numpyro = load(paths)
    keys = sorted(set(ignis) | set(numpyro), key=sort_key)
    nuts = [k for k in keys if k[0].endswith("/nuts")]
    svi = [k for k in keys if k[0].endswith("/svi")]
    print("NUTS, sampling phase only\n")
    print("| case | threads | ignis µs/grad | NumPyro µs/grad | µs/grad ignis ÷ NumPyro "
          "| ignis ESS/s | NumPyro ESS/s | ESS/s ignis ÷ NumPyro | steps/draw ignis, NumPyro | NumPyro compile s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for k in nuts:
        e = ignis.get(k, {}).get("extra", {})
        a = numpyro.get(k, {})
        print(f"| {k[0]} | {k[1]} "
              f"| {spread(e.get('us/grad'), e.get('us/grad_min'), e.get('us/grad_max'))} "
              f"| {spread(a.get('per_grad_us'), a.get('per_grad_us_min'), a.get('per_grad_us_max'))} "
              f"| {ratio(e.get('us/grad'), a.get('per_grad_us'))} "
              f"| {spread(e.get('ess/s'), e.get('ess/s_min'), e.get('ess/s_max'))} "
              f"| {spread(a.get('ess_per_s_sampling'), a.get('ess_per_s_sampling_min'), a.get('ess_per_s_sampling_max'))} "
              f"| {ratio(e.get('ess/s'), a.get('ess_per_s_sampling'))} "
              f"| {fmt(e.get('steps/draw'))}, {fmt(a.get('steps_per_draw'))} "
              f"| {fmt(a.get('compile_s'))} |")
    print("\nSVI step\n")
    print("| case | threads | ignis µs/step | NumPyro µs/step | ignis ÷ NumPyro | ignis allocs/step | NumPyro compile s |")
    print("|---|---|---|---|---|---|---|")
    for k in svi:
        r = ignis.get(k)
        us = r["extra"].get("us/step", r["ns_per_op"] / 1e3) if r else None
        a = numpyro.get(k, {})
        print(f"| {k[0]} | {k[1]} | {fmt(us)} | {fmt(a.get('svi_us_per_step'))} "
              f"| {ratio(us, a.get('svi_us_per_step'))} | {r['allocs_per_op'] if r else '–'} "
              f"| {fmt(a.get('compile_s'))} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
