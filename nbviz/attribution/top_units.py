"""The max tracker of the Deep Visualization Toolbox: each unit's top images over a dataset.

:func:`top_units` runs the data through the model once, in batches, and keeps for every
unit of one layer (a conv channel, or a linear unit) the ``k`` images that excite it most,
with the position of the channel's maximum; :meth:`TopUnits.crops` cuts each image down to
the receptive field of that position (:func:`~nbviz.attribution.receptive_fields`), so a
unit of an early layer shows the patch it responds to, not a whole image.

>>> import torch
>>> from nbviz.data import digits
>>> from nbviz.models import SmallCNN
>>> model = SmallCNN(in_shape=(1, 8, 8)).eval()
>>> top = top_units(model, "conv2", digits("test"), k=4, progress=False)
>>> top.values.shape, top.indices.shape, top.positions.shape
(torch.Size([32, 4]), torch.Size([32, 4]), torch.Size([32, 4, 2]))
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from tqdm.auto import tqdm

from .._checks import check_positive_int, stop_check, unknown_name_error
from ..models._inputs import as_tensors, runnable_model
from ..models.capture import layer_names

__all__ = ["TopUnits", "top_units"]


@dataclass
class TopUnits:
    """Each unit's ``k`` most exciting images, best first.

    Attributes:
        layer: the layer's name.
        values: each unit's activation on its top images ``(units, k)`` (a channel's
            maximum over positions).
        indices: the images' indices in the data ``(units, k)``.
        positions: the ``(row, col)`` of each maximum ``(units, k, 2)``; ``None`` for a
            linear layer.
        seen: how many images the pass went through (fewer than the data when stopped).
    """

    layer: str
    values: torch.Tensor
    indices: torch.Tensor
    positions: torch.Tensor | None
    seen: int

    def crops(self, data, unit: int, fields=None) -> list[torch.Tensor]:
        """The top images of ``unit``, each cut to the receptive field (``fields``, a
        :class:`~nbviz.attribution.ReceptiveFields`) of its maximum's position; whole
        images without ``fields`` or positions."""
        x = as_tensors(data, "data", labels="ignore", dtype=torch.float32)[0]
        out = []
        for j, i in enumerate(self.indices[unit].tolist()):
            if i < 0:
                continue
            img = x[i]
            if fields is not None and self.positions is not None:
                top, left, bottom, right = fields.box(*self.positions[unit, j].tolist())
                img = img[..., top:bottom, left:right]
            out.append(img)
        return out


def top_units(
    model: nn.Module,
    layer: str,
    data,
    *,
    k: int = 9,
    batch_size: int = 256,
    progress: bool = True,
    should_stop=None,
    callback=None,
) -> TopUnits:
    """One pass of ``data`` through ``model``: every unit of ``layer``'s ``k`` top images
    (a conv layer's channels by their maximum over positions, with where it is).

    ``should_stop`` (an Event or a callable) ends the pass early between batches; the
    result then covers the images seen so far. ``callback(seen, total)`` is called after
    each batch (a view's progress bar).
    """
    model = runnable_model(model)
    modules = dict(model.named_modules())
    if not layer or layer not in modules:
        raise unknown_name_error("layer", str(layer), layer_names(model), "layer")
    k = check_positive_int(k, "k")
    batch_size = check_positive_int(batch_size, "batch_size")
    stop = stop_check(should_stop)
    x = as_tensors(data, "data", labels="ignore", dtype=torch.float32)[0]
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    grabbed: list[torch.Tensor] = []
    handle = modules[layer].register_forward_hook(lambda m, i, o: grabbed.append(o))
    values = indices = positions = None
    seen = 0
    was = model.training
    model.eval()
    try:
        bar = tqdm(total=len(x), desc=f"top images of {layer}", unit="img", disable=not progress)
        with torch.no_grad():
            for s in range(0, len(x), batch_size):
                if stop():
                    break
                grabbed.clear()
                model(x[s : s + batch_size].to(device))
                act = grabbed[-1].float()
                n = len(act)
                if act.ndim == 4:  # (N, C, H, W): a channel's maximum and where it is
                    flat = act.flatten(2)
                    best, where = flat.max(2)  # (N, C)
                    w = act.shape[3]
                    pos = torch.stack([where // w, where % w], -1)  # (N, C, 2)
                elif act.ndim == 2:
                    best, pos = act, None
                else:
                    raise ValueError(
                        f"layer: {layer!r} gives outputs of shape {tuple(act.shape[1:])}; "
                        "expected (C, H, W) or (units,)"
                    )
                idx = torch.arange(s, s + n, device=act.device)[:, None].expand_as(best)
                cand_v, cand_i = best.T, idx.T  # (units, N)
                cand_p = pos.transpose(0, 1) if pos is not None else None
                if values is not None:
                    cand_v = torch.cat([values, cand_v], 1)
                    cand_i = torch.cat([indices, cand_i], 1)
                    if cand_p is not None:
                        cand_p = torch.cat([positions, cand_p], 1)
                keep = cand_v.topk(min(k, cand_v.shape[1]), dim=1).indices
                values = cand_v.gather(1, keep)
                indices = cand_i.gather(1, keep)
                if cand_p is not None:
                    positions = cand_p.gather(1, keep[..., None].expand(-1, -1, 2))
                seen += n
                bar.update(n)
                if callback is not None:
                    callback(seen, len(x))
        bar.close()
    finally:
        handle.remove()
        model.train(was)
    if values is None:
        raise ValueError("data: the pass saw no images (empty data, or stopped at once)")
    return TopUnits(layer, values.cpu(), indices.cpu(),
                    None if positions is None else positions.cpu(), seen)  # fmt: skip
