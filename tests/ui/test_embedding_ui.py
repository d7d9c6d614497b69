"""EmbeddingView in real JupyterLab under headless Chromium: the t-SNE streams into the
scatter while it runs, a lasso reaches Python, and the selection shows in a linked tour."""

from __future__ import annotations

import time

from .conftest import ARTIFACTS
from .harness import element_ink, kernel_eval, open_notebook, run_all_cells, wait_until

SETUP = (
    "import nbviz\n"
    "from nbviz import EmbeddingView, link_selection\n"
    "from nbviz import GrandTour\n"
    "ds = nbviz.data.digits()\n"
    "view = EmbeddingView(ds.images, ds.labels, ds.class_names, n_iter=100_000, update_every=5,\n"
    "                     thumbnails=ds.images, height=380, seed=0)\n"
    "view",
    "tour = GrandTour.from_activations(ds.images, ds.labels, ds.class_names, dims=10,\n"
    "                                  height=300)\n"
    "links = link_selection(view, tour)\n"
    "tour",
)

VIEW = ".nbviz-grand-tour[data-kind='scatter']"
TOUR = ".nbviz-grand-tour[data-kind='tour']"

_WATCH_JS = """
(sel) => {
  const root = document.querySelector(sel);
  window.__nbvizSeen = new Set();
  window.__nbvizWatch = setInterval(() => {
    if (root.dataset.pointsReceivedAt) window.__nbvizSeen.add(root.dataset.pointsReceivedAt);
  }, 20);
}
"""


def test_embedding_streams_and_selection_reaches_python_and_the_tour(page, lab, write_notebook):
    name = write_notebook("embedding_ui.ipynb", *SETUP)
    open_notebook(page, lab, name)
    page.evaluate(
        "async () => { await window.jupyterapp.commands.execute('notebook:run-all-cells'); }"
    )
    page.wait_for_selector(f'{VIEW}[data-ready="true"]', timeout=60_000)
    page.evaluate(_WATCH_JS, VIEW)
    shots = []
    with lab.kernel(name) as kc:
        # While the t-SNE runs (100,000 iterations: it runs until stopped), the picture
        # changes between two screenshots.
        wait_until(lambda: kernel_eval(kc, "view.iteration"), lambda v: v >= 50, timeout=60)
        shots.append(page.locator(VIEW).first.screenshot())
        time.sleep(0.7)
        shots.append(page.locator(VIEW).first.screenshot())
        assert kernel_eval(kc, "view.job_state") == "running"
        run_all_cells(page)  # waits for the kernel; the job goes on in the background
        # past the early exaggeration (250 iterations); the lasso below is geometric, so the
        # embedding need not have converged
        wait_until(lambda: kernel_eval(kc, "view.iteration"), lambda v: v >= 300, timeout=120)
        kernel_eval(kc, "view.stop() or 0")  # the Python side of the status strip's Stop
        assert kernel_eval(kc, "view.job_state") == "stopped"
        time.sleep(0.5)
        seen = page.evaluate("() => { clearInterval(window.__nbvizWatch); "
                             "return window.__nbvizSeen.size; }")  # fmt: skip
        print(f"pictures received while running: {seen}")
        assert shots[0] != shots[1], "the scatter did not change while the t-SNE ran"
        assert seen >= 5, f"only {seen} pictures reached the browser"
        assert 300 <= kernel_eval(kc, "view.iteration") < 100_000
        assert kernel_eval(kc, "view.kl") > 0
        assert page.get_attribute(VIEW, "data-n") == "1797"
        assert element_ink(page, f"{VIEW} .nbviz-grand-tour-canvas")["ink"] > 1500
        # A scatter has no tour controls.
        assert not page.locator(f"{VIEW} .nbviz-grand-tour-play").first.is_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(VIEW).first.screenshot(path=str(ARTIFACTS / "embedding.png"))

        # Lasso the left half of the embedding's points: Python gets the points inside.
        xy = page.evaluate(
            "(sel) => { const t = document.querySelector(sel).__nbvizTest; const out = [];"
            " for (let i = 0; i < 1797; i++) { const p = t.projectPoint(i); out.push([p.x, p.y]); }"
            " return out; }",
            VIEW,
        )
        xs, ys = [p[0] for p in xy], [p[1] for p in xy]
        x0, x1 = min(xs) - 6, sorted(xs)[len(xs) // 2]
        y0, y1 = min(ys) - 6, max(ys) + 6
        page.mouse.move(x0, y0)
        page.mouse.down()
        for x, y in [(x1, y0), (x1, y1), (x0, y1)]:
            page.mouse.move(x, y, steps=6)
        page.mouse.up()
        got = wait_until(lambda: kernel_eval(kc, "view.selection"), lambda v: len(v) > 0)
        inside = {i for i, (x, y) in enumerate(xy) if x0 + 1 < x < x1 - 1 and y0 < y < y1}
        edge = {i for i, (x, _) in enumerate(xy) if abs(x - x1) <= 1}
        assert len(got) > 500, len(got)
        assert not (set(got) ^ inside) - edge, sorted(set(got) ^ inside)[:10]
        # ... and the linked tour shows the same selection.
        assert kernel_eval(kc, "tour.selection") == got
        page.wait_for_selector(f'{TOUR}[data-selected="{len(got)}"]', timeout=10_000)
        page.locator(TOUR).first.scroll_into_view_if_needed()
        page.locator(TOUR).first.screenshot(path=str(ARTIFACTS / "embedding-linked-tour.png"))
