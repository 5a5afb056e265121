"""inference/detect/merging.py: which of the people found are one, which are nested in another or too
small, and their order (drawn skeletons and silhouettes; no detector runtime needed)."""
from __future__ import annotations

import numpy as np

from inference.detect import Person
from inference.detect.merging import Candidate, completeness, merge_candidates, merge_people, rank_people, same_person
from inference.detect.roi import Roi
from inference.types import Silhouette
from tests.inference.detect.skeletons import person, standing


def test_duplicate_candidates_from_overlapping_tiles_are_merged():
    face = np.array([100.0, 50.0])
    a = Candidate(face=face, roi=Roi(100, 120, 150), score=0.7, view=3)
    b = Candidate(face=face + 4, roi=Roi(104, 126, 160), score=0.9, view=4)     # same face, another tile
    c = Candidate(face=face + [80, 0], roi=Roi(180, 120, 150), score=0.6, view=4)  # a neighbour
    d = Candidate(face=face + 3, roi=Roi(100, 300, 600), score=0.8, view=5)      # same spot, 4x the size: not one
    kept = merge_candidates([a, b, c, d])
    assert [k.score for k in kept] == [0.9, 0.8, 0.6]  # a merged into b (the better score), best first
    # a face already found in the whole-image view is not tried again
    assert merge_candidates([a, c], have=[b]) == [c]


def test_duplicate_people_are_merged_and_neighbours_kept():
    p = person(200, 100, 180)
    shifted = Person(box=p.box + 3, score=0.6, keypoints=p.keypoints + np.array([3, 3, 0], np.float32))
    fewer = Person(box=p.box, score=0.95, keypoints=np.where(np.arange(33)[:, None] < 20, p.keypoints,
                                                             p.keypoints * [1, 1, 0]).astype(np.float32))
    neighbour = person(260, 100, 180)   # shoulder to shoulder: boxes overlap, heads do not
    behind = person(215, 60, 120)       # smaller, further back, overlapping the first one's box
    assert same_person(p, shifted) and not same_person(p, neighbour) and not same_person(p, behind)
    # a second, partial skeleton on the same person: the head a few pixels off, the body laid out wrong
    partial_kp = p.keypoints.copy()
    partial_kp[:11, :2] += (3, -8)  # head boxes 18 x 11 px: IoU 0.13, centres 8.5 px apart
    partial_kp[11:, 1] = 100 + 0.4 * (partial_kp[11:, 1] - 100)
    partial_kp[11:, 0] += 40
    partial = Person(box=p.box, score=0.7, keypoints=partial_kp)
    assert same_person(p, partial) and merge_people([p, partial]) == [p]
    merged = merge_people([shifted, p, fewer, neighbour, behind])
    assert len(merged) == 3
    assert merged[0] is p  # of the three detections of one person, the one with the most confident keypoints
    assert neighbour in merged and behind in merged
    assert merge_people([]) == []


def test_one_legs_only_person_read_facing_each_way_is_one_person():
    """A person whose head the photo's top edge cuts off, found twice with left and right swapped (crowd tuning
    frame 16 of seed 20191: silhouettes of IoU 0.98, one false person): the imagined heads lie apart, the
    keypoints disagree index by index, but the body's points agree in mirrored roles."""
    from inference.detect.blazepose_model import MIRROR

    p = person(300, -60, 240)
    swapped = p.keypoints[MIRROR].copy()
    swapped[:11, :2] += (0, -25)         # an imagined head elsewhere above the photo
    swapped[11:, :2] += (4, 3)
    flipped = Person(box=p.box, score=p.score, keypoints=swapped)
    assert not same_person(p, person(300 + 0.2 * 240, -60, 240))  # shoulder to shoulder, heads apart: two
    assert same_person(p, flipped) and len(merge_people([p, flipped])) == 1
    # a neighbour facing the other way stays a person of their own
    other = person(300 + 0.2 * 240, -60, 240)
    other_flipped = Person(box=other.box, score=other.score, keypoints=other.keypoints[MIRROR].copy())
    assert not same_person(p, other_flipped) and len(merge_people([p, other_flipped])) == 2


def test_two_readings_of_one_detector_hit_with_their_hips_together_are_one_person():
    """A synthetic crowd's woman half behind another walker was listed twice (sweep101's big/00002): two skeletons
    of one detector hit (the same score), hips 0.12 and 0.19 of her size apart, the head of one reaching for the
    man's: one person. Two people of other hits with hips as close stay two, as do one hit's two readings with the
    hips apart, and a person a user boxed."""
    p = person(200, 100, 180, score=0.6176)
    kp = p.keypoints.copy()
    kp[:11, :2] += (25, -20)           # the head reaches for the man's: head boxes apart, nose ~32 px off
    kp[11:13, :2] += (12, -6)          # the shoulders too
    kp[23, :2] += (9, 5)
    kp[24, :2] += (14, 7)              # hips 0.12-0.19 x the body size apart
    other = Person(box=p.box + [10, -20, 10, 0], score=0.6176, keypoints=kp)
    assert same_person(p, other) and len(merge_people([p, other])) == 1
    assert not same_person(p, Person(box=other.box, score=0.7, keypoints=kp))  # another hit: two people
    apart = kp.copy()
    apart[23:25, 0] += 60
    assert not same_person(p, Person(box=other.box, score=0.6176, keypoints=apart))
    boxed = Person(box=other.box, score=0.6176, keypoints=kp, boxed=True)
    assert not same_person(p, boxed)


def test_of_two_duplicates_the_one_the_proposer_marks_at_the_hips_is_kept():
    """Two people one almost behind the other (first crowd tuning set, frame 12): a loose skeleton over both, with
    more sure keypoints, and the far one's own skeleton are one person by their heads. The proposer's peak on the
    own skeleton's hips keeps it; without peaks (portraits, small photos) the surer keypoints win, as before."""
    from inference.detect.people_net import Proposal

    own = person(200, 100, 160, score=0.78, vis=0.9)
    own.keypoints[25:, 2] = 0.3  # legs hidden by the near person: fewer sure keypoints
    loose = person(204, 98, 230, score=0.6, vis=0.9)  # hips lower, between the two people's
    assert same_person(own, loose)
    hips = own.keypoints[[23, 24], :2].mean(0)
    peak = Proposal(hips=hips, radius=80.0, angle=0.0, score=0.78)
    assert merge_people([loose, own]) == [loose]
    assert merge_people([loose, own], [peak]) == [own]
    assert merge_people([own, loose], [peak]) == [own]


def test_default_person_is_the_complete_central_one_not_the_largest_cut_off_box():
    shape = (600, 1000)
    whole = person(500, 200, 260)                       # whole body near the centre
    cut = person(950, 80, 900)                          # much larger, half outside the photo
    cut.keypoints[cut.keypoints[:, 1] > 600, 2] = 0.1   # the landmark model does not see what is cut off
    cut.keypoints[cut.keypoints[:, 0] > 1000, 2] = 0.1
    object.__setattr__(cut, "box", np.clip(cut.box, 0, [1000, 600, 1000, 600]).astype(np.float32))
    assert cut.area > 2 * whole.area
    assert completeness(whole, shape) == 1.0 and completeness(cut, shape) < 0.6
    assert rank_people([cut, whole], shape) == [whole, cut]
    # equally complete people: the larger first
    small = person(300, 300, 120)
    assert rank_people([small, whole], shape) == [whole, small]


def test_a_person_behind_another_is_kept_and_a_held_object_dropped():
    from inference.detect.merging import drop_nested

    h, w = 400, 400
    front = person(200, 60, 300)
    m = np.zeros((h, w), np.float32)
    m[60:360, 150:250] = 1  # the front person's silhouette
    front = Person(front.box, front.score, front.keypoints, Silhouette.of(m))
    # someone further back whose silhouette (as the landmark model paints it) spills onto the front person,
    # with the head above the front person's shoulder
    back = person(240, 20, 200)
    mb = np.zeros((h, w), np.float32)
    mb[20:220, 215:265] = 1
    back = Person(back.box, back.score, back.keypoints, Silhouette.of(mb))
    # a "person" seen in something the front person holds: silhouette and head on the front person
    held = person(200, 200, 80)
    mh = np.zeros((h, w), np.float32)
    mh[200:280, 180:220] = 1
    held = Person(held.box, held.score, held.keypoints, Silhouette.of(mh))
    assert drop_nested([front, back, held]) == [front, back]


def test_a_far_person_inside_a_near_persons_spilled_silhouette_is_kept():
    """In a crowd the near person's silhouette can take in a far person standing behind and above them
    (synthetic crowd tuning frame 13): the far person's head lies on that silhouette, but beyond the near
    person's own head, so the far person stays; the same small skeleton at the near person's chest does not."""
    from inference.detect.merging import drop_nested, head_above

    h, w = 420, 300
    near = person(150, 150, 240)
    m = np.zeros((h, w), np.float32)
    m[150:390, 110:190] = 1
    m[60:150, 125:175] = 1  # the spill: the far person behind, painted as the near person's
    near = Person(near.box, 0.61, near.keypoints, Silhouette.of(m))
    far = person(150, 62, 85)
    mf = np.zeros((h, w), np.float32)
    mf[62:147, 130:170] = 1
    far = Person(far.box, 0.66, far.keypoints, Silhouette.of(mf))
    assert head_above(far, near) and not head_above(near, far)
    assert drop_nested([near, far]) == [near, far]
    chest = person(150, 200, 85)  # the same skeleton lower down: something the near person holds
    mc = np.zeros((h, w), np.float32)
    mc[200:285, 130:170] = 1
    chest = Person(chest.box, 0.66, chest.keypoints, Silhouette.of(mc))
    assert not head_above(chest, near)
    assert drop_nested([near, chest]) == [near]


def test_a_person_level_with_a_near_one_is_kept_when_the_proposer_marks_their_hips():
    """Two people side by side with heads level, the near one's silhouette spilling over the far one (synthetic
    crowd tuning frames): without other evidence the far one is nested and dropped; a proposer peak on the far
    one's hips (and not on the near one's) keeps them. A peak on the near one's own hips keeps nothing, and a
    held object stays dropped when the peak marks its holder. A larger detection whose own hips no peak marks,
    holding a person the proposer marks, is a skeleton spanning people and gives way to them."""
    from inference.detect.merging import drop_nested, own_peak
    from inference.detect.people_net import Proposal

    h, w = 420, 320
    near = person(150, 60, 300)
    m = np.zeros((h, w), np.float32)
    m[60:360, 100:230] = 1  # the near person's silhouette, spilling over the far person on their right
    near = Person(near.box, 0.8, near.keypoints, Silhouette.of(m))
    far = person(200, 70, 200)  # head level with the near person's, not above it
    mf = np.zeros((h, w), np.float32)
    mf[70:270, 175:225] = 1
    far = Person(far.box, 0.6, far.keypoints, Silhouette.of(mf))
    assert drop_nested([near, far]) == [near]
    hips = lambda p: p.keypoints[[23, 24], :2].mean(0)  # noqa: E731
    on_far = Proposal(hips=hips(far), radius=100.0, angle=0.0, score=0.7)
    on_near = Proposal(hips=hips(near), radius=150.0, angle=0.0, score=0.9)
    assert own_peak(far, near, [on_far]) and not own_peak(far, near, [on_near])
    assert drop_nested([near, far], [on_near, on_far]) == [near, far]
    assert drop_nested([near, far], [on_near]) == [near]
    held = person(150, 200, 80)  # something the near person holds at their chest
    mh = np.zeros((h, w), np.float32)
    mh[200:280, 130:170] = 1
    held = Person(held.box, 0.6, held.keypoints, Silhouette.of(mh))
    assert drop_nested([near, held], [on_near]) == [near]
    span = person(175, 60, 300)  # hips between the two people, silhouette over both
    span = Person(np.array([100, 60, 230, 360], np.float32), 0.55, span.keypoints, Silhouette.of(m))
    assert drop_nested([span, far], [on_far]) == [far]
    assert drop_nested([span, far]) == [span]  # without the proposer (portraits, small photos): as before


def test_a_small_skeleton_on_a_persons_clothes_gives_way_to_the_person_even_with_a_peak_of_its_own():
    """OpenCV's basketball2.png: a skeleton 74 px tall on the pattern of a man's shirt (torso 22 px against his 149),
    with a proposer peak on its own hips and none on his: it is something he wears, not a person his skeleton
    spans, so he stays and it goes (before, he was dropped as a spanning skeleton and it was kept). With a peak on
    him as well, the small one is someone behind him, as before."""
    from inference.detect.merging import NESTED_PEER, drop_nested, peer
    from inference.detect.people_net import Proposal

    h, w = 480, 640
    man = person(530, 20, 460)
    m = np.zeros((h, w), np.float32)
    m[20:480, 430:640] = 1
    man = Person(man.box, 0.7, man.keypoints, Silhouette.of(m))
    shirt = person(518, 360, 74)
    ms = np.zeros((h, w), np.float32)
    ms[360:434, 505:531] = 1
    shirt = Person(shirt.box, 0.43, shirt.keypoints, Silhouette.of(ms))
    peak = Proposal(hips=shirt.keypoints[[23, 24], :2].mean(0), radius=30.0, angle=0.0, score=0.6)
    assert not peer(shirt, man) and 74 / 460 < NESTED_PEER
    assert drop_nested([man, shirt], [peak]) == [man]
    assert drop_nested([shirt, man], [peak]) == [man]
    assert drop_nested([man, shirt]) == [man]
    # with a peak on the man too, a small person nested in him is someone far behind him (synthetic crowd frame 56)
    on_man = Proposal(hips=man.keypoints[[23, 24], :2].mean(0), radius=150.0, angle=0.0, score=0.9)
    assert drop_nested([man, shirt], [peak, on_man]) == [man, shirt]


def test_a_skeleton_on_a_persons_legs_gives_way_to_the_person_even_with_a_peak_of_its_own():
    """Pose2Sim's cam04, moment 50: a man standing on one leg, the other out, found whole (score 0.95) and a
    skeleton of score 0.59 drawn on his standing leg, its torso 0.36 x his, its head by his knee, with the proposer's
    peak on its hips and none on his. Its head lies below his hips: something on his body, not a person beside him,
    so he stays and it goes (before, he gave way to it as a skeleton spanning two people). Where the proposer marks
    him too, a small person nested in him keeps their place as before (a child in front of him)."""
    from inference.detect.merging import drop_nested, on_legs, own_peak, peer
    from inference.detect.people_net import Proposal

    h, w = 800, 600

    def masked(cx, top, height, score, rows, cols):  # a person with a rectangle of silhouette
        p, m = person(cx, top, height), np.zeros((h, w), np.float32)
        m[rows[0]:rows[1], cols[0]:cols[1]] = 1
        return Person(p.box, score, p.keypoints, Silhouette.of(m))

    def peak_on(p, radius):
        return Proposal(hips=p.keypoints[[23, 24], :2].mean(0), radius=radius, angle=0.0, score=0.52)

    man = masked(300, 20, 660, 0.95, (20, 680), (200, 400))
    leg = masked(330, 360, 300, 0.59, (360, 660), (300, 360))  # head at y = 381, below his hips (y = 350)
    peak = peak_on(leg, 80.0)
    assert peer(leg, man) and own_peak(leg, man, [peak])
    assert on_legs(leg, man) and not on_legs(man, leg)
    assert drop_nested([man, leg], [peak]) == [man]
    assert drop_nested([leg, man], [peak]) == [man]
    on_man = peak_on(man, 200.0)
    assert drop_nested([man, leg], [peak, on_man]) == [man, leg]
    # cam03, moment 90: a skeleton on his shorts and legs, its head level with his hips
    shorts = masked(330, 330, 300, 0.41, (330, 630), (300, 360))  # head at y = 351
    assert on_legs(shorts, man)
    assert drop_nested([man, shorts], [peak_on(shorts, 80.0)]) == [man]
    # a person as large beside him, head level with his, still has the peak's say (a skeleton spanning two people)
    beside = masked(300, 40, 300, 0.59, (40, 340), (260, 340))
    assert not on_legs(beside, man)
    assert drop_nested([man, beside], [peak_on(beside, 80.0)]) == [beside]
    # a person below his hips with a torso of their own (0.6 x his), whom a loose skeleton spans together with
    # someone above them (synthetic crowd frame 12 of seed 20183), is not on his legs either
    low = masked(330, 340, 396, 0.64, (340, 736), (280, 380))  # head at y = 368, below his hips
    assert not on_legs(low, man)
    assert drop_nested([man, low], [peak_on(low, 100.0)]) == [low]


def test_a_loose_skeleton_swallowing_a_person_gives_way_to_the_person():
    """A ROI far larger than the person can give a loose skeleton whose silhouette covers the whole photo and
    the person in it (OpenCV's footballer photo, messi5.jpg): of the nested pair the one with the better
    keypoints is kept, here the person inside, not the larger detection."""
    from inference.detect.merging import drop_nested

    h, w = 300, 500
    real = person(250, 40, 240)
    m = np.zeros((h, w), np.float32)
    m[40:280, 210:290] = 1
    real = Person(real.box, 0.94, real.keypoints, Silhouette.of(m))
    loose_kp = standing(250, -100, 600)
    loose_kp[25:, 2] = 0.1  # its legs beyond the photo, not seen
    loose = Person(np.array([0, 0, 500, 300], np.float32), 0.59, loose_kp,
                   Silhouette.of(np.ones((h, w), np.float32)))
    assert drop_nested([loose, real]) == [real]
    assert drop_nested([real, loose]) == [real]
    # a second, weaker person beside the first, inside the loose silhouette too: losing to the loose
    # skeleton must not drop them once the loose skeleton itself gives way
    other = person(420, 60, 200, vis=0.9)
    other_kp = other.keypoints.copy()
    other_kp[20:, 2] = 0.1
    mo = np.zeros((h, w), np.float32)
    mo[60:260, 380:460] = 1
    other = Person(other.box, 0.6, other_kp, Silhouette.of(mo))
    for order in ([loose, real, other], [other, loose, real], [real, other, loose]):
        assert drop_nested(order) == [p for p in order if p is not loose]


def test_a_partial_skeleton_with_a_lower_score_does_not_replace_the_whole_person():
    """In the synthetic crowds a second, partial skeleton inside a whole person can have more confident keypoints
    but a lower detector score: the whole person stays (their box is the one that matches them)."""
    from inference.detect.merging import drop_nested

    h, w = 400, 300
    whole = person(150, 40, 320, vis=0.9)
    kp = whole.keypoints.copy()
    kp[27:, 2] = 0.2  # a few keypoints unsure
    m = np.zeros((h, w), np.float32)
    m[40:360, 110:190] = 1
    whole = Person(whole.box, 0.81, kp, Silhouette.of(m))
    part = person(150, 40, 160, vis=0.9)  # every keypoint sure, half the height, head on the whole person
    mp = np.zeros((h, w), np.float32)
    mp[40:200, 120:180] = 1
    part = Person(part.box, 0.58, part.keypoints, Silhouette.of(mp))
    assert drop_nested([whole, part]) == [whole]
    assert drop_nested([part, whole]) == [whole]


def test_specks_are_not_people():
    from inference.detect.merging import MIN_PERSON_PX, big_enough

    assert not big_enough(person(100, 100, MIN_PERSON_PX - 1))
    assert big_enough(person(100, 100, 50))  # the smallest people the wide-shot search is for
    lying = Person(np.array([0, 0, 60, 20], np.float32), 0.9, standing(30, 0, 20))
    assert big_enough(lying)


def test_a_person_only_the_proposer_found_must_be_50_px():
    from inference.detect.merging import big_enough
    from inference.detect.search import PROPOSAL_MIN_PX

    assert big_enough(person(100, 100, 45)) and not big_enough(person(100, 100, 45), PROPOSAL_MIN_PX)
    assert big_enough(person(100, 100, 50), PROPOSAL_MIN_PX)


def test_a_person_cut_by_the_frame_is_measured_by_their_skeleton():
    """A 70 px walker whose hips the bottom edge of a 640 px frame cuts shows a 35 px box: too small as a box,
    big enough by the skeleton the landmark model places beyond the edge; a speck inside the frame is not."""
    from inference.detect.merging import big_enough
    from inference.detect.search import PROPOSAL_MIN_PX

    cut = person(500, 605, 70)
    cut = Person(np.array([cut.box[0], 605, cut.box[2], 640], np.float32), cut.score, cut.keypoints)
    assert not big_enough(cut, PROPOSAL_MIN_PX)  # without the image's shape: the box alone
    assert big_enough(cut, PROPOSAL_MIN_PX, (640, 1024, 3))
    inside = Person(np.array([cut.box[0], 500, cut.box[2], 535], np.float32), cut.score, cut.keypoints - [0, 105, 0])
    assert not big_enough(inside, PROPOSAL_MIN_PX, (640, 1024, 3))
    # a dark walker whose silhouette and seen keypoints stop 6 px above the bottom edge (crowd tuning frame 18 of
    # seed 20191): the box does not touch the frame, the skeleton's knees and feet lie beyond it
    short = Person(np.array([cut.box[0], 605, cut.box[2], 634], np.float32), cut.score, cut.keypoints)
    assert not short.edges((640, 1024, 3)) and big_enough(short, PROPOSAL_MIN_PX, (640, 1024, 3))
    one_foot = cut.keypoints.copy()
    one_foot[:, 1] -= 40  # the whole skeleton inside the frame but for one landmark: not cut
    one_foot[27, 1] = 645  # the left ankle
    assert not big_enough(Person(short.box - [0, 40, 0, 40], cut.score, one_foot), PROPOSAL_MIN_PX, (640, 1024, 3))
