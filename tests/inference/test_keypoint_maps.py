"""Limb maps drawn from detector keypoints (inference/keypoint_maps.py)."""
import numpy as np
import torch

from inference.keypoint_maps import (
    LIMBS,
    MIRROR_LIMBS,
    NUM_LIMB_MAPS,
    keypoint_coords,
    limb_maps,
    mirror_coords,
    mirror_keypoints,
)


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


def test_limb_maps_match_the_distance_to_each_segment_computed_directly():
    """The in-place x/y arithmetic gives exp(-d^2 / 2 sigma^2) of the plain point-to-segment distance."""
    g = torch.Generator().manual_seed(3)
    j = torch.rand(3, 14, 2, generator=g) * 256
    v = torch.rand(3, 14, generator=g) > 0.2
    m = limb_maps(j, v, 32, 256)
    p = torch.cat([j, j[:, 2:4].mean(1, keepdim=True)], 1) * (32 / 256)
    pv = torch.cat([v, v[:, 2:4].all(1, keepdim=True)], 1)
    for b in range(3):
        torso = float((p[b, 12] - p[b, 14]).norm())
        sigma = max(0.07 * torso if pv[b, 12] and pv[b, 14] else 0.02 * 32, 1.0)
        for li, (_, ia, ib) in enumerate(LIMBS):
            y, x = 20, 11
            q, a, c = np.array([x + 0.5, y + 0.5]), p[b, ia].numpy(), p[b, ib].numpy()
            t = np.clip(np.dot(q - a, c - a) / max(np.dot(c - a, c - a), 1e-6), 0, 1)
            d2 = float(np.sum((q - (a + t * (c - a))) ** 2))
            want = np.exp(-d2 / (2 * sigma ** 2)) if pv[b, ia] and pv[b, ib] else 0.0
            assert abs(float(m[b, li, y, x]) - want) < 1e-5


def test_keypoint_coords_span_the_crop_and_mirror_with_the_keypoints():
    j, v = _standing(), torch.ones(1, 14, dtype=torch.bool)
    v[0, 11] = False  # left wrist missing: three zeros
    c = keypoint_coords(j, v, 256).view(1, 14, 3)
    torch.testing.assert_close(c[0, 0], torch.tensor([110 / 128 - 1, 230 / 128 - 1, 1.0]))
    assert torch.equal(c[0, 11], torch.zeros(3))
    jm, vm = mirror_keypoints(j + torch.tensor([7.0, 3.0]), v, 256)
    torch.testing.assert_close(keypoint_coords(jm, vm, 256),
                               mirror_coords(keypoint_coords(j + torch.tensor([7.0, 3.0]), v, 256)))


def test_padded_maps_hold_every_moved_view():
    # the fitting network's moved views cut from one padded set equal the maps of the moved keypoints
    from inference.keypoint_maps import shifted

    j = _standing()
    j[0, 11] = torch.tensor([270.0, 130.0])  # the left wrist beyond the crop's right edge
    v = torch.ones(1, 14, dtype=torch.bool)
    v[0, 0] = False  # a missing right ankle blanks the right shin in every view
    padded = limb_maps(j, v, 64, 256, pad=3)
    assert padded.shape == (1, NUM_LIMB_MAPS, 70, 70)
    for dx, dy in ((0, 0), (3, 0), (-3, 0), (0, 3), (0, -3), (2, -1)):
        moved = limb_maps(j + torch.tensor([dx, dy]) * 4.0, v, 64, 256)
        assert torch.allclose(shifted(padded, 3, dx, dy), moved, atol=1e-5), (dx, dy)
    # the border is drawn, not zero: the arm continues past the crop's edge into the padding
    left_forearm = [i for i, (name, *_) in enumerate(LIMBS) if name == "left forearm"][0]
    assert padded[0, left_forearm, :, -3:].max() > 0.5


def test_a_move_beyond_the_padding_is_refused():
    import pytest

    from inference.keypoint_maps import shifted

    padded = limb_maps(_standing(), torch.ones(1, 14, dtype=torch.bool), 64, 256, pad=2)
    with pytest.raises(ValueError, match="padded by 3"):
        shifted(padded, 2, 3, 0)
