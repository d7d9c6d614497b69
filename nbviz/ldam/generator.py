r"""A generator prior for LDAM, in the manner of DGN-AM and PPGN (Nguyen et al.,
arXiv:1605.09304, arXiv:1612.00005): the chains move a latent code ``z`` and the picture
is the generator's image ``G(z)``, so every sample is one the generator can draw.

The target over codes is

.. math::  \log p(z) = a(G(z))/T + \lambda \log D(G(z)) - \tfrac12 \lVert z \rVert^2

(the objective on the decoded image, the discriminator if any, and the code's own
standard normal prior). The generator is the decoder of a small variational autoencoder
(:class:`VAE`) trained on the dataset by :meth:`GeneratorPrior.fit`, which caches it
under ``cache_dir()/priors/`` keyed by the data and the settings, as the zoo caches its
checkpoints. Its encoder gives the codes of real images, so chains can start at the top
real images here too.

>>> from nbviz.data import digits
>>> prior = GeneratorPrior.fit(digits("train"), epochs=1, cache=False, progress=False)
>>> z = torch.zeros(2, prior.latent_dim)
>>> prior.decode(z).shape, prior.encode(digits("test").images[:3]).shape
(torch.Size([2, 1, 8, 8]), torch.Size([3, 16]))
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from .._checks import check_positive_int, check_seed
from ..models._inputs import as_tensors
from ._cache import prior_cache_path

__all__ = ["VAE", "GeneratorPrior"]

#: Bumped when the VAE or its training changes, so old cache entries are not reused.
_FORMAT = 1


class VAE(nn.Module):
    """A small variational autoencoder for ``(C, H, W)`` images in ``[0, 1]``.

    With ``H`` and ``W`` divisible by 4: two stride-2 convolutions down and two transposed
    convolutions up (``width`` and ``2·width`` channels, SiLU); otherwise two dense layers
    each way. The decoder ends in a sigmoid.

    >>> VAE((1, 28, 28))(torch.zeros(2, 1, 28, 28))[0].shape
    torch.Size([2, 1, 28, 28])
    """

    def __init__(self, image_shape=(1, 28, 28), latent_dim: int = 16, width: int = 32):
        super().__init__()
        c, h, w = self.image_shape = tuple(int(s) for s in image_shape)
        self.latent_dim = check_positive_int(latent_dim, "latent_dim")
        width = check_positive_int(width, "width")
        conv = h % 4 == 0 and w % 4 == 0
        if conv:
            hidden = 2 * width * (h // 4) * (w // 4)
            self.encoder = nn.Sequential(
                nn.Conv2d(c, width, 4, stride=2, padding=1), nn.SiLU(),
                nn.Conv2d(width, 2 * width, 4, stride=2, padding=1), nn.SiLU(),
                nn.Flatten(),
            )  # fmt: skip
            self.decoder = nn.Sequential(
                nn.Linear(latent_dim, hidden), nn.SiLU(),
                nn.Unflatten(1, (2 * width, h // 4, w // 4)),
                nn.ConvTranspose2d(2 * width, width, 4, stride=2, padding=1), nn.SiLU(),
                nn.ConvTranspose2d(width, c, 4, stride=2, padding=1), nn.Sigmoid(),
            )  # fmt: skip
        else:
            hidden = 8 * width
            self.encoder = nn.Sequential(
                nn.Flatten(), nn.Linear(c * h * w, hidden), nn.SiLU(),
                nn.Linear(hidden, hidden), nn.SiLU(),
            )  # fmt: skip
            self.decoder = nn.Sequential(
                nn.Linear(latent_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                nn.Linear(hidden, c * h * w), nn.Sigmoid(), nn.Unflatten(1, (c, h, w)),
            )  # fmt: skip
        self.to_stats = nn.Linear(hidden, 2 * latent_dim)

    def encode(self, data: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The posterior's mean and log-variance of images ``data``, each ``(N, latent_dim)``."""
        mu, logvar = self.to_stats(self.encoder(data)).chunk(2, dim=1)
        return mu, logvar.clamp(-10, 10)

    def forward(self, x: torch.Tensor):
        """``(reconstruction, mu, logvar)`` with one reparameterized draw of the code."""
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.decoder(z), mu, logvar


def vae_loss(recon, x, mu, logvar) -> torch.Tensor:
    """The negative ELBO per image: Bernoulli reconstruction (pixel values as
    probabilities) plus the KL divergence of the posterior from N(0, I)."""
    rec = F.binary_cross_entropy(recon, x, reduction="none").flatten(1).sum(1)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)
    return (rec + kl).mean()


class GeneratorPrior:
    """The decoder of a :class:`VAE` as the picture-maker of LDAM's chains.

    Pass it to :class:`~nbviz.ldam.Sampler` as ``generator=``: the chains then run on the
    code ``z`` (standard normal prior), and :meth:`~nbviz.ldam.Sampler.samples` gives the
    decoded pictures. Make one with :meth:`fit`.

    Args:
        vae: a trained :class:`VAE`.
        data_range: ``(low, high)`` of the real images; the VAE works in ``[0, 1]`` and
            the pictures are mapped back to this range.
    """

    def __init__(self, vae: VAE, data_range=(0.0, 1.0)):
        self.vae = vae.eval()
        for p in self.vae.parameters():
            p.requires_grad_(False)
        self.data_range = (float(data_range[0]), float(data_range[1]))

    @property
    def module(self) -> nn.Module:
        """The VAE (moved with the sampler's device)."""
        return self.vae

    @property
    def latent_dim(self) -> int:
        """The length of a code."""
        return self.vae.latent_dim

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """The shape of one picture."""
        return self.vae.image_shape

    def to(self, device) -> GeneratorPrior:
        """Move the VAE to ``device``; returns self."""
        self.vae.to(device)
        return self

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """The pictures of codes ``z`` ``(N, latent_dim)``, in ``data_range``
        (differentiable in ``z``)."""
        lo, hi = self.data_range
        return lo + (hi - lo) * self.vae.decoder(z)

    def encode(self, data: torch.Tensor) -> torch.Tensor:
        """The codes (posterior means) of real images ``data``."""
        lo, hi = self.data_range
        with torch.no_grad():
            return self.vae.encode((data - lo) / (hi - lo))[0]

    @staticmethod
    def log_prior(z: torch.Tensor) -> torch.Tensor:
        """``-|z|²/2`` per code: the standard normal prior of the codes (up to a constant)."""
        return -0.5 * z.pow(2).flatten(1).sum(1)

    @classmethod
    def fit(
        cls,
        data,
        *,
        latent_dim: int = 16,
        width: int = 32,
        epochs: int = 10,
        batch_size: int = 128,
        lr: float = 2e-3,
        data_range=(0.0, 1.0),
        seed: int = 0,
        cache: bool = True,
        progress: bool = True,
    ) -> GeneratorPrior:
        """Train a :class:`VAE` on ``data`` (an ``ImageDataset``, ``(X, y)`` or a tensor of
        images) and wrap its decoder; the one-call recipe. Fashion-MNIST's 60,000 training
        images take a few minutes on two CPU cores. With ``cache``, the weights are stored
        under ``cache_dir()/priors/`` keyed by the data and every setting, and a later call
        with the same ones loads them instead of training.
        """
        x = as_tensors(data, "data", labels="ignore", dtype=torch.float32)[0].cpu()
        if x.ndim != 4:
            raise ValueError(f"data: expected images (N, C, H, W), got shape {tuple(x.shape)}")
        lo, hi = float(data_range[0]), float(data_range[1])
        x01 = ((x - lo) / (hi - lo)).clamp(0, 1)
        settings = {"latent_dim": check_positive_int(latent_dim, "latent_dim"),
                    "width": check_positive_int(width, "width"),
                    "epochs": check_positive_int(epochs, "epochs"),
                    "batch_size": check_positive_int(batch_size, "batch_size"),
                    "lr": float(lr), "seed": check_seed(seed)}  # fmt: skip
        with torch.random.fork_rng():
            torch.manual_seed(settings["seed"])
            vae = VAE(tuple(x.shape[1:]), latent_dim, width)
        path = prior_cache_path("generator-vae", _FORMAT, x01, settings) if cache else None
        if path is not None and path.exists():
            from ..models.checkpoints import load_weights

            load_weights(path, vae)
            return cls(vae, (lo, hi))
        _train(vae, x01, settings, progress)
        if path is not None:
            from ..models.checkpoints import save_weights

            save_weights(vae, path)
        return cls(vae, (lo, hi))

    def __repr__(self) -> str:
        return f"GeneratorPrior(VAE {self.image_shape}, latent_dim={self.latent_dim})"


def _train(vae: VAE, x: torch.Tensor, settings: dict, progress: bool) -> None:
    gen = torch.Generator().manual_seed(settings["seed"])
    with torch.random.fork_rng():  # the code draws are seeded, the caller's stream untouched
        torch.manual_seed(settings["seed"])
        opt = torch.optim.Adam(vae.parameters(), settings["lr"])
        bs, epochs = settings["batch_size"], settings["epochs"]
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * math.ceil(len(x) / bs))
        vae.train()
        bar = tqdm(total=epochs * len(x), desc="generator prior (VAE)", unit="img",
                   disable=not progress)  # fmt: skip
        for _ in range(epochs):
            order = torch.randperm(len(x), generator=gen)
            for s in range(0, len(x), bs):
                xb = x[order[s : s + bs]]
                recon, mu, logvar = vae(xb)
                loss = vae_loss(recon, xb, mu, logvar)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                bar.update(len(xb))
                bar.set_postfix(loss=f"{float(loss.detach()):.1f}", refresh=False)
        bar.close()
    vae.eval()
