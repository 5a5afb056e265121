"""Every fitted person of one photo in one scene: the photo's camera and each body where it saw them.

Each person's photo camera (`inference.photo_camera`) has a focal length of its own: NBF's crop camera has one
focal length per crop, so a person whose crop is twice as large in the photo is seen through a camera twice as
long, with the body at the crop camera's distance. In one scene the people share one camera, the first
person's: every other body moves along the viewing axis to F0 / F_i times its root's depth. That keeps where
its root projects and the size it is seen at (a body half as tall in the photo stands twice as far), so each
body still lies on its person in the photo, and the people stand in depth as their sizes say (every refined
body has the same mean size, so this is the photo's own ordering, not a measurement).

Vertices in the OpenGL camera frame: metres, the camera at the origin looking down -z, y up; the principal
point is the photo's centre. The GLB holds one node per person (named, coloured as the app draws them) and the
camera (a glTF perspective camera with the photo's field of view and aspect): looking through it, the bodies
cover the people of the photo. OBJ holds one object per person; PLY, one mesh with each person's colour.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .colors import PERSON_COLORS
from .photo_camera import PhotoCamera, project_to_photo
from .types import BodyMesh

SCENE_SUFFIXES = (".glb", ".obj", ".ply")


@dataclass(frozen=True)
class PhotoScene:
    """The people of one photo seen by one camera: focal (photo pixels), width, height (photo pixels);
    names[i] and vertices[i] (V, 3) float32 of each person (camera frame, metres); faces (F, 3) shared."""

    focal: float
    width: int
    height: int
    names: tuple[str, ...]
    vertices: tuple[np.ndarray, ...]
    faces: np.ndarray

    def project(self, points: np.ndarray) -> np.ndarray:
        """Points (..., 3) in the scene's camera frame -> photo pixels (..., 2) (x right, y down); NaN for a point
        at or behind the camera (`project_to_photo`)."""
        return project_to_photo(points, self.focal, (self.width / 2.0, self.height / 2.0))

    @property
    def yfov(self) -> float:
        """Vertical field of view in radians."""
        return 2.0 * math.atan(self.height / (2.0 * self.focal))


def photo_scene(bodies: Sequence[tuple[str, BodyMesh, PhotoCamera]]) -> PhotoScene:
    """One scene of several people of a photo: each (name, its posed mesh in its crop camera's frame (the
    crop camera's translation applied, as BodyModel.mesh gives it), its PhotoCamera); the first camera is the
    scene's. ValueError for none, or for cameras of photos of different sizes."""
    if not bodies:
        raise ValueError("no people to put in a scene")
    first = bodies[0][2]
    if any((cam.width, cam.height) != (first.width, first.height) for _, _, cam in bodies):
        raise ValueError("the people's cameras belong to photos of different sizes")
    f0 = float(first.focal)
    names, verts = [], []
    for name, mesh, cam in bodies:
        shift = np.asarray(cam.transl, np.float64) - np.asarray(cam.crop_transl, np.float64)
        v = np.asarray(mesh.vertices, np.float64) + shift
        root_z = float(mesh.joints[0, 2]) + shift[2]
        v[:, 2] += (f0 / float(cam.focal) - 1.0) * root_z
        names.append(str(name))
        verts.append(v.astype(np.float32))
    return PhotoScene(f0, int(first.width), int(first.height), tuple(names), tuple(verts),
                      np.asarray(bodies[0][1].faces, np.int64))


def _color(k: int) -> tuple[int, int, int]:
    return PERSON_COLORS[k % len(PERSON_COLORS)]


def _glb_bytes(scene: PhotoScene) -> bytes:
    from .export_gltf import (
        ARRAY_BUFFER,
        ELEMENT_ARRAY_BUFFER,
        FLOAT,
        UINT,
        USHORT,
        _Builder,
        srgb_to_linear,
        vertex_normals,
    )

    b = _Builder()
    meshes, nodes, materials = [], [], []
    for k, (name, v) in enumerate(zip(scene.names, scene.vertices)):
        pos = b.add(v, FLOAT, "VEC3", ARRAY_BUFFER, minmax=True)
        nrm = b.add(vertex_normals(v, scene.faces), FLOAT, "VEC3", ARRAY_BUFFER)
        idx = b.add(scene.faces.reshape(-1), USHORT if len(v) < 65535 else UINT, "SCALAR", ELEMENT_ARRAY_BUFFER,
                    minmax=True)
        r, g, bl = (float(c) for c in srgb_to_linear(np.array(_color(k))))
        materials.append({"name": name, "pbrMetallicRoughness": {"baseColorFactor": [r, g, bl, 1.0],
                                                                  "metallicFactor": 0.0, "roughnessFactor": 0.7}})
        meshes.append({"name": name, "primitives": [{"attributes": {"POSITION": pos, "NORMAL": nrm},
                                                     "indices": idx, "material": k, "mode": 4}]})
        nodes.append({"name": name, "mesh": k})
    nodes.append({"name": "photo camera", "camera": 0})  # at the origin, looking down -z: the photo's view
    doc = {
        "asset": {"version": "2.0", "generator": "NBF Studio",
                  "extras": {"frame": "camera", "frame_description": "the photo's camera: OpenGL axes, metres",
                             "focal_px": scene.focal, "image_size": [scene.width, scene.height]}},
        "scene": 0,
        "scenes": [{"name": "NBF Studio people", "nodes": list(range(len(nodes)))}],
        "nodes": nodes,
        "meshes": meshes,
        "materials": materials,
        "cameras": [{"name": "photo camera", "type": "perspective",
                     "perspective": {"yfov": scene.yfov, "aspectRatio": scene.width / scene.height,
                                     "znear": 0.1}}],
    }
    return b.glb(doc)


def _obj_bytes(scene: PhotoScene) -> bytes:
    """One object per person, by inference.export's OBJ writer (`%.9g` round-trips float32)."""
    from .export import obj_bytes

    return obj_bytes(f"NBF Studio people of one photo: the photo's camera frame (OpenGL axes, metres), focal "
                     f"{scene.focal:.9g} px, image {scene.width} x {scene.height}",
                     [(name.replace(" ", "_"), v) for name, v in zip(scene.names, scene.vertices)], scene.faces)


def _ply_bytes(scene: PhotoScene) -> bytes:
    import trimesh

    v = np.concatenate(scene.vertices)
    n = len(scene.vertices[0])
    f = np.concatenate([scene.faces + k * n for k in range(len(scene.vertices))])
    colors = np.concatenate([np.tile([*_color(k), 255], (len(vk), 1)) for k, vk in enumerate(scene.vertices)])
    data = trimesh.Trimesh(vertices=v, faces=f, vertex_colors=colors.astype(np.uint8), process=False).export(
        file_type="ply")
    end = data.index(b"\n", data.index(b"format ")) + 1
    note = (f"comment NBF Studio people of one photo ({len(scene.names)}, {n} vertices each, in order): the photo's "
            f"camera frame, focal {scene.focal:.9g} px, image {scene.width} x {scene.height}\n").encode("ascii")
    return data[:end] + note + data[end:]


def scene_bytes(scene: PhotoScene, suffix: str) -> bytes:
    """The file bytes of a scene as .glb, .obj or .ply; ValueError for another suffix."""
    writers = {".glb": _glb_bytes, ".obj": _obj_bytes, ".ply": _ply_bytes}
    if suffix.lower() not in writers:
        raise ValueError(f"a scene is written as {', '.join(SCENE_SUFFIXES)}, not {suffix or 'a file without suffix'}")
    return writers[suffix.lower()](scene)


def export_scene(path: str | Path, scene: PhotoScene, overwrite: bool = False) -> Path:
    """Write a scene (by the suffix of `path`); refuses to replace a file unless `overwrite`. Returns the path."""
    from .errors import ExportFormatError
    from .file_writes import atomic_write

    path = Path(path)
    try:
        data = scene_bytes(scene, path.suffix)
    except ValueError as exc:
        raise ExportFormatError(f"{path.name}: {exc}") from None
    return atomic_write(path, data, overwrite)


def load_scene(path: str | Path) -> PhotoScene:
    """A scene GLB this module wrote (export_scene) read back; ValueError for another GLB."""
    from .export_gltf import glb_unpack
    from .json_files import NestedTooDeeply

    try:
        doc, blob = glb_unpack(Path(path).read_bytes())
    except NestedTooDeeply as exc:
        raise ValueError(_nested_too_deeply(path, exc)) from None
    try:
        w, h = (int(x) for x in doc["asset"]["extras"]["image_size"])
        yfov = float(doc["cameras"][0]["perspective"]["yfov"])
        names, verts, faces = [], [], None
        for node in doc["nodes"]:
            if "mesh" not in node:
                continue
            prim = doc["meshes"][node["mesh"]]["primitives"][0]
            pos = _accessor(doc, blob, prim["attributes"]["POSITION"]).reshape(-1, 3)
            idx = _accessor(doc, blob, prim["indices"]).reshape(-1, 3).astype(np.int64)
            names.append(str(node.get("name", f"person {len(names) + 1}")))
            verts.append(pos.astype(np.float32))
            faces = idx if faces is None else faces
    except (KeyError, IndexError, TypeError) as exc:
        raise ValueError(f"{Path(path).name} is not a scene of people written by NBF Studio ({exc!r})") from None
    if not verts:
        raise ValueError(f"{Path(path).name} holds no people")
    return PhotoScene(h / (2.0 * math.tan(yfov / 2.0)), w, h, tuple(names), tuple(verts), faces)


def _nested_too_deeply(path: str | Path, exc: ValueError) -> str:
    """The message of a scene GLB whose JSON chunk is nested beyond the JSON reader's depth (`read_problem`'s words):
    a ValueError's, which the scene readers' callers take as a file that is not one of our scenes."""
    from .read_problems import read_problem

    return f"{Path(path).name}: its JSON is {read_problem(path, exc)}"


def scene_people(path: str | Path) -> tuple[str, ...]:
    """The names of the people in a scene GLB this module wrote ('person 1', ...), read from its JSON chunk alone
    (the meshes are not read: a folder's scenes are checked on every run); ValueError for another file."""
    from .export_gltf import glb_json_length
    from .json_files import NestedTooDeeply, parse_json

    with open(path, "rb") as fh:
        try:
            _, n = glb_json_length(fh.read(20))
        except ValueError as exc:
            raise ValueError(f"{Path(path).name}: {exc}") from None
        try:
            doc = parse_json(fh.read(n))
            return tuple(str(node["name"]) for node in doc["nodes"] if "mesh" in node)
        except NestedTooDeeply as exc:
            raise ValueError(_nested_too_deeply(path, exc)) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{Path(path).name} is not a scene of people written by NBF Studio ({exc!r})") from None


def _accessor(doc: dict, blob: bytes, index: int) -> np.ndarray:
    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    dtype = {5126: "<f4", 5123: "<u2", 5125: "<u4", 5121: "u1"}[acc["componentType"]]
    width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[acc["type"]]
    return np.frombuffer(blob, dtype, acc["count"] * width, view.get("byteOffset", 0) + acc.get("byteOffset", 0))
