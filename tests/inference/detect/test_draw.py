"""The picture of detections (inference/detect/draw.py): every person's tag readable, inside the picture, and
apart from the others' (people of a crowd stand close)."""
import numpy as np

from inference.colors import PERSON_COLORS
from inference.detect import Person
from inference.detect.draw import draw_people, tint_people


def _person(box) -> Person:
    kp = np.zeros((33, 3), np.float32)
    kp[:, :2] = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]
    kp[:, 2] = 1.0
    return Person(np.asarray(box, np.float32), 0.9, kp)


def _tag_pixels(picture: np.ndarray, n: int) -> np.ndarray:
    """(k, 2) y, x of the pixels painted in person n's tag colour."""
    return np.argwhere((picture == np.asarray(PERSON_COLORS[n], np.uint8)).all(-1))


def test_tags_stay_inside_the_picture_and_apart():
    grey = np.full((200, 300, 3), 90, np.uint8)
    # two small people side by side at the right edge, the first cut by the picture's top
    people = [_person((270, 0, 299, 60)), _person((262, 5, 290, 70))]
    out = draw_people(grey, people)
    tags = []
    for n in range(2):
        ys, xs = _tag_pixels(out, n).T
        filled = [(y, x) for y, x in zip(ys, xs) if (out[max(y - 1, 0):y + 2, max(x - 1, 0):x + 2] ==
                                                     np.asarray(PERSON_COLORS[n], np.uint8)).all(-1).all()]
        assert len(filled) > 100, n  # a filled patch, not only the box's thin outline
        fy, fx = np.array(filled).T
        tags.append((fx.min(), fy.min(), fx.max(), fy.max()))
        assert fx.max() < 300 and fy.max() < 200
        patch = out[fy.min():fy.max() + 1, fx.min():fx.max() + 1]
        assert (patch.sum(-1) < 60).any()  # black text on the patch
    (a0, b0, a1, b1), (c0, d0, c1, d1) = tags
    assert a1 < c0 or c1 < a0 or b1 < d0 or d1 < b0  # the two tags do not overlap


def test_the_fitted_person_is_marked():
    grey = np.full((200, 300, 3), 90, np.uint8)
    people = [_person((20, 60, 60, 180)), _person((150, 60, 190, 180))]
    plain, second = draw_people(grey, people), draw_people(grey, people, fitted=1)
    # person 2's box twice as thick and their tag longer ("fitted"); person 1's unchanged in shape
    assert len(_tag_pixels(second, 1)) > len(_tag_pixels(plain, 1)) + 50
    assert abs(len(_tag_pixels(second, 0)) - len(_tag_pixels(plain, 0))) < 20


def test_silhouettes_are_tinted_as_the_whole_image_blend_tints_them():
    """`tint_people` blends each silhouette's window only and gives the picture the whole-image blend gives,
    overlapping people blended in order, within a level of rounding; the photo's own pixels elsewhere; grey images
    become RGB."""
    from inference.render.overlay import blend, to_uint8
    from inference.types import Silhouette

    rng = np.random.default_rng(2)
    image = rng.integers(0, 256, (90, 120, 3)).astype(np.uint8)
    masks = [np.zeros((90, 120), np.float32) for _ in range(2)]
    masks[0][10:50, 20:60] = rng.random((40, 40))
    masks[1][30:80, 40:100] = rng.random((50, 60))
    people = [Person(np.zeros(4, np.float32), 0.9, np.zeros((33, 3), np.float32), Silhouette.of(m)) for m in masks]
    want = image.astype(np.float32)
    for n, m in enumerate(masks):
        want = blend(want, np.array(PERSON_COLORS[n], np.float32), (m[..., None] * 0.35).astype(np.float32))
    got = tint_people(image, people)
    assert np.abs(got.astype(int) - to_uint8(want)).max() <= 1
    outside = (masks[0] == 0) & (masks[1] == 0)
    np.testing.assert_array_equal(got[outside], image[outside])
    assert (got[masks[1] > 0.5] != image[masks[1] > 0.5]).any(axis=-1).mean() > 0.9
    grey = image[..., 0]
    np.testing.assert_array_equal(tint_people(grey, [])[..., 2], grey)
    assert tint_people(image, [_person((0, 0, 5, 5))]) is not image  # a copy, untouched without silhouettes


def test_tags_on_a_panorama_are_sized_by_its_short_side():
    """A 3000 x 300 strip: lines and tags follow the picture's short side (by its long side each tag was as tall
    as the strip's people)."""
    strip = np.full((300, 3000, 3), 90, np.uint8)
    out = draw_people(strip, [_person((100, 50, 160, 250))])
    ys, xs = _tag_pixels(out, 0).T
    assert ys.max() - ys.min() < 60


def test_figures_set_aside_are_drawn_grey_under_the_people():
    """A figure set aside as an animal: a grey box on a dark line with a grey "set aside" tag; the people keep their
    colours over it, and nothing grey is drawn without figures."""
    from inference.colors import SET_ASIDE_RGB

    green = np.full((200, 300, 3), (40, 140, 40), np.uint8)
    dog, man = _person((30, 60, 140, 180)), _person((160, 40, 220, 190))
    grey = lambda pic: (pic == np.asarray(SET_ASIDE_RGB, np.uint8)).all(-1)  # noqa: E731
    assert not grey(draw_people(green, [man])).any()
    out = draw_people(green, [man], set_aside=[dog])
    ys, xs = np.nonzero(grey(out))
    assert len(ys) > 300 and xs.min() >= 28 and xs.max() <= 141 + 60  # the box and its tag, by the dog
    assert (out[100, 27:33].max(-1) < 80).any()  # the dark line along the box's left edge
    assert len(_tag_pixels(out, 0)) > 100  # the man's tag as before


def test_people_drawn_on_a_scaled_copy_are_those_drawn_on_the_photo_and_shrunk():
    """`predict` draws a large photo's people on its display copy (scale < 1) instead of at the photo's size and
    then shrinking the picture (a second a person at 48 megapixels): boxes, skeletons, silhouettes and tags land in
    the same places, the pictures a level or two apart on average."""
    import cv2

    from inference.image_io import display_copy
    from inference.types import Silhouette

    rng = np.random.default_rng(4)
    photo = cv2.resize(rng.integers(0, 256, (30, 40, 3), dtype=np.uint8), (4000, 3000), interpolation=cv2.INTER_CUBIC)
    people = []
    for n, (x0, y0) in enumerate(((500, 400), (2300, 900))):
        box = (x0, y0, x0 + 1000, y0 + 1900)
        mask = np.zeros((3000, 4000), np.float32)
        mask[y0 + 100:y0 + 1800, x0 + 200:x0 + 800] = 0.9
        p = _person(box)
        kp = p.keypoints.copy()
        kp[11:29, 0] = np.linspace(x0 + 200, x0 + 800, 18)
        kp[11:29, 1] = np.linspace(y0 + 300, y0 + 1800, 18)
        people.append(Person(p.box, 0.9 - n * 0.1, kp, Silhouette.of(mask)))
    shown, scale = display_copy(photo)
    assert scale < 1
    want = display_copy(draw_people(photo, people, fitted=0))[0]
    got = draw_people(shown, people, fitted=0, scale=scale)
    assert got.shape == want.shape == shown.shape
    diff = np.abs(got.astype(int) - want).max(-1)
    assert diff.mean() < 3 and (diff > 40).mean() < 0.02  # (line edges: widths rounded at another scale)
    for n, (x0, y0) in enumerate(((500, 400), (2300, 900))):  # each one's tint over their silhouette
        k = lambda v: int(v * scale)  # noqa: E731
        inside = np.s_[k(y0 + 400):k(y0 + 1500), k(x0 + 300):k(x0 + 700)]
        tinted = got[inside].astype(int) - shown[inside]
        assert np.abs(tinted - (want[inside].astype(int) - shown[inside])).mean() < 3
        towards = np.sign(np.asarray(PERSON_COLORS[n]) - shown[inside].mean((0, 1)))
        assert (np.sign(tinted.mean((0, 1))) == towards).all()
