"""On-the-fly synthetic data for training: each DataLoader worker process renders its own samples.

    ds = SyntheticDataset(seed=1, length=100_000, res=128, rgb=True)
    loader = torch.utils.data.DataLoader(ds, batch_size=32, num_workers=4, worker_init_fn=worker_init)

Sample i is (seed, i) of the generator, so an epoch is reproducible whatever the number of workers.
On this project's 2-core machines the training commands read pre-rendered caches instead
(training/cache.py renders the same samples once); on a machine with many cores this renders
fresh data every epoch.
"""
from __future__ import annotations

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset


def worker_init(_worker_id: int) -> None:
    """Per worker process: offscreen GL and one thread (the renderer is created lazily)."""
    from inference.render.context import configure_gl

    configure_gl()
    torch.set_num_threads(1)


class SyntheticDataset(Dataset):
    """Dataset of generator samples as tensors: image (3, R, R) float [0, 1] (rgb only), labels (R, R) long,
    pose (72,), betas (10,), transl (3,), joints3d (24, 3), joints2d (24, 2) in full-crop pixels."""

    def __init__(self, seed: int, length: int, res: int = 128, rgb: bool = True, body_model: str | None = None):
        self.seed, self.length, self.res, self.rgb, self.body_model = seed, length, res, rgb, body_model
        self._renderer = None

    def __len__(self) -> int:
        return self.length

    def _get_renderer(self):
        if self._renderer is None:  # one per process, created in the worker
            from inference.body_model import BodyModel
            from training.synth.generator import SampleRenderer

            self._renderer = SampleRenderer(BodyModel(self.body_model))
        return self._renderer

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        s = self._get_renderer().render(self.seed, int(i), rgb=self.rgb)
        r = self.res
        out = {
            "labels": torch.from_numpy(cv2.resize(s.labels, (r, r), interpolation=cv2.INTER_NEAREST)).long(),
            "pose": torch.from_numpy(s.scene.params.pose),
            "betas": torch.from_numpy(np.asarray(s.scene.params.betas, np.float32)),
            "transl": torch.from_numpy(np.asarray(s.scene.params.transl, np.float32)),
            "joints3d": torch.from_numpy(np.asarray(s.joints3d, np.float32)),
            "joints2d": torch.from_numpy(s.joints2d),
        }
        if self.rgb:
            img = cv2.resize(s.image, (r, r), interpolation=cv2.INTER_AREA)
            out["image"] = torch.from_numpy(img).permute(2, 0, 1).float().div(255)
        return out
