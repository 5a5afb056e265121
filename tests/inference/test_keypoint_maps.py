"""Limb maps drawn from detector keypoints (inference/keypoint_maps.py)."""
import numpy as np
import torch

from inference.keypoint_maps import LIMBS, MIRROR_LIMBS, NUM_LIMB_MAPS, limb_maps, mirror_keypoints


def _standing(size: float = 256.0) -> torch.Tensor:
    """(1, 14, 2) keypoints of a person standing upright in a crop of side `size` (subject's left at +x)."""
    s = size / 256
    pts = [(110, 230), (112, 180), (115, 130), (141, 130), (144, 180), (146, 230),   # R ankle .. L ankle
           (90, 130), (95, 100), (105, 70), (151, 70), (161, 100), (166, 130),       # R wrist .. L wrist
           (128, 70), (128, 40)]                                                     # neck, head
    return torch.tensor([pts], dtype=torch.float32) * s


def test_each_limb_lies_on_its_segment_and_fades_away():
    j, v = _standing(), torch.ones(1, 14, dtype=torch.bool)
    m = limb_maps(j, v, 128, 256)
    assert m.shape == (1, NUM_LIMB_MAPS, 128, 128) and m.min() >= 0 and m.max() <= 1
    left_shin = [i for i, (name, *_) in enumerate(LIMBS) if name == "left shin"][0]
    # midpoint of L knee (144, 180) and L ankle (146, 230) in 128 px map pixels: (72.5, 102.5)
    assert m[0, left_shin, 102, 72] > 0.9
    assert m[0, left_shin, 102, 52] < 1e-3  # 20 map pixels to the side
    assert m[0, left_shin, 20, 72] < 1e-3   # far above the knee


def test_a_missing_keypoint_blanks_its_limbs_only():
    j, v = _standing(), torch.ones(1, 14, dtype=torch.bool)
    v[0, 11] = False  # left wrist
    m = limb_maps(j, v, 64, 256)
    names = [n for n, *_ in LIMBS]
    assert m[0, names.index("left forearm")].max() == 0
    assert m[0, names.index("left upper arm")].max() > 0.9


def test_mirrored_keypoints_give_the_mirrored_maps():
    j, v = _standing(), torch.ones(1, 14, dtype=torch.bool)
    j = j + torch.tensor([7.0, 3.0])  # not symmetric about the centre
    jm, vm = mirror_keypoints(j, v, 256)
    a = limb_maps(j, v, 64, 256)
    b = limb_maps(jm, vm, 64, 256)
    torch.testing.assert_close(b, a.flip(-1)[:, torch.as_tensor(MIRROR_LIMBS)], atol=1e-5, rtol=0)
    assert sorted(MIRROR_LIMBS.tolist()) == list(range(NUM_LIMB_MAPS))
    assert np.all(MIRROR_LIMBS[MIRROR_LIMBS] == np.arange(NUM_LIMB_MAPS))
