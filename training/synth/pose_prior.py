"""A prior over SMPL poses of people a photographer would see.

Activities (standing, walking, running, sitting, crouching, reaching, waving, sport-like
kicks/throws/jumps, lunges, arms-out) are built from joint rotations in SMPL's local frames
(in the T-pose every local frame is aligned with the body: x to the subject's left, y up, z
forward), randomised per activity, mixed pairwise, perturbed by correlated noise (shared
left/right and spine components), clipped to per-joint limits, and mirrored left/right half
of the time. Global orientation: any heading about y, small tilt and roll, rare lying/bent-over
bodies.

Sign conventions used below (degrees, R = Rx(x) @ Ry(y) @ Rz(z)):
    hip flexion (thigh forward) x < 0; knee flexion x > 0; spine/neck bend forward x > 0;
    left arm down z < 0 (right arm mirrored: z > 0); arm swing forward x < 0;
    left elbow flexion y < 0 (right y > 0); left hip abduction z > 0 (right z < 0).
"""
from __future__ import annotations

import numpy as np

from inference.geometry import euler_to_axis_angle
from inference.joints import MIRROR_JOINTS

ACTIVITIES = ("stand", "walk", "run", "sit", "crouch", "reach", "wave", "kick", "throw", "jump", "lunge", "arms_out")
ACTIVITY_WEIGHTS = np.array([0.14, 0.14, 0.10, 0.10, 0.07, 0.08, 0.07, 0.05, 0.06, 0.05, 0.06, 0.08])
# Left/right joint pairs of SMPL (for mirroring).
LR_PAIRS = tuple((a, b) for a, b in enumerate(MIRROR_JOINTS) if a < b)
# Per-joint euler limits (deg) for x, y, z in the left-side convention; right side mirrored.
_LIMITS = {
    1: ((-125, 40), (-45, 45), (-20, 60)), 4: ((0, 150), (-10, 10), (-10, 10)),
    7: ((-30, 45), (-25, 25), (-20, 20)), 10: ((-20, 20), (-5, 5), (-5, 5)),
    3: ((-25, 60), (-30, 30), (-25, 25)), 6: ((-15, 30), (-25, 25), (-20, 20)), 9: ((-15, 30), (-25, 25), (-20, 20)),
    12: ((-30, 45), (-45, 45), (-25, 25)), 15: ((-30, 40), (-50, 50), (-25, 25)),
    13: ((-15, 15), (-20, 20), (-15, 25)), 16: ((-170, 60), (-80, 60), (-95, 95)),
    18: ((-5, 5), (-150, 0), (-40, 40)), 20: ((-60, 60), (-30, 30), (-60, 60)), 22: ((-20, 20), (-20, 20), (-30, 30)),
}


def _left_limits() -> np.ndarray:
    lim = np.tile(np.array([[-180.0, 180.0]]), (24, 3, 1))
    for j, rng in _LIMITS.items():
        lim[j] = rng
    # right side: mirror (y and z flip sign)
    for left, right in LR_PAIRS:
        lx, ly, lz = lim[left]
        lim[right] = [lx, (-ly[1], -ly[0]), (-lz[1], -lz[0])]
    return lim


LIMITS = _left_limits()


def _key_pose(activity: str, rng: np.random.Generator) -> np.ndarray:
    """Euler angles (24, 3) degrees for one randomised instance of an activity (left-handed variants)."""
    E = np.zeros((24, 3))
    u = lambda a, b: rng.uniform(a, b)  # noqa: E731

    def arms_down(spread=(65, 85), elbow=(5, 25)):
        E[16, 2], E[17, 2] = -u(*spread), u(*spread)
        E[18, 1], E[19, 1] = -u(*elbow), u(*elbow)

    if activity == "stand":
        arms_down()
        E[1, 2], E[2, 2] = u(0, 12), -u(0, 12)
        if rng.random() < 0.4:  # hands on hips / crossed-ish
            E[16, 2], E[17, 2] = -u(40, 60), u(40, 60)
            E[18, 1], E[19, 1] = -u(60, 110), u(60, 110)
            E[16, 0] = E[17, 0] = u(0, 30)
    elif activity in ("walk", "run"):
        amp = u(15, 35) if activity == "walk" else u(35, 70)
        ph = u(-1, 1)
        E[1, 0], E[2, 0] = -amp * ph, amp * ph
        back = 1 if ph > 0 else 2
        E[3 + back, 0] = u(5, 30) if activity == "walk" else u(40, 110)  # knees (4/5)
        E[4 if back == 2 else 5, 0] = u(0, 15) if activity == "walk" else u(10, 60)
        arms_down((70, 85), (10, 30) if activity == "walk" else (70, 100))
        E[16, 0], E[17, 0] = amp * ph * 0.8, -amp * ph * 0.8
        E[3, 0] = u(0, 8) if activity == "walk" else u(8, 25)
    elif activity == "sit":
        E[1, 0] = E[2, 0] = -u(75, 100)
        E[4, 0] = E[5, 0] = u(70, 110)
        E[1, 2], E[2, 2] = u(0, 20), -u(0, 20)
        arms_down((60, 80), (30, 80))
        E[16, 0] = E[17, 0] = -u(10, 40)
        E[3, 0] = u(-5, 15)
    elif activity == "crouch":
        E[1, 0] = E[2, 0] = -u(90, 125)
        E[4, 0] = E[5, 0] = u(110, 145)
        E[7, 0] = E[8, 0] = u(10, 35)
        E[1, 2], E[2, 2] = u(5, 30), -u(5, 30)
        E[3, 0] = u(10, 45)
        arms_down((50, 80), (20, 100))
        E[16, 0] = E[17, 0] = -u(20, 70)
    elif activity == "reach":
        arms_down()
        E[16, 2] = u(-60, 60)
        E[16, 0] = -u(30, 120)
        E[18, 1] = -u(0, 40)
        if rng.random() < 0.4:
            E[17, 2], E[17, 0], E[19, 1] = -E[16, 2], E[16, 0] + u(-20, 20), -E[18, 1]
        E[3, 0] = u(0, 30)
        E[3, 1] = u(-20, 20)
    elif activity == "wave":
        arms_down()
        E[16, 2] = u(20, 70)
        E[16, 0] = -u(0, 30)
        E[18, 1] = -u(40, 110)
        E[18, 2] = u(-20, 20)
        E[15, 2] = u(-15, 15)
    elif activity == "kick":
        arms_down((30, 70), (20, 60))
        E[1, 0] = -u(45, 100)
        E[4, 0] = u(0, 60)
        E[2, 0] = u(0, 20)
        E[3, 0] = -u(0, 15)
    elif activity == "throw":
        E[16, 2] = u(10, 60)
        E[16, 0] = u(0, 60)
        E[18, 1] = -u(40, 110)
        E[17, 2] = u(40, 80)
        E[17, 0] = -u(20, 80)
        E[1, 0], E[2, 0] = -u(0, 30), u(0, 25)
        E[3, 1] = u(-30, 30)
        E[6, 1] = u(-20, 20)
    elif activity == "jump":
        up = rng.random() < 0.6
        E[16, 2], E[17, 2] = (u(30, 90), -u(30, 90)) if up else (-u(20, 60), u(20, 60))
        E[18, 1], E[19, 1] = -u(0, 40), u(0, 40)
        E[1, 2], E[2, 2] = u(5, 35), -u(5, 35)
        E[1, 0] = E[2, 0] = -u(0, 50)
        E[4, 0] = E[5, 0] = u(0, 80)
    elif activity == "lunge":
        E[1, 0] = -u(60, 95)
        E[4, 0] = u(60, 100)
        E[2, 0] = u(10, 40)
        E[5, 0] = u(0, 40)
        arms_down((40, 85), (10, 60))
        if rng.random() < 0.5:
            E[16, 2], E[17, 2] = u(60, 90), -u(60, 90)
    elif activity == "arms_out":
        E[16, 2], E[17, 2] = u(-30, 20), -u(-30, 20)
        E[16, 0], E[17, 0] = -u(-20, 60), -u(-20, 60)
        E[18, 1], E[19, 1] = -u(0, 60), u(0, 60)
        E[1, 2], E[2, 2] = u(0, 15), -u(0, 15)
    else:
        raise ValueError(activity)
    return E


def _mirror_euler(E: np.ndarray) -> np.ndarray:
    """Swap left/right joints and negate the y, z angles (reflection through the x=0 plane)."""
    M = E.copy()
    for a, b in LR_PAIRS:
        M[a], M[b] = E[b].copy(), E[a].copy()
    M[:, 1:] *= -1
    return M


class PosePrior:
    """Samples SMPL poses (B, 72) axis-angle (global orientation first) from the activity mixture."""

    def __init__(self, noise_deg: float = 7.0, upright: float = 0.95):
        self.noise_deg = noise_deg
        self.upright = upright

    def sample_body_euler(self, rng: np.random.Generator) -> tuple[np.ndarray, str]:
        """One body pose as euler angles (24, 3) degrees (joint 0 unused) and its activity name."""
        act = rng.choice(ACTIVITIES, p=ACTIVITY_WEIGHTS / ACTIVITY_WEIGHTS.sum())
        E = _key_pose(act, rng)
        if rng.random() < 0.3:  # mixtures: blend with another activity
            other = rng.choice(ACTIVITIES, p=ACTIVITY_WEIGHTS / ACTIVITY_WEIGHTS.sum())
            w = rng.uniform(0.2, 0.5)
            E = (1 - w) * E + w * _key_pose(other, rng)
        # correlated noise: a shared spine bend spread over spine joints, plus per-joint noise
        bend = rng.normal(0, self.noise_deg, 3)
        for j in (3, 6, 9):
            E[j] += bend / 2
        E[12] += rng.normal(0, self.noise_deg, 3)
        E[15] += rng.normal(0, self.noise_deg * 1.5, 3)
        scale = np.ones(24)
        scale[[16, 17, 18, 19]] = 1.5
        scale[[20, 21, 22, 23, 7, 8, 10, 11]] = 1.2
        E += rng.normal(0, self.noise_deg, (24, 3)) * scale[:, None]
        if rng.random() < 0.5:
            E = _mirror_euler(E)
        E = np.clip(E, LIMITS[..., 0], LIMITS[..., 1])
        E[0] = 0
        return E, str(act)

    def sample_global(self, rng: np.random.Generator) -> np.ndarray:
        """Global orientation (3,) axis-angle: heading about y, tilt about x, roll about z."""
        heading = rng.uniform(-180, 180)
        if rng.random() < self.upright:
            tilt, roll = rng.normal(0, 8), rng.normal(0, 5)
        else:  # bent over, leaning, lying
            tilt, roll = rng.uniform(-90, 90), rng.uniform(-60, 60)
        return euler_to_axis_angle(np.array([heading, tilt, roll]), order="yxz")

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
        """(n, 72) float32 axis-angle poses and their activity names."""
        poses = np.zeros((n, 72), np.float32)
        acts = []
        for i in range(n):
            E, act = self.sample_body_euler(rng)
            aa = euler_to_axis_angle(E)
            aa[0] = self.sample_global(rng)
            poses[i] = aa.reshape(72)
            acts.append(act)
        return poses, acts


def sample_betas(n: int, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
    """(n, 10) betas from the body model's own distribution (unit-variance PCA: N(0, 1)), clipped to +-3."""
    return np.clip(rng.normal(0, scale, (n, 10)), -3, 3).astype(np.float32)
