"""app/gc_pauses.py: the app freezes its long-lived objects out of the garbage collector's full passes (they held the
GIL 90-150 ms and stalled the window); only the application turns it on, and what it freezes is still freed by
reference counting when dropped (a Predictor replaced after a settings change must not stay in memory)."""
import gc
import weakref

import pytest

from app import gc_pauses
from tests.app.support import SAMPLE


@pytest.fixture
def frozen(monkeypatch):
    """Freezing enabled for one test; everything unfrozen again afterwards (the test process stays as it was)."""
    monkeypatch.setattr(gc_pauses, "_enabled", False)
    yield
    gc.unfreeze()


def test_settle_freezes_only_once_the_application_enabled_it(frozen):
    gc.unfreeze()
    gc_pauses.settle()
    assert gc.get_freeze_count() == 0 and not gc_pauses.enabled()
    gc_pauses.enable()
    assert gc_pauses.enabled() and gc.get_freeze_count() > 0
    kept = [object() for _ in range(10)]  # noqa: F841 - objects made after the freeze
    n = gc.get_freeze_count()
    gc_pauses.settle()
    assert gc.get_freeze_count() > n


def test_a_frozen_predictor_is_freed_when_dropped(frozen, model_config):
    from app.worker import default_predictor_factory

    gc_pauses.enable()
    pred = default_predictor_factory(model_config)
    pred.predict(str(SAMPLE))  # with whatever the first prediction caches
    gc_pauses.settle()
    refs = [weakref.ref(o) for o in (pred, pred.seg_net, pred.fit_net, pred.body_model)]
    del pred
    assert [r() for r in refs] == [None] * len(refs)  # by reference counting alone: no collection ran


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmRSS"))


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/status"), reason="reads /proc")
def test_give_back_returns_freed_heap_to_the_system():
    """Freed memory glibc kept (a replaced Predictor's: about 10 MB a settings change, 350 MB after 40) goes back."""
    blocks = [bytes(2000) for _ in range(60000)]  # ~120 MB of malloc'd blocks (not Python's own small-object arenas)
    pin = bytes(2000)  # (made last: the heap's top stays in use, so free() alone gives nothing back)
    del blocks
    before = _rss_mb()
    gc_pauses.give_back()
    assert before - _rss_mb() > 60, "glibc kept the freed blocks"
    del pin
