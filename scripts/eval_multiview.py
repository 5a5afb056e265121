"""3D error on a real person: the fits of single views against the person's joints triangulated from four
calibrated cameras.

Pose2Sim's demo (the PyPI wheel pose2sim 0.10.49, BSD-3-Clause; the same wheel and videos as
`scripts/fetch_people_photos.py`) films one man with four synchronised, calibrated cameras (1080 x 1920 at
60 fps, 100 frames; Qualisys calibration `Calib.qca.txt`). There is no motion-capture ground truth in the wheel,
so the reference is made here: at every chosen moment the person detector's 12 limb keypoints (shoulders,
elbows, wrists, hips, knees, ankles) in the four views, undistorted, are triangulated (`reference_joints`:
linear DLT, each view weighted by the keypoint's visibility, a view that misses a joint dropped from it, each
view read as given or with its left and right exchanged, and the person's left told by the nose,
`faces_its_nose`). Each of the four views is then fitted alone, as `predict` fits a photo, and its 12 matching
SMPL joints are compared with the reference after a similarity alignment (PA-MPJPE, mm), for the network's fit,
the refined fit and, as a single-view 3D reference, BlazePose's own world landmarks.

What the figure includes besides the fit's error: the reference's own error (the median reprojection error is
printed: about 11 px of 1920, two centimetres at the man's 3.4 m for one view, less after four) and the
difference between the detector's keypoints and SMPL's joints (BlazePose's hips lie about 10 % of the hip width
inside SMPL's, knees and ankles a few per cent of the bone along it: `resources/weights/MODEL_CARD.md`, stop 52).
It is a real person's 3D error with a floor of a few centimetres, not a Human3.6M figure.

    python scripts/eval_multiview.py --out docs/multiview      # every 5th frame; downloads the wheel with pip
    python scripts/eval_multiview.py --wheel pose2sim-0.10.49-py3-none-any.whl --frames 0 50 --out X

Writes OUT/multiview.md (the table), OUT/multiview.json (per view and moment) and a picture of some moments
(OUT/frame_NNNN.jpg, `--pictures`, 0 and 50 by default: the four views with the detector's keypoints and the
reference reprojected, and each view's refined body over it); the video frames go to `--frames-dir` (under
data/, not kept).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from fetch_people_photos import FILES, WHEELS, sha256_of, video_frames  # noqa: E402

from inference.camera import GL_FROM_CV  # noqa: E402
from inference.keypoint_maps import MIRROR_KEYPOINTS  # noqa: E402

VERSION, VIDEOS = WHEELS["pose2sim"][0], WHEELS["pose2sim"][1]
CALIBRATION = "Pose2Sim/Demo_SinglePerson/calibration/Calib.qca.txt"
CALIBRATION_SHA256 = "fd90e4bbae3278ef1dc0cdd42a34ee06bf88286f628a02c00a29407aa39e34c5"
CAMERAS = ("cam01", "cam02", "cam03", "cam04")
# Qualisys stores image coordinates in 1/64 pixel
QCA_SUBPIXELS = 64.0
# Qualisys's camera frame is OpenGL's (its cameras look down their -z with y up): turned into OpenCV's (x right,
# y down, z forward) by GL_FROM_CV, its own inverse. Chosen by the reprojection of the triangulated keypoints:
# median 12-20 px per camera this way, 80-320 px for the other readings of the transform (its rotation or its
# transpose, each with the three other axis flips).
MIN_VISIBILITY = 0.5  # a view's keypoint below this does not vote in the triangulation
# A view whose reprojection misses its keypoint by more than this (pixels) is dropped from that joint's
# triangulation (worst first, while two views remain): a keypoint on the wrong limb, a limb hidden in that view
OUTLIER_PX = 60.0
MIRRORED = tuple(int(i) for i in MIRROR_KEYPOINTS[:12])  # LSP's first 12 joints, left <-> right
NOSE = 0  # BlazePose's nose
DEFAULT_FRAMES = tuple(range(0, 100, 5))


@dataclass(frozen=True)
class CalibratedCamera:
    """One calibrated camera: name; K (3, 3) intrinsics in pixels; dist (5,) OpenCV distortion (k1, k2, p1, p2,
    k3); R (3, 3), t (3,) world -> camera (OpenCV frame, metres): x_cam = R @ x_world + t."""

    name: str
    K: np.ndarray
    dist: np.ndarray
    R: np.ndarray
    t: np.ndarray

    def normalised(self, uv: np.ndarray) -> np.ndarray:
        """Pixels (N, 2) -> undistorted normalised image coordinates (N, 2) (x / z, y / z in the camera)."""
        import cv2
        pts = np.asarray(uv, np.float64).reshape(-1, 1, 2)
        return cv2.undistortPoints(pts, self.K, self.dist).reshape(-1, 2)

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (N, 3) -> pixels (N, 2), with the lens distortion."""
        import cv2
        rvec = cv2.Rodrigues(self.R)[0]
        uv, _ = cv2.projectPoints(np.asarray(points, np.float64).reshape(-1, 1, 3), rvec, self.t, self.K, self.dist)
        return uv.reshape(-1, 2)


def read_qca(text: str) -> list[CalibratedCamera]:
    """The cameras of a Qualisys calibration (`*.qca.txt`, XML): each camera's `transform` (rotation r11..r33
    and position x, y, z in mm of the camera in the world), `intrinsic` (focal lengths and principal point in
    1/64 pixel of the sensor, radial and tangential distortion) and `fov_video` (the video's window on the sensor,
    whose corner moves the principal point; 0, 0 in Pose2Sim's demo). The distortion coefficients are taken as
    OpenCV's, as stored: Pose2Sim's reader divides them by 64, which moves the demo's keypoints around the person by
    1.5 px (median, at most 4 px) and neither reading changes the reference (reprojection 11.4 px either way)."""
    root = ET.fromstring(text)
    cams = []
    for cam in root.iter("camera"):
        tr, it = cam.find("transform"), cam.find("intrinsic")
        if tr is None or it is None:
            raise ValueError(f"camera {cam.get('serial')!r} has no transform or intrinsic")
        t, i = tr.attrib, it.attrib
        rot = np.array([[float(t[f"r{a}{b}"]) for b in "123"] for a in "123"])
        centre = np.array([float(t[k]) for k in "xyz"]) / 1000.0
        R = GL_FROM_CV @ rot  # (OpenCV from Qualisys's OpenGL-like frame: GL_FROM_CV is its own inverse)
        fov = cam.find("fov_video")
        left, top = (0.0, 0.0) if fov is None else (float(fov.get("left", 0)), float(fov.get("top", 0)))
        K = np.array([[float(i["focalLengthU"]) / QCA_SUBPIXELS, 0.0, float(i["centerPointU"]) / QCA_SUBPIXELS - left],
                      [0.0, float(i["focalLengthV"]) / QCA_SUBPIXELS, float(i["centerPointV"]) / QCA_SUBPIXELS - top],
                      [0.0, 0.0, 1.0]])
        dist = np.array([float(i[k]) for k in ("radialDistortion1", "radialDistortion2", "tangentalDistortion1",
                                               "tangentalDistortion2", "radialDistortion3")])
        cams.append(CalibratedCamera(cam.get("serial", f"cam{len(cams) + 1:02d}"), K, dist, R, -R @ centre))
    return cams


def triangulate(cameras: list[CalibratedCamera], uv: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """One point seen by V cameras at pixels uv (V, 2), each view weighted (V,) (0: not used) -> (3,) world point
    by linear DLT on undistorted normalised coordinates; NaN when fewer than two views have a weight."""
    w = np.asarray(weights, np.float64)
    if int((w > 0).sum()) < 2:
        return np.full(3, np.nan)
    rows = []
    for cam, p, wi in zip(cameras, np.asarray(uv, np.float64), w):
        if wi <= 0:
            continue
        x, y = cam.normalised(p[None])[0]
        P = np.hstack([cam.R, cam.t[:, None]])
        rows += [wi * (x * P[2] - P[0]), wi * (y * P[2] - P[1])]
    X = np.linalg.svd(np.asarray(rows))[2][-1]
    return X[:3] / X[3]


def robust_point(cameras: list[CalibratedCamera], uv: np.ndarray, weights: np.ndarray,
                 outlier_px: float = OUTLIER_PX) -> tuple[np.ndarray, np.ndarray]:
    """`triangulate`, then the view that misses the point by most is dropped while it misses by more than
    outlier_px and two views remain. Returns (point (3,) or NaN, the weights used (V,))."""
    w = np.asarray(weights, np.float64).copy()
    while True:
        X = triangulate(cameras, uv, w)
        if np.isnan(X).any():
            return X, w
        err = np.array([np.linalg.norm(c.project(X[None])[0] - p) if wi > 0 else 0.0
                        for c, p, wi in zip(cameras, uv, w)])
        worst = int(np.argmax(err))
        if err[worst] <= outlier_px or int((w > 0).sum()) <= 2:
            return X, w
        w[worst] = 0.0


def reference_joints(cameras: list[CalibratedCamera], uv: np.ndarray, weights: np.ndarray
                     ) -> tuple[np.ndarray, tuple[bool, ...]]:
    """The 12 limb joints (12, 3) from V views' keypoints uv (V, 12, 2) with weights (V, 12), each view read as
    given or with its left and right exchanged (a detector may take a back view for a front view): of the 2^(V-1)
    readings (the first view as given), the one whose triangulation keeps the most views (`robust_point` drops
    those that miss), then reprojects best (median over the joints and views). Returns (joints, which views were
    exchanged)."""
    uv, weights = np.asarray(uv, np.float64), np.asarray(weights, np.float64)
    best = None
    for bits in range(2 ** (len(cameras) - 1)):
        swap = (False,) + tuple(bool(bits >> i & 1) for i in range(len(cameras) - 1))
        u = np.array([uv[v][list(MIRRORED)] if s else uv[v] for v, s in enumerate(swap)])
        w = np.array([weights[v][list(MIRRORED)] if s else weights[v] for v, s in enumerate(swap)])
        pts, used = zip(*(robust_point(cameras, u[:, j], w[:, j]) for j in range(u.shape[1])))
        pts, used = np.array(pts), np.array(used).T
        errs = [np.linalg.norm(c.project(pts[j][None])[0] - u[v, j]) for j in range(len(pts))
                if not np.isnan(pts[j]).any() for v, c in enumerate(cameras) if used[v, j] > 0]
        score = (-int((used > 0).sum()), float(np.median(errs)) if errs else np.inf)
        if best is None or score < best[0]:
            best = (score, pts, swap)
    return best[1], best[2]


def faces_its_nose(joints: np.ndarray, nose: np.ndarray) -> bool:
    """Whether a skeleton's left and right are the person's: the 12 limb joints (12, 3) in LSP order and the nose
    (3,) lie so that the nose is in front of the shoulders, front being (left shoulder - right shoulder) x (mid-hips
    -> mid-shoulders), whichever way the person leans. Triangulation cannot tell (every view's left and right
    exchanged reprojects as well); the face can."""
    shoulders, hips = (joints[8] + joints[9]) / 2, (joints[2] + joints[3]) / 2
    forward = np.cross(joints[9] - joints[8], shoulders - hips)
    return float(np.dot(nose - shoulders, forward)) > 0


def person_reference(cameras: list[CalibratedCamera], uv: np.ndarray, weights: np.ndarray, nose_uv: np.ndarray,
                     nose_weights: np.ndarray) -> tuple[np.ndarray, tuple[bool, ...]]:
    """`reference_joints` with the person's own left: uv (V, 12, 2) and weights (V, 12) as there, the nose seen at
    nose_uv (V, 2) with nose_weights (V,). When the triangulated nose lies behind the skeleton
    (`faces_its_nose`), every view's reading is turned round. Returns (joints (12, 3), which views had the
    person's left and right exchanged)."""
    joints, swapped = reference_joints(cameras, uv, weights)
    nose, _ = robust_point(cameras, nose_uv, nose_weights)
    if not np.isnan(nose).any() and not np.isnan(joints).any() and not faces_its_nose(joints, nose):
        joints, swapped = joints[list(MIRRORED)], tuple(not s for s in swapped)
    return joints, swapped


def unpack(wheel: Path, frames: tuple[int, ...], out: Path) -> tuple[list[CalibratedCamera], dict]:
    """The calibration and the chosen frames of the four videos from the wheel, checked by SHA-256; frames
    written as out/camNN_FFFF.png. Returns (cameras, {(camera, frame): path})."""
    import cv2
    digests = {name: digest for pkg, name, digest, _ in FILES if pkg == "pose2sim"}
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(wheel) as zf:
        calib = Path(zf.extract(CALIBRATION, tmp))
        if sha256_of(calib) != CALIBRATION_SHA256:
            raise SystemExit(f"{CALIBRATION} of {wheel.name} is not the file this script was written for")
        cameras = read_qca(calib.read_text(encoding="ascii"))
        for cam in CAMERAS:
            src = Path(zf.extract(f"{VIDEOS}/{cam}.mp4", tmp))
            if sha256_of(src) != digests[f"{cam}.mp4"]:
                raise SystemExit(f"{cam}.mp4 of {wheel.name} is not the file this script was written for")
            for k, img in video_frames(src, frames, f"{cam}.mp4"):
                paths[cam, k] = out / f"{cam}_{k:04d}.png"
                cv2.imwrite(str(paths[cam, k]), img)
    if [c.name for c in cameras] != list(CAMERAS):
        raise SystemExit(f"the calibration names {[c.name for c in cameras]}, not {list(CAMERAS)}")
    return cameras, paths


def _download(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest",
                    str(folder), f"pose2sim=={VERSION}"], check=True)
    return next(folder.glob(f"pose2sim-{VERSION}-*.whl"))


def torso_direction(joints12: np.ndarray) -> np.ndarray:
    """(3,) unit vector from the mid-hips to the mid-shoulders of 12 LSP-ordered joints (12, 3)."""
    d = joints12[[8, 9]].mean(0) - joints12[[2, 3]].mean(0)
    return d / np.linalg.norm(d)


def as_seen_along_the_ray(direction: np.ndarray, target: np.ndarray) -> np.ndarray:
    """A direction (3,) in an OpenCV camera frame turned as the camera would need to turn to look straight at
    `target` (3,): how a crop centred on the person sees it (NBF's crop camera looks at the person, not along the
    photo's axis)."""
    ray = target / np.linalg.norm(target)
    axis = np.cross(ray, [0.0, 0.0, 1.0])
    s, c = np.linalg.norm(axis), float(ray[2])
    if s < 1e-9:
        return direction
    rot = cv2.Rodrigues(axis / s * np.arctan2(s, c))[0]
    return rot @ direction


def lean_towards_camera(direction: np.ndarray) -> float:
    """Degrees the torso direction (3,) (OpenCV camera frame: y down, z away) tilts its top towards the camera out
    of the image's vertical (0 upright or leaning sideways only; negative: away)."""
    return float(np.degrees(np.arctan2(-direction[2], -direction[1])))


def torso_errors(fitted: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(angle in degrees between two torso directions (3,), the fitted one's lean towards the camera minus the
    reference's), both in the crop's view."""
    angle = float(np.degrees(np.arccos(np.clip(fitted @ reference, -1.0, 1.0))))
    return angle, lean_towards_camera(fitted) - lean_towards_camera(reference)


def _picture(paths: list[Path], people: list, reference: np.ndarray, cameras: list[CalibratedCamera],
             meshes: list) -> np.ndarray:
    """Top row: the four views (each 480 px tall) with the detector's limb keypoints (green) and the reference
    reprojected (red rings); bottom row: each view's refined body over it (black where nobody was fitted). RGB
    (960, W, 3) uint8."""
    import cv2

    from inference.detect import LSP_FROM_BLAZEPOSE
    from inference.image_io import load_image

    top, bottom = [], []
    for path, person, cam, mesh in zip(paths, people, cameras, meshes):
        img = np.ascontiguousarray(load_image(path))
        ok = ~np.isnan(reference).any(1)
        for p in cam.project(reference[ok]):
            cv2.circle(img, (int(round(p[0])), int(round(p[1]))), 9, (255, 0, 0), 3)
        if person is not None:
            for p in person.keypoints[list(LSP_FROM_BLAZEPOSE), :2]:
                cv2.circle(img, (int(round(p[0])), int(round(p[1]))), 5, (0, 255, 0), -1)
        size = (round(img.shape[1] * 480 / img.shape[0]), 480)
        top.append(cv2.resize(img, size, interpolation=cv2.INTER_AREA))
        bottom.append(np.zeros_like(top[-1]) if mesh is None else
                      cv2.resize(mesh, size, interpolation=cv2.INTER_AREA))
    return np.concatenate([np.concatenate(top, 1), np.concatenate(bottom, 1)], 0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", type=Path, default=None, help=f"the pose2sim {VERSION} wheel (default: pip download)")
    ap.add_argument("--frames", type=int, nargs="+", default=list(DEFAULT_FRAMES), help="frames 0-99 of the videos")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--pictures", type=int, nargs="*", default=[0, 50],
                    help="the moments drawn as OUT/frame_NNNN.jpg (default: 0 and 50)")
    ap.add_argument("--frames-dir", type=Path, default=ROOT / "data" / "pose2sim_multiview",
                    help="where the video frames are written (1080 x 1920 PNG, about 3 MB each)")
    a = ap.parse_args(argv)
    from inference.render.context import configure_gl

    configure_gl()
    import cv2

    from inference.detect import LSP_FROM_BLAZEPOSE
    from inference.joints import LSP_FROM_SMPL
    from inference.metrics import pa_mpjpe
    from inference.photo_camera import photo_camera_for
    from inference.pipeline import PredictionError, Predictor

    frames = tuple(sorted(set(a.frames)))
    if not frames or min(frames) < 0 or max(frames) > 99:
        ap.error("frames are 0-99")
    with tempfile.TemporaryDirectory() as tmp:
        wheel = a.wheel if a.wheel is not None else _download(Path(tmp))
        cameras, paths = unpack(wheel, frames, a.frames_dir)
    a.out.mkdir(parents=True, exist_ok=True)

    from inference.render.overlay import mesh_overlay
    from inference.render.renderer import MeshRenderer

    pred = Predictor(detect="on", refine=True)
    body = pred.body_model
    renderer = MeshRenderer(body.faces, body.weights)
    limbs = list(LSP_FROM_BLAZEPOSE)  # BlazePose ids of LSP's first 12 joints (ankles ... wrists)
    smpl = list(LSP_FROM_SMPL[:12])
    rows, reproj = [], []
    for k in frames:
        fits, people = [], []
        for cam in CAMERAS:
            try:
                p = next(iter(pred.predict_each(paths[cam, k], 1)), None)
            except PredictionError as exc:
                print(f"{cam} frame {k}: {exc}")
                p = None
            fits.append(p)
            people.append(None if p is None else p.people[p.person])
        uv = np.array([np.full((12, 2), np.nan) if q is None else q.keypoints[limbs, :2] for q in people])
        vis = np.array([np.zeros(12) if q is None else q.keypoints[limbs, 2] for q in people])
        w = np.where(vis >= MIN_VISIBILITY, vis, 0.0)
        nose_uv = np.array([np.zeros(2) if q is None else q.keypoints[NOSE, :2] for q in people])
        nose_vis = np.array([0.0 if q is None else q.keypoints[NOSE, 2] for q in people])
        nose_w = np.where(nose_vis >= MIN_VISIBILITY, nose_vis, 0.0)
        # all four views: the picture, the reprojection error and which views had the sides exchanged
        reference, swapped = person_reference(cameras, uv, w, nose_uv, nose_w)
        if any(swapped):
            print(f"frame {k}: left and right exchanged in {[c for c, s in zip(CAMERAS, swapped) if s]}")
        for v, cam in enumerate(cameras):
            seen, wv = (uv[v], w[v]) if not swapped[v] else (uv[v][list(MIRRORED)], w[v][list(MIRRORED)])
            ok = (wv > 0) & ~np.isnan(reference).any(1)
            if ok.any():
                reproj.extend(np.linalg.norm(cam.project(reference[ok]) - seen[ok], axis=1).tolist())
        if k in a.pictures:
            overlays = [None if p is None else mesh_overlay(renderer, p) for p in fits]
            picture = _picture([paths[c, k] for c in CAMERAS], people, reference, cameras, overlays)
            cv2.imwrite(str(a.out / f"frame_{k:04d}.jpg"), picture[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
        for v, (cam, p, person) in enumerate(zip(CAMERAS, fits, people)):
            if p is None:
                rows.append({"frame": k, "camera": cam, "found": False})
                continue
            # each view is scored against the other three views' reference: its own keypoints, which the
            # refinement fits, take no part in it
            others = [u for u in range(len(cameras)) if u != v]
            ref, _ = person_reference([cameras[u] for u in others], uv[others], w[others], nose_uv[others],
                                      nose_w[others])
            if np.isnan(ref).any():
                print(f"{cam} frame {k}: a joint seen in fewer than two of the other views, not scored")
                rows.append({"frame": k, "camera": cam, "found": True, "scored": False})
                continue
            net = p.network_params if p.network_params is not None else p.params
            # the camera's distance to the person's mid-hips, and the fitted body's pelvis distance scaled from
            # NBF's long lens (the photo camera's focal) to this camera's calibrated one: the body at the mean
            # size seen through the photo's real lens
            true_depth = float((cameras[v].R @ ref[[2, 3]].mean(0) + cameras[v].t)[2])
            row = {"frame": k, "camera": cam, "found": True, "scored": True, "sides_exchanged": bool(swapped[v]),
                   "distance_m": true_depth}
            # the torso's direction as the crop sees it, without any alignment (PA-MPJPE removes the body's turn
            # and lean): the reference turned into this camera, then towards the person's hips
            hips = cameras[v].R @ ref[[2, 3]].mean(0) + cameras[v].t
            ref_torso = as_seen_along_the_ray(cameras[v].R @ torso_direction(ref), hips)
            for name, params in (("network", net), ("refined", p.params)):
                mesh = body.mesh(params)
                row[name] = float(pa_mpjpe(mesh.joints[smpl][None], ref[None])[0]) * 1000
                photo = photo_camera_for(p, params, mesh)
                row[f"{name}_distance_m"] = -float(mesh.joints[0, 2]) * float(cameras[v].K[0, 0]) / photo.focal
                # (the body model's frame is OpenGL's: y up, z towards the viewer)
                fitted = torso_direction(np.asarray(mesh.joints[smpl], np.float64) * np.diag(GL_FROM_CV))
                row[f"{name}_torso_deg"], row[f"{name}_lean_deg"] = torso_errors(fitted, ref_torso)
            if person.world is not None:
                row["blazepose_world"] = float(pa_mpjpe(person.world[limbs][None], ref[None])[0]) * 1000
                seen = torso_direction(np.asarray(person.world[limbs], np.float64))  # (x right, y down, z away)
                row["blazepose_torso_deg"], row["blazepose_lean_deg"] = torso_errors(seen, ref_torso)
            rows.append(row)
            print(json.dumps(row), flush=True)

    scored = [r for r in rows if r.get("scored")]
    lines = [f"# A real person's 3D error: single views against four calibrated cameras ({len(frames)} moments)",
             "",
             f"Measured by `python scripts/eval_multiview.py --out OUT --frames {' '.join(map(str, frames))}` "
             f"(Pose2Sim {VERSION}'s demo; reference: the detector's 12 limb keypoints triangulated; median "
             f"reprojection error {np.median(reproj):.1f} px on 1080 x 1920 frames, all four views).",
             "",
             "PA-MPJPE (mm) over the 12 limb joints (shoulders, elbows, wrists, hips, knees, ankles), mean over the "
             "moments; each view's fit against the reference triangulated from the other three views:",
             "",
             "| camera | views scored | detector's left and right exchanged | network | refined | "
             "BlazePose world landmarks | distance (m): true / network / refined |",
             "|---|---|---|---|---|---|---|"]

    def mean(rs, key, digits=1):
        v = [r[key] for r in rs if key in r]
        return f"{np.mean(v):.{digits}f}" if v else "-"
    for cam in (*CAMERAS, None):
        rs = [r for r in scored if cam is None or r["camera"] == cam]
        total = len([r for r in rows if cam is None or r["camera"] == cam])
        lines.append(f"| {cam or '**all**'} | {len(rs)} of {total} | {sum(r['sides_exchanged'] for r in rs)} | "
                     f"{mean(rs, 'network')} | {mean(rs, 'refined')} | {mean(rs, 'blazepose_world')} | "
                     f"{mean(rs, 'distance_m', 2)} / {mean(rs, 'network_distance_m', 2)} / "
                     f"{mean(rs, 'refined_distance_m', 2)} |")
    lines += ["", "The torso's direction (mid-hips to mid-shoulders) as each view's crop sees it, without alignment: "
                  "the angle to the reference's (degrees, mean), and the error of its lean towards the camera "
                  "(degrees, mean signed: + leans further towards the camera than the man does; mean absolute):", "",
              "| camera | network: angle; lean error, signed / absolute | refined | BlazePose world landmarks |",
              "|---|---|---|---|"]
    for cam in (*CAMERAS, None):
        rs = [r for r in scored if cam is None or r["camera"] == cam]
        cells = []
        for name in ("network", "refined", "blazepose"):
            lean = [r[f"{name}_lean_deg"] for r in rs if f"{name}_lean_deg" in r]
            cells.append(f"{mean(rs, f'{name}_torso_deg')}; {np.mean(lean):+.1f} / {np.mean(np.abs(lean)):.1f}"
                         if lean else "-")
        lines.append(f"| {cam or '**all**'} | " + " | ".join(cells) + " |")
    if scored:
        # the four views of a moment share one pose: the standard error of the refinement's gain over moments
        gain = {}
        for r in scored:
            gain.setdefault(r["frame"], []).append(r["refined"] - r["network"])
        per_moment = np.array([np.mean(g) for g in gain.values()])
        se = per_moment.std(ddof=1) / np.sqrt(len(per_moment)) if len(per_moment) > 1 else float("nan")
        better = sum(r["refined"] < r["network"] for r in scored)
        lines += ["", f"Refined minus network: {np.mean([r['refined'] - r['network'] for r in scored]):+.1f} mm per "
                      f"view (standard error over the {len(per_moment)} moments {se:.1f}), better in {better} of "
                      f"{len(scored)} views."]
    (a.out / "multiview.md").write_text("\n".join(lines) + "\n")
    (a.out / "multiview.json").write_text(json.dumps({"rows": rows, "reprojection_px": reproj}, indent=1))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
