"""LDAMViewer: Langevin chains that maximize a neuron, drawn live while they sample.

After Jiang, Chan, Zhang and Canny, "Langevin Dynamics Activation Maximization"
(arXiv:1812.04604). The widget runs a :class:`nbviz.ldam.Sampler` in its background job
and streams the chains' current images, their activation and log D traces and the MALA
acceptance rate to the view (at most ``frame_rate`` pictures a second, 24 by default).
The λ slider in the view is the sampler's ``tradeoff``: moving it changes the running chains'
target at their next step (interpretability, images the discriminator finds real, at
high λ; accuracy, images the neuron alone picks, at λ = 0). The scrubber shows any kept
frame of the chains' history. Given one sampler per prior (:func:`nbviz.ldam.prior_samplers`:
none, the discriminator, the generator), the view picks the prior it shows and steers,
or shows every prior's chains side by side, each group's block headed by the percentile
of the real images' activation its chains reach.

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

from .._checks import check_bool, check_positive_int, unknown_name_error
from .base import JobWidget
from .convert import images_to_uint8
from .traits import ArrayTrait, Float, Int
from .worker import Job

__all__ = ["LDAMViewer"]


def _prior_name(sampler) -> str:
    """What steers a sampler's chains: "generator", "discriminator" or "none"."""
    if getattr(sampler, "generator", None) is not None:
        return "generator"
    return "discriminator" if getattr(sampler, "discriminator", None) is not None else "none"


class LDAMViewer(JobWidget):
    """A live view of an :class:`nbviz.ldam.Sampler`'s chains.

    Args:
        sampler: the :class:`~nbviz.ldam.Sampler` (its model, objective, discriminator,
            λ, temperature and step size are set there), or a dict of samplers by prior
            name (:func:`~nbviz.ldam.prior_samplers`), all on the same objective and
            with as many chains.
        prior: the name of the sampler shown and steered first (default: the first).
        side_by_side: show and run every prior's chains at once, each group's block once
            per prior (their steps run in turn, so each prior's chains advance together).
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

    Traits (synced): ``prior`` (the sampler shown and steered, one of ``priors``),
    ``side_by_side``, ``chain_priors`` (int32 ``[n]``: each shown chain's index in
    ``priors``), ``reached`` (float32 ``[len(priors), groups]``: the median percentile
    of the real images' activation each group's chains reach, NaN without data),
    ``tradeoff`` (λ: set it, or move the slider, and the sampler uses
    it from its next step), ``temperature`` (likewise), ``samples`` (uint8
    ``[n, H, W, C]``: the chains now, or the history frame chosen), ``sample_step``,
    ``chain_groups``, ``group_names``, ``traces`` (float32 ``[2, n, L]``: activation and
    log D; NaN for stopped chains, and log D NaN without a discriminator),
    ``trace_steps``, ``acceptance`` (MALA's rate, -1 for ULA), ``history_len`` and
    ``history_index`` (-1: live), ``top_images`` and ``top_captions`` (each one's index
    in ``data`` and activation, shown on hover), ``running``, ``tradeoff_max``,
    ``image_scale``, ``height``, and the job's.
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
    priors = traitlets.List(
        traitlets.Unicode(), read_only=True, help="the names of the samplers, one per prior"
    ).tag(sync=True)
    prior = traitlets.Unicode("", help="the prior whose sampler is shown and steered").tag(
        sync=True
    )
    side_by_side = traitlets.Bool(False, help="show and run every prior's chains").tag(sync=True)
    chain_priors = ArrayTrait(
        dtype="int32", ndim=1, help="each shown chain's index in priors [n]"
    ).tag(sync=True)
    reached = ArrayTrait(
        dtype="float32", ndim=2, help="median real-image percentile per prior and group"
    ).tag(sync=True)
    image_scale = Int(3, min=1, max=32, help="screen px per image pixel").tag(sync=True)
    height = Int(180, min=80, unit=" px", help="the charts' height, px").tag(sync=True)

    def __init__(
        self,
        sampler,
        *,
        data=None,
        prior: str | None = None,
        side_by_side: bool = False,
        top_k: int = 8,
        steps: int = 2000,
        trace_window: int = 300,
        tradeoff_max: float | None = None,
        image_scale: int = 3,
        height: int = 180,
        group_names=None,
        frame_rate: float = 24.0,
    ):
        self.samplers = self._check_samplers(sampler)
        names = list(self.samplers)
        if prior is None:
            prior = names[0]
        elif prior not in self.samplers:
            raise unknown_name_error("prior", str(prior), names, "prior")
        sampler = self.samplers[prior]
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
        self._shown_t = sampler.temperature
        super().__init__(
            chain_groups=groups,
            group_names=[str(g) for g in group_names],
            tradeoff=sampler.tradeoff,
            tradeoff_max=float(tradeoff_max)
            if tradeoff_max
            else max(10.0, *(2 * t.tradeoff for t in self.samplers.values())),
            temperature=sampler.temperature,
            image_scale=image_scale,
            height=height,
            prior=prior,
            side_by_side=check_bool(side_by_side, "side_by_side"),
        )
        self.set_trait("priors", names)
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

    @property
    def sampler(self):
        """The :class:`~nbviz.ldam.Sampler` of the prior on show (``prior``)."""
        return self.samplers[self.prior]

    @staticmethod
    def _check_samplers(sampler) -> dict:
        from ..ldam import Sampler

        single = not isinstance(sampler, dict)
        samplers = {_prior_name(sampler): sampler} if single else dict(sampler)
        if not samplers:
            raise ValueError("sampler: expected a Sampler or a dict of them, got an empty dict")
        for name, s in samplers.items():
            if not isinstance(s, Sampler):
                raise TypeError(
                    f"sampler: expected an nbviz.ldam.Sampler, got {type(s).__name__}"
                    + (f" for prior {name!r}" if isinstance(sampler, dict) else "")
                )
        first_name, first = next(iter(samplers.items()))
        for name, s in samplers.items():
            same = (
                s.n_chains == first.n_chains
                and s.objective.n_groups == first.objective.n_groups
                and tuple(s.input_shape) == tuple(first.input_shape)
                and bool(torch.equal(s.groups.cpu(), first.groups.cpu()))
            )
            if not same:
                raise ValueError(
                    f"sampler: the samplers of {first_name!r} and {name!r} differ; priors "
                    "are compared on the same objective, chains and input shape"
                )
        return samplers

    @traitlets.validate("prior")
    def _valid_prior(self, proposal):
        name = proposal["value"]
        if name not in self.samplers:
            raise traitlets.TraitError(
                f"prior: {name!r} is not one of this viewer's priors {list(self.samplers)}"
            )
        return name

    @traitlets.observe("prior")
    def _show_prior(self, change) -> None:
        s = self.sampler
        with self.batched():
            self.tradeoff = s.tradeoff
            self._shown_t = s.temperature
            self.temperature = self._shown_t
            self._show_live()

    @traitlets.observe("side_by_side")
    def _show_side_by_side(self, change) -> None:
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
            if self.side_by_side and len(self.samplers) > 1:
                ran = self._run_in_turn(n_steps, callback, lambda: ctx.stopped)
            else:
                ran = s.run(n_steps, callback=callback, should_stop=lambda: ctx.stopped)
            ctx.progress(ran, n_steps, self._status(s))
        finally:
            self._show_live()
        return ran

    def _run_in_turn(self, n_steps: int, callback, stopped) -> int:
        """One step of every prior's sampler in turn, ``n_steps`` times; how many ran."""
        shown = self.sampler
        done = 0
        for _ in range(n_steps):
            if stopped():
                break
            for s in self.samplers.values():
                s.step()
            done += 1
            callback(shown)
        return done

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
            t = s.temperature
            if self.temperature != t:  # the warm-up cooled it: show, don't set
                self._shown_t = t
                self.temperature = t
            if self.history_index < 0:
                shown = self._shown()
                self.samples = self._to_uint8(torch.cat([t.pictures() for t in shown]))
                self._send_layout(shown)
                self.sample_step = int(s.step_count)

    def _shown(self) -> list:
        """The samplers on show: every prior's side by side, else the picked one."""
        return list(self.samplers.values()) if self.side_by_side else [self.sampler]

    def _send_layout(self, shown) -> None:
        index = {id(t): k for k, t in enumerate(self.samplers.values())}
        groups = torch.cat([t.groups.detach().cpu() for t in shown]).to(torch.int32)
        if self.chain_groups is None or not np.array_equal(self.chain_groups, groups.numpy()):
            self.chain_groups = groups.numpy()
        priors = np.concatenate([np.full(t.n_chains, index[id(t)], dtype=np.int32) for t in shown])
        if self.chain_priors is None or not np.array_equal(self.chain_priors, priors):
            self.chain_priors = priors

    def _reached(self) -> np.ndarray:
        """The median percentile each group's chains reach among the real images' scores,
        per prior ``(priors, groups)``; NaN for a sampler without data."""
        n_groups = len(self.group_names)
        out = np.full((len(self.samplers), n_groups), np.nan, dtype=np.float32)
        for k, s in enumerate(self.samplers.values()):
            if s.reference is None or not s.step_count:
                continue
            pct = s.activation_percentile()
            groups = s.groups.detach().cpu()
            for g in range(n_groups):
                live = (groups == g) & s.alive.detach().cpu()
                if bool(live.any()):
                    out[k, g] = float(pct[live].median())
        return out

    def _send_traces(self) -> None:
        s = self.sampler
        shown = self._shown()
        recents = [t.history.recent(self.trace_window) for t in shown]  # only what is drawn
        length = min(len(r["steps"]) for r in recents)
        parts = []
        for t, r in zip(shown, recents, strict=True):
            act = r["activation"][len(r["steps"]) - length :].float()
            logd = r["log_d"][len(r["steps"]) - length :].float()
            dead = ~t.alive.detach().cpu()
            act[:, dead] = float("nan")
            logd[:, dead] = float("nan")
            if t.discriminator is None:
                logd[:] = float("nan")  # no D: nothing to draw (the history holds zeros)
            parts.append(torch.stack([act, logd]))
        recent = recents[shown.index(s)]  # the sampler on show is always among them
        self.history_len = recent["n_samples"]
        self.traces = torch.cat(parts, dim=2).transpose(1, 2).contiguous().numpy()
        self.trace_steps = recent["steps"][len(recent["steps"]) - length :].to(torch.int32).numpy()
        self.acceptance = float(s.acceptance_rate.mean()) if s.mala and s.step_count else -1.0
        self.reached = self._reached()
        self._traces_sent = time.monotonic()

    @traitlets.observe("history_index")
    def _show_history(self, change) -> None:
        k = change["new"]
        if k < 0:
            self._show_live()
            return
        shown = self._shown()
        snaps = [t.history.snapshot() for t in shown]
        if not all(len(snap["samples"]) for snap in snaps):
            return
        frames = [snap["samples"][min(k, len(snap["samples"]) - 1)] for snap in snaps]
        snap = snaps[shown.index(self.sampler)]
        k = min(k, len(snap["samples"]) - 1)
        with self.batched():
            self.samples = self._to_uint8(torch.cat(frames))
            self._send_layout(shown)
            self.sample_step = int(snap["sample_steps"][k])

    @traitlets.observe("tradeoff")
    def _set_tradeoff(self, change) -> None:
        self.sampler.tradeoff = change["new"]  # the sampler takes it at its next step

    @traitlets.observe("temperature")
    def _set_temperature(self, change) -> None:
        # The trait also echoes the sampler's own value (the warm-up cooling it, a prior
        # picked): setting that back would end the warm-up's cooling, so only a new value
        # is the user's. Observers may run after a batch, so a flag could not tell.
        t = change["new"]
        if t != getattr(self, "_shown_t", None) and t != self.sampler.temperature:
            self.sampler.temperature = t

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
        priors = self.chain_priors if self.chain_priors is not None else np.zeros(n, int)
        names = list(self.group_names)
        split = self.side_by_side and len(self.priors) > 1
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
            if i == 0 or g != int(groups[i - 1]) or priors[i] != priors[i - 1]:
                label = names[g] if g < len(names) else f"group {g}"
                if split:
                    label = f"{label} · {self.priors[int(priors[i])]}"
                ax.set_title(label, fontsize=7, loc="left", color=PALETTE[g % len(PALETTE)])
        for ax, (name, row) in zip(bottom.subplots(1, 2), [("activation", 0), ("log D", 1)],
                                   strict=True):  # fmt: skip
            if self.traces is not None and self.traces.shape[2]:
                for i, trace in enumerate(self.traces[row]):
                    color = PALETTE[int(groups[i]) % len(PALETTE)] if i < len(groups) else "C0"
                    ax.plot(self.trace_steps, trace, lw=0.5, alpha=0.5, color=color)
                drawn = np.isfinite(self.traces[row]).any(axis=0)
                if drawn.any():  # the mean of the chains that have a value
                    mean = np.nansum(self.traces[row], 0) / np.maximum(
                        np.isfinite(self.traces[row]).sum(0), 1
                    )
                    ax.plot(self.trace_steps[drawn], mean[drawn], "k", lw=1.5)
            ax.set(xlabel="step", title=name)
        fig.suptitle(f"step {self.sample_step} · λ {self.tradeoff:g} · T {self.temperature:g}",
                     fontsize=9)  # fmt: skip
        return fig

    def __repr__(self):
        return (
            f"LDAMViewer({self.sampler.n_chains} chains at step {self.sampler.step_count}, "
            f"λ {self.tradeoff:g}, job {self.job_state})"
        )
