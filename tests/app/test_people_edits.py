"""Each person of a photo keeps their own fit and editing history: a person fitted before comes back at once
with their edits and undo/redo steps, whatever runs (a fit of another person clicked a moment ago is
superseded, never the kept result), across switches and across leaving the image; a re-run (F5) re-fits the
person on screen and keeps the other people's fits unless the settings changed, which it says; a scene export
says how many of the people it holds. Real predictor (CPU), slowed down so that the test can act while a job
runs; needs the person detector (two people in one photo)."""
from dataclasses import replace

import numpy as np
import pytest

from app import pose_edit
from tests.app.support import SAMPLES, TWO_PEOPLE, caught_up, detector_ready, wait_result

pytestmark = pytest.mark.skipif(not detector_ready()[0], reason=detector_ready()[1])


def _wait_result(qtbot, c, timeout=60000):
    return wait_result(qtbot, c, timeout)


def _two_edits(c):
    """A shape edit, then the left elbow (two undo steps, as two slider gestures): the params after each."""
    c.set_params(pose_edit.with_beta(c.session.params, 0, 2.0), merge_key=("beta", 0))
    c.end_edit()
    shaped = c.session.params
    c.set_params(pose_edit.with_joint_euler(c.session.params, 18, np.array([0.0, 0.0, 60.0])), merge_key=("joint", 18))
    c.end_edit()
    c.flush()
    return shaped, c.session.params


def test_a_kept_person_clicked_while_another_is_fitted_comes_back_at_once_with_the_edits(qtbot, slow_controller):
    """Person 1 edited, person 2 clicked (not fitted yet), person 1 clicked before person 2's fit is done:
    person 1 is there at once with the edits and both undo steps, and person 2's fit is superseded (before,
    person 1 was fitted again from scratch and that fit replaced the edited result, undo empty, no word)."""
    c, s = slow_controller, slow_controller.session
    c.open_file(TWO_PEOPLE)
    first = _wait_result(qtbot, c)
    assert first.person == 0 and len(s.people) == 2
    shaped, edited = _two_edits(c)
    calls = c.slow.calls
    messages = []
    c.status.connect(messages.append)
    assert c.select_person(1) and s.busy and s.prediction is None
    qtbot.waitUntil(lambda: c.slow.calls > calls, timeout=5000)  # person 2's fit is under way
    job = c.generation.current
    assert c.select_person(0)
    assert not s.busy and s.prediction is first and s.params is edited and s.person == 0
    assert c.generation.current == job + 1  # no new job: person 2's is only made stale (it stops)
    assert "fitted before" in messages[-1] and "person 2 stopped" in messages[-1]
    caught_up(qtbot, c.worker)  # the superseded fit ends without touching the session
    assert c.slow.calls == c.slow.ended == calls + 1 and not s.busy
    assert s.prediction is first and s.params is edited and set(s.results) == {0}
    assert s.results[0].params is edited
    assert c.undo() and s.params is shaped
    assert c.undo() and s.params is first.params
    assert not c.undo()


def test_each_person_keeps_their_own_undo_history(qtbot, slow_controller, tmp_path):
    """Two edits on person 1, person 2 fitted and edited, back to person 1: Ctrl+Z takes back one edit at a
    time and redo brings them back (before, the switch folded both edits into one step and redo was gone);
    a slider gesture on person 2 begun within the merge window of person 1's is a step of person 2's own; the
    histories also come back when the image is left and opened again."""
    import shutil

    c, s = slow_controller, slow_controller.session
    path = tmp_path / "two_people.jpg"
    shutil.copy(TWO_PEOPLE, path)
    c.open_file(path)
    first = _wait_result(qtbot, c)
    shaped, edited = _two_edits(c)
    assert c.undo() and s.params is shaped  # one step undone: redo has it
    assert c.select_person(1)
    second = _wait_result(qtbot, c)
    assert second.person == 1
    c.set_params(pose_edit.with_beta(s.params, 0, -1.0), merge_key=("beta", 0))  # same gesture key, < 1.5 s
    c.end_edit()
    c.flush()
    p2_edit = s.params
    assert c.select_person(0) and s.params is shaped
    assert c.redo() and s.params is edited
    assert c.undo() and s.params is shaped
    assert c.undo() and s.params is first.params
    assert not c.undo()
    assert c.redo() and s.params is shaped
    assert c.select_person(1) and s.params is p2_edit
    assert c.undo() and s.params is second.params  # person 2's edit was a step of its own
    assert c.redo() and s.params is p2_edit

    c.open_file(SAMPLES / "synthetic_01.png")  # leave the image...
    _wait_result(qtbot, c)
    assert c.open_file(path)  # ...and come back: as it was left, histories included
    assert not s.busy and s.person == 1 and s.params is p2_edit
    assert c.undo() and s.params is second.params
    assert c.select_person(0) and s.params is shaped
    assert c.redo() and s.params is edited
    assert c.undo() and c.undo() and s.params is first.params


def test_a_rerun_keeps_the_other_peoples_fits_unless_the_settings_changed(qtbot, slow_controller):
    """Everyone fitted, person 2 edited, F5 on person 1: person 1 is fitted again and person 2's fit stays,
    edits included, in the results all along (before, every other person's fit was dropped). A settings change
    re-fits person 1 too: person 2's fit was made with the old settings, and the re-run says so when it starts
    and when its result replaces it; Esc first puts everything back."""
    c, s = slow_controller, slow_controller.session
    c.open_file(TWO_PEOPLE)
    first = _wait_result(qtbot, c)
    assert c.fit_everyone() == 1
    qtbot.waitUntil(lambda: not s.busy and set(s.results) == {0, 1}, timeout=60000)
    assert c.select_person(1)
    c.set_params(pose_edit.with_beta(s.params, 1, 1.5))
    c.flush()
    edited2 = s.params
    assert c.select_person(0) and s.prediction is first
    messages = []
    c.status.connect(messages.append)

    c.rerun()  # F5
    assert s.busy and set(s.results) == {1} and s.results[1].params is edited2
    assert s.prediction is first  # still shown until the new result arrives
    again = _wait_result(qtbot, c)
    assert again is not first and again.person == 0
    assert set(s.results) == {0, 1} and s.results[1].params is edited2 and s.results[0].prediction is again
    assert "other settings" not in " ".join(messages)

    messages.clear()
    c.apply_model_config(replace(c.config, refine=not c.config.refine), persist=False)
    assert s.busy and s.results == {}
    assert ("the fits of person 2 were made with other settings: dropped when the new result arrives, your edits "
            "of person 2 with them") in messages[-1]
    c.cancel()  # Esc: both fits back as they were
    assert set(s.results) == {0, 1} and s.results[1].params is edited2 and s.prediction is again
    c.rerun()  # the settings are not those of the fits now: F5 re-fits person 1 and drops person 2's
    assert s.busy and s.results == {}
    newest = _wait_result(qtbot, c)
    assert newest.person == 0 and set(s.results) == {0}
    assert messages[-1].endswith("the fits of person 2, made with other settings, are dropped (Fit everyone fits "
                                 "them again)")
    assert c.fit_everyone() == 1
    qtbot.waitUntil(lambda: not s.busy and set(s.results) == {0, 1}, timeout=60000)
    assert s.results[1].made_with == c.config


def test_fit_everyone_asked_for_during_a_rerun_runs_after_it(qtbot, slow_controller):
    """Fit everyone during a settings re-run waits for it (the re-run decides which fits stand), then fits
    the people whose fits it dropped, with the new settings."""
    c, s = slow_controller, slow_controller.session
    c.open_file(TWO_PEOPLE)
    _wait_result(qtbot, c)
    c.fit_everyone()
    qtbot.waitUntil(lambda: not s.busy and set(s.results) == {0, 1}, timeout=60000)
    c.apply_model_config(replace(c.config, refine=not c.config.refine), persist=False)
    assert s.busy and c.fit_everyone() == 1
    qtbot.waitUntil(lambda: not s.busy and set(s.results) == {0, 1}, timeout=90000)
    assert all(r.made_with == c.config for r in s.results.values())
    assert s.prediction.person == 0



def test_a_scene_export_says_how_many_people_it_holds(qtbot, slow_controller, tmp_path):
    """Export > Everyone fitted, as one scene with 1 of 2 people fitted: written, and the export says so
    (before, one body came out as "the scene" without a word)."""
    c, s = slow_controller, slow_controller.session
    c.open_file(TWO_PEOPLE)
    _wait_result(qtbot, c)
    with qtbot.waitSignal(c.exported, timeout=20000) as sig:
        job = c.export_in_background(tmp_path / "one.glb", scene=True)
    assert sig.args[0] == job and c.export_note(job) == "1 of 2 people: Fit everyone fits the other 1"
    c.fit_everyone()
    qtbot.waitUntil(lambda: not s.busy and set(s.results) == {0, 1}, timeout=60000)
    with qtbot.waitSignal(c.exported, timeout=20000):
        job = c.export_in_background(tmp_path / "both.glb", scene=True)
    assert c.export_note(job) == "all 2 people"
    with qtbot.waitSignal(c.exported, timeout=20000):
        job = c.export_in_background(tmp_path / "body.obj")
    assert c.export_note(job) == ""
