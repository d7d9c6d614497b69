"""What the Grand Tour borrows from dtour, made for networks, in a real browser: frame
previews that jump to their frame, a guided traversal along interesting views, and a live
figure of how well the classes separate in the view."""

from __future__ import annotations

import numpy as np

from .conftest import ARTIFACTS
from .harness import kernel_eval, show_view, view_hook, wait_until

ROOT = ".nbviz-grand-tour"

SETUP = """
import numpy as np, torch
from torch import nn
import nbviz
from nbviz import GrandTour

digits = nbviz.data.digits()
torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(64, 48), nn.Tanh(), nn.Linear(48, 10))
result = nbviz.models.train(net, digits, epochs=4, progress=False)
tour = GrandTour.from_training(result, net, digits.subset(500, seed=0), layer="softmax",
                               height=380, playing=False)
tour
"""


def _plane_gap(p, q) -> float:
    """0 when the 2-planes of projections p and q (d rows of [x, y]) are the same."""
    p, q = np.asarray(p), np.asarray(q)
    return float(np.abs(p @ p.T - q @ q.T).max())


def test_previews_guided_traversal_and_quality(page, lab, write_notebook):
    name = write_notebook("guided_tour.ipynb", SETUP)
    show_view(page, lab, name, ROOT)
    ARTIFACTS.mkdir(exist_ok=True)
    with lab.kernel(name) as kc:
        frames = kernel_eval(kc, "len(tour.frame_names)")
        previews = page.locator(".nbviz-grand-tour-preview")
        assert previews.count() == frames == 5
        # A click on a preview sets the frame in Python; that preview is marked current.
        previews.nth(2).click()
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 2.0) == 2.0
        assert previews.nth(2).get_attribute("aria-current") == "true"
        previews.nth(4).click()
        assert wait_until(lambda: kernel_eval(kc, "tour.frame"), lambda v: v == 4.0) == 4.0

        # The quality figure follows the view: a plane of two class axes that separate
        # well against one where most classes sit on top of each other.
        d = kernel_eval(kc, "tour.d")
        assert d == 10 and kernel_eval(kc, "tour.dim_names") == [str(k) for k in range(10)]
        scores = {}
        for axes in [(0, 1), (2, 9)]:
            kernel_eval(kc, f"setattr(tour, 'projection', np.eye(10)[:, {list(axes)}]) or 0")
            scores[axes] = float(
                wait_until(
                    lambda: page.get_attribute(ROOT, "data-quality"),
                    lambda v, a=axes: v is not None and scores.get(a) != v,
                    timeout=10,
                )
            )
            page.wait_for_timeout(400)
            scores[axes] = float(page.get_attribute(ROOT, "data-quality"))
        assert scores[(0, 1)] != scores[(2, 9)], scores
        text = page.locator(".nbviz-grand-tour-quality").inner_text()
        assert "nearest neighbours share the class" in text and "chance" in text, text

        # Guided traversal: chosen in the view's menu, it reaches Python, and the view
        # travels to the path's keyframes (the PCA little tour, then class-axis planes).
        page.locator(".nbviz-grand-tour-traversal").select_option("guided")
        assert wait_until(lambda: kernel_eval(kc, "tour.traversal"), lambda v: v == "guided")
        kernel_eval(kc, "setattr(tour, 'speed', 3.0) or setattr(tour, 'playing', True) or 0")
        reached = []
        for _ in range(80):
            g = view_hook(page, ROOT, "t.guided()")
            if g["phase"] == "holding":
                gap = _plane_gap(
                    view_hook(page, ROOT, "t.projection()"), g["keyframes"][g["index"]]
                )
                if not reached or reached[-1][0] != g["index"]:
                    reached.append((g["index"], gap))
            if len(reached) >= 2:
                break
            page.wait_for_timeout(150)
        assert len(reached) >= 2, reached
        assert all(gap < 1e-3 for _, gap in reached), reached
        assert len(g["keyframes"]) >= 4
        # The keyframes include the class-axis planes of this softmax tour.
        axis_planes = [
            k for k in g["keyframes"] if np.count_nonzero(np.abs(np.asarray(k)) > 1e-9) == 2
        ]
        assert axis_planes, "no class-axis keyframe"
        page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "guided-tour.png"))
