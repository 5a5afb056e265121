"""scripts/fetch_wallpapers.py: the three manifests name files of their own pinned packages, and the names it writes."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import fetch_wallpapers as fw  # noqa: E402


def test_manifests_hold_pinned_packages_and_distinct_output_names():
    for packages, manifest, n in ((fw.PACKAGES, fw.MANIFEST, 104), (fw.TEXTURE_PACKAGES, fw.TEXTURES_MANIFEST, 39),
                                  (fw.ANIMAL_PACKAGES, fw.ANIMALS_MANIFEST, 9)):
        rows = fw.files(manifest)
        assert len(rows) == n and len({d for _, _, d in rows}) == n  # no picture twice
        assert {pkg for pkg, _, _ in rows} == set(packages)
        assert all(len(d) == 64 and int(d, 16) >= 0 for _, _, d in rows)
        names = [fw.out_name(pkg, inside) for pkg, inside, _ in rows]
        assert len(set(names)) == n and all(" " not in x and x.endswith(".jpg") for x in names)
    assert fw.out_name("mypaint-data-extras", "usr/share/mypaint/backgrounds/ramon/HR_Canvas 01.png") \
        == "mypaint_HR_Canvas_01.jpg"
    assert fw.out_name("plasma-workspace-wallpapers", "usr/share/wallpapers/Altai/contents/images/5120x2880.png") \
        == "kde_Altai.jpg"
    assert fw.out_name("kphotoalbum", "usr/share/kphotoalbum/demo/spiff_2.jpg") == "kpa_spiff_2.jpg"
