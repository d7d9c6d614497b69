"""LayerExplorer in Python, on a net defined here: every layer's activations for the input
(picked, drawn or set), a unit's map, pictures and top images against independent
computations, checkpoints, the LDAM chains, the figure, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import traitlets
from torch import nn

from nbviz import LayerExplorer, LDAMViewer
from nbviz.attribution import receptive_fields
from nbviz.data import digits
from nbviz.models import train
from nbviz.widgets import MESSAGES

pytestmark = pytest.mark.usefixtures("one_torch_thread")


class TinyNet(nn.Module):
    """A user's own net: named layers, a pool between the convolutions."""

    def __init__(self, channels=1):
        super().__init__()
        torch.manual_seed(0)
        self.stem = nn.Conv2d(channels, 6, 3, padding=1)
        self.act1 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(6, 8, 3, padding=1)
        self.act2 = nn.ReLU()
        self.head = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(self.act1(self.stem(x)))
        return self.head(self.act2(self.mid(x)).flatten(1))


def _layer(explorer, name):
    info = next(i for i in explorer.layers if i["name"] == name)
    return explorer.activations[info["offset"] : info["offset"] + info["size"]].reshape(
        info["shape"]
    )


def test_every_layer_shows_the_picked_image():
    data = digits("test")
    net = TinyNet().eval()
    ex = LayerExplorer(net, data, n_thumbnails=20)
    assert [i["name"] for i in ex.layers] == ["stem", "act1", "mid", "act2", "head"]
    assert [i["kind"] for i in ex.layers] == ["conv"] * 4 + ["dense"]
    assert ex.layers[-1]["labels"] == list(data.class_names)  # the output's bars are classes
    assert ex.input_shape == [1, 8, 8] and ex.thumbnails.shape == (20, 8, 8, 1)
    # the strip cycles through the classes: the first ten thumbnails are ten classes
    firsts = [int(data.labels[int(c.split(" ")[0][1:])]) for c in ex.thumbnail_captions[:10]]
    assert sorted(firsts) == list(range(10))
    ex.index = 7
    x = data.images[7:8]
    with torch.no_grad():
        stem = net.stem(x)[0]
        logits = net(x)[0]
    np.testing.assert_allclose(_layer(ex, "stem"), stem.numpy(), atol=1e-6)
    np.testing.assert_allclose(_layer(ex, "head"), logits.numpy(), atol=1e-5)
    k = int(logits.argmax())
    assert ex.predicted.startswith(f"predicted {data.class_names[k]} (")
    assert ex.input_source == "data" and ex.input_note == "" and ex.index == 7
    assert ex.input_image.shape == (8, 8, 1)


def test_a_new_input_reaches_the_view_with_its_layers_in_one_message(monkeypatch):
    ex = LayerExplorer(TinyNet().eval(), digits("test"))
    sent = []
    monkeypatch.setattr(ex, "_send", lambda msg, buffers=None: sent.append(msg))
    ex.set_state({"index": 5})  # a thumbnail clicked: picture and layers come together
    updates = [m["state"] for m in sent if m.get("method") == "update"]
    assert len(updates) == 1, [sorted(u) for u in updates]
    assert {"input_image", "activations", "predicted"} <= set(updates[0])


def test_a_drawing_in_the_view_drives_the_layers():
    net = TinyNet().eval()
    ex = LayerExplorer(net, digits("test"))
    before = ex.activations.copy()
    drawn = np.zeros((8, 8, 1), np.uint8)
    drawn[2:6, 3:5] = 255  # a stroke, as the view writes it: source first, then the bytes
    with ex.hold_sync():
        ex.input_source = "drawing"
        ex.input_image = drawn
    assert ex.index == -1 and ex.input_note == ""
    assert not np.array_equal(ex.activations, before)
    x = torch.from_numpy(drawn).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        np.testing.assert_allclose(_layer(ex, "stem"), net.stem(x)[0].numpy(), atol=1e-6)


def test_a_drawing_on_an_rgb_model_is_converted_and_said():
    net = TinyNet(channels=3).eval()
    net.in_shape = (3, 8, 8)
    ex = LayerExplorer(net)  # no data: the input shape comes from in_shape
    assert ex.input_shape == [3, 8, 8] and ex.thumbnails is None
    assert "No data" in ex.top_note
    ex.input_source = "drawing"
    ex.input_image = np.full((8, 8, 3), 128, np.uint8)
    assert "copied to the model's 3 (RGB) channels" in ex.input_note
    grey = LayerExplorer(TinyNet().eval(), digits("test"))
    grey.input_source = "file"
    grey.input_image = np.zeros((8, 8, 1), np.uint8)
    assert "converted to grey" in grey.input_note and "8×8" in grey.input_note


def test_a_unit_shows_its_map_pictures_and_top_images_as_a_brute_force_search_finds_them():
    data = digits("test")
    net = TinyNet().eval()
    ex = LayerExplorer(net, data, k=4)
    ex.index = 3
    ex.layer, ex.unit = "mid", 5  # as a click in the view sets them: a job starts
    assert ex.running or ex.top_for == "mid:5"
    ex.wait(60)
    with torch.no_grad():
        mid = net.mid(net.pool(net.act1(net.stem(data.images[3:4]))))[0, 5]
    np.testing.assert_allclose(ex.unit_map, mid.numpy(), atol=1e-6)
    assert ex.unit_value == pytest.approx(float(mid.max()))
    assert ex.unit_pictures.shape == (2, 8, 8, 1)
    assert np.abs(ex.unit_pictures).max() == pytest.approx(1.0)
    assert ex.unit_picture_names == ["guided backprop", "deconvolution"]
    # the top images: every image's channel maximum, sorted, by brute force
    with torch.no_grad():
        maps = net.mid(net.pool(net.act1(net.stem(data.images))))[:, 5]
    best = maps.flatten(1).amax(1)
    want = best.argsort(descending=True)[:4]
    assert ex.top_for == "mid:5" and ex.top_images.shape == (4, 8, 8, 1)
    np.testing.assert_allclose(ex.top_values, best[want].numpy(), atol=1e-6)
    assert [int(c.split(" ")[0][1:]) for c in ex.top_captions] == want.tolist()
    fields = receptive_fields(net, "mid", (1, 8, 8))
    for j, i in enumerate(want.tolist()):
        where = int(maps[i].flatten().argmax())
        assert tuple(ex.top_boxes[j]) == fields.box(where // 4, where % 4)
    # another unit of the same layer comes from the cached pass: no new job
    job = ex._job
    ex.unit = 2
    assert ex._job is job and ex.top_for == "mid:2"
    # a unit of another layer runs that layer's pass
    ex.layer, ex.unit = "head", 1
    ex.wait(60)
    assert ex._job is not job and ex.top_for == "head:1"
    assert ex.unit_map.shape == (0, 0) and (ex.top_boxes == [0, 0, 8, 8]).all()


def test_the_checkpoint_slider_shows_the_net_at_each_snapshot():
    data = digits("train")
    net = TinyNet()
    result = train(net, data, epochs=2, progress=False)
    ex = LayerExplorer(net, digits("test"), snapshots=result)
    assert ex.checkpoint_labels == ["epoch 0", "epoch 1", "epoch 2"] and ex.checkpoint == 2
    ex.index = 0
    last = ex.activations.copy()
    ex.checkpoint = 0
    first = TinyNet().eval()
    first.load_state_dict(result.snapshots[0].state_dict)
    x = digits("test").images[:1]
    with torch.no_grad():
        np.testing.assert_allclose(_layer(ex, "head"), first(x)[0].numpy(), atol=1e-5)
    assert not np.allclose(ex.activations, last)
    # the user's model itself is left at its trained weights
    assert torch.equal(net.head.weight, result.snapshots[-1].state_dict["head.weight"])
    with pytest.raises(traitlets.TraitError, match="checkpoint: 3 is out of range"):
        ex.checkpoint = 3


def test_the_chains_button_opens_the_unit_in_an_ldam_viewer():
    ex = LayerExplorer(TinyNet().eval(), digits("test"))
    with pytest.raises(RuntimeError, match="choose a unit first"):
        ex.open_chains()
    ex.layer, ex.unit = "mid", 3
    ex.wait(60)
    viewer = ex.open_chains(4, start=False)
    assert isinstance(viewer, LDAMViewer) and ex.chains is viewer
    assert viewer.group_names == ["channel('mid', 3)"] or "mid" in viewer.group_names[0]
    assert viewer.run(5, progress=False) == 5
    ex._handle_view_msg(ex, {"type": MESSAGES["open_chains"]}, [])  # the view's button
    assert ex.chains is not viewer and isinstance(ex.chains, LDAMViewer)
    ex.chains.stop()
    assert not ex.chains.running


def test_figure_and_save(tmp_path):
    ex = LayerExplorer(TinyNet().eval(), digits("test"), k=3)
    ex.layer, ex.unit = "stem", 0
    ex.wait(60)
    fig = ex.figure()
    titles = [a.get_title(loc="left") for a in fig.axes]
    assert any(t.startswith("stem (6, 8, 8)") for t in titles)
    assert ex.save(tmp_path / "explorer.png").stat().st_size > 10_000


def test_bad_input_says_what_is_wrong():
    data = digits("test")
    with pytest.raises(ValueError, match="Did you mean 'mid'"):
        LayerExplorer(TinyNet().eval(), data, layers=["midd"])
    with pytest.raises(ValueError, match="without data the model must say its input shape"):
        LayerExplorer(TinyNet().eval())
    with pytest.raises(TypeError, match="snapshots: expected a TrainResult"):
        LayerExplorer(TinyNet().eval(), data, snapshots="epoch 3")
    with pytest.raises(TypeError, match="did you mean 'normalize'"):
        LayerExplorer(TinyNet().eval(), data, normalise="unit")
    ex = LayerExplorer(TinyNet().eval(), data)
    with pytest.raises(traitlets.TraitError, match=r"input_image: expected uint8 \[H, W, C\]"):
        ex.input_image = np.zeros((28, 28, 1), np.uint8)
    with pytest.raises(ValueError, match=r"image: expected shape \(1, 8, 8\)"):
        ex.set_input(torch.zeros(3, 8, 8))
    with pytest.raises(traitlets.TraitError, match="index: 400 is out of range"):
        ex.index = 400
    with pytest.raises(traitlets.TraitError, match="Did you mean 'act2'"):
        ex.layer = "act3"
    ex.layer = "mid"
    with pytest.raises(traitlets.TraitError, match="unit: 8 is out of range; 'mid' has 8 units"):
        ex.unit = 8
    with pytest.raises(traitlets.TraitError, match="normalize: expected one of"):
        ex.normalize = "global"
    with pytest.raises(ValueError, match="data: expected images"):
        LayerExplorer(nn.Linear(4, 2), torch.zeros(5, 4))


def test_a_model_without_relu_modules_says_why_it_has_no_pictures():
    class Functional(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, padding=1)
            self.fc = nn.Linear(4 * 64, 10)

        def forward(self, x):
            return self.fc(torch.relu(self.conv(x)).flatten(1))

    ex = LayerExplorer(Functional().eval(), digits("test"))
    assert [i["name"] for i in ex.layers] == ["conv", "fc"]
    ex.layer, ex.unit = "conv", 1
    ex.wait(60)
    assert "nn.ReLU" in ex.unit_error and ex.unit_pictures.shape[0] == 0
    assert ex.top_for == "conv:1"  # the rest of the unit view still works
