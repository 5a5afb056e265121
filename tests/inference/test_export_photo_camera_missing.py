"""A parameter file whose photo camera lacks a field the writers or the app read (a null photo_focal, a _body.pkl
with image_size but no f, t or crop_f, a photo camera without the crop camera's focal) is refused in one line
naming the file and the field; before, a PhotoCamera with focal None was built and every writer crashed on it
with a TypeError (`main.py export --pose FILE --out out.json`, .npz and _body.pkl alike)."""
from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from inference import export as ex
from inference.paths import RESOURCES

NBF = {"pose": [0.0] * 72, "betas": [0.0] * 10, "transl": [0.0, 0.2, -20.0], "focal": 5000.0, "crop_size": 256,
       "photo_focal": 1500.0, "photo_width": 640, "photo_height": 480, "photo_transl": [0.0, 0.2, -5.0]}
# one of our _body.pkl files with the photo camera (f, rt, t) beside the crop camera (crop_f, crop_t, crop_size)
PKL = {"pose": np.zeros(72), "betas": np.zeros(10), "trans": np.zeros(3), "rt": np.array([np.pi, 0.0, 0.0]),
       "t": np.array([0.0, -0.2, 5.0]), "f": 1500.0, "crop_t": np.array([0.0, -0.2, 20.0]), "crop_f": 5000.0,
       "crop_size": 256, "image_size": np.array([640, 480])}


def _nbf(tmp_path: Path, suffix: str, **change) -> Path:
    doc = {k: v for k, v in {**NBF, **change}.items() if v is not ...}  # ... : the key left out
    path = tmp_path / f"p{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(doc))
    else:  # (an .npz cannot hold a null: its photo_focal is left out there, so the file has no photo camera)
        np.savez(path, **{k: np.asarray(v) for k, v in doc.items() if v is not None})
    return path


def _pkl(tmp_path: Path, **change) -> Path:
    doc = {k: v for k, v in {**PKL, **change}.items() if v is not ...}
    path = tmp_path / "p_body.pkl"
    path.write_bytes(pickle.dumps(doc, protocol=2))
    return path


@pytest.mark.parametrize(("change", "said"), [
    ({"photo_focal": None}, "photo_focal is empty"),
    ({"focal": None}, "photo_focal without focal"),
    ({"focal": ...}, "photo_focal without focal"),
])
def test_an_nbf_photo_camera_without_a_field_is_refused(tmp_path, change, said):
    path = _nbf(tmp_path, ".json", **change)
    with pytest.raises(ex.ParamsFileError, match=f"p.json: {said}") as info:
        ex.load_params_file(path)
    assert "\n" not in str(info.value)


def test_an_npz_photo_camera_without_the_crop_focal_is_refused(tmp_path):
    with pytest.raises(ex.ParamsFileError, match="p.npz: photo_focal without focal"):
        ex.load_params_file(_nbf(tmp_path, ".npz", focal=...))


@pytest.mark.parametrize(("change", "missing"), [
    ({"f": ...}, "f"), ({"f": None}, "f"), ({"t": ...}, "t"), ({"crop_f": None}, "crop_f"),
    ({"f": None, "crop_f": ...}, "f and crop_f"),
])
def test_a_pkl_photo_camera_without_a_field_is_refused(tmp_path, change, missing):
    with pytest.raises(ex.ParamsFileError, match=rf"p_body.pkl: image_size \(the photo camera\) without {missing}$"):
        ex.load_params_file(_pkl(tmp_path, **change))


@pytest.mark.parametrize("suffix", [".json", ".npz", "_body.pkl"])
def test_a_pkl_with_a_null_crop_size_loads_and_writes_every_format(tmp_path, suffix):
    """crop_size is optional (the app takes its default): a null one was int(None), a TypeError."""
    rec = ex.load_params_file(_pkl(tmp_path, crop_size=None))
    assert rec.photo is not None and rec.photo.focal == 1500.0 and rec.photo.crop_size is None
    out = ex.save_params(tmp_path / f"out{suffix}", rec.params, rec.focal, 256, photo=rec.photo)
    back = ex.load_params_file(out)
    assert back.photo is not None and back.photo.focal == pytest.approx(1500.0)
    np.testing.assert_allclose(back.photo.transl, rec.photo.transl, atol=1e-6)


@pytest.mark.parametrize(("kind", "out", "said"), [
    (".json", "out.json", "photo_focal is empty: the photo camera needs its focal length (pixels)"),
    (".json", "out.npz", "photo_focal is empty: the photo camera needs its focal length (pixels)"),
    (".pkl", "out_body.pkl", "image_size (the photo camera) without f"),
])
def test_main_export_of_an_incomplete_photo_camera_is_one_line(tmp_path, kind, out, said):
    path = _nbf(tmp_path, ".json", photo_focal=None) if kind == ".json" else _pkl(tmp_path, f=...)
    done = subprocess.run([sys.executable, str(RESOURCES.parent / "main.py"), "export", "--pose", str(path),
                           "--out", str(tmp_path / out)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"error: {path}: {said}"
    assert not (tmp_path / out).exists()
