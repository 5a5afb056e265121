"""inference/person_evidence.py: the segmentation as the person search's witness, and a square photo in which the
search finds nobody taken as one person's crop, or not (with the shipped networks and the person detector)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from inference.body_model import BodyModel
from inference.camera import CROP_SIZE
from inference.pipeline import WEIGHTS_DIR, Predictor


@pytest.fixture(scope="module")
def body() -> BodyModel:
    return BodyModel()


@pytest.fixture(scope="module")
def shipped(body) -> Predictor:
    """The shipped networks with the person detector when it is installed (as in test_pipeline.py)."""
    missing = [n for n in ("seg.pt", "fit.pt") if not (WEIGHTS_DIR / n).exists()]
    if missing:
        pytest.skip(f"shipped weights not there yet: {', '.join(str(WEIGHTS_DIR / n) for n in missing)}")
    return Predictor(body_model=body, device="cpu")


def test_undetected_person_asks_a_filled_confident_square():
    """The square rule on a part map alone: a square image, 8 % of it painted, at the confidence asked."""
    from inference.person_evidence import UNDETECTED_PERSON_CONFIDENCE, undetected_person
    from inference.types import PartMap

    labels = np.zeros((100, 100), np.uint8)
    labels[:10] = 2  # 10 % painted
    probs = np.zeros((13, 100, 100), np.float32)
    probs[0] = 1.0
    probs[0, :10], probs[2, :10] = 0.25, 0.75  # winning-part probability 0.75 on the painted pixels
    parts = PartMap(labels, probs)
    assert undetected_person((100, 100, 3), parts)
    assert not undetected_person((100, 140, 3), parts)  # not square
    assert not undetected_person((100, 100, 3), parts, confident=0.76)
    assert UNDETECTED_PERSON_CONFIDENCE <= 0.75
    few = labels.copy()
    few[7:] = 0  # 7 % painted
    assert not undetected_person((100, 100, 3), PartMap(few, probs))


def test_a_square_photo_without_people_has_no_person(shipped, monkeypatch):
    """A square photo the detector finds nobody in is taken as the network's own pre-cropped input only when
    the segmentation is sure of a person there: a square of the (person-free) coffee photo is painted with a
    part map of mean confidence 0.56 over a fifth of it, which is no person."""
    from inference.body_model import RESOURCES
    from inference.errors import NoPersonFound
    from inference.image_io import load_image

    if shipped.detector is None:
        pytest.skip("needs the person detector runtime (requirements-detect.txt)")
    rgb = load_image(RESOURCES / "photos" / "coffee.jpg")
    h = rgb.shape[0]
    square = np.ascontiguousarray(rgb[:, 196:196 + h])
    assert not shipped.people(square)
    with pytest.raises(NoPersonFound):
        shipped.predict(square)
    searches = []  # the detector's entry, asked also when its cache holds the answer
    search = shipped.detector.detect
    monkeypatch.setattr(shipped.detector, "detect", lambda *a, **kw: searches.append(1) or search(*a, **kw))
    whole = shipped.predict(square, person=-1)  # asked for: the whole photo as one person's crop, no search
    assert whole.person == -1 and whole.people == () and not whole.searched and not searches
    with pytest.raises(NoPersonFound, match="segmentation is empty"):
        shipped.predict(np.full((h, h, 3), 128, np.uint8), person=-1)


def test_a_render_cut_at_the_chest_is_one_person_by_its_skeleton(shipped, body):
    """A square render whose person the frame cuts at the chest: the face detector has no face to find and the part
    map read without keypoints is not sure enough (`undetected_person`), but the segmentation reading the keypoints
    of a skeleton the landmark model sees in the whole frame is: the image is one person's crop, fitted from the
    image alone, also at other sizes (the search's second landmark pass comes and goes on this person)."""
    from inference.crop import apply_crop, crop_for_box, uncrop_parts
    from inference.person_evidence import undetected_person
    from training.synth.generator import SampleRenderer

    if shipped.detector is None:
        pytest.skip("needs the person detector runtime (requirements-detect.txt)")
    r = SampleRenderer(body, size=CROP_SIZE)
    sample = r.render(60413, 9)  # the 10th person of `main.py synth --seed 60413` (shared/checks/G-parts)
    r.renderer.close()
    for side in (CROP_SIZE, 224):
        rgb = np.ascontiguousarray(cv2.resize(sample.image, (side, side), interpolation=cv2.INTER_AREA))
        assert not shipped.people(rgb)
        whole = shipped._person_parts(apply_crop(rgb, crop_for_box(None, rgb.shape, shipped.size)), None, None, None)
        assert undetected_person(rgb.shape, whole, confident=0.0) and not undetected_person(rgb.shape, whole)
        skeletons = shipped.detector.frame_skeletons(rgb)
        # the skeletons' legs lie in the lower half of the frame, where the render's legs are
        assert skeletons and all((s.lsp13(rgb.shape)[[0, 5], 1] > side / 2).all() for s in skeletons)
        assert shipped.person_without_detection(rgb)
    p = shipped.predict(rgb)
    assert p.person < 0 and p.people == () and np.isfinite(p.mesh.joints).all()
    photo_parts = uncrop_parts(p.parts, p.crop, rgb.shape)
    assert photo_parts.shape == rgb.shape[:2] and (photo_parts[rgb.shape[0] // 2:] > 0).mean() > 0.05


def test_the_part_map_witnesses_a_doubtful_real_person(shipped):
    """The camera man is a doubtful person (detector score under WITNESS_SCORE): the part map of his crop
    follows his skeleton, so `people` (the detector with the segmentation as third witness) keeps him, and a
    predict on the photo fits him."""
    from inference.body_model import RESOURCES
    from inference.image_io import load_image
    from inference.person_evidence import PART_WITNESS_MIN

    if shipped.detector is None:
        pytest.skip("needs the person detector runtime (requirements-detect.txt)")
    from inference.detect.blazepose import WITNESS_SCORE

    rgb = load_image(RESOURCES / "photos" / "camera.png")
    people = shipped.people(rgb)
    assert len(people) == 1 and people[0].score < WITNESS_SCORE
    assert shipped.part_agreement(rgb, people[0]) >= PART_WITNESS_MIN
    assert shipped.parts_follow(rgb, people[0])
    assert shipped.predict(rgb).person == 0


def test_the_strict_part_witness_needs_keypoints_on_a_confident_part_map(shipped, monkeypatch):
    """`parts_follow(..., sure=True)` (the detector's witness for skeletons the landmark model doubts) needs both
    SURE_PART_AGREEMENT and SURE_PART_CONFIDENCE, where the lenient form needs only PART_WITNESS_MIN; on the
    camera man (a real photo: the network is less sure there than the strict bar) and on him without a confident
    keypoint to check, it says no where the lenient form says yes."""
    from dataclasses import replace

    from inference.body_model import RESOURCES
    from inference.image_io import load_image
    from inference.person_evidence import PART_WITNESS_MIN, SURE_PART_AGREEMENT, SURE_PART_CONFIDENCE

    if shipped.detector is None:
        pytest.skip("needs the person detector runtime (requirements-detect.txt)")
    rgb = load_image(RESOURCES / "photos" / "camera.png")
    man = shipped.people(rgb)[0]
    agreement, confidence = shipped._part_witness(rgb, man)
    calls = []
    hook = shipped.seg_net.register_forward_hook(lambda *_: calls.append(1))
    try:
        assert agreement == shipped.part_agreement(rgb, man) and confidence < SURE_PART_CONFIDENCE
        assert shipped.parts_follow(rgb, man) and not shipped.parts_follow(rgb, man, sure=True)
    finally:
        hook.remove()
    assert not calls  # the same person, photo and crop: the kept part map, not another segmentation
    blind = replace(man, keypoints=man.keypoints * np.array([1, 1, 0], np.float32))
    assert shipped.parts_follow(rgb, blind) and not shipped.parts_follow(rgb, blind, sure=True)
    a, c = SURE_PART_AGREEMENT, SURE_PART_CONFIDENCE
    cases = [((a, c), True, True), ((a - 0.01, 0.95), False, True), ((0.95, c - 0.01), False, True),
             ((float("nan"), 0.95), False, True), ((PART_WITNESS_MIN - 0.01, 0.95), False, False)]
    for witness, sure, lenient in cases:  # (agreement, confidence) -> strict, lenient
        monkeypatch.setattr(shipped, "_part_witness", lambda rgb, person, w=witness: w)
        assert shipped.parts_follow(rgb, man, sure=True) is sure, witness
        assert shipped.parts_follow(rgb, man) is lenient, witness


def test_the_witness_reads_a_large_crop_at_a_capped_resolution(shipped, monkeypatch):
    """A person filling a 90-megapixel photo cost the witness 5.7 s a call at the photo's resolution (helper-80: 40
    s of search that Esc could not stop). Over WITNESS_MAX_SIDE photo pixels across the crop, it reads the map at
    that size: here the cap lowered to 300 px on the camera man (crop about 510 px), with about the same answer."""
    import inference.person_evidence as evidence
    from inference.body_model import RESOURCES
    from inference.image_io import load_image

    if shipped.detector is None:
        pytest.skip("needs the person detector runtime (requirements-detect.txt)")
    rgb = load_image(RESOURCES / "photos" / "camera.png")
    man = shipped.people(rgb)[0]
    full = shipped.part_agreement(rgb, man)
    shapes, uncrop = [], evidence.uncrop_parts

    def recording(parts, crop, shape, **kw):
        shapes.append(tuple(shape[:2]))
        return uncrop(parts, crop, shape, **kw)

    monkeypatch.setattr(evidence, "uncrop_parts", recording)
    shipped.part_agreement(rgb, man)
    assert shapes == [rgb.shape[:2]]  # under the cap: the photo's own resolution, as the bars were set
    monkeypatch.setattr(evidence, "WITNESS_MAX_SIDE", 300)
    capped = shipped.part_agreement(rgb, man)
    assert max(shapes[-1]) < 0.7 * max(rgb.shape[:2]) and abs(capped - full) <= 0.1
