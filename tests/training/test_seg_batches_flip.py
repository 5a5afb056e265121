"""The segmentation batches' horizontal flip: a flipped sample's pixels are the source's mirrored left to right,
its labels the source's mirrored with every left part exchanged for its right part (a table written here from the
part names, not the project's), and its keypoint limb maps those of the keypoints mirrored by hand (x -> 256 - x,
left and right keypoints exchanged). Every other augmentation is switched off, so what is left is the flip and the
colour gain and offset, which is one positive gain and an offset per channel (undone here by a least-squares
fit)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.camera import CROP_SIZE
from inference.keypoint_maps import limb_maps
from training.cache import Cache
from training.keypoint_sim import DetectorError, gt_keypoints
from training.seg_batches import AugmentConfig, SegBatcher

NO_AUG = AugmentConfig(affine=0.0, cut=0.0, blur=0.0, noise=0.0, grey=0.0)
R, N = 32, 12

# label values: 0 background, 1 + index into ("head", "upper torso", "left forearm+hand", "right upper arm",
# "left thigh", "right thigh", "neck", "lower torso", "left upper arm", "right forearm+hand", "left shin+foot",
# "right shin+foot"); a mirror exchanges the subject's left and right parts, the others stay
MIRRORED_LABEL = {0: 0, 1: 1, 2: 2, 3: 10, 4: 9, 5: 6, 6: 5, 7: 7, 8: 8, 9: 4, 10: 3, 11: 12, 12: 11}
# LSP keypoints: R ankle, R knee, R hip, L hip, L knee, L ankle, R wrist, R elbow, R shoulder, L shoulder, L elbow,
# L wrist, neck, head; in a mirror image keypoint k shows what keypoint MIRRORED_KEYPOINT[k] was
MIRRORED_KEYPOINT = [5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 12, 13]


def _data() -> Cache:
    rng = np.random.default_rng(11)
    # pixels in 0.3..0.7: the colour gain (0.8..1.2) and offset (+-0.1) never clip them
    images = rng.integers(77, 179, (N, R, R, 3), dtype=np.uint8)
    labels = rng.integers(0, 13, (N, R, R)).astype(np.uint8)
    joints2d = rng.uniform(40, 216, (N, 24, 2)).astype(np.float32)
    return Cache(images=images, labels=labels, joints2d=joints2d)


def _affine_residual(out: np.ndarray, src: np.ndarray) -> tuple[float, float]:
    """Largest residual and smallest gain of the per-channel least-squares fits out = a src + b ((3, R, R))."""
    worst, gain = 0.0, np.inf
    for c in range(3):
        x, y = src[c].ravel().astype(np.float64), out[c].ravel().astype(np.float64)
        A = np.stack([x, np.ones_like(x)], 1)
        coef, *_ = np.linalg.lstsq(A, y, rcond=None)
        worst, gain = max(worst, float(np.abs(A @ coef - y).max())), min(gain, float(coef[0]))
    return worst, gain


@pytest.fixture(scope="module")
def batches():
    d = _data()
    batcher = SegBatcher(d, DetectorError.exact(), True, aug=NO_AUG, person_missed=0.0)
    g = torch.Generator().manual_seed(5)
    return d, batcher.make(np.arange(N), g), batcher.make(np.arange(N), torch.Generator().manual_seed(5),
                                                           augment=False)


def test_a_flipped_sample_is_mirrored_in_pixels_labels_and_keypoints(batches):
    d, aug, clean = batches
    src_img = d.images.transpose(0, 3, 1, 2).astype(np.float64) / 255
    table = np.array([MIRRORED_LABEL[v] for v in range(13)])
    kp = gt_keypoints(d.joints2d).numpy()
    flipped = []
    for k in range(N):
        img = aug.img[k].numpy()
        (as_is, g0), (mirrored, g1) = _affine_residual(img, src_img[k]), _affine_residual(img, src_img[k][:, :, ::-1])
        assert min(as_is, mirrored) < 1e-4, (k, as_is, mirrored)   # one or the other, exactly
        assert max(as_is, mirrored) > 0.05
        f = mirrored < as_is
        assert 0.75 < (g1 if f else g0) < 1.25  # a colour gain, not an inversion
        flipped.append(f)
        labels = aug.labels[k].numpy()
        if f:
            np.testing.assert_array_equal(labels, table[d.labels[k][:, ::-1]])
            kpm = kp[k][MIRRORED_KEYPOINT].copy()
            kpm[:, 0] = CROP_SIZE - kpm[:, 0]
            want = limb_maps(torch.as_tensor(kpm)[None], torch.ones(1, 14, dtype=torch.bool), R, CROP_SIZE)[0]
        else:
            np.testing.assert_array_equal(labels, d.labels[k])
            want = clean.limbs[k]
        torch.testing.assert_close(aug.limbs[k], want, atol=1e-5, rtol=0)
    assert 0 < sum(flipped) < N  # both kinds drawn


def test_an_unflipped_limb_map_is_not_the_mirrored_one(batches):
    """The limb-map check above can tell the two apart: a sample's maps differ from those of its mirror."""
    d, _, clean = batches
    kp = gt_keypoints(d.joints2d).numpy()[0]
    kpm = kp[MIRRORED_KEYPOINT].copy()
    kpm[:, 0] = CROP_SIZE - kpm[:, 0]
    mirror = limb_maps(torch.as_tensor(kpm)[None], torch.ones(1, 14, dtype=torch.bool), R, CROP_SIZE)[0]
    assert (clean.limbs[0] - mirror).abs().max() > 0.5


def test_the_hand_written_mirror_table_pairs_parts_by_their_names():
    from inference.parts import PART_NAMES

    for v, m in MIRRORED_LABEL.items():
        assert MIRRORED_LABEL[m] == v
        if v:
            name, other = PART_NAMES[v - 1], PART_NAMES[m - 1]
            want = (name.replace("left", "#").replace("right", "left").replace("#", "right"))
            assert other == want, (name, other)
