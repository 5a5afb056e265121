"""Run all: a `BatchWorker` in its own thread runs its own Predictor over the images of the folder list and
writes each result as `main.py predict` does, by the same code (inference/folder_predict.py: parts PNG in the
photo's frame, overlays, mesh, params; with "every person", each person's set as NAME_pN and the scene of them
all, as `predict --all-people`). It follows the model worker's shape (app/worker.py): a QObject in a
`WorkerThread`, requests by queued signal with a job id from a `Generation`, answers by signal; a newer request
makes the older one stale, so it stops at the next image (its cancel callback also stops the Predictor
mid-image). Files written before a cancel stay: each person's outputs are written all or nothing (with "every
person", the people of an image written before a cancel stay, and the list says so; a rerun writes the others).

The batch logs each image's row (status, people, fit-quality numbers, seconds) as soon as its outputs are
written, to a log of its own beside the `main.py predict` ranks' logs, OUT/summary_ranks/app.csv (app-2.csv ...
while another app batch holds it), and at the end (a cancel, or a crash, too) merges every log there into
OUT/summary.csv with the CLI's `inference.batch_log.merge_summary`: this batch's images in list order
("pending" for those a cancel left out), then what earlier runs of either tool wrote there for other images.
The logs are also how each tool knows what the other wrote: an image is skipped when its outputs (every person's,
with "every person") are all there and the logs do not say they hold another image's fit, and each tool counts
the other's rows as its own.

The batch gives way to the interactive predictions: while the controller's request is in flight
(app.worker.InFlight), it starts no image, and one it is fitting stops at the Predictor's next cancel checkpoint
and is fitted again from the start once the answer is there (nothing of it was written; the list order and every
row stay as they were). The fits made on screen are written as they are (`FitsOnHandFirst`), not made again.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot

from inference import batch_log
from inference.errors import Cancelled, print_traceback
from inference.file_writes import write_error_reason
from inference.paths import resolved
from inference.predict_outputs import DEFAULT_MESH_FORMATS, SUMMARY

from .image_status import DONE, ERROR, NO_PERSON, NOT_RUN, ImageStatus
from .worker import PredictorWorker, assess_quietly, mesh_renderer, user_message

if TYPE_CHECKING:
    from inference.folder_predict import RunCounts
    from inference.types import Prediction


@dataclass(frozen=True)
class FitOnHand:
    """A fit the app made on screen that Run all writes instead of fitting the image again: the person `person`
    (index from 0 among the people found) of the image file `key` (its resolved path), made with the settings the
    batch runs with (`Controller.fits_on_hand`). Used only while the file holds the pixels it was made from."""

    key: str
    person: int
    prediction: Prediction


@dataclass(frozen=True)
class BatchRequest:
    """Run the model on `images` and write every result under `out` (names from output_stems over the
    whole list). Images whose outputs are all there already are skipped unless `overwrite`; the fits made on
    screen (`on_hand`) are written as they are, not made again."""

    images: tuple[Path, ...]
    out: Path
    mesh_formats: tuple[str, ...] = DEFAULT_MESH_FORMATS  # of inference.predict_outputs.MESH_FORMATS
    overwrite: bool = False
    all_people: bool = False  # every person of an image (NAME, NAME_p2, ..., NAME_scene.glb): predict --all-people
    on_hand: tuple[FitOnHand, ...] = ()


class FitsOnHandFirst:
    """The batch's Predictor, answering `predict(path, person=k)` with the fit made on screen of that person of
    that very image (`FitOnHand`: the file still decodes to the pixels it was fitted on) and asking the Predictor
    otherwise; `used` lists the (resolved path, person) answered so. Everything else is the Predictor's."""

    def __init__(self, predictor, fits: tuple[FitOnHand, ...]):
        self._predictor = predictor
        self._fits = {(f.key, f.person): f.prediction for f in fits}
        self.used: list[tuple[str, int]] = []

    def __getattr__(self, name: str):
        return getattr(self._predictor, name)

    def predict(self, image, cancel=None, person: int = 0, **kwargs):
        p = None if kwargs else self._on_hand(image, person)
        if p is not None:
            return p
        return self._predictor.predict(image, cancel=cancel, person=person, **kwargs)

    def _on_hand(self, image, person: int):
        import numpy as np

        from inference.image_io import ImageError, load_image

        if not isinstance(image, (str, Path)):
            return None
        key = resolved(image)
        p = self._fits.get((key, person))
        if p is None:
            return None
        try:  # (a damaged image's message is said as a fit would say it: the caller collects it)
            rgb = load_image(image)
        except ImageError:
            return None  # the Predictor says why
        if rgb.shape != p.image.shape or not np.array_equal(rgb, p.image):  # the file changed since
            return None
        self.used.append((key, person))
        return p


@dataclass(frozen=True)
class BatchSummary:
    """Counts of a finished (or cancelled) batch."""

    done: int = 0
    skipped: int = 0
    no_person: int = 0
    failed: int = 0
    cancelled: bool = False
    table_error: str = ""  # why summary.csv could not be written ("" when it was)
    log_error: str = ""  # why a row could not be logged (summary.csv then lacks it); "" when all were
    stopped: str = ""  # why the batch stopped before its end (a full or read-only disk) and how many were not run

    def text(self, out: Path) -> str:
        parts = [f"{self.done} written"]
        if self.skipped:
            parts.append(f"{self.skipped} already there")
        if self.no_person:
            parts.append(f"{self.no_person} without a person")
        if self.failed:
            parts.append(f"{self.failed} failed")
        text = ("cancelled: " if self.cancelled else f"stopped: {self.stopped}: " if self.stopped else "") \
            + ", ".join(parts) + f" in {out}"
        if self.table_error:
            return text + f" ({SUMMARY} not written: {self.table_error})"
        return text + (f" ({SUMMARY} incomplete: {self.log_error})" if self.log_error else "")


class BatchWorker(PredictorWorker):
    """Runs its own Predictor over a BatchRequest's images and writes each result (in its own thread), giving way
    to the interactive predictions (`in_flight`, app.worker.InFlight; None: never).

    Signals: started(job, total); itemStarted(job, row); itemDone(job, row, ImageStatus) for every image
    (a failure is a status, the batch goes on); progress(job, done, total); paused(job, on) as it starts and
    stops waiting for an interactive prediction; finished(job, BatchSummary), also after a cancel; failed(job,
    message) when nothing can run (the model does not load)."""

    started = Signal(int, int)
    itemStarted = Signal(int, int)
    itemDone = Signal(int, int, object)
    progress = Signal(int, int, int)
    paused = Signal(int, bool)
    finished = Signal(int, object)
    failed = Signal(int, str)

    _stopped = ""  # why the running batch stopped before its end (BatchSummary.stopped), set by run

    @Slot(int, object)
    def run(self, job_id: int, request: BatchRequest) -> None:
        try:
            self._run(job_id, request)
        finally:
            self.release()  # (after _run's frame has let go of the Predictor)

    def _run(self, job_id: int, request: BatchRequest) -> None:
        from inference.folder_predict import RunCounts
        from inference.predict_outputs import output_stems

        if self._gen.is_stale(job_id):
            return
        images = list(request.images)
        self.started.emit(job_id, len(images))
        try:
            pred = self.predictor()
            if request.on_hand:
                pred = FitsOnHandFirst(pred, request.on_hand)
            body = pred.body_model
            request.out.mkdir(parents=True, exist_ok=True)
        except Exception as exc:  # noqa: BLE001 - the model or the folder: nothing can run
            self.failed.emit(job_id, user_message(exc))
            return
        try:
            # this batch's own log (exclusive: another window's batch into the same folder takes app-2.csv)
            log = batch_log.BatchLog(request.out, batch_log.APP_LOG, rank="app", exclusive=True)
        except OSError as exc:  # without it the CLI would not know what this batch wrote: nothing runs
            self.failed.emit(job_id, f"cannot write the batch log in {request.out / batch_log.RANK_LOGS}: "
                                     f"{write_error_reason(exc)}")
            return
        stems = output_stems(images)  # over the whole list: two photo.jpg in different folders get two names
        counts = RunCounts()
        self._stopped = ""
        try:
            self._run_images(job_id, request, images, stems, pred, body, log, counts)
        finally:
            # also after a cancel or a crash: the log holds every result so far (a row is logged when its
            # outputs are written), and the images not run are "pending" in the table
            log.close()
            table_error = self._merge(request.out, images, stems)
        self.finished.emit(job_id, BatchSummary(counts.done, counts.skipped, counts.no_person,
                                                counts.failed - counts.no_person, self._gen.is_stale(job_id),
                                                table_error, log.error, self._stopped))

    def _run_images(self, job_id: int, request: BatchRequest, images: list[Path], stems: list[str], pred, body,
                    log, counts: RunCounts) -> None:
        """Predict and write every image not finished before, in list order, by `main.py predict`'s rules
        (inference.folder_predict: what is finished, what may be replaced, every person's files and the scene with
        `all_people`), logging to `log` (an inference.batch_log.BatchLog) and counting in `counts`;
        stops when the job is stale or the disk is full."""
        from inference.folder_predict import FatalWrite, FolderJob, RunCounts, plan

        # a table an earlier release wrote without a log: its rows go into this log, so the merge keeps them
        batch_log.adopt_table(request.out, log)
        job = FolderJob(request.out, tuple(request.mesh_formats), request.overwrite, request.all_people,
                        overwrite_hint='tick "Replace results" under Run all, or choose another folder')
        # what is finished, once for the list (reading the logs for each image grew with the folder: 26-40 ms an
        # image at 1000 logged rows, against 86 ms for all 1000 at once); its lines are the rows' own messages
        # (its own counts: an image is counted as it is reached, in `_image`, so a cancelled batch counts what it did)
        todo = plan(job, images, stems, range(len(images)), log, RunCounts(), lambda line: None)
        renderer = []  # the mesh overlay's renderer, made in this thread (its GL context) when first needed
        try:
            for row, path in enumerate(images):
                self._pause(job_id)
                if self._gen.is_stale(job_id):
                    break
                t0 = time.perf_counter()
                try:
                    done = self._image(job_id, job, images, stems, row, pred, body, log, counts, renderer, todo)
                except FatalWrite as exc:  # (logged and counted) a full or read-only disk: no later image escapes
                    self.itemDone.emit(job_id, row, ImageStatus(ERROR, f"stopped: {exc}"))
                    left = len(images) - row - 1
                    self._stopped = f"{exc}" + (f" ({left} image{'s' if left > 1 else ''} not run)" if left else "")
                    break
                if done is None:  # cancelled mid-image before any of its people was written
                    break
                outcome, said, lost = done
                self.itemDone.emit(job_id, row, _status(outcome, said, path, request.out,
                                                        time.perf_counter() - t0 - lost))
                if outcome.counted == "cancelled":  # cancelled mid-image: the people it wrote stay, a rerun keeps them
                    break
                self.progress.emit(job_id, row + 1, len(images))
        finally:
            for r in renderer:
                if r is not None:
                    r.close()

    def _image(self, job_id: int, job, images: list[Path], stems: list[str], row: int, pred, body, log,
               counts: RunCounts, renderer: list, todo):
        """(ImageOutcome, the lines said about it, the seconds lost giving way) of image `row`, by the batch's plan
        `todo` (`folder_predict.plan`): skipped when finished before (logged by the plan), refused for a name too long,
        its scene made when only that is missing, else its people fitted and written, stopped at the Predictor's
        checkpoints by an interactive request and tried again once that is answered (`predict_giving_way`), planned
        again (the people written before stay and are kept, and the outcome counts them: the list says what this run
        wrote);
        None when the job is cancelled before any of its people was written, an outcome counted 'cancelled' with the
        files written when after (with "every person", person 1's files stay when person 2 is cut short). A full
        or read-only disk (FatalWrite) goes to the caller, which stops the batch."""
        from dataclasses import replace

        from inference.folder_predict import (
            FatalWrite,
            FolderRun,
            ImageOutcome,
            RunCounts,
            from_files,
            plan,
            predict_image,
        )

        started = False
        # the files and people (from 1) that tries cut short wrote (people written before an interactive request)
        earlier: list[Path] = []
        earlier_persons: set[int] = set()
        path, name = images[row], stems[row]
        said: list[str] = []
        tries = 0

        def attempt(cancel):
            nonlocal todo, said, started, tries
            tries += 1
            if tries > 1:  # fitted again: what the tries before wrote is planned as written, and kept
                todo = plan(job, images, stems, [row], log, RunCounts(), lambda line: None)
            said = []
            if row in todo.refused:
                return counts.add(ImageOutcome("failed")), [todo.refused[row]]
            if row in todo.from_files:  # every person's fit there, a mesh format or the scene not: made from them
                return from_files(job, body, log, counts, row, path, name, todo.people.get(name),
                                  todo.searched.get(name), todo.holders, said.append), said
            if row not in todo.todo:
                return counts.add(ImageOutcome("skipped")), said
            if not started:
                self.itemStarted.emit(job_id, row)
                started = True
            run = None
            try:
                if not renderer:
                    made, problem = mesh_renderer(body)
                    renderer.append(made)
                    if problem:  # (said with the batch's first image)
                        said.append(f"{problem}; the mesh is not drawn over the photo (NAME_overlay.png says so)")
                run = FolderRun(job, pred, renderer[0], body, log, counts, said.append, todo.holders, todo.boxed,
                                cancel=cancel)
                used = len(getattr(pred, "used", ()))
                outcome = predict_image(run, row, path, name)
                on_hand = sorted(k for _, k in getattr(pred, "used", ())[used:])
                if on_hand:
                    from .people_fits import people_text

                    said.append(f"{people_text(on_hand)}: the fit made on screen (not fitted again)")
            except Cancelled:
                earlier.extend([q for q in run.written if q not in earlier])
                earlier_persons.update(run.persons)
                raise
            except FatalWrite:  # (logged and counted) the caller stops the batch
                raise
            except Exception as exc:  # noqa: BLE001 - a bug is this image's status (traceback printed); the batch goes on
                print_traceback()
                log.write(index=row, image=str(path), output=name, status="error", message=user_message(exc))
                return counts.add(ImageOutcome("failed")), [user_message(exc)]
            if earlier:  # the people an earlier try wrote are this run's too (the try that finished kept them)
                written = tuple(earlier) + tuple(q for q in outcome.written if q not in earlier)
                outcome = replace(outcome, written=written, persons=tuple(sorted({*outcome.persons, *earlier_persons})))
            return outcome, said

        done, lost = self.predict_giving_way(job_id, attempt)
        if done is None:
            if not earlier:
                return None
            done = ImageOutcome("cancelled", written=tuple(earlier), persons=tuple(sorted(earlier_persons))), said
        return (*done, lost)

    @staticmethod
    def _merge(out: Path, images: list[Path], stems: list[str]) -> str:
        """Rewrite OUT/summary.csv from every log there (inference.batch_log.merge_summary); '' when written, else
        why not (the table is a record: the outputs are written)."""
        try:
            batch_log.merge_summary(out, images, stems)
        except OSError as exc:
            return write_error_reason(exc)
        return ""


def _status(outcome, said: list[str], path: Path, out: Path, seconds: float) -> ImageStatus:
    """The list's status of an image from its inference.folder_predict.ImageOutcome and the lines said about it
    (each without the image's path, which the list shows)."""
    lines = [line.removeprefix("warning: ").removeprefix(f"{path}: ").removeprefix(f"{path} ") for line in said]
    if outcome.counted == "cancelled":  # not run to its end: 'not run', and what it wrote, which a rerun keeps
        who = ", ".join(f"person {n}" for n in outcome.persons) or "some files"
        return ImageStatus(NOT_RUN, "; ".join([*lines, f"cancelled after {who} ({len(outcome.written)} files, kept: "
                                                        "Run all again writes the others)"]), outputs=outcome.written)
    if outcome.counted == "skipped":
        return ImageStatus(DONE, "; ".join([*lines, f"outputs already in {out} (kept)"]))
    if outcome.counted == "failed":
        state = NO_PERSON if outcome.no_person else ERROR
        return ImageStatus(state, "; ".join(lines) or "not written", outputs=outcome.written)
    quality = assess_quietly(outcome.prediction) if outcome.prediction is not None else None
    who = ""
    if len(outcome.persons) > 1:
        who = f"{len(outcome.persons)} people, "
    elif outcome.persons and outcome.people > 1:  # (one person of several: the one asked for, or the one missing)
        who = f"person {outcome.persons[0]} of {outcome.people}, "
    note = "; ".join([*lines, f"{who}{len(outcome.written)} files, {seconds:.1f} s"])
    return ImageStatus(DONE, note, quality.verdict if quality is not None else "unknown", outcome.written,
                       len(outcome.persons))
