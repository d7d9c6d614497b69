"""The base class of every nbviz widget: its JS bundle, job status and static output."""

from __future__ import annotations

import contextlib
import pathlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import anywidget
import traitlets

from .worker import Job, JobContext

__all__ = ["STATIC_DIR", "NbvizWidget"]

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


class NbvizWidget(anywidget.AnyWidget):
    """Base class: loads ``nbviz/static/<_bundle>.js`` and runs background jobs.

    Subclasses set ``_bundle`` (the JS entry's name) and implement :meth:`figure`.
    Job status (``job_state``, ``job_progress``, ``job_message``, ``job_error``) is synced
    to the view, which shows a progress bar, a stop button and any error.
    """

    _bundle: ClassVar[str] = ""

    job_state = traitlets.Unicode("idle", help="idle, running, done, stopped or error").tag(
        sync=True
    )
    job_progress = traitlets.Float(-1.0, help="fraction done in [0, 1]; -1 when unknown").tag(
        sync=True
    )
    job_message = traitlets.Unicode("").tag(sync=True)
    job_error = traitlets.Unicode("").tag(sync=True)

    def __init_subclass__(cls, **kwargs):
        # Only a class that names its own bundle gets `_esm`: ipywidgets' add_traits
        # subclasses the widget's class at runtime, and overwriting `_esm` there would
        # replace the trait anywidget just added. Set before super() so anywidget turns
        # the path into FileContents (the file's text, reloaded under HMR).
        if cls.__dict__.get("_bundle") and "_esm" not in cls.__dict__:
            cls._esm = _esm_for(cls._bundle)
        super().__init_subclass__(**kwargs)

    def __init__(self, **kwargs):
        self._sync_lock = threading.RLock()
        super().__init__(**kwargs)
        self._job: Job | None = None
        self.on_msg(self._handle_base_msg)

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
        ...     grid.job_message, grid.job_progress = "half way", 0.5
        >>> grid.job_progress
        0.5
        """
        with self._sync_lock, self.hold_sync(), self.hold_trait_notifications():
            yield

    # --- jobs ----------------------------------------------------------------------
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
        with self.batched():
            if state == "running":
                self.job_error = ""
            if state == "error" and self._job is not None and self._job.error is not None:
                err = self._job.error
                self.job_error = f"{type(err).__name__}: {err}"
            self.job_state = state

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop the running job, if any, waiting up to ``timeout`` seconds."""
        if self._job is not None:
            self._job.stop(timeout)

    def wait(self, timeout: float | None = None):
        """Wait for the current job to end; return its result or re-raise its error."""
        if self._job is None:
            raise RuntimeError("no job has been started on this widget")
        return self._job.wait(timeout)

    def _handle_base_msg(self, widget, content, buffers):
        if isinstance(content, dict) and content.get("type") == "stop":
            self.stop(timeout=0)

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
