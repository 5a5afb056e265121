"""Never lose a result: a re-run (F5, a changed setting) keeps the current result on screen until the new
one arrives, a cancel keeps the last complete result (edits included), and every result comes with its
fit quality, computed in the worker thread. Real predictor (CPU), slowed down so that the test can act
while a job runs."""
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication

from tests.app.support import SAMPLES, TWO_PEOPLE, caught_up, detector_ready, wait_result

needs_detector = pytest.mark.skipif(not detector_ready()[0], reason=detector_ready()[1])


def _wait_result(qtbot, c, timeout=30000):
    return wait_result(qtbot, c, timeout)


def _dropped_jobs_over(qtbot, c) -> None:
    """Return once the jobs the controller dropped have ended in its worker (every prediction that started has
    returned or raised) and whatever they answered has been handled here."""
    caught_up(qtbot, c.worker)
    assert c.slow.ended == c.slow.calls


def test_result_comes_with_its_quality(qtbot, slow_controller):
    c = slow_controller
    qualities = []
    c.session.qualityChanged.connect(qualities.append)
    c.open_file(SAMPLES / "synthetic_01.png")
    pred = _wait_result(qtbot, c)
    q = c.session.quality
    assert q is not None and qualities[-1] is q
    assert q.verdict in ("good", "doubtful", "bad")
    assert 0.0 <= q.mask_iou <= 1.0  # always measurable (detector mask or the part map)
    if detector_ready()[0]:
        assert q.detector_score == pytest.approx(float(pred.people[0].score))
        assert 0.0 <= q.agreement <= 1.0 and 0.0 <= q.pck <= 1.0
        assert q.verdict == "good"  # a synthetic person of the training kind, fitted well (parts 100%, PCK 100%)


def test_setting_change_keeps_the_old_result_until_the_new_one_arrives(qtbot, slow_controller):
    c = slow_controller
    c.open_file(SAMPLES / "synthetic_01.png")
    old = _wait_result(qtbot, c)
    old_quality = c.session.quality
    seen = []
    c.session.predictionChanged.connect(seen.append)
    calls = c.slow.calls
    c.apply_model_config(replace(c.config, refine=not c.config.refine), persist=False)
    assert c.session.busy
    assert c.session.prediction is old and c.session.quality is old_quality  # still shown (and exportable)
    qtbot.waitUntil(lambda: c.slow.calls > calls, timeout=30000)  # the new result is being computed
    QCoreApplication.sendPostedEvents()  # (what the worker said as it started the job)
    assert c.session.prediction is old and seen == []  # nothing cleared while the new result is computed
    qtbot.waitUntil(lambda: not c.session.busy, timeout=30000)
    assert c.session.prediction is not None and c.session.prediction is not old
    assert seen == [c.session.prediction]  # swapped in once, when ready
    assert c.session.quality is not None


def test_cancel_keeps_the_last_complete_result(qtbot, slow_controller):
    c = slow_controller
    c.open_file(SAMPLES / "synthetic_01.png")
    old = _wait_result(qtbot, c)
    calls = c.slow.calls
    c.rerun()  # F5
    assert c.session.busy and c.session.prediction is old
    qtbot.waitUntil(lambda: c.slow.calls > calls, timeout=5000)  # the re-run is under way
    c.cancel()  # Esc
    assert not c.session.busy and c.session.prediction is old
    _dropped_jobs_over(qtbot, c)  # the cancelled job ends without touching the session
    assert c.session.prediction is old and c.session.mesh is old.mesh and c.session.quality is not None


@needs_detector
def test_cancel_while_fitting_another_person_puts_the_edited_result_back(qtbot, slow_controller):
    from app import pose_edit

    c = slow_controller
    c.open_file(TWO_PEOPLE)
    first = _wait_result(qtbot, c)
    assert first.person == 0 and len(first.people) == 2
    c.set_params(pose_edit.with_beta(c.session.params, 0, 1.5))
    c.flush()
    edited = c.session.params
    assert c.select_person(1) and c.session.busy
    c.cancel()
    assert not c.session.busy
    assert c.session.prediction is first and c.session.person == 0
    assert np.allclose(c.session.params.betas, edited.betas)  # the edit survived
    assert c.session.mesh is not first.mesh
    assert c.undo() and c.session.params is first.params  # one undo step back to the prediction
    _dropped_jobs_over(qtbot, c)
    assert c.session.prediction is first


@needs_detector
def test_cancel_while_fitting_everyone_keeps_a_finished_result(qtbot, slow_controller):
    """Fit everyone, person 2 picked at once (nothing of theirs finished yet), Esc: person 1's finished fit
    comes back with its quality (before, the views went blank although the fit was in the strip), and person 2
    stays unfitted until a later Fit everyone. Then a person fitted before, asked for while another is being
    fitted, comes back at once (that fit is superseded) and Esc has nothing left to stop."""
    c = slow_controller
    s = c.session
    c.open_file(TWO_PEOPLE)
    first = _wait_result(qtbot, c, timeout=60000)
    assert first.person == 0 and len(first.people) == 2
    assert c.fit_everyone() == 1 and s.busy
    assert c.select_person(1) and s.prediction is None and s.person == 1
    c.cancel()  # Esc
    assert not s.busy
    assert s.prediction is first and s.person == 0 and s.mesh is first.mesh and s.quality is not None
    assert set(s.results) == {0}  # person 2 was not fitted
    _dropped_jobs_over(qtbot, c)  # the cancelled job ends without touching the session
    assert s.prediction is first and set(s.results) == {0}
    assert c.fit_everyone() == 1  # person 2 can be fitted later
    qtbot.waitUntil(lambda: not s.busy and set(s.results) == {0, 1}, timeout=60000)
    assert s.prediction is first  # the person on screen stayed

    c.open_file(TWO_PEOPLE)
    first = _wait_result(qtbot, c, timeout=60000)
    assert c.select_person(1) and s.busy  # person 2 is being fitted
    assert c.select_person(0) and not s.busy and s.prediction is first  # fitted before: at once, no new job
    c.cancel()
    assert not s.busy and s.prediction is first and s.person == 0
    _dropped_jobs_over(qtbot, c)
    assert s.prediction is first and set(s.results) == {0}
