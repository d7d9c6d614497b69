"""TrainingDashboard in real JupyterLab under headless Chromium: the scalar charts grow while
a training loop runs in a notebook cell (blocking it: the dashboard's own thread streams),
the log-scale toggle reaches Python, the step slider moves the histograms'
highlighted ridge (and Python's `step`), and a click on a layer's cell at a step selects
the weights the Recorder kept there."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .conftest import ARTIFACTS
from .harness import element_ink, kernel_eval, open_notebook, wait_until

ROOT = ".nbviz-training-dashboard"
REPO = Path(__file__).resolve().parents[2]
DOCS_SHOT = REPO / "docs" / "images" / "training-dashboard.png"

SETUP = """\
import threading, time
import torch
from torch import nn
from nbviz import TrainingDashboard
from nbviz.data import digits
from nbviz.monitor import Recorder

torch.set_num_threads(1)
ds = digits("train")
inputs, targets = ds.images.flatten(1), torch.as_tensor(ds.labels)

class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.relu, self.fc2 = nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)
    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))

def make(lr, name):
    torch.manual_seed(0)
    model = MLP()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    return model, opt, Recorder(model, every=10, name=name, dead_after=50)

def train(model, opt, rec, steps, pause=0.0):
    g = torch.Generator().manual_seed(0)
    for _ in range(steps):
        i = torch.randint(0, len(targets), (64,), generator=g)
        out = model(inputs[i])
        loss = nn.functional.cross_entropy(out, targets[i])
        opt.zero_grad(); loss.backward(); opt.step()
        lr = opt.param_groups[0]["lr"]
        rec.step(loss=loss, acc=(out.argmax(1) == targets[i]).float().mean(), lr=lr)
        time.sleep(pause)

hot = make(20.0, "lr 20")   # a learning rate far too high: its gradients explode
train(*hot, 80)
model, opt, rec = make(0.5, "lr 0.5")
board = TrainingDashboard([rec, hot[2]], refresh=0.25, height=120)
board
"""

# The training loop runs in the cell itself: the cell blocks until it ends, and the
# dashboard's own thread streams to the view meanwhile.
TRAIN = "train(model, opt, rec, 200, 0.015)"

_CELL_BUSY_JS = """
(index) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[index];
  return cell.model.executionCount === null || cell.promptNode.textContent.includes('*');
}
"""

_ERRORS_JS = """
() => window.jupyterapp.shell.currentWidget.content.widgets.flatMap((cell) =>
  cell.model.type !== 'code' ? [] : cell.model.outputs.toJSON()
    .filter((o) => o.output_type === 'error').map((o) => o.ename + ': ' + o.evalue))
"""


def test_scalars_stream_while_training_runs_and_clicks_select_a_step(page, lab, write_notebook):
    t0 = time.monotonic()
    page.set_viewport_size({"width": 1280, "height": 1300})  # the whole view in sight
    name = write_notebook("training_dashboard_ui.ipynb", SETUP, TRAIN)
    open_notebook(page, lab, name)
    # not awaited: the command's promise ends with the last cell
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=90_000)
    print(f"the dashboard showed after {time.monotonic() - t0:.1f} s")
    page.locator(f"{ROOT} .nbviz-training-dashboard-scalars").first.scroll_into_view_if_needed()
    # "Scalars stream while a training job runs": the points drawn grow between reads
    # taken while the training cell is still running.
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        busy = page.evaluate(_CELL_BUSY_JS, 1)
        points = int(page.get_attribute(ROOT, "data-scalar-points") or 0)
        if not busy:
            break
        seen.append(points)
        time.sleep(0.3)
    print(f"scalar points drawn while the cell trained ({time.monotonic() - t0:.1f} s):", seen)
    assert len(set(seen)) >= 3 and seen == sorted(seen), seen
    assert not page.evaluate(_CELL_BUSY_JS, 1), "the training cell did not finish"
    assert not page.evaluate(_ERRORS_JS), page.evaluate(_ERRORS_JS)
    with lab.kernel(name) as kc:
        # then everything arrives: 4 scalars × (200 + 80) steps
        page.wait_for_selector(f'{ROOT}[data-scalar-points="1120"]', timeout=10_000)
        assert page.get_attribute(ROOT, "data-runs") == "2"
        assert page.get_attribute(ROOT, "data-cells") == "8"
        alerts = kernel_eval(kc, "[a['run'] for a in board.alerts]")
        assert "lr 20" in alerts  # its gradients explode, its ReLUs die
        assert int(page.get_attribute(ROOT, "data-alerts")) == len(alerts)
        badges = page.locator(f"{ROOT} .nbviz-training-dashboard-badge:visible")
        assert badges.count() >= 1
        assert "lr 20" in page.locator(f"{ROOT} .nbviz-training-dashboard-alerts").get_attribute(
            "title"
        )
        for canvas in ("scalar", "cell"):
            ink = element_ink(page, f"{ROOT} canvas.nbviz-training-dashboard-{canvas}")["ink"]
            assert ink > 500, f"the first {canvas} canvas looks blank ({ink} px)"

        # A click on lr 0.5's fc1.weight cell at step 100 selects the weights kept there.
        pt = page.evaluate(
            f"() => document.querySelector('{ROOT}').__nbvizTest"
            ".cellPoint('lr 0.5', 'weight/fc1.weight', 100)"
        )
        page.mouse.click(pt["x"], pt["y"])
        step = wait_until(
            lambda: kernel_eval(kc, "board.selected and board.selected['step']"),
            lambda v: v == 100,
        )
        assert step == 100
        assert kernel_eval(
            kc,
            "(board.selected['run'], board.selected['tag'], board.step,"
            " bool(torch.equal(board.selected['values'],"
            " rec.values_at('weight/fc1.weight', 100))))",
        ) == ["lr 0.5", "weight/fc1.weight", 100, True]
        page.wait_for_selector(f'{ROOT}[data-highlighted="100"]', timeout=5_000)
        # The log-scale toggle reaches Python (and shows both runs' losses in the picture).
        page.get_by_role("button", name="log y").first.click()
        assert wait_until(lambda: kernel_eval(kc, "board.log_scale"), lambda v: v is True)
        page.mouse.move(0, 0)  # no tooltip in the picture
        time.sleep(0.3)
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "training-dashboard.png"
        page.locator(ROOT).first.screenshot(path=str(shot))
        if os.environ.get("NBVIZ_UPDATE_SCREENSHOTS") == "1":
            shutil.copyfile(shot, DOCS_SHOT)

        # The histograms: the step slider (moved with the keyboard, as a user may) moves
        # the highlighted ridge, and Python's `step` follows.
        page.get_by_role("button", name="histograms").first.click()
        page.wait_for_selector(f'{ROOT}[data-mode="histograms"]', timeout=5_000)
        assert wait_until(lambda: kernel_eval(kc, "board.mode"), lambda v: v == "histograms") == (
            "histograms"
        )
        slider = page.locator(f"{ROOT} input.nbviz-training-dashboard-step").first
        slider.focus()
        page.keyboard.press("Home")  # step 1
        page.keyboard.press("ArrowRight")  # step 10
        page.keyboard.press("ArrowRight")  # step 20
        assert wait_until(lambda: kernel_eval(kc, "board.step"), lambda v: v == 20) == 20
        page.wait_for_selector(f'{ROOT}[data-highlighted="20"]', timeout=5_000)
        page.keyboard.press("ArrowRight")
        assert wait_until(lambda: kernel_eval(kc, "board.step"), lambda v: v == 30) == 30
        page.wait_for_selector(f'{ROOT}[data-highlighted="30"]', timeout=5_000)
        page.locator(ROOT).first.screenshot(
            path=str(ARTIFACTS / "training-dashboard-histograms.png")
        )
        kernel_eval(kc, "board.close() or True")
    print(f"training dashboard UI test: {time.monotonic() - t0:.1f} s")
