"""scripts/train_fit_gpu.py: the pack round-trips the two caches within its stated precision, and the
dry run of the GPU path trains the shipped fitting network on it and writes a half-precision checkpoint."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests.script_modules import load_script


@pytest.fixture(scope="module")
def script():
    return load_script("train_fit_gpu")


def _caches(root: Path, n: int = 10) -> tuple[Path, Path]:
    """A ground-truth cache (labels at 128 px) and a predicted-maps cache of the same people."""
    rng = np.random.default_rng(0)
    transl = np.stack([rng.normal(0, 0.2, n), rng.normal(0, 0.2, n), rng.uniform(-60, -50, n)], 1)
    body = dict(pose=rng.normal(0, 0.3, (n, 72)).astype(np.float32), betas=rng.normal(0, 1, (n, 10)).astype(np.float32),
                transl=transl.astype(np.float32),
                joints3d=(transl[:, None] + rng.normal(0, 0.4, (n, 24, 3))).astype(np.float32),
                joints2d=rng.uniform(40, 216, (n, 24, 2)).astype(np.float32))
    gt_labels = np.zeros((n, 128, 128), np.uint8)
    gt_labels[:, 20:110, 40:90] = rng.integers(1, 13, (n, 1, 1))
    pred_labels = gt_labels.copy()
    pred_labels[:, 20:40] = 0
    gt, pred = root / "gt", root / "pred"
    for d, lab in ((gt, gt_labels), (pred, pred_labels)):
        d.mkdir()
        np.savez(d / "shard_00000.npz", labels=lab, **body)
    return gt, pred


def test_pack_round_trip(script, tmp_path):
    from training.cache import load_cache

    gt, pred = _caches(tmp_path)
    script.pack(f"{gt},{pred}", 10, tmp_path / "pack")
    assert script.unpack(tmp_path / "pack", tmp_path / "cache") == 20
    u = load_cache(tmp_path / "cache")
    g = load_cache(gt, res=64)
    p = load_cache(pred, res=64)
    assert np.array_equal(u.labels[:10], g.labels) and np.array_equal(u.labels[10:], p.labels)
    assert not np.array_equal(g.labels, p.labels)
    for k, tol in (("pose", 2e-3), ("betas", 4e-3), ("transl", 0.0), ("joints3d", 1e-3), ("joints2d", 0.07)):
        a, b = getattr(u, k), getattr(g, k)
        assert np.abs(a[:10] - b).max() <= tol and np.abs(a[10:] - b).max() <= tol, k


def test_pack_refuses_caches_of_different_people(script, tmp_path):
    gt, pred = _caches(tmp_path)
    with np.load(pred / "shard_00000.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["joints2d"] = arrays["joints2d"] + 5
    np.savez(pred / "shard_00000.npz", **arrays)
    with pytest.raises(ValueError, match="same people"):
        script.pack(f"{gt},{pred}", 10, tmp_path / "pack")


def test_dry_run_continues_the_shipped_fitting_network(script, tmp_path, monkeypatch):
    """... from any folder (--init's default is the repository's fit.pt, not a path relative to where it runs),
    leaving nothing behind in the temporary folder (every run left its cache and run folder in /tmp)."""
    import tempfile

    gt, pred = _caches(tmp_path)
    script.pack(f"{gt},{pred}", 10, tmp_path / "pack")
    out = tmp_path / "out"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.chdir(tmp_path)
    assert script.main(["--data", str(tmp_path / "pack"), "--out", str(out), "--dry-run", "--name", "f"]) == 0
    assert [p.name for p in scratch.iterdir() if p.name.startswith("nbf_")] == []
    ck = torch.load(out / "f.pt", weights_only=True)
    assert ck["step"] > 0 and ck["coords"] and ck["limb_channels"] == 12 and "optimizer" not in ck
    assert all(t.dtype == torch.float16 for t in ck["model"].values() if t.is_floating_point())
    assert (out / "f_log.txt").read_text().strip()


@pytest.mark.skipif(torch.cuda.is_available(), reason="the refusal is for machines without CUDA")
def test_without_cuda_a_real_run_is_refused_with_the_cpu_command(script, tmp_path, capsys):
    gt, pred = _caches(tmp_path)
    script.pack(f"{gt},{pred}", 10, tmp_path / "pack")
    assert script.main(["--data", str(tmp_path / "pack"), "--out", str(tmp_path / "out")]) == 2
    assert "main.py train-fit" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()
