"""A study, not shipped: the fitting network replaced by the mean of several trained ones (an ensemble), scored by
`main.py evaluate`'s own code.

    OMP_NUM_THREADS=1 python scripts/study_fit_ensemble.py data/synth_tune2 --members runs/fit19f/best.pt \
        --out /tmp/ens_tune --baseline-limit 0 --refine-limit 0

The Predictor's fit.pt (shipped, or --weights DIR) stays the first member; each --members checkpoint (a training
run's best.pt or a packaged fit.pt, same architecture) is loaded beside it, and the members' rotations, betas and
cameras are averaged before the Predictor's own averaging over moved and mirrored views (so every member reads
the same views). Everything else is `training.evaluate.evaluate` as `main.py evaluate` runs it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class FitEnsemble(nn.Module):
    """FitNet's call (parts (B, C, R, R), coords (B, 42) or None) -> the members' mean rotmats (B, 24, 3, 3) (not
    projected to rotations: the Predictor's `views_averaged` does that once), betas (B, 10), cam (B, 3)."""

    def __init__(self, members: list[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)
        self.coords = members[0].coords
        self.in_channels, self.res = members[0].in_channels, members[0].res

    def forward(self, parts: torch.Tensor, coords: torch.Tensor | None = None):
        answers = [m(parts, coords) for m in self.members]
        return tuple(torch.stack(a).mean(0) for a in zip(*answers))


def with_members(pred, paths: list[Path]):
    """`pred` (a Predictor) with its fitting network replaced by the ensemble of it and the checkpoints `paths`."""
    from inference.nets import FitNet
    from inference.nets.fold import fold_batchnorm
    from inference.nets.precision import lower_weights
    from inference.pipeline import load_weights

    members = [pred.fit_net]
    for path in paths:
        # the shipped loader: tensors only, manifest and finite values checked, half precision widened
        ck = load_weights(path, torch.device("cpu"))
        net = FitNet(in_channels=pred.fit_net.in_channels, res=pred.fit_res, coords=bool(pred.fit_net.coords))
        net.load_state_dict(ck["model"])
        # in the Predictor's number format, as its own network (`inference.nets.precision`)
        members.append(lower_weights(fold_batchnorm(net.eval()).to(memory_format=torch.channels_last), pred.precision))
    pred.fit_net = FitEnsemble(members).eval()
    return pred


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--members", type=Path, nargs="+", required=True, help="checkpoints averaged with fit.pt")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--weights", type=Path, default=None)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--baseline-limit", type=int, default=0)
    ap.add_argument("--refine-limit", type=int, default=0)
    a = ap.parse_args(argv)
    from inference.render.context import configure_gl

    configure_gl()
    import training.evaluate as ev

    plain = ev.detecting_predictor
    ev.detecting_predictor = lambda keypoints, **kw: with_members(plain(keypoints, **kw), a.members)
    r = ev.evaluate(a.data, a.out, "test", a.limit, a.baseline_limit, a.refine_limit, "cpu", a.weights)
    print(ev.markdown_table(r))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
