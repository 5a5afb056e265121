"""`main.py export`: a body from pose/shape as a mesh (OBJ/PLY/GLB, or a skinned GLB), a BVH pose, or
parameters (.npz/.json/_body.pkl).

    python main.py export --preset sit --out sit.glb --part-colors
    python main.py export --preset walk --out walk.glb --skinned --part-colors   # rigged: SMPL skeleton + skin
    python main.py export --preset walk --out walk.bvh                           # the pose as BVH
    python main.py export --pose fit.npz --out fit_body.pkl
    python main.py export --pose fit.npz --out fit.obj --frame camera            # where the photo saw it

Same body options as `main.py render` (see cli/cmd_render.py). Meshes and BVH are body-centred by default
(the posed pelvis at the origin, y up, metres; BVH in centimetres) or in the OpenGL camera frame with
--frame camera, and say which where the format allows (inference/export.py); meshes keep the body model's
vertex order; files are written atomically and never replaced without --overwrite. A parameter file made
from one that records the input photo's camera (predict's NAME.npz, NAME.json, NAME_body.pkl) records it
too, in the same keys (unless --betas, --transl or --focal change the body, which it no longer fits).
"""
from __future__ import annotations

import argparse
import sys

from cli.cmd_render import CliInputError, add_body_arguments, prepare_out_file, report_error, resolve_body
from cli.out_arg import out_path
from inference.export import PARAM_SUFFIXES, SUFFIXES
from inference.file_writes import write_error_reason


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.epilog = ("Parameter files hold pose (72), betas (10), transl (3, OpenGL camera frame), focal, "
                     "crop size and the body model name; _body.pkl is the UP-3D layout (pose, betas, trans, "
                     "f, rt, t in the OpenCV camera). Any of them can be given back to --pose (read by their keys, "
                     "whichever file holds them); the photo camera that predict's files record is carried into the "
                     "parameter file written.")
    add_body_arguments(parser)
    o = parser.add_argument_group("output")
    o.add_argument("--out", required=True, type=out_path, metavar="FILE",
                   help="mesh.obj | mesh.ply | mesh.glb | pose.bvh | params.npz | params.json | NAME_body.pkl (UP-3D's "
                        "layout; any NAME.pkl is written, and read back, alike)")
    o.add_argument("--skinned", action="store_true",
                   help="(.glb) the rigged body: SMPL's 24-joint skeleton, skin weights, the pose as joint rotations")
    o.add_argument("--frame", choices=("body", "camera"), default="body",
                   help="meshes and BVH: body-centred (pelvis at the origin, y up; default) or the OpenGL "
                        "camera frame")
    o.add_argument("--part-colors", action="store_true", help="colour the mesh vertices by NBF part (PLY, GLB)")
    o.add_argument("--overwrite", action="store_true", help="replace an existing file")


def run(args: argparse.Namespace) -> int:
    from inference.render.context import configure_gl

    try:  # (before pyrender can be imported; an export draws nothing, so a machine without OpenGL exports all the same)
        configure_gl()
    except RuntimeError:
        pass
    from inference.body_model import BodyModelError
    from inference.export import ParamsFileError, export

    try:
        suffix = args.out.suffix.lower()
        if suffix not in SUFFIXES:
            raise CliInputError(f"--out: cannot export {args.out.name!r}; use a file ending in "
                                f"{', '.join(s for s in SUFFIXES if s != '.pkl')} or _body.pkl")
        if args.skinned and suffix != ".glb":
            raise CliInputError(f"--skinned: the rigged body is a .glb file, not {args.out.name!r}")
        if args.part_colors and suffix not in (".ply", ".glb"):
            raise CliInputError(f"--part-colors: vertex colours go into .ply and .glb meshes, not {args.out.name!r}")
        spec = resolve_body(args)
        prepare_out_file(args.out)
    except (BodyModelError, ParamsFileError, CliInputError) as exc:
        return report_error(exc)
    # the photo camera left out matters to a parameter file only (meshes never carry it) and says why, the body
    # model among the reasons; that the body is shown on another model matters to every output, meshes and BVH most
    note = spec.photo_note if spec.photo_note and suffix in PARAM_SUFFIXES else spec.model_note
    if note:
        print(f"note: {note}", file=sys.stderr)
    if args.out.exists() and not args.overwrite:
        print(f"error: {args.out} exists; pass --overwrite to replace it", file=sys.stderr)
        return 1
    colors = None
    if args.part_colors:
        from inference.parts import PALETTE, vertex_part_labels

        colors = PALETTE[vertex_part_labels(spec.model.weights) + 1]
    try:
        path = export(args.out, spec.params, spec.model, spec.focal, spec.crop_size, colors, args.overwrite,
                      frame=args.frame, skinned=args.skinned, photo=spec.photo)
    except FileExistsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # checked writable above: a full disk or the like (exit 1, as predict's write errors)
        print(f"error: cannot write {args.out}: {write_error_reason(exc)}", file=sys.stderr)
        return 1
    print(path)
    return 0
