"""Stage 2: part map -> SMPL pose (24 rotations, continuous 6D), 10 betas and a weak-perspective camera."""
from __future__ import annotations

import torch
from torch import nn

from ..geometry import rot6d_to_matrix, svd_orthogonalize
from ..joints import MIRROR_JOINTS
from ..keypoint_maps import NUM_KEYPOINT_COORDS, mirror_coords, shifted


class FitNet(nn.Module):
    """(B, C, R, R) part-probability map (C = 13 with background, or fewer for ablations) ->
    rotmats (B, 24, 3, 3), betas (B, 10), cam (B, 3) = (s, tx, ty).

    With coords=True the regressor also reads the detector's keypoints as numbers (B, 42)
    (`keypoint_maps.keypoint_coords`) beside the map's features: the 16 x 16 feature grid knows roughly
    where a joint is, the numbers exactly, and 2D joint positions carry most of what a 3D pose needs.

    Rotations come out as 6D vectors made orthonormal by Gram-Schmidt (continuous, unlike
    axis-angle); predictions are residuals on the training-set mean pose, shape and camera.
    """

    def __init__(self, in_channels: int = 13, width: int = 32, res: int = 64, coords: bool = False):
        super().__init__()
        w = width
        # A 4x4/4 patch stem: part maps are piecewise constant, so full-resolution convolutions add little.
        layers = [nn.Conv2d(in_channels, 2 * w, 4, 4, bias=False), nn.BatchNorm2d(2 * w), nn.ReLU(inplace=True)]
        cin = 2 * w
        for cout, stride in ((2 * w, 1), (4 * w, 2), (4 * w, 1), (8 * w, 2)):
            layers += [nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
            cin = cout
        self.features = nn.Sequential(*layers)
        feat = cin * (res // 16) ** 2
        self.coords = NUM_KEYPOINT_COORDS if coords else 0
        self.mlp = nn.Sequential(nn.Flatten(), nn.Linear(feat + self.coords, 1024), nn.ReLU(inplace=True),
                                 nn.Dropout(0.1), nn.Linear(1024, 512), nn.ReLU(inplace=True))
        self.out = nn.Linear(512, 24 * 6 + 10 + 3)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        eye6 = torch.tensor([1.0, 0, 0, 0, 1, 0]).repeat(24)
        self.register_buffer("mean_params", torch.cat([eye6, torch.zeros(10), torch.tensor([0.9, 0.0, 0.0])]))
        self.in_channels, self.res = in_channels, res

    def forward(self, parts: torch.Tensor, coords: torch.Tensor | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """parts (B, C, R, R); coords (B, 42) or None (no keypoints known: zeros) for a coords network."""
        h = self.mlp[0](self.features(parts))
        if self.coords:
            h = torch.cat([h, h.new_zeros(h.shape[0], self.coords) if coords is None else coords.to(h)], 1)
        x = self.out(self.mlp[1:](h)) + self.mean_params
        B = x.shape[0]
        rotmats = rot6d_to_matrix(x[:, :144].reshape(B, 24, 6))
        return rotmats, x[:, 144:154], x[:, 154:157]


# The views of a part map the Predictor averages the fitting network over (with `flip_test`): the map itself and
# the map moved by 3 of its pixels (at 64 px) left, right, down and up, its keypoints moved with it. The network's
# pose wavers with a map's exact placement; the average is steadier (about 1 mm of PA-MPJPE on the tuning people:
# the model card, "The fitting network read over moved views of its part map").
TEST_SHIFTS = ((0, 0), (3, 0), (-3, 0), (0, 3), (0, -3))


def shift_part_map(onehot: torch.Tensor, dx: int, dy: int) -> torch.Tensor:
    """A one-hot part map (B, C, R, R), channel 0 the background, moved by dx, dy pixels (x right, y down); the
    pixels it uncovers are background."""
    if dx == 0 and dy == 0:
        return onehot
    p = max(abs(dx), abs(dy))
    pad = torch.nn.functional.pad(onehot, (p, p, p, p))
    pad[:, 0, :p], pad[:, 0, -p:], pad[:, 0, :, :p], pad[:, 0, :, -p:] = 1.0, 1.0, 1.0, 1.0
    return shifted(pad, p, dx, dy)


def views_averaged(rot: torch.Tensor, betas: torch.Tensor, cam: torch.Tensor
                   ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One answer from the network's answers for V views of one map (rot (V, 24, 3, 3), betas (V, 10), cam (V, 3),
    the unmoved view first): rotations averaged as matrices and projected to the nearest rotation, betas
    averaged, the camera the first view's (the others are moved). Returns (1, 24, 3, 3), (1, 10), (1, 3)."""
    return svd_orthogonalize(rot.mean(0, keepdim=True)), betas.mean(0, keepdim=True), cam[:1]


# Reflection through the camera's x = 0 plane (a horizontal flip of a crop about its centre).
_REFLECT = torch.diag(torch.tensor([-1.0, 1.0, 1.0]))


def fit_mirror_averaged(net: FitNet, x: torch.Tensor, mirror_channels: torch.Tensor,
                        coords: torch.Tensor | None = None, project: bool = True
                        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """FitNet's answer for inputs x (B, C, R, R), averaged with its answer for the mirrored inputs mapped
    back, as the segmentation's flip test does (`seg_net.part_probabilities`).

    mirror_channels (C,): the channel each input channel becomes in a mirrored map (part labels and limb
    planes exchange left and right); coords (B, 42) or None: the keypoints as numbers, mirrored with the map.
    The mirrored body is mapped back by swapping left and right joints and conjugating each rotation with
    the reflection S = diag(-1, 1, 1) (S R S); the camera's tx changes sign. Rotations are averaged as
    matrices and projected to the nearest rotation (left to the caller with project=False, e.g. when
    `views_averaged` averages the answers further), betas and camera as numbers. Returns rotmats
    (B, 24, 3, 3), betas (B, 10), cam (B, 3)."""
    n = x.shape[0]
    both = None if coords is None else torch.cat([coords, mirror_coords(coords)])
    rot, betas, cam = net(torch.cat([x, x.flip(-1)[:, mirror_channels]]), both)
    S = _REFLECT.to(rot)
    back = S @ rot[n:][:, list(MIRROR_JOINTS)] @ S
    cam_back = cam[n:] * torch.tensor([1.0, -1.0, 1.0]).to(cam)
    rot = (rot[:n] + back) / 2
    return svd_orthogonalize(rot) if project else rot, (betas[:n] + betas[n:]) / 2, (cam[:n] + cam_back) / 2
