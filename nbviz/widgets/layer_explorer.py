"""LayerExplorer: the Deep Visualization Toolbox in a notebook.

After Yosinski, Clune, Nguyen, Fuchs and Lipson, "Understanding Neural Networks Through
Deep Visualization" (2015). One input goes through the network, and every layer shows
its activations: a tile per channel of a convolution, a bar per unit of a dense layer.
The input is an image of ``data`` (picked from a strip of thumbnails), a drawing made with
the mouse (the layers follow the stroke), or an image file dropped on the canvas. Clicking
a unit shows its feature map over the input, its guided-backprop and deconvolution
pictures (Captum's ``NeuronGuidedBackprop`` / ``NeuronDeconvolution``), and its top
images over ``data``, each cut to the receptive field its maximum came from (one pass of
the data per layer, in a background job with a progress bar, cached). A button opens the
unit's LDAM chains (:class:`~nbviz.LDAMViewer`) below the explorer; given training
snapshots, a slider shows the same input and unit at each checkpoint.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.models import SmallCNN
>>> explorer = LayerExplorer(SmallCNN(in_shape=(1, 8, 8)).eval(), digits("test"))
>>> [layer["name"] for layer in explorer.layers][:3]
['conv1', 'relu1', 'conv2']
>>> explorer.layer, explorer.unit = "conv2", 5    # as a click on the unit does
>>> top = explorer.wait()     # conv2's top images, found by a job in the background
>>> explorer.top_images.shape, explorer.unit_pictures.shape
((9, 8, 8, 1), (2, 8, 8, 1))
"""

from __future__ import annotations

import copy
import itertools

import numpy as np
import torch
import traitlets

from .._checks import check_positive_int, unknown_name_error
from ..models import as_tensors, runnable_model, weights_version
from .base import JobWidget
from .convert import images_to_uint8
from .messages import MESSAGES
from .traits import ArrayTrait, Int
from .worker import Job

__all__ = ["LayerExplorer"]

#: How each layer's tiles are scaled: one scale for the whole layer, or one per unit.
NORMALIZATIONS = ("layer", "unit")
#: Where the input came from (the view writes it with the input).
INPUT_SOURCES = ("data", "drawing", "file")


def _checkpoints(snapshots) -> tuple[list[dict], list[str]]:
    """``(state dicts, labels)`` from a ``TrainResult`` or a list of state dicts."""
    from ..models import weights_over_training

    return ([], []) if snapshots is None else weights_over_training(snapshots)


class LayerExplorer(JobWidget):
    """Every layer's activations for one input, and any unit of them up close.

    Args:
        model: a network taking images ``(N, C, H, W)``; it runs in eval mode and is not
            changed (with ``snapshots``, a copy of it is loaded with each checkpoint).
        data: images to pick the input from and to find each unit's top images in (an
            ``ImageDataset``, an ``(X, y)`` pair or a tensor); ``None`` for drawing only.
        layers: the layer names to show (module paths); default every convolution, dense
            layer and activation the forward pass calls
            (:func:`nbviz.attribution.explorer_layers`).
        snapshots: training checkpoints (a ``TrainResult`` with weights, or a list of
            state dicts): a slider then moves the model through them, last one first.
        class_names: names of the outputs (default: the dataset's, else "class k").
        data_range: ``(low, high)`` of the model's input pixels: a drawn or uploaded byte
            ``b`` becomes ``low + (high - low) * b / 255``.
        n_thumbnails: images of ``data`` in the strip (cycling through the classes).
        k: top images per unit.
        discriminator: a :class:`~nbviz.ldam.DiscriminatorPrior` for the chains the
            "LDAM chains" button opens (default: no prior).
        batch_size: images per forward pass of the top-image search.
        normalize: ``"layer"`` (a layer's tiles share one scale: which channels are
            strongest) or ``"unit"`` (each tile its own: the pattern of each, faint or not).
        image_scale: screen px per input pixel of the drawing canvas.

    Traits (synced): ``input_image`` (uint8 ``[H, W, C]``: the input; drawing or a file in
    the view sets it, as does ``index`` or :meth:`set_input`), ``input_source``, ``index``
    (the thumbnail shown, -1 for a drawing), ``input_note``, ``predicted``, ``layers``
    (each layer's ``name``, ``kind``, ``shape``, ``offset`` and ``size`` in
    ``activations``), ``activations`` (float32, every layer's output concatenated),
    ``normalize`` (``"layer"`` or ``"unit"``), ``layer`` and ``unit`` (the unit shown up
    close; a click in the view sets them), ``unit_map``, ``unit_value``,
    ``unit_pictures`` (float32 ``[2, H, W, C]`` in [-1, 1]), ``unit_error``,
    ``top_images``, ``top_boxes`` (int32 ``[k, 4]``: top, left, bottom, right),
    ``top_values``, ``top_captions``, ``top_for``, ``top_note``, ``checkpoint`` and
    ``checkpoint_labels``, and the job's. :attr:`chains_output` holds the LDAM viewer.
    """

    _bundle = "layer_explorer"
    _not_settable = JobWidget._not_settable | frozenset(
        {"input_image", "input_source", "activations", "unit_map", "unit_pictures"}
    )

    input_shape = traitlets.List(traitlets.Int(), read_only=True, help="(C, H, W)").tag(sync=True)
    thumbnails = ArrayTrait(dtype="uint8", ndim=4, help="images to pick [n, H, W, C]").tag(
        sync=True
    )
    thumbnail_captions = traitlets.List(traitlets.Unicode(), help="a caption per thumbnail").tag(
        sync=True
    )
    index = Int(-1, min=-1, help="the thumbnail shown; -1 for a drawn or uploaded input").tag(
        sync=True
    )
    input_image = ArrayTrait(dtype="uint8", ndim=3, help="the input [H, W, C]").tag(sync=True)
    input_source = traitlets.Unicode("data", help="data, drawing or file").tag(sync=True)
    input_note = traitlets.Unicode("", help="how the input was converted").tag(sync=True)
    predicted = traitlets.Unicode("", help="the model's class for the input").tag(sync=True)
    layers = traitlets.List(traitlets.Dict(), read_only=True, help="the layers shown").tag(
        sync=True
    )
    activations = ArrayTrait(dtype="float32", ndim=1, help="every layer's output").tag(sync=True)
    normalize = traitlets.Unicode("layer", help="scale tiles per layer or per unit").tag(sync=True)
    layer = traitlets.Unicode("", help="the layer of the unit shown; '' for none").tag(sync=True)
    unit = Int(-1, min=-1, help="the unit shown; -1 for none").tag(sync=True)
    unit_map = ArrayTrait(dtype="float32", ndim=2, help="the unit's feature map [h, w]").tag(
        sync=True
    )
    unit_value = traitlets.Float(0.0, help="the unit's value (a channel's maximum)").tag(sync=True)
    unit_pictures = ArrayTrait(
        dtype="float32", ndim=4, help="guided backprop, deconvolution [2, H, W, C]"
    ).tag(sync=True)
    unit_picture_names = traitlets.List(traitlets.Unicode(), read_only=True).tag(sync=True)
    unit_error = traitlets.Unicode("", help="why the unit's pictures are missing").tag(sync=True)
    top_images = ArrayTrait(dtype="uint8", ndim=4, help="the unit's top images").tag(sync=True)
    top_boxes = ArrayTrait(dtype="int32", ndim=2, help="receptive-field boxes [k, 4]").tag(
        sync=True
    )
    top_values = ArrayTrait(dtype="float32", ndim=1, help="the unit's value on each").tag(sync=True)
    top_captions = traitlets.List(traitlets.Unicode(), help="a caption per top image").tag(
        sync=True
    )
    top_for = traitlets.Unicode("", help="'layer:unit' of the top images shown").tag(sync=True)
    top_note = traitlets.Unicode("", help="why there are no top images").tag(sync=True)
    checkpoint = Int(0, min=0, help="the training checkpoint shown").tag(sync=True)
    checkpoint_labels = traitlets.List(traitlets.Unicode(), read_only=True).tag(sync=True)
    image_scale = Int(8, min=1, max=32, help="screen px per input pixel").tag(sync=True)

    def __init__(
        self,
        model,
        data=None,
        *,
        layers=None,
        snapshots=None,
        class_names=None,
        data_range=(0.0, 1.0),
        n_thumbnails: int = 16,
        k: int = 9,
        discriminator=None,
        batch_size: int = 256,
        normalize: str = "layer",
        image_scale: int = 8,
    ):
        from ..attribution import UNIT_METHODS, explorer_layers, layer_outputs

        self.model = runnable_model(model)
        self.k = check_positive_int(k, "k")
        self.batch_size = check_positive_int(batch_size, "batch_size")
        self.discriminator = discriminator
        lo, hi = (float(v) for v in data_range)
        if not hi > lo:
            raise ValueError(f"data_range: expected (low, high) with low < high, got {data_range}")
        self.data_range = (lo, hi)
        self._states, labels = _checkpoints(snapshots)
        # With checkpoints the model is a copy, loaded with each in turn; without, the
        # model itself (so an explorer on a model that trains shows its current weights).
        self.net = copy.deepcopy(self.model) if self._states else self.model
        if self._states:
            self.net.load_state_dict(self._states[-1])
        self.net.eval()

        self.x_data, self.labels = None, None
        if data is not None:
            self.x_data, self.labels = as_tensors(
                data, "data", labels="optional", dtype=torch.float32
            )
            if self.x_data.ndim != 4:
                raise ValueError(
                    f"data: expected images (N, C, H, W), got shape {tuple(self.x_data.shape)}"
                )
            shape = tuple(self.x_data.shape[1:])
        else:
            shape = getattr(self.model, "in_shape", None)
            if not (isinstance(shape, (tuple, list)) and len(shape) == 3):
                raise ValueError(
                    "data: without data the model must say its input shape (an in_shape "
                    "attribute of (C, H, W)); pass data= to take it from the images"
                )
            shape = tuple(int(s) for s in shape)
        if shape[0] not in (1, 3):
            raise ValueError(f"data: expected grey (1) or RGB (3) channels, got shape {shape}")
        self._shape = shape

        shapes = dict(explorer_layers(self.net, shape))
        if layers is None:
            names = list(shapes)
        else:
            names = [layers] if isinstance(layers, str) else list(layers)
            if not names:
                raise ValueError("layers: expected at least one layer name")
            probe, _ = layer_outputs(self.net, torch.zeros(1, *shape), names, with_output=True)
            for name in names:
                if name not in probe:
                    raise ValueError(f"layers: {name!r} is not called by the model's forward")
                if probe[name].ndim not in (2, 4):
                    raise ValueError(
                        f"layers: {name!r} gives outputs of shape {tuple(probe[name].shape[1:])}"
                        "; expected a conv map (C, h, w) or a vector (units,)"
                    )
                shapes[name] = tuple(probe[name].shape[1:])
        _, logits = layer_outputs(self.net, torch.zeros(1, *shape), [], with_output=True)
        self._n_classes = int(logits.shape[-1]) if logits.ndim == 2 else 0
        if class_names is None:
            class_names = getattr(data, "class_names", None) or [
                f"class {i}" for i in range(self._n_classes)
            ]
        self.class_names = [str(c) for c in class_names]
        if self._n_classes and len(self.class_names) != self._n_classes:
            raise ValueError(
                f"class_names: the model has {self._n_classes} outputs, got "
                f"{len(self.class_names)} names"
            )
        info, offset = [], 0
        for name in names:
            size = int(np.prod(shapes[name]))
            info.append({
                "name": name,
                "kind": "conv" if len(shapes[name]) == 3 else "dense",
                "shape": list(shapes[name]),
                "offset": offset,
                "size": size,
                "labels": [],
            })  # fmt: skip
            offset += size
        if info[-1]["kind"] == "dense" and info[-1]["size"] == self._n_classes:
            last = dict(self.net.named_modules())[info[-1]["name"]]
            if not any(isinstance(m, torch.nn.Module) for m in last.children()):
                info[-1]["labels"] = list(self.class_names)

        self._tops: dict[tuple, object] = {}
        self._x: torch.Tensor | None = None
        self._own_image = None  # the input the widget set itself (the view's come back)
        import ipywidgets

        #: Where the "LDAM chains" button shows its :class:`~nbviz.LDAMViewer`.
        self.chains_output = ipywidgets.Output()
        self.chains = None
        super().__init__(image_scale=image_scale, normalize=normalize)
        self.set_trait("input_shape", list(shape))
        self.set_trait("layers", info)
        self.set_trait("checkpoint_labels", labels)
        self.set_trait("unit_picture_names", [m.replace("_", " ") for m in UNIT_METHODS])
        self.checkpoint = max(0, len(labels) - 1)
        if self.x_data is not None:
            self._thumbnails(check_positive_int(n_thumbnails, "n_thumbnails"))
            self.index = self._thumb_index[0]
        else:
            self.set_input(torch.zeros(shape))
            self.top_note = "No data: give data= to see each unit's top images."
        self.on_msg(self._handle_view_msg)

    # --- the input ----------------------------------------------------------------------
    def _thumbnails(self, n: int) -> None:
        if self.labels is not None:
            by_class: dict[int, list[int]] = {}
            for i, c in enumerate(self.labels.tolist()):
                by_class.setdefault(int(c), []).append(i)
            rounds = itertools.zip_longest(*(by_class[c] for c in sorted(by_class)))
            order = [i for r in rounds for i in r if i is not None][:n]
        else:
            order = list(range(min(n, len(self.x_data))))
        self._thumb_index = order
        lo, hi = self.data_range
        self.thumbnails = images_to_uint8(self.x_data[order], vmin=lo, vmax=hi, name="data")
        names = self.class_names
        self.thumbnail_captions = [
            f"#{i}" + ("" if self.labels is None else f" · {names[int(self.labels[i])]}")
            for i in order
        ]

    def set_input(self, image, source: str = "data") -> None:
        """Show ``image`` (a tensor or array ``(C, H, W)``, or ``(H, W)`` for a grey model,
        with values in ``data_range``) as the input."""
        x = as_tensors(image, "image", labels="ignore", dtype=torch.float32)[0]
        if x.ndim == 2 and self._shape[0] == 1:
            x = x[None]
        if tuple(x.shape) != self._shape:
            raise ValueError(f"image: expected shape {self._shape} (C, H, W), got {tuple(x.shape)}")
        self._show(x, source)

    def _show(self, x: torch.Tensor, source: str, index: int = -1) -> None:
        lo, hi = self.data_range
        self._x = x.clamp(lo, hi)
        self._own_image = images_to_uint8(self._x[None], vmin=lo, vmax=hi)[0]
        # the input and what it does to every layer in one message to the view
        self._refresh(input_image=self._own_image, input_source=source, input_note="", index=index)

    @traitlets.observe("index")
    def _on_index(self, change) -> None:
        i = change["new"]
        if i >= 0:
            self._show(self.x_data[i], "data", index=i)

    @traitlets.validate("index")
    def _check_index(self, proposal):
        i = proposal["value"]
        if i >= 0 and self.x_data is None:
            raise traitlets.TraitError("index: no data to pick an image from; give data=")
        if i >= 0 and i >= len(self.x_data):
            raise traitlets.TraitError(
                f"index: {i} is out of range; data has {len(self.x_data)} images"
            )
        return i

    @traitlets.validate("input_image")
    def _check_input_image(self, proposal):
        a = proposal["value"]
        c, h, w = self._shape
        if a is not None and a.shape != (h, w, c):
            raise traitlets.TraitError(
                f"input_image: expected uint8 [H, W, C] = {[h, w, c]}, got {list(a.shape)}"
            )
        return a

    @traitlets.validate("input_source")
    def _check_source(self, proposal):
        if proposal["value"] not in INPUT_SOURCES:
            raise traitlets.TraitError(
                f"input_source: expected one of {list(INPUT_SOURCES)}, got {proposal['value']!r}"
            )
        return proposal["value"]

    @traitlets.observe("input_image")
    def _on_input_image(self, change) -> None:
        if change["new"] is None or change["new"] is self._own_image:
            return
        # drawn or uploaded in the view: bytes → the model's range
        lo, hi = self.data_range
        a = torch.from_numpy(np.asarray(change["new"], dtype=np.float32).copy())
        self._x = lo + (hi - lo) * a.permute(2, 0, 1) / 255.0
        c, h, w = self._shape
        source = self.input_source
        note = ""
        if source == "drawing" and c == 3:
            note = "Drawn in grey, copied to the model's 3 (RGB) channels."
        elif source == "file":
            note = f"The image file was cut to its centre and resized to {h}×{w}" + (
                " and converted to grey (the model takes one channel)." if c == 1 else "."
            )
        self._refresh(input_note=note, index=-1)

    # --- what one input does ----------------------------------------------------------
    def _refresh(self, **traits) -> None:
        """Every layer's activations for the input, set with ``traits`` in one change (one
        message to the view); then the chosen unit's pictures."""
        from ..attribution import layer_outputs

        if self._x is None:
            return
        names = [info["name"] for info in self.layers]
        outs, logits = layer_outputs(self.net, self._x[None], names, with_output=True)
        flat = torch.cat([outs[n][0].reshape(-1).float().cpu() for n in names])
        predicted = ""
        if self._n_classes and logits.ndim == 2:
            p = logits[0].float().softmax(-1)
            k = int(p.argmax())
            predicted = f"predicted {self.class_names[k]} ({100 * float(p[k]):.0f}%)"
        with self.batched():
            for name, value in traits.items():
                setattr(self, name, value)
            self.activations = flat.numpy()
            self.predicted = predicted
        self._unit_view(outs)

    def _layer_info(self, name: str) -> dict:
        for info in self.layers:
            if info["name"] == name:
                return info
        raise unknown_name_error("layer", name, [i["name"] for i in self.layers], "layer")

    @traitlets.validate("layer")
    def _check_layer(self, proposal):
        name = proposal["value"]
        if name:
            try:
                self._layer_info(name)
            except ValueError as err:
                raise traitlets.TraitError(str(err)) from None
        return name

    @traitlets.validate("unit")
    def _check_unit(self, proposal):
        u = proposal["value"]
        if u >= 0 and self.layer:
            info = self._layer_info(self.layer)
            n = info["shape"][0]
            if u >= n:
                raise traitlets.TraitError(
                    f"unit: {u} is out of range; {self.layer!r} has {n} units (0 to {n - 1})"
                )
        return u

    @traitlets.validate("normalize")
    def _check_normalize(self, proposal):
        if proposal["value"] not in NORMALIZATIONS:
            raise traitlets.TraitError(
                f"normalize: expected one of {list(NORMALIZATIONS)}, got {proposal['value']!r}"
            )
        return proposal["value"]

    @traitlets.observe("layer", "unit")
    def _on_unit(self, change) -> None:
        if (
            change["name"] == "layer"
            and self.layer
            and self.unit >= self._layer_info(self.layer)["shape"][0]
        ):
            self.unit = -1  # the old unit does not exist in the new layer
            return
        self._unit_view()
        self._show_top()

    def _unit_view(self, outs=None) -> None:
        """The chosen unit's map, value and guided-backprop / deconvolution pictures."""
        from ..attribution import layer_outputs, unit_pictures

        layer, unit = self.layer, self.unit
        c, h, w = self._shape
        if not layer or unit < 0 or self._x is None:
            if self.unit_map is not None and self.unit_map.size == 0 and self.unit_value == 0:
                return  # already empty: nothing to send
            with self.batched():
                self.unit_map = np.zeros((0, 0), np.float32)
                self.unit_pictures = np.zeros((0, h, w, c), np.float32)
                self.unit_value = 0.0
                self.unit_error = ""
            return
        if outs is None or layer not in outs:
            outs = layer_outputs(self.net, self._x[None], [layer])
        act = outs[layer][0, unit].float().cpu()
        error = ""
        try:
            pics = unit_pictures(self.net, layer, unit, self._x[None])
            stack = torch.cat([p for p in pics.values()])  # (2, C, H, W)
            scale = stack.abs().flatten(1).amax(1).clamp(min=1e-12)
            stack = (stack / scale[:, None, None, None]).permute(0, 2, 3, 1)
        except ValueError as err:
            stack, error = torch.zeros(0, h, w, c), str(err)
        with self.batched():
            self.unit_map = act.numpy() if act.ndim == 2 else np.zeros((0, 0), np.float32)
            self.unit_value = float(act.max())
            self.unit_pictures = stack.float().numpy()
            self.unit_error = error

    @traitlets.observe("checkpoint")
    def _on_checkpoint(self, change) -> None:
        if not self._states:
            return
        if self._job is not None and self._job.running:
            self.stop()
        self.net.load_state_dict(self._states[change["new"]])
        self.net.eval()
        self._refresh()
        self._show_top()

    @traitlets.validate("checkpoint")
    def _check_checkpoint(self, proposal):
        n = len(self._states) if hasattr(self, "_states") else 0
        if proposal["value"] > max(0, n - 1):
            raise traitlets.TraitError(
                f"checkpoint: {proposal['value']} is out of range; there are {n} checkpoints"
            )
        return proposal["value"]

    # --- top images ---------------------------------------------------------------------
    def _top_key(self, layer: str) -> tuple:
        weights = self.checkpoint if self._states else weights_version(self.net)
        return (layer, weights)

    def _show_top(self) -> None:
        """Show the unit's top images when its layer's pass is cached; start it if not."""
        layer, unit = self.layer, self.unit
        if self.x_data is None or not layer or unit < 0:
            return
        top = self._tops.get(self._top_key(layer))
        if top is None:
            if self._job is not None and self._job.running:
                if getattr(self._job, "key", None) == self._top_key(layer):
                    return  # that pass is under way; it shows the unit when done
                self.stop()
            self.start()
            return
        self._publish_top(top, layer, unit)

    def _publish_top(self, top, layer: str, unit: int) -> None:
        from ..attribution import receptive_fields

        idx = [int(i) for i in top.indices[unit].tolist() if i >= 0]
        _, h, w = self._shape
        boxes = [(0, 0, h, w)] * len(idx)
        note = ""
        if top.positions is not None:
            try:
                fields = receptive_fields(self.net, layer, self._shape)
                boxes = [fields.box(*top.positions[unit, j].tolist()) for j in range(len(idx))]
            except ValueError as err:
                note = f"Whole images: {err}"
        lo, hi = self.data_range
        names = self.class_names
        caps = [
            f"#{i}" + ("" if self.labels is None else f" · {names[int(self.labels[i])]}")
            for i in idx
        ]
        with self.batched():
            self.top_images = images_to_uint8(self.x_data[idx], vmin=lo, vmax=hi)
            self.top_boxes = np.asarray(boxes, np.int32).reshape(-1, 4)
            self.top_values = top.values[unit, : len(idx)].float().numpy()
            self.top_captions = caps
            self.top_note = note
            self.top_for = f"{layer}:{unit}"

    def _new_job(self) -> Job:
        if self.x_data is None:
            raise RuntimeError("run: no data to find top images in; give data=")
        if not self.layer:
            raise RuntimeError("run: choose a unit first (set layer and unit, or click one)")
        layer = self.layer
        key = self._top_key(layer)
        # the pass runs on its own copy: the kernel keeps running the model (its hooks
        # would otherwise see the pass's batches) while the user draws
        net = copy.deepcopy(self.net)
        job = self._make_job(lambda ctx: self._top_job(ctx, net, layer, key), name="top images")
        job.key = key
        return job

    def _top_job(self, ctx, net, layer: str, key: tuple):
        from ..attribution import top_units

        ctx.progress(0, len(self.x_data), f"top images of {layer}")
        top = top_units(
            net, layer, self.x_data, k=self.k, batch_size=self.batch_size, progress=False,
            should_stop=lambda: ctx.stopped,
            callback=lambda seen, n: ctx.progress(seen, n, f"top images of {layer}: {seen:,}/{n:,}"),  # noqa: E501
        )  # fmt: skip
        if ctx.stopped:
            return top
        self._tops[key] = top
        if self.layer == layer and self.unit >= 0:
            self._publish_top(top, layer, self.unit)
        return top

    # --- LDAM chains ----------------------------------------------------------------------
    def open_chains(self, n_chains: int = 8, *, steps: int = 400, start: bool = True, **options):
        """An :class:`~nbviz.LDAMViewer` of Langevin chains that maximize the chosen unit
        (a conv channel's mean, or a dense unit), on the weights shown, with the
        explorer's ``discriminator`` as prior when it has one; shown in
        :attr:`chains_output` and started (``start=False`` leaves it idle).
        ``options`` go to :class:`~nbviz.ldam.Sampler`."""
        from ..ldam import Sampler, channel, neuron
        from .ldam_viewer import LDAMViewer

        if not self.layer or self.unit < 0:
            raise RuntimeError(
                "open_chains: choose a unit first (click one, or set layer and unit)"
            )
        kind = self._layer_info(self.layer)["kind"]
        objective = (channel if kind == "conv" else neuron)(self.layer, self.unit)
        net = copy.deepcopy(self.net)
        options.setdefault("data_range", self.data_range)
        if self.x_data is not None:
            options.setdefault("data", self.x_data)
        else:
            options.setdefault("input_shape", self._shape)
        if self.discriminator is not None:
            options.setdefault("discriminator", self.discriminator)
        sampler = Sampler(net, objective, n_chains, **options)
        viewer = LDAMViewer(sampler, steps=steps)
        if self.chains is not None and self.chains.running:
            self.chains.stop()
        self.chains = viewer
        from IPython.display import display

        with self.chains_output:
            self.chains_output.clear_output(wait=True)
            display(viewer)
        if start:
            viewer.start()
        return viewer

    def _handle_view_msg(self, widget, content, buffers) -> None:
        if isinstance(content, dict) and content.get("type") == MESSAGES["open_chains"]:
            try:
                self.open_chains()
            except Exception as err:  # shown where the chains would be, not lost
                with self.chains_output:
                    self.chains_output.clear_output()
                    print(f"LDAM chains: {type(err).__name__}: {err}")

    def _repr_mimebundle_(self, **kwargs):
        # The explorer with the place its "LDAM chains" button fills below it.
        import ipywidgets

        box = getattr(self, "_box", None)
        if box is None:
            box = self._box = ipywidgets.VBox([self, self.chains_output])
        return box._repr_mimebundle_(**kwargs)

    # --- static output ----------------------------------------------------------------
    def figure(self):
        """The input, every layer's activations (a conv layer as a mosaic of its channels,
        a dense layer as bars) and the chosen unit (its map, pictures and top crops), as a
        matplotlib figure."""
        from ..plotting import new_figure

        acts = self.activations
        infos = list(self.layers)
        has_unit = self.layer and self.unit >= 0
        rows = len(infos) + (2 if has_unit else 0)
        fig = new_figure(figsize=(9, 1.4 * rows + 1.6), layout="constrained")
        grid = fig.add_gridspec(rows + 1, 4)
        ax = fig.add_subplot(grid[0, 0])
        img = self.input_image
        ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap="gray", vmin=0, vmax=255)
        ax.set_title(self.predicted or "input", fontsize=8)
        ax.set_axis_off()
        for r, info in enumerate(infos, start=1):
            a = acts[info["offset"] : info["offset"] + info["size"]].reshape(info["shape"])
            ax = fig.add_subplot(grid[r, :])
            ax.set_title(f"{info['name']} {tuple(info['shape'])}", fontsize=8, loc="left")
            if info["kind"] == "conv":
                mosaic = _mosaic(a, self.normalize, columns=16 if len(a) <= 32 else 32)
                signed = bool((a < 0).any())
                ax.imshow(mosaic, cmap="bwr" if signed else "gray",
                          vmin=-1 if signed else 0, vmax=1, interpolation="nearest")  # fmt: skip
                ax.set_axis_off()
            else:
                colors = np.where(a >= 0, "#b2182b", "#2166ac")
                ax.bar(np.arange(len(a)), a, width=1.0, color=colors)
                if info["labels"]:
                    ax.set_xticks(range(len(a)), info["labels"], fontsize=6, rotation=45)
                ax.margins(x=0)
        if has_unit:
            r = len(infos) + 1
            pics = [("input", img.astype(np.float32) / 255.0, "gray", 0, 1)]
            for name, p in zip(self.unit_picture_names, self.unit_pictures, strict=False):
                pics.append((name, np.clip(0.5 + 0.5 * p, 0, 1), "gray", 0, 1))
            for j, (name, p, cmap, lo, hi) in enumerate(pics):
                ax = fig.add_subplot(grid[r, j])
                ax.imshow(p[..., 0] if p.shape[-1] == 1 else p, cmap=cmap, vmin=lo, vmax=hi)
                if j == 0 and self.unit_map.size:
                    extent = (-0.5, img.shape[1] - 0.5, img.shape[0] - 0.5, -0.5)
                    ax.imshow(self.unit_map, cmap="magma", alpha=0.55, extent=extent)
                ax.set_title(f"{self.layer} · unit {self.unit}" if j == 0 else name, fontsize=8)
                ax.set_axis_off()
            if self.top_for == f"{self.layer}:{self.unit}" and self.top_images is not None:
                sub = grid[r + 1, :].subgridspec(1, max(1, len(self.top_images)))
                for j, (im, box) in enumerate(zip(self.top_images, self.top_boxes, strict=True)):
                    t, lft, b, rt = (int(v) for v in box)
                    crop = im[t:b, lft:rt]
                    ax = fig.add_subplot(sub[0, j])
                    ax.imshow(crop[..., 0] if crop.shape[-1] == 1 else crop, cmap="gray")
                    ax.set_title(f"{self.top_values[j]:.2f}", fontsize=7)
                    ax.set_axis_off()
        return fig

    def __repr__(self):
        unit = f", unit {self.layer}:{self.unit}" if self.layer and self.unit >= 0 else ""
        return f"LayerExplorer({len(self.layers)} layers, input {tuple(self._shape)}{unit})"


def _mosaic(a: np.ndarray, normalize: str, columns: int) -> np.ndarray:
    """A conv layer's channels ``(C, h, w)`` tiled into one image, scaled to [-1, 1] per
    layer or per unit, with a 1-pixel NaN gap (drawn blank) between tiles."""
    c, h, w = a.shape
    scale = np.abs(a).reshape(c, -1).max(1) if normalize == "unit" else np.abs(a).max()
    scaled = a / np.maximum(np.broadcast_to(scale, (c,)), 1e-12)[:, None, None]
    cols = min(columns, c)
    rows = -(-c // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan, np.float32)
    for i in range(c):
        r, q = divmod(i, cols)
        out[r * (h + 1) : r * (h + 1) + h, q * (w + 1) : q * (w + 1) + w] = scaled[i]
    return out
