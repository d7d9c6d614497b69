"""Benchmark: nbviz.similarity against the same formulas written plainly in NumPy.

* **Linear CKA** on ``n × d`` float32 activations of two layers (default 10,000 × 4,096,
  a planted relation between them): :func:`nbviz.similarity.linear_cka` against
  ``‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F)`` of the centred matrices in NumPy (same dtype), median
  of ``--repeats`` runs each in alternating order, and the two values (they must agree).
* **Minibatch CKA** over 60,000 examples in batches of 1,000 (``d`` = 512): its time and
  its distance to full-batch debiased CKA.
* **SVCCA** of 5,000 × 256 against 5,000 × 512: :func:`nbviz.similarity.svcca` against
  the SVCCA recipe in NumPy (centre, SVD to 99% of the variance, canonical correlations
  from the covariances).

Prints a table, then one JSON line last. Run: ``.venv/bin/python benchmarks/similarity.py``
(``--n 2000 --d 1024`` for a quick run; ``--threads``, default 2). On a GPU machine,
``--device cuda`` times nbviz there (NumPy stays on the CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nbviz.similarity import MinibatchCKA, linear_cka, svcca  # noqa: E402


def numpy_linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """Kornblith et al.'s feature-space formula, as a NumPy user writes it."""
    x = x - x.mean(0, keepdims=True)
    y = y - y.mean(0, keepdims=True)
    xy = np.linalg.norm(y.T @ x) ** 2
    return float(xy / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)))


def numpy_svcca(x: np.ndarray, y: np.ndarray, keep: float = 0.99) -> float:
    """The SVCCA recipe: centre, keep the top singular directions of ``keep`` variance, CCA."""

    def reduce(a):
        a = a - a.mean(0)
        u, s, _ = np.linalg.svd(a, full_matrices=False)
        k = int(np.searchsorted(np.cumsum(s**2) / np.sum(s**2), keep)) + 1
        return u[:, :k] * s[:k]

    def inv_sqrt(c):
        w, v = np.linalg.eigh(c)
        return v @ np.diag(1 / np.sqrt(np.maximum(w, 1e-12))) @ v.T

    a, b = reduce(x), reduce(y)
    n = len(a)
    sxx, syy, sxy = a.T @ a / (n - 1), b.T @ b / (n - 1), a.T @ b / (n - 1)
    rho = np.linalg.svd(inv_sqrt(sxx) @ sxy @ inv_sqrt(syy), compute_uv=False)
    return float(np.clip(rho[: min(a.shape[1], b.shape[1])], 0, 1).mean())


def planted(n: int, dx: int, dy: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two float32 layers: y is a noisy linear function of part of x."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dx), dtype=np.float32)
    k = min(dx, dy) // 2
    mix = rng.standard_normal((k, dy), dtype=np.float32) / np.float32(np.sqrt(k))
    y = x[:, :k] @ mix + rng.standard_normal((n, dy), dtype=np.float32)
    assert x.dtype == y.dtype == np.float32  # a float64 scalar would make y float64 (NEP 50)
    return x, y


def alternate(fns: dict, repeats: int) -> dict:
    """Median seconds of each function, called in turn ``repeats`` times after a warm-up."""
    times = {k: [] for k in fns}
    values = {k: f() for k, f in fns.items()}
    for _ in range(repeats):
        for k, f in fns.items():
            t0 = time.perf_counter()
            values[k] = f()
            times[k].append(time.perf_counter() - t0)
    return {k: (statistics.median(t), values[k]) for k, t in times.items()}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="examples for linear CKA")
    ap.add_argument("--d", type=int, default=4096, help="features of each layer")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2, help="torch threads")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    out: dict = {"benchmark": "similarity", "threads": args.threads, "device": args.device}

    x, y = planted(args.n, args.d, args.d)
    r = alternate({"nbviz": lambda: linear_cka(x, y, device=args.device),
                   "numpy": lambda: numpy_linear_cka(x, y)}, args.repeats)  # fmt: skip
    ours, peer = r["nbviz"], r["numpy"]
    out.update(cka_n=args.n, cka_d=args.d, cka_nbviz_s=round(ours[0], 3),
               cka_numpy_s=round(peer[0], 3), cka_speedup=round(peer[0] / ours[0], 2),
               cka_value=round(ours[1], 6), cka_numpy_value=round(peer[1], 6))  # fmt: skip
    print(f"linear CKA, {args.n:,} × {args.d:,} float32: nbviz {ours[0]:.3f} s, NumPy "
          f"{peer[0]:.3f} s ({peer[0] / ours[0]:.2f}×); "
          f"values {ours[1]:.6f} / {peer[1]:.6f}")  # fmt: skip

    xb, yb = planted(60_000, 512, 512, seed=1)
    t0 = time.perf_counter()
    acc = MinibatchCKA(device=args.device)
    for i in range(0, len(xb), 1000):
        acc.update(xb[i : i + 1000], yb[i : i + 1000])
    mb_s = time.perf_counter() - t0
    full = linear_cka(xb, yb, debiased=True, device=args.device)
    out.update(minibatch_s=round(mb_s, 3), minibatch_value=round(acc.value, 6),
               minibatch_full_value=round(full, 6))  # fmt: skip
    print(f"minibatch CKA, 60,000 × 512 in batches of 1,000: {mb_s:.2f} s, "
          f"{acc.value:.5f} against full-batch debiased {full:.5f}")  # fmt: skip

    xs, ys = planted(5000, 256, 512, seed=2)
    xs64, ys64 = xs.astype(np.float64), ys.astype(np.float64)
    r = alternate({"nbviz": lambda: svcca(xs64, ys64, device=args.device).mean,
                   "numpy": lambda: numpy_svcca(xs64, ys64)}, args.repeats)  # fmt: skip
    ours, peer = r["nbviz"], r["numpy"]
    out.update(svcca_nbviz_s=round(ours[0], 3), svcca_numpy_s=round(peer[0], 3),
               svcca_speedup=round(peer[0] / ours[0], 2), svcca_value=round(ours[1], 6),
               svcca_numpy_value=round(peer[1], 6))  # fmt: skip
    print(f"SVCCA, 5,000 × 256 against 5,000 × 512: nbviz {ours[0]:.3f} s, NumPy "
          f"{peer[0]:.3f} s ({peer[0] / ours[0]:.2f}×); "
          f"means {ours[1]:.6f} / {peer[1]:.6f}")  # fmt: skip
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
