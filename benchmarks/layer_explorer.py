"""Benchmark: LayerExplorer's input-to-layers latency in the browser, against the usual
notebook way (an ipywidgets slider redrawing a matplotlib figure of the same layers).

Both run in one JupyterLab, in headless Chromium (the browser tests' harness), on the zoo's
``SmallCNN`` trained on Fashion-MNIST (``nbviz.models.pretrained``, cached) and its seven
default layers (``conv1``, ``relu1``, ``conv2``, ``relu2``, ``fc1``, ``relu3``,
``logits``), one torch thread in the kernel. Each case is timed in the page, from the
user's event (caught in the capture phase, before any handler) to the end of the drawing
that shows the new input's layers:

* **nbviz, a dab**: a press and release of the mouse on the drawing canvas (the bytes go
  to Python, every layer comes back, the layer panel draws them);
* **nbviz, a thumbnail**: a click on a thumbnail (the index goes to Python, the same);
* **nbviz, a dab with a unit open**: as the first, with ``conv2``'s unit 5 shown (its map,
  guided backprop and deconvolution are computed after the layers are sent);
* **the floor**: a minimal anywidget whose Python side answers a write at once (a press
  writes a counter, the observer sets another, the view's next animation frame after it
  arrives): what any view pays for one trip through the kernel on this machine;
* **ipywidgets + matplotlib**: an ``IntSlider`` of the image index moved by one with the
  arrow key; its observer captures the same layers and redraws a matplotlib figure of
  them (conv layers as mosaics, dense layers as bars) in an ``Output`` (the inline
  backend's PNG); timed to the new image's ``load``.

The cases alternate, ``--repeats`` times each (default 20), in an order that turns each
round, with a pause between events so that each is answered alone; medians and maxima.
Prints a table, then one JSON line last. Run: ``.venv/bin/python benchmarks/layer_explorer.py``.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: The latency the issue asks for: the layers drawn this soon after the stroke.
TARGET_MS = 50.0

SETUP = """
import torch
torch.set_num_threads(1)
from nbviz import LayerExplorer
from nbviz.data import fashion_mnist
from nbviz.models import pretrained
model = pretrained("small_cnn", "fashion_mnist", progress=False).eval()
shown = fashion_mnist("test", progress=False).subset(512, seed=0)
explorer = LayerExplorer(model, shown)
explorer
"""

PEER = """
import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np

names = [layer["name"] for layer in explorer.layers]
grabbed = {}
hooks = [dict(model.named_modules())[n].register_forward_hook(
    lambda m, i, o, n=n: grabbed.__setitem__(n, o.detach()[0].numpy())) for n in names]


def mosaic(a, columns=16):
    c, h, w = a.shape
    rows = -(-c // columns)
    out = np.full((rows * (h + 1), columns * (w + 1)), np.nan)
    for i in range(c):
        r, q = divmod(i, columns)
        out[r * (h + 1):r * (h + 1) + h, q * (w + 1):q * (w + 1) + w] = a[i]
    return out


def draw(index):
    with torch.no_grad():
        model(shown.images[index:index + 1])
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 11))
    for ax, n in zip(axes, names):
        a = grabbed[n]
        if a.ndim == 3:
            ax.imshow(mosaic(a), cmap="gray")
            ax.set_axis_off()
        else:
            ax.bar(np.arange(len(a)), a)
        ax.set_title(n, fontsize=8, loc="left")
    plt.show()


slider = W.IntSlider(0, 0, len(shown) - 1, description="image")
out = W.Output()


def on_value(change):
    with out:
        out.clear_output(wait=True)
        draw(change["new"])


slider.observe(on_value, "value")
with out:
    draw(0)
W.VBox([slider, out])
"""

FLOOR = """
import anywidget
import traitlets


class Echo(anywidget.AnyWidget):
    _esm = '''
    export default { render({ model, el }) {
      const box = document.createElement("div");
      box.className = "bench-echo";
      box.style.cssText = "width:120px;height:40px;background:#ddd";
      box.textContent = "echo";
      // as the explorer's canvas and thumbnails do: no focus move into the output (which
      // makes JupyterLab switch cells first, some 50 ms here)
      box.addEventListener("mousedown", (e) => e.preventDefault());
      box.addEventListener("pointerdown", () => {
        model.set("ping", model.get("ping") + 1);
        model.save_changes();
      });
      model.on("change:pong", () => {
        requestAnimationFrame(() => { window.__bench.echoAt = performance.now(); });
      });
      el.appendChild(box);
    } };'''
    ping = traitlets.Int(0).tag(sync=True)
    pong = traitlets.Int(0).tag(sync=True)

    @traitlets.observe("ping")
    def _answer(self, change):
        self.pong = change["new"]


Echo()
"""

# Each event's start, caught before any handler of the page sees it.
ARM_JS = """() => {
  window.__bench = {t0: 0};
  for (const type of ["pointerdown", "keydown"])
    document.addEventListener(type, () => { window.__bench.t0 = performance.now(); }, true);
}"""
EXPLORER = ".nbviz-layer-explorer"
# The echo at the top of the notebook's scroller, the explorer under it in sight.
TOP_JS = "() => document.querySelector('.bench-echo').scrollIntoView({block: 'start'})"
DRAWN_AT = f"() => document.querySelector('{EXPLORER}').__nbvizStats.layersDrawnAt"


def _nbviz_event(page, act) -> float:
    """ms from the event ``act()`` makes to the end of the layers' next draw."""
    before = page.evaluate(DRAWN_AT)
    act()
    page.wait_for_function(
        f"(b) => document.querySelector('{EXPLORER}').__nbvizStats.layersDrawnAt > b",
        arg=before, timeout=30_000,
    )  # fmt: skip
    return page.evaluate(f"() => ({DRAWN_AT})() - window.__bench.t0")


def _dab(page, x: int, y: int) -> float:
    """:func:`_nbviz_event` of a click on the explorer's input pixel (x, y)."""
    p = page.evaluate(
        f"() => document.querySelector('{EXPLORER}').__nbvizTest.canvasPoint({x}, {y})"
    )
    return _nbviz_event(page, lambda: page.mouse.click(p["x"], p["y"]))


def _settle(page, kc, explorer_in_sight: bool = True) -> None:
    """Wait for the kernel to be idle (the peer's figure takes a while) and bring the
    explorer back in sight (the peer's slider scrolls the notebook away from it)."""
    from tests.ui.harness import kernel_eval

    kernel_eval(kc, "0")
    if explorer_in_sight:
        page.evaluate(TOP_JS)
    time.sleep(0.3)


def _peer_event(page, slider) -> float:
    """ms from the arrow key on the slider to the load of the figure it redraws."""
    page.evaluate("""() => {
      window.__bench.t1 = 0;
      const area = document.querySelector('.bench-peer');
      window.__bench.img = area.querySelector('img');
      window.__bench.obs = new MutationObserver(() => {
        const img = area.querySelector('img');
        if (img && img !== window.__bench.img) {
          window.__bench.img = img;
          const done = () => { window.__bench.t1 = performance.now(); };
          if (img.complete) done(); else img.addEventListener('load', done, {once: true});
        }
      });
      window.__bench.obs.observe(area, {childList: true, subtree: true});
    }""")
    slider.press("ArrowRight")
    page.wait_for_function("() => window.__bench.t1 > 0", timeout=30_000)
    page.evaluate("() => window.__bench.obs.disconnect()")
    return page.evaluate("() => window.__bench.t1 - window.__bench.t0")


def _floor_event(page) -> float:
    """ms from a press on the echo widget to the frame after Python's answer arrived."""
    page.evaluate("() => { window.__bench.echoAt = 0; }")
    box = page.locator(".bench-echo").bounding_box()
    page.mouse.click(box["x"] + 10, box["y"] + 10)
    page.wait_for_function("() => window.__bench.echoAt > 0", timeout=30_000)
    return page.evaluate("() => window.__bench.echoAt - window.__bench.t0")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=20, help="events per case")
    args = ap.parse_args(argv)

    from nbviz.models import pretrained
    from tests.ui.harness import JupyterLab, chromium, kernel_eval, open_notebook, run_all_cells
    from tests.ui.harness import write_notebook as write_nb

    pretrained("small_cnn", "fashion_mnist")  # trained once here, so the kernel loads it
    times: dict[str, list[float]] = {
        "dab": [], "thumbnail": [], "dab_unit": [], "floor": [], "peer": []
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        with JupyterLab(root) as lab:
            name = write_nb(root, "explorer_bench.ipynb", FLOOR.strip(), SETUP.strip(),
                            PEER.strip())  # fmt: skip
            # The echo and the explorer in sight (a view out of sight does not draw); the
            # peer's figure loads out of sight too. A taller page would make every frame of
            # the software compositor slower for all cases.
            with chromium(viewport=(1400, 1400)) as (page, errors):
                open_notebook(page, lab, name)
                run_all_cells(page)
                page.evaluate(TOP_JS)
                page.wait_for_selector(f'{EXPLORER}[data-ready="true"]', timeout=60_000)
                # the peer's output area, found by its slider's widget box
                page.evaluate("""() => {
                  const boxes = [...document.querySelectorAll('.widget-vbox')];
                  const box = boxes.find((b) => b.querySelector('.widget-slider'));
                  box.classList.add('bench-peer');
                }""")
                page.evaluate(ARM_JS)
                thumbs = page.locator(f"{EXPLORER} .nbviz-layer-explorer-thumb")
                slider = page.locator(".bench-peer .noUi-handle, .bench-peer .slider-handle").first
                with lab.kernel(name) as kc:
                    for i in range(args.repeats):
                        # the order turns each round, so no case always follows another
                        cases = ["dab", "thumbnail", "floor", "peer"]
                        for case in cases[i % 4 :] + cases[: i % 4]:
                            _settle(page, kc, explorer_in_sight=case != "peer")
                            if case == "floor":
                                times[case].append(_floor_event(page))
                            elif case == "dab":  # where the image is dark, on new ground
                                times[case].append(_dab(page, 2 + 2 * i % 24, 1))
                            elif case == "thumbnail":
                                times[case].append(_nbviz_event(page, thumbs.nth(1 + i % 8).click))
                            else:
                                times[case].append(_peer_event(page, slider))
                    kernel_eval(kc, "setattr(explorer, 'layer', 'conv2') or 0")
                    kernel_eval(kc, "setattr(explorer, 'unit', 5) or explorer.wait() and 0", 120)
                    _settle(page, kc)  # a black canvas: each dab below is on new ground
                    _nbviz_event(page, page.locator(f"{EXPLORER} button:text('Clear')").click)
                    for i in range(args.repeats):
                        _settle(page, kc)
                        times["dab_unit"].append(_dab(page, 2 + 2 * i % 24, 4 + 2 * (i // 12)))
                if errors:
                    raise RuntimeError(f"console errors: {errors}")
    out: dict = {"benchmark": "layer_explorer", "repeats": args.repeats, "target_ms": TARGET_MS}
    labels = {
        "dab": "nbviz: a dab on the canvas",
        "thumbnail": "nbviz: a thumbnail click",
        "dab_unit": "nbviz: a dab, with a unit open",
        "floor": "floor: a kernel round trip",
        "peer": "ipywidgets + matplotlib: slider",
    }
    print(f"input → layers drawn, ms (median / max of {args.repeats})")
    for case, values in times.items():
        med, top = statistics.median(values), max(values)
        out[f"{case}_ms"] = round(med, 1)
        out[f"{case}_max_ms"] = round(top, 1)
        print(f"{labels[case]:<34} {med:>7.1f} {top:>7.1f}")
    out["speedup_vs_peer"] = round(out["peer_ms"] / out["dab_ms"], 1)
    out["dab_over_floor_ms"] = round(out["dab_ms"] - out["floor_ms"], 1)
    out["meets_target"] = out["dab_ms"] <= TARGET_MS
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
