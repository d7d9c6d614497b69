"""Benchmark: lottery tickets and supermasks on LeNet-300-100, against the papers' claims.

Measures, in one run on this machine (``--device auto``: CUDA when present, else CPU):
* Fashion-MNIST test accuracy of the dense LeNet-300-100 and of IMP tickets at the
  rounds nearest 20%, 10% and 3.6% of the weights remaining, rewound to the initial
  weights ("rewind") against the same masks randomly re-initialized ("reinit"); layerwise
  magnitude pruning (large_final) with the output layer at half rate, Adam, as in
  Frankle & Carbin (fewer epochs per round than their 50k iterations);
* the accuracy of a supermask learned over the untrained network (Zhou et al.,
  Bernoulli sampling with a straight-through gradient), on Fashion-MNIST and on digits
  (chance is 10%), and on Fashion-MNIST with their dynamic weight rescaling;
* the time of one training epoch of a ticket at 3.6% against one dense epoch (median of
  interleaved repeats, fused Adam, evaluation excluded).
Targets: the ticket at ~10% within 1 point of dense; random re-init clearly below;
supermask far above chance; pruned epoch <= 1.1x the dense epoch.

Fashion-MNIST comes from /usr/share/datasets/fashion-mnist (Debian's
dataset-fashion-mnist) or the nbviz cache. Prints the figures, then one JSON line last.

Run: ``.venv/bin/python benchmarks/lottery.py`` (about 10 minutes on 2 CPU cores) or
``--quick`` (a few minutes: 50% per round, 5 rounds, 2 epochs per training).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from nbviz.data import digits, fashion_mnist  # noqa: E402
from nbviz.lottery import fit, imp, make_ticket, train_supermask  # noqa: E402
from nbviz.models import LeNet300100  # noqa: E402

TARGETS = (0.20, 0.10, 0.036)


def nearest_round(result, target: float):
    """The record whose density is nearest ``target`` on a log scale."""
    return min(result.records[1:], key=lambda r: abs(math.log(r.density / target)))


def tickets_case(train, test, args) -> dict:
    torch.manual_seed(args.seed)
    model = LeNet300100()
    started = time.perf_counter()
    result = imp(
        model,
        train,
        test,
        rounds=args.rounds,
        rate=args.rate,
        variants=["rewind", "reinit"],
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        device=args.device,
        progress=args.progress,
    )
    wall = time.perf_counter() - started
    dense = result.records[0].accuracy["rewind"]
    print(f"IMP: {args.rounds} rounds at {args.rate:.0%} per round (output layer at half), "
          f"{args.epochs} epochs each, batch {args.batch_size}, lr {args.lr}, "
          f"{len(train)} training images; {wall:.0f} s")  # fmt: skip
    print("  round  weights left   rewind   reinit")
    for rec in result.records:
        print(f"  {rec.round:5d}  {100 * rec.density:10.2f}%  {100 * rec.accuracy['rewind']:6.2f}%"
              f"  {100 * rec.accuracy['reinit']:6.2f}%")  # fmt: skip
    out = {"dense_acc": dense, "imp_seconds": round(wall, 1)}
    print(f"  dense: {100 * dense:.2f}%")
    for target in TARGETS:
        rec = nearest_round(result, target)
        key = f"{100 * target:g}pct"
        rewind, reinit = rec.accuracy["rewind"], rec.accuracy["reinit"]
        print(f"  ~{100 * target:g}% (round {rec.round}, {100 * rec.density:.2f}% left): "
              f"rewind {100 * rewind:.2f}% ({100 * (rewind - dense):+.2f} vs dense), "
              f"reinit {100 * reinit:.2f}% ({100 * (reinit - rewind):+.2f} vs rewind)")  # fmt: skip
        out[f"ticket_{key}_density"] = round(rec.density, 4)
        out[f"ticket_{key}_rewind_acc"] = rewind
        out[f"ticket_{key}_reinit_acc"] = reinit
    rewind_s = [r.seconds["rewind"] for r in result.records[1:]]
    out["imp_round_seconds_ratio"] = round(
        statistics.median(rewind_s) / result.records[0].seconds["rewind"], 3
    )
    out["records"] = [r.to_dict() for r in result.records]
    if args.figure:
        result.figure().savefig(args.figure, dpi=100, bbox_inches="tight")
        print(f"  figure saved to {args.figure}")
    return out


def supermask_case(name, train, test, args, epochs, rescale=False) -> dict:
    torch.manual_seed(args.seed)
    model = LeNet300100(in_shape=train.image_shape)
    started = time.perf_counter()
    res = train_supermask(model, train, test, epochs=epochs, batch_size=128, samples=3,
                          seed=args.seed, device=args.device, progress=args.progress,
                          rescale=rescale)  # fmt: skip
    wall = time.perf_counter() - started
    if rescale:
        name += "_rescaled"
    print(f"supermask on the untrained net, {name}: {100 * res.accuracy:.2f}% "
          f"(sampled masks {100 * res.sampled_accuracy:.2f}%, chance {100 * res.chance:.0f}%), "
          f"{100 * res.density:.1f}% of weights kept, {epochs} epochs, {wall:.0f} s")  # fmt: skip
    return {
        f"supermask_{name}_acc": res.accuracy,
        f"supermask_{name}_sampled_acc": res.sampled_accuracy,
        f"supermask_{name}_density": round(res.density, 4),
    }


def timing_case(train, args) -> dict:
    torch.manual_seed(args.seed)
    model = LeNet300100()
    g = torch.Generator().manual_seed(args.seed)
    masks = {
        n: torch.rand(getattr(model, n).weight.shape, generator=g) < 0.036
        for n in ("fc1", "fc2", "logits")
    }
    dense_s, pruned_s = [], []
    kw = {"epochs": 1, "batch_size": args.batch_size, "lr": args.lr, "device": args.device}
    for _ in range(args.repeats):
        net = LeNet300100()
        net.load_state_dict(model.state_dict())
        dense_s.append(fit(net, train, **kw).seconds)
        pruned_s.append(fit(make_ticket(model, masks), train, **kw).seconds)
    # Each pair ran back to back: the median of the pair ratios is robust to the load on a
    # shared machine drifting during the run (the ratio of the medians is not).
    ratio = statistics.median(p / d for p, d in zip(pruned_s, dense_s, strict=True))
    print(f"one epoch ({len(train)} images, batch {args.batch_size}): dense "
          f"{statistics.median(dense_s):.3f} s {[round(s, 3) for s in dense_s]}, ticket at 3.6% "
          f"{statistics.median(pruned_s):.3f} s {[round(s, 3) for s in pruned_s]}: "
          f"median ratio of the pairs {ratio:.3f}")  # fmt: skip
    return {
        "dense_epoch_s": round(statistics.median(dense_s), 4),
        "pruned_epoch_s": round(statistics.median(pruned_s), 4),
        "pruned_over_dense": round(ratio, 3),
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a few minutes instead of ~10")
    ap.add_argument("--figure", help="save the IMP figure (accuracy vs weights left) here")
    ap.add_argument("--rate", type=float, help="pruning rate per round (default 0.2)")
    ap.add_argument("--rounds", type=int, help="pruning rounds (default 15: 3.5%% left)")
    ap.add_argument("--epochs", type=int, help="epochs per training (default 5)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1.2e-3, help="Adam, as Frankle & Carbin")
    ap.add_argument("--repeats", type=int, default=5, help="timing repeats")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--progress", action="store_true", help="show tqdm bars")
    args = ap.parse_args(argv)
    quick = args.quick
    args.rate = args.rate or (0.5 if quick else 0.2)
    args.rounds = args.rounds or (5 if quick else 15)
    args.epochs = args.epochs or (2 if quick else 5)
    if args.threads:
        torch.set_num_threads(args.threads)

    train = fashion_mnist("train", progress=False)
    test = fashion_mnist("test", progress=False)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}"
          f"{' (quick)' if quick else ''}")  # fmt: skip
    results: dict = {"benchmark": "lottery", "quick": quick, "device": args.device}
    results.update(tickets_case(train, test, args))
    results.update(supermask_case("fashion_mnist", train, test, args, 2 if quick else 6))
    results.update(supermask_case("fashion_mnist", train, test, args, 2 if quick else 6,
                                  rescale=True))  # fmt: skip
    results.update(supermask_case("digits", digits("train"), digits("test"), args,
                                  10 if quick else 30))  # fmt: skip
    results.update(timing_case(train, args))
    checks = {
        "ticket_10pct_within_1pt": results["ticket_10pct_rewind_acc"]
        >= results["dense_acc"] - 0.01,
        "reinit_below_at_3.6pct": results["ticket_3.6pct_reinit_acc"]
        < results["ticket_3.6pct_rewind_acc"] - 0.01,
        "supermask_far_above_chance": results["supermask_fashion_mnist_acc"] > 0.5
        and results["supermask_digits_acc"] > 0.5,
        "pruned_epoch_le_1.1x": results["pruned_over_dense"] <= 1.1,
    }
    print("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in checks.items()))
    results["targets"] = checks
    records = results.pop("records")
    results["densities"] = [round(r["density"], 4) for r in records]
    results["rewind_acc"] = [round(r["accuracy"]["rewind"], 4) for r in records]
    results["reinit_acc"] = [round(r["accuracy"]["reinit"], 4) for r in records]
    print(json.dumps(results))
    return results


if __name__ == "__main__":
    main()
