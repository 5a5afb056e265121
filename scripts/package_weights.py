"""Copy trained checkpoints into resources/weights in half precision (small enough to commit),
keeping the metadata the Predictor checks (resolution, width, parts, body model fingerprint), and record
each file's size and SHA-256 in the folder's manifest (models.json), which the Predictor checks before
loading (inference/integrity.py).

    python scripts/package_weights.py --seg runs/seg/best.pt --fit runs/fit/best.pt
    python scripts/package_weights.py --manifest-only        # re-record the files already in --dest
    python scripts/package_weights.py --seg runs/x/best.pt --seg-shifts none   # read with 2 views, not 6

`--seg-shifts` records in seg.pt the shifted test-time views the Predictor reads besides the image and its
mirror (`inference.nets.seg_net.SHIFTS`): "default" keeps them (6 views in all), "none" leaves 2 views, which
is what a wider network needs to stay within the time budget.
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
from inference.nets.seg_net import SHIFTS  # noqa: E402
from inference.paths import RESOURCES  # noqa: E402
from training.loop import to_half  # noqa: E402

DEST = RESOURCES / "weights"
NAMES = ("seg.pt", "fit.pt", "people.pt", "imagenet_lite0.pt")  # the last: scripts/convert_efficientnet_lite.py


def package(src: Path, dest: Path, test_shifts: tuple[tuple[int, int], ...] | None = None) -> None:
    """Write `src` (a training checkpoint) to `dest` in half precision, without the optimiser state, and
    record it in dest's folder manifest; `test_shifts` (segmentation only) is stored as the checkpoint's
    "test_shifts" (None: leave what it holds). Raises ValueError when a weight is not finite in half precision."""
    ck = to_half(torch.load(src, map_location="cpu", weights_only=True))
    if test_shifts is not None:
        ck["test_shifts"] = [list(v) for v in test_shifts]
    bad = [k for k, v in ck["model"].items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise ValueError(f"{src}: {len(bad)} tensor(s) hold NaN or infinite values in half precision "
                         f"({', '.join(bad[:3])}); not packaged")
    dest.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ck, dest)
    write_manifest(dest.parent, (dest.name,))
    print(f"{src} -> {dest} ({dest.stat().st_size / 1e6:.1f} MB), epoch {ck.get('epoch')}, val {ck.get('val', {})}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seg", type=Path)
    ap.add_argument("--fit", type=Path)
    ap.add_argument("--people", type=Path, help="the wide-shot person proposer (main.py train-people)")
    ap.add_argument("--dest", type=Path, default=DEST)
    ap.add_argument("--seg-shifts", choices=("default", "none"), default=None,
                    help="shifted test-time views of the segmentation: default (6 views) or none (2)")
    ap.add_argument("--manifest-only", action="store_true",
                    help="only record the sizes and SHA-256 of the NAMES files already in --dest")
    a = ap.parse_args(argv)
    if a.seg:
        shifts = None if a.seg_shifts is None else (SHIFTS if a.seg_shifts == "default" else ())
        package(a.seg, a.dest / "seg.pt", shifts)
    if a.fit:
        package(a.fit, a.dest / "fit.pt")
    if a.people:
        package(a.people, a.dest / "people.pt")
    if a.manifest_only:
        names = [n for n in NAMES if (a.dest / n).is_file()]
        print(f"{write_manifest(a.dest, names)}: {', '.join(names) or 'no weights'} recorded")


if __name__ == "__main__":
    main()
