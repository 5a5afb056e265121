"""Make the pictures in docs/pictures/ through the CLI code path (`main.py render`).

    python scripts/make_docs_pictures.py [--out docs/pictures] [--size 320]

Per preset pose: the shaded front (crop camera) and side (subject's left) views of the default
body; part colouring: label maps of the T-pose (front, back) and the walk pose (front, side);
and two overview sheets, poses.png and parts.png (with a colour legend). Deterministic; replaces
existing pictures. About 10 s on two CPU cores.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from cli.main import main as cli_main  # noqa: E402
from inference.poses import PRESET_NAMES  # noqa: E402


def render(out: Path, size: int, *extra: str) -> None:
    rc = cli_main(["render", *extra, "--out", str(out), "--size", str(size), "--background", "white",
                   "--overwrite"])
    if rc != 0:
        raise SystemExit(f"render {out} failed with exit code {rc}")


def _read(path: Path) -> np.ndarray:
    import cv2

    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _caption(img: np.ndarray, text: str, color=(0, 0, 0), bg=(255, 255, 255)) -> np.ndarray:
    import cv2

    bar = np.full((26, img.shape[1], 3), bg, np.uint8)
    cv2.putText(bar, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, color, 1, cv2.LINE_AA)
    return np.vstack([bar, img])


def _write(path: Path, rgb: np.ndarray) -> None:
    import cv2

    from inference.file_writes import atomic_write

    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    atomic_write(path, buf.tobytes(), overwrite=True)
    print(path)


def legend(height: int) -> np.ndarray:
    """Colour swatches with the part names (label value: name), (height, 200, 3) uint8 on black."""
    import cv2

    from inference.parts import PALETTE, PART_NAMES

    img = np.zeros((height, 200, 3), np.uint8)
    step = max(16, min(24, (height - 10) // len(PART_NAMES)))
    for k, name in enumerate(PART_NAMES):
        y = 8 + k * step
        img[y:y + step - 6, 8:28] = PALETTE[k + 1]
        cv2.putText(img, f"{k + 1} {name}", (34, y + step - 9), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                    (235, 235, 235), 1, cv2.LINE_AA)
    return img


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "pictures")
    ap.add_argument("--size", type=int, default=320)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    for preset in PRESET_NAMES:  # shaded front + side
        render(args.out / f"{preset}.png", args.size, "--preset", preset, "--views", "front,side", "--no-labels")
    render(args.out / "parts_tpose.png", args.size, "--preset", "tpose", "--views", "front,back")
    render(args.out / "parts_walk.png", args.size, "--preset", "walk", "--views", "front,side")

    tiles = []
    for preset in PRESET_NAMES:
        pair = np.hstack([_read(args.out / f"{preset}.png"), _read(args.out / f"{preset}_side.png")])
        tiles.append(_caption(pair, f"{preset}: front | side"))
    if len(tiles) % 2:
        tiles.append(np.full_like(tiles[0], 255))
    _write(args.out / "poses.png", np.vstack([np.hstack(tiles[i:i + 2]) for i in range(0, len(tiles), 2)]))
    white, black = (255, 255, 255), (0, 0, 0)
    maps = [("T-pose front", "parts_tpose_labels.png"), ("T-pose back", "parts_tpose_back_labels.png"),
            ("walk front", "parts_walk_labels.png"), ("walk side", "parts_walk_side_labels.png")]
    row = np.hstack([_caption(_read(args.out / name), title, white, black) for title, name in maps])
    _write(args.out / "parts.png", np.hstack([row, legend(row.shape[0])]))
    for name in ("parts_tpose.png", "parts_tpose_back.png", "parts_walk.png", "parts_walk_side.png"):
        (args.out / name).unlink()  # shaded duplicates of tpose*.png / walk*.png written beside the label maps
    return 0


if __name__ == "__main__":
    sys.exit(main())
