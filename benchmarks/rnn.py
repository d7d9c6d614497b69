"""Benchmark: the char-RNN's training and recording, and the cell viewer's recolouring.

* **Training**, characters per second on Python source (``nbviz.data.python_source``):
  :func:`nbviz.text.train_char_rnn` (``nn.LSTM``: oneDNN on the CPU, cuDNN on a GPU)
  against the same network trained through an ``nn.LSTMCell`` loop, the way a model that
  records its cells while it trains would run. nbviz trains on ``nn.LSTM`` and records
  afterwards (:func:`nbviz.text.record`), so its training costs what ``nn.LSTM`` costs.
* **Recording** every layer's hidden state, cell state and gates for a 10,000-character
  text: :func:`nbviz.text.record` against an ``nn.LSTMCell`` loop over the characters.
* **The view** (``--no-view`` skips it): a ``CellViewer`` of that 10,000-character text in
  JupyterLab under headless Chromium; the time from a click on a cell in the list to the
  end of the text's recolouring (the Python round trip included), median of ``--repeats``.

Sizes: 2 layers of 128 units, batches of 32 × 100 characters, 1 or ``--threads`` torch
threads. Prints a table, then one JSON line last. Run: ``.venv/bin/python benchmarks/rnn.py``.
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
from torch import nn

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from nbviz.data import python_source  # noqa: E402
from nbviz.text import CharRNN, record, train_char_rnn  # noqa: E402

HIDDEN, LAYERS, BATCH, SEQ = 128, 2, 32, 100


def cell_loop_steps(model: CharRNN, data, steps: int) -> float:
    """Seconds per training step of ``model`` run through ``nn.LSTMCell`` s, step by step."""
    cells = nn.ModuleList(
        nn.LSTMCell(model.embed.embedding_dim if k == 0 else HIDDEN, HIDDEN) for k in range(LAYERS)
    )
    params = [*model.embed.parameters(), *cells.parameters(), *model.head.parameters()]
    opt = torch.optim.Adam(params, lr=2e-3)
    n = len(data.codes) // BATCH
    x = data.codes[: BATCH * n].view(BATCH, n)
    t0 = time.perf_counter()
    for s in range(steps):
        o = s * SEQ % (n - SEQ - 1)
        inp, tgt = x[:, o : o + SEQ], x[:, o + 1 : o + SEQ + 1]
        h = [torch.zeros(BATCH, HIDDEN) for _ in range(LAYERS)]
        c = [torch.zeros(BATCH, HIDDEN) for _ in range(LAYERS)]
        e = model.embed(inp)
        outs = []
        for t in range(SEQ):
            z = e[:, t]
            for k, cell in enumerate(cells):
                h[k], c[k] = cell(z, (h[k], c[k]))
                z = h[k]
            outs.append(z)
        logits = model.head(torch.stack(outs, 1))
        loss = F.cross_entropy(logits.flatten(0, 1), tgt.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (time.perf_counter() - t0) / steps


def cell_loop_record(model: CharRNN, codes: torch.Tensor) -> float:
    """Seconds to record h, c and the gates of every layer by an ``nn.LSTMCell`` loop."""
    rnn = model.rnn
    t0 = time.perf_counter()
    with torch.no_grad():
        x = model.embed(codes)
        for k in range(LAYERS):
            w_ih, w_hh = getattr(rnn, f"weight_ih_l{k}"), getattr(rnn, f"weight_hh_l{k}")
            b = getattr(rnn, f"bias_ih_l{k}") + getattr(rnn, f"bias_hh_l{k}")
            h = torch.zeros(HIDDEN)
            c = torch.zeros(HIDDEN)
            hs, cs, gs = [], [], []
            for t in range(len(x)):
                i, f, g, o = (x[t] @ w_ih.T + h @ w_hh.T + b).chunk(4)
                i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
                c = f * c + i * g
                h = o * c.tanh()
                hs.append(h)
                cs.append(c)
                gs.append(torch.stack([i, f, o]))
            x = torch.stack(hs)
    return time.perf_counter() - t0


VIEW_CELL = """
import torch
torch.set_num_threads(1)
from nbviz import CellViewer
from nbviz.data import python_source
from nbviz.text import CharRNN
data = python_source(200_000)
torch.manual_seed(0)
viewer = CellViewer(CharRNN(data.vocab_size, hidden=128, layers=2), data, n_chars=10_000,
                    height=500)
viewer
"""


def view_case(repeats: int) -> dict:
    """ms from a click on a cell in the list to the recoloured text, in the browser."""
    from tests.ui.harness import JupyterLab, chromium, kernel_eval, open_notebook, run_all_cells
    from tests.ui.harness import write_notebook as write_nb

    root_sel = ".nbviz-cell-viewer"
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        root.mkdir()
        with JupyterLab(root) as lab:
            name = write_nb(root, "cells_bench.ipynb", VIEW_CELL.strip())
            with chromium(viewport=(1400, 1200)) as (page, errors):
                open_notebook(page, lab, name)
                run_all_cells(page)
                page.locator(root_sel).first.scroll_into_view_if_needed()
                page.wait_for_selector(f'{root_sel}[data-ready="true"]', timeout=60_000)
                page.evaluate("""() => { window.__t0 = 0;
                  document.addEventListener('pointerdown',
                    () => { window.__t0 = performance.now(); }, true); }""")
                hooks = f"document.querySelector('{root_sel}').__nbvizTest"
                stats = f"document.querySelector('{root_sel}').__nbvizStats"
                with lab.kernel(name) as kc:
                    order = kernel_eval(kc, "[c['index'] for c in viewer.cells]")
                    for i in range(repeats):
                        kernel_eval(kc, "0")
                        time.sleep(0.3)
                        target = order[1 + i % 10]
                        if target == kernel_eval(kc, "viewer.cell"):
                            target = order[11 + i % 10]
                        row = page.evaluate(f"() => {hooks}.cellRow({target})")
                        n0 = page.evaluate(f"() => {stats}.recolourMs.length")
                        page.mouse.click(row["x"], row["y"])
                        page.wait_for_function(
                            f"(n) => {stats}.recolourMs.length > n", arg=n0, timeout=30_000
                        )
                        page.wait_for_timeout(50)
                        done = page.evaluate(f"() => {stats}.recolouredAt || 0")
                        t0 = page.evaluate("() => window.__t0")
                        recolour = page.evaluate(f"() => {stats}.recolourMs.at(-1)")
                        times.append((done - t0 if done else float("nan"), recolour))
                if errors:
                    raise RuntimeError(f"console errors: {errors}")
    click = [t for t, _ in times if t == t]
    return {
        "view_click_to_recoloured_ms": round(statistics.median(click), 1) if click else None,
        "view_recolour_ms": round(statistics.median(r for _, r in times), 2),
        "view_chars": 10_000,
    }


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--steps", type=int, default=30, help="timed training steps per side")
    ap.add_argument("--repeats", type=int, default=15, help="cell clicks in the view")
    ap.add_argument("--no-view", action="store_true", help="skip the browser measurement")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    data = python_source(400_000)
    out: dict = {"benchmark": "rnn", "threads": args.threads, "hidden": HIDDEN,
                 "layers": LAYERS, "batch": BATCH, "seq_len": SEQ}  # fmt: skip
    torch.manual_seed(0)
    model = CharRNN(data.vocab_size, HIDDEN, LAYERS)
    train_char_rnn(model, data, steps=3, progress=False)  # warm-up
    t0 = time.perf_counter()
    train_char_rnn(model, data, steps=args.steps, eval_every=10**9, progress=False)
    ours = (time.perf_counter() - t0) / args.steps
    cell_loop_steps(model, data, 2)  # warm-up
    loop = cell_loop_steps(model, data, max(3, args.steps // 3))
    chars = BATCH * SEQ
    out["train_chars_per_s_nn_lstm"] = round(chars / ours)
    out["train_chars_per_s_cell_loop"] = round(chars / loop)
    out["train_cell_loop_over_nn_lstm"] = round(loop / ours, 2)
    text = data.text[:10_000]
    codes = data.encode(text)
    record(model, text[:500], data)  # warm-up
    t0 = time.perf_counter()
    rec = record(model, text, data)
    ours_rec = time.perf_counter() - t0
    loop_rec = cell_loop_record(model, codes)
    out["record_10k_s"] = round(ours_rec, 3)
    out["record_10k_cell_loop_s"] = round(loop_rec, 3)
    print(f"char-LSTM {LAYERS}×{HIDDEN}, batches {BATCH}×{SEQ}, {args.threads} thread(s)")
    print(f"training: {chars / ours:,.0f} chars/s on nn.LSTM, {chars / loop:,.0f} chars/s "
          f"through an LSTMCell loop ({loop / ours:.1f}× the time)")  # fmt: skip
    print(f"recording 10,000 characters ({rec.hidden.shape[0]} layers, h, c and 3 gates): "
          f"{ours_rec:.2f} s, an LSTMCell loop {loop_rec:.2f} s")  # fmt: skip
    if not args.no_view:
        out.update(view_case(args.repeats))
        print(f"view: a cell click to a recoloured 10,000-character text "
              f"{out['view_click_to_recoloured_ms']} ms (the recolouring itself "
              f"{out['view_recolour_ms']} ms)")  # fmt: skip
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
