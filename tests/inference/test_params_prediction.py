"""A parameter file as a Prediction (inference/params_prediction.py): where its photo is looked for, and the crop
camera recovered from the photo camera the real exporter writes, with and without the crop box."""
from __future__ import annotations

import numpy as np
import pytest

from inference.export import load_params_file, save_params
from inference.params_prediction import (
    as_prediction,
    crop_from_photo,
    find_photo,
    output_name,
    photo_candidates,
    place,
)
from inference.photo_camera import photo_camera
from inference.predict_outputs import SUMMARY, SummaryRow, write_summary
from inference.types import BodyParams, Camera, Crop


@pytest.fixture(scope="module")
def body():
    from inference.body_model import BodyModel

    return BodyModel()


def _posed(body):
    rng = np.random.default_rng(3)
    pose = np.r_[np.pi, 0.1, 0.0, rng.normal(0, 0.15, 69)]
    return BodyParams.from_pose(pose, rng.normal(0, 1, 10), np.array([0.05, -0.1, -45.0]))


@pytest.mark.parametrize("name, expected", [("a.npz", "a"), ("a.json", "a"), ("a_body.pkl", "a"), ("a.pkl", "a"),
                                            ("a_body.npz", "a_body")])
def test_output_name(name, expected):
    assert output_name(f"/x/{name}") == expected


def test_photo_candidates(tmp_path):
    """summary.csv's image first, then NAME.<image suffix>, a person's image, a suffixed name's image, UP-3D's."""
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "shot.JPG").write_bytes(b"x")
    write_summary(tmp_path / SUMMARY, [SummaryRow(index=0, image=str(photos / "shot.JPG"), output="shot",
                                                  status="done")])
    assert find_photo(tmp_path / "shot.npz") == photos / "shot.JPG"
    (tmp_path / "shot.png").write_bytes(b"x")
    assert find_photo(tmp_path / "shot_body.pkl") == photos / "shot.JPG"  # what the summary says comes first
    (tmp_path / SUMMARY).unlink()
    assert find_photo(tmp_path / "shot_body.pkl") == tmp_path / "shot.png"
    assert find_photo(tmp_path / "shot_p2.json") == tmp_path / "shot.png"  # person 2 of shot.png
    (tmp_path / "x.tif").write_bytes(b"x")
    assert find_photo(tmp_path / "x_tif.npz") == tmp_path / "x.tif"  # x.jpg and x.tif in one run: x, x_tif
    (tmp_path / "00001_image.png").write_bytes(b"x")
    assert find_photo(tmp_path / "00001_body.pkl") == tmp_path / "00001_image.png"
    assert find_photo(tmp_path / "other.npz") is None
    assert all(c.parent == tmp_path for c in photo_candidates(tmp_path / "other.npz"))


@pytest.mark.parametrize("with_box", [True, False])
def test_the_crop_camera_comes_back_from_the_photo_camera(tmp_path, body, with_box):
    """photo_camera's crop is found again from what the file records: exactly with the crop box, through the focal
    and the body's shift without it (files written before the box was)."""
    params = _posed(body)
    mesh = body.mesh(params)
    crop, camera = Crop(np.array([-310.5, 42.25], np.float32), 0.41, 256), Camera(5000.0, 256)
    photo = photo_camera(params, mesh, crop, camera, (900, 1200, 3), body)
    if not with_box:
        from dataclasses import replace

        photo = replace(photo, crop_box=None)
    path = save_params(tmp_path / "p.npz", params, camera.focal, camera.size, body.name, photo=photo)
    rec = load_params_file(path, body)
    got, got_camera = crop_from_photo(rec.photo, 256, -float(mesh.joints[0, 2]))
    assert got_camera == camera and got.size == 256
    np.testing.assert_allclose(got.offset, crop.offset, atol=1e-3)
    assert got.scale == pytest.approx(crop.scale, rel=1e-6)


def test_a_file_without_a_photo_camera_is_framed_on_a_blank_canvas(tmp_path, body):
    params = _posed(body)
    mesh = body.mesh(params)
    path = save_params(tmp_path / "p.npz", params, 5000.0, 256, body.name)
    rec = load_params_file(path, body)
    placed = place(rec, mesh, None)
    assert not placed.on_photo and placed.image.shape == (256, 256, 3) and placed.camera == Camera(5000.0, 256)
    pred = as_prediction(rec, mesh, placed, str(path), str(path))
    assert pred.params_file == str(path) and pred.parts.labels.max() == 0 and pred.person == -1
    assert (pred.joints2d > 0).all() and (pred.joints2d < 256).all()  # the body is on the canvas
    # a UP-3D _body.pkl records only f (and t about its photo's centre): the canvas holds the body
    rec_f = load_params_file(save_params(tmp_path / "q_body.pkl", params, 5000.0, 256), body)
    assert rec_f.size is None
    side = place(rec_f, mesh, None).camera.size
    assert 64 <= side <= 2048
    pred = as_prediction(rec_f, mesh, place(rec_f, mesh, None), "", str(path))
    assert (pred.joints2d > 0).all() and (pred.joints2d < side).all()


def test_a_up3d_body_pkl_lies_on_its_photo_about_the_centre(tmp_path, body):
    """UP-3D's `_body.pkl` (f, rt, t: its photo's camera about the photo's centre, no size recorded): with its
    photo the crop camera is that camera, so a joint lands where f and t put it in the photo."""
    params = _posed(body)
    mesh = body.mesh(params)
    rec = load_params_file(save_params(tmp_path / "00001_body.pkl", params, 1200.0, 256), body)
    photo = np.zeros((480, 640, 3), np.uint8)
    placed = place(rec, mesh, photo, pkl_camera=True)
    assert placed.on_photo and placed.image is photo
    pred = as_prediction(rec, mesh, placed, "", "")
    j = np.asarray(mesh.joints, np.float64)
    expected = np.stack([320 + 1200 * j[:, 0] / -j[:, 2], 240 - 1200 * j[:, 1] / -j[:, 2]], 1)
    np.testing.assert_allclose(pred.crop.to_image(pred.joints2d), expected, atol=1e-2)
