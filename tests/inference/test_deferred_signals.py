import os
import signal
import threading

import pytest

from inference.deferred_signals import deferred_signals
from inference.file_writes import atomic_write


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


def test_atomic_write_holds_a_signal_that_comes_right_after_its_temporary_file(tmp_path, raising_sigterm,
                                                                              monkeypatch):
    """SIGTERM delivered the moment the temporary file exists (where CI once found one left behind): the
    write completes, then the signal's exception comes; no temporary file remains."""
    import tempfile

    real = tempfile.mkstemp

    def mkstemp_then_signal(*args, **kwargs):
        out = real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGTERM)
        return out

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp_then_signal)
    path = tmp_path / "a.bin"
    with pytest.raises(Stop):
        atomic_write(path, b"x" * 1000)
    monkeypatch.undo()
    assert path.read_bytes() == b"x" * 1000
    assert [p.name for p in tmp_path.iterdir()] == ["a.bin"]


def test_an_ignored_signal_stays_ignored():
    previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with deferred_signals():
            assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGTERM)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_ctrl_c_under_python_default_handler_raises_keyboard_interrupt_after_the_block():
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    steps = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with deferred_signals():
                os.kill(os.getpid(), signal.SIGINT)
                steps.append("finished")
        assert steps == ["finished"]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)
