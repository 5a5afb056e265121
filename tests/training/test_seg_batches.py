"""Simulated detector keypoints, augmented segmentation batches and packed caches."""

from dataclasses import replace

import numpy as np
import torch

from training.cache import Cache, load_cache, pack_cache
from training.keypoint_sim import DetectorError, gt_keypoints, simulate_keypoints
from training.seg_batches import SegBatcher


def _data(n=6, r=64, seed=0) -> Cache:
    rng = np.random.default_rng(seed)
    return Cache(images=rng.integers(0, 255, (n, r, r, 3), dtype=np.uint8),
                 labels=rng.integers(0, 13, (n, r, r)).astype(np.uint8),
                 joints2d=rng.uniform(40, 216, (n, 24, 2)).astype(np.float32))


def _arrays(d: Cache) -> dict:
    return {k: getattr(d, k) for k in d.keys()}


def test_an_exact_detector_returns_the_ground_truth():
    gt = gt_keypoints(_data().joints2d)
    j, v = simulate_keypoints(gt, DetectorError.exact(), torch.Generator().manual_seed(0), 256, person_missed=0.0)
    torch.testing.assert_close(j, gt)
    assert v.all()
    _, v = simulate_keypoints(gt, DetectorError.exact(), torch.Generator().manual_seed(0), 256, person_missed=1.0)
    assert not v.any()


def test_the_measured_error_model_loads_and_perturbs():
    err = DetectorError.load()
    assert err.bias.shape == (14, 2) and 0 <= err.person_missed < 1
    gt = gt_keypoints(_data(n=64).joints2d)
    j, v = simulate_keypoints(gt, err, torch.Generator().manual_seed(0), 256, person_missed=0.0)
    assert 0.5 < v.float().mean() <= 1.0
    assert (j - gt).abs().max() > 0


def test_batches_are_deterministic_and_well_formed():
    d = _data()
    b1 = SegBatcher(d, DetectorError.exact(), True).make(np.arange(6), torch.Generator().manual_seed(3))
    b2 = SegBatcher(d, DetectorError.exact(), True).make(np.arange(6), torch.Generator().manual_seed(3))
    assert b1.img.shape == (6, 3, 64, 64) and b1.limbs.shape == (6, 12, 64, 64) and b1.labels.shape == (6, 64, 64)
    assert 0 <= b1.img.min() and b1.img.max() <= 1 and 0 <= b1.labels.min() and b1.labels.max() <= 12
    torch.testing.assert_close(b1.img, b2.img)
    assert torch.equal(b1.labels, b2.labels)
    clean = SegBatcher(d, DetectorError.exact(), True).make(np.arange(6), torch.Generator().manual_seed(3),
                                                             augment=False)
    assert torch.equal(clean.labels, torch.as_tensor(d.labels).long())


def test_a_batcher_can_give_every_sample_keypoints_or_none():
    d, g = _data(), lambda: torch.Generator().manual_seed(3)
    every = SegBatcher(d, DetectorError.exact(), True, person_missed=0.0).make(np.arange(6), g(), augment=False)
    none = SegBatcher(d, DetectorError.exact(), True, person_missed=1.0).make(np.arange(6), g(), augment=False)
    assert (every.limbs.flatten(1).abs().amax(1) > 0).all()  # each sample's limb planes drawn
    assert not none.limbs.any()


def test_a_packed_cache_loads_back(tmp_path):
    d = _data(n=5)
    d = replace(d, images=np.repeat(np.repeat(d.images[:, ::8, ::8], 8, 1), 8, 2))  # blocky: survives WebP well
    src = tmp_path / "cache"
    src.mkdir()
    np.savez(src / "shard_00000.npz", pose=np.zeros((5, 72)), **_arrays(d))
    pack_cache(src, tmp_path / "pack", 5, quality=90, shard=3)
    back = load_cache(tmp_path / "pack")
    assert np.array_equal(back.labels, d.labels)
    np.testing.assert_array_equal(back.joints2d, d.joints2d)
    assert np.abs(back.images.astype(int) - d.images).mean() < 12


def test_the_gpu_script_dry_run_trains_and_writes_a_checkpoint(tmp_path):
    import importlib.util
    from pathlib import Path

    from inference.nets.efficientnet_lite import EfficientNetLite0Encoder

    d = _data(n=30, r=64)
    src = tmp_path / "cache"
    src.mkdir()
    np.savez(src / "shard_00000.npz", pose=np.zeros((30, 72)), **_arrays(d))
    pack_cache(src, tmp_path / "pack", 30)
    enc = tmp_path / "enc.pt"
    torch.save({"model": EfficientNetLite0Encoder().state_dict()}, enc)
    script = Path(__file__).parents[2] / "scripts/train_seg_gpu.py"
    spec = importlib.util.spec_from_file_location("train_seg_gpu", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "out"
    assert mod.main(["--data", str(tmp_path / "pack"), "--pretrained", str(enc), "--out", str(out), "--dry-run"]) == 0
    ck = torch.load(out / "seg_lite.pt", weights_only=False)
    assert ck["arch"] == "lite" and ck["limb_channels"] == 12 and ck["step"] > 0
    assert all(t.dtype == torch.float16 for t in ck["model"].values() if t.is_floating_point())


def test_the_gpu_script_dry_run_continues_the_shipped_segnet(tmp_path):
    """The segnet variant warm-starts from resources/weights/seg.pt, so it must build the shipped
    architecture (limb maps at every encoder scale) or the warm start cannot load."""
    import importlib.util
    from pathlib import Path

    d = _data(n=30, r=64)
    src = tmp_path / "cache"
    src.mkdir()
    np.savez(src / "shard_00000.npz", pose=np.zeros((30, 72)), **_arrays(d))
    pack_cache(src, tmp_path / "pack", 30)
    script = Path(__file__).parents[2] / "scripts/train_seg_gpu.py"
    spec = importlib.util.spec_from_file_location("train_seg_gpu", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "out"
    assert mod.main(["--data", str(tmp_path / "pack"), "--variant", "segnet", "--out", str(out), "--dry-run"]) == 0
    ck = torch.load(out / "seg_segnet.pt", weights_only=False)
    assert ck["arch"] == "segnet" and ck["limb_channels"] == 12 and ck["step"] > 0
    assert any(k.startswith("limb_in.") for k in ck["model"])


def test_the_gpu_script_continues_a_wider_checkpoint_under_its_own_name(tmp_path):
    """--init continues any segnet checkpoint (its width and limb maps read from it) and --name keeps runs of
    one call apart; --init with the lite variant is refused."""
    import importlib.util
    from pathlib import Path

    from inference.nets import SegNet

    d = _data(n=30, r=64)
    src = tmp_path / "cache"
    src.mkdir()
    np.savez(src / "shard_00000.npz", pose=np.zeros((30, 72)), **_arrays(d))
    pack_cache(src, tmp_path / "pack", 30)
    wide = SegNet(width=12, head="shuffle", limb_channels=12, deep_limbs=True)
    init = tmp_path / "wide.pt"
    torch.save({"model": wide.state_dict(), "width": 12, "deep_limbs": True, "head": "shuffle"}, init)
    script = Path(__file__).parents[2] / "scripts/train_seg_gpu.py"
    spec = importlib.util.spec_from_file_location("train_seg_gpu", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    out = tmp_path / "out"
    args = ["--data", str(tmp_path / "pack"), "--out", str(out), "--dry-run", "--init", str(init)]
    assert mod.main(args + ["--variant", "segnet", "--name", "w12", "--lr", "5e-4"]) == 0
    ck = torch.load(out / "seg_w12.pt", weights_only=False)
    assert ck["width"] == 12 and ck["deep_limbs"] and ck["config"]["lr"] == 5e-4
    assert (out / "seg_w12_log.txt").is_file() and not (out / "seg_segnet.pt").exists()
    assert mod.main(args + ["--variant", "lite", "--pretrained", str(init)]) == 2
