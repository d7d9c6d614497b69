"""Benchmark: what training in a random subspace costs, per projection, against a dense
step of the same net; and CoordConv against a plain convolution.

* **Subspace steps** on LeNet-300-100 (784 → 300 → 100 → 10, D = 266,610 parameters),
  batches of 128 Fashion-MNIST-sized inputs, Adam: a dense training step against a step
  of :class:`nbviz.intrinsic.SubspaceModel` at ``--d`` (default 1,000) for each projection
  (dense, sparse, Fastfood). Time per step (median over ``--steps``, settings
  alternating over ``--rounds``) and the projection's memory (its buffers), which for
  Fastfood must stay O(D) whatever d (the dense projection holds D × d numbers).
* **CoordConv**: a forward and backward pass of ``CoordConv2d(32, 32, 3)`` against
  ``nn.Conv2d(32, 32, 3)`` (and ``nn.Conv2d(34, 32, 3)``, the same convolution without
  building the coordinate channels) on 64 × 32 × 64 × 64 inputs.

Prints a table, then one JSON line last. Run: ``.venv/bin/python benchmarks/intrinsic.py``
(``--threads``, default 2; ``--device cuda`` on a GPU machine). The peer for subspace
training is the dense step itself (the published packages hard-code CUDA).
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

import torch
import torch.nn.functional as F
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nbviz.intrinsic import PROJECTIONS, SubspaceModel  # noqa: E402
from nbviz.layers import CoordConv2d  # noqa: E402
from nbviz.models import LeNet300100  # noqa: E402


def step_time(model, batches, sync) -> float:
    """Median seconds of one Adam step over ``batches`` (after one warm-up step)."""
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    times = []
    for i, (x, y) in enumerate(batches):
        started = time.perf_counter()
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sync()
        if i:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def pass_time(layer, x, repeats: int, sync) -> float:
    """Median seconds of a forward and backward pass of ``layer`` on ``x``."""
    times = []
    for i in range(repeats + 1):
        started = time.perf_counter()
        layer(x).square().mean().backward()
        sync()
        if i:
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--d", type=int, default=1000, help="the subspace's dimension")
    p.add_argument("--steps", type=int, default=20, help="steps per setting per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    g = torch.Generator().manual_seed(0)
    batches = [
        (torch.rand(128, 1, 28, 28, generator=g).to(device),
         torch.randint(0, 10, (128,), generator=g).to(device))
        for _ in range(args.steps + 1)
    ]  # fmt: skip
    torch.manual_seed(0)
    net = LeNet300100(in_shape=(1, 28, 28))
    D = sum(p.numel() for p in net.parameters())
    models = {"dense step": net.to(device)}
    memory = {}
    for kind in PROJECTIONS:
        sub = SubspaceModel(net, args.d, kind, seed=0).to(device)
        models[kind] = sub
        memory[kind] = sum(b.numel() * b.element_size() for b in sub.projection.buffers())
    per_round: dict[str, list[float]] = {k: [] for k in models}
    for r in range(args.rounds):
        for name in models if r % 2 == 0 else list(models)[::-1]:
            per_round[name].append(step_time(models[name], batches, sync))
    ms = {k: 1000 * statistics.median(v) for k, v in per_round.items()}
    print(f"LeNet-300-100 (D = {D:,}), d = {args.d:,}, batch 128, {args.device}, "
          f"{args.threads} threads: median step")  # fmt: skip
    for name, t in ms.items():
        extra = "" if name == "dense step" else (
            f"   projection {memory[name] / 2**20:8.2f} MiB")  # fmt: skip
        print(f"  {name:<11} {t:8.2f} ms   {t / ms['dense step']:6.2f}× dense{extra}")

    x = torch.randn(64, 32, 64, 64, generator=g).to(device)
    layers = {
        "conv2d": nn.Conv2d(32, 32, 3, padding=1),
        "conv2d_34_in": nn.Conv2d(34, 32, 3, padding=1),
        "coordconv2d": CoordConv2d(32, 32, 3, padding=1),
    }
    wide = torch.cat([x, torch.zeros_like(x[:, :2])], 1)
    conv_ms = {}
    for _ in range(args.rounds):
        for name, layer in layers.items():
            inp = wide if name == "conv2d_34_in" else x
            conv_ms.setdefault(name, []).append(1000 * pass_time(layer.to(device), inp, 5, sync))
    conv_ms = {k: statistics.median(v) for k, v in conv_ms.items()}
    print("CoordConv, 64 × 32 × 64 × 64, forward + backward:")
    for name, t in conv_ms.items():
        print(f"  {name:<13} {t:8.2f} ms   {t / conv_ms['conv2d']:.2f}× conv2d")
    out = {
        "benchmark": "intrinsic",
        "device": args.device,
        "threads": args.threads,
        "D": D,
        "d": args.d,
        **{f"{k.replace(' ', '_')}_ms": round(v, 3) for k, v in ms.items()},
        **{f"{k}_ratio": round(ms[k] / ms["dense step"], 3) for k in PROJECTIONS},
        **{f"{k}_projection_bytes": memory[k] for k in PROJECTIONS},
        **{f"{k}_ms": round(v, 3) for k, v in conv_ms.items()},
        "coordconv_ratio": round(conv_ms["coordconv2d"] / conv_ms["conv2d"], 3),
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
