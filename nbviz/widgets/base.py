"""The base classes of every nbviz widget.

:class:`NbvizWidget` loads the view's bundle (``nbviz/static/<bundle>.js`` and its CSS),
refuses unknown constructor keywords with the closest valid ones, batches trait changes,
and draws a static figure. :class:`JobWidget` adds the one job contract of every widget
with background work: ``start()``, ``stop()``, ``wait()``, ``run(progress=True)``,
``running`` and ``result``, with the job's status synced to the view's status strip.

>>> import numpy as np
>>> from nbviz import ImageGrid
>>> ImageGrid(np.zeros((2, 8, 8)), hieght=300)
Traceback (most recent call last):
  ...
TypeError: ImageGrid: unexpected keyword 'hieght'; did you mean 'height'?
"""

from __future__ import annotations

import contextlib
import difflib
import inspect
import pathlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import anywidget
import traitlets

from .messages import MESSAGES
from .worker import Job, JobContext

__all__ = ["STATIC_DIR", "JobWidget", "NbvizWidget"]

STATIC_DIR = pathlib.Path(__file__).resolve().parent.parent / "static"

_NOT_BUILT_ESM = """
export default { render({ el }) {
  const p = document.createElement("pre");
  p.style.color = "#b00020";
  p.textContent = %r;
  el.appendChild(p);
} };
"""


def _esm_for(bundle: str):
    path = STATIC_DIR / f"{bundle}.js"
    if path.exists():
        return path
    msg = (
        f"nbviz: the view bundle {path.name} is not built. In a source checkout run "
        "`npm --prefix js install && npm --prefix js run build` (or `pip install -e .`)."
    )
    return _NOT_BUILT_ESM % msg


def _keyword_names(cls) -> tuple[set[str], bool]:
    """The keywords ``cls(...)`` names in its signature, and whether it forwards others."""
    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    named = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return named, any(p.kind == p.VAR_KEYWORD for p in params)


def _settable_traits(cls) -> set[str]:
    """Public traits of nbviz's own classes that a constructor may set (plus ``layout``)."""
    names = {"layout"}
    for klass in cls.__mro__:
        if not (isinstance(klass, type) and issubclass(klass, NbvizWidget)):
            continue
        names.update(
            name
            for name, trait in vars(klass).items()
            if isinstance(trait, traitlets.TraitType)
            and not name.startswith("_")
            and not trait.read_only
            and name not in klass._not_settable
        )
    return names


def check_keywords(cls, kwargs: dict[str, Any]) -> None:
    """Raise ``TypeError`` for a keyword ``cls(...)`` does not take, naming the closest.

    A constructor with ``**kwargs`` takes its named arguments and what the class forwards
    (``cls._forwarded_keywords()``: by default its public, settable traits, ``height``,
    ``selection`` ...); one without takes only its own.
    """
    named, forwards = _keyword_names(cls)
    valid = named | cls._forwarded_keywords() if forwards else named
    for key in kwargs:
        if key in valid:
            continue
        close = difflib.get_close_matches(key, sorted(valid), n=3, cutoff=0.6)
        if close:
            hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
        else:
            hint = "valid keywords: " + ", ".join(sorted(valid))
        raise TypeError(f"{cls.__name__}: unexpected keyword {key!r}; {hint}")


class NbvizWidget(anywidget.AnyWidget):
    """Base class: loads ``nbviz/static/<_bundle>.js`` (and ``.css``), checks keywords.

    Subclasses set ``_bundle`` (the JS entry's name) and implement :meth:`figure`.
    A keyword the constructor does not take is a ``TypeError`` naming the closest valid
    ones, before anything is built.
    """

    _bundle: ClassVar[str] = ""
    #: Public traits the constructor does not set (state that the widget itself keeps).
    _not_settable: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs):
        # Only a class that names its own bundle gets `_esm`: ipywidgets' add_traits
        # subclasses the widget's class at runtime, and overwriting `_esm` there would
        # replace the trait anywidget just added. Set before super() so anywidget turns
        # the paths into FileContents (the file's text, reloaded under HMR).
        if cls.__dict__.get("_bundle") and "_esm" not in cls.__dict__:
            cls._esm = _esm_for(cls._bundle)
            css = STATIC_DIR / f"{cls._bundle}.css"
            if css.exists():
                cls._css = css
        super().__init_subclass__(**kwargs)

    def __new__(cls, *args, **kwargs):
        check_keywords(cls, kwargs)
        return super().__new__(cls, *args, **kwargs)

    @classmethod
    def _forwarded_keywords(cls) -> set[str]:
        """The keywords the constructor's ``**kwargs`` takes: its settable traits."""
        return _settable_traits(cls)

    def __init__(self, **kwargs):
        self._sync_lock = threading.RLock()
        super().__init__(**kwargs)

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Set several traits as one change: observers run once all are set, and the
        view gets them in one message (so it never draws a half-updated state, and a
        stream of updates costs the browser one frame each, not one per trait).

        Safe from a job's thread: batches of one widget run one at a time.

        >>> import numpy as np
        >>> from nbviz import ImageGrid
        >>> grid = ImageGrid(np.zeros((2, 8, 8), np.uint8))
        >>> with grid.batched():
        ...     grid.height, grid.columns = 300, 2
        >>> grid.columns
        2
        """
        with self._sync_lock, self.hold_sync(), self.hold_trait_notifications():
            yield

    # --- static output -------------------------------------------------------------
    def figure(self, **kwargs):
        """The view's current state as a matplotlib figure."""
        raise NotImplementedError(f"{type(self).__name__} has no static figure")

    def save(self, path, dpi: int = 150, **kwargs) -> pathlib.Path:
        """Write :meth:`figure` to ``path`` (the suffix picks PNG, SVG or PDF)."""
        import matplotlib.pyplot as plt

        path = pathlib.Path(path)
        if path.suffix.lower() not in {".png", ".svg", ".pdf"}:
            raise ValueError(f"path: expected a .png, .svg or .pdf file name, got {path.name!r}")
        fig = self.figure(**kwargs)
        try:
            fig.savefig(path, dpi=dpi, bbox_inches="tight")
        finally:
            plt.close(fig)
        return path


class JobWidget(NbvizWidget):
    """A widget with background work: one job at a time, with one contract.

    * :meth:`start` runs the job in a background thread and returns ``None`` (a cell
      ending in it shows nothing more; the widget's view updates as the job goes);
    * :meth:`run` runs it here, blocking, with a tqdm bar (``progress=False`` for none),
      and returns its result;
    * :meth:`stop` asks it to end after its current step; :meth:`wait` blocks until it
      ends and returns its result or re-raises its error;
    * ``running`` (a synced trait) is True while it runs; ``result`` is what the last
      job that finished returned (``None`` before).

    The view's status strip follows ``job_state``, ``job_progress``, ``job_message`` and
    ``job_error``; its Stop button stops the job, its Run button (where the view has one)
    starts it. An error in the job shows in the view, is re-raised by :meth:`wait` and
    :meth:`run`, and leaves the widget usable.

    Subclasses implement ``_new_job(*args, **options) -> Job`` (through
    :meth:`_make_job`); ``start`` and ``run`` pass their arguments to it.
    """

    _not_settable: ClassVar[frozenset[str]] = frozenset(
        {"job_state", "job_progress", "job_message", "job_error"}
    )

    job_state = traitlets.Unicode("idle", help="idle, running, done, stopped or error").tag(
        sync=True
    )
    job_progress = traitlets.Float(-1.0, help="fraction done in [0, 1]; -1 when unknown").tag(
        sync=True
    )
    job_message = traitlets.Unicode("", help="what the job is doing now").tag(sync=True)
    job_error = traitlets.Unicode("", help="the last job's error, '' when none").tag(sync=True)
    running = traitlets.Bool(False, read_only=True, help="True while a job runs").tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._job: Job | None = None
        self._result: Any = None
        self.on_msg(self._handle_job_msg)

    # --- the contract ----------------------------------------------------------------
    def start(self, *args, **options) -> None:
        """Run the widget's job in the background; the view updates as it goes.

        Arguments are the job's (see the class). Raises ``RuntimeError`` while a job
        runs (``stop()`` it first).
        """
        self._new_job(*args, **options).start()

    def run(self, *args, progress: bool = True, **options) -> Any:
        """Run the widget's job here, blocking (a tqdm bar unless ``progress=False``), and
        return its result. The kernel's interrupt button stops it cleanly."""
        if not isinstance(progress, bool):
            raise TypeError(f"progress: expected True or False, got {progress!r}")
        job = self._new_job(*args, **options)
        job.progress_bar = progress
        return job.run()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the running job, if any, waiting up to ``timeout`` seconds for it to end."""
        self._on_stop()
        if self._job is not None:
            self._job.stop(timeout)

    def wait(self, timeout: float | None = None) -> Any:
        """Wait for the current job to end; return its result or re-raise its error."""
        if self._job is None:
            raise RuntimeError("no job has been started on this widget")
        return self._job.wait(timeout)

    @property
    def result(self) -> Any:
        """What the last job that finished (or was stopped) returned; ``None`` before."""
        return self._result

    # --- for subclasses ----------------------------------------------------------------
    def _new_job(self, *args, **options) -> Job:
        raise NotImplementedError(f"{type(self).__name__} has no background job")

    def _on_stop(self) -> None:
        """Called by :meth:`stop` before it waits: end work that does not poll the job."""

    def _make_job(
        self,
        fn: Callable[[JobContext], Any],
        name: str,
        on_publish: Callable[[Any], None] | None = None,
        max_rate: float = 30.0,
    ) -> Job:
        if self._job is not None and self._job.running:
            raise RuntimeError(f"{name}: a job ({self._job.name}) is already running; stop() it")
        self._job = Job(
            fn,
            name=name,
            on_progress=self._on_job_progress,
            on_publish=on_publish,
            on_state=self._on_job_state,
            max_rate=max_rate,
        )
        return self._job

    def _on_job_progress(self, fraction, message):
        with self.batched():
            self.job_progress = -1.0 if fraction is None else float(fraction)
            self.job_message = message

    def _on_job_state(self, state: str):
        job = self._job
        if state in ("done", "stopped") and job is not None:
            self._result = job.result
        with self.batched():
            if state == "running":
                self.job_error = ""
            if state == "error" and job is not None and job.error is not None:
                self.job_error = f"{type(job.error).__name__}: {job.error}"
            self.set_trait("running", state == "running")
            self.job_state = state

    def _handle_job_msg(self, widget, content, buffers):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == MESSAGES["stop"]:
            self.stop(timeout=0)
        elif kind == MESSAGES["run"] and not self.running:
            self.start()
