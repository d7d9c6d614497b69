"""AttributionView in Python: the maps per method and image, the class picker and LRP's
composite recomputing them in the background, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import traitlets
from torch import nn

from nbviz import AttributionView
from nbviz.attribution import METHODS, attribute
from nbviz.data import digits

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _net():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(64, 10),
    ).eval()  # fmt: skip


def test_every_method_gives_a_map_per_image_and_a_flipping_curve():
    data = digits("test")
    view = AttributionView(_net(), data, n_images=4, flip_steps=8)
    assert view.run(progress=False) == len(METHODS)
    assert view.methods == list(METHODS) and view.has_labels
    assert view.images.shape == (4, 8, 8, 1)
    assert view.heatmaps.shape == (len(METHODS), 4, 8, 8)
    assert np.abs(view.heatmaps).max() == pytest.approx(1.0)
    # each map is the method's attribution (channels summed) over its largest magnitude
    k = view.methods.index("integrated_gradients")
    want = attribute(view.model, data.images[:4], view.targets.tolist(), "integrated_gradients")
    want = want.sum(1).numpy()
    np.testing.assert_allclose(view.heatmaps[k] * view.heat_scale[k][:, None, None], want,
                               atol=1e-5)  # fmt: skip
    assert view.flip_scores.shape == (len(METHODS), 9) and len(view.flip_auc) == len(METHODS)
    assert view.conservation.shape == (4,)  # LRP's meter
    with torch.no_grad():
        pred = view.model(data.images[:4]).argmax(1)
    assert view.targets.tolist() == pred.tolist()
    assert (
        view.captions[0]
        == f"true {data.class_names[int(data.labels[0])]} · predicted "
        + (data.class_names[int(pred[0])])
    )
    fig = view.figure()
    assert len(fig.axes) == (len(METHODS) + 1) * 4 + 1


def test_the_class_picker_and_the_composite_recompute_the_maps():
    view = AttributionView(_net(), digits("test"), n_images=3, methods=["saliency", "lrp"])
    view.run(progress=False)
    before = view.heatmaps.copy()
    view.target = "3"  # as the view's picker writes it: a job starts
    view.wait(60)
    assert view.targets.tolist() == [3, 3, 3]
    assert not np.allclose(view.heatmaps, before)
    lrp_eps = view.heatmaps[1].copy()
    view.composite = "alpha2-beta1"
    view.wait(60)
    assert not np.allclose(view.heatmaps[1], lrp_eps)
    view.target = "true"
    view.wait(60)
    assert view.targets.tolist() == digits("test").labels[:3].tolist()
    with pytest.raises(traitlets.TraitError, match="class 12 is out of range"):
        view.target = "12"
    with pytest.raises(traitlets.TraitError, match="composite"):
        view.composite = "epsilon_plus"


def test_bad_input():
    data = digits("test")
    with pytest.raises(ValueError, match="Did you mean 'occlusion'"):
        AttributionView(_net(), data, methods=["oclusion"])
    with pytest.raises(ValueError, match='"true" needs labelled data'):
        AttributionView(_net(), data.images[:4], target="true")
    with pytest.raises(ValueError, match="indices"):
        AttributionView(_net(), data, indices=[0, 5000])
    with pytest.raises(ValueError, match="10 outputs, got 2 names"):
        AttributionView(_net(), data, class_names=["a", "b"])
    with pytest.raises(ValueError, match="Did you mean 'epsilon', 'epsilon-plus'"):
        AttributionView(_net(), data, composite="epsilon+")


def test_a_rule_per_layer_type_replaces_the_composites():
    view = AttributionView(_net(), digits("test"), n_images=2, methods=["lrp"])
    assert view.rules == {"first": "", "conv": "epsilon", "dense": "epsilon"}
    assert view.rule_names == ["epsilon", "gamma", "z-plus", "alpha2-beta1", "box"]
    view.run(progress=False)
    eps = view.heatmaps.copy()
    view.rules = {**view.rules, "first": "box"}  # as the view's picker writes it
    view.wait(60)
    want = attribute(view.model, view.x, view.targets.tolist(), "lrp",
                     rules={"first": "box"}).sum(1).numpy()  # fmt: skip
    np.testing.assert_allclose(view.heatmaps[0] * view.heat_scale[0][:, None, None], want,
                               atol=1e-5)  # fmt: skip
    assert not np.allclose(view.heatmaps, eps)
    view.composite = "epsilon-gamma-box"  # a composite sets every layer type's rule
    view.wait(60)
    assert view.rules == {"first": "box", "conv": "gamma", "dense": "epsilon"}
    with pytest.raises(traitlets.TraitError, match="Did you mean 'gamma'"):
        view.rules = {"conv": "gama"}
