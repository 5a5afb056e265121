"""Photographs and pictures without a person at wide-shot size, for the person detector's "no false people"
check: 104 desktop wallpapers of seven Debian packages, taken at set-up time (nothing is fetched at run time,
and nothing of them is committed to this repository).

    python scripts/fetch_wallpapers.py                  # apt-get download the pinned packages, then extract
    python scripts/fetch_wallpapers.py --debs DIR       # .deb files already downloaded into DIR
    python scripts/fetch_wallpapers.py --textures       # the held-out textures instead (below)
    python scripts/fetch_wallpapers.py --animals        # photos of animals without people (below)
    python -m inference.detect data/photos_wallpapers/*

Writes data/photos_wallpapers/NAME.jpg (git-ignored), each scaled to 1024 px on its long side (JPEG quality 92):
landscapes, flowers, leaves, water, insects, boats, cups, toys, a wine bottle and abstract patterns. Every
picture was looked at; the two KDE wallpapers with drawn people in them (Autumn, SafeLanding) are left out.
kde_*, gnome_*, mate_*, ukui_* (84) helped choose the detector's second witness (docs/crowds.md); lomiri_* (20,
Ubuntu Touch's photographs) were kept out of that choice and measured once after it. The opencv-doc set
(scripts/fetch_opencv_samples.py, 22 photos up to 1282 px) has animals and toys but few photos large enough for
the wide-shot search; these are 1024 px wide.
Licences (each package's debian/copyright): plasma-workspace-wallpapers GPL-2+ (KDE Visual Design Group),
gnome-backgrounds GPL-2+, mate-backgrounds GPL-2+ (two files CC-BY-SA-4.0), ukui-wallpapers CC-BY-SA-3.0,
lomiri-wallpapers* CC-BY-4.0 / CC-BY-SA-4.0 / CC-BY-SA-3.0 per file; used for measurement only, not
redistributed. Every source file is checked against the SHA-256 recorded in wallpapers.sha256.

`--textures` (stop 42, held out: measured after the detector's choices, never used for one) writes 39 pictures to
data/photos_textures/: the tileable textures of propaganda-debian (512 px, tiled 2 x 2 and cut to 1024 x 768,
as a desktop shows them; one of the 22 files, `Demonsashimi-With-Wasabe-2`, is a copy of another and left out, so
21), the 17 paper and canvas textures of mypaint-data-extras and the sway background, scaled to 1024 px (enlarged
bilinearly; the wallpapers, measured since stop 30, keep INTER_AREA); textures.sha256 holds their SHA-256.
Licences: propaganda-debian GPL-2+, mypaint-data-extras GPL-2+ (Ramon Miranda's, "whatever you want"),
sway-backgrounds Expat and MIT-like.

`--animals` (stop 63) writes 9 photographs of animals with no person in them to data/photos_animals/, at their own
size (JPEG quality 92): darknet's dog (with a bicycle and a van), eagle, giraffe and horses (Debian's darknet
package, usr/share/darknet/data; Joseph Redmon, GPL-3.0+ or MIT or WTFPL), KPhotoAlbum's demo pictures of a
terrarium (blackie), a rabbit (spiff, spiff_2) and a dog (donna) (kphotoalbum, CC-BY-SA-4.0 per upstream's REUSE
file, Jesper K. Pedersen), and the dachshund of jQuery Colorbox's examples (daisy; MIT, Jack Moore). The animal
check of the person detector (inference/detect/animals.py) was designed looking at these photos (its class set
and bar too), so they are not held out. animals.sha256 holds their SHA-256.
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

OUT = ROOT / "data" / "photos_wallpapers"
TEXTURES_OUT = ROOT / "data" / "photos_textures"
ANIMALS_OUT = ROOT / "data" / "photos_animals"
LONG_SIDE = 1024
PACKAGES = {
    "plasma-workspace-wallpapers": ("4:5.27.5-2", "kde"),
    "gnome-backgrounds": ("43.1-1", "gnome"),
    "mate-backgrounds": ("1.26.0-1", "mate"),
    "ukui-wallpapers": ("20.04.3-1.1", "ukui"),
    "lomiri-wallpapers": ("20.04.0-2", "lomiri"),
    "lomiri-wallpapers-16.04": ("20.04.0-2", "lomiri"),
    "lomiri-wallpapers-20.04": ("20.04.0-2", "lomiri"),
}
TEXTURE_PACKAGES = {
    "propaganda-debian": ("13.5.10+nmu1", "propaganda"),
    "mypaint-data-extras": ("2.0.1-9", "mypaint"),
    "sway-backgrounds": ("1.7-6", "sway"),
}
ANIMAL_PACKAGES = {
    "darknet": ("0.0.0+git20180914.61c9d02e-2+b4", "darknet"),
    "kphotoalbum": ("5.9.1-1", "kpa"),
    "libjs-jquery-colorbox": ("1.6.4-1.1", "colorbox"),
}
TILED = {"propaganda-debian"}  # small tileable textures: tiled to LONG_SIDE x 3/4 of it rather than scaled up
# one picture per wallpaper (KDE's largest rendering): "SHA-256  package/path inside it" lines
MANIFEST = Path(__file__).with_name("wallpapers.sha256")
TEXTURES_MANIFEST = Path(__file__).with_name("textures.sha256")
ANIMALS_MANIFEST = Path(__file__).with_name("animals.sha256")


def files(manifest: Path = MANIFEST) -> list[tuple[str, str, str]]:
    """(package, path inside it, SHA-256) of each picture in the manifest."""
    out = []
    for line in manifest.read_text().splitlines():
        digest, path = line.split(maxsplit=1)
        pkg, inside = path.split("/", 1)
        out.append((pkg, inside, digest))
    return out


def out_name(package: str, inside: str) -> str:
    """kde_Altai.jpg for .../wallpapers/Altai/contents/images/5120x2880.png; mate_Garden.jpg for .../Garden.jpg."""
    parts = Path(inside).parts
    stem = parts[parts.index("wallpapers") + 1] if package == "plasma-workspace-wallpapers" else Path(inside).stem
    prefix = {**PACKAGES, **TEXTURE_PACKAGES, **ANIMAL_PACKAGES}[package][1]
    return f"{prefix}_{stem.replace(' ', '_')}.jpg"


def download(folder: Path, packages: dict = PACKAGES) -> None:
    """apt-get download the pinned packages into `folder`."""
    for pkg, (version, _) in packages.items():
        try:
            subprocess.run(["apt-get", "download", f"{pkg}={version}"], cwd=folder, check=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SystemExit(f"could not download {pkg} {version} with apt-get ({exc}); download the .deb files "
                             f"from a Debian mirror and pass their folder with --debs") from None


def extract(debs: Path, out: Path, packages: dict = PACKAGES, manifest: Path = MANIFEST) -> list[Path]:
    """The pictures of the manifest from the .deb files in `debs`, checked, scaled (or tiled: TILED), in `out`;
    the written paths."""
    import cv2
    import numpy as np

    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for pkg in packages:
            found = sorted(debs.glob(f"{pkg}_*.deb"))
            if not found:
                raise SystemExit(f"no {pkg} .deb in {debs}")
            try:
                subprocess.run(["dpkg-deb", "-x", str(found[0]), str(Path(tmp) / pkg)], check=True)
            except (OSError, subprocess.CalledProcessError) as exc:
                raise SystemExit(f"could not unpack {found[0]} with dpkg-deb: {exc}") from None
        for pkg, inside, digest in files(manifest):
            src = Path(tmp) / pkg / inside
            if not src.is_file():
                raise SystemExit(f"{pkg} holds no {inside}")
            if sha256_of(src) != digest:
                raise SystemExit(f"{inside} of {pkg} is not the file this script was written for (SHA-256 differs)")
            img = cv2.imread(str(src), cv2.IMREAD_COLOR)
            if img is None:
                raise SystemExit(f"OpenCV could not read {inside} of {pkg}")
            if pkg in ANIMAL_PACKAGES:
                pass  # photos at their own size, as a user opens them
            elif pkg in TILED:
                h, w = LONG_SIDE * 3 // 4, LONG_SIDE
                img = np.tile(img, (-(-h // img.shape[0]), -(-w // img.shape[1]), 1))[:h, :w]
            else:
                s = LONG_SIDE / max(img.shape[:2])
                size = (round(img.shape[1] * s), round(img.shape[0] * s))
                enlarge = cv2.INTER_LINEAR if pkg in TEXTURE_PACKAGES else cv2.INTER_AREA
                img = cv2.resize(img, size, interpolation=cv2.INTER_AREA if s < 1 else enlarge)
            dst = out / out_name(pkg, inside)
            cv2.imwrite(str(dst), img, [cv2.IMWRITE_JPEG_QUALITY, 92])
            written.append(dst)
    return written


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--debs", type=Path, default=None, help="a folder holding the downloaded .deb files")
    ap.add_argument("--out", type=Path, default=None,
                    help=f"default {OUT} ({TEXTURES_OUT} with --textures, {ANIMALS_OUT} with --animals)")
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--textures", action="store_true", help="the held-out textures instead of the wallpapers")
    which.add_argument("--animals", action="store_true", help="the photos of animals instead of the wallpapers")
    a = ap.parse_args(argv)
    packages, manifest, out = PACKAGES, MANIFEST, OUT
    if a.textures:
        packages, manifest, out = TEXTURE_PACKAGES, TEXTURES_MANIFEST, TEXTURES_OUT
    elif a.animals:
        packages, manifest, out = ANIMAL_PACKAGES, ANIMALS_MANIFEST, ANIMALS_OUT
    out = a.out or out
    with tempfile.TemporaryDirectory() as tmp:
        folder = a.debs
        if folder is None:
            folder = Path(tmp)
            download(folder, packages)
        for p in extract(folder, out, packages, manifest):
            print(p)


if __name__ == "__main__":
    sys.exit(main())
