"""Real photos of whole people for the evaluations, taken from Debian's `opencv-doc` package at set-up time
(nothing is fetched at run time, and nothing of it is committed to this repository).

    python scripts/fetch_opencv_samples.py                      # apt-get download opencv-doc, then extract
    python scripts/fetch_opencv_samples.py --deb opencv-doc_4.6.0+dfsg-12_all.deb

Writes to data/photos_opencv/ (git-ignored):
  basketball1.png, basketball2.png   two people playing catch indoors (whole body, a back view), 640 x 480 grey
  messi5.jpg                         a footballer mid-kick (action), 548 x 342
  vtest_0000.png ... vtest_0600.png  four frames of a street video (3-7 walkers 60-150 px tall), 768 x 576

The photo set of `resources/photos` holds portraits and half-length people only; these add whole bodies,
action, a back view and a street. Licence: Debian ships them in `opencv-doc` (main) from OpenCV's
samples/data, and its debian/copyright lists them under "Files: *", Apache-2.0 AND BSD-3-Clause (Debian
removed OpenCV's Lena images as non-free and kept these). messi5.jpg carries a press agency's watermark and
vtest.avi looks like footage of the PETS 2009 benchmark, so the project does not redistribute them: each user
takes them from the Debian archive, and the project's documents report numbers, not copies. Every file is
checked against the SHA-256 recorded here.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference.integrity import sha256_of  # noqa: E402

OUT = ROOT / "data" / "photos_opencv"
PACKAGE = "opencv-doc"
VERSION = "4.6.0+dfsg-12"
INSIDE = "usr/share/doc/opencv-doc/examples/data"
FILES = {
    "basketball1.png": "ba06f6701f7260998b430c39b6557f775497e6ce7b1a74f0b7ea6af371bf54a6",
    "basketball2.png": "b3047772e0dc6c9d83c26f64894ca1a897f799f855c5574ac24b2ef934c2978e",
    "messi5.jpg": "1d570e49654e84c7a943918537bd9e5e1ef82920152e147c834006e235be97c9",
    "vtest.avi": "45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf",
}
VTEST_FRAMES = (0, 200, 400, 600)


def download(folder: Path) -> Path:
    """apt-get download the pinned opencv-doc into `folder`; its .deb path."""
    try:
        subprocess.run(["apt-get", "download", f"{PACKAGE}={VERSION}"], cwd=folder, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"could not download {PACKAGE} {VERSION} with apt-get ({exc}); download the .deb from "
                         f"a Debian mirror (pool/main/o/opencv/) and pass it with --deb") from None
    debs = sorted(folder.glob(f"{PACKAGE}_*.deb"))
    if not debs:
        raise SystemExit(f"apt-get wrote no {PACKAGE} .deb in {folder}")
    return debs[0]


def extract(deb: Path, out: Path) -> list[Path]:
    """The sample files from the .deb, checked, in `out`; the vtest frames as PNG. Returns the written paths."""
    import cv2

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            subprocess.run(["dpkg-deb", "-x", str(deb), tmp], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SystemExit(f"could not unpack {deb} with dpkg-deb: {exc}") from None
        written = []
        for name, digest in FILES.items():
            src = Path(tmp) / INSIDE / name
            if not src.is_file():
                raise SystemExit(f"{deb} holds no {INSIDE}/{name}")
            if sha256_of(src) != digest:
                raise SystemExit(f"{name} in {deb} is not the file this script was written for (SHA-256 differs)")
            if name.endswith(".avi"):
                # read in order rather than seek: seeking may land on a nearby frame with some video back-ends,
                # and the people of scripts/eval_street.py were marked on these exact frames
                cap = cv2.VideoCapture(str(src))
                for k in range(max(VTEST_FRAMES) + 1):
                    ok, frame = cap.read()
                    if not ok:
                        raise SystemExit(f"could not read frame {k} of {name} (OpenCV's video reader)")
                    if k in VTEST_FRAMES:
                        dst = out / f"vtest_{k:04d}.png"
                        cv2.imwrite(str(dst), frame)
                        written.append(dst)
                cap.release()
            else:
                dst = out / name
                dst.write_bytes(src.read_bytes())
                written.append(dst)
    return written


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--deb", type=Path, default=None, help=f"a downloaded {PACKAGE}_{VERSION}_all.deb")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        deb = a.deb if a.deb is not None else download(Path(tmp))
        for p in extract(deb, a.out):
            print(p)


if __name__ == "__main__":
    sys.exit(main())
