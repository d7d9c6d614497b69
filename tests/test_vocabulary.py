"""The one vocabulary of CONTRIBUTING.md, checked on every public signature.

Walks the public names of nbviz (the top level and each package's ``__all__``), their
constructors, methods and builders, and fails on a name the vocabulary retired or a
shared argument (``device``, ``seed``, ``progress``) that means something else.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re

import pytest
import traitlets
from torch import nn

import nbviz

PACKAGES = ["data", "models", "tour", "embed", "ldam", "lottery", "widgets"]

#: Retired names and what the vocabulary says instead.
RETIRED = {
    "x": "data",
    "y": "labels",
    "X": "data",
    "points": "data",
    "images": "data",
    "acts": "data",
    "max_dims": "dims",
    "n_components": "dims",
    "lam": "tradeoff",
    "lams": "tradeoffs",
    "frame_labels": "frame_names",
}


def _public_callables():
    """(qualified name, function) for every public function, constructor and method."""
    seen = set()
    modules = [nbviz] + [importlib.import_module(f"nbviz.{p}") for p in PACKAGES]
    for mod in modules:
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not callable(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            where = f"{mod.__name__}.{name}"
            if not inspect.isclass(obj):
                yield where, obj
                continue
            if not dataclasses.is_dataclass(obj):  # a dataclass's fields are its results
                yield f"{where}.__init__", obj.__init__
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                if issubclass(obj, nn.Module) and attr == "forward":
                    continue  # torch's calling convention, not ours
                fn = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
                if inspect.isfunction(fn):
                    yield f"{where}.{attr}", fn


CALLABLES = sorted(_public_callables(), key=lambda item: item[0])


def _params(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return {}


def test_the_walk_sees_the_whole_api():
    names = {name for name, _ in CALLABLES}
    assert len(names) > 150
    for expected in (
        "nbviz.GrandTour.from_layers",
        "nbviz.embed.tsne",
        "nbviz.ldam.Sampler.__init__",
        "nbviz.lottery.imp",
        "nbviz.tour.fgsm",
        "nbviz.ImageGrid.__init__",
    ):
        assert expected in names


def test_no_retired_names_in_public_signatures():
    found = []
    for where, fn in CALLABLES:
        for name in _params(fn):
            if name in RETIRED:
                found.append(f"{where}({name}=...): use {RETIRED[name]!r}")
    assert not found, "\n".join(found)


def test_shared_arguments_mean_the_same_everywhere():
    wrong = []
    for where, fn in CALLABLES:
        params = _params(fn)
        device = params.get("device")
        if device is not None and device.default not in ("auto", inspect.Parameter.empty):
            wrong.append(f"{where}: device defaults to {device.default!r}, not 'auto'")
        seed = params.get("seed")
        if (
            seed is not None
            and seed.default is not inspect.Parameter.empty
            and (not isinstance(seed.default, int) or isinstance(seed.default, bool))
        ):
            wrong.append(f"{where}: seed defaults to {seed.default!r}, not an int")
        progress = params.get("progress")
        if progress is not None and not isinstance(progress.default, bool):
            wrong.append(f"{where}: progress defaults to {progress.default!r}, not a bool")
        dims = params.get("dims")
        if dims is not None and not isinstance(dims.default, int | None | type):
            wrong.append(f"{where}: dims defaults to {dims.default!r}, not an int")
    assert not wrong, "\n".join(wrong)


WIDGETS = [
    "EmbeddingView", "GrandTour", "ImageGrid", "IntrinsicDimensionView", "LDAMViewer",
    "MaskExplorer", "SimilarityView", "TrainingDashboard",
]  # fmt: skip


@pytest.mark.parametrize("name", WIDGETS)
def test_every_synced_trait_has_help_and_no_retired_name(name):
    cls = getattr(nbviz, name)
    for trait_name, trait in cls.class_traits(sync=True).items():
        if trait_name.startswith("_") and trait_name not in ("_projection_set",):
            continue  # anywidget's and ipywidgets' own
        owner = trait.this_class
        if owner is not None and not issubclass(owner, nbviz.widgets.NbvizWidget):
            continue
        # Traits hold what the view draws: `points` (the tour's normalized [T, n, d]) and
        # `images` (uint8 stacks) are the wire forms, not the argument `data`.
        retired = RETIRED.keys() - {"points", "images"}
        assert trait_name not in retired, f"{name}.{trait_name}: use {RETIRED[trait_name]!r}"
        assert trait.help, f"{name}.{trait_name} has no help="


@pytest.mark.parametrize("name", WIDGETS)
def test_builders_return_self_and_belong_to_their_class(name):
    cls = getattr(nbviz, name)
    for attr in dir(cls):
        if not attr.startswith("from_"):
            continue
        fn = getattr(cls, attr)
        assert inspect.signature(fn).return_annotation in ("Self", "typing.Self"), (name, attr)
        owner = next(k for k in cls.__mro__ if attr in vars(k))
        assert owner is cls or name != "EmbeddingView", (name, attr, owner)
    if name == "EmbeddingView":
        assert not any(a in dir(cls) for a in ("from_training", "from_layers", "from_adversarial"))


def test_numeric_ranges_live_on_the_traits():
    """Widget modules declare ranges with min/max, not hand validators of a plain range."""
    import pathlib

    root = pathlib.Path(nbviz.__file__).parent / "widgets"
    plain = re.compile(r"if not [\d.]+ <= \w+ <= [\d.]+:|if \w+ < \d+:\n\s+raise traitlets")
    hits = [p.name for p in root.glob("*.py") if plain.search(p.read_text(encoding="utf-8"))]
    assert not hits, hits
    assert isinstance(nbviz.GrandTour.class_traits()["zoom"], traitlets.Float)
    assert nbviz.GrandTour.class_traits()["zoom"].min == 0.1
    assert nbviz.ImageGrid.class_traits()["cell_size"].max == 512
