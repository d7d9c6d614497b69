"""The CoordConv paper's claim on its quadrant split, measured: trained side by side on the
same batches, the CoordConv net draws squares in the quadrant it never saw as well as in
the ones it trained on, while the deconvolution baseline, which does learn its training
positions, draws little of the held-out ones (Liu et al. 2018, Section 4)."""

from __future__ import annotations

import time

import pytest
import torch

from nbviz.coordconv import train_side_by_side
from nbviz.data import not_so_clevr


@pytest.mark.slow
def test_coordconv_generalizes_to_the_held_out_quadrant_and_the_deconv_baseline_does_not():
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    data = not_so_clevr("rendering", "quadrant", quadrant=3)
    started = time.perf_counter()
    try:
        # the defaults: 600 steps of 32 positions, Adam 5e-3, both nets seeded with 0;
        # one evaluation at the end on every held-out position
        res = train_side_by_side(data=data, eval_every=600, eval_size=len(data.test),
                                 score_all=False, progress=False)  # fmt: skip
    finally:
        torch.set_num_threads(threads)
    conv = {"train": res.train["conv"][-1], "test": res.test["conv"][-1]}
    coord = {"train": res.train["coordconv"][-1], "test": res.test["coordconv"][-1]}
    print(f"IoU after 600 steps, train sample / held-out quadrant: conv {conv}, "
          f"coordconv {coord} ({time.perf_counter() - started:.0f} s)")  # fmt: skip
    assert coord["test"] >= 0.95 and coord["train"] >= 0.95
    assert conv["test"] <= 0.5
    assert conv["train"] >= conv["test"] + 0.2  # it fits what it saw, not what it did not
