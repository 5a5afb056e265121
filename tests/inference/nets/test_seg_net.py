"""SegNet's deep limb pathway: a warm start from a network without it answers exactly as its parent,
and once its weights move the limb planes change the answer at every scale."""
from __future__ import annotations

import torch

from inference.nets.seg_net import SegNet, add_missing


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
