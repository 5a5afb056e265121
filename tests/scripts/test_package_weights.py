"""scripts/package_weights.py: training checkpoints -> half-precision weights plus the manifest (models.json)
that the Predictor checks them against; training checkpoints load with torch.load(weights_only=True)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from inference.integrity import MANIFEST, sha256_of
from inference.nets import FitNet
from inference.pipeline import PredictionError, load_weights
from tests.script_modules import load_script
from training.config import FitConfig
from training.loop import save_checkpoint

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def script():
    return load_script("package_weights")


def _trained(run: Path, seed: int) -> Path:
    """A checkpoint as training writes it: state dict, Adam state after a step, config, progress."""
    torch.manual_seed(seed)
    net = FitNet(in_channels=13, res=32)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sum(o.sum() for o in net(torch.rand(2, 13, 32, 32))).backward()
    opt.step()
    cfg = FitConfig(data="data/cache/fit", out=str(run), n_parts=12)
    state = {"epoch": 1, "step": 1, "best": 90.5, "val": {"mpjpe_mm": 120.0, "pa_mpjpe_mm": 90.5},
             "body_model": "77f1e8421dc41f73", "n_parts": 12, "res": 32, "input": "parts", "elapsed_s": 1.5}
    return save_checkpoint(run, "latest.pt", net, opt, cfg, state)


def test_training_checkpoints_load_without_unpickling_code(tmp_path):
    path = _trained(tmp_path / "run", seed=0)
    ck = torch.load(path, map_location="cpu", weights_only=True)
    assert ck["optimizer"]["state"] and ck["config"]["kind"] == "fit"
    assert load_weights(path, CPU)["res"] == 32  # the run folder has no manifest: loaded as is


def test_package_writes_and_refreshes_the_manifest(tmp_path, script):
    dest = tmp_path / "weights"
    script.main(["--fit", str(_trained(tmp_path / "a", seed=0)), "--dest", str(dest)])
    first = json.loads((dest / MANIFEST).read_text())
    assert first == {"fit.pt": {"bytes": (dest / "fit.pt").stat().st_size, "sha256": sha256_of(dest / "fit.pt")}}
    ck = load_weights(dest / "fit.pt", CPU)
    assert "optimizer" not in ck and ck["n_parts"] == 12
    assert torch.load(dest / "fit.pt", weights_only=True)["model"]["out.weight"].dtype == torch.float16

    (dest / "seg.pt").write_bytes(b"x")  # another entry is kept when fit.pt is re-packaged
    script.main(["--manifest-only", "--dest", str(dest)])
    script.main(["--fit", str(_trained(tmp_path / "b", seed=1)), "--dest", str(dest)])
    second = json.loads((dest / MANIFEST).read_text())
    assert set(second) == {"fit.pt", "seg.pt"} and second["fit.pt"]["sha256"] != first["fit.pt"]["sha256"]
    assert second["fit.pt"]["sha256"] == sha256_of(dest / "fit.pt")
    load_weights(dest / "fit.pt", CPU)

    (dest / "fit.pt").write_bytes((tmp_path / "a" / "latest.pt").read_bytes())  # replaced behind its back
    with pytest.raises(PredictionError, match=r"fit\.pt is damaged"):
        load_weights(dest / "fit.pt", CPU)


def test_weights_beyond_half_precision_are_not_packaged(tmp_path, script):
    src = _trained(tmp_path / "run", seed=0)
    ck = torch.load(src, weights_only=True)
    ck["model"]["out.weight"].view(-1)[0] = 1e6  # inf in float16
    torch.save(ck, src)
    with pytest.raises(ValueError, match="NaN or infinite values in half precision"):
        script.package(src, tmp_path / "weights" / "fit.pt")
    assert not (tmp_path / "weights").exists()


def test_segmentation_views_are_recorded(tmp_path, script):
    """--seg-shifts none records that the weights are read with 2 views; the Predictor's reader returns them;
    without the option the checkpoint's entry is left as it was (absent: the default views)."""
    from inference.nets import SegNet
    from inference.nets.seg_net import SHIFTS, seg_test_shifts

    src = tmp_path / "seg_src.pt"
    torch.save({"model": SegNet(width=8, head="shuffle").state_dict(), "res": 32, "width": 8}, src)
    script.main(["--seg", str(src), "--dest", str(tmp_path / "two"), "--seg-shifts", "none"])
    script.main(["--seg", str(src), "--dest", str(tmp_path / "kept")])
    script.main(["--seg", str(src), "--dest", str(tmp_path / "six"), "--seg-shifts", "default"])
    two, kept, six = (load_weights(tmp_path / d / "seg.pt", CPU) for d in ("two", "kept", "six"))
    assert two["test_shifts"] == [] and seg_test_shifts(two) == ()
    assert "test_shifts" not in kept and seg_test_shifts(kept) == SHIFTS
    assert seg_test_shifts(six) == SHIFTS
