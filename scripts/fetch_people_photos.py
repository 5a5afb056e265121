"""More real photos of whole people for the evaluations: 26 pictures from four Debian packages and three PyPI
wheels, taken at set-up time (nothing is fetched at run time, and nothing of them is committed to this repository).

    python scripts/fetch_people_photos.py                   # apt-get download / pip download, then extract
    python scripts/fetch_people_photos.py --packages DIR    # the .deb and .whl files already downloaded into DIR
    python scripts/fetch_people_photos.py --max-side 1024   # pictures over 1024 px scaled down (written as PNG)
    python scripts/eval_real_photos.py data/photos_people/* --max-people 6 --out /tmp/people_eval

The figures of docs/real_photos.md ("More whole-body photos") were measured with --max-side 1024: on the full-size
frames scripts/eval_real_photos.py stops (its mesh tiles are drawn at 1024 px and cropped in full-size pixels).

Writes to data/photos_people/ (git-ignored); "people" counts everyone visible, sizes are width x height:
  darknet_person.jpg        640 x 424   one man standing in a field with a dog and a horse, whole body, seen
                                        three-quarter from behind
  darknet_kite.jpg          1352 x 900  a beach: two people walking away from the camera (whole bodies, back views,
                                        150 px tall) and about ten small people 30-70 px tall, kite surfers
  kpa_anne_helene.jpg       400 x 600   a woman sitting on the sand, whole body, facing the camera
  kpa_cold_water.jpg        800 x 533   a man standing in the surf with his arms spread (cut at the shins), four
                                        people in the water behind him
  kpa_pool.jpg              800 x 600   a man bending low over a pool table (action), a second man standing behind,
                                        whole body
  kpa_wayne.png             600 x 800   two men playing pool, one standing front-on with the cue (whole body), one
                                        bending over the table behind him (turned upright, below)
  kpa_new_wave_1.png        549 x 800   a young man crouching in a cupboard, whole body (scanned print, turned upright)
  kpa_grand_canyon_1.png    800 x 535   two people, three-quarter length, at the Grand Canyon (scanned, turned upright)
  kpa_qt-logo.jpg           800 x 542   three men side by side, upper bodies
  kpa_bar55.jpg             800 x 600   two people at a bar, half length, others half hidden behind them
  colorbox_ohoopee1.jpg     700 x 443   a man sitting on a folding chair in a river with a small child on his lap:
                                        two people sitting, whole bodies
  colorbox_ohoopee2.jpg     800 x 511   a boy bending over a pole on a river bank, whole body (black and white)
  colorbox_ohoopee3.jpg     750 x 499   a man standing in a river lifting a net, whole body (feet in the water)
  colorbox_marylou.jpg      800 x 543   a woman standing on a beach beside a horse, whole body, side view (b/w)
  gramps_1897.jpg           500 x 347   five men standing in a row, whole bodies (sepia, 1897)
  sports2d_0020.png ...     1768 x 994  frames 20, 110, 160, 175, 200, 220 of a video: a man doing jumping jacks on
    sports2d_0220.png                   a box against the sun (20), the same man standing on it while a woman walks
                                        past in profile (110, 160), his back flip, upside down in the air (175), his
                                        crouched landing (200), him running (220); whole bodies, 250-400 px tall
  pose2sim_cam01_0050.png   1080 x 1920 one moment seen by four cameras: a man on a force plate leaning on one leg,
  ... pose2sim_cam04_0050.png           the other leg out and his arms up (motion-capture markers on him, his face
                                        masked by the authors), a woman standing behind (cam01-03); front, side
                                        and back (cam03, cam04) views; cam03/cam04 are 1088 x 1920
  ultralytics_bus.jpg       810 x 1080  a street: four pedestrians beside a bus, two whole, two cut by the edges

Licences, from each package's own copyright or licence file:
  darknet 0.0.0+git20180914.61c9d02e-2+b4 (Debian main, usr/share/darknet/data): debian/copyright "Files: *",
    Joseph Redmon, GPL-3.0+ or MIT or WTFPL.
  kphotoalbum 5.9.1-1 (Debian main, usr/share/kphotoalbum/demo): debian/copyright, GPL-2+ for the whole package
    (no exception for the demo); upstream's REUSE file (.reuse/dep5 in KDE's repository) states
    "demo/*.jpg ... Copyright: 2003-2007 Jesper K. Pedersen, License: CC-BY-SA-4.0": the author's own photos
    of himself, his family and friends. The demo album's index.xml turns wayne, new_wave_1 (90 degrees) and
    grand_canyon_1 (180) upright; this script does the same and writes them as PNG.
  libjs-jquery-colorbox 1.6.4-1.1 (Debian main, usr/share/doc/libjs-jquery-colorbox/examples/content):
    debian/copyright "Files: *", (c) Jack Moore, MIT; the example pages caption them as the author's own
    ("Me and my grandfather on the Ohoopee", "On the Ohoopee as a child", "... as an adult", "Marylou on
    Cumberland Island").
  gramps 5.1.5-1 (Debian main, usr/share/doc/gramps/example/gramps): debian/copyright "Files: *", GPL-2+; the
    photo itself dates from 1897 and is in the public domain by age (our reading).
  sports2d 0.8.34 (PyPI wheel, Sports2D/Demo/demo.mp4) and pose2sim 0.10.49 (PyPI wheel,
    Pose2Sim/Demo_SinglePerson/videos/): wheel METADATA "License-Expression: BSD-3-Clause", LICENSE
    "Copyright (c) 2022, perfanalytics"; the README says the demo video was shot for it (a walker in the sagittal
    plane, jumping jacks and a flip).
  ultralytics 8.4.190 (PyPI wheel, ultralytics/assets/bus.jpg): wheel METADATA "License: AGPL-3.0"; the photo
    is not credited anywhere in the package (provenance unknown, no watermark).
Used for measurement only, not redistributed: each user takes them from the archives, and the project's documents
report numbers, not copies. Every source file is checked against the SHA-256 recorded here.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inference.integrity import sha256_of  # noqa: E402

OUT = ROOT / "data" / "photos_people"
DEBS = {  # Debian package: (version, folder inside it, output prefix)
    "darknet": ("0.0.0+git20180914.61c9d02e-2+b4", "usr/share/darknet/data", "darknet"),
    "kphotoalbum": ("5.9.1-1", "usr/share/kphotoalbum/demo", "kpa"),
    "libjs-jquery-colorbox": ("1.6.4-1.1", "usr/share/doc/libjs-jquery-colorbox/examples/content", "colorbox"),
    "gramps": ("5.1.5-1", "usr/share/doc/gramps/example/gramps", "gramps"),
}
WHEELS = {  # PyPI project: (version, folder inside the wheel, output prefix)
    "sports2d": ("0.8.34", "Sports2D/Demo", "sports2d"),
    "pose2sim": ("0.10.49", "Pose2Sim/Demo_SinglePerson/videos", "pose2sim"),
    "ultralytics": ("8.4.190", "ultralytics/assets", "ultralytics"),
}
# (package, file in its folder, SHA-256, what to write): None copies the file unchanged under prefix_name;
# an int turns it clockwise by that many degrees (as the album's index.xml does) and writes prefix_stem.png;
# a tuple of frame numbers writes those frames of a video as prefix[_stem]_NNNN.png
FILES = [
    ("darknet", "person.jpg", "cdcbab947e46110fc2b77784ac54ddbbab2640f1e44cb5e91fc8984a9793a7d1", None),
    ("darknet", "kite.jpg", "87410f52f79cc256c3949b48a3548632c07c8e9943468ef8caa6250f6643be8e", None),
    ("kphotoalbum", "anne_helene.jpg", "75dea938bf86530e95c6b74dbcc7fb447947fd17d523121634e08f03e0e7304f", None),
    ("kphotoalbum", "cold_water.jpg", "1c92d774263012891803360080a03999ffdb4fb643f320d9c106b5a3cbb21306", None),
    ("kphotoalbum", "pool.jpg", "c6b1c79236388d3a7608ce1b8702a613f3d62105e36dfebc1fce4efe16e42560", None),
    ("kphotoalbum", "wayne.jpg", "1e5e3880f65a857181ec98b9fb686e1ebfd03fc6808f002d83aefe758eacece1", 90),
    ("kphotoalbum", "new_wave_1.jpg", "dd422c963594e0441ab66c600a322a0b7259dc4b9db535c9a30010b66ce14200", 90),
    ("kphotoalbum", "grand_canyon_1.jpg", "5d60136f1143918c30d5ddf8892216fc401ea126ed01afe1d8b9374cfae43669", 180),
    ("kphotoalbum", "qt-logo.jpg", "12f4d580dff54dab5a4b0c81f4f208cdb1d134782c7b23d2f8c8bab09a80d458", None),
    ("kphotoalbum", "bar55.jpg", "dd57f8a93ea84b46d817d3b10d496360b81588da9ea887887d057803cc39c52d", None),
    ("libjs-jquery-colorbox", "ohoopee1.jpg",
     "c68ecb7f5d395d74bf1bd05016f0c557d61698d429657607e6939bee7a3753b8", None),
    ("libjs-jquery-colorbox", "ohoopee2.jpg",
     "22f006548d009a4380a77c0fe6812e887eaa237aeb62ccbbd9789e95709f8401", None),
    ("libjs-jquery-colorbox", "ohoopee3.jpg",
     "88533458ee3b3833608f08675d4fb9152162ee72090d7b1b2f2c4a1afc11e7ef", None),
    ("libjs-jquery-colorbox", "marylou.jpg",
     "7793a4b09f68e1a7957a3dd7baf2924fdf5e77f28e75ec2569fc7fa983546db6", None),
    ("gramps", "1897_expeditionsmannschaft_rio_a.jpg",
     "adaaef7d62c63e355e39441f09ac48b54cba07624ea989685197361c1d310e19", None),
    ("sports2d", "demo.mp4", "d9a66417185647b112304b57093f0c180f37a768e6a14daca75ca541f3b78039",
     (20, 110, 160, 175, 200, 220)),
    ("pose2sim", "cam01.mp4", "cf4f2816c86bea4bfbea255333d8626ff32a3ecabdab8b0fb147cea9167fde3a", (50,)),
    ("pose2sim", "cam02.mp4", "94ff87cf978b8406e8aa36ab3c5362e72848994e87652f0dc7a33c315e8e0442", (50,)),
    ("pose2sim", "cam03.mp4", "b8b329f832f178f27ecb78d024d5026b96c6adb36c387bfe2c0af85eab8a11ca", (50,)),
    ("pose2sim", "cam04.mp4", "b5c0e7863fd70d008e7178d3c556b045b0ea5f78fcd61ca548a0b2e807e641f7", (50,)),
    ("ultralytics", "bus.jpg", "c02019c4979c191eb739ddd944445ef408dad5679acab6fd520ef9d434bfbc63", None),
]
SHORT = {"1897_expeditionsmannschaft_rio_a": "1897", "demo": ""}  # shorter output stems


def out_name(package: str, name: str, frame: int | None = None, turned: bool = False) -> str:
    """kpa_pool.jpg, kpa_wayne.png (turned), sports2d_0020.png, pose2sim_cam02_0050.png."""
    prefix = {**DEBS, **WHEELS}[package][2]
    stem = SHORT.get(Path(name).stem, Path(name).stem)
    base = f"{prefix}_{stem}" if stem else prefix
    if frame is not None:
        return f"{base}_{frame:04d}.png"
    return f"{base}.png" if turned else f"{base}{Path(name).suffix}"


def download(folder: Path) -> None:
    """apt-get download the pinned Debian packages and pip download the pinned wheels into `folder`."""
    for pkg, (version, _, _) in DEBS.items():
        try:
            subprocess.run(["apt-get", "download", f"{pkg}={version}"], cwd=folder, check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SystemExit(f"could not download {pkg} {version} with apt-get ({exc}); download the .deb (and the "
                             f"wheels) by hand and pass their folder with --packages") from None
    for pkg, (version, _, _) in WHEELS.items():
        try:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                            "--dest", str(folder), f"{pkg}=={version}"], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SystemExit(f"could not download {pkg} {version} with pip ({exc}); download the wheel by hand and "
                             f"pass its folder with --packages") from None


def unpack(packages: Path, tmp: Path) -> dict[str, Path]:
    """Each package's folder of photos, unpacked under `tmp` (.deb with dpkg-deb, wheels with zipfile)."""
    folders = {}
    for pkg, (_, inside, _) in DEBS.items():
        found = sorted(packages.glob(f"{pkg}_*.deb"))
        if not found:
            raise SystemExit(f"no {pkg} .deb in {packages}")
        try:
            subprocess.run(["dpkg-deb", "-x", str(found[0]), str(tmp / pkg)], check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SystemExit(f"could not unpack {found[0]} with dpkg-deb: {exc}") from None
        folders[pkg] = tmp / pkg / inside
    for pkg, (version, inside, _) in WHEELS.items():
        found = sorted(packages.glob(f"{pkg}-{version}-*.whl"))
        if not found:
            raise SystemExit(f"no {pkg} {version} wheel in {packages}")
        with zipfile.ZipFile(found[0]) as zf:
            for member in zf.namelist():
                if member.startswith(inside + "/"):
                    zf.extract(member, tmp / pkg)
        folders[pkg] = tmp / pkg / inside
    return folders


def extract(packages: Path, out: Path, max_side: int | None = None) -> list[Path]:
    """The photos of FILES from the downloaded packages, checked, in `out`; the written paths. With `max_side`,
    pictures longer than that are scaled down (INTER_AREA) and written as PNG."""
    import cv2

    out.mkdir(parents=True, exist_ok=True)
    turn = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    written = []

    def write(dst: Path, img) -> None:
        if max_side is not None and max(img.shape[:2]) > max_side:
            s = max_side / max(img.shape[:2])
            img = cv2.resize(img, (round(img.shape[1] * s), round(img.shape[0] * s)), interpolation=cv2.INTER_AREA)
            dst = dst.with_suffix(".png")
        cv2.imwrite(str(dst), img)
        written.append(dst)
    with tempfile.TemporaryDirectory() as tmp:
        folders = unpack(packages, Path(tmp))
        for pkg, name, digest, how in FILES:
            src = folders[pkg] / name
            if not src.is_file():
                raise SystemExit(f"{pkg} holds no {name}")
            if sha256_of(src) != digest:
                raise SystemExit(f"{name} of {pkg} is not the file this script was written for (SHA-256 differs)")
            if how is None or isinstance(how, int):
                img = cv2.imread(str(src), cv2.IMREAD_COLOR)
                if img is None:
                    raise SystemExit(f"OpenCV could not read {name} of {pkg}")
                if how is not None:
                    write(out / out_name(pkg, name, turned=True), cv2.rotate(img, turn[how]))
                elif max_side is not None and max(img.shape[:2]) > max_side:
                    write(out / out_name(pkg, name), img)
                else:  # unchanged, byte for byte
                    dst = out / out_name(pkg, name)
                    dst.write_bytes(src.read_bytes())
                    written.append(dst)
            else:
                for k, img in video_frames(src, how, f"{name} of {pkg}"):
                    write(out / out_name(pkg, name, frame=k), img)
    return written


def video_frames(src: Path, frames, what: str):
    """(frame number, BGR picture) for the wanted `frames` of the video at `src`, in order. Every frame up to the
    last wanted is grabbed in order (no seek, as in fetch_opencv_samples.py); only the wanted ones are decoded.
    A frame that cannot be read stops the script, naming `what`."""
    import cv2

    cap = cv2.VideoCapture(str(src))
    try:
        for k in range(max(frames) + 1):
            ok = cap.grab()
            got = cap.retrieve() if ok and k in frames else (ok, None)
            if not got[0]:
                raise SystemExit(f"could not read frame {k} of {what} (OpenCV's video reader)")
            if got[1] is not None:
                yield k, got[1]
    finally:
        cap.release()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packages", type=Path, default=None,
                    help="a folder holding the downloaded .deb files and wheels (default: download them)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--max-side", type=int, default=None,
                    help="scale pictures longer than this many pixels down to it (written as PNG)")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = a.packages
        if folder is None:
            folder = Path(tmp)
            download(folder)
        for p in extract(folder, a.out, a.max_side):
            print(p)


if __name__ == "__main__":
    sys.exit(main())
