"""Copy trained checkpoints into resources/weights in half precision (small enough to commit),
keeping the metadata the Predictor checks (resolution, width, parts, body model fingerprint), and record
each file's size and SHA-256 in the folder's manifest (models.json), which the Predictor checks before
loading (inference/integrity.py).

    python scripts/package_weights.py --seg runs/seg/best.pt --fit runs/fit/best.pt
    python scripts/package_weights.py --manifest-only        # re-record the files already in --dest
    python scripts/package_weights.py --seg runs/x/best.pt --seg-shifts none   # read with 2 views, not 6

`--seg-shifts` records in seg.pt the shifted test-time views the Predictor reads besides the image and its
mirror (`inference.nets.seg_net.SHIFTS`): "default" keeps them (6 views in all), "none" leaves 2 views, which
is what a wider network needs to stay within the time budget. Left out, seg.pt keeps what the checkpoint holds (a
train-seg run keeps its --init's), else it is read with 6 views; the line written says how many.

Each checkpoint must hold the network it is packaged as (its config's kind: train-seg, train-fit, train-people):
another is refused with one line (exit 2), as is a file that is missing or not a training checkpoint; nothing is
written then.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from inference.integrity import write_manifest  # noqa: E402
from inference.nets.seg_net import SHIFTS, seg_test_shifts  # noqa: E402
from inference.paths import RESOURCES  # noqa: E402
from training.config import KIND_COMMANDS  # noqa: E402
from training.loop import CheckpointError, load_checkpoint, to_half  # noqa: E402

DEST = RESOURCES / "weights"
NAMES = ("seg.pt", "fit.pt", "people.pt", "imagenet_lite0.pt")  # the last: scripts/convert_efficientnet_lite.py
# the metadata only a checkpoint of that kind holds: the kind of one whose config records none
KIND_KEYS = {"fit": ("n_parts", "body_model"), "people": ("input_side",), "seg": ("head", "arch")}


def checkpoint_kind(ck: dict) -> str | None:
    """The kind of network a checkpoint holds ("seg", "fit", "people", ...): its config's, else told by its
    metadata; None when it says nothing."""
    stored = ck.get("config")
    if isinstance(stored, dict) and stored.get("kind"):
        return str(stored["kind"])
    return next((kind for kind, keys in KIND_KEYS.items() if any(k in ck for k in keys)), None)


def wrong_kind(src: Path, ck: dict, kind: str) -> str:
    """Why `ck` (read from src) cannot be packaged as a `kind` network ('' when it can, or when it does not say)."""
    found = checkpoint_kind(ck)
    if found is None or found == kind:
        return ""
    fix = f": give it as --{found}" if found in KIND_KEYS else " (this script packages seg, fit and people networks)"
    return f"--{kind} {src} is a {KIND_COMMANDS.get(found, found)} checkpoint, not a {KIND_COMMANDS[kind]} one{fix}"


def views(ck: dict) -> str:
    """How many test-time views a packaged seg checkpoint is read with, for the line written."""
    n = 2 * (1 + len(seg_test_shifts(ck)))
    return f", read with {n} test-time views" + ("" if "test_shifts" in ck else " (it records none: the default)")


def package(src: Path, dest: Path, test_shifts: tuple[tuple[int, int], ...] | None = None,
            kind: str | None = None) -> None:
    """Write `src` (a training checkpoint) to `dest` in half precision, without the optimiser state, and
    record it in dest's folder manifest; `test_shifts` (segmentation only) is stored as the checkpoint's
    "test_shifts" (None: leave what it holds). Raises CheckpointError for a file that is not a training checkpoint
    or (given `kind`) one of another network, ValueError when a weight is not finite in half precision."""
    write_packaged(src, dest, packaged(src, test_shifts, kind))


def packaged(src: Path, test_shifts: tuple[tuple[int, int], ...] | None = None, kind: str | None = None) -> dict:
    """The checkpoint `package` writes for `src`, checked (its errors), nothing written."""
    ck = load_checkpoint(src)
    why = wrong_kind(src, ck, kind) if kind else ""
    if why:
        raise CheckpointError(why)
    ck = to_half(ck)
    if test_shifts is not None:
        ck["test_shifts"] = [list(v) for v in test_shifts]
    bad = [k for k, v in ck["model"].items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise ValueError(f"{src}: {len(bad)} tensor(s) hold NaN or infinite values in half precision "
                         f"({', '.join(bad[:3])}); not packaged")
    return ck


def write_packaged(src: Path, dest: Path, ck: dict) -> None:
    """Write a `packaged` checkpoint to `dest` and record it in dest's folder manifest."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ck, dest)
    write_manifest(dest.parent, (dest.name,))
    print(f"{src} -> {dest} ({dest.stat().st_size / 1e6:.1f} MB), epoch {ck.get('epoch')}, val {ck.get('val', {})}"
          + (views(ck) if dest.name == "seg.pt" else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seg", type=Path)
    ap.add_argument("--fit", type=Path)
    ap.add_argument("--people", type=Path, help="the wide-shot person proposer (main.py train-people)")
    ap.add_argument("--dest", type=Path, default=DEST)
    ap.add_argument("--seg-shifts", choices=("default", "none"), default=None,
                    help="shifted test-time views of the segmentation: default (6 views) or none (2); omitted: what "
                         "the checkpoint holds, else 6 views")
    ap.add_argument("--manifest-only", action="store_true",
                    help="only record the sizes and SHA-256 of the NAMES files already in --dest")
    a = ap.parse_args(argv)
    if not (a.seg or a.fit or a.people or a.manifest_only):
        ap.print_usage(sys.stderr)
        print("error: nothing to do: give --seg, --fit or --people checkpoints, or --manifest-only", file=sys.stderr)
        return 2
    shifts = None if a.seg_shifts is None else (SHIFTS if a.seg_shifts == "default" else ())
    jobs = [(kind, src) for kind, src in (("seg", a.seg), ("fit", a.fit), ("people", a.people)) if src]
    try:
        # every one made and checked before any is written: a refusal leaves --dest as it was
        ready = [(kind, src, packaged(src, shifts if kind == "seg" else None, kind)) for kind, src in jobs]
        for kind, src, ck in ready:
            write_packaged(src, a.dest / f"{kind}.pt", ck)
    except (CheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if a.manifest_only:
        names = [n for n in NAMES if (a.dest / n).is_file()]
        print(f"{write_manifest(a.dest, names)}: {', '.join(names) or 'no weights'} recorded")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
