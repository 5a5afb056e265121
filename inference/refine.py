"""Test-time refinement (NBF's stated future work): start from the network's fit and optimise pose,
shape and translation so the body's parts land on the predicted part map (and on 2D keypoints when a
detector supplies them), staying close to the network's estimate."""
from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np

from .detect import LSP_FROM_BLAZEPOSE
from .keypoint_maps import MIRROR_KEYPOINTS
from .optimize import FitWeights, fit_smpl
from .types import BodyParams, BoneDirections, PartMap

# Weights at the two ends of the trust range (see `TRUST_CONFIDENCE`). Trusted: a strong pull
# towards the network's pose (stay) and a light part term, so 2D evidence corrects the network's answer
# rather than replacing it. Tuned for PA-MPJPE on synthetic test cases 100-149, apart from the cases
# 0-99 that `main.py evaluate` reports (measurements in resources/weights/MODEL_CARD.md).
REFINE_WEIGHTS = FitWeights(joints=1.0, parts=0.3, pose_prior=(0.3, 0.1), shape_prior=0.05, bend=0.5, stay=4.0,
                            fix_depth=True, iters=30, lr=0.01, silhouette=1.0, bones=3.0, cover=1.0, beta_wall=10.0,
                            cover_margin=0.02)
# Untrusted: the detector leads: its keypoints, its 3D bone directions (which decide what the keypoints
# leave open: lean, sit or stand) and its silhouette, with the body inside the person's mask but
# covering only its core (loose clothes and hair fill the rest), and a larger step. Chosen by looking at
# the front and side views of the photos in resources/photos and by PCK and mask IoU there
# (scripts/eval_real_photos.py; figures in the model card).
UNTRUSTED = {"parts": 1.0, "stay": 0.5, "silhouette": 200.0, "joints": 3.0, "iters": 30, "lr": 0.03,
             "bones": 100.0, "cover": 0.3}
# Mean winning-class probability over the body's pixels below which the network is not trusted at all,
# and above which fully, as the shipped segmentation network scores them: the low end just above the
# best-scoring real photo, the high end near the 10th percentile of synthetic people read without the detector
# (0.704; model card, stop 27). Read with the detector's keypoints and silhouette, as `main.py evaluate` and
# scripts/seg_confidence.py read them, that percentile is 0.78 (model card, stop 32), the high end of
# KEYPOINT_GATE_CONFIDENCE; the ramp has not been measured at that end. Move both ends when the segmentation
# weights change.
# Real photos score lower than synthetic people because their segmentations are poorer, and so are the
# fits made from them (the network's fit misses a photo's detected keypoints by about twice as many
# pixels as a synthetic person's), so there the detector should lead. The measure is the network's own
# confidence, before the detector's silhouette is weighed in (`PartMap.network_confidence`).
TRUST_CONFIDENCE = (0.67, 0.71)
# Part-map confidence from which a keypoint that lies off its own parts starts to lose its weight, and at
# which it has none: from the trusted end to the 10th percentile of synthetic people as `main.py evaluate`
# runs them (0.78, scripts/seg_confidence.py). On real photos the keypoints are right more often than the
# part map (model card, "the part map weighed against the detector's silhouette").
KEYPOINT_GATE_CONFIDENCE = (0.71, 0.78)
# vertices sampled for the part and silhouette terms (each): the cost of a step grows with them, and
# 400 fit as well as 800 on the tuning cases (model card)
REFINE_VERTICES = 400
# A trusted network's refinement is rejected (the network's fit kept) when it raises the pose's energy under
# SMPLify's mixture prior (inference/pose_priors.py) by more than this: following a detector's mistake (a
# mirrored person, an acrobat's keypoints) folds the body into poses people do not take. The rise correlates
# with the error refinement adds (model card). Not for an untrusted network (a photo unlike the training
# data): there the evidence leads, and the mixture, fitted to the synthetic pose sampler, scores everyday
# photo poses (bent elbows, raised shoulders) high.
POSE_ENERGY_RISE = 3.0
# An untrusted network's body with both ankles out of sight keeps its centre of mass over its feet
# (`FitWeights.balance`, on the horizontal offset in metres, squared): nothing else in the evidence says where
# unseen feet stand, and without it a person bending forward (the camera man) came out as a whole body
# leaning 40 degrees with the feet far behind. Assumes a roughly level camera (the camera's y axis is up).
UNSEEN_FEET_BALANCE = 100.0
# SMPL joints of the legs (hips, knees, ankles, feet) and the LSP keypoints that show them (ankles, knees)
LEG_JOINTS = (1, 2, 4, 5, 7, 8, 10, 11)
LSP_LOWER_LEGS = (0, 1, 4, 5)
SPINE_JOINTS = (3, 6, 9)
L_SHIN_JOINTS, R_SHIN_JOINTS = (4, 7, 10), (5, 8, 11)  # knee, ankle, foot
LSP_R_ANKLE, LSP_L_ANKLE = 0, 5
LSP_R_KNEE, LSP_L_KNEE = 1, 4
# The angle between a thigh and its shin, in the world landmarks, beyond which an unseen shin follows them (a
# person sitting on the ground with the knees up: 140-144 degrees on the project's photos) instead of being held
# straight. Their guesses for unseen shins of standing and wading people bend 22-96 degrees, and following
# those crossed the legs of a wader (docs/real_photos.md, "From a detected person to a fitted body", 6).
FOLDED_KNEE_DEG = 120.0
LSP_HIPS = (2, 3)
LSP_SHOULDERS = (8, 9)
THIGH_SHOWN = 0.5  # see legs_outside_photo
# legs_crossed: the projected knees and ankles are this much nearer the other leg's keypoints than their own (mean
# distance ratio), and at least this far from their own (torso lengths). On the 65 photo people the jumping jack of
# sports2d_0020 scores 0.58 and 0.76; the 16 others it is asked of (a trusted network, hips, shoulders, knees and
# ankles seen) 1.09 or more; a body whose projection matches keypoints with 20 px of noise (torso 59 px) passes in
# 0-3 % of draws, side-on in none (where "nearer" alone, with no ratio or distance bound, flags 38-47 %).
CROSSED_LEGS = (0.75, 0.3)
# LSP order (+ head) with left and right exchanged
MIRRORED_LSP = tuple(int(i) for i in MIRROR_KEYPOINTS)
# The BlazePose landmark whose parts (metrics.KEYPOINT_PARTS) each LSP keypoint (+ head) must lie on: the
# 12 limb joints as themselves, the head (mid-ears) as an ear; the neck (mid-shoulders) is not checked.
LSP_PART_LANDMARKS = (*LSP_FROM_BLAZEPOSE, None, 7)
# The shape component that sets the body's size: the first one, for the embedded model (+1 of it: 10 cm shorter,
# the scale-aligned joints 4 mm apart; SMPL's first one is commonly read as size too, not measured here). One photo
# does not show a person's size (a larger body further away looks the same), and the fitting network, trained with
# joint losses, shrinks it where it is unsure (a smaller skeleton errs less when the pose is uncertain): on the 200
# tuning people its mean is +0.62 against their -0.03, on real photos +1.62 (30 people, 143-164 cm tall). The
# refinement, which makes the body the app shows and exports, gives it the mean size instead and holds it there
# (docs/real_photos.md, "From a detected person to a fitted body", 8).
SIZE_BETA = 0


def keypoints_on_their_parts(labels: np.ndarray, joints2d: np.ndarray, conf: np.ndarray, size: int) -> np.ndarray:
    """(n,) bool: each keypoint (joints2d (n, 2) crop pixels, n = 13 or 14, conf (n,)) lies on one of its own
    parts of the part map labels (r, r) on the crop, by the majority rule of `metrics.keypoint_part_agreement`
    (its radius, in label pixels); True where nothing is checked (conf 0, the neck, outside the map)."""
    from .metrics import KEYPOINT_PARTS, keypoint_part_agreement

    scale = labels.shape[0] / float(size)
    kp = np.zeros((len(KEYPOINT_PARTS), 3), np.float64)
    owner = {}
    for j, b in enumerate(LSP_PART_LANDMARKS[:len(joints2d)]):
        if b is not None and conf[j] > 0:
            kp[b] = (*(np.asarray(joints2d[j], np.float64) * scale), 1.0)
            owner[b] = j
    ok = np.ones(len(joints2d), bool)
    for k in keypoint_part_agreement(labels, kp, min_visibility=0.5).keypoints:
        ok[owner[k.keypoint]] = k.agrees
    return ok


def resized(body, params: BodyParams, betas: np.ndarray) -> BodyParams:
    """params with other betas (10,) and the translation that keeps the posed joints' picture: the new joints
    (24, 3) are taken as a uniform scale of the old ones about the camera, by the ratio of their spreads, and
    the translation puts their mean where that scale puts it (for a change of size, SIZE_BETA, the projected
    joints move by about a pixel on the 256 px crop)."""
    old = body.mesh(params.with_(transl=np.zeros(3))).joints
    new = body.mesh(params.with_(betas=betas, transl=np.zeros(3))).joints
    spread = lambda j: float(np.sqrt(((j - j.mean(0)) ** 2).sum(1).mean()))  # noqa: E731
    k = spread(new) / spread(old)
    return params.with_(betas=betas, transl=k * (old.mean(0) + np.asarray(params.transl)) - new.mean(0))


def mean_size(body, params: BodyParams) -> BodyParams:
    """params with the size component (SIZE_BETA) at the mean body's (0), the picture kept (`resized`)."""
    if params.betas[SIZE_BETA] == 0:
        return params
    betas = np.array(params.betas, np.float32, copy=True)
    betas[SIZE_BETA] = 0.0
    return resized(body, params, betas)


def trusted_weights(weights: FitWeights, trust: float) -> FitWeights:
    """`weights` (trust 1) moved towards UNTRUSTED (trust 0), geometrically: the weights are scales
    (1 and 100 meet at 10, not at 50)."""
    from dataclasses import replace

    t = float(np.clip(trust, 0.0, 1.0))
    mixed = {k: float(getattr(weights, k)) ** t * float(v) ** (1 - t) for k, v in UNTRUSTED.items()}
    mixed["iters"] = int(round(mixed["iters"]))
    return replace(weights, **mixed)


def _disagreement(projected: np.ndarray, joints2d: np.ndarray, conf: np.ndarray) -> float:
    """Median distance (px) between projected joints (n, 2) and the confident keypoints (n, 2)."""
    ok = np.asarray(conf) > 0
    return float(np.median(np.linalg.norm(projected - np.asarray(joints2d), axis=1)[ok])) if ok.any() else float("inf")


def legs_crossed(body, params: BodyParams, focal: float, size: int, joints2d: np.ndarray, conf: np.ndarray) -> bool:
    """Whether the body's legs are crossed against the detector's: with both knees and both ankles seen (conf (13+,)
    LSP order; joints2d (13+, 2) crop px), the projected knees and ankles lie clearly nearer the other leg's keypoints
    than their own (mean distances, CROSSED_LEGS), and far from their own. A trusted network crossed the legs of a
    person doing a jumping jack, and the refinement from there cannot pull them apart (the legs would pass through
    each other)."""
    c = np.asarray(conf)
    if not np.all(c[list(LSP_LOWER_LEGS + LSP_HIPS + LSP_SHOULDERS)] > 0):
        return False
    from .geometry import project_points
    from .joints import LSP_FROM_SMPL

    legs = list(LSP_LOWER_LEGS)
    projected = project_points(body.mesh(params).joints[[LSP_FROM_SMPL[k] for k in legs]], focal, size)
    j = np.asarray(joints2d, np.float32)
    off = lambda kp: float(np.linalg.norm(projected - kp, axis=1).mean())  # noqa: E731
    own, other = off(j[legs]), off(j[[MIRRORED_LSP[k] for k in legs]])
    torso = float(np.linalg.norm(j[list(LSP_SHOULDERS)].mean(0) - j[list(LSP_HIPS)].mean(0)))
    nearer, far = CROSSED_LEGS
    return other < nearer * own and own > far * torso


def resolve_left_right(body, params: BodyParams, focal: float, size: int, joints2d: np.ndarray, conf: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, bool]:
    """(joints2d, conf, swapped) with the keypoints' left and right exchanged (joints2d (13 or 14, 2) LSP-order crop px
    (+ head), conf (13 or 14,)) when that agrees better with the body's projected LSP joints: the detector swaps sides
    on people seen from behind, and refining towards swapped keypoints turns the body round (measurements in the model
    card). For a trusted network only."""
    from .geometry import project_points
    from .joints import HEAD_JOINT, LSP_FROM_SMPL

    joint_ids = list(LSP_FROM_SMPL) + ([HEAD_JOINT] if len(joints2d) == 14 else [])
    projected = project_points(body.mesh(params).joints[joint_ids], focal, size)
    idx = list(MIRRORED_LSP[:len(joints2d)])
    if _disagreement(projected, joints2d[idx], conf[idx]) < _disagreement(projected, joints2d, conf):
        return joints2d[idx], conf[idx], True
    return joints2d, conf, False


def _better_of(a, b):
    """The optimisation.FitResult of two runs of one objective from different starts with the lower final loss
    (the same terms, weights and anchor: their losses compare)."""
    return b if b.loss < a.loss else a


def standing_legs(params: BodyParams, joints: tuple[int, ...] = LEG_JOINTS) -> BodyParams:
    """params with the given SMPL joints (default: hips, knees, ankles and feet) at zero rotation: straight legs."""
    pose = np.array(params.body_pose, np.float32).reshape(23, 3)
    pose[[j - 1 for j in joints]] = 0.0
    return params.with_(body_pose=pose.reshape(-1))


def unseen_leg_joints(conf: np.ndarray, folded: tuple[int, ...] = ()) -> tuple[int, ...]:
    """The SMPL joints to hold straight for an untrusted network, from the keypoint confidences conf (13,) or
    (14,) (LSP order): with no knee or ankle in the photo both legs (the network tends to guess a sitting body, the
    silhouette term folds its legs up in front of the torso to cover a coat), and the spine too when the
    hips are unseen as well (a half-length portrait: a free spine lets the pelvis tip the straight legs
    forwards; with the hips seen, the spine bends as the person does); otherwise the shin and foot of a
    leg whose ankle is unseen (the knee alone says nothing about where the shin goes), but only the foot
    of such a leg whose knee is in `folded` (SMPL knee joints, `folded_knees`: the bones say where the shin goes)."""
    c = np.asarray(conf)
    if not np.any(c[list(LSP_LOWER_LEGS)] > 0):
        return LEG_JOINTS + (SPINE_JOINTS if not np.any(c[list(LSP_HIPS)] > 0) else ())
    held: tuple[int, ...] = ()
    for ankle, joints in ((LSP_L_ANKLE, L_SHIN_JOINTS), (LSP_R_ANKLE, R_SHIN_JOINTS)):
        if not c[ankle] > 0:
            held += joints[1:] if joints[0] in folded else joints
    return held


def folded_knees(conf: np.ndarray, bones: BoneDirections | None) -> tuple[int, ...]:
    """The SMPL knee joints (4 left, 5 right) of the legs whose knee the detector sees (conf (13 or 14,), LSP
    order) but not the ankle, and whose thigh and shin the world landmarks (`bones`) fold by more than
    FOLDED_KNEE_DEG: a person sitting on the ground or kneeling, whose hidden shins the landmark model still
    places (a straight shin would stand them up)."""
    if bones is None:
        return ()
    c = np.asarray(conf)
    direction = {(int(e[0, 0]), int(e[1, 0])): d for e, d in zip(bones.ends, bones.directions)}
    cos_folded = np.cos(np.radians(FOLDED_KNEE_DEG))
    folded = []
    for knee_kp, ankle_kp, hip, knee, ankle in ((LSP_L_KNEE, LSP_L_ANKLE, 1, 4, 7), (LSP_R_KNEE, LSP_R_ANKLE, 2, 5, 8)):
        thigh, shin = direction.get((hip, knee)), direction.get((knee, ankle))
        if c[knee_kp] > 0 and not c[ankle_kp] > 0 and thigh is not None and shin is not None \
                and float(np.dot(thigh, shin)) < cos_folded:
            folded.append(knee)
    return tuple(folded)


def legs_outside_photo(joints2d: np.ndarray | None, conf: np.ndarray | None, photo_area: np.ndarray | None) -> bool:
    """True when the photo does not show the person's legs: the detector saw no knee or ankle (conf (13 or 14,),
    LSP order: its own confidences), the crop runs off the photo's bottom edge (photo_area (S, S) bool, its bottom
    row mostly outside the photo: `body_box` extended the crop to a whole body), and no hip is seen more than
    THIGH_SHOWN x the torso (mid-shoulders to mid-hips, joints2d (13+, 2) crop px) above that edge, so that less than
    about half of each thigh is in the photo (a half-length portrait, whose hips the detector puts at the photo's
    edge). People cut lower down show their thighs, in the keypoints' hips and in the part map, and keep them."""
    if joints2d is None or conf is None or photo_area is None:
        return False
    c, j, area = np.asarray(conf), np.asarray(joints2d, np.float32), np.asarray(photo_area, bool)
    if np.any(c[list(LSP_LOWER_LEGS)] > 0) or float(area[-1].mean()) >= 0.5:
        return False
    hips = [h for h in LSP_HIPS if c[h] > 0]
    if not hips:
        return True
    inside = np.nonzero(area.mean(1) >= 0.5)[0]
    if len(inside) == 0:
        return True
    edge = float(inside.max() + 1)  # the photo's bottom edge, crop rows
    torso = float(np.linalg.norm(j[list(LSP_SHOULDERS)].mean(0) - j[hips].mean(0)))
    return edge - float(j[hips, 1].min()) < THIGH_SHOWN * torso


# LSP keypoint -> the part labels (1..12) that lie beyond it along its limb, hidden when it is unseen
# (an unseen knee hides the thigh's end and the shin: the thigh is left free too, since its visible
# top cannot be told from the coat above it). Legs only: unseen legs are mostly hidden by things (a desk, a
# car, the crowd in front), unseen arms mostly by the body itself (a back view, hands in front of the chest), so
# they lie inside the person's outline and stay under the silhouette term (limbs beyond the photo's edge are
# free anyway: `photo_area`). Measured in the model card ("unseen arms inside the outline").
HIDDEN_BEYOND = {0: (12,), 1: (6, 12), 4: (5, 11), 5: (11,)}


def hidden_parts(conf: np.ndarray | None) -> tuple[int, ...]:
    """Part labels (1..12) of the legs whose keypoints (LSP order, conf (13 or 14,)) the detector did not see:
    occluded or cut off by the photo, so the silhouette says nothing about them (HIDDEN_BEYOND)."""
    if conf is None:
        return ()
    c = np.asarray(conf)
    return tuple(sorted({p for k, parts in HIDDEN_BEYOND.items() if not c[k] > 0 for p in parts}))


_ONE_THREAD = threading.Lock()
_one_thread_blocks = 0   # threads inside `one_torch_thread` now
_threads_before = 1      # torch's thread count before the first of them entered


@contextmanager
def one_torch_thread():
    """Run the block on one torch thread. The refinement is hundreds of tiny tensor ops per step: a second thread
    only adds synchronisation, and beside other busy processes OpenMP's waiting makes it many times slower.

    The count is set for the calling thread, and a thread started later takes the count last set by any thread.
    So every block restores the count from before the first of the blocks running at once (the app refines in
    its worker while a batch or dataset run refines in another): restoring the value each read on entering would
    leave 1, read inside another's block, as the count of every thread started afterwards."""
    import torch

    global _one_thread_blocks, _threads_before
    with _ONE_THREAD:
        if _one_thread_blocks == 0:
            _threads_before = torch.get_num_threads()
        _one_thread_blocks += 1
    torch.set_num_threads(1)
    try:
        yield
    finally:
        with _ONE_THREAD:
            _one_thread_blocks -= 1
            restore = _threads_before
        torch.set_num_threads(restore)


def refine_fit(body, params: BodyParams, parts: PartMap, focal: float, size: int,
               joints2d: np.ndarray | None = None, conf: np.ndarray | None = None,
               cancel: Callable[[], bool] | None = None, weights: FitWeights = REFINE_WEIGHTS,
               silhouette: np.ndarray | None = None, adaptive: bool = True,
               photo_area: np.ndarray | None = None, bones: BoneDirections | None = None,
               max_energy_rise: float | None = POSE_ENERGY_RISE) -> BodyParams:
    """Refined BodyParams; joints2d (13 or 14, 2) LSP-order crop pixels (+ head) with conf (13 or 14,) and
    the person's silhouette (S, S) bool on the crop, when a detector supplies them; photo_area (S, S) bool,
    the crop pixels inside the photo (`Crop.photo_area`), where the silhouette is known; bones, the 3D
    directions of the person's limbs and torso (`detect.person_inputs.world_bones`), with the keypoints' sides.

    The refined body has the mean size (`mean_size`, SIZE_BETA, held there while the other betas move): the
    evidence does not show a person's size, and the network's is its shrinkage.

    adaptive: trust the network's pose as far as its segmentation is confident (`TRUST_CONFIDENCE`); a
    network trusted at all also decides which keypoint side is left (`resolve_left_right`: the detector
    mirrors people it sees from behind, and following mirrored keypoints turns the body round). On a photo unlike
    the training data the network is far off and the evidence should move it freely.

    An untrusted network's legs start straight; with every knee and ankle seen (or a knee folded under an unseen
    ankle, `folded_knees`), the fit also runs from the network's own legs and the one with the lower final loss is
    kept (twice the time for those people).

    max_energy_rise: for a network trusted at least half-way (adaptive), its own fit is returned when the refined
    pose's mixture-prior energy exceeds that of the pose the refinement started from by more than this (None:
    never). A trusted network's legs are stood up straight first when the photo does not show them
    (`legs_outside_photo`); where they cross against the detector's (`legs_crossed`), straight legs are a second
    start, and when that fit wins the check does not apply (the network's legs were the wrong ones).

    Without a detected person's evidence (no keypoints, silhouette or bones) the network's fit is returned
    as it is: the part map alone is the evidence the network already read, and fitting it again makes bodies
    worse (measured in docs/real_photos.md)."""
    from dataclasses import replace

    if joints2d is None and silhouette is None and bones is None:
        return params
    network, trust = params, 1.0
    params = mean_size(body, params)

    fixed: tuple[int, ...] = ()
    second_start: BodyParams | None = None  # another start of the same fit (see the untrusted network below)
    legs_below_photo = legs_outside_photo(joints2d, conf, photo_area)  # before the part map's gate below
    if adaptive:
        lo, hi = TRUST_CONFIDENCE
        trust = float((parts.confidence() - lo) / (hi - lo))
        weights = trusted_weights(weights, trust)
        if joints2d is not None and trust > 0:
            conf = np.ones(len(joints2d), np.float32) if conf is None else np.asarray(conf)
            joints2d, conf, swapped = resolve_left_right(body, params, focal, size, np.asarray(joints2d), conf)
            if swapped and bones is not None:
                bones = bones.mirrored()
            # a keypoint off its own parts is more often the detector's mistake than the segmentation's where
            # the part map is as confident as synthetic people's (the detector's heavy-tailed error on them:
            # model card); below that, on photos, the part map is the weaker witness (KEYPOINT_GATE_CONFIDENCE)
            lo, hi = KEYPOINT_GATE_CONFIDENCE
            gate = float(np.clip((parts.confidence() - lo) / (hi - lo), 0.0, 1.0))
            if gate > 0:
                on_parts = keypoints_on_their_parts(parts.labels, joints2d, conf, size)
                conf = np.where(on_parts, conf, conf * (1.0 - gate)).astype(np.float32)
        if joints2d is not None and conf is not None and trust < 0.5:
            # an untrusted network: its legs start straight (it tends to guess a sitting body, and from a
            # sitting start the keypoints' depth ambiguity keeps the thighs forward), and unseen ones stay so;
            # with every knee and ankle seen, its own legs are a second start (a stride, a lean with one leg out:
            # straight legs settle with them together; a knee folded over a hidden shin, which from straight legs
            # bends too little in the steps given) and the better fit of the two is kept (`_better_of`)
            fixed = unseen_leg_joints(conf, folded_knees(conf, bones))
            if not any(j in fixed for j in (1, 2, 4, 5)):  # every knee free: the network's own legs start too
                second_start = standing_legs(params, fixed) if fixed else params
            params = standing_legs(params, LEG_JOINTS + tuple(j for j in fixed if j not in LEG_JOINTS))
            if not np.any(np.asarray(conf)[[LSP_L_ANKLE, LSP_R_ANKLE]] > 0):
                weights = replace(weights, balance=UNSEEN_FEET_BALANCE)
        elif legs_below_photo:
            # a trusted network whose legs the photo does not show (a half-length portrait): its legs are a guess
            # from the black band below the person (often sitting), which nothing in the photo can correct, so
            # they stand straight and stay so, the body balanced over its feet; the spine stays its own
            fixed = LEG_JOINTS
            params = standing_legs(params, LEG_JOINTS)
            weights = replace(weights, balance=UNSEEN_FEET_BALANCE)
        elif joints2d is not None and conf is not None and legs_crossed(body, params, focal, size, joints2d, conf):
            second_start = standing_legs(params, LEG_JOINTS)
    if joints2d is not None and weights.fix_depth:  # keypoints constrain the scale: let the depth move
        weights = replace(weights, fix_depth=False)
    def fit(start: BodyParams):  # (anchored at the first start: a second start minimises the same objective)
        return fit_smpl(body, start, focal, size, weights, joints2d=joints2d, conf=conf, labels=parts.labels,
                        vertex_parts=body.vertex_parts, cancel=cancel, silhouette=silhouette,
                        photo_area=photo_area, fixed_joints=fixed, bones=bones, hidden_parts=hidden_parts(conf),
                        n_vertices=REFINE_VERTICES, fixed_betas=(SIZE_BETA,), anchor=params)

    uncrossed = False  # a trusted network's crossed legs replaced by the straight-leg start's fit
    with one_torch_thread():
        result = fit(params)
        if second_start is not None and not (cancel is not None and cancel()):
            other = fit(second_start)
            uncrossed = trust >= 0.5 and _better_of(result, other) is other
            result = _better_of(result, other)
    out = result.params
    # the check guards a trusted network's pose, the one the refinement started from (legs it stood up included),
    # against the refinement; a network trusted less than half-way gives the evidence the lead, as its weights do
    if max_energy_rise is not None and trust >= 0.5 and not uncrossed and not (cancel is not None and cancel()):
        from .pose_priors import pose_energy

        if pose_energy(out.body_pose) - pose_energy(params.body_pose) > max_energy_rise:
            return network
    return out
