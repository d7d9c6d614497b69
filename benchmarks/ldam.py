"""Benchmark: LDAM sampler throughput against a bare forward+backward, on the zoo SmallCNN.

Measures, in one run on this machine (``--device auto``: CUDA when present, else CPU):
* chain-steps per second of :class:`nbviz.ldam.Sampler` at 1, 64 and 1024 chains on
  SmallCNN with Fashion-MNIST's shape (1, 28, 28) and a conv discriminator prior
  (λ = 1, so ``log D`` is in the gradient), for ULA and for MALA (both with
  ``clamp="reflect"``, history recording on);
* in the same run and at the same batch, the time of the *bare step*: one forward of
  classifier + discriminator and one backward to the input (``autograd.grad`` of the
  summed objective + log D), the least work any Langevin step on this density does;
* the ratio sampler-step / bare-step (target <= 1.15 at 1024 chains): the sampler's own
  overhead (hooks, noise, clamping, MALA's accept test, history) on top of the network;
* on CUDA, the GPU targets: >= 900 sampler steps/s at 1024 chains, <= 3 ms per step at
  1 chain.

* the viewer (``--viewer``, on by default): :class:`nbviz.LDAMViewer` shown in
  JupyterLab in headless Chromium (the browser tests' harness), its chains sampling in
  the widget's job: the pictures per second the browser draws (distinct steps shown), and
  the sampler's steps per second with the view streaming against the same sampler run
  in a plain thread with nothing shown (targets: >= 20 pictures/s, <= 10% slower).

Weights are random (throughput does not depend on them); the models are in eval mode.
Sampler and bare steps are timed interleaved, median of ``--repeats`` blocks of
``--steps`` steps each.

* the quality table (``--quality``, on by default; ``--no-quality`` skips it): how good
  LDAM's pictures are under each prior, on trained weights. A small conv net (conv1 →
  ReLU → maxpool → conv2 → ReLU → maxpool → fc1 (64) → ReLU → fc2 (10), defined here) is
  trained 2 epochs (Adam, seeded) on 12,000 Fashion-MNIST training images; its test
  accuracy is printed. Units, chosen by rule: the class logit 2 ("Pullover"), the conv2
  channel and the fc1 unit whose objective (a channel's spatial mean, a unit's pre-ReLU
  value) has the largest standard deviation over the 1,000 real test images below.
  Priors: ``none``; ``discriminator``, the one-call recipe
  :meth:`~nbviz.ldam.DiscriminatorPrior.fit` on the same 12,000 images (500 GAN rounds
  against its own Langevin chains, seed 1, ``cache=False``); its λ comes from a sweep over
  4, 16, 64 on the class logit (the largest whose chains' median stays >= the real
  images' 90th percentile, else 4); and ``generator``, a
  :class:`~nbviz.ldam.GeneratorPrior` VAE fitted 8 epochs to the same 12,000 images
  (``cache=False``, so its time is a training time). Each unit × prior row is one
  :class:`~nbviz.ldam.Sampler` with defaults (16 chains from the top real images, the
  warm-up's step size and temperature, seed 0) on the first 1,000 test images as
  ``data``, run 500 steps, and reports: the chains' median final activation (the
  objective on :meth:`~nbviz.ldam.Sampler.samples`, read through forward hooks by
  :func:`~nbviz.ldam.capture`) as a percentile of the same objective on the 1,000 real
  images (the share of them below it); the samples' roughness (mean absolute difference
  of neighbouring pixels, across and down, averaged) divided by the real images'; the
  samples' mean calibrated ``log D`` under an *independent* discriminator (conv, its own
  seed, pre-trained 2 epochs on 12,000 other training images against perturbed copies,
  calibrated on 2,000 other test images) that never steered any chain, with its mean
  ``log D`` on the real images for reference; and the wall time of the Sampler's
  construction and run (the priors' training is timed apart and reported with it).
  ``--quick``: 200 steps a row, a 2-epoch VAE, 60 GAN rounds, a 1-epoch independent D.

Prints the figures and the table, then one JSON line last (throughput keys, then the
``quality_*`` keys: ``quality_<unit>_<prior>_{pct,act,rough_ratio,logd_indep,seconds}``
with units ``logit2``, ``conv2``, ``fc1`` (``quality_units`` names them), the prior and
classifier training times, the λ sweep and the independent D's figures on real images).

Run: ``.venv/bin/python benchmarks/ldam.py`` (about eight minutes on one CPU thread, four
of them the quality table) or ``--quick`` (fewer steps; about three minutes, half of
them the quality table). ``--threads`` sets torch's CPU threads for everything
(default 1).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from nbviz.data import fashion_mnist  # noqa: E402
from nbviz.ldam import (  # noqa: E402
    DiscriminatorPrior,
    GeneratorPrior,
    Sampler,
    capture,
    channel,
    class_logit,
    neuron,
    roughness,
)
from nbviz.models import SmallCNN  # noqa: E402
from nbviz.models import train as train_model  # noqa: E402
from nbviz.models._inputs import resolve_device  # noqa: E402

SHAPE = (1, 28, 28)
CLASS = 3


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bare_step(model, prior, x):
    """One forward of classifier + discriminator and one backward to the input."""
    x = x.detach().requires_grad_(True)
    logp = model(x)[:, CLASS] + prior.log_prob_real(x)
    (g,) = torch.autograd.grad(logp.sum(), x)
    return g


def time_block(fn, steps, device) -> float:
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    _sync(device)
    return (time.perf_counter() - t0) / steps


def case(model, prior, n, mala, steps, repeats, device) -> dict:
    history = {"trace_capacity": 1000, "sample_capacity": 8, "sample_every": 10}
    s = Sampler(model, class_logit(CLASS), n_chains=n, discriminator=prior, tradeoff=1.0,
                step_size=1e-3, mala=mala, clamp="reflect", device=device, seed=0,
                history=history)  # fmt: skip
    x = torch.rand((n, *SHAPE), device=device)
    s.run(2)  # warm-up (allocations, history buffers)
    bare_step(model, prior, x)
    samp, bare = [], []
    for _ in range(repeats):
        samp.append(time_block(lambda: s.run(1), steps, device))
        bare.append(time_block(lambda: bare_step(model, prior, x), steps, device))
    t_s, t_b = statistics.median(samp), statistics.median(bare)
    return {
        "chain_steps_per_s": round(n / t_s, 1),
        "sampler_ms_per_step": round(1000 * t_s, 3),
        "bare_ms_per_step": round(1000 * t_b, 3),
        "ratio": round(t_s / t_b, 3),
        "acceptance": round(float(s.acceptance_rate.mean()), 3),
    }


VIEWER_CELL = """
import threading, time, torch
from nbviz.ldam import DiscriminatorPrior, Sampler, class_logit
from nbviz.models import SmallCNN
from nbviz import LDAMViewer
torch.set_num_threads({threads})
torch.manual_seed(0)
model = SmallCNN(in_shape=(1, 28, 28)).eval()
prior = DiscriminatorPrior((1, 28, 28), kind="conv")
prior.module.eval()
sampler = Sampler(model, class_logit(3), n_chains={chains}, discriminator=prior, tradeoff=1.0,
                  step_size=1e-3, seed=0)
sampler.run(3)


def steps_per_s(seconds, start, stop):
    start()
    time.sleep(0.5)
    n0, t0 = sampler.step_count, time.perf_counter()
    time.sleep(seconds)
    n1, t1 = sampler.step_count, time.perf_counter()
    stop()
    return (n1 - n0) / (t1 - t0)


viewer = LDAMViewer(sampler, steps=10**9)
viewer
"""

# The view's own count of grid draws that showed a new sampler step: reading it twice
# costs nothing in between (a requestAnimationFrame poll would itself load the browser).
COUNTS_JS = "() => document.querySelector('.nbviz-ldam-viewer').__nbvizTest.counts().picturesDrawn"


def viewer_case(chains: int, threads: int, seconds: float, pairs: int = 4) -> dict:
    """Pictures per second in the browser, and the sampler's slowdown with the view."""
    import tempfile

    from tests.ui.harness import JupyterLab, chromium, kernel_eval, open_notebook, run_all_cells
    from tests.ui.harness import write_notebook as write_nb

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        with JupyterLab(root) as lab:
            name = write_nb(
                root, "ldam_bench.ipynb", VIEWER_CELL.format(chains=chains, threads=threads)
            )
            with chromium() as (page, errors):
                open_notebook(page, lab, name)
                run_all_cells(page)
                page.wait_for_selector('.nbviz-ldam-viewer[data-ready="true"]', timeout=60_000)
                with lab.kernel(name) as kc:
                    plain, shown, fps = [], [], []
                    # Interleaved pairs (plain thread, then the viewer's job), medians: on a
                    # shared 2-core VM single runs of the plain thread vary by ~10%.
                    for _ in range(pairs):
                        plain.append(kernel_eval(kc, (
                            f"(lambda stop: steps_per_s({seconds}, lambda: threading.Thread("
                            "target=sampler.run, args=(10**9,), kwargs={'should_stop': stop},"
                            " daemon=True).start(), stop.set))(threading.Event())"
                        ), timeout=120))  # fmt: skip
                        time.sleep(0.5)
                        kernel_eval(kc, "viewer.start() and 0")
                        time.sleep(0.5)
                        n0 = kernel_eval(kc, "sampler.step_count")
                        p0, t0 = page.evaluate(COUNTS_JS), time.perf_counter()
                        time.sleep(seconds)
                        p1, t1 = page.evaluate(COUNTS_JS), time.perf_counter()
                        n1 = kernel_eval(kc, "sampler.step_count")
                        fps.append((p1 - p0) / (t1 - t0))
                        shown.append((n1 - n0) / (time.perf_counter() - t0))
                        kernel_eval(kc, "viewer.stop() or 0")
                        time.sleep(0.5)
                if errors:
                    raise RuntimeError(f"console errors in the viewer case: {errors}")
    plain_s, shown_s = statistics.median(plain), statistics.median(shown)
    return {
        "viewer_chains": chains,
        "viewer_pairs": pairs,
        "viewer_pictures_per_s": round(statistics.median(fps), 1),
        "viewer_sampler_steps_per_s_plain": round(plain_s, 1),
        "viewer_sampler_steps_per_s_shown": round(shown_s, 1),
        "viewer_slowdown": round(1 - shown_s / plain_s, 3),
        "viewer_slowdown_per_pair": [
            round(1 - b / a, 3) for a, b in zip(plain, shown, strict=True)
        ],
    }


# --- quality ------------------------------------------------------------------------
QUALITY_CLASS = 2  # Fashion-MNIST's "Pullover"
PRIORS = ("none", "discriminator", "generator")
TRADEOFFS = (4.0, 16.0, 64.0)
#: The λ sweep keeps the largest λ whose chains' median activation stays at or above
#: this percentile of the real images' (else the smallest λ).
SWEEP_MIN_PCT = 90.0


class QualityNet(nn.Module):
    """conv1 → ReLU → maxpool → conv2 → ReLU → maxpool → fc1 (64) → ReLU → fc2 (10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def scores(model, objective, x, batch: int = 500) -> torch.Tensor:
    """The objective on each input of ``x``, from the activations forward hooks capture."""
    with torch.no_grad():
        parts = [
            objective(capture(model, x[s : s + batch], objective.layers))
            for s in range(0, len(x), batch)
        ]
    return torch.cat(parts)


def mean_log_d(prior, x: torch.Tensor) -> float:
    with torch.no_grad():
        return float(prior.log_prob_real(x.to(prior.device)).mean())


def pick_units(model, x) -> dict:
    """The class logit, and the conv2 channel and fc1 unit whose objective (a channel's
    spatial mean, a unit's pre-ReLU value) has the largest standard deviation over ``x``."""
    with torch.no_grad():
        acts = capture(model, x, ["conv2", "fc1"])
    c = int(acts["conv2"].flatten(2).mean(2).std(0).argmax())
    k = int(acts["fc1"].std(0).argmax())
    return {
        f"logit{QUALITY_CLASS}": class_logit(QUALITY_CLASS),
        "conv2": channel("conv2", c),
        "fc1": neuron("fc1", k),
    }


def quality_case(model, objective, data, real_scores, steps, **prior) -> dict:
    """One Sampler with defaults on ``data``: timed construction + run, then its samples."""
    t0 = time.perf_counter()
    s = Sampler(model, objective, data=data, seed=0, **prior)
    s.run(steps)
    seconds = time.perf_counter() - t0
    x = s.samples()
    act = scores(model, objective, x)
    med = act.median()
    return {
        "samples": x,
        "act": float(med),
        "pct": float(100.0 * (real_scores < med).double().mean()),
        "seconds": seconds,
    }


def quality(args, quick: bool) -> dict:
    """The quality table: each unit × prior; returns the ``quality_*`` keys."""
    started = time.perf_counter()
    steps = args.quality_steps or (200 if quick else 500)
    n_data = 1000
    vae_epochs = 2 if quick else 8
    rounds = 60 if quick else 500
    indep_epochs = 1 if quick else 2
    train = fashion_mnist("train", progress=False)
    test = fashion_mnist("test", progress=False)
    order = torch.randperm(len(train.images), generator=torch.Generator().manual_seed(0))
    fit_idx, indep_idx = order[:12000], order[12000:24000]
    x_fit, y_fit = train.images[fit_idx], train.labels[fit_idx]
    data = test.images[:n_data]  # the chains' data, the real reference of every figure
    calib_steer, calib_indep = test.images[1000:3000], test.images[3000:5000]
    out: dict = {"quality_steps": steps, "quality_chains": 16, "quality_data": n_data}

    t0 = time.perf_counter()
    torch.manual_seed(0)
    model = QualityNet()
    train_model(
        model, (x_fit, y_fit), epochs=2, batch_size=64, lr=1e-3, device="cpu", progress=False
    )
    out["quality_classifier_train_seconds"] = round(time.perf_counter() - t0, 1)
    with torch.no_grad():
        acc = (model(test.images).argmax(1) == test.labels).double().mean()
    out["quality_classifier_test_accuracy"] = round(float(acc), 4)
    print(
        f"\nLDAM quality. Classifier (conv1-conv2-fc1 64-fc2 10), 2 epochs on {len(x_fit):,} "
        f"Fashion-MNIST training images: {out['quality_classifier_train_seconds']:.1f} s, "
        f"test accuracy {float(acc):.4f}"
    )
    units = pick_units(model, data)
    out["quality_units"] = {tag: repr(obj) for tag, obj in units.items()}
    real = {tag: scores(model, obj, data) for tag, obj in units.items()}
    real_rough = roughness(data)
    out["quality_real_roughness"] = round(real_rough, 5)

    # The independent judge: its own seed and training images, never in any chain's density.
    t0 = time.perf_counter()
    torch.manual_seed(7)
    judge = DiscriminatorPrior(SHAPE, kind="conv", seed=7)
    judge.pretrain(train.images[indep_idx], epochs=indep_epochs)
    judge_cal = judge.calibrate(calib_indep)["after"]
    out["quality_indep_discriminator_train_seconds"] = round(time.perf_counter() - t0, 1)
    out["quality_indep_calibration_accuracy"] = round(judge_cal["accuracy"], 4)
    out["quality_indep_calibration_ece"] = round(judge_cal["ece"], 4)
    out["quality_real_logd_indep"] = round(mean_log_d(judge, data), 4)

    # The steering discriminator: the documented one-call recipe on the training images.
    t0 = time.perf_counter()
    steer = DiscriminatorPrior.fit(x_fit, rounds=rounds, seed=1, cache=False, progress=False)
    steer_cal = steer.calibration(calib_steer)
    out["quality_discriminator_train_seconds"] = round(time.perf_counter() - t0, 1)
    out["quality_discriminator_rounds"] = rounds
    out["quality_discriminator_calibration_ece"] = round(steer_cal["ece"], 4)

    # λ: the largest of TRADEOFFS that keeps the class logit's chains >= SWEEP_MIN_PCT.
    logit = f"logit{QUALITY_CLASS}"
    sweep, sweep_logd = {}, {}
    for lam in TRADEOFFS:
        r = quality_case(
            model, units[logit], data, real[logit], steps, discriminator=steer, tradeoff=lam
        )
        sweep[lam] = round(r["pct"], 1)
        sweep_logd[lam] = round(mean_log_d(steer, r["samples"]), 3)
    ok = [lam for lam in TRADEOFFS if sweep[lam] >= SWEEP_MIN_PCT]
    tradeoff = max(ok) if ok else min(TRADEOFFS)
    out["quality_tradeoff"] = tradeoff
    out["quality_tradeoff_sweep_pct"] = {f"{k:g}": v for k, v in sweep.items()}
    out["quality_tradeoff_sweep_logd_steer"] = {f"{k:g}": v for k, v in sweep_logd.items()}

    t0 = time.perf_counter()
    gen = GeneratorPrior.fit(x_fit, epochs=vae_epochs, cache=False, progress=False)
    out["quality_generator_train_seconds"] = round(time.perf_counter() - t0, 1)
    out["quality_generator_epochs"] = vae_epochs

    priors = {
        "none": {},
        "discriminator": {"discriminator": steer, "tradeoff": tradeoff},
        "generator": {"generator": gen},
    }
    print(
        f"Steering discriminator (DiscriminatorPrior.fit, {rounds} rounds, seed 1): "
        f"{out['quality_discriminator_train_seconds']:.1f} s, ECE on held-out real against "
        f"perturbed {out['quality_discriminator_calibration_ece']:.3f}. λ = {tradeoff:g}, "
        f"the largest with the {units[logit]!r} chains' median >= the "
        f"{SWEEP_MIN_PCT:g}th percentile (sweep, λ: pct / steering log D: "
        + ", ".join(f"{k:g}: {sweep[k]:.1f} / {sweep_logd[k]:.2f}" for k in TRADEOFFS)
        + ")"
    )
    print(
        f"Generator (VAE, {vae_epochs} epochs on the same {len(x_fit):,} images): "
        f"{out['quality_generator_train_seconds']:.1f} s"
    )
    print(
        f"Independent D (conv, seed 7, {indep_epochs} epoch(s) on {len(indep_idx):,} other "
        f"training images against perturbed ones, calibrated): "
        f"{out['quality_indep_discriminator_train_seconds']:.1f} s, held-out accuracy "
        f"{judge_cal['accuracy']:.3f}; mean log D on the {n_data:,} real test images "
        f"{out['quality_real_logd_indep']:.3f}"
    )
    print(
        f"Each row: 16 chains x {steps} steps on {n_data:,} real test images (seconds: "
        "Sampler construction + run); pct: the chains' median final activation as a "
        "percentile of the real images'; rough/real: neighbour-pixel roughness against "
        "the real images'"
    )
    print(
        f"{'unit':<22} {'prior':<13} {'pct':>6} {'median act':>10} {'real p99':>9} "
        f"{'rough/real':>10} {'log D indep':>11} {'seconds':>8}"
    )
    for tag, obj in units.items():
        p99 = float(real[tag].quantile(0.99))
        out[f"quality_{tag}_real_p99"] = round(p99, 4)
        for name, kw in priors.items():
            r = quality_case(model, obj, data, real[tag], steps, **kw)
            row = {
                "pct": round(r["pct"], 1),
                "act": round(r["act"], 4),
                "rough_ratio": round(roughness(r["samples"]) / real_rough, 3),
                "logd_indep": round(mean_log_d(judge, r["samples"]), 3),
                "seconds": round(r["seconds"], 2),
            }
            for k, v in row.items():
                out[f"quality_{tag}_{name}_{k}"] = v
            print(
                f"{obj!r:<22} {name:<13} {row['pct']:>6.1f} {row['act']:>10.3f} {p99:>9.3f} "
                f"{row['rough_ratio']:>10.3f} {row['logd_indep']:>11.3f} {row['seconds']:>8.2f}"
            )
    out["quality_seconds"] = round(time.perf_counter() - started, 1)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    ap.add_argument("--steps", type=int, default=None, help="steps per timed block")
    ap.add_argument("--repeats", type=int, default=None, help="timed blocks per case")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--chains", type=int, nargs="+", default=[1, 64, 1024])
    ap.add_argument("--no-viewer", action="store_true", help="skip the browser measurement")
    ap.add_argument("--viewer-chains", type=int, default=64)
    ap.add_argument("--viewer-seconds", type=float, default=None)
    ap.add_argument("--quality", action=argparse.BooleanOptionalAction, default=True,
                    help="the quality table: each unit x prior (on by default)")  # fmt: skip
    ap.add_argument("--quality-steps", type=int, default=None,
                    help="sampler steps per quality row (default 500, --quick 200)")  # fmt: skip
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    repeats = args.repeats or (3 if args.quick else 5)

    torch.manual_seed(0)
    model = SmallCNN(in_shape=SHAPE).eval().to(device)
    prior = DiscriminatorPrior(SHAPE, kind="conv", device=device)
    prior.module.eval()
    results: dict = {
        "benchmark": "ldam",
        "device": str(device),
        "threads": torch.get_num_threads(),
        "quick": args.quick,
        "shape": list(SHAPE),
        "model": "small_cnn",
        "discriminator": "conv",
    }
    print(f"LDAM sampler on SmallCNN {SHAPE} + conv discriminator, λ=1, device {device}, "
          f"{torch.get_num_threads()} torch thread(s), median of {repeats} blocks")  # fmt: skip
    print(f"{'kind':>4} {'chains':>6} {'chain-steps/s':>14} {'sampler ms':>11} "
          f"{'bare ms':>9} {'ratio':>6} {'accept':>7}")  # fmt: skip
    for mala in (False, True):
        kind = "mala" if mala else "ula"
        for n in args.chains:
            steps = args.steps or max(2, min(50, (2000 if args.quick else 8000) // (n + 30)))
            r = case(model, prior, n, mala, steps, repeats, device)
            print(f"{kind:>4} {n:>6} {r['chain_steps_per_s']:>14,.1f} "
                  f"{r['sampler_ms_per_step']:>11.3f} {r['bare_ms_per_step']:>9.3f} "
                  f"{r['ratio']:>6.3f} {r['acceptance']:>7.3f}")  # fmt: skip
            for k, v in r.items():
                results[f"{kind}_{k}_{n}"] = v
    big = max(args.chains)
    results["target_ratio"] = 1.15
    results[f"ula_meets_target_{big}"] = results[f"ula_ratio_{big}"] <= 1.15
    results[f"mala_meets_target_{big}"] = results[f"mala_ratio_{big}"] <= 1.15
    if device.type == "cuda" and 1 in args.chains and 1024 in args.chains:
        # The GPU targets: >= 900 sampler steps/s at 1024 chains, <= 3 ms a step at 1 chain.
        for kind in ("ula", "mala"):
            per_s = 1000.0 / results[f"{kind}_sampler_ms_per_step_1024"]
            results[f"{kind}_gpu_steps_per_s_1024"] = round(per_s, 1)
            results[f"{kind}_gpu_meets_targets"] = (
                per_s >= 900 and results[f"{kind}_sampler_ms_per_step_1"] <= 3.0
            )
        met = {k: results[f"{k}_gpu_meets_targets"] for k in ("ula", "mala")}
        print("GPU targets (>= 900 steps/s at 1024 chains, <= 3 ms/step at 1 chain): "
              f"ULA {met['ula']}, MALA {met['mala']}")  # fmt: skip
    if not args.no_viewer:
        seconds = args.viewer_seconds or (3.0 if args.quick else 6.0)
        v = viewer_case(args.viewer_chains, args.threads, seconds, pairs=2 if args.quick else 4)
        print(f"viewer, {v['viewer_chains']} chains: {v['viewer_pictures_per_s']:.1f} pictures/s "
              f"in the browser; sampler {v['viewer_sampler_steps_per_s_shown']:.1f} steps/s "
              f"shown vs {v['viewer_sampler_steps_per_s_plain']:.1f} plain "
              f"(slowdown {100 * v['viewer_slowdown']:.1f}%)")  # fmt: skip
        results |= v
        results["viewer_meets_targets"] = (
            v["viewer_pictures_per_s"] >= 20 and v["viewer_slowdown"] <= 0.10
        )
    if args.quality:
        results |= quality(args, args.quick)
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
