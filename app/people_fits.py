"""The fits of the shown photo's people in the controller (PeopleFitsMixin, a part of app.controller.Controller):
choosing the person shown, "fit everyone", a re-run, a whole-image fit or a person the user boxed, and the
people's results these set aside until their own result arrives (Esc puts them back).

Each person's result (edits and undo history included) is kept in Session.results (app/results.py, KeptResult);
a kept fit is never replaced by a fresh one without a word.
"""
from __future__ import annotations

import re
from dataclasses import replace

from inference.detect import MIN_BOX_PX
from inference.params_prediction import output_name

from .results import KeptResult, keep_result
from .worker import UserBox

_FILE_PERSON = re.compile(r".+_p(\d+)")  # NAME_pN (inference/predict_outputs.output_stems)


def edited_people(results: dict) -> str:
    """'person 1 and person 3': the people of {person: KeptResult} whose body was edited ('' for none)."""
    return " and ".join(f"person {k + 1}" for k, r in sorted(results.items())
                        if r.params is not r.prediction.params and r.params is not r.prediction.network_params)


def file_person(path) -> int:
    """The person (from 0) a parameter file holds by its name: NAME_pN of `predict --all-people` is person N, any
    other name person 1 (0)."""
    m = _FILE_PERSON.fullmatch(output_name(path))
    return max(int(m[1]) - 1, 0) if m else 0


def people_text(keys) -> str:
    """'person 2', 'people 1 and 3', 'people 1, 2 and 4' (keys count from 0)."""
    n = [str(k + 1) for k in sorted(keys)]
    return f"person {n[0]}" if len(n) == 1 else f"people {', '.join(n[:-1])} and {n[-1]}" if n else ""


class PeopleFitsMixin:
    """The people's fits for Controller (app/controller.py). Its state is set up by Controller.__init__: _kept,
    _replaced, _everyone, _everyone_job, _everyone_person, _everyone_failed, _whole_image_job, _box_job;
    it uses the controller's signals, session, generation and config, and its jobs (_submit,
    _send, _job_extras), _restore and _shown_status."""

    __slots__ = ()  # no state of its own: the controller's, set up in its __init__

    # ------------------------------------------------------------------ new jobs on the shown photo
    def rerun(self) -> None:
        """Predict the person on screen again (F5, or after a settings change). The current result stays shown
        (and editable) until the new one arrives; a cancel keeps it. The other people's fits stay as they are
        when they were made with the settings in use (re-fitting one person says nothing about the others);
        fits made with other settings are stale: set aside with it (Esc puts them back) and dropped when the new
        result arrives, and both the start and the end of the re-run say so."""
        if self.session.shown is not None and not self._no_photo_to_fit():
            self._everyone, self._everyone_job = [], 0
            person, pred, opened = self.session.person, self.session.prediction, self.opened_params()
            edited_body = opened is not None and self.edited()
            aside = self._set_results_aside(everyone=False)
            if opened is not None:  # a parameter file's body: the person the file holds (NAME_pN: person N)
                person = file_person(opened.path)
                self._submit(person=person)
            elif pred is not None and pred.person < 0 and not pred.searched:  # fitted as a whole (Shift+F5): again
                self._submit(person=-1)
            else:
                self._submit()
            notes = []
            if edited_body:
                notes.append(f"the new result replaces your edits of {opened.name} (Esc keeps them; Ctrl+Z on the "
                             "new result brings them back)")
            if edited_people({k: r for k, r in aside.items() if k == person}):
                notes.append(f"the new result replaces your edits of person {person + 1} (Esc keeps them; Ctrl+Z "
                             "on the new result brings them back)")
            stale = {k: r for k, r in aside.items() if k != person}
            if stale:
                edited = edited_people(stale)
                notes.append(f"the fits of {people_text(stale)} were made with other settings: dropped when the new "
                             f"result arrives{f', your edits of {edited} with them' if edited else ''} (Esc keeps "
                             f"them; Fit everyone fits them again)")
            if notes:
                self.status.emit(f"predicting {self.session.shown.name} again: " + "; ".join(notes))

    def fit_whole_image(self) -> None:
        """Fit the shown photo as one person's crop, without the person search (a photo of one person that the
        detector misses, which `predict` then refuses as "no person found"): a new job that supersedes the running
        one. The people found before are forgotten with their results."""
        if self.session.shown is not None and not self._no_photo_to_fit():
            self._everyone, self._everyone_job = [], 0
            fitted = len(self.session.results)
            self._set_results_aside(everyone=True)
            self.session.set_people((), 0)
            self._submit(person=-1)
            if fitted:
                self.status.emit(f"fitting {self.session.shown.name} as one person: the fits of the people found "
                                 f"are set aside (Esc puts them back)")

    def fit_box(self, box: tuple[float, float, float, float]) -> bool:
        """Fit the person the user drew a box around on the shown photo (x0, y0, x1, y1, the photo's pixels, any
        corner order): someone the search missed. The landmark model looks in the box (`Predictor.predict_box`);
        found, they join the photo's people, last, and are shown when fitted (a person already found is shown as
        that person); the people fitted before keep their fits and the result on screen stays until the new one
        arrives (Esc keeps it). Not while "fit everyone" runs. Returns True when the job started."""
        shown = self.session.shown
        if shown is None or self._no_photo_to_fit():
            return False
        if self._everyone_job:
            self.status.emit("fitting everyone: draw the box when it is done (or after Esc)")
            return False
        x0, x1 = sorted((float(box[0]), float(box[2])))
        y0, y1 = sorted((float(box[1]), float(box[3])))
        if x1 - x0 < MIN_BOX_PX or y1 - y0 < MIN_BOX_PX:
            self.status.emit(f"the box is too small ({x1 - x0:.0f} x {y1 - y0:.0f} px): draw it around the whole "
                             "person")
            return False
        if self.session.busy:  # a single fit or re-run running: superseded, what it set aside back (as after Esc)
            self._stop_single_fit()
        self._keep_current()
        self._kept = keep_result(self.session) or self._kept
        self._submit(person=UserBox(x0, y0, x1, y1))
        return True

    def _set_results_aside(self, everyone: bool) -> dict:
        """Take out of the people's results those a new job on the shown image replaces, keeping them (edits
        included) until its result arrives (_put_results_back brings them back): everyone's (a whole-image fit),
        or the person on screen's and the stale ones, made with other settings than those in use (a re-run).
        Returns what it took out ({person: KeptResult})."""
        self._keep_current()
        results = self.session.results
        if self._replaced is None:
            self._replaced = (dict(results), tuple(self.session.people), self.session.person)
        person = self.session.person
        aside = {k: r for k, r in results.items() if everyone or k == person or r.made_with != self.config}
        for k in aside:
            self.session.set_result(k, None)
        return aside

    def _put_results_back(self) -> None:
        """The results a cancelled or failed re-run set aside, back (the result on screen never left)."""
        if self._replaced is None:
            return
        results, people, person = self._replaced
        self._replaced = None
        if tuple(self.session.people) != people:
            self.session.set_people(people, person)
        for k, kept in results.items():
            self.session.set_result(k, kept)

    # ------------------------------------------------------------------ choosing a person, fitting everyone
    def select_person(self, index: int) -> bool:
        """Show the `index`-th detected person of the shown image (the most complete and central first:
        inference.detect.merging.rank_people). A person fitted before comes back at once, with their edits and
        undo history, whatever runs: "fit everyone" goes on in the background, and a single fit (another person
        clicked a moment ago, or a re-run) is superseded, as any newer request supersedes an older one (its
        person stays unfitted, as after Esc). A person not fitted yet is a new job that supersedes the running
        one (with "fit everyone" running: the next one it fits). Returns False when there is no such person or
        it is already shown."""
        people = self.session.people
        if self.session.shown is None or not 0 <= index < len(people):
            return False
        pred = self.session.prediction
        if (index == self.session.person and not self.session.busy and pred is not None
                and pred.person == index):
            return False
        self._keep_current()
        kept = self.session.results.get(index)
        if kept is not None:
            stopped = ""
            if self.session.busy and not self._everyone_job:
                # never a new job for a person kept: its result would replace the kept one, edits and all
                stopped = "; " + self._stop_single_fit()
                kept = self.session.results.get(index)
            self._restore(kept)  # shown at once, edits and undo history included
            self.status.emit(self._shown_status("fitted before") + stopped)
            if self._everyone and not self._everyone_job:  # "fit everyone" asked for during the re-run: now
                self.session.set_busy(True)
                self._next_everyone()
            return True
        # the result on screen is the one a cancel (Esc) puts back; with none on screen (another person was
        # asked for a moment ago) the one kept then stays
        self._kept = keep_result(self.session) or self._kept
        if self._everyone_job:  # fitting everyone: this one next, shown when it is done
            self._everyone = [index] + [k for k in self._everyone if k != index]
            self.session.set_prediction(None)
            self.session.set_people(people, index)
            self.status.emit(f"fitting everyone: person {index + 1} of {len(people)}"
                             + ("…" if index == self._everyone_person else " is next…"))
            return True
        self.session.set_prediction(None)
        self.session.set_people(people, index)
        self._submit()
        return True

    def _stop_single_fit(self) -> str:
        """Supersede the running single fit (not "fit everyone") for a person shown from the kept results: the
        results a re-run set aside come back as after Esc, the result on screen (edited meanwhile, perhaps)
        over its set-aside copy. Returns what was stopped, for the status bar."""
        rerun = self._replaced is not None
        what = (f"the re-run of person {self.session.person + 1} stopped" if rerun and self.session.prediction
                else f"the fit of person {self.session.person + 1} stopped (click them again to fit them)")
        self.generation.next()  # the running job's cancel callback returns True; a result in flight is dropped
        self.session.set_busy(False)
        self._kept = None
        self._put_results_back()
        self._keep_current()
        return what

    def fit_everyone(self) -> int:
        """Fit every detected person of the shown image not fitted yet, one job after the other (the worker's
        person detector answers from its cache, so the photo is detected once). Each result is kept in
        Session.results; the person on screen stays there (or, with none shown, the one asked for appears when
        fitted). During a re-run everyone is fitted after it, with its settings (the stale fits it drops
        included). Returns how many people are queued."""
        people = self.session.people
        if self.session.shown is None or not people:
            return 0
        if self._replaced is not None and self.session.busy and not self._everyone_job:
            # the re-run decides which fits stand (it drops the stale ones): queued behind it, started by
            # _on_finished / _on_failed, and filtered then (_next_everyone)
            self._everyone = [k for k in range(len(people)) if k != self.session.person]
            self._everyone_failed = {}
            self.status.emit("fitting everyone when the re-run is done…")
            return len(self._everyone)
        self._keep_current()
        self._everyone = [k for k in range(len(people)) if k not in self.session.results]
        if not self._everyone:
            self.status.emit(f"all {len(people)} people are fitted")
            return 0
        self.session.set_busy(True)
        self._everyone_failed = {}
        self._next_everyone()
        return len(self._everyone) + 1

    def _keep_current(self) -> None:
        """Keep the result on screen (edits included, an edit still pending re-posed first) among the people's
        results."""
        self.flush()
        pred = self.session.prediction
        if pred is not None and pred.person >= 0:
            self.session.set_result(int(pred.person), keep_result(self.session))

    def _next_everyone(self) -> None:
        self._everyone = [k for k in self._everyone if k not in self.session.results]
        n = len(self.session.people)
        if not self._everyone or self.session.shown is None:
            self._everyone_job = 0
            self.session.set_busy(False)
            kept, self._kept = self._kept, None
            if self.session.prediction is None:  # the person asked for could not be fitted: a result stays shown
                self._restore(kept)
            self.progress.emit(n, n)
            failed = "".join(f"; person {k + 1} not fitted: {why}" for k, why in sorted(self._everyone_failed.items()))
            self.status.emit(f"{len(self.session.results)} of {n} people fitted{failed}")
            return
        k = self._everyone.pop(0)
        self._everyone_person = k
        shown = self.session.shown
        job = self.generation.next()
        self._everyone_job = job
        self.progress.emit(len(self.session.results), n)
        self.status.emit(f"fitting everyone: person {k + 1} of {n}…")
        self._send(job, shown.image, shown.source, k)

    def _on_everyone_result(self, job_id: int, prediction) -> None:
        k = prediction.person
        quality, network, parts = self._job_extras(job_id)
        kept = KeptResult(self.session.shown, prediction, quality, tuple(prediction.people),
                          k, prediction.params, prediction.mesh, network, parts, made_with=self.config)
        if k >= 0 and k not in self.session.results:  # a kept fit (edits and all) is never replaced by a fresh one
            self.session.set_result(k, kept)
        if self.session.prediction is None and self.session.person == k:
            self._restore(kept)
        self._next_everyone()

    # ------------------------------------------------------------------ a single fit's result (_on_finished)
    def _share_people(self, people: tuple) -> None:
        """The shown image's people grew (a person the user boxed joined them, last): the other people's kept results
        list them too, so that showing one of those again does not bring back the shorter list."""
        for k, r in list(self.session.results.items()):
            n = len(r.people)
            if n < len(people) and tuple(r.people) == people[:n]:
                self.session.set_result(k, replace(r, people=people))

    def _drop_stale(self, person: int) -> list[int]:
        """A re-run's result arrived (for `person`): what it set aside goes for good, and so do fits made with
        other settings than the ones in use (kept again meanwhile, e.g. the one on screen when another person was
        clicked). Returns the people other than `person` whose stale fits went."""
        if self._replaced is None:
            return []
        aside, self._replaced = self._replaced[0], None
        for k, r in list(self.session.results.items()):
            if r.made_with != self.config:
                self.session.set_result(k, None)
        return [k for k, r in sorted(aside.items())
                if k != person and k not in self.session.results and r.made_with != self.config]
