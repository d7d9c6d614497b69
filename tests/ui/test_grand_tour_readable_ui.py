"""The Grand Tour reads well on a network a user defines: each layer's cloud fills the view,
axis names do not overlap, no layer is toured on dims that are zero for every point, and a
frame whose points all coincide says so."""

from __future__ import annotations

from .conftest import ARTIFACTS
from .harness import kernel_eval, show_view, view_hook, wait_until

ROOT = ".nbviz-grand-tour"

OWN_MLP = """
import numpy as np, torch
from torch import nn
import nbviz
from nbviz import GrandTour

fm = nbviz.data.fashion_mnist("test")
train_set, shown = fm.subset(2000, seed=1), fm.subset(1000, seed=2)

class MyMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.bn1 = nn.BatchNorm1d(64)
        self.act1 = nn.GELU()
        self.fc2 = nn.Linear(64, 32)
        self.act2 = nn.GELU()
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        x = x.flatten(1)
        return self.head(self.act2(self.fc2(self.act1(self.bn1(self.fc1(x))))))

torch.manual_seed(0)
model = MyMLP()
nbviz.models.train(model, train_set, epochs=3, progress=False)
tour = GrandTour.from_layers(model, shown, height=440, playing=False)
tour
"""

UNTRAINED_HEAD = """
import numpy as np, torch
from torch import nn
import nbviz
from nbviz import GrandTour

digits = nbviz.data.digits()
torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
nn.init.zeros_(net[3].weight)  # a zero-initialised head, as many recipes start: uniform softmax
nn.init.zeros_(net[3].bias)
result = nbviz.models.train(net, digits, epochs=2, progress=False)
softmax_tour = GrandTour.from_training(result, net, digits.subset(400, seed=0), layer="softmax",
                                       height=360, playing=False)
softmax_tour
"""


def _settled(page, frame: int):
    """Wait until the view shows `frame` and its fit has stopped gliding."""
    wait_until(lambda: page.get_attribute(ROOT, "data-frame"), lambda v: v == f"{frame:.3f}")
    last = None
    for _ in range(30):
        box = view_hook(page, ROOT, "t.cloudBox()")
        if (
            last is not None
            and abs(box["x1"] - last["x1"]) < 0.5
            and abs(box["y0"] - last["y0"]) < 0.5
        ):
            return box
        last = box
        page.wait_for_timeout(150)
    return last


def test_layer_tour_of_own_mlp_reads_well(page, lab, write_notebook):
    name = write_notebook("own_mlp_layers.ipynb", OWN_MLP)
    show_view(page, lab, name, ROOT)
    ARTIFACTS.mkdir(exist_ok=True)
    with lab.kernel(name) as kc:
        names = kernel_eval(kc, "tour.frame_names")
        assert names[0] == "input" and "head" in names and "bn1" in names, names
        # No toured dim is zero for all points, in any frame (no padding axes).
        zero_dims = kernel_eval(
            kc, "[int((np.abs(f).max(0) <= 1e-6 * np.sqrt((f ** 2).mean())).sum()) "
                "for f in tour.points]")  # fmt: skip
        assert zero_dims == [0] * len(names), dict(zip(names, zero_dims, strict=True))
        d = kernel_eval(kc, "tour.d")
        assert 2 <= d <= 10, d  # the 10-wide head bounds the common width
        for k, layer in enumerate(names):
            kernel_eval(kc, f"setattr(tour, 'frame', {k}) or 0")
            box = _settled(page, k)
            side = min(box["w"], box["h"])
            extent = max(box["x1"] - box["x0"], box["y1"] - box["y0"])
            assert extent >= 0.5 * side, (layer, box)
            assert page.get_attribute(ROOT, "data-one-place") == "false", layer
            labels = view_hook(page, ROOT, "t.axisLabels()")
            assert labels, f"{layer}: no axis named"
            for a in range(len(labels)):
                for b in range(a + 1, len(labels)):
                    p, q = labels[a], labels[b]
                    overlap = (
                        p["x0"] < q["x1"]
                        and q["x0"] < p["x1"]
                        and p["y0"] < q["y1"]
                        and q["y0"] < p["y1"]
                    )
                    assert not overlap, (layer, p, q)
            # Named for what they are: this layer's principal components.
            assert all(lb["text"].startswith(f"{layer}·pc") for lb in labels), (layer, labels)
            page.locator(ROOT).first.screenshot(
                path=str(ARTIFACTS / f"readable-layer-{k}-{layer}.png")
            )
        # Hovering a handle tells how much of the layer's variance its component holds.
        first = view_hook(page, ROOT, "t.axisLabels()")[0]
        knob = view_hook(page, ROOT, "t.knobPosition(args[0])", first["i"])
        page.mouse.move(knob["x"], knob["y"])
        card = page.locator(".nbviz-grand-tour-card")
        card.wait_for(state="visible", timeout=5_000)
        assert "variance" in card.inner_text(), card.inner_text()
        # Touring keeps every frame filled: play, then check the cloud at the last frame.
        kernel_eval(kc, "setattr(tour, 'playing', True) or 0")
        page.wait_for_timeout(1500)
        box = view_hook(page, ROOT, "t.cloudBox()")
        assert max(box["x1"] - box["x0"], box["y1"] - box["y0"]) >= 0.5 * min(box["w"], box["h"]), (
            box
        )


def test_untrained_softmax_frame_says_all_points_at_one_place(page, lab, write_notebook):
    name = write_notebook("untrained_softmax.ipynb", UNTRAINED_HEAD)
    show_view(page, lab, name, ROOT)
    note = page.locator(".nbviz-grand-tour-oneplace")
    with lab.kernel(name) as kc:
        spread0 = kernel_eval(kc, "float(np.ptp(softmax_tour.points[0], axis=0).max())")
        assert spread0 < 1e-6, spread0  # epoch 0 really is one point
        kernel_eval(kc, "setattr(softmax_tour, 'frame', 0) or 0")
        _settled(page, 0)
        assert note.is_visible()
        assert note.inner_text() == "all points at one place in this frame"
        page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "untrained-softmax-epoch0.png"))
        kernel_eval(kc, "setattr(softmax_tour, 'frame', 2) or 0")
        _settled(page, 2)
        assert not note.is_visible()
        assert page.get_attribute(ROOT, "data-one-place") == "false"
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "untrained-softmax-epoch2.png"))
