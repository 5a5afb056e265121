"""`predict`: run the two-stage model on images; per image write the part map, overlays, mesh and parameters.

Per image NAME: NAME_parts.png (the part map in the photo's own frame: same width and height as the
photo, palette colours, background black; class probabilities warped bilinearly from the crop, see
inference.crop.uncrop_parts), NAME_parts_crop.png (the network's map on its square crop),
NAME_parts_overlay.png (the parts over the photo), NAME_people.png (detected people), NAME_overlay.png
(the mesh through the predicted camera), meshes (--mesh-formats: NAME.obj, NAME.ply, NAME.glb, the rigged
NAME_skinned.glb and the pose as NAME.bvh; body-centred unless --frame camera, see inference/export.py)
and parameter files (NAME.npz, NAME.json, NAME_body.pkl:
the body with the input photo's own camera and its 24 SMPL + 14 LSP joints in photo pixels; in the
_body.pkl, f, rt, t are the photo camera and crop_f, crop_t the network's crop camera; see
inference/export.py and inference/photo_camera.py). The files are written by
inference/predict_outputs.py, which the app's "Run all" uses too. With --all-people and several people,
NAME_scene.glb holds them all in the photo's camera (a node per person and the camera: inference/scene.py),
made from their parameter files; it follows them (`_after_writing`): remade when one is written, made when
missing, removed when it can no longer be made.

People are counted from 1 wherever a user reads them, as in the app ("Person 2 of 3"): --person N, the
NAME_pN files of --all-people, the `person` column of summary.csv, the #N labels of NAME_people.png and the
messages. `--box X0 Y0 X1 Y1` fits the person in a box of one photo (`Predictor.predict_box`: also someone the
search missed, numbered after its people and the people earlier boxes added: `_recall_boxed`) and names them as
--all-people does, so a missed person joins that folder (the rank logs' count of the image's people follows:
`inference.batch_log.people_logged`).

An image whose outputs are all there is skipped (a rerun resumes); --overwrite redoes it. With --all-people that
means every person's outputs, as many people as the rank logs say the image's last run found (an image whose count
is not on record is predicted again, and only its missing people are written; a person whose set lost a file is
written again when the rank logs say the rest holds that person of that image, while files of another image or
person, or not on record, are never replaced without --overwrite; every person's names are looked at before any is
written). When an image's own outputs are written anew, the outputs of people beyond those found now that the rank
logs say this tool wrote for it are removed, except a person fitted from a --box (not one of the search's people:
kept, and counted, while their NAME_pK.npz is there, `predict_resume.boxed_there`; the rows of a run log the
search's own count, so deleting a boxed person's files lowers the image's count, and a scene that shows other people
than the image now holds is remade or removed: `predict_resume.scene_stale`). "The rank logs" are every log under
OUT/summary_ranks/, the app's "Run all" log among them (inference/batch_log.py): what the app wrote counts as
written by this tool. Large folders: `--shard K/N` or torchrun ranks split the inputs, and OUT/summary.csv lists
every image's result (see cli/predict_batch.py).

Exit status: EPILOG below (the end of `predict --help`).
"""
from __future__ import annotations

import argparse
import errno
import re
import sys
import time
from pathlib import Path

from cli.out_arg import out_path
from inference.batch_log import (
    RANK_LOGS,
    box_note,
    boxed_logged,
    holder_text,
    holds,
    merge_summary,
    note_box,
    people_logged,
    person_number,
    written_logged,
)
from inference.errors import NoPersonFound, PersonNotThere
from inference.file_writes import write_error_reason
from inference.image_io import IMAGE_SUFFIXES, about_file  # IMAGE_SUFFIXES: the one list the app's reader accepts
from inference.predict_outputs import (  # the one exporter, shared with the app's "Run all"
    SUMMARY,
    output_paths,
    output_stems,
    remove_quietly,
    write_outputs,
)

from .predict_args import (
    MESH_FORMATS,
    PredictInputError,
    check_box_use,
    check_person,
    expand,
    parse_box,
    parse_mesh_formats,
    prepare_out,
    subfolders_note,
)
from .predict_resume import (
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

# errors that no later image can escape: the batch stops with a summary instead of failing image by image
FATAL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def _user_body_model(path):
    """The body model file given with --body-model, loaded (None without one: the embedded model loads with the
    networks); PredictInputError with the reader's message for a file that does not load."""
    if not path:
        return None
    from inference.body_model import BodyModel, BodyModelError

    try:
        return BodyModel(path)
    except BodyModelError as exc:
        raise PredictInputError(str(exc)) from None


EPILOG = """\
exit status:
  0    every image done, or finished before (skipped)
  1    an image failed: unreadable, no person found (or none in the --box), --person N beyond the
       people found, outputs in the way, a write error; or the batch stopped on a full or read-only
       disk (the other images' results are still written; OUT/summary.csv says which image and why);
       with --merge-summary: OUT/summary.csv cannot be written
  2    bad arguments (--person, --mesh-formats, --shard, --box and what it cannot go with), no images
       found, an --out that cannot be used, a body model or network weights that cannot be loaded, or
       --box without the person detector installed (nothing predicted)
  130  interrupted (Ctrl+C); 143 terminated (SIGTERM): the current image's partial outputs are removed

people are counted from 1 everywhere: --person N, NAME_pN, summary.csv's person column, the #N labels
of NAME_people.png (earlier releases counted --person and the person column from 0)."""


def add_arguments(p, name: str) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter  # the epilog's table as written
    p.add_argument("images", nargs="+", type=Path, help="image files or folders of images")
    p.add_argument("--out", type=out_path, required=True, help="output folder")
    p.add_argument("--refine", action=argparse.BooleanOptionalAction, default=True,
                   help="test-time refinement to the detector's keypoints, 3D landmarks and silhouette (on by "
                        "default, 0.2-0.8 s per person on a 2-core CPU; --no-refine writes the network's own fit)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--precision", default="auto", choices=("auto", "float32", "bfloat16"),
                   help="the networks' number format, the detector's animal check included (default auto: bfloat16 "
                        "on a CPU with AMX matrix units, where it is about twice as fast, else float32; NBF_PRECISION "
                        "in the environment decides auto)")
    p.add_argument("--body-model", default=None, help="SMPL model file (default: the embedded model)")
    p.add_argument("--mesh-formats", default="obj,glb",
                   help="comma list of obj, ply, glb, skinned-glb (NAME_skinned.glb: SMPL skeleton and skin), "
                        "bvh (the pose)")
    p.add_argument("--frame", choices=("body", "camera"), default="body",
                   help="meshes and BVH: body-centred (pelvis at the origin, y up; default) or camera: the "
                        "OpenGL frame of the network's crop camera (the square crop around the person, camera at "
                        "the origin looking down -z), not the photo's camera; the parameter files hold both cameras")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    p.add_argument("--detect", default="auto", choices=("auto", "on", "off"),
                   help="person detector (auto: use it when its runtime is installed; off: whole image is the crop)")
    p.add_argument("--person", type=int, default=1, metavar="N",
                   help="which detected person to fit, counted from 1 (1: the default one, the most complete and "
                        "central; 2: the next; as the app's Person N and the NAME_pN files; earlier releases "
                        "counted from 0)")
    p.add_argument("--box", nargs=4, type=float, metavar=("X0", "Y0", "X1", "Y1"), default=None,
                   help="fit the person inside this box (photo pixels: top-left and bottom-right corners; one "
                        "image only), as a Shift+drag box in the app: the landmark model looks there even where "
                        "the search found nobody (a person far away, cut by the frame, or with the face hidden). "
                        "Person N of the photo is written as with --all-people (person 1 under the image's name, "
                        "person N as NAME_pN), so a missed person joins an --all-people folder")
    p.add_argument("--all-people", action="store_true",
                   help="fit every detected person: the --person one (default 1) under the image's name, each "
                        "other person N under NAME_pN (person 2: photo_p2); a rerun writes the people missing")
    p.add_argument("--shard", metavar="K/N", default=None,
                   help="run only share K of N (K from 0 to N-1: every N-th image from the K-th); default: "
                        "torchrun's RANK/WORLD_SIZE, else all images. Finished images are skipped, so a rerun "
                        "resumes; every rank logs to OUT/summary_ranks/ and merges OUT/summary.csv")
    p.add_argument("--merge-summary", action="store_true",
                   help="only rebuild OUT/summary.csv from the rank logs for these images (no prediction)")


def run(args) -> int:
    from cli import predict_batch as batch

    try:
        mesh_formats = parse_mesh_formats(args.mesh_formats)
        check_person(args.person)
        shard = batch.parse_shard(getattr(args, "shard", None))
        images = expand(args.images, args.out)
        if not images:
            raise PredictInputError(f"no images found in {', '.join(map(str, args.images))} "
                                    f"(looked for {', '.join(IMAGE_SUFFIXES)})")
        if not getattr(args, "merge_summary", False):  # (a merge predicts nothing: a box means nothing there)
            check_box_use(parse_box(getattr(args, "box", None)), images, args.all_people, args.person, args.detect)
        user_body = _user_body_model(args.body_model)  # a file that does not load: refused before OUT is made
        prepare_out(args.out)
        note = subfolders_note(args.images, args.out)
        if note:
            print(note)
    except (PredictInputError, batch.ShardError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stems = output_stems(images)  # over the whole list, the same on every rank: shares never share a name
    if getattr(args, "merge_summary", False):
        return _merge(args.out, images, stems)
    mine = shard.take(len(images))
    if shard.world > 1:
        print(f"rank {shard.rank} of {shard.world}: {len(mine)} of {len(images)} images")
    try:
        log = batch.RankLog(args.out, shard)
    except OSError as exc:  # (prepare_out probed OUT, not a summary_ranks folder left read-only there)
        print(f"error: cannot write the summary log in {args.out / RANK_LOGS}: {write_error_reason(exc)}",
              file=sys.stderr)
        return 2
    from inference.nets.precision import for_process

    for_process(args.precision)  # before the shared detector is built: its animal check follows the flag too
    try:
        return _run_images(args, images, stems, mine, mesh_formats, user_body, log)
    finally:
        # also after Ctrl+C or SIGTERM: the rank logs hold every result so far (a row is logged when its
        # output is complete), so the table is right and the user reads it without --merge-summary
        log.close()
        try:
            merge_summary(args.out, images, stems)
        except OSError as exc:
            print(f"warning: cannot write {args.out / SUMMARY}: {write_error_reason(exc)}", file=sys.stderr)


def _run_images(args, images: list[Path], stems: list[str], mine: list[int], mesh_formats: list[str], user_body,
                log) -> int:
    """Predict this rank's images `mine` (indices into `images`), logging to `log`; returns the exit status."""
    from inference.render.context import configure_gl

    configure_gl()
    from tqdm import tqdm

    from inference.body_model import BodyModel, BodyModelError
    from inference.pipeline import PredictionError, Predictor
    from inference.render.renderer import MeshRenderer

    counts = {"done": 0, "skipped": 0, "failed": 0, "no_person": 0}
    people = people_logged(args.out) if args.all_people and not args.overwrite else {}
    # what a skipped image's row says: the search's own count (the boxed people are counted from their files);
    # a boxed person within it is one of the search's people, whose files the search writes
    searched = people_logged(args.out, boxed_too=False) if not args.overwrite else {}
    # read with --overwrite too: the outputs of people no longer found are removed only where the logs say
    # this tool wrote them for this image (`_remove_people_beyond`)
    holders, boxed = written_logged(args.out), boxed_logged(args.out)
    todo, scenes, refused = [], [], set()
    box = parse_box(getattr(args, "box", None))
    for i in mine:
        longest = _name_too_long(args, mesh_formats, stems[i], box is not None)
        if longest:  # (before any output is looked for: the file system refuses even to say it is absent)
            msg = (f"the output file {longest} would be a longer name than the file system takes: rename the photo "
                   f"(or copy it under a shorter name)")
            print(f"error: {images[i]}: {msg}", file=sys.stderr)
            log.write(index=i, image=str(images[i]), output=stems[i], status="error", message=msg)
            counts["failed"] += 1
            refused.add(i)
            continue
        if box is not None:  # (one image) the same box again: the person fitted in it, if their outputs are there
            again = None if args.overwrite else boxed_before(args.out, stems[i], images[i], box, mesh_formats,
                                                               holders, boxed)
            if again is None:
                todo.append(i)
                continue
            log.write(index=i, image=str(images[i]), output=again[0], person=again[1], status="skipped",
                      message="outputs exist")
            counts["skipped"] += 1
            return _report(args, mine, counts)
        if args.overwrite or not finished(args.out, stems[i], mesh_formats, args.all_people, args.person,
                                          people.get(stems[i]), holders, images[i], boxed, searched.get(stems[i])):
            todo.append(i)
            continue
        now = present_names(args.out, stems[i], args.person, people.get(stems[i]), searched.get(stems[i]))
        if args.all_people and (scene_missing(args.out, stems[i], len(now)) or scene_stale(args.out, stems[i], now,
                                                                                            holders)):
            scenes.append(i)  # every person's outputs there, the scene not, or not of them (a deletion)
    for i in sorted(set(mine) - set(todo) - set(scenes) - refused):  # finished before: not even the models are needed
        log.write(index=i, image=str(images[i]), output=stems[i], status="skipped", message="outputs exist",
                  people=searched.get(stems[i]))
        counts["skipped"] += 1
    for i in mine if args.all_people else ():
        note_boxed_short(args.out, stems[i], images[i], mesh_formats, holders, boxed, searched.get(stems[i]))
    if not (todo or scenes):
        return _report(args, mine, counts)
    _use_local_gpu(log.shard, args.device)
    try:
        body = user_body or BodyModel(args.body_model)
        for i in scenes:  # made from the people's parameter files: nobody is fitted again
            _scene_only(args, body, log, counts, i, images[i], stems[i], people[stems[i]], searched.get(stems[i]),
                        holders)
        if not todo:
            return _report(args, mine, counts)
        pred = Predictor(body_model=body, device=args.device, refine=args.refine, detect=args.detect,
                         precision=args.precision)
    except (BodyModelError, PredictionError) as exc:
        print(f"error: {exc}")
        return 2
    for w in pred.warnings:
        print(f"warning: {w}")
    if getattr(args, "box", None) and pred.detector is None:
        print("error: --box needs the person detector, which is not installed here (requirements-detect.txt)",
              file=sys.stderr)
        return 2
    renderer = MeshRenderer(body.faces, body.weights)
    ctx = _Context(args, mesh_formats, pred, renderer, body, log, counts, tqdm.write, PredictionError, holders,
                   boxed)
    for i in tqdm(todo, desc="predict", unit="image", disable=len(todo) < 2):
        try:
            _predict_image(ctx, i, images[i], stems[i])
        except _Fatal as exc:
            left = len(mine) - counts["done"] - counts["skipped"] - counts["failed"]
            print(f"error: stopped: {exc}; {counts['done']}/{len(mine)} images done, {left} not run, "
                  f"outputs in {args.out}", file=sys.stderr)
            return 1
    return _report(args, mine, counts)


def _name_too_long(args, mesh_formats: list[str], stem: str, boxed: bool) -> str | None:
    """The longest output file name of the image with output name `stem` when the file system cannot take it (with
    --all-people or a box, as person NN's NAME_pNN), else None."""
    from inference.file_writes import name_too_long

    names = [q.name for q in output_paths(args.out / stem, mesh_formats, True)]
    if args.all_people or boxed:
        names = [n.replace(stem, f"{stem}_p99", 1) for n in names]
    return name_too_long(args.out, names)


def _report(args, mine: list[int], counts: dict) -> int:
    """Print the batch's closing lines; the exit status."""
    skipped = f", {counts['skipped']} finished before (skipped)" if counts["skipped"] else ""
    print(f"{counts['done']}/{len(mine)} images done{skipped}, outputs in {args.out}")
    if counts["no_person"] and args.detect != "off" and not getattr(args, "box", None):  # (a box says why itself)
        print(f"{counts['no_person']} with no person found: if an image is already one person's crop, "
              "--detect off fits the whole image as that person; --box X0 Y0 X1 Y1 fits a person the search "
              "missed or set aside")
    return 1 if counts["failed"] else 0


def _merge(out: Path, images: list[Path], stems: list[str]) -> int:
    from inference.batch_log import count

    try:
        path = merge_summary(out, images, stems)
    except OSError as exc:
        print(f"error: cannot write {out / SUMMARY}: {write_error_reason(exc)}", file=sys.stderr)
        return 1
    with open(path, newline="", encoding="utf-8") as fh:
        import csv

        n = count(list(csv.DictReader(fh)))
    print(f"{path}: " + ", ".join(f"{v} {k}" for k, v in n.items() if v))
    return 0


def _use_local_gpu(shard, device: str) -> None:
    """Under torchrun, each process of a machine uses its own GPU (LOCAL_RANK), not all of them GPU 0."""
    if shard.local_rank is None or device == "cpu":
        return
    import torch

    if torch.cuda.is_available() and torch.cuda.device_count() > 0:
        torch.cuda.set_device(shard.local_rank % torch.cuda.device_count())


class _Fatal(Exception):
    """An error no later image can escape (full disk, read-only file system)."""


class _Context:
    def __init__(self, args, mesh_formats, pred, renderer, body, log, counts, say, prediction_error, holders,
                 boxed=frozenset()):
        self.args, self.mesh_formats, self.pred, self.renderer, self.body = args, mesh_formats, pred, renderer, body
        self.log, self.counts, self.say, self.PredictionError = log, counts, say, prediction_error
        self.holders = holders  # whose fit each output name's files hold (inference.batch_log.written_logged)
        self.boxed = boxed  # output names holding a person fitted from a box (inference.batch_log.boxed_logged)


def _predict_image(ctx, index: int, path: Path, name: str) -> None:
    """Predict one image (with --all-people: every person), write the outputs that are not there yet in person
    order, log one row per person, then bring the image's other files in line with them (`_after_writing`);
    raises _Fatal for a full or read-only disk. People are counted from 1 (--person N, NAME_pN, the summary's
    person column)."""
    args = ctx.args
    t0 = time.perf_counter()
    person, box = args.person, parse_box(getattr(args, "box", None))
    layout = person  # the person whose outputs take the image's own name
    row = {"index": index, "image": str(path), "output": name, "person": None if box else person}
    try:
        recalled, boxed_before = _recall_boxed(ctx, path, name) if box is not None else ({}, [])
        p, damage = predict_one(ctx.pred, path, person - 1, box)
    except ctx.PredictionError as exc:
        ctx.say(about_file(path, str(exc)))
        ctx.counts["failed"] += 1
        status = "no person" if isinstance(exc, NoPersonFound) else "error"
        ctx.counts["no_person"] += status == "no person"
        # (a failed box is logged with its box: the table keeps the image's earlier result, `batch_log._best`)
        ctx.log.write(**row, status=status, message=str(exc) if box is None else box_note(box, str(exc)),
                      seconds=time.perf_counter() - t0, people=exc.found if isinstance(exc, PersonNotThere) else None)
        return
    spent = time.perf_counter() - t0  # the fitted person's own time (with the detection), without the others'
    for text in damage:
        ctx.say(f"warning: {about_file(path, text)}")
    found = searched(p)
    if box is not None:  # the boxed person's place among the photo's people, counted from 1, named as by
        # --all-people (the search's person 1 under NAME, person N as NAME_pN): a missed person joins that folder;
        # in a folder of `--all-people --person L`, whose NAME holds person L of this image, as that run named them
        held = ctx.holders.get(name)
        person = _boxed_number(p, recalled, boxed_before)
        layout = (person_number(held[1]) if held and held[0] == path.name else None) or 1
        names = {person: person_names(name, layout, max(found, person))[person]}
    else:
        names = person_names(name, person, found) if args.all_people and found > 1 else {person: name}
    rows = {n: {**row, "output": o, "person": n} for n, o in names.items()}
    keep = {n for n, o in names.items()
            if not args.overwrite and kept(args.out, o, ctx.mesh_formats, ctx.holders, path, n)}
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
        ctx.counts["failed"] += 1
        return
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
                q, _ = predict_one(ctx.pred, path, n - 1)
            except ctx.PredictionError as exc:
                ctx.say(f"{path} person {n}: {exc}")
                ctx.log.write(**_person_row(rows[n], p), status="error", message=str(exc),
                              seconds=time.perf_counter() - t1)
                ok = False
                continue
        if _write(ctx, q, path, o, rows[n], t1, damage=notes, shared=len(names) if n == person else 0):
            wrote.add(n)
        else:
            ok = False
    _after_writing(ctx, path, name, p, wrote, ok, layout)
    ctx.counts["failed" if not ok else "done" if wrote else "skipped"] += 1


def _recall_boxed(ctx, path: Path, name: str) -> tuple[dict[int, int], list[int]]:
    """({index among the image's people: person K}, every such K) of the people earlier `--box` runs fitted in `path`
    (output name `name`) whose parameter files are there: their boxes are given to the detector again
    (`Predictor.recall_boxes`; this process has not seen them), so that a box around one of them fits that person
    again, and a new person's number follows theirs (`_boxed_number`). A box nobody is found in now is left out of
    the first, not of the second."""
    from inference.image_io import damage_notes

    people = boxed_people(ctx.args.out, name, path, ctx.holders, ctx.boxed)
    boxes = [(k, b) for k, _, note in people if (b := note_box(note)) is not None]
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
    args = ctx.args
    found = searched(p)
    if person in wrote:
        _remove_people_beyond(ctx, path, name, found)
    found = max([found, *boxed_beyond(ctx, path, name, found)])  # (they stay: the scene shows them too)
    scene = args.out / f"{name}_scene.glb"
    names = present_names(args.out, name, person, found, searched(p))
    found = len(names)
    everyone = found > 1 and args.all_people and ok
    if not (wrote or args.all_people and (not scene.exists() and everyone or scene_stale(args.out, name, names,
                                                                                         ctx.holders))):
        return
    there = all(n in wrote or person_there(args.out, o, n, ctx.mesh_formats, ctx.holders, path, ctx.boxed, searched(p))
                for n, o in names.items())
    if found > 1 and there and (everyone or scene.exists()):  # (without --all-people: only remade)
        _write_scene(ctx, path, name, names)
    elif scene.exists() and scene_ours(ctx.holders, name):
        remove_quietly([scene])
        why = "fewer than two people found" if found < 2 else "not every person's outputs are there"
        ctx.say(f"{path}: removed {scene.name} ({why}; it showed the fits replaced now)")


def _remove_people_beyond(ctx, path: Path, name: str, found: int) -> None:
    """Remove the outputs NAME_pK of people K > `found` that the rank logs say this tool wrote for this very
    image (files not on record, or of another image, stay): after the image's outputs were written anew, as
    with --overwrite --detect off after a run that found six people, they are not the image's people any more.
    A person a user boxed (`predict --box`: `ctx.boxed`) is not one of the search's people and stays."""
    gone = []
    for o, held in ctx.holders.items():
        m = re.fullmatch(re.escape(name) + r"_p(\d+)", o)
        if m and int(m[1]) > found and holds(held, path, int(m[1])) and o not in ctx.boxed:
            files = [q for q in output_paths(ctx.args.out / o, list(MESH_FORMATS)) if q.exists()]
            remove_quietly(files)
            gone += [(int(m[1]), o)] if files else []
    if gone:
        ctx.say(f"{path}: removed the outputs of people not found now ({', '.join(o for _, o in sorted(gone))})")


def _make_scene(out: Path, names: dict[int, str], body, target: Path, overwrite: bool) -> None:
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

    target = ctx.args.out / f"{name}_scene.glb"
    if target.exists() and not scene_ours(ctx.holders, name):
        held = ctx.holders[f"{name}_scene"]
        ctx.say(f"warning: {path}: no {target.name}: that name holds the outputs of {held[0]}")
        return
    try:
        _make_scene(ctx.args.out, names, ctx.body, target, overwrite=True)
    except (ParamsFileError, OSError, ValueError) as exc:
        ctx.say(f"warning: {path}: no {target.name} ({write_error_reason(exc)})")


def _scene_only(args, body, log, counts: dict, index: int, path: Path, stem: str, people: int,
                searched_before: int | None, holders: dict) -> None:
    """An image whose people's outputs are all there but whose STEM_scene.glb is not, or shows other people (a run
    stopped between the last person and the scene, the file deleted, a boxed person's files deleted: `people`, the
    rank logs' count, with the boxed people): the scene is made from their parameter files (removed when fewer
    than two people are left), nobody is fitted again; the people's rows are logged as skipped with the search's
    own count `searched_before` (the table keeps the rows that wrote them)."""
    from inference.errors import ParamsFileError

    names = present_names(args.out, stem, args.person, people, searched_before)
    for n, o in names.items():
        log.write(index=index, image=str(path), output=o, person=n, people=searched_before, status="skipped",
                  message="outputs exist")
    target = args.out / f"{stem}_scene.glb"
    if len(names) < 2:
        if target.exists():
            remove_quietly([target])
            print(f"{path.name}: removed {target.name} (fewer than two people now; it showed people whose files "
                  "are gone)")
        counts["skipped"] += 1
        return
    try:
        _make_scene(args.out, names, body, target, overwrite=target.exists() and scene_ours(holders, stem))
    except (ParamsFileError, OSError, ValueError) as exc:
        print(f"warning: {path}: no {target.name} ({write_error_reason(exc)})")
        counts["skipped"] += 1
        return
    print(f"{path.name}: {target.name} made from its {len(names)} people's parameter files -> {target}")
    counts["done"] += 1


def _person_row(row: dict, p) -> dict:
    """The row with the number of people the search found (`searched`: the boxed people are counted from their
    files, inference.batch_log); no person number when no person was detected (the whole image fitted as one
    person's crop)."""
    return {**row, "people": searched(p), **({} if p.people else {"person": None})}


def _in_the_way(ctx, path: Path, name: str, person: int, p) -> str | None:
    """None when person `person` of the image `path` may be written under output name `name`, else the message
    saying which files are in the way and whose fit they hold. Files the rank logs say an earlier run wrote for
    this very person of this very image are an incomplete set of the same fit (a file deleted since): completed,
    as --all-people promises for the people missing; files of another image or person, or not on record (maybe
    the user's own), stay protected unless --overwrite. `p`: the image's prediction (NAME_people.png is written
    only with people detected)."""
    held = ctx.holders.get(name)
    if ctx.args.overwrite or holds(held, path, person):
        return None
    existing = [q.name for q in output_paths(ctx.args.out / name, ctx.mesh_formats, bool(p.people)) if q.exists()]
    if not existing:
        return None
    whose = f", holding {holder_text(held)}" if held else ""
    return (f"outputs exist ({', '.join(existing[:3])}{', ...' if len(existing) > 3 else ''}{whose}); "
            f"use --overwrite or another --out")


def _write(ctx, p, path: Path, name: str, row: dict, t0: float, damage=(), shared: int = 0) -> bool:
    """Write one person's outputs and log its row; True when written (the caller counts the image; a full or
    read-only disk counts it as failed here and raises _Fatal). `shared`: with --all-people, the number of
    people whose detection this prediction ran (its printed detect time is theirs too)."""
    args = ctx.args
    stem = args.out / name
    ours = holds(ctx.holders.get(name), path, row.get("person"))
    msg = _in_the_way(ctx, path, name, row.get("person"), p)
    row = _person_row(row, p)
    if msg:  # (looked at before any person of the image was written; files may have come since)
        ctx.say(f"{path}: {msg}")
        ctx.log.write(**row, status="error", message=msg, seconds=time.perf_counter() - t0)
        return False
    from inference.predict_outputs import quality_fields

    # assessed before writing: an interruption between the files and their row would leave a complete set
    # the rank logs do not know (a rerun then skips it without its numbers)
    quality = quality_fields(p)
    try:
        write_outputs(p, stem, ctx.mesh_formats, ctx.renderer, ctx.body.name, args.overwrite or ours, ctx.body,
                      frame=getattr(args, "frame", "body"))
    except OSError as exc:
        msg = f"cannot write the outputs: {write_error_reason(exc)} ({getattr(exc, 'filename', None) or stem})"
        ctx.say(f"{path}: {msg}")
        ctx.log.write(**row, status="error", message=msg, seconds=time.perf_counter() - t0)
        if exc.errno in FATAL_ERRNOS:
            ctx.counts["failed"] += 1  # the batch stops here: this image is counted now
            raise _Fatal(write_error_reason(exc)) from exc
        return False
    if not p.people and (args.overwrite or ours):
        # the set written now has no people picture; one from an earlier fit with people detected, under
        # this name, would show people the files no longer hold
        remove_quietly([Path(f"{stem}_people.png")])
    seconds = time.perf_counter() - t0
    box = parse_box(getattr(args, "box", None))  # (a boxed person's row says so: later runs keep them)
    notes = ([box_note(box)] if box is not None else []) + list(damage)
    ctx.log.write(**row, status="done", message="; ".join(notes), seconds=seconds, **quality)
    t = p.timings
    who = f" person {row['person']}" if args.all_people and len(p.people) > 1 else ""
    if getattr(args, "box", None):
        who = f" person {row['person']} (the one in the box)"
    detect = f"detect {t.detect * 1000:.0f} ms" + (f" (all {shared} people)" if shared > 1 else "")
    ctx.say(f"{path.name}{who}: {detect}, segment {t.segment * 1000:.0f} ms, fit {t.fit * 1000:.0f} ms, "
            f"refine {t.refine * 1000:.0f} ms, total {t.total * 1000:.0f} ms -> {stem}_*")
    return True


def predict_one(pred, path: Path, person: int, box: tuple[float, float, float, float] | None = None):
    """pred.predict(path, person=person) (with a box: pred.predict_box(path, box), the person in it) and the
    messages of the image's damage (a corrupt JPEG; inference.image_io.damage_notes).
    `person` is the Predictor's index into the people found, counted from 0 (--person N is index N - 1)."""
    from inference.image_io import damage_notes

    with damage_notes() as damage:
        p = pred.predict(path, person=person) if box is None else pred.predict_box(path, box)
    return p, damage
