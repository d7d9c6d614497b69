"""AttributionView: a grid of images × attribution methods, and how faithful each method is.

For a few images, every method of :mod:`nbviz.attribution` (saliency, input × gradient,
integrated gradients, guided backprop, deconvolution, occlusion, LRP) draws a heatmap of
the evidence for a class, red for evidence for it and blue against, on a colour scale
centred at zero. The class picker explains the predicted class, the true one or any class;
LRP's composite picker changes its rules. Below, the pixel-flipping curve of each method
(the class score as the pixels it ranks highest are removed) compares the methods on
faithfulness, and LRP's conservation meter says how much of the explained output its
relevance accounts for. Everything is computed in a background job (a progress bar per
method) when the class or the composite changes.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.models import SmallCNN
>>> view = AttributionView(SmallCNN(in_shape=(1, 8, 8)).eval(), digits("test"), n_images=3,
...                        methods=["saliency", "lrp"])
>>> view.run(progress=False)
2
>>> view.heatmaps.shape, view.flip_scores.shape
((2, 3, 8, 8), (2, 21))
"""

from __future__ import annotations

import numpy as np
import torch
import traitlets

from .._checks import check_positive_int, unknown_name_error
from ..models import as_tensors, runnable_model
from .base import JobWidget
from .convert import images_to_uint8
from .traits import ArrayTrait, Int
from .worker import Job

__all__ = ["AttributionView"]

#: The class choices besides a class index.
TARGET_MODES = ("predicted", "true")


class AttributionView(JobWidget):
    """Heatmaps of every attribution method for a few images, and their faithfulness.

    Args:
        model: a classifier (``nn.Module``), used in eval mode and not changed.
        data: an ``ImageDataset`` (its labels give the "true" class and its
            ``class_names`` the picker's names), an ``(X, y)`` pair or a tensor of images.
        methods: the methods to show, from :data:`nbviz.attribution.METHODS` (default all).
        n_images: how many images of ``data`` (the first ones, or ``indices``).
        indices: which images of ``data`` to explain.
        target: ``"predicted"``, ``"true"`` or a class index (the picker's start).
        composite: LRP's rules, one of :data:`nbviz.attribution.COMPOSITES`.
        flip_steps: the points of each pixel-flipping curve (``1/flip_steps`` of the
            pixels removed per step).
        class_names: names of the classes (default: the dataset's, else "class k").
        image_scale: screen px per image pixel.

    Traits (synced): ``images`` (uint8 ``[n, H, W, C]``), ``captions``, ``methods``,
    ``heatmaps`` (float32 ``[methods, n, H, W]``, each scaled to [-1, 1] by its largest
    magnitude), ``heat_scale`` (float32 ``[methods, n]``: that magnitude), ``target``
    (``"predicted"``, ``"true"`` or a class index as text: set it, or pick in the view, and
    the heatmaps are computed again), ``has_labels``, ``class_names``, ``targets`` (int32
    ``[n]``: the class explained per image), ``composite`` and ``composites``, ``rules``
    (LRP's rule per layer type: ``first``, ``conv``, ``dense``; picking a composite sets
    them, picking a rule changes one; ``""`` for the first layer: its type's rule) and
    ``rule_names``,
    ``flip_fractions``,
    ``flip_scores`` (float32 ``[methods, steps + 1]``: the mean class score),
    ``flip_auc``, ``conservation`` (float32 ``[n]``: LRP's relevance over the output it
    explains; empty without LRP), ``image_scale``, and the job's.
    """

    _bundle = "attribution"

    images = ArrayTrait(dtype="uint8", ndim=4, help="the images explained [n, H, W, C]").tag(
        sync=True
    )
    captions = traitlets.List(traitlets.Unicode(), help="a caption per image").tag(sync=True)
    methods = traitlets.List(traitlets.Unicode(), read_only=True, help="the methods").tag(sync=True)
    heatmaps = ArrayTrait(
        dtype="float32", ndim=4, help="each method's map per image in [-1, 1] [m, n, H, W]"
    ).tag(sync=True)
    heat_scale = ArrayTrait(
        dtype="float32", ndim=2, help="the magnitude each map was divided by [m, n]"
    ).tag(sync=True)
    target = traitlets.Unicode(
        "predicted", help='the class explained: "predicted", "true" or a class index'
    ).tag(sync=True)
    class_names = traitlets.List(traitlets.Unicode(), help="the classes' names").tag(sync=True)
    has_labels = traitlets.Bool(False, read_only=True, help='whether "true" can be explained').tag(
        sync=True
    )
    targets = ArrayTrait(dtype="int32", ndim=1, help="the class explained per image").tag(sync=True)
    composite = traitlets.Unicode("epsilon", help="LRP's rules").tag(sync=True)
    rules = traitlets.Dict(help="LRP's rule per layer type (first, conv, dense)").tag(sync=True)
    rule_names = traitlets.List(traitlets.Unicode(), read_only=True, help="LRP's rules").tag(
        sync=True
    )
    composites = traitlets.List(traitlets.Unicode(), read_only=True, help="LRP's rule sets").tag(
        sync=True
    )
    flip_fractions = ArrayTrait(dtype="float32", ndim=1, help="share of pixels removed").tag(
        sync=True
    )
    flip_scores = ArrayTrait(
        dtype="float32", ndim=2, help="mean class score per method and step [m, steps + 1]"
    ).tag(sync=True)
    flip_auc = traitlets.List(traitlets.Float(), help="area under each method's curve").tag(
        sync=True
    )
    conservation = ArrayTrait(
        dtype="float32", ndim=1, help="LRP's relevance over the explained output [n]"
    ).tag(sync=True)
    image_scale = Int(4, min=1, max=32, help="screen px per image pixel").tag(sync=True)

    def __init__(
        self,
        model,
        data,
        *,
        methods=None,
        n_images: int = 6,
        indices=None,
        target="predicted",
        composite: str = "epsilon",
        flip_steps: int = 20,
        class_names=None,
        image_scale: int = 4,
    ):
        from ..attribution import COMPOSITES, METHODS

        self.model = runnable_model(model)
        methods = list(METHODS if methods is None else methods)
        for m in methods:
            if m not in METHODS:
                raise unknown_name_error("method", str(m), METHODS, "methods")
        if not methods:
            raise ValueError("methods: expected at least one method")
        if composite not in COMPOSITES:
            raise unknown_name_error("composite", str(composite), COMPOSITES, "composite")
        x, y = as_tensors(data, "data", labels="optional", dtype=torch.float32)
        if indices is None:
            indices = list(range(min(check_positive_int(n_images, "n_images"), len(x))))
        idx = torch.as_tensor(indices, dtype=torch.long)
        if idx.ndim != 1 or not len(idx) or bool((idx < 0).any() | (idx >= len(x)).any()):
            raise ValueError(f"indices: expected image indices in [0, {len(x)}), got {indices}")
        self.x = x[idx]
        if self.x.ndim != 4:
            raise ValueError(f"data: expected images (N, C, H, W), got {tuple(self.x.shape)}")
        self.labels = None if y is None else y[idx]
        self.flip_steps = check_positive_int(flip_steps, "flip_steps")
        with torch.no_grad():
            n_classes = int(self.model.eval()(self.x[:1]).shape[-1])
        if class_names is None:
            class_names = getattr(data, "class_names", None) or [
                f"class {k}" for k in range(n_classes)
            ]
        if len(class_names) != n_classes:
            raise ValueError(
                f"class_names: the model has {n_classes} outputs, got {len(class_names)} names"
            )
        super().__init__(
            images=images_to_uint8(self.x, vmin=0.0, vmax=1.0, name="data"),
            class_names=[str(c) for c in class_names],
            composite=composite,
            image_scale=image_scale,
        )
        self.set_trait("methods", methods)
        self.set_trait("has_labels", self.labels is not None)
        self.set_trait("composites", list(COMPOSITES))
        from ..attribution import RULES, layer_rules

        self.set_trait("rule_names", list(RULES))
        self.rules = {k: v or "" for k, v in layer_rules(composite).items()}
        self.target = self._valid_target_text(target)
        self._captions()

    # --- the class explained -------------------------------------------------------------
    def _valid_target_text(self, target) -> str:
        if isinstance(target, str) and target in TARGET_MODES:
            if target == "true" and self.labels is None:
                raise ValueError('target: "true" needs labelled data')
            return target
        try:
            k = int(target)
        except (TypeError, ValueError):
            raise unknown_name_error(
                "target", str(target), [*TARGET_MODES, *map(str, range(len(self.class_names)))],
                "target",
            ) from None  # fmt: skip
        if not 0 <= k < len(self.class_names):
            raise ValueError(
                f"target: class {k} is out of range; the model has {len(self.class_names)} "
                f"outputs (0 to {len(self.class_names) - 1})"
            )
        return str(k)

    @traitlets.validate("target")
    def _check_target(self, proposal):
        try:
            return self._valid_target_text(proposal["value"])
        except ValueError as err:
            raise traitlets.TraitError(str(err)) from None

    @traitlets.validate("composite")
    def _check_composite(self, proposal):
        from ..attribution import COMPOSITES

        if proposal["value"] not in COMPOSITES:
            raise traitlets.TraitError(
                f"composite: {proposal['value']!r} is not one of {list(COMPOSITES)}"
            )
        return proposal["value"]

    def _target_classes(self) -> torch.Tensor:
        if self.target == "predicted":
            with torch.no_grad():
                return self.model(self.x).argmax(-1)
        if self.target == "true":
            return self.labels.clone()
        return torch.full((len(self.x),), int(self.target), dtype=torch.long)

    def _captions(self) -> None:
        with torch.no_grad():
            pred = self.model(self.x).argmax(-1).tolist()
        names = self.class_names
        caps = []
        for i, p in enumerate(pred):
            true = "" if self.labels is None else f"true {names[int(self.labels[i])]} · "
            caps.append(f"{true}predicted {names[p]}")
        self.captions = caps

    @traitlets.validate("rules")
    def _check_rules(self, proposal):
        from ..attribution import layer_rules

        try:
            chosen = layer_rules(
                self.composite, {k: v or None for k, v in proposal["value"].items()}
            )
        except ValueError as err:
            raise traitlets.TraitError(str(err)) from None
        return {k: v or "" for k, v in chosen.items()}

    @traitlets.observe("composite")
    def _composite_rules(self, change) -> None:
        from ..attribution import layer_rules

        self.rules = {k: v or "" for k, v in layer_rules(change["new"]).items()}

    @traitlets.observe("target", "rules")
    def _recompute(self, change) -> None:
        if change["old"] == change["new"] or not self.methods or self.heatmaps is None:
            return
        if self._job is not None and self._job.running:
            self.stop()
        self.start()

    # --- the job: every method's maps, then the flipping curves ---------------------------
    def _new_job(self) -> Job:
        return self._make_job(self._job_fn, name="attribution")

    def _job_fn(self, ctx) -> int:
        from ..attribution import attribute, conservation, pixel_flipping

        t = self._target_classes()
        methods = list(self.methods)
        maps, scores, aucs = [], [], []
        kept = None
        fractions = None
        for k, method in enumerate(methods):
            ctx.check()
            ctx.progress(k, len(methods), f"{method} ({k + 1} of {len(methods)})")
            rules = {k: v or None for k, v in self.rules.items()}
            heat = attribute(self.model, self.x, t, method, composite=self.composite, rules=rules)
            curve = pixel_flipping(self.model, self.x, heat, t, steps=self.flip_steps)
            if method == "lrp":
                kept = conservation(self.model, self.x, heat, t)
            maps.append(heat.sum(1))  # (n, H, W): channels summed
            scores.append(curve.scores)
            aucs.append(curve.auc)
            fractions = curve.fractions
        ctx.progress(len(methods), len(methods), "done")
        maps_t = torch.stack(maps)  # (m, n, H, W)
        scale = maps_t.abs().flatten(2).amax(2).clamp(min=1e-12)
        with self.batched():
            self.targets = t.to(torch.int32).numpy()
            self.heatmaps = (maps_t / scale[..., None, None]).float().numpy()
            self.heat_scale = scale.float().numpy()
            self.flip_fractions = fractions.numpy()
            self.flip_scores = torch.stack(scores).float().numpy()
            self.flip_auc = [float(a) for a in aucs]
            self.conservation = (
                kept.float().numpy() if kept is not None else np.zeros(0, np.float32)
            )
        return len(methods)

    # --- static output -------------------------------------------------------------------
    def figure(self):
        """The grid of images × methods (a diverging colour map centred at zero) and the
        pixel-flipping curves, as a matplotlib figure."""
        from ..plotting import PALETTE, new_figure

        if self.heatmaps is None:
            raise RuntimeError("figure: nothing computed yet; call run() first")
        m, n = self.heatmaps.shape[:2]
        fig = new_figure(figsize=(1.3 * n + 3.5, 1.2 * (m + 1)), layout="constrained")
        grid, chart = fig.subfigures(1, 2, width_ratios=[1.3 * n, 3.5])
        axes = grid.subplots(m + 1, n, squeeze=False)
        for j in range(n):
            img = self.images[j]
            axes[0, j].imshow(img.squeeze(-1) if img.shape[-1] == 1 else img, cmap="gray")
            axes[0, j].set_title(self.class_names[int(self.targets[j])], fontsize=7)
            for i in range(m):
                axes[i + 1, j].imshow(self.heatmaps[i, j], cmap="bwr", vmin=-1, vmax=1)
        for row, name in enumerate(["image", *self.methods]):
            axes[row, 0].set_ylabel(name, fontsize=7, rotation=0, ha="right", va="center")
        for ax in axes.flat:
            ax.set_xticks([])
            ax.set_yticks([])
        ax = chart.subplots()
        for i, name in enumerate(self.methods):
            ax.plot(self.flip_fractions, self.flip_scores[i], color=PALETTE[i % len(PALETTE)],
                    label=f"{name} (AUC {self.flip_auc[i]:.2f})")  # fmt: skip
        ax.set(xlabel="share of pixels removed", ylabel="class score", title="pixel flipping")
        ax.legend(fontsize=6)
        return fig

    def __repr__(self):
        return (
            f"AttributionView({len(self.x)} images × {len(self.methods)} methods, "
            f"target {self.target}, LRP {self.composite})"
        )
