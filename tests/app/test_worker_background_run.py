"""BackgroundRun: the one GUI-thread state of the folder's Run all and the Dataset tab's run."""
from PySide6.QtCore import QObject, Signal

from app.worker import BackgroundRun


class Owner(QObject):
    runningChanged = Signal(bool)
    pausedChanged = Signal(bool)
    error = Signal(str)
    errorResolved = Signal(str)


def _run():
    owner = Owner()
    said = []
    for name in ("runningChanged", "pausedChanged", "error", "errorResolved"):
        getattr(owner, name).connect(lambda value, name=name: said.append((name, value)))
    shown = []
    run = BackgroundRun(owner.runningChanged, owner.pausedChanged, owner.error, owner.errorResolved, shown.append)
    return owner, run, said, shown


def test_a_failed_run_is_answered_by_the_next_run_that_finishes(qapp):
    owner, run, said, _ = _run()
    job = run.start()
    run.failed(job, "the model does not load")
    assert not run.running and said[-1] == ("error", "the model does not load")
    job = run.start()
    assert run.finished(job) and not run.running
    assert said[-1] == ("errorResolved", "the model does not load")
    assert not run.finished(job - 1)  # (a job superseded before: its end changes nothing)


def test_a_stopped_job_is_not_current_but_its_work_done_counts_until_it_is_forgotten(qapp):
    owner, run, said, shown = _run()
    job = run.start()
    run.paused_by(job, True)
    assert run.paused and shown == [True] and ("pausedChanged", True) in said
    assert run.stop() and not run.stop()
    assert not run.running and not run.paused and shown == [True, False]
    assert said[-2:] == [("runningChanged", False), ("pausedChanged", False)]  # (running first, as the list says)
    run.paused_by(job, True)  # a stale job's pause is dropped
    assert not run.paused and not run.current(job) and run.accept(job)
    run.forget()
    assert not run.accept(job) and not run.finished(job)
    newer = run.start()
    assert run.current(newer) and run.accept(newer) and not run.accept(job)
    run.shutdown()
    assert not run.current(newer) and not run.accept(newer)
