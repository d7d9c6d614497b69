"""LDAMViewer in real JupyterLab under headless Chromium: the chain grid changes while the
chains sample, and moving the λ slider in the browser changes λ in Python and in the
running sampler."""

from __future__ import annotations

import time

from .conftest import ARTIFACTS
from .harness import element_ink, kernel_eval, open_notebook, run_all_cells, wait_until

ROOT = ".nbviz-ldam-viewer"

SETUP = (
    "import torch\n"
    "from nbviz.data import digits\n"
    "from nbviz.ldam import (DiscriminatorPrior, Sampler, class_logits, multifaceted_init,\n"
    "                        train_with_sampler)\n"
    "from nbviz.models import SmallCNN, train\n"
    "from nbviz import LDAMViewer\n"
    "torch.set_num_threads(1)\n"
    "torch.manual_seed(0)\n"
    "model = SmallCNN(in_shape=(1, 8, 8))\n"
    "_ = train(model, digits('train'), epochs=3, progress=False)\n"
    "model.eval()\n"
    "objective = class_logits([0, 3, 7])\n"
    "starts = multifaceted_init(model, objective, digits('test'), n_facets=4, top=40)\n"
    "settings = dict(init=starts, step_size=5e-4, temperature=0.05)\n"
    "prior = DiscriminatorPrior((1, 8, 8), kind='mlp', seed=0)\n"
    "_ = prior.pretrain(digits('train'), epochs=2)\n"
    "trainer = Sampler(model, objective, n_chains=12, discriminator=prior, tradeoff=64.0, seed=1,\n"
    "                  **settings)\n"
    "_ = train_with_sampler(trainer, prior, digits('train'), rounds=20, sample_steps=10)\n"
    "_ = prior.calibrate(digits('test'))\n"
    "sampler = Sampler(model, objective, n_chains=12, discriminator=prior, tradeoff=64.0,\n"
    "                  history={'sample_every': 10}, **settings)\n"
    "viewer = LDAMViewer(sampler, data=digits('test'), top_k=6, steps=200_000, image_scale=6,\n"
    "                    group_names=['digit 0', 'digit 3', 'digit 7'])\n"
    "viewer",
)


def test_chains_change_while_sampling_and_the_slider_sets_lambda(page, lab, write_notebook):
    name = write_notebook("ldam_viewer_ui.ipynb", *SETUP)
    page.set_viewport_size({"width": 1280, "height": 1200})  # the whole view fits on screen
    open_notebook(page, lab, name)
    run_all_cells(page)
    page.wait_for_selector(f'{ROOT}[data-ready="true"]', timeout=60_000)
    assert page.get_attribute(ROOT, "data-chains") == "12"
    grid = f"{ROOT} .nbviz-ldam-viewer-grid"
    assert element_ink(page, grid)["ink"] > 500
    with lab.kernel(name) as kc:
        # ▶ in the view starts the chains (a custom message to Python).
        page.locator(f"{ROOT} .nbviz-ldam-viewer-run").first.click()
        assert wait_until(lambda: kernel_eval(kc, "viewer.running"), lambda v: v) is True
        wait_until(lambda: kernel_eval(kc, "sampler.step_count"), lambda v: v >= 30, timeout=60)
        first = page.locator(grid).first.screenshot()
        step1 = int(page.get_attribute(ROOT, "data-step"))
        time.sleep(1.0)
        second = page.locator(grid).first.screenshot()
        step2 = int(page.get_attribute(ROOT, "data-step"))
        print(f"grid steps shown: {step1} then {step2}")
        assert step2 > step1 and first != second, "the chain grid did not change while sampling"
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "ldam-viewer.png"))

        # Hovering a top real image names its class, its index in the data and its score.
        pos = page.evaluate(
            f"() => document.querySelector('{ROOT}').__nbvizTest.topImagePosition(0)"
        )
        page.mouse.move(pos["x"], pos["y"])
        tip = page.locator(f"{ROOT} .nbviz-ldam-viewer-top").locator("..").locator(".nbviz-tooltip")
        first_caption = kernel_eval(kc, "viewer.top_captions[0]")
        assert tip.first.inner_text(timeout=5_000) == f"digit 0 · {first_caption}"
        page.mouse.move(0, 0)

        # Move the λ slider to its top: Python's tradeoff and the running sampler follow.
        slider = page.locator(f"{ROOT} .nbviz-ldam-viewer-tradeoff").first
        box = slider.bounding_box()
        page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
        top = kernel_eval(kc, "viewer.tradeoff_max")  # 128: twice the starting λ of 64
        lam = wait_until(lambda: kernel_eval(kc, "viewer.tradeoff"), lambda v: v > 0.9 * top)
        assert lam > 0.9 * top, (lam, top)
        assert kernel_eval(kc, "sampler.tradeoff") == lam
        at = kernel_eval(kc, "sampler.step_count")
        wait_until(lambda: kernel_eval(kc, "sampler.step_count"), lambda v: v >= at + 5)
        used = kernel_eval(kc, "sampler.history.snapshot()['tradeoff'][-3:].tolist()")
        assert used == [lam] * 3, used  # the chains' latest steps sampled with the new λ

        # Stop (the status strip's button), then scrub the history.
        page.locator(f"{ROOT} .nbviz-status-stop").first.click()
        assert wait_until(lambda: kernel_eval(kc, "viewer.running"), lambda v: not v) is False
        n = kernel_eval(kc, "viewer.history_len")
        assert n >= 2
        scrub = page.locator(f"{ROOT} .nbviz-ldam-viewer-scrubber").first
        scrub.evaluate("(s) => { s.value = '0';"
                       " s.dispatchEvent(new Event('input', {bubbles: true})); }")  # fmt: skip
        assert wait_until(lambda: kernel_eval(kc, "viewer.history_index"), lambda v: v == 0) == 0
        first_kept = kernel_eval(kc, "int(sampler.history.snapshot()['sample_steps'][0])")
        page.wait_for_selector(f'{ROOT}[data-step="{first_kept}"]', timeout=10_000)
        page.locator(ROOT).first.screenshot(path=str(ARTIFACTS / "ldam-viewer-history.png"))
