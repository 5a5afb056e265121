import os
import signal
import threading

import pytest

from inference.deferred_signals import deferred_signals
from inference.export import atomic_write


class Stop(Exception):
    pass


@pytest.fixture
def raising_sigterm():
    def handler(signum, frame):
        raise Stop(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    yield
    signal.signal(signal.SIGTERM, previous)


def test_signal_inside_the_block_takes_effect_after_it(raising_sigterm):
    steps = []
    with pytest.raises(Stop):
        with deferred_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            steps.append("after the signal")
            os.kill(os.getpid(), signal.SIGTERM)  # twice: handled once
            steps.append("end of block")
    assert steps == ["after the signal", "end of block"]
    assert signal.getsignal(signal.SIGTERM) is not None
    with pytest.raises(Stop):  # the handler is back
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):
            pass


def test_nested_blocks_hold_until_the_outer_one_ends(raising_sigterm):
    steps = []
    with pytest.raises(Stop):
        with deferred_signals():
            with deferred_signals():
                os.kill(os.getpid(), signal.SIGTERM)
            steps.append("outer still running")
    assert steps == ["outer still running"]


def test_no_signal_no_effect_and_handlers_restored(raising_sigterm):
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with deferred_signals():
        pass
    assert {s: signal.getsignal(s) for s in before} == before


def test_worker_thread_is_a_no_op():
    seen = []

    def work():
        with deferred_signals():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [before]


def test_atomic_write_under_a_held_signal_completes_and_leaves_no_temporary(tmp_path, raising_sigterm):

    path = tmp_path / "a.bin"
    payload = b"x" * 1_000_000
    with pytest.raises(Stop):
        with deferred_signals():
            os.kill(os.getpid(), signal.SIGTERM)  # arrives before the write; held through it
            atomic_write(path, payload)
    assert path.read_bytes() == payload
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]
