"""SMPL through smplx: the embedded anny-baked default or a user's real SMPL file, one code path.

Both are loaded into `smplx.SMPL(data_struct=...)`; a real SMPL `.pkl` (with chumpy arrays) loads
without chumpy installed. Any problem with the file raises `BodyModelError` with a one-line
message naming the file and what was expected.
"""
from __future__ import annotations

import errno
import functools
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import torch

from . import array_files, safe_pickle
from .errors import BodyModelError  # noqa: F401 - raised here, defined torch-free
from .paths import RESOURCES
from .read_problems import read_problem
from .types import BodyMesh, BodyParams

EMBEDDED_MODEL = RESOURCES / "body_models" / "nbf_anny_neutral.npz"
REQUIRED_KEYS = ("v_template", "shapedirs", "J_regressor", "weights", "kintree_table", "f")
# the arrays a model file is read for (an .npz's other members are never read: each one is memory the file chose)
READ_KEYS = (*REQUIRED_KEYS, "posedirs", "extra_vertex_ids", "extra_vertex_names")
SMPL_PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 20, 21)
EXTRA_NAMES = ("nose", "reye", "leye", "rear", "lear", "LBigToe", "LSmallToe", "LHeel",
               "RBigToe", "RSmallToe", "RHeel", "lthumb", "lindex", "lmiddle", "lring", "lpinky",
               "rthumb", "rindex", "rmiddle", "rring", "rpinky")


def _plain(value):
    if isinstance(value, safe_pickle.ChumpyStandIn):
        try:
            return value.to_array()
        except ValueError as exc:
            raise BodyModelError(f"unsupported chumpy object in SMPL file: {exc}") from None
    import scipy.sparse

    if scipy.sparse.issparse(value):  # (built and validated by safe_pickle; its shape capped there)
        return value.toarray()
    return value


def _dense_size(value) -> int:
    """The values `_plain` makes of a scipy sparse matrix (0 for anything else)."""
    import scipy.sparse

    return int(np.prod(value.shape, dtype=np.int64)) if scipy.sparse.issparse(value) else 0


def read_model_file(path: Path) -> dict:
    """Read an SMPL-format `.pkl` or `.npz` into a dict of numpy arrays, those of READ_KEYS it holds (no chumpy
    needed). BodyModelError, one line naming the file, for anything it cannot read or refuses."""
    path = Path(path)
    expected = "an SMPL model .pkl or .npz with keys " + ", ".join(REQUIRED_KEYS)
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # (exists() says False, and Path.resolve raises RuntimeError)
            raise BodyModelError(f"cannot read body model {path}: its symbolic links lead round in a loop "
                                 f"(too many levels of symbolic links; expected {expected})") from None
    if not path.exists():
        raise BodyModelError(f"body model file not found: {path} (expected {expected})")
    if path.is_dir():
        raise BodyModelError(f"body model path is a folder: {path} (expected {expected})")
    if not path.is_file():  # a FIFO or a device would hold the reader forever
        raise BodyModelError(f"body model path is not a regular file: {path} (expected {expected})")
    try:
        if array_files.is_npz(path) or path.suffix.lower() == ".npz":  # by content: an .npz renamed .pkl is one
            data = array_files.read_npz(path, READ_KEYS)
        else:
            with open(path, "rb") as fh:
                data = safe_pickle.load(fh)  # numpy, scipy.sparse and chumpy data only: no code runs
            if not isinstance(data, dict):
                raise BodyModelError(f"{path} holds a {type(data).__name__}, expected {expected}")
            data = {k: v for k, v in data.items() if k in READ_KEYS}
            dense = sum(_dense_size(v) for v in data.values())
            if dense > safe_pickle.MAX_VALUES:  # each matrix is capped by safe_pickle, all of them here
                raise BodyModelError(f"cannot read body model {path}: its sparse matrices hold {dense:,} values "
                                     f"when made dense, over the limit of {safe_pickle.MAX_VALUES:,} "
                                     f"(expected {expected})")
            data = {k: _plain(v) for k, v in data.items()}
    except BodyModelError:
        raise
    except (pickle.UnpicklingError, zipfile.BadZipFile, EOFError, ValueError, OSError, AttributeError,
            ImportError, IndexError, TypeError, KeyError, MemoryError, RecursionError) as exc:
        raise BodyModelError(f"cannot read body model {path}: {read_problem(path, exc)} "
                             f"(expected {expected})") from None
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise BodyModelError(f"{path} is not an SMPL model: missing {', '.join(missing)} (expected {expected})")
    V = np.asarray(data["v_template"]).shape
    if len(V) != 2 or V[1] != 3 or np.asarray(data["J_regressor"]).shape != (24, V[0]) \
            or np.asarray(data["weights"]).shape != (V[0], 24):
        raise BodyModelError(f"{path} has inconsistent shapes (v_template {V}, J_regressor "
                             f"{np.asarray(data['J_regressor']).shape}, weights {np.asarray(data['weights']).shape}); "
                             f"expected 24 joints")
    for k in ("v_template", "shapedirs", "posedirs", "J_regressor", "weights"):
        a = np.asarray(data[k]) if k in data else None
        # a NaN here runs through every body as NaN: files written with NaN in them, or a traceback far away
        if a is not None and not (np.issubdtype(a.dtype, np.number) and np.isfinite(a).all()):
            what = "is not numbers" if not np.issubdtype(a.dtype, np.number) else "holds NaN or inf values"
            raise BodyModelError(f"{path}: {k} {what}; the file is damaged (expected {expected})")
    f = np.asarray(data["f"])
    if f.ndim != 2 or f.shape[1] != 3 or f.size == 0 or not np.issubdtype(f.dtype, np.number):
        raise BodyModelError(f"{path}: faces f {f.shape}, expected (F, 3) vertex indices")
    if not (np.isfinite(f).all() and (f == np.round(f)).all() and f.min() >= 0 and f.max() < V[0]):
        raise BodyModelError(f"{path}: faces f index vertices outside 0..{V[0] - 1}")
    return data


class KinematicChain:
    """Forward kinematics of a tree of joints (parents (J,), -1 at the root, every parent numbered before its
    children) for torch tensors: each joint's world transform is the product of the local transforms along its
    path from the root, and all paths are multiplied together, halving their length each round (4 rounds for
    SMPL's paths of up to 9 joints). The optimisation loops are dominated by per-op overhead, forward and
    backward: a joint at a time, forward kinematics was most of a refinement step."""

    def __init__(self, parents: np.ndarray, device: torch.device | str = "cpu"):
        parents = np.asarray(parents, np.int64)
        n = len(parents)
        paths = []
        for j in range(n):
            if j and not 0 <= parents[j] < j:
                raise ValueError(f"joint {j}'s parent {parents[j]} is not numbered before it")
            paths.append([j] if j == 0 else paths[parents[j]] + [j])
        width = 1 << int(np.ceil(np.log2(max(map(len, paths)))))
        path_ids = np.full((n, width), n, np.int64)  # index n: an identity, padding each path at its root end
        for j, path in enumerate(paths):
            path_ids[j, width - len(path):] = path
        self.paths = torch.as_tensor(path_ids, device=device)                               # (J, D)
        self.parent = torch.as_tensor(np.maximum(parents, 0), device=device)
        self.has_parent = torch.as_tensor(parents >= 0, dtype=torch.float32, device=device)
        # made once on the device: a host-to-device copy per call would wait for a GPU's queued work
        self.last_row = torch.tensor([0.0, 0.0, 0.0, 1.0], device=device)
        self.eye = torch.eye(4, device=device)

    def world(self, rotmats: torch.Tensor, rest_joints: torch.Tensor) -> torch.Tensor:
        """World transforms (B, J, 3, 4) = [R | t] of each joint (R its world rotation, t its posed position)
        from local rotations (B, J, 3, 3) and rest joint positions (B, J, 3)."""
        if rotmats.dtype != rest_joints.dtype or len(rotmats) != len(rest_joints):
            # one pose for several shapes or the other way round, mixed precisions: rare, so not on the fast path
            dt = torch.promote_types(rotmats.dtype, rest_joints.dtype)
            B = max(len(rotmats), len(rest_joints))
            rotmats, rest_joints = rotmats.to(dt).expand(B, -1, -1, -1), rest_joints.to(dt).expand(B, -1, -1)
        B, n = rest_joints.shape[:2]
        dt = rest_joints.dtype
        has_parent, last_row, eye = ((self.has_parent, self.last_row, self.eye) if dt == torch.float32 else
                                     (self.has_parent.to(dt), self.last_row.to(dt), self.eye.to(dt)))
        bone = rest_joints - rest_joints[:, self.parent] * has_parent[:, None]              # root: its position
        local = torch.cat([torch.cat([rotmats, bone[..., None]], -1), last_row.expand(B, n, 1, 4)], 2)  # (B, J, 4, 4)
        local = torch.cat([local, eye.expand(B, 1, 4, 4)], 1)
        chain = local[:, self.paths]                                                        # (B, J, D, 4, 4)
        while chain.shape[2] > 1:  # neighbours along each path, root side on the left
            chain = chain[:, :, 0::2] @ chain[:, :, 1::2]
        return chain[:, :, 0, :3]


@functools.cache
def _ten_beta_smpl() -> type:
    """smplx.SMPL with a shape space of the 10 betas the project uses: smplx prints a warning on stdout for any
    model with fewer than its 300, and silencing it with contextlib.redirect_stdout would swap the process-wide
    sys.stdout while body models are built in several threads at once (the app's loader and its workers)."""
    import smplx

    return type("TenBetaSMPL", (smplx.SMPL,), {"SHAPE_SPACE_DIM": 10})


class BodyModel:
    """An SMPL body model (24 joints, 10 betas) from a file; embedded default when path is None.

    Attributes: faces (F, 3) int64, weights (V, 24), parents (24,), path, name, extra_names.
    `layer` is the smplx.SMPL module (differentiable, for training and refinement).
    """

    @functools.cached_property
    def vertex_parts(self) -> np.ndarray:
        """(V,) part index 0..11 of each vertex, from the skinning weights (`parts.vertex_part_labels`)."""
        from .parts import vertex_part_labels

        return vertex_part_labels(self.weights)

    def __init__(self, path: str | Path | None = None, device: str | torch.device = "cpu"):
        from smplx.utils import Struct

        self.path = Path(path) if path is not None else EMBEDDED_MODEL
        data = read_model_file(self.path)  # first: it says what is wrong with a path (a symlink loop included)
        self.is_embedded = os.path.realpath(self.path) == os.path.realpath(EMBEDDED_MODEL)
        nV = np.asarray(data["v_template"]).shape[0]
        if "posedirs" not in data or np.asarray(data["posedirs"]).shape != (nV, 3, 207):
            data["posedirs"] = np.zeros((nV, 3, 207), np.float32)
        shapedirs = np.asarray(data["shapedirs"])
        if shapedirs.ndim != 3 or shapedirs.shape[:2] != (nV, 3) or shapedirs.shape[2] < 10:
            raise BodyModelError(f"{self.path}: shapedirs {shapedirs.shape}, expected ({nV}, 3, >=10)")
        data["shapedirs"] = shapedirs[:, :, :10]
        vertex_ids = None
        if "extra_vertex_ids" in data:
            vertex_ids = dict(zip([str(n) for n in data["extra_vertex_names"]],
                                  [int(i) for i in data["extra_vertex_ids"]]))
        elif nV != 6890:
            vertex_ids = None  # an unknown mesh: smplx's SMPL ids would pick wrong points
        arrays = {k: np.asarray(data[k]) for k in ("v_template", "shapedirs", "posedirs",
                                                    "J_regressor", "weights", "kintree_table", "f")}
        kw = dict(model_path=str(self.path.parent), data_struct=Struct(**arrays), num_betas=10)
        if vertex_ids is not None:
            kw["vertex_ids"] = vertex_ids
        try:
            self.layer = _ten_beta_smpl()(**kw).to(device)
        except Exception as exc:  # smplx asserts on malformed arrays
            raise BodyModelError(f"{self.path}: smplx cannot build SMPL from it: {exc}") from None
        self.layer.eval()
        self.has_extra = vertex_ids is not None or nV == 6890
        self.extra_names = EXTRA_NAMES if self.has_extra else ()
        self.faces = np.asarray(data["f"], np.int64)
        self.weights = np.asarray(data["weights"], np.float32)
        # the embedded model has no pose correctives: `mesh` can skip smplx's (V*3, 207) product
        self.pose_correctives = bool(np.any(np.asarray(data["posedirs"]) != 0))
        self.parents = np.array(SMPL_PARENTS)
        self.name = "embedded NBF-anny neutral" if self.is_embedded else self.path.name
        self.num_vertices = nV
        self.device = torch.device(device)

    def to(self, device: str | torch.device) -> BodyModel:
        self.layer.to(device)
        self.device = torch.device(device)
        return self

    def forward(self, global_orient: torch.Tensor, body_pose: torch.Tensor, betas: torch.Tensor,
                transl: torch.Tensor | None = None):
        """Differentiable forward: (B, 3), (B, 69), (B, 10), (B, 3) -> (vertices (B, V, 3), joints (B, 24, 3),
        extra (B, K, 3))."""
        out = self.layer(global_orient=global_orient, body_pose=body_pose, betas=betas,
                         transl=transl, return_verts=True)
        j = out.joints
        return out.vertices, j[:, :24], j[:, 24:24 + len(self.extra_names)]

    def joints_rotmat(self, rotmats: torch.Tensor, betas: torch.Tensor) -> torch.Tensor:
        """Posed SMPL joints (B, 24, 3) from rotations (B, 24, 3, 3) and betas (B, 10), no translation.

        The joints of the full forward pass without skinning the vertices (the regressor is linear in the
        shaped rest mesh, so rest joints are J_template + dJ/dbeta @ betas): cheap enough for training losses.
        """
        return self._kinematics(rotmats, betas)[0]

    def joints_and_points(self, rotmats: torch.Tensor, betas: torch.Tensor, vertex_ids: torch.Tensor):
        """Posed joints (B, 24, 3) and a subset of posed vertices (B, n, 3), no translation, skinning only
        those n vertices (pose correctives left out: zero in the embedded model, small in SMPL's).
        For optimisation loops that need a few hundred surface points, not the whole mesh."""
        J_posed, R, J_rest = self._kinematics(rotmats, betas)
        return J_posed, self._skin(J_posed, R, J_rest, betas, vertex_ids)

    def _skin(self, J_posed: torch.Tensor, R: torch.Tensor, J_rest: torch.Tensor, betas: torch.Tensor,
              vertex_ids: torch.Tensor | slice = slice(None)) -> torch.Tensor:
        """Rigid linear blend skinning (no pose correctives) of the shaped rest vertices `vertex_ids`:
        each moves by its blend of the joints' transforms x -> R_j x + (J'_j - R_j J_j). (B, n, 3)."""
        lay = self.layer
        offset = J_posed - (R @ J_rest[..., None])[..., 0]                                   # (B, 24, 3)
        blend = torch.einsum("vj,bjk->bvk", lay.lbs_weights[vertex_ids],
                             torch.cat([R.flatten(2), offset], 2))                           # (B, n, 12)
        v = lay.v_template[vertex_ids] + torch.einsum("vck,bk->bvc", lay.shapedirs[vertex_ids], betas)
        B, n = blend.shape[:2]
        return (blend[..., :9].view(B, n, 3, 3) @ v[..., None])[..., 0] + blend[..., 9:]

    def _kinematics(self, rotmats: torch.Tensor, betas: torch.Tensor):
        """Forward kinematics: posed joints (B, 24, 3), world rotations (B, 24, 3, 3), rest joints (B, 24, 3)."""
        if getattr(self, "_j_template", None) is None or self._j_template.device != rotmats.device:
            lay = self.layer
            j_dirs = torch.einsum("jv,vck->jck", lay.J_regressor, lay.shapedirs)              # (24, 3, 10)
            chain = KinematicChain(self.parents, rotmats.device)
            # the template last: another thread (the app's workers share the model) tests it alone
            self._j_dirs, self._chain = j_dirs, chain
            self._j_template = lay.J_regressor @ lay.v_template                                # (24, 3)
        J = self._j_template + torch.einsum("jck,bk->bjc", self._j_dirs.to(betas.dtype), betas)
        world = self._chain.world(rotmats, J)                                                 # (B, 24, 3, 4)
        return world[..., 3], world[..., :3], J

    def fingerprint(self) -> str:
        """Short hash of the template and joint regressor: trained weights record the body model they fit."""
        import hashlib

        h = hashlib.sha1()
        for buf in (self.layer.v_template, self.layer.J_regressor, self.layer.shapedirs):
            h.update(np.ascontiguousarray(buf.detach().cpu().numpy(), np.float32).round(5).tobytes())
        return h.hexdigest()[:16]

    @torch.no_grad()
    def mesh(self, params: BodyParams) -> BodyMesh:
        """Pose one body: BodyParams -> BodyMesh (vertices (V, 3) in the camera frame)."""
        t = lambda a: torch.as_tensor(np.asarray(a, np.float32), device=self.device)[None]  # noqa: E731
        if self.pose_correctives:
            v, j, e = self.forward(t(params.global_orient), t(params.body_pose), t(params.betas), t(params.transl))
        else:
            v, j, e = self._skin_rigid(t(params.pose).view(1, 24, 3), t(params.betas), t(params.transl))
        return BodyMesh(v[0].cpu().numpy(), j[0].cpu().numpy(), self.faces, e[0].cpu().numpy())

    def _skin_rigid(self, pose: torch.Tensor, betas: torch.Tensor, transl: torch.Tensor):
        """`forward` for a model without pose correctives: (B, 24, 3) axis-angle, (B, 10), (B, 3) ->
        (vertices (B, V, 3), joints (B, 24, 3), extra (B, K, 3)). Each vertex moves by its blend of the
        joints' rigid transforms (`_skin`), about a quarter of the cost of smplx's general path."""
        from .geometry import axis_angle_to_matrix

        J_posed, R, J_rest = self._kinematics(axis_angle_to_matrix(pose), betas)
        v = self._skin(J_posed, R, J_rest, betas)
        ids = self.layer.vertex_joint_selector.extra_joints_idxs[:len(self.extra_names)]
        return v + transl[:, None], J_posed + transl[:, None], v[:, ids] + transl[:, None]

    @torch.no_grad()
    def rest_joints(self, betas: np.ndarray | None = None) -> np.ndarray:
        """(24, 3) joints of the zero pose for the given betas (mean shape when None)."""
        b = np.zeros(10, np.float32) if betas is None else betas
        return self.mesh(BodyParams.from_pose(np.zeros(72), b)).joints
