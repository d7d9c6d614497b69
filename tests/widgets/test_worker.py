"""Background jobs: start/stop/wait, errors, states and throttled updates.

No assertion depends on how fast the machine is: threads are synchronised with events,
and the throttle is tested against a fake clock.
"""

import threading
import types

import pytest

from nbviz.widgets import worker
from nbviz.widgets.worker import Job, JobCancelled, JobError

TIMEOUT = 30  # generous: only reached if something hangs


def test_start_then_wait_returns_the_result_on_another_thread():
    where = {}

    def fn(ctx):
        where["thread"] = threading.current_thread()
        return 42

    job = Job(fn, name="answer").start()
    assert job.wait(TIMEOUT) == 42
    assert job.state == "done"
    assert where["thread"] is not threading.current_thread()


def test_states_are_reported_in_order():
    states = []
    job = Job(lambda ctx: None, on_state=states.append)
    assert job.state == "idle"
    job.start().wait(TIMEOUT)
    assert states == ["running", "done"]


def test_error_is_reraised_on_wait_as_job_error_with_cause():
    states = []

    def fn(ctx):
        raise ValueError("bad step")

    job = Job(fn, name="broken", on_state=states.append).start()
    with pytest.raises(JobError, match=r"broken failed: ValueError: bad step") as info:
        job.wait(TIMEOUT)
    assert isinstance(info.value.__cause__, ValueError)
    assert isinstance(job.error, ValueError)
    assert job.state == "error"
    assert states == ["running", "error"]


def test_stop_mid_run_ends_in_stopped():
    started = threading.Event()
    steps = []

    def fn(ctx):
        started.set()
        while True:
            ctx.check()
            steps.append(1)
            threading.Event().wait(0.001)

    job = Job(fn, name="loop").start()
    assert started.wait(TIMEOUT)
    job.stop(timeout=TIMEOUT)
    assert job.state == "stopped"
    assert job.wait(TIMEOUT) is None
    assert not job.running


def test_a_job_that_returns_after_stop_is_stopped_and_keeps_its_result():
    started, release = threading.Event(), threading.Event()

    def fn(ctx):
        started.set()
        release.wait(TIMEOUT)
        return "partial" if ctx.stopped else "full"

    job = Job(fn).start()
    assert started.wait(TIMEOUT)
    job.stop(timeout=0)
    release.set()
    assert job.wait(TIMEOUT) == "partial"
    assert job.state == "stopped"


def test_run_is_synchronous_and_returns_the_result():
    where = {}

    def fn(ctx):
        where["thread"] = threading.current_thread()
        for i in range(3):
            ctx.progress(i + 1, 3)
        return "ok"

    states = []
    job = Job(fn, name="sync", on_state=states.append, progress_bar=False)
    assert job.run() == "ok"
    assert where["thread"] is threading.current_thread()
    assert states == ["running", "done"]


def test_run_with_a_progress_bar(capsys):
    def fn(ctx):
        for i in range(4):
            ctx.progress(i + 1, 4, message=f"step {i}")
        return 1

    assert Job(fn, name="bar").run() == 1


def test_run_reraises_errors_and_keyboard_interrupt_stops():
    def fail(ctx):
        raise KeyError("k")

    with pytest.raises(JobError) as info:
        Job(fail, progress_bar=False).run()
    assert isinstance(info.value.__cause__, KeyError)

    def interrupted(ctx):
        raise KeyboardInterrupt

    job = Job(interrupted, progress_bar=False)
    assert job.run() is None
    assert job.state == "stopped"


def test_check_raises_job_cancelled_only_after_stop():
    job = Job(lambda ctx: None)
    ctx = worker.JobContext(job)
    ctx.check()
    job._stop_event.set()
    with pytest.raises(JobCancelled):
        ctx.check()


def test_progress_reaches_the_callback_as_fraction_and_message():
    seen = []

    def fn(ctx):
        ctx.progress(5, 10, "half")
        ctx.progress(10, message="all")

    Job(fn, on_progress=lambda f, m: seen.append((f, m)), progress_bar=False).run()
    assert seen[-1] == (1.0, "all")
    assert all(0.0 <= f <= 1.0 for f, _ in seen)


def test_unknown_total_reports_none():
    seen = []
    Job(
        lambda ctx: ctx.progress(3), on_progress=lambda f, m: seen.append(f), progress_bar=False
    ).run()
    assert seen == [None]


def test_throttle_with_fake_clock_delivers_few_calls_and_always_the_last(monkeypatch):
    clock = {"t": 1000.0}

    def monotonic():
        clock["t"] += 0.001  # every call advances 1 ms: 1000 publishes span ~1-2 s
        return clock["t"]

    monkeypatch.setattr(worker, "time", types.SimpleNamespace(monotonic=monotonic))
    got = []

    def fn(ctx):
        for i in range(1000):
            ctx.publish(i)

    Job(fn, on_publish=got.append, max_rate=10, progress_bar=False).run()
    assert got[-1] == 999
    assert got[0] == 0
    assert 2 <= len(got) <= 30  # ~10 per fake second instead of 1000
    assert got == sorted(got)


def test_throttle_with_real_clock_delivers_far_fewer_calls_and_the_last():
    got = []

    def fn(ctx):
        for i in range(1000):
            ctx.publish(i)

    Job(fn, on_publish=got.append, max_rate=10).start().wait(TIMEOUT)
    assert got[-1] == 999
    assert len(got) < 1000


def test_start_twice_and_wait_before_start_are_errors():
    release = threading.Event()
    job = Job(lambda ctx: release.wait(TIMEOUT), name="blocker")
    with pytest.raises(RuntimeError, match=r"not started"):
        job.wait()
    job.start()
    try:
        with pytest.raises(RuntimeError, match=r"already running"):
            job.start()
        with pytest.raises(RuntimeError, match=r"already running"):
            job.run()
        with pytest.raises(TimeoutError, match=r"still running"):
            job.wait(timeout=0)
    finally:
        release.set()
        job.wait(TIMEOUT)


def test_a_finished_job_can_be_started_again():
    calls = []
    job = Job(lambda ctx: calls.append(1) or len(calls))
    assert job.start().wait(TIMEOUT) == 1
    assert job.start().wait(TIMEOUT) == 2


def test_bad_arguments():
    with pytest.raises(TypeError, match=r"fn: expected a callable"):
        Job(42)
    with pytest.raises(ValueError, match=r"max_rate: expected a positive number"):
        Job(lambda ctx: None, max_rate=0)


def test_throttle_delivers_at_its_rate_when_pushes_come_slightly_faster(monkeypatch):
    """Pushes every 29 ms at a 30/s limit: a timer delivers the waiting value once the
    interval has passed (about 30 deliveries a second), where delivering only on the next
    push would give one every other push (about 17)."""
    clock = {"t": 0.0}
    monkeypatch.setattr(worker, "time", types.SimpleNamespace(monotonic=lambda: clock["t"]))
    timers = []

    class ManualTimer:  # fired by the test at the time it asked for
        def __init__(self, wait, fn):
            self.at, self.fn, self.cancelled, self.daemon = clock["t"] + wait, fn, False, True
            timers.append(self)

        def start(self):
            pass

        def cancel(self):
            self.cancelled = True

    monkeypatch.setattr(worker.threading, "Timer", ManualTimer)
    got = []
    throttle = worker._Throttle(got.append, rate=30)
    for i in range(35):  # one second of pushes
        while due := [t for t in timers if not t.cancelled and t.at <= i * 0.029]:
            timer = min(due, key=lambda t: t.at)
            timers.remove(timer)
            clock["t"] = timer.at  # the timer fires at its time, before this push
            timer.fn()
        clock["t"] = i * 0.029
        throttle.push(i)
    throttle.flush()
    assert got[-1] == 34 and got == sorted(got)
    assert 28 <= len(got) <= 32, len(got)
