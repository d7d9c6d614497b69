"""Background jobs: long work that keeps the kernel free.

A job is a plain function ``fn(ctx)`` that does its work in steps, and between steps
calls ``ctx.progress(...)`` to report how far it is, ``ctx.publish(payload)`` to hand a
result to the view, and checks ``ctx.stopped`` (or calls ``ctx.check()``) to honour
``stop()``. The same function runs two ways:

* ``Job(fn).start()`` runs it on a daemon thread; the kernel stays free, so sliders
  and buttons keep working while it runs; ``wait()`` blocks until it ends and re-raises
  any error it raised.
* ``Job(fn).run()`` runs it in the calling thread, with a tqdm progress bar.

Updates to the view are throttled: ``publish`` and ``progress`` reach their callbacks at
most ``max_rate`` times a second (the newest payload wins; the last one is always
delivered), so a fast loop cannot flood the browser.

>>> import time
>>> def count(ctx):
...     for i in range(5):
...         ctx.check()
...         ctx.progress(i + 1, 5)
...     return "done"
>>> Job(count, name="count", progress_bar=False).run()
'done'
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from tqdm.auto import tqdm

__all__ = ["Job", "JobCancelled", "JobContext", "JobError"]

_UNSET = object()


class JobCancelled(Exception):
    """Raised inside a job by :meth:`JobContext.check` once ``stop()`` was asked."""


class JobError(RuntimeError):
    """Raised by :meth:`Job.wait` when the job failed; the cause is chained."""


class JobContext:
    """What a job function receives: progress, publishing, and the stop flag."""

    def __init__(self, job: Job):
        self._job = job

    @property
    def stopped(self) -> bool:
        """True once ``stop()`` was called; the job should return soon."""
        return self._job._stop_event.is_set()

    def check(self) -> None:
        """Raise :class:`JobCancelled` if ``stop()`` was called (ends the job cleanly)."""
        if self.stopped:
            raise JobCancelled

    def progress(self, done: float, total: float | None = None, message: str | None = None):
        """Report ``done`` units of ``total`` (``total=None`` keeps the last total)."""
        self._job._report_progress(done, total, message)

    def publish(self, payload: Any) -> None:
        """Hand ``payload`` to the job's ``on_publish`` callback (throttled)."""
        self._job._publish(payload)


class _Throttle:
    """Delivers the newest value at most ``rate`` times a second; ``flush`` sends the rest.

    A value pushed too soon waits, and a timer delivers the newest waiting one as soon as
    the interval has passed: a source pushing slightly faster than ``rate`` is delivered
    at ``rate``, not at every second push.
    """

    def __init__(self, callback: Callable[[Any], None] | None, rate: float):
        self._callback = callback
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._last = -float("inf")
        self._pending = _UNSET
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        # Held while the callback runs: flush() waits for a timer's call in flight, so
        # that after a job ends no late callback still changes the widget.
        self._calling = threading.RLock()

    def push(self, value) -> None:
        if self._callback is None:
            return
        now = time.monotonic()
        with self._lock:
            wait = self._interval - (now - self._last)
            if wait > 0:
                self._pending = value
                if self._timer is None:
                    self._timer = threading.Timer(wait, self._fire)
                    self._timer.daemon = True
                    self._timer.start()
                return
            self._last, self._pending = now, _UNSET
        self._callback(value)

    def _fire(self) -> None:
        with self._calling:
            with self._lock:
                self._timer = None
                value, self._pending = self._pending, _UNSET
                if value is _UNSET:
                    return
                self._last = time.monotonic()
            self._callback(value)

    def flush(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        with self._calling:  # a timer's call already under way ends first
            with self._lock:
                value, self._pending = self._pending, _UNSET
                self._last = time.monotonic()
            if value is not _UNSET and self._callback is not None:
                self._callback(value)


class Job:
    """A unit of long work that runs in the background or in the foreground.

    Args:
        fn: ``fn(ctx: JobContext) -> result``.
        name: shown in progress bars and errors.
        on_progress: called with ``(fraction or None, message)``; throttled.
        on_publish: called with each published payload; throttled.
        on_state: called with the new state on every change (not throttled).
        max_rate: the most callback calls per second for progress and publish.
        progress_bar: for :meth:`run`, show a tqdm bar (default True).

    States: ``"idle"`` → ``"running"`` → ``"done"`` | ``"stopped"`` | ``"error"``.
    """

    def __init__(
        self,
        fn: Callable[[JobContext], Any],
        *,
        name: str = "job",
        on_progress: Callable[[float | None, str], None] | None = None,
        on_publish: Callable[[Any], None] | None = None,
        on_state: Callable[[str], None] | None = None,
        max_rate: float = 30.0,
        progress_bar: bool = True,
    ):
        if not callable(fn):
            raise TypeError(f"fn: expected a callable taking a JobContext, got {type(fn).__name__}")
        if max_rate <= 0:
            raise ValueError(f"max_rate: expected a positive number, got {max_rate}")
        self.fn = fn
        self.name = name
        self.on_state = on_state
        self.progress_bar = progress_bar
        self.state = "idle"
        self.result: Any = None
        self.error: BaseException | None = None
        self.fraction: float | None = None
        self.message = ""
        self._total: float | None = None
        self._bar: tqdm | None = None
        self._thread: threading.Thread | None = None
        self._stop_event = threading.Event()
        self._done_event = threading.Event()
        self._progress = _Throttle((lambda v: on_progress(*v)) if on_progress else None, max_rate)
        self._publisher = _Throttle(on_publish, max_rate)

    # --- running -------------------------------------------------------------------
    def start(self) -> Job:
        """Run the job on a background thread and return at once."""
        if self.running:
            raise RuntimeError(f"{self.name}: already running; call stop() first")
        self._reset()
        self._thread = threading.Thread(target=self._main, name=f"nbviz-{self.name}", daemon=True)
        self._thread.start()
        return self

    def run(self) -> Any:
        """Run the job in the calling thread (with a tqdm bar) and return its result.

        ``KeyboardInterrupt`` (the kernel's interrupt button) stops it cleanly.
        """
        if self.running:
            raise RuntimeError(f"{self.name}: already running in the background")
        self._reset()
        if self.progress_bar:
            self._bar = tqdm(desc=self.name, total=None, leave=True)
        try:
            self._main()
        finally:
            if self._bar is not None:
                self._bar.close()
                self._bar = None
        return self._raise_or_result()

    def stop(self, timeout: float | None = 10.0) -> None:
        """Ask the job to stop and wait up to ``timeout`` seconds for it to end."""
        self._stop_event.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the job ends; return its result or re-raise its error.

        Raises ``TimeoutError`` if it is still running after ``timeout`` seconds.
        """
        if self.state == "idle":
            raise RuntimeError(f"{self.name}: not started")
        if not self._done_event.wait(timeout):
            raise TimeoutError(f"{self.name}: still running after {timeout} s")
        return self._raise_or_result()

    @property
    def running(self) -> bool:
        """True while the job is running."""
        return self.state == "running"

    # --- internals -----------------------------------------------------------------
    def _reset(self):
        self._stop_event.clear()
        self._done_event.clear()
        self.result, self.error, self.fraction, self.message, self._total = (
            None,
            None,
            None,
            "",
            None,
        )

    def _set_state(self, state: str) -> None:
        self.state = state
        if self.on_state is not None:
            self.on_state(state)

    def _main(self) -> None:
        self._set_state("running")
        ctx = JobContext(self)
        final = "done"
        try:
            self.result = self.fn(ctx)
            if self._stop_event.is_set():
                final = "stopped"
        except (JobCancelled, KeyboardInterrupt):
            final = "stopped"
        except BaseException as err:  # shown in the view, re-raised by wait()/run()
            self.error = err
            final = "error"
        finally:
            self._publisher.flush()
            self._progress.flush()
            # The final state is set before waiters wake, so that after wait() returns
            # `state` (and a widget's job_state) already says how the job ended.
            try:
                self._set_state(final)
            finally:
                self._done_event.set()

    def _raise_or_result(self):
        if self.error is not None:
            raise JobError(f"{self.name} failed: {type(self.error).__name__}: {self.error}") from (
                self.error
            )
        return self.result

    def _report_progress(self, done, total, message):
        if total is not None:
            self._total = float(total)
        if message is not None:
            self.message = str(message)
        self.fraction = min(max(float(done) / self._total, 0.0), 1.0) if self._total else None
        if self._bar is not None:
            if self._total is not None and self._bar.total != self._total:
                self._bar.total = self._total
            if message is not None:
                self._bar.set_postfix_str(self.message, refresh=False)
            self._bar.update(done - self._bar.n)  # redraws at most every mininterval
        self._progress.push((self.fraction, self.message))

    def _publish(self, payload):
        self._publisher.push(payload)

    def __repr__(self):
        return f"Job({self.name!r}, state={self.state!r})"
