"""Normal: SciPy log-density, mean, variance, entropy; closed-form KL from PyTorch."""
import numpy as np
import torch
from scipy import stats


def cases(rng):
    out = []
    settings = [
        ("scalar", np.array(0.3), np.array(1.7), rng.normal(size=(5,))),
        ("batched", rng.normal(size=(3,)), rng.uniform(0.2, 3.0, size=(3,)), rng.normal(size=(5, 3)) * 2),
        ("broadcast", rng.normal(size=(2, 1)), rng.uniform(0.2, 3.0, size=(4,)), rng.normal(size=(5, 2, 4))),
        ("extreme", np.array(-1e3), np.array(1e-3), np.array([-1e3, -1e3 + 1e-3, -999.0, 0.0, 1e3])),
    ]
    for name, loc, scale, x in settings:
        d = stats.norm(loc, scale)
        batch = np.broadcast(loc, scale).shape
        out.append({
            "family": "Normal", "name": name,
            "params": {"loc": loc, "scale": scale},
            "value": x,
            "log_prob": d.logpdf(x),
            "mean": np.broadcast_to(d.mean(), batch),
            "variance": np.broadcast_to(d.var(), batch),
            "entropy": np.broadcast_to(d.entropy(), batch),
        })
    return out


def kl_cases(rng):
    p = {"loc": rng.normal(size=(3,)), "scale": rng.uniform(0.3, 2.0, size=(3,))}
    q = {"loc": rng.normal(size=(3,)), "scale": rng.uniform(0.3, 2.0, size=(3,))}
    t = lambda d: torch.distributions.Normal(torch.tensor(d["loc"]), torch.tensor(d["scale"]))
    kl = torch.distributions.kl_divergence(t(p), t(q)).numpy()
    return [{"pair": "Normal-Normal", "p": {"family": "Normal", "params": p},
             "q": {"family": "Normal", "params": q}, "kl": kl}]
