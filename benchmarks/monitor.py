"""Benchmark: what recording costs a training step, nbviz's Recorder beside TensorBoard's
own ``SummaryWriter`` logging the same things.

On the zoo CNN (:class:`nbviz.models.SmallCNN`, Fashion-MNIST's 1 × 28 × 28 inputs,
batches of 128, Adam), the time of one training step:

* ``bare`` — forward, backward, optimizer step;
* ``recorder`` — plus ``rec.step(loss=..., acc=...)`` at the defaults (scalars every step,
  weight/gradient/activation histograms every 25 steps);
* ``recorder_every_1`` — histograms at every step (the costly setting);
* ``recorder_logdir`` — the defaults, also writing TensorBoard event files as it records;
* ``summary_writer`` — the peer: ``torch.utils.tensorboard.SummaryWriter`` with
  ``add_scalar`` for the loss and accuracy every step and ``add_histogram`` of every
  weight and gradient every 25 steps (what a TensorBoard user writes; no activations).

Each setting runs ``--steps`` steps per round, the settings alternating over
``--rounds`` rounds (after one warm-up round); a round's step time is its mean (the
histogram steps are what costs), and the median over rounds is reported with its ratio to
``bare`` (the issue's target: ≤ 1.1× at the defaults).

Prints a table, then one JSON line last. Run: ``.venv/bin/python benchmarks/monitor.py``
(``--threads``, default 2; ``--device cuda`` on a GPU machine). Linear CKA against NumPy
is ``benchmarks/similarity.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nbviz.models import SmallCNN  # noqa: E402
from nbviz.monitor import Recorder  # noqa: E402

SETTINGS = ("bare", "recorder", "recorder_every_1", "recorder_logdir", "summary_writer")


def make_logger(setting: str, model, logdir: Path):
    """A function called after each step with (step, loss, acc), and a closer."""
    if setting == "bare":
        return (lambda step, loss, acc: None), (lambda: None)
    if setting == "summary_writer":
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(log_dir=str(logdir / setting))

        def log(step, loss, acc):
            writer.add_scalar("loss", float(loss), step)
            writer.add_scalar("acc", float(acc), step)
            if step == 1 or step % 25 == 0:
                for name, p in model.named_parameters():
                    writer.add_histogram(f"weight/{name}", p.detach(), step)
                    writer.add_histogram(f"grad/{name}", p.grad, step)

        return log, writer.close
    options = {"recorder": {}, "recorder_every_1": {"every": 1}}.get(setting, {})
    if setting == "recorder_logdir":
        options = {"logdir": logdir / setting}
    rec = Recorder(model, **options)
    return (lambda step, loss, acc: rec.step(loss=loss, acc=acc)), rec.close


def run_round(setting, model, opt, batches, logdir) -> float:
    log, close = make_logger(setting, model, logdir)
    model.train()
    times = []
    try:
        for step, (x, y) in enumerate(batches, start=1):
            started = time.perf_counter()
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            log(step, loss.detach(), (logits.detach().argmax(1) == y).float().mean())
            if x.is_cuda:
                torch.cuda.synchronize()
            times.append(time.perf_counter() - started)
    finally:
        close()
    # the mean, not the median: the histogram steps (1 in 25) are the cost being measured
    return statistics.fmean(times[1:])  # the first step warms up


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=100, help="steps per setting per round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 28, 28)).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    batches = [
        (torch.rand(args.batch, 1, 28, 28, generator=g).to(device),
         torch.randint(0, 10, (args.batch,), generator=g).to(device))
        for _ in range(args.steps)
    ]  # fmt: skip
    medians: dict[str, list[float]] = {s: [] for s in SETTINGS}
    with tempfile.TemporaryDirectory() as tmp:
        run_round("bare", model, opt, batches, Path(tmp))  # warm up: allocator, kernels
        for r in range(args.rounds):
            order = SETTINGS if r % 2 == 0 else SETTINGS[::-1]
            for setting in order:
                medians[setting].append(run_round(setting, model, opt, batches, Path(tmp)))
    ms = {s: 1000 * statistics.median(v) for s, v in medians.items()}
    print(f"SmallCNN, batch {args.batch}, {args.device}, {args.threads} threads; "
          f"mean step, median over {args.rounds} rounds of {args.steps} steps")  # fmt: skip
    for s in SETTINGS:
        print(f"  {s:<18} {ms[s]:8.2f} ms   {ms[s] / ms['bare']:.3f}× bare")
    out = {
        "benchmark": "monitor",
        "device": args.device,
        "threads": args.threads,
        "batch": args.batch,
        **{f"{s}_ms": round(ms[s], 3) for s in SETTINGS},
        **{f"{s}_ratio": round(ms[s] / ms["bare"], 3) for s in SETTINGS if s != "bare"},
    }
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
