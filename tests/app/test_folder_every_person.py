""""Run all" of every person (BatchRequest.all_people) cut short: by Cancel or an interactive request while person 2
of an image is fitted, and by a full disk. Person 1's files, written before, stay and the list says so; the batch
stops at a full disk instead of taking it for a bug of one image.

On the real Predictor (two_people.jpg's two people: the person detector; the full disk: tiny untrained networks)
behind a delay on person 2 that polls the cancel callback as the real stages do."""
from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from app.folder import FolderSession
from app.image_status import DONE, ERROR, NOT_RUN
from app.worker import Generation, InFlight
from inference.predict_outputs import DEFAULT_MESH_FORMATS, SUMMARY, output_paths, read_summary
from tests.app import support
from tests.app.support import factory_for, write_png
from tests.tiny_weights import write_tiny_weights


class PersonTwoSlow(support.SlowPredictor):
    """The real predictor; the batch's call for person 2 (index 1) of a photo file sets `at_two` and waits `delay` s
    first, polling `cancel` (SlowPredictor's wait: Cancelled as the real stages raise it); other calls go straight
    through."""

    def __init__(self, predictor, delay: float = 3.0):
        super().__init__(predictor, delay)
        self.at_two = threading.Event()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def predict(self, image, box=None, cancel=None, person: int = 0, **kw):
        if person == 1 and not isinstance(image, np.ndarray) and self.delay:
            self.at_two.set()
            return super().predict(image, box=box, cancel=cancel, person=person, **kw)
        return self.inner.predict(image, box=box, cancel=cancel, person=person, **kw)


@pytest.fixture
def two_people(tmp_path):
    ready, why = support.detector_ready()
    if not ready:
        pytest.skip(why)
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(support.TWO_PEOPLE, folder / "two_people.jpg")
    return folder / "two_people.jpg"


def _person_files(out: Path, name: str) -> list[Path]:
    return output_paths(out / name, list(DEFAULT_MESH_FORMATS), people=True)  # (Run all's meshes by default)


def _rows(out: Path) -> list[tuple[str, int | None, str]]:
    return [(r.output, r.person, r.status) for r in read_summary(out / SUMMARY)]


def test_a_cancel_while_person_2_is_fitted_keeps_person_1_and_the_list_says_so(qtbot, real_predictor, model_config,
                                                                                two_people, tmp_path):
    """The list said 'not run' (and nothing of the files) for an image whose person 1 was written, while
    summary.csv said person 1 was done; a rerun writes person 2 and the scene and keeps person 1's files."""
    slow = PersonTwoSlow(real_predictor)
    s = FolderSession(factory_for(slow, model_config), model_config)
    out = tmp_path / "out"
    try:
        s.set_images([two_people])
        s.run_all(out, all_people=True)
        qtbot.waitUntil(slow.at_two.is_set, timeout=120000)
        with qtbot.waitSignal(s.finished, timeout=60000):
            s.cancel()
        qtbot.wait(200)  # (the image's status comes after the summary's signal is queued)
        st = s.model.statuses[0]
        person1 = _person_files(out, "two_people")
        assert all(f.is_file() for f in person1) and not (out / "two_people_p2.npz").exists()
        assert st.state == NOT_RUN and "cancelled after person 1" in st.message, st
        assert set(st.outputs) == set(person1), st.outputs
        assert _rows(out) == [("two_people", 1, "done")]
        stamps = {f.name: f.stat().st_mtime_ns for f in person1}

        slow.delay = 0
        with qtbot.waitSignal(s.finished, timeout=300000) as done:
            s.run_all(out, all_people=True)
        st = s.model.statuses[0]
        assert done.args[0].startswith("1 written") and st.state == DONE and "person 2 of 2" in st.message, st
        assert all(f.is_file() for f in _person_files(out, "two_people_p2"))
        assert (out / "two_people_scene.glb").is_file()
        assert {f.name: f.stat().st_mtime_ns for f in person1} == stamps  # person 1 kept
        assert _rows(out) == [("two_people", 1, "done"), ("two_people_p2", 2, "done")]
    finally:
        s.shutdown()


def test_an_interactive_request_while_person_2_is_fitted_loses_nothing_of_what_the_list_says(
        qtbot, real_predictor, model_config, two_people, tmp_path):
    """The batch gives way while fitting person 2 and fits the image again: person 1's files (written before) are
    kept, person 2 and the scene written once. The list said 'person 2 of 2' with person 2's files only (and the
    label of one person) for an image this very run wrote both people of."""
    slow = PersonTwoSlow(real_predictor)
    gen = Generation()
    in_flight = InFlight(gen)
    s = FolderSession(factory_for(slow, model_config), model_config, in_flight=in_flight)
    out = tmp_path / "out"
    try:
        s.set_images([two_people])
        s.run_all(out, all_people=True)
        qtbot.waitUntil(slow.at_two.is_set, timeout=120000)
        slow.delay = 0
        job = gen.next()
        in_flight.sent(job)
        qtbot.waitUntil(lambda: s.paused, timeout=30000)
        stamp = (out / "two_people.npz").stat().st_mtime_ns
        with qtbot.waitSignal(s.finished, timeout=300000) as done:
            in_flight.answered(job)
        st = s.model.statuses[0]
        assert done.args[0].startswith("1 written") and st.state == DONE, (done.args, st)
        assert st.people == 2 and "2 people" in st.message and st.label.startswith("2 people"), st
        files = _person_files(out, "two_people") + _person_files(out, "two_people_p2")
        assert all(f.is_file() for f in files)
        assert sorted(st.outputs) == sorted([*files, out / "two_people_scene.glb"]), st.outputs
        assert len(st.outputs) == len(set(st.outputs))
        assert (out / "two_people.npz").stat().st_mtime_ns == stamp  # written once, before the request
        assert _rows(out) == [("two_people", 1, "done"), ("two_people_p2", 2, "done")]
    finally:
        s.shutdown()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from inference.pipeline import Predictor

    return Predictor(detect="off", weights_dir=write_tiny_weights(tmp_path_factory.mktemp("tiny")), device="cpu")


@pytest.fixture
def full_disk(tmp_path):
    """A folder on a 64 kB tmpfs: the first mesh does not fit (ENOSPC). Root only."""
    out = tmp_path / "full"
    out.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(out)], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no tmpfs mount here: {exc}")
    yield out
    subprocess.run(["umount", str(out)], check=False)


@pytest.mark.parametrize("all_people", [True, False])
def test_a_full_disk_stops_the_batch_once(qtbot, tiny, model_config, full_disk, tmp_path, all_people):
    """The batch's catch-all for bugs took inference.folder_predict.FatalWrite for one: a traceback, 'FatalWrite: the
    disk is full' as the image's message, a second row and a second failure counted for it, and the next image
    tried on the full disk. Now the batch stops there, as `predict` does."""
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(3)
    images = [folder / f"img{i}.png" for i in range(2)]
    for p in images:
        write_png(p, rng.integers(0, 256, (64, 48, 3), np.uint8))
    s = FolderSession(factory_for(tiny, model_config), model_config)
    try:
        s.set_images(images)
        with qtbot.waitSignal(s.finished, timeout=120000) as done:
            s.run_all(full_disk, all_people=all_people)
        assert s.summary.failed == 1 and not s.summary.done, done.args
        assert s.model.statuses[0].state == ERROR and s.model.statuses[0].message == "stopped: the disk is full"
        assert s.model.statuses[1].state == NOT_RUN
        assert [r.status for r in read_summary(full_disk / SUMMARY)] == ["error", "pending"]
        # the summary line says why it stopped (it said "0 written, 1 failed" alone: helper-109's sweep, F10)
        assert done.args[0].startswith("stopped: the disk is full (1 image not run): 0 written, 1 failed in ")
    finally:
        s.shutdown()
