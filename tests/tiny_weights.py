"""Untrained networks in the shipped checkpoint format, for tests of the plumbing (not of accuracy)."""
from __future__ import annotations

from pathlib import Path

import torch

TINY_SEG_RES, TINY_FIT_RES = 64, 64


def write_tiny_weights(folder: Path, person_label: int | None = 2) -> Path:
    """seg.pt / fit.pt of tiny untrained networks in `folder`. The segmentation head's bias is set so every
    pixel gets `person_label` (None: background), making the outcome independent of the random init; the
    fitting weights are stored in half precision, as shipped weights are."""
    from inference.nets import FitNet, SegNet

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    seg = SegNet(width=8, head="bilinear")
    with torch.no_grad():
        seg.head.bias.zero_()
        seg.head.bias[0 if person_label is None else person_label] = 1e3
    torch.save({"model": seg.state_dict(), "res": TINY_SEG_RES, "width": 8}, folder / "seg.pt")
    fit = FitNet(in_channels=13, res=TINY_FIT_RES)
    torch.save({"model": {k: v.half() if v.is_floating_point() else v for k, v in fit.state_dict().items()},
                "res": TINY_FIT_RES, "n_parts": 12}, folder / "fit.pt")
    return folder


def write_tiny_runs(root: Path) -> dict[str, Path]:
    """The best.pt of a tiny train-fit and a tiny train-seg run under root/fit and root/seg, as training writes them
    (config and metadata included): {"fit": path, "seg": path}."""
    from inference.nets import FitNet, SegNet
    from training.config import FitConfig, SegConfig
    from training.loop import save_checkpoint

    fit = save_checkpoint(root / "fit", "best.pt", FitNet(in_channels=13, res=32), None,
                          FitConfig(data="d", out=str(root / "fit")),
                          {"epoch": 1, "n_parts": 12, "res": 32, "input": "parts", "body_model": "x"})
    seg = save_checkpoint(root / "seg", "best.pt", SegNet(width=4, head="shuffle"), None,
                          SegConfig(data="d", out=str(root / "seg"), width=4),
                          {"epoch": 1, "res": 32, "width": 4, "head": "shuffle", "arch": "segnet"})
    return {"fit": fit, "seg": seg}
