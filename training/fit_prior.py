"""Fit the Gaussian pose prior (used by the optimisation baseline and refinement) to the synthetic pose sampler.

    python -m training.fit_prior --out resources/priors/pose_prior.npz --n 20000 --seed 0
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from inference.pose_priors import PRIOR_PATH

from .synth.pose_prior import PosePrior


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=PRIOR_PATH)
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    poses, _ = PosePrior().sample(a.n, np.random.default_rng(a.seed))
    bp = poses[:, 3:].astype(np.float64)
    mean = bp.mean(0)
    cov = np.cov(bp, rowvar=False) + 1e-3 * np.eye(69)
    prec = np.linalg.inv(cov)
    L = np.linalg.cholesky(prec)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(a.out, mean=mean.astype(np.float32), prec_chol=L.astype(np.float32),
                        n=np.int64(a.n), seed=np.int64(a.seed))
    print(f"wrote {a.out}: Gaussian over {a.n} sampled body poses (seed {a.seed})")


if __name__ == "__main__":
    main()
