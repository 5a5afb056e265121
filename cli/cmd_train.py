"""`train-seg` and `train-fit`: train the two NBF stages from a pre-rendered cache (see training/cache.py);
`train-people`: the wide-shot person proposer from synthetic crowd frames (training/train_people.py).

The defaults are the config classes' (training/config.py), read here so that there is one copy of each."""
from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import fields
from pathlib import Path

from cli.out_arg import drop_if_empty, make_out_folder, out_path
from inference.file_writes import write_error_reason
from inference.json_files import parse_json
from training.config import (  # what --pretrained takes, named where it is (not from the current folder)
    CONVERTED_LITE0,
    SHIPPED_LITE0,
)
from training.set_settings import finite_number, seed_type, whole_number

# Upper bounds of the sizes a run asks for, far above what the project uses and below what ends in the out-of-memory
# killer or a traceback of a failed allocation (--res 1024 filled 24 GB; --width 100000 asked for 1.4 TB):
MAX_THREADS_PER_CORE = 4  # torch threads per CPU core: 64 threads on 2 cores ran 80 times slower, 100000 crashed
MAX_THREADS = MAX_THREADS_PER_CORE * (os.cpu_count() or 1)
MAX_WIDTH = 256  # --width of the segnet (shipped: 32) and of the person proposer's decoder (48)
MAX_SIDE = {"--res": 512, "--crop": 1024}  # train-fit's part map (default 64; caches are made at 128 and 256),
                                           # train-people's crops (default 256)
MAX_LR = 1.0  # AdamW moves each weight by about the learning rate a step: 1 already scrambles a network
# torch's words for an allocation that failed (CPU, CUDA): what the bounds still let through (a large batch on a
# small machine) is said in one line
OUT_OF_MEMORY = ("you tried to allocate", "can't allocate memory", "out of memory")


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
        given = parse_json(text)
        weights = LossWeights(**given)
    except (ValueError, TypeError) as e:
        shown = text if len(text) <= 80 else f"{text[:77]}..."  # (a pasted file would fill the screen)
        raise argparse.ArgumentTypeError(f"not a JSON object of loss weights {[f.name for f in fields(LossWeights)]}: "
                                         f"{shown!r} ({e})") from None
    for name, v in given.items():  # (a string would reach the loss as a tensor index; a negative weight rewards error)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise argparse.ArgumentTypeError(f"the weight of {name} is a number, 0 (the term off) or more, "
                                             f"not {v!r}")
    return weights


_width = whole_number(1, maximum=MAX_WIDTH)


def _weights_file(text: str) -> str:
    """argparse type of --init and --pretrained: a file name, never the empty string (an unset shell variable would
    else start from scratch without a word)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty: give a weights file, or leave the option out")
    return text


def add_arguments(p, name: str) -> None:
    from training.config import FitConfig, PeopleConfig, SegConfig, default

    cls = {"train-fit": FitConfig, "train-people": PeopleConfig}.get(name, SegConfig)

    def d(field: str):
        return default(cls, field)

    p.add_argument("--data", required=True, help="cache folder(s), comma-separated (python -m training.cache ...; "
                   "for train-people, crowd folders of main.py synth-crowd)")
    p.add_argument("--out", required=True, type=out_path, help="run folder: latest.pt, best.pt, config.json, log.txt "
                   "(a run there goes on from its latest.pt with its own settings: only --epochs, --minutes, "
                   "--threads and --bf16 may change)")
    p.add_argument("--epochs", type=whole_number(1), default=d("epochs"),
                   help="passes over the training samples; the cosine schedule ends at the last (default %(default)s)")
    p.add_argument("--batch-size", type=whole_number(1), default=d("batch_size"),
                   help="samples per step and process (under torchrun each process takes this many; default "
                        "%(default)s)")
    p.add_argument("--lr", type=float, default=d("lr"), help=f"peak learning rate, above 0 and at most {MAX_LR:g} "
                   f"(default {d('lr'):g})")
    p.add_argument("--seed", type=seed_type, default=d("seed"),
                   help="seed of the weights' initialisation, the train/validation split and the batches' order and "
                        "augmentation (default %(default)s)")
    p.add_argument("--max-samples", type=whole_number(0, "all the data"), default=d("max_samples"),
                   help="use only the first N cached samples (0: all)")
    p.add_argument("--threads", type=whole_number(0, "torch's default", MAX_THREADS,
                                                  f"{MAX_THREADS_PER_CORE} per CPU core"), default=d("threads"),
                   help=f"torch threads per process (0: default), at most {MAX_THREADS_PER_CORE} per CPU core "
                        f"({MAX_THREADS} here)")
    p.add_argument("--init", type=_weights_file, default=d("init"),
                   help="start from the weights of this checkpoint (warm start)")
    p.add_argument("--minutes", type=finite_number(0, "no budget"), default=d("minutes"),
                   help="wall-clock budget: the learning-rate schedule is shortened to end within it (0: none)")
    p.add_argument("--bf16", action="store_true", default=d("bf16"),
                   help="run the network under bfloat16 autocast, on the CPU too (train-seg always uses it on a GPU): "
                        "about twice as fast per step on CPUs with AMX, slower on CPUs without bfloat16 units")
    if name == "train-people":
        p.add_argument("--width", type=_width, default=d("width"), help=f"decoder width (1 to {MAX_WIDTH})")
        p.add_argument("--crop", type=int, default=d("crop"),
                       help=f"training crop side in input px (a multiple of 16, at most {MAX_SIDE['--crop']})")
        p.add_argument("--pretrained", type=_weights_file, default=d("pretrained"),
                       help="EfficientNet-Lite0 ImageNet weights (default: the float32 conversion of "
                            f"scripts/convert_efficientnet_lite.py, {CONVERTED_LITE0}, which people.pt started from; "
                            f"or the shipped half-precision copy, {SHIPPED_LITE0})")
        p.add_argument("--backgrounds", default=d("backgrounds"),
                       help="folder of person-free real photos composited behind the people (default: where "
                            "scripts/extract_backgrounds.py writes them, %(default)s; a missing or empty folder is "
                            "refused; '': train without them)")
    elif name == "train-fit":
        p.add_argument("--body-model", default=d("body_model"), help="SMPL model file (default: the embedded model)")
        p.add_argument("--parts", dest="n_parts", type=int, default=d("n_parts"), choices=(1, 3, 6, 12),
                       help="input grouping (ablation)")
        p.add_argument("--no-augment", dest="augment", action="store_false", default=d("augment"),
                       help="train on clean GT part maps")
        p.add_argument("--loss-weights", type=_loss_weights, default=d("loss_weights"),
                       help='JSON, e.g. {"j2d": 0, "lat": 0}')
        p.add_argument("--res", type=int, default=d("res"),
                       help=f"input resolution of the part map (a multiple of 16, at most {MAX_SIDE['--res']})")
        p.add_argument("--input", choices=("parts", "rgb"), default=d("input"),
                       help="rgb: regress from the image directly (ablation; needs an RGB cache)")
        p.add_argument("--keypoints", action="store_true", default=d("keypoints"),
                       help="also read the person detector's keypoints as limb maps (simulated in training "
                            "with the error in training/detector_error.json)")
        p.add_argument("--coords", action="store_true", default=d("coords"),
                       help="with --keypoints: the keypoints also as numbers (x, y, present), read by the "
                            "regressor beside the map's features")
        p.add_argument("--share-3d", type=_share, default=d("share_3d"), metavar="S",
                       help="share (0..1) of the samples whose 3D labels are used (L_lat + L_3D); the rest get "
                            "only the 2D joint loss (the paper's partial 3D supervision; a fixed seeded draw)")
        p.add_argument("--share-seed", type=seed_type, default=d("share_seed"),
                       help="seed of the draw of 3D-labelled samples")
        p.add_argument("--flip", type=_share, default=d("flip"), metavar="P",
                       help="share (0..1) of training samples mirrored: part map, keypoints and body "
                            "(left and right exchanged)")
    else:
        p.add_argument("--width", type=_width, default=d("width"), help=f"U-Net base width (1 to {MAX_WIDTH})")
        p.add_argument("--head", choices=("bilinear", "shuffle"), default=d("head"),
                       help="logits at R/2 upsampled (bilinear) or full resolution by pixel shuffle")
        p.add_argument("--dice", type=finite_number(0, "cross-entropy alone"), default=d("dice"),
                       help="weight of the soft Dice term beside cross-entropy")
        p.add_argument("--empty", type=_share, default=d("empty"),
                       help="share (0..1) of training samples replaced by person-free images (all background)")
        p.add_argument("--arch", choices=("segnet", "lite"), default=d("arch"),
                       help="segnet: compact U-Net from scratch; lite: U-Net on the ImageNet-pretrained "
                            f"EfficientNet-Lite0 encoder (needs --pretrained, e.g. {SHIPPED_LITE0})")
        p.add_argument("--pretrained", type=_weights_file, default=d("pretrained"),
                       help=f"converted encoder weights for --arch lite (scripts/convert_efficientnet_lite.py; "
                            f"shipped: {SHIPPED_LITE0})")
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
    given = {**vars(args), "out": str(args.out)}  # (config.json stores text)
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
    why, status = _bad_inputs(cfg, args.command)
    if why:
        print(f"{args.command}: {why}", file=sys.stderr)
        return status
    from inference.errors import BodyModelError
    from training.loop import CheckpointError, DivergedError, SaveError

    made = not Path(cfg.out).exists()  # a run that fails before writing anything leaves no empty folder behind
    why = make_out_folder(Path(cfg.out))  # (/proc and /sys alike: an --out that cannot be used)
    if why:
        print(f"{args.command}: {why}", file=sys.stderr)
        drop_if_empty(Path(cfg.out), made)
        return 2
    from inference.file_writes import FolderBusy, lock_folder, unlock_folder

    try:  # one run at a time into an --out (under torchrun: the job's rank 0, which writes the checkpoints)
        guard = lock_folder(Path(cfg.out)) if int(os.environ.get("RANK", "0")) == 0 else None
    except FolderBusy as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 2
    trained = False
    try:
        if cfg.kind == "fit":
            from training.train_fit import train_fit

            path = train_fit(cfg)
        elif cfg.kind == "people":
            from training.train_people import train_people

            path = train_people(cfg)
        else:
            from training.train_seg import train_seg

            path = train_seg(cfg)
        trained = True
    except (SaveError, DivergedError) as exc:  # the previous checkpoint is kept
        print(f"{args.command}: {exc}", file=sys.stderr)
        return 1
    except (MemoryError, RuntimeError) as exc:
        # torch says a failed allocation with a RuntimeError ("[enforce fail at alloc_cpu.cpp] ... you tried to
        # allocate N bytes", CUDA's OutOfMemoryError): one line; any other RuntimeError is a bug, with its traceback
        if not isinstance(exc, MemoryError) and not any(s in str(exc) for s in OUT_OF_MEMORY):
            raise
        print(f"{args.command}: out of memory: a smaller --batch-size (or --res, --crop, --width) needs less",
              file=sys.stderr)
        return 1
    except (CheckpointError, BodyModelError, FileNotFoundError, ValueError) as exc:
        print(f"{args.command}: {exc}", file=sys.stderr)  # the data, a checkpoint or a setting: one line
        return 2
    except OSError as exc:
        # (an error made with its own message, e.g. a shard that does not read, says it all)
        print(f"{args.command}: {exc}" if exc.errno is None else
              f"{args.command}: {write_error_reason(exc)}: {exc.filename or cfg.out}", file=sys.stderr)
        return 1
    finally:  # every failure, a traceback (a bug), Ctrl-C and SIGTERM (cli.main.Terminated) too, leaves no empty
        # --out (not a run that trained: under torchrun another process may not have written its files yet)
        if guard is not None:  # (the run's lock goes with it: a folder holds only what the run made)
            unlock_folder(guard)
        if not trained:
            drop_if_empty(Path(cfg.out), made)
    # under torchrun rank 0 writes the checkpoints (the others may be done first) and says where they are, once
    if os.environ.get("RANK", "0") != "0":
        return 0
    if not Path(path).is_file():
        print(f"{args.command}: no checkpoint was written ({path}): no validation ran", file=sys.stderr)
        return 1
    print(f"best checkpoint: {path}")
    return 0


def _bad_settings(cfg) -> str:
    """What makes a run impossible, or its settings nonsense, before anything loads ('' when nothing)."""
    out = Path(cfg.out)
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a run folder"
    if not (math.isfinite(cfg.lr) and cfg.lr > 0):
        return f"--lr must be a positive number, not {cfg.lr:g}"
    if cfg.lr > MAX_LR:  # (1e300 overflowed in AdamW's step: a traceback; 1e8 trained to NaN weights)
        return f"--lr {cfg.lr:g} is too large: a learning rate is at most {MAX_LR:g}"
    if cfg.seed >= 2 ** 32:  # (numpy's global generator takes no larger seed)
        return f"--seed must be below 2**32, not {cfg.seed}"
    for option, side, why in (("--res", getattr(cfg, "res", 16), "the fitting network's features are res/16 a side"),
                              ("--crop", getattr(cfg, "crop", 16), "the person proposer reads 16 px cells")):
        if side < 16 or side % 16:
            return f"{option} must be a multiple of 16 ({why}), not {side}"
        if side > MAX_SIDE[option]:
            return f"{option} {side} is too large: at most {MAX_SIDE[option]} (the memory it needs grows as its square)"
    if cfg.kind == "seg":
        why = _bad_seg_settings(cfg)
        if why:
            return why
    if not all(f.strip() for f in str(cfg.data).split(",")):  # (Path("") is the current folder: "no shards in it")
        return (f"--data {cfg.data!r} holds an empty folder name: give {'crowd' if cfg.kind == 'people' else 'cache'}"
                f" folders, separated by commas")
    for folder in str(cfg.data).split(","):
        if Path(folder).exists() and not Path(folder).is_dir():
            return f"--data {folder} is a file, not a folder: give the folder that holds the " + (
                "crowd frames" if cfg.kind == "people" else "cache's shards")
        if not Path(folder).is_dir():
            if cfg.kind == "people":
                return f"--data {folder}: no such folder (make crowd frames with `main.py synth-crowd`)"
            return f"--data {folder}: no such folder (make one with `python -m training.cache`)"
    return ""


def _bad_seg_settings(cfg) -> str:
    if cfg.arch == "lite" and not cfg.pretrained:  # (random weights would make it a plain, slower U-Net)
        return f"--arch lite needs --pretrained, the encoder's ImageNet weights (shipped: {SHIPPED_LITE0})"
    if cfg.arch == "segnet" and cfg.pretrained:
        return "--pretrained is the encoder of --arch lite; the segnet starts from scratch (or from --init)"
    if cfg.deep_limbs and not cfg.keypoints:
        return "--deep-limbs feeds the keypoints' limb maps to every scale: it needs --keypoints"
    return ""


def _bad_inputs(cfg, command: str) -> tuple[str, int]:
    """What in the data or the weights a run would read makes it impossible, found before the run's folder is made:
    (why, exit status: 2 for data or weights of the wrong kind, 1 for a file that does not read), ('', 0) when
    nothing."""
    why = _bad_pretrained(getattr(cfg, "pretrained", None))
    if why:
        return why, 2
    if cfg.kind == "people":
        from training.train_people import backgrounds_problem

        return _bad_crowd_folders(cfg) or backgrounds_problem(cfg.backgrounds), 2
    from training.cache import shard_arrays, shard_files

    need = {"images", "labels"} | ({"joints2d"} if cfg.keypoints else set())
    if cfg.kind == "fit":
        need = {"labels", "pose", "betas", "transl", "joints3d", "joints2d"} | ({"images"} if cfg.input == "rgb"
                                                                              else set())
    for folder in str(cfg.data).split(","):
        files = shard_files(folder)
        if not files:
            return f"--data {folder}: no shards in it (make them with `python -m training.cache`)", 2
        for f in files:
            try:
                missing = need - shard_arrays(f)
            except OSError as exc:
                return str(exc), 1
            if missing == {"images"}:  # (the words train-fit --input rgb said of it before)
                return (f"--data {folder} is a labels-only cache; {command}"
                        f"{' --input rgb' if cfg.kind == 'fit' else ''} needs images (a cache made without "
                        f"--labels-only)"), 2
            if missing:
                return f"--data {folder}: {f} holds no {', '.join(sorted(missing))}, which {command} needs", 2
    return "", 0


def _bad_crowd_folders(cfg) -> str:
    from training.synth.crowd import frame_indices, frame_stem

    for folder in str(cfg.data).split(","):
        frames = frame_indices(Path(folder))
        if not frames or not all(Path(f"{frame_stem(folder, i)}_people.npz").is_file() for i in frames):
            return (f"--data {folder} holds no synth-crowd frames (NNNNN_image.png with its NNNNN_people.npz): "
                    f"train-people trains on the frames of `main.py synth-crowd`")
    return ""


def _bad_pretrained(path: str | None) -> str:
    """Why the EfficientNet-Lite0 weights `path` cannot be used ('' when they can, or none are given)."""
    if not path:
        return ""
    if not Path(path).is_file():
        return (f"--pretrained {path}: no such file; make it with `python scripts/convert_efficientnet_lite.py` "
                f"(--out {path}; docs/pretrained.md), or give the shipped half-precision copy of the ImageNet weights, "
                f"--pretrained {SHIPPED_LITE0}")
    from inference.integrity import DAMAGED, load_refusal, load_weights
    from inference.nets.efficientnet_lite import EfficientNetLite0Encoder, load_pretrained

    try:
        weights = load_weights(path)
    except Exception as exc:  # noqa: BLE001 - any damaged or foreign file
        return f"--pretrained {path}: {load_refusal(exc, fallback=DAMAGED)}"
    try:
        load_pretrained(EfficientNetLite0Encoder(in_channels=3), weights)
    except (RuntimeError, KeyError, ValueError, TypeError, AttributeError):
        return (f"--pretrained {path}: not the EfficientNet-Lite0 encoder's weights (another network's?); give "
                f"{SHIPPED_LITE0} or a file of scripts/convert_efficientnet_lite.py")
    return ""
