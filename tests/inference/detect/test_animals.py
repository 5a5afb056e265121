"""The detector's animal check (inference/detect/animals.py): ImageNet's classifier reads each found person's
silhouette."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from inference.detect import Person, detector_available
from inference.detect.animals import ANIMAL_MIN, ANIMAL_WEIGHTS, FILL, LAND_MAMMALS, LOOK_SIDE, AnimalCheck
from inference.paths import RESOURCES
from inference.types import Silhouette

HERE = Path(__file__).parent
DAISY = HERE / "photos" / "daisy.jpg"  # a dachshund on grass (MIT, photos/LICENSES.md)
DOG_BOX = (180.0, 120.0, 550.0, 440.0)  # hand-marked: the dog, head to paws
AVAILABLE, WHY = detector_available()


def load(path: Path) -> np.ndarray:
    from inference.image_io import load_image

    return load_image(path)


@pytest.fixture(scope="module")
def check() -> AnimalCheck:
    return AnimalCheck()


def person(box, mask: Silhouette | None = None, score: float = 0.6) -> Person:
    return Person(box=np.asarray(box, np.float32), score=score, keypoints=np.zeros((33, 3), np.float32), mask=mask)


def test_the_shipped_weights_are_imagenets_classifier(check):
    """The converted, half-precision, BatchNorm-folded network still names ImageNet's classes: a cup of coffee
    is an espresso, a cup or a coffee mug, and nothing of an animal."""
    assert ANIMAL_WEIGHTS.is_file()
    coffee = load(RESOURCES / "photos" / "coffee.jpg")
    h, w = coffee.shape[:2]
    prob = check.probabilities(check.look(coffee, person((0, 0, w, h))))
    assert prob.shape == (1000,) and abs(float(prob.sum()) - 1) < 1e-4
    assert int(prob.argmax()) in (504, 967, 968), int(prob.argmax())  # coffee mug, espresso, cup
    assert prob[:398].sum() < 0.1 and prob[list(LAND_MAMMALS)].sum() < 0.05


def test_the_look_keeps_the_silhouette_and_fills_the_rest(check):
    """The square about the box holds the photo inside the person's silhouette (a window placed anywhere on the
    photo) and ImageNet's mean colour outside it; without a silhouette, the whole square."""
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)
    window = np.zeros((120, 80), np.float32)
    window[20:100, 20:60] = 1.0  # the person: x 170..210, y 70..150 of the photo
    sil = Silhouette(window, x=150, y=50, shape=(300, 400))
    box = (170, 70, 210, 150)
    square = check.look(image, person(box, sil))
    assert square.shape == (LOOK_SIDE, LOOK_SIDE, 3) and square.dtype == np.uint8
    k = LOOK_SIDE / (80 * 1.1)
    centre = square[LOOK_SIDE // 2, LOOK_SIDE // 2]  # the box's centre (190, 110) lies inside the silhouette
    assert np.abs(centre.astype(int) - image[110, 190].astype(int)).max() <= 40  # (bilinear over random pixels)
    corner = square[2, 2]  # the square's corner lies well outside the silhouette
    assert tuple(corner) == FILL
    filled = (square == np.uint8(FILL)).all(-1)
    # the silhouette's 40 x 80 px take their share of the square (grown by a couple of pixels)
    assert 0.9 < (~filled).sum() / ((40 * k) * (80 * k)) < 1.3
    whole = check.look(image, person(box))
    assert not (whole == np.uint8(FILL)).all(-1).any()


def test_a_dog_is_an_animal_and_people_are_not(check):
    dog = load(DAISY)
    assert check.animal_share(dog, person(DOG_BOX)) >= 0.9 > ANIMAL_MIN
    x0, y0, x1, y1 = (int(v) for v in DOG_BOX)
    box_silhouette = Silhouette(np.ones((y1 - y0, x1 - x0), np.float32), x=x0, y=y0, shape=dog.shape[:2])
    assert check.is_animal(dog, person(DOG_BOX, box_silhouette))
    from inference.detect import shared_detector

    if not AVAILABLE:
        pytest.skip(WHY)
    for name in ("astronaut.jpg", "grace_hopper.jpg", "camera.png"):
        image = load(RESOURCES / "photos" / name)
        people = shared_detector().detect(image)
        assert people and all(check.animal_share(image, p) < 0.2 for p in people), name


@pytest.mark.skipif(not AVAILABLE, reason=WHY)
def test_the_search_turns_a_doubtful_dog_away():
    """BlazePose scores the dachshund as a doubtful person that its witnesses let through; with the animal check
    the photo has nobody in it, as a user expects, and the detector keeps the figure it set aside (`set_aside`)."""
    from inference.detect.blazepose import WITNESS_SCORE, PersonDetector

    dog = load(DAISY)
    without = PersonDetector(animals=None)
    found = without.detect(dog)
    assert len(found) == 1 and found[0].score < WITNESS_SCORE
    assert without.set_aside(dog) == []
    detector = PersonDetector()
    assert detector.detect(dog) == []
    aside = detector.set_aside(dog)  # what "no person found" tells the user
    assert len(aside) == 1 and np.allclose(aside[0].box, found[0].box) and aside[0].score == found[0].score
    assert detector.set_aside(load(RESOURCES / "photos" / "coffee.jpg")) == []  # never searched here


def test_a_damaged_classifier_file_is_refused(tmp_path):
    import torch

    bad = tmp_path / "imagenet_lite0.pt"
    torch.save({"model": {"fc.weight": torch.zeros(1000, 1280)}}, bad)
    with pytest.raises(ValueError, match="not EfficientNet-Lite0"):
        AnimalCheck(bad)
    torch.save([1, 2, 3], bad)
    with pytest.raises(ValueError, match="not a converted"):
        AnimalCheck(bad)


@pytest.mark.skipif(not AVAILABLE, reason=WHY)
def test_a_damaged_or_missing_classifier_turns_the_check_off_and_says_so(tmp_path):
    """The classifier is checked against resources/weights/models.json before it is read, like the other models; a
    veto that does not load turns itself off with the file named, and the detector still finds people."""
    import shutil

    from inference.detect.blazepose import PersonDetector

    shutil.copy(ANIMAL_WEIGHTS, tmp_path / ANIMAL_WEIGHTS.name)
    shutil.copy(ANIMAL_WEIGHTS.parent / "models.json", tmp_path / "models.json")
    data = bytearray((tmp_path / ANIMAL_WEIGHTS.name).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / ANIMAL_WEIGHTS.name).write_bytes(bytes(data))
    damaged = PersonDetector(animals=tmp_path / ANIMAL_WEIGHTS.name)
    assert damaged.animals is None
    assert len(damaged.problems) == 1 and "damaged or replaced" in damaged.problems[0]
    assert "imagenet_lite0.pt" in damaged.problems[0] and "not turned away" in damaged.problems[0]
    assert len(damaged.detect(load(RESOURCES / "photos" / "astronaut.jpg"))) == 1
    junk = tmp_path / "junk" / ANIMAL_WEIGHTS.name  # no manifest there: torch itself refuses it
    junk.parent.mkdir()
    junk.write_bytes(b"not a checkpoint at all")
    assert "animal check" in PersonDetector(animals=junk).problems[0]
    missing = PersonDetector(animals=tmp_path / "gone.pt")
    assert missing.animals is None and "missing" in missing.problems[0]
    clean = PersonDetector(animals=None)
    assert clean.animals is None and clean.problems == []


@pytest.mark.skipif(not AVAILABLE, reason=WHY)
def test_every_person_with_a_silhouette_is_checked():
    """A check that calls everyone an animal removes the sure astronaut as well as the doubtful Grace Hopper (scored
    under WITNESS_SCORE): a dog's face can score above the witness bar; a person without silhouette pixels is never
    called an animal."""
    from inference.detect.blazepose import WITNESS_SCORE, PersonDetector

    class Everyone(AnimalCheck):
        def animal_share(self, image, person):
            return 1.0

    detector = PersonDetector(animals=None)
    astronaut, grace = load(RESOURCES / "photos" / "astronaut.jpg"), load(RESOURCES / "photos" / "grace_hopper.jpg")
    sure, doubtful = detector.detect(astronaut), detector.detect(grace)
    assert len(sure) == 1 and sure[0].score >= WITNESS_SCORE
    assert len(doubtful) == 1 and doubtful[0].score < WITNESS_SCORE
    detector.animals = Everyone()
    detector.forget()
    assert detector.detect(astronaut) == [] and detector.detect(grace) == []
    assert not detector.animals.is_animal(grace, person(doubtful[0].box))  # no silhouette: the box is not read


@pytest.mark.skipif(not AVAILABLE, reason=WHY)
def test_a_sure_scored_dog_is_dropped_and_a_sure_person_kept():
    """The real classifier on the search's last step: the dachshund's silhouette scored as a sure person (0.9, as
    KPhotoAlbum's dog scored 0.78) is dropped, the astronaut found on her photo is kept."""
    from inference.detect.blazepose import WITNESS_SCORE, PersonDetector

    detector = PersonDetector()
    dog = load(DAISY)
    x0, y0, x1, y1 = (int(v) for v in DOG_BOX)
    sil = Silhouette(np.ones((y1 - y0, x1 - x0), np.float32), x=x0, y=y0, shape=dog.shape[:2])
    dropped = person(DOG_BOX, sil, score=0.9)
    kept, animals = detector.split_animals(dog, [dropped])
    assert kept == [] and animals == [dropped]
    astronaut = load(RESOURCES / "photos" / "astronaut.jpg")
    found = detector.detect(astronaut)
    assert len(found) == 1 and found[0].score >= WITNESS_SCORE
    assert detector.split_animals(astronaut, found) == (found, [])


def test_the_check_runs_in_either_precision_with_the_same_verdicts():
    """float32 and bfloat16 give the dachshund and the coffee cup nearly the same land-mammal shares (bfloat16 is what
    "auto" picks on a CPU with bfloat16 units); a word the precision module does not know is refused."""
    import torch

    f32, b16 = AnimalCheck(precision="float32"), AnimalCheck(precision="bfloat16")
    assert f32.precision == "float32" and b16.precision == "bfloat16"
    assert f32.net.fc.weight.dtype == torch.float32 and b16.net.fc.weight.dtype == torch.bfloat16
    dog, coffee = load(DAISY), load(RESOURCES / "photos" / "coffee.jpg")
    h, w = coffee.shape[:2]
    for image, box in ((dog, DOG_BOX), (coffee, (0, 0, w, h))):
        p32, p16 = (c.probabilities(c.look(image, person(box))) for c in (f32, b16))
        assert p32.dtype == p16.dtype == np.float32 and not np.array_equal(p32, p16)  # bfloat16 really ran
        a, b = (float(p[list(LAND_MAMMALS)].sum()) for p in (p32, p16))
        assert abs(a - b) < 0.05, (a, b)
        assert (a >= ANIMAL_MIN) == (b >= ANIMAL_MIN)
    with pytest.raises(ValueError):
        AnimalCheck(precision="half")


@pytest.mark.skipif(not AVAILABLE, reason=WHY)
def test_a_misspelt_precision_in_the_environment_is_refused_by_name(monkeypatch):
    """NBF_PRECISION=half is the user's word, not a damaged file: the detector is refused with the variable named,
    rather than quietly running without its animal check."""
    from inference.detect import DetectorUnavailable
    from inference.detect.blazepose import PersonDetector

    monkeypatch.setenv("NBF_PRECISION", "half")
    with pytest.raises(DetectorUnavailable, match="NBF_PRECISION"):
        PersonDetector()
