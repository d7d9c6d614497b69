"""Where a prior's recipe caches what it trained: ``cache_dir()/priors/<name>-<key>.pt``,
the key a hash of the data and every setting, as the zoo keys its checkpoints."""

from __future__ import annotations

import hashlib
import json

import torch


def prior_cache_path(name: str, fmt: int, data: torch.Tensor, settings: dict):
    """The cache file of prior ``name`` (format ``fmt``) trained on ``data`` with
    ``settings`` (JSON-serialisable)."""
    from ..data import cache_dir

    # The data's fingerprint: its shape and a hash of every image's bytes.
    digest = hashlib.sha256()
    digest.update(str(tuple(data.shape)).encode())
    digest.update(data.contiguous().numpy().tobytes())
    spec = json.dumps({"format": fmt, "data": digest.hexdigest(), **settings}, sort_keys=True)
    key = hashlib.sha256(spec.encode()).hexdigest()[:16]
    return cache_dir() / "priors" / f"{name}-{key}.pt"
