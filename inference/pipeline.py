"""The two-stage NBF predictor: image -> crop -> 12-part segmentation -> SMPL parameters -> mesh.

    p = Predictor()                       # embedded body model, shipped weights, GPU when available
    pred = p.predict("photo.jpg")         # Prediction (inference/types.py)
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .body_model import BodyModel
from .camera import CROP_SIZE, FOCAL
from .crop import apply_crop, crop_for_box
from .errors import (  # noqa: F401 - raised here, defined torch-free
    Cancelled,
    NoPersonFound,
    PersonNotThere,
    PredictionError,
)
from .geometry import matrix_to_axis_angle, project_points, weak_cam_to_translation
from .image_io import ImageError, load_image
from .keypoint_maps import MIRROR_LIMBS, NUM_LIMB_MAPS, keypoint_coords, limb_maps, shifted
from .nets import FitNet, SegNet
from .nets.fit_net import TEST_SHIFTS as FIT_TEST_SHIFTS
from .nets.fit_net import fit_mirror_averaged, shift_part_map, views_averaged
from .nets.fold import fold_batchnorm
from .nets.part_head import PartHead
from .nets.precision import InPrecision, lower_weights, resolve_precision
from .nets.seg_net import part_probabilities, seg_test_shifts
from .parts import MIRROR_LABELS
from .person_evidence import PersonEvidence
from .silhouette import MASK_KEEP
from .types import BodyParams, BoneDirections, Camera, Crop, PartMap, Prediction, Silhouette, Timings
from .upright import torso_turn, turn_map, turn_params, turn_points, turn_probs, turned_crop
from .weights_folder import SHIPPED, damaged_remedy, manifest_remedy, people_weights, script_note, training_run_problem

WEIGHTS_DIR = SHIPPED
MIN_PERSON_FRACTION = 0.01  # of the crop's pixels; below this the segmentation saw no person


def _animals_note(animals: list) -> str | None:
    """Why a search found nobody when it turned figures away as animals (`detect.Person`s, boxes in image px), for
    the "no person found" message: how many, where the first is, and that a person boxed by hand is not checked
    (the app and `predict` each say how to box one); None without figures."""
    if not animals:
        return None
    x0, y0, x1, y1 = (int(round(float(v))) for v in animals[0].box)
    where = f"at x {x0}-{x1}, y {y0}-{y1} px"
    seen = (f"the only figure the person detector found, {where}, looks like an animal" if len(animals) == 1 else
            f"the {len(animals)} figures the person detector found (the first {where}) look like animals")
    return (f"{seen} to ImageNet's classifier and {'was' if len(animals) == 1 else 'were'} set aside; a person "
            f"boxed by hand is not checked for animals")


def pick_device(device: str = "auto") -> torch.device:
    """"auto" (CUDA when torch sees a device, else the CPU), "cpu", "cuda" or "gpu", "cuda:N"; PredictionError for
    another name or a CUDA device torch does not see (torch's own errors were an AssertionError for "cuda:0" on a
    CPU build and a RuntimeError listing torch's device types)."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = "cuda" if device == "gpu" else str(device)
    kind, _, index = name.partition(":")
    if kind not in ("cpu", "cuda") or (index and (kind == "cpu" or not re.fullmatch(r"[0-9]+", index))):
        raise PredictionError(f"unknown device {device!r}: auto, cpu, cuda (or gpu) or cuda:N")
    if kind == "cuda" and not torch.cuda.is_available():
        raise PredictionError("GPU requested but torch sees no CUDA device")
    if index and int(index) >= torch.cuda.device_count():
        raise PredictionError(f"no CUDA device {index}: torch sees {torch.cuda.device_count()}")
    return torch.device(name)


def load_weights(path: Path, device: torch.device) -> dict:
    """A shipped or trained checkpoint {'model': state_dict, ...}; weights stored in half precision are widened.

    A folder with a manifest (models.json, written by scripts/package_weights.py) has the file checked
    against the size and SHA-256 recorded there first; weights holding NaN or infinite values are refused."""
    from .integrity import ModelFileError, check_files, load_refusal

    folder = Path(path).parent
    if not Path(path).exists():
        raise PredictionError(f"weights not found: {path} (train them with `python main.py train-seg/train-fit`"
                              f"{script_note()}, see resources/weights/MODEL_CARD.md)")
    try:  # (the remedy: git for the shipped folder, the manifest recorded again for a folder of the user's)
        check_files(folder, (Path(path).name,), manifest_remedy(folder))
    except ModelFileError as exc:
        raise PredictionError(str(exc)) from None
    try:
        ck = torch.load(path, map_location=device, weights_only=True)  # tensors and plain data only: runs no code
    except Exception as exc:  # noqa: BLE001 - any corrupt file
        raise PredictionError(f"cannot load weights {path}: {load_refusal(exc)}") from None
    if not (isinstance(ck, dict) and isinstance(ck.get("model"), dict)):  # a checkpoint, but not one of ours
        raise PredictionError(f"cannot load weights {path}: a PyTorch file without the network's weights under "
                              f"'model' (a bare state_dict? make one with scripts/package_weights.py{script_note()})")
    ck["model"] = {k: v.float() if getattr(v, "is_floating_point", lambda: False)() else v
                   for k, v in ck["model"].items()}
    bad = [k for k, v in ck["model"].items() if v.is_floating_point() and not bool(torch.isfinite(v).all())]
    if bad:
        raise PredictionError(f"weights {path} are damaged: {len(bad)} tensor(s) hold NaN or infinite values "
                              f"({', '.join(bad[:3])}{', ...' if len(bad) > 3 else ''}); {damaged_remedy(folder)}")
    return ck


def box_inside(box: tuple[float, float, float, float], shape: tuple[int, ...]) -> tuple[float, float, float, float]:
    """A user's box (x0, y0, x1, y1 image px, corners in any order) clipped to an image of `shape` (H, W, ...);
    PredictionError when nothing of it lies inside or what does is too small to find a person in."""
    from .detect import MIN_BOX_PX

    h, w = shape[:2]
    x0, x1 = sorted(min(max(float(v), 0.0), w) for v in (box[0], box[2]))
    y0, y1 = sorted(min(max(float(v), 0.0), h) for v in (box[1], box[3]))
    if x1 - x0 <= 0 or y1 - y0 <= 0:
        bx = ", ".join(f"{float(v):.0f}" for v in box)
        raise PredictionError(f"the box ({bx}) lies outside the {w} x {h} px image")
    if x1 - x0 < MIN_BOX_PX or y1 - y0 < MIN_BOX_PX:
        raise PredictionError(f"the box ({x1 - x0:.0f} x {y1 - y0:.0f} px inside the image) is too small to "
                              "find a person in")
    return x0, y0, x1, y1



def weights_mismatch(net, state: dict, other=None) -> str:
    """Why the weights `state` (name -> tensor) do not load into `net`, in one line: the other network's
    weights (seg.pt and fit.pt exchanged), else how many are missing, unexpected or of another shape, with the
    first of each (torch's own message is a page of names, and its first line says only "Error(s) in loading")."""
    own = net.state_dict()
    if other is not None and set(state) == set(other.state_dict()):
        return (f"these are the {type(other).__name__}'s weights: are seg.pt and fit.pt exchanged?")
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [k for k in own if k in state and tuple(own[k].shape) != tuple(getattr(state[k], "shape", ()))]
    said = [f"{len(ks)} {what} (first: {ks[0]})" for ks, what in
            ((missing, "missing"), (unexpected, "unexpected"), (shapes, "of another shape")) if ks]
    return "; ".join(said) or "the weights do not load"

class Predictor(PersonEvidence):
    """Runs both NBF stages on one image at a time; whether there is a person to run them on, with the
    segmentation's say (`people`, `person_without_detection`): `inference.person_evidence.PersonEvidence`.

    Images are paths or RGB arrays (`inference.image_io.load_image`: an OpenCV BGR array must be turned to RGB first,
    or the fit is of other colours). body_model: the embedded model (default) or `BodyModel(path)` of a real SMPL
    file. device: "auto" (CUDA when torch sees one), "cpu", "cuda". refine: fit the network's body to the detector's
    keypoints, 3D landmarks and silhouette (`inference.refine`), as the app and `main.py predict` do by default;
    False (the default here) gives the network's own answer, the paper's method (`Prediction.refined` says whether
    the body moved; `refined_params` refines a prediction afterwards as `predict` would have). detect: "auto" (the
    person detector when installed), "off" (the whole image is one person's crop). upright: read a person leaning 40
    degrees or more with the crop turned upright (`inference.upright`).
    weights_dir holds seg.pt and fit.pt (default resources/weights; a training run's folder is refused with how to
    package it, `inference.weights_folder`), and people.pt, the person detector's proposer, when it has its own;
    `warnings` lists problems found at load (e.g. weights
    trained for another body model). flip_test: both networks also read the mirrored input and their
    answers are averaged (segmentation: probabilities; fitting: `nets.fit_net.fit_mirror_averaged`), and the
    segmentation reads slightly shifted copies of its input too: those seg.pt names under "test_shifts"
    (scripts/package_weights.py --seg-shifts), else `nets.seg_net.SHIFTS`; the fitting network reads its part
    map moved by a few pixels (`nets.fit_net.TEST_SHIFTS`). precision: the networks' number format, "auto"
    (bfloat16 on a CPU with bfloat16 units, AMX or AVX512-BF16, else float32; `nets.precision.resolve_precision`),
    "float32" or "bfloat16".
    part_head: apply the weights folder's part_head.pt to the segmentation's answer when it holds one
    (`nets.part_head`; the shipped folder holds none: docs/segmentation.md, "A part head after the segmentation").
    unseen_legs: the Prediction's part map has the leg labels of a half-length person whose legs the detector puts
    outside the photo absent (`unseen_legs.without_unseen_legs`, `PartMap.absent`), after the fit and refinement have
    read it as painted (`PartMap.painted()` gives that map back).
    """

    def __init__(self, body_model: BodyModel | None = None, weights_dir: Path | None = None, device: str = "auto",
                 refine: bool = False, detect: str = "auto", flip_test: bool = True, upright: bool = True,
                 precision: str = "auto", part_head: bool = True, unseen_legs: bool = True):
        self.device = pick_device(device)
        try:  # the networks' number format (`nets.precision`): bfloat16 on CPUs with bfloat16 units
            self.precision = resolve_precision(precision, self.device)
        except ValueError as exc:
            raise PredictionError(str(exc)) from None
        self.warnings: list[str] = []
        if precision == "bfloat16" and self.precision != precision:
            self.warnings.append(f"bfloat16 is a CPU format here: the networks run in float32 on {self.device}")
        self.body_model = (body_model or BodyModel()).to(self.device)
        self.weights_dir = Path(weights_dir) if weights_dir is not None else WEIGHTS_DIR
        self.refine = refine
        if refine:  # refinement reads the pose priors: a missing or damaged one refuses here, in one line naming it
            from .pose_priors import check_priors  # (PriorFileError), not as a traceback at the first photo's fit

            check_priors()
        self.flip_test = flip_test
        self.upright = upright  # a leaning person's crop turned upright for the networks (inference/upright.py)
        # the part map a user sees and the files hold, without the leg labels a half-length photo cannot show
        # (inference/unseen_legs.py); the networks and the refinement read the map as the segmentation gave it
        self.unseen_legs = unseen_legs
        run = training_run_problem(self.weights_dir, "weights_dir")
        if run:  # a training run's folder: how to package it, not "weights not found ... train them"
            raise PredictionError(run)
        seg = load_weights(self.weights_dir / "seg.pt", self.device)
        fit = load_weights(self.weights_dir / "fit.pt", self.device)
        self.seg_res = int(seg.get("res", 128))
        try:
            self.seg_shifts = seg_test_shifts(seg)
        except ValueError as exc:
            raise PredictionError(f"{self.weights_dir / 'seg.pt'}: {exc}") from None
        self._mirror = torch.as_tensor(MIRROR_LABELS, device=self.device)
        self._mirror_limbs = torch.as_tensor(MIRROR_LIMBS, device=self.device)
        self.fit_res = int(fit.get("res", 64))
        self.n_parts = int(fit.get("n_parts", 12))
        self.seg_net = SegNet.for_checkpoint(seg).to(self.device).eval()
        self.limb_channels = int(seg.get("limb_channels", 0))  # > 0: the network reads detector keypoints
        self.fit_limbs = int(fit.get("limb_channels", 0))  # > 0: the fitting network reads detector keypoints too
        self.fit_net = FitNet(in_channels=self.n_parts + 1 + self.fit_limbs, res=self.fit_res,
                              coords=bool(fit.get("coords", False))).to(self.device).eval()
        # the fitting input's channels in a mirrored map: part labels, then limb planes, left <-> right
        self._mirror_fit = None if self.n_parts != 12 else torch.as_tensor(
            np.concatenate([MIRROR_LABELS, 13 + MIRROR_LIMBS[:self.fit_limbs]]), device=self.device)
        pair = ((self.seg_net, seg, "seg.pt", self.fit_net), (self.fit_net, fit, "fit.pt", self.seg_net))
        for net, ck, name, other in pair:
            try:
                net.load_state_dict(ck["model"])
            except RuntimeError:
                raise PredictionError(f"{self.weights_dir / name} does not match the {type(net).__name__} "
                                      f"architecture: {weights_mismatch(net, ck['model'], other)}") from None
        # inference only: BatchNorm folded into the convolutions, channels-last activations (faster on CPU), the
        # weights in the networks' precision: with bfloat16 weights a network runs only through
        # `InPrecision(net, self.precision)`, as `segment` and `fit` call it
        for net in (self.seg_net, self.fit_net):
            lower_weights(fold_batchnorm(net).to(memory_format=torch.channels_last), self.precision)
        # the part head (nets/part_head.py) corrects the segmentation's answer where it is unlike a body; a weights
        # folder without part_head.pt (or part_head=False: its own training data) keeps the answer as it is
        self.part_head = None
        head_path = self.weights_dir / "part_head.pt"
        if part_head and head_path.exists():
            head = load_weights(head_path, self.device)
            self.part_head = PartHead(width=int(head.get("width", 32))).to(self.device).eval()
            try:
                self.part_head.load_state_dict(head["model"])
            except RuntimeError:
                raise PredictionError(f"{head_path} does not match the PartHead architecture: "
                                      f"{weights_mismatch(self.part_head, head['model'])}") from None
        trained_for = fit.get("body_model")
        if trained_for and trained_for != self.body_model.fingerprint():
            self.warnings.append(f"the fitting weights were trained for another body model ({trained_for}); "
                                 f"{self.body_model.name} is in use, so shapes and joints may be off")
        self.focal, self.size = FOCAL, CROP_SIZE
        # (person, photo fingerprint, crop, parts) of recent `part_agreement` calls: a skeleton asked about twice is
        # segmented once. (Not reused by `predict`: the person the search returns carries the mirror's second look at
        # the keypoints, `PersonDetector.second_look`, so their map is made again from those.)
        self._witnessed: list = []
        self.detector = None
        if detect not in ("auto", "on", "off"):
            raise PredictionError(f"detect must be auto, on or off, not {detect!r}")
        if detect != "off":
            from .detect import DetectorUnavailable

            try:
                from .detect import shared_detector

                # the proposer of the weights folder when it holds one (packaged with its networks), else the shipped
                people = people_weights(self.weights_dir)
                self.detector = shared_detector() if people is None else shared_detector(people=people)
                self.warnings += self.detector.problems
            except DetectorUnavailable as exc:
                if detect == "on":
                    raise PredictionError(str(exc)) from None
                self.warnings.append(f"no person detector ({exc}); the whole image is used as the crop")

    def _person_parts(self, crop_image: np.ndarray, joints2d: np.ndarray | None, conf: np.ndarray | None,
                      mask_crop: np.ndarray | None, photo_mask: Silhouette | None = None) -> PartMap:
        """The part map of a crop (S, S, 3) read with the person's keypoints (`segment`) and restricted to their
        silhouette mask_crop (S, S) (`detect.person_inputs.restrict_parts`; None: as segmented); photo_mask, the
        silhouette in the photo's frame, goes with the map for its photo-frame version."""
        from .detect.person_inputs import restrict_parts

        return restrict_parts(self.segment(crop_image, joints2d, conf), mask_crop, photo_mask=photo_mask)

    def _turned_parts(self, rgb: np.ndarray, crop: Crop, turn: float, joints2d: np.ndarray, conf: np.ndarray,
                      mask_crop: np.ndarray | None, photo_mask: Silhouette | None
                      ) -> tuple[PartMap, tuple[np.ndarray, np.ndarray, np.ndarray], float]:
        """A leaning person read in their crop turned upright by `turn` degrees (`inference.upright`): (the part
        map turned back onto the crop, as `_person_parts` gives it; the fitting network's input in the turned crop,
        (labels (r, r), joints2d (14, 2), conf (14,)), whose answer `turn_params` brings back; the segmentation
        network's own confidence in the turned crop, `PartMap.confidence`). joints2d, conf and mask_crop (S, S) are
        the person's in the crop (`crop_inputs`)."""
        from .detect.person_inputs import restrict_parts

        size = crop.size
        j = turn_points(joints2d, turn, size)
        # a keypoint the turn takes out of the crop is missing there, as `crop_inputs` marks those outside the crop
        c = np.where(((j < 0) | (j > size)).any(1), 0.0, conf).astype(np.float32)
        raw = self.segment(turned_crop(rgb, crop, turn), j, c)
        mask = None if mask_crop is None else turn_map(mask_crop, turn)
        read = restrict_parts(raw, mask)
        # a network that paints no part inside the person is not sure of anything (`PartMap.confidence` says 1.0)
        painted = raw.labels > 0
        if mask is not None:
            r = raw.labels.shape[0]
            painted &= cv2.resize(mask, (r, r), interpolation=cv2.INTER_AREA) > MASK_KEEP
        confidence = read.confidence() if painted.any() else 0.0
        probs = turn_probs(raw.probs, -turn)
        back = PartMap(probs.argmax(0).astype(np.uint8), probs)
        return restrict_parts(back, mask_crop, photo_mask=photo_mask), (read.labels, j, c), confidence

    # ------------------------------------------------------------------ stages
    @torch.no_grad()
    def segment(self, crop_image: np.ndarray, joints2d: np.ndarray | None = None,
                conf: np.ndarray | None = None) -> PartMap:
        """Crop (S, S, 3) uint8 -> PartMap at the segmentation resolution (labels (r, r), probs (13, r, r)).

        joints2d (14, 2) crop pixels and conf (14,) (`detect.person_inputs.crop_inputs`): the detector's keypoints,
        drawn as limb maps for a keypoint-conditioned network (ignored by an RGB-only one); a keypoint
        with conf 0 is missing, and without keypoints the network runs on the image alone."""
        x = cv2.resize(crop_image, (self.seg_res, self.seg_res), interpolation=cv2.INTER_AREA)
        t = torch.as_tensor(x, device=self.device).permute(2, 0, 1)[None].float().div(255)
        limbs = None
        if self.limb_channels and joints2d is not None and conf is not None:
            j = torch.as_tensor(np.asarray(joints2d, np.float32)[None], device=self.device)
            v = torch.as_tensor(np.asarray(conf)[None] > 0, device=self.device)
            limbs = limb_maps(j, v, self.seg_res, crop_image.shape[0]).contiguous(memory_format=torch.channels_last)
        # flip_test: averaged with the mirrored image's answer (limb maps mirrored with it) and shifted views'
        probs = part_probabilities(InPrecision(self.seg_net, self.precision), t,
                                   self._mirror if self.flip_test else None, limbs, self._mirror_limbs,
                                   self.seg_shifts if self.flip_test else ())
        if self.part_head is not None:
            probs = self.part_head.correct(probs)
        probs = probs[0].cpu().numpy()
        # numpy's argmax over the 13 classes: 0.5 ms on one core, against 2.2 ms for torch's
        return PartMap(probs.argmax(0).astype(np.uint8), probs)

    @torch.no_grad()
    def fit(self, labels: np.ndarray, joints2d: np.ndarray | None = None, conf: np.ndarray | None = None) -> BodyParams:
        """Label map (r, r) 0..12 -> SMPL parameters in the crop camera. joints2d (14, 2) crop pixels and
        conf (14,): the detector's keypoints, read by a keypoint-conditioned fitting network. With flip_test the
        answer is averaged over the map's moved views (`nets.fit_net.TEST_SHIFTS`) and their mirror images."""
        lab = cv2.resize(labels, (self.fit_res, self.fit_res), interpolation=cv2.INTER_NEAREST)
        onehot = F.one_hot(torch.as_tensor(lab, device=self.device).long(), 13).permute(2, 0, 1)[None].float()
        if self.fit_limbs:
            if joints2d is None or conf is None:
                j = torch.zeros(1, 14, 2, device=self.device)
                v = torch.zeros(1, 14, dtype=torch.bool, device=self.device)
            else:
                j = torch.as_tensor(np.asarray(joints2d, np.float32)[None], device=self.device)
                v = torch.as_tensor(np.asarray(conf)[None] > 0, device=self.device)
        # the map and its moved views (TEST_SHIFTS), keypoints moved with the map, in one batch; the limb planes
        # of every view are windows of one set drawn over the map and a border as wide as the largest move
        views = FIT_TEST_SHIFTS if self.flip_test else ((0, 0),)
        pad = max(max(abs(dx), abs(dy)) for dx, dy in views)
        if self.fit_limbs:  # (no keypoint: every plane is zero, nothing to draw)
            limbs = (limb_maps(j, v, self.fit_res, self.size, pad=pad) if bool(v.any()) else
                     torch.zeros(1, NUM_LIMB_MAPS, self.fit_res + 2 * pad, self.fit_res + 2 * pad, device=self.device))
        xs, cs = [], []
        for dx, dy in views:
            x = shift_part_map(onehot, dx, dy)
            if self.fit_limbs:
                x = torch.cat([x, shifted(limbs, pad, dx, dy)], 1)
                if self.fit_net.coords:
                    step = torch.tensor([dx, dy], dtype=torch.float32, device=self.device) * (self.size / self.fit_res)
                    jv = j + step
                    cs.append(keypoint_coords(jv, v, self.size))
            xs.append(x)
        x, coords = torch.cat(xs), (torch.cat(cs) if cs else None)
        net = InPrecision(self.fit_net, self.precision)
        if self.flip_test and self._mirror_fit is not None:  # with the mirrored map's answer, as in segment
            # left unprojected: views_averaged projects the mean of all the views' answers to a rotation once
            rot, betas, cam = fit_mirror_averaged(net, x, self._mirror_fit, coords, project=False)
        else:
            rot, betas, cam = net(x, coords)
        rot, betas, cam = views_averaged(rot, betas, cam)
        aa = matrix_to_axis_angle(rot[0]).reshape(72).cpu().numpy()
        t = weak_cam_to_translation(cam, self.focal, self.size)[0].cpu().numpy()
        return BodyParams.from_pose(aa, betas[0].cpu().numpy(), t)

    # ------------------------------------------------------------------ all
    def predict(self, image: np.ndarray | str | Path, box: tuple[float, float, float, float] | None = None,
                cancel: Callable[[], bool] | None = None, person: int = 0, found=None,
                crop: Crop | None = None, require_person: bool = True) -> Prediction:
        """Run the model on an image (path or (H, W, 3) RGB array: `load_image`) -> Prediction.

        With a person detector, the `person`-th person found (largest first) is cropped, the segmentation
        reads its keypoints, the parts are restricted to its silhouette and refinement uses its keypoints;
        `found` (a detect.Person already detected on this image) is used instead of running the detector;
        `box` (x0, y0, x1, y1) forces a crop, and `person` -1 the whole image as one person's crop: neither
        searches for people. Raises PredictionError with a user-facing message, also when no person is found
        (a search that finds nobody, in a photo that is not clearly one person's crop:
        `PersonEvidence.one_person_image`; an empty part map), unless require_person is False (an evaluation,
        which scores the network's answer on every case).
        """
        if person < -1:
            raise ValueError(f"person must be 0, 1, ... (a detected person) or -1 (the whole image), not {person}")
        cancel = cancel or (lambda: False)
        t0 = time.perf_counter()
        try:
            rgb = load_image(image)
        except ImageError as exc:
            raise PredictionError(str(exc)) from None
        people, joints2d, conf, mask_crop, bones, animals = (), None, None, None, None, ()
        searched = False
        if found is not None:
            people, person = (found,), 0
            if box is None:
                from .detect.person_inputs import body_box

                box = tuple(float(v) for v in body_box(found, rgb.shape))
        elif box is None and self.detector is not None and person >= 0:
            people, searched = self.people(rgb, cancel), True
            animals = tuple(self.detector.set_aside(rgb))
            if people:
                if not 0 <= person < len(people):
                    raise PersonNotThere(person + 1, len(people))
                found = people[person]
                from .detect.person_inputs import body_box

                box = tuple(float(v) for v in body_box(found, rgb.shape))
            # nobody detected: the whole image is the crop (see the check after segmentation)
        td = time.perf_counter()
        crop = crop if crop is not None else crop_for_box(box, rgb.shape, self.size)
        crop_img = apply_crop(rgb, crop)
        if found is not None:
            from .detect.person_inputs import crop_inputs, world_bones

            joints2d, conf, mask_crop = crop_inputs(found, crop, rgb.shape)
            bones = world_bones(found)
        t1 = time.perf_counter()
        if cancel():
            raise Cancelled("cancelled")
        turn = torso_turn(joints2d, conf) if self.upright else 0.0
        parts = self._person_parts(crop_img, joints2d, conf, mask_crop, found.mask if found is not None else None)
        fit_in = (parts.labels, joints2d, conf)
        if turn:
            turned, turned_in, confidence = self._turned_parts(rgb, crop, turn, joints2d, conf, mask_crop, found.mask)
            # the reading the segmentation network is surer of: a skeleton the detector drew upside down (hands
            # taken for feet) or a person bending over with upright legs reads better as the crop is. (Found only
            # with keypoints, so `found` is set here.) A turned reading that paints under half the body is no
            # reading: its few pixels can be sure of themselves.
            if confidence > parts.confidence() and 2 * (turned_in[0] > 0).sum() >= (parts.labels > 0).sum():
                parts, fit_in = turned, turned_in
            else:
                turn = 0.0
        fg = float((parts.labels > 0).mean())
        if require_person and (fg < MIN_PERSON_FRACTION or (searched and found is None
                                                            and not self.one_person_image(rgb, parts))):
            why = ("neither the person detector nor the segmentation found one" if searched and found is None
                   else "the segmentation painted no body part inside the detected person's silhouette"
                   if found is not None else "the segmentation is empty")
            if found is None:  # the figures turned away are the news (with a person found they are by the way)
                why = _animals_note(list(animals)) or why
            raise NoPersonFound(f"no person found in the image ({why})", set_aside=[a.box[:4] for a in animals])
        t2 = time.perf_counter()
        if cancel():
            raise Cancelled("cancelled")
        params = self.fit(*fit_in)
        if turn:  # from the turned crop's camera back to the crop's
            params = turn_params(params, -turn, self.body_model)
        t3 = time.perf_counter()
        mesh = self.body_model.mesh(params)
        t4 = time.perf_counter()
        refined, t_ref, network_params, network_mesh = False, 0.0, None, None
        if self.refine:
            network_params, network_mesh = params, mesh
            params = self._refine_fit(params, parts, joints2d, conf, mask_crop, bones, crop.photo_area(rgb.shape),
                                      cancel)
            if cancel():
                raise Cancelled("cancelled")
            if params is network_params:  # kept as it was (no detector evidence, or the pose check said no)
                network_params, network_mesh = None, None
            else:
                mesh = self.body_model.mesh(params)
                refined = True
            t_ref = time.perf_counter() - t4
        if found is not None and self.unseen_legs:
            from .unseen_legs import without_unseen_legs

            parts = without_unseen_legs(parts, joints2d, conf, crop.photo_area(rgb.shape))
        j2d = project_points(mesh.joints, self.focal, self.size)
        return Prediction(image=rgb, crop=crop, crop_image=crop_img, parts=parts, params=params, mesh=mesh,
                          camera=Camera(self.focal, self.size), joints2d=np.asarray(j2d, np.float32),
                          timings=Timings(detect=td - t0, crop=t1 - td, segment=t2 - t1, fit=t3 - t2, body=t4 - t3,
                                          refine=t_ref),
                          refined=refined, network_params=network_params, network_mesh=network_mesh,
                          source=str(image) if isinstance(image, (str, Path)) else "",
                          people=people, person=person if found is not None else -1, searched=searched, turn=turn,
                          set_aside=animals)

    def refined_params(self, prediction: Prediction, person: int | None = None,
                       cancel: Callable[[], bool] | None = None, **options) -> BodyParams:
        """The fitting network's body of `prediction` (one of this Predictor's) refined as `predict` refines it with
        refinement on: towards the person's keypoints, silhouette and 3D bones in the prediction's crop, on the part
        map the networks read (`PartMap.painted`). With refinement on in `predict` the answer is the prediction's own
        body. person: which of `prediction.people` gives the evidence (None: the prediction's own person; without one
        there is nothing to refine towards, and the network's body comes back). options: `inference.refine.refine_fit`
        keywords beside or in place of the person's evidence (a study's `weights`, `max_energy_rise`, other
        `joints2d` and `conf`). Returns the refined BodyParams, or the network's own (the same object) where the
        refinement keeps it; raises Cancelled when `cancel()` turns true meanwhile."""
        from .detect.person_inputs import crop_inputs, world_bones

        k = prediction.person if person is None else person
        if k >= len(prediction.people):
            raise PersonNotThere(k + 1, len(prediction.people))
        found = prediction.people[k] if k >= 0 else None
        joints2d, conf, mask_crop = (crop_inputs(found, prediction.crop, prediction.image.shape) if found is not None
                                     else (None, None, None))
        bones = world_bones(found) if found is not None else None
        network = prediction.network_params if prediction.refined else prediction.params
        refined = self._refine_fit(network, prediction.parts.painted(), joints2d, conf, mask_crop, bones,
                                   prediction.crop.photo_area(prediction.image.shape), cancel, **options)
        if cancel is not None and cancel():  # a refinement cut short is no answer, as in `predict`
            raise Cancelled("cancelled")
        return refined

    def _refine_fit(self, params: BodyParams, parts: PartMap, joints2d: np.ndarray | None, conf: np.ndarray | None,
                    mask_crop: np.ndarray | None, bones: BoneDirections | None, photo_area: np.ndarray,
                    cancel: Callable[[], bool] | None = None, /, **options) -> BodyParams:
        """`inference.refine.refine_fit` of the network's `params` on the crop's part map, with a person's evidence in
        the crop (`detect.person_inputs.crop_inputs`: joints2d (14, 2), conf (14,), mask_crop (S, S); `world_bones`),
        photo_area (S, S) bool (`Crop.photo_area`); `options` are refine_fit keywords that add to or replace these
        (the evidence is positional only, so that `joints2d=` among them replaces the person's keypoints).
        What `predict` and `refined_params` both call: one list of the refinement's inputs."""
        from .refine import refine_fit

        evidence = dict(joints2d=joints2d, conf=conf, silhouette=None if mask_crop is None else mask_crop > 0.5,
                        photo_area=photo_area, bones=bones, cancel=cancel)
        return refine_fit(self.body_model, params, parts, self.focal, self.size, **{**evidence, **options})

    def predict_each(self, image: np.ndarray | str | Path, max_people: int | None = None) -> Iterator[Prediction]:
        """The Prediction of each person of an image ((H, W, 3) uint8 RGB or a path), the default person first
        (`predict(image, person=k)` for
        k = 0, 1, ...; the search runs once: the detector keeps its last results), at most `max_people`. A
        PredictionError (nobody found, or a person that cannot be fitted) ends the iteration by propagating:
        the caller decides what a failure is (a row of its own, or the people so far)."""
        if max_people is not None and max_people < 1:
            raise ValueError(f"max_people must be at least 1 (or None: everyone), not {max_people}")
        try:
            rgb = load_image(image)
        except ImageError as exc:
            raise PredictionError(str(exc)) from None
        k, n = 0, 1
        while k < n and (max_people is None or k < max_people):
            p = self.predict(rgb, person=k)
            n = max(1, len(p.people))
            yield replace(p, source=str(image)) if isinstance(image, (str, Path)) else p
            k += 1

    def predict_box(self, image: np.ndarray | str | Path, box: tuple[float, float, float, float],
                    cancel: Callable[[], bool] | None = None) -> Prediction:
        """The person a user boxed (x0, y0, x1, y1 image px) in an image (path or (H, W, 3) array) -> Prediction: one
        the search missed. The landmark model is asked for a person in the box (`PersonDetector.person_in_box`: the
        user's word stands for the search's witnesses); found and fitted, they join the search's people of this image,
        last (`PersonDetector.add_person`), and `predict(image, person=k)` asks for them again by that index; a box
        around a person the search found fits that person. NoPersonFound when the landmark model sees nobody there
        (a box that cuts the person off, or holds several people, often finds nobody: box one whole person).
        Without a detector the box is the crop and the network reads it alone (person -1, nothing to refine towards)."""
        try:
            rgb = load_image(image)
        except ImageError as exc:
            raise PredictionError(str(exc)) from None
        x0, y0, x1, y1 = box_inside(box, rgb.shape)
        if self.detector is None:
            p = self.predict(rgb, box=(x0, y0, x1, y1), person=-1, cancel=cancel, require_person=False)
            return replace(p, source=str(image) if isinstance(image, (str, Path)) else "")
        t = time.perf_counter()
        people = list(self.people(rgb, cancel))  # the search first (kept by the detector): the boxed person joins it
        found = self.detector.person_in_box(rgb, (x0, y0, x1, y1))
        if found is None:
            # (a person whose head the photo cuts off is the landmark model's blind spot: docs/crowds.md)
            raise NoPersonFound(f"no person found in the box ({x1 - x0:.0f} x {y1 - y0:.0f} px): draw it around "
                                "the whole person, head to feet (a person whose head the photo cuts off, or who is "
                                "mostly hidden behind someone, is often not seen)")
        from .detect.merging import same_person

        k = next((j for j, q in enumerate(people) if same_person(q, found)), None)
        t_search = time.perf_counter() - t
        if k is not None:  # someone the search found: that person
            p = self.predict(rgb, person=k, cancel=cancel)
        else:  # fitted first, then kept with the image's people (a cancelled or failed fit leaves nobody behind)
            p = self.predict(rgb, found=found, cancel=cancel)
            self.detector.add_person(rgb, found)
            people = list(self.people(rgb))
            p = replace(p, people=tuple(people), person=next(j for j, q in enumerate(people) if q is found))
        return replace(p, timings=replace(p.timings, detect=p.timings.detect + t_search),
                       source=str(image) if isinstance(image, (str, Path)) else "")

    def recall_boxes(self, image: np.ndarray | str | Path,
                     boxes: Sequence[tuple[float, float, float, float]]) -> tuple[int | None, ...]:
        """Boxes a user drew on this image (path or (H, W, 3) array) in an earlier process, in the order their people
        were fitted (x0, y0, x1, y1 image px each) -> each box's index among the image's people (`people`), None
        where the landmark model sees nobody in it now or the box is unusable. Each boxed person joins the image's
        people as `predict_box` added them, unless the search lists them already: a later `predict_box` then knows a
        box around one of them and lists a new person after them. () without a detector; PredictionError for an
        unreadable image."""
        if self.detector is None or not boxes:
            return ()
        try:
            rgb = load_image(image)
        except ImageError as exc:
            raise PredictionError(str(exc)) from None
        from .detect.merging import same_person

        people, at = list(self.people(rgb)), []
        for box in boxes:
            try:
                found = self.detector.person_in_box(rgb, box_inside(box, rgb.shape))
            except PredictionError:
                found = None
            k = None if found is None else next((j for j, q in enumerate(people) if same_person(q, found)), None)
            if found is not None and k is None:
                self.detector.add_person(rgb, found)
                people = list(self.people(rgb))
                k = next(j for j, q in enumerate(people) if q is found)
            at.append(k)
        return tuple(at)

    def predict_case(self, image: np.ndarray | str | Path, cancel: Callable[[], bool] | None = None) -> Prediction:
        """A dataset case's image (path or (H, W, 3) array), already one person's crop (UP-3D, the synthetic splits) ->
        Prediction, as `main.py evaluate`, `training.pipeline_parts` and the app's Dataset tab score it.

        The whole image is the network's crop, read with the first person the search finds (`people`: their
        keypoints and silhouette); with nobody found, or nothing of the part map left inside their
        silhouette, the network's answer on the image alone: scored, not dropped (`person` -1, `people`
        still whom the search found). `timings.detect` holds the search's time either way."""
        try:
            rgb = load_image(image)
        except ImageError as exc:
            raise PredictionError(str(exc)) from None
        frame = crop_for_box(None, rgb.shape, self.size)
        t = time.perf_counter()
        people = self.people(rgb, cancel)
        t_search = time.perf_counter() - t
        try:  # person -1: the whole image, no second search
            p = self.predict(rgb, crop=frame, found=people[0] if people else None, person=0 if people else -1,
                             cancel=cancel, require_person=bool(people))
        except NoPersonFound:  # the person's silhouette left no part: the image alone
            p = self.predict(rgb, crop=frame, person=-1, cancel=cancel, require_person=False)
        return replace(p, people=people, timings=replace(p.timings, detect=p.timings.detect + t_search), searched=True,
                       source=str(image) if isinstance(image, (str, Path)) else "")
