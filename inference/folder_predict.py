"""Predict an image into a folder of outputs, as `main.py predict` and the app's "Run all" (every person) do: which
images are finished before (`plan`), one image's people fitted and written (`predict_image`), the files of an image
whose fit is there made from its parameter files (`from_files`: mesh formats a run asks for, the scene).

The rules. People are counted from 1 wherever a user reads them (--person N, the NAME_pN files, the `person` column
of summary.csv). With `all_people`, the `person` one is written under the image's own name NAME and each other
person N under NAME_pN; NAME_scene.glb holds them all in the photo's camera (inference/scene.py), made from their
parameter files, and follows them (`_after_writing`): remade when one is written, made when missing, removed when it
can no longer be made. A `box` fits the person in a box of one photo (`Predictor.predict_box`: also someone the
search missed, numbered after its people and the people earlier boxes added: `_recall_boxed`) and names them as
`all_people` does, so a missed person joins that folder.

An image whose outputs are all there is skipped (a rerun resumes); `overwrite` redoes it. With `all_people` that
means every person's outputs, as many people as the logs say the image's last run found (an image whose count is not
on record is predicted again, and only its missing people are written; a person whose set lost a file is written
again when the logs say the rest holds that person of that image, while files of another image or person, or not on
record, are never replaced without `overwrite`; every person's names are looked at before any is written). When an
image's own outputs are written anew, the outputs of people beyond those found now that the logs say were written for
it are removed, except a person fitted from a box (kept, and counted, while their NAME_pK.npz is there,
`predict_resume.boxed_there`). "The logs" are every log under OUT/summary_ranks/ (inference/batch_log.py): the CLI's
ranks and the app's batches, so each tool knows what the other wrote.
"""
from __future__ import annotations

import errno
import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from inference.batch_log import (
    box_note,
    boxed_logged,
    holder_text,
    holds,
    note_box,
    people_logged,
    same_image,
    written_logged,
)
from inference.errors import Cancelled, NoPersonFound, PersonNotThere, PredictionError
from inference.file_writes import name_too_long, write_error_reason
from inference.image_io import about_file
from inference.predict_outputs import (
    MESH_FORMATS,
    mesh_path,
    missing_meshes,
    output_paths,
    remove_quietly,
    siblings_frame,
    write_meshes_from_params,
    write_outputs,
)
from inference.predict_resume import (
    boxed_before,
    boxed_beyond,
    boxed_people,
    finished,
    kept,
    note_boxed_short,
    person_names,
    person_there,
    present_names,
    scene_missing,
    scene_ours,
    scene_stale,
    searched,
)

if TYPE_CHECKING:
    from inference.batch_log import BatchLog
    from inference.types import Prediction

# errors that no later image can escape: the batch stops with a summary instead of failing image by image
FATAL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


@dataclass(frozen=True)
class FolderJob:
    """What is written where. out: the output folder; mesh_formats: of inference.predict_outputs.MESH_FORMATS;
    all_people: every person of an image (else the `person` one, counted from 1); box: (x0, y0, x1, y1) photo px, the
    person in it (one image); frame: the meshes' frame ('body' or 'camera'); overwrite_hint: how the user replaces
    outputs in the way, in the words of the tool they use."""

    out: Path
    mesh_formats: tuple[str, ...]
    overwrite: bool = False
    all_people: bool = False
    person: int = 1
    box: tuple[float, float, float, float] | None = None
    frame: str = "body"
    overwrite_hint: str = "use --overwrite or another --out"


@dataclass(frozen=True)
class Plan:
    """What `plan` found: the images to predict (`todo`) and those whose people are all there but for some mesh
    formats or the scene (`from_files`: made from their parameter files), as indices into the images; what the logs
    know of the folder: `people` ({output name: the image's count, boxed people included}), `searched` (the search's
    own count), `holders` ({output name: whose fit its files hold}), `boxed` ({output name: its box note});
    `refused` ({index: why}: an output name the file system cannot take). The images of `mine` in none of these
    were finished before (logged as skipped)."""

    todo: tuple[int, ...]
    from_files: tuple[int, ...]
    people: dict
    searched: dict
    holders: dict
    boxed: dict
    refused: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ImageOutcome:
    """How one image went: `counted` 'done' (a person written), 'skipped' (all there before), 'failed' (a person
    not written, or nobody found: `no_person`), 'cancelled' (the app's batch: stopped after some of its people were
    written, which stay); `prediction` the image's first prediction (None when it failed);
    `written` the files written, every person's; `persons` the people written (numbers from 1); `people` the people
    the search found."""

    counted: str
    no_person: bool = False
    prediction: Prediction | None = None
    written: tuple[Path, ...] = ()
    persons: tuple[int, ...] = ()
    people: int = 0


@dataclass(slots=True)
class RunCounts:
    """The images of one run counted as they are reached: `done` (a person written), `skipped` (all there before),
    `failed` (an image not written, `no_person` of them because nobody was found). Mutable on purpose: one tally
    that `plan`, `from_files`, `predict_image` and the caller's own failures add to, so that a run stopped part way
    (a full disk, a cancel) has counted what it did; slots, so that a misspelt count is an AttributeError, never a
    new count that stays zero."""

    done: int = 0
    skipped: int = 0
    failed: int = 0
    no_person: int = 0

    def add(self, outcome: ImageOutcome) -> ImageOutcome:
        """Count one image by its outcome ('done', 'skipped' or 'failed', with `no_person`) and give the outcome
        back; ValueError for one that is not counted (a 'cancelled' image)."""
        if outcome.counted == "done":
            self.done += 1
        elif outcome.counted == "skipped":
            self.skipped += 1
        elif outcome.counted == "failed":
            self.failed += 1
            self.no_person += outcome.no_person
        else:
            raise ValueError(f"an image {outcome.counted!r} is not counted")
        return outcome

    @property
    def reached(self) -> int:
        """The images counted: done, skipped or failed."""
        return self.done + self.skipped + self.failed


class FatalWrite(Exception):
    """An error no later image can escape (full disk, read-only file system): the batch stops."""


class FolderRun:
    """The state one batch shares between its images: the job, the Predictor `pred`, the mesh `renderer`, the body
    model, the `log` (an inference.batch_log.BatchLog), the `counts` (a `RunCounts`), `say` (a message line for
    the user), `timing` (a person's timing line, or None), `cancel` (the Predictor's cancel callback, or None), and
    what the logs know (`holders`, `boxed`: see `Plan`)."""

    def __init__(self, job: FolderJob, pred, renderer, body, log: BatchLog, counts: RunCounts,
                 say: Callable[[str], None], holders: dict, boxed: dict | frozenset = frozenset(),
                 timing: Callable[[str], None] | None = None, cancel: Callable[[], bool] | None = None):
        self.job, self.mesh_formats, self.pred, self.renderer, self.body = job, list(job.mesh_formats), pred, \
            renderer, body
        self.log, self.counts, self.say, self.timing, self.cancel = log, counts, say, timing, cancel
        self.holders = holders  # whose fit each output name's files hold (inference.batch_log.written_logged)
        self.boxed = boxed  # output names holding a person fitted from a box (inference.batch_log.boxed_logged)
        self.written: list[Path] = []  # the files the image being predicted got so far
        self.persons: list[int] = []  # the people (from 1) of that image written so far


def name_too_long_for(job: FolderJob, stem: str) -> str | None:
    """The longest output file name of the image with output name `stem` when the file system cannot take it (with
    all_people or a box, as person NN's NAME_pNN), else None."""
    names = [q.name for q in output_paths(job.out / stem, list(job.mesh_formats), True)]
    if job.all_people or job.box is not None:
        names = [n.replace(stem, f"{stem}_p99", 1) for n in names]
    return name_too_long(job.out, names)


def plan(job: FolderJob, images: list[Path], stems: list[str], mine, log: BatchLog, counts: RunCounts,
         say: Callable[[str], None]) -> Plan:
    """Which of the images `mine` (indices into `images`, output names `stems`) are to be predicted, and which need
    only their scene; those finished before are logged as skipped and counted, and a name the file system cannot
    take as failed (said with `say`)."""
    people = people_logged(job.out) if job.all_people and not job.overwrite else {}
    # what a skipped image's row says: the search's own count (the boxed people are counted from their files);
    # a boxed person within it is one of the search's people, whose files the search writes
    counted = people_logged(job.out, boxed_too=False) if not job.overwrite else {}
    # read with overwrite too: the outputs of people no longer found are removed only where the logs say
    # they were written for this image (`_remove_people_beyond`)
    holders, boxed = written_logged(job.out), boxed_logged(job.out)
    todo, from_files, refused = [], [], {}
    mesh_formats = list(job.mesh_formats)
    for i in mine:
        longest = name_too_long_for(job, stems[i])
        if longest:  # (before any output is looked for: the file system refuses even to say it is absent)
            msg = (f"the output file {longest} would be a longer name than the file system takes: rename the photo "
                   f"(or copy it under a shorter name)")
            say(f"error: {images[i]}: {msg}")
            log.write(index=i, image=str(images[i]), output=stems[i], status="error", message=msg)
            counts.failed += 1
            refused[i] = msg
            continue
        if job.box is not None:  # (one image) the same box again: the person fitted in it, if their outputs are there
            again = None if job.overwrite else boxed_before(job.out, stems[i], images[i], job.box, mesh_formats,
                                                              holders, boxed)
            if again is None:
                todo.append(i)
                continue
            log.write(index=i, image=str(images[i]), output=again[0], person=again[1], status="skipped",
                      message="outputs exist")
            counts.skipped += 1
            return Plan((), (), people, counted, holders, boxed)
        there = functools.partial(finished, job.out, stems[i], all_people=job.all_people, person=job.person,
                                  people=people.get(stems[i]), holders=holders, image=images[i], boxed=boxed,
                                  searched=counted.get(stems[i]))
        now = present_names(job.out, stems[i], job.person, people.get(stems[i]), counted.get(stems[i])) \
            if job.all_people else {job.person: stems[i]}  # (the people `from_files` reads)
        if job.overwrite or not there(mesh_formats):
            # the fit there but for a mesh format this run asks for: written from its parameter file
            if job.overwrite or not there([]):
                todo.append(i)
            else:
                (todo if _params_damaged(job, images[i], now, say) else from_files).append(i)
            continue
        if job.all_people and (scene_missing(job.out, stems[i], len(now)) or scene_stale(job.out, stems[i], now,
                                                                                          holders)):
            # every person's outputs there, the scene not, or not of them (a deletion)
            (todo if _params_damaged(job, images[i], now, say) else from_files).append(i)
    for i in sorted(set(mine) - set(todo) - set(from_files) - set(refused)):  # finished before: no model needed
        log.write(index=i, image=str(images[i]), output=stems[i], status="skipped", message="outputs exist",
                  people=counted.get(stems[i]))
        counts.skipped += 1
    for i in mine if job.all_people else ():
        if i not in from_files:  # (there a boxed person's meshes are made from their parameter file)
            note_boxed_short(job.out, stems[i], images[i], mesh_formats, holders, boxed, counted.get(stems[i]), say)
    return Plan(tuple(todo), tuple(from_files), people, counted, holders, boxed, refused)


def params_problem(out: Path, name: str) -> str | None:
    """Why the parameter file NAME.npz of the output name `name` does not read (damaged, cut short), else None."""
    from inference.errors import ParamsFileError
    from inference.export import load_params_file

    try:
        load_params_file(out / f"{name}.npz")
    except (ParamsFileError, OSError, ValueError) as exc:
        return write_error_reason(exc)
    return None


def _params_damaged(job: FolderJob, path: Path, names: dict[int, str], say: Callable[[str], None]) -> bool:
    """Whether a parameter file NAME.npz of the image's people `names` ({person N: output name}), which `from_files`
    would make the missing files from, does not read; said with `say`. Such an image is predicted again (its files,
    when the logs say they are this tool's, are written anew; else they are in the way, an error): made from the
    files, its meshes were never made, and the image counted as finished on every rerun."""
    for o in names.values():
        why = params_problem(job.out, o)
        if why:
            say(f"note: {path}: {why}; the missing files cannot be made from it: the image is predicted again")
            return True
    return False


def predict_image(ctx: FolderRun, index: int, path: Path, name: str) -> ImageOutcome:
    """Predict one image (with all_people: every person), write the outputs that are not there yet in person
    order, log one row per person, then bring the image's other files in line with them (`_after_writing`);
    raises FatalWrite for a full or read-only disk, Cancelled when `ctx.cancel` says so (the people written before
    stay: a rerun keeps them). People are counted from 1 (--person N, NAME_pN, the summary's person column)."""
    job = ctx.job
    t0 = time.perf_counter()
    person, box = job.person, job.box
    ctx.written, ctx.persons = [], []
    layout = person  # the person whose outputs take the image's own name
    row = {"index": index, "image": str(path), "output": name, "person": None if box else person}
    try:
        recalled, boxed_before = _recall_boxed(ctx, path, name) if box is not None else ({}, [])
        p, damage = predict_one(ctx.pred, path, person - 1, box, ctx.cancel)
    except Cancelled:
        raise
    except PredictionError as exc:
        ctx.say(about_file(path, str(exc)))
        status = "no person" if isinstance(exc, NoPersonFound) else "error"
        outcome = ctx.counts.add(ImageOutcome("failed", no_person=status == "no person"))
        # (a failed box is logged with its box: the table keeps the image's earlier result, `batch_log._best`)
        ctx.log.write(**row, status=status, message=str(exc) if box is None else box_note(box, str(exc)),
                      seconds=time.perf_counter() - t0, people=exc.found if isinstance(exc, PersonNotThere) else None)
        return outcome
    spent = time.perf_counter() - t0  # the fitted person's own time (with the detection), without the others'
    for text in damage:
        ctx.say(f"warning: {about_file(path, text)}")
    found = searched(p)
    if box is not None:  # the boxed person's place among the photo's people, counted from 1, named as by
        # --all-people (the search's person 1 under NAME, person N as NAME_pN): a missed person joins that folder;
        # in a folder of `--all-people --person L`, whose NAME holds person L of this image, as that run named them
        held = ctx.holders.get(name)
        person = _boxed_number(p, recalled, boxed_before)
        layout = (held.person if held and same_image(held, path) else None) or 1
        names = {person: person_names(name, layout, max(found, person))[person]}
    else:
        names = person_names(name, person, found) if job.all_people and found > 1 else {person: name}
    rows = {n: {**row, "output": o, "person": n} for n, o in names.items()}
    # (a set whose parameter file does not read is not kept: `_params_damaged` sent the image here to write it anew)
    keep = {n for n, o in names.items()
            if not job.overwrite and kept(job.out, o, ctx.mesh_formats, ctx.holders, path, n)
            and not params_problem(job.out, o)}
    # every name is looked at before anything is written: files in the way of one person fail the whole image
    # with nothing written (a --person 2 run into a --person 1 folder wrote person 1 again as NAME_p1 before
    # it found NAME taken)
    blocked = {n: why for n, o in names.items() if n not in keep and (why := _in_the_way(ctx, path, o, n, p))}
    if blocked:
        for n in names:
            if n in keep:
                ctx.log.write(**_person_row(rows[n], p), status="skipped", message="outputs exist")
                continue
            if n in blocked:
                ctx.say(f"{path}: {blocked[n]}")
                msg = blocked[n]
            elif n == person:  # the image's own row says why it was not written
                msg = f"not written: outputs in the way of {', '.join(names[k] for k in blocked)}"
            else:
                continue
            ctx.log.write(**_person_row(rows[n], p), status="error", message=msg, seconds=time.perf_counter() - t0)
        return ctx.counts.add(ImageOutcome("failed", prediction=p, people=found))
    wrote, ok = set(), True  # the image is counted once: failed when any of its people failed
    for n, o in names.items():
        if n in keep:  # written by an earlier run (which fitted fewer people, or lost another person's files)
            ctx.log.write(**_person_row(rows[n], p), status="skipped", message="outputs exist")
            continue
        if n == person:
            q, t1, notes = p, time.perf_counter() - spent, damage
        else:
            t1, notes = time.perf_counter(), ()
            try:
                q, _ = predict_one(ctx.pred, path, n - 1, cancel=ctx.cancel)
            except Cancelled:
                raise
            except PredictionError as exc:
                ctx.say(f"{path} person {n}: {exc}")
                ctx.log.write(**_person_row(rows[n], p), status="error", message=str(exc),
                              seconds=time.perf_counter() - t1)
                ok = False
                continue
        if _write(ctx, q, path, o, rows[n], t1, damage=notes, shared=len(names) if n == person else 0):
            wrote.add(n)
            ctx.persons.append(n)
        else:
            ok = False
    _after_writing(ctx, path, name, p, wrote, ok, layout)
    counted = "failed" if not ok else "done" if wrote else "skipped"
    return ctx.counts.add(ImageOutcome(counted, prediction=p, written=tuple(ctx.written),
                                       persons=tuple(sorted(wrote)), people=found))


def _recall_boxed(ctx, path: Path, name: str) -> tuple[dict[int, int], list[int]]:
    """({index among the image's people: person K}, every such K) of the people earlier `--box` runs fitted in `path`
    (output name `name`) whose parameter files are there: their boxes are given to the detector again
    (`Predictor.recall_boxes`; this process has not seen them), so that a box around one of them fits that person
    again, and a new person's number follows theirs (`_boxed_number`). A box nobody is found in now is left out of
    the first, not of the second."""
    from inference.image_io import damage_notes

    people = boxed_people(ctx.job.out, name, path, ctx.holders, ctx.boxed)
    boxes = [(k, b) for k, _, note in people if (b := note_box(note)) is not None]
    if boxes:  # a box outside the photo is refused before the search that recalls the others (seconds)
        from inference.image_io import ImageError, load_image
        from inference.pipeline import box_inside

        with damage_notes():
            try:
                box_inside(ctx.job.box, load_image(path).shape)
            except ImageError as exc:
                raise PredictionError(str(exc)) from None
    with damage_notes():  # (a damaged image's message is said once, by the prediction)
        at = ctx.pred.recall_boxes(path, [b for _, b in boxes])
    return {i: k for i, (k, _) in zip(at, boxes) if i is not None}, [k for k, _, _ in people]


def _boxed_number(p, recalled: dict[int, int], boxed_before: list[int]) -> int:
    """The number (from 1) of the person `predict_box` fitted (`p.person`, an index into `p.people`): one of the
    search's people keeps theirs; one an earlier --box fitted keeps the one it was given (`recalled`); someone
    new comes after the search's people and every person an earlier box fitted whose files are there
    (`boxed_before`: their numbers, also of those the detector does not find in their box now)."""
    if p.person in recalled:
        return recalled[p.person]
    if not p.people[p.person].boxed:
        return p.person + 1
    return max([searched(p), *boxed_before]) + 1


def _after_writing(ctx, path: Path, name: str, p, wrote: set[int], ok: bool, person: int) -> None:
    """After an image's people were written (`wrote`: their numbers) or kept, make its other files agree with
    them: when its own outputs (NAME) were written, the people found then are the image's people, and the
    outputs of people beyond them that this tool wrote for it are removed (`_remove_people_beyond`);
    NAME_scene.glb is written when missing or remade when a person was written, from the people's files, and
    removed when it cannot be (fewer than two people now, or a person's files missing): a scene left as it was
    would show fits the folder no longer holds; people fitted from a box beyond the search's are in it too
    (`boxed_beyond`). `person`: the person under the image's own name NAME (--person; with --box, 1)."""
    job = ctx.job
    found = searched(p)
    if person in wrote:
        _remove_people_beyond(ctx, path, name, found, person)
    # people fitted from a box beyond the search's stay, and the scene shows them too: those on record and the one
    # this run wrote (a --box run into an --all-people folder; the records were read before it)
    found = max([found, *boxed_beyond(ctx, path, name, found), *wrote])
    scene = job.out / f"{name}_scene.glb"
    names = present_names(job.out, name, person, found, searched(p))
    found = len(names)
    everyone = found > 1 and job.all_people and ok
    if not (wrote or job.all_people and (not scene.exists() and everyone or scene_stale(job.out, name, names,
                                                                                         ctx.holders))):
        return
    there = all(n in wrote or person_there(job.out, o, n, ctx.mesh_formats, ctx.holders, path, ctx.boxed, searched(p))
                for n, o in names.items())
    if found > 1 and there and (everyone or scene.exists()):  # (without all_people: only remade)
        _write_scene(ctx, path, name, names)
    elif scene.exists() and scene_ours(ctx.holders, name):
        remove_quietly([scene])
        why = "fewer than two people found" if found < 2 else "not every person's outputs are there"
        ctx.say(f"{path}: removed {scene.name} ({why}; it showed the fits replaced now)")


def _remove_people_beyond(ctx, path: Path, name: str, found: int, person: int) -> None:
    """Remove the outputs NAME_pK of people K > `found` that the rank logs say this tool wrote for this very
    image (files not on record, or of another image, stay): after the image's outputs were written anew, as
    with --overwrite --detect off after a run that found six people, they are not the image's people any more.
    Also NAME_pL of the person L now under NAME itself (`person`): a run of `--person 2 --all-people` wrote person 1
    as NAME_p1, which a plain --overwrite run then writes as NAME, and NAME_p1 stayed as a second copy of person 1
    (three fits of a two-person photo, person 1 twice in summary.csv). A person a user boxed (`predict --box`:
    `ctx.boxed`) is not one of the search's people and stays."""
    gone, moved = [], []
    for o, held in ctx.holders.items():
        m = re.fullmatch(re.escape(name) + r"_p(\d+)", o)
        k = int(m[1]) if m else 0
        if m and (k > found or k == person) and holds(held, path, k) and o not in ctx.boxed:
            files = [q for q in output_paths(ctx.job.out / o, list(MESH_FORMATS)) if q.exists()]
            remove_quietly(files)
            (moved if k == person else gone).extend([(k, o)] if files else [])
    if gone:
        ctx.say(f"{path}: removed the outputs of people not found now ({', '.join(o for _, o in sorted(gone))})")
    for _, o in moved:
        ctx.say(f"{path}: removed {o} (an earlier copy of person {person}, whose outputs are {name} now)")


def make_scene(out: Path, names: dict[int, str], body, target: Path, overwrite: bool) -> None:
    """Write `target` (NAME_scene.glb): every person of `names` ({person N: output name}) in the photo's camera
    (inference/scene.py), read back from their NAME.npz / NAME_pN.npz. Raises ParamsFileError, OSError or
    ValueError."""
    from inference.errors import ParamsFileError
    from inference.export import load_params_file
    from inference.scene import export_scene, photo_scene

    bodies = []
    for n, o in names.items():
        rec = load_params_file(out / f"{o}.npz", body)
        if rec.photo is None:
            raise ParamsFileError(f"{o}.npz records no photo camera")
        bodies.append((f"person {n}", body.mesh(rec.params), rec.photo))
    export_scene(target, photo_scene(bodies), overwrite=overwrite)


def _write_scene(ctx, path: Path, name: str, names: dict[int, str]) -> None:
    """NAME_scene.glb from the files of the people `names` ({person N: output name}), so that people an
    earlier run wrote count too; a problem is a warning, the image's own outputs stand."""
    from inference.errors import ParamsFileError

    target = ctx.job.out / f"{name}_scene.glb"
    if target.exists() and not scene_ours(ctx.holders, name):
        held = ctx.holders[f"{name}_scene"]
        ctx.say(f"warning: {path}: no {target.name}: that name holds the outputs of "
                f"{held.path if held.name == path.name and held.path else held.name}")
        return
    try:
        make_scene(ctx.job.out, names, ctx.body, target, overwrite=True)
    except (ParamsFileError, OSError, ValueError) as exc:
        ctx.say(f"warning: {path}: no {target.name} ({write_error_reason(exc)})")
        return
    ctx.written.append(target)


def from_files(job: FolderJob, body, log: BatchLog, counts: RunCounts, index: int, path: Path, stem: str,
               people: int | None, searched_before: int | None, holders: dict,
               say: Callable[[str], None]) -> ImageOutcome:
    """An image whose fit is there (`plan`) but for what can be made from its people's parameter files, which is
    made, nobody fitted again: each person's mesh formats that this run asks for and that are missing (a first run
    wrote .obj, this one asks for .glb too: `predict_outputs.write_meshes_from_params`, in the frame the person's
    other mesh files state, so that one person's files agree; in this run's frame when they state none), and
    with all_people the STEM_scene.glb when missing or showing other people (a run stopped between the last person
    and the scene, the file deleted, a boxed person's files deleted: `people`, the rank logs' count, with the boxed
    people), removed when fewer than two people are left. The people's rows are logged as skipped with the
    search's own count `searched_before` (the table keeps the rows that wrote their fits); a mesh that cannot be made
    is an error row and the image fails (its outputs stay incomplete: a rerun must not count it as finished; `plan`
    sends an image whose parameter file does not read to be predicted again instead). Raises FatalWrite for a
    full or read-only disk."""
    from inference.errors import ParamsFileError

    names = (present_names(job.out, stem, job.person, people, searched_before) if job.all_people
             else {job.person: stem})
    for n, o in names.items():
        log.write(index=index, image=str(path), output=o, person=n, people=searched_before, status="skipped",
                  message="outputs exist")
    written: list[Path] = []
    failed = False
    for n, o in names.items():
        missing = missing_meshes(job.out / o, list(job.mesh_formats))
        if not missing:
            continue
        frame = siblings_frame(job.out / o) or job.frame
        try:
            made = write_meshes_from_params(job.out / o, missing, body, frame)
        except (ParamsFileError, OSError, ValueError) as exc:
            msg = f"no {', '.join(mesh_path(job.out / o, f).name for f in missing)} ({write_error_reason(exc)})"
            say(f"error: {path}: {msg}")
            # the outputs stay incomplete: an error, not a finished image (it counted as skipped, exit 0)
            log.write(index=index, image=str(path), output=o, person=n, people=searched_before, status="error",
                      message=msg)
            counts.failed += not failed  # (the image is counted once)
            failed = True
            if isinstance(exc, OSError) and exc.errno in FATAL_ERRNOS:
                raise FatalWrite(write_error_reason(exc)) from exc
            continue
        written += made
        other = f"; in the {frame} frame of its other meshes, not --frame {job.frame}" if frame != job.frame else ""
        say(f"{path.name}: {', '.join(q.name for q in made)} made from {o}.npz (the fit there: nobody fitted "
            f"again{other})")
    target = job.out / f"{stem}_scene.glb"
    if job.all_people and len(names) < 2 and target.exists() and scene_stale(job.out, stem, names, holders):
        remove_quietly([target])
        say(f"{path.name}: removed {target.name} (fewer than two people now; it showed people whose files are gone)")
    elif job.all_people and (scene_missing(job.out, stem, len(names)) or scene_stale(job.out, stem, names, holders)):
        try:
            make_scene(job.out, names, body, target, overwrite=target.exists() and scene_ours(holders, stem))
        except (ParamsFileError, OSError, ValueError) as exc:
            say(f"warning: {path}: no {target.name} ({write_error_reason(exc)})")
        else:
            written.append(target)
            say(f"{path.name}: {target.name} made from its {len(names)} people's parameter files -> {target}")
    if failed:  # (counted above, once)
        return ImageOutcome("failed", written=tuple(written), people=searched_before or 0)
    return counts.add(ImageOutcome("done" if written else "skipped", written=tuple(written),
                                   people=searched_before or 0))


def _person_row(row: dict, p) -> dict:
    """The fields of a person's row (`BatchLog.write`'s keyword arguments, a SummaryRow's) with the number of people
    the search found (`searched`: the boxed people are counted from their files, inference.batch_log); no person
    number when no person was detected (the whole image fitted as one person's crop)."""
    return {**row, "people": searched(p), **({} if p.people else {"person": None})}


def _in_the_way(ctx, path: Path, name: str, person: int, p) -> str | None:
    """None when person `person` of the image `path` may be written under output name `name`, else the message
    saying which files are in the way and whose fit they hold. Files the rank logs say an earlier run wrote for
    this very person of this very image are an incomplete set of the same fit (a file deleted since): completed,
    as all_people promises for the people missing; files of another image or person, or not on record (maybe
    the user's own), stay protected unless overwritten. `p`: the image's prediction (NAME_people.png is written
    only with people detected)."""
    held = ctx.holders.get(name)
    if ctx.job.overwrite or holds(held, path, person):
        return None
    existing = [q.name for q in output_paths(ctx.job.out / name, ctx.mesh_formats, bool(p.people)) if q.exists()]
    if not existing:
        return None
    whose = f", holding {holder_text(held, path)}" if held else ""
    return (f"outputs exist ({', '.join(existing[:3])}{', ...' if len(existing) > 3 else ''}{whose}); "
            f"{ctx.job.overwrite_hint}")


def _write(ctx, p, path: Path, name: str, row: dict, t0: float, damage=(), shared: int = 0) -> bool:
    """Write one person's outputs (kept in `ctx.written`) and log its row; True when written (the caller counts the
    image; a full or read-only disk counts it as failed here and raises FatalWrite). `shared`: with all_people, the
    number of people whose detection this prediction ran (its timing line's detect time is theirs too)."""
    job = ctx.job
    stem = job.out / name
    ours = holds(ctx.holders.get(name), path, row["person"])
    msg = _in_the_way(ctx, path, name, row["person"], p)
    row = _person_row(row, p)
    if msg:  # (looked at before any person of the image was written; files may have come since)
        ctx.say(f"{path}: {msg}")
        ctx.log.write(**row, status="error", message=msg, seconds=time.perf_counter() - t0)
        return False
    from inference.predict_outputs import quality_cells

    # assessed before writing: an interruption between the files and their row would leave a complete set
    # the rank logs do not know (a rerun then skips it without its numbers)
    quality = quality_cells(p)
    try:
        written = write_outputs(p, stem, ctx.mesh_formats, ctx.renderer, ctx.body.name, job.overwrite or ours,
                                ctx.body, frame=job.frame)
    except OSError as exc:
        msg = f"cannot write the outputs: {write_error_reason(exc)} ({getattr(exc, 'filename', None) or stem})"
        ctx.say(f"{path}: {msg}")
        ctx.log.write(**row, status="error", message=msg, seconds=time.perf_counter() - t0)
        if exc.errno in FATAL_ERRNOS:
            ctx.counts.failed += 1  # the batch stops here: this image is counted now
            raise FatalWrite(write_error_reason(exc)) from exc
        return False
    if not p.people and (job.overwrite or ours):
        # the set written now has no people picture; one from an earlier fit with people detected, under
        # this name, would show people the files no longer hold
        remove_quietly([Path(f"{stem}_people.png")])
    ctx.written += written
    seconds = time.perf_counter() - t0
    box = job.box  # (a boxed person's row says so: later runs keep them)
    notes = ([box_note(box)] if box is not None else []) + list(damage)
    ctx.log.write(**row, status="done", message="; ".join(notes), seconds=seconds, quality=quality)
    t = p.timings
    who = f" person {row['person']}" if job.all_people and len(p.people) > 1 else ""
    if box is not None:
        who = f" person {row['person']} (the one in the box)"
    detect = f"detect {t.detect * 1000:.0f} ms" + (f" (all {shared} people)" if shared > 1 else "")
    if ctx.timing is None:
        return True
    ctx.timing(f"{path.name}{who}: {detect}, segment {t.segment * 1000:.0f} ms, fit {t.fit * 1000:.0f} ms, "
            f"refine {t.refine * 1000:.0f} ms, total {t.total * 1000:.0f} ms -> {stem}*")
    return True


def predict_one(pred, path: Path, person: int, box: tuple[float, float, float, float] | None = None,
                cancel: Callable[[], bool] | None = None):
    """pred.predict(path, person=person) (with a box: pred.predict_box(path, box), the person in it), stopped by
    `cancel` at the Predictor's checkpoints (Cancelled), and the messages of the image's damage (a corrupt JPEG;
    inference.image_io.damage_notes).
    `person` is the Predictor's index into the people found, counted from 0 (--person N is index N - 1)."""
    from inference.image_io import damage_notes

    with damage_notes() as damage:
        p = pred.predict(path, person=person, cancel=cancel) if box is None else pred.predict_box(path, box, cancel)
    return p, damage
