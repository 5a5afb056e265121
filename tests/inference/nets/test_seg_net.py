"""SegNet's deep limb pathway: a warm start from a network without it answers exactly as its parent,
and once its weights move the limb planes change the answer at every scale."""
from __future__ import annotations

import pytest
import torch

from inference.nets.seg_net import SegNet, add_missing, widen_segnet


def _pair():
    torch.manual_seed(0)
    parent = SegNet(width=8, head="shuffle", limb_channels=12).eval()
    child = SegNet(width=8, head="shuffle", limb_channels=12, deep_limbs=True).eval()
    child.load_state_dict(add_missing(parent.state_dict(), child))
    return parent, child


def test_warm_start_answers_as_parent():
    parent, child = _pair()
    rgb, limbs = torch.rand(2, 3, 64, 64), torch.rand(2, 12, 64, 64)
    with torch.no_grad():
        assert torch.equal(parent(rgb, limbs), child(rgb, limbs))


def test_deep_limbs_read_when_weighted():
    _, child = _pair()
    rgb, limbs = torch.rand(1, 3, 64, 64), torch.rand(1, 12, 64, 64)
    with torch.no_grad():
        before = child(rgb, limbs)
        child.limb_in[4].weight.fill_(0.1)   # only the deepest (R/32) injection
        after = child(rgb, limbs)
        blank = child(rgb, None)             # no keypoints: zero planes
    assert not torch.allclose(before, after)
    assert blank.shape == (1, 13, 64, 64)


def test_checkpoint_records_the_pathway():
    ck = {"width": 8, "head": "shuffle", "limb_channels": 12, "deep_limbs": True}
    net = SegNet.for_checkpoint(ck)
    assert net.deep_limbs and len(net.limb_in) == 5
    assert not SegNet.for_checkpoint({**ck, "deep_limbs": False}).deep_limbs
    assert not SegNet(width=8, head="shuffle", limb_channels=0, deep_limbs=True).deep_limbs  # nothing to inject


class _PixelNet(torch.nn.Module):
    """A per-pixel (1x1) network: its answer moves exactly with a shift of its input, wrapped round or not."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(1)
        self.conv = torch.nn.Conv2d(3 + 2, 13, 1)

    def forward(self, rgb, limbs=None):
        return self.conv(torch.cat([rgb, limbs], 1))


def test_shifted_views_are_rolled_back_onto_the_image():
    """Each shifted view's answer is rolled back before averaging: for a network whose answer moves with its
    input the views agree exactly with the plain answer; a SegNet's differ a little, and their mean is a
    probability map."""
    from inference.nets.seg_net import SHIFTS, part_probabilities

    torch.manual_seed(0)
    rgb, limbs = torch.rand(2, 3, 32, 32), torch.rand(2, 2, 32, 32)
    mirror, mirror_limbs = torch.arange(13).flip(0), torch.tensor([1, 0])
    net = _PixelNet()
    plain = part_probabilities(net, rgb, mirror, limbs, mirror_limbs)
    views = part_probabilities(net, rgb, mirror, limbs, mirror_limbs, shifts=SHIFTS)
    torch.testing.assert_close(views, plain)
    # a roll-back in the wrong direction would not agree
    wrong = torch.stack([plain, torch.roll(plain, (4, 4), (-2, -1)), torch.roll(plain, (-4, -4), (-2, -1))]).mean(0)
    assert (wrong - plain).abs().max() > 0.01
    seg = SegNet(width=8, head="shuffle").eval()
    with torch.no_grad():
        a, b = part_probabilities(seg, rgb), part_probabilities(seg, rgb, shifts=SHIFTS)
    assert a.shape == b.shape == (2, 13, 32, 32) and not torch.allclose(a, b)
    torch.testing.assert_close(b.sum(1), torch.ones(2, 32, 32))


def test_test_shifts_come_from_the_checkpoint():
    """Packaged seg weights name the shifted views they are read with; without the entry the default views;
    a malformed entry is refused rather than read as something else."""
    from inference.nets.seg_net import SHIFTS, seg_test_shifts

    assert seg_test_shifts({}) == SHIFTS
    assert seg_test_shifts({"test_shifts": []}) == ()
    assert seg_test_shifts({"test_shifts": [[0, 2], [0, -2]]}) == ((0, 2), (0, -2))
    for bad in ([[0, 2]], [[0, 20], [0, -20]], [3], "x", [[0, "a"], [0, 1]]):
        with pytest.raises(ValueError, match="test_shifts"):
            seg_test_shifts({"test_shifts": bad})


def test_widened_network_answers_as_the_narrower_one():
    torch.manual_seed(1)
    narrow = SegNet(width=8, head="shuffle", limb_channels=12, deep_limbs=True)
    with torch.no_grad():  # weights on every pathway and running statistics of its own
        for conv in narrow.limb_in:
            conv.weight.normal_(0, 0.1)
        for m in narrow.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    wide = SegNet(width=12, head="shuffle", limb_channels=12, deep_limbs=True)
    wide.load_state_dict(widen_segnet(narrow.state_dict(), wide))
    rgb, limbs = torch.rand(2, 3, 64, 64), torch.rand(2, 12, 64, 64)
    with torch.no_grad():
        for mode in (False, True):  # running statistics, then batch statistics
            narrow.train(mode), wide.train(mode)
            assert torch.allclose(narrow(rgb, limbs), wide(rgb, limbs), atol=1e-5)
    # the new channels are trainable: a step moves the answer away from the narrower network's
    wide.train()
    loss = wide(rgb, limbs).square().mean()
    loss.backward()
    assert wide.dec1[3].weight.grad[:, 8:].abs().sum() > 0


def test_widening_refuses_to_narrow():
    wide, narrow = SegNet(width=12, head="shuffle"), SegNet(width=8, head="shuffle")
    with pytest.raises(ValueError, match="narrow"):
        widen_segnet(wide.state_dict(), narrow)
