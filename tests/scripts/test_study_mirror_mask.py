"""scripts/study_mirror_mask.py: the patched second look averages the silhouette too, and keeps box and keypoints."""
from pathlib import Path

import numpy as np
import pytest

from tests.script_modules import load_script

ROOT = Path(__file__).resolve().parents[2]


def test_the_patched_second_look_averages_the_silhouette_and_keeps_the_rest():
    from inference.detect import detector_available

    if not detector_available():
        pytest.skip("needs the person detector runtime (requirements-detect.txt)")
    import cv2

    from inference.detect import PersonDetector

    study = load_script("study_mirror_mask")
    rgb = cv2.imread(str(ROOT / "resources" / "photos" / "astronaut.jpg"))[:, :, ::-1].copy()
    det = PersonDetector()
    shipped = det.detect(rgb, max_people=1)
    det._cache = []
    det.second_look = lambda person: study.second_look_with_mask(det, person)
    patched = det.detect(rgb, max_people=1)
    assert len(shipped) == len(patched) == 1
    a, b = shipped[0], patched[0]
    np.testing.assert_array_equal(a.box, b.box)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)
    am, bm = a.mask.full(), b.mask.full()
    assert not np.array_equal(am, bm)
    both = (am > 0.5) | (bm > 0.5)
    assert ((am > 0.5) & (bm > 0.5)).sum() / both.sum() > 0.9  # the same silhouette, its edge averaged
