"""Typed training configs, the one place their defaults live (`cli/cmd_train.py` reads its defaults here).

A run's config is stored as `config.json` beside its checkpoints and under "config" inside them
(`dataclasses.asdict`, flat). Configs stored before these types hold the task's settings in an "extra"
dict; `config_from_dict` reads both layouts. No torch here: the CLI builds its parser from these.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields

from inference.paths import RESOURCES

# The EfficientNet-Lite0 ImageNet weights (docs/pretrained.md): train-people starts from the float32 conversion that
# `python scripts/convert_efficientnet_lite.py` writes (people.pt was trained from it: the model card's commands), found
# beside the code rather than in the working folder; the shipped half-precision copy is the other choice offered.
CONVERTED_LITE0 = str(RESOURCES.parent / "data" / "pretrained" / "efficientnet_lite0.pt")
SHIPPED_LITE0 = str(RESOURCES / "weights" / "imagenet_lite0.pt")
# train-people's person-free real photos: where `python scripts/extract_backgrounds.py` writes them, beside the code,
# so that the model card's command finds them from any working folder ('' trains without them)
BACKGROUNDS = str(RESOURCES.parent / "data" / "backgrounds")


@dataclass(frozen=True)
class LossWeights:
    """Weights of the fitting network's loss terms (a weight of 0 switches a term off, as in the ablations)."""

    lat: float = 1.0     # rotation matrices, MSE per entry
    betas: float = 0.01  # betas, MSE
    j3d: float = 10.0    # root-relative 3D joints, MSE in m^2
    j2d: float = 1.0     # 2D joints in crop coordinates normalised to [-1, 1], MSE
    cam: float = 0.1     # weak camera (s, tx, ty), MSE (a small anchor for the scale)


@dataclass(frozen=True)
class RunConfig:
    """What every training run has: data, output, schedule, seeds, resources. Not run directly: a task's
    config (SegConfig, FitConfig) adds its own fields and its `kind`."""

    kind: str = field(default="", init=False)  # "seg" or "fit", fixed by the subclass
    data: str                     # cache folder(s), comma-separated
    out: str                      # run folder: latest.pt, best.pt, config.json, log.txt
    seed: int = 0
    epochs: int = 20
    batch_size: int = 64
    lr: float = 1e-3
    weight_decay: float = 1e-4
    val_fraction: float = 0.05
    val_every: int = 1            # epochs
    max_samples: int = 0          # 0: all of the cache
    threads: int = 0              # torch threads per process (0: torch default)
    init: str | None = None       # warm start from this checkpoint's weights (fresh optimiser and schedule)
    minutes: float = 0.0          # wall-clock budget: the cosine schedule is shortened to end within it (0: none)
    bf16: bool = False            # the network's passes under bfloat16 autocast on a CPU too (always on CUDA)


@dataclass(frozen=True)
class SegConfig(RunConfig):
    """Stage 1: the part segmentation network."""

    kind: str = field(default="seg", init=False)
    batch_size: int = 16
    arch: str = "segnet"          # "segnet" (compact U-Net) or "lite" (EfficientNet-Lite0 encoder)
    width: int = 16               # segnet base width
    head: str = "shuffle"         # "bilinear" (logits at R/2, upsampled) or "shuffle" (full resolution)
    dice: float = 0.5             # weight of the soft Dice term beside cross-entropy
    empty: float = 0.0            # fraction of training samples replaced by person-free images
    pretrained: str | None = None  # converted encoder weights for arch "lite"
    keypoints: bool = False       # condition on the detector's keypoints (simulated limb maps)
    deep_limbs: bool = False      # with keypoints: limb maps enter every encoder scale of the segnet


@dataclass(frozen=True)
class FitConfig(RunConfig):
    """Stage 2: the fitting network (part map -> SMPL parameters and camera)."""

    kind: str = field(default="fit", init=False)
    n_parts: int = 12             # input grouping: 1, 3, 6 or 12 parts (ablation)
    augment: bool = True          # corrupt the ground-truth part maps as stage 1 would
    loss_weights: LossWeights = field(default_factory=LossWeights)
    res: int = 64                 # input resolution of the part map
    input: str = "parts"          # "parts" or "rgb" (regress from the image directly; ablation)
    keypoints: bool = False       # also read the detector's keypoints as limb maps
    coords: bool = False          # with keypoints: and as numbers, beside the map's features
    share_3d: float = 1.0         # share (0..1) of the samples whose 3D labels are used
    share_seed: int = 0           # seed of the draw of 3D-labelled samples
    flip: float = 0.0             # share of samples mirrored (map, keypoints and body, left <-> right)
    body_model: str | None = None  # SMPL model file (None: the embedded model)

    def __post_init__(self):
        if isinstance(self.loss_weights, Mapping):  # as read from JSON
            object.__setattr__(self, "loss_weights", LossWeights(**self.loss_weights))
        if not 0.0 <= self.flip <= 1.0:
            raise ValueError(f"flip is a share of samples, 0..1, not {self.flip}")
        if self.coords and (not self.keypoints or self.input == "rgb"):
            raise ValueError("coords are the detector's keypoints as numbers: they need keypoints and the "
                             "part-map input")
        if self.flip and self.input == "rgb":
            raise ValueError("flip mirrors part maps; the RGB input (ablation) does not support it")


@dataclass(frozen=True)
class PeopleConfig(RunConfig):
    """The wide-shot person proposer (inference/detect/people_net.py), trained on synthetic crowd frames."""

    kind: str = field(default="people", init=False)
    batch_size: int = 16
    epochs: int = 40
    width: int = 48               # decoder width
    crop: int = 256               # training crops, input px (the network sees whole photos at test time)
    pretrained: str | None = CONVERTED_LITE0  # converted Lite0 encoder weights
    backgrounds: str | None = BACKGROUNDS  # person-free real photos (scripts/extract_backgrounds.py; '': none)


@dataclass(frozen=True)
class PartHeadConfig(RunConfig):
    """The part head (inference/nets/part_head.py), trained on the segmentation's own maps of synthetic people."""

    kind: str = field(default="part_head", init=False)
    batch_size: int = 16
    epochs: int = 6
    width: int = 32               # channels of its three convolutions


CONFIGS: dict[str, type[RunConfig]] = {"seg": SegConfig, "fit": FitConfig, "people": PeopleConfig,
                                       "part_head": PartHeadConfig}
# each kind's command, for messages about a checkpoint or a run folder of another kind
KIND_COMMANDS = {"seg": "train-seg", "fit": "train-fit", "people": "train-people",
                 "part_head": "python -m training.train_part_head train"}

# What a run may change when it goes on from its latest.pt (training/loop.py): its length (more epochs), its
# wall-clock budget and how it uses the machine. Every other setting decides what the network learns, and config.json
# describes the whole run, so a resume with another value is refused.
RESUMABLE = ("epochs", "minutes", "threads", "bf16")
# The weights a run starts from: read only when it starts (a resumed run goes on from its own), so another value on a
# resume changes nothing and the run's own stays in its record. `out`: the same folder, maybe named another way.
NOT_COMPARED = ("init", "pretrained", "out")


def default(cls: type[RunConfig], name: str):
    """The default of field `name` of a config class (a fresh value for fields with a factory)."""
    f = next(f for f in fields(cls) if f.name == name)
    return f.default_factory() if f.default is MISSING else f.default


def config_from_dict(d: Mapping) -> SegConfig | FitConfig | PeopleConfig | PartHeadConfig:
    """A config from its stored form: flat (asdict) or the older layout with task settings in "extra".
    Keys the config does not know (e.g. an older seg config's unused body_model) are dropped."""
    flat = {k: v for k, v in d.items() if k != "extra"}
    flat.update(d.get("extra") or {})
    cls = CONFIGS[flat.get("kind", "seg")]
    names = {f.name for f in fields(cls) if f.init}
    return cls(**{k: v for k, v in flat.items() if k in names})
