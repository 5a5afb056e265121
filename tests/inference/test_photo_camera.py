"""The photo's own camera: derived from the crop camera and the crop, written into every parameter file,
and round-tripping through `_body.pkl` with plain numpy (UP-3D convention, projection about the photo's
centre) onto the written photo-pixel joints, for a non-square photo and a person off-centre."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from inference import export as ex
from inference import safe_pickle
from inference.body_model import BodyModel
from inference.camera import CROP_SIZE, FOCAL
from inference.geometry import project_points
from inference.joints import LSP_FROM_SMPL, head_top_vertex
from inference.photo_camera import photo_camera, photo_camera_for
from inference.pipeline import Predictor
from inference.poses import preset_pose
from inference.types import BodyParams, Camera, Crop
from tests.tiny_weights import write_tiny_weights

H, W = 300, 520                  # a non-square photo
BOX = (330.0, 20.0, 450.0, 250.0)  # a person right of and above the centre (box centre (390, 135))
# a parameter file's photo camera, projected with plain numpy, against the photo-pixel joints it carries: the
# same maths in float64 (agreeing to about 1e-5 px), so half a pixel of principal point is far outside it
PHOTO_JOINTS_PX = 1e-3


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, body) -> Predictor:
    """A real Predictor on tiny untrained networks (as tests/inference/test_pipeline.py): every pixel is a
    body part, so the fit runs; its answer is some body in front of the crop camera."""
    folder = write_tiny_weights(tmp_path_factory.mktemp("tiny"))
    return Predictor(body_model=body, detect="off", weights_dir=folder, device="cpu")


@pytest.fixture(scope="module")
def prediction(tiny):
    image = np.random.default_rng(3).integers(0, 256, (H, W, 3), np.uint8)
    p = tiny.predict(image, box=BOX)
    assert (p.mesh.joints[:, 2] < 0).all()
    return p


def _crop_projection_in_photo(points: np.ndarray, crop: Crop, camera: Camera) -> np.ndarray:
    """Crop camera projection (inference/geometry.py) mapped into the photo by the crop."""
    return crop.to_image(project_points(np.asarray(points, np.float64), camera.focal, camera.size)).astype(np.float64)


def _up3d_project(d: dict, body: BodyModel, which: str = "joints") -> np.ndarray:
    """Plain numpy on a `_body.pkl`: pose SMPL(pose, betas) + trans, p = R(rt) p + t (OpenCV), pixels
    f p[:2] / p[2] + the photo's centre."""
    mesh = body.mesh(BodyParams.from_pose(d["pose"], d["betas"], d["trans"]))
    x = np.asarray(getattr(mesh, which), np.float64)
    rt = np.asarray(d["rt"], np.float64)
    theta = np.linalg.norm(rt)
    k = rt / theta
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    R = np.eye(3) + math.sin(theta) * K + (1 - math.cos(theta)) * K @ K  # Rodrigues, in numpy
    p = x @ R.T + np.asarray(d["t"], np.float64)
    assert (p[:, 2] > 0).all()
    w, h = (int(v) for v in d["image_size"])
    return d["f"] * p[:, :2] / p[:, 2:] + np.array([w / 2.0, h / 2.0])


# ------------------------------------------------------------------ the derivation
def test_photo_camera_is_the_crop_camera_seen_in_the_photo(body):
    """Focal f / scale, principal point at the photo's centre; the root depth projects exactly where the
    crop projection lands in the photo, other depths within delta (d0/d - 1)."""
    params = BodyParams.from_pose(preset_pose("walk"), np.zeros(10), [0.05, -0.1, -39.0])
    mesh = body.mesh(params)
    crop = Crop(np.array([900.0, 120.0], np.float32), CROP_SIZE / 700.0, CROP_SIZE)
    camera = Camera(FOCAL, CROP_SIZE)
    cam = photo_camera(params, mesh, crop, camera, (1000, 2000, 3), body)
    assert cam.focal == pytest.approx(FOCAL * 700.0 / CROP_SIZE)
    np.testing.assert_allclose(cam.principal_point, [1000.0, 500.0])
    assert cam.transl[2] == params.transl[2] and cam.transl[0] > params.transl[0]  # crop centre right of centre
    # the root (pelvis) and any point at its depth: exact
    root = mesh.joints[0].astype(np.float64)
    ring = root + np.array([[0.4, 0.0, 0.0], [0.0, -0.9, 0.0], [-0.3, 0.7, 0.0]])
    np.testing.assert_allclose(cam.project(np.vstack([root, ring])),
                               _crop_projection_in_photo(np.vstack([root, ring]), crop, camera), atol=1e-6)
    # the whole body: within the stated bound (about 1 % of the offset here)
    delta = np.linalg.norm(crop.offset + CROP_SIZE / 2 / crop.scale - [1000.0, 500.0])
    d = -mesh.vertices[:, 2].astype(np.float64)
    bound = delta * np.abs(-root[2] / d - 1).max() + 1e-4
    err = np.linalg.norm(cam.project(mesh.vertices) - _crop_projection_in_photo(mesh.vertices, crop, camera), axis=1)
    assert err.max() <= bound and bound < 0.02 * delta
    # the joints it carries: the photo camera's projections; LSP = 13 SMPL joints + the head top vertex
    np.testing.assert_allclose(cam.joints2d, cam.project(mesh.joints))
    np.testing.assert_allclose(cam.lsp2d[:13], cam.joints2d[list(LSP_FROM_SMPL)])
    np.testing.assert_allclose(cam.lsp2d[13], cam.project(mesh.vertices[head_top_vertex(body)]))


def test_centred_crop_keeps_the_translation(body):
    params = BodyParams.from_pose(preset_pose("walk"), np.zeros(10), [0.05, -0.1, -39.0])
    crop = Crop(np.array([-50.0, 10.0], np.float32), CROP_SIZE / 300.0, CROP_SIZE)  # centre (100, 160)
    cam = photo_camera(params, body.mesh(params), crop, Camera(FOCAL, CROP_SIZE), (320, 200))
    np.testing.assert_allclose(cam.transl, params.transl, atol=1e-6)
    assert cam.joints2d is None and cam.lsp2d is None


# ------------------------------------------------------------------ the files
def test_body_pkl_photo_camera_round_trips(tmp_path, body, prediction):
    """The acceptance test: _body.pkl read with the project's restricted unpickler, posed with the body
    model, projected with plain numpy through f, rt, t about the photo's centre, lands on the written
    photo-pixel joints (24 SMPL + 14 LSP) within PHOTO_JOINTS_PX; and the mesh lies where the crop put the person
    (within 1 px: that comparison is the crop projection's approximation, not the file's maths)."""
    p = prediction
    assert abs(p.crop.offset[0] + CROP_SIZE / 2 / p.crop.scale - W / 2) > 50  # the person is off-centre
    photo = photo_camera_for(p, body_model=body)
    path = ex.save_params(tmp_path / "x_body.pkl", p.params, p.camera.focal, p.camera.size, body.name, photo=photo)
    with open(path, "rb") as fh:
        d = safe_pickle.load(fh)
    assert {"pose", "betas", "trans", "f", "rt", "t"} <= set(d)
    assert {"crop_f", "crop_t", "crop_size", "image_size", "joints2d", "lsp2d"} <= set(d)
    np.testing.assert_array_equal(d["image_size"], [W, H])
    assert d["f"] == pytest.approx(p.camera.focal / p.crop.scale) and d["crop_f"] == p.camera.focal
    assert d["joints2d"].shape == (24, 2) and d["lsp2d"].shape == (14, 2)
    uv = _up3d_project(d, body)
    np.testing.assert_allclose(uv, d["joints2d"], rtol=0, atol=PHOTO_JOINTS_PX)
    np.testing.assert_allclose(uv[list(LSP_FROM_SMPL)], d["lsp2d"][:13], rtol=0, atol=PHOTO_JOINTS_PX)
    top = _up3d_project(d, body, "vertices")[head_top_vertex(body)]
    np.testing.assert_allclose(top, d["lsp2d"][13], rtol=0, atol=PHOTO_JOINTS_PX)
    # onto the person: where the crop projection of the prediction lands in the photo (offset sub-pixel
    # here: the tiny network's body is small and far)
    np.testing.assert_allclose(d["joints2d"], p.crop.to_image(p.joints2d), atol=1.0)
    # the crop camera beside it, and the reader gives back the body in the crop camera
    np.testing.assert_allclose(d["crop_t"], p.params.transl * np.array([1, -1, -1]), rtol=1e-6)
    rec = ex.load_params_file(path, body)
    np.testing.assert_allclose(rec.params.transl, p.params.transl, atol=1e-6)
    assert rec.focal == p.camera.focal and rec.size == p.camera.size
    assert rec.photo is not None and (rec.photo.width, rec.photo.height) == (W, H)
    np.testing.assert_allclose(rec.photo.transl, photo.transl, atol=1e-5)
    # the square the networks read, in photo pixels: the crop's corners
    side = CROP_SIZE / p.crop.scale
    np.testing.assert_allclose(d["crop_box"], [*p.crop.offset, *(p.crop.offset + side)], atol=1e-4)
    np.testing.assert_allclose(rec.photo.crop_box, d["crop_box"])


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_npz_and_json_carry_the_photo_camera_and_joints(tmp_path, body, prediction, suffix):
    p = prediction
    photo = photo_camera_for(p, body_model=body)
    path = ex.save_params(tmp_path / f"x{suffix}", p.params, p.camera.focal, p.camera.size, body.name, photo=photo)
    if suffix == ".json":
        doc = json.loads(path.read_text())
    else:
        with np.load(path) as z:
            doc = {k: z[k] for k in z.files}
    f, (cx, cy) = float(doc["photo_focal"]), np.asarray(doc["photo_principal_point"], np.float64)
    assert (int(doc["photo_width"]), int(doc["photo_height"])) == (W, H) and (cx, cy) == (W / 2, H / 2)
    j2d, lsp = np.asarray(doc["joints2d"], np.float64), np.asarray(doc["lsp2d"], np.float64)
    assert j2d.shape == (24, 2) and lsp.shape == (14, 2)
    # plain numpy: the body posed with photo_transl, u = cx + f x / (-z), v = cy - f y / (-z)
    x = body.mesh(BodyParams.from_pose(doc["pose"], doc["betas"], doc["photo_transl"])).joints.astype(np.float64)
    uv = np.stack([cx + f * x[:, 0] / -x[:, 2], cy - f * x[:, 1] / -x[:, 2]], 1)
    np.testing.assert_allclose(uv, j2d, rtol=0, atol=PHOTO_JOINTS_PX)
    # the crop camera fields are unchanged and the file reloads into the crop camera
    assert float(doc["focal"]) == p.camera.focal and int(doc["crop_size"]) == p.camera.size
    rec = ex.load_params_file(path)
    np.testing.assert_allclose(rec.params.transl, p.params.transl, atol=1e-6)
    assert rec.photo is not None and rec.photo.focal == pytest.approx(f)
    np.testing.assert_allclose(rec.photo.lsp2d, lsp, atol=1e-5)
    # the crop square in photo pixels: a pixel of NAME_parts_crop.png maps to the photo through it
    x0, y0, x1, y1 = np.asarray(doc["photo_crop_box"], np.float64)
    np.testing.assert_allclose((x0, y0), p.crop.offset, atol=1e-4)
    assert x1 - x0 == pytest.approx(y1 - y0) == pytest.approx(CROP_SIZE / p.crop.scale)
    np.testing.assert_allclose(rec.photo.crop_box, (x0, y0, x1, y1))


def test_without_a_photo_the_files_are_as_before(tmp_path, body):
    params = BodyParams.from_pose(preset_pose("walk"), np.zeros(10), [0.1, -0.2, -38.0])
    path = ex.save_params(tmp_path / "y_body.pkl", params)
    with open(path, "rb") as fh:
        d = safe_pickle.load(fh)
    assert set(d) == {"pose", "betas", "trans", "f", "rt", "t"}
    assert ex.load_params_file(path).photo is None
    with np.load(ex.save_params(tmp_path / "y.npz", params)) as z:
        assert "photo_focal" not in z.files and "joints2d" not in z.files


def test_photo_camera_for_another_translation_is_refused(tmp_path, body):
    params = BodyParams.from_pose(preset_pose("walk"), np.zeros(10), [0.1, -0.2, -38.0])
    crop = Crop(np.zeros(2, np.float32), 1.0, CROP_SIZE)
    photo = photo_camera(params, body.mesh(params), crop, Camera(FOCAL, CROP_SIZE), (CROP_SIZE, CROP_SIZE))
    with pytest.raises(ValueError, match="translation"):
        ex.save_params(tmp_path / "z.json", params.with_(transl=[0, 0, -30]), photo=photo)
    assert not (tmp_path / "z.json").exists()



# ------------------------------------------------------------------ one rule, one projection
def test_the_overlay_camera_is_the_photo_camera_rule_for_a_crop_read_at_another_size():
    """A 512 px crop read by a 256 px camera: camera pixel q is crop pixel 2 q. The mesh overlay's camera
    (`render.overlay.image_camera`, at the photo's size and at a display copy's) is `photo_focal_and_centre`, and
    both put a camera-frame point where the crop camera's projection, carried through the crop, puts it."""
    from types import SimpleNamespace

    from inference.photo_camera import photo_focal_and_centre, project_to_photo
    from inference.render.overlay import image_camera

    crop = Crop(np.array([120.5, -40.25], np.float32), 0.37, 512)
    camera = Camera(5000.0, 256)
    pred = SimpleNamespace(crop=crop, camera=camera)
    F, c = photo_focal_and_centre(crop, camera)
    for scale in (1.0, 0.25):
        f, centre = image_camera(pred, scale)
        assert f == pytest.approx(F * scale, rel=1e-9)
        np.testing.assert_allclose(centre, c * scale, rtol=1e-9)
    points = np.array([[0.1, 0.2, -40.0], [-0.3, 0.5, -38.0], [0.0, 0.0, -45.0]])
    on_camera = project_points(points, camera.focal, camera.size)  # camera pixels (256 px)
    expected = crop.to_image(on_camera * (crop.size / camera.size)).astype(np.float64)
    f, centre = image_camera(pred)
    np.testing.assert_allclose(project_to_photo(points, f, centre), expected, atol=1e-3)


def test_a_point_at_or_behind_the_camera_is_nowhere_in_the_photo(body, tmp_path):
    """The one projection's policy: (NaN, NaN) for depth <= 0 (not the mirrored point a negative depth gives, nor
    the infinity of zero); PhotoCamera.project follows it, and a body reaching behind the camera has no photo joints
    (a parameter file holds finite ones or none), its file written and read back all the same."""
    from inference.photo_camera import project_to_photo

    points = np.array([[0.1, 0.2, -2.0], [0.1, 0.2, 0.0], [0.1, 0.2, 1.0]])
    uv = project_to_photo(points, 1000.0, (320.0, 240.0))
    np.testing.assert_allclose(uv[0], [370.0, 140.0])
    assert np.isnan(uv[1:]).all()
    params = BodyParams.from_pose(preset_pose("walk"), np.zeros(10), [0.05, -0.1, -39.0])
    crop = Crop(np.array([-50.0, 10.0], np.float32), CROP_SIZE / 300.0, CROP_SIZE)
    cam = photo_camera(params, body.mesh(params), crop, Camera(FOCAL, CROP_SIZE), (320, 200), body)
    shift = cam.transl - cam.crop_transl
    seen = cam.project(points - shift)  # the same camera-frame points, given in the crop camera's frame
    np.testing.assert_allclose(seen[0], [100.0 + cam.focal * 0.05, 160.0 - cam.focal * 0.1])
    assert np.isnan(seen[1:]).all()
    behind = params.with_(transl=[0.05, -0.1, 0.3])  # the camera inside the body
    cam = photo_camera(behind, body.mesh(behind), crop, Camera(FOCAL, CROP_SIZE), (320, 200), body)
    assert cam.joints2d is None and cam.lsp2d is None
    path = ex.save_params(tmp_path / "behind.json", behind, FOCAL, CROP_SIZE, body.name, photo=cam)
    rec = ex.load_params_file(path)
    assert rec.photo is not None and rec.photo.joints2d is None and rec.photo.focal == pytest.approx(cam.focal)
