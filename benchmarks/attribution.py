"""Benchmark: nbviz.attribution against Captum called directly, and the max tracker.

* **Methods**: for a batch of 64 Fashion-MNIST test images on the zoo's ``SmallCNN``
  (trained one epoch on the training set and cached, ``nbviz.models.pretrained``), each
  method of :data:`nbviz.attribution.METHODS` through :func:`nbviz.attribution.attribute`
  and through Captum's own class with the same settings, timed in alternating order
  (median of ``--repeats`` runs each, after one warm-up each). The ratio is nbviz over
  Captum: nbviz adds its checks and the target classes, and for LRP the rules set on its
  checked, folded copy of the model (kept while the weights stay the same) at every call;
  Captum's LRP gets a copy folded once outside the timing and the epsilon rule set on
  every layer per call, as a Captum user writes it.
* **Max tracker**: :func:`nbviz.attribution.top_units` over the 60,000 training images on
  ``conv2`` (32 channels, top 9 each), images per second.
* **Layer explorer**: the Python side of one drawn input in :class:`nbviz.LayerExplorer`
  on the same model (the bytes the canvas sends → every layer's activations and the
  prediction in the widget's traits), without a unit chosen and with ``conv2``'s unit 5
  (its map, guided backprop and deconvolution too), against a bare forward pass of one
  image: the floor any explorer pays. Medians of ``--repeats`` × 5 inputs.

Prints a table, then one JSON line last. Run: ``.venv/bin/python benchmarks/attribution.py``
(``--repeats 3`` for a quick run; ``--threads``, default 1).
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from captum import attr as captum_attr  # noqa: E402
from captum.attr._utils.lrp_rules import EpsilonRule  # noqa: E402
from torch import nn  # noqa: E402

from nbviz.attribution import METHODS, attribute, fold_batchnorm, top_units  # noqa: E402
from nbviz.data import fashion_mnist  # noqa: E402
from nbviz.models import pretrained  # noqa: E402

#: nbviz's time over Captum's, at most, per method.
TARGET_RATIO = 1.1


def captum_call(method: str, model, x, t):
    """The same attribution by Captum's own class (LRP on a prepared folded copy)."""
    x = x.clone().requires_grad_(True)
    if method == "saliency":
        return captum_attr.Saliency(model).attribute(x, target=t)
    if method == "input_x_gradient":
        return captum_attr.InputXGradient(model).attribute(x, target=t)
    if method == "integrated_gradients":
        ig = captum_attr.IntegratedGradients(model)
        return ig.attribute(x, baselines=0.0, target=t, n_steps=32)
    if method == "guided_backprop":
        return captum_attr.GuidedBackprop(model).attribute(x, target=t)
    if method == "deconvolution":
        return captum_attr.Deconvolution(model).attribute(x, target=t)
    if method == "occlusion":
        with torch.no_grad():
            return captum_attr.Occlusion(model).attribute(
                x, sliding_window_shapes=(1, 4, 4), strides=(1, 4, 4), baselines=0.0, target=t
            )
    raise ValueError(method)


def lrp_by_hand(folded, x, t):
    """What a Captum user writes for LRP-epsilon: a rule on every layer (Captum deletes
    them after each call), then ``LRP``, on a model folded once beforehand."""
    for m in folded.modules():
        if list(m.children()) or isinstance(m, (nn.ReLU, nn.Dropout, nn.Tanh)):
            continue
        m.rule = EpsilonRule(1e-9 if isinstance(m, nn.Flatten) else 1e-6)
    return captum_attr.LRP(folded).attribute(x.clone().requires_grad_(True), target=t)


def paired(ours, theirs, repeats: int) -> tuple[float, float]:
    """Median seconds of ``ours`` and ``theirs``, run in alternating order ``repeats``
    times each (after one warm-up each), so that drifts of a shared machine hit both."""
    ours()
    theirs()
    a, b = [], []
    for k in range(repeats):
        for fn, out in ((ours, a), (theirs, b)) if k % 2 == 0 else ((theirs, b), (ours, a)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return statistics.median(a), statistics.median(b)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=21, help="timed runs per method and side")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--no-tracker", action="store_true", help="skip the max-tracker pass")
    ap.add_argument("--no-explorer", action="store_true", help="skip the layer explorer")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    model = pretrained("small_cnn", "fashion_mnist", progress=False).eval()
    test = fashion_mnist("test", progress=False)
    x = test.images[:64]
    with torch.no_grad():
        t = model(x).argmax(1)
    out: dict = {"benchmark": "attribution", "threads": args.threads, "batch": len(x)}
    print(f"64 Fashion-MNIST test images, SmallCNN, {args.threads} thread(s), median of "
          f"{args.repeats}")  # fmt: skip
    print(f"{'method':<22} {'nbviz ms':>9} {'captum ms':>10} {'ratio':>6}")
    ratios = []
    folded = fold_batchnorm(model)  # Captum's side folds once, outside the timings
    for method in METHODS:
        if method == "lrp":
            direct = lambda: lrp_by_hand(folded, x, t)  # noqa: E731
        else:
            direct = lambda m=method: captum_call(m, model, x, t)  # noqa: E731
        ours, theirs = paired(lambda m=method: attribute(model, x, t, m, window=4), direct,
                              args.repeats)  # fmt: skip
        ratio = ours / theirs
        ratios.append(ratio)
        out[f"{method}_nbviz_ms"] = round(1000 * ours, 2)
        out[f"{method}_captum_ms"] = round(1000 * theirs, 2)
        out[f"{method}_ratio"] = round(ratio, 3)
        print(f"{method:<22} {1000 * ours:>9.2f} {1000 * theirs:>10.2f} {ratio:>6.3f}")
    out["max_ratio"] = round(max(ratios), 3)
    out["target_ratio"] = TARGET_RATIO
    out["meets_target"] = max(ratios) <= TARGET_RATIO
    if not args.no_tracker:
        train = fashion_mnist("train", progress=False)
        t0 = time.perf_counter()
        top = top_units(model, "conv2", train, k=9, progress=False)
        seconds = time.perf_counter() - t0
        out["tracker_images"] = top.seen
        out["tracker_seconds"] = round(seconds, 2)
        out["tracker_images_per_s"] = round(top.seen / seconds, 1)
        print(f"max tracker: conv2's top 9 over {top.seen:,} images in {seconds:.1f} s "
              f"({top.seen / seconds:,.0f} images/s)")  # fmt: skip
    if not args.no_explorer:
        out.update(explorer_timings(model, test, 5 * args.repeats))
    print(json.dumps(out))
    return out


def explorer_timings(model, data, n: int) -> dict:
    """Median ms per drawn input in LayerExplorer, without and with a unit, and of a bare
    forward pass of one image."""
    import numpy as np

    from nbviz import LayerExplorer

    explorer = LayerExplorer(model, data.subset(256, seed=0))
    rng = np.random.default_rng(0)
    drawings = rng.integers(0, 256, size=(n, 28, 28, 1), dtype=np.uint8)
    explorer.input_source = "drawing"

    def per_input() -> float:
        times = []
        for img in drawings:
            t0 = time.perf_counter()
            explorer.input_image = img
            times.append(time.perf_counter() - t0)
        return 1000 * statistics.median(times)

    plain = per_input()
    explorer.layer, explorer.unit = "conv2", 5
    explorer.wait()
    with_unit = per_input()
    forward = []
    x = data.images[:1]
    with torch.no_grad():
        for _ in range(n):
            t0 = time.perf_counter()
            model(x)
            forward.append(time.perf_counter() - t0)
    fwd = 1000 * statistics.median(forward)
    layers = len(explorer.layers)
    print(f"layer explorer, one drawn input: {plain:.2f} ms ({layers} layers), "
          f"{with_unit:.2f} ms with a unit's pictures; a bare forward pass {fwd:.2f} ms")  # fmt: skip  # noqa: E501
    return {
        "explorer_input_ms": round(plain, 2),
        "explorer_input_with_unit_ms": round(with_unit, 2),
        "forward_ms": round(fwd, 3),
    }


if __name__ == "__main__":
    main()
