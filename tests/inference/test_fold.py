"""BatchNorm folding for inference: the folded networks compute what the originals compute."""
from __future__ import annotations

import copy

import torch
from torch import nn

from inference.nets import FitNet, SegNet
from inference.nets.fold import fold_batchnorm


def _randomise_bn(net: nn.Module) -> None:
    """Non-trivial running statistics and affine parameters, as after training."""
    g = torch.Generator().manual_seed(0)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.3)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.2)


def test_folded_segnet_equals_the_original():
    net = SegNet(width=8, head="shuffle").eval()
    _randomise_bn(net)
    folded = fold_batchnorm(copy.deepcopy(net)).to(memory_format=torch.channels_last)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    x = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), net(x), atol=1e-4, rtol=1e-4)


def test_folded_fitnet_equals_the_original():
    net = FitNet(width=8, res=64).eval()
    _randomise_bn(net)
    nn.init.normal_(net.out.weight, std=0.01)  # the untrained output layer is zero: make it see the features
    folded = fold_batchnorm(copy.deepcopy(net)).to(memory_format=torch.channels_last)
    x = torch.rand(2, 13, 64, 64)
    with torch.no_grad():
        for a, b in zip(folded(x), net(x)):
            torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_folded_peoplenet_equals_the_original():
    # the EfficientNet-Lite blocks hold their BatchNorms as attributes (NAME_conv, NAME_bn), with TensorFlow's
    # "SAME" padding on the strided convolutions (on these even sizes: one pixel at the bottom and right only):
    # folded, the proposer keeps both
    from inference.detect.people_net import PeopleNet

    net = PeopleNet(width=8).eval()
    _randomise_bn(net)
    nn.init.normal_(net.head.weight, std=0.1)
    folded = fold_batchnorm(copy.deepcopy(net)).to(memory_format=torch.channels_last)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in folded.modules())
    x = torch.rand(1, 3, 48, 80)
    with torch.no_grad():
        torch.testing.assert_close(folded(x), net(x), atol=1e-4, rtol=1e-4)
