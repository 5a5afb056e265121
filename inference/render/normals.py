"""Vertex normals of a posed mesh, with the vertex-face incidence built once per topology."""
from __future__ import annotations

import numpy as np


def face_incidence(faces: np.ndarray, n_vertices: int):
    """Sparse (V, F) matrix with a 1 where vertex v is a corner of face f: sums face values onto vertices."""
    import scipy.sparse as sp

    F = len(faces)
    return sp.csr_matrix((np.ones(3 * F, np.float32), (np.asarray(faces).T.ravel(), np.tile(np.arange(F), 3))),
                         shape=(n_vertices, F))


def vertex_normals(vertices: np.ndarray, faces: np.ndarray, incidence=None) -> np.ndarray:
    """Area-weighted unit vertex normals (V, 3) float32 of a mesh (V, 3), (F, 3); `incidence`, the mesh's
    `face_incidence`, saves rebuilding it for every frame."""
    v = np.asarray(vertices, np.float32)
    tri = v[faces]
    if incidence is None:
        incidence = face_incidence(faces, len(v))
    n = incidence @ np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    n /= np.linalg.norm(n, axis=1, keepdims=True) + 1e-12
    return n.astype(np.float32)
