""""Run all" gives way to the interactive predictions (app.worker.InFlight): while the controller's request is in
flight the batch starts no image, and the image it is fitting stops at the Predictor's next checkpoint and is
fitted again once the answer is there. Nothing of the batch is lost or reordered, and Cancel and shutdown still
end a paused batch at once.

On the real Predictor (tiny untrained networks: fast plumbing) behind a cancellable delay, so that the batch is
still fitting an image when a test acts; the delay polls the cancel callback as the real stages do."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication

from app.folder import FolderSession
from app.image_status import DONE, NOT_RUN
from app.worker import Generation, GiveWay, InFlight
from inference.batch_log import APP_LOG, RANK_LOGS
from inference.errors import Cancelled
from inference.predict_outputs import SUMMARY, output_paths, output_stems, read_summary
from tests.app.support import caught_up, factory_for, gate_looks, wait_result, write_png
from tests.tiny_weights import write_tiny_weights


class Recorded:
    """The real predictor behind a delay that polls `cancel` every 10 ms; each call is recorded as (who, image
    name, start, end, outcome) with who "batch" for a file path (the batch predicts files) and "interactive" for
    an array (the controller sends the decoded image)."""

    def __init__(self, predictor, batch_delay: float, interactive_delay: float):
        self.inner = predictor
        self.body_model = predictor.body_model
        self.warnings = predictor.warnings
        self.delays = {"batch": batch_delay, "interactive": interactive_delay}
        self.calls: list[tuple[str, str, float, float, str]] = []
        self._lock = threading.Lock()

    def predict(self, image, box=None, cancel=None, person: int = 0, **kw):
        who = "interactive" if isinstance(image, np.ndarray) else "batch"
        name = "" if who == "interactive" else Path(image).name
        t0 = time.perf_counter()
        outcome = "cancelled"
        try:
            while time.perf_counter() < t0 + self.delays[who]:
                if cancel is not None and cancel():
                    raise Cancelled("cancelled")
                time.sleep(0.01)
            result = self.inner.predict(image, box=box, cancel=cancel, person=person, **kw)
            outcome = "done"
            return result
        finally:
            with self._lock:
                self.calls.append((who, name, t0, time.perf_counter(), outcome))

    def of(self, who: str) -> list[tuple[str, str, float, float, str]]:
        with self._lock:
            return [c for c in self.calls if c[0] == who]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The real Predictor on tiny untrained networks (every pixel one body part), no detector."""
    from inference.pipeline import Predictor

    return Predictor(detect="off", weights_dir=write_tiny_weights(tmp_path_factory.mktemp("tiny")), device="cpu")


def _noise(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(11)
    paths = [folder / f"img{i}.png" for i in range(n)]
    for p in paths:
        write_png(p, rng.integers(0, 256, (64, 48, 3), np.uint8))
    return paths


def _logged(out: Path) -> list[tuple[str, str]]:
    """The batch log's rows as (image name, status), in the order they were written."""
    return [(Path(r.image).name, r.status) for r in read_summary(out / RANK_LOGS / APP_LOG)]


def test_run_all_gives_way_to_an_interactive_fit_and_then_finishes_every_image(qtbot, app_settings, tiny,
                                                                               model_config, tmp_path):
    from app.controller import Controller

    images = _noise(tmp_path / "photos", 5)
    rec = Recorded(tiny, batch_delay=0.8, interactive_delay=1.0)
    c = Controller(app_settings, factory_for(rec, model_config), config=model_config)
    try:
        assert c.open_paths([images[0].parent]) and c.folder.paths == images
        wait_result(qtbot, c)  # the first image's fit (before the run: nothing to give way to yet)
        paused = []
        c.folder.pausedChanged.connect(paused.append)
        out = tmp_path / "out"
        assert c.folder.run_all(out)
        # the batch is fitting its second image (the first is written) when the user clicks the last one
        qtbot.waitUntil(lambda: len(rec.of("batch")) >= 1 and c.folder.model.statuses[1].state != NOT_RUN,
                        timeout=30000)
        answers = len(rec.of("interactive"))
        labels = []  # the rows' labels as they change: the image the batch gave way in says "paused"
        c.folder.model.dataChanged.connect(
            lambda a, b, *_: labels.extend(c.folder.model.statuses[r].label for r in range(a.row(), b.row() + 1)))
        sent = time.perf_counter()
        assert c.open_folder_image(4)
        qtbot.waitUntil(lambda: len(rec.of("interactive")) > answers, timeout=30000)
        answered = rec.of("interactive")[-1][3]
        wait_result(qtbot, c)
        with qtbot.waitSignal(c.folder.finished, timeout=60000):
            pass

        batch = rec.of("batch")
        # no image started while the request was in flight; the one being fitted stopped at a checkpoint meanwhile
        assert not [b for b in batch if sent < b[2] < answered], batch
        cut = [b for b in batch if b[2] < sent < b[3]]
        assert len(cut) == 1 and cut[0][4] == "cancelled" and cut[0][3] < answered, (cut, sent, answered)
        # ... and was fitted again from the start once the answer was there; every image once, in list order
        assert [b[1] for b in batch if b[4] == "done"] == [p.name for p in images]
        assert paused == [True, False] and not c.folder.paused  # the list said so while it waited
        assert "paused" in labels and labels.index("paused") < len(labels) - 1 and labels[-1] != "paused"
        assert c.folder.summary.done == 5 and not c.folder.summary.cancelled
        assert [s.state for s in c.folder.model.statuses] == [DONE] * 5
        assert _logged(out) == [(p.name, "done") for p in images]
        stems = output_stems(images)
        assert all(f.is_file() for row in range(5) for f in output_paths(out / stems[row], ["obj"], people=False))
    finally:
        c.shutdown()


@pytest.fixture
def held(qtbot, tiny, model_config, tmp_path):
    """A FolderSession whose batch sees an interactive request in flight from the start: (session, its InFlight,
    the request's Generation, the request's job, the images, the looks its batch takes at the gate: `gate_looks`)."""
    gen = Generation()
    in_flight = InFlight(gen)
    job = gen.next()
    in_flight.sent(job)
    looks = gate_looks(in_flight)
    s = FolderSession(factory_for(tiny, model_config), model_config, in_flight=in_flight)
    images = _noise(tmp_path / "photos", 3)
    s.set_images(images)
    yield s, in_flight, gen, job, images, looks
    s.shutdown()


def _paused(qtbot, s, looks: list[int], out: Path) -> list:
    """Start the run and wait until it waits for the interactive request, having started no image in several of
    its looks at the gate; -> the list the batch's itemStarted signals go on filling (a stale job's too, which the
    session drops and its rows never show)."""
    started = []
    s.batch.itemStarted.connect(lambda *a: started.append(a))
    with qtbot.waitSignal(s.pausedChanged, timeout=30000) as on:
        assert s.run_all(out)
    assert on.args == [True] and s.paused and s.running
    seen = len(looks)
    qtbot.waitUntil(lambda: len(looks) >= seen + 3, timeout=30000)
    QCoreApplication.sendPostedEvents()  # (what the batch said meanwhile)
    assert not started and [st.state for st in s.model.statuses] == [NOT_RUN] * 3
    return started


def _fits(monkeypatch, predictor) -> list[str]:
    """Record each image the batch asks `predictor` (the real Predictor the session's factory hands out) to fit,
    by name, as the call starts (the batch fits through predict, or predict_box for a box drawn on screen)."""
    fits: list[str] = []

    def spy(real):
        return lambda image, *a, **kw: fits.append(Path(str(image)).name) or real(image, *a, **kw)

    for name in ("predict", "predict_box"):
        monkeypatch.setattr(predictor, name, spy(getattr(predictor, name)))
    return fits


@pytest.mark.parametrize("how", ["answered", "superseded"])
def test_a_paused_run_goes_on_by_itself_once_the_request_is_answered_or_dropped(qtbot, held, tmp_path, how):
    s, in_flight, gen, job, images, looks = held
    out = tmp_path / "out"
    _paused(qtbot, s, looks, out)
    with qtbot.waitSignal(s.finished, timeout=60000):
        if how == "answered":
            in_flight.answered(job)
        else:  # Esc, another image opened...: the job is stale and no answer comes
            gen.next()
    assert not s.paused and s.summary.done == 3 and [st.state for st in s.model.statuses] == [DONE] * 3
    assert _logged(out) == [(p.name, "done") for p in images]


def test_cancel_ends_a_paused_run_at_once(qtbot, held, tiny, monkeypatch, tmp_path):
    """At once: the run ends while the request it waits for is still in flight (not when it is answered), and
    starts no image on its way out. (The signal's timeout only keeps a hang from stalling the suite.)"""
    s, in_flight, _, job, images, looks = held
    out = tmp_path / "out"
    started = _paused(qtbot, s, looks, out)
    fits = _fits(monkeypatch, tiny)
    with qtbot.waitSignal(s.finished, timeout=30000) as said:
        s.cancel()
    assert in_flight.busy  # the request is still unanswered: the run did not wait for it
    assert not s.running and not s.paused
    assert s.summary.cancelled and s.summary.done == 0 and said.args[0].startswith("cancelled: ")
    assert [r.status for r in read_summary(out / SUMMARY)] == ["pending"] * 3
    in_flight.answered(job)
    caught_up(qtbot, s.batch)  # (its job had ended: `finished` is the batch's last word)
    assert not started and not fits  # nothing ran after the cancel, not even a stale job's image
    assert [st.state for st in s.model.statuses] == [NOT_RUN] * 3


def test_shutdown_while_paused_does_not_hang(qtbot, held, tiny, monkeypatch, tmp_path):
    """Shutdown ends both of the session's threads while the request the run waits for is still in flight, and
    the run starts no image on its way out. (Shutdown's own wait on each thread only keeps a hang from stalling
    the suite: a thread it gave up on is still running, which fails here.)"""
    s, in_flight, _, job, images, looks = held
    started = _paused(qtbot, s, looks, tmp_path / "out")
    fits = _fits(monkeypatch, tiny)
    threads = [t.thread for t in s._threads]
    try:
        s.shutdown()
        ended = [t.isFinished() for t in threads]
        busy = in_flight.busy
    finally:  # (a run left waiting goes on and ends: Qt aborts on a QThread destroyed while it runs)
        in_flight.answered(job)
        for t in threads:
            t.quit()
            t.wait(60000)
    assert ended == [True, True] and busy, (ended, busy)
    QCoreApplication.sendPostedEvents()  # (what the batch said before its thread ended)
    assert not started and not fits


def test_an_image_that_gave_way_is_not_taken_as_fitted_when_the_request_is_answered_meanwhile():
    """The refinement ends its steps at the first True and the Predictor asks again after it: the batch's callback
    stays True for that try, or a fit cut short would be written as finished."""
    gen = Generation()
    in_flight = InFlight(gen)
    give_way = GiveWay(lambda: False, in_flight)
    assert not give_way()
    job = gen.next()
    in_flight.sent(job)
    assert give_way()
    in_flight.answered(job)
    assert give_way() and give_way.gave_way
    assert not GiveWay(lambda: False, in_flight)()  # the next try starts afresh


def test_fit_everyone_holds_the_gate_from_one_person_to_the_next(qtbot, slow_controller, tmp_path):
    """The controller frees the gate after handling an answer, and the next person of "Fit everyone" is sent while
    handling it: the gate is never free between two people (it was, for a moment after each answer, and a waiting
    "Run all" woke, started its image and was cut short again, once per person)."""
    from inference.image_io import load_image
    from tests.app.support import PHOTOS

    cam = load_image(PHOTOS / "camera.png")
    trio = tmp_path / "trio.png"
    write_png(trio, np.concatenate([cam, cam, cam], 1))  # three camera men, side by side
    c, s = slow_controller, slow_controller.session
    gate = c.in_flight
    events: list[tuple[str, int]] = []
    sent, answered = gate.sent, gate.answered
    gate.sent = lambda job: (events.append(("sent", job)), sent(job))[-1]
    gate.answered = lambda job: (events.append(("answered", job)), answered(job))[-1]
    c.open_file(trio)
    qtbot.waitUntil(lambda: not s.busy and s.prediction is not None, timeout=60000)
    assert len(s.people) == 3
    events.clear()
    c.fit_everyone()
    qtbot.waitUntil(lambda: not s.busy and set(s.results) == {0, 1, 2}, timeout=60000)
    chain = [job for call, job in events if call == "sent"]
    assert len(chain) == 2, events  # persons 2 and 3 (person 1 was fitted when the photo opened)
    assert events.index(("sent", chain[1])) < events.index(("answered", chain[0])), events
    assert not gate.busy
