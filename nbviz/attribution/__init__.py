"""Attribution: which parts of one input carry a network's evidence for a class.

The compute half of the attribution view, usable from a script:

* :func:`attribute` (:mod:`~nbviz.attribution.methods`): saliency, input × gradient,
  integrated gradients, guided backprop, deconvolution, occlusion and LRP, each computed
  by Captum, by name (:data:`METHODS`), for a batch of images and their classes;
* LRP's rules per layer type (:mod:`~nbviz.attribution.lrp`, :data:`COMPOSITES`), on a
  copy of the model with BatchNorm folded in (:func:`fold_batchnorm`), and a check of
  what Captum's LRP cannot explain (:func:`lrp_problems`);
* faithfulness (:mod:`~nbviz.attribution.faithfulness`): :func:`pixel_flipping`
  (deletion curves, :class:`FlipCurve`) and :func:`conservation`;
* the Deep Visualization Toolbox's geometry and max tracker: :func:`receptive_fields`
  of a conv layer's positions (:class:`ReceptiveFields`) and :func:`top_units`, each
  unit's top images over a dataset with the crop its maximum came from (:class:`TopUnits`),
  and :func:`unit_pictures`, a unit's guided-backprop and deconvolution pictures;
  :func:`explorer_layers` and :func:`layer_outputs`, every layer's output for one input.

>>> import torch
>>> from nbviz.attribution import attribute, pixel_flipping
>>> from nbviz.models import SmallCNN
>>> model = SmallCNN(in_shape=(1, 8, 8)).eval()
>>> x = torch.rand(4, 1, 8, 8)
>>> heat = attribute(model, x, method="lrp", composite="epsilon-plus")
>>> curve = pixel_flipping(model, x, heat, steps=8)
>>> heat.shape, curve.scores.shape
(torch.Size([4, 1, 8, 8]), torch.Size([9]))
"""

from .canonize import fold_batchnorm, folded_norms
from .explore import LOOKED_AT, explorer_layers, layer_outputs
from .faithfulness import FlipCurve, conservation, pixel_flipping
from .lrp import (
    COMPOSITE_RULES,
    COMPOSITES,
    LAYER_TYPES,
    RULES,
    layer_rules,
    lrp_attribute,
    lrp_problems,
    prepare_lrp,
)
from .methods import GRADIENT_METHODS, METHODS, attribute, targets_for
from .receptive import ReceptiveFields, receptive_fields
from .top_units import TopUnits, top_units
from .units import UNIT_METHODS, unit_pictures

__all__ = [
    "COMPOSITES",
    "COMPOSITE_RULES",
    "GRADIENT_METHODS",
    "LAYER_TYPES",
    "LOOKED_AT",
    "METHODS",
    "RULES",
    "UNIT_METHODS",
    "FlipCurve",
    "ReceptiveFields",
    "TopUnits",
    "attribute",
    "conservation",
    "explorer_layers",
    "fold_batchnorm",
    "folded_norms",
    "layer_outputs",
    "layer_rules",
    "lrp_attribute",
    "lrp_problems",
    "pixel_flipping",
    "prepare_lrp",
    "receptive_fields",
    "targets_for",
    "top_units",
    "unit_pictures",
]
