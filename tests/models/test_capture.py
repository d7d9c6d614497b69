"""capture_activations / layer_names: correctness, batching, clean-up and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from nbviz.models import LeNet300100, SmallCNN, capture_activations, layer_names


@pytest.fixture
def cnn():
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8))
    # Non-trivial batch-norm statistics, so eval mode visibly differs from train mode.
    with torch.no_grad():
        model(torch.rand(64, 1, 8, 8))
    return model


def _all_hooks(model):
    return [h for m in model.modules() for h in (*m._forward_hooks, *m._forward_pre_hooks)]


def test_layer_names_lists_input_then_modules(cnn):
    names = layer_names(cnn)
    assert names[0] == "input"
    assert names[1:] == [name for name, _ in cnn.named_modules() if name]


def test_layer_names_leaves_only_drops_containers():
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.ReLU()), nn.Linear(2, 1))
    assert layer_names(model) == ["input", "0", "0.0", "0.1", "1"]
    assert layer_names(model, leaves_only=True) == ["input", "0.0", "0.1", "1"]


def test_matches_a_manual_forward_in_eval_mode(cnn, digits_test):
    x = digits_test.images
    acts = capture_activations(cnn, digits_test, ["relu1", "fc1", "logits"])
    cnn.eval()
    with torch.no_grad():
        relu1 = cnn.relu1(cnn.bn1(cnn.pool1(cnn.conv1(x))))
        hidden = cnn.pool2(cnn.conv2(relu1))
        fc1 = cnn.fc1(cnn.flatten(cnn.relu2(cnn.bn2(hidden))))
        logits = cnn(x)
    torch.testing.assert_close(acts["relu1"], relu1)
    torch.testing.assert_close(acts["fc1"], fc1)
    torch.testing.assert_close(acts["logits"], logits)
    assert list(acts) == ["relu1", "fc1", "logits"]


def test_lenet_hidden_layer_matches_manual(digits_test):
    model = LeNet300100(in_shape=(1, 8, 8))
    x = digits_test.images
    got = capture_activations(model, x, "relu2")["relu2"]
    with torch.no_grad():
        want = torch.relu(model.fc2(torch.relu(model.fc1(x.flatten(1)))))
    torch.testing.assert_close(got, want)


def test_batch_size_does_not_change_the_result(cnn, digits_test):
    small = capture_activations(cnn, digits_test, ["relu2", "logits"], batch_size=7)
    large = capture_activations(cnn, digits_test, ["relu2", "logits"], batch_size=1000)
    for name in small:
        torch.testing.assert_close(small[name], large[name])


def test_input_and_flatten(cnn, digits_test):
    acts = capture_activations(cnn, digits_test, ["input", "relu1"], flatten=True)
    assert acts["input"].shape == (len(digits_test), 64)
    torch.testing.assert_close(acts["input"], digits_test.flat())
    assert acts["relu1"].shape == (len(digits_test), 16 * 4 * 4)


def test_results_are_on_the_cpu_and_detached(cnn, digits_test):
    acts = capture_activations(cnn, digits_test, "fc1")
    assert acts["fc1"].device.type == "cpu"
    assert not acts["fc1"].requires_grad


def test_hooks_removed_and_modes_restored(cnn, digits_test):
    cnn.train()
    cnn.bn2.eval()  # mixed modes must come back as they were, module by module
    capture_activations(cnn, digits_test, ["conv1", "bn2", "logits"])
    assert _all_hooks(cnn) == []
    assert cnn.training and cnn.bn1.training and not cnn.bn2.training


def test_hooks_removed_and_modes_restored_after_an_error():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(5, 2))  # 3 != 5: fails
    model.train()
    with pytest.raises(ValueError, match="failed on a batch of shape"):
        capture_activations(model, torch.rand(10, 4), ["0", "1"])
    assert _all_hooks(model) == []
    assert all(m.training for m in model.modules())


def test_does_not_change_batch_norm_statistics(cnn, digits_test):
    cnn.train()
    before = {k: v.clone() for k, v in cnn.state_dict().items()}
    capture_activations(cnn, digits_test, "logits")
    for key, value in cnn.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_unknown_layer_names_the_close_match(cnn, digits_test):
    with pytest.raises(ValueError, match="'fc1'") as err:
        capture_activations(cnn, digits_test, ["fc_1"])
    assert "layers" in str(err.value)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (torch.empty(0, 1, 8, 8), "empty"),
        (torch.full((3, 1, 8, 8), float("nan")), "NaN"),
        (torch.rand(3, 1, 28, 28), r"\(N, 1, 8, 8\)"),
        (torch.rand(3, 64), r"\(N, 1, 8, 8\)"),
    ],
)
def test_bad_data_raises_value_error(cnn, data, match):
    with pytest.raises(ValueError, match=match):
        capture_activations(cnn, data, "fc1")


def test_wrong_shape_for_a_model_that_declares_none():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 3))
    with pytest.raises(ValueError, match=r"shape \(2, 1, 5, 5\)"):
        capture_activations(model, torch.rand(2, 1, 5, 5), "1")


def test_non_module_model_is_a_type_error(digits_test):
    with pytest.raises(TypeError, match="model"):
        capture_activations(lambda x: x, digits_test, "fc1")


@pytest.mark.parametrize(
    ("layers", "error"),
    [([], ValueError), (3, TypeError), ([1, 2], TypeError)],
)
def test_bad_layers_argument(cnn, layers, error):
    with pytest.raises(error, match="layers"):
        capture_activations(cnn, torch.rand(2, 1, 8, 8), layers)


def test_bad_batch_size(cnn):
    with pytest.raises(ValueError, match="batch_size"):
        capture_activations(cnn, torch.rand(2, 1, 8, 8), "fc1", batch_size=0)


def test_layer_that_never_runs():
    class Unused(nn.Module):
        def __init__(self):
            super().__init__()
            self.used = nn.Linear(3, 3)
            self.spare = nn.Linear(3, 3)

        def forward(self, x):
            return self.used(x)

    with pytest.raises(ValueError, match="did not run"):
        capture_activations(Unused(), torch.rand(4, 3), "spare")


def test_layer_that_runs_twice():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    with pytest.raises(ValueError, match="more than once"):
        capture_activations(model, torch.rand(4, 3), "0")
    assert _all_hooks(model) == []


def test_accepts_pairs_datasets_and_arrays(cnn, digits_test):
    want = capture_activations(cnn, digits_test.images, "fc1")["fc1"]
    pair = (digits_test.images, digits_test.labels)
    tensor_ds = torch.utils.data.TensorDataset(*pair)
    as_float64 = digits_test.images.numpy().astype(np.float64)
    for data in (digits_test, pair, tensor_ds, as_float64):
        torch.testing.assert_close(capture_activations(cnn, data, "fc1")["fc1"], want)


def test_generic_dataset_of_pairs(cnn, digits_test):
    class Items(torch.utils.data.Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return digits_test.images[i], int(digits_test.labels[i])

    got = capture_activations(cnn, Items(), "fc1")["fc1"]
    torch.testing.assert_close(got, capture_activations(cnn, digits_test.images[:10], "fc1")["fc1"])


def test_recurrent_module_gives_its_output_sequence():
    model = nn.LSTM(input_size=3, hidden_size=5, batch_first=True)
    acts = capture_activations(model, torch.rand(4, 6, 3), "input")
    assert acts["input"].shape == (4, 6, 3)

    class Wrapper(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = model

        def forward(self, x):
            return self.lstm(x)[0]

    assert capture_activations(Wrapper(), torch.rand(4, 6, 3), "lstm")["lstm"].shape == (4, 6, 5)


def test_explicit_cpu_device(cnn, digits_test):
    got = capture_activations(cnn, digits_test, "fc1", device="cpu")["fc1"]
    torch.testing.assert_close(got, capture_activations(cnn, digits_test, "fc1")["fc1"])
    with pytest.raises(ValueError, match="device"):
        capture_activations(cnn, digits_test, "fc1", device="tpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_capture_on_cuda_returns_cpu_and_moves_the_model_back(cnn, digits_test):
    want = capture_activations(cnn, digits_test, "fc1")["fc1"]
    got = capture_activations(cnn, digits_test, "fc1", device="cuda")["fc1"]
    assert got.device.type == "cpu"
    assert next(cnn.parameters()).device.type == "cpu"
    torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-4)
