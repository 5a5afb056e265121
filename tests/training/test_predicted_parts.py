"""The predicted-part cache: a segmentation checkpoint run over an RGB cache, bodies copied alongside."""
from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import torch

from inference.nets import SegNet
from inference.parts import MIRROR_LABELS
from training.cache import load_cache
from training.config import SegConfig
from training.predicted_parts import COPY, build


def _fake_rgb_cache(folder, shards: int = 2, n: int = 5, res: int = 32):
    rng = np.random.default_rng(0)
    folder.mkdir()
    for k in range(shards):
        np.savez(folder / f"shard_{k:05d}.npz",
                 images=rng.integers(0, 255, (n, res, res, 3), dtype=np.uint8),
                 labels=rng.integers(0, 13, (n, res, res), dtype=np.uint8),
                 pose=rng.normal(size=(n, 72)), betas=rng.normal(size=(n, 10)), transl=rng.normal(size=(n, 3)),
                 joints3d=rng.normal(size=(n, 24, 3)), joints2d=rng.normal(size=(n, 24, 2)))


def test_build_writes_the_network_labels_beside_the_bodies(tmp_path):
    _fake_rgb_cache(tmp_path / "rgb")
    torch.manual_seed(0)
    net = SegNet(width=8, head="shuffle").eval()
    run = tmp_path / "run"
    run.mkdir()
    torch.save({"model": net.state_dict(), "width": 8, "head": "shuffle"}, run / "best.pt")
    cfg = SegConfig(data=str(tmp_path / "rgb"), out=str(run), seed=1, val_fraction=0.2)  # as train-seg stores it
    (run / "config.json").write_text(json.dumps(asdict(cfg)))
    r = build(run / "best.pt", tmp_path / "rgb", tmp_path / "pred")
    assert r.n == 10 and 0 <= r.train_miou <= 1 and 0 <= r.val_miou <= 1
    out, src = load_cache(tmp_path / "pred"), load_cache(tmp_path / "rgb")
    assert out.images is None and out.labels.shape == (10, 32, 32) and out.labels.dtype == np.uint8
    for k in COPY:
        np.testing.assert_array_equal(getattr(out, k), getattr(src, k))
    with torch.no_grad():  # flip-averaged, as the Predictor segments
        x = torch.as_tensor(src.images[:2]).permute(0, 3, 1, 2).float() / 255
        mirror = torch.as_tensor(MIRROR_LABELS)
        avg = (net(x).softmax(1) + net(x.flip(-1)).softmax(1).flip(-1)[:, mirror]) / 2
        np.testing.assert_array_equal(out.labels[:2], avg.argmax(1).numpy())
    # a second run reuses the shards it finds
    stamp = (tmp_path / "pred" / "shard_00000.npz").stat().st_mtime_ns
    build(run / "best.pt", tmp_path / "rgb", tmp_path / "pred")
    assert (tmp_path / "pred" / "shard_00000.npz").stat().st_mtime_ns == stamp
