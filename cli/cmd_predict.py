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
made from their parameter files; it follows them: remade when one is written, made when
missing, removed when it can no longer be made.

People are counted from 1 wherever a user reads them, as in the app ("Person 2 of 3"): --person N, the
NAME_pN files of --all-people, the `person` column of summary.csv, the #N labels of NAME_people.png and the
messages. `--box X0 Y0 X1 Y1` fits the person in a box of one photo (`Predictor.predict_box`: also someone the
search missed, numbered after its people and the people earlier boxes added) and names them as
--all-people does, so a missed person joins that folder (the rank logs' count of the image's people follows:
`inference.batch_log.people_logged`).

An image whose outputs are all there is skipped (a rerun resumes); --overwrite redoes it. The rules (every person's
outputs with --all-people, files of another image or person never replaced unasked, people no longer found removed,
people fitted from a --box kept) are inference/folder_predict.py's, which the app's "Run all" follows too; "the rank
logs" are every log under OUT/summary_ranks/, the app's among them (inference/batch_log.py). Large folders:
`--shard K/N` or torchrun ranks split the inputs, and OUT/summary.csv lists every image's result (see
cli/predict_batch.py).

Exit status: EPILOG below (the end of `predict --help`).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.out_arg import in_path, out_path
from inference.batch_log import RANK_LOGS, merge_summary
from inference.file_writes import write_error_reason
from inference.folder_predict import FatalWrite, FolderJob, FolderRun, RunCounts, from_files, plan, predict_image
from inference.image_io import IMAGE_SUFFIXES  # the one list the app's reader accepts
from inference.predict_outputs import (  # the one exporter, shared with the app's "Run all"
    DEFAULT_MESH_FORMATS,
    SUMMARY,
    output_stems,
    read_summary,
)

from .predict_args import (
    PredictInputError,
    check_box_use,
    check_person,
    check_weights,
    expand,
    missing_inputs,
    parse_box,
    parse_mesh_formats,
    prepare_out,
    same_file_note,
    subfolders_note,
)


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
  2    bad arguments (--person, --mesh-formats, --shard, --box and what it cannot go with, --weights
       without seg.pt and fit.pt), an input
       that does not exist, no images found, an --out that cannot be used, a body model or network
       weights that cannot be loaded, or --box without the person detector installed (nothing predicted)
  130  interrupted (Ctrl+C); 143 terminated (SIGTERM): the current image's partial outputs are removed

under torchrun, whose agent stops every other rank as soon as one exits non-zero, a rank whose images
failed exits 0 while others still run; the rank that finishes last prints the whole job's counts and
exits 1 when an image of any rank failed (torchrun then reports the job as failed, once every image was
tried). A rank that stops (full disk, status 2) exits at once, as without torchrun.

people are counted from 1 everywhere: --person N, NAME_pN, summary.csv's person column, the #N labels
of NAME_people.png (earlier releases counted --person and the person column from 0)."""


def add_arguments(p, name: str) -> None:
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter  # the epilog's table as written
    # (as typed: a trailing slash, which Path drops, says the user meant a folder: `missing_inputs`)
    p.add_argument("images", nargs="+", help="image files or folders of images")
    p.add_argument("--out", type=out_path, required=True, help="output folder")
    p.add_argument("--refine", action=argparse.BooleanOptionalAction, default=True,
                   help="test-time refinement to the detector's keypoints, 3D landmarks and silhouette (on by "
                        "default, 0.2-0.8 s per person on a 2-core CPU; --no-refine writes the network's own fit)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--precision", default="auto", choices=("auto", "float32", "bfloat16"),
                   help="the networks' number format, the detector's animal check included (default auto: bfloat16 "
                        "on a CPU with bfloat16 units (AMX, AVX512-BF16), where it is 1.5-2 times as fast, else "
                        "float32; NBF_PRECISION in the environment decides auto)")
    p.add_argument("--body-model", default=None, help="SMPL model file (default: the embedded model)")
    p.add_argument("--weights", type=in_path, default=None, metavar="DIR",
                   help="the networks' folder: seg.pt and fit.pt, as scripts/package_weights.py --dest writes it "
                        "from training runs' best.pt, and optionally people.pt, the person detector's proposer "
                        "(default: the shipped weights, resources/weights; the shipped people.pt where DIR has "
                        "none). The app always uses the shipped weights. Images finished before in --out are "
                        "skipped whatever weights made them: give another --out or --overwrite")
    p.add_argument("--mesh-formats", default=",".join(DEFAULT_MESH_FORMATS),
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
        typed = [str(x) for x in args.images]
        missing = missing_inputs(typed)
        if missing:  # (before OUT is made: a mistyped name made OUT and a summary row for an "image")
            raise PredictInputError(missing)
        args.images = [Path(x) for x in typed]
        problems: list[str] = []
        same: list[Path] = []
        images = expand(args.images, args.out, problems, same)
        if not images:
            raise PredictInputError("; ".join(problems) if problems else
                                    f"no images found in {', '.join(map(str, args.images))} "
                                    f"(looked for {', '.join(IMAGE_SUFFIXES)})")
        if not getattr(args, "merge_summary", False):  # (a merge predicts nothing: a box means nothing there)
            check_box_use(parse_box(getattr(args, "box", None)), images, args.all_people, args.person, args.detect)
            check_weights(getattr(args, "weights", None))  # before OUT is made, as `evaluate --weights` checks it
        user_body = _user_body_model(args.body_model)  # a file that does not load: refused before OUT is made
        prepare_out(args.out)
        for note in (subfolders_note(args.images, args.out), same_file_note(same)):
            if note:
                print(note)
        for line in problems:  # the other inputs carry on
            print(f"warning: {line}; its images are left out", file=sys.stderr)
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
    counts = RunCounts()
    try:
        stopped = _run_images(args, images, stems, mine, mesh_formats, user_body, log, counts)
    finally:
        # also after Ctrl+C or SIGTERM: the rank logs hold every result so far (a row is logged when its
        # output is complete), so the table is right and the user reads it without --merge-summary
        log.close()
        try:
            merge_summary(args.out, images, stems)
        except OSError as exc:
            print(f"warning: cannot write {args.out / SUMMARY}: {write_error_reason(exc)}", file=sys.stderr)
    if stopped is not None:
        return stopped
    return exit_status(counts, len(mine), shard, args.out)


def exit_status(counts: RunCounts, images: int, shard, out: Path, environ=None, connect=None) -> int:
    """The exit status of a rank that tried all its `images` (its share), counted in `counts`: 1 when one failed,
    else 0. Under torchrun (`predict_batch.under_torchrun`), whose agent stops every other rank as soon as one exits
    non-zero, a rank exits 0 while others still run, and the last to finish (`predict_batch.finish_rank`) prints the
    job's counts and exits 1 when an image of any rank failed. `environ`, `connect`: for tests."""
    from cli import predict_batch as batch

    status = 1 if counts.failed else 0
    if not batch.under_torchrun(environ):
        return status
    try:
        totals = batch.finish_rank(counts, images, environ, **({"connect": connect} if connect else {}))
    except batch.TallyError as exc:  # (not knowing whether others still run: never stop them)
        print(f"warning: rank {shard.rank} of {shard.world}: {exc}; this rank exits 0 so that torchrun does not "
              f"stop the others: {out / SUMMARY} says which images failed", file=sys.stderr)
        return 0
    if totals is None:
        if status:
            print(f"rank {shard.rank} of {shard.world}: exits 0 while other ranks still run (torchrun would stop "
                  "them); the last rank to finish exits 1")
        return 0
    job = totals.counts
    skipped = f", {job.skipped} finished before (skipped)" if job.skipped else ""
    failed = f", {job.failed} failed (see {out / SUMMARY}; exit status 1)" if job.failed else ""
    print(f"all {shard.world} ranks finished: {job.done}/{totals.images} images done{skipped}{failed}")
    if not job.failed:
        return 0
    batch.tell_torchrun(f"{job.failed} of {totals.images} images failed (every rank finished; "
                        f"{out / SUMMARY} says which and why)", environ)
    return 1


def _run_images(args, images: list[Path], stems: list[str], mine: list[int], mesh_formats: list[str], user_body,
                log, counts: RunCounts) -> int | None:
    """Predict this rank's images `mine` (indices into `images`), logging to `log` and counting in `counts`;
    returns None when every image was tried (`exit_status` then decides), else the exit status of a batch that
    stopped: 1 on a full or read-only disk, 2 when the models cannot be made."""
    from inference.render.context import offscreen_problem

    gl_problem = offscreen_problem()  # (before pyrender is imported: it chooses the backend)
    from tqdm import tqdm

    from inference.body_model import BodyModel, BodyModelError
    from inference.pipeline import PredictionError, Predictor
    from inference.render.renderer import MeshRenderer

    job = FolderJob(args.out, tuple(mesh_formats), args.overwrite, args.all_people, args.person,
                    parse_box(getattr(args, "box", None)), getattr(args, "frame", "body"))
    todo = plan(job, images, stems, mine, log, counts, _say)
    if not (todo.todo or todo.from_files):
        _report(args, mine, counts)
        return None
    _use_local_gpu(log.shard, args.device)
    try:
        body = user_body or BodyModel(args.body_model)
        for i in todo.from_files:  # meshes, scenes made from the people's parameter files: nobody is fitted again
            from_files(job, body, log, counts, i, images[i], stems[i], todo.people.get(stems[i]),
                       todo.searched.get(stems[i]), todo.holders, print)
        if not todo.todo:
            _report(args, mine, counts)
            return None
        pred = Predictor(body_model=body, weights_dir=getattr(args, "weights", None), device=args.device,
                         refine=args.refine, detect=args.detect, precision=args.precision)
    except (BodyModelError, PredictionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in pred.warnings:
        print(f"warning: {w}")
    if job.box is not None and pred.detector is None:
        from inference.detect.runtime import INSTALL_HINT

        print(f"error: --box needs the person detector, which is not installed here ({INSTALL_HINT})", file=sys.stderr)
        return 2
    if gl_problem:  # every other output needs no GL
        print(f"warning: {gl_problem}; the mesh is not drawn over the photo (NAME_overlay.png says so)",
              file=sys.stderr)
    renderer = None if gl_problem else MeshRenderer(body.faces, body.weights)
    run = FolderRun(job, pred, renderer, body, log, counts, tqdm.write, todo.holders, todo.boxed, timing=tqdm.write)
    with tqdm(todo.todo, desc="predict", unit="image", disable=len(todo.todo) < 2) as bar:
        for i in bar:
            try:
                predict_image(run, i, images[i], stems[i])
            except FatalWrite as exc:
                bar.close()  # (the bar's line ended first: the message was glued to it)
                left = len(mine) - counts.reached
                print(f"error: stopped: {exc}; {counts.done}/{len(mine)} images done, {left} not run, "
                      f"outputs in {args.out}", file=sys.stderr)
                return 1
    _report(args, mine, counts)
    return None


def _say(line: str) -> None:
    """A line of `plan`'s: an error line on stderr, a note on stdout."""
    print(line, file=sys.stderr if line.startswith("error:") else sys.stdout)


def _report(args, mine: list[int], counts: RunCounts) -> None:
    """Print the batch's closing lines."""
    skipped = f", {counts.skipped} finished before (skipped)" if counts.skipped else ""
    print(f"{counts.done}/{len(mine)} images done{skipped}, outputs in {args.out}")
    if counts.no_person and args.detect != "off" and not getattr(args, "box", None):  # (a box says why itself)
        print(f"{counts.no_person} with no person found: if an image is already one person's crop, "
              "--detect off fits the whole image as that person; --box X0 Y0 X1 Y1 fits a person the search "
              "missed or set aside")


def _merge(out: Path, images: list[Path], stems: list[str]) -> int:
    from inference.batch_log import count

    try:
        path = merge_summary(out, images, stems)
    except OSError as exc:
        print(f"error: cannot write {out / SUMMARY}: {write_error_reason(exc)}", file=sys.stderr)
        return 1
    n = count(read_summary(path))
    print(f"{path}: " + ", ".join(f"{v} {k}" for k, v in n.items() if v))
    return 0


def _use_local_gpu(shard, device: str) -> None:
    """Under torchrun, each process of a machine uses its own GPU (LOCAL_RANK), not all of them GPU 0."""
    if shard.local_rank is None or device == "cpu":
        return
    import torch

    if torch.cuda.is_available() and torch.cuda.device_count() > 0:
        torch.cuda.set_device(shard.local_rank % torch.cuda.device_count())
