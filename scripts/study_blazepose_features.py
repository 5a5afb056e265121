"""Do BlazePose's own features tell the segmentation anything seg.pt does not know? A probe on synthetic people.

    OMP_NUM_THREADS=2 python scripts/study_blazepose_features.py data/synth_tune2 --n 200 --cache /tmp/bpf

Issue 18 lists BlazePose's intermediate tensors as a candidate input of the segmentation network: the landmark
model, trained on real people, computes a heatmap branch (64 x 64 x 48 after its last ReLU), 39 heatmaps
(64 x 64 x 39, its output `Identity_3`) and a segmentation branch (256 x 256 x 8 before the mask's last layer), all
on its own rotated ROI. Retraining the segmentation network on them costs hours of this CPU, so this study asks
first, cheaply, whether they hold part knowledge that the shipped network's answer lacks.

For each case (the Predictor as `predict` runs it, refinement off): seg.pt's probabilities on the 128 px crop after
the silhouette is weighed in (`PartMap.probs`), the ground-truth part labels warped into that crop (nearest), and
the three tensors of one landmark pass with every tensor kept (`experimental_preserve_all_tensors`) warped into the
crop (bilinear). The pass's ROI is built from the found person's keypoints (centre between the hips, turned to the
shoulders, radius 1.1 x the farthest keypoint seen): the detector does not hand out its own final ROI, and the
landmark model is trained to be steady under ROI jitter.

Then one small convolutional head (three 3x3 layers of 32 channels, a 1x1 to 13 classes; seeded) per variant,
trained on the cases numbered below --train-below and measured on the others (crop-frame mIoU per case, averaged;
parts present in either map):
  - `seg.pt`: the argmax of seg.pt's probabilities (no head);
  - `head on seg.pt`: the head reads log-probabilities and adds its answer to them (what any head gains alone);
  - `+ X`: the same head reading the BlazePose tensors X beside them;
  - `X alone`: the head on all three tensors without seg.pt's answer (how much part knowledge they hold at all).
Findings: docs/segmentation.md, "BlazePose's own features (stop 66)".
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CROP = 128  # the segmentation network's output side
# the landmark model's tensors read here: (what the name starts with, shape without the batch)
TENSORS = {"f48": ("model_1/model/re_lu_66/Relu6", (64, 64, 48)), "h39": ("Identity_3", (64, 64, 39)),
           "s8": ("model_1/model/re_lu_75/Relu6", (256, 256, 8))}
VARIANTS = ((), ("f48",), ("h39",), ("s8",), ("f48", "h39", "s8"))


def tensor_indices(interpreter) -> dict[str, int]:
    """The interpreter's tensor index of each of TENSORS (SystemExit naming the one missing: another model file)."""
    out = {}
    for key, (prefix, shape) in TENSORS.items():
        hits = [d["index"] for d in interpreter.get_tensor_details()
                if d["name"].startswith(prefix) and tuple(int(v) for v in d["shape"][1:]) == shape]
        if not hits:
            raise SystemExit(f"the landmark model has no tensor {prefix} of shape {shape}")
        out[key] = hits[0]
    return out


def crop_affine(crop) -> np.ndarray:
    """(3, 3) float64: image pixel indices -> pixel indices of the CROP-px map of `crop` (a `types.Crop`), as
    `crop.uncrop_labels` maps a part map back."""
    from inference.crop import map_affine

    return np.vstack([map_affine(crop, CROP), [0, 0, 1]]).astype(np.float64)


def warp(values: np.ndarray, m: np.ndarray, nearest: bool = False) -> np.ndarray:
    """values (h, w) or (h, w, C) warped by the 2x3 matrix m onto (CROP, CROP[, C]), zero outside."""
    import cv2

    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    if values.ndim == 2:
        return cv2.warpAffine(values, m, (CROP, CROP), flags=flags, borderValue=0)
    parts = [cv2.warpAffine(np.ascontiguousarray(values[..., i:i + 4]), m, (CROP, CROP), flags=flags, borderValue=0)
             for i in range(0, values.shape[-1], 4)]
    return np.concatenate([p[..., None] if p.ndim == 2 else p for p in parts], -1)


def body_roi(keypoints: np.ndarray):
    """The landmark model's ROI for a found person's keypoints (33, 3): centre between the hips, up to the
    shoulders, radius 1.1 x the farthest keypoint seen (visibility > 0.3)."""
    from inference.detect.roi import roi_from_points

    hips, shoulders = keypoints[[23, 24], :2].mean(0), keypoints[[11, 12], :2].mean(0)
    seen = keypoints[:, 2] > 0.3
    radius = 1.1 * float(np.hypot(*(keypoints[seen, :2] - hips).T).max()) if seen.any() else 0.0
    up = (shoulders - hips) / max(float(np.hypot(*(shoulders - hips))), 1e-6)
    return roi_from_points(hips, hips + radius * up)


def extract(folder: Path, n: int, cache: Path) -> list[int]:
    """Write cache/NNNNN.npz (probs (13, CROP, CROP), gt (CROP, CROP) and the TENSORS warped into the crop, float16)
    for the first n cases with a found person; the case numbers written."""
    from inference.datasets import read_part_labels
    from inference.detect.blazepose_model import LM_SIZE
    from inference.detect.runtime import LANDMARK_FILE, MODEL_DIR, _import_interpreter
    from inference.errors import PredictionError
    from inference.image_io import load_image
    from inference.pipeline import Predictor

    cache.mkdir(parents=True, exist_ok=True)
    source = cache / "source.txt"  # the cases' folder: a cache is reused for that folder only
    if source.exists() and source.read_text().strip() != str(folder.resolve()):
        raise SystemExit(f"{cache} holds the maps of {source.read_text().strip()}: give another --cache")
    source.write_text(str(folder.resolve()))
    pred = Predictor(detect="on", refine=False)
    it = _import_interpreter()(model_path=str(MODEL_DIR / LANDMARK_FILE), num_threads=1,
                               experimental_preserve_all_tensors=True)
    it.allocate_tensors()
    where, source = tensor_indices(it), it.get_input_details()[0]["index"]
    done = []
    for i in range(n):
        image = folder / f"{i:05d}_image.png"
        if not image.exists():
            break
        out = cache / f"{i:05d}.npz"
        if out.exists():
            done.append(i)
            continue
        rgb = load_image(image)
        try:
            p = pred.predict(rgb)
        except PredictionError as exc:
            print(f"case {i}: {exc}")
            continue
        roi = None if p.person < 0 else body_roi(np.asarray(p.people[p.person].keypoints))
        if roi is None or p.parts.probs is None or p.parts.probs.shape[1] != CROP:
            print(f"case {i}: no detected person")
            continue
        it.set_tensor(source, (roi.sample(rgb, LM_SIZE).astype(np.float32) / 255.0)[None])
        it.invoke()
        c = crop_affine(p.crop)
        feats = {}
        for key, index in where.items():
            t = it.get_tensor(index)[0].astype(np.float32)
            m = c @ np.vstack([roi.affine(t.shape[0]), [0, 0, 1]])
            feats[key] = warp(t, m[:2].astype(np.float32)).astype(np.float16)
        gt = warp(read_part_labels(folder / f"{i:05d}_parts.png"), c[:2].astype(np.float32), nearest=True)
        np.savez_compressed(out, probs=p.parts.probs.astype(np.float16), gt=gt, **feats)
        done.append(i)
    return done


def crop_miou(pred: np.ndarray, gt: np.ndarray) -> float:
    """Mean IoU over the 12 parts present in either (CROP, CROP) label map, background left out
    (`inference.metrics.part_iou`'s parts; 1.0 when neither has any)."""
    from inference.metrics import part_iou

    parts = part_iou(pred, gt)[1:]
    return 1.0 if np.isnan(parts).all() else float(np.nanmean(parts))


def probe(cases: dict[int, dict], train: list[int], test: list[int], keys: tuple[str, ...], with_probs: bool,
          steps: int, seed: int = 0) -> float:
    """Test mIoU of a small head trained on `train` reading seg.pt's log-probabilities (with_probs: and adding its
    answer to them) and the tensors `keys`."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(seed)

    def inputs(d) -> torch.Tensor:
        x = ([np.log(d["probs"].astype(np.float32) + 1e-4)] if with_probs else [])
        x += [d[k].astype(np.float32).transpose(2, 0, 1) for k in keys]
        return torch.from_numpy(np.concatenate(x, 0))

    x_all = {i: inputs(d) for i, d in cases.items()}
    y_all = {i: torch.from_numpy(d["gt"].astype(np.int64)) for i, d in cases.items()}
    stack = torch.stack([x_all[i] for i in train])
    mean, std = stack.mean((0, 2, 3), keepdim=True)[0], stack.std((0, 2, 3), keepdim=True)[0] + 1e-3
    head = nn.Sequential(nn.Conv2d(stack.shape[1], 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1),
                         nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 13, 1))
    if with_probs:  # starts as seg.pt's own answer
        nn.init.zeros_(head[-1].weight)
        nn.init.zeros_(head[-1].bias)
    opt = torch.optim.Adam(head.parameters(), 1e-3)
    g = torch.Generator().manual_seed(seed)

    def logits(x: torch.Tensor) -> torch.Tensor:
        out = head((x - mean) / std)
        return out + x[:, :13] if with_probs else out

    for _ in range(steps):  # 64 px windows of 8 training cases a step (no flips: they would swap left and right)
        batch = [train[int(j)] for j in torch.randint(len(train), (8,), generator=g)]
        oy, ox = (int(v) for v in torch.randint(0, CROP - 63, (2,), generator=g))
        x = torch.stack([x_all[i][:, oy:oy + 64, ox:ox + 64] for i in batch])
        y = torch.stack([y_all[i][oy:oy + 64, ox:ox + 64] for i in batch])
        loss = F.cross_entropy(logits(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        return float(np.mean([crop_miou(logits(x_all[i][None])[0].argmax(0).numpy(), cases[i]["gt"]) for i in test]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="synthetic cases (main.py synth): NNNNN_image.png, NNNNN_parts.png")
    ap.add_argument("--n", type=int, default=200, help="the first N cases")
    ap.add_argument("--train-below", type=int, default=None, help="cases numbered below this train the heads "
                    "(default: n / 2), the others measure them")
    ap.add_argument("--steps", type=int, default=500, help="training steps of each head")
    ap.add_argument("--cache", type=Path, required=True, help="folder for the extracted maps (reused when there)")
    args = ap.parse_args(argv)

    done = extract(args.folder, args.n, args.cache)
    cases = {i: dict(np.load(args.cache / f"{i:05d}.npz")) for i in done}
    cut = args.train_below if args.train_below is not None else args.n // 2
    train, test = [i for i in done if i < cut], [i for i in done if i >= cut]
    if not train or not test:
        raise SystemExit(f"{len(train)} training and {len(test)} test cases with a detected person: need both")
    print(f"{len(done)} cases with a detected person: {len(train)} train the heads, {len(test)} measure them "
          f"(crop-frame mIoU, {args.steps} steps a head)")
    rows = [("seg.pt", float(np.mean([crop_miou(cases[i]["probs"].astype(np.float32).argmax(0), cases[i]["gt"])
                                      for i in test])))]
    for keys in VARIANTS:
        name = "head on seg.pt" + "".join(f" + {k}" for k in keys)
        rows.append((name, probe(cases, train, test, keys, True, args.steps)))
        print(f"{name:40s} {rows[-1][1]:.4f}", flush=True)
    rows.append(("f48 + h39 + s8 alone", probe(cases, train, test, ("f48", "h39", "s8"), False, args.steps)))
    print()
    print("| variant | test mIoU |\n|---|---|")
    for name, v in rows:
        print(f"| {name} | {v:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
