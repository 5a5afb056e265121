"""`train-seg` and `train-fit`: train the two NBF stages from a pre-rendered cache (see training/cache.py)."""
from __future__ import annotations

import json
from pathlib import Path


def add_arguments(p, name: str) -> None:
    p.add_argument("--data", required=True, help="cache folder(s), comma-separated (python -m training.cache ...)")
    p.add_argument("--out", required=True, help="run folder: latest.pt, best.pt, config.json, log.txt")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64 if name == "train-fit" else 16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-samples", type=int, default=0, help="use only the first N cached samples (0: all)")
    p.add_argument("--threads", type=int, default=0, help="torch threads per process (0: default)")
    p.add_argument("--body-model", default=None, help="SMPL model file (default: the embedded model)")
    p.add_argument("--init", default=None, help="start from the weights of this checkpoint (warm start)")
    if name == "train-fit":
        p.add_argument("--parts", type=int, default=12, choices=(1, 3, 6, 12), help="input grouping (ablation)")
        p.add_argument("--no-augment", action="store_true", help="train on clean GT part maps")
        p.add_argument("--loss-weights", default="{}", help='JSON, e.g. {"j2d": 0, "lat": 0}')
        p.add_argument("--res", type=int, default=64, help="input resolution of the part map")
        p.add_argument("--input", choices=("parts", "rgb"), default="parts",
                       help="rgb: regress from the image directly (ablation; needs an RGB cache)")
        p.add_argument("--keypoints", action="store_true",
                       help="also read the person detector's keypoints as limb maps (simulated in training "
                            "with the error in training/detector_error.json)")
        p.add_argument("--share-3d", type=float, default=1.0, metavar="S",
                       help="share (0..1) of the samples whose 3D labels are used (L_lat + L_3D); the rest get "
                            "only the 2D joint loss (the paper's partial 3D supervision; a fixed seeded draw)")
        p.add_argument("--share-seed", type=int, default=0, help="seed of the draw of 3D-labelled samples")
    else:
        p.add_argument("--width", type=int, default=16, help="U-Net base width")
        p.add_argument("--head", choices=("bilinear", "shuffle"), default="shuffle",
                       help="logits at R/2 upsampled (bilinear) or full resolution by pixel shuffle")
        p.add_argument("--dice", type=float, default=0.5, help="weight of the soft Dice term beside cross-entropy")
        p.add_argument("--empty", type=float, default=0.0,
                       help="fraction of training samples replaced by person-free images (all background)")
        p.add_argument("--arch", choices=("segnet", "lite"), default="segnet",
                       help="segnet: compact U-Net from scratch; lite: U-Net on the ImageNet-pretrained "
                            "EfficientNet-Lite0 encoder (needs --pretrained)")
        p.add_argument("--pretrained", default=None,
                       help="converted encoder weights for --arch lite (scripts/convert_efficientnet_lite.py)")
        p.add_argument("--minutes", type=float, default=0,
                       help="wall-clock budget: the learning-rate schedule is shortened to end within it (0: none)")
        p.add_argument("--keypoints", action="store_true",
                       help="condition on the person detector's keypoints (limb maps; simulated in training "
                            "with the error in training/detector_error.json)")
        p.add_argument("--deep-limbs", action="store_true",
                       help="with --keypoints: the limb maps also enter every encoder scale of the segnet "
                            "(a warm start from a network without them starts from zero weights there)")


def run(args) -> int:
    from training.loop import RunConfig

    extra = {"body_model": args.body_model, "init": args.init}
    if args.command == "train-fit":
        extra.update(n_parts=args.parts, augment=not args.no_augment, loss_weights=json.loads(args.loss_weights),
                     res=args.res, input=args.input, keypoints=args.keypoints, share_3d=args.share_3d,
                     share_seed=args.share_seed)
    else:
        extra.update(width=args.width, head=args.head, dice=args.dice, empty=args.empty, arch=args.arch,
                     pretrained=args.pretrained, keypoints=args.keypoints, minutes=args.minutes,
                     deep_limbs=args.deep_limbs)
    cfg = RunConfig(kind="fit" if args.command == "train-fit" else "seg", data=args.data, out=args.out,
                    seed=args.seed, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                    max_samples=args.max_samples, threads=args.threads, extra=extra)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    if cfg.kind == "fit":
        from training.train_fit import train_fit

        path = train_fit(cfg)
    else:
        from training.train_seg import train_seg

        path = train_seg(cfg)
    print(f"best checkpoint: {path}")
    return 0
