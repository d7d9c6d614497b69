"""A widget running a background job: its job_* traits follow the job, errors show and re-raise."""

import threading

import pytest

from nbviz.widgets import JobError, JobWidget

TIMEOUT = 30


class Counter(JobWidget):
    """A minimal widget with a job: counts to ``n``, failing at ``fail_at``."""

    def count(self, n, fail_at=None, gate=None):
        def fn(ctx):
            for i in range(n):
                if gate is not None:
                    gate.wait(TIMEOUT)
                ctx.check()
                if i == fail_at:
                    raise ValueError(f"boom at {i}")
                ctx.progress(i + 1, n, f"step {i + 1}")
            return n

        return self._make_job(fn, name="count").start()


def test_job_updates_state_progress_and_message_traits():
    w = Counter()
    assert (w.job_state, w.job_progress, w.job_error) == ("idle", -1.0, "")
    states = []
    w.observe(lambda change: states.append(change["new"]), names="job_state")
    w.count(5)
    assert w.wait(TIMEOUT) == 5
    assert w.job_state == "done"
    assert w.job_progress == 1.0
    assert w.job_message == "step 5"
    assert states == ["running", "done"]


def test_failing_job_sets_job_error_and_reraises_on_wait():
    w = Counter()
    w.count(5, fail_at=2)
    with pytest.raises(JobError, match=r"ValueError: boom at 2") as info:
        w.wait(TIMEOUT)
    assert isinstance(info.value.__cause__, ValueError)
    assert w.job_state == "error"
    assert w.job_error == "ValueError: boom at 2"


def test_widget_is_usable_after_an_error_and_the_error_clears():
    w = Counter()
    w.count(3, fail_at=0)
    with pytest.raises(JobError):
        w.wait(TIMEOUT)
    w.count(3)
    assert w.wait(TIMEOUT) == 3
    assert w.job_state == "done"
    assert w.job_error == ""


def test_stop_message_from_the_view_stops_the_job():
    w = Counter()
    gate = threading.Event()
    w.count(1000, gate=gate)
    # What the Stop button sends: {"type": "stop"}.
    w._handle_job_msg(w, {"type": "stop"}, [])
    gate.set()
    w.wait(TIMEOUT)
    assert w.job_state == "stopped"


def test_stop_method_and_other_messages():
    w = Counter()
    w.stop()  # no job yet: nothing to do
    w._handle_job_msg(w, {"type": "something else"}, [])
    w._handle_job_msg(w, "not a dict", [])
    gate = threading.Event()
    w.count(1000, gate=gate)
    threading.Timer(0.05, gate.set).start()
    w.stop(timeout=TIMEOUT)
    assert w.job_state == "stopped"


def test_one_job_at_a_time_and_wait_needs_a_job():
    w = Counter()
    with pytest.raises(RuntimeError, match=r"no job has been started"):
        w.wait()
    gate = threading.Event()
    w.count(2, gate=gate)
    try:
        with pytest.raises(RuntimeError, match=r"already running"):
            w.count(2)
    finally:
        gate.set()
        w.wait(TIMEOUT)


def test_base_widget_has_no_figure():
    with pytest.raises(NotImplementedError, match=r"Counter has no static figure"):
        Counter().figure()
