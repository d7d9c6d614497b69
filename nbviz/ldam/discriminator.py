"""The discriminator prior D(x) of LDAM: a small net, GAN-style updates, calibration.

* :class:`Discriminator`: a small conv or MLP net giving one logit per image (no batch
  norm: each chain's score must not depend on the others in its batch).
* :class:`DiscriminatorPrior`: owns the net, its optimizer and a Platt / temperature
  calibration ``D(x) = sigmoid(a · logit(x) + b)``; :meth:`~DiscriminatorPrior.log_prob_real`
  is the differentiable ``log D`` the :class:`~nbviz.ldam.Sampler` uses as an energy.
  :meth:`~DiscriminatorPrior.pretrain` (real against noised, blurred or uniform images),
  :meth:`~DiscriminatorPrior.update` (one GAN-style step: real batch against the
  chains' samples), :meth:`~DiscriminatorPrior.calibrate` (fit ``a, b`` on held-out
  real and fake, as MH-GAN calibrates its discriminator, arXiv:1811.11357) and
  :meth:`~DiscriminatorPrior.calibration` (expected calibration error and Brier score).
* :func:`train_with_sampler`: alternate sampling and discriminator updates.
* :meth:`DiscriminatorPrior.fit`: the one-call recipe from a dataset: pre-training, then
  GAN-style rounds against Langevin chains that sample ``D^λ`` from real starts
  (contrastive-divergence negatives in a persistent buffer), with one-sided label
  smoothing and an R1 gradient penalty, a held-out calibration, and a cache.

A raw GAN discriminator is over-confident: its logit grows without bound on the fakes
it has seen, so ``log D`` would swamp the objective in the sampler. Calibrating on
held-out pairs makes ``D`` a probability again, and ``λ log D`` an energy on the scale
of log-odds.

>>> import torch
>>> from nbviz.data import digits
>>> _ = torch.manual_seed(0)
>>> prior = DiscriminatorPrior((1, 8, 8), kind="mlp")
>>> _ = prior.pretrain(digits("train"), epochs=2)
>>> report = prior.calibrate(digits("test"))
>>> report["after"]["brier"] <= report["before"]["brier"] + 1e-6
True
>>> prior.log_prob_real(torch.zeros(3, 1, 8, 8)).shape
torch.Size([3])
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._checks import check_positive_int, check_seed, unknown_name_error
from ..models._inputs import as_tensors, check_not_meta, resolve_device
from ._cache import prior_cache_path

__all__ = [
    "CALIBRATIONS",
    "PERTURBATIONS",
    "Discriminator",
    "DiscriminatorPrior",
    "calibration_metrics",
    "perturb",
    "train_with_sampler",
]

PERTURBATIONS = ("noise", "blur", "uniform")
#: Bumped when :meth:`DiscriminatorPrior.fit` changes, so old cache entries are not reused.
_FORMAT = 1
CALIBRATIONS = ("platt", "temperature")


def _check_shape(in_shape) -> tuple[int, int, int]:
    if (
        not isinstance(in_shape, (tuple, list))
        or len(in_shape) != 3
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in in_shape)
    ):
        raise ValueError(f"in_shape: expected a (channels, height, width) tuple, got {in_shape!r}")
    return tuple(in_shape)


class Discriminator(nn.Module):
    """A small image discriminator: one real-vs-fake logit per image, shape ``(N,)``.

    ``kind="conv"``: two stride-2 3×3 convolutions (``width``, ``2·width`` channels) with
    SiLU, then a linear layer; ``kind="mlp"``: two hidden layers (``4·width``,
    ``width``). SiLU keeps ``∇log D`` smooth for Langevin steps; there is no batch norm.

    >>> Discriminator((1, 8, 8))(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5])
    """

    def __init__(self, in_shape=(1, 28, 28), kind: str = "conv", width: int = 32):
        super().__init__()
        self.in_shape = _check_shape(in_shape)
        width = check_positive_int(width, "width")
        if kind not in ("conv", "mlp"):
            raise unknown_name_error("kind", str(kind), ["conv", "mlp"], "kind")
        self.kind = kind
        c, h, w = self.in_shape
        if kind == "conv":
            h2, w2 = math.ceil(math.ceil(h / 2) / 2), math.ceil(math.ceil(w / 2) / 2)
            self.net = nn.Sequential(
                nn.Conv2d(c, width, 3, stride=2, padding=1),
                nn.SiLU(),
                nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
                nn.SiLU(),
                nn.Flatten(),
                nn.Linear(2 * width * h2 * w2, 1),
            )
        else:
            self.net = nn.Sequential(
                nn.Flatten(),
                nn.Linear(c * h * w, 4 * width),
                nn.SiLU(),
                nn.Linear(4 * width, width),
                nn.SiLU(),
                nn.Linear(width, 1),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The raw (uncalibrated) logits, ``(N,)``."""
        return self.net(x).reshape(len(x))


def _gaussian_blur(x: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Blur each image of ``x`` ``(N, C, H, W)`` with its own ``sigma`` (pixels)."""
    r = 3
    t = torch.arange(-r, r + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-(t[None] ** 2) / (2 * sigma[:, None] ** 2))
    k = k / k.sum(1, keepdim=True)  # (N, 2r+1)
    h, w = x.shape[2:]
    xp = F.pad(x, (r, r, r, r), mode="replicate")
    rows = torch.stack([xp[..., :, i : i + w] for i in range(2 * r + 1)], -1)
    xw = (rows * k[:, None, None, None, :]).sum(-1)  # (N, C, H+2r, W)
    cols = torch.stack([xw[..., i : i + h, :] for i in range(2 * r + 1)], -1)
    return (cols * k[:, None, None, None, :]).sum(-1)


def perturb(data: torch.Tensor, kind: str, data_range=(0.0, 1.0), generator=None) -> torch.Tensor:
    """Fake images from a batch of real ones ``data``: ``"noise"`` (Gaussian, σ in [0.1,
    0.5] of the range), ``"blur"`` (Gaussian blur, σ in [0.7, 2] pixels) or ``"uniform"``
    (uniform noise).

    >>> perturb(torch.zeros(2, 1, 8, 8), "uniform").shape
    torch.Size([2, 1, 8, 8])
    """
    lo, hi = data_range
    x = data
    n = len(x)
    kw = {"device": x.device, "dtype": x.dtype, "generator": generator}
    u = torch.rand(n, **kw)
    if kind == "noise":
        sigma = (0.1 + 0.4 * u) * (hi - lo)
        noisy = x + sigma.view(-1, *([1] * (x.ndim - 1))) * torch.randn(x.shape, **kw)
        return noisy.clamp(lo, hi)
    if kind == "blur":
        if x.ndim != 4:
            raise ValueError(f"data: blur needs images (N, C, H, W), got shape {tuple(x.shape)}")
        return _gaussian_blur(x, 0.7 + 1.3 * u)
    if kind == "uniform":
        return lo + (hi - lo) * torch.rand(x.shape, **kw)
    raise unknown_name_error("perturbation", str(kind), PERTURBATIONS, "kind")


def calibration_metrics(prob: torch.Tensor, label: torch.Tensor, n_bins: int = 10) -> dict:
    """Expected calibration error (``n_bins`` equal-width bins), Brier score and accuracy.

    >>> m = calibration_metrics(torch.tensor([0.9, 0.1, 0.8, 0.3]), torch.tensor([1, 0, 1, 0]))
    >>> round(m["brier"], 4), m["accuracy"]
    (0.0375, 1.0)
    """
    p = prob.detach().double().flatten().cpu()
    y = label.detach().double().flatten().cpu()
    brier = float(((p - y) ** 2).mean())
    bins = torch.clamp((p * n_bins).long(), max=n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        m = bins == b
        if bool(m.any()):
            ece += float(m.double().mean()) * abs(float(y[m].mean() - p[m].mean()))
    acc = float(((p > 0.5).double() == y).double().mean())
    return {"ece": ece, "brier": brier, "accuracy": acc, "n": len(p)}


class DiscriminatorPrior:
    """A discriminator as a prior for LDAM: ``log D(x)``, GAN-style updates, calibration.

    Args:
        module: a :class:`Discriminator` (or any net ``(N, ...) -> (N,)`` logits), or the
            input shape ``(C, H, W)`` to build one of ``kind``.
        kind: ``"conv"`` or ``"mlp"`` when building.
        lr: Adam's learning rate (betas 0.5, 0.999, as in DCGAN).
        data_range: ``(low, high)`` of the images, for the perturbations.
        device: ``"auto"`` (CUDA when present), ``"cpu"`` ...
        seed: seeds the perturbations' and batches' random generator.

    ``version`` grows by one at every change of ``D`` (update, calibration, pre-training),
    so a :class:`~nbviz.ldam.Sampler` knows to re-evaluate its cached densities.

    >>> prior = DiscriminatorPrior((1, 8, 8))
    >>> stats = prior.update(torch.rand(8, 1, 8, 8), torch.rand(8, 1, 8, 8))
    >>> sorted(stats), prior.version
    (['fake_acc', 'loss', 'real_acc'], 1)
    """

    def __init__(
        self,
        module=(1, 28, 28),
        *,
        kind: str = "conv",
        lr: float = 1e-3,
        data_range=(0.0, 1.0),
        device="auto",
        seed: int = 0,
    ):
        if isinstance(module, nn.Module):
            self.module = check_not_meta(module, "module")
        else:
            self.module = Discriminator(module, kind=kind)
        self.device = resolve_device(device)
        self.module.to(self.device).eval()  # train mode only inside update()
        self.data_range = tuple(float(v) for v in data_range)
        self.lr = float(lr)
        self.opt = torch.optim.Adam(self.module.parameters(), lr=self.lr, betas=(0.5, 0.999))
        self.scale = 1.0
        self.bias = 0.0
        self.version = 0
        self._gen = torch.Generator(device=self.device).manual_seed(check_seed(seed))

    def to(self, device) -> DiscriminatorPrior:
        """Move the net (and its optimizer state) to ``device``; returns ``self``."""
        self.device = resolve_device(device)
        self.module.to(self.device)
        for state in self.opt.state.values():
            for k, v in state.items():
                if isinstance(v, torch.Tensor) and v.ndim > 0:
                    state[k] = v.to(self.device)
        # The new device's generator continues from the old one: still determined by
        # `seed`, and the global random state is left alone.
        old = self._gen
        seed = int(torch.randint(2**31, (1,), generator=old, device=old.device))
        self._gen = torch.Generator(device=self.device).manual_seed(seed)
        return self

    # --- the prior ---------------------------------------------------------------------
    def logit(self, data: torch.Tensor) -> torch.Tensor:
        """The calibrated logit ``a · logit(x) + b`` of each image ``x`` of the batch
        ``data`` (differentiable), ``(N,)``.

        >>> DiscriminatorPrior((1, 8, 8), kind="mlp").logit(torch.zeros(3, 1, 8, 8)).shape
        torch.Size([3])
        """
        z = self.module(data)
        return z * self.scale + self.bias if (self.scale != 1.0 or self.bias) else z

    def log_prob_real(self, data: torch.Tensor) -> torch.Tensor:
        """``log D(x)``: the calibrated log-probability that each image ``x`` of the batch
        ``data`` is real, ``(N,)``."""
        return F.logsigmoid(self.logit(data))

    def prob_real(self, data: torch.Tensor) -> torch.Tensor:
        """``D(x)`` for each image of the batch ``data``, without gradients, in eval mode,
        ``(N,)``.

        >>> p = DiscriminatorPrior((1, 8, 8), kind="mlp").prob_real(torch.zeros(2, 1, 8, 8))
        >>> bool(((p > 0) & (p < 1)).all())
        True
        """
        was = self.module.training
        self.module.eval()
        try:
            with torch.no_grad():
                return torch.sigmoid(self.logit(data.to(self.device)))
        finally:
            self.module.train(was)

    # --- training ----------------------------------------------------------------------
    def _images(self, data, arg) -> torch.Tensor:
        x, _ = as_tensors(data, arg, labels="ignore", dtype=torch.float32)
        return x.to(self.device)

    def update(self, real_batch, fake_batch, steps: int = 1) -> dict:
        """``steps`` Adam steps of binary cross-entropy: ``real_batch`` real, ``fake_batch``
        fake (the chains' samples); returns the last step's loss and accuracies.

        The calibration ``(a, b)`` is kept; call :meth:`calibrate` again now and then.
        """
        real = self._images(real_batch, "real_batch")
        fake = self._images(fake_batch, "fake_batch").detach()
        steps = check_positive_int(steps, "steps")
        x = torch.cat([real, fake])
        y = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))]).to(self.device)
        was = self.module.training
        self.module.train()
        try:
            with torch.enable_grad():  # also inside a caller's torch.no_grad()
                for _ in range(steps):
                    z = self.module(x)
                    loss = F.binary_cross_entropy_with_logits(z, y)
                    self.opt.zero_grad(set_to_none=True)
                    loss.backward()
                    self.opt.step()
        finally:
            self.module.train(was)
        self.version += 1
        zd = z.detach()
        return {
            "loss": float(loss.detach()),
            "real_acc": float((zd[: len(real)] > 0).float().mean()),
            "fake_acc": float((zd[len(real) :] <= 0).float().mean()),
        }

    def pretrain(
        self,
        real,
        *,
        epochs: int = 3,
        batch_size: int = 128,
        perturbations=PERTURBATIONS,
    ) -> list[float]:
        """Train ``D`` on real images against perturbed copies of them; returns the mean
        loss of each epoch. Each batch's fakes cycle through ``perturbations``.
        """
        x = self._images(real, "real")
        epochs = check_positive_int(epochs, "epochs")
        batch_size = check_positive_int(batch_size, "batch_size")
        kinds = list(perturbations)
        for k in kinds:
            if k not in PERTURBATIONS:
                raise unknown_name_error("perturbation", str(k), PERTURBATIONS, "perturbations")
        if not kinds:
            raise ValueError("perturbations: expected at least one kind")
        losses = []
        for _ in range(epochs):
            order = torch.randperm(len(x), generator=self._gen, device=self.device)
            total, count = 0.0, 0
            for i, s in enumerate(range(0, len(x), batch_size)):
                real_b = x[order[s : s + batch_size]]
                fake_b = perturb(real_b, kinds[i % len(kinds)], self.data_range, self._gen)
                stats = self.update(real_b, fake_b)
                total += stats["loss"] * len(real_b)
                count += len(real_b)
            losses.append(total / count)
        return losses

    @classmethod
    def fit(
        cls,
        data,
        *,
        kind: str = "conv",
        rounds: int = 500,
        chains: int = 64,
        chain_steps: int = 20,
        tradeoff: float = 64.0,
        step_size: float = 1e-3,
        restart: float = 0.2,
        smoothing: float = 0.1,
        r1: float = 1.0,
        pretrain_epochs: int = 1,
        heldout: int = 1000,
        data_range=(0.0, 1.0),
        seed: int = 0,
        device="auto",
        cache: bool = True,
        progress: bool = True,
    ) -> DiscriminatorPrior:
        """Train and calibrate a discriminator prior on the images ``data``; the one-call
        recipe. Fashion-MNIST's training set takes a few minutes on two CPU cores.

        1. :meth:`pretrain` for ``pretrain_epochs`` on (up to 10,000 of) the images
           against perturbed copies.
        2. ``rounds`` GAN-style rounds against the chains a sampler at ``λ = tradeoff``
           would run. A persistent buffer of ``10 · chains`` negatives starts at real
           images. Each round, ``chains`` of them (a ``restart`` fraction reset to real
           images) take ``chain_steps`` Langevin steps on ``λ log D`` (step
           ``step_size`` in units of the squared data range). Then ``D`` takes one Adam
           step on real images (target ``1 - smoothing``: one-sided label smoothing)
           against those negatives (target 0), plus ``r1 / 2`` times the squared input
           gradient on the real images (the R1 penalty, Mescheder et al. 2018). The penalty
           keeps ``∇ log D`` small and smooth where the data are.
        3. Platt calibration (:meth:`calibrate`) on the last ``heldout`` images against
           fresh negatives of the buffer, which ``D`` has not trained on.

        With ``cache``, the weights and calibration are stored under
        ``cache_dir()/priors/``, keyed by the data and every setting. A later call with the
        same ones loads them instead of training.
        """
        from ..models.checkpoints import load_weights, save_weights

        x = as_tensors(data, "data", labels="ignore", dtype=torch.float32)[0].cpu()
        if x.ndim != 4:
            raise ValueError(f"data: expected images (N, C, H, W), got shape {tuple(x.shape)}")
        heldout = check_positive_int(heldout, "heldout")
        if len(x) < 2 * heldout:
            raise ValueError(
                f"data: {len(x)} images; fit needs at least 2 × heldout = {2 * heldout} "
                "(the last heldout calibrate D)"
            )
        settings = {
            "kind": str(kind), "rounds": check_positive_int(rounds, "rounds"),
            "chains": check_positive_int(chains, "chains"),
            "chain_steps": check_positive_int(chain_steps, "chain_steps"),
            "tradeoff": float(tradeoff), "step_size": float(step_size),
            "restart": float(restart), "smoothing": float(smoothing), "r1": float(r1),
            "pretrain_epochs": check_positive_int(pretrain_epochs, "pretrain_epochs", minimum=0),
            "heldout": heldout, "data_range": [float(v) for v in data_range],
            "seed": check_seed(seed),
        }  # fmt: skip
        if not 0.0 <= settings["restart"] <= 1.0 or not 0.0 <= settings["smoothing"] < 0.5:
            raise ValueError(
                f"restart must be in [0, 1] and smoothing in [0, 0.5), got {restart}, {smoothing}"
            )
        with torch.random.fork_rng():
            torch.manual_seed(settings["seed"])
            prior = cls(tuple(x.shape[1:]), kind=kind, data_range=data_range, device=device,
                        seed=settings["seed"])  # fmt: skip
        path = prior_cache_path("discriminator", _FORMAT, x, settings) if cache else None
        if path is not None and path.exists():
            state = load_weights(path)
            prior.module.load_state_dict(state["module"])
            prior.scale, prior.bias = float(state["scale"]), float(state["bias"])
            prior.version += 1
            return prior
        train, calib = x[:-heldout].to(prior.device), x[-heldout:]
        with torch.random.fork_rng(devices=[prior.device] if prior.device.type == "cuda" else []):
            torch.manual_seed(settings["seed"])
            if settings["pretrain_epochs"]:
                prior.pretrain(train[:10_000], epochs=settings["pretrain_epochs"])
            buffer = prior._train_against_chains(train, settings, progress)
        fresh = prior._chain_steps(buffer[:heldout].clone(), settings)
        prior.calibrate(calib, fresh)
        if path is not None:
            save_weights(
                {"module": prior.module.state_dict(), "scale": prior.scale, "bias": prior.bias},
                path,
            )
        return prior

    def _chain_steps(self, x: torch.Tensor, settings: dict) -> torch.Tensor:
        """``chain_steps`` Langevin steps of every image of ``x`` on ``λ log D``, clamped
        to the data range (``D`` in eval mode, its weights untouched)."""
        lo, hi = self.data_range
        eps = settings["step_size"] * (hi - lo) ** 2
        lam = settings["tradeoff"]
        was = self.module.training
        self.module.eval()
        try:
            with torch.enable_grad():
                for _ in range(settings["chain_steps"]):
                    x = x.detach().requires_grad_(True)
                    (grad,) = torch.autograd.grad(self.log_prob_real(x).sum(), x)
                    noise = torch.randn(x.shape, device=x.device, generator=self._gen)
                    x = x.detach() + 0.5 * eps * lam * grad + math.sqrt(eps) * noise
                    x = x.clamp(lo, hi)
        finally:
            self.module.train(was)
        return x.detach()

    def _train_against_chains(self, real: torch.Tensor, settings: dict, progress: bool):
        """The GAN-style rounds of :meth:`fit`; returns the negatives' buffer."""
        from tqdm.auto import tqdm

        n = settings["chains"]
        pick = lambda k: real[torch.randint(len(real), (k,), generator=self._gen,  # noqa: E731
                                            device=self.device)]  # fmt: skip
        buffer = pick(10 * n).clone()
        bar = tqdm(range(settings["rounds"]), desc="discriminator prior", unit="round",
                   disable=not progress)  # fmt: skip
        for _ in bar:
            idx = torch.randint(len(buffer), (n,), generator=self._gen, device=self.device)
            starts = buffer[idx]
            reset = torch.rand(n, generator=self._gen, device=self.device) < settings["restart"]
            starts[reset] = pick(int(reset.sum()))
            fake = self._chain_steps(starts, settings)
            buffer[idx] = fake
            stats = self._smoothed_r1_step(pick(n), fake, settings)
            bar.set_postfix(loss=f"{stats:.3f}", refresh=False)
        bar.close()
        self.version += 1
        return buffer

    def _smoothed_r1_step(self, real: torch.Tensor, fake: torch.Tensor, settings: dict) -> float:
        """One Adam step: smoothed real targets, fake targets 0, the R1 penalty on real."""
        real = real.detach().clone().requires_grad_(settings["r1"] > 0)
        self.module.train()
        try:
            with torch.enable_grad():
                zr, zf = self.module(real), self.module(fake.detach())
                loss = F.binary_cross_entropy_with_logits(
                    zr, torch.full_like(zr, 1.0 - settings["smoothing"])
                ) + F.binary_cross_entropy_with_logits(zf, torch.zeros_like(zf))
                if settings["r1"] > 0:
                    (g,) = torch.autograd.grad(zr.sum(), real, create_graph=True)
                    loss = loss + 0.5 * settings["r1"] * g.pow(2).flatten(1).sum(1).mean()
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                self.opt.step()
        finally:
            self.module.eval()
        return float(loss.detach())

    # --- calibration -------------------------------------------------------------------
    def _raw_logits(self, x: torch.Tensor) -> torch.Tensor:
        was = self.module.training
        self.module.eval()
        try:
            with torch.no_grad():
                return torch.cat([self.module(x[s : s + 1024]) for s in range(0, len(x), 1024)])
        finally:
            self.module.train(was)

    def _heldout(self, real, fake):
        xr = self._images(real, "real")
        if fake is None:
            kinds = list(PERTURBATIONS)
            chunks = xr.chunk(len(kinds))
            pairs = zip(chunks, kinds, strict=False)  # fewer chunks than kinds for tiny sets
            xf = torch.cat([perturb(c, k, self.data_range, self._gen) for c, k in pairs])
        else:
            xf = self._images(fake, "fake")
        z = torch.cat([self._raw_logits(xr), self._raw_logits(xf)])
        y = torch.cat([torch.ones(len(xr)), torch.zeros(len(xf))]).to(z.device)
        return z, y

    def calibration(self, real, fake=None, n_bins: int = 10) -> dict:
        """ECE, Brier score and accuracy of the calibrated ``D`` on held-out ``real`` and
        ``fake`` images (``fake=None``: perturbed copies of ``real``).
        """
        z, y = self._heldout(real, fake)
        return calibration_metrics(torch.sigmoid(z * self.scale + self.bias), y, n_bins)

    def calibrate(self, real, fake=None, method: str = "platt", n_bins: int = 10) -> dict:
        """Fit ``D(x) = sigmoid(a · logit + b)`` on held-out ``real`` / ``fake`` images.

        ``method="platt"`` fits ``a`` and ``b`` (logistic regression on the logit),
        ``"temperature"`` only ``a = 1 / T``; both minimize the cross-entropy with
        L-BFGS, against Platt's smoothed targets (``(n₊+1)/(n₊+2)`` and ``1/(n₋+2)``) so
        that separable held-out sets give a finite scale. ``fake=None`` uses perturbed
        copies of ``real``; pass the chains' samples to calibrate against what the
        sampler makes. Returns
        ``{"before": metrics, "after": metrics, "scale": a, "bias": b}``, the metrics
        of :func:`calibration_metrics` (measured on the same held-out set).
        """
        if method not in CALIBRATIONS:
            raise unknown_name_error("method", str(method), CALIBRATIONS, "method")
        z, y = self._heldout(real, fake)
        before = calibration_metrics(torch.sigmoid(z * self.scale + self.bias), y, n_bins)
        z, y = z.double().cpu(), y.double().cpu()
        # Platt's smoothed targets: keep the fit finite when held-out data are separable
        n_pos, n_neg = float(y.sum()), float((1 - y).sum())
        target = torch.where(y > 0.5, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
        a = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(0.0, dtype=torch.float64, requires_grad=method == "platt")
        params = [a, b] if method == "platt" else [a]
        opt = torch.optim.LBFGS(params, lr=0.5, max_iter=100, line_search_fn="strong_wolfe")

        def closure():
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(a * z + b, target)
            loss.backward()
            return loss

        with torch.enable_grad():  # also inside a caller's torch.no_grad()
            opt.step(closure)
        self.scale, self.bias = float(a.detach()), float(b.detach())
        self.version += 1
        after = calibration_metrics(torch.sigmoid(a.detach() * z + b.detach()), y, n_bins)
        return {"before": before, "after": after, "scale": self.scale, "bias": self.bias}


def train_with_sampler(
    sampler,
    prior: DiscriminatorPrior,
    real,
    *,
    rounds: int = 10,
    sample_steps: int = 20,
    d_steps: int = 1,
    calibrate_every: int = 0,
    should_stop=None,
) -> list[dict]:
    """Alternate ``sample_steps`` of sampling with ``d_steps`` updates of ``D`` on a random
    real batch (as many as chains) against the chains' current samples, ``rounds`` times.

    ``calibrate_every=k`` re-calibrates ``D`` every ``k`` rounds, on a fresh real batch
    against the chains' states after ``sample_steps`` more steps (fakes ``D`` has not
    trained on). Returns one stats dict per round. The sampler picks the new
    ``D`` up at its next step (its cache follows ``prior.version``).

    >>> from nbviz.data import digits
    >>> from nbviz.ldam import Sampler, class_logit
    >>> from nbviz.models import SmallCNN
    >>> prior = DiscriminatorPrior((1, 8, 8), kind="mlp")
    >>> s = Sampler(SmallCNN(in_shape=(1, 8, 8)).eval(), class_logit(0), n_chains=8,
    ...             discriminator=prior, tradeoff=1.0)
    >>> len(train_with_sampler(s, prior, digits("train"), rounds=2, sample_steps=2))
    2
    """
    from .._checks import stop_check

    rounds = check_positive_int(rounds, "rounds")
    sample_steps = check_positive_int(sample_steps, "sample_steps")
    stop = stop_check(should_stop)
    x = prior._images(real, "real")
    out = []
    for r in range(rounds):
        if stop():
            break
        sampler.run(sample_steps, should_stop=should_stop)
        fake = sampler.pictures()[sampler.alive]
        idx = torch.randint(len(x), (len(fake),), generator=prior._gen, device=prior.device)
        stats = prior.update(x[idx], fake, steps=d_steps)
        if calibrate_every and (r + 1) % calibrate_every == 0:
            sampler.run(sample_steps, should_stop=should_stop)  # fresh fakes, unseen by D
            fresh = sampler.pictures()[sampler.alive]
            held = torch.randint(len(x), (len(fresh),), generator=prior._gen, device=prior.device)
            stats["calibration"] = prior.calibrate(x[held], fresh)["after"]
        stats["round"] = r + 1
        stats["activation"] = float(sampler.activation.mean())
        out.append(stats)
    return out
