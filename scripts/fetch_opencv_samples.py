"""Real photos of whole people for the evaluations, taken from Debian's `opencv-doc` package at set-up time
(nothing is fetched at run time, and nothing of it is committed to this repository).

    python scripts/fetch_opencv_samples.py                      # apt-get download opencv-doc, then extract
    python scripts/fetch_opencv_samples.py --deb opencv-doc_4.6.0+dfsg-12_all.deb

Writes to data/photos_opencv/ (git-ignored):
  basketball1.png, basketball2.png   two people playing catch indoors (whole body, a back view), 640 x 480 grey
  messi5.jpg                         a footballer mid-kick (action), 548 x 342
  vtest_0000.png ... vtest_0600.png  four frames of a street video (3-7 walkers 60-150 px tall), 768 x 576
  nobody/*                           22 photos without a person (fruit, animals, buildings, aerial views,
                                     toys, a painting, a circuit board): the detector's "no false people" check

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

sys.path.insert(0, str(ROOT / "scripts"))
from fetch_people_photos import video_frames  # noqa: E402

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
# photos without a person (looked at, one by one), written to OUT/nobody/: the "no false people" check of the
# person detector (`python -m inference.detect data/photos_opencv/nobody/*`, docs/crowds.md)
NOBODY = {
    "HappyFish.jpg": "ade5b67347d7f89b1539c93843f3f7178782a7e34eb1fe586f4a785c3e60a432",
    "aero1.jpg": "d9a69191f6e3642ea361bc3c62e677b2f40fe6534b78da540f4155e0734b59ef",
    "aero3.jpg": "1c407146f8762b3b14a7953ff9bc4c01ed64c467d7277122e769bf7e816017a4",
    "aloeL.jpg": "cce5736808efe80d9f04b118dbb978c344d4345672b332718c3e039a3eeb8eee",
    "apple.jpg": "e86879de3d9a807dedc742a8f464f39e6b74bbb531a1fba3583155d94997d1cd",
    "baboon.jpg": "1a1dd18d78eec44420af3b0b7f08ee3d41c982916cae3ce203d7ff35d754cc0f",
    "blox.jpg": "11115aa2cac174b7b01f907196e077ce19dd164145b82dd68129f92bdcae6884",
    "board.jpg": "4c9a24ba67138ad5486d550f586cc5dd1161be112f1c1bea336d6c550cdf255f",
    "box_in_scene.png": "8b0225ff76244a42bd1400c0904f8b7afea7d97b7d8115495e42e98ad347bd51",
    "building.jpg": "742a1baad62ac82e91e718e77eedf7e85c2eddc4badfb8c87c6cbc86c45a8b07",
    "butterfly.jpg": "34a99716b78ded10eae87b4880de739d3e68cc7dd1a96812bb28f469d5eeaea8",
    "chicky_512.png": "4d2cf040de084fd3f34d5e3f96f1251faaa4787c1ac3b548fec5809a0d01854e",
    "fruits.jpg": "9c031d80a1c52da5eca790db896baffec6a7e52bf786cdb7bbfca5c7f880e6a1",
    "graf1.png": "1504b769303c7bde00fa578eeaad3c68e02aceabeb1242e556f1f8d19e4bdea5",
    "home.jpg": "23b8cf46a1965d0ec33459b875aed43187802834db49e0daa9fa2cc842e9d8d2",
    "leuvenA.jpg": "b2977cdbd9fb3f94dadd6f76cf586d145676deb8a22b5f0f42149d21c058c09f",
    "orange.jpg": "152c20d2f380ac985de25e474e1a5f06ed34b932191342099b8272a63a15a079",
    "rubberwhale1.png": "eb312435369dac9efcc92f7e098edbd9ed8d7e6dfede8b3b4d8e3702cd80b796",
    "smarties.png": "ad3f751c053fdcf432687c1bc0e56a61a9119d2bb2ae29365f8aa6534fc77417",
    "squirrel_cls.jpg": "20bb6e8ae96918a36c9886b6d48e54eedeb3948591e1485c206bc1dc60c8dc8b",
    "starry_night.jpg": "accda7a19a90f22a4a922fdc8c230167d7abf5f80882171e2cee125c5f12481d",
    "stuff.jpg": "21cd00afbdd0727f445dd91c0a09633e6345ed5b05a3d2355453a1f3c314c6c5",
}


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
        (out / "nobody").mkdir(exist_ok=True)
        for name, digest in (*FILES.items(), *NOBODY.items()):
            src = Path(tmp) / INSIDE / name
            if not src.is_file():
                raise SystemExit(f"{deb} holds no {INSIDE}/{name}")
            if sha256_of(src) != digest:
                raise SystemExit(f"{name} in {deb} is not the file this script was written for (SHA-256 differs)")
            if name.endswith(".avi"):
                # read in order rather than seek: seeking may land on a nearby frame with some video back-ends,
                # and the people of scripts/eval_street.py were marked on these exact frames
                for k, frame in video_frames(src, VTEST_FRAMES, name):
                    dst = out / f"vtest_{k:04d}.png"
                    cv2.imwrite(str(dst), frame)
                    written.append(dst)
            else:
                dst = out / ("nobody" if name in NOBODY else "") / name
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
