"""The wide-shot person proposer (inference/detect/people_net.py) and its training targets
(training/train_people.py): input sizing, peak decoding, targets that decode back to the people they came
from, the loss, and a short real training run whose checkpoint the proposer loads."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from inference.detect.people_net import (
    INPUT_SIDE,
    PAD,
    STRIDE,
    PeopleNet,
    PeopleProposer,
    Proposal,
    decode,
    merge_proposals,
    network_input,
)
from tests.crowd_frames import write_small_crowd
from training.train_people import body_circle, people_losses, targets


def test_network_input_keeps_the_aspect_and_pads_to_the_encoder_stride():
    img = np.full((300, 1000, 3), 200, np.uint8)
    x, s = network_input(img)
    assert s == pytest.approx(INPUT_SIDE / 1000)
    assert x.shape == (192, 640, 3)  # 300 * 0.64 = 192: a multiple of 16 already
    x, s = network_input(np.full((500, 333, 3), 7, np.uint8))
    assert x.shape[0] == INPUT_SIDE and x.shape[1] % PAD == 0 and x.shape[1] >= round(333 * s)
    assert (x[:, round(333 * s):] == 0).all() and (x[:, : round(333 * s) - 1] == 7).all()


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def test_targets_decode_back_to_the_people_they_came_from():
    # two people in input px: upright, and leaning to the image's right by 30 degrees
    hips = np.array([[100.0, 120.0], [180.0, 90.0]])
    radii = np.array([40.0, 24.0])
    a = math.radians(30)
    vecs = np.array([[0.0, -1.0], [math.sin(a), -math.cos(a)]])
    heat, reg, mask = targets(hips, radii, vecs, (64, 64))
    assert mask.sum() == 2 and heat.max() == 1.0 and (heat[mask] == 1.0).all()
    maps = np.concatenate([_logit(heat)[None], reg], 0).astype(np.float32)
    props = decode(maps, scale=0.5, peak_min=0.5)  # photo px = input px / 0.5
    assert len(props) == 2
    got = sorted(props, key=lambda p: p.hips[0])
    for p, h, r, ang in zip(got, hips, radii, (0.0, a)):
        assert np.abs(p.hips - h / 0.5).max() <= STRIDE / 0.5  # the peak cell's centre
        assert p.radius == pytest.approx(r / 0.5, rel=1e-5)
        assert p.angle == pytest.approx(ang, abs=1e-5)
    up = got[1].scale_point() - got[1].hips  # on the body's circle, towards the shoulders
    assert np.hypot(*up) == pytest.approx(got[1].radius, rel=1e-5) and up[0] > 0 and up[1] < 0


def test_decode_keeps_local_maxima_above_the_threshold_best_first():
    maps = np.zeros((4, 20, 30), np.float32)
    maps[0] = -10
    maps[0, 5, 5], maps[0, 5, 6] = 3.0, 2.0     # a peak and its weaker neighbour: one proposal
    maps[0, 15, 20] = 1.0                       # a second person, weaker
    maps[0, 10, 25] = -2.0                      # sigmoid 0.12: below the threshold
    props = decode(maps, 1.0, peak_min=0.3)
    assert [tuple(p.hips) for p in props] == [(22.0, 22.0), (82.0, 62.0)]
    assert props[0].score > props[1].score
    assert props[0].radius == pytest.approx(STRIDE)  # log radius 0 -> one cell


def test_peaks_of_two_sizes_on_one_person_merge_and_neighbours_stay():
    def peak(x, y, r, score):
        return Proposal(hips=np.array([x, y], np.float32), radius=r, angle=0.0, score=score)

    a = peak(100, 100, 40, 0.6)
    a_again = peak(108, 104, 30, 0.8)   # the same hips at the other size: 8.9 px apart, under 0.5 x 30
    b = peak(118, 100, 30, 0.5)         # a neighbour 18 px from a (over 0.5 x 30) and 10.8 px from a_again
    c = peak(300, 100, 10, 0.45)
    got = merge_proposals([a, b, c, a_again])
    assert got == [a_again, c]          # best first; b lies within 0.5 x 30 of the better a_again's hips
    assert merge_proposals([b, c, a]) == [a, b, c]  # 18 px apart: over 0.5 x 30, two people
    assert len(merge_proposals([peak(50 * i, 0, 10, 0.5) for i in range(50)], limit=40)) == 40


def test_body_circle_holds_every_joint_and_points_to_the_shoulders():
    lsp = np.zeros((1, 14, 3))
    lsp[0, :, :2] = np.random.default_rng(0).uniform(0, 100, (14, 2))
    lsp[0, [2, 3], :2] = [[40, 60], [60, 60]]
    lsp[0, [8, 9], :2] = [[40, 20], [60, 20]]
    hips, r, v = body_circle(lsp)
    assert hips[0] == pytest.approx([50, 60])
    assert v[0] == pytest.approx([0, -1])
    assert (np.hypot(*(lsp[0, :, :2] - hips[0]).T) <= r[0] + 1e-9).all()


def test_the_loss_prefers_the_right_answer():
    hips, radii, vecs = np.array([[64.0, 64.0]]), np.array([30.0]), np.array([[0.0, -1.0]])
    heat, reg, mask = (torch.from_numpy(a)[None] for a in targets(hips, radii, vecs, (32, 32)))
    right = torch.cat([torch.from_numpy(_logit(heat[0].numpy()))[None], reg[0]], 0)[None]
    wrong = right.clone()
    wrong[:, 0] = torch.roll(wrong[:, 0], 5, dims=2)
    wrong[:, 1:] = 0
    lr, lw = people_losses(right, heat, reg, mask), people_losses(wrong, heat, reg, mask)
    assert torch.isfinite(lr.total) and lr.reg == 0
    assert lr.heat < lw.heat and lr.total < lw.total


def test_network_shapes():
    net = PeopleNet(width=16).eval()
    with torch.no_grad():
        out = net(torch.rand(1, 3, 96, 160))
    assert out.shape == (1, 4, 24, 40)


@pytest.fixture(scope="module")
def crowd_folder(tmp_path_factory):
    return write_small_crowd(tmp_path_factory.mktemp("crowd"), 3)


def test_a_short_training_run_gives_a_checkpoint_the_proposer_loads(tmp_path, crowd_folder):
    from training.config import PeopleConfig
    from training.train_people import train_people

    cfg = PeopleConfig(data=str(crowd_folder), out=str(tmp_path / "run"), epochs=1, batch_size=2, crop=64, width=8,
                       pretrained=None, backgrounds=None, threads=1, val_fraction=0.34)
    best = train_people(cfg)
    assert best.is_file()
    prop = PeopleProposer(best)
    out = prop.propose(np.zeros((100, 160, 3), np.uint8), peak_min=0.0)
    assert all(isinstance(p, Proposal) and np.isfinite(p.radius) for p in out)


def test_real_backgrounds_replace_the_drawn_one_behind_the_people(tmp_path, crowd_folder, monkeypatch):
    import cv2

    import training.train_people as tp
    from training.config import PeopleConfig

    bg = tmp_path / "bg"
    bg.mkdir()
    cv2.imwrite(str(bg / "plain.png"), np.full((300, 400, 3), (10, 200, 30), np.uint8))  # BGR: RGB (30, 200, 10)
    task = tp.PeopleTask(PeopleConfig(data=str(crowd_folder), out=str(tmp_path / "r"), crop=128,
                                      backgrounds=str(bg)))
    task.load(torch.device("cpu"))
    monkeypatch.setattr(tp.PeopleTask, "jitter", staticmethod(lambda crop, rng: crop))
    monkeypatch.setattr(tp, "REAL_BACKGROUND", 1.0)
    monkeypatch.setattr(tp, "EMPTY", 0.0)
    rng = np.random.default_rng(0)
    for i in range(3):
        crop, heat, _, _ = task.sample(i, rng)
        plain = (crop == (30, 200, 10)).all(2)
        black = (crop == 0).all(2)  # outside the frame
        assert plain.mean() > 0.3 and (plain | black).mean() < 1.0  # the photo behind, the people in front
    monkeypatch.setattr(tp, "EMPTY", 1.0)
    crop, heat, _, mask = task.sample(0, rng)
    assert (crop == (30, 200, 10)).all() and heat.max() == 0 and not mask.any()
