"""A new user's own small model, not the zoo's, in real JupyterLab: the layer tour and the
LDAM viewer draw readable pictures of it with the one import and no declared input shape."""

from __future__ import annotations

from .conftest import ARTIFACTS
from .harness import element_ink, kernel_eval, open_notebook, run_all_cells, wait_until

TOUR = ".nbviz-grand-tour"
LDAM = ".nbviz-ldam-viewer"

SETUP = (
    "import torch\n"
    "from torch import nn\n"
    "from nbviz import GrandTour, LDAMViewer\n"
    "from nbviz.data import digits\n"
    "from nbviz.ldam import Sampler, class_logits\n"
    "from nbviz.models import train\n"
    "torch.manual_seed(0)\n"
    "net = nn.Sequential(nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),\n"
    "                    nn.Flatten(), nn.Linear(96, 32), nn.ReLU(), nn.Linear(32, 10))\n"
    "data = digits('test')\n"
    "_ = train(net, digits('train'), epochs=4, lr=3e-3, progress=False)\n"
    "tour = GrandTour.from_layers(net, data, layers=['1', '4', '6'], dims=16, height=360)\n"
    "tour",
    "sampler = Sampler(net.eval(), class_logits([0, 7]), n_chains=6, data=data, init='noise',\n"
    "                  seed=0)  # no settings: the warm-up sets the step size and T\n"
    "viewer = LDAMViewer(sampler, data=data, top_k=3, steps=60,\n"
    "                    group_names=['digit 0', 'digit 7'], image_scale=6)\n"
    "viewer",
)


def test_a_users_own_model_in_the_layer_tour_and_the_ldam_viewer(page, lab, write_notebook):
    name = write_notebook("own_model_ui.ipynb", *SETUP)
    page.set_viewport_size({"width": 1280, "height": 1400})
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{TOUR}[data-ready="true"]', timeout=60_000)
    # The tour: layers named by named_modules(), the points of ten classes, not a blank plot.
    assert page.locator(f"{TOUR} .nbviz-grand-tour-frame-label").first.text_content() == "1"
    ink = element_ink(page, f"{TOUR} .nbviz-grand-tour-canvas")
    assert ink["ink"] > 0.005 * ink["total"], ink
    legend = page.locator(f"{TOUR} .nbviz-grand-tour-legend button")
    assert legend.count() == 10
    with lab.kernel(name) as kc:
        assert kernel_eval(kc, "tour.frame_names") == ["1", "4", "6"]
        assert kernel_eval(kc, "list(sampler.input_shape)") == [1, 8, 8]
        # The viewer: chains of the shape the data gave, named groups, top real images.
        page.locator(LDAM).first.scroll_into_view_if_needed()
        page.wait_for_selector(f'{LDAM}[data-ready="true"]', timeout=60_000)
        page.locator(f"{LDAM} .nbviz-ldam-viewer-run").first.click()
        wait_until(lambda: kernel_eval(kc, "sampler.step_count"), lambda v: v >= 60, timeout=60)
        wait_until(lambda: kernel_eval(kc, "viewer.running"), lambda v: not v)
        # each block headed by its group and the percentile of the real images' scores
        # its chains reached, once the run's last traces arrived
        page.wait_for_function(
            f"[...document.querySelectorAll('{LDAM} .nbviz-ldam-viewer-chains "
            ".nbviz-ldam-viewer-header')].every((e) => / · p\\d+$/.test(e.textContent))"
        )
        headers = page.locator(f"{LDAM} .nbviz-ldam-viewer-header").all_text_contents()
        assert [h.split(" · ")[0] for h in headers[:2]] == ["digit 0", "digit 7"], headers
        reached = kernel_eval(kc, "viewer.reached[0].tolist()")
        want = [f"digit {d} · p{int(p)}" for d, p in zip((0, 7), reached, strict=True)]
        assert headers[:2] == want, (headers, reached)
        assert element_ink(page, f"{LDAM} .nbviz-ldam-viewer-grid")["ink"] > 500
        assert element_ink(page, f"{LDAM} .nbviz-ldam-viewer-top")["ink"] > 500
        # From noise, with the sampler's defaults, the chains climbed towards their class:
        # the logit went up, past most real images of the class.
        gain = kernel_eval(kc, "float(sampler.activation.mean() - sampler.history.snapshot()"
                               "['activation'][0].mean())")  # fmt: skip
        assert gain > 0, gain
        assert kernel_eval(kc, "float(sampler.activation_percentile().median())") > 90
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(TOUR).first.screenshot(path=str(ARTIFACTS / "own-model-tour.png"))
    page.locator(LDAM).first.screenshot(path=str(ARTIFACTS / "own-model-ldam.png"))
