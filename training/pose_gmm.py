"""A Gaussian-mixture prior over SMPL body poses (SMPLify's pose prior), fitted by EM to the project's
pose sampler (training/synth/pose_prior.py) instead of to CMU motion capture.

    python -m training.pose_gmm --out resources/priors/pose_gmm.npz --n 40000 --components 8 --seed 0

The file holds weights (K,), means (K, 69) and covariances (K, 69, 69) over the 69 body-pose
axis-angle values (joints 1..23, global orientation excluded), float32; `PoseGMM` reads it and gives the
negative log-likelihood of poses in torch (`inference.pose_priors.PoseGMM`, differentiable).
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from inference.pose_priors import GMM_PATH


def _log_gauss(x: np.ndarray, means: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """(N, D), (K, D), (K, D, D) -> (N, K) log N(x | mean_k, cov_k)."""
    N, D = x.shape
    out = np.empty((N, len(means)))
    for k, (m, c) in enumerate(zip(means, covs)):
        L = np.linalg.cholesky(c)
        z = np.linalg.solve(L, (x - m).T)                                   # (D, N)
        out[:, k] = -0.5 * (z ** 2).sum(0) - np.log(np.diag(L)).sum() - 0.5 * D * np.log(2 * np.pi)
    return out


def _logsumexp(a: np.ndarray) -> np.ndarray:
    """(N, K) -> (N,) log sum exp over the last axis."""
    m = a.max(1, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(1, keepdims=True)))[:, 0]


def fit_gmm(x: np.ndarray, k: int = 8, seed: int = 0, iters: int = 200, reg: float = 1e-4,
            tol: float = 1e-6) -> dict:
    """EM for a full-covariance Gaussian mixture. x (N, D) float64.

    Start: k-means++ centres (seeded) and 20 Lloyd steps, then EM until the mean log-likelihood gains
    less than `tol` per step; `reg` (rad^2) is added to each covariance's diagonal (joints the sampler
    clips to narrow limits have almost no spread). Returns {'weights' (k,), 'means' (k, D),
    'covs' (k, D, D), 'loglik' (mean per sample), 'iters'}."""
    rng = np.random.default_rng(seed)
    N, D = x.shape
    centres = [x[rng.integers(N)]]
    d2 = ((x - centres[0]) ** 2).sum(1)
    for _ in range(1, k):
        centres.append(x[rng.choice(N, p=d2 / d2.sum())])
        d2 = np.minimum(d2, ((x - centres[-1]) ** 2).sum(1))
    c = np.array(centres)
    for _ in range(20):
        lab = ((x[:, None] - c[None]) ** 2).sum(-1).argmin(1)
        c = np.array([x[lab == j].mean(0) if np.any(lab == j) else c[j] for j in range(k)])
    resp = np.zeros((N, k))
    resp[np.arange(N), lab] = 1.0
    prev, ll, done = -np.inf, -np.inf, 0
    eye = reg * np.eye(D)
    for it in range(1, iters + 1):
        done = it
        # M step
        nk = resp.sum(0) + 1e-10
        weights = nk / N
        means = (resp.T @ x) / nk[:, None]
        covs = np.empty((k, D, D))
        for j in range(k):
            d = x - means[j]
            covs[j] = (resp[:, j, None] * d).T @ d / nk[j] + eye
        # E step
        lg = _log_gauss(x, means, covs) + np.log(weights)
        tot = _logsumexp(lg)
        resp = np.exp(lg - tot[:, None])
        ll = float(tot.mean())
        if ll - prev < tol:
            break
        prev = ll
    return {"weights": weights, "means": means, "covs": covs, "loglik": ll, "iters": done}


def gmm_loglik(x: np.ndarray, weights: np.ndarray, means: np.ndarray, covs: np.ndarray) -> np.ndarray:
    """x (N, D) -> (N,) log-likelihood under the mixture of weights (K,), means (K, D) and covariances (K, D, D)
    (numpy, float64)."""
    return _logsumexp(_log_gauss(np.asarray(x, np.float64), means, covs) + np.log(weights))


def sample_body_poses(n: int, seed: int) -> np.ndarray:
    """(n, 69) float64 body poses (no global orientation) from the project's pose sampler."""
    from .synth.pose_prior import PosePrior

    poses, _ = PosePrior().sample(n, np.random.default_rng(seed))
    return poses[:, 3:].astype(np.float64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=GMM_PATH)
    ap.add_argument("--n", type=int, default=40000, help="poses drawn from the sampler")
    ap.add_argument("--components", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0, help="seed of the sampler draw and of the EM start")
    a = ap.parse_args()
    t0 = time.time()
    x = sample_body_poses(a.n, a.seed)
    g = fit_gmm(x, a.components, a.seed)
    held = sample_body_poses(5000, a.seed + 1)
    held_ll = float(gmm_loglik(held, g["weights"], g["means"], g["covs"]).mean())
    a.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(a.out, weights=g["weights"].astype(np.float32), means=g["means"].astype(np.float32),
                        covs=g["covs"].astype(np.float32), n=np.int64(a.n), seed=np.int64(a.seed))
    print(f"wrote {a.out}: {a.components} components over {a.n} sampled poses (seed {a.seed}), {g['iters']} EM "
          f"steps, mean log-likelihood {g['loglik']:.2f} (held-out {held_ll:.2f}), weights "
          f"{np.round(g['weights'], 3).tolist()}, {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
