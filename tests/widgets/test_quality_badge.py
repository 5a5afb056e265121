"""widgets/quality_badge.py: the fit-quality line in a narrow pane, and in the window at its common sizes."""
from __future__ import annotations

import pytest

from inference.fit_quality import FitQuality


def _quality(**kw) -> FitQuality:
    """A doubtful fit of a person cut by the frame (the numbers and warning of a half-length portrait)."""
    return FitQuality(**{"agreement": 0.91, "agreement_n": 30, "pck": 1.0, "pck_n": 14, "pck_threshold_px": 20.0,
                         "mask_iou": 0.69, "mask_inside": 0.95, "mask_source": "detector mask", "detector_score": 0.9,
                         "warnings": ("person cut by the frame (feet outside the photo)",), "verdict": "doubtful",
                         **kw})


def test_a_narrow_badge_puts_the_rest_under_the_summary_and_elides_what_still_does_not_fit(qtbot):
    """helper-82: at 1280 x 720 with the folder list open the line read "...IoU 0.69 (before your edi" and the
    warning was gone. Where the badge holds it all, one line; where it does not, the note and the warning on a line
    of their own under the summary; a line too narrow even then is elided, and the warning keeps its sign and a
    word."""
    from widgets.quality_badge import QualityBadge

    badge = QualityBadge()
    qtbot.addWidget(badge)
    badge.set_edited(True)
    badge.set_quality(_quality())
    badge.resize(900, badge.sizeHint().height())
    badge.show()
    qtbot.waitExposed(badge)
    qtbot.wait(10)
    text, note, warn = badge.text, badge.note, badge.warn
    assert note.text() == "(before your edits)" and note.isVisible() and warn.isVisible()
    assert not badge.wrapped and not any(lab.elided for lab in (text, note, warn))
    assert text.x() + text.width() <= note.x() < note.x() + note.width() <= warn.x() <= badge.width() - warn.width()
    one_line = badge.sizeHint().height()
    for width in (420, 260):
        badge.resize(width, 2 * one_line)  # (a window of its own: its height is the test's; in a pane, its hint's)
        qtbot.waitUntil(lambda: badge.wrapped and badge.sizeHint().height() > one_line, timeout=2000)
        qtbot.wait(10)
        assert note.y() == warn.y() >= text.y() + text.height() and note.x() == text.x()  # under it, aligned
        assert note.x() + note.width() <= warn.x() and warn.x() + warn.width() <= badge.width()  # inside
        assert warn.y() + warn.height() <= badge.height()
        assert warn.isVisible() and warn.width() >= warn.fontMetrics().horizontalAdvance("⚠ person…")
    assert text.elided  # at 260 px: the summary gave way (drawn with '…'); the tooltip has it all
    badge.resize(420, 2 * one_line)
    qtbot.waitUntil(lambda: text.width() >= text.sizeHint().width(), timeout=2000)
    assert not any(lab.elided for lab in (text, note, warn))  # two lines, every word
    badge.resize(900, one_line)  # wide again: one line again
    qtbot.waitUntil(lambda: not badge.wrapped and badge.sizeHint().height() == one_line, timeout=2000)


def _cut(label) -> bool:
    """The label is narrower than its text (an elided label draws it with '…')."""
    return label.fontMetrics().horizontalAdvance(label.text()) > label.width()


@pytest.mark.parametrize("edited", [False, True])
def test_the_quality_line_is_not_cut_in_a_1280_px_window(qtbot, window, edited):
    """At 1280 x 800 (the app's common size) the photo pane is about 450 px wide: the line was cut to
    "good fit · parts 83% · PCK 100% · IoU 0.73 ⚠ person cut by th…" although every word reads on two lines. Also
    in a 1000 px window; at 1920 px it is all one line."""
    from PySide6.QtWidgets import QLabel

    from tests.app.support import PHOTOS
    from tests.widgets.test_main_window import wait_prediction

    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=5000)
    assert window.controller.open_file(PHOTOS / "astronaut.jpg")
    wait_prediction(qtbot, window)
    badge = window.photo.quality
    badge.set_edited(edited)  # (edited: "... IoU 0.73 (before your edits)", the longest line)
    for width, height in ((1280, 800), (1000, 750), (1920, 1080)):
        window.resize(width, height)
        qtbot.waitUntil(lambda w=width: window.width() == w, timeout=5000)
        window.photo.set_quality(_quality(verdict="good", mask_iou=0.73))
        qtbot.wait(100)
        assert badge.isVisible()
        pieces = [lab for lab in badge.findChildren(QLabel) if lab is not badge.dot and lab.isVisible()]
        said = [(lab.text(), lab.x(), lab.y(), lab.width()) for lab in pieces] + [badge.width()]
        assert ("before your edits" in " ".join(lab.text() for lab in pieces)) == edited, said
        assert any("cut by the frame" in lab.text() for lab in pieces), said
        assert not any(_cut(lab) for lab in pieces), (width, said)
        assert (len({lab.y() for lab in pieces}) == 1) == (width == 1920), (width, said)  # one line or two
        for lab in pieces:  # inside the badge, which is inside the photo pane
            assert lab.x() >= 0 and lab.x() + lab.width() <= badge.width() and lab.y() + lab.height() <= badge.height()
        assert badge.mapTo(window.photo, badge.rect().bottomRight()).x() <= window.photo.width()
