"""`train-seg` and `train-fit`: train the two NBF stages from a pre-rendered cache (see training/cache.py);
`train-people`: the wide-shot person proposer from synthetic crowd frames (training/train_people.py).

The defaults are the config classes' (training/config.py), read here so that there is one copy of each."""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import fields
from pathlib import Path

from inference.file_writes import write_error_reason


def _share(text: str) -> float:
    """A share of samples, 0..1, for argparse."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= v <= 1.0:
        raise argparse.ArgumentTypeError(f"a share of samples is between 0 and 1, not {v:g}")
    return v


def _loss_weights(text: str):
    from training.config import LossWeights

    try:
        return LossWeights(**json.loads(text))
    except (ValueError, TypeError) as e:
        raise argparse.ArgumentTypeError(f"not a JSON object of loss weights {[f.name for f in fields(LossWeights)]}: "
                                         f"{text!r} ({e})") from None


def add_arguments(p, name: str) -> None:
    from training.config import FitConfig, PeopleConfig, SegConfig, default

    cls = {"train-fit": FitConfig, "train-people": PeopleConfig}.get(name, SegConfig)

    def d(field: str):
        return default(cls, field)

    p.add_argument("--data", required=True, help="cache folder(s), comma-separated (python -m training.cache ...; "
                   "for train-people, crowd folders of main.py synth-crowd)")
    p.add_argument("--out", required=True, help="run folder: latest.pt, best.pt, config.json, log.txt")
    p.add_argument("--epochs", type=int, default=d("epochs"))
    p.add_argument("--batch-size", type=int, default=d("batch_size"))
    p.add_argument("--lr", type=float, default=d("lr"))
    p.add_argument("--seed", type=int, default=d("seed"))
    p.add_argument("--max-samples", type=int, default=d("max_samples"),
                   help="use only the first N cached samples (0: all)")
    p.add_argument("--threads", type=int, default=d("threads"), help="torch threads per process (0: default)")
    p.add_argument("--init", default=d("init"), help="start from the weights of this checkpoint (warm start)")
    p.add_argument("--minutes", type=float, default=d("minutes"),
                   help="wall-clock budget: the learning-rate schedule is shortened to end within it (0: none)")
    p.add_argument("--bf16", action="store_true", default=d("bf16"),
                   help="run the network under bfloat16 autocast, on the CPU too (train-seg always uses it on a GPU): "
                        "about twice as fast per step on CPUs with AMX, slower on CPUs without bfloat16 units")
    if name == "train-people":
        p.add_argument("--width", type=int, default=d("width"), help="decoder width")
        p.add_argument("--crop", type=int, default=d("crop"), help="training crop side in input px")
        p.add_argument("--pretrained", default=d("pretrained"),
                       help="converted EfficientNet-Lite0 weights (scripts/convert_efficientnet_lite.py)")
        p.add_argument("--backgrounds", default=d("backgrounds"),
                       help="folder of person-free real photos composited behind the people "
                            "(scripts/extract_backgrounds.py; a missing or empty folder: none)")
    elif name == "train-fit":
        p.add_argument("--body-model", default=d("body_model"), help="SMPL model file (default: the embedded model)")
        p.add_argument("--parts", dest="n_parts", type=int, default=d("n_parts"), choices=(1, 3, 6, 12),
                       help="input grouping (ablation)")
        p.add_argument("--no-augment", dest="augment", action="store_false", default=d("augment"),
                       help="train on clean GT part maps")
        p.add_argument("--loss-weights", type=_loss_weights, default=d("loss_weights"),
                       help='JSON, e.g. {"j2d": 0, "lat": 0}')
        p.add_argument("--res", type=int, default=d("res"), help="input resolution of the part map")
        p.add_argument("--input", choices=("parts", "rgb"), default=d("input"),
                       help="rgb: regress from the image directly (ablation; needs an RGB cache)")
        p.add_argument("--keypoints", action="store_true", default=d("keypoints"),
                       help="also read the person detector's keypoints as limb maps (simulated in training "
                            "with the error in training/detector_error.json)")
        p.add_argument("--coords", action="store_true", default=d("coords"),
                       help="with --keypoints: the keypoints also as numbers (x, y, present), read by the "
                            "regressor beside the map's features")
        p.add_argument("--share-3d", type=float, default=d("share_3d"), metavar="S",
                       help="share (0..1) of the samples whose 3D labels are used (L_lat + L_3D); the rest get "
                            "only the 2D joint loss (the paper's partial 3D supervision; a fixed seeded draw)")
        p.add_argument("--share-seed", type=int, default=d("share_seed"),
                       help="seed of the draw of 3D-labelled samples")
        p.add_argument("--flip", type=_share, default=d("flip"), metavar="P",
                       help="share (0..1) of training samples mirrored: part map, keypoints and body "
                            "(left and right exchanged)")
    else:
        p.add_argument("--width", type=int, default=d("width"), help="U-Net base width")
        p.add_argument("--head", choices=("bilinear", "shuffle"), default=d("head"),
                       help="logits at R/2 upsampled (bilinear) or full resolution by pixel shuffle")
        p.add_argument("--dice", type=float, default=d("dice"),
                       help="weight of the soft Dice term beside cross-entropy")
        p.add_argument("--empty", type=float, default=d("empty"),
                       help="fraction of training samples replaced by person-free images (all background)")
        p.add_argument("--arch", choices=("segnet", "lite"), default=d("arch"),
                       help="segnet: compact U-Net from scratch; lite: U-Net on the ImageNet-pretrained "
                            "EfficientNet-Lite0 encoder (needs --pretrained)")
        p.add_argument("--pretrained", default=d("pretrained"),
                       help="converted encoder weights for --arch lite (scripts/convert_efficientnet_lite.py)")
        p.add_argument("--keypoints", action="store_true", default=d("keypoints"),
                       help="condition on the person detector's keypoints (limb maps; simulated in training "
                            "with the error in training/detector_error.json)")
        p.add_argument("--deep-limbs", action="store_true", default=d("deep_limbs"),
                       help="with --keypoints: the limb maps also enter every encoder scale of the segnet "
                            "(a warm start from a network without them starts from zero weights there)")


def config_from_args(args):
    """The run's SegConfig or FitConfig: every config field that has an option takes the option's value."""
    from training.config import FitConfig, PeopleConfig, SegConfig

    cls = {"train-fit": FitConfig, "train-people": PeopleConfig}.get(args.command, SegConfig)
    given = vars(args)
    return cls(**{f.name: given[f.name] for f in fields(cls) if f.init and f.name in given})


def run(args) -> int:
    try:
        cfg = config_from_args(args)
    except ValueError as exc:  # settings that contradict each other
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2
    why = _bad_settings(cfg)
    if why:
        print(f"{args.command}: {why}", file=sys.stderr)
        return 2
    from inference.errors import BodyModelError
    from training.loop import CheckpointError

    made = not Path(cfg.out).exists()  # a run that fails before writing anything leaves no empty folder behind
    try:
        Path(cfg.out).mkdir(parents=True, exist_ok=True)
        if cfg.kind == "fit":
            from training.train_fit import train_fit

            path = train_fit(cfg)
        elif cfg.kind == "people":
            from training.train_people import train_people

            path = train_people(cfg)
        else:
            from training.train_seg import train_seg

            path = train_seg(cfg)
    except (CheckpointError, BodyModelError, FileNotFoundError, ValueError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)  # the data, a checkpoint or a setting: one line
        _drop_if_empty(Path(cfg.out), made)
        return 2
    except OSError as exc:
        print(f"{args.command}: {write_error_reason(exc)}: {exc.filename or cfg.out}", file=sys.stderr)
        _drop_if_empty(Path(cfg.out), made)
        return 1
    # (under torchrun rank 0 writes the checkpoints: the others may be done first)
    if os.environ.get("RANK", "0") == "0" and not Path(path).is_file():
        print(f"{args.command}: no checkpoint was written ({path}): no validation ran", file=sys.stderr)
        return 1
    print(f"best checkpoint: {path}")
    return 0


def _drop_if_empty(out: Path, made: bool) -> None:
    if made and out.is_dir() and not any(out.iterdir()):
        out.rmdir()


def _bad_settings(cfg) -> str:
    """What makes a run impossible before anything loads ('' when nothing)."""
    out = Path(cfg.out)
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a run folder"
    if cfg.batch_size < 1:
        return f"--batch-size must be at least 1, not {cfg.batch_size}"
    if cfg.epochs < 1:
        return f"--epochs must be at least 1, not {cfg.epochs}"
    for folder in str(cfg.data).split(","):
        if not Path(folder).is_dir():
            return f"--data {folder}: no such folder (make one with `python -m training.cache`)"
    return ""
