"""widgets/quality_badge.py: the fit-quality line in a narrow pane."""
from __future__ import annotations

from inference.fit_quality import FitQuality


def test_a_narrow_badge_elides_the_summary_and_keeps_the_warning(qtbot):
    """helper-82: at 1280 x 720 with the folder list open the line read "...IoU 0.69 (before your edi" and the
    warning was gone. Both parts are elided now; the warning keeps its sign and a word."""
    from widgets.quality_badge import QualityBadge

    q = FitQuality(agreement=0.91, agreement_n=30, pck=1.0, pck_n=14, pck_threshold_px=20.0, mask_iou=0.69,
                   mask_inside=0.95, mask_source="detector mask", detector_score=0.9,
                   warnings=("person cut by the frame (feet outside the photo)",), verdict="doubtful")
    badge = QualityBadge()
    qtbot.addWidget(badge)
    badge.set_edited(True)
    badge.set_quality(q)
    for width in (900, 260):
        badge.resize(width, 30)
        badge.show()
        qtbot.waitExposed(badge)
        qtbot.wait(10)
        text, warn = badge.text, badge.warn
        assert warn.isVisible() and warn.width() >= warn.fontMetrics().horizontalAdvance("⚠ person…")
        assert text.x() + text.width() <= warn.x() <= badge.width() - warn.width()  # side by side, inside
    assert text.width() < text.sizeHint().width()  # the summary gave way (drawn with '…')
