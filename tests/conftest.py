"""Test-session set-up shared by every test folder (and the notebooks under nbval)."""

import os
import tempfile

import pytest
import torch

# Every model the tests train and every decoded dataset they cache goes to a fresh
# folder, so a run never depends on (or pollutes) the user's ~/.cache/nbviz. Set here,
# at import, so that the kernels nbval starts for the notebooks inherit it too.
if os.environ.get("NBVIZ_TEST_KEEP_CACHE") != "1":
    os.environ["NBVIZ_CACHE"] = tempfile.mkdtemp(prefix="nbviz-test-cache-")
# The notebooks read NBVIZ_SMALL to run in their quick mode under nbval and the browser tests.
os.environ.setdefault("NBVIZ_SMALL", "1")

# Seeded at import too: parametrize lists build their models while tests are collected.
torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _seeded_rng():
    """Every test starts from the same torch random state.

    A test that passes once then passes in every run (CI included); a test that
    needs several draws seeds its own generator.
    """
    torch.manual_seed(0)
    yield


@pytest.fixture(scope="module")
def one_torch_thread():
    """Run a test module's torch work on one thread (restored afterwards).

    The models and batches in these tests are tiny: a second thread gains nothing, and
    on a loaded 2-core machine two threads spin against each other (the lottery tests
    took 7-17 s with one thread and over 100 s with two while other jobs ran).
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
