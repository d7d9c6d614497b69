"""Large points reach the views in pieces, on their request (nbviz/widgets/streaming.py)."""

from __future__ import annotations

import numpy as np
import pytest

from nbviz import GrandTour
from nbviz.widgets.messages import MESSAGES
from nbviz.widgets.streaming import CHUNK_BYTES, STREAM_BYTES


def _points(n, d=10, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def _capture(widget):
    sent = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))
    return sent


def test_small_points_travel_in_the_state():
    state = GrandTour(_points(1000)).get_state()
    assert "buffer" in state["points"] and "stream" not in state["points"]


def test_large_points_stream_in_order_and_reassemble_exactly():
    n = STREAM_BYTES // 40 + 1000  # just over the threshold at d = 10
    tour = GrandTour(_points(n))
    header = tour.get_state()["points"]
    assert set(header) == {"dtype", "shape", "stream"} and header["shape"] == [1, n, 10]
    sent = _capture(tour)
    tour._answer_pull(tour, {"type": MESSAGES["points_pull"], "token": header["stream"]}, [])
    assert sent and all(c["type"] == MESSAGES["points_chunk"] for c, _ in sent)
    assert all(len(b[0]) <= CHUNK_BYTES for _, b in sent)
    offsets = [c["offset"] for c, _ in sent]
    assert offsets == sorted(offsets) and offsets[0] == 0
    rebuilt = np.concatenate([np.frombuffer(b[0], dtype=np.float32) for _, b in sent])
    assert np.array_equal(rebuilt, tour.points.reshape(-1))
    assert sent[-1][0]["offset"] + sent[-1][0]["length"] == sent[-1][0]["total"] == rebuilt.size


def test_a_pull_for_replaced_points_is_ignored():
    n = STREAM_BYTES // 40 + 10
    tour = GrandTour(_points(n))
    old = tour.get_state()["points"]["stream"]
    tour.points = tour.points * 0.5  # new points: a new token
    new = tour.get_state()["points"]["stream"]
    assert new != old
    sent = _capture(tour)
    tour._answer_pull(tour, {"type": MESSAGES["points_pull"], "token": old}, [])
    assert sent == []
    tour._answer_pull(tour, {"type": "something else", "token": new}, [])
    assert sent == []


@pytest.mark.parametrize("value", [None, "points"])
def test_other_messages_are_not_pulls(value):
    tour = GrandTour(_points(100))
    sent = _capture(tour)
    tour._answer_pull(tour, value, [])
    assert sent == []
