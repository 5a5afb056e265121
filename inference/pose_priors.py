"""Pose priors over the 69 SMPL body-pose axis-angle values (joints 1..23), read from resources/priors:
a Gaussian (refinement's default prior term) and SMPLify's Gaussian mixture (the SMPLify baseline's prior;
refinement uses its energy to reject implausible results). Both files are fitted to the project's pose
sampler (training/fit_prior.py, training/pose_gmm.py)."""
from __future__ import annotations

import functools
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch

from .array_files import read_npz
from .errors import PriorFileError, restore_hint
from .geometry import on_device
from .paths import RESOURCES

PRIOR_PATH = RESOURCES / "priors" / "pose_prior.npz"
GMM_PATH = RESOURCES / "priors" / "pose_gmm.npz"
# SMPLify's bend prior: (body-pose joint index = SMPL joint - 1, axis, sign of the natural bend); SMPL's local
# frames: knee flexion is +x, left elbow flexion -y, right elbow flexion +y (training/synth/pose_prior.py)
BENDS = ((3, 0, 1.0), (4, 0, 1.0), (17, 1, -1.0), (18, 1, 1.0))
_BEND_AXES = torch.tensor([j * 3 + ax for j, ax, _ in BENDS])   # entries of the (69,) body pose
_BEND_SIGNS = torch.tensor([sign for _, _, sign in BENDS])


# what a user can do without a prior: the fit without refinement reads neither file
NO_REFINE = "or fit without refinement (`--no-refine`; in the app, turn refinement off in Settings)"


def read_prior(path: Path, shapes: dict[str, tuple[int, ...] | None], shipped: Path, rebuild: str = "") -> dict:
    """The arrays `shapes` names (shape None: any) of a prior file; PriorFileError, one line naming the file, when it
    is missing, not an .npz archive (a cut one included), or lacks an array or has one of another shape. `rebuild`:
    another way to make the file, added to the restore hint."""
    hint = f"{restore_hint(path, shipped)}{rebuild}, {NO_REFINE}"
    if not Path(path).is_file():
        raise PriorFileError(f"pose prior {path} is missing: refinement needs it; {hint}")
    try:
        z = read_npz(path, shapes)
    except OSError as exc:
        raise PriorFileError(f"pose prior {path} cannot be read ({exc.strerror or exc}): refinement needs it; "
                             f"{hint}") from None
    # numpy's zip reader fails on a cut archive as zipfile does ("File is not a zip file"), zlib on a cut member
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        why = "cut short, or not an .npz archive" if isinstance(exc, (zipfile.BadZipFile, EOFError)) else str(exc)
        raise PriorFileError(f"pose prior {path} is damaged ({why}): refinement needs it; {hint}") from None
    for key, shape in shapes.items():
        if key not in z:
            raise PriorFileError(f"pose prior {path} is damaged (no array {key!r}): refinement needs it; {hint}")
        if shape is not None and tuple(z[key].shape) != shape:
            raise PriorFileError(f"pose prior {path} is damaged ({key!r} of shape {tuple(z[key].shape)}, expected "
                                 f"{shape}): refinement needs it; {hint}")
    return z


def bend_penalty(body_pose: torch.Tensor) -> torch.Tensor:
    """(B, 69) -> (B,) sum over knees and elbows of exp(-sign * angle): grows fast when one bends backwards."""
    axes = on_device(_BEND_AXES, body_pose.device)
    signs = on_device(_BEND_SIGNS, body_pose.device, body_pose.dtype)
    return torch.exp(-signs * body_pose[:, axes]).sum(1)


class GaussianPosePrior:
    """Mahalanobis prior on the 69 body-pose axis-angle values: mean (69,), precision (69, 69)."""

    def __init__(self, path: Path | None = None):
        path = path or PRIOR_PATH  # (read when called: a test points it at a damaged copy)
        z = read_prior(path, {"mean": (69,), "prec_chol": (69, 69)}, PRIOR_PATH)
        self.mean = torch.tensor(z["mean"], dtype=torch.float32)
        self.prec_chol = torch.tensor(z["prec_chol"], dtype=torch.float32)

    def __call__(self, body_pose: torch.Tensor) -> torch.Tensor:
        """(B, 69) -> (B,) squared Mahalanobis distance / 69."""
        d = (body_pose - self.mean.to(body_pose.device)) @ self.prec_chol.to(body_pose.device)
        return (d ** 2).sum(-1) / 69.0


@functools.cache
def default_pose_prior() -> GaussianPosePrior:
    """The Gaussian prior of resources/priors, read once per process (refinement uses it on every fit; the
    prior is never changed after it is read)."""
    return GaussianPosePrior()


class PoseGMM:
    """The mixture prior as a torch function: body_pose (B, 69) axis-angle -> (B,) negative log-likelihood
    (constant dropped, so that the most likely pose scores about 0)."""

    def __init__(self, path: Path | None = None, device: str | torch.device = "cpu"):
        path = path or GMM_PATH  # (read when called, as GaussianPosePrior's)
        z = read_prior(path, {"weights": None, "means": None, "covs": None}, GMM_PATH,
                       f" (or build it: python -m training.pose_gmm --out {path})")
        w, mu, cov = (np.asarray(z[k], np.float64) for k in ("weights", "means", "covs"))
        k = w.shape[0] if w.ndim == 1 else 0
        if k == 0 or w.shape != (k,) or mu.shape != (k, 69) or cov.shape != (k, 69, 69):
            raise PriorFileError(f"pose prior {path} is damaged (arrays of shapes {w.shape}, {mu.shape}, "
                                 f"{cov.shape}, expected (K,), (K, 69), (K, 69, 69)): refinement needs it; "
                                 f"{restore_hint(path, GMM_PATH)}, {NO_REFINE}")
        try:
            prec_chol = np.stack([np.linalg.cholesky(np.linalg.inv(c)) for c in cov])   # P = L L^T
        except np.linalg.LinAlgError:
            raise PriorFileError(f"pose prior {path} is damaged (a covariance that is not positive definite): "
                                 f"refinement needs it; {restore_hint(path, GMM_PATH)}, {NO_REFINE}") from None
        logdet = np.array([np.linalg.slogdet(c)[1] for c in cov])
        const = np.log(w) - 0.5 * logdet                                              # (K,)
        f = lambda a: torch.as_tensor(a, dtype=torch.float32, device=device)  # noqa: E731
        self.means, self.prec_chol, self.const = f(mu), f(prec_chol), f(const - const.max())
        self.weights = w
        self.n_components = len(w)

    def mean_pose(self) -> np.ndarray:
        """(69,) the mixture's mean (weighted mean of the component means): a relaxed, arms-down pose."""
        return (self.weights[:, None] * self.means.cpu().numpy()).sum(0).astype(np.float32)

    def __call__(self, body_pose: torch.Tensor) -> torch.Tensor:
        """(B, 69) -> (B,) -log sum_k w_k N(pose | mu_k, S_k), up to a constant (>= about 0)."""
        d = body_pose[:, None, :] - self.means.to(body_pose.device)[None]                 # (B, K, 69)
        z = torch.einsum("bkd,kde->bke", d, self.prec_chol.to(body_pose.device))           # (B, K, 69)
        return -torch.logsumexp(self.const.to(body_pose.device) - 0.5 * (z ** 2).sum(-1), dim=1)


@functools.cache
def default_pose_gmm() -> PoseGMM:
    """The mixture prior of resources/priors, read once per process (a file that fails is read again next time:
    restored meanwhile, it is used)."""
    return PoseGMM()


def check_priors() -> None:
    """Read both priors of resources/priors now (once per process), as refinement will: PriorFileError naming the
    file when one is missing or damaged, for a caller that refines to refuse before its first photo instead of
    failing each one (`inference.pipeline.Predictor`)."""
    default_pose_prior()
    default_pose_gmm()


def pose_energy(body_pose: np.ndarray) -> float:
    """(69,) body pose -> the mixture prior's energy (about 0 for the likeliest poses; 5-15 for typical
    synthetic people); the mixture is loaded once per process."""
    with torch.no_grad():
        return float(default_pose_gmm()(torch.as_tensor(np.asarray(body_pose, np.float32).reshape(1, 69)))[0])
