"""The cache of the pipeline's own part maps and detector keypoints, and how train-fit reads it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from inference.camera import CROP_SIZE
from inference.image_io import load_image
from inference.keypoint_maps import keypoint_coords
from training.cache import load_cache
from training.keypoint_sim import DetectorError, gt_keypoints, simulate_keypoints
from training.pipeline_parts import COPY, build
from training.train_fit import FitSamples, parts_input

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def _bodies(rng, n: int) -> dict[str, np.ndarray]:
    """Ground-truth arrays of n samples: joints2d inside the crop, the rest random."""
    return {"pose": rng.normal(size=(n, 72)).astype(np.float32), "betas": rng.normal(size=(n, 10)).astype(np.float32),
            "transl": rng.normal(size=(n, 3)).astype(np.float32),
            "joints3d": rng.normal(size=(n, 24, 3)).astype(np.float32),
            "joints2d": rng.uniform(40, CROP_SIZE - 40, (n, 24, 2)).astype(np.float32)}


def test_the_pipeline_cache_keeps_the_detector_keypoints_and_none_for_nobody(tmp_path):
    person = load_image(ROOT / "resources" / "samples" / "synthetic_01.png")
    assert person.shape == (CROP_SIZE, CROP_SIZE, 3)
    grey = np.full_like(person, 128)
    src = tmp_path / "rgb"
    src.mkdir()
    bodies = _bodies(np.random.default_rng(0), 2)
    np.savez(src / "shard_00000.npz", images=np.stack([person, grey]), labels=np.zeros((2, 8, 8), np.uint8),
             **bodies)
    pytest.importorskip("ai_edge_litert")
    assert build(src, tmp_path / "out") == 2
    c = load_cache(tmp_path / "out")
    assert c.labels.shape[0] == 2 and c.labels.shape[1] == c.labels.shape[2] >= 64
    assert (c.labels[0] > 0).mean() > 0.05 and (c.labels[1] > 0).sum() == 0  # a body, then nobody
    assert np.isfinite(c.keypoints[0]).all() and (c.keypoint_conf[0] > 0).sum() >= 10
    assert np.isfinite(c.keypoints[1]).all() and (c.keypoint_conf[1] == 0).all()  # recorded: nobody
    for k in COPY:
        np.testing.assert_array_equal(getattr(c, k), bodies[k])
    assert build(src, tmp_path / "out") == 0  # resumable: the shard is there


def test_caches_with_and_without_detector_keypoints_load_together(tmp_path):
    rng = np.random.default_rng(1)
    for name, n, with_kp in (("a", 3, False), ("b", 2, True), ("c", 4, False)):
        (tmp_path / name).mkdir()
        extra = {"keypoints": rng.uniform(0, 256, (n, 14, 2)), "keypoint_conf": rng.uniform(0.1, 1, (n, 14))} \
            if with_kp else {}
        np.savez(tmp_path / name / "shard_00000.npz", labels=np.zeros((n, 8, 8), np.uint8), **_bodies(rng, n),
                 **extra)
    c = load_cache(f"{tmp_path / 'a'},{tmp_path / 'b'},{tmp_path / 'c'}")
    assert len(c.labels) == len(c.keypoints) == len(c.keypoint_conf) == 9
    known = np.isfinite(c.keypoints).all((1, 2))
    np.testing.assert_array_equal(known, [0, 0, 0, 1, 1, 0, 0, 0, 0])
    assert (c.keypoint_conf[~known] == 0).all() and (c.keypoint_conf[known] > 0).all()
    assert load_cache(tmp_path / "a").keypoints is None  # a plain cache stays as it was


def test_detected_keypoints_replace_the_simulated_ones_where_recorded():
    rng = np.random.default_rng(2)
    joints2d = _bodies(rng, 2)["joints2d"]
    gt = gt_keypoints(joints2d).numpy()
    joints2d = np.concatenate([joints2d, _bodies(rng, 1)["joints2d"]])
    gt = gt_keypoints(joints2d).numpy()
    # a detected person (keypoint 0 missing), nobody detected, a sample of a cache without keypoints
    detected = np.stack([gt[0] + 3.0, np.zeros((14, 2), np.float32), np.full((14, 2), np.nan, np.float32)])
    conf = np.stack([np.r_[np.zeros(1), np.ones(13)], np.zeros(14), np.zeros(14)]).astype(np.float32)
    labels = torch.zeros(3, 16, 16, dtype=torch.uint8)
    err = DetectorError.load()
    _, coords = parts_input(labels, joints2d, 12, None, err, torch.Generator().manual_seed(5), (detected, conf))
    want = keypoint_coords(torch.as_tensor(detected[:2]), torch.as_tensor(conf[:2] > 0), CROP_SIZE)
    torch.testing.assert_close(coords[:2], want)  # keypoint 0 of the first missing, none for the second
    assert (coords[1] == 0).all()
    j, v = simulate_keypoints(gt_keypoints(joints2d), err, torch.Generator().manual_seed(5), CROP_SIZE)
    torch.testing.assert_close(coords[2:], keypoint_coords(j[2:], v[2:], CROP_SIZE))


def test_mirroring_moves_the_detected_keypoints_with_the_joints():
    rng = np.random.default_rng(3)
    b = _bodies(rng, 3)
    kp = gt_keypoints(b["joints2d"]).numpy()
    kp[2] = np.nan
    conf = np.tile(np.linspace(0.5, 1.0, 14, dtype=np.float32), (3, 1))
    s = FitSamples(torch.zeros(3, 8, 8, dtype=torch.uint8), b["joints2d"], torch.as_tensor(b["pose"]),
                   torch.as_tensor(b["betas"]), torch.as_tensor(b["joints3d"]), torch.as_tensor(b["transl"]), kp, conf)
    m = s.mirrored(torch.tensor([True, False, True]))
    np.testing.assert_allclose(m.keypoints[0], gt_keypoints(m.joints2d[:1]).numpy()[0], atol=1e-4)
    np.testing.assert_array_equal(m.keypoints[1], kp[1])
    assert np.isnan(m.keypoints[2]).all()
    np.testing.assert_array_equal(m.keypoint_conf[0], conf[0][[5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6, 12, 13]])
    assert s.mirrored(torch.zeros(3, dtype=torch.bool)) is s
