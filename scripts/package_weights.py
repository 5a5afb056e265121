"""Copy trained checkpoints into resources/weights in half precision (small enough to commit),
keeping the metadata the Predictor checks (resolution, width, parts, body model fingerprint).

    python scripts/package_weights.py --seg runs/seg/best.pt --fit runs/fit/best.pt
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

DEST = Path(__file__).resolve().parent.parent / "resources" / "weights"


def package(src: Path, dest: Path) -> None:
    ck = torch.load(src, map_location="cpu", weights_only=False)
    ck.pop("optimizer", None)
    ck["model"] = {k: v.half() if v.is_floating_point() else v for k, v in ck["model"].items()}
    dest.parent.mkdir(parents=True, exist_ok=True)
    torch.save(ck, dest)
    print(f"{src} -> {dest} ({dest.stat().st_size / 1e6:.1f} MB), epoch {ck.get('epoch')}, val {ck.get('val', {})}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seg", type=Path)
    ap.add_argument("--fit", type=Path)
    ap.add_argument("--dest", type=Path, default=DEST)
    a = ap.parse_args()
    if a.seg:
        package(a.seg, a.dest / "seg.pt")
    if a.fit:
        package(a.fit, a.dest / "fit.pt")


if __name__ == "__main__":
    main()
