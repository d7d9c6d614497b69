"""Benchmark: nbviz.embed.tsne against openTSNE on the same data, in one run.

For each size (10,000 and 70,000 Fashion-MNIST images by default: train + test, a fixed
random subset of the size asked, reduced by PCA to 50 dimensions once, outside the
timings, and the same array given to both), runs nbviz's t-SNE and openTSNE with its
defaults (FFT-accelerated interpolation, Annoy kNN, 750 iterations) on the same number
of threads, and reports:

* wall time (nbviz's per phase too);
* the KL divergence each library reports for its own ``P``, and the KL of both
  embeddings under one common ``P`` (nbviz's affinities, ``Z`` by interpolation with 5
  nodes per box);
* the 10-NN label accuracy of each embedding (3-fold cross-validation, scikit-learn's
  ``KNeighborsClassifier``).

If the Fashion-MNIST files are missing (Debian's ``dataset-fashion-mnist`` puts them in
``/usr/share/datasets/fashion-mnist``; else the nbviz cache, else a download),
``--dataset digits`` uses scikit-learn's 1,797 digits for trial runs. ``--gpu-synthetic``
also embeds 1,280,000 x 50 clustered points on CUDA (nbviz only) when a GPU is present.
Prints the figures, then one JSON line last.

Run: ``.venv/bin/pip install -e .[bench] && .venv/bin/python benchmarks/tsne.py``
(``--sizes 10000`` for a quick run, ``--threads`` for both libraries, default 2).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

# PyTorch's OpenMP threads spin while they wait; on a machine whose cores are shared
# (CI, a busy workstation) that makes each small tensor operation many times slower.
# Passive waiting must be set before torch loads; openTSNE (not OpenMP) is unaffected.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nbviz.embed import TSNE, kl_gradient, pca  # noqa: E402


def load(dataset: str) -> tuple[torch.Tensor, np.ndarray, str]:
    if dataset == "fashion":
        from nbviz.data import fashion_mnist

        try:
            parts = [fashion_mnist(s, download=False, progress=False) for s in ("train", "test")]
        except Exception as err:  # files absent: say so and fall back to digits
            print(f"Fashion-MNIST is not available ({err}); using digits for a trial run")
        else:
            images = torch.cat([p.images for p in parts]).flatten(1)
            labels = torch.cat([p.labels for p in parts]).numpy()
            return images, labels, "fashion-mnist train+test"
    from nbviz.data import digits

    ds = digits("all")
    return ds.images.flatten(1), ds.labels.numpy(), "digits (trial run: not Fashion-MNIST)"


def knn_accuracy(Y: np.ndarray, labels: np.ndarray, seed: int = 0) -> float:
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    scores = cross_val_score(KNeighborsClassifier(10), Y, labels, cv=folds)
    return float(scores.mean())


def common_kl(Y: np.ndarray, aff) -> float:
    Yt = torch.from_numpy(np.ascontiguousarray(Y, dtype=np.float32))
    _, kl = kl_gradient(Yt, aff, method="fft", want_kl=True, n_interp=5)
    return float(kl)


def run_nbviz(X: np.ndarray, seed: int) -> tuple[np.ndarray, dict, object]:
    t = time.perf_counter()
    res = TSNE(device="cpu", seed=seed).fit(X)
    wall = time.perf_counter() - t
    return res.embedding, {"wall_s": wall, "kl": res.kl, "phases": res.timings}, res.affinities


def run_opentsne(X: np.ndarray, threads: int, seed: int) -> tuple[np.ndarray, dict]:
    import openTSNE

    t = time.perf_counter()
    emb = openTSNE.TSNE(n_jobs=threads, random_state=seed).fit(X)
    wall = time.perf_counter() - t
    return np.asarray(emb), {"wall_s": wall, "kl": float(emb.kl_divergence)}


def gpu_synthetic(n: int = 1_280_000, d: int = 50, seed: int = 0) -> dict:
    gen = torch.Generator().manual_seed(seed)
    centres = torch.randn(20, d, generator=gen) * 6
    labels = torch.randint(0, 20, (n,), generator=gen)
    X = centres[labels] + torch.randn(n, d, generator=gen)
    torch.cuda.synchronize()
    t = time.perf_counter()
    res = TSNE(device="cuda", seed=seed).fit(X)
    torch.cuda.synchronize()
    wall = time.perf_counter() - t
    sub = np.random.default_rng(seed).choice(n, 100_000, replace=False)
    acc = knn_accuracy(res.embedding[sub], labels.numpy()[sub])
    return {"n": n, "wall_s": round(wall, 2), "kl": round(res.kl, 4), "knn_acc_100k": acc,
            "phases": {k: round(v, 2) for k, v in res.timings.items()},
            "device": torch.cuda.get_device_name()}  # fmt: skip


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 70_000])
    ap.add_argument("--threads", type=int, default=2, help="threads for both libraries")
    ap.add_argument("--dataset", choices=["fashion", "digits"], default="fashion")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--gpu-synthetic",
        action="store_true",
        help="also embed 1,280,000 x 50 clustered points on CUDA (nbviz only)",
    )
    args = ap.parse_args(argv)
    try:
        import openTSNE
    except ImportError:
        sys.exit("openTSNE is not installed: pip install -e '.[bench]'")
    torch.set_num_threads(args.threads)

    images, labels, name = load(args.dataset)
    t = time.perf_counter()
    X50 = pca(images, 50, device="cpu").numpy()
    print(f"data: {name}, {len(X50):,} x {images.shape[1]} -> PCA 50 in "
          f"{time.perf_counter() - t:.1f} s; {args.threads} threads; torch {torch.__version__}, "
          f"openTSNE {openTSNE.__version__}; "
          f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}")  # fmt: skip
    results: dict = {"benchmark": "tsne", "dataset": name, "threads": args.threads,
                     "opentsne_version": openTSNE.__version__}  # fmt: skip
    rng = np.random.default_rng(args.seed)
    for n in dict.fromkeys(min(n, len(X50)) for n in args.sizes):
        pick = np.sort(rng.permutation(len(X50))[:n]) if n < len(X50) else np.arange(n)
        X, y = np.ascontiguousarray(X50[pick]), labels[pick]
        Y_nb, nb, aff = run_nbviz(X, args.seed)
        Y_ot, ot = run_opentsne(X, args.threads, args.seed)
        for Y, r in ((Y_nb, nb), (Y_ot, ot)):
            r["kl_common_P"] = common_kl(Y, aff)
            r["knn_acc"] = knn_accuracy(Y, y, args.seed)
        ph = nb["phases"]
        print(f"{n:>7,} points  nbviz    {nb['wall_s']:7.1f} s  KL {nb['kl']:.4f} "
              f"(common P {nb['kl_common_P']:.4f})  10-NN acc {nb['knn_acc']:.4f}  "
              f"[knn {ph['knn']:.1f} s, P {ph['affinities']:.1f} s, "
              f"optimize {ph['optimize']:.1f} s]")  # fmt: skip
        print(f"{'':>14}openTSNE {ot['wall_s']:7.1f} s  KL {ot['kl']:.4f} "
              f"(common P {ot['kl_common_P']:.4f})  10-NN acc {ot['knn_acc']:.4f}")  # fmt: skip
        key = f"{n // 1000}k" if n % 1000 == 0 else str(n)
        for lib, r in (("nbviz", nb), ("opentsne", ot)):
            results[f"{lib}_wall_s_{key}"] = round(r["wall_s"], 2)
            results[f"{lib}_kl_{key}"] = round(r["kl"], 4)
            results[f"{lib}_kl_common_P_{key}"] = round(r["kl_common_P"], 4)
            results[f"{lib}_knn_acc_{key}"] = round(r["knn_acc"], 4)
        results[f"nbviz_phases_s_{key}"] = {k: round(v, 2) for k, v in ph.items()}
        results[f"time_ratio_{key}"] = round(nb["wall_s"] / ot["wall_s"], 3)
        results[f"kl_ratio_{key}"] = round(nb["kl"] / ot["kl"], 3)
        results[f"acc_diff_{key}"] = round(nb["knn_acc"] - ot["knn_acc"], 4)
    if args.gpu_synthetic:
        if torch.cuda.is_available():
            g = gpu_synthetic(seed=args.seed)
            print(f"GPU synthetic {g['n']:,} x 50 on {g['device']}: {g['wall_s']} s, "
                  f"KL {g['kl']}, 10-NN acc (100k subsample) {g['knn_acc_100k']:.4f}, "
                  f"phases {g['phases']}")  # fmt: skip
            results["gpu_synthetic"] = g
        else:
            print("GPU synthetic: skipped, CUDA is not available")
            results["gpu_synthetic"] = None
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
