"""LDAMViewer: Langevin chains that maximize a neuron, drawn live while they sample.

After Jiang, Chan, Zhang and Canny, "Langevin Dynamics Activation Maximization"
(arXiv:1812.04604). The widget runs a :class:`nbviz.ldam.Sampler` in its background job
and streams the chains' current images, their activation and log D traces and the MALA
acceptance rate to the view (at most ``frame_rate`` pictures a second, 24 by default).
The λ slider in the view is the sampler's ``tradeoff``: moving it changes the running chains'
target at their next step (interpretability, images the discriminator finds real, at
high λ; accuracy, images the neuron alone picks, at λ = 0). The scrubber shows any kept
frame of the chains' history.

>>> import torch
>>> from nbviz.ldam import Sampler, neurons
>>> from nbviz.models import SmallCNN
>>> _ = torch.manual_seed(0)
>>> sampler = Sampler(SmallCNN(in_shape=(1, 8, 8)).eval(), neurons("fc1", [0, 1]), n_chains=6,
...                   step_size=0.01, history={"sample_every": 5})
>>> viewer = LDAMViewer(sampler)
>>> viewer.run(20, progress=False)
20
>>> viewer.samples.shape, viewer.sample_step, viewer.group_names
((6, 8, 8, 1), 20, ['fc1 unit 0', 'fc1 unit 1'])
>>> viewer.traces.shape[:2], viewer.history_len
((2, 6), 4)
"""

from __future__ import annotations

import time

import numpy as np
import torch
import traitlets

from .._checks import check_positive_int
from .base import JobWidget
from .convert import images_to_uint8
from .traits import ArrayTrait, Float, Int
from .worker import Job

__all__ = ["LDAMViewer"]


class LDAMViewer(JobWidget):
    """A live view of an :class:`nbviz.ldam.Sampler`'s chains.

    Args:
        sampler: the :class:`~nbviz.ldam.Sampler` (its model, objective, discriminator,
            λ, temperature and step size are set there).
        data: real images to find each chain group's top-k activating ones in
            (:func:`nbviz.ldam.top_k_real`), shown beside the samples; or ``None``.
        top_k: how many real images per group.
        steps: steps per run of the ▶ button (and of :meth:`start` by default).
        trace_window: the most recent steps drawn in the traces.
        tradeoff_max: the λ slider's top (default: 10, or 2 × λ if larger).
        image_scale: screen px per image pixel; height: the charts' height in px.
        group_names: a name per chain group (e.g. the class names of the neurons);
            default: "<layer> unit <k>" for neuron and class objectives.
        frame_rate: the most pictures a second sent to the view while chains run. Each
            one costs the kernel, the server and the browser some work beside the
            sampler (``benchmarks/ldam.py`` measures it: on a 2-core machine with
            software rendering, the default slowed 64 chains by 3-9%).

    The browser needs a core while the chains run: with as many torch threads as cores,
    the sampler and the view compete. On a 2-core machine (``benchmarks/ldam.py``'s viewer
    case, 64 chains) one torch thread sampled 37 steps/s with the view streaming, two
    threads only 28 (43 with nothing shown); ``torch.set_num_threads(cores - 1)`` is the
    setting to try first.

    Traits (synced): ``tradeoff`` (λ: set it, or move the slider, and the sampler uses
    it from its next step), ``temperature`` (likewise), ``samples`` (uint8
    ``[n, H, W, C]``: the chains now, or the history frame chosen), ``sample_step``,
    ``chain_groups``, ``group_names``, ``traces`` (float32 ``[2, n, L]``: activation and
    log D; NaN for stopped chains), ``trace_steps``, ``acceptance`` (MALA's rate, -1 for
    ULA), ``history_len`` and ``history_index`` (-1: live), ``top_images`` and
    ``top_captions`` (each one's index in ``data`` and activation, shown on hover),
    ``running``,
    ``tradeoff_max``, ``image_scale``, ``height``, and the job's.
    """

    _bundle = "ldam_viewer"

    samples = ArrayTrait(
        dtype="uint8", ndim=4, help="the chains now, or the history frame chosen [n, H, W, C]"
    ).tag(sync=True)
    sample_step = traitlets.Int(0, help="the sampler step of samples").tag(sync=True)
    chain_groups = ArrayTrait(dtype="int32", ndim=1, help="the group of each chain").tag(sync=True)
    group_names = traitlets.List(traitlets.Unicode(), help="a name per chain group").tag(sync=True)
    tradeoff = Float(
        0.0, min=0.0, symbol="λ", help="λ, the prior's weight: 0 accuracy, larger interpretability"
    ).tag(sync=True)
    tradeoff_max = Float(10.0, min=0.0, help="the top of the λ slider").tag(sync=True)
    temperature = traitlets.Float(1.0, help="the sampler's temperature").tag(sync=True)
    acceptance = traitlets.Float(-1.0, help="MALA's acceptance rate; -1 for ULA").tag(sync=True)
    traces = ArrayTrait(
        dtype="float32", ndim=3, help="activation and log D per chain [2, n, L]"
    ).tag(sync=True)
    trace_steps = ArrayTrait(dtype="int32", ndim=1, help="the step of each trace column").tag(
        sync=True
    )
    history_len = traitlets.Int(0, help="frames kept in the sampler's history").tag(sync=True)
    history_index = Int(-1, min=-1, help="the history frame shown; -1 live").tag(sync=True)
    top_images = ArrayTrait(
        dtype="uint8", ndim=4, help="the top real images per group [k, H, W, C]"
    ).tag(sync=True)
    top_captions = traitlets.List(
        traitlets.Unicode(), help="each top image's index in data and activation"
    ).tag(sync=True)
    image_scale = Int(3, min=1, max=32, help="screen px per image pixel").tag(sync=True)
    height = Int(180, min=80, unit=" px", help="the charts' height, px").tag(sync=True)

    def __init__(
        self,
        sampler,
        *,
        data=None,
        top_k: int = 8,
        steps: int = 2000,
        trace_window: int = 300,
        tradeoff_max: float | None = None,
        image_scale: int = 3,
        height: int = 180,
        group_names=None,
        frame_rate: float = 24.0,
    ):
        from ..ldam import Sampler

        if not isinstance(sampler, Sampler):
            raise TypeError(
                f"sampler: expected an nbviz.ldam.Sampler, got {type(sampler).__name__}"
            )
        self.sampler = sampler
        self.steps = check_positive_int(steps, "steps")
        self.trace_window = check_positive_int(trace_window, "trace_window", minimum=2)
        if (
            isinstance(frame_rate, bool)
            or not isinstance(frame_rate, (int, float, np.integer, np.floating))
            or not 0 < frame_rate <= 120
        ):
            raise ValueError(f"frame_rate: expected a number in (0, 120], got {frame_rate!r}")
        self.frame_rate = float(frame_rate)
        groups = sampler.groups.detach().cpu().to(torch.int32).numpy()
        n_groups = int(groups.max()) + 1
        if group_names is None:
            group_names = self._group_names(sampler, n_groups)
        elif not isinstance(group_names, (list, tuple)) or len(group_names) != n_groups:
            raise ValueError(
                f"group_names: expected a list of {n_groups} names (one per chain group), "
                f"got {group_names!r}"
            )
        super().__init__(
            chain_groups=groups,
            group_names=[str(g) for g in group_names],
            tradeoff=sampler.tradeoff,
            tradeoff_max=float(tradeoff_max) if tradeoff_max else max(10.0, 2 * sampler.tradeoff),
            temperature=sampler.temperature,
            image_scale=image_scale,
            height=height,
        )
        if data is not None:
            from ..ldam import top_k_real

            top = top_k_real(
                sampler.model, sampler.objective, data, k=top_k, input_shape=sampler.input_shape
            )
            flat = top.images.reshape(-1, *top.images.shape[2:])
            self.top_images = self._to_uint8(flat)
            self.top_captions = [
                f"#{int(i)} · activation {float(v):.4g}"
                for i, v in zip(top.indices.flatten(), top.scores.flatten(), strict=True)
            ]
        self._show_live()

    @staticmethod
    def _group_names(sampler, n_groups: int) -> list[str]:
        units = getattr(sampler.objective, "units", None)
        layer = getattr(sampler.objective, "layer", None)
        if units is not None and layer is not None and len(units) == n_groups:
            return [f"{layer} unit {int(u)}" for u in units]
        if n_groups == 1:
            return [repr(sampler.objective)]
        return [f"group {g}" for g in range(n_groups)]

    def _to_uint8(self, x: torch.Tensor) -> np.ndarray:
        lo, hi = self.sampler.data_range
        return images_to_uint8(x.detach().float().cpu(), vmin=lo, vmax=hi, name="samples")

    # --- the job: sample `steps` more steps (start(steps), run(steps)) -----------------
    def _new_job(self, steps: int | None = None) -> Job:
        n = self.steps if steps is None else check_positive_int(steps, "steps")
        return self._make_job(lambda ctx: self._job_fn(ctx, n), name="LDAM",
                              on_publish=self._on_publish, max_rate=self.frame_rate)  # fmt: skip

    def _job_fn(self, ctx, n_steps: int) -> int:
        s = self.sampler
        start = s.step_count

        last = [0.0]

        def callback(sampler):
            # The status line a few times a second, the pictures every publish: each
            # progress update is one more message for the kernel, server and browser.
            now = time.monotonic()
            if now - last[0] >= self.TRACE_INTERVAL:
                last[0] = now
                done = sampler.step_count - start
                ctx.progress(done, n_steps, self._status(sampler))
            ctx.publish(sampler.step_count)

        try:
            ran = s.run(n_steps, callback=callback, should_stop=lambda: ctx.stopped)
            ctx.progress(ran, n_steps, self._status(s))
        finally:
            self._show_live()
        return ran

    @staticmethod
    def _status(s) -> str:
        warm = ", warm-up: adapting ε and T" if s.warming_up else ""
        return f"step {s.step_count} (λ {s.tradeoff:g}, T {s.temperature:.3g}{warm})"

    def _on_publish(self, _step) -> None:
        # The traces are most of the bytes: while chains run they go a few times a second,
        # the images every time (the job publishes at most frame_rate times a second).
        due = time.monotonic() - getattr(self, "_traces_sent", 0.0) >= self.TRACE_INTERVAL
        self._show_live(traces=due)

    # --- what the view shows -------------------------------------------------------------
    #: Seconds between two trace updates while chains run (the images go every publish).
    TRACE_INTERVAL = 0.25

    def _show_live(self, traces: bool = True) -> None:
        s = self.sampler
        with self.batched():
            if traces:
                self._send_traces()
            if self.temperature != s.temperature:  # the warm-up cooled it: show, don't set
                self._echo_temperature = True
                try:
                    self.temperature = s.temperature
                finally:
                    self._echo_temperature = False
            if self.history_index < 0:
                self.samples = self._to_uint8(s.pictures())
                self.sample_step = int(s.step_count)

    def _send_traces(self) -> None:
        s = self.sampler
        recent = s.history.recent(self.trace_window)  # copies only what is drawn
        act = recent["activation"].float()
        logd = recent["log_d"].float()
        dead = ~s.alive.detach().cpu()
        act[:, dead] = float("nan")
        logd[:, dead] = float("nan")
        self.history_len = recent["n_samples"]
        self.traces = torch.stack([act, logd]).transpose(1, 2).contiguous().numpy()
        self.trace_steps = recent["steps"].to(torch.int32).numpy()
        self.acceptance = float(s.acceptance_rate.mean()) if s.mala and s.step_count else -1.0
        self._traces_sent = time.monotonic()

    @traitlets.observe("history_index")
    def _show_history(self, change) -> None:
        k = change["new"]
        if k < 0:
            self._show_live()
            return
        snap = self.sampler.history.snapshot()
        kept = snap["samples"]
        if not len(kept):
            return
        k = min(k, len(kept) - 1)
        with self.batched():
            self.samples = self._to_uint8(kept[k])
            self.sample_step = int(snap["sample_steps"][k])

    @traitlets.observe("tradeoff")
    def _set_tradeoff(self, change) -> None:
        self.sampler.tradeoff = change["new"]  # the sampler takes it at its next step

    @traitlets.observe("temperature")
    def _set_temperature(self, change) -> None:
        if not getattr(self, "_echo_temperature", False):
            self.sampler.temperature = change["new"]

    # --- static output -------------------------------------------------------------------
    def figure(self, columns: int = 8):
        """The chains' current images (each group named above its first chain) and their
        activation and log D traces, coloured by group as in the view.

        >>> import torch
        >>> from nbviz.ldam import Sampler, neurons
        >>> from nbviz.models import SmallCNN
        >>> s = Sampler(SmallCNN(in_shape=(1, 8, 8)).eval(), neurons("fc1", [0, 1]), n_chains=4)
        >>> viewer = LDAMViewer(s); _ = viewer.run(5, progress=False)
        >>> [t.get_text() for t in viewer.figure().texts]
        ['step 5 · λ 0 · T 1']
        """
        from ..plotting import PALETTE, new_figure

        imgs = self.samples
        n = len(imgs)
        cols = max(1, min(columns, n))
        rows = max(1, -(-n // cols))
        groups = self.chain_groups if self.chain_groups is not None else np.zeros(n, int)
        names = list(self.group_names)
        fig = new_figure(figsize=(max(6, 0.9 * cols), 1.05 * rows + 2.6), layout="constrained")
        # Two subfigures, so the charts' tick labels do not widen the gaps between images.
        top, bottom = fig.subfigures(2, 1, height_ratios=[1.05 * rows, 2.4])
        axes = np.atleast_1d(top.subplots(rows, cols, squeeze=False).ravel())
        for i, ax in enumerate(axes):
            ax.set_axis_off()
            if i >= n:
                continue
            ax.imshow(imgs[i].squeeze(-1) if imgs.shape[-1] == 1 else imgs[i], cmap="gray",
                      vmin=0, vmax=255)  # fmt: skip
            g = int(groups[i])
            if i == 0 or g != int(groups[i - 1]):
                label = names[g] if g < len(names) else f"group {g}"
                ax.set_title(label, fontsize=7, loc="left", color=PALETTE[g % len(PALETTE)])
        for ax, (name, row) in zip(bottom.subplots(1, 2), [("activation", 0), ("log D", 1)],
                                   strict=True):  # fmt: skip
            if self.traces is not None and self.traces.shape[2]:
                for i, trace in enumerate(self.traces[row]):
                    color = PALETTE[int(groups[i]) % len(PALETTE)] if i < len(groups) else "C0"
                    ax.plot(self.trace_steps, trace, lw=0.5, alpha=0.5, color=color)
                ax.plot(self.trace_steps, np.nanmean(self.traces[row], axis=0), "k", lw=1.5)
            ax.set(xlabel="step", title=name)
        fig.suptitle(f"step {self.sample_step} · λ {self.tradeoff:g} · T {self.temperature:g}",
                     fontsize=9)  # fmt: skip
        return fig

    def __repr__(self):
        return (
            f"LDAMViewer({self.sampler.n_chains} chains at step {self.sampler.step_count}, "
            f"λ {self.tradeoff:g}, job {self.job_state})"
        )
