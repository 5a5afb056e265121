"""Training caches, the fit trainer (single process, resume; torchrun in test_torchrun_real.py), networks, losses,
augmentation."""
from __future__ import annotations

import json
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cli.main import main
from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.geometry import axis_angle_to_matrix, project_points, translation_to_weak_cam
from inference.nets import FitNet, SegNet
from inference.types import BodyParams
from training.augment import corrupt_parts, one_hot
from training.cache import Cache, build_cache, load_cache
from training.losses import LossWeights, fit_losses

N, SHARD, RES = 64, 32, 64


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """A tiny labels-only cache: 64 samples in 2 shards at 64 px (one spawned worker)."""
    out = tmp_path_factory.mktemp("cache") / "fit"
    build_cache(out, seed=3, n=N, rgb=False, res=RES, workers=1, shard=SHARD)
    return out


@pytest.fixture(scope="module")
def data(cache) -> Cache:
    return load_cache(cache)


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


def _train_fit(cache: Path, out: Path, epochs: int, *extra: str) -> int:
    return main(["train-fit", "--data", str(cache), "--out", str(out), "--epochs", str(epochs),
                 "--batch-size", "16", *extra])


# ------------------------------------------------------------------ cache
def test_cache_shards_and_arrays(cache, data):
    shards = sorted(p.name for p in cache.iterdir())
    assert shards == ["shard_00000.npz", "shard_00001.npz"], shards
    assert set(data.keys()) == {"labels", "pose", "betas", "transl", "joints3d", "joints2d"}  # no images: labels only
    assert data.images is None and len(data) == N
    assert data.labels.shape == (N, RES, RES) and data.labels.dtype == np.uint8
    assert data.labels.max() <= 12 and (data.labels > 0).any(axis=(1, 2)).all()
    assert data.pose.shape == (N, 72) and data.betas.shape == (N, 10) and data.transl.shape == (N, 3)
    assert data.joints3d.shape == (N, 24, 3) and data.joints2d.shape == (N, 24, 2)
    assert len(load_cache(cache, max_samples=40).pose) == 40


def test_cache_rows_are_consistent(data, body):
    """Each row's SMPL parameters give its 3D joints, and those project (full 256 px crop) to its 2D joints."""
    for i in (0, N - 1):
        p = BodyParams.from_pose(data.pose[i], data.betas[i], data.transl[i])
        np.testing.assert_allclose(body.mesh(p).joints, data.joints3d[i], atol=1e-4)
        uv = project_points(data.joints3d[i], FOCAL, CROP_SIZE)
        np.testing.assert_allclose(uv, data.joints2d[i], atol=1e-2)


# ------------------------------------------------------------------ training
@pytest.fixture(scope="module")
def run1(cache, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "fit"
    assert _train_fit(cache, out, 1) == 0
    return out


def test_train_fit_one_epoch_writes_checkpoints(run1):
    for name in ("best.pt", "latest.pt", "config.json", "log.txt"):
        assert (run1 / name).exists(), name
    cfg = json.loads((run1 / "config.json").read_text())
    assert cfg["kind"] == "fit" and cfg["epochs"] == 1 and cfg["batch_size"] == 16
    ck = torch.load(run1 / "latest.pt", map_location="cpu", weights_only=False)
    steps = (N - max(1, int(N * 0.05))) // 16
    assert ck["epoch"] == 1 and ck["step"] == steps
    assert ck["optimizer"] is not None and ck["n_parts"] == 12 and ck["res"] == RES
    assert np.isfinite(ck["val"]["pa_mpjpe_mm"])
    net = FitNet(in_channels=13, res=RES)
    net.load_state_dict(ck["model"])
    best = torch.load(run1 / "best.pt", map_location="cpu", weights_only=False)
    assert best["optimizer"] is None and best["epoch"] == 1


def test_train_fit_resumes(run1, cache, capsys):
    first = torch.load(run1 / "latest.pt", map_location="cpu", weights_only=False)
    assert _train_fit(cache, run1, 2) == 0
    assert f"resumed from {run1 / 'latest.pt'} at epoch 1" in capsys.readouterr().out
    ck = torch.load(run1 / "latest.pt", map_location="cpu", weights_only=False)
    assert ck["epoch"] == 2 and ck["step"] == 2 * first["step"]
    log = (run1 / "log.txt").read_text()
    assert "epoch 1/1" in log and "epoch 2/2" in log and "epoch 1/2" not in log
    assert any(not torch.equal(ck["model"][k], first["model"][k]) for k in ck["model"])


class _RunsCode:
    """Unpickled, it would create a file: what a checkpoint from a stranger could do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_bad_training_inputs_are_one_line_each_and_run_no_code(run1, cache, tmp_path, capsys):
    """--init of a checkpoint holding code is refused before it runs (it ran: torch.load without
    weights_only); a damaged one, one of another network, a missing --data, an --out that is a file and a batch
    larger than the data are one line and exit 2 (tracebacks before)."""
    marker = tmp_path / "PWNED"
    evil = tmp_path / "evil.pt"
    torch.save({"model": {}, "payload": _RunsCode(marker)}, evil)
    damaged = tmp_path / "damaged.pt"
    damaged.write_bytes((run1 / "best.pt").read_bytes()[:5000])
    afile = tmp_path / "afile"
    afile.write_text("x")
    for argv, needle in (
        (["--init", str(evil)], "more than tensors and plain data (refused: loading it could run code)"),
        (["--init", str(damaged)], "not a PyTorch checkpoint, or a damaged one"),
        (["--init", str(tmp_path / "none.pt")], "no such checkpoint file"),
        (["--init", str(run1 / "best.pt"), "--res", str(RES * 2)], "does not fit this network"),
    ):
        out = tmp_path / f"run_{len(capsys.readouterr().err)}_{argv[-1][-6:]}"
        assert _train_fit(cache, out, 1, *argv) == 2, argv
        err = capsys.readouterr().err
        assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert not marker.exists()
    assert main(["train-fit", "--data", str(tmp_path / "nosuch"), "--out", str(tmp_path / "r")]) == 2
    assert "no such folder" in capsys.readouterr().err
    assert _train_fit(cache, afile, 1) == 2 and "is a file, not a run folder" in capsys.readouterr().err
    assert main(["train-fit", "--data", str(cache), "--out", str(tmp_path / "big"), "--batch-size", "1000"]) == 2
    assert "fewer than one batch of 1000" in capsys.readouterr().err
    assert not (tmp_path / "big").exists()  # made for the run, and removed empty when it failed


def test_train_fit_with_a_share_of_3d_labels(cache, tmp_path):
    """--share-3d: the run records which share of its training samples kept 3D labels (a seeded draw)."""
    from training.loop import split_indices
    from training.train_fit import labelled_3d

    out = tmp_path / "share"
    assert _train_fit(cache, out, 1, "--share-3d", "0.25", "--share-seed", "2") == 0
    ck = torch.load(out / "latest.pt", map_location="cpu", weights_only=False)
    assert ck["config"]["share_3d"] == 0.25 and ck["config"]["share_seed"] == 2
    tr, _ = split_indices(N, 0.05, 0)
    assert ck["share_3d"] == pytest.approx(labelled_3d(N, 0.25, 2)[tr].mean())
    assert 0.0 < ck["share_3d"] < 0.6 and np.isfinite(ck["val"]["pa_mpjpe_mm"])


def test_a_wall_clock_budget_shortens_the_schedule(cache, tmp_path):
    """--minutes: after timing the first steps the loop cuts the schedule to what fits; a budget already
    spent ends the run there, validated and saved."""
    out = tmp_path / "budget"
    assert _train_fit(cache, out, 4, "--batch-size", "2", "--minutes", "0.001") == 0
    ck = torch.load(out / "latest.pt", map_location="cpu", weights_only=False)
    planned = (N - max(1, int(N * 0.05))) // 2 * 4
    assert 60 <= ck["step"] < planned and ck["epoch"] < 4
    assert "steps fit the 0.001 min budget" in (out / "log.txt").read_text()  # the --minutes given, not 0.0


# ------------------------------------------------------------------ networks
def test_soft_dice_is_the_overlap_of_the_probabilities_with_the_one_hot_labels():
    """soft_dice_loss sums each class's probabilities at its own pixels instead of multiplying by a one-hot map:
    the same value and gradient as the formula written out, over the classes present only."""
    from training.losses import soft_dice_loss

    torch.manual_seed(0)
    logits = torch.randn(3, 13, 20, 20, requires_grad=True)
    lab = torch.randint(0, 10, (3, 20, 20))  # classes 10-12 absent
    p = F.softmax(logits, 1)
    y = F.one_hot(lab, 13).permute(0, 3, 1, 2).float()
    per_class = 2 * (p * y).sum((0, 2, 3)) / (p.sum((0, 2, 3)) + y.sum((0, 2, 3)))
    expected = 1 - per_class[:10].mean()
    (g_expected,) = torch.autograd.grad(expected, logits)
    got = soft_dice_loss(logits, lab)
    (g_got,) = torch.autograd.grad(got, logits)
    assert torch.allclose(got, expected, atol=1e-6) and torch.allclose(g_got, g_expected, atol=1e-7)
    perfect = F.one_hot(lab, 13).permute(0, 3, 1, 2).float() * 50
    assert float(soft_dice_loss(perfect, lab)) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("head", ["bilinear", "shuffle"])
def test_segnet_forward_backward(head):
    from training.losses import soft_dice_loss

    torch.manual_seed(0)
    net = SegNet(width=8, head=head)
    x = torch.rand(2, 3, 64, 64)
    logits = net(x)
    assert logits.shape == (2, 13, 64, 64)
    lab = torch.randint(0, 13, (2, 64, 64))
    loss = F.cross_entropy(logits, lab) + soft_dice_loss(logits, lab)
    loss.backward()
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"no gradient reaches {name}"


def test_shuffle_head_warm_starts_from_a_bilinear_head():
    """The converted shuffle head predicts each half-resolution logit for its four pixels."""
    from inference.nets.seg_net import shuffle_head_from_bilinear

    torch.manual_seed(0)
    a = SegNet(width=8, head="bilinear").eval()
    b = SegNet(width=8, head="shuffle").eval()
    b.load_state_dict(shuffle_head_from_bilinear(a.state_dict()))
    with torch.no_grad():
        x = torch.rand(1, 3, 64, 64)
        half = a.head(a.features(x))                   # (1, 13, 32, 32)
        nearest = F.interpolate(half, scale_factor=2, mode="nearest")
        torch.testing.assert_close(b(x), nearest, atol=1e-5, rtol=1e-5)


def test_fitnet_forward_backward(data):
    torch.manual_seed(0)
    net = FitNet(in_channels=13, res=RES)
    x = one_hot(torch.as_tensor(data.labels[:4]))
    rot, betas, cam = net(x)
    assert rot.shape == (4, 24, 3, 3) and betas.shape == (4, 10) and cam.shape == (4, 3)
    # the zero-initialised output layer starts at the mean parameters: identity rotations, s = 0.9
    torch.testing.assert_close(rot, torch.eye(3).expand(4, 24, 3, 3), atol=1e-6, rtol=0)
    torch.testing.assert_close(cam, torch.tensor([0.9, 0.0, 0.0]).expand(4, 3))
    target = axis_angle_to_matrix(torch.as_tensor(data.pose[:4]).view(4, 24, 3))
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    for _ in range(2):  # the first step moves the zero output layer, then gradients reach every layer
        opt.zero_grad()
        rot, betas, cam = net(x)
        loss = ((rot - target) ** 2).mean() + (betas ** 2).mean() + ((cam - 1) ** 2).mean()
        loss.backward()
        opt.step()
    for name, p in net.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, f"no gradient reaches {name}"
    R = net(x)[0].detach()
    torch.testing.assert_close(R @ R.transpose(-1, -2), torch.eye(3).expand_as(R), atol=1e-5, rtol=0)
    assert torch.allclose(torch.det(R), torch.ones(4, 24), atol=1e-5)


# ------------------------------------------------------------------ losses
def _gt_batch(data, b):
    pose = torch.as_tensor(data.pose[b])
    t = {k: torch.as_tensor(getattr(data, k)[b]) for k in ("betas", "joints3d", "joints2d", "transl")}
    return axis_angle_to_matrix(pose.view(-1, 24, 3)), t["betas"], t["joints3d"], t["joints2d"], t["transl"]


def test_fit_losses_vanish_at_the_ground_truth(data, body):
    rot, betas, j3d, j2d, transl = _gt_batch(data, np.arange(8))
    cam = translation_to_weak_cam(transl, FOCAL, CROP_SIZE)
    out = fit_losses(body, rot, betas, cam, rot, betas, j3d, j2d, transl, FOCAL, CROP_SIZE, LossWeights())
    assert [f.name for f in fields(out)] == ["lat", "betas", "j3d", "j2d", "cam", "total"]
    for f in fields(out):
        assert float(getattr(out, f.name)) < 1e-6, (f.name, float(getattr(out, f.name)))


def test_fit_losses_positive_away_from_the_ground_truth(data, body):
    rot, betas, j3d, j2d, transl = _gt_batch(data, np.arange(8))
    cam = translation_to_weak_cam(transl, FOCAL, CROP_SIZE)
    w = LossWeights()
    g = torch.Generator().manual_seed(0)
    rot_bad = axis_angle_to_matrix(torch.as_tensor(data.pose[:8]).view(-1, 24, 3)
                                   + 0.2 * torch.randn(8, 24, 3, generator=g))
    out = fit_losses(body, rot_bad, betas, cam, rot, betas, j3d, j2d, transl, FOCAL, CROP_SIZE, w)
    assert out.lat > 1e-3 and out.j3d > 1e-5 and out.j2d > 1e-5 and out.total > 1e-3
    assert out.betas < 1e-9 and out.cam < 1e-9
    out = fit_losses(body, rot, betas + 1, cam, rot, betas, j3d, j2d, transl, FOCAL, CROP_SIZE, w)
    assert out.betas > 0.5 and out.j3d > 0 and out.lat < 1e-9
    out = fit_losses(body, rot, betas, cam * torch.tensor([1.2, 1.0, 1.0]), rot, betas, j3d, j2d, transl, FOCAL,
                     CROP_SIZE, w)
    assert out.cam > 0 and out.j2d > 1e-4 and out.j3d < 1e-9
    # switched-off terms do not count
    off = fit_losses(body, rot_bad, betas, cam, rot, betas, j3d, j2d, transl, FOCAL, CROP_SIZE,
                     LossWeights(lat=0, betas=0, j3d=0, j2d=0, cam=0))
    assert float(off.total) == 0.0


# ------------------------------------------------------------------ augmentation
def test_corrupt_parts(data):
    lab = torch.as_tensor(data.labels[:16])
    before = lab.clone()
    out = corrupt_parts(lab, torch.Generator().manual_seed(0))
    torch.testing.assert_close(lab, before)  # the input is left alone
    assert out.shape == lab.shape and out.dtype == torch.long
    assert out.min() >= 0 and out.max() <= 12
    assert (out != lab.long()).any()
    changed = (out != lab.long()).float().mean()
    assert changed < 0.5, "corruption should perturb, not replace, the part maps"
    again = corrupt_parts(lab, torch.Generator().manual_seed(0))
    torch.testing.assert_close(out, again)  # deterministic for a generator seed
    clean = corrupt_parts(lab, torch.Generator().manual_seed(0), p_boundary=0, p_drop=0, p_merge=0, p_occlude=0)
    torch.testing.assert_close(clean, lab.long())


def test_flip_averaged_parts_are_mirror_consistent():
    """With test-time flipping, the parts of a mirrored image are the mirrored parts, left and right swapped."""
    from inference.nets.seg_net import part_probabilities
    from inference.parts import MIRROR_LABELS

    torch.manual_seed(0)
    net = SegNet(width=8, head="shuffle").eval()
    mirror = torch.as_tensor(MIRROR_LABELS)
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        p, pm = part_probabilities(net, x, mirror), part_probabilities(net, x.flip(-1), mirror)
        plain = part_probabilities(net, x)
    torch.testing.assert_close(pm, p.flip(-1)[:, mirror], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(p.sum(1), torch.ones(2, 64, 64))
    assert not torch.allclose(plain, p)


def test_person_free_samples_replace_a_fraction_of_a_batch():
    from training.seg_batches import SegBatcher
    from training.train_seg import person_free_images

    empty = person_free_images(6, 64, seed=3)
    assert empty.shape == (6, 64, 64, 3) and empty.dtype == np.uint8
    np.testing.assert_array_equal(empty, person_free_images(6, 64, seed=3))
    assert empty.reshape(6, -1).std(1).min() > 0  # textured, not blank
    rng = np.random.default_rng(0)
    data = Cache(images=rng.integers(0, 255, (8, 64, 64, 3), dtype=np.uint8),
                 labels=rng.integers(1, 13, (8, 64, 64)).astype(np.uint8),
                 joints2d=rng.uniform(60, 200, (8, 24, 2)).astype(np.float32))
    n_empty = []
    for rate in (0.0, 1.0, 0.5):
        b = SegBatcher(data, None, False, empty, rate).make(np.arange(8), torch.Generator().manual_seed(1))
        n_empty.append(int((b.labels.flatten(1) == 0).all(1).sum()))
    assert n_empty[0] == 0 and n_empty[1] == 8 and 0 < n_empty[2] < 8
    assert (data.labels > 0).all(), "the cached arrays must not change"


def test_mirrored_samples_are_still_consistent(data, body):
    """A mirrored sample's pose, betas and translation give its mirrored 3D joints (the body model is
    left-right symmetric within about 1 mm), they project to its mirrored 2D joints, its losses at the
    ground truth vanish, and mirroring twice gives the sample back."""
    from training.train_fit import FitSamples

    b = np.arange(8)
    s = FitSamples.of(data, b)
    which = torch.tensor([True, False] * 4)
    m = s.mirrored(which)
    for i in range(8):
        p = BodyParams.from_pose(m.pose[i].numpy(), m.betas[i].numpy(), m.transl[i].numpy())
        j = body.mesh(p).joints
        np.testing.assert_allclose(j, m.joints3d[i].numpy(), atol=3e-3)
        np.testing.assert_allclose(project_points(m.joints3d[i].numpy(), FOCAL, CROP_SIZE), m.joints2d[i], atol=1e-2)
    assert torch.equal(m.labels[1], s.labels[1]) and not torch.equal(m.labels[0], s.labels[0])
    # a mirrored left thigh (label of the subject's left) lies where the right thigh was, flipped
    from inference.parts import MIRROR_LABELS
    assert torch.equal(m.labels[0], torch.as_tensor(MIRROR_LABELS)[s.labels[0].flip(-1).long()].to(torch.uint8))
    back = m.mirrored(which)
    for f in ("labels", "pose", "joints3d", "transl"):
        assert torch.allclose(getattr(back, f).float(), getattr(s, f).float(), atol=1e-6), f
    np.testing.assert_allclose(back.joints2d, s.joints2d, atol=1e-4)
    rot = axis_angle_to_matrix(m.pose.view(-1, 24, 3))
    cam = translation_to_weak_cam(m.transl, FOCAL, CROP_SIZE)
    out = fit_losses(body, rot, m.betas, cam, rot, m.betas, m.joints3d, torch.as_tensor(m.joints2d), m.transl,
                     FOCAL, CROP_SIZE, LossWeights())
    assert float(out.j3d) < 1e-5 and float(out.j2d) < 1e-4, (float(out.j3d), float(out.j2d))


def test_bf16_runs_the_network_in_bfloat16_and_keeps_float32_weights(cache, tmp_path, monkeypatch):
    conv = torch.nn.Conv2d.forward
    seen: list[torch.dtype] = []

    def recording(self, x):
        y = conv(self, x)
        seen.append(y.dtype)
        return y

    monkeypatch.setattr(torch.nn.Conv2d, "forward", recording)
    assert _train_fit(cache, tmp_path / "f32", 1) == 0
    assert seen and set(seen) == {torch.float32}
    seen.clear()
    out = tmp_path / "bf16"
    assert _train_fit(cache, out, 1, "--bf16") == 0
    assert torch.bfloat16 in seen
    assert json.loads((out / "config.json").read_text())["bf16"] is True
    ck = torch.load(out / "best.pt", weights_only=False)
    weights = [v for v in ck["model"].values() if v.is_floating_point()]
    assert all(v.dtype == torch.float32 and bool(torch.isfinite(v).all()) for v in weights)


def test_train_fit_with_mirrored_samples(cache, tmp_path):
    out = tmp_path / "fit_flip"
    assert _train_fit(cache, out, 1, "--flip", "0.5", "--keypoints") == 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["flip"] == 0.5
    ck = torch.load(out / "best.pt", weights_only=False)
    assert ck["step"] > 0 and ck["limb_channels"] == 12
    with pytest.raises(SystemExit):
        _train_fit(cache, tmp_path / "bad", 1, "--flip", "1.5")
    assert _train_fit(cache, tmp_path / "bad", 1, "--flip", "0.5", "--input", "rgb") == 2  # no mirrored RGB


def test_keypoint_coords_warm_start_answers_as_its_parent(cache, tmp_path):
    """--coords adds the keypoints as numbers to a trained network with zero weights on them: before any
    step the warm-started network gives its parent's answer exactly; after training the checkpoint
    records the input, and --coords without --keypoints is refused."""
    from training.config import config_from_dict
    from training.train_fit import FitSamples, FitTask, parts_input

    parent = tmp_path / "parent"
    assert _train_fit(cache, parent, 1, "--keypoints") == 0
    cfg = config_from_dict({**json.loads((parent / "config.json").read_text()), "coords": True,
                            "init": str(parent / "best.pt")})
    task = FitTask(cfg)
    task.load(torch.device("cpu"))
    net = task.build_net(torch.device("cpu"))
    ck = torch.load(parent / "best.pt", weights_only=False)
    net.load_state_dict(task.adapt_init(ck["model"]))
    old = FitNet(in_channels=25).eval()
    old.load_state_dict(ck["model"])
    net.eval()
    s = FitSamples.of(task.data, np.arange(4))
    x, kp = parts_input(s.labels, s.joints2d, 12, None, task.err, torch.Generator().manual_seed(0))
    assert kp.shape == (4, 42)
    with torch.no_grad():
        for a, b in zip(net(x, kp), old(x)):
            assert torch.equal(a, b)
    out = tmp_path / "child"
    assert _train_fit(cache, out, 1, "--keypoints", "--coords", "--init", str(parent / "best.pt")) == 0
    assert torch.load(out / "best.pt", weights_only=False)["coords"] is True
    assert _train_fit(cache, tmp_path / "bad", 1, "--coords") == 2


def test_a_cache_is_not_extended_with_other_settings(tmp_path, monkeypatch, capsys):
    """`python -m training.cache` into a cache made with another seed or resolution says so and stops (it kept
    the old shards without a word); the same settings again change nothing."""
    from training import cache as cache_module

    out = tmp_path / "c"

    def run(*argv: str):
        monkeypatch.setattr(sys, "argv", ["cache", "--out", str(out), "--n", "8", "--labels-only", "--workers", "1",
                                          "--shard", "8", *argv])
        cache_module.main()

    run("--seed", "3", "--res", "32")
    shard = (out / "shard_00000.npz").stat().st_mtime_ns
    run("--seed", "3", "--res", "32")
    assert (out / "shard_00000.npz").stat().st_mtime_ns == shard
    for argv, needle in ((("--seed", "4", "--res", "32"), "seed 3 there, 4 now"),
                         (("--seed", "3", "--res", "64"), "res 32 there, 64 now")):
        with pytest.raises(SystemExit) as exc:
            run(*argv)
        assert needle in str(exc.value) and "holds 8 samples" in str(exc.value)
    assert (out / "shard_00000.npz").stat().st_mtime_ns == shard


def test_the_training_loop_runs_the_convolutions_channels_last_with_the_same_answers(cache, tmp_path, monkeypatch):
    """training.loop.channels_last: the weights and every 4D input in channels-last order (faster convolutions on
    the CPU), the outputs those of the default order, and a checkpoint that loads into a plain network."""
    from training.loop import channels_last

    torch.manual_seed(0)
    net = SegNet(width=8, head="shuffle", limb_channels=12, deep_limbs=True).eval()
    rgb, limbs = torch.rand(2, 3, 64, 64), torch.rand(2, 12, 64, 64)
    with torch.no_grad():
        plain = net(rgb, limbs)
        fast = channels_last(net)(rgb, limbs)
    assert net.stem[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(plain, fast, atol=1e-5)
    conv, seen = torch.nn.Conv2d.forward, []

    def recording(self, x):
        seen.append(x.is_contiguous(memory_format=torch.channels_last) or x.shape[-1] == 1)
        return conv(self, x)

    monkeypatch.setattr(torch.nn.Conv2d, "forward", recording)
    out = tmp_path / "fit"
    assert _train_fit(cache, out, 1) == 0
    assert seen and all(seen)
    fresh = FitNet(in_channels=13)
    ck = torch.load(out / "best.pt", weights_only=False)
    fresh.load_state_dict(ck["model"])
