import pytest
import torch
from torch import nn

from nbviz.models import LeNet300100, SmallCNN
from nbviz.tour import (
    avgpool_matrix,
    batchnorm_matrix,
    conv2d_matrix,
    linear_matrix,
    linearize,
    maxpool_matrix,
)

CONV_CONFIGS = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=3, out_channels=5, kernel_size=3, padding=1),
    dict(in_channels=2, out_channels=4, kernel_size=(3, 2), stride=(2, 1), padding=(1, 2)),
    dict(in_channels=2, out_channels=3, kernel_size=3, dilation=2, padding=2),
    dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, stride=2, padding=1),
    dict(in_channels=4, out_channels=4, kernel_size=3, groups=4, bias=False),
    dict(in_channels=2, out_channels=2, kernel_size=4, padding="same", dilation=1),
    dict(in_channels=2, out_channels=2, kernel_size=3, padding="same", dilation=2),
    dict(in_channels=1, out_channels=2, kernel_size=1, padding="valid"),
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("config", CONV_CONFIGS)
def test_conv2d_matrix_equals_conv(config):
    torch.manual_seed(0)
    conv = nn.Conv2d(**config).double()
    in_shape = (config["in_channels"], 9, 7)
    matrix, bias = conv2d_matrix(conv, in_shape)
    x = torch.randn(3, *in_shape, dtype=torch.float64)
    with torch.no_grad():
        expected = conv(x).flatten(1)
    assert matrix.is_sparse and matrix.shape == (expected.shape[1], x[0].numel())
    got = (matrix @ x.flatten(1).T).T + bias
    torch.testing.assert_close(got, expected, atol=1e-10, rtol=0)


def test_conv2d_bias_separate():
    conv = nn.Conv2d(1, 2, 3).double()
    matrix, bias = conv2d_matrix(conv, (1, 5, 5))
    x = torch.randn(1, 5, 5, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(matrix @ x.flatten(), conv(x[None]).flatten() - bias)


def test_conv2d_bad_input():
    with pytest.raises(ValueError, match="in_shape"):
        conv2d_matrix(nn.Conv2d(3, 2, 3), (2, 5, 5))
    with pytest.raises(ValueError, match="in_shape"):
        conv2d_matrix(nn.Conv2d(1, 2, 5), (1, 3, 3))
    with pytest.raises(TypeError, match="conv"):
        conv2d_matrix(nn.Linear(2, 2), (1, 3, 3))
    with pytest.raises(ValueError, match="padding"):
        conv2d_matrix(nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular"), (1, 4, 4))
    with pytest.raises(TypeError, match="in_shape"):
        conv2d_matrix(nn.Conv2d(1, 1, 3), (4, 4))


def test_linear_matrix():
    lin = nn.Linear(5, 3).double()
    w, b = linear_matrix(lin)
    x = torch.randn(4, 5, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(x @ w.T + b, lin(x))


@pytest.mark.parametrize(
    "pool",
    [
        nn.AvgPool2d(2),
        nn.AvgPool2d(3, stride=2, padding=1),
        nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
        nn.AvgPool2d(2, divisor_override=3),
        nn.AdaptiveAvgPool2d((4, 2)),
    ],
)
def test_avgpool_matrix_equals_pool(pool):
    x = torch.randn(2, 3, 8, 6, dtype=torch.float64)
    matrix, bias = avgpool_matrix(pool, (3, 8, 6), dtype=torch.float64)
    got = (matrix @ x.flatten(1).T).T + bias
    torch.testing.assert_close(got, pool(x).flatten(1), atol=1e-12, rtol=0)


def test_maxpool_is_rescaled_average():
    avg, _ = avgpool_matrix(nn.AvgPool2d(2), (2, 4, 4))
    mx, _ = maxpool_matrix(nn.MaxPool2d(2), (2, 4, 4), scale=1.7)
    torch.testing.assert_close(mx.to_dense(), 1.7 * avg.to_dense())


@pytest.mark.parametrize("bn", [nn.BatchNorm2d(3), nn.BatchNorm1d(3)])
def test_batchnorm_affine_equals_module_in_eval(bn):
    bn = bn.double()
    torch.manual_seed(0)
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.2, 3.0)
        bn.weight.normal_()
        bn.bias.normal_()
    bn.eval()
    shape = (3, 4, 5) if isinstance(bn, nn.BatchNorm2d) else (3,)
    x = torch.randn(6, *shape, dtype=torch.float64)
    matrix, bias = batchnorm_matrix(bn, shape)
    with torch.no_grad():
        torch.testing.assert_close((matrix @ x.flatten(1).T).T + bias, bn(x).flatten(1))


def _random_stats(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_()
                m.running_var.uniform_(0.5, 2.0)


def test_linearize_small_cnn_reproduces_logits():
    torch.manual_seed(0)
    model = SmallCNN(in_shape=(1, 8, 8)).double()
    _random_stats(model)
    model.pool1, model.pool2 = nn.AvgPool2d(2), nn.AvgPool2d(2)  # make every step exact
    steps = linearize(model, (1, 8, 8))
    assert [s.name for s in steps] == [
        "conv1", "pool1", "bn1", "relu1", "conv2", "pool2", "bn2", "relu2",
        "flatten", "fc1", "relu3", "logits",
    ]  # fmt: skip
    x = torch.rand(7, 1, 8, 8, dtype=torch.float64)
    h = x
    for step in steps:
        h = step(h)
        assert h.shape[1:] == step.out_shape
    with torch.no_grad():
        torch.testing.assert_close(h, model.eval()(x), atol=1e-10, rtol=0)


def test_linearize_trained_small_cnn_maxpool_is_approximate(trained_cnn, digits_test):
    x = digits_test.images[:64]
    steps = linearize(trained_cnn, (1, 8, 8), data=x)
    kinds = {s.name: s.kind for s in steps}
    assert kinds["pool1"] == kinds["pool2"] == "approximate"
    assert kinds["relu1"] == "nonlinear" and kinds["flatten"] == "reshape"
    assert not any(m.training for m in trained_cnn.modules())
    # exact steps reproduce the model when max pools run as themselves
    h = x
    for step in steps:
        h = step.module(h) if step.kind == "approximate" else step(h)
    with torch.no_grad():
        torch.testing.assert_close(h, trained_cnn(x), atol=1e-4, rtol=1e-4)
    # the fitted scale makes the average a least-squares stand-in for the max
    pool = steps[1]
    with torch.no_grad():
        inp = trained_cnn.conv1(x)
    approx = pool(inp).flatten(1)
    exact = trained_cnn.pool1(inp).flatten(1)
    plain = nn.functional.avg_pool2d(inp, 2).flatten(1)
    assert (approx - exact).norm() <= (plain - exact).norm()


def test_linearize_lenet():
    model = LeNet300100(in_shape=(1, 8, 8)).double()
    steps = linearize(model, (1, 8, 8))
    x = torch.rand(3, 1, 8, 8, dtype=torch.float64)
    h = x
    for step in steps:
        h = step(h)
    with torch.no_grad():
        torch.testing.assert_close(h, model(x), atol=1e-10, rtol=0)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return x + self.fc(x)


class FunctionalRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 4)
        self.fc2 = nn.Linear(4, 2)
        # fixed weights: with random ones the ReLU may be the identity on the probe
        with torch.no_grad():
            self.fc1.weight.copy_(torch.eye(4))
            self.fc1.bias.zero_()

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))


class Custom(nn.Module):
    def forward(self, x):
        return x * 2


class LastOfLSTM(nn.Module):
    def forward(self, out):
        return out[0]


@pytest.mark.parametrize(
    ("model", "shape", "needle"),
    [
        (nn.Sequential(nn.LSTM(4, 3, batch_first=True), LastOfLSTM()), (5, 4), "'0'.*LSTM"),
        (nn.Sequential(nn.Linear(4, 4), Custom()), (4,), "'1'.*Custom"),
        (Residual(), (4,), "'fc'"),
        (FunctionalRelu(), (4,), "'fc2'"),
    ],
)
def test_linearize_refuses_what_it_cannot_follow(model, shape, needle):
    with pytest.raises(ValueError, match=needle) as err:
        linearize(model, shape)
    assert "activations" in str(err.value)


def test_linearize_attention_names_the_layer():
    class Attn(nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = nn.MultiheadAttention(4, 1, batch_first=True)

        def forward(self, x):
            return self.attn(x, x, x)[0]

    with pytest.raises(ValueError, match=r"'attn'.*MultiheadAttention"):
        linearize(Attn(), (3, 4))


def test_linearize_bad_input():
    with pytest.raises(TypeError, match="model"):
        linearize("not a model", (1, 8, 8))
    with pytest.raises(TypeError, match="in_shape"):
        linearize(nn.Linear(2, 2), (0,))
    with pytest.raises(ValueError, match="data"):
        linearize(nn.Linear(2, 2), (2,), data=torch.full((3, 2), float("nan")))
    with pytest.raises(ValueError, match="data"):
        linearize(nn.Linear(2, 2), (2,), data=torch.ones(3, 5))
